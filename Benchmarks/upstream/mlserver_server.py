#!/usr/bin/env python3
"""MLServer 1.7.1 serving the seed's classifier (Benchmarks/upstream/mlserver/).

  python3 Benchmarks/upstream/mlserver_server.py --http-port 8080 --grpc-port 8081 \\
      [--metrics-port 0] [--classifier rule|magika] [--max-batch 5] \\
      [--adaptive-batch-size 0 --adaptive-batch-time-s 0]

Model "classifier", version 1 (mlserver/runtime.py): input TEXT (BYTES, shape
[N] or [N,1], 1 <= N <= --max-batch), output LABEL (BYTES, the request's
shape), "code" or "not code". Settings come from mlserver/settings.json and
mlserver/model-settings.json, with the flags laid over them:
  --metrics-port 0 (default) turns MLServer's metrics server off (it would
  otherwise open 8082, whatever the other ports); a port turns it on there.
  --adaptive-batch-size B --adaptive-batch-time-s T turn on MLServer's adaptive
  batching (requests merged into batches of up to B, waiting up to T s).
The model runs in this process (parallel_workers 0): one batch at a time.

Once the model answers ready it prints one line on stdout:
  ready http=P grpc=Q metrics=R
SIGTERM or SIGINT stops MLServer (its own handlers) and exits 0.

Without the flags, the same folder also starts with MLServer's own command, on
settings.json's ports (8080, 8081, metrics off), from the servers venv:
  ~/.cache/ferry/servers-venv/bin/mlserver start Benchmarks/upstream/mlserver

mlserver lives in the servers venv (see servers_venv.py); where this
interpreter lacks it, the script re-runs itself with that venv's python.

MLServer does not read the binary tensor data extension of the HTTP protocol
(tritonclient's HTTP default): over HTTP send JSON tensors
(oip_smoke.py --json); gRPC takes raw_input_contents.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from servers_venv import reexec_if_needed  # noqa: E402


def main():
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--http-port", type=int, default=8080)
    p.add_argument("--grpc-port", type=int, default=8081)
    p.add_argument("--metrics-port", type=int, default=0, help="0: MLServer's metrics server off")
    p.add_argument("--classifier", choices=["rule", "magika"], default="rule")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where magika runs (onnxruntime)")
    p.add_argument("--threads", type=int, default=0, help="magika: onnxruntime intra-op threads (0: one per core)")
    p.add_argument("--unit-ms", type=float, default=1.0, help="rule: ms per squared character of the longest text")
    p.add_argument("--max-batch", type=int, default=5, help="most texts in one request")
    p.add_argument("--adaptive-batch-size", type=int, default=0, help="MLServer adaptive batching: batch size (0: off)")
    p.add_argument("--adaptive-batch-time-s", type=float, default=0, help="... and longest wait for a fuller batch")
    p.add_argument("--model-name", default="classifier")
    p.add_argument("--verbose", action="store_true", help="MLServer's info logs")
    a = p.parse_args()

    reexec_if_needed("mlserver", os.path.abspath(__file__), libdir=False)

    import asyncio
    import logging
    import urllib.request

    from mlserver import MLServer
    from mlserver.settings import ModelParameters, ModelSettings, Settings

    import classifiers

    if a.classifier == "magika":  # fail here, with a clear line, rather than as a model load error
        try:
            classifiers.make_magika(a.device, a.threads)
        except classifiers.DeviceUnavailable as e:
            sys.exit(f"mlserver_server: {e}")
    elif a.device != "cpu":
        sys.exit("mlserver_server: --device applies to --classifier magika only")

    folder = os.path.join(HERE, "mlserver")
    with open(os.path.join(folder, "settings.json")) as f:
        settings = Settings.model_validate_json(f.read())
    settings.model_repository_root = folder
    settings.host = a.host
    settings.http_port, settings.grpc_port = a.http_port, a.grpc_port
    settings.parallel_workers = 0
    if a.metrics_port:
        settings.metrics_endpoint, settings.metrics_port = settings.metrics_endpoint or "/metrics", a.metrics_port
    else:
        settings.metrics_endpoint = None
    if not a.verbose:
        settings.logging_settings = None

    model = ModelSettings.parse_file(os.path.join(folder, "model-settings.json"))  # MLServer's own, keeps the source path
    model.parameters = model.parameters or ModelParameters()
    model.parameters.uri = model.parameters.uri or folder
    model.name = a.model_name
    model.max_batch_size, model.max_batch_time = a.adaptive_batch_size, a.adaptive_batch_time_s
    model.parameters.extra = {**(model.parameters.extra or {}), "classifier": a.classifier, "unit_ms": a.unit_ms,
                              "device": a.device, "threads": a.threads, "max_batch": a.max_batch}

    async def say_ready():
        url = f"http://{a.host}:{a.http_port}/v2/models/{a.model_name}/ready"

        def ready():
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        for _ in range(1200):
            if await asyncio.to_thread(ready):
                print(f"ready http={a.http_port} grpc={a.grpc_port} metrics={a.metrics_port}", flush=True)
                return
            await asyncio.sleep(0.1)
        print(f"mlserver_server: model {a.model_name} not ready within 120 s ({url})", file=sys.stderr, flush=True)

    async def serve():
        server = MLServer(settings)  # installs its own SIGINT/SIGTERM/SIGQUIT handlers: they stop it
        if not a.verbose:
            for name in ("mlserver", "uvicorn", "uvicorn.error", "uvicorn.access"):
                logging.getLogger(name).setLevel(logging.WARNING)
        announce = asyncio.ensure_future(say_ready())
        try:
            await server.start([model])
        finally:
            announce.cancel()

    asyncio.run(serve())
    print("mlserver_server: stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
