#!/usr/bin/env python3
"""Checks an image classifier behind the Open Inference Protocol with tritonclient:
sends the test images (make_test_images.py) one by one, then all in one batch,
and checks that each answer's class is one its labels.json accepts as top-1, and
that the batch gives the same labels as the single calls (same class, score
within 2e-4: the last float bits may differ between batch sizes).

  python3 Benchmarks/upstream/image_check.py grpc://127.0.0.1:8031 [--model image] [--images DIR]
  python3 Benchmarks/upstream/image_check.py http://127.0.0.1:8030

The model takes IMAGE (BYTES [N,1], each element one encoded image) and answers
LABEL (BYTES [N,1], "CLASS:SCORE"), as model_server.py --classifier efficientnet
does. Without --images it draws the images into a temporary folder first. Exits
0 with one summary line, or 1 with a message naming the image and what came back.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

SCORE_TOLERANCE = 2e-4  # batched vs single: two rounding steps of a 4-decimal score


def fail(message):
    sys.exit(f"image_check: FAIL: {message}")


def client_for(url, timeout_s):
    """(tritonclient module, client) for grpc://host:port or http://host:port."""
    scheme, sep, address = url.partition("://")
    if not sep or scheme not in ("grpc", "http"):
        fail(f"URL must be grpc://host:port or http://host:port, not {url!r}")
    if scheme == "grpc":
        import tritonclient.grpc as module
        return module, module.InferenceServerClient(address)  # its timeout goes with each call
    import tritonclient.http as module
    return module, module.InferenceServerClient(address, connection_timeout=timeout_s, network_timeout=timeout_s)


def infer(module, client, model, images, timeout_s):
    """The labels the model answers for `images` (bytes each), in one call."""
    data = np.empty((len(images), 1), dtype=object)
    for i, image in enumerate(images):
        data[i, 0] = image
    tensor = module.InferInput("IMAGE", [len(images), 1], "BYTES")
    tensor.set_data_from_numpy(data)
    kwargs = {"client_timeout": timeout_s} if module.__name__.endswith("grpc") else {}
    try:
        answer = client.infer(model, [tensor], outputs=[module.InferRequestedOutput("LABEL")], **kwargs)
    except Exception as e:  # tritonclient's InferenceServerException, or the transport's
        fail(f"infer with {len(images)} image(s) failed: {e}")
    labels = answer.as_numpy("LABEL")
    if labels is None or labels.size != len(images):
        fail(f"LABEL for {len(images)} image(s) is {labels!r}")
    return [x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in labels.reshape(-1)]


def split(label):
    """("analog clock", 0.8123) from "analog clock:0.8123" (the class may hold no colon, the score always does)."""
    name, sep, score = label.rpartition(":")
    try:
        value = float(score)
    except ValueError:
        value = None
    if not sep or not name or value is None or not 0 <= value <= 1:
        fail(f"label {label!r} is not CLASS:SCORE with a score in [0, 1]")
    return name, value


def load(folder):
    """({file: accepted classes}, the files in order, their bytes) from a make_test_images.py folder."""
    with open(os.path.join(folder, "labels.json")) as f:
        expected = json.load(f)
    files = sorted(expected)
    images = []
    for file in files:
        with open(os.path.join(folder, file), "rb") as f:
            images.append(f.read())
    return expected, files, images


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url", help="grpc://host:port or http://host:port")
    p.add_argument("--model", default="image", help="the model's name on the server (default: image)")
    p.add_argument("--images", help="a folder made by make_test_images.py (default: draw them now)")
    p.add_argument("--timeout-s", type=float, default=30, help="per call")
    p.add_argument("--time", type=int, default=0, metavar="K",
                   help="after the checks, time K calls (after one warm-up) of each batch size 1, 4, 8, 16 "
                        "(the test images over and over) and print each size's median")
    a = p.parse_args()

    if a.images is None:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import make_test_images
        with tempfile.TemporaryDirectory(prefix="ferry-images-") as folder:
            make_test_images.write(folder)
            expected, files, images = load(folder)
    else:
        expected, files, images = load(a.images)

    module, client = client_for(a.url, a.timeout_s)
    started = time.monotonic()
    single = [infer(module, client, a.model, [image], a.timeout_s)[0] for image in images]
    for file, label in zip(files, single):
        name, _ = split(label)
        if name not in expected[file]:
            fail(f"{file}: the model answered {label!r}; expected top-1 one of {expected[file]}")
    batched = infer(module, client, a.model, images, a.timeout_s)
    # The batch must not change what an image gets: the same class, the same score but for
    # rounding (another batch size may run other kernels, whose last float bits can move a
    # 4-decimal score by one step: 1e-4; on a GPU too). Rows mixed up would differ far more.
    for file, one, many in zip(files, single, batched):
        (name1, score1), (name2, score2) = split(one), split(many)
        if name1 != name2 or abs(score1 - score2) > SCORE_TOLERANCE:
            fail(f"{file}: alone {one!r}, in a batch of {len(images)} {many!r}")
    elapsed = time.monotonic() - started
    print(f"image_check: OK, {len(files)} images right alone and in one batch of {len(files)} "
          f"({a.url}, model {a.model}, {elapsed:.2f} s): " + ", ".join(single))
    if a.time:
        for n in (1, 4, 8, 16):
            batch = [images[i % len(images)] for i in range(n)]
            infer(module, client, a.model, batch, a.timeout_s)  # warm-up: first-run allocations
            times = []
            for _ in range(a.time):
                start = time.perf_counter()
                infer(module, client, a.model, batch, a.timeout_s)
                times.append((time.perf_counter() - start) * 1000)
            median = sorted(times)[len(times) // 2]
            print(f"image_check: batch {n:2d}: median {median:6.1f} ms a call ({median / n:5.1f} ms an image), "
                  f"{a.time} calls, min {min(times):.1f} max {max(times):.1f}")


if __name__ == "__main__":
    main()
