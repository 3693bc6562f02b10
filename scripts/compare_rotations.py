"""Smoothing joint rotations: SmoothNet vs classical filters, in 6D and in axis-angle.

Uses real motion-capture rotations: the CMU exponential-map files of the
public DMGNN repository (``data/cmu/{train,test}/<action>/<action>_<k>.txt``,
MIT licence; clone it and pass ``--cmu_dir .../data/cmu``). Noise like an
image-based estimator's is added to every joint rotation (a random rotation
of ``--noise`` rad std per frame, plus bursts of 3-8 frames at 5x), then:

- the classical filters run on the 6D values (first two matrix columns,
  re-orthonormalised by Gram-Schmidt) and on the axis-angle values;
- SmoothNet is trained by the project's trainer on the train split (noisy ->
  clean) in 6D and in axis-angle (run folders ``<output>/train_{6d,aa}``), and
  smooths the test split.

Scores on the test split, over the joints that move: mean geodesic angle
error (degrees) and acceleration error of the rotation matrices
(``|d2 R_pred - d2 R_gt|_F`` per joint and frame, x 1000). Writes a table
(stdout), ``rotations.json`` and ``rotations.csv``::

    python scripts/compare_rotations.py --cmu_dir /path/to/DMGNN/data/cmu
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from smoothnet.commands.config import get_cfg_defaults
from smoothnet.commands.settings import eval_settings, loss_settings, model_spec, train_settings
from smoothnet.core.engine import smooth_sequence
from smoothnet.core.trainer import Trainer, TrainingJob
from smoothnet.dataset.training import TrainingWindows
from smoothnet.models.checkpoint import UsageInfo
from smoothnet.models.filters import FILTERS, apply_filter
from smoothnet.prep.mocap import moving_joints, read_expmap_txt
from smoothnet.utils.io import write_csv_atomic, write_json_atomic
from smoothnet.utils.rotations import add_rotation_noise as add_noise
from smoothnet.utils.rotations import rotation_errors as scores
from smoothnet.utils.rotations import rotations_from_space as to_matrix
from smoothnet.utils.rotations import rotations_to_space as to_space
from smoothnet.utils.runtime import seed_everything


def load_split(cmu_dir: Path, split: str) -> list[np.ndarray]:
    files = sorted((cmu_dir / split).glob("*/*.txt"))
    if not files:
        raise SystemExit(
            f"error: no */*.txt files under {cmu_dir / split} (expected DMGNN's data/cmu)"
        )
    return [read_expmap_txt(f) for f in files]


def train_smoothnet(
    train_in: list[np.ndarray], train_gt: list[np.ndarray], args: argparse.Namespace, run_dir: Path
) -> torch.nn.Module:
    """SmoothNet trained by the project's trainer on noisy -> clean rotation windows."""
    cfg = get_cfg_defaults()
    cfg.merge_from_list(["MODEL.SLIDE_WINDOW_SIZE", args.window, "MODEL.HIDDEN_SIZE", args.hidden,
                         "MODEL.RES_HIDDEN_SIZE", args.res_hidden, "MODEL.NUM_BLOCK", args.blocks,
                         "MODEL.DROPOUT", 0.1, "TRAIN.EPOCH", args.epochs, "TRAIN.LR", args.lr,
                         "TRAIN.BATCH_SIZE", args.batch,
                         "TRAIN.WINDOWS_PER_EPOCH", args.windows_per_epoch,
                         "TRAIN.VALIDATE", False, "LOSS.W_ACCEL", 0.1, "SEED_VALUE", 0,
                         "DEVICE", "cpu"])  # fmt: skip
    spec = model_spec(cfg)
    seed_everything(0)
    model = spec.build()
    sequences = [
        (x.reshape(len(x), -1).astype(np.float32), y.reshape(len(y), -1).astype(np.float32))
        for x, y in zip(train_in, train_gt)
    ]
    windows = TrainingWindows(sequences, args.window)
    run_dir.mkdir(parents=True, exist_ok=True)
    job = TrainingJob(spec, UsageInfo(), train_settings(cfg), loss_settings(cfg),
                      eval_settings(cfg))  # fmt: skip
    trainer = Trainer(job, model, [windows], [], run_dir, torch.device("cpu"))
    trainer.fit()
    return model.eval()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cmu_dir", required=True, help="DMGNN's data/cmu folder")
    parser.add_argument("--output", default="results/rotations", help="folder for the table files")
    parser.add_argument("--noise", type=float, default=0.05, help="rotation noise std (rad)")
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--res_hidden", type=int, default=128)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--windows_per_epoch", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args(argv)
    cmu = Path(args.cmu_dir)
    train, test = load_split(cmu, "train"), load_split(cmu, "test")
    joints = moving_joints(train + test)
    train = [s[:, joints] for s in train]
    test = [s[:, joints] for s in test]
    rng = np.random.default_rng(0)
    train_noisy = [add_noise(s, args.noise, rng) for s in train]
    test_noisy = [add_noise(s, args.noise, rng) for s in test]
    gt_matrices = [to_matrix(s, "aa") for s in test]
    print(f"{len(train)} train / {len(test)} test sequences, {len(joints)} moving joints, "
          f"{sum(map(len, test))} test frames")  # fmt: skip

    outputs: dict[tuple[str, str], list[np.ndarray]] = {
        ("input", "-"): [to_matrix(s, "aa") for s in test_noisy]
    }
    seconds: dict[tuple[str, str], float] = {}
    for space in ("6d", "aa"):
        for name in FILTERS:
            start = time.perf_counter()
            outputs[(name, space)] = [
                to_matrix(apply_filter(name, to_space(s, space)), space) for s in test_noisy
            ]
            seconds[(name, space)] = time.perf_counter() - start
        print(
            f"training SmoothNet on {space} "
            f"({args.hidden}/{args.res_hidden}/{args.blocks}, W={args.window})"
        )
        model = train_smoothnet(
            [to_space(s, space) for s in train_noisy],
            [to_space(s, space) for s in train],
            args,
            Path(args.output) / f"train_{space}",
        )
        start = time.perf_counter()
        smoothed = []
        for s in test_noisy:
            values = to_space(s, space)
            flat = torch.from_numpy(values.reshape(len(values), -1).astype(np.float32))
            out = smooth_sequence(model, flat).numpy().reshape(values.shape)
            smoothed.append(to_matrix(out, space))
        outputs[("smoothnet", space)] = smoothed
        seconds[("smoothnet", space)] = time.perf_counter() - start

    rows = []
    for (method, space), predictions in outputs.items():
        angle, accel = zip(*(scores(p, g) for p, g in zip(predictions, gt_matrices)))
        rows.append({
            "method": method,
            "space": space,
            "angle_error_deg": float(np.concatenate([a.ravel() for a in angle]).mean()),
            "accel_error_x1000": float(np.concatenate([a.ravel() for a in accel]).mean()),
            "seconds": seconds.get((method, space), 0.0),
        })  # fmt: skip
    print(f"\n{'method':<10} {'space':<6} {'angle err (deg)':>16} {'accel err (x1e3)':>17}")
    for r in rows:
        print(
            f"{r['method']:<10} {r['space']:<6} {r['angle_error_deg']:>16.3f} "
            f"{r['accel_error_x1000']:>17.3f}"
        )
    out = Path(args.output)
    write_json_atomic(
        out / "rotations.json", {"args": vars(args), "joints": joints.tolist(), "rows": rows}
    )
    write_csv_atomic(out / "rotations.csv", rows)
    print(f"wrote {out / 'rotations.json'} and {out / 'rotations.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
