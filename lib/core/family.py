"""A family of checkpoints for one kind of keypoints, one chosen per track from the track.

No single window model is best everywhere: one trained at a dataset's own pace and noise
smooths such tracks hardest and best, one trained on every pace and noise level (and
smoothing in units of each window's noise) adapts to everything else. A :class:`Family`
holds both and picks per track by two quantities computed from the track alone
(:func:`track_pace`, :func:`track_noise`):

- the **paced** member when the track moves no faster than ``max_pace`` and is at least
  ``min_noise`` noisy (the conditions its training covered);
- the **free** member otherwise.

Families are shipped as small JSON files beside the checkpoints (``SHIPPED_FAMILIES``) and
used by name like a checkpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..models.filters import gaussian
from ..utils.body_scale import person_radius
from .strength import noise_level

#: The light Gaussian (frames) that takes the noise out before the pace is measured.
PACE_SIGMA = 2.0


def track_pace(x: np.ndarray) -> float:
    """How fast a ``(T, K, C)`` filled track moves: the median over frames of the RMS
    displacement of its joints about their centroid between two frames (after a light
    Gaussian), in person sizes (RMS radius). A whole-body translation does not count."""
    radius = person_radius(x)
    if len(x) < 2 or radius <= 0:
        return 0.0
    smooth = gaussian(np.asarray(x, dtype=np.float64), sigma=PACE_SIGMA)
    relative = smooth - smooth.mean(axis=1, keepdims=True)
    steps = np.sqrt((np.diff(relative, axis=0) ** 2).sum(axis=-1).mean(axis=1))
    return float(np.median(steps)) / radius


def track_noise(x: np.ndarray, missing: np.ndarray | None = None) -> float:
    """The track's white-noise level (the median over joints of
    :func:`smoothnet.core.strength.noise_level`), in person sizes; NaN when too short."""
    radius = person_radius(x)
    levels = noise_level(x, missing)
    if radius <= 0 or not np.isfinite(levels).any():
        return float("nan")
    return float(np.nanmedian(levels)) / radius


@dataclass(frozen=True)
class Family:
    """Two checkpoints and the rule that picks one per track.

    Attributes:
        name: the family's name.
        paced: the checkpoint for tracks like its training data (shipped name or path).
        free: the checkpoint for everything else.
        max_pace: the largest :func:`track_pace` the paced member takes.
        min_noise: the smallest :func:`track_noise` the paced member takes.
    """

    name: str
    paced: str
    free: str
    max_pace: float
    min_noise: float

    def choose(self, x: np.ndarray, missing: np.ndarray | None = None) -> str:
        """``"paced"`` or ``"free"`` for a ``(T, K, C)`` filled track."""
        pace, noise = track_pace(x), track_noise(x, missing)
        if pace <= self.max_pace and np.isfinite(noise) and noise >= self.min_noise:
            return "paced"
        return "free"

    @classmethod
    def read(cls, path: str | Path) -> Family:
        """A family from its JSON file (``name``, ``paced``, ``free``, ``max_pace``,
        ``min_noise``).

        Raises:
            ValueError: one line naming the file.
        """
        try:
            data = json.loads(Path(path).read_text())
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path}: not a checkpoint family: {err}") from None


def family_of(method: object) -> Family | None:
    """The family ``method`` names (a shipped family, or a family JSON file), else None."""
    from ..models.shipped import SHIPPED_FAMILIES

    name = str(method)
    if name in SHIPPED_FAMILIES:
        return Family.read(SHIPPED_FAMILIES[name])
    if name.endswith(".json") and Path(name).is_file():
        return Family.read(name)
    return None
