"""The basic SmoothNet: a temporal-only fully-connected network.

Every layer acts on the time axis of a window, with weights shared over all
channels (joint coordinates, 6D rotation entries, ...), so the network never
mixes joints and works for any joint count.

The parameter names (``encoder.0``, ``res_blocks.{i}.linear1/linear2``,
``decoder``) are those of the released checkpoints, which therefore load into
:class:`SmoothNet` unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

#: Floor of a window's noise scale (model units), so an exact window is not blown up.
NOISE_SCALE_FLOOR = 1e-4


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


def smooth_centered(
    smooth: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    center: bool,
    scale: bool = False,
) -> torch.Tensor:
    """``smooth((x - m) / s) s + m``: each window less its mean, in units of its noise.

    Centring (``m`` each window's mean over time per channel, else 0) makes a
    window model translation-equivariant per channel: a constant added to a
    window comes out added to the result, whatever the weights, so where a
    trajectory lies in model space cannot change how it is smoothed
    (``MODEL.CENTER_WINDOWS``).

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
    """
    level = x.mean(dim=-1, keepdim=True) if center else None
    if level is not None:
        x = x - level
    if scale:
        noise = window_noise_scale(x)
        out = smooth(x / noise) * noise
    else:
        out = smooth(x)
    return out if level is None else out + level


def cpu_keep_mask(shape: torch.Size, threshold: int, scale: float) -> torch.Tensor:
    """A float32 dropout mask drawn on the CPU from random bytes: ``scale`` where a
    byte is ``>= threshold``, else 0.

    The bytes come from NumPy's SFC64 generator, seeded by one draw from torch's
    global generator, so ``torch.manual_seed`` and a restored torch RNG state
    still reproduce every mask (exact resume). Drawing, comparing and scaling
    run in NumPy, about 8x faster than ``torch.randint`` bytes compared in torch
    on this project's 2-core CPU (``scripts/benchmark.py --sections training``).

    Args:
        shape: the mask's shape.
        threshold: bytes below it drop their element (``256 p``).
        scale: the kept elements' factor, ``1 / (1 - p)``.

    Returns:
        A ``shape`` float32 tensor of 0 and ``scale``.
    """
    size = math.prod(shape)
    seed = int(torch.randint(0, 2**62, ()).item())
    words = np.random.SFC64(seed).random_raw(-(-size // 8))
    keep = words.view(np.uint8)[:size] >= threshold
    mask = np.multiply(keep, np.float32(scale), dtype=np.float32)
    return torch.from_numpy(mask).view(shape)


class BernoulliDropout(nn.Module):
    """Dropout with the semantics of :class:`torch.nn.Dropout`, several times faster on CPU.

    In training every element is kept with probability ``1 - p`` and scaled
    by ``1 / (1 - p)``; in eval mode it is the identity. When ``256 p`` is a
    whole number (0.25 and 0.5, the released configs' rates) the mask comes
    from random bytes compared with ``256 p`` (exact): on the CPU drawn by
    :func:`cpu_keep_mask`, elsewhere by ``torch.randint``; otherwise from
    ``torch.rand_like`` compared with ``p``. It is applied as one
    multiplication. ``nn.functional.dropout``'s Bernoulli sampling took about
    40 % of a SmoothNet training step on the CPU, and torch's byte draws with
    their comparison still about 30 %. It has no parameters, so
    ``state_dict`` keys are unchanged.

    Args:
        p: probability of zeroing an element, in ``[0, 1)``.
        byte_masks: draw byte masks where ``256 p`` is whole (the default);
            ``False`` always draws float masks (the same distribution, slower).
    """

    def __init__(self, p: float, byte_masks: bool = True) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p = float(p)
        byte_threshold = self.p * 256
        use_bytes = byte_masks and byte_threshold.is_integer()
        self._byte_threshold = int(byte_threshold) if use_bytes else None

    def keep_mask(self, x: torch.Tensor) -> torch.Tensor:
        """The scaled mask for ``x``: ``1 / (1 - p)`` where kept, 0 where dropped."""
        scale = 1.0 / (1.0 - self.p)
        if self._byte_threshold is None:
            return (torch.rand_like(x) >= self.p).to(x.dtype).mul_(scale)
        if x.device.type == "cpu":
            return cpu_keep_mask(x.shape, self._byte_threshold, scale).to(x.dtype)
        random = torch.randint(0, 256, x.shape, dtype=torch.uint8, device=x.device)
        return (random >= self._byte_threshold).to(x.dtype).mul_(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        return x * self.keep_mask(x)

    def extra_repr(self) -> str:
        return f"p={self.p}"


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
        self.activation = nn.LeakyReLU(0.2, inplace=True)

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
            nn.Linear(input_size, hidden_size), nn.LeakyReLU(0.1, inplace=True)
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
        window_size: window length W (frames per input window).
        output_size: frames per output window; defaults to ``window_size``
            (the only value the original uses).
        hidden_size: encoder width H (512 in every released config).
        res_hidden_size: residual bottleneck width R.
        num_blocks: number of residual blocks B.
        dropout: dropout probability.
        center_windows: smooth each window less its mean and add the mean back
            (:func:`smooth_centered`; off in the original).
        scale_windows: smooth each window in units of its own noise
            (:func:`smooth_centered`; off in the original).

    Input and output are ``(N, C, W)``: N windows, C channels, W frames.
    """

    def __init__(
        self,
        window_size: int,
        output_size: int | None = None,
        hidden_size: int = 512,
        res_hidden_size: int = 256,
        num_blocks: int = 3,
        dropout: float = 0.5,
        center_windows: bool = False,
        scale_windows: bool = False,
    ) -> None:
        output_size = window_size if output_size is None else output_size
        if output_size > window_size:
            raise ValueError(
                f"output_size ({output_size}) must not exceed window_size ({window_size})"
            )
        super().__init__(
            window_size, output_size, hidden_size, res_hidden_size, num_blocks, dropout
        )
        self.window_size = window_size
        self.output_size = output_size
        self.center_windows = bool(center_windows)
        self.scale_windows = bool(scale_windows)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Smooth windows.

        Args:
            x: ``(N, C, W)`` windows, time on the last axis.

        Returns:
            ``(N, C, output_size)`` smoothed windows (float32 unless the
            model was cast to another dtype).
        """
        if x.shape[-1] != self.window_size:
            raise ValueError(
                f"expected windows of {self.window_size} frames on the last axis, "
                f"got shape {tuple(x.shape)}"
            )
        x = x.to(self.encoder[0].weight.dtype)
        return smooth_centered(self.smooth_windows, x, self.center_windows, self.scale_windows)

    def smooth_windows(self, x: torch.Tensor) -> torch.Tensor:
        """The network itself on checked ``(N, C, W)`` windows (no centring)."""
        return TemporalMLP.forward(self, x)
