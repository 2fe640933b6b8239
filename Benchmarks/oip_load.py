#!/usr/bin/env python3
"""Load test for any Open Inference Protocol server (KServe v2 / Triton), with tritonclient.

  python3 Benchmarks/oip_load.py --url 127.0.0.1:8001 --protocol grpc --concurrency 8 --requests 2000
  python3 Benchmarks/oip_load.py --url 127.0.0.1:8000 --protocol http --duration 10 --batch 4
  python3 Benchmarks/oip_load.py --url 127.0.0.1:8011 --protocol grpc --rate 200 --requests 1000

Sends `infer` requests for --model (default `classifier`: input TEXT, BYTES;
output LABEL) with NVIDIA's standard client, tritonclient (installed by
.ci/install): over gRPC (raw_input_contents) or HTTP (binary tensor data
extension; --http-json for JSON tensors, e.g. for MLServer). Each request
holds --batch rows, shape [K, 1] (Triton's batch dimension; --shape n for [K]).

Closed loop (the default): --concurrency workers, each sends its next request
when the previous one is answered. Open loop (--rate R): requests are
scheduled R per second and latency counts from the scheduled time, so a
stalled server (or a client with too few workers) cannot hide latency; the
--concurrency workers then only bound how many are in flight.

Bounded: --requests N (default 1000, at most 1,000,000) or --duration S (at
most 3600 s) of sending; the whole run stops after --max-wall-s whatever
happens. Each worker first sends --warmup requests (default 1, not counted)
to open its connection. Only loopback targets (127.0.0.0/8, ::1, localhost).

Prints throughput (requests/s and rows/s over the measured wall time), latency
(mean, p50, p90, p99, max in ms, per request), the labels answered, and
errors by status (gRPC codes, HTTP statuses; with --verify, "wrong label"
when a label differs from the text's known one). Exits 1 on any error unless
--allow-errors, 2 when the server cannot be reached or the arguments are bad.
--json-out FILE also writes the figures as JSON.

Images (--images DIR, with --input IMAGE): the .jpg/.png files of DIR; with
--verify, a label "CLASS:SCORE" must name a class DIR's labels.json accepts.

Texts (--texts): `seed` are the seed clients' strings ("a" × 5-12, "b" × 10-25;
"not code" by the seed's rule); `code-and-prose` alternates short source
snippets and English sentences whose labels the seed's rule and magika agree
on ("code" / "not code").
"""
import argparse
import ipaddress
import json
import math
import os
import random
import socket
import sys
import threading
import time

import numpy as np

CODE = [
    "def f(x):\n    return x * 2\n",
    "int main(void) { printf(\"hello\\n\"); return 0; }",
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n",
    "for (let i = 0; i < 10; i++) { console.log(i); }",
    "import os\n\ndef main():\n    print(os.getcwd())\n\nif __name__ == '__main__':\n    main()\n",
    "public class Hello { public static void main(String[] args) { System.out.println(\"hi\"); } }",
    "fn add(a: i32, b: i32) -> i32 { a + b }",
    "SELECT name, count(*) FROM users WHERE age > 30 GROUP BY name;",
]
PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "It was a bright cold day in April, and the clocks were striking thirteen.",
    "Please remember to bring your umbrella tomorrow because it might rain in the afternoon.",
    "The meeting has been moved to Thursday at three o'clock in the small conference room.",
    "She walked along the river for an hour before turning back toward the old town.",
    "Our library will be closed next Monday for the public holiday.",
    "He bought bread, cheese and a few apples at the market this morning.",
    "The museum's new exhibition shows paintings from the early twentieth century.",
]


def seed_rule(text):
    """The seed's rule (Ferry's simulated backend, the reference model server)."""
    return "code" if any(m in text for m in (";", "{", "}", "def ", "class ")) else "not code"


def make_images(folder):
    """(JPEG or PNG bytes, accepted classes or None) pairs from `folder`; the
    classes come from its labels.json when there is one (make_test_images.py
    writes it), and a label "CLASS:SCORE" is right when CLASS is accepted."""
    labels = {}
    path = os.path.join(folder, "labels.json")
    if os.path.exists(path):
        with open(path) as f:
            labels = json.load(f)
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png")))
    if not names:
        raise SystemExit(f"oip_load: no .jpg or .png files in {folder}")
    pairs = []
    for n in names:
        with open(os.path.join(folder, n), "rb") as f:
            pairs.append((f.read(), labels.get(n)))
    return pairs


