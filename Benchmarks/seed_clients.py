#!/usr/bin/env python3
"""The seed's two clients, against any server speaking /proxy_classify.

Standard library only. Two shapes (see shared/DESIGN.md):
  burst  (seed-mix)        each client sends its requests all at once, as the
                           seed's simulate_clients.py really behaves: A sends 100
                           after ~7.5 s, waits for all answers, pauses, repeats
                           5 times; B sends its 12 after ~4.2 s.
  paced  (seed-mix-paced)  each request is sent at the moment the seed's sleeps
                           suggest, without waiting for earlier answers.

Prints the wall time, how many answers were HTTP 200 with a valid label, and
latency per client. Exits 1 if any request failed.

  python3 Benchmarks/seed_clients.py --url http://127.0.0.1:8000 --shape burst
"""
import argparse
import json
import random
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def classify(url, text, client):
    body = json.dumps({"sequence": text}).encode()
    req = urllib.request.Request(url + "/proxy_classify", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "X-Client-Id": client})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=160) as r:
            ok = r.status == 200 and json.loads(r.read()).get("result") in ("code", "not code")
    except Exception as e:  # a failure is counted, never hidden
        print(f"{client}: request failed: {e}", file=sys.stderr)
        ok = False
    return client, ok, time.monotonic() - start


def run(url, shape, scale, seed):
    rng = random.Random(seed)
    results, lock = [], threading.Lock()
    pool = ThreadPoolExecutor(max_workers=256)

    def record(fut):
        with lock:
            results.append(fut.result())

    def client_a():
        for burst in range(5):
            texts, waits = [], []
            for _ in range(100):
                texts.append("a" * rng.randint(5, 12))
                waits.append(rng.uniform(0.05, 0.1) * scale)
            if shape == "burst":
                time.sleep(sum(waits))
                futs = [pool.submit(classify, url, t, "A") for t in texts]
                for f in futs:
                    f.add_done_callback(record)
                for f in futs:
                    f.result()
            else:
                futs = []
                for t, w in zip(texts, waits):
                    time.sleep(w)
                    futs.append(pool.submit(classify, url, t, "A"))
                    futs[-1].add_done_callback(record)
                for f in futs:
                    f.result()
            if burst < 2:
                time.sleep(rng.uniform(0.5, 1.0) * scale)

    def client_b():
        texts = ["b" * rng.randint(10, 25) for _ in range(12)]
        waits = [rng.uniform(0.2, 0.5) * scale for _ in range(12)]
        futs = []
        if shape == "burst":
            time.sleep(sum(waits))
            futs = [pool.submit(classify, url, t, "B") for t in texts]
        else:
            for t, w in zip(texts, waits):
                time.sleep(w)
                futs.append(pool.submit(classify, url, t, "B"))
        for f in futs:
            f.add_done_callback(record)
        for f in futs:
            f.result()

    start = time.monotonic()
    threads = [threading.Thread(target=client_a), threading.Thread(target=client_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pool.shutdown(wait=True)
    return time.monotonic() - start, results


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--shape", choices=["burst", "paced"], default="burst")
    p.add_argument("--scale", type=float, default=1.0, help="multiply the clients' sleeps (0.1 = ten times faster)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    wall, results = run(args.url.rstrip("/"), args.shape, args.scale, args.seed)
    ok = sum(1 for _, good, _ in results if good)
    print(f"shape={args.shape} wall={wall:.2f}s answered={ok}/{len(results)}")
    for client in ("A", "B"):
        lat = sorted(l * 1000 for c, _, l in results if c == client)
        if lat:
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
            print(f"  client {client}: n={len(lat)} mean={statistics.mean(lat):.1f}ms "
                  f"p50={statistics.median(lat):.1f}ms p95={p95:.1f}ms max={lat[-1]:.1f}ms")
    sys.exit(0 if ok == len(results) == 512 else 1)


if __name__ == "__main__":
    main()
