"""Smoothing methods behind one small interface: window models and classical filters.

A :class:`Method` smooths ``(T, channels)`` model-space values and says its
window size and usage information; :func:`load_method` turns a name or a
path into one. The :class:`~smoothnet.core.smoother.Smoother`, the online
smoother and the evaluation all smooth through this interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from ..models.checkpoint import UsageInfo, load_checkpoint
from ..models.filters import FILTER_SPECS, apply_filter
from ..models.registry import ModelSpec
from ..models.shipped import SHIPPED_CHECKPOINTS
from ..utils.resample import frame_grid, interpolate_frames
from ..utils.windows import PadMode
from .engine import smooth_sequence

#: Called with the number of frames just smoothed (progress bars).
Progress = Callable[[int], None]


class Method(Protocol):
    """What every smoothing method offers."""

    name: str
    window_size: int
    info: UsageInfo

    def smooth_values(self, values: np.ndarray, fps: float | None = None) -> np.ndarray:
        """``(T, channels)`` model-space values -> smoothed ``(T, channels)`` (float64)."""
        ...


@dataclass
class FilterMethod:
    """A classical filter (:data:`smoothnet.models.filters.FILTER_SPECS`) with its parameters."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    window_size: int = 1
    info: UsageInfo = field(default_factory=UsageInfo)

    def smooth_values(self, values: np.ndarray, fps: float | None = None) -> np.ndarray:
        return np.asarray(apply_filter(self.name, values, **self.kwargs), dtype=np.float64)


@dataclass
class WindowModel:
    """A window model (SmoothNet, motion-aware or linear) applied by the window engine.

    Attributes:
        model: the network, in eval mode on ``device``.
        spec: its architecture (it owns the window size).
        info: how its training data was prepared.
        device: where it runs.
        stride: frames between window starts.
        weighting: how overlapping windows are combined (``hann`` or ``uniform``).
        pad_mode: how sequences shorter than the window are padded.
        chunk_rows: windows x channels per model call (0: the engine's default).
        progress: called with the frames done after each smoothing pass.
    """

    model: nn.Module
    spec: ModelSpec
    info: UsageInfo
    device: torch.device
    stride: int = 1
    weighting: str = "hann"
    pad_mode: PadMode = "edge"
    chunk_rows: int = 0
    progress: Progress | None = None

    @property
    def window_size(self) -> int:
        return self.spec.window_size

    @property
    def name(self) -> str:
        kind = "linear" if self.spec.model_type == "linear" else "SmoothNet"
        return f"{kind} W={self.window_size}"

    def resamples(self, fps: float | None) -> bool:
        """Whether input at ``fps`` lies outside the frame rates the training covered
        (:attr:`UsageInfo.fps_range`, widened by 10 %), and is resampled."""
        covered = self.info.fps_range
        if not fps or covered is None:
            return False
        return not covered[0] / 1.1 <= fps <= covered[1] * 1.1

    def smooth_values(self, values: np.ndarray, fps: float | None = None) -> np.ndarray:
        if self.resamples(fps) and len(values) >= 2:
            t_in, t_model = frame_grid(len(values), fps, self.info.fps)
            resampled = interpolate_frames(values, t_in, t_model)
            return interpolate_frames(self._smooth(resampled), t_model, t_in)
        return self._smooth(values)

    def _smooth(self, values: np.ndarray) -> np.ndarray:
        tensor = torch.from_numpy(np.asarray(values).astype(np.float32)).to(self.device)
        result = smooth_sequence(
            self.model, tensor, self.stride, self.pad_mode, self.chunk_rows, self.weighting
        )
        if self.progress is not None:
            self.progress(len(values))
        return result.cpu().numpy().astype(np.float64)


def method_error(method: str | Path) -> str | None:
    """Why ``method`` names no filter, shipped checkpoint or family, or checkpoint file
    (None if it does)."""
    from ..models.shipped import SHIPPED_FAMILIES

    known = (*FILTER_SPECS, *SHIPPED_CHECKPOINTS, *SHIPPED_FAMILIES)
    if str(method) in known or Path(method).is_file():
        return None
    return (
        f"{method!s}: not a filter, a shipped checkpoint or a checkpoint file; filters: "
        f"{', '.join(FILTER_SPECS)}; shipped: {', '.join(SHIPPED_CHECKPOINTS)}"
    )


def load_method(
    method: str | Path, device: str | torch.device | None = None, **filter_kwargs: Any
) -> FilterMethod | WindowModel:
    """A filter by name, or a window model from a shipped name or a checkpoint path."""
    if str(method) in FILTER_SPECS:
        return FilterMethod(str(method), dict(filter_kwargs))
    from ..utils.runtime import resolve_device

    loaded = load_checkpoint(SHIPPED_CHECKPOINTS.get(str(method), method))
    target = resolve_device("auto" if device is None else str(device))
    return WindowModel(loaded.model.to(target).eval(), loaded.spec, loaded.info, target)
