"""Classical smoothing filters, the baselines SmoothNet is compared with.

One interface for all: ``filter(x)`` takes a ``(T, K, C)`` array (numpy or
torch) and returns the same shape and type (torch results go back to the
input's device). Filters are declared once, in the registry :data:`FILTER_SPECS`
(name, function, tunable parameters, config key), and chosen by name; keyword
arguments override their defaults.

- ``savgol``: Savitzky-Golay, window 31, order 2, SciPy's polynomial
  ("interp") edges; the window shrinks to the largest odd length <= T.
- ``gaus1d``: the original's Gaussian baseline, kept to reproduce its tables:
  the sequence is cut into non-overlapping 31-frame chunks filtered
  independently (sigma 3), and the last ``T mod 31`` frames are left
  unfiltered.
- ``gaussian``: a correct whole-sequence Gaussian (sigma 3, radius 4 sigma)
  with point-symmetric edge extension, so a linear motion passes unchanged.
- ``oneeuro``: the One-Euro filter (min cutoff 0.04, beta 0.7, derivative
  cutoff 1), causal; time in frames by default, or from ``fps`` or per-frame
  ``timestamps`` in seconds.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:  # torch and SciPy load when a filter runs: the registry is cheap to import
    import torch

ArrayT = TypeVar("ArrayT", np.ndarray, "torch.Tensor")


def _odd_window(window: int, num_frames: int) -> int:
    """Largest odd length <= min(window, T)."""
    window = min(window, num_frames)
    return window if window % 2 else window - 1


def savgol(x: np.ndarray, window_size: int = 31, polyorder: int = 2) -> np.ndarray:
    """Savitzky-Golay filter along time of a ``(T, ...)`` array."""
    window = _odd_window(window_size, x.shape[0])
    polyorder = min(polyorder, window - 1)
    if window <= 1:
        return x.astype(np.float64, copy=True)
    from scipy.signal import savgol_filter

    return savgol_filter(x, window, polyorder, axis=0, mode="interp")


def gaus1d(x: np.ndarray, window_size: int = 31, sigma: float = 3.0) -> np.ndarray:
    """The original's chunked Gaussian filter (reproduction preset)."""
    window = _odd_window(window_size, x.shape[0])
    from scipy.ndimage import gaussian_filter1d

    out = x.astype(np.float64, copy=True)
    if window < 1:
        return out
    usable = (x.shape[0] // window) * window
    for start in range(0, usable, window):
        out[start : start + window] = gaussian_filter1d(
            out[start : start + window], sigma=sigma, axis=0
        )
    return out


def gaussian(x: np.ndarray, sigma: float = 3.0, truncate: float = 4.0) -> np.ndarray:
    """Whole-sequence Gaussian filter with point-symmetric edge extension.

    Frames beyond each end are extended as ``2 x[0] - x[k]`` (and likewise at
    the end), which keeps the local velocity, so a linear trajectory is left
    exactly unchanged and the edges are not pulled towards the interior.
    """
    x = x.astype(np.float64, copy=False)
    radius = int(truncate * sigma + 0.5)
    num_frames = x.shape[0]
    if num_frames < 2 or radius == 0:
        return x.copy()
    pad = min(radius, num_frames - 1)
    head = 2 * x[:1] - x[1 : pad + 1][::-1]
    tail = 2 * x[-1:] - x[-pad - 1 : -1][::-1]
    extended = np.concatenate([head, x, tail], axis=0)
    from scipy.ndimage import gaussian_filter1d

    smoothed = gaussian_filter1d(extended, sigma=sigma, axis=0, mode="nearest", truncate=truncate)
    return smoothed[pad : pad + num_frames]


def _smoothing_factor(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    r = 2 * math.pi * cutoff * dt
    return r / (r + 1)


def oneeuro(
    x: np.ndarray,
    min_cutoff: float = 0.04,
    beta: float = 0.7,
    d_cutoff: float = 1.0,
    fps: float | None = None,
    timestamps: np.ndarray | None = None,
) -> np.ndarray:
    """One-Euro filter (Casiez et al. 2012), element-wise and causal.

    Args:
        x: ``(T, ...)`` signal.
        min_cutoff: minimum cutoff frequency.
        beta: speed coefficient (cutoff grows with the filtered speed).
        d_cutoff: cutoff frequency of the speed estimate.
        fps: frame rate; time step ``1 / fps`` seconds. Default: 1 frame.
        timestamps: ``(T,)`` increasing time of each frame in seconds
            (overrides ``fps``).

    Returns:
        ``(T, ...)`` filtered signal; frame 0 is passed through.
    """
    x = x.astype(np.float64, copy=False)
    num_frames = x.shape[0]
    if timestamps is not None:
        timestamps = np.asarray(timestamps, dtype=np.float64)
        if timestamps.shape != (num_frames,):
            raise ValueError(f"timestamps must have shape ({num_frames},), got {timestamps.shape}")
        steps = np.diff(timestamps)
        if (steps <= 0).any():
            raise ValueError("timestamps must be strictly increasing")
    else:
        steps = np.full(max(num_frames - 1, 0), 1.0 / fps if fps else 1.0)
    out = np.empty_like(x)
    if num_frames == 0:
        return out
    out[0] = x[0]
    speed = np.zeros_like(x[0])
    for t in range(1, num_frames):
        dt = float(steps[t - 1])
        raw_speed = (x[t] - out[t - 1]) / dt
        a_d = _smoothing_factor(d_cutoff, dt)
        speed = a_d * raw_speed + (1 - a_d) * speed
        a = _smoothing_factor(min_cutoff + beta * np.abs(speed), dt)
        out[t] = a * x[t] + (1 - a) * out[t - 1]
    return out


@dataclass(frozen=True)
class FilterSpec:
    """One filter of the registry: everything else (the config keys, the evaluation's
    parameters, the ``--tradition`` and ``--method`` choices) is derived from it.

    Attributes:
        name: the name used everywhere (``--tradition``, ``--method``, metric keys).
        function: ``(T, ...) array, **params -> array``; its keyword defaults
            are the filter's defaults.
        tunable: the parameters exposed as settings; with ``config_key`` set,
            each is the config key ``EVALUATE.<config_key>.<PARAM>`` (upper case).
        config_key: the ``EVALUATE`` node holding the parameters (the
            original's ``TRADITION_<NAME>``), or None for a fixed variant.
    """

    name: str
    function: Callable[..., np.ndarray]
    tunable: tuple[str, ...] = ()
    config_key: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The tunable parameters and their defaults, read from the function's signature."""
        signature = inspect.signature(self.function).parameters
        return {name: signature[name].default for name in self.tunable}


#: The filter registry, by name: the only place a filter is declared. ``gaussian_s2``
#: and ``gaussian_s4`` are the whole-sequence Gaussian at a fixed sigma of 2 and 4 frames
#: (``gaussian`` takes sigma from the config, 3 by default), so one evaluation compares
#: the three strengths.
FILTER_SPECS: dict[str, FilterSpec] = {
    spec.name: spec
    for spec in (
        FilterSpec("savgol", savgol, ("window_size", "polyorder"), "TRADITION_SAVGOL"),
        FilterSpec("gaus1d", gaus1d, ("window_size", "sigma"), "TRADITION_GAUS1D"),
        FilterSpec("gaussian", gaussian, ("sigma",), "TRADITION_GAUSSIAN"),
        FilterSpec("gaussian_s2", functools.partial(gaussian, sigma=2.0)),
        FilterSpec("gaussian_s4", functools.partial(gaussian, sigma=4.0)),
        FilterSpec("oneeuro", oneeuro, ("min_cutoff", "beta"), "TRADITION_ONEEURO"),
    )
}

#: Filter name -> function (from :data:`FILTER_SPECS`).
FILTERS: dict[str, Callable[..., np.ndarray]] = {
    name: spec.function for name, spec in FILTER_SPECS.items()
}


def apply_filter(name: str, x: ArrayT, **kwargs: object) -> ArrayT:
    """Run the filter called ``name`` on a ``(T, K, C)`` array.

    Args:
        name: a key of :data:`FILTER_SPECS`.
        x: ``(T, ...)`` numpy array or torch tensor, T >= 1.
        **kwargs: overrides of the filter's defaults.

    Returns:
        The filtered array, same shape and type as ``x`` (numpy in the
        input's floating dtype; torch on the input's device and dtype).
    """
    try:
        fn = FILTER_SPECS[name].function
    except KeyError:
        raise ValueError(
            f"unknown filter {name!r}; choose one of {', '.join(sorted(FILTER_SPECS))}"
        ) from None
    from ..utils.arrays import numpy_with_restore

    data, restore = numpy_with_restore(x)
    if data.ndim < 1 or data.shape[0] < 1:
        raise ValueError(f"filter {name!r} needs at least one frame, got shape {data.shape}")
    return restore(fn(data, **kwargs))
