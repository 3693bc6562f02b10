"""Strip a training checkpoint down to what inference needs, for shipping.

Drops the optimizer, scheduler and random-number state (two thirds of the
file) and keeps the weights, architecture, usage information, config and
validation metrics. Copies the run's ``config.yaml``, ``metrics.jsonl`` and
``linear.pth.tar`` (the least-squares model of a ``TRAIN.INIT linear`` run,
the ``linear`` baseline of the evaluation) beside it, and draws the learning
curve (``learning_curve.png``: validation MPJPE and Accel against steps)::

    python scripts/export_checkpoint.py results/<run>/checkpoint_last.pth.tar \\
        data/checkpoints/h36m_fcn_3D_w32
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from smoothnet.models.checkpoint import CheckpointError, atomic_torch_save, load_checkpoint
from smoothnet.visualize.curves import plot_learning_curve, read_curve

TRAINING_ONLY = ("optimizer", "scheduler", "rng_state")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", type=Path, help="a checkpoint written by train_smoothnet.py")
    parser.add_argument("output_dir", type=Path, help="folder for checkpoint.pth.tar and run files")
    args = parser.parse_args(argv)
    try:
        load_checkpoint(args.checkpoint)
    except (CheckpointError, OSError) as err:
        raise SystemExit(f"error: {err}") from None
    raw = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    for key in TRAINING_ONLY:
        raw.pop(key, None)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    atomic_torch_save(raw, args.output_dir / "checkpoint.pth.tar")
    for name in ("config.yaml", "metrics.jsonl", "linear.pth.tar"):
        source = args.checkpoint.parent / name
        if source.is_file():
            shutil.copyfile(source, args.output_dir / name)
    curve = args.output_dir / "metrics.jsonl"
    if curve.is_file() and read_curve(curve):
        plot_learning_curve(curve, args.output_dir / "learning_curve.png")
    print(f"wrote {args.output_dir / 'checkpoint.pth.tar'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
