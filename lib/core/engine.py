"""The window engine: a window model over sequences of any length, offline and online.

Both ways give every frame the weighted mean of the predictions of all the
windows that cover it, weighted by the frame's position in each window
(:func:`smoothnet.utils.windows.window_weights`):

- offline (:func:`smooth_sequence`): the sequence is cut into windows
  (:mod:`smoothnet.utils.windows`), the windows go through the model in
  chunks, and each chunk's predictions are scatter-added into a running sum,
  so peak memory does not grow with the number of windows. Windows are built
  channel-first, ``(C, n, W)``: the model works on the last axis with shared
  weights, so no transpose is needed (a model that pools over a window's
  channels, ``scale_windows``, gets ``(n, C, W)``);
- online (:class:`IncrementalOverlapAdd`): one window at a time as frames
  arrive, the same weighted sums kept per frame until the frame is emitted.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..utils.windows import PadMode, pad_sequence, window_starts, window_weights


class IncrementalOverlapAdd:
    """Running weighted sums of window predictions per frame, for online smoothing.

    Args:
        weights: ``(W,)`` position weights (:func:`window_weights`).
    """

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        self.sums: dict[int, np.ndarray] = {}
        self.counts: dict[int, float] = {}

    def add(self, last_frame: int, prediction: np.ndarray, first_valid: int) -> None:
        """Add a ``(C, W)`` window prediction whose last position is frame
        ``last_frame``; positions before ``first_valid`` (padding) are skipped."""
        window = len(self.weights)
        for k, f in enumerate(range(last_frame - window + 1, last_frame + 1)):
            if f >= first_valid:
                self.sums[f] = self.sums.get(f, 0.0) + self.weights[k] * prediction[:, k]
                self.counts[f] = self.counts.get(f, 0.0) + self.weights[k]

    def mean(self, frame: int) -> np.ndarray | None:
        """The weighted mean for ``frame`` so far (None: no window covered it)."""
        if frame not in self.sums:
            return None
        return self.sums[frame] / self.counts[frame]

    def forget_before(self, frame: int) -> None:
        """Drop the sums of frames before ``frame`` (already emitted)."""
        for f in [f for f in self.sums if f < frame]:
            del self.sums[f], self.counts[f]

#: Rows (windows x channels) pushed through the model at once, per device type
#: (chosen with ``scripts/benchmark.py``; docs/benchmarks.md has the measurements).
DEFAULT_CHUNK_ROWS = {"cpu": 65536, "cuda": 65536}


def default_chunk_rows(device: torch.device) -> int:
    """:data:`DEFAULT_CHUNK_ROWS` for ``device`` (the CPU value for other devices)."""
    return DEFAULT_CHUNK_ROWS.get(device.type, DEFAULT_CHUNK_ROWS["cpu"])


def overlap_add(
    total: torch.Tensor,
    prediction: torch.Tensor,
    index: torch.Tensor,
    weights: torch.Tensor | None = None,
) -> None:
    """Add window predictions into a running per-frame sum, in place.

    ``total[c, index[i, k]] += weights[k] * prediction[c, i, k]`` for every
    channel c, window i and position k, as one ``index_add_``.

    Args:
        total: ``(C, T)`` running sum.
        prediction: ``(C, n, W)`` predictions of n windows.
        index: ``(n, W)`` frame of every window position
            (:func:`smoothnet.utils.windows.frame_indices`).
        weights: ``(W,)`` position weights, or None for 1.
    """
    if weights is not None:
        prediction = prediction * weights.to(prediction.dtype)
    total.index_add_(1, index.reshape(-1), prediction.reshape(len(prediction), -1))


def window_of(model: nn.Module) -> int:
    """The window length W a model was built for (``model.window_size``).

    Raises:
        ValueError: for a model that does not say.
    """
    window = getattr(model, "window_size", None)
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"{type(model).__name__} has no window_size: not a window model")
    return window


@torch.no_grad()
def smooth_sequence(
    model: nn.Module,
    x: torch.Tensor,
    stride: int = 1,
    pad_mode: PadMode = "edge",
    chunk_rows: int | None = None,
    weighting: str = "hann",
) -> torch.Tensor:
    """Smooth a ``(T, C)`` sequence with a window model.

    Args:
        model: maps ``(..., W)`` windows to ``(..., W)`` (time last) and
            knows its W (``model.window_size``), e.g.
            :class:`~smoothnet.models.smoothnet.SmoothNet`; used as it is (call
            ``model.eval()`` first for inference).
        x: ``(T, C)`` sequence on the model's device, any T >= 1.
        stride: frames between window starts; a final window aligned to the
            end is always added, so no frame is dropped.
        pad_mode: how sequences shorter than W are padded (``"edge"`` or
            ``"zero"``); padded frames are cut off from the result.
        chunk_rows: windows x channels per model call; None or 0 picks
            :func:`default_chunk_rows` for the input's device.
        weighting: how overlapping window outputs are combined:
            ``"hann"`` (tapered, no seams) or ``"uniform"`` (the original's
            plain average); see :func:`smoothnet.utils.windows.window_weights`.

    Returns:
        ``(T, C)`` smoothed sequence in the model's dtype.
    """
    if x.ndim != 2:
        raise ValueError(f"expected a (T, C) sequence, got shape {tuple(x.shape)}")
    num_frames, channels = x.shape
    window_size = window_of(model)
    padded = pad_sequence(x, window_size, pad_mode)
    length = padded.shape[0]
    starts = torch.from_numpy(window_starts(length, window_size, stride)).to(x.device)
    offsets = torch.arange(window_size, device=x.device)
    uniform = weighting == "uniform"
    weights = torch.from_numpy(window_weights(window_size, weighting)).to(x.device)
    # Per frame, the summed weight of the windows covering it, built chunk by chunk like
    # the predictions: no index of all T x W positions is ever held.
    coverage = torch.zeros(length, dtype=torch.float64, device=x.device)

    sequence = padded.transpose(0, 1).contiguous()  # (C, T')
    # A model that pools over a window's channels (MODEL.SCALE_WINDOWS) takes (n, C, W).
    pooled = bool(getattr(model, "scale_windows", False))
    total: torch.Tensor | None = None
    chunk_rows = chunk_rows or default_chunk_rows(x.device)
    step = max(1, chunk_rows // max(channels, 1))
    for first in range(0, len(starts), step):
        chunk_index = starts[first : first + step, None] + offsets  # (n, W)
        windows = sequence[:, chunk_index]  # (C, n, W)
        if pooled:
            prediction = model(windows.transpose(0, 1)).transpose(0, 1)
        else:
            prediction = model(windows)
        if total is None:
            total = prediction.new_zeros((channels, length))
        overlap_add(total, prediction, chunk_index, None if uniform else weights)
        coverage.index_add_(0, chunk_index.reshape(-1), weights.expand_as(chunk_index).reshape(-1))
    assert total is not None
    mean = total / coverage.to(total.dtype)
    return mean[:, :num_frames].transpose(0, 1).contiguous()
