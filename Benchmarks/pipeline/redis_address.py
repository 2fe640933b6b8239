"""A Redis client from Ferry's address forms: HOST:PORT, [IPv6]:PORT, redis://HOST:PORT,
a Unix socket path, or unix:///PATH (as `--redis` takes them). Uses redis-py."""
import redis


def connect(address):
    if address.startswith("unix://"):
        return redis.Redis(unix_socket_path=address[len("unix://"):])
    if address.startswith("/"):
        return redis.Redis(unix_socket_path=address)
    plain = address[len("redis://"):] if address.startswith("redis://") else address
    host, _, port = plain.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"--redis must be HOST:PORT or a Unix socket path, got {address!r}")
    return redis.Redis(host=host.strip("[]"), port=int(port))
