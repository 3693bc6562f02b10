"""A frame-wise 2D->3D lifting network, after Martinez et al. 2017.

"A simple yet effective baseline for 3d human pose estimation" lifts one
frame of 2D keypoints to root-relative 3D with a fully connected network:
Linear -> BatchNorm -> ReLU -> Dropout, then residual blocks of two such
layers, then a linear read-out. Inputs and outputs are standardised per
coordinate with training-set statistics, which this module stores as buffers
so that it maps pixels to millimetres on its own.

It has no temporal context at all, so its output jitters from frame to frame:
the "FCN" estimator of SmoothNet's main Human3.6M setting.
"""

from __future__ import annotations

import torch
from torch import nn


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
