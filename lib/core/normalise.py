"""Per-track mapping of keypoints to a checkpoint's model space and back.

Normalisation is automatic and inverted on output. A checkpoint that records
its training data's person size (``UsageInfo.person_size``, the RMS radius of
:func:`smoothnet.utils.body_scale.person_radius`) gets every person at that size:

- 2D: ``(p - c) / s`` with c the centre of a box around the track's
  keypoints and ``s = radius(track) / person_size``, so a person in a 640-px
  frame and the same person in a 4K frame give the model the same input;
  with ``image_size`` given, the original's image convention instead:
  ``(p - size/2) / (max(size)/2)`` (Human3.6M: ``(p - 500) / 500``);
- 3D: root-relative (the root is the mean of ``root_joints``, by default the
  joint centroid) with the root trajectory, less the centre of its box,
  smoothed as three more channels, all divided by
  ``s = radius(track) / person_size`` (metres, millimetres or any other unit
  give the same result up to that unit, and a track in camera coordinates
  five metres away the same as one around the origin: a model's smoothing
  depends on where a channel lies in its model space, measured by
  ``scripts/benchmark_position.py``);
- 6D rotations: as they are.

For checkpoints without a recorded person size (the original's), 2D input
without ``image_size`` maps a box around the track to half the frame, and 3D
input is taken as metres, or as millimetres when its root-relative spread
exceeds 10.

Missing joints are filled by linear interpolation in time before the mapping
(:func:`fill_missing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..utils.body_scale import person_radius


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
class Normaliser:
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

    def fit(self, x: np.ndarray) -> Normaliser:
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
            root = self._root(x).reshape(-1, 3)
            self.center = (root.min(axis=0) + root.max(axis=0)) / 2
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
            relative, trajectory = (x - root) / self.scale, (root - self.center) / self.scale
            return np.concatenate([relative, trajectory], axis=1).reshape(len(x), -1)
        return x.reshape(len(x), -1)

    def from_model(self, y: np.ndarray, num_joints: int) -> np.ndarray:
        """Inverse of :meth:`to_model`: ``(T, channels)`` -> ``(T, K, C)``."""
        if self.coords == 2:
            return y.reshape(len(y), num_joints, 2) * self.scale + self.center
        if self.coords == 3:
            values = y.reshape(len(y), num_joints + 1, 3) * self.scale
            return values[:, :num_joints] + values[:, num_joints:] + self.center
        return y.reshape(len(y), num_joints, self.coords)


def check_image_size(image_size: tuple[float, float] | None) -> None:
    """Refuse an image size that is not two positive finite numbers (one line)."""
    if image_size is None:
        return
    size = np.asarray(image_size, dtype=np.float64)
    if size.shape != (2,) or not np.isfinite(size).all() or (size <= 0).any():
        raise ValueError(f"image_size must be (width, height) > 0, got {tuple(image_size)}")