def make_texts(kind, seed):
    """(text, expected label) pairs the requests cycle through."""
    if kind == "seed":
        rng = random.Random(seed)
        pool = ["a" * rng.randint(5, 12) for _ in range(100)] + ["b" * rng.randint(10, 25) for _ in range(12)]
        rng.shuffle(pool)
        return [(t, seed_rule(t)) for t in pool]
    pairs = []
    for c, p in zip(CODE, PROSE):
        pairs += [(c, "code"), (p, "not code")]
    for t, label in pairs:
        assert seed_rule(t) == label, t
    return pairs


def loopback_only(url):
    """HOST:PORT, the host loopback; returns (host, port) or raises ValueError."""
    host, sep, port = url.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"--url must be HOST:PORT, got {url!r}")
    host = host.strip("[]")
    addrs = {ai[4][0] for ai in socket.getaddrinfo(host, int(port), proto=socket.IPPROTO_TCP)}
    if not addrs or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs):
        raise ValueError(f"--url {url!r} is not a loopback address ({', '.join(sorted(addrs))}); this tool only loads local servers")
    return host, int(port)


def percentile(sorted_values, q):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


class Run:
    """Shared state: which request is next, and what happened to each."""

    def __init__(self, a, texts):
        self.a = a
        self.texts = texts
        self.lock = threading.Lock()
        self.next = 0
        self.latencies = []  # seconds, successful requests
        self.errors = {}  # status -> count
        self.error_examples = {}
        self.labels = {}
        self.sent = 0
        self.ok = 0
        self.start = None
        self.stop_at = None  # monotonic time after which nothing new is sent
        self.hard_stop = None
        self.last_done = None

    def take(self):
        """The next request's index and scheduled time (None when done)."""
        with self.lock:
            now = time.monotonic()
            if self.a.requests is not None and self.next >= self.a.requests:
                return None
            if now >= self.hard_stop or (self.stop_at is not None and now >= self.stop_at):
                return None
            i = self.next
            self.next += 1
            scheduled = self.start + i / self.a.rate if self.a.rate else None
            if scheduled is not None and self.stop_at is not None and scheduled >= self.stop_at:
                return None
            return i, scheduled

    def record(self, latency, status, labels=None, example=None):
        with self.lock:
            self.sent += 1
            self.last_done = time.monotonic()
            if status is None:
                self.ok += 1
                self.latencies.append(latency)
                for label in labels or []:
                    self.labels[label] = self.labels.get(label, 0) + 1
            else:
                self.errors[status] = self.errors.get(status, 0) + 1
                if example and status not in self.error_examples:
                    self.error_examples[status] = example[:200]


def make_client(a):
    if a.protocol == "grpc":
        import tritonclient.grpc as tc
        return tc, tc.InferenceServerClient(url=a.url)
    import tritonclient.http as tc
    # One connection per worker: each worker has its own client.
    return tc, tc.InferenceServerClient(url=a.url, concurrency=1, connection_timeout=a.timeout_s, network_timeout=a.timeout_s)


def build_inputs(tc, a, texts):
    data = np.array([t.encode("utf-8") if isinstance(t, str) else t for t in texts], dtype=np.object_)
    if a.shape == "n1":
        data = data.reshape(-1, 1)
    inp = tc.InferInput(a.input, list(data.shape), "BYTES")
    if a.protocol == "http":
        inp.set_data_from_numpy(data, binary_data=not a.http_json)
        out = tc.InferRequestedOutput(a.output, binary_data=not a.http_json)
    else:
        inp.set_data_from_numpy(data)
        out = tc.InferRequestedOutput(a.output)
    return [inp], [out]


def one_request(tc, client, a, texts, headers):
    """Sends one request; returns (status or None, labels, message)."""
    from tritonclient.utils import InferenceServerException
    inputs, outputs = build_inputs(tc, a, [t for t, _ in texts])
    try:
        if a.protocol == "grpc":
            result = client.infer(a.model, inputs, outputs=outputs, headers=headers, client_timeout=a.timeout_s)
        else:
            result = client.infer(a.model, inputs, outputs=outputs, headers=headers)
    except InferenceServerException as e:
        status = str(e.status()) if e.status() is not None else "error"
        return status.replace("StatusCode.", ""), None, e.message() or str(e)
    except Exception as e:  # a connection refused or reset: counted, never hidden
        return type(e).__name__, None, str(e)
    label = result.as_numpy(a.output)
    if label is None:
        return f"no {a.output}", None, f"the answer has no {a.output} output"
    got = [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in label.reshape(-1)]
    if len(got) != len(texts):
        return "wrong row count", None, f"{len(got)} labels for {len(texts)} rows"
    if a.verify:
        def right(want, g):
            if isinstance(want, list):  # an image's accepted classes; the label is "CLASS:SCORE"
                return g.rsplit(":", 1)[0] in want
            return want is None or g == want
        wrong = [(t, want, g) for (t, want), g in zip(texts, got) if not right(want, g)]
        if wrong:
            t, want, g = wrong[0]
            shown = t[:40] if isinstance(t, str) else f"{len(t)}-byte image"
            return "wrong label", None, f"{shown!r}: expected {want!r}, got {g!r}"
    return None, got, None


