"""Training-time augmentation for what varies between users of a checkpoint.

A checkpoint trained on one dataset learns that dataset's pace (frame rate
and speed of motion), its person size in model units and its estimator's
jitter. :class:`Augmentation` varies all three per training window:

- **speed**: the window is read from its sequence at a playback-speed
  factor s (frames s apart, linearly interpolated; s > 1 is faster motion, as
  a lower frame rate gives), log-uniform in ``speed``;
- **scale**: detections and ground truth are multiplied by a factor,
  log-uniform in ``scale``;
- **noise**: white Gaussian noise is added to the detections, its standard
  deviation log-uniform in ``noise`` (a fraction of the training data's
  person size, :func:`smoothnet.utils.body_scale.person_radius`), except for a
  share ``clean_share`` of windows that keep the estimator's own errors only;
- **shift**: every channel of a window (detections and ground truth alike) is
  offset by its own constant, uniform in ``±shift`` person sizes. SmoothNet
  smooths each channel on its own, so this teaches it that where a trajectory
  lies says nothing about how much to smooth it: without it, a model trained on
  one camera's image coordinates smooths a track more or less depending on
  where in its model space the track lands;
- **synthetic inputs**: for a share ``synthetic_share`` of windows the input
  is the ground truth plus that noise alone, without the estimator's errors.
  An estimator's errors are mostly a bias no smoother can remove, which
  dominates a squared loss; windows whose whole error is jitter teach the
  model to smooth as hard as the jitter it sees calls for.

The ground truth goes through the same resampling and scaling as the
detections, so the target stays the true pose. Draws come from a generator
seeded by the training step, so an interrupted run resumes bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Augmentation:
    """Ranges of the per-window augmentations (``(1, 1)``/``(0, 0)``: off).

    Attributes:
        speed: (low, high) playback-speed factors.
        scale: (low, high) scale factors.
        noise: (low, high) white-noise std, as fractions of ``person_size``.
        clean_share: share of windows with no added noise.
        person_size: the training data's person size in model units.
        synthetic_share: share of windows whose input is the ground truth plus
            the noise (never clean).
        shift: half-width of the per-channel offset, in person sizes (0: off).
        natural_share: share of windows left as the dataset has them (speed 1,
            scale 1, no noise, no shift): the data's own pace and errors keep a
            fixed weight however wide the ranges are.
    """

    speed: tuple[float, float] = (1.0, 1.0)
    scale: tuple[float, float] = (1.0, 1.0)
    noise: tuple[float, float] = (0.0, 0.0)
    clean_share: float = 0.0
    person_size: float = 1.0
    synthetic_share: float = 0.0
    shift: float = 0.0
    natural_share: float = 0.0

    @property
    def active(self) -> bool:
        return (
            self.speed != (1.0, 1.0)
            or self.scale != (1.0, 1.0)
            or self.noise[1] > 0
            or self.shift > 0
        )

    @property
    def max_speed(self) -> float:
        return self.speed[1]

    def check(self) -> None:
        """Raise ValueError (naming the key) for a range that cannot be sampled."""
        for key, (low, high) in (("SPEED", self.speed), ("SCALE", self.scale)):
            if not 0 < low <= high:
                raise ValueError(f"TRAIN.AUGMENT.{key} must be 0 < low <= high, got {[low, high]}")
        low, high = self.noise
        if not (low == high == 0 or 0 < low <= high):
            raise ValueError(
                f"TRAIN.AUGMENT.NOISE must be [0, 0] (off) or 0 < low <= high, got {[low, high]}"
            )
        for key, share in (("CLEAN_SHARE", self.clean_share),
                           ("SYNTHETIC_SHARE", self.synthetic_share),
                           ("NATURAL_SHARE", self.natural_share)):  # fmt: skip
            if not 0 <= share <= 1:
                raise ValueError(f"TRAIN.AUGMENT.{key} must be in [0, 1], got {share}")
        if not self.shift >= 0:
            raise ValueError(f"TRAIN.AUGMENT.SHIFT must be >= 0, got {self.shift}")
        if self.synthetic_share > 0 and self.noise[1] == 0:
            raise ValueError("TRAIN.AUGMENT.SYNTHETIC_SHARE needs TRAIN.AUGMENT.NOISE")


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> np.ndarray:
    low, high = bounds
    if low == high:
        return np.full(n, low)
    return np.exp(rng.uniform(np.log(low), np.log(high), n))


def window_rows(
    first: np.ndarray,
    sequence_starts: np.ndarray,
    sequence_ends: np.ndarray,
    window: int,
    speeds: np.ndarray,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rows to interpolate for windows read at fractional speeds.

    Args:
        first: ``(B,)`` wanted (fractional) first row of each window.
        sequence_starts: ``(B,)`` first row of each window's sequence.
        sequence_ends: ``(B,)`` last row of each window's sequence.
        window: window length W.
        speeds: ``(B,)`` playback-speed factors.

    Returns:
        ``(lower, upper, fraction)``: ``(B, W)`` row indices and ``(B, W, 1)``
        weights of the upper row. A window that would run past its
        sequence's end starts earlier, though never before the sequence;
        what still runs over (a sequence shorter than the stretched window)
        is held at the last frame.
    """
    span = speeds * (window - 1)
    start = np.maximum(np.minimum(first, sequence_ends - span), sequence_starts)
    positions = start[:, None] + speeds[:, None] * np.arange(window)[None]
    positions = np.minimum(positions, sequence_ends[:, None].astype(np.float64))
    lower = np.floor(positions)
    fraction = positions - lower
    lower = lower.astype(np.int64)
    upper = np.minimum(lower + 1, sequence_ends[:, None])
    return (
        torch.from_numpy(lower),
        torch.from_numpy(upper),
        torch.from_numpy(fraction.astype(np.float32))[..., None],
    )


