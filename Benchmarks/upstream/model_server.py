#!/usr/bin/env python3
"""Reference model server: the seed's classification server contract.

  POST /classify  {"sequences": [1 to 5 strings]}  ->  {"results": ["code" | "not code", ...]}
  more than 5 strings (or none, or not strings) -> 400   (5: --max-batch)

One call at a time. The classifier (--classifier):
  rule    (default) each call sleeps unit_ms x (longest string length)^2, as
          the seed's server; "code" when a text contains ; { } "def " or "class ".
  magika  Google's magika model (ONNX, in its wheel) on onnxruntime: "code"
          when magika's output group is "code". All items of one call go
          through one model run (see classifiers.py); --unit-ms does not apply.
          --device cuda uses onnxruntime's CUDAExecutionProvider, and exits
          with an error where onnxruntime lacks it (never falls back to CPU).
  minilm  all-MiniLM-L6-v2 sentence embeddings (minilm.py; exported once by
          .ci/install): one forward pass a call, its texts padded to the
          longest, so a call costs about n x cost(longest). The output is
          EMBEDDING, FP32 [N,384] (unit length), on the Open Inference
          Protocol only (/classify answers 404: an embedding is no label).
          --device cuda as for magika.
  efficientnet  EfficientNet-Lite0, an ImageNet image classifier
          (efficientnet.py; exported once by .ci/install): input IMAGE, each
          element one encoded image (JPEG, PNG), all of a call in one forward
          pass; output LABEL, "CLASS:SCORE" (top-1 and its probability, e.g.
          "analog clock:0.8123"). A row that does not decode answers 400 /
          INVALID_ARGUMENT naming the row. Open Inference Protocol only
          (/classify answers 404). --device cuda as for magika.

The same model also speaks the Open Inference Protocol (KServe v2), as the
model --model-name (default "classifier", version "1"): input TEXT (BYTES,
shape [N] or [N,1], 1 <= N <= --max-batch; IMAGE for efficientnet), output
LABEL (BYTES, the request's shape). On the same HTTP port:
  GET  /v2/health/live  /v2/health/ready  /v2  /v2/models/{m}  /v2/models/{m}/ready
  POST /v2/models/{m}/infer   (also under /v2/models/{m}/versions/1/...)
       JSON tensors, or the binary tensor data extension: the JSON header's
       length in Inference-Header-Content-Length, then the raw input bytes
       (parameters.binary_data_size per input; BYTES elements each a 4-byte
       little-endian length and the bytes). LABEL comes back binary when the
       request asks (outputs[].parameters.binary_data, or
       parameters.binary_data_output), as JSON otherwise.
       Errors: unknown model 404, bad tensor 400, both as {"error": "..."}.
and, with --grpc-port, on gRPC (inference.GRPCInferenceService, the modules
tritonclient ships): ServerLive, ServerReady, ServerMetadata, ModelReady,
ModelMetadata, ModelInfer (BYTES in raw_input_contents or in
contents.bytes_contents; LABEL in raw_output_contents). Unknown model
NOT_FOUND, bad tensor INVALID_ARGUMENT.

For tests and demos it counts what it saw (GET /stats: calls, texts, the
largest batch, overlapping calls, the most calls in flight at once; oip_http_calls and oip_grpc_calls are the
part of calls that came through the Open Inference Protocol, oip_http_binary_answers the HTTP answers sent
in the binary extension) and can inject
failures deterministically, on every face (calls are numbered across faces):
  --fail-every N    every Nth call answers 500 (retryable; gRPC: UNAVAILABLE)
  --slow-every N    every Nth call hangs --slow-ms before starting (a timeout)
  --wrong-every N   every Nth call answers one result too few (a final error;
                    on the OIP faces LABEL has N-1 elements and a shape to match)
  --hold            the call that has the model waits until POST /release, so a
                    test can see what was sent meanwhile (calls queue, one runs)

Once both ports listen it prints one line on stdout: "ready http=P grpc=Q"
(grpc=0 when off).

  python3 Benchmarks/upstream/model_server.py --port 8010
  python3 Benchmarks/upstream/model_server.py --port 8010 --grpc-port 8011 --classifier magika
  python3 Benchmarks/upstream/model_server.py --port 8030 --grpc-port 8031 --classifier efficientnet \
      --model-name image --max-batch 16
"""
import argparse
import asyncio
import gzip
import json
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uvicorn  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse, Response  # noqa: E402

