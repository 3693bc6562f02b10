"""Plug-and-play smoothing of keypoints from any estimator: offline and online.

:class:`Smoother` wraps a SmoothNet checkpoint (ours or the original's) or a
classical filter (:mod:`.methods`) behind one contract:

- ``smooth(x)`` for ``(T, K, C)`` or ``(T, P, K, C)`` arrays (numpy or
  torch; the same type comes back), C = 2, 3 or 6, any joint count K, any
  T >= 1; no frame is dropped and sequences shorter than the window are
  padded, never passed through.
- ``online(latency)`` returns an :class:`~.online.OnlineSmoother` whose
  ``update(frame, track_ids)`` takes one frame of P people and returns the
  smoothed poses of the frame ``latency`` frames back.

Each track goes through the checkpoint's :class:`~.space.ModelSpace` (the
person's size, or the image convention with ``image_size``) and back; filters
see the same encoded input as models (One-Euro's parameters are not
scale-invariant). Missing joints (NaN, or a confidence below
``min_confidence``) are filled for the model by linear interpolation in time
and come back as NaN. With ``strength="auto"`` (the default for checkpoints)
each joint keeps as much of the model's correction as its noise explains
(:mod:`.strength`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from ..utils.arrays import is_tensor, numpy_with_restore
from ..utils.body_scale import person_radius
from .family import family_of
from .methods import BackendChoice, FilterMethod, WindowModel, load_method, method_error
from .space import (
    MAX_COORDINATE,
    ModelSpace,
    TrackCodec,
    check_image_size,
    fill_missing,
    missing_joints,
)
from .strength import GAUSSIAN_SIGMAS, GUARD_ORDERS, guarded_choice, noise_level, probe_length

if TYPE_CHECKING:
    import torch

    from .online import OnlineSmoother

__all__ = ["FPS_RANGE", "Smoother", "TrackReport", "check_fps", "method_error"]

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
        member: which checkpoint of a family smoothed it (``paced``/``free``), or the
            method's name.
        gaussian: ``(K,)`` width (frames) of the Gaussian mixed into each joint where
            the blend's estimated risk was below the model's (:func:`guarded_choice`),
            else 0.
        gaussian_share: ``(K,)`` that Gaussian's share of the joint's output (0: none).
        noise_reads_white: the track's noise read as white, so that Gaussians lighter
            than the model were candidates too (:func:`~smoothnet.core.strength.lighter_gate`).
    """

    noise: np.ndarray
    strength: np.ndarray
    member: str = ""
    gaussian: np.ndarray | None = None
    gaussian_share: np.ndarray | None = None
    noise_reads_white: bool = False


def check_fps(fps: float | None) -> None:
    """Refuse a frame rate outside :data:`FPS_RANGE` (one line); None passes."""
    if fps is not None and not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
        raise ValueError(f"fps must be between {FPS_RANGE[0]:g} and {FPS_RANGE[1]:g}, got {fps:g}")


def check_strength(strength: str | float) -> str | float:
    """``"auto"`` or a share in [0, 1]; anything else is refused in one line."""
    if strength == "auto":
        return strength
    number = isinstance(strength, (int, float)) and not isinstance(strength, bool)
    if number and 0.0 <= float(strength) <= 1.0:
        return float(strength)
    raise ValueError(f"strength must be 'auto' or a number in [0, 1], got {strength!r}")


