"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime: a real model whose call
costs what its longest input costs, since every row of a batch is padded to it.

The ONNX file and tokenizer come from export_minilm.py (run once by
.ci/install) in $FERRY_MINILM_DIR, default ~/.cache/ferry/minilm. One call
tokenizes its texts (truncated at 256 tokens, as the model was trained), pads
them to the longest, and runs one forward pass: embeddings of 384 floats, unit
length. Used by model_server.py and triton_server.py (--classifier minilm).
"""
import os

DIMS = 384
MAX_TOKENS = 256


def model_dir():
    return os.environ.get("FERRY_MINILM_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "ferry", "minilm")


class MiniLMEmbedder:
    """Embeds a batch of texts in one onnxruntime run; output EMBEDDING, FP32 [N, 384]."""

    output = ("EMBEDDING", "FP32", [DIMS])

    def __init__(self, device="cpu", threads=0):
        from tokenizers import Tokenizer

        from classifiers import onnx_session

        folder = model_dir()
        path = os.path.join(folder, "model.onnx")
        if not os.path.exists(path):
            raise ValueError(f"no MiniLM model at {path}: run .ci/install (it exports it once with "
                             "Benchmarks/upstream/export_minilm.py), or point FERRY_MINILM_DIR at an export")
        self.tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.session = onnx_session(path, device, threads, "MiniLM")
        self.device = device

    def tokens(self, texts):
        """Each text's token count, [CLS] and [SEP] included: the size Ferry should know an item by."""
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts))]

    def classify(self, texts):
        """The texts' embeddings, one row of 384 float32 each (the batch padded to its longest text)."""
        import numpy as np

        encodings = self.tokenizer.encode_batch(list(texts))
        longest = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), longest), dtype=np.int64)
        mask = np.zeros((len(encodings), longest), dtype=np.int64)
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
        return self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