def worker(run, wid, ready, go):
    a = run.a
    headers = {"x-client-id": f"{a.client_id}-{wid}" if a.client_per_worker else a.client_id}
    tc = client = None
    try:
        tc, client = make_client(a)
        for w in range(a.warmup):
            texts = [run.texts[(wid * 7 + w + j) % len(run.texts)] for j in range(a.batch)]
            status, _, message = one_request(tc, client, a, texts, headers)
            if status is not None and w == a.warmup - 1 and status in ("UNAVAILABLE", "ConnectionRefusedError"):
                print(f"oip_load: warm-up failed: {status} {message}", file=sys.stderr)
    except Exception as e:
        print(f"oip_load: worker {wid} could not start: {e}", file=sys.stderr)
        client = None
    ready.release()
    go.wait()
    if client is None:
        return
    try:
        while True:
            taken = run.take()
            if taken is None:
                return
            i, scheduled = taken
            if scheduled is not None:
                delay = scheduled - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            texts = [run.texts[(i * a.batch + j) % len(run.texts)] for j in range(a.batch)]
            sent = time.monotonic()
            status, labels, message = one_request(tc, client, a, texts, headers)
            done = time.monotonic()
            run.record(done - (scheduled if scheduled is not None else sent), status, labels, message)
    finally:
        try:
            client.close()
        except Exception:
            pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="HOST:PORT of the server's HTTP or gRPC face (loopback only)")
    p.add_argument("--protocol", choices=["grpc", "http"], default="grpc")
    p.add_argument("--model", default="classifier")
    p.add_argument("--concurrency", type=int, default=8, help="workers (closed loop: requests in flight)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--requests", type=int, help="requests to send (default 1000)")
    g.add_argument("--duration", type=float, help="seconds to send for, instead of a count")
    p.add_argument("--rate", type=float, default=0, help="open loop: requests per second (0: closed loop)")
    p.add_argument("--batch", type=int, default=1, help="rows (texts) per request")
    p.add_argument("--texts", choices=["seed", "code-and-prose"], default="code-and-prose")
    p.add_argument("--images", metavar="DIR", help="send the .jpg/.png files of DIR (with --input IMAGE) instead of texts")
    p.add_argument("--input", default="TEXT", help="the model's input tensor (BYTES)")
    p.add_argument("--output", default="LABEL", help="the model's output tensor (BYTES)")
    p.add_argument("--shape", choices=["n1", "n"], default="n1", help="TEXT as [K, 1] (default) or [K]")
    p.add_argument("--http-json", action="store_true", help="HTTP: JSON tensors instead of the binary extension")
    p.add_argument("--verify", action="store_true", help="count a label other than the text's known one as an error")
    p.add_argument("--warmup", type=int, default=1, help="requests per worker before measuring (not counted)")
    p.add_argument("--timeout-s", type=float, default=60, help="per request")
    p.add_argument("--max-wall-s", type=float, default=900, help="stop sending after this long whatever happens")
    p.add_argument("--client-id", default="oip-load", help="x-client-id header / metadata")
    p.add_argument("--client-per-worker", action="store_true", help="x-client-id CLIENT-<worker> (one client each)")
    p.add_argument("--allow-errors", action="store_true", help="exit 0 even when some requests failed")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json-out", help="also write the figures as JSON to this file")
    a = p.parse_args()

    if a.requests is None and a.duration is None:
        a.requests = 1000
    problems = []
    if not 1 <= a.concurrency <= 256:
        problems.append("--concurrency must be 1..256")
    if a.requests is not None and not 1 <= a.requests <= 1_000_000:
        problems.append("--requests must be 1..1,000,000")
    if a.duration is not None and not 0 < a.duration <= 3600:
        problems.append("--duration must be in (0, 3600] s")
    if not 1 <= a.batch <= 1024:
        problems.append("--batch must be 1..1024")
    if a.rate < 0 or a.rate > 100_000:
        problems.append("--rate must be 0..100,000")
    if not 0 <= a.warmup <= 100:
        problems.append("--warmup must be 0..100")
    if not 0 < a.max_wall_s <= 7200:
        problems.append("--max-wall-s must be in (0, 7200]")
    try:
        loopback_only(a.url)
    except (ValueError, OSError) as e:
        problems.append(str(e))
    if problems:
        for m in problems:
            print(f"oip_load: {m}", file=sys.stderr)
        return 2

    try:
        tc, probe = make_client(a)
        deadline = time.monotonic() + 10
        while True:
            try:
                if probe.is_server_live():
                    break
            except Exception as e:
                if time.monotonic() >= deadline:
                    print(f"oip_load: cannot reach {a.protocol}://{a.url}: {e}", file=sys.stderr)
                    return 2
            time.sleep(0.2)
        probe.close()
    except Exception as e:
        print(f"oip_load: cannot reach {a.protocol}://{a.url}: {e}", file=sys.stderr)
        return 2

    run = Run(a, make_images(a.images) if a.images else make_texts(a.texts, a.seed))
    ready = threading.Semaphore(0)
    go = threading.Event()
    threads = [threading.Thread(target=worker, args=(run, w, ready, go), daemon=True) for w in range(a.concurrency)]
    for t in threads:
        t.start()
    for _ in threads:
        ready.acquire()
    run.start = time.monotonic() + 0.01
    run.hard_stop = run.start + a.max_wall_s
    if a.duration is not None:
        run.stop_at = run.start + a.duration
    go.set()
    for t in threads:
        # Bounded: a request holds a worker at most --timeout-s beyond the hard stop.
        t.join(max(0.1, run.hard_stop + a.timeout_s + 5 - time.monotonic()))
    stuck = sum(t.is_alive() for t in threads)
    end = run.last_done or time.monotonic()

    with run.lock:
        lat = sorted(x * 1000 for x in run.latencies)
        wall = max(1e-9, end - run.start)
        figures = {
            "url": a.url, "protocol": a.protocol, "model": a.model,
            "loop": f"open {a.rate:g}/s" if a.rate else "closed",
            "concurrency": a.concurrency, "batch": a.batch, "texts": a.images or a.texts,
            "requests": run.sent, "ok": run.ok, "errors": dict(sorted(run.errors.items())),
            "wall_s": round(wall, 3),
            "requests_per_s": round(run.ok / wall, 1), "rows_per_s": round(run.ok * a.batch / wall, 1),
            "latency_ms": {
                "mean": round(sum(lat) / len(lat), 3) if lat else None,
                "p50": round(percentile(lat, 50), 3) if lat else None,
                "p90": round(percentile(lat, 90), 3) if lat else None,
                "p99": round(percentile(lat, 99), 3) if lat else None,
                "max": round(lat[-1], 3) if lat else None,
            },
            "labels": dict(sorted(run.labels.items())),
            "stuck_workers": stuck,
        }
        examples = dict(run.error_examples)

    L = figures["latency_ms"]
    fmt = lambda v: "-" if v is None else f"{v:.2f}"
    print(f"oip_load: {a.protocol}://{a.url} model={a.model} {figures['loop']} loop, concurrency {a.concurrency}, "
          f"{a.batch} row(s)/request, " + (f"images from {a.images}" if a.images else f"texts {a.texts}"))
    print(f"  requests  {run.sent} sent, {run.ok} ok, {run.sent - run.ok} errors, in {wall:.2f} s")
    print(f"  throughput  {figures['requests_per_s']:.1f} requests/s, {figures['rows_per_s']:.1f} rows/s")
    print(f"  latency ms  mean {fmt(L['mean'])}  p50 {fmt(L['p50'])}  p90 {fmt(L['p90'])}  p99 {fmt(L['p99'])}  max {fmt(L['max'])}")
    print("  labels  " + (", ".join(f"{k} {v}" for k, v in figures["labels"].items()) or "none")
          + ("  (verified)" if a.verify else ""))
    if run.errors:
        print("  errors by status:")
        for status, n in sorted(run.errors.items(), key=lambda kv: -kv[1]):
            print(f"    {status}: {n}  e.g. {examples.get(status, '')}")
    else:
        print("  errors by status: none")
    if stuck:
        print(f"  {stuck} worker(s) still waiting on a request at exit")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(figures, f, indent=2, sort_keys=True)
    failed = run.sent - run.ok > 0 or stuck > 0 or run.sent == 0
    return 1 if failed and not a.allow_errors else 0


if __name__ == "__main__":
    sys.exit(main())
