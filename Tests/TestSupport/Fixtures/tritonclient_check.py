#!/usr/bin/env python3
"""Drives a running Ferry with tritonclient, the standard Open Inference
Protocol client, over HTTP and gRPC; exits 1 naming every check that failed.

  tritonclient_check.py --http 127.0.0.1:8000 --grpc 127.0.0.1:8001
  tritonclient_check.py --http … --grpc … --limits W  (Ferry started with --max-queued 5 --heartbeat-timeout-s 600; W: its worker)
  tritonclient_check.py --http … --grpc … --api-key K (Ferry started with --api-keys-file holding K)
  tritonclient_check.py --http … --grpc … --drain-pid P (P: Ferry's supervisor, --unit-ms 1)

Run by Ferry's integration tests (Ferry on its simulated backend, whose
labels follow the seed's rule: "code" when a text holds ; { } "def " or "class ").
"""
import argparse
import sys

import grpc
import numpy as np
import tritonclient.grpc as tg
import tritonclient.http as th
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import InferenceServerException

TEXTS = [b"def f(): return 1", b"The quick brown fox", b"x = {1: 2};", b"a letter to a friend", b"class K: pass",
         b"hello", b"int main() { return 0; }"]
MARKERS = (b";", b"{", b"}", b"def ", b"class ")
failures = []


def label(t):
    return b"code" if any(m in t for m in MARKERS) else b"not code"


import time as _time
_T0 = _time.time()


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}") + f"  ({_time.time() - _T0:.2f} s)")
    if not ok:
        failures.append(name)


def expect_error(name, call, status):
    try:
        call()
        check(name, False, "no error")
    except InferenceServerException as e:
        check(name, str(e.status()) == status or (e.status() or "").endswith(status), f"{e.status()} {e.message()}")


def texts_input(module, texts, shape=None):
    arr = np.array([[t] for t in texts], dtype=object)
    inp = module.InferInput("TEXT", list(shape or arr.shape), "BYTES")
    inp.set_data_from_numpy(arr if shape is None else arr.reshape(shape))
    return inp


def over_http(address):
    c = th.InferenceServerClient(address)
    check("http live", c.is_server_live())
    check("http ready", c.is_server_ready())
    check("http model ready", c.is_model_ready("classifier"))
    meta = c.get_model_metadata("classifier")
    check("http metadata", meta["inputs"][0]["name"] == "TEXT" and meta["outputs"][0]["datatype"] == "BYTES", meta)
    check("http server metadata", "binary_tensor_data" in c.get_server_metadata()["extensions"])
    want = np.array([[label(t)] for t in TEXTS], dtype=object)
    # tritonclient's default: binary tensors in, binary answer out.
    r = c.infer("classifier", [texts_input(th, TEXTS)], outputs=[th.InferRequestedOutput("LABEL")])
    check("http infer binary", (r.as_numpy("LABEL") == want).all(), r.as_numpy("LABEL"))
    # JSON both ways.
    inp = th.InferInput("TEXT", [len(TEXTS), 1], "BYTES")
    inp.set_data_from_numpy(np.array([[t] for t in TEXTS], dtype=object), binary_data=False)
    r = c.infer("classifier", [inp], outputs=[th.InferRequestedOutput("LABEL", binary_data=False)])
    got = np.vectorize(lambda v: v if isinstance(v, bytes) else v.encode())(r.as_numpy("LABEL"))  # JSON BYTES come back as str
    check("http infer json", (got == want).all(), got)
    expect_error("http unknown model -> 404", lambda: c.infer("nope", [texts_input(th, TEXTS)]), "404")
    bad = th.InferInput("WRONG", [1, 1], "BYTES")
    bad.set_data_from_numpy(np.array([[b"x"]], dtype=object))
    expect_error("http bad tensor -> 400", lambda: c.infer("classifier", [bad]), "400")


