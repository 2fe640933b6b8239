#!/usr/bin/env python3
"""What one call of 1..N texts costs with magika on this machine.

  python3 Benchmarks/upstream/measure_magika.py [--max-n 8] [--repeats 30] [--threads 0] [--device cpu]

For each N and each text size it times the classifier the reference servers
use (classifiers.MagikaClassifier: features for each text, one onnxruntime
run for the call) and, for comparison, one magika identify_bytes per text (one
model run per text), and prints the medians as a markdown table, in ms per
call. Texts are code and prose mixed, cut to the size; magika reads at most
the first and last 1 KiB of an input, so cost stops growing past ~2 KiB.
A warm-up call runs first; the model load is timed on its own.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import classifiers  # noqa: E402

CODE = ("import os\nimport sys\n\n\ndef main(argv):\n    total = 0\n    for name in os.listdir(argv[1]):\n"
        "        if name.endswith('.py'):\n            total += os.path.getsize(os.path.join(argv[1], name))\n"
        "    print(total)\n    return 0\n\n\nif __name__ == '__main__':\n    sys.exit(main(sys.argv))\n")
PROSE = ("The committee met on Thursday afternoon to review the quarterly figures. Sales rose in the north "
         "and fell slightly in the south, where two stores closed for renovation. The board asked for a "
         "fuller report on staffing before the next meeting, and thanked the volunteers for their help. ")


def text(i, size):
    base = CODE if i % 2 == 0 else PROSE
    return (base * (size // len(base) + 1))[:size]


def median_ms(f, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--max-n", type=int, default=8)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--sizes", default="64,512,4096", help="text sizes in bytes, comma-separated")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0: one per core)")
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]

    t0 = time.perf_counter()
    try:
        c = classifiers.MagikaClassifier(a.device, a.threads)
    except classifiers.DeviceUnavailable as e:
        sys.exit(f"measure_magika: {e}")
    load_ms = (time.perf_counter() - t0) * 1000
    import magika
    import onnxruntime

    print(f"magika {magika.__version__}, onnxruntime {onnxruntime.__version__} "
          f"({', '.join(c.magika._onnx_session.get_providers())}, threads {a.threads or 'default'}), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"model load {load_ms:.0f} ms; one model run per call: {c.batched}; "
          f"median of {a.repeats} calls, ms per call\n")
    head = "| N |" + "".join(f" {s} B: one run | {s} B: run per text |" for s in sizes)
    print(head)
    print("|" + "---|" * (1 + 2 * len(sizes)))
    for n in range(1, a.max_n + 1):
        row = f"| {n} |"
        for size in sizes:
            datas = [text(i, size).encode() for i in range(n)]
            c.classify_bytes(datas)  # warm-up
            batched = median_ms(lambda: c.classify_bytes(datas), a.repeats)
            looped = median_ms(lambda: [c.magika.identify_bytes(d) for d in datas], a.repeats)
            row += f" {batched:.2f} | {looped:.2f} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
