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

- ``sigma`` (:func:`noise_level` over :data:`GUARD_ORDERS`): the root mean
  square of the track's third differences over ``sqrt(20)`` (a third
  difference of white noise has variance ``20 sigma^2``), and likewise of its
  fourth and fifth differences (``sqrt(70)``, ``sqrt(252)``), the smallest of
  the three, skipping differences that touch a missing frame. Motion leaks
  into a ``k``-th difference only at its ``k``-th derivative, and less the
  higher ``k``: fast motion at 12-15 fps inflated the third differences' estimate
  by up to 10 % and let the guard keep corrections that removed motion;
- ``div f`` (:func:`divergence`): one random probe, ``eps . (f(x + d eps) -
  f(x)) / d`` with ``eps`` standard normal and ``d`` a tenth of the noise; on
  tracks longer than :data:`PROBE_FRAMES` frames, over evenly spread blocks of
  that many frames in all, scaled to the track (:func:`probe_blocks`: the
  second pass then costs a fraction of the first);
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

The same estimate also says, per joint, whether mixing a Gaussian into the
guarded model does better (:func:`guarded_choice`): a Gaussian filter is
linear, its divergence is the trace of its matrix (:func:`gaussian_trace`), so
the risk of a blend ``g = m G(x) + (1 - m) h`` of a Gaussian and the guarded
model ``h`` is estimated exactly as the model's (its divergence is ``m tr G +
(1 - m) div h``). A network trained on one kind of noise under-smooths white
noise of another size; the blend with the lowest risk wins, per joint, among
the widths :data:`GAUSSIAN_SIGMAS` and shares :data:`GAUSSIAN_SHARES`, under
one condition: **a blend may only smooth more than the guarded model** (its
divergence is at most the guarded model's), **unless the track's noise reads
as white** (below). Real detectors' errors are not white: a slow, drifting
part, which wide smoothing removes, makes white-noise SURE rank light
smoothing too well, and a light Gaussian chosen on that estimate loses to the
model on real detections (docs/smoothing.md). How much too well tells the two
apart. Per joint, take the lighter Gaussian (trace above the guarded model's
divergence) of lowest estimated risk, and its estimated gain over the guarded
model in units of ``N sigma^2``. Where the noise is drift and bursts, the
gain is large and false: the median over a track's joints, for the median
track of a cell, was 0.38-0.63 on real Human3.6M detections and 0.34-0.58 on
detector-like errors with slow motion at 30-60 fps. Where the noise is white
and the model removes a little motion, the gain is small and true: -0.07 to
0.11. So when that median is below :data:`LIGHTER_GATE`, lighter
Gaussians, alone or blended at :data:`GAUSSIAN_SHARES`, are candidates too on
every joint of the track; otherwise only heavier ones are. Shares below 1
hedge the choice: the estimate ranks candidates of similar risk less surely
than the guard's pull-back, and half or three quarters of a Gaussian gain
most of its benefit on white noise while keeping most of the model's on
detector errors. The
widths, shares, the condition and the gate were chosen on the tuning half of
``scripts/benchmark_transfer.py`` and on the Human3.6M training subjects.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Multiplier of the SURE strength before clipping, for long tracks (module docstring).
DEFAULT_SLACK = 2.0
#: Track length (frames) from which the slack is :data:`DEFAULT_SLACK`; shorter tracks get
#: ``1 + (DEFAULT_SLACK - 1) * frames / SLACK_FRAMES`` (plain SURE as frames go to 0).
SLACK_FRAMES = 256
#: Widths (frames) of the Gaussians :func:`guarded_choice` mixes into the guarded model.
GAUSSIAN_SIGMAS: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0)
#: Shares of the Gaussian in the blends :func:`guarded_choice` weighs (module docstring).
GAUSSIAN_SHARES: tuple[float, ...] = (0.75, 0.5)
#: A track's lighter Gaussians are candidates when the median over its joints of the best
#: lighter Gaussian's estimated gain over the guarded model, in units of ``N sigma^2``, is
#: below this (module docstring): white noise, where the estimate can be trusted.
LIGHTER_GATE = 0.2
#: Probe size as a share of the measured noise (the smoother is nearly linear at this scale).
PROBE_SHARE = 0.1
#: Tracks longer than this (frames) are probed for their divergence on blocks of this
#: many frames in all, when the smoother's reach is known (:func:`probe_blocks`).
PROBE_FRAMES = 8192
#: Interior blocks of a block probe.
PROBE_BLOCKS = 8
#: Frames at each end of a track that a block probe always covers.
PROBE_EDGE = 64
#: Difference orders of the guard's noise level (:func:`noise_level`): the smallest of
#: the third, fourth and fifth differences' estimates.
GUARD_ORDERS: tuple[int, ...] = (3, 4, 5)