def over_grpc(address):
    c = tg.InferenceServerClient(address)
    check("grpc live", c.is_server_live())
    check("grpc ready", c.is_server_ready())
    check("grpc model ready", c.is_model_ready("classifier"))
    meta = c.get_model_metadata("classifier")
    check("grpc metadata", meta.inputs[0].name == "TEXT" and meta.outputs[0].datatype == "BYTES", meta)
    check("grpc server metadata", c.get_server_metadata().name == "ferry")
    want = np.array([[label(t)] for t in TEXTS], dtype=object)
    # tritonclient always sends BYTES as raw_input_contents.
    r = c.infer("classifier", [texts_input(tg, TEXTS)], outputs=[tg.InferRequestedOutput("LABEL")], client_timeout=60)
    check("grpc infer raw_input_contents", (r.as_numpy("LABEL") == want).all(), r.as_numpy("LABEL"))
    expect_error("grpc unknown model -> NOT_FOUND", lambda: c.infer("nope", [texts_input(tg, TEXTS)]), "NOT_FOUND")
    bad = tg.InferInput("TEXT", [1, 1], "FP32")
    bad.set_data_from_numpy(np.array([[1.0]], dtype=np.float32))
    expect_error("grpc bad tensor -> INVALID_ARGUMENT", lambda: c.infer("classifier", [bad]), "INVALID_ARGUMENT")

    channel = grpc.insecure_channel(address)
    # The other encoding: typed contents.bytes_contents.
    stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
    req = service_pb2.ModelInferRequest(model_name="classifier")
    t = req.inputs.add(name="TEXT", datatype="BYTES", shape=[len(TEXTS)])
    t.contents.bytes_contents.extend(TEXTS)
    resp = stub.ModelInfer(req, timeout=60)
    got = resp.raw_output_contents[0]
    labels, i = [], 0
    while i < len(got):
        n = int.from_bytes(got[i:i + 4], "little")
        labels.append(got[i + 4:i + 4 + n])
        i += 4 + n
    check("grpc infer contents.bytes_contents", labels == [label(t) for t in TEXTS] and list(resp.outputs[0].shape) == [len(TEXTS)],
          (labels, resp.outputs[0].shape))
    # grpc.health.v1.Health/Check: an empty request; status 1 (SERVING) is field 1 = 1.
    health = channel.unary_unary("/grpc.health.v1.Health/Check")
    check("grpc health SERVING", health(b"", timeout=10) == b"\x08\x01")
    # Watch: a stream whose first message is the status now.
    watch = channel.unary_stream("/grpc.health.v1.Health/Watch")
    stream = watch(b"", timeout=10)
    check("grpc health Watch streams SERVING", next(stream) == b"\x08\x01")
    stream.cancel()
    try:
        health(b"\x0a\x04nope", timeout=10)
        check("grpc health unknown service -> NOT_FOUND", False, "no error")
    except grpc.RpcError as e:
        check("grpc health unknown service -> NOT_FOUND", e.code() == grpc.StatusCode.NOT_FOUND, e.code())


def wait_for_status(http_address, until, what):
    """Polls Ferry's /readyz (bounded by time: 60 s) until `until(fields)`: waiting on the scheduler's report, not on time."""
    import json
    import time
    import urllib.request
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://{http_address}/readyz") as page:
            if until(json.load(page)):
                return True
        time.sleep(0.02)
    check(f"/readyz showed {what}", False, "not within 60 s")
    return False


def limits(http_address, grpc_address, hold_pid):
    """Deadlines and a full queue, over gRPC: Ferry must run with --max-queued 5 and a heartbeat timeout
    longer than the checks; `hold_pid` is its worker, stopped (SIGSTOP) while the checks run."""
    import os
    import signal
    import time
    c = tg.InferenceServerClient(grpc_address)
    done = []
    # A call occupies the backend, held there (its worker stopped before it is sent, so it
    # cannot end first) while the checks below run...
    os.kill(hold_pid, signal.SIGSTOP)
    c.async_infer("classifier", [texts_input(tg, [b"z" * 50])], callback=lambda result, error: done.append((result, error)))
    wait_for_status(http_address, lambda s: s.get("in_flight") == "1", "the call in flight")  # as the scheduler reports it
    # ...so a call that may wait 200 ms passes its deadline: the call's grpc-timeout is its rows' deadline.
    expect_error("grpc deadline -> DEADLINE_EXCEEDED", lambda: c.infer("classifier", [texts_input(tg, [b"hurry"])], client_timeout=0.2),
                 "DEADLINE_EXCEEDED")
    # The triton `timeout` parameter (microseconds) does the same without a client deadline.
    expect_error("grpc timeout parameter -> DEADLINE_EXCEEDED",
                 lambda: c.infer("classifier", [texts_input(tg, [b"hurry too"])], timeout=100000), "DEADLINE_EXCEEDED")
    # A call the client cancels while its rows wait: they are withdrawn, never run.
    ctx = c.async_infer("classifier", [texts_input(tg, [b"gone 1", b"gone 2", b"gone 3"])], callback=lambda result, error: None)
    queued = wait_for_status(http_address, lambda s: s.get("queued") == "3", "3 rows queued")
    ctx.cancel()
    emptied = wait_for_status(http_address, lambda s: s.get("queued") == "0", "the cancelled rows withdrawn")
    check("grpc cancelled call's rows withdrawn", queued and emptied, "queued did not go 3 -> 0")
    # Four rows wait in a queue of five; five more do not fit: refused for load.
    c.async_infer("classifier", [texts_input(tg, [b"w1", b"w2", b"w3", b"w4"])], callback=lambda result, error: done.append((result, error)))
    wait_for_status(http_address, lambda s: s.get("queued") == "4", "4 rows queued")
    expect_error("grpc full queue -> RESOURCE_EXHAUSTED",
                 lambda: c.infer("classifier", [texts_input(tg, [b"f1", b"f2", b"f3", b"f4", b"f5"])], client_timeout=120), "RESOURCE_EXHAUSTED")
    # More rows than the queue can ever hold: a bad request, not a busy server.
    expect_error("grpc more rows than the queue bound -> INVALID_ARGUMENT",
                 lambda: c.infer("classifier", [texts_input(tg, [b"r"] * 6)], client_timeout=120), "INVALID_ARGUMENT")
    os.kill(hold_pid, signal.SIGCONT)
    for _ in range(3000):
        if len(done) == 2:
            break
        time.sleep(0.01)
    check("grpc blocker and the waiting rows answered", len(done) == 2 and all(e is None for _, e in done), done)


