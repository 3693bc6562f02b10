"""A checkpoint's model space: how keypoints are encoded for the model and decoded back.

One :class:`ModelSpace` per checkpoint and use, and the same object for
training windows, evaluation, the :class:`~smoothnet.core.smoother.Smoother` and
the online smoother: ``space.fit(track)`` chooses a track's constants and
returns a :class:`TrackCodec`, whose ``encode`` maps ``(T, K, C)`` keypoints to
``(T, channels)`` model values and ``decode`` maps them back.

Modes:

- ``person`` (what a user of a checkpoint gets): every person is scaled to
  the size the checkpoint was trained on (``person_size``, the RMS radius of
  :func:`smoothnet.utils.body_scale.person_radius` in model units):

  - 2D: ``(p - c) / s`` with ``c`` the centre of a box around the track and
    ``s = radius(track) / person_size``;
  - 3D: root-relative joints (root: the mean of ``root_joints``, by default
    the joint centroid) plus the root trajectory less the centre of its box
    as one more joint, all divided by ``s``;
  - 6D rotations: as they are.

  For checkpoints that record no person size (the original's), 2D maps a
  box around the track to half the frame and 3D is taken as metres (as
  millimetres when its root-relative spread exceeds 10).
- ``affine`` (the original's image convention, and what a user gets with
  ``image_size``): ``(p - center) / scale`` per axis, the same for every track
  (Human3.6M: ``(p - 500) / 500``; JHMDB: ``p / size - 0.5``).
- ``identity``: values as they are (the original's 3D and 6D data).
- ``smpl``: SMPL axis-angle poses ``(T, 24, 3)`` to 6D rotations and back
  (``rot6d`` False: axis-angle as it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from ..utils.body_scale import person_radius

SpaceMode = Literal["person", "affine", "identity", "smpl"]


#: The largest keypoint coordinate taken as data: no image, unit or camera frame puts a
#: joint a billion units from its origin, so a value beyond (a sentinel such as 1e30, an
#: overflow) counts as missing, as NaN and infinities do.
MAX_COORDINATE = 1e9
#: The image sizes (pixels, each side) ``image_size`` may give.
IMAGE_SIZE_RANGE = (1.0, 1e6)


def missing_joints(
    x: np.ndarray, confidence: np.ndarray | None = None, min_confidence: float = 0.0
) -> np.ndarray:
    """``(..., K)`` True where a joint of ``(..., K, C)`` keypoints is missing: a value
    that is not finite or beyond :data:`MAX_COORDINATE`, or a confidence below
    ``min_confidence``."""
    with np.errstate(invalid="ignore"):
        missing = ~(np.abs(x) <= MAX_COORDINATE).all(axis=-1)
    if confidence is not None:
        missing |= ~(np.asarray(confidence) >= min_confidence)
    return missing


def fill_missing(x: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Fill missing joints by linear interpolation in time (held at the ends).

    Args:
        x: ``(T, K, C)`` values.
        missing: ``(T, K)`` True where a joint is missing.

    Returns:
        ``(T, K, C)`` float64 with every missing value filled; a joint missing in
        every frame takes the mean of the other (filled) joints, or 0 if none was seen.
    """
    out = np.array(x, dtype=np.float64, copy=True)
    frames = np.arange(x.shape[0])
    for k in range(x.shape[1]):
        gone = missing[:, k]
        if not gone.any() or gone.all():
            continue
        for c in range(x.shape[2]):
            out[gone, k, c] = np.interp(frames[gone], frames[~gone], out[~gone, k, c])
    never = missing.all(axis=0)
    if never.any():
        seen = ~never  # joints seen at least once are filled by now
        out[:, never] = out[:, seen].mean(axis=1, keepdims=True) if seen.any() else 0.0
    return out


def check_image_size(image_size: tuple[float, float] | None) -> None:
    """Refuse an image size that is not two numbers in :data:`IMAGE_SIZE_RANGE` (one line)."""
    if image_size is None:
        return
    low, high = IMAGE_SIZE_RANGE
    try:
        size = np.asarray(image_size, dtype=np.float64)
    except (TypeError, ValueError):
        size = np.zeros(0)
    if size.shape != (2,) or not ((size >= low) & (size <= high)).all():
        raise ValueError(f"image_size must be (width, height) between {low:g} and {high:g} "
                         f"pixels, got {image_size!r}")  # fmt: skip


def image_convention(width: float, height: float) -> tuple[np.ndarray, np.ndarray]:
    """``(center, scale)`` of the original's image normalisation of a frame: its centre
    and half its larger side, on both axes (Human3.6M's 1000 px: ``(p - 500) / 500``)."""
    half = max(width, height) / 2
    return np.array([width / 2, height / 2]), np.array([half, half])


