"""The classifiers the reference servers share: "code" or "not code" for a text.

  rule    the seed's marker rule (; { } "def " "class "), costing
          unit_ms x (longest text length)^2 per call: a sleep, not work.
  magika  Google's magika (ONNX model shipped in its wheel, run on onnxruntime):
          "code" when magika's output group is "code", else "not code". Its
          cost is the real model run on this machine; unit_ms does not apply.
  minilm  not a classifier: all-MiniLM-L6-v2 sentence embeddings (minilm.py),
          384 floats a text, a batch costing what its longest text costs.
  efficientnet  an image classifier: EfficientNet-Lite0 on ImageNet (efficientnet.py);
          its rows are encoded images (input IMAGE, raw bytes), its labels
          "CLASS:SCORE".

Used by model_server.py (the seed's server and its Open Inference Protocol
faces), triton_server.py (Triton through pytriton) and mlserver/runtime.py.
Nothing here imports magika or onnxruntime until a magika classifier is built.
A classifier says what it takes and answers (input_of, output_of); the
default is the seed's: input TEXT (rows decoded as UTF-8), output LABEL.
"""
import io
from pathlib import Path

MARKERS = (";", "{", "}", "def ", "class ")
CODE, NOT_CODE = "code", "not code"


def rule_label(text):
    return CODE if any(m in text for m in MARKERS) else NOT_CODE


def rule_cost_s(texts, unit_ms, call_ms=0.0):
    """What one call of these texts costs under the seed's law: call_ms + unit_ms x longest^2
    (call_ms alone is an LLM API's fixed cost per call, whatever it holds)."""
    longest = max(len(t) for t in texts)
    return (call_ms + unit_ms * longest * longest) / 1000


class DeviceUnavailable(RuntimeError):
    """--device cuda asked for, but onnxruntime has no CUDAExecutionProvider."""


class BadInput(ValueError):
    """A row the model cannot take (an image that does not decode): the caller's fault, so the
    servers answer 400 / INVALID_ARGUMENT with this message, which names the row."""


def onnx_session(path, device, threads, model):
    """An onnxruntime session for the ONNX file `path` on `device` ("cpu" or
    "cuda") with `threads` intra-op threads (0: one per core). For cuda,
    CUDAExecutionProvider must be there and must really start: onnxruntime
    otherwise falls back to the CPU silently. `model` names it in errors."""
    import onnxruntime as rt

    options = rt.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    if device == "cuda":
        if "CUDAExecutionProvider" not in rt.get_available_providers():
            raise DeviceUnavailable(
                "--device cuda: onnxruntime has no CUDAExecutionProvider "
                f"(available: {', '.join(rt.get_available_providers())}); install onnxruntime-gpu")
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    elif device == "cpu":
        providers = ["CPUExecutionProvider"]
    else:
        raise ValueError(f"unknown device {device!r} (cpu or cuda)")
    session = rt.InferenceSession(path, sess_options=options, providers=providers)
    if device == "cuda" and "CUDAExecutionProvider" not in session.get_providers():
        raise DeviceUnavailable(f"--device cuda: onnxruntime could not start CUDAExecutionProvider for {model} "
                                f"(session providers: {session.get_providers()})")
    return session


