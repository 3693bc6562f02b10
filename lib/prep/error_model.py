"""A statistical model of a pose estimator's errors: measured on real detections, then sampled.

An estimator's error ``e = detected - ground truth`` of one joint in one
sequence is modelled as the sum of

* a **bias**: constant over the sequence (a joint placed consistently off),
  normal with a per-joint spread;
* a **slow** part: a first-order autoregressive process (per-joint spread,
  lag-1 coefficient ``phi``) for errors that drift with the pose;
* a **jitter** part: white noise (per-joint spread), the frame-to-frame
  flicker that temporal smoothing removes;
* **bursts**: runs of consecutive frames where one joint is far off (a
  swapped or lost joint). A burst starts on a frame with probability
  ``burst_rate``, lasts a geometric number of frames with mean
  ``burst_length`` and adds a constant offset of exponential size with mean
  ``burst_size`` in a random direction.

:func:`measure_error_statistics` fits these from ``(T, K, C)`` error arrays
(per-sequence means give the bias; frames whose residual exceeds
``burst_factor`` times the joint's median are bursts; the slow/jitter split
comes from the residual's autocorrelation at lags 1 and 2, which for this
model are ``s*phi`` and ``s*phi**2`` with ``s`` the slow share of the
variance). :func:`sample_errors` draws new errors from them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class ErrorStatistics:
    """Per-joint error statistics (units of the measured errors, per coordinate).

    Attributes:
        bias_std: ``(K,)`` spread of the per-sequence constant offset.
        slow_std: ``(K,)`` spread of the autoregressive part.
        jitter_std: ``(K,)`` spread of the white part.
        phi: lag-1 coefficient of the autoregressive part (per frame).
        burst_rate: probability per joint and frame that a burst starts.
        burst_length: mean burst length in frames.
        burst_size: mean norm of a burst's offset.
        frames: frames the statistics were measured on.
    """

    bias_std: list[float]
    slow_std: list[float]
    jitter_std: list[float]
    phi: float
    burst_rate: float
    burst_length: float
    burst_size: float
    frames: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ErrorStatistics:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def _runs(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True in a 1D boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return edges[1::2] - edges[::2]


def measure_error_statistics(
    errors: list[np.ndarray], burst_factor: float = 4.0, skip_joints: tuple[int, ...] = ()
) -> ErrorStatistics:
    """Fit the model to estimator errors.

    Args:
        errors: one ``(T, K, C)`` array of ``detected - groundtruth`` per sequence.
        burst_factor: a frame is in a burst when its residual norm exceeds this
            many times the joint's median residual norm.
        skip_joints: joints without error by construction (e.g. a root at the
            origin in both); they get zero statistics.

    Returns:
        The fitted :class:`ErrorStatistics`.
    """
    if not errors:
        raise ValueError("no error sequences to measure")
    joints, dims = errors[0].shape[1:]
    biases = np.stack([e.mean(axis=0) for e in errors])  # (S, K, C)
    residuals = [e - b for e, b in zip(errors, biases)]
    norms = np.concatenate([np.linalg.norm(r, axis=-1) for r in residuals])  # (N, K)
    threshold = burst_factor * np.median(norms, axis=0)  # (K,)

    lengths: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    lag = np.zeros((3, joints))  # sum of r_t r_{t-k} over calm pairs, k = 0, 1, 2
    count = np.zeros((3, joints))
    for r in residuals:
        n = np.linalg.norm(r, axis=-1)
        burst = n > threshold
        for k in range(joints):
            lengths.append(_runs(burst[:, k]))
            sizes.append(n[burst[:, k], k])
        calm = ~burst
        for k in range(3):
            both = calm[k:] & calm[: len(r) - k]
            lag[k] += ((r[k:] * r[: len(r) - k]).sum(-1) * both).sum(0)
            count[k] += both.sum(0) * dims
    variance = lag[0] / np.maximum(count[0], 1)
    acf1 = (lag[1] / np.maximum(count[1], 1)).sum() / max(variance.sum(), 1e-12)
    acf2 = (lag[2] / np.maximum(count[2], 1)).sum() / max(variance.sum(), 1e-12)
    phi = float(np.clip(acf2 / acf1, 0.0, 0.999)) if acf1 > 1e-6 else 0.0
    slow_share = float(np.clip(acf1 / phi, 0.0, 1.0)) if phi > 0 else 0.0

    run_lengths = np.concatenate(lengths)
    frames = int(sum(len(e) for e in errors))
    active = [k for k in range(joints) if k not in skip_joints]
    bias_std = np.sqrt((biases**2).mean(axis=(0, 2)))
    for stats in (bias_std, variance):
        stats[list(skip_joints)] = 0.0
    return ErrorStatistics(
        bias_std=bias_std.tolist(),
        slow_std=np.sqrt(variance * slow_share).tolist(),
        jitter_std=np.sqrt(variance * (1 - slow_share)).tolist(),
        phi=phi,
        burst_rate=float(len(run_lengths) / (frames * len(active))),
        burst_length=float(run_lengths.mean()) if len(run_lengths) else 0.0,
        burst_size=float(np.concatenate(sizes).mean()) if len(run_lengths) else 0.0,
        frames=frames,
    )


def sample_errors(
    stats: ErrorStatistics, frames: int, dims: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw one sequence of errors from the model.

    Args:
        stats: fitted statistics for ``K`` joints.
        frames: sequence length ``T``.
        dims: coordinates per joint ``C``.
        rng: random generator.

    Returns:
        ``(T, K, C)`` errors in the statistics' unit.
    """
    bias_std, slow_std, jitter_std = (
        np.asarray(v, np.float64)[:, None]
        for v in (stats.bias_std, stats.slow_std, stats.jitter_std)
    )
    joints = len(bias_std)
    shape = (frames, joints, dims)
    out = rng.normal(size=(joints, dims)) * bias_std + rng.normal(size=shape) * jitter_std

    innovation = rng.normal(size=shape) * slow_std * np.sqrt(1 - stats.phi**2)
    slow = np.empty(shape)
    slow[0] = rng.normal(size=(joints, dims)) * slow_std
    for t in range(1, frames):
        slow[t] = stats.phi * slow[t - 1] + innovation[t]
    out += slow

    if stats.burst_rate > 0 and stats.burst_length > 0:
        moving = slow_std[:, 0] > 0
        starts = np.argwhere((rng.random((frames, joints)) < stats.burst_rate) & moving)
        lengths = rng.geometric(1.0 / max(stats.burst_length, 1.0), size=len(starts))
        directions = rng.normal(size=(len(starts), dims))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        sizes = rng.exponential(stats.burst_size, size=len(starts))
        for (t, k), length, direction, size in zip(starts, lengths, directions, sizes):
            out[t : t + length, k] += direction * size
    return out
