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

Normalisation is automatic and inverted on output. A checkpoint that records
its training data's person size (``UsageInfo.person_size``, the RMS radius of
:func:`lib.utils.body_scale.person_radius`) gets every person at that size:

- 2D: ``(p - c) / s`` with c the centre of a box around the track's
  keypoints and ``s = radius(track) / person_size``, so a person in a 640-px
  frame and the same person in a 4K frame give the model the same input;
  with ``image_size`` given, the original's image convention instead:
  ``(p - size/2) / (max(size)/2)`` (Human3.6M: ``(p - 500) / 500``);
- 3D: root-relative (the root is the mean of ``root_joints``, by default the
  joint centroid) with the root trajectory smoothed as three more channels,
  divided by ``s = radius(track) / person_size`` (metres, millimetres or
  any other unit give the same result up to that unit);
- 6D rotations: as they are.

For checkpoints without a recorded person size (the original's), 2D input
without ``image_size`` maps a box around the track to half the frame, and 3D
input is taken as metres, or as millimetres when its root-relative spread
exceeds 10.

Filters see the same normalised input as models (One-Euro's parameters are
not scale-invariant). Missing joints (NaN, or a confidence below
``min_confidence``) are filled for the model by linear interpolation in time
and come back as NaN.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..models.checkpoint import UsageInfo, load_checkpoint
from ..models.filters import FILTERS, apply_filter
from ..utils.arrays import cpu_threads, numpy_with_restore
from ..utils.body_scale import person_radius
from ..utils.resample import frame_grid, interpolate_frames
from ..utils.windows import window_weights as window_weights_of
from .inference import smooth_sequence

logger = logging.getLogger(__name__)


def fill_missing(x: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Fill missing joints by linear interpolation in time (held at the ends).

    Args:
        x: ``(T, K, C)`` values.
        missing: ``(T, K)`` True where a joint is missing.

    Returns:
        ``(T, K, C)`` with every missing value filled; a joint missing in every
        frame takes the mean of the other (filled) joints, or 0 if none was seen.
    """
    out = np.array(x, dtype=np.float64, copy=True)
    frames = np.arange(x.shape[0])
    for k in range(x.shape[1]):
        gone = missing[:, k]
        if not gone.any():
            continue
        if gone.all():
            continue
        for c in range(x.shape[2]):
            out[gone, k, c] = np.interp(frames[gone], frames[~gone], out[~gone, k, c])
    never = missing.all(axis=0)
    if never.any():
        seen = ~never  # joints seen at least once are filled by now
        out[:, never] = out[:, seen].mean(axis=1, keepdims=True) if seen.any() else 0.0
    return out


@dataclass
class _Normaliser:
    """Invertible per-track mapping to model space (see the module docstring).

    Attributes:
        coords: values per joint.
        root_joints: 3D root joints (None: the centroid).
        image_size: 2D ``(width, height)`` for the image convention.
        person_size: the checkpoint's person size in model units (None: not recorded).
    """

    coords: int
    root_joints: Sequence[int] | None = None
    image_size: tuple[float, float] | None = None
    person_size: float | None = None
    center: np.ndarray = field(default_factory=lambda: np.zeros(1))
    scale: float = 1.0

    def fit(self, x: np.ndarray) -> _Normaliser:
        """Choose the constants from a ``(T, K, C)`` filled track."""
        radius = person_radius(x) if self.person_size and self.coords in (2, 3) else 0.0
        by_person = radius > 1e-12 * max(float(np.abs(x).max()), 1.0)
        if self.coords == 2:
            lo, hi = x.reshape(-1, 2).min(axis=0), x.reshape(-1, 2).max(axis=0)
            if self.image_size is not None:
                w, h = self.image_size
                self.center = np.array([w / 2, h / 2])
                self.scale = max(w, h) / 2
            elif by_person:
                self.center = (lo + hi) / 2
                self.scale = radius / self.person_size
            else:
                self.center = (lo + hi) / 2
                self.scale = max(float((hi - lo).max()), 1e-6)  # the box fills half the frame
        elif self.coords == 3:
            if by_person:
                self.scale = radius / self.person_size
            else:
                relative = x - self._root(x)
                spread = float(np.median(np.linalg.norm(relative, axis=-1)))
                self.scale = 1000.0 if spread > 10 else 1.0
        return self

    def _root(self, x: np.ndarray) -> np.ndarray:
        joints = list(self.root_joints) if self.root_joints else slice(None)
        return x[:, joints].mean(axis=1, keepdims=True)

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """``(T, K, C)`` -> ``(T, channels)`` (3D: relative joints, then the root)."""
        if self.coords == 2:
            return ((x - self.center) / self.scale).reshape(len(x), -1)
        if self.coords == 3:
            root = self._root(x)
            return np.concatenate([(x - root) / self.scale, root / self.scale], axis=1).reshape(
                len(x), -1
            )
        return x.reshape(len(x), -1)

    def from_model(self, y: np.ndarray, num_joints: int) -> np.ndarray:
        """Inverse of :meth:`to_model`: ``(T, channels)`` -> ``(T, K, C)``."""
        if self.coords == 2:
            return y.reshape(len(y), num_joints, 2) * self.scale + self.center
        if self.coords == 3:
            values = y.reshape(len(y), num_joints + 1, 3) * self.scale
            return values[:, :num_joints] + values[:, num_joints:]
        return y.reshape(len(y), num_joints, self.coords)


SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "checkpoints"
_SHIPPED_MODELS = (
    "h36m_fcn_3D_w32",
    "h36m_fcn_3D_w32_motion_aware",
    "h36m_hourglass_2D_w32",
    "h36m_hourglass_2D_w32_motion_aware",
)
# Checkpoints trained on Human3.6M and shipped in data/checkpoints/, by name; each
# basic one has a "<name>_linear" twin, the least-squares linear window model it
# was started from (the "linear" baseline).
SHIPPED_CHECKPOINTS: dict[str, Path] = {
    name: SHIPPED_DIR / name / "checkpoint.pth.tar" for name in _SHIPPED_MODELS
} | {
    f"{name}_linear": SHIPPED_DIR / name / "linear.pth.tar"
    for name in _SHIPPED_MODELS
    if not name.endswith("motion_aware")
}
# What ``method="auto"`` picks, by values per joint.
DEFAULT_CHECKPOINTS: dict[int, str] = {2: "h36m_hourglass_2D_w32", 3: "h36m_fcn_3D_w32"}


def check_image_size(image_size: tuple[float, float] | None) -> None:
    """Refuse an image size that is not two positive finite numbers (one line)."""
    if image_size is None:
        return
    size = np.asarray(image_size, dtype=np.float64)
    if size.shape != (2,) or not np.isfinite(size).all() or (size <= 0).any():
        raise ValueError(f"image_size must be (width, height) > 0, got {tuple(image_size)}")


def default_method(coords: int) -> str:
    """The shipped checkpoint for keypoints with ``coords`` values per joint (2 or 3).

    Raises:
        ValueError: for other widths (6D rotations need a checkpoint trained on them).
    """
    if coords not in DEFAULT_CHECKPOINTS:
        raise ValueError(
            f"no shipped checkpoint for {coords} values per joint; pass a checkpoint path"
        )
    return DEFAULT_CHECKPOINTS[coords]


#: Frame rates the smoother accepts (below 1 fps a sequence is not a video; resampling
#: such input to a checkpoint's 50 fps would multiply its length beyond use).
FPS_RANGE = (1.0, 1000.0)


def method_error(method: str | Path) -> str | None:
    """Why ``method`` names no filter, shipped checkpoint or checkpoint file (None if it does)."""
    if str(method) in FILTERS or str(method) in SHIPPED_CHECKPOINTS or Path(method).is_file():
        return None
    return (
        f"{method!s}: not a filter, a shipped checkpoint or a checkpoint file; filters: "
        f"{', '.join(FILTERS)}; shipped: {', '.join(SHIPPED_CHECKPOINTS)}"
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
        fps: frame rate of the input; when it differs from the checkpoint's
            training fps by more than 10 %, offline input is resampled to it.
        window_weights: how overlapping window outputs are combined, offline
            and online: ``"hann"`` (tapered, default) or ``"uniform"`` (the
            original's plain average).
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
        **filter_kwargs: Any,
    ) -> None:
        if fps is not None and not FPS_RANGE[0] <= fps <= FPS_RANGE[1]:
            raise ValueError(
                f"fps must be between {FPS_RANGE[0]:g} and {FPS_RANGE[1]:g}, got {fps:g}"
            )
        self.filter_name: str | None = None
        self.model: torch.nn.Module | None = None
        self.info = UsageInfo()
        self.model_type: str | None = None
        self.window_size = 1
        if str(method) in FILTERS:
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

    @property
    def resamples(self) -> bool:
        """Whether the input fps differs from the checkpoint's training fps by more than 10 %."""
        trained = self.info.fps
        return bool(self.fps and trained and abs(self.fps / trained - 1) > 0.1)

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
    ) -> np.ndarray | torch.Tensor:
        """Smooth whole sequences.

        Args:
            x: ``(T, K, C)`` or ``(T, P, K, C)`` keypoints (P people tracked
                over the T frames), numpy or torch.
            confidence: ``(T, K)`` or ``(T, P, K)`` scores; below
                ``min_confidence`` a joint counts as missing.
            image_size: ``(width, height)`` of 2D pixel input's frames, to
                use the original's image normalisation instead of the person's size.

        Returns:
            Smoothed keypoints, same shape and type; missing joints are NaN.
        """
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
        out = np.stack(
            [
                self._smooth_track(people[:, p], None if conf is None else conf[:, p], image_size)
                for p in range(people.shape[1])
            ],
            axis=1,
        )
        return restore(out[:, 0] if data.ndim == 3 else out)

    def _missing(self, x: np.ndarray, confidence: np.ndarray | None) -> np.ndarray:
        missing = ~np.isfinite(x).all(axis=-1)
        if confidence is not None:
            missing |= ~(np.asarray(confidence) >= self.min_confidence)
        return missing

    def _smooth_track(
        self, x: np.ndarray, confidence: np.ndarray | None, image_size: tuple[float, float] | None
    ) -> np.ndarray:
        """``(T, K, C)`` -> ``(T, K, C)`` for one person."""
        _, num_joints, coords = x.shape
        if coords not in (2, 3, 6):
            raise ValueError(f"keypoints must have 2, 3 or 6 values per joint, got {coords}")
        missing = self._missing(x, confidence)
        if missing.all():
            return np.full(x.shape, np.nan)
        filled = fill_missing(x, missing)
        # Filters and models see the same normalised input (One-Euro is not scale-invariant).
        norm = _Normaliser(coords, self.root_joints, image_size, self.info.person_size).fit(filled)
        if self.filter_name is not None:
            smoothed = apply_filter(self.filter_name, norm.to_model(filled), **self.filter_kwargs)
        else:
            values, restore = self._resample(norm.to_model(filled))
            tensor = torch.from_numpy(values.astype(np.float32)).to(self.device)
            result = smooth_sequence(
                self.model, tensor, self.window_size, self.stride, weighting=self.weighting
            )
            smoothed = restore(result.cpu().numpy().astype(np.float64))
        out = norm.from_model(smoothed, num_joints)
        out[missing] = np.nan
        return out

    def _resample(self, values: np.ndarray):
        """Resample ``(T, C)`` to the checkpoint's fps when the input's differs by > 10 %."""
        if not self.resamples or len(values) < 2:
            return values, lambda y: y
        t_in, t_model = frame_grid(len(values), self.fps, self.info.fps)
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


@dataclass
class _Track:
    """History of one tracked person (model space) and its running window sums."""

    frames: list[np.ndarray]  # (channels,) per frame, filled
    missing: list[np.ndarray]  # (K,) per frame
    first: int  # global frame index of frames[0]
    start: int  # global frame index where the track (re)started
    last_seen: int
    norm: _Normaliser
    sums: dict[int, np.ndarray] = field(default_factory=dict)
    counts: dict[int, float] = field(default_factory=dict)


class OnlineSmoother:
    """Frame-by-frame smoothing of several tracked people.

    Every new frame of a track adds one window (its last W frames) through
    the model; the output for frame f averages the windows computed so far
    that cover it. With ``latency = L`` the frame returned is ``t - L``,
    averaging L + 1 windows: L = 0 is causal, L = W - 1 equals offline
    smoothing (stride 1) on interior frames.

    A track missing for up to ``max_gap`` frames has the gap filled by linear
    interpolation when it reappears (not smeared into its neighbours); after
    a longer absence it starts afresh. Frames with no people are fine.

    Args:
        smoother: a model-backed :class:`Smoother`.
        latency: look-ahead L in frames, 0 <= L < W.
        max_gap: frames a track may be missing and still be bridged.
        threads: CPU threads torch may use during an update (restored after
            it); 1 by default: one frame's few windows are too small to share
            out, and beside a running pose estimator more threads only wait
            for each other (about 10x fewer updates/s measured on a busy
            2-core machine). None leaves torch's setting alone.
    """

    def __init__(
        self, smoother: Smoother, latency: int = 0, max_gap: int = 10, threads: int | None = 1
    ) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads}")
        self.threads = threads
        if smoother.model is None:
            raise ValueError("online smoothing needs a SmoothNet checkpoint, not a filter")
        w = smoother.window_size
        if not 0 <= latency < w:
            raise ValueError(f"latency must be between 0 and W - 1 = {w - 1}, got {latency}")
        self.smoother, self.latency, self.max_gap = smoother, latency, max_gap
        self.window = w
        if smoother.resamples:
            logger.warning(
                "input at %g fps but the checkpoint was trained at %g fps: online smoothing does "
                "not resample (offline smooth() does); expect weaker smoothing",
                smoother.fps,
                smoother.info.fps,
            )
        self.tracks: dict[Any, _Track] = {}
        self.frame_index = -1

    def update(
        self,
        frame: np.ndarray,
        track_ids: Sequence[Any],
        confidence: np.ndarray | None = None,
        image_size: tuple[float, float] | None = None,
    ) -> tuple[np.ndarray, list[Any]]:
        """Add one frame; return the smoothed poses of frame ``t - latency``.

        Args:
            frame: ``(P, K, C)`` keypoints of the people in this frame (P may be 0).
            track_ids: P track identifiers.
            confidence: ``(P, K)`` scores, optional.
            image_size: ``(width, height)`` of 2D pixel input's frames, to
                use the original's image normalisation instead of the person's size.

        Returns:
            ``(poses (Q, K, C), ids)``: the tracks present at frame ``t -
            latency`` and their smoothed poses (missing joints NaN); Q may be 0.
        """
        frame = np.asarray(frame, dtype=np.float64)
        track_ids = list(track_ids)
        if frame.size == 0 and not track_ids:
            frame = np.zeros((0, 1, 1))
        if frame.ndim != 3:
            raise ValueError(f"expected a (P, K, C) frame, got shape {frame.shape}")
        if len(frame) != len(track_ids):
            raise ValueError(f"{len(frame)} poses but {len(track_ids)} track ids")
        if len(set(track_ids)) != len(track_ids):
            twice = sorted({str(i) for i in track_ids if track_ids.count(i) > 1})
            raise ValueError(f"track ids appear twice in one frame: {', '.join(twice)}")
        if confidence is not None and np.shape(confidence) != frame.shape[:-1]:
            raise ValueError(
                f"confidence must have shape {frame.shape[:-1]}, got {np.shape(confidence)}"
            )
        check_image_size(image_size)
        self.frame_index += 1
        t = self.frame_index
        new_windows = []
        for p, track_id in enumerate(track_ids):
            pose = frame[p]
            conf = None if confidence is None else np.asarray(confidence)[p]
            missing = self.smoother._missing(pose[None], None if conf is None else conf[None])[0]
            known = self.tracks.get(track_id)
            if known is not None and known.frames:
                seen = (len(known.missing[-1]), known.norm.coords)
                if seen != pose.shape:
                    raise ValueError(
                        f"track {track_id!r} changed from {seen} to {pose.shape} "
                        "(joints, values per joint)"
                    )
            if missing.all() and (known is None or t - known.last_seen > self.max_gap + 1):
                continue  # nothing observed yet: a track starts at its first real observation
            track = self._track(track_id, pose, missing, t, image_size)
            filled = fill_missing(
                np.stack([self._last_pose(track), pose]) if track.frames else pose[None],
                np.stack([np.zeros_like(missing), missing]) if track.frames else missing[None],
            )[-1]
            self._append(track, filled, missing, t)
            new_windows.append(track)
        self._run_windows(new_windows, t)
        result = self._emit(t - self.latency)
        # Forget tracks that can no longer be bridged and have nothing left to report.
        stale = t - self.max_gap - self.latency - 1
        for track_id in [i for i, tr in self.tracks.items() if tr.last_seen < stale]:
            del self.tracks[track_id]
        return result

    # -- internals ---------------------------------------------------------------

    def _track(self, track_id, pose, missing, t, image_size) -> _Track:
        track = self.tracks.get(track_id)
        if track is not None and t - track.last_seen > self.max_gap + 1:
            track = None  # gone too long: start afresh
        if track is None:
            start = fill_missing(pose[None], missing[None])
            smoother = self.smoother
            norm = _Normaliser(
                pose.shape[-1], smoother.root_joints, image_size, smoother.info.person_size
            ).fit(start)
            track = _Track(frames=[], missing=[], first=t, start=t, last_seen=t, norm=norm)
            self.tracks[track_id] = track
        return track

    def _last_pose(self, track: _Track) -> np.ndarray:
        num_joints = track.missing[-1].shape[0]
        return track.norm.from_model(track.frames[-1][None], num_joints)[0]

    def _append(self, track: _Track, pose: np.ndarray, missing: np.ndarray, t: int) -> None:
        values = track.norm.to_model(pose[None])[0]
        gap = t - track.last_seen - 1 if track.frames else 0
        if gap > 0:  # bridge the absence linearly in model space; those frames stay missing
            previous = track.frames[-1]
            for g in range(1, gap + 1):
                w = g / (gap + 1)
                track.frames.append((1 - w) * previous + w * values)
                track.missing.append(np.ones_like(missing))
        track.frames.append(values)
        track.missing.append(missing)
        track.last_seen = t
        keep = self.window + self.latency + 1
        if len(track.frames) > keep:
            drop = len(track.frames) - keep
            del track.frames[:drop], track.missing[:drop]
            track.first += drop

    def _run_windows(self, tracks: list[_Track], t: int) -> None:
        """One window per updated track (its last W frames), all through the model at once."""
        if not tracks:
            return
        windows = []
        for track in tracks:
            history = np.stack(track.frames[-self.window :])
            if len(history) < self.window:  # a young track: repeat its first frame before it
                pad = np.repeat(history[:1], self.window - len(history), axis=0)
                history = np.concatenate([pad, history])
            windows.append(history.T)  # (channels, W)
        sizes = [w.shape[0] for w in windows]
        batch = torch.from_numpy(np.concatenate(windows).astype(np.float32)).to(
            self.smoother.device
        )
        with torch.no_grad(), cpu_threads(self.threads if batch.device.type == "cpu" else None):
            out = self.smoother.model(batch).cpu().numpy().astype(np.float64)
        weights = self.smoother.position_weights
        for track, chunk in zip(tracks, np.split(out, np.cumsum(sizes)[:-1])):
            for k, f in enumerate(range(t - self.window + 1, t + 1)):
                if f >= track.start:  # positions before the track began are padding
                    track.sums[f] = track.sums.get(f, 0.0) + weights[k] * chunk[:, k]
                    track.counts[f] = track.counts.get(f, 0.0) + weights[k]
            for f in [f for f in track.sums if f < t - self.latency]:  # already emitted
                del track.sums[f], track.counts[f]

    def _emit(self, f: int) -> tuple[np.ndarray, list[Any]]:
        poses, ids = [], []
        for track_id, track in self.tracks.items():
            i = f - track.first
            if (
                f < 0
                or i < 0
                or i >= len(track.frames)
                or f > track.last_seen
                or f not in track.sums
            ):
                continue
            missing = track.missing[i]
            if missing.all():
                continue  # absent (bridged gap): nothing to report
            num_joints = missing.shape[0]
            mean = track.sums[f] / track.counts[f]
            pose = track.norm.from_model(mean[None], num_joints)[0]
            pose[missing] = np.nan
            poses.append(pose)
            ids.append(track_id)
        if not poses:
            return np.zeros((0, 0, 0)), []
        return np.stack(poses), ids
