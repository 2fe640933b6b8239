"""EfficientNet-Lite0 (trained on ImageNet) on onnxruntime: a real image
classifier whose call costs about the same per image, whatever the image.

The ONNX file and class names come from export_efficientnet.py (run once by
.ci/install) in $FERRY_EFFICIENTNET_DIR, default ~/.cache/ferry/efficientnet.
One call decodes each row's bytes (JPEG, PNG, whatever OpenCV reads), resizes it
to 224x224 RGB, scales it to (pixel - 127) / 128 as the model was trained, and
runs one forward pass for all rows. Each row's answer is "CLASS:SCORE", the
top-1 class and its softmax probability with 4 decimals ("analog clock:0.8123").
Used by model_server.py (--classifier efficientnet).
"""
import os

from classifiers import BadInput, onnx_session

SIDE = 224


def model_dir():
    return (os.environ.get("FERRY_EFFICIENTNET_DIR")
            or os.path.join(os.path.expanduser("~"), ".cache", "ferry", "efficientnet"))


class EfficientNetClassifier:
    """Classifies a batch of encoded images in one onnxruntime run; input IMAGE (BYTES, each element
    one encoded image, passed as sent), output LABEL (BYTES, "CLASS:SCORE")."""

    input = ("IMAGE", True)  # (name, raw): the rows reach classify() as bytes, not decoded text
    output = ("LABEL", "BYTES", [])

    def __init__(self, device="cpu", threads=0):
        import json

        try:  # fail at start, not on the first request, where OpenCV is missing
            import cv2  # noqa: F401
        except ImportError as e:
            raise ValueError(f"--classifier efficientnet needs opencv-python-headless ({e}): run .ci/install, "
                             "or pip install -r Benchmarks/upstream/requirements.txt") from e

        folder = model_dir()
        path = os.path.join(folder, "model.onnx")
        if not os.path.exists(path):
            raise ValueError(f"no EfficientNet model at {path}: run .ci/install (it exports it once with "
                             "Benchmarks/upstream/export_efficientnet.py), or point FERRY_EFFICIENTNET_DIR at an export")
        with open(os.path.join(folder, "classes.json")) as f:
            self.classes = json.load(f)
        self.session = onnx_session(path, device, threads, "EfficientNet")
        self.device = device

    @staticmethod
    def pixels(datas):
        """The rows as the model's input, FP32 [N,3,224,224]; BadInput naming the first row that is no image."""
        import cv2
        import numpy as np

        batch = np.empty((len(datas), 3, SIDE, SIDE), dtype=np.float32)
        for i, data in enumerate(datas):
            image = None
            if data:  # imdecode raises on an empty buffer rather than returning None
                image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
            if image is None:
                raise BadInput(f"IMAGE row {i}: {len(data)} bytes that are no image OpenCV can decode "
                               "(send each element as an encoded JPEG or PNG)")
            # INTER_AREA: anti-aliased when shrinking, the usual case for photos
            image = cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), (SIDE, SIDE), interpolation=cv2.INTER_AREA)
            batch[i] = (image.astype(np.float32).transpose(2, 0, 1) - 127.0) / 128.0
        return batch

    def classify(self, datas):
        """Each image's "CLASS:SCORE" (top-1 and its softmax probability), all images in one forward pass."""
        import numpy as np

        logits = self.session.run(["logits"], {"x": self.pixels(datas)})[0]
        logits = logits - logits.max(axis=1, keepdims=True)  # a stable softmax
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        top = probabilities.argmax(axis=1)
        return [f"{self.classes[k]}:{probabilities[i, k]:.4f}" for i, k in enumerate(top)]
