"""Pose-error metrics: MPJPE, PA-MPJPE, Accel, MPVPE, PCK and top-1 %.

Every metric is a small pure function over one sequence that returns one
value per frame (``(T,)``), aligned with the frames, in the units of its
input. This makes pooling (frame-weighted means over all sequences, as the
original) and the top-1 % worst-frame figures one line each.

Missing data is handled once, the same way for every metric: a frame whose
prediction or ground truth holds any non-finite value is *invalid*; a
per-frame metric is NaN on invalid frames, and the acceleration of frame t
(the second difference centred on t) is NaN unless frames t-1, t, t+1 are all
valid. Means skip NaNs (:func:`pooled_mean`).

Accel error by default averages the N-2 real second differences of a
sequence; ``zero_pad=True`` reproduces the original, which puts a 0 at both
ends and averages those in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def _as_float(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _check_pair(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, gt = _as_float(pred), _as_float(gt)
    if pred.shape != gt.shape or pred.ndim != 3:
        raise ValueError(
            f"expected prediction and ground truth of one (T, K, C) shape, "
            f"got {pred.shape} and {gt.shape}"
        )
    return pred, gt


def valid_frames(*arrays: np.ndarray) -> np.ndarray:
    """``(T,)`` True where every array is finite over the whole frame."""
    valid = np.ones(np.shape(arrays[0])[0], dtype=bool)
    for a in arrays:
        a = np.asarray(a)
        valid &= np.isfinite(a.reshape(a.shape[0], -1)).all(axis=1)
    return valid


def root_relative(x: np.ndarray, root_indices: Sequence[int]) -> np.ndarray:
    """Subtract the mean of the root joints from every joint of ``(T, K, C)``."""
    x = _as_float(x)
    return x - x[:, list(root_indices)].mean(axis=1, keepdims=True)


def mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Mean per-joint position error of every frame.

    Args:
        pred: ``(T, K, C)`` prediction.
        gt: ``(T, K, C)`` ground truth.

    Returns:
        ``(T,)`` mean over joints of the Euclidean distance; NaN on invalid frames.
    """
    pred, gt = _check_pair(pred, gt)
    err = np.linalg.norm(pred - gt, axis=-1).mean(axis=-1)
    err[~valid_frames(pred, gt)] = np.nan
    return err


def mpvpe(pred_vertices: np.ndarray, gt_vertices: np.ndarray) -> np.ndarray:
    """Mean per-vertex position error of every frame: ``(T, V, 3)`` -> ``(T,)``."""
    return mpjpe(pred_vertices, gt_vertices)


