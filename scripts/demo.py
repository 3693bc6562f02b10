"""The main job on the embedded demo data: train briefly, evaluate against every filter, plot.

Runs in a few minutes on a 2-core CPU::

    python scripts/demo.py                 # everything under results/demo/
    python scripts/demo.py --epochs 2      # quicker
    python scripts/demo.py --synthetic 8   # generated data instead of data/demo/

Steps (each through the same entry points a user calls):

1. the data: ``data/demo/cmu_fcnnoise_3D`` (shipped; CMU motion capture with
   errors modelled on the Human3.6M FCN detections, see ``data/README.md``),
   or with ``--synthetic N`` a generated Human3.6M-FCN-style dataset;
2. training (:func:`smoothnet.commands.train.train`, what ``train_smoothnet.py``
   runs) with ``configs/h36m_fcn_3D.yaml``'s model, W = 32;
3. evaluation with ``--tradition all`` on the test split
   (:func:`smoothnet.commands.evaluate.evaluate`), writing ``metrics.json``
   and ``metrics.csv``;
4. ``demo_summary.png``: error bars per method and the trajectory of the
   noisiest joint, input vs SmoothNet vs ground truth.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from smoothnet.commands.evaluate import evaluate
from smoothnet.commands.train import train
from smoothnet.core.evaluate import report_units
from smoothnet.core.methods import WindowModel
from smoothnet.core.smoother import Smoother
from smoothnet.dataset.base import SequenceSet
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.prep.synthetic import write_synthetic_dataset
from smoothnet.utils.io import atomic_path, write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
#: The classical filters the demo scores SmoothNet against (every one).
FILTERS = ("savgol", "gaus1d", "gaussian", "gaussian_s2", "gaussian_s4", "oneeuro")
DEMO_DATA = ROOT / "data/demo"
DEMO_DATASET = ("cmu", "fcnnoise", "3D")
SYNTHETIC_DATASET = ("h36m", "fcn", "3D")


def plot_summary(
    metrics: dict[str, float],
    checkpoint: Path,
    test: SequenceSet,
    out: Path,
    title: str,
) -> None:
    """Bars of MPJPE / Accel per method and the noisiest joint's trajectory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = ["input", "smoothnet", "savgol", "gaus1d", "gaussian", "oneeuro"]
    loaded = load_checkpoint(checkpoint)
    seq = max(test.sequences, key=lambda q: q.num_frames)
    method = WindowModel(loaded.model, loaded.spec, loaded.info, torch.device("cpu"))
    smoother = Smoother(method, strength=1.0, space=test.research_space(seq, method.window_size))
    smoothed = smoother.smooth(seq.detected)
    gt, det, out_seq = (
        report_units(a, test, root_relative_3d=True)
        for a in (seq.groundtruth, seq.detected, smoothed)
    )
    accel = np.abs(det[:-2] - 2 * det[1:-1] + det[2:] - (gt[:-2] - 2 * gt[1:-1] + gt[2:]))
    joint = int(accel.sum(axis=(0, 2)).argmax())
    frames = np.arange(min(len(gt), 300))

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    colors = ["#888888", "#d62728", "#1f77b4", "#9467bd", "#2ca02c", "#ff7f0e"]
    for ax, metric, heading in (
        (axes[0], "mpjpe", "MPJPE (mm)"),
        (axes[1], "accel", "Accel error (mm/frame²)"),
    ):
        values = [metrics[f"{m}_{metric}"] for m in methods]
        bars = ax.bar(methods, values, color=colors)
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
        ax.set_title(heading)
        ax.tick_params(axis="x", rotation=30)
    ax = axes[2]
    ax.plot(frames, det[frames, joint, 0], color="#888888", lw=1, label="input (estimator)")
    ax.plot(frames, out_seq[frames, joint, 0], color="#d62728", lw=1.5, label="SmoothNet")
    ax.plot(frames, gt[frames, joint, 0], color="black", lw=1, ls="--", label="ground truth")
    ax.set_title(f"{test.layout.joints[joint]} x, test sequence {seq.name}")
    ax.set_xlabel("frame")
    ax.set_ylabel("mm")
    ax.legend(fontsize=8)
    fig.suptitle(f"SmoothNet demo: {title}, W = 32")
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def best_filter_line(metrics: dict[str, float]) -> str:
    """The filter with the lowest Accel among all the demo scored (ties: lower MPJPE)."""
    best = min(FILTERS, key=lambda f: (round(metrics[f"{f}_accel"], 6), metrics[f"{f}_mpjpe"]))
    return (f"best filter on Accel: {best} (MPJPE {metrics[f'{best}_mpjpe']:.2f} mm, "
            f"Accel {metrics[f'{best}_accel']:.3f} mm/frame²)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="results/demo", help="demo folder")
    parser.add_argument("--epochs", type=int, default=4, help="training epochs")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEMO_DATA,
        help="folder holding cmu_fcnnoise_3D/ (the shipped demo data)",
    )
    parser.add_argument(
        "--synthetic",
        type=int,
        default=0,
        metavar="N",
        help="use N generated sequences per split instead of --data",
    )
    args = parser.parse_args(argv)
    out = Path(args.output)
    if args.synthetic:
        poses, dataset = out / "poses", SYNTHETIC_DATASET
        write_synthetic_dataset(
            poses, *dataset, num_sequences=args.synthetic, length_range=(400, 800), seed=1
        )
        title = "synthetic H36M-style 3D data"
    else:
        poses, dataset = args.data, DEMO_DATASET
        title = "CMU motion capture with modelled FCN errors"
    flags = ["--dataset_name", dataset[0], "--estimator", dataset[1],
             "--body_representation", dataset[2]]  # fmt: skip
    device = ["DEVICE", args.device] if args.device else []
    common = ["DATASET.BASE_DIR", str(poses), *device]
    config = str(ROOT / "configs/h36m_fcn_3D.yaml")
    train_args = ["--cfg", config, *flags, "--slide_window_size", "32", *common,
                  "OUTPUT_DIR", str(out / "train"), "EXP_NAME", "demo",
                  "TRAIN.EPOCH", str(args.epochs), "TRAIN.BATCH_SIZE", "256"]  # fmt: skip
    training = train(train_args)
    if training.status != 0:
        return training.status
    run, checkpoint = training.run_dir, training.checkpoint
    eval_args = ["--cfg", str(run / "config.yaml"), "--checkpoint", str(checkpoint),
                 "--tradition", ",".join(FILTERS), *common,
                 "OUTPUT_DIR", str(out / "eval")]  # fmt: skip
    evaluation = evaluate(eval_args)
    eval_run = evaluation.run_dir
    metrics = evaluation.results["_".join(dataset)]
    test = SequenceSet(poses, *dataset, "test")
    plot_summary(metrics, checkpoint, test, out / "demo_summary.png", title)
    write_json_atomic(
        out / "demo_metrics.json",
        {"train_run": str(run), "eval_run": str(eval_run), "metrics": metrics},
    )
    print(f"\ndemo done: {out / 'demo_summary.png'}, {eval_run / 'metrics.json'}")
    print(
        f"input MPJPE {metrics['input_mpjpe']:.1f} mm -> "
        f"SmoothNet {metrics['smoothnet_mpjpe']:.1f} mm; "
        f"Accel {metrics['input_accel']:.1f} -> {metrics['smoothnet_accel']:.1f} mm/frame²"
    )
    print(best_filter_line(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
