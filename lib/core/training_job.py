"""One training run's definition, its loss and one optimizer step."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..models.checkpoint import UsageInfo
from ..models.registry import ModelSpec
from .loss import SmoothNetLoss
from .settings import EvalSettings, LossSettings, TrainSettings


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite, or validation errors exploded."""


@dataclass(frozen=True)
class TrainingJob:
    """What one training run is: the model, how its data was prepared, and how to train.

    Attributes:
        spec: the architecture.
        info: usage information stored in checkpoints.
        train: ``TRAIN.*`` settings.
        loss: ``LOSS.*`` settings.
        evaluation: how validation smooths and scores.
        config: the run's whole config as a plain dict (stored in checkpoints).
    """

    spec: ModelSpec
    info: UsageInfo
    train: TrainSettings
    loss: LossSettings
    evaluation: EvalSettings
    config: dict[str, Any] = field(default_factory=dict)


def loss_function(settings: LossSettings, person_size: float | None) -> SmoothNetLoss:
    """The training loss of ``settings`` (a relative loss's floor: the loss of white
    noise of ``relative_floor`` person sizes)."""
    loss = SmoothNetLoss(
        settings.w_accel,
        settings.w_pos,
        settings.window_weights,
        settings.norm,
        settings.last_frames,
    )
    if settings.relative:
        loss.relative = True
        loss.floor = loss.white_noise_loss(settings.relative_floor * (person_size or 1.0))
    return loss


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: nn.Module,
    pred: torch.Tensor,
    gt: torch.Tensor,
) -> torch.Tensor:
    """One optimizer step on a batch of ``(B, W, C)`` windows; returns the loss."""
    optimizer.zero_grad(set_to_none=True)
    output = model(pred.transpose(1, 2)).transpose(1, 2)
    loss = loss_fn(output, gt, pred)
    loss.backward()
    optimizer.step()
    return loss.detach()


#: A validation error this many times the input's means training diverged (an untrained
#: model is within a few times; a diverged one is orders of magnitude off).
DIVERGED_RATIO = 1000.0


def check_validation(results: dict[str, dict[str, float]], epoch: int) -> None:
    """Stop when a validation error is not finite or :data:`DIVERGED_RATIO` times the
    input's.

    Raises:
        TrainingDiverged: naming the set and both errors.
    """
    for label, metrics in results.items():
        error, start = metrics.get("smoothnet_mpjpe"), metrics.get("input_mpjpe")
        if error is None or start is None:
            continue
        if not math.isfinite(error) or error > DIVERGED_RATIO * start:
            raise TrainingDiverged(
                f"validation diverged after epoch {epoch + 1}: {label} smoothnet_mpjpe "
                f"{error:.4g} against the input's {start:.4g} (lower TRAIN.LR?); "
                "checkpoint_last.pth.tar holds the last good epoch"
            )


def selection_value(results: dict[str, dict[str, float]], key: str) -> float | None:
    """``key`` (``TRAIN.BEST_METRIC``) averaged over the datasets reporting it, as a cost
    (PCK, where higher is better, negated)."""
    values = [m[key] for m in results.values() if key in m and math.isfinite(m[key])]
    if not values:
        return None
    mean = sum(values) / len(values)
    return -mean if "pck" in key else mean
