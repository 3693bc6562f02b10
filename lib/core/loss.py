"""SmoothNet's training loss: L1 on positions plus L1 on accelerations."""

from __future__ import annotations

import torch
from torch import nn


def second_difference(x: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """``x[t] - 2 x[t+1] + x[t+2]`` along ``dim`` (length shrinks by 2)."""
    n = x.shape[dim]
    return x.narrow(dim, 0, n - 2) - 2 * x.narrow(dim, 1, n - 2) + x.narrow(dim, 2, n - 2)


class SmoothNetLoss(nn.Module):
    """``w_pos * mean|y_hat - y| + w_accel * mean|a(y_hat) - a(y)|``.

    ``a`` is the second difference along time. Both means run over every
    element (batch x frames x channels).

    Args:
        w_accel: weight of the acceleration term (0.1 in the released configs).
        w_pos: weight of the position term.
    """

    def __init__(self, w_accel: float = 1.0, w_pos: float = 1.0) -> None:
        super().__init__()
        self.w_accel = w_accel
        self.w_pos = w_pos

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of ``(B, W, C)`` predictions against ``(B, W, C)`` targets."""
        if prediction.shape != target.shape:
            raise ValueError(
                f"prediction {tuple(prediction.shape)} and target {tuple(target.shape)} differ"
            )
        target = target.to(prediction.dtype)
        position = (prediction - target).abs().mean()
        if prediction.shape[1] < 3:
            return self.w_pos * position
        accel = (second_difference(prediction) - second_difference(target)).abs().mean()
        return self.w_accel * accel + self.w_pos * position