import classifiers  # noqa: E402

MARKERS = classifiers.MARKERS
label = classifiers.rule_label

INPUT, OUTPUT, VERSION = "TEXT", "LABEL", "1"


class InjectedFailure(Exception):
    pass


class BadTensor(Exception):
    """A request the model cannot take: 400 / INVALID_ARGUMENT."""

    def __init__(self, message, refused=True):
        super().__init__(message)
        self.refused = refused  # counted in refused_batches


def bytes_elements(raw):
    """BYTES tensor data: each element a 4-byte little-endian length, then that many bytes."""
    out, i, n = [], 0, len(raw)
    while i < n:
        if i + 4 > n:
            raise BadTensor("BYTES tensor data ends inside an element's length")
        (size,) = struct.unpack_from("<I", raw, i)
        i += 4
        if i + size > n:
            raise BadTensor("BYTES tensor data ends inside an element")
        out.append(bytes(raw[i:i + size]))
        i += size
    return out


def bytes_tensor(elements):
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def batch_size(shape, max_batch, name=INPUT):
    """N from shape [N] or [N,1], if 1 <= N <= max_batch."""
    shape = [int(d) for d in shape]
    if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
        raise BadTensor(f"{name} shape must be [N] or [N,1], not {shape}")
    if not 1 <= shape[0] <= max_batch:
        raise BadTensor(f"{name} must hold 1 to {max_batch} elements, not {shape[0]}")
    return shape[0]


def answer_shape(request_shape, n, row=()):
    """LABEL comes back in the request's shape; a row of several values (an embedding) as [n] + row."""
    if row:
        return [n] + list(row)
    return [n] if len(request_shape) == 1 else [n, 1]


def output_bytes(results, datatype):
    """The output tensor's raw bytes: BYTES elements, or the rows' numbers packed little-endian."""
    if datatype == "BYTES":
        return bytes_tensor([s.encode("utf-8") for s in results])
    import numpy as np
    return np.asarray(results, dtype=np.float32).astype("<f4").tobytes()


def output_data(results, datatype):
    """The output tensor as JSON data: the labels, or the rows' numbers flattened in row-major order."""
    if datatype == "BYTES":
        return list(results)
    import numpy as np
    return np.asarray(results, dtype=np.float32).reshape(-1).tolist()