def make_magika(device="cpu", threads=0):
    """A Magika whose onnxruntime session runs on `device` ("cpu" or "cuda"),
    with `threads` intra-op threads (0: onnxruntime's default, one per core).

    magika 1.0.x hard-codes providers=["CPUExecutionProvider"] and default
    session options in Magika._init_onnx_session, and takes no option for
    either. Where either is asked for, this subclass builds the session itself
    from the model file shipped in the wheel (Magika._model_path); for cuda with
    CUDAExecutionProvider first, checking that the session really got it
    (onnxruntime otherwise falls back to CPU silently).
    """
    import onnxruntime as rt
    from magika import Magika

    if device not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {device!r} (cpu or cuda)")
    if device == "cpu" and not threads:
        return Magika()
    if device == "cuda":
        available = rt.get_available_providers()
        if "CUDAExecutionProvider" not in available:
            raise DeviceUnavailable(
                "--device cuda: onnxruntime has no CUDAExecutionProvider "
                f"(available: {', '.join(available)}); install onnxruntime-gpu in place of onnxruntime "
                "on a machine with CUDA, or use --device cpu")
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    else:
        providers = ["CPUExecutionProvider"]

    class OwnSessionMagika(Magika):
        def _init_onnx_session(self):
            rt.disable_telemetry_events()
            options = rt.SessionOptions()
            if threads:
                options.intra_op_num_threads = threads
            session = rt.InferenceSession(str(self._model_path), sess_options=options, providers=providers)
            if device == "cuda" and "CUDAExecutionProvider" not in session.get_providers():
                raise DeviceUnavailable(
                    "--device cuda: onnxruntime could not start CUDAExecutionProvider for magika's model "
                    f"(session providers: {session.get_providers()}); check the CUDA and cuDNN libraries")
            return session

    return OwnSessionMagika()


class MagikaClassifier:
    """Labels texts with magika, all items of one call in one model run.

    magika's public API takes one input per call for bytes (identify_bytes);
    only identify_paths batches, and it wants files. classify() therefore uses
    the steps identify_paths is made of (magika 1.0.x private methods):
    features for each text, then one onnxruntime run for all those that need
    the model (texts under 8 bytes and empty ones never reach the model). If a
    later magika lacks those methods, it falls back to one identify_bytes per
    text (same labels, one model run per text) and says so in `batched`.
    """

    def __init__(self, device="cpu", threads=0):
        self.device = device
        self.magika = make_magika(device, threads)
        m = self.magika
        self.batched = all(hasattr(m, name) for name in (
            "_get_result_or_features_from_seekable", "_get_results_from_features"))
        if self.batched:
            try:
                from magika.types import Seekable  # noqa: F401
            except ImportError:
                self.batched = False

    def results(self, datas):
        """magika's MagikaResult for each bytes object, in order."""
        m = self.magika
        if not self.batched:
            return [m.identify_bytes(d) for d in datas]
        from magika.types import Seekable

        results = [None] * len(datas)
        features = []
        for i, d in enumerate(datas):
            result, feats = m._get_result_or_features_from_seekable(Seekable(io.BytesIO(d)), Path(str(i)))
            if result is not None:
                results[i] = result
            else:
                features.append((Path(str(i)), feats))
        for key, result in m._get_results_from_features(features).items():
            results[int(key)] = result
        return results

    def classify_bytes(self, datas):
        return [CODE if r.output.group == "code" else NOT_CODE for r in self.results(datas)]

    def classify(self, texts):
        return self.classify_bytes([t.encode("utf-8") for t in texts])


def make_classifier(name, device="cpu", threads=0):
    """None for "rule" (the caller applies rule_label and the sleep law); a MagikaClassifier for "magika";
    for "minilm" an embedder (minilm.py): not a classifier, its rows are 384 floats (its `output`);
    for "efficientnet" an image classifier (efficientnet.py) whose rows are encoded images (its `input`)."""
    if name == "rule":
        if device != "cpu":
            raise ValueError("--device applies to --classifier magika, minilm or efficientnet only")
        return None
    if name == "magika":
        return MagikaClassifier(device, threads)
    if name == "minilm":
        from minilm import MiniLMEmbedder
        return MiniLMEmbedder(device, threads)
    if name == "efficientnet":
        from efficientnet import EfficientNetClassifier
        return EfficientNetClassifier(device, threads)
    raise ValueError(f"unknown classifier {name!r} (rule, magika, minilm or efficientnet)")


def input_of(classifier):
    """(name, raw) of what `classifier` takes per row: raw False for text (the bytes decoded as UTF-8),
    True for the bytes as sent (an encoded image). TEXT unless it says otherwise."""
    return getattr(classifier, "input", ("TEXT", False))


def output_of(classifier):
    """(name, datatype, row shape) of what `classifier` answers per text: a label unless it says otherwise."""
    return getattr(classifier, "output", ("LABEL", "BYTES", []))
