"""Sliding windows over a sequence, and back.

A sequence of T frames is covered by windows of W frames starting every
``stride`` frames. Unlike the original, no frame is ever dropped: when
``(T - W) % stride != 0`` a last window aligned to the end of the sequence is
added. Sequences shorter than W are padded to W frames (replicating the last
frame by default, zeros as in the original on request); the padded frames are
cut off again after smoothing and are never scored.

Windows go back to a sequence by a weighted average, for every frame, of all
the window predictions that cover it (:func:`window_weights`);
:func:`smoothnet.core.engine.run_windows` does it chunk by chunk, with one
vectorised addition per window position, never a loop over windows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..choices import WINDOW_WEIGHTINGS

if TYPE_CHECKING:
    import torch

PadMode = Literal["edge", "zero"]
WindowWeighting = Literal["hann", "uniform"]


def window_starts(
    num_frames: int, window_size: int, stride: int = 1, align_end: bool = True
) -> np.ndarray:
    """First frame of every window.

    Args:
        num_frames: sequence length T (after any padding to W).
        window_size: window length W.
        stride: frames between consecutive window starts, 1 <= stride <= W.
        align_end: add a final window starting at ``T - W`` when the stride
            does not land there, so no frame is dropped. ``False`` gives the
            original behaviour, which drops the tail frames.

    Returns:
        ``(N,)`` int64 start frames; ``[0]`` when ``T <= W``.
    """
    if window_size < 1:
        raise ValueError(f"window_size must be >= 1, got {window_size}")
    if not 1 <= stride <= window_size:
        raise ValueError(
            f"stride must be between 1 and the window size {window_size} "
            f"(a larger stride skips frames), got {stride}"
        )
    if num_frames < 1:
        raise ValueError(f"a sequence needs at least one frame, got {num_frames}")
    last = num_frames - window_size
    if last <= 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, last + 1, stride, dtype=np.int64)
    if align_end and starts[-1] != last:
        starts = np.append(starts, np.int64(last))
    return starts


def window_weights(window_size: int, weighting: str = "hann") -> np.ndarray:
    """Weight of each window position when overlapping outputs are combined.

    Every frame's result is the weighted mean of the predictions of all the
    windows that cover it, weighted by the frame's position in each window.

    - ``"uniform"``: all positions weigh 1, the original's plain average.
      Each window's first and last frames, which it predicts with the least
      context, weigh as much as its centre, and as the window sequence moves
      on, one window enters and one leaves the average at every frame: a
      seam that adds frame-to-frame jitter.
    - ``"hann"``: a Hann taper ``sin^2(pi (i + 1) / (W + 1))``, strictly
      positive, largest at the centre. Entering and leaving windows weigh
      almost nothing, so the seams vanish (on Human3.6M this lowers the
      acceleration error of window models by about 25 %; see
      docs/results.md).

    Returns:
        ``(W,)`` float64 weights.
    """
    if weighting == "uniform":
        return np.ones(window_size)
    if weighting == "hann":
        return np.sin(np.pi * np.arange(1, window_size + 1) / (window_size + 1)) ** 2
    raise ValueError(
        f"window weighting must be one of {', '.join(WINDOW_WEIGHTINGS)}, got {weighting!r}"
    )


def frame_indices(starts: np.ndarray, window_size: int) -> np.ndarray:
    """``(N, W)`` frame index of every position of every window."""
    return np.asarray(starts, dtype=np.int64)[:, None] + np.arange(window_size, dtype=np.int64)


def pad_sequence(x: Any, window_size: int, mode: PadMode = "edge") -> Any:
    """Pad a ``(T, ...)`` sequence at its end to at least W frames.

    Args:
        x: ``(T, ...)`` sequence, numpy or torch.
        window_size: minimum length W.
        mode: ``"edge"`` repeats the last frame; ``"zero"`` appends zeros
            (the original's behaviour).

    Returns:
        ``(max(T, W), ...)`` sequence of the same type; ``x`` itself when no
        padding is needed.
    """
    missing = window_size - x.shape[0]
    if missing <= 0:
        return x
    if x.shape[0] == 0:
        raise ValueError("cannot pad an empty sequence")
    if not isinstance(x, np.ndarray):  # a tensor: torch is loaded already
        return _pad_tensor(x, missing, mode)
    if mode == "edge":
        tail = np.repeat(x[-1:], missing, axis=0)
    elif mode == "zero":
        tail = np.zeros((missing, *x.shape[1:]), x.dtype)
    else:
        raise ValueError(f"unknown padding mode {mode!r}; expected 'edge' or 'zero'")
    return np.concatenate([x, tail], axis=0)


def _pad_tensor(x: torch.Tensor, missing: int, mode: PadMode) -> torch.Tensor:
    """:func:`pad_sequence` of a tensor by ``missing`` frames."""
    import torch

    if mode == "edge":
        tail = x[-1:].repeat(missing, *([1] * (x.ndim - 1)))
    elif mode == "zero":
        tail = x.new_zeros((missing, *x.shape[1:]))
    else:
        raise ValueError(f"unknown padding mode {mode!r}; expected 'edge' or 'zero'")
    return torch.cat([x, tail], dim=0)
