#!/usr/bin/env python3
"""Checks an Open Inference Protocol server with tritonclient (NVIDIA's client).

  python3 Benchmarks/upstream/oip_smoke.py --url 127.0.0.1:8000 --protocol http --model classifier
  python3 Benchmarks/upstream/oip_smoke.py --url 127.0.0.1:8011 --protocol grpc --model classifier

Asks: server live, server ready, model ready, model metadata (input TEXT and
output LABEL, both BYTES), then infers two texts as one TEXT tensor of shape
[2,1] with tritonclient's defaults (on HTTP: binary tensor data both ways; on
gRPC: raw_input_contents), and expects ["code", "not code"]. Both texts are
labelled right by the seed's rule and by magika. Prints what it saw; exits 1 on
any mismatch, 2 when it cannot talk to the server.

--shape n sends shape [2] instead of [2,1] (the reference server takes both;
Triton's model has a batch dimension and needs [N,1]). --json (HTTP) sends and
asks for JSON tensors instead of binary data. --wait-s waits that long for the
server to come up.
"""
import argparse
import sys
import time

import numpy as np

TEXTS = ["def f(): return 1", "The quick brown fox jumps over the lazy dog."]
EXPECTED = ["code", "not code"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="host:port")
    p.add_argument("--protocol", choices=["http", "grpc"], default="http")
    p.add_argument("--model", default="classifier")
    p.add_argument("--shape", choices=["n1", "n"], default="n1", help="[N,1] (default) or [N]")
    p.add_argument("--json", action="store_true", help="HTTP: JSON tensors instead of binary data")
    p.add_argument("--wait-s", type=float, default=0)
    a = p.parse_args()

    if a.protocol == "http":
        import tritonclient.http as tc
    else:
        import tritonclient.grpc as tc
    from tritonclient.utils import InferenceServerException

    failures = []

    def check(what, ok, seen):
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {seen}")
        if not ok:
            failures.append(what)

    client = tc.InferenceServerClient(url=a.url)
    deadline = time.monotonic() + a.wait_s
    while True:
        try:
            live = client.is_server_live()
            break
        except Exception as e:  # connection refused while it starts
            if time.monotonic() >= deadline:
                print(f"FAIL cannot reach {a.protocol}://{a.url}: {e}")
                return 2
            time.sleep(0.2)
    try:
        check("server live", live, live)
        ready = client.is_server_ready()
        check("server ready", ready, ready)
        mready = client.is_model_ready(a.model)
        check(f"model {a.model} ready", mready, mready)
        md = client.get_model_metadata(a.model)
        if a.protocol == "grpc":
            ins = [(t.name, t.datatype, list(t.shape)) for t in md.inputs]
            outs = [(t.name, t.datatype, list(t.shape)) for t in md.outputs]
        else:
            ins = [(t["name"], t["datatype"], t["shape"]) for t in md["inputs"]]
            outs = [(t["name"], t["datatype"], t["shape"]) for t in md["outputs"]]
        check("metadata inputs", [(n, d) for n, d, _ in ins] == [("TEXT", "BYTES")], ins)
        check("metadata outputs", [(n, d) for n, d, _ in outs] == [("LABEL", "BYTES")], outs)

        data = np.array([t.encode("utf-8") for t in TEXTS], dtype=np.object_)
        if a.shape == "n1":
            data = data.reshape(-1, 1)
        inp = tc.InferInput("TEXT", list(data.shape), "BYTES")
        if a.protocol == "http":
            inp.set_data_from_numpy(data, binary_data=not a.json)
            outputs = [tc.InferRequestedOutput("LABEL", binary_data=not a.json)]
        else:
            inp.set_data_from_numpy(data)
            outputs = [tc.InferRequestedOutput("LABEL")]
        t0 = time.perf_counter()
        result = client.infer(a.model, [inp], outputs=outputs)
        ms = (time.perf_counter() - t0) * 1000
        label = result.as_numpy("LABEL")
        got = [x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in label.reshape(-1)]
        check(f"infer {list(data.shape)} ({ms:.1f} ms) labels", got == EXPECTED, got)
        check("LABEL shape", list(label.shape) == list(data.shape), list(label.shape))

        try:
            client.infer("no-such-model", [inp], outputs=outputs)
            check("unknown model refused", False, "answered")
        except InferenceServerException as e:
            check("unknown model refused", True, f"{e.status()} {e.message()[:80]}")
    except InferenceServerException as e:
        print(f"FAIL {e.status()}: {e.message()}")
        return 1
    finally:
        client.close()
    print(f"{a.protocol}://{a.url} {a.model}: " + ("all checks passed" if not failures else f"{len(failures)} failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
