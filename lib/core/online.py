"""Frame-by-frame smoothing of several tracked people (``Smoother.online``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..utils.arrays import cpu_threads
from ..utils.windows import window_weights
from .engine import IncrementalOverlapAdd
from .methods import WindowModel
from .space import ModelSpace, TrackCodec, check_image_size, fill_missing, missing_joints


@dataclass
class _Track:
    """History of one tracked person (model space) and its running window sums."""

    frames: list[np.ndarray]  # (channels,) per frame, filled
    missing: list[np.ndarray]  # (K,) per frame
    first: int  # global frame index of frames[0]
    start: int  # global frame index where the track (re)started
    last_seen: int
    codec: TrackCodec
    sums: IncrementalOverlapAdd = field(default_factory=lambda: IncrementalOverlapAdd([1.0]))


class OnlineSmoother:
    """Frame-by-frame smoothing of several tracked people.

    Every new frame of a track adds one window (its last W frames) through
    the model; the output for frame f is the weighted mean of the windows
    computed so far that cover it (the window engine's incremental
    overlap-add). With ``latency = L`` the frame returned is ``t - L``,
    averaging L + 1 windows: L = 0 is causal, L = W - 1 equals offline
    smoothing (stride 1) on interior frames.

    Each track is encoded by the model space fitted on its first frame (the
    online smoother cannot see a whole track's box). A track missing for up
    to ``max_gap`` frames has the gap filled by linear interpolation when it
    reappears (not smeared into its neighbours); after a longer absence it
    starts afresh. Frames with no people are fine.

    Args:
        method: the window model.
        space: its model space.
        latency: look-ahead L in frames, 0 <= L < W.
        max_gap: frames a track may be missing and still be bridged.
        threads: CPU threads torch may use during an update (restored after
            it); 1 by default: one frame's few windows are too small to share
            out, and beside a running pose estimator more threads only wait
            for each other. None leaves torch's setting alone.
        min_confidence: joints with a lower confidence are missing.
    """

    def __init__(
        self,
        method: WindowModel,
        space: ModelSpace,
        latency: int = 0,
        max_gap: int = 10,
        threads: int | None = 1,
        min_confidence: float = 0.0,
    ) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads}")
        w = method.window_size
        if not 0 <= latency < w:
            raise ValueError(f"latency must be between 0 and W - 1 = {w - 1}, got {latency}")
        frames = method.info.last_frames
        if frames and latency >= frames:
            raise ValueError(
                f"this checkpoint was trained for a latency below {frames} frames "
                f"(LOSS.LAST_FRAMES {frames}), got latency {latency}"
            )
        self.method, self.space = method, space
        self.latency, self.max_gap, self.threads = latency, max_gap, threads
        self.min_confidence = min_confidence
        self.window = w
        self.weights = window_weights(w, method.weighting)
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
        frame, track_ids = self._checked(frame, track_ids, confidence, image_size)
        self.frame_index += 1
        t = self.frame_index
        updated = []
        for p, track_id in enumerate(track_ids):
            conf = None if confidence is None else np.asarray(confidence)[p][None]
            missing = missing_joints(frame[p][None], conf, self.min_confidence)[0]
            track = self._observe(track_id, frame[p], missing, t, image_size)
            if track is not None:
                updated.append(track)
        self._run_windows(updated, t)
        result = self._emit(t - self.latency)
        # Forget tracks that can no longer be bridged and have nothing left to report.
        stale = t - self.max_gap - self.latency - 1
        for track_id in [i for i, tr in self.tracks.items() if tr.last_seen < stale]:
            del self.tracks[track_id]
        return result

    # -- internals ---------------------------------------------------------------

    @staticmethod
    def _checked(frame, track_ids, confidence, image_size) -> tuple[np.ndarray, list[Any]]:
        frame = np.asarray(frame, dtype=np.float64)
        track_ids = list(track_ids)
        if frame.size == 0 and not track_ids:
            frame = np.zeros((0, 1, 1))
        if frame.ndim != 3:
            raise ValueError(f"expected a (P, K, C) frame, got shape {frame.shape}")
        if len(frame) != len(track_ids):
            raise ValueError(f"{len(frame)} poses but {len(track_ids)} track ids")
        for i in track_ids:
            try:
                hash(i)
            except TypeError:
                raise ValueError(
                    f"a track id must be hashable (a number or a string), got {i!r}"
                ) from None
        if len(set(track_ids)) != len(track_ids):
            twice = sorted({str(i) for i in track_ids if track_ids.count(i) > 1})
            raise ValueError(f"track ids appear twice in one frame: {', '.join(twice)}")
        if confidence is not None and np.shape(confidence) != frame.shape[:-1]:
            raise ValueError(
                f"confidence must have shape {frame.shape[:-1]}, got {np.shape(confidence)}"
            )
        check_image_size(image_size)
        return frame, track_ids

    def _observe(self, track_id, pose, missing, t, image_size) -> _Track | None:
        """Add one person's pose to its track (started or restarted as needed)."""
        known = self.tracks.get(track_id)
        if known is not None and known.frames:
            seen = (len(known.missing[-1]), known.codec.coords)
            if seen != pose.shape:
                raise ValueError(
                    f"track {track_id!r} changed from {seen} to {pose.shape} "
                    "(joints, values per joint)"
                )
        if missing.all() and (known is None or t - known.last_seen > self.max_gap + 1):
            return None  # nothing observed yet: a track starts at its first real observation
        track = self._track(track_id, pose, missing, t, image_size)
        filled = fill_missing(
            np.stack([self._last_pose(track), pose]) if track.frames else pose[None],
            np.stack([np.zeros_like(missing), missing]) if track.frames else missing[None],
        )[-1]
        self._append(track, filled, missing, t)
        return track

    def _track(self, track_id, pose, missing, t, image_size) -> _Track:
        track = self.tracks.get(track_id)
        if track is not None and t - track.last_seen > self.max_gap + 1:
            track = None  # gone too long: start afresh
        if track is None:
            space = self.space
            if image_size is not None:
                space = ModelSpace.for_user(None, self.window, image_size)
            codec = space.fit(fill_missing(pose[None], missing[None]))
            track = _Track(
                [],
                [],
                first=t,
                start=t,
                last_seen=t,
                codec=codec,
                sums=IncrementalOverlapAdd(self.weights),
            )
            self.tracks[track_id] = track
        return track

    def _last_pose(self, track: _Track) -> np.ndarray:
        num_joints = track.missing[-1].shape[0]
        return track.codec.decode(track.frames[-1][None], num_joints)[0]

    def _append(self, track: _Track, pose: np.ndarray, missing: np.ndarray, t: int) -> None:
        values = track.codec.encode(pose[None])[0]
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

    def _windows(self, tracks: list[_Track]) -> list[np.ndarray]:
        """The last W frames of each track, ``(channels, W)`` (a young track repeats its
        first frame before it)."""
        windows = []
        for track in tracks:
            history = np.stack(track.frames[-self.window :])
            if len(history) < self.window:
                pad = np.repeat(history[:1], self.window - len(history), axis=0)
                history = np.concatenate([pad, history])
            windows.append(history.T)
        return windows

    def _run_windows(self, tracks: list[_Track], t: int) -> None:
        """One window per updated track, all through the model at once, then into the
        tracks' overlap-add sums."""
        if not tracks:
            return
        windows = np.stack(self._windows(tracks))  # (P, C, W): every track has C channels
        torch_cpu = self.method.backend == "torch" and str(self.method.device) == "cpu"
        with cpu_threads(self.threads if torch_cpu else None):
            out = self.method.predict(windows).astype(np.float64)
        for track, chunk in zip(tracks, out, strict=True):
            track.sums.add(t, chunk, track.start)
            track.sums.forget_before(t - self.latency)

    def _emit(self, f: int) -> tuple[np.ndarray, list[Any]]:
        poses, ids = [], []
        for track_id, track in self.tracks.items():
            i = f - track.first
            if f < 0 or i < 0 or i >= len(track.frames) or f > track.last_seen:
                continue
            mean = track.sums.mean(f)
            missing = track.missing[i]
            if mean is None or missing.all():
                continue  # absent (bridged gap): nothing to report
            pose = track.codec.decode(mean[None], missing.shape[0])[0]
            pose[missing] = np.nan
            poses.append(pose)
            ids.append(track_id)
        if not poses:
            return np.zeros((0, 0, 0)), []
        return np.stack(poses), ids
