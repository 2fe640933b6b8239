#!/usr/bin/env python3
"""Triton Inference Server (2.51, the build inside PyPI's nvidia-pytriton 0.7.0)
serving the seed's classifier as model "classifier".

  python3 Benchmarks/upstream/triton_server.py --http-port 8020 --grpc-port 8021 --metrics-port 8022 \\
      [--classifier rule|magika] [--max-batch 5] [--queue-delay-us 0] [--no-batching]

Model "classifier", version 1: input TEXT (BYTES, dims [1]) and output LABEL
(BYTES, dims [1]) behind a batch dimension of up to --max-batch, so a client
sends TEXT with shape [N,1], 1 <= N <= max-batch, and gets LABEL [N,1]:
"code" or "not code". One model instance (--instances: more) runs one batch
at a time.
  rule    (default) the seed's marker rule, each batch sleeping
          call_ms + unit_ms x (longest text length)^2 (--call-ms, default 0;
          --unit-ms, default 1), as model_server.py does for one call.
  magika  Google's magika on onnxruntime (see classifiers.py), the whole batch
          in one model run.
  minilm  all-MiniLM-L6-v2 sentence embeddings (minilm.py): output EMBEDDING
          (FP32, dims [384]) in place of LABEL, the batch padded to its
          longest text and run in one forward pass.
Model "argmax", version 1, for tensors other than BYTES: input VALUES (FP32,
dims [4]) and output INDEX (INT64, dims [1]), the index of each row's largest
value, batched the same way.
Batching: Triton's dynamic batcher merges queued requests into batches of up
to --max-batch texts, waiting up to --queue-delay-us for more (0: it takes
what is queued). --no-batching drops the dynamic batcher: each request runs
alone, as sent (still [N,1] with N <= max-batch).
Triton's own metrics (nv_inference_queue_duration_us, nv_inference_exec_count,
...) are on --metrics-port (0: metrics off); its per-model statistics
(GET /v2/models/classifier/stats) are open, the other admin endpoints keep
pytriton's access token.

Once the model answers ready it prints one line on stdout:
  ready http=P grpc=Q metrics=R
SIGTERM or SIGINT stops tritonserver and exits 0.

pytriton and numpy<2 live in a virtual environment of their own (see
requirements-servers.txt and .ci/install): where this interpreter lacks
pytriton, the script re-runs itself with that environment's python
($FERRY_SERVERS_VENV, default ~/.cache/ferry/servers-venv). It also re-runs
itself with LD_LIBRARY_PATH holding the interpreter's LIBDIR: Triton's Python
backend stub links libpython, and without this every model fails to load with
"'_thread.RLock' object has no attribute '_recursion_count'" (it picks up a
different libpython than the interpreter's).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from servers_venv import reexec_if_needed  # noqa: E402


def main():
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address for HTTP, gRPC and metrics")
    p.add_argument("--http-port", type=int, default=8020)
    p.add_argument("--grpc-port", type=int, default=8021)
    p.add_argument("--metrics-port", type=int, default=8022, help="0: no metrics")
    p.add_argument("--classifier", choices=["rule", "magika", "minilm"], default="rule")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where magika or minilm runs (onnxruntime)")
    p.add_argument("--threads", type=int, default=0, help="magika, minilm: onnxruntime intra-op threads (0: one per core)")
    p.add_argument("--unit-ms", type=float, default=1.0, help="rule: ms per squared character of the longest text")
    p.add_argument("--call-ms", type=float, default=0.0, help="rule: fixed ms per call (an LLM API's round trip)")
    p.add_argument("--instances", type=int, default=1, help="model instances: batches Triton runs at once")
    p.add_argument("--max-batch", type=int, default=5)
    p.add_argument("--queue-delay-us", type=int, default=0, help="dynamic batcher: longest wait for a fuller batch")
    p.add_argument("--no-batching", action="store_true", help="no dynamic batcher: each request runs alone")
    p.add_argument("--model-name", default="classifier")
    p.add_argument("--verbose", action="store_true", help="pytriton's and Triton's info logs")
    a = p.parse_args()

    reexec_if_needed("pytriton", os.path.abspath(__file__))

    import logging
    import signal
    import time
    import urllib.request

    import classifiers

    stopping = []

    def on_term(signum, frame):
        if stopping:  # a second signal while stopping: let the stop finish
            return
        stopping.append(signum)
        raise KeyboardInterrupt

    # Without this, SIGTERM kills Python and leaves tritonserver running on its ports.
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    try:
        classifier = classifiers.make_classifier(a.classifier, a.device, a.threads)
    except (classifiers.DeviceUnavailable, ValueError) as e:
        sys.exit(f"triton_server: {e}")

    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s: %(message)s")

    import numpy as np
    from pytriton.decorators import batch
    from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
    from pytriton.triton import Triton, TritonConfig, TritonSecurityConfig

    unit_ms, call_ms = a.unit_ms, a.call_ms

    def texts_of(TEXT):
        return [(x.decode("utf-8", errors="replace") if isinstance(x, bytes) else str(x)) for x in TEXT.reshape(-1)]

    @batch
    def infer(TEXT):
        texts = texts_of(TEXT)
        if classifier is None:
            time.sleep(classifiers.rule_cost_s(texts, unit_ms, call_ms))
            labels = [classifiers.rule_label(t) for t in texts]
        else:
            labels = classifier.classify(texts)
        return {"LABEL": np.array([s.encode("utf-8") for s in labels], dtype=np.object_).reshape(-1, 1)}

    output, output_datatype, output_row = classifiers.output_of(classifier)

    @batch
    def embed(TEXT):
        return {output: np.asarray(classifier.classify(texts_of(TEXT)), dtype=np.float32)}

    @batch
    def argmax(VALUES):
        return {"INDEX": np.argmax(VALUES, axis=1).astype(np.int64).reshape(-1, 1)}

    config = TritonConfig(
        http_address=a.host, http_port=a.http_port, grpc_address=a.host, grpc_port=a.grpc_port,
        allow_metrics=a.metrics_port != 0, allow_gpu_metrics=False,
        log_verbose=1 if a.verbose else 0, exit_on_error=True)
    if a.metrics_port:
        config.metrics_address, config.metrics_port = a.host, a.metrics_port
    model_config = ModelConfig(
        batching=True, max_batch_size=a.max_batch,
        batcher=None if a.no_batching else DynamicBatcher(max_queue_delay_microseconds=a.queue_delay_us))

    try:
        # pytriton guards statistics (and model-repository, ...) with a generated token; leave
        # statistics open so that /v2/models/NAME/stats can be read for a benchmark.
        security = TritonSecurityConfig(restricted_endpoints=["shared-memory", "model-repository", "trace", "logging"])
        with Triton(config=config, security_config=security) as triton:
            if output_datatype == "BYTES":
                triton.bind(model_name=a.model_name, infer_func=[infer] * a.instances,
                            inputs=[Tensor(name="TEXT", dtype=bytes, shape=(1,))],
                            outputs=[Tensor(name=output, dtype=bytes, shape=(1,))],
                            config=model_config, strict=True)
            else:  # an embedder: a row of floats a text
                triton.bind(model_name=a.model_name, infer_func=[embed] * a.instances,
                            inputs=[Tensor(name="TEXT", dtype=bytes, shape=(1,))],
                            outputs=[Tensor(name=output, dtype=np.float32, shape=tuple(output_row))],
                            config=model_config, strict=True)
            triton.bind(model_name="argmax", infer_func=argmax,
                        inputs=[Tensor(name="VALUES", dtype=np.float32, shape=(4,))],
                        outputs=[Tensor(name="INDEX", dtype=np.int64, shape=(1,))],
                        config=model_config, strict=True)
            deadline = time.monotonic() + 120
            for name in (a.model_name, "argmax"):
                url = f"http://{a.host}:{a.http_port}/v2/models/{name}/ready"
                while True:
                    try:
                        with urllib.request.urlopen(url, timeout=2) as r:
                            if r.status == 200:
                                break
                    except OSError:
                        pass
                    if time.monotonic() > deadline:
                        sys.exit(f"triton_server: model {name} not ready within 120 s ({url})")
                    time.sleep(0.1)
            print(f"ready http={a.http_port} grpc={a.grpc_port} metrics={a.metrics_port}", flush=True)
            triton.serve()  # returns on SIGTERM/SIGINT (KeyboardInterrupt) after stopping tritonserver
    except KeyboardInterrupt:
        pass
    print("triton_server: stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
