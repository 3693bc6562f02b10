"""Parameter and multiply-accumulate counts, computed from the layers (no profiler)."""

from __future__ import annotations

from torch import nn


def count_parameters(model: nn.Module) -> int:
    """Number of parameters."""
    return sum(p.numel() for p in model.parameters())


def macs_per_window_channel(model: nn.Module) -> int:
    """Multiply-accumulates for one channel of one window (biases and activations ignored).

    Every layer of SmoothNet is a linear map along time, applied to each
    channel: a window of C channels costs ``C`` times this.
    """
    return sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))


def macs_per_frame(model: nn.Module, channels: int, stride: int = 1) -> float:
    """Multiply-accumulates per output frame: one window every ``stride`` frames."""
    return macs_per_window_channel(model) * channels / stride
