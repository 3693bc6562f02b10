"""Does a checkpoint smooth a track differently depending on where it lies in model space?

SmoothNet smooths each channel on its own, but nothing in its architecture
makes it indifferent to a channel's level: a model trained on one camera's
image coordinates can learn to smooth a trajectory near one edge of its model
space harder than one near the other. The :class:`~smoothnet.core.smoother.Smoother`
centres a user's 2D track on its box, which lands wherever that box's centre
is, so such a dependence turns into an error that varies from user to user.

This script renders the embedded CMU motion in 2D (a person ``--height`` px
tall at ``--fps``, white noise of 1 % of the height, as in
``scripts/benchmark_transfer.py``), maps each track to a checkpoint's model
space as the ``Smoother`` does, adds a constant ``s`` to every channel,
smooths, subtracts ``s`` and scores MPJPE against the ground truth. A
position-independent model gives the same error for every ``s``.

Usage::

    python scripts/benchmark_position.py [--checkpoints NAME,...] [--shifts=-0.5,...,0.5] \\
        [--output results/benchmarks/position]

Writes ``position.json`` and ``position.md`` under ``--output``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHIFTS = (-0.5, -0.25, 0.0, 0.25, 0.5)


def noisy_tracks(fps: float, height: float, seed: int):
    """``[(detections, ground truth)]``: the demo motion in 2D pixels with white noise,
    rendered and perturbed as ``scripts/benchmark_transfer.py`` does."""
    import numpy as np

    from scripts.transfer_data import detections, load_motion, render
    from smoothnet.utils.resample import resample

    motion, source_fps = load_motion(ROOT / "data" / "demo")
    rng = np.random.default_rng(seed)
    tracks = []
    for seq in motion:
        gt = render(resample(seq, source_fps, fps), 2, height)
        tracks.append((detections(gt, "white", 2, 1.0, rng, None), gt))
    return tracks


def pooled_mpjpe(pairs) -> float:
    """MPJPE over every frame of ``[(prediction, ground truth)]``."""
    import numpy as np

    from smoothnet.utils.metrics import mpjpe

    return float(np.concatenate([mpjpe(p, g) for p, g in pairs]).mean())


def shifted_errors(checkpoint: str, tracks, shifts: list[float]) -> list[float]:
    """MPJPE (px) of ``checkpoint`` on ``tracks`` for each shift."""
    import numpy as np
    import torch

    from smoothnet.core.engine import smooth_sequence
    from smoothnet.core.smoother import Smoother
    from smoothnet.core.space import ModelSpace

    smoother = Smoother(checkpoint, device="cpu")
    errors = []
    for shift in shifts:
        pairs = []
        for det, gt in tracks:
            codec = ModelSpace.for_user(smoother.info.person_size).fit(det)
            x = torch.from_numpy(codec.encode(det).astype(np.float32)) + shift
            with torch.no_grad():
                y = smooth_sequence(smoother.model, x, weighting=smoother.weighting) - shift
            pairs.append((codec.decode(y.numpy().astype(np.float64), det.shape[1]), gt))
        errors.append(pooled_mpjpe(pairs))
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--checkpoints",
        default="h36m_hourglass_2D_w32,h36m_hourglass_2D_w32_augmented",
        help="comma list of 2D checkpoints (shipped names or paths)",
    )
    parser.add_argument("--shifts", default=",".join(f"{s:g}" for s in SHIFTS),
                        help="comma list of constants added in model space")  # fmt: skip
    parser.add_argument("--fps", type=float, default=50.0)
    parser.add_argument("--height", type=float, default=400.0, help="person height in px")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=ROOT / "results/benchmarks/position")
    args = parser.parse_args(argv)
    try:
        shifts = [float(s) for s in args.shifts.split(",")]
    except ValueError:
        parser.error(f"--shifts must be numbers, got {args.shifts!r}")
    if not args.fps > 0 or not args.height > 0:
        parser.error("--fps and --height must be positive")
    from smoothnet.core.smoother import method_error
    from smoothnet.utils.io import folder_problem, write_json_atomic, write_text_atomic

    checkpoints = [c for c in args.checkpoints.split(",") if c]
    for name in checkpoints:
        problem = method_error(name)
        if problem:
            parser.error(f"--checkpoints: {problem}")
    problem = folder_problem(args.output)
    if problem:
        parser.error(f"--output {args.output}: {problem}")
    start = time.perf_counter()
    tracks = noisy_tracks(args.fps, args.height, args.seed)
    input_error = pooled_mpjpe(tracks)
    results = {}
    for name in checkpoints:
        results[name] = shifted_errors(name, tracks, shifts)
        print(name, " ".join(f"{s:+g}: {e:.3f}" for s, e in zip(shifts, results[name])))
    lines = [
        f"MPJPE (px) of the CMU demo motion at {args.fps:g} fps, {args.height:g} px tall, white "
        f"noise (input {input_error:.2f} px), with a constant added to every channel in model "
        "space\n",
        "| shift | " + " | ".join(checkpoints) + " |",
        "|---|" + "---|" * len(checkpoints),
    ]
    for i, shift in enumerate(shifts):
        lines.append(f"| {shift:+g} | " + " | ".join(f"{results[c][i]:.2f}" for c in checkpoints)
                     + " |")  # fmt: skip
    lines.append(
        "| max/min | "
        + " | ".join(f"{max(results[c]) / min(results[c]):.2f}" for c in checkpoints)
        + " |"
    )
    args.output.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        args.output / "position.json",
        {"fps": args.fps, "height": args.height, "shifts": shifts, "input_mpjpe": input_error,
         "mpjpe": results, "seconds": time.perf_counter() - start},
    )  # fmt: skip
    write_text_atomic(args.output / "position.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
