"""Make ``h36m_fcn_3D``: lift the Hourglass detections to 3D with a frame-wise network.

Recreates SmoothNet's main Human3.6M setting (a fully connected "FCN" lifting
network, Martinez et al. 2017) with a real estimator's errors. Needs the
output of ``scripts/prepare_h36m.py`` under ``--poses``. Then:

1. trains :class:`lib.models.lifting.LiftingNetwork` on train-subject
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
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.core.run import seed_everything, setup_logging
from lib.core.smoother import SHIPPED_DIR
from lib.dataset.base import npz_paths, object_array, save_npz
from lib.models.checkpoint import atomic_torch_save
from lib.models.lifting import LiftingNetwork
from lib.utils.io import write_json_atomic
from lib.utils.metrics import mpjpe, pa_mpjpe
from lib.utils.npz import load_npz

DEFAULT_CHECKPOINT = SHIPPED_DIR / "h36m_lifter.pth"


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


class LifterTraining:
    """Minibatch training of the lifting network, resumable after each epoch."""

    def __init__(self, args: argparse.Namespace, inputs: np.ndarray, targets: np.ndarray) -> None:
        self.args = args
        self.inputs = torch.from_numpy(inputs.reshape(len(inputs), -1))
        self.targets = torch.from_numpy(targets.reshape(len(targets), -1))
        self.model = LiftingNetwork(hidden=args.hidden, num_blocks=args.num_blocks)
        self.model.set_statistics(self.inputs, self.targets)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=args.lr)
        self.scheduler = torch.optim.lr_scheduler.ExponentialLR(self.optimizer, args.lr_decay)
        self.epoch = 0
        self.history: list[dict[str, float]] = []
        self.resume_path = Path(f"{args.checkpoint}.resume.pt")
        if self.resume_path.is_file():
            state = torch.load(self.resume_path, map_location="cpu", weights_only=True)
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.epoch, self.history = state["epoch"], state["history"]
            torch.set_rng_state(state["rng"])
            print(f"resuming from {self.resume_path} after epoch {self.epoch}")

    def run(self, validate) -> list[dict[str, float]]:
        x_norm = (self.inputs - self.model.input_mean) / self.model.input_std
        y_norm = (self.targets - self.model.output_mean) / self.model.output_std
        while self.epoch < self.args.epochs:
            self.model.train()
            order = torch.randperm(len(x_norm))
            start, total = time.perf_counter(), 0.0
            batches = order.split(self.args.batch_size)
            for index in tqdm(batches, desc=f"lifter epoch {self.epoch + 1}", leave=False):
                loss = torch.nn.functional.mse_loss(
                    self.model.forward_normalised(x_norm[index]), y_norm[index]
                )
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                total += loss.item()
            self.scheduler.step()
            self.epoch += 1
            record = {
                "epoch": self.epoch,
                "loss": total / len(batches),
                "seconds": time.perf_counter() - start,
                **validate(self.model),
            }
            self.history.append(record)
            print(json.dumps(record))
            atomic_torch_save(
                {
                    "model": self.model.state_dict(),
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "epoch": self.epoch,
                    "history": self.history,
                    "rng": torch.get_rng_state(),
                },
                self.resume_path,
            )
        return self.history


@torch.no_grad()
def lift(model: LiftingNetwork, poses_2d: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``(N, 16, 2)`` px to ``(N, 17, 3)`` mm with the root at the origin (neck predicted)."""
    model.eval()
    out = np.zeros((len(poses_2d), 17, 3), np.float32)
    for start in range(0, len(poses_2d), chunk):
        batch = torch.from_numpy(np.ascontiguousarray(poses_2d[start : start + chunk]))
        out[start : start + chunk, 1:] = model(batch).numpy()
    return out


def save_lifter(model: LiftingNetwork, path: Path, history: list[dict[str, float]]) -> None:
    """Weights in float16 (half the size; the lifted output moves by < 0.1 mm)."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    config = {"in_joints": 16, "out_joints": 16, "hidden": model.hidden}
    config["num_blocks"] = model.num_blocks
    atomic_torch_save(
        {"format": "lifting-network", "config": config, "state_dict": state, "history": history},
        path,
    )


def load_lifter(path: Path) -> LiftingNetwork:
    raw = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(raw, dict) or raw.get("format") != "lifting-network":
        raise SystemExit(f"{path}: not a lifting-network checkpoint")
    model = LiftingNetwork(**raw["config"])
    model.load_state_dict({k: v.float() for k, v in raw["state_dict"].items()})
    return model.eval()


def errors(
    model: LiftingNetwork, poses_2d: list[np.ndarray], poses_3d: list[np.ndarray], step: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame MPJPE and PA-MPJPE (mm) over the 17 joints, every ``step``-th frame."""
    det = lift(model, np.concatenate([p[::step] for p in poses_2d]))
    gt = np.concatenate([p[::step] for p in poses_3d])
    return mpjpe(det, gt), pa_mpjpe(det, gt)


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
            per_frame, aligned = errors(model, test_2d, test_3d, step=10)
            return {
                "test_mpjpe_every10": float(per_frame.mean()),
                "test_pa_mpjpe_every10": float(aligned.mean()),
            }

        start = time.perf_counter()
        training = LifterTraining(args, inputs, targets)
        history = training.run(validate)
        save_lifter(training.model, args.checkpoint, history)
        training.resume_path.unlink(missing_ok=True)
        print(f"lifter trained in {time.perf_counter() - start:.0f} s -> {args.checkpoint}")
    model = load_lifter(args.checkpoint)

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
