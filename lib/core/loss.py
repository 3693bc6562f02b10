"""SmoothNet's training loss: L1 on positions plus L1 on accelerations."""

from __future__ import annotations

import torch
from torch import nn

from ..choices import LOSS_NORMS
from ..utils.windows import window_weights as window_weights_of


def second_difference(x: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """``x[t] - 2 x[t+1] + x[t+2]`` along ``dim`` (length shrinks by 2)."""
    n = x.shape[dim]
    return x.narrow(dim, 0, n - 2) - 2 * x.narrow(dim, 1, n - 2) + x.narrow(dim, 2, n - 2)




class SmoothNetLoss(nn.Module):
    """``w_pos * mean|y_hat - y| + w_accel * mean|a(y_hat) - a(y)|``.

    ``a`` is the second difference along time. Both means run over every
    element (batch x frames x channels).

    With ``window_weights="hann"`` every frame of a window counts by the
    weight its position gets when overlapping outputs are combined
    (:func:`smoothnet.utils.windows.window_weights`, normalised to mean 1; an
    acceleration by the weight of its middle frame), so training spends its
    effort where the outputs are used. ``"uniform"`` is the original loss.

    With ``norm="l2"`` both terms use squared instead of absolute errors:
    the network then estimates the conditional mean of the ground truth
    rather than its median. The mean changes smoothly as a window slides
    over an outlier, where the median jumps, so the outputs are smoother;
    and the least-squares linear model (the warm start) is the best linear
    model under this loss, so training can only add nonlinear gains.

    With ``last_frames=N > 0`` only the last N frames of each window count
    (and the accelerations that involve them), equally: a model for online
    smoothing with a latency below N, whose outputs come from the ends of
    its windows (``Smoother.online(latency)``).

    With ``relative=True`` each window's loss is divided by the same loss of
    its input (the window as the model received it) plus ``floor``, and the
    ratios are averaged: every window then counts by how much the model
    improves on its input, whatever the input's error. Under an absolute loss
    the noisiest windows dominate and a model is free to add an error of a
    few per cent of the person size to nearly clean input, which at a low
    noise level is worse than doing nothing.

    Args:
        w_accel: weight of the acceleration term (0.1 in the released configs).
        w_pos: weight of the position term.
        window_weights: ``"uniform"`` (the original) or ``"hann"``.
        norm: ``"l1"`` (the original) or ``"l2"``.
        last_frames: 0 (every frame) or how many final frames of a window count.
        relative: divide each window's loss by its input's (see above).
        floor: added to every input loss with ``relative`` (model units of the
            loss), so a window whose input is exact cannot dominate.
    """

    def __init__(
        self,
        w_accel: float = 1.0,
        w_pos: float = 1.0,
        window_weights: str = "uniform",
        norm: str = "l1",
        last_frames: int = 0,
        relative: bool = False,
        floor: float = 0.0,
    ) -> None:
        super().__init__()
        if relative and not floor > 0:
            raise ValueError(f"a relative loss needs a floor > 0, got {floor}")
        self.relative, self.floor = relative, floor
        if last_frames < 0:
            raise ValueError(f"LOSS.LAST_FRAMES must be >= 0, got {last_frames}")
        self.last_frames = last_frames
        if norm not in LOSS_NORMS:
            raise ValueError(f"LOSS.NORM must be one of {', '.join(LOSS_NORMS)}, got {norm!r}")
        self.norm = norm
        self.w_accel = w_accel
        self.w_pos = w_pos
        window_weights_of(2, window_weights)  # validate the name early
        self.window_weights = window_weights
        self._weights: dict[tuple[int, torch.dtype, torch.device], torch.Tensor] = {}

    def _error(self, difference: torch.Tensor) -> torch.Tensor:
        return difference.abs() if self.norm == "l1" else difference.square()

    def _position_weights(self, length: int, like: torch.Tensor) -> torch.Tensor | None:
        """``(length, 1)`` weights of mean 1, or None for the uniform loss."""
        if self.window_weights == "uniform" and not self.last_frames:
            return None
        key = (length, like.dtype, like.device)
        if key not in self._weights:
            if self.last_frames:
                w = torch.zeros(length, dtype=torch.float64)
                w[-min(self.last_frames, length) :] = 1.0
            else:
                w = torch.from_numpy(window_weights_of(length, self.window_weights))
            self._weights[key] = (w / w.mean()).to(like)[:, None]
        return self._weights[key]

    def _accel_weights(self, weights: torch.Tensor) -> torch.Tensor:
        """``(length - 2, 1)`` weights of the second differences, mean 1: the middle
        frame's (taper), or the largest of the three frames' (last frames)."""
        if self.last_frames:
            w = torch.maximum(torch.maximum(weights[:-2], weights[1:-1]), weights[2:])
        else:
            w = weights[1:-1]
        return w / w.mean()

    def forward(
        self,
        prediction: torch.Tensor,
        target: torch.Tensor,
        inputs: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Loss of ``(B, W, C)`` predictions against ``(B, W, C)`` targets.

        ``inputs``: the ``(B, W, C)`` windows the model was given, needed with
        ``relative``.
        """
        if prediction.shape != target.shape:
            raise ValueError(
                f"prediction {tuple(prediction.shape)} and target {tuple(target.shape)} differ"
            )
        target = target.to(prediction.dtype)
        if self.relative:
            if inputs is None or inputs.shape != prediction.shape:
                raise ValueError("a relative loss needs the input windows, shaped as the output")
            with torch.no_grad():
                reference = self.per_window(inputs.to(prediction.dtype), target)
            return (self.per_window(prediction, target) / (reference + self.floor)).mean()
        return self.per_window(prediction, target).mean()

    def white_noise_loss(self, sigma: float) -> float:
        """The expected loss of a window whose error is white noise of std ``sigma``
        (a second difference of it has std ``sqrt(6) sigma``)."""
        if self.norm == "l1":
            scale = (2 / torch.pi) ** 0.5
            return scale * sigma * (self.w_pos + self.w_accel * 6**0.5)
        return sigma**2 * (self.w_pos + 6 * self.w_accel)

    def per_window(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``(B,)`` loss of each of ``(B, W, C)`` windows (the mean over windows is the loss)."""
        weights = self._position_weights(prediction.shape[1], prediction)
        position_error = self._error(prediction - target)
        if weights is not None:
            position_error = position_error * weights
        position = position_error.mean(dim=(1, 2))
        if prediction.shape[1] < 3:
            return self.w_pos * position
        accel_error = self._error(second_difference(prediction) - second_difference(target))
        if weights is not None:
            accel_error = accel_error * self._accel_weights(weights)
        accel = accel_error.mean(dim=(1, 2))
        return self.w_accel * accel + self.w_pos * position
