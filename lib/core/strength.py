"""How much of a smoother's correction to keep, chosen from the track itself.

A learned smoother can make a track worse than it was: motion faster than any
in its training, noise far below its training's, a person of another size.
Stein's unbiased risk estimate (SURE) tells, without ground truth, whether a
change to a noisy track lowers its error. For a smoother output ``f`` of an
input ``x = s + n``, with white noise of standard deviation ``sigma`` on each
of the N values, the blend ``g = x + a (f - x)`` has the expected squared error

    E|g - s|^2 = a^2 |f - x|^2 - N sigma^2 + 2 sigma^2 ((1 - a) N + a div f),

where ``div f`` is the divergence of the smoother (the sum of ``df_i/dx_i``:
how many of the N values it passes through). It is smallest at

    a* = sigma^2 (N - div f) / |f - x|^2,

the share of the change that the noise accounts for. A smoother that only
removes noise changes the track by about ``sigma^2 (N - div f)`` and keeps
``a* = 1``; one that also removes motion changes it by more and is pulled back
towards the input; on a clean track (``sigma = 0``) nothing is changed. With
``a`` in [0, 1] the result is, in expectation, never worse than the input.

Three things are measured per track and joint (every quantity below is
per joint, over the track's frames and the joint's coordinates):

- ``sigma`` (:func:`noise_level`): the root mean square of the track's third
  differences over ``sqrt(20)`` (a third difference of white noise has
  variance ``20 sigma^2``), skipping differences that touch a missing frame;
  motion leaks into it only at its third derivative;
- ``div f`` (:func:`divergence`): one random probe, ``eps . (f(x + d eps) -
  f(x)) / d`` with ``eps`` standard normal and ``d`` a tenth of the noise;
- the strength ``a`` (:func:`sure_strength`), multiplied by ``slack`` before
  clipping to [0, 1]. Real detectors' errors are not white: bursts and slow
  drift, which a model trained on such errors rightly removes, raise
  ``|f - x|^2`` above what white noise of the measured ``sigma`` explains, so
  plain SURE (``slack = 1``) would undo most of a good correction there.
  With ``slack = k`` a correction is pulled back only when it exceeds ``k``
  times the white-noise budget. Under white noise, ``k = 2`` is the break-even
  point (the blend's expected error equals the input's when the model removes
  motion) and every ``k < 2`` is a strict gain, so the margin is earned with
  evidence: the slack grows with the track's length (:func:`default_slack`,
  from plain SURE on a few frames, where the noise and divergence estimates
  are themselves noisy and motion leaks into the noise estimate, to
  :data:`DEFAULT_SLACK` at :data:`SLACK_FRAMES` frames and beyond). Both were
  chosen on the tuning half of ``scripts/benchmark_transfer.py``
  (docs/smoothing.md).

The same estimate also says, per joint, whether a plain Gaussian would do
better than the (guarded) model (:func:`guarded_choice`): a Gaussian filter
is linear, its divergence is the trace of its matrix (:func:`gaussian_trace`),
so its risk is estimated exactly as the model's. A network trained on one
kind of noise under-smooths much stronger white noise, and a track the model
cannot help (motion far outside its training) is better served by the
lightest Gaussian than by a share of the model's output. The risks are
plain SURE (no slack: unbiased under white noise), and the smallest wins.
Under real detectors' errors, which are not white, it undervalues the model
and picks Gaussians that lose (docs/smoothing.md), so the ``Smoother`` uses
it only when asked (``fallback_gaussians``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Multiplier of the SURE strength before clipping, for long tracks (module docstring).
DEFAULT_SLACK = 2.0
#: Track length (frames) from which the slack is :data:`DEFAULT_SLACK`; shorter tracks get
#: ``1 + (DEFAULT_SLACK - 1) * frames / SLACK_FRAMES`` (plain SURE as frames go to 0).
SLACK_FRAMES = 256
#: Widths (frames) of the Gaussians :func:`guarded_choice` weighs against the model.
GAUSSIAN_SIGMAS: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0)
#: Probe size as a share of the measured noise (the smoother is nearly linear at this scale).
PROBE_SHARE = 0.1
#: A third difference of white noise has variance 20 sigma^2 (the sum of squared
#: binomial coefficients 1, 3, 3, 1).
THIRD_DIFFERENCE_GAIN = 20.0


def noise_level(x: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Per-joint white-noise standard deviation of a track.

    Args:
        x: ``(T, K, C)`` filled keypoints.
        missing: ``(T, K)`` True where a joint was missing (filled frames are
            smooth by construction and would hide the noise).

    Returns:
        ``(K,)`` standard deviations; NaN for a joint with fewer than 4 usable
        third differences.
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 4:
        return np.full(x.shape[1], np.nan)
    third = np.diff(x, n=3, axis=0)  # (T - 3, K, C)
    usable = np.ones(third.shape[:2], dtype=bool)
    if missing is not None:
        gone = np.asarray(missing, dtype=bool)
        for lag in range(4):
            usable &= ~gone[lag : lag + len(third)]
    counts = usable.sum(axis=0) * x.shape[2]
    power = np.where(usable[..., None], third**2, 0.0).sum(axis=(0, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(power / counts / THIRD_DIFFERENCE_GAIN)
    sigma[usable.sum(axis=0) < 4] = np.nan
    return sigma


def default_slack(frames: int) -> float:
    """The slack for a track of ``frames`` frames: from 1 (plain SURE) growing linearly to
    :data:`DEFAULT_SLACK` at :data:`SLACK_FRAMES` frames."""
    return 1.0 + (DEFAULT_SLACK - 1.0) * min(1.0, frames / SLACK_FRAMES)


def divergence(
    smoother: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    smoothed: np.ndarray,
    step: np.ndarray,
    seed: int = 0,
) -> np.ndarray:
    """Per-joint divergence of ``smoother`` at ``x`` by one random probe.

    Args:
        smoother: maps ``(T, K, C)`` to ``(T, K, C)``.
        x: ``(T, K, C)`` the input.
        smoothed: ``smoother(x)``.
        step: ``(K,)`` probe size per joint (> 0).
        seed: seed of the probe (fixed: the same track gives the same result).

    Returns:
        ``(K,)`` estimates of ``sum_i df_i/dx_i`` over each joint's values.
    """
    probe = np.random.default_rng(seed).standard_normal(x.shape)
    moved = smoother(x + probe * step[None, :, None])
    return (probe * (moved - smoothed)).sum(axis=(0, 2)) / step


def sure_strength(
    x: np.ndarray,
    smoothed: np.ndarray,
    sigma: np.ndarray,
    div: np.ndarray,
    slack: float = DEFAULT_SLACK,
) -> np.ndarray:
    """Per-joint share of the correction ``smoothed - x`` to keep.

    Args:
        x: ``(T, K, C)`` input.
        smoothed: ``(T, K, C)`` smoother output.
        sigma: ``(K,)`` noise level (:func:`noise_level`; NaN: keep all).
        div: ``(K,)`` divergence (:func:`divergence`).
        slack: multiplier before clipping (see the module docstring).

    Returns:
        ``(K,)`` strengths in [0, 1].
    """
    values = x.shape[0] * x.shape[2]
    change = ((smoothed - x) ** 2).sum(axis=(0, 2))
    budget = sigma**2 * np.maximum(values - div, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        strength = slack * budget / change
    strength = np.where(np.isfinite(sigma), strength, 1.0)
    strength = np.where(change > 0, strength, 1.0)
    return np.clip(np.nan_to_num(strength, nan=1.0), 0.0, 1.0)


def guarded(
    smoother: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    missing: np.ndarray | None = None,
    slack: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Smooth a track and keep of each joint's correction what SURE supports.

    Args:
        smoother: maps a ``(T, K, C)`` track to its smoothed ``(T, K, C)``.
        x: ``(T, K, C)`` filled track.
        missing: ``(T, K)`` True where a joint was missing.
        slack: see :func:`sure_strength` (None: :func:`default_slack` of the length).

    Returns:
        ``(result, strength, sigma)``: the ``(T, K, C)`` blend, and the ``(K,)``
        strengths and noise levels.
    """
    done = guarded_choice(smoother, x, missing, slack, sigmas=())
    return done.result, done.strength, done.sigma


