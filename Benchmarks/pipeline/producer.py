#!/usr/bin/env python3
"""The Kookree pipeline's producer: reads a video (a file, or a camera index)
and pushes its frames as JPEG to a Redis stream at a given rate, for Ferry's
stream ingress to classify.

  python3 Benchmarks/pipeline/producer.py --redis 127.0.0.1:6379 --stream frames --video clip.mp4 --fps 15
  python3 Benchmarks/pipeline/producer.py --redis /tmp/redis.sock --video 0 --fps 10 --duration 30
  python3 Benchmarks/pipeline/producer.py --make-video clip.avi --seconds 10 --fps 15   # a test video

Each entry: `data` (the JPEG), `frame` (its number), `sent_ns` (wall clock,
ns, for the consumer's end-to-end latency). Open loop: frame i is sent at
start + i/fps whatever the broker or Ferry are doing; a producer that falls
behind says so. The video loops until --frames or --duration (a file ends
the run when neither is given). --maxlen caps the stream (XADD MAXLEN ~).

--make-video writes a test video from the drawings in
Benchmarks/upstream/make_test_images.py (a clock, a maze, a stop sign, …,
each shown for a second with a slow drift), so a trained model's labels can
be checked; it needs only OpenCV.
"""
import argparse
import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "upstream"))


def make_video(path, seconds, fps):
    import make_test_images
    drawings = [make_test_images.DRAWINGS[k][0]() for k in sorted(make_test_images.DRAWINGS)]
    size = drawings[0].shape[1], drawings[0].shape[0]
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.endswith(".avi") else "mp4v"))
    writer = cv2.VideoWriter(path, fourcc, fps, size)
    if not writer.isOpened():
        raise SystemExit(f"producer: OpenCV cannot write {path} (try a .avi name)")
    frames = int(seconds * fps)
    for i in range(frames):
        image = drawings[(i // fps) % len(drawings)]
        shift = np.float32([[1, 0, (i % fps) - fps // 2], [0, 1, 0]])  # a slow drift: frames differ
        writer.write(cv2.warpAffine(image, shift, size, borderMode=cv2.BORDER_REPLICATE))
    writer.release()
    print(f"producer: wrote {frames} frames ({seconds} s at {fps} fps) to {path}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--redis", default="127.0.0.1:6379")
    p.add_argument("--stream", default="frames")
    p.add_argument("--video", default=None, help="a video file, or a camera index (0)")
    p.add_argument("--fps", type=float, default=10.0)
    p.add_argument("--frames", type=int, default=0, help="stop after this many frames (0: no limit)")
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: no limit)")
    p.add_argument("--quality", type=int, default=85, help="JPEG quality")
    p.add_argument("--maxlen", type=int, default=0, help="cap the stream at about this many entries (0: no cap)")
    p.add_argument("--make-video", metavar="PATH", help="write a test video and exit")
    p.add_argument("--seconds", type=float, default=10.0, help="--make-video: its length")
    a = p.parse_args()
    if a.make_video:
        make_video(a.make_video, a.seconds, int(a.fps))
        return
    if a.video is None:
        p.error("--video FILE|INDEX is required (or --make-video PATH)")
    if a.fps <= 0:
        p.error("--fps must be above 0")

    from redis_address import connect
    broker = connect(a.redis)
    source = int(a.video) if a.video.isdigit() else a.video
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        raise SystemExit(f"producer: cannot open video {a.video!r}")
    looping = isinstance(source, str) and (a.frames or a.duration)
    start = time.monotonic()
    sent, behind = 0, 0
    last_report = start
    while True:
        if a.frames and sent >= a.frames:
            break
        if a.duration and time.monotonic() - start >= a.duration:
            break
        ok, frame = capture.read()
        if not ok:
            if looping:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = capture.read()
            if not ok:
                break
        due = start + sent / a.fps
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        elif wait < -1 / a.fps:
            behind += 1
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, a.quality])
        fields = {"data": jpeg.tobytes(), "frame": str(sent), "sent_ns": str(time.time_ns())}
        if a.maxlen:
            broker.xadd(a.stream, fields, maxlen=a.maxlen, approximate=True)
        else:
            broker.xadd(a.stream, fields)
        sent += 1
        now = time.monotonic()
        if now - last_report >= 5:
            print(f"producer: {sent} frames sent in {now - start:.1f} s ({sent / (now - start):.1f} fps)", flush=True)
            last_report = now
    elapsed = time.monotonic() - start
    print(f"producer: done: {sent} frames to {a.stream} in {elapsed:.1f} s ({sent / max(elapsed, 1e-9):.1f} fps)"
          + (f"; {behind} sent late (the producer could not keep {a.fps} fps)" if behind else ""), flush=True)


if __name__ == "__main__":
    main()