def noise_level(
    x: np.ndarray, missing: np.ndarray | None = None, orders: tuple[int, ...] = (3,)
) -> np.ndarray:
    """Per-joint white-noise standard deviation of a track.

    For each difference order ``k`` of ``orders``, the root mean square of the track's
    ``k``-th differences over ``sqrt(C(2k, k))`` (the variance gain of a ``k``-th difference
    of white noise: 20 for third differences, 70 for fourth, 252 for fifth); the smallest
    over the orders. Motion leaks into a difference less the higher its order (its gain
    ``(2 sin(w/2))^(2k) / C(2k, k)`` falls with ``k`` below the Nyquist frequency), so fast
    motion at a low frame rate, which inflates the third differences, inflates the higher
    ones less.

    Args:
        x: ``(T, K, C)`` filled keypoints.
        missing: ``(T, K)`` True where a joint was missing (filled frames are
            smooth by construction and would hide the noise).
        orders: difference orders (each >= 1).

    Returns:
        ``(K,)`` standard deviations; NaN for a joint with fewer than 4 usable
        differences of the lowest order.
    """
    x = np.asarray(x, dtype=np.float64)
    gone = None if missing is None else np.asarray(missing, dtype=bool)
    levels = [_difference_noise(x, gone, k) for k in sorted(orders)]
    sigma = np.fmin.reduce(levels)
    sigma[np.isnan(levels[0])] = np.nan
    return sigma


