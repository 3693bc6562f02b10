"""The size of a person, in whatever units the keypoints are in.

SmoothNet works on each coordinate's time series alone, so what it learned
depends on how large motion and jitter are in its input units. A checkpoint
records the typical person size of its training data (``UsageInfo.person_size``),
and the :class:`~smoothnet.core.smoother.Smoother` scales any input so that its
person has that size.

The size is the **RMS radius**: the root-mean-square distance of a frame's
joints from their centroid, the median over frames. It does not depend on
where the person stands, on the units only through a factor, and is robust
to a few bad frames.
"""

from __future__ import annotations

import numpy as np


def person_radius(poses: np.ndarray) -> float:
    """Median over frames of the RMS distance of the joints from their centroid.

    Args:
        poses: ``(T, K, C)`` keypoints (C = 2 or 3); NaN joints are ignored.

    Returns:
        The radius in the units of ``poses``; 0.0 when no frame has two or
        more joints.
    """
    x = np.asarray(poses, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"expected (T, K, C) keypoints, got shape {x.shape}")
    seen = np.isfinite(x).all(axis=-1)  # (T, K)
    usable = seen.sum(axis=1) >= 2
    if not usable.any():
        return 0.0
    x, seen = x[usable], seen[usable]
    filled = np.where(seen[..., None], x, 0.0)
    count = seen.sum(axis=1, keepdims=True)  # (T, 1)
    centroid = filled.sum(axis=1) / count  # (T, C)
    squared = ((x - centroid[:, None]) ** 2).sum(axis=-1)  # (T, K)
    rms = np.sqrt(np.where(seen, squared, 0.0).sum(axis=1) / count[:, 0])
    return float(np.median(rms))
