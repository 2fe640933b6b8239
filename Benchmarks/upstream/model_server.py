#!/usr/bin/env python3
"""Reference model server: the seed's classification server contract.

  POST /classify  {"sequences": [1 to 5 strings]}  ->  {"results": ["code" | "not code", ...]}
  more than 5 strings (or none, or not strings) -> 400

One call at a time, each sleeping unit_ms x (longest string length)^2, as the
seed's server. Labels: "code" when a text contains ; { } "def " or "class ".

For tests and demos it counts what it saw (GET /stats: calls, texts, the
largest batch, overlapping calls) and can inject failures deterministically:
  --fail-every N    every Nth call answers 500 (retryable)
  --slow-every N    every Nth call hangs --slow-ms before starting (a timeout)
  --wrong-every N   every Nth call answers one result too few (a final error)

  python3 Benchmarks/upstream/model_server.py --port 8001
"""
import argparse
import asyncio

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

MARKERS = (";", "{", "}", "def ", "class ")


def label(text):
    return "code" if any(m in text for m in MARKERS) else "not code"


def make_app(unit_ms=1.0, fail_every=0, slow_every=0, slow_ms=0, wrong_every=0, max_batch=5):
    app = FastAPI()
    lock = asyncio.Lock()
    stats = {"calls": 0, "texts": 0, "max_batch": 0, "overlaps": 0, "active": 0,
             "failed": 0, "slowed": 0, "wrong": 0, "refused_batches": 0}

    @app.post("/classify")
    async def classify(request: Request):
        try:
            body = await request.json()
        except Exception:
            return JSONResponse({"detail": "body is not JSON"}, status_code=400)
        seqs = body.get("sequences") if isinstance(body, dict) else None
        if not isinstance(seqs, list) or not seqs or len(seqs) > max_batch or not all(isinstance(s, str) for s in seqs):
            stats["refused_batches"] += 1
            return JSONResponse({"detail": f"sequences must be a list of 1 to {max_batch} strings"}, status_code=400)
        stats["calls"] += 1
        n = stats["calls"]
        if stats["active"] > 0:
            stats["overlaps"] += 1  # a caller that respects "one call at a time" never causes this
        stats["active"] += 1
        try:
            if slow_every and n % slow_every == 0:
                stats["slowed"] += 1
                await asyncio.sleep(slow_ms / 1000)
            async with lock:
                stats["texts"] += len(seqs)
                stats["max_batch"] = max(stats["max_batch"], len(seqs))
                if fail_every and n % fail_every == 0:
                    stats["failed"] += 1
                    return JSONResponse({"detail": "injected failure"}, status_code=500)
                longest = max(len(s) for s in seqs)
                await asyncio.sleep(unit_ms * longest * longest / 1000)
                results = [label(s) for s in seqs]
                if wrong_every and n % wrong_every == 0:
                    stats["wrong"] += 1
                    results = results[:-1]
                return {"results": results}
        finally:
            stats["active"] -= 1

    @app.get("/stats")
    async def get_stats():
        return stats

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    return app


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--unit-ms", type=float, default=1.0, help="ms per squared character of the longest text")
    p.add_argument("--fail-every", type=int, default=0)
    p.add_argument("--slow-every", type=int, default=0)
    p.add_argument("--slow-ms", type=float, default=0)
    p.add_argument("--wrong-every", type=int, default=0)
    p.add_argument("--keep-alive-s", type=float, default=5, help="idle keep-alive timeout (uvicorn's default is 5 s)")
    a = p.parse_args()
    app = make_app(a.unit_ms, a.fail_every, a.slow_every, a.slow_ms, a.wrong_every)
    uvicorn.run(app, host=a.host, port=a.port, timeout_keep_alive=a.keep_alive_s, log_level="warning")


if __name__ == "__main__":
    main()
