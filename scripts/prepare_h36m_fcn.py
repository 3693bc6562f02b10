"""Make ``h36m_fcn_3D``: lift the Hourglass detections to 3D with a frame-wise network.

Recreates SmoothNet's main Human3.6M setting (a fully connected "FCN" lifting
network, Martinez et al. 2017) with a real estimator's errors. Needs the
output of ``scripts/prepare_h36m.py`` under ``--poses``. Then:

1. trains :class:`smoothnet.prep.lifting.LiftingNetwork` on train-subject
   detections (S1, S5, S6, S7, S8; every ``--frame_step``-th frame) against
   root-relative ground-truth 3D, unless ``--checkpoint`` already exists
   (``--retrain`` forces it; an interrupted run resumes from
   ``<checkpoint>.resume.pt``);
2. lifts every frame of every train and test sequence and writes
   ``<poses>/h36m_fcn_3D/detected/h36m_fcn_3D_<phase>.npz`` (root at the
   origin, metres, H36M-17);
3. prints and saves (``<poses>/h36m_fcn_3D/lifting_report.json``) the test
   MPJPE and PA-MPJPE in mm, with and without the flagged takes::

    python scripts/prepare_h36m_fcn.py --poses data/poses
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from smoothnet.dataset.base import npz_paths, object_array, save_npz
from smoothnet.models.shipped import LIFTER_CHECKPOINT
from smoothnet.prep.lifting import (
    LifterSettings,
    LifterTraining,
    LiftingNetwork,
    lift,
    lifting_errors,
    load_lifter,
    save_lifter,
)
from smoothnet.utils.io import write_json_atomic
from smoothnet.utils.metrics import mpjpe, pa_mpjpe
from smoothnet.utils.npz import load_npz
from smoothnet.utils.runtime import seed_everything, setup_logging

DEFAULT_CHECKPOINT = LIFTER_CHECKPOINT


def load_split(poses: Path, phase: str) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Sequence names, detections ``(L, 16, 2)`` px and root-relative GT ``(L, 17, 3)`` mm."""
    _, detected = npz_paths(poses, "h36m", "hourglass", "2D", phase)
    groundtruth, _ = npz_paths(poses, "h36m", "fcn", "3D", phase)
    for path in (detected, groundtruth):
        if not path.is_file():
            raise SystemExit(f"{path}: missing; run scripts/prepare_h36m.py first")
    det = load_npz(detected)
    gt = load_npz(groundtruth)
    names = det["imgname"]
    poses_2d = [np.asarray(a, np.float32).reshape(len(a), 16, 2) for a in det["joints_2d"]]
    poses_3d = []
    for a in gt["joints_3d"]:
        a = np.asarray(a, np.float32).reshape(len(a), 17, 3) * 1000.0
        poses_3d.append(a - a[:, :1])
    return names, poses_2d, poses_3d


def take_name(imgnames: np.ndarray) -> str:
    return str(imgnames[0]).split("/")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--poses",
        type=Path,
        default=Path("data/poses"),
        help="folder holding h36m_hourglass_2D/ and h36m_fcn_3D/",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=DEFAULT_CHECKPOINT,
        help="lifter weights: used if present, else trained and written here",
    )
    parser.add_argument("--retrain", action="store_true", help="train even if --checkpoint exists")
    parser.add_argument(
        "--frame_step",
        type=int,
        default=4,
        help="train on every n-th frame (neighbouring frames are near copies)",
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--lr_decay", type=float, default=0.8, help="per epoch")
    parser.add_argument("--hidden", type=int, default=1024)
    parser.add_argument("--num_blocks", type=int, default=2)
    parser.add_argument("--seed", type=int, default=4321)
    args = parser.parse_args(argv)
    setup_logging()
    seed_everything(args.seed)

    train_names, train_2d, train_3d = load_split(args.poses, "train")
    test_names, test_2d, test_3d = load_split(args.poses, "test")

    if args.retrain or not args.checkpoint.is_file():
        inputs = np.concatenate([p[:: args.frame_step] for p in train_2d])
        targets = np.concatenate([p[:: args.frame_step, 1:] for p in train_3d])
        print(f"training the lifter on {len(inputs):,} frames (every {args.frame_step}th)")

        def validate(model: LiftingNetwork) -> dict[str, float]:
            per_frame, aligned = lifting_errors(model, test_2d, test_3d, step=10)
            return {
                "test_mpjpe_every10": float(per_frame.mean()),
                "test_pa_mpjpe_every10": float(aligned.mean()),
            }

        start = time.perf_counter()
        settings = LifterSettings(args.hidden, args.num_blocks, args.lr, args.lr_decay,
                                  args.epochs, args.batch_size)  # fmt: skip
        training = LifterTraining(settings, inputs, targets, Path(f"{args.checkpoint}.resume.pt"))
        history = training.run(validate)
        save_lifter(training.model, args.checkpoint, history)
        training.resume_path.unlink(missing_ok=True)
        print(f"lifter trained in {time.perf_counter() - start:.0f} s -> {args.checkpoint}")
    try:
        model = load_lifter(args.checkpoint)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None

    flagged_file = args.poses / "h36m_hourglass_2D" / "flagged.json"
    flagged = set()
    if flagged_file.is_file():
        flagged = set(json.loads(flagged_file.read_text())["flagged"])
    report: dict[str, object] = {"checkpoint": str(args.checkpoint)}
    for phase, names, poses_2d, poses_3d in (
        ("train", train_names, train_2d, train_3d),
        ("test", test_names, test_2d, test_3d),
    ):
        lifted = [lift(model, p) for p in tqdm(poses_2d, desc=f"lifting {phase}")]
        _, out = npz_paths(args.poses, "h36m", "fcn", "3D", phase)
        flat = object_array([(p / 1000.0).reshape(len(p), -1) for p in lifted])
        save_npz(out, {"imgname": names, "joints_3d": flat})
        keep = [take_name(n) not in flagged for n in names]
        for label, mask in (("all", [True] * len(keep)), ("unflagged", keep)):
            if not any(mask):
                continue
            det = np.concatenate([p for p, m in zip(lifted, mask) if m])
            gt = np.concatenate([p for p, m in zip(poses_3d, mask) if m])
            report[f"{phase}_{label}"] = {
                "sequences": int(sum(mask)),
                "frames": len(det),
                "mpjpe_mm": float(mpjpe(det, gt).mean()),
                "pa_mpjpe_mm": float(pa_mpjpe(det, gt).mean()),
            }
            print(f"{phase} ({label}): {json.dumps(report[f'{phase}_{label}'])}")
        print(f"wrote {out}")
    write_json_atomic(args.poses / "h36m_fcn_3D" / "lifting_report.json", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