@dataclass(frozen=True)
class ModelSpace:
    """How keypoints reach a model and come back (see the module docstring).

    Attributes:
        mode: ``person``, ``affine``, ``identity`` or ``smpl``.
        window_size: the model's window W (1 for filters).
        person_size: the checkpoint's person size in model units (person mode).
        center: ``(C,)`` offset (affine mode).
        scale: ``(C,)`` divisor (affine mode).
        root_joints: 3D root joints (person mode; None: the centroid).
        rot6d: SMPL poses as 6D rotations (smpl mode).
    """

    mode: SpaceMode = "person"
    window_size: int = 1
    person_size: float | None = None
    center: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    root_joints: tuple[int, ...] | None = None
    rot6d: bool = True

    @classmethod
    def affine(cls, center: Sequence[float], scale: Sequence[float], window_size: int = 1):
        """The affine space ``(p - center) / scale``."""
        return cls(
            "affine", window_size, center=tuple(map(float, center)), scale=tuple(map(float, scale))
        )

    @classmethod
    def for_user(
        cls,
        person_size: float | None,
        window_size: int = 1,
        image_size: tuple[float, float] | None = None,
        root_joints: Sequence[int] | None = None,
    ) -> ModelSpace:
        """What a user of a checkpoint gets: person mode, or the image convention of
        frames of ``image_size`` ``(width, height)`` for 2D when it is given."""
        if image_size is not None:
            center, scale = image_convention(*image_size)
            return cls.affine(center, scale, window_size)
        roots = None if root_joints is None else tuple(int(j) for j in root_joints)
        return cls("person", window_size, person_size, root_joints=roots)

    def with_window(self, window_size: int) -> ModelSpace:
        return replace(self, window_size=window_size)

    def channels(self, num_joints: int, coords: int) -> int:
        """Model channels of a track of ``num_joints`` x ``coords`` values."""
        if self.mode == "person" and coords == 3:
            return (num_joints + 1) * 3  # the root trajectory is one more joint
        if self.mode == "smpl" and self.rot6d:
            return num_joints * 6
        return num_joints * coords

    def fit(self, track: np.ndarray) -> TrackCodec:
        """The codec of one ``(T, K, C)`` track (finite values; fill missing joints first)."""
        track = np.asarray(track, dtype=np.float64)
        coords = track.shape[-1]
        if self.mode == "affine":
            if len(self.center) != coords:
                raise ValueError(
                    f"an affine space of {len(self.center)} values per joint cannot encode {coords}"
                )
            return TrackCodec(self, coords, np.asarray(self.center), np.asarray(self.scale))
        if self.mode == "person" and coords == 2:
            return self._fit_person_2d(track)
        if self.mode == "person" and coords == 3:
            return self._fit_person_3d(track)
        return TrackCodec(self, coords)

    def _fit_person_2d(self, track: np.ndarray) -> TrackCodec:
        lo, hi = track.reshape(-1, 2).min(axis=0), track.reshape(-1, 2).max(axis=0)
        center = (lo + hi) / 2
        radius = person_radius(track) if self.person_size else 0.0
        if radius > 0:
            scale = radius / self.person_size
        else:  # no recorded size (or a point): the box fills half the frame
            scale = max(float((hi - lo).max()), 1e-6 * max(float(np.abs(track).max()), 1e-300))
        return TrackCodec(self, 2, center, np.full(2, scale))

    def _fit_person_3d(self, track: np.ndarray) -> TrackCodec:
        codec = TrackCodec(self, 3)
        root = codec.root(track).reshape(-1, 3)
        center = (root.min(axis=0) + root.max(axis=0)) / 2
        radius = person_radius(track) if self.person_size else 0.0
        if radius > 0:
            scale = radius / self.person_size
        else:
            spread = float(np.median(np.linalg.norm(track - codec.root(track), axis=-1)))
            scale = 1000.0 if spread > 10 else 1.0
        return TrackCodec(self, 3, center, np.full(3, scale))


@dataclass
class TrackCodec:
    """A :class:`ModelSpace` fitted to one track: ``encode`` and ``decode``.

    Attributes:
        space: the space.
        coords: values per joint of the track.
        center: ``(c,)`` offset (affine and person modes).
        scale: ``(c,)`` divisor (affine and person modes).
    """

    space: ModelSpace
    coords: int
    center: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def root(self, track: np.ndarray) -> np.ndarray:
        """``(T, 1, 3)`` root of a 3D track (the mean of the root joints, or of all)."""
        joints = list(self.space.root_joints) if self.space.root_joints else slice(None)
        return track[:, joints].mean(axis=1, keepdims=True)

    @property
    def _root_channels(self) -> bool:
        return self.space.mode == "person" and self.coords == 3

    def encode(self, track: np.ndarray) -> np.ndarray:
        """``(T, K, C)`` -> ``(T, channels)`` (float64)."""
        track = np.asarray(track, dtype=np.float64)
        if self._root_channels:
            root = self.root(track)
            relative, trajectory = (track - root) / self.scale, (root - self.center) / self.scale
            return np.concatenate([relative, trajectory], axis=1).reshape(len(track), -1)
        if self.space.mode == "smpl" and self.space.rot6d:
            import torch  # SMPL rotations need torch

            from ..utils.rotations import axis_angle_to_rot6d

            rot6d = axis_angle_to_rot6d(torch.from_numpy(track.reshape(len(track), -1, 3)))
            return rot6d.reshape(len(track), -1).numpy()
        if len(self.center):
            track = (track - self.center) / self.scale
        return track.reshape(len(track), -1)

    def decode(self, values: np.ndarray, num_joints: int) -> np.ndarray:
        """Inverse of :meth:`encode`: ``(T, channels)`` -> ``(T, K, C)``."""
        values = np.asarray(values, dtype=np.float64)
        if self._root_channels:
            joints = values.reshape(len(values), num_joints + 1, 3) * self.scale
            return joints[:, :num_joints] + joints[:, num_joints:] + self.center
        if self.space.mode == "smpl" and self.space.rot6d:
            import torch

            from ..utils.rotations import rot6d_to_axis_angle

            rot = torch.from_numpy(values.reshape(len(values), num_joints, 6))
            return rot6d_to_axis_angle(rot).numpy()
        out = values.reshape(len(values), num_joints, -1)
        return out * self.scale + self.center if len(self.center) else out
