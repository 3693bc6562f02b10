"""Motion-aware SmoothNet (the paper's second, unreleased variant).

Three temporal MLP branches see the window's positions ``x`` (W frames), its
velocity ``x[t+1] - x[t]`` (W-1 frames) and its acceleration
``x[t+2] - 2 x[t+1] + x[t]`` (W-2 frames). Their hidden widths are H, H-1 and
H-2 as in the paper's figure; each decodes to W frames. A fusion layer,
``Linear(3W -> W)`` over the concatenated branch outputs, gives the smoothed
window. No global skip connection.

The position branch keeps the basic model's parameter names (``encoder``,
``res_blocks``, ``decoder``), so a basic SmoothNet ``state_dict`` can
initialise it with ``load_state_dict(basic, strict=False)``.
"""

from __future__ import annotations

import torch
from torch import nn

from .smoothnet import SmoothNet, TemporalMLP


class MotionAwareSmoothNet(SmoothNet):
    """Position, velocity and acceleration branches fused by one linear layer.

    Args:
        window_size: window length W (at least 3, so an acceleration exists).
        hidden_size: position-branch width H (velocity H-1, acceleration H-2).
        res_hidden_size: residual bottleneck width R of every branch.
        num_blocks: residual blocks B per branch.
        dropout: dropout probability.
        center_windows: smooth each window less its mean (see :class:`SmoothNet`).
        scale_windows: smooth each window in units of its noise (see :class:`SmoothNet`).
        detrend_windows: smooth each window less its line (see :class:`SmoothNet`).

    Input and output are ``(N, C, W)``.
    """

    def __init__(
        self,
        window_size: int,
        hidden_size: int = 512,
        res_hidden_size: int = 256,
        num_blocks: int = 3,
        dropout: float = 0.5,
        center_windows: bool = False,
        scale_windows: bool = False,
        detrend_windows: bool = False,
    ) -> None:
        if window_size < 3:
            raise ValueError(f"motion-aware SmoothNet needs window_size >= 3, got {window_size}")
        if hidden_size < 3:
            raise ValueError(f"motion-aware SmoothNet needs hidden_size >= 3, got {hidden_size}")
        super().__init__(
            window_size,
            hidden_size=hidden_size,
            res_hidden_size=res_hidden_size,
            num_blocks=num_blocks,
            dropout=dropout,
            center_windows=center_windows,
            scale_windows=scale_windows,
            detrend_windows=detrend_windows,
        )
        w = window_size
        self.velocity_branch = TemporalMLP(
            w - 1, w, hidden_size - 1, res_hidden_size, num_blocks, dropout
        )
        self.acceleration_branch = TemporalMLP(
            w - 2, w, hidden_size - 2, res_hidden_size, num_blocks, dropout
        )
        self.fusion = nn.Linear(3 * w, w)

    def smooth_windows(self, x: torch.Tensor) -> torch.Tensor:
        """The three branches and the fusion on checked ``(N, C, W)`` windows."""
        velocity = x[..., 1:] - x[..., :-1]
        acceleration = velocity[..., 1:] - velocity[..., :-1]
        branches = (
            TemporalMLP.forward(self, x),
            self.velocity_branch(velocity),
            self.acceleration_branch(acceleration),
        )
        return self.fusion(torch.cat(branches, dim=-1))
