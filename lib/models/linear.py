"""The learned-linear baseline: a least-squares linear window model.

For a window size W, the model is one ``W x W`` matrix ``A`` and a bias ``b``
(``W``), shared by every channel like SmoothNet's weights: a window ``x`` of one
channel maps to ``A x + b``. ``A`` and ``b`` minimise

    sum over training windows w and channels c of ||A x_wc + b - y_wc||^2

in closed form. The sums ``X^T X`` and ``X^T Y`` (with a column of ones for
the bias) are accumulated one sequence at a time, so no window matrix of the
whole training set is ever held in memory, and the normal equations are
solved once in float64.

With ``center_windows`` the model is ``A (x - m) + b + m``, ``m`` the window's
mean (the fit then uses centred windows and targets), as for a SmoothNet
trained with ``MODEL.CENTER_WINDOWS``, which it warm-starts.

The model is applied exactly like SmoothNet (stride-1 windows, overlapping
outputs averaged: :func:`smoothnet.core.engine.smooth_sequence`). It is the
honest anchor for a trained SmoothNet: a network that does not beat it has
learned nothing beyond a linear filter.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import numpy as np
import torch
from torch import nn

from .smoothnet import smooth_centered, window_trend


class LinearWindowModel(nn.Module):
    """``(..., W) -> (..., W)``: ``x @ A^T + b`` on the last (time) axis.

    Args:
        window_size: window length W.
        matrix: optional ``(W, W)`` initial ``A`` (default: identity).
        bias: optional ``(W,)`` initial ``b`` (default: zeros).
        center_windows: apply ``A`` and ``b`` to each window less its mean and
            add the mean back.
        detrend_windows: the same with each channel's least-squares line.
    """

    def __init__(
        self,
        window_size: int,
        matrix: torch.Tensor | np.ndarray | None = None,
        bias: torch.Tensor | np.ndarray | None = None,
        center_windows: bool = False,
        detrend_windows: bool = False,
    ) -> None:
        super().__init__()
        if window_size < 1:
            raise ValueError(f"window_size must be >= 1, got {window_size}")
        self.window_size = window_size
        self.output_size = window_size
        self.center_windows = bool(center_windows)
        self.detrend_windows = bool(detrend_windows)
        self.linear = nn.Linear(window_size, window_size)
        with torch.no_grad():
            a = torch.eye(window_size) if matrix is None else torch.as_tensor(matrix)
            b = torch.zeros(window_size) if bias is None else torch.as_tensor(bias)
            if a.shape != (window_size, window_size) or b.shape != (window_size,):
                raise ValueError(
                    f"expected A {(window_size, window_size)} and b {(window_size,)}, "
                    f"got {tuple(a.shape)} and {tuple(b.shape)}"
                )
            self.linear.weight.copy_(a)
            self.linear.bias.copy_(b)

    @property
    def matrix(self) -> torch.Tensor:
        """``A``, ``(W, W)``: output frame i is ``sum_j A[i, j] x[j] + b[i]``."""
        return self.linear.weight

    @property
    def bias(self) -> torch.Tensor:
        """``b``, ``(W,)``."""
        return self.linear.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(..., W)`` windows to ``(..., W)``."""
        if x.shape[-1] != self.window_size:
            raise ValueError(
                f"expected windows of {self.window_size} frames on the last axis, "
                f"got shape {tuple(x.shape)}"
            )
        x = x.to(self.linear.weight.dtype)
        return smooth_centered(self.linear, x, self.center_windows, detrend=self.detrend_windows)


def sequence_windows(x: np.ndarray | torch.Tensor, window_size: int) -> torch.Tensor:
    """Every stride-1 window of every channel of a ``(T, C)`` sequence.

    Returns:
        ``(C * (T - W + 1), W)`` float64 rows (channel-major); no rows when
        ``T < W``.
    """
    t = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    if t.ndim != 2:
        raise ValueError(f"expected a (T, C) sequence, got shape {tuple(t.shape)}")
    if t.shape[0] < window_size:
        return t.new_zeros((0, window_size))
    return t.transpose(0, 1).unfold(1, window_size, 1).reshape(-1, window_size)