def augment_batch(
    detected: torch.Tensor,
    groundtruth: torch.Tensor,
    first_rows: np.ndarray,
    sequence_starts: np.ndarray,
    sequence_ends: np.ndarray,
    window: int,
    augmentation: Augmentation,
    rng: np.random.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One augmented batch.

    Args:
        detected: ``(F, C)`` all detections back to back.
        groundtruth: ``(F, C)`` the matching ground truth.
        first_rows: ``(B,)`` first row of each window (speed 1).
        sequence_starts: ``(B,)`` first row of each window's sequence.
        sequence_ends: ``(B,)`` last row of each window's sequence.
        window: W.
        augmentation: the ranges.
        rng: the step's random generator.

    Returns:
        ``(pred, gt)``, each ``(B, W, C)`` float32.
    """
    n = len(first_rows)
    # Drawn only when asked for, so runs without natural windows keep their random streams.
    natural = rng.random(n) < augmentation.natural_share if augmentation.natural_share else None
    speeds = _log_uniform(rng, augmentation.speed, n)
    if natural is not None:
        speeds[natural] = 1.0
    # Centre the stretched window on the original one where the sequence allows.
    centre = first_rows + (window - 1) / 2
    first = centre - speeds * (window - 1) / 2
    lower, upper, fraction = window_rows(first, sequence_starts, sequence_ends, window, speeds)
    pred = detected[lower] * (1 - fraction) + detected[upper] * fraction
    gt = groundtruth[lower] * (1 - fraction) + groundtruth[upper] * fraction
    scale_draws = _log_uniform(rng, augmentation.scale, n)
    if natural is not None:
        scale_draws[natural] = 1.0
    scales = torch.from_numpy(scale_draws.astype(np.float32))
    pred = pred * scales[:, None, None]
    gt = gt * scales[:, None, None]
    if augmentation.noise[1] > 0:
        sigma = _log_uniform(rng, augmentation.noise, n) * augmentation.person_size
        synthetic = rng.random(n) < augmentation.synthetic_share
        sigma[~synthetic & (rng.random(n) < augmentation.clean_share)] = 0.0
        if natural is not None:
            sigma[natural], synthetic[natural] = 0.0, False
        noise = torch.from_numpy(rng.standard_normal(pred.shape, dtype=np.float32))
        noise_scale = torch.from_numpy(sigma.astype(np.float32)) * scales
        base = torch.where(torch.from_numpy(synthetic)[:, None, None], gt, pred)
        pred = base + noise * noise_scale[:, None, None]
    if augmentation.shift > 0:  # drawn last: runs without it keep their random streams
        width = augmentation.shift * augmentation.person_size
        offsets = rng.uniform(-width, width, (n, 1, pred.shape[-1])).astype(np.float32)
        if natural is not None:
            offsets[natural] = 0.0
        offsets_t = torch.from_numpy(offsets)
        pred = pred + offsets_t
        gt = gt + offsets_t
    return pred, gt