def keys(http_address, grpc_address, key):
    """API keys on both faces: Ferry must run with an --api-keys-file holding `key`."""
    want = np.array([[label(t)] for t in TEXTS], dtype=object)
    g = tg.InferenceServerClient(grpc_address)
    expect_error("grpc without a key -> UNAUTHENTICATED", lambda: g.infer("classifier", [texts_input(tg, TEXTS)]), "UNAUTHENTICATED")
    expect_error("grpc with a wrong key -> UNAUTHENTICATED",
                 lambda: g.infer("classifier", [texts_input(tg, TEXTS)], headers={"x-api-key": "nope"}), "UNAUTHENTICATED")
    r = g.infer("classifier", [texts_input(tg, TEXTS)], headers={"authorization": f"Bearer {key}"})
    check("grpc with a bearer key", (r.as_numpy("LABEL") == want).all(), r.as_numpy("LABEL"))
    h = th.InferenceServerClient(http_address)
    expect_error("http without a key -> 401", lambda: h.infer("classifier", [texts_input(th, TEXTS)]), "401")
    r = h.infer("classifier", [texts_input(th, TEXTS)], headers={"X-Api-Key": key})
    check("http with a key", (r.as_numpy("LABEL") == want).all(), r.as_numpy("LABEL"))


def drain(http_address, grpc_address, pid):
    """A call in flight when Ferry is told to stop (SIGTERM to `pid`, the supervisor) is answered."""
    import os
    import signal
    c = tg.InferenceServerClient(grpc_address)
    done = []
    text = b"def slow(): " + b"x" * 28  # 40 characters: 1.6 s at --unit-ms 1
    c.async_infer("classifier", [texts_input(tg, [text])], callback=lambda result, error: done.append((result, error)))
    wait_for_status(http_address, lambda s: s.get("in_flight") == "1", "the call in flight")
    os.kill(pid, signal.SIGTERM)
    for _ in range(3000):
        if done:
            break
        _time.sleep(0.01)
    ok = bool(done) and done[0][1] is None and done[0][0].as_numpy("LABEL").tolist() == [[b"code"]]
    check("grpc call in flight at SIGTERM answered", ok, [(r, str(e)) for r, e in done])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--http", required=True)
    p.add_argument("--grpc", required=True)
    p.add_argument("--limits", type=int, metavar="WORKER_PID",
                   help="check deadlines and a full queue instead, holding this worker (SIGSTOP) meanwhile")
    p.add_argument("--api-key", help="check API keys instead (Ferry runs with a keys file holding this key)")
    p.add_argument("--drain-pid", type=int, help="check that a call in flight survives SIGTERM to this supervisor pid")
    a = p.parse_args()
    if a.drain_pid:
        drain(a.http, a.grpc, a.drain_pid)
    elif a.api_key:
        keys(a.http, a.grpc, a.api_key)
    elif a.limits:
        limits(a.http, a.grpc, a.limits)
    else:
        over_http(a.http)
        over_grpc(a.grpc)
    print(f"{len(failures)} failed" if failures else "all passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