def gaussian_trace(frames: int, sigma: float) -> float:
    """The trace of the ``frames x frames`` matrix of
    :func:`smoothnet.models.filters.gaussian` (its divergence per channel).

    The filter is shift-invariant away from the ends, so only the diagonal entries within
    ``2 r`` frames of each end (``r`` the kernel radius) are computed, from a short identity.
    """
    from ..models.filters import gaussian

    radius = int(4.0 * sigma + 0.5)
    short = 4 * radius + 2
    if frames <= short:
        return float(np.trace(gaussian(np.eye(frames), sigma=sigma)))
    diagonal = np.diag(gaussian(np.eye(short), sigma=sigma))
    edge = 2 * radius + 1  # entries 0 .. 2r see only the left end (and mirrored, the right)
    return float(2 * diagonal[:edge].sum() + (frames - 2 * edge) * diagonal[2 * radius])


@dataclass(frozen=True)
class GuardResult:
    """What :func:`guarded_choice` did to a ``(T, K, C)`` track.

    Attributes:
        result: ``(T, K, C)`` the output.
        strength: ``(K,)`` share of the model's correction kept (0 where a Gaussian won).
        sigma: ``(K,)`` estimated noise level per joint.
        gaussian: ``(K,)`` width of the Gaussian that smoothed each joint, 0 for the model.
    """

    result: np.ndarray
    strength: np.ndarray
    sigma: np.ndarray
    gaussian: np.ndarray


