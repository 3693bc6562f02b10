"""Real check: a real estimator (MediaPipe BlazePose) on real footage, then smoothing.

Not part of CI. Two steps, each offline:

1. ``extract`` runs BlazePose on a video, in its own virtual environment
   (MediaPipe needs numpy < 2 and ships its model files)::

       python3 -m venv .venv-mediapipe
       .venv-mediapipe/bin/pip install mediapipe==0.10.21
       pip download --no-deps sports2d && unzip -p sports2d-*.whl Sports2D/Demo/demo.mp4 > demo.mp4
       .venv-mediapipe/bin/python scripts/benchmark_mediapipe.py extract demo.mp4 \\
           results/mediapipe/demo.npz

   It stores the raw per-frame landmarks (MediaPipe's own landmark smoothing
   off) and, as one more baseline, MediaPipe's smoothed landmarks, in pixels.

2. ``evaluate`` (project environment) smooths the raw landmarks with a
   SmoothNet checkpoint and every classical filter and reports, without
   ground truth: jitter (mean joint acceleration magnitude, px/frame²) and
   the mean and median displacement from the raw input (px; the mean is
   dominated by the raw estimate's outlier frames, which smoothing pulls back)::

       .venv/bin/python scripts/benchmark_mediapipe.py evaluate results/mediapipe/demo.npz \\
           --checkpoint CHECKPOINT

Results are printed and written next to the npz (``.json``, ``.csv``).

To see the result on the clip itself (the ``scores`` key holds the raw landmarks'
visibility, read as confidence)::

    smoothnet-smooth results/mediapipe/demo.npz -o results/mediapipe/smoothed.npz \
        --video demo.mp4 --render results/mediapipe/compare.mp4 \
        --still results/mediapipe/compare.png

(the ``estimator`` extra, ``pip install .[estimator]``, installs MediaPipe into an
environment of its own as well).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def extract(video: str, output: str) -> None:
    import cv2
    import mediapipe as mp

    capture = cv2.VideoCapture(video)
    if not capture.isOpened():
        raise SystemExit(f"error: cannot open video {video}")
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    capture.release()
    height, width = frames[0].shape[:2]
    results = {}
    for smooth in (False, True):
        points = np.full((len(frames), 33, 2), np.nan)
        visibility = np.zeros((len(frames), 33))
        start = time.perf_counter()
        with mp.solutions.pose.Pose(
            static_image_mode=False, model_complexity=1, smooth_landmarks=smooth
        ) as pose:
            for t, rgb in enumerate(frames):
                found = pose.process(rgb).pose_landmarks
                if found is None:
                    continue
                for k, lm in enumerate(found.landmark):
                    points[t, k] = (lm.x * width, lm.y * height)
                    visibility[t, k] = lm.visibility
        seconds = time.perf_counter() - start
        key = "mediapipe_smoothed" if smooth else "keypoints"
        results[key], results[f"{key}_visibility"] = points, visibility
        print(
            f"BlazePose ({'smoothed' if smooth else 'raw'}): "
            f"{len(frames)} frames in {seconds:.1f} s"
        )
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(output).with_suffix(".tmp.npz")
    # "scores": the raw landmarks' visibility, read as confidence by smoothnet-smooth.
    results["scores"] = results["keypoints_visibility"]
    np.savez(tmp, fps=np.array(fps), image_size=np.array([width, height]), **results)
    tmp.replace(output)
    print(f"wrote {output}: {len(frames)} frames, {width}x{height} at {fps:g} fps")


def evaluate(npz: str, checkpoint: str | None, min_visibility: float) -> None:
    from smoothnet.core.smoother import Smoother
    from smoothnet.models.filters import FILTERS
    from smoothnet.utils.io import write_csv_atomic, write_json_atomic
    from smoothnet.utils.metrics import pooled_mean
    from smoothnet.visualize.render import jitter

    with np.load(npz) as data:
        raw, visibility = data["keypoints"], data["keypoints_visibility"]
        builtin = data["mediapipe_smoothed"]
        fps, size = float(data["fps"]), tuple(float(v) for v in data["image_size"])
    methods = {name: Smoother(name, min_confidence=min_visibility) for name in FILTERS}
    if checkpoint:
        methods["smoothnet"] = Smoother(checkpoint, min_confidence=min_visibility, fps=fps)

    def row(method: str, out: np.ndarray, seconds: float) -> dict[str, object]:
        moved = np.linalg.norm(out - raw, axis=-1)
        return {
            "method": method,
            "jitter": pooled_mean(jitter(out)),
            "displacement": pooled_mean(moved),
            "median_displacement": float(np.nanmedian(moved)),
            "seconds": seconds,
        }

    rows = [
        row("input (raw BlazePose)", raw, 0.0),
        row("MediaPipe built-in smoothing", builtin, 0.0),
    ]
    for smoother in methods.values():
        start = time.perf_counter()
        out = smoother.smooth(raw, confidence=visibility, image_size=size)
        seconds = time.perf_counter() - start
        rows.append(row(smoother.name, out, seconds))
    print(f"{len(raw)} frames at {fps:g} fps, {size[0]:g}x{size[1]:g}; joints with visibility "
          f"< {min_visibility} count as missing")  # fmt: skip
    print(f"{'method':<30} {'jitter (px/frame²)':>19} {'displacement mean / median (px)':>32}")
    for r in rows:
        moved = f"{r['displacement']:.2f} / {r['median_displacement']:.2f}"
        print(f"{r['method']:<30} {r['jitter']:>19.3f} {moved:>32}")
    stem = Path(npz).with_suffix("")
    write_json_atomic(stem.with_suffix(".json"), {"frames": len(raw), "fps": fps, "rows": rows})
    write_csv_atomic(stem.with_suffix(".csv"), rows)
    print(f"wrote {stem.with_suffix('.json')} and {stem.with_suffix('.csv')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    ex = sub.add_parser("extract", help="run BlazePose (MediaPipe environment)")
    ex.add_argument("video")
    ex.add_argument("output")
    ev = sub.add_parser("evaluate", help="smooth and report (project environment)")
    ev.add_argument("npz")
    ev.add_argument("--checkpoint", help="SmoothNet checkpoint")
    ev.add_argument("--min_visibility", type=float, default=0.5)
    args = parser.parse_args(argv)
    if args.step == "extract":
        extract(args.video, args.output)
    else:
        evaluate(args.npz, args.checkpoint, args.min_visibility)
    return 0


if __name__ == "__main__":
    sys.exit(main())
