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

With ``--cfg`` a training config's ``TRAIN.AUGMENT``, ``MODEL.CENTER_WINDOWS``
and ``SEED_VALUE`` apply: the model is fitted on windows drawn and augmented
as that training run draws them (``--windows`` of them; default ``TRAIN.EPOCH
x TRAIN.WINDOWS_PER_EPOCH``), the least-squares twin of a SmoothNet trained
with augmentation::

    python scripts/fit_linear.py --dataset_name h36m --estimator hourglass \\
        --body_representation 2D --slide_window_size 32 \\
        --cfg configs/h36m_cpu_augmented.yaml --windows 600000 \\
        --output results/linear_augmented_2D.pth.tar
"""

from __future__ import annotations

import argparse
from pathlib import Path

from smoothnet.commands.config import defaults_and_file
from smoothnet.commands.settings import augmentation
from smoothnet.core.linear_fit import fit_on_sets, fit_on_windows, save_linear
from smoothnet.core.usage import usage_info
from smoothnet.dataset.base import DataError, SequenceSet
from smoothnet.dataset.training import TrainingWindows
from smoothnet.utils.runtime import setup_logging


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
    parser.add_argument(
        "--cfg",
        help="training config: fit on windows drawn and augmented as its TRAIN.AUGMENT says "
        "(its MODEL.CENTER_WINDOWS and SEED_VALUE apply too)",
    )
    parser.add_argument(
        "--windows",
        type=int,
        help="with --cfg: windows to draw (default TRAIN.EPOCH x TRAIN.WINDOWS_PER_EPOCH)",
    )
    args = parser.parse_args(argv)
    if args.slide_window_size < 1:
        parser.error(f"--slide_window_size must be >= 1, got {args.slide_window_size}")
    if args.output.exists() and args.output.is_dir():
        parser.error(f"--output {args.output} is a directory; give a file name")
    if args.windows is not None and (args.cfg is None or args.windows < 1):
        parser.error(f"--windows needs --cfg and a count >= 1, got {args.windows}")
    cfg = defaults_and_file(parser, args.cfg)
    setup_logging()
    try:
        train = SequenceSet(
            args.base_dir, args.dataset_name, args.estimator, args.body_representation, "train"
        )
        if args.cfg:
            info = usage_info([train], augmentation(cfg))
            windows = TrainingWindows(
                [train.encoded(s) for s in train.sequences],
                args.slide_window_size,
                augmentation=augmentation(cfg, info.person_size or 1.0),
            )
            count = args.windows or cfg.TRAIN.EPOCH * cfg.TRAIN.WINDOWS_PER_EPOCH or len(windows)
            center = args.center_windows or cfg.MODEL.CENTER_WINDOWS
            model = fit_on_windows([windows], count, cfg.SEED_VALUE, center)
        else:
            info = None
            model = fit_on_sets([train], args.slide_window_size, args.center_windows)
    except (DataError, ValueError) as err:
        raise SystemExit(f"error: {err}") from None
    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_linear(args.output, model, [train], info, augmented=info is not None)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