def guarded_choice(
    smoother: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    missing: np.ndarray | None = None,
    slack: float | None = None,
    sigmas: tuple[float, ...] = GAUSSIAN_SIGMAS,
) -> GuardResult:
    """The guarded model (:func:`guarded`) or, per joint, the Gaussian of ``sigmas`` whose
    estimated risk is lower (module docstring).

    Args:
        smoother: maps a ``(T, K, C)`` track to its smoothed ``(T, K, C)``.
        x: ``(T, K, C)`` filled track.
        missing: ``(T, K)`` True where a joint was missing.
        slack: see :func:`sure_strength` (None: :func:`default_slack` of the length).
        sigmas: Gaussian widths in frames (empty: the guarded model alone).
    """
    from ..models.filters import gaussian

    x = np.asarray(x, dtype=np.float64)
    frames, joints, coords = x.shape
    smoothed = smoother(x)
    sigma = noise_level(x, missing)
    usable = np.isfinite(sigma) & (sigma > 0)
    none = np.zeros(joints)
    if not usable.any():
        strength = np.where(np.isfinite(sigma), 0.0, 1.0)  # exact (noise-free) joints stay
        return GuardResult(x + strength[None, :, None] * (smoothed - x), strength, sigma, none)
    if slack is None:
        slack = default_slack(frames)
    step = PROBE_SHARE * np.where(usable, sigma, np.nanmedian(sigma[usable]))
    div = divergence(smoother, x, smoothed, step)
    strength = sure_strength(x, smoothed, sigma, div, slack)
    result = x + strength[None, :, None] * (smoothed - x)
    values = frames * coords
    variance = np.where(usable, sigma, 0.0) ** 2
    change = ((result - x) ** 2).sum(axis=(0, 2))
    kept_div = (1 - strength) * values + strength * div
    risk = change - values * variance + 2 * variance * kept_div
    chosen = none.copy()
    for width in sigmas:
        filtered = gaussian(x, sigma=width)
        trace = coords * gaussian_trace(frames, width)
        moved = ((filtered - x) ** 2).sum(axis=(0, 2))
        candidate = moved - values * variance + 2 * variance * trace
        better = usable & (candidate < risk)
        result[:, better] = filtered[:, better]
        risk = np.where(better, candidate, risk)
        chosen[better], strength[better] = width, 0.0
    return GuardResult(result, strength, sigma, chosen)
