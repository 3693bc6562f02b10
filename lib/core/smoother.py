"""Plug-and-play smoothing of keypoints from any estimator: offline and online.

:class:`Smoother` wraps a SmoothNet checkpoint (ours or the original's) or a
classical filter behind one contract:

- ``smooth(x)`` for ``(T, K, C)`` or ``(T, P, K, C)`` arrays (numpy or
  torch; the same type comes back), C = 2, 3 or 6, any joint count K, any
  T >= 1; no frame is dropped and sequences shorter than the window are
  padded, never passed through.
- ``online(latency)`` returns an :class:`OnlineSmoother` whose
  ``update(frame, track_ids)`` takes one frame of P people and returns the
  smoothed poses of the frame ``latency`` frames back.

Each track is normalised by :mod:`.normalise` (a checkpoint's recorded person
size, or the image convention with ``image_size``) and mapped back on output.
Filters see the same normalised input as models (One-Euro's parameters are
not scale-invariant). Missing joints (NaN, or a confidence below
``min_confidence``) are filled for the model by linear interpolation in time
and come back as NaN.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from ..models.checkpoint import UsageInfo, load_checkpoint
from ..models.filters import FILTER_SPECS, apply_filter
from ..models.shipped import SHIPPED_CHECKPOINTS
from ..utils.arrays import numpy_with_restore
from ..utils.body_scale import person_radius
from ..utils.resample import frame_grid, interpolate_frames
from ..utils.windows import window_weights as window_weights_of
from .inference import smooth_sequence
from .normalise import Normaliser, check_image_size, fill_missing
from .online import OnlineSmoother
from .strength import guarded, noise_level

logger = logging.getLogger(__name__)

#: How far (a factor either way) a person's size in model units may be from the
#: checkpoint's before ``image_size`` draws a warning.
PERSON_SCALE_TOLERANCE = 1.5

#: Frame rates the smoother accepts (below 1 fps a sequence is not a video; resampling
#: such input to a checkpoint's 50 fps would multiply its length beyond use).
FPS_RANGE = (1.0, 1000.0)


@dataclass
class TrackReport:
    """What smoothing one track measured (no ground truth needed).

    Attributes:
        noise: ``(K,)`` estimated white-noise level per joint, in the input's
            units (:func:`smoothnet.core.strength.noise_level`; NaN: too short).
        strength: ``(K,)`` share of the model's correction kept per joint.
    """

    noise: np.ndarray
    strength: np.ndarray


def check_fps(fps: float | None) -> None:
    """Refuse a frame rate outside :data:`FPS_RANGE` (one line); None passes."""
    if fps is not None and not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
        raise ValueError(f"fps must be between {FPS_RANGE[0]:g} and {FPS_RANGE[1]:g}, got {fps:g}")


def check_strength(strength: str | float) -> str | float:
    """``"auto"`` or a share in [0, 1]; anything else is refused in one line."""
    if strength == "auto":
        return strength
    if isinstance(strength, (int, float)) and not isinstance(strength, bool):
        if 0.0 <= float(strength) <= 1.0:
            return float(strength)
    raise ValueError(f"strength must be 'auto' or a number in [0, 1], got {strength!r}")


def method_error(method: str | Path) -> str | None:
    """Why ``method`` names no filter, shipped checkpoint or checkpoint file (None if it does)."""
    if str(method) in FILTER_SPECS or str(method) in SHIPPED_CHECKPOINTS or Path(method).is_file():
        return None
    return (
        f"{method!s}: not a filter, a shipped checkpoint or a checkpoint file; filters: "
        f"{', '.join(FILTER_SPECS)}; shipped: {', '.join(SHIPPED_CHECKPOINTS)}"
    )


class Smoother:
    """One smoothing contract for SmoothNet checkpoints and classical filters.

    Args:
        method: a checkpoint path, the name of a shipped checkpoint
            (:data:`SHIPPED_CHECKPOINTS`, e.g. ``h36m_fcn_3D_w32``; see
            :func:`default_method`), or a filter name (``savgol``, ``gaus1d``,
            ``gaussian``, ``oneeuro``).
        device: where a model runs (default: CUDA if available, else CPU).
        stride: window stride of offline model smoothing.
        min_confidence: joints with a lower confidence are treated as missing.
        root_joints: 3D root joint indices (default: the centroid of all joints).
        fps: frame rate of the input; when it lies outside the frame rates the
            checkpoint's training covered (its fps over its playback-speed
            augmentation, :attr:`UsageInfo.fps_range`, widened by 10 %), offline
            input is resampled to the training fps and back.
        window_weights: how overlapping window outputs are combined, offline
            and online: ``"hann"`` (tapered, default) or ``"uniform"`` (the
            original's plain average).
        strength: how much of the smoothing each joint keeps, offline:
            ``"auto"`` (the default for checkpoints) measures per track and
            joint how much of the change its noise explains and pulls the
            rest back towards the input (:mod:`.strength`), so a track is not
            made worse where the model does not fit it; a number in [0, 1]
            keeps that share everywhere (1: the model's output as it is, the
            default for filters and the research evaluation).
        progress: show a progress bar (on a terminal only) while smoothing.
        **filter_kwargs: parameters of a classical filter.
    """

    def __init__(
        self,
        method: str | Path,
        device: str | torch.device | None = None,
        stride: int = 1,
        min_confidence: float = 0.0,
        root_joints: Sequence[int] | None = None,
        fps: float | None = None,
        window_weights: str = "hann",
        strength: str | float | None = None,
        progress: bool = False,
        **filter_kwargs: Any,
    ) -> None:
        check_fps(fps)
        self.filter_name: str | None = None
        self.model: torch.nn.Module | None = None
        self.info = UsageInfo()
        self.model_type: str | None = None
        self.window_size = 1
        if str(method) in FILTER_SPECS:
            self.filter_name = str(method)
            self.filter_kwargs = filter_kwargs
        else:
            loaded = load_checkpoint(SHIPPED_CHECKPOINTS.get(str(method), method))
            self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
            self.model = loaded.model.to(self.device).eval()
            self.window_size = loaded.spec.window_size
            self.info = loaded.info
            self.model_type = loaded.spec.model_type
        self.stride = stride
        self.weighting = window_weights
        self.position_weights = window_weights_of(self.window_size, window_weights)
        self.min_confidence = min_confidence
        self.root_joints = root_joints
        self.fps = fps
        if strength is None:
            strength = "auto" if self.model is not None else 1.0
        self.strength = check_strength(strength)
        self.progress = progress
        self._progress: tqdm | None = None
        #: One :class:`TrackReport` per person of the last :meth:`smooth` call.
        self.last_report: list[TrackReport] = []

    @property
    def resamples(self) -> bool:
        """Whether input at the constructor's fps is resampled (see ``fps``)."""
        return self._resamples(self.fps)

    def _resamples(self, fps: float | None) -> bool:
        covered = self.info.fps_range
        if not fps or covered is None:
            return False
        return not covered[0] / 1.1 <= fps <= covered[1] * 1.1

    @property
    def online_only(self) -> str | None:
        """Why this checkpoint cannot smooth offline (None: it can)."""
        frames = self.info.last_frames
        if not frames:
            return None
        return (
            f"this checkpoint was trained for online smoothing with a latency below {frames} "
            f"frames (LOSS.LAST_FRAMES {frames}); use Smoother.online(latency < {frames}) or "
            "another checkpoint"
        )

    @property
    def name(self) -> str:
        if self.filter_name:
            return self.filter_name
        kind = "linear" if self.model_type == "linear" else "SmoothNet"
        return f"{kind} W={self.window_size}"

    # -- offline ---------------------------------------------------------------

    def smooth(
        self,
        x: np.ndarray | torch.Tensor,
        confidence: np.ndarray | None = None,
        image_size: tuple[float, float] | None = None,
        fps: float | None = None,
    ) -> np.ndarray | torch.Tensor:
        """Smooth whole sequences.

        Args:
            x: ``(T, K, C)`` or ``(T, P, K, C)`` keypoints (P people tracked
                over the T frames), numpy or torch.
            confidence: ``(T, K)`` or ``(T, P, K)`` scores; below
                ``min_confidence`` a joint counts as missing.
            image_size: ``(width, height)`` of 2D pixel input's frames, to
                use the original's image normalisation instead of the person's size.
            fps: frame rate of ``x`` (default: the constructor's ``fps``).

        Returns:
            Smoothed keypoints, same shape and type; missing joints are NaN.
        """
        if self.online_only:
            raise ValueError(self.online_only)
        if isinstance(x, torch.Tensor) and (
            x.dtype in (torch.bfloat16, torch.bool) or x.is_complex()
        ):
            raise ValueError(f"keypoints must be a real tensor (call .float()), got {x.dtype}")
        data, restore = numpy_with_restore(x)
        if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
            raise ValueError(f"keypoints must be real numbers, got dtype {data.dtype}")
        if data.ndim not in (3, 4) or 0 in data.shape:
            raise ValueError(
                f"expected (T, K, C) or (T, P, K, C) keypoints with no empty axis, "
                f"got shape {data.shape}"
            )
        check_image_size(image_size)
        check_fps(fps)
        fps = fps if fps is not None else self.fps
        people = data[:, None] if data.ndim == 3 else data
        conf = None if confidence is None else np.asarray(confidence, dtype=np.float64)
        if conf is not None:
            expected = data.shape[:-1]
            if conf.shape != expected:
                raise ValueError(
                    f"confidence must have shape {expected} (keypoints without the last axis), "
                    f"got {conf.shape}"
                )
            if data.ndim == 3:
                conf = conf[:, None]
        self.last_report = []
        passes = 2 if self.strength == "auto" and self.model is not None else 1
        with tqdm(
            total=people.shape[0] * people.shape[1] * passes,
            unit="frame",
            desc="smoothing",
            disable=None if self.progress else True,
            leave=False,
        ) as bar:
            self._progress = bar
            out = np.stack(
                [
                    self._smooth_track(
                        people[:, p], None if conf is None else conf[:, p], image_size, fps
                    )
                    for p in range(people.shape[1])
                ],
                axis=1,
            )
        self._progress = None
        return restore(out[:, 0] if data.ndim == 3 else out)

    def _missing(self, x: np.ndarray, confidence: np.ndarray | None) -> np.ndarray:
        missing = ~np.isfinite(x).all(axis=-1)
        if confidence is not None:
            missing |= ~(np.asarray(confidence) >= self.min_confidence)
        return missing

    def _smooth_track(
        self,
        x: np.ndarray,
        confidence: np.ndarray | None,
        image_size: tuple[float, float] | None,
        fps: float | None,
    ) -> np.ndarray:
        """``(T, K, C)`` -> ``(T, K, C)`` for one person."""
        _, num_joints, coords = x.shape
        if coords not in (2, 3, 6):
            raise ValueError(f"keypoints must have 2, 3 or 6 values per joint, got {coords}")
        missing = self._missing(x, confidence)
        if missing.all():
            self.last_report.append(TrackReport(np.full(num_joints, np.nan), np.zeros(num_joints)))
            return np.full(x.shape, np.nan)
        filled = fill_missing(x, missing)
        # Filters and models see the same normalised input (One-Euro is not scale-invariant).
        norm = Normaliser(coords, self.root_joints, image_size, self.info.person_size).fit(filled)
        if image_size is not None and coords == 2:
            self._check_person_scale(filled, norm)

        def smooth(track: np.ndarray) -> np.ndarray:
            return norm.from_model(self._smooth_values(norm.to_model(track), fps), num_joints)

        if self.strength == "auto" and self.model is not None:
            out, strength, _ = guarded(smooth, filled, missing)
        else:
            out = smooth(filled)
            strength = np.full(num_joints, 1.0 if self.strength == "auto" else self.strength)
            out = filled + strength[None, :, None] * (out - filled)
        self.last_report.append(TrackReport(noise_level(filled, missing), strength))
        out[missing] = np.nan
        return out

    def _check_person_scale(self, filled: np.ndarray, norm: Normaliser) -> None:
        """Warn (one line) when ``image_size`` puts the person far from the size the
        checkpoint was trained on and the model's smoothing depends on that size."""
        trained = self.info.person_size
        if self.model is None or not trained or getattr(self.model, "scale_windows", False):
            return
        ratio = person_radius(filled) / norm.scale / trained
        if not 1 / PERSON_SCALE_TOLERANCE <= ratio <= PERSON_SCALE_TOLERANCE:
            logger.warning(
                "image_size puts this person at %.2fx the size %s was trained on, so it may "
                "smooth too much or too little; leave image_size out to scale by the person",
                ratio,
                self.name,
            )

    def _smooth_values(self, values: np.ndarray, fps: float | None) -> np.ndarray:
        """Smooth ``(T, channels)`` model-space values with the filter or the model."""
        if self.filter_name is not None:
            return apply_filter(self.filter_name, values, **self.filter_kwargs)
        values, restore = self._resample(values, fps)
        tensor = torch.from_numpy(values.astype(np.float32)).to(self.device)
        result = smooth_sequence(self.model, tensor, self.stride, weighting=self.weighting)
        if self._progress is not None:
            self._progress.update(len(values))
        return restore(result.cpu().numpy().astype(np.float64))

    def _resample(self, values: np.ndarray, fps: float | None):
        """Resample ``(T, C)`` to the checkpoint's fps when the input's differs by > 10 %."""
        if not self._resamples(fps) or len(values) < 2:
            return values, lambda y: y
        t_in, t_model = frame_grid(len(values), fps, self.info.fps)
        return interpolate_frames(values, t_in, t_model), lambda y: interpolate_frames(
            y, t_model, t_in
        )

    # -- online ----------------------------------------------------------------

    def online(
        self, latency: int = 0, max_gap: int = 10, threads: int | None = 1
    ) -> OnlineSmoother:
        """A streaming smoother with ``latency`` frames of look-ahead (0: causal);
        see :class:`OnlineSmoother` (``threads``: CPU threads per update)."""
        return OnlineSmoother(self, latency, max_gap, threads)
