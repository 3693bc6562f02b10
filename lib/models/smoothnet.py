"""The basic SmoothNet: a temporal-only fully-connected network.

Every layer acts on the time axis of a window, with weights shared over all
channels (joint coordinates, 6D rotation entries, ...), so the network never
mixes joints and works for any joint count.

The parameter names (``encoder.0``, ``res_blocks.{i}.linear1/linear2``,
``decoder``) are those of the released checkpoints, which therefore load into
:class:`SmoothNet` unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .dropout import BernoulliDropout
from .inference import BLOCK_SLOPE, ENCODER_SLOPE, NOISE_SCALE_FLOOR


def window_noise_scale(x: torch.Tensor) -> torch.Tensor:
    """``(N, 1, 1)`` white-noise scale of each of ``(N, C, W)`` windows.

    The root mean square of the third differences over all channels and
    frames of a window, over ``sqrt(20)`` (a third difference of white noise of
    standard deviation s has variance ``20 s^2``), with a floor
    (:data:`NOISE_SCALE_FLOOR`). A ``(C, W)`` input is one window.
    """
    third = x[..., 3:] - 3 * x[..., 2:-1] + 3 * x[..., 1:-2] - x[..., :-3]
    power = third.square().mean(dim=(-2, -1), keepdim=True) / 20.0
    return (power + NOISE_SCALE_FLOOR**2).sqrt()


def window_trend(x: torch.Tensor, line: bool) -> torch.Tensor:
    """Each channel's mean over the window (``line`` False) or its least-squares line
    (``line`` True), ``(..., W)`` broadcastable to ``x``."""
    level = x.mean(dim=-1, keepdim=True)
    if not line:
        return level
    t = torch.arange(x.shape[-1], dtype=x.dtype, device=x.device)
    t = t - t.mean()
    slope = (x * t).sum(dim=-1, keepdim=True) / t.square().sum().clamp_min(1e-12)
    return level + slope * t


def smooth_centered(
    smooth: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    center: bool,
    scale: bool = False,
    detrend: bool = False,
) -> torch.Tensor:
    """``smooth((x - m) / s) s + m``: each window less its mean or trend, in units of its
    noise.

    Centring (``m`` each window's mean over time per channel, else 0) makes a
    window model translation-equivariant per channel: a constant added to a
    window comes out added to the result, whatever the weights, so where a
    trajectory lies in model space cannot change how it is smoothed
    (``MODEL.CENTER_WINDOWS``). Detrending (``m`` each channel's least-squares
    line over the window, ``MODEL.DETREND_WINDOWS``) makes it equivariant to a
    constant velocity as well: a person walking across the frame, or a camera
    panning, is smoothed as if standing still.

    Scaling (``s`` :func:`window_noise_scale`, pooled over every channel of
    the window, else 1) hands the model each window in units of its own
    noise (``MODEL.SCALE_WINDOWS``): a model that sees one channel at a time
    cannot tell little noise on a lively motion from much noise on a calm
    one, and without the noise level it must smooth every input as hard as
    its training's average. The result is scale-equivariant (a window
    multiplied by c > 0 comes out multiplied by c) and smooths as hard as
    each window's own noise calls for.

    Args:
        smooth: the window model, ``(..., W) -> (..., W_out)``.
        x: ``(N, C, W)`` windows (``(C, W)``: one), time on the last axis.
        center: subtract and restore the window means.
        scale: divide by and restore the window noise scales.
        detrend: subtract and restore each channel's line (implies centring).
    """
    level = window_trend(x, detrend) if center or detrend else None
    if level is not None:
        x = x - level
    if scale:
        noise = window_noise_scale(x)
        out = smooth(x / noise) * noise
    else:
        out = smooth(x)
    return out if level is None else out + level


class ResidualBlock(nn.Module):
    """``x + act(drop(fc2(act(drop(fc1(x))))))`` along the last axis.

    Args:
        hidden_size: width H of the block's input and output.
        res_hidden_size: width R of the bottleneck.
        dropout: dropout probability after each linear layer.
    """

    def __init__(self, hidden_size: int, res_hidden_size: int, dropout: float) -> None:
        super().__init__()
        self.linear1 = nn.Linear(hidden_size, res_hidden_size)
        self.linear2 = nn.Linear(res_hidden_size, hidden_size)
        self.dropout = BernoulliDropout(dropout)
        self.activation = nn.LeakyReLU(BLOCK_SLOPE, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(..., H)`` to ``(..., H)``."""
        y = self.activation(self.dropout(self.linear1(x)))
        y = self.activation(self.dropout(self.linear2(y)))
        # In place only for inference: autograd needs the activation's output.
        return y + x if torch.is_grad_enabled() else y.add_(x)