class Model:
    """What every face shares: one call at a time, the counters, the injected failures."""

    def __init__(self, unit_ms=1.0, fail_every=0, slow_every=0, slow_ms=0, wrong_every=0, max_batch=5,
                 classifier=None, model_name="classifier", hold=False):
        self.unit_ms, self.fail_every, self.slow_every, self.slow_ms = unit_ms, fail_every, slow_every, slow_ms
        self.wrong_every, self.max_batch, self.classifier, self.name = wrong_every, max_batch, classifier, model_name
        self.output, self.output_datatype, self.output_row = classifiers.output_of(classifier)
        self.input, self.input_raw = classifiers.input_of(classifier)
        self.lock = asyncio.Lock()
        # --hold: the call that has the model waits for POST /release (a test orders events by it).
        self.gate = asyncio.Event()
        if not hold:
            self.gate.set()
        self.stats = {"calls": 0, "texts": 0, "max_batch": 0, "overlaps": 0, "active": 0, "max_active": 0,
                      "failed": 0, "slowed": 0, "wrong": 0, "refused_batches": 0,
                      "oip_http_calls": 0, "oip_grpc_calls": 0, "oip_http_binary_answers": 0}

    def rows(self, elements):
        """The input tensor's elements as the classifier takes them: text, or the bytes as sent."""
        return elements if self.input_raw else [e.decode("utf-8", errors="replace") for e in elements]

    async def run(self, seqs, face=None):
        """Labels for seqs (already checked: 1..max_batch rows); InjectedFailure for an injected 500,
        classifiers.BadInput for a row the classifier cannot take (400)."""
        stats = self.stats
        stats["calls"] += 1
        if face:
            stats[face] += 1
        n = stats["calls"]
        if stats["active"] > 0:
            stats["overlaps"] += 1  # a caller that respects "one call at a time" never causes this
        stats["active"] += 1
        stats["max_active"] = max(stats["max_active"], stats["active"])
        try:
            if self.slow_every and n % self.slow_every == 0:
                stats["slowed"] += 1
                await asyncio.sleep(self.slow_ms / 1000)
            async with self.lock:
                await self.gate.wait()
                stats["texts"] += len(seqs)
                stats["max_batch"] = max(stats["max_batch"], len(seqs))
                if self.fail_every and n % self.fail_every == 0:
                    stats["failed"] += 1
                    raise InjectedFailure("injected failure")
                if self.classifier is None:
                    longest = max(len(s) for s in seqs)
                    await asyncio.sleep(self.unit_ms * longest * longest / 1000)
                    results = [label(s) for s in seqs]
                else:
                    results = await asyncio.to_thread(self.classifier.classify, seqs)
                if self.wrong_every and n % self.wrong_every == 0:
                    stats["wrong"] += 1
                    results = results[:-1]
                return results
        finally:
            stats["active"] -= 1

    def metadata(self):
        return {"name": self.name, "versions": [VERSION], "platform": "ferry-reference",
                "inputs": [{"name": self.input, "datatype": "BYTES", "shape": [-1]}],
                "outputs": [{"name": self.output, "datatype": self.output_datatype, "shape": [-1] + self.output_row}]}


def parse_http_infer(header, binary, max_batch, output=OUTPUT, input_name=INPUT):
    """(elements as bytes, shape, binary output?, id) from an HTTP infer request's JSON header and binary part."""
    if not isinstance(header, dict):
        raise BadTensor("the request is not a JSON object", refused=False)
    inputs = header.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], dict) \
            or inputs[0].get("name") != input_name:
        raise BadTensor(f"expected exactly one input, {input_name}")
    inp = inputs[0]
    if inp.get("datatype") != "BYTES":
        raise BadTensor(f"{input_name} must be BYTES, not {inp.get('datatype')}")
    shape = inp.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) for d in shape):
        raise BadTensor(f"{input_name} needs a shape, a list of integers")
    n = batch_size(shape, max_batch, input_name)
    params = inp.get("parameters") or {}
    if "binary_data_size" in params:
        size = params["binary_data_size"]
        if not isinstance(size, int) or size < 0 or size > len(binary):
            raise BadTensor(f"{input_name}: binary_data_size {size} but {len(binary)} bytes follow the header")
        elements = bytes_elements(binary[:size])
    else:
        data = inp.get("data")
        flat = []

        def walk(x):
            if isinstance(x, list):
                for y in x:
                    walk(y)
            elif isinstance(x, str):
                flat.append(x.encode("utf-8"))
            else:
                raise BadTensor(f"{input_name} data must be strings")

        if not isinstance(data, list):
            raise BadTensor(f"{input_name} has neither data nor binary_data_size")
        walk(data)
        elements = flat
    if len(elements) != n:
        raise BadTensor(f"{input_name} has shape {shape} but {len(elements)} elements")
    binary_out = bool((header.get("parameters") or {}).get("binary_data_output", False))
    outputs = header.get("outputs")
    if outputs is not None:
        if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
            raise BadTensor("outputs must be a list of objects")
        for o in outputs:
            if o.get("name") != output:
                raise BadTensor(f"unknown output {o.get('name')!r} (the model has {output})")
            p = o.get("parameters") or {}
            if "binary_data" in p:
                binary_out = bool(p["binary_data"])
    return elements, shape, binary_out, header.get("id")


