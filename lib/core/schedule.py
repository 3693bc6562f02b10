"""The optimizer and the learning-rate schedules of training."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ..choices import LR_SCHEDULES
from .settings import TrainSettings


def warmup_cosine_factor(step: int, total_steps: int, warmup_steps: int, floor: float) -> float:
    """Learning-rate multiplier at optimizer step ``step`` (0-based).

    Linear warm-up from ``1 / (warmup_steps + 1)`` to 1 over the first
    ``warmup_steps`` steps, then a cosine decay from 1 to ``floor`` reached at
    step ``total_steps - 1``; ``floor`` after that.
    """
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    span = max(total_steps - 1 - warmup_steps, 1)
    progress = min(max(step - warmup_steps, 0) / span, 1.0)
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def adam(model: nn.Module, lr: float) -> torch.optim.Adam:
    """Adam with amsgrad (the original's optimizer), fused into one kernel where PyTorch
    has one for the parameters' device (the same update in fewer passes over the weights)."""
    params = list(model.parameters())
    try:
        return torch.optim.Adam(params, lr=lr, amsgrad=True, fused=True)
    except (RuntimeError, ValueError):  # no fused kernel for this device or dtype
        return torch.optim.Adam(params, lr=lr, amsgrad=True)


def make_optimizer(
    model: nn.Module, settings: TrainSettings, total_steps: int = 0
) -> tuple[torch.optim.Optimizer, Any]:
    """Adam (amsgrad) and the learning-rate schedule of ``settings.lr_schedule``.

    ``"epoch"``: the original's exponential decay by ``lr_decay``, stepped once
    per epoch. ``"cosine"``: :func:`warmup_cosine_factor` over ``total_steps``
    optimizer steps, stepped after every optimizer step.
    """
    optimizer = adam(model, settings.lr)
    if settings.lr_schedule == "cosine":
        warmup, floor = settings.warmup_steps, settings.lr_floor
        scheduler: Any = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: warmup_cosine_factor(step, total_steps, warmup, floor)
        )
    elif settings.lr_schedule == "epoch":
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=settings.lr_decay)
    else:
        raise ValueError(
            f"TRAIN.LR_SCHEDULE must be one of {', '.join(LR_SCHEDULES)}, "
            f"got {settings.lr_schedule!r}"
        )
    return optimizer, scheduler
