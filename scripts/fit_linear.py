"""Fit the least-squares linear window model on a training split and save it.

The model (``lib/models/linear.py``) is the W x W matrix and bias that map a
detected window to its ground truth with the least squared error over every
training window and channel, in the same model space as SmoothNet. The
result is a small self-describing checkpoint (``model_type: linear``) that
``eval_smoothnet.py --tradition linear``, ``Smoother`` and
``smooth_poses.py --method`` accept like any checkpoint::

    python scripts/fit_linear.py --dataset_name h36m --estimator hourglass \\
        --body_representation 2D --slide_window_size 32 \\
        --output data/checkpoints/h36m_hourglass_2D_w32/linear.pth.tar
"""

from __future__ import annotations

import argparse
from pathlib import Path

from smoothnet.core.linear_fit import fit_on_sets, save_linear
from smoothnet.core.run import setup_logging
from smoothnet.dataset.base import DataError, SequenceSet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset_name", required=True)
    parser.add_argument("--estimator", required=True)
    parser.add_argument("--body_representation", required=True, help="2D, 3D or smpl")
    parser.add_argument("--slide_window_size", type=int, required=True, help="window size W")
    parser.add_argument("--base_dir", default="data/poses", help="folder of the npz layout")
    parser.add_argument("--output", type=Path, required=True, help="checkpoint to write")
    parser.add_argument(
        "--center_windows",
        action="store_true",
        help="fit on windows less their mean (the warm start of MODEL.CENTER_WINDOWS True)",
    )
    args = parser.parse_args(argv)
    if args.slide_window_size < 1:
        parser.error(f"--slide_window_size must be >= 1, got {args.slide_window_size}")
    if args.output.exists() and args.output.is_dir():
        parser.error(f"--output {args.output} is a directory; give a file name")
    setup_logging()
    try:
        train = SequenceSet(
            args.base_dir, args.dataset_name, args.estimator, args.body_representation, "train"
        )
        model = fit_on_sets([train], args.slide_window_size, args.center_windows)
    except (DataError, ValueError) as err:
        raise SystemExit(f"error: {err}") from None
    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_linear(args.output, model, [train])
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