class TemporalMLP(nn.Module):
    """Encoder, residual blocks and decoder acting on the last (time) axis.

    Args:
        input_size: length of the input along the last axis.
        output_size: length of the output along the last axis.
        hidden_size: encoder width H.
        res_hidden_size: residual-block bottleneck width R.
        num_blocks: number of residual blocks B.
        dropout: dropout probability inside the residual blocks.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        hidden_size: int,
        res_hidden_size: int,
        num_blocks: int,
        dropout: float,
    ) -> None:
        super().__init__()
        for name, value in (
            ("input_size", input_size),
            ("output_size", output_size),
            ("hidden_size", hidden_size),
            ("res_hidden_size", res_hidden_size),
        ):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if num_blocks < 0:
            raise ValueError(f"num_blocks must be >= 0, got {num_blocks}")
        self.encoder = nn.Sequential(
            nn.Linear(input_size, hidden_size), nn.LeakyReLU(ENCODER_SLOPE, inplace=True)
        )
        self.res_blocks = nn.ModuleList(
            ResidualBlock(hidden_size, res_hidden_size, dropout) for _ in range(num_blocks)
        )
        self.decoder = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(..., input_size)`` to ``(..., output_size)``."""
        y = self.encoder(x)
        for block in self.res_blocks:
            y = block(y)
        return self.decoder(y)


class SmoothNet(TemporalMLP):
    """SmoothNet as in the ECCV 2022 paper (the released, basic variant).

    Args:
        window_size: window length W (frames per input and output window).
        hidden_size: encoder width H (512 in every released config).
        res_hidden_size: residual bottleneck width R.
        num_blocks: number of residual blocks B.
        dropout: dropout probability.
        center_windows: smooth each window less its mean and add the mean back
            (:func:`smooth_centered`; off in the original).
        scale_windows: smooth each window in units of its own noise
            (:func:`smooth_centered`; off in the original).
        detrend_windows: smooth each window less each channel's line and add it
            back (:func:`smooth_centered`; off in the original).

    Input and output are ``(N, C, W)``: N windows, C channels, W frames.
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
        super().__init__(
            window_size, window_size, hidden_size, res_hidden_size, num_blocks, dropout
        )
        self.window_size = window_size
        self.center_windows = bool(center_windows)
        self.scale_windows = bool(scale_windows)
        self.detrend_windows = bool(detrend_windows)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Smooth windows.

        Args:
            x: ``(N, C, W)`` windows, time on the last axis.

        Returns:
            ``(N, C, W)`` smoothed windows (float32 unless the
            model was cast to another dtype).
        """
        if x.shape[-1] != self.window_size:
            raise ValueError(
                f"expected windows of {self.window_size} frames on the last axis, "
                f"got shape {tuple(x.shape)}"
            )
        x = x.to(self.encoder[0].weight.dtype)
        return smooth_centered(self.smooth_windows, x, self.center_windows, self.scale_windows,
                               self.detrend_windows)  # fmt: skip

    def smooth_windows(self, x: torch.Tensor) -> torch.Tensor:
        """The network itself on checked ``(N, C, W)`` windows (no centring)."""
        return TemporalMLP.forward(self, x)