def procrustes_align(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Align every frame of ``pred`` to ``gt`` by the best similarity transform.

    Batched over frames, for 2D or 3D points: finds per frame the scale s,
    rotation R (a proper rotation, no reflection) and translation t minimising
    ``sum_k |s R p_k + t - g_k|^2``, and applies them.

    Args:
        pred: ``(T, K, C)`` points to align.
        gt: ``(T, K, C)`` target points.

    Returns:
        ``(T, K, C)`` aligned prediction (NaN on invalid frames).
    """
    pred, gt = _check_pair(pred, gt)
    mu_pred = pred.mean(axis=1, keepdims=True)
    mu_gt = gt.mean(axis=1, keepdims=True)
    x = pred - mu_pred
    y = gt - mu_gt
    cov = np.einsum("tkc,tkd->tcd", x, y)  # (T, C, C) = X^T Y
    valid = valid_frames(pred, gt)
    cov[~valid] = 0.0
    u, _, vt = np.linalg.svd(cov)
    # Rotation maps prediction onto ground truth: R = V diag(1, .., d) U^T.
    d = np.sign(np.linalg.det(np.einsum("tij,tjk->tik", u, vt)))
    d[d == 0] = 1.0
    vt[:, -1, :] *= d[:, None]
    rotation = np.einsum("tji,tkj->tik", vt, u)  # V @ diag @ U^T
    var_pred = (x**2).sum(axis=(1, 2))
    trace = np.einsum("tij,tji->t", rotation, cov)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(var_pred > 0, trace / var_pred, 0.0)
    aligned = scale[:, None, None] * np.einsum("tij,tkj->tki", rotation, x) + mu_gt
    aligned[~valid] = np.nan
    return aligned


def pa_mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """MPJPE after per-frame similarity Procrustes alignment: ``(T,)``."""
    return mpjpe(procrustes_align(pred, gt), gt)


def accel_error(pred: np.ndarray, gt: np.ndarray, zero_pad: bool = False) -> np.ndarray:
    """Acceleration error of every frame.

    The acceleration of frame t is the second difference
    ``x[t-1] - 2 x[t] + x[t+1]``; the error is the mean over joints of the
    Euclidean norm of its difference between prediction and ground truth.

    Args:
        pred: ``(T, K, C)`` prediction.
        gt: ``(T, K, C)`` ground truth.
        zero_pad: False (default): the first and last frames, which have no
            centred second difference, are NaN and drop out of means, so a
            mean averages the T-2 real values. True: they are 0 and count in
            means, as in the original's published tables.

    Returns:
        ``(T,)`` per-frame acceleration error.
    """
    pred, gt = _check_pair(pred, gt)
    out = np.full(pred.shape[0], 0.0 if zero_pad else np.nan)
    if pred.shape[0] < 3:
        return out
    diff = pred - gt
    accel = diff[:-2] - 2 * diff[1:-1] + diff[2:]
    err = np.linalg.norm(accel, axis=-1).mean(axis=-1)
    valid = valid_frames(pred, gt)
    err[~(valid[:-2] & valid[1:-1] & valid[2:])] = np.nan
    out[1:-1] = err
    return out


def bbox_body_size(bbox: np.ndarray) -> np.ndarray:
    """Body size ``max(x2 - x1, y2 - y1)`` of ``(T, 4)`` boxes ``[x1, y1, x2, y2]``."""
    bbox = _as_float(bbox)
    return np.maximum(bbox[:, 2] - bbox[:, 0], bbox[:, 3] - bbox[:, 1])


def pck(pred: np.ndarray, gt: np.ndarray, body_size: np.ndarray, threshold: float) -> np.ndarray:
    """Percentage of correct keypoints, per frame and joint.

    Args:
        pred: ``(T, K, 2)`` predicted pixels.
        gt: ``(T, K, 2)`` ground-truth pixels.
        body_size: ``(T,)`` body size in pixels (e.g. :func:`bbox_body_size`).
        threshold: fraction of the body size (0.05, 0.1, 0.2).

    Returns:
        ``(T, K)``: 1.0 where the error is at most ``threshold * body_size``
        (inclusive), else 0.0; NaN on invalid frames.
    """
    pred, gt = _check_pair(pred, gt)
    err = np.linalg.norm(pred - gt, axis=-1)
    hits = (err <= threshold * _as_float(body_size)[:, None]).astype(np.float64)
    hits[~(valid_frames(pred, gt) & np.isfinite(body_size))] = np.nan
    return hits


def pooled_mean(values: np.ndarray | Iterable[np.ndarray]) -> float:
    """Mean of all finite values (frame-weighted over concatenated sequences).

    Returns NaN when there is no finite value.
    """
    if not isinstance(values, np.ndarray):
        values = np.concatenate([np.ravel(v) for v in values]) if values else np.array([])
    values = _as_float(values).ravel()
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def worst_frames(errors: np.ndarray, fraction: float = 0.01) -> np.ndarray:
    """Indices of the worst ``fraction`` of frames by ``errors`` (``(N,)``).

    As the original: sort ascending and keep indices from ``int((1 -
    fraction) * N)`` on, N counting only frames with a finite error.
    """
    errors = _as_float(errors)
    finite = np.flatnonzero(np.isfinite(errors))
    order = finite[np.argsort(errors[finite], kind="stable")]
    return order[int((1.0 - fraction) * len(order)) :]