def make_app(unit_ms=1.0, fail_every=0, slow_every=0, slow_ms=0, wrong_every=0, max_batch=5,
             classifier=None, model_name="classifier", hold=False):
    app = FastAPI()
    model = Model(unit_ms, fail_every, slow_every, slow_ms, wrong_every, max_batch, classifier, model_name, hold)
    app.state.model = model
    stats = model.stats

    @app.post("/classify")
    async def classify(request: Request):
        try:
            body = await request.json()
        except Exception:
            return JSONResponse({"detail": "body is not JSON"}, status_code=400)
        if model.output_datatype != "BYTES":
            return JSONResponse({"detail": f"this server's model answers {model.output_datatype} {model.output}, "
                                           f"not labels: use POST /v2/models/{model_name}/infer"}, status_code=404)
        if model.input_raw:  # /classify carries JSON strings, not images
            return JSONResponse({"detail": f"this server's model takes {model.input}, not texts: "
                                           f"use POST /v2/models/{model_name}/infer"}, status_code=404)
        seqs = body.get("sequences") if isinstance(body, dict) else None
        if not isinstance(seqs, list) or not seqs or len(seqs) > max_batch or not all(isinstance(s, str) for s in seqs):
            stats["refused_batches"] += 1
            return JSONResponse({"detail": f"sequences must be a list of 1 to {max_batch} strings"}, status_code=400)
        try:
            return {"results": await model.run(seqs)}
        except InjectedFailure:
            return JSONResponse({"detail": "injected failure"}, status_code=500)

    @app.get("/stats")
    async def get_stats():
        return stats

    @app.post("/release")
    async def release():
        model.gate.set()
        return {"released": True}

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    # --- Open Inference Protocol, HTTP ---

    def error(message, status):
        return JSONResponse({"error": message}, status_code=status)

    def unknown(m, version=None):
        if m != model_name:
            return error(f"unknown model '{m}' (this server has '{model_name}')", 404)
        if version is not None and version != VERSION:
            return error(f"unknown version '{version}' of model '{m}' (it has '{VERSION}')", 404)
        return None

    @app.get("/v2/health/live")
    async def live():
        return Response(status_code=200)

    @app.get("/v2/health/ready")
    async def ready():
        return Response(status_code=200)

    @app.get("/v2")
    async def server_metadata():
        return {"name": "ferry-reference-model-server", "version": "1", "extensions": ["binary_tensor_data"]}

    @app.get("/v2/models/{m}")
    @app.get("/v2/models/{m}/versions/{version}")
    async def model_metadata(m: str, version: str = None):
        return unknown(m, version) or model.metadata()

    @app.get("/v2/models/{m}/ready")
    @app.get("/v2/models/{m}/versions/{version}/ready")
    async def model_ready(m: str, version: str = None):
        return unknown(m, version) or Response(status_code=200)

    @app.post("/v2/models/{m}/infer")
    @app.post("/v2/models/{m}/versions/{version}/infer")
    async def infer(m: str, request: Request, version: str = None):
        bad = unknown(m, version)
        if bad:
            return bad
        body = await request.body()
        encoding = request.headers.get("content-encoding", "").lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            hlen = request.headers.get("inference-header-content-length")
            if hlen is not None:
                hlen = int(hlen)
                if not 0 <= hlen <= len(body):
                    raise ValueError("Inference-Header-Content-Length is past the body's end")
                header, binary = json.loads(body[:hlen]), body[hlen:]
            else:
                header, binary = json.loads(body), b""
        except (ValueError, OSError, zlib.error) as e:
            return error(f"cannot read the request: {e}", 400)
        try:
            elements, shape, binary_out, request_id = parse_http_infer(header, binary, max_batch, model.output,
                                                                       model.input)
        except BadTensor as e:
            if e.refused:
                stats["refused_batches"] += 1
            return error(str(e), 400)
        try:
            labels = await model.run(model.rows(elements), "oip_http_calls")
        except InjectedFailure:
            return error("injected failure", 500)
        except classifiers.BadInput as e:
            stats["refused_batches"] += 1
            return error(str(e), 400)
        out = {"name": model.output, "datatype": model.output_datatype,
               "shape": answer_shape(shape, len(labels), model.output_row)}
        answer = {"model_name": model_name, "model_version": VERSION, "outputs": [out]}
        if request_id is not None:
            answer["id"] = request_id
        if not binary_out:
            out["data"] = output_data(labels, model.output_datatype)
            return answer
        stats["oip_http_binary_answers"] += 1
        raw = output_bytes(labels, model.output_datatype)
        out["parameters"] = {"binary_data_size": len(raw)}
        head = json.dumps(answer, separators=(",", ":")).encode("utf-8")
        return Response(head + raw, media_type="application/octet-stream",
                        headers={"Inference-Header-Content-Length": str(len(head))})

    return app


