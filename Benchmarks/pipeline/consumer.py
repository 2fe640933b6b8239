#!/usr/bin/env python3
"""The Kookree pipeline's consumer: reads the answers Ferry's stream ingress
writes to the results stream and logs each frame's end-to-end latency (from
the producer's `sent_ns` to now, so producer and consumer share a clock: one
host) and the throughput, to the console and, with timestamps, to a file;
then prints a summary.

  python3 Benchmarks/pipeline/consumer.py --redis 127.0.0.1:6379 --results frames:results --duration 30
  python3 Benchmarks/pipeline/consumer.py --redis /tmp/redis.sock --frames 300 --from-start --log frames.log

Ends after --duration seconds (default 30) or --frames answers, whichever
first. Without --from-start it reads only answers written after it started.
The summary: frames, FPS, latency mean/p50/p95/p99/max, errors (answers whose
status is not ok, and entries in the dead-letter stream, --dead), and any
entry answered twice. --json-out FILE writes the summary as JSON. Exits 1
when it saw an error or a duplicate, or fewer than --frames answers.
"""
import argparse
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, int(round(q / 100 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def text(fields, name):
    v = fields.get(name.encode())
    return v.decode("utf-8", "replace") if v is not None else None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--redis", default="127.0.0.1:6379")
    p.add_argument("--results", default="frames:results")
    p.add_argument("--dead", default=None, help="the dead-letter stream (default: the results stream's STREAM:dead)")
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--frames", type=int, default=0, help="stop after this many answers (0: no limit)")
    p.add_argument("--from-start", action="store_true", help="read the results stream from its start")
    p.add_argument("--log", default="pipeline-frames.log", help="one timestamped line per frame")
    p.add_argument("--json-out", default=None)
    p.add_argument("--quiet", action="store_true", help="no line per frame on the console (the file still has them)")
    a = p.parse_args()
    from redis_address import connect
    broker = connect(a.redis)
    dead = a.dead or (a.results[: -len(":results")] + ":dead" if a.results.endswith(":results") else a.results + ":dead")
    dead_before = broker.xlen(dead)
    last = "0-0" if a.from_start else "$"
    latencies, errors, seen, duplicates = [], 0, set(), 0
    start = time.monotonic()
    first_ns = None
    second_mark, second_count = start, 0
    with open(a.log, "a", buffering=1) as log:
        while time.monotonic() - start < a.duration and not (a.frames and len(latencies) + errors >= a.frames):
            left_ms = max(1, int((a.duration - (time.monotonic() - start)) * 1000))
            reply = broker.xread({a.results: last}, count=256, block=min(1000, left_ms))
            now_ns = time.time_ns()
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    last = entry_id
                    entry = text(fields, "entry")
                    if entry in seen:
                        duplicates += 1
                    seen.add(entry)
                    status = text(fields, "status")
                    sent = text(fields, "sent_ns")
                    latency_ms = (now_ns - int(sent)) / 1e6 if sent else float("nan")
                    first_ns = first_ns or now_ns
                    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
                    if status == "ok":
                        latencies.append(latency_ms)
                        line = f"{stamp} frame={text(fields, 'frame')} entry={entry} label={text(fields, 'result')!r} latency_ms={latency_ms:.1f}"
                    else:
                        errors += 1
                        line = f"{stamp} frame={text(fields, 'frame')} entry={entry} status={status} error={text(fields, 'error')!r}"
                    log.write(line + "\n")
                    if not a.quiet:
                        print(line, flush=True)
                    second_count += 1
            if time.monotonic() - second_mark >= 1:
                rate = second_count / (time.monotonic() - second_mark)
                line = f"consumer: {len(latencies) + errors} answers, {rate:.1f} fps over the last second"
                log.write(datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds") + " " + line + "\n")
                print(line, flush=True)
                second_mark, second_count = time.monotonic(), 0
    elapsed = time.monotonic() - start
    active = (time.time_ns() - first_ns) / 1e9 if first_ns else elapsed
    dead_new = broker.xlen(dead) - dead_before
    values = sorted(latencies)
    summary = {
        "frames": len(latencies), "errors": errors, "dead_letters": dead_new, "duplicates": duplicates,
        "seconds": round(elapsed, 2), "fps": round(len(latencies) / max(active, 1e-9), 2),
        "latency_ms": {"mean": round(sum(values) / len(values), 1) if values else 0.0,
                       "p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1),
                       "p99": round(percentile(values, 99), 1), "max": round(values[-1], 1) if values else 0.0},
    }
    lines = [
        f"summary: {summary['frames']} frames in {summary['seconds']} s, {summary['fps']} fps "
        f"(from the first answer), errors {errors}, dead letters {dead_new}, duplicates {duplicates}",
        "latency ms: mean {mean}  p50 {p50}  p95 {p95}  p99 {p99}  max {max}".format(**summary["latency_ms"]),
    ]
    with open(a.log, "a") as log:
        for line in lines:
            log.write(datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds") + " " + line + "\n")
    print("\n".join(lines), flush=True)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(summary, f)
    short = a.frames and len(latencies) + errors < a.frames
    sys.exit(1 if errors or duplicates or dead_new or short else 0)


if __name__ == "__main__":
    main()
