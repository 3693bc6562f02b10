"""SmoothNet: plug-and-play temporal refinement of human poses from any estimator.

The public API (imported on first use, so ``import smoothnet`` is instant)::

    from smoothnet import Smoother
    smoothed = Smoother("h36m_fcn_3D_w32").smooth(poses)  # (T, K, 3) or (T, P, K, 3)

- :class:`Smoother`, :class:`OnlineSmoother`: smoothing with a shipped
  checkpoint, any checkpoint file or a classical filter, offline or frame by frame;
- :class:`SmoothNet`, :class:`MotionAwareSmoothNet`, :class:`LinearWindowModel`:
  the models; :func:`load_checkpoint`, :func:`save_checkpoint`; :data:`SHIPPED_CHECKPOINTS`;
- the filters :func:`savgol`, :func:`gaus1d`, :func:`gaussian`, :func:`oneeuro`
  (:data:`FILTERS`, :func:`apply_filter`);
- the metrics :func:`mpjpe`, :func:`pa_mpjpe`, :func:`accel_error`, :func:`pck`,
  :func:`mpvpe`.

In a checkout the package's source is the ``lib/`` folder of the original
research framework; installed, it is ``smoothnet``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

_PUBLIC: dict[str, str] = {
    "Smoother": ".core.smoother",
    "OnlineSmoother": ".core.online",
    "SmoothNet": ".models.smoothnet",
    "MotionAwareSmoothNet": ".models.motion_aware",
    "LinearWindowModel": ".models.linear",
    "load_checkpoint": ".models.checkpoint",
    "save_checkpoint": ".models.checkpoint",
    "SHIPPED_CHECKPOINTS": ".models.shipped",
    "FILTERS": ".models.filters",
    "apply_filter": ".models.filters",
    "savgol": ".models.filters",
    "gaus1d": ".models.filters",
    "gaussian": ".models.filters",
    "oneeuro": ".models.filters",
    "mpjpe": ".utils.metrics",
    "pa_mpjpe": ".utils.metrics",
    "accel_error": ".utils.metrics",
    "pck": ".utils.metrics",
    "mpvpe": ".utils.metrics",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'smoothnet' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