def make_grpc_servicer(model):
    """The Open Inference Protocol on gRPC, over the same Model (lock, counters, failures)."""
    import grpc
    from tritonclient.grpc import service_pb2 as pb, service_pb2_grpc as pb_grpc

    async def check_model(name, version, context):
        if name != model.name:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown model '{name}' (this server has '{model.name}')")
        if version not in ("", VERSION):
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown version '{version}' of model '{name}'")

    def parse(request):
        name = model.input
        if len(request.inputs) != 1 or request.inputs[0].name != name:
            raise BadTensor(f"expected exactly one input, {name}")
        inp = request.inputs[0]
        if inp.datatype != "BYTES":
            raise BadTensor(f"{name} must be BYTES, not {inp.datatype}")
        shape = list(inp.shape)
        n = batch_size(shape, model.max_batch, name)
        if request.raw_input_contents:
            if len(request.raw_input_contents) != 1:
                raise BadTensor("raw_input_contents must hold one entry per input")
            elements = bytes_elements(request.raw_input_contents[0])
        else:
            elements = list(inp.contents.bytes_contents)
        if len(elements) != n:
            raise BadTensor(f"{name} has shape {shape} but {len(elements)} elements")
        for o in request.outputs:
            if o.name != model.output:
                raise BadTensor(f"unknown output '{o.name}' (the model has {model.output})")
        return model.rows(elements), shape

    class Servicer(pb_grpc.GRPCInferenceServiceServicer):
        async def ServerLive(self, request, context):
            return pb.ServerLiveResponse(live=True)

        async def ServerReady(self, request, context):
            return pb.ServerReadyResponse(ready=True)

        async def ServerMetadata(self, request, context):
            return pb.ServerMetadataResponse(name="ferry-reference-model-server", version="1",
                                             extensions=["binary_tensor_data"])

        async def ModelReady(self, request, context):
            await check_model(request.name, request.version, context)
            return pb.ModelReadyResponse(ready=True)

        async def ModelMetadata(self, request, context):
            await check_model(request.name, request.version, context)
            md = model.metadata()
            tensor = pb.ModelMetadataResponse.TensorMetadata
            return pb.ModelMetadataResponse(
                name=md["name"], versions=md["versions"], platform=md["platform"],
                inputs=[tensor(name=t["name"], datatype=t["datatype"], shape=t["shape"]) for t in md["inputs"]],
                outputs=[tensor(name=t["name"], datatype=t["datatype"], shape=t["shape"]) for t in md["outputs"]])

        async def ModelInfer(self, request, context):
            await check_model(request.model_name, request.model_version, context)
            try:
                rows, shape = parse(request)
            except BadTensor as e:
                if e.refused:
                    model.stats["refused_batches"] += 1
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            try:
                labels = await model.run(rows, "oip_grpc_calls")
            except InjectedFailure:
                await context.abort(grpc.StatusCode.UNAVAILABLE, "injected failure")
            except classifiers.BadInput as e:
                model.stats["refused_batches"] += 1
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            out = pb.ModelInferResponse.InferOutputTensor(
                name=model.output, datatype=model.output_datatype,
                shape=answer_shape(shape, len(labels), model.output_row))
            return pb.ModelInferResponse(model_name=model.name, model_version=VERSION, id=request.id, outputs=[out],
                                         raw_output_contents=[output_bytes(labels, model.output_datatype)])

    return Servicer(), pb_grpc.add_GRPCInferenceServiceServicer_to_server