class LeastSquaresAccumulator:
    """Streaming normal equations of the linear window model.

    Call :meth:`add` once per ``(detected, groundtruth)`` sequence pair, then
    :meth:`solve`. Memory is ``O(W^2)`` besides one sequence's windows.

    Args:
        window_size: window length W.
        center_windows: fit on windows and targets less each input window's mean.
        detrend_windows: the same with each input window's least-squares line.
    """

    def __init__(
        self, window_size: int, center_windows: bool = False, detrend_windows: bool = False
    ) -> None:
        if window_size < 1:
            raise ValueError(f"window_size must be >= 1, got {window_size}")
        self.window_size = window_size
        self.center_windows = bool(center_windows)
        self.detrend_windows = bool(detrend_windows)
        self.xtx = torch.zeros((window_size + 1, window_size + 1), dtype=torch.float64)
        self.xty = torch.zeros((window_size + 1, window_size), dtype=torch.float64)
        self.rows = 0

    def add(
        self, detected: np.ndarray | torch.Tensor, groundtruth: np.ndarray | torch.Tensor
    ) -> None:
        """Accumulate every window of one ``(T, C)`` sequence pair."""
        if tuple(np.shape(detected)) != tuple(np.shape(groundtruth)):
            raise ValueError(
                f"detected {tuple(np.shape(detected))} and ground truth "
                f"{tuple(np.shape(groundtruth))} differ in shape"
            )
        x = sequence_windows(detected, self.window_size)
        if len(x) == 0:
            return
        self.add_windows(x, sequence_windows(groundtruth, self.window_size))

    def add_windows(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Accumulate ``(N, W)`` input windows ``x`` and their ``(N, W)`` targets ``y``
        (one channel of one window per row)."""
        x = torch.as_tensor(x, dtype=torch.float64)
        y = torch.as_tensor(y, dtype=torch.float64)
        if x.shape != y.shape or x.ndim != 2 or x.shape[1] != self.window_size:
            raise ValueError(
                f"expected input and target windows of shape (N, {self.window_size}), "
                f"got {tuple(x.shape)} and {tuple(y.shape)}"
            )
        if self.center_windows or self.detrend_windows:
            level = window_trend(x, self.detrend_windows)
            x, y = x - level, y - level
        ones = x.new_ones((len(x), 1))
        xa = torch.cat([x, ones], dim=1)
        self.xtx += xa.T @ xa
        self.xty += xa.T @ y
        self.rows += len(x)

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        """``(A, b)``: ``(W, W)`` and ``(W,)`` float64 least-squares solution.

        Raises:
            ValueError: when no window was accumulated.
        """
        if self.rows == 0:
            raise ValueError(
                f"no training window: every sequence is shorter than W = {self.window_size}"
            )
        xtx, xty = self.xtx.numpy(), self.xty.numpy()
        solution = None
        if not (self.center_windows or self.detrend_windows):
            with contextlib.suppress(np.linalg.LinAlgError):
                solution = np.linalg.solve(xtx, xty)
        if solution is None:
            # Rank-deficient data, or centred windows (which sum to zero, so A is only
            # determined up to A + v 1^T): the minimum-norm solution, whose rows then sum
            # to zero (A (x - m) = A x).
            solution = np.linalg.lstsq(xtx, xty, rcond=None)[0]
        matrix = solution[:-1].T  # rows of A are output frames
        bias = solution[-1]
        return matrix, bias


def fit_linear_window_model(
    pairs: Iterable[tuple[np.ndarray, np.ndarray]],
    window_size: int,
    center_windows: bool = False,
    detrend_windows: bool = False,
) -> LinearWindowModel:
    """Fit ``A`` and ``b`` on ``(detected, groundtruth)`` ``(T, C)`` pairs.

    Args:
        pairs: training sequences.
        window_size: W.
        center_windows: fit (and apply) the model on centred windows.
        detrend_windows: fit (and apply) the model on detrended windows.

    Returns:
        The fitted model (float32 weights, eval mode).
    """
    acc = LeastSquaresAccumulator(window_size, center_windows, detrend_windows)
    for detected, groundtruth in pairs:
        acc.add(detected, groundtruth)
    return model_from_accumulator(acc)


def model_from_accumulator(acc: LeastSquaresAccumulator) -> LinearWindowModel:
    """Solve ``acc`` into a :class:`LinearWindowModel` (float32 weights, eval mode)."""
    matrix, bias = acc.solve()
    model = LinearWindowModel(acc.window_size, torch.from_numpy(matrix), torch.from_numpy(bias),
                              acc.center_windows, acc.detrend_windows)  # fmt: skip
    return model.float().eval()
