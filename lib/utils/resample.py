"""Changing a sequence's frame rate by linear interpolation in time."""

from __future__ import annotations

import numpy as np


def frame_grid(
    num_frames: int, source_fps: float, target_fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) of ``num_frames`` frames at ``source_fps`` and of the ``target_fps``
    frames that cover the same span (the first at 0, the last at or before the end)."""
    source = np.arange(num_frames) / source_fps
    target = np.arange(0.0, source[-1] + 1e-9, 1.0 / target_fps)
    return source, target


def interpolate_frames(values: np.ndarray, times: np.ndarray, new_times: np.ndarray) -> np.ndarray:
    """``(T, ...)`` values at ``times`` -> ``(T', ...)`` at ``new_times`` (linear; held
    at the ends)."""
    flat = values.reshape(len(values), -1)
    out = np.empty((len(new_times), flat.shape[1]))
    for c in range(flat.shape[1]):
        out[:, c] = np.interp(new_times, times, flat[:, c])
    return out.reshape(len(new_times), *values.shape[1:])


def resample(values: np.ndarray, source_fps: float, target_fps: float) -> np.ndarray:
    """``(T, ...)`` frames at ``source_fps`` -> the same span at ``target_fps``."""
    source, target = frame_grid(len(values), source_fps, target_fps)
    return interpolate_frames(values, source, target)
