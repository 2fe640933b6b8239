"""MLServer runtime for the seed's classifier: model "classifier", input TEXT
(BYTES, shape [N] or [N,1], 1 <= N <= max_batch), output LABEL (BYTES, the
request's shape): "code" or "not code".

parameters.extra in model-settings.json (mlserver_server.py sets them from its flags):
  classifier  "rule" (the seed's marker rule, sleeping unit_ms x longest^2 per
              batch) or "magika" (Google's magika on onnxruntime, one model run
              per batch; see ../classifiers.py)
  unit_ms, device ("cpu" | "cuda"), threads, max_batch (5)
One batch at a time (an asyncio lock), as the seed's server. With MLServer's
adaptive batching (max_batch_size > 1 and max_batch_time > 0 in
model-settings.json) predict() gets the merged requests as one batch.
"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import classifiers  # noqa: E402
from mlserver import MLModel  # noqa: E402
from mlserver.codecs import StringCodec  # noqa: E402
from mlserver.errors import InferenceError  # noqa: E402
from mlserver.types import InferenceRequest, InferenceResponse, ResponseOutput  # noqa: E402


class Classifier(MLModel):
    async def load(self) -> bool:
        extra = (self.settings.parameters.extra if self.settings.parameters else None) or {}
        self.kind = extra.get("classifier", "rule")
        self.unit_ms = float(extra.get("unit_ms", 1.0))
        # a merged adaptive batch may hold up to max_batch_size texts
        self.max_batch = max(int(extra.get("max_batch", 5)), self.settings.max_batch_size or 0)
        self.classifier = classifiers.make_classifier(self.kind, extra.get("device", "cpu"), int(extra.get("threads", 0)))
        self.lock = asyncio.Lock()
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        if len(payload.inputs) != 1 or payload.inputs[0].name != "TEXT":
            raise InferenceError("expected exactly one input, TEXT")
        inp = payload.inputs[0]
        if inp.datatype != "BYTES":
            raise InferenceError(f"TEXT must be BYTES, not {inp.datatype}")
        shape = list(inp.shape)
        if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
            raise InferenceError(f"TEXT shape must be [N] or [N,1], not {shape}")
        if not 1 <= shape[0] <= self.max_batch:
            raise InferenceError(f"TEXT must hold 1 to {self.max_batch} elements, not {shape[0]}")
        texts = [t if isinstance(t, str) else t.decode("utf-8", errors="replace") for t in StringCodec.decode_input(inp)]
        if len(texts) != shape[0]:
            raise InferenceError(f"TEXT has shape {shape} but {len(texts)} elements")
        for o in payload.outputs or []:
            if o.name != "LABEL":
                raise InferenceError(f"unknown output {o.name!r} (the model has LABEL)")
        async with self.lock:
            if self.classifier is None:
                await asyncio.sleep(classifiers.rule_cost_s(texts, self.unit_ms))
                labels = [classifiers.rule_label(t) for t in texts]
            else:
                labels = await asyncio.to_thread(self.classifier.classify, texts)
        return InferenceResponse(
            model_name=self.name, model_version=self.version, id=payload.id,
            outputs=[ResponseOutput(name="LABEL", datatype="BYTES", shape=shape,
                                    data=[s.encode("utf-8") for s in labels])])
