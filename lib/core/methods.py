"""Smoothing methods behind one small interface: window models and classical filters.

A :class:`Method` smooths ``(T, channels)`` model-space values and says its
window size and usage information; :func:`load_method` turns a name or a
path into one. The :class:`~smoothnet.core.smoother.Smoother`, the online
smoother and the evaluation all smooth through this interface.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from ..models.filters import FILTER_SPECS, apply_filter
from ..models.registry import ModelSpec
from ..models.shipped import SHIPPED_CHECKPOINTS
from ..models.usage_info import NeedsTorch, UsageInfo
from ..utils.resample import frame_grid, interpolate_frames
from ..utils.windows import PadMode
from .engine import ModuleRunner, Progress, WindowRunner, run_windows

#: How a window model runs: NumPy only, torch, torch when it is installed (``auto``), or
#: NumPy unless the model needs torch (``numpy_first``).
BackendChoice = Literal["auto", "numpy", "torch", "numpy_first"]
#: Model types NumPy inference covers (:class:`~smoothnet.models.inference.WindowNet`).
NUMPY_MODEL_TYPES = ("smoothnet", "linear")


class Method(Protocol):
    """What every smoothing method offers."""

    name: str
    window_size: int
    info: UsageInfo

    def smooth_values(self, values: np.ndarray, fps: float | None = None) -> np.ndarray:
        """``(T, channels)`` model-space values -> smoothed ``(T, channels)`` (float64)."""
        ...

    def probe_reach(self, fps: float | None = None) -> int | None:
        """Frames either side of a frame that its smoothed value depends on, where a
        stretch of frames smooths exactly as the whole track away from its ends; None
        where that is not known (the guard then probes the whole track)."""
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

    def probe_reach(self, fps: float | None = None) -> int | None:
        return None  # filters differ in reach; probe the whole track


@dataclass
class WindowModel:
    """A window model (SmoothNet, motion-aware or linear) applied by the window engine.

    Attributes:
        model: the network: a torch module in eval mode on ``device``, or (NumPy
            backend) a :class:`~smoothnet.models.inference.WindowNet`.
        spec: its architecture (it owns the window size).
        info: how its training data was prepared.
        device: where it runs (``cpu`` for the NumPy backend).
        stride: frames between window starts.
        weighting: how overlapping windows are combined (``hann`` or ``uniform``).
        pad_mode: how sequences shorter than the window are padded.
        chunk_rows: windows x channels per model call (0: the runner's).
        progress: called with the frames done after each smoothing pass.
        threads: CPU threads of offline smoothing (None: every core allowed).
        runner: what the window engine calls (default: a fast
            :class:`~smoothnet.models.inference.WindowNet` for the model types it
            covers on the CPU, else the module itself).
    """

    model: Any
    spec: ModelSpec
    info: UsageInfo
    device: Any = "cpu"
    stride: int = 1
    weighting: str = "hann"
    pad_mode: PadMode = "edge"
    chunk_rows: int = 0
    progress: Progress | None = None
    threads: int | None = None
    runner: WindowRunner | None = None

    def __post_init__(self) -> None:
        if self.runner is None:
            self.runner = _runner_for(self.model, self.spec, self.device)

    @property
    def backend(self) -> str:
        """``numpy`` or ``torch``: whose kernels run the model."""
        return getattr(self.runner, "backend", "torch")

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

    def probe_reach(self, fps: float | None = None) -> int | None:
        """Frames either side of a frame that its smoothed value depends on, where
        :meth:`smooth_values` of a stretch of frames gives exactly the values the whole
        track gives away from the stretch's ends (stride 1, no resampling): a window
        and two frames. None otherwise (window starts or resampled frames would move with
        the stretch)."""
        if self.stride != 1 or self.resamples(fps):
            return None
        return self.window_size + 2

    def smooth_values(self, values: np.ndarray, fps: float | None = None) -> np.ndarray:
        if self.resamples(fps) and len(values) >= 2:
            t_in, t_model = frame_grid(len(values), fps, self.info.fps)
            resampled = interpolate_frames(values, t_in, t_model)
            return interpolate_frames(self._smooth(resampled), t_model, t_in)
        return self._smooth(values)

    def _smooth(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float32)
        result = run_windows(self.runner, values, self.stride, self.pad_mode,
                             self.chunk_rows, self.weighting, self.threads)  # fmt: skip
        if self.progress is not None:
            self.progress(len(values))
        return result.astype(np.float64)

    def predict(self, windows: np.ndarray) -> np.ndarray:
        """``(n, C, W)`` windows through the model (the online smoother's path)."""
        return self.runner(np.array(windows, dtype=np.float32))


def _runner_for(model: Any, spec: ModelSpec, device: Any) -> WindowRunner:
    """The fastest runner of ``model``: a :class:`WindowNet` as it is, or built from a
    torch module's weights (CPU, model types it covers), else the module itself."""
    from ..models.inference import WindowNet

    if isinstance(model, WindowNet):
        return model
    if str(device) == "cpu" and spec.model_type in NUMPY_MODEL_TYPES:
        state = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
        return WindowNet(spec, state, "torch")
    return ModuleRunner(model, device)


def torch_available() -> bool:
    """Whether torch is installed (without importing it)."""
    return importlib.util.find_spec("torch") is not None


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
    method: str | Path,
    device: Any = None,
    backend: BackendChoice = "auto",
    **filter_kwargs: Any,
) -> FilterMethod | WindowModel:
    """A filter by name, or a window model from a shipped name or a checkpoint path.

    Args:
        method: filter name, shipped checkpoint name or checkpoint path.
        device: where a model runs (default: CUDA if available, else the CPU).
        backend: ``numpy`` (no torch; basic SmoothNet and linear models on the
            CPU), ``torch``, ``auto`` (torch when it is installed) or ``numpy_first``
            (NumPy, and torch for a model only torch runs).
    """
    if str(method) in FILTER_SPECS:
        return FilterMethod(str(method), dict(filter_kwargs))
    path = SHIPPED_CHECKPOINTS.get(str(method), method)
    if backend not in ("auto", "numpy", "torch", "numpy_first"):
        raise ValueError(f"backend must be auto, numpy, torch or numpy_first, got {backend!r}")
    if backend in ("numpy", "numpy_first") or (backend == "auto" and not torch_available()):
        try:
            return _numpy_method(path, device)
        except NeedsTorch:
            if backend == "numpy" or not torch_available():
                raise
    if not torch_available():
        raise ValueError("backend torch needs torch: pip install torch, then .[torch]")
    from ..models.checkpoint import load_checkpoint
    from ..utils.runtime import resolve_device

    loaded = load_checkpoint(path)
    target = resolve_device("auto" if device is None else str(device))
    return WindowModel(loaded.model.to(target).eval(), loaded.spec, loaded.info, target)


def _numpy_method(path: str | Path, device: Any) -> WindowModel:
    """A window model on NumPy alone (one-line errors for what needs torch)."""
    from ..models.array_checkpoint import load_array_checkpoint
    from ..models.inference import WindowNet

    if device is not None and str(device) not in ("cpu", "auto"):
        raise ValueError(f"the numpy backend runs on the CPU only, not {device}")
    loaded = load_array_checkpoint(path)
    net = WindowNet.from_checkpoint(loaded, "numpy")
    return WindowModel(net, loaded.spec, loaded.info, "cpu", runner=net)