async def serve(app, host, port, grpc_port, keep_alive_s):
    config = uvicorn.Config(app, host=host, port=port, timeout_keep_alive=keep_alive_s, log_level="warning")
    grpc_server = None
    if grpc_port:
        import grpc

        servicer, add = make_grpc_servicer(app.state.model)
        grpc_server = grpc.aio.server()
        add(servicer, grpc_server)
        if grpc_server.add_insecure_port(f"{host}:{grpc_port}") == 0:
            raise SystemExit(f"model_server: cannot listen for gRPC on {host}:{grpc_port}")
        await grpc_server.start()

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None):
            if grpc_server is not None:
                await grpc_server.stop(grace=1)
            await super().shutdown(sockets=sockets)

    server = Server(config)

    async def say_ready():
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.02)
        print(f"ready http={port} grpc={grpc_port}", flush=True)

    announce = asyncio.ensure_future(say_ready())
    try:
        await server.serve()
    finally:
        announce.cancel()
        if grpc_server is not None:
            await grpc_server.stop(grace=None)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8010)
    p.add_argument("--unit-ms", type=float, default=1.0, help="ms per squared character of the longest text (rule)")
    p.add_argument("--fail-every", type=int, default=0)
    p.add_argument("--slow-every", type=int, default=0)
    p.add_argument("--slow-ms", type=float, default=0)
    p.add_argument("--wrong-every", type=int, default=0)
    p.add_argument("--hold", action="store_true",
                   help="the call that has the model waits until POST /release (then every call runs freely)")
    p.add_argument("--keep-alive-s", type=float, default=5, help="idle keep-alive timeout (uvicorn's default is 5 s)")
    p.add_argument("--max-batch", type=int, default=5, help="most texts in one call, on every face")
    p.add_argument("--classifier", choices=["rule", "magika", "minilm", "efficientnet"], default="rule",
                   help="minilm: sentence embeddings (output EMBEDDING, FP32 [N,384]); efficientnet: images (input "
                        "IMAGE, encoded images; output LABEL, \"CLASS:SCORE\"); both on the Open Inference Protocol only")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="where magika, minilm or efficientnet runs (onnxruntime)")
    p.add_argument("--threads", type=int, default=0,
                   help="magika, minilm, efficientnet: onnxruntime intra-op threads (0: one per core)")
    p.add_argument("--model-name", default="classifier", help="the model's name on the Open Inference Protocol")
    p.add_argument("--grpc-port", type=int, default=0, help="Open Inference Protocol on gRPC (0: off)")
    a = p.parse_args()
    # A parent that blocks SIGTERM (a test runner does) passes the mask on: unblock it, so that
    # SIGTERM stops uvicorn at once instead of after the caller's wait for it runs out.
    import signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        classifier = classifiers.make_classifier(a.classifier, a.device, a.threads)
    except (classifiers.DeviceUnavailable, ValueError) as e:
        sys.exit(f"model_server: {e}")
    app = make_app(a.unit_ms, a.fail_every, a.slow_every, a.slow_ms, a.wrong_every, a.max_batch,
                   classifier, a.model_name, a.hold)
    try:  # the event loop uvicorn.run would pick (uvloop where installed)
        from uvicorn._compat import asyncio_run
        loop_factory = uvicorn.Config(app).get_loop_factory()
    except (ImportError, AttributeError):
        asyncio_run, loop_factory = (lambda coro, loop_factory: asyncio.run(coro)), None
    asyncio_run(serve(app, a.host, a.port, a.grpc_port, a.keep_alive_s), loop_factory=loop_factory)


if __name__ == "__main__":
    main()