def _difference_noise(x: np.ndarray, gone: np.ndarray | None, order: int) -> np.ndarray:
    """``(K,)`` white-noise level from the ``order``-th differences (NaN: under 4 usable)."""
    if len(x) < order + 1:
        return np.full(x.shape[1], np.nan)
    diff = np.diff(x, n=order, axis=0)  # (T - order, K, C)
    usable = np.ones(diff.shape[:2], dtype=bool)
    if gone is not None:
        for lag in range(order + 1):
            usable &= ~gone[lag : lag + len(diff)]
    counts = usable.sum(axis=0) * x.shape[2]
    power = np.where(usable[..., None], diff**2, 0.0).sum(axis=(0, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(power / counts / math.comb(2 * order, order))
    sigma[usable.sum(axis=0) < 4] = np.nan
    return sigma


def default_slack(frames: int) -> float:
    """The slack for a track of ``frames`` frames: from 1 (plain SURE) growing linearly to
    :data:`DEFAULT_SLACK` at :data:`SLACK_FRAMES` frames."""
    return 1.0 + (DEFAULT_SLACK - 1.0) * min(1.0, frames / SLACK_FRAMES)


@dataclass(frozen=True)
class ProbeBlock:
    """Frames ``[start, stop)`` the divergence probe perturbs, run through the smoother
    as frames ``[first, last)`` (the block and ``reach`` frames either side), its sum
    counted ``weight`` times."""

    start: int
    stop: int
    first: int
    last: int
    weight: float


def probe_blocks(frames: int, reach: int | None = None) -> list[ProbeBlock]:
    """Where :func:`divergence` probes a track of ``frames`` frames.

    The whole track (one block), unless ``reach`` is given and the track is longer than
    :data:`PROBE_FRAMES`: then :data:`PROBE_EDGE` frames at each end (counted once: the
    smoother behaves differently near the ends) and :data:`PROBE_BLOCKS` evenly spread
    interior blocks of equal length, :data:`PROBE_FRAMES` frames in all, whose sums stand
    for the whole interior (weighted by the interior's length over theirs). The estimate
    stays unbiased; it costs a smoother pass over about ``PROBE_FRAMES`` frames instead
    of ``frames``.

    Args:
        frames: the track's length T.
        reach: how many frames either side of a frame its smoothed value depends on
            (None: unknown, probe the whole track).
    """
    if reach is None or frames <= PROBE_FRAMES:
        return [ProbeBlock(0, frames, 0, frames, 1.0)]
    interior = frames - 2 * PROBE_EDGE
    length = (PROBE_FRAMES - 2 * PROBE_EDGE) // PROBE_BLOCKS
    weight = interior / (length * PROBE_BLOCKS)
    spacing = interior / PROBE_BLOCKS
    starts = [PROBE_EDGE + int(spacing * (k + 0.5)) - length // 2 for k in range(PROBE_BLOCKS)]
    spans = [(0, PROBE_EDGE, 1.0), *((a, a + length, weight) for a in starts),
             (frames - PROBE_EDGE, frames, 1.0)]  # fmt: skip
    return [ProbeBlock(a, b, max(0, a - reach), min(frames, b + reach), w) for a, b, w in spans]


def probe_length(frames: int, reach: int | None = None) -> int:
    """Frames the smoother runs over for :func:`divergence`'s probe of a ``frames``-frame
    track (for progress bars)."""
    return sum(block.last - block.first for block in probe_blocks(frames, reach))


def divergence(
    smoother: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    smoothed: np.ndarray,
    step: np.ndarray,
    seed: int = 0,
    reach: int | None = None,
) -> np.ndarray:
    """Per-joint divergence of ``smoother`` at ``x`` by one random probe.

    Args:
        smoother: maps ``(T, K, C)`` to ``(T, K, C)``; a contiguous stretch of frames
            ``x[a:b]`` to the same frames' values where it is more than ``reach`` frames
            from both ends of the stretch (a window model with fixed encoding constants).
        x: ``(T, K, C)`` the input.
        smoothed: ``smoother(x)``.
        step: ``(K,)`` probe size per joint (> 0).
        seed: seed of the probe (fixed: the same track gives the same result).
        reach: frames either side that a smoothed frame depends on; with it, long
            tracks are probed on blocks (:func:`probe_blocks`). None: the whole track.

    Returns:
        ``(K,)`` estimates of ``sum_i df_i/dx_i`` over each joint's values.
    """
    probe = np.random.default_rng(seed).standard_normal(x.shape)
    total = np.zeros(x.shape[1])
    for block in probe_blocks(len(x), reach):
        stretch = x[block.first : block.last].copy()
        inner = slice(block.start - block.first, block.stop - block.first)
        stretch[inner] += probe[block.start : block.stop] * step[None, :, None]
        moved = smoother(stretch)[inner]
        change = moved - smoothed[block.start : block.stop]
        total += block.weight * (probe[block.start : block.stop] * change).sum(axis=(0, 2))
    return total / step


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
        strength: ``(K,)`` share of the model's correction kept in the guarded model.
        sigma: ``(K,)`` estimated noise level per joint.
        gaussian: ``(K,)`` width of the Gaussian mixed into each joint, 0 for none.
        share: ``(K,)`` the Gaussian's share of each joint's output (0 for none).
        divergence: ``(K,)`` estimated divergence of each joint's output (how many of
            its ``T x C`` values it passes through; NaN where no noise was measured).
        lighter: whether the track's noise read as white, so that Gaussians smoothing
            less than the guarded model were candidates too (:data:`LIGHTER_GATE`).
    """

    result: np.ndarray
    strength: np.ndarray
    sigma: np.ndarray
    gaussian: np.ndarray
    share: np.ndarray
    divergence: np.ndarray
    lighter: bool = False


def guarded_choice(
    smoother: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    missing: np.ndarray | None = None,
    slack: float | None = None,
    sigmas: tuple[float, ...] = GAUSSIAN_SIGMAS,
    shares: tuple[float, ...] = GAUSSIAN_SHARES,
    reach: int | None = None,
) -> GuardResult:
    """The guarded model (:func:`guarded`) or, per joint, its blend with a Gaussian of
    ``sigmas`` at a share of ``shares`` whose estimated risk is lower and that smooths
    more; where the track's noise reads as white (:func:`lighter_gate`), also a lighter
    Gaussian, alone or blended (module docstring).

    Args:
        smoother: maps a ``(T, K, C)`` track to its smoothed ``(T, K, C)``.
        x: ``(T, K, C)`` filled track.
        missing: ``(T, K)`` True where a joint was missing.
        slack: see :func:`sure_strength` (None: :func:`default_slack` of the length).
        sigmas: Gaussian widths in frames (empty: the guarded model alone).
        shares: shares of the Gaussian in a blend, each in (0, 1].
        reach: frames either side that a smoothed frame depends on (:func:`divergence`;
            None: the probe runs over the whole track).
    """
    from ..models.filters import gaussian

    x = np.asarray(x, dtype=np.float64)
    frames, joints, coords = x.shape
    smoothed = smoother(x)
    sigma = noise_level(x, missing, GUARD_ORDERS)
    usable = np.isfinite(sigma) & (sigma > 0)
    none = np.zeros(joints)
    if not usable.any():
        strength = np.where(np.isfinite(sigma), 0.0, 1.0)  # exact (noise-free) joints stay
        guarded_x = x + strength[None, :, None] * (smoothed - x)
        unknown = np.full(joints, np.nan)
        return GuardResult(guarded_x, strength, sigma, none, none.copy(), unknown)
    if slack is None:
        slack = default_slack(frames)
    step = PROBE_SHARE * np.where(usable, sigma, np.nanmedian(sigma[usable]))
    div = divergence(smoother, x, smoothed, step, reach=reach)
    strength = sure_strength(x, smoothed, sigma, div, slack)
    model = x + strength[None, :, None] * (smoothed - x)
    values = frames * coords
    variance = np.where(usable, sigma, 0.0) ** 2
    model_div = (1 - strength) * values + strength * div
    unit = values * variance
    change = model - x
    model_moved = (change**2).sum(axis=(0, 2))

    def risk(moved: np.ndarray, candidate_div: np.ndarray) -> np.ndarray:
        return moved - unit + 2 * variance * candidate_div

    # Every candidate's estimated risk, without building it: a blend m G(x) + (1 - m) h
    # moves the track by |m (G(x) - x) + (1 - m) (h - x)|^2, from three per-joint sums.
    # Width by width, the Gaussian alone first: the order the candidates are weighed in.
    weighed: list[tuple[float, float, np.ndarray, np.ndarray, np.ndarray]] = []
    never = np.zeros(joints, dtype=bool)
    alone, traces = {}, {}
    for width in sigmas:
        traces[width] = trace = coords * gaussian_trace(frames, width)
        off = gaussian(x, sigma=width) - x
        off_moved = (off**2).sum(axis=(0, 2))
        cross = (off * change).sum(axis=(0, 2))
        # A blend smooths at least as much as the guarded model (its divergence is no
        # larger) exactly where the Gaussian alone does, whatever its share.
        smooths_more = usable & (trace <= model_div)
        alone[width] = risk(off_moved, np.full(joints, trace))
        # (width, share, estimate, where allowed with the gate shut, and open)
        weighed.append((width, 1.0, alone[width], never, usable & ~smooths_more))
        for share in shares:
            moved = share**2 * off_moved + 2 * share * (1 - share) * cross
            moved = moved + (1 - share) ** 2 * model_moved
            blend_div = share * trace + (1 - share) * model_div
            weighed.append((width, share, risk(moved, blend_div), smooths_more, usable))
    best = risk(model_moved, model_div)
    lighter = lighter_gate(best, unit, usable, model_div, alone, traces)
    pick = np.full(joints, -1)
    for index, (_, _, estimate, shut, opened) in enumerate(weighed):
        better = (opened if lighter else shut) & (estimate < best)
        best = np.where(better, estimate, best)
        pick[better] = index
    result, result_div = model.copy(), model_div.copy()
    chosen, chosen_share = none.copy(), none.copy()
    for index in np.unique(pick[pick >= 0]):
        width, share = weighed[index][:2]
        take = pick == index
        filtered = gaussian(x[:, take], sigma=width)
        result[:, take] = share * filtered + (1 - share) * model[:, take]
        result_div[take] = share * traces[width] + (1 - share) * model_div[take]
        chosen[take], chosen_share[take] = width, share
    result_div[~usable] = np.nan
    return GuardResult(result, strength, sigma, chosen, chosen_share, result_div, lighter)


def lighter_gate(
    model_risk: np.ndarray,
    unit: np.ndarray,
    usable: np.ndarray,
    model_div: np.ndarray,
    gaussian_risk: dict[float, np.ndarray],
    traces: dict[float, float],
) -> bool:
    """Whether a track's noise reads as white (module docstring): the median over its
    joints of the best lighter Gaussian's estimated gain over the guarded model, in
    units of ``N sigma^2``, is below :data:`LIGHTER_GATE`.

    Args:
        model_risk: ``(K,)`` estimated risk of the guarded model.
        unit: ``(K,)`` ``N sigma^2`` per joint (0 where no noise was measured).
        usable: ``(K,)`` True where the noise was measured.
        model_div: ``(K,)`` divergence of the guarded model.
        gaussian_risk: each width's ``(K,)`` estimated risk of the Gaussian alone.
        traces: each width's divergence (the trace of its matrix, times C).

    Returns:
        False where no joint has a lighter Gaussian.
    """
    gain = np.full(model_risk.shape, -np.inf)
    for width, estimate in gaussian_risk.items():
        lighter = usable & (traces[width] > model_div)
        with np.errstate(invalid="ignore", divide="ignore"):
            own = (model_risk - estimate) / unit
        gain = np.where(lighter, np.maximum(gain, own), gain)
    measured = np.isfinite(gain)
    return bool(measured.any() and np.median(gain[measured]) < LIGHTER_GATE)