class Smoother:
    """One smoothing contract for SmoothNet checkpoints and classical filters.

    Args:
        method: a checkpoint path, the name of a shipped checkpoint
            (``SHIPPED_CHECKPOINTS``, e.g. ``h36m_fcn_3D_w32``; see
            ``default_method``), a filter name (``savgol``, ``gaus1d``,
            ``gaussian``, ``oneeuro``), or a loaded :class:`~.methods.WindowModel`.
        device: where a model runs (default: CUDA if available, else CPU).
        stride: window stride of offline model smoothing.
        min_confidence: joints with a lower confidence are treated as missing.
        root_joints: 3D root joint indices (default: the centroid of all joints).
        fps: frame rate of the input; when it lies outside the frame rates the
            checkpoint's training covered (its fps over its playback-speed
            augmentation, ``UsageInfo.fps_range``, widened by 10 %), offline
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
        fallback_gaussians: Gaussian widths (frames) that ``strength="auto"`` may mix
            into the guarded model, per joint, where the blend's estimated risk is
            lower and it smooths more, or the track's noise reads as white
            (:func:`~smoothnet.core.strength.guarded_choice`;
            default ``strength.GAUSSIAN_SIGMAS``; ``()``: the guarded model alone).
        space: the model space (default: the checkpoint's for users,
            :meth:`ModelSpace.for_user`); the evaluation passes the original's
            convention of its dataset.
        backend: how a checkpoint runs: ``numpy`` (no torch needed; basic
            SmoothNet and linear models, CPU), ``torch``, ``auto`` (torch when
            installed) or ``numpy_first`` (NumPy, torch for a model only torch runs).
            Both give the same result to 1e-5 in model units.
        threads: CPU threads of offline smoothing (None: every core allowed).
        **filter_kwargs: parameters of a classical filter.
    """

    def __init__(
        self,
        method: str | Path | WindowModel,
        device: str | torch.device | None = None,
        stride: int = 1,
        min_confidence: float = 0.0,
        root_joints: Sequence[int] | None = None,
        fps: float | None = None,
        window_weights: str = "hann",
        strength: str | float | None = None,
        progress: bool = False,
        space: ModelSpace | None = None,
        fallback_gaussians: tuple[float, ...] = GAUSSIAN_SIGMAS,
        backend: BackendChoice = "auto",
        threads: int | None = None,
        **filter_kwargs: Any,
    ) -> None:
        check_fps(fps)
        self.fallback_gaussians = tuple(float(w) for w in fallback_gaussians)
        self.family = family_of(method) if not isinstance(method, WindowModel) else None
        if self.family is not None:  # one member per track, chosen from the track
            self.members = {k: load_method(getattr(self.family, k), device, backend)
                            for k in ("paced", "free")}  # fmt: skip
            self.method = self.members["free"]
        else:
            self.method = (method if isinstance(method, WindowModel)
                           else load_method(method, device, backend, **filter_kwargs))  # fmt: skip
            self.members = {"free": self.method}
        for member in self.members.values():
            if isinstance(member, WindowModel):
                member.stride, member.weighting = stride, window_weights
                member.progress, member.threads = self._advance, threads
        self.weighting = window_weights
        self.min_confidence = min_confidence
        self.root_joints = root_joints
        self.fps = fps
        self.space = space
        if strength is None:
            strength = "auto" if self.model is not None else 1.0
        self.strength = check_strength(strength)
        self.progress = progress
        self._bar: tqdm | None = None
        #: One :class:`TrackReport` per person of the last :meth:`smooth` call.
        self.last_report: list[TrackReport] = []

    # -- what it is ----------------------------------------------------------------

    @property
    def model(self) -> Any:
        """The network (a torch module, or a NumPy ``WindowNet``); None for a filter."""
        return self.method.model if isinstance(self.method, WindowModel) else None

    @property
    def filter_name(self) -> str | None:
        return self.method.name if isinstance(self.method, FilterMethod) else None

    @property
    def info(self):
        return self.method.info

    @property
    def window_size(self) -> int:
        return self.method.window_size

    @property
    def name(self) -> str:
        if self.family is not None:
            return f"the {self.family.name} family ({self.method.name} models)"
        return self.method.name

    @property
    def resamples(self) -> bool:
        """Whether input at the constructor's fps is resampled (see ``fps``)."""
        return self._resamples(self.fps)

    def _resamples(self, fps: float | None) -> bool:
        return isinstance(self.method, WindowModel) and self.method.resamples(fps)

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

    def space_for(
        self, image_size: tuple[float, float] | None = None, method: Any = None
    ) -> ModelSpace:
        """The model space tracks go through ``method`` (default: the smoother's) in
        (``image_size``: the image convention)."""
        method = method or self.method
        if self.space is not None and image_size is None:
            return self.space
        return ModelSpace.for_user(
            method.info.person_size, method.window_size, image_size, self.root_joints
        )

    def missing(self, x: np.ndarray, confidence: np.ndarray | None) -> np.ndarray:
        """``(..., K)`` True where a joint of ``(..., K, C)`` is missing."""
        return missing_joints(x, confidence, self.min_confidence)

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
        data, restore = _checked_keypoints(x)
        check_image_size(image_size)
        check_fps(fps)
        fps = fps if fps is not None else self.fps
        people = data[:, None] if data.ndim == 3 else data
        conf = _checked_confidence(confidence, data)
        self.last_report = []
        frames = people.shape[0]
        probed = 0
        if self.strength == "auto" and self.model is not None:  # the divergence probe
            reaches = [m.probe_reach(fps) for m in self.members.values()]
            probed = probe_length(frames, None if None in reaches else max(reaches))
        total = (frames + probed) * people.shape[1]
        with tqdm(
            total=total,
            unit="frame",
            desc="smoothing",
            leave=False,
            disable=None if self.progress else True,
        ) as self._bar:
            out = np.stack(
                [
                    self._smooth_track(
                        people[:, p], None if conf is None else conf[:, p], image_size, fps
                    )
                    for p in range(people.shape[1])
                ],
                axis=1,
            )
        self._bar = None
        return restore(out[:, 0] if data.ndim == 3 else out)

    def _advance(self, frames: int) -> None:
        if self._bar is not None:
            self._bar.update(frames)

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
        missing = self.missing(x, confidence)
        _warn_out_of_range(x)
        if missing.all():
            self.last_report.append(TrackReport(np.full(num_joints, np.nan), np.zeros(num_joints)))
            return np.full(x.shape, np.nan)
        filled = fill_missing(x, missing)
        member = self.family.choose(filled, missing) if self.family is not None else "free"
        method = self.members[member]
        codec = self.space_for(image_size, method).fit(filled)
        if image_size is not None and coords == 2:
            self._check_person_scale(filled, codec, method)

        def smooth(track: np.ndarray) -> np.ndarray:
            values = method.smooth_values(codec.encode(track), fps)
            return codec.decode(values, num_joints)

        chosen, share, white = np.zeros(num_joints), np.zeros(num_joints), False
        if self.strength == "auto" and self.model is not None:
            reach = method.probe_reach(fps)
            done = guarded_choice(
                smooth, filled, missing, sigmas=self.fallback_gaussians, reach=reach
            )
            out, strength, noise = done.result, done.strength, done.sigma
            chosen, share, white = done.gaussian, done.share, done.lighter
        else:
            noise = noise_level(filled, missing, GUARD_ORDERS)  # as the guard measures it
            out = smooth(filled)
            strength = np.full(num_joints, 1.0 if self.strength == "auto" else self.strength)
            if self.strength not in ("auto", 1.0):
                out = filled + strength[None, :, None] * (out - filled)
        name = member if self.family is not None else method.name
        report = TrackReport(noise, strength, name, chosen, share, white)
        self.last_report.append(report)
        out[missing] = np.nan
        return out

    def _check_person_scale(self, filled: np.ndarray, codec: TrackCodec, method: Any) -> None:
        """Warn (one line) when ``image_size`` puts the person far from the size the
        checkpoint was trained on and the model's smoothing depends on that size."""
        trained = method.info.person_size
        model = getattr(method, "model", None)
        if model is None or not trained or getattr(model, "scale_windows", False):
            return
        ratio = person_radius(filled) / float(codec.scale[0]) / trained
        if not 1 / PERSON_SCALE_TOLERANCE <= ratio <= PERSON_SCALE_TOLERANCE:
            logger.warning(
                "image_size puts this person at %.2fx the size %s was trained on, so it may "
                "smooth too much or too little; leave image_size out to scale by the person",
                ratio,
                method.name,
            )

    # -- online ----------------------------------------------------------------

    def online(
        self, latency: int = 0, max_gap: int = 10, threads: int | None = 1
    ) -> OnlineSmoother:
        """A streaming smoother with ``latency`` frames of look-ahead (0: causal);
        see :class:`OnlineSmoother` (``threads``: CPU threads per update)."""
        from .online import OnlineSmoother

        if not isinstance(self.method, WindowModel):
            raise ValueError("online smoothing needs a SmoothNet checkpoint, not a filter")
        if self.resamples:
            logger.warning(
                "input at %g fps is outside the frame rates the checkpoint was trained on "
                "(%g-%g fps): online smoothing does not resample (offline smooth() does); "
                "expect weaker smoothing",
                self.fps,
                *self.info.fps_range,
            )
        return OnlineSmoother(
            self.method,
            self.space_for(None),
            latency,
            max_gap,
            threads,
            self.min_confidence,
        )


