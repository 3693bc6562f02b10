"""A frame-wise 2D->3D lifting network, after Martinez et al. 2017.

"A simple yet effective baseline for 3d human pose estimation" lifts one
frame of 2D keypoints to root-relative 3D with a fully connected network:
Linear -> BatchNorm -> ReLU -> Dropout, then residual blocks of two such
layers, then a linear read-out. Inputs and outputs are standardised per
coordinate with training-set statistics, which this module stores as buffers
so that it maps pixels to millimetres on its own.

It has no temporal context at all, so its output jitters from frame to frame:
the "FCN" estimator of SmoothNet's main Human3.6M setting. Its training
(:class:`LifterTraining`), lifting (:func:`lift`), scoring
(:func:`lifting_errors`), saving and loading (:func:`save_lifter`,
:func:`load_lifter`) are here; ``scripts/prepare_h36m_fcn.py`` drives them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..models.checkpoint import atomic_torch_save
from ..utils.metrics import mpjpe, pa_mpjpe

logger = logging.getLogger(__name__)


def _layer(size_in: int, size_out: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(size_in, size_out), nn.BatchNorm1d(size_out), nn.ReLU(), nn.Dropout(dropout)
    )


class _Residual(nn.Module):
    def __init__(self, hidden: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.Sequential(*(_layer(hidden, hidden, dropout) for _ in range(2)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x)


class LiftingNetwork(nn.Module):
    """Frame-wise lifting MLP with built-in standardisation.

    Args:
        in_joints: 2D joints per frame (inputs ``in_joints * 2``).
        out_joints: 3D joints per frame, root excluded (outputs ``out_joints * 3``).
        hidden: width of every hidden layer (1024 in the paper).
        num_blocks: residual blocks (2 in the paper).
        dropout: dropout probability (0.5 in the paper).
    """

    def __init__(
        self,
        in_joints: int = 16,
        out_joints: int = 16,
        hidden: int = 1024,
        num_blocks: int = 2,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.in_joints, self.out_joints = in_joints, out_joints
        self.hidden, self.num_blocks = hidden, num_blocks
        self.stem = _layer(in_joints * 2, hidden, dropout)
        self.blocks = nn.Sequential(*(_Residual(hidden, dropout) for _ in range(num_blocks)))
        self.head = nn.Linear(hidden, out_joints * 3)
        self.register_buffer("input_mean", torch.zeros(in_joints * 2))
        self.register_buffer("input_std", torch.ones(in_joints * 2))
        self.register_buffer("output_mean", torch.zeros(out_joints * 3))
        self.register_buffer("output_std", torch.ones(out_joints * 3))

    def set_statistics(self, inputs: torch.Tensor, outputs: torch.Tensor) -> None:
        """Store per-coordinate mean and spread of ``(N, in*2)`` inputs, ``(N, out*3)`` outputs."""
        for name, data in (("input", inputs), ("output", outputs)):
            data = data.to(torch.float64)
            getattr(self, f"{name}_mean").copy_(data.mean(0))
            getattr(self, f"{name}_std").copy_(data.std(0).clamp_min(1e-6))

    def forward_normalised(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised ``(B, in*2)`` inputs to standardised ``(B, out*3)`` outputs."""
        return self.head(self.blocks(self.stem(x)))

    def forward(self, keypoints_2d: torch.Tensor) -> torch.Tensor:
        """Lift one frame per row.

        Args:
            keypoints_2d: ``(B, in_joints, 2)`` in the units of the training inputs (pixels).

        Returns:
            ``(B, out_joints, 3)`` root-relative positions in the training output units (mm).
        """
        x = (keypoints_2d.reshape(len(keypoints_2d), -1) - self.input_mean) / self.input_std
        y = self.forward_normalised(x) * self.output_std + self.output_mean
        return y.reshape(len(keypoints_2d), self.out_joints, 3)


@dataclass(frozen=True)
class LifterSettings:
    """Architecture and optimisation of a lifter training run."""

    hidden: int = 1024
    num_blocks: int = 2
    lr: float = 1e-3
    lr_decay: float = 0.8  # per epoch
    epochs: int = 8
    batch_size: int = 256


class LifterTraining:
    """Minibatch training of the lifting network, resumable after each epoch.

    Args:
        settings: the run's settings.
        inputs: ``(N, 16, 2)`` training detections (px).
        targets: ``(N, 16, 3)`` root-relative ground truth without the root (mm).
        resume_path: written after every epoch and read back when present.
    """

    def __init__(
        self,
        settings: LifterSettings,
        inputs: np.ndarray,
        targets: np.ndarray,
        resume_path: Path,
    ) -> None:
        self.settings = settings
        self.inputs = torch.from_numpy(inputs.reshape(len(inputs), -1))
        self.targets = torch.from_numpy(targets.reshape(len(targets), -1))
        self.model = LiftingNetwork(hidden=settings.hidden, num_blocks=settings.num_blocks)
        self.model.set_statistics(self.inputs, self.targets)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.lr)
        self.scheduler = torch.optim.lr_scheduler.ExponentialLR(self.optimizer, settings.lr_decay)
        self.epoch = 0
        self.history: list[dict[str, float]] = []
        self.resume_path = Path(resume_path)
        if self.resume_path.is_file():
            state = torch.load(self.resume_path, map_location="cpu", weights_only=True)
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.epoch, self.history = state["epoch"], state["history"]
            torch.set_rng_state(state["rng"])
            logger.info("resuming from %s after epoch %d", self.resume_path, self.epoch)

    def run(self, validate: Callable[[LiftingNetwork], dict[str, float]]) -> list[dict[str, float]]:
        """Train to ``settings.epochs``; ``validate(model)`` adds each epoch's record."""
        x_norm = (self.inputs - self.model.input_mean) / self.model.input_std
        y_norm = (self.targets - self.model.output_mean) / self.model.output_std
        while self.epoch < self.settings.epochs:
            self.model.train()
            order = torch.randperm(len(x_norm))
            start, total = time.perf_counter(), 0.0
            batches = order.split(self.settings.batch_size)
            for index in tqdm(
                batches, desc=f"lifter epoch {self.epoch + 1}", leave=False, disable=None
            ):
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
            logger.info("lifter %s", json.dumps(record))
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
    """A lifter saved by :func:`save_lifter`, in eval mode.

    Raises:
        ValueError: the file is not a lifting-network checkpoint.
    """
    raw = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(raw, dict) or raw.get("format") != "lifting-network":
        raise ValueError(f"{path}: not a lifting-network checkpoint")
    model = LiftingNetwork(**raw["config"])
    model.load_state_dict({k: v.float() for k, v in raw["state_dict"].items()})
    return model.eval()


def lifting_errors(
    model: LiftingNetwork, poses_2d: list[np.ndarray], poses_3d: list[np.ndarray], step: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame MPJPE and PA-MPJPE (mm) over the 17 joints, every ``step``-th frame."""
    det = lift(model, np.concatenate([p[::step] for p in poses_2d]))
    gt = np.concatenate([p[::step] for p in poses_3d])
    return mpjpe(det, gt), pa_mpjpe(det, gt)
