"""Start SmoothNet from a fitted linear window model (``TRAIN.INIT linear``).

The basic SmoothNet computes any linear window model ``A x + b`` exactly
when its encoder width H is at least 2W:

- encoder rows ``[I; -I]`` with zero bias give hidden units
  ``[lrelu(x), lrelu(-x)]``, and ``lrelu(x) - lrelu(-x) = (1 + s) x`` for a
  LeakyReLU of slope ``s`` (0.1 in SmoothNet);
- the second linear layer of every residual block is zero, so every block
  is the identity (``act(0) = 0``);
- decoder columns ``[A / (1 + s), -A / (1 + s)]`` and bias ``b``.

The remaining ``H - 2W`` encoder rows keep their random initialisation and
get zero decoder columns: they do not change the output at step 0, but
their features reach the loss from the first step, so training starts
adding nonlinear corrections at once. The model is exact in training mode
too (dropout only acts inside the residual blocks, whose output is zero).

For the motion-aware variant the position branch is started this way and
the fusion layer passes the position branch through (``[I, 0, 0]``), so
the velocity and acceleration branches start with no contribution.

The ``state_dict`` layout is untouched: a warm-started model saves and
loads like any other.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .motion_aware import MotionAwareSmoothNet
from .smoothnet import SmoothNet, TemporalMLP


def _leaky_slope(branch: TemporalMLP) -> float:
    return float(branch.encoder[1].negative_slope)


@torch.no_grad()
def _start_branch_linear(branch: TemporalMLP, matrix: torch.Tensor, bias: torch.Tensor) -> None:
    """Make one ``TemporalMLP`` compute ``matrix @ x + bias`` exactly."""
    encoder: nn.Linear = branch.encoder[0]
    hidden, window = encoder.weight.shape
    if hidden < 2 * window:
        raise ValueError(
            f"a linear warm start needs hidden_size >= 2 * window_size, got H={hidden}, W={window}"
        )
    out = branch.decoder.weight.shape[0]
    if matrix.shape != (out, window) or bias.shape != (out,):
        raise ValueError(
            f"expected A {(out, window)} and b {(out,)}, got {tuple(matrix.shape)} and "
            f"{tuple(bias.shape)}"
        )
    dtype = encoder.weight.dtype
    eye = torch.eye(window, dtype=dtype)
    encoder.weight[:window] = eye
    encoder.weight[window : 2 * window] = -eye
    encoder.bias[: 2 * window] = 0
    gain = 1.0 + _leaky_slope(branch)
    scaled = matrix.to(dtype) / gain
    branch.decoder.weight.zero_()
    branch.decoder.weight[:, :window] = scaled
    branch.decoder.weight[:, window : 2 * window] = -scaled
    branch.decoder.bias.copy_(bias.to(dtype))
    for block in branch.res_blocks:
        block.linear2.weight.zero_()
        block.linear2.bias.zero_()


@torch.no_grad()
def warm_start_from_linear(
    model: SmoothNet,
    matrix: torch.Tensor | np.ndarray,
    bias: torch.Tensor | np.ndarray,
) -> SmoothNet:
    """Set ``model``'s weights so that it computes ``A x + b`` on every window.

    Args:
        model: a :class:`SmoothNet` or :class:`MotionAwareSmoothNet` with
            ``hidden_size >= 2 * window_size``.
        matrix: ``A``, ``(W, W)``.
        bias: ``b``, ``(W,)``.

    Returns:
        ``model`` (modified in place).

    Raises:
        ValueError: when the widths or shapes do not allow it.
    """
    a = torch.as_tensor(np.asarray(matrix) if not torch.is_tensor(matrix) else matrix)
    b = torch.as_tensor(np.asarray(bias) if not torch.is_tensor(bias) else bias)
    _start_branch_linear(model, a, b)
    if isinstance(model, MotionAwareSmoothNet):
        w = model.window_size
        fusion = model.fusion
        fusion.weight.zero_()
        fusion.weight[:, :w] = torch.eye(w, dtype=fusion.weight.dtype)
        fusion.bias.zero_()
    return model