def _warn_out_of_range(x: np.ndarray) -> None:
    """One warning when finite values lie beyond :data:`MAX_COORDINATE` (taken as missing)."""
    with np.errstate(invalid="ignore"):
        far = int((np.isfinite(x) & (np.abs(x) > MAX_COORDINATE)).sum())
    if far:
        logger.warning("%d keypoint value(s) beyond %g: taken as missing", far, MAX_COORDINATE)


def _checked_keypoints(x: np.ndarray | torch.Tensor):
    """``x`` as numpy and the function giving results back in its type; one-line errors."""
    if is_tensor(x) and (str(x.dtype) in ("torch.bfloat16", "torch.bool") or x.is_complex()):
        raise ValueError(f"keypoints must be a real tensor (call .float()), got {x.dtype}")
    data, restore = numpy_with_restore(x)
    if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
        raise ValueError(f"keypoints must be real numbers, got dtype {data.dtype}")
    if data.ndim not in (3, 4) or 0 in data.shape:
        raise ValueError(
            "expected (T, K, C) or (T, P, K, C) keypoints with no empty axis, "
            f"got shape {data.shape}"
        )
    return data, restore


def _checked_confidence(confidence: np.ndarray | None, data: np.ndarray) -> np.ndarray | None:
    """``(T, P, K)`` scores for ``(T, [P,] K, C)`` keypoints, or None; one-line errors."""
    if confidence is None:
        return None
    conf = np.asarray(confidence, dtype=np.float64)
    expected = data.shape[:-1]
    if conf.shape != expected:
        raise ValueError(
            f"confidence must have shape {expected} (keypoints without the last axis), "
            f"got {conf.shape}"
        )
    return conf[:, None] if data.ndim == 3 else conf
