"""The per-joint strength chosen from the track (SURE), against independent calculations."""

import itertools

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from smoothnet.core.strength import (
    PROBE_EDGE,
    PROBE_FRAMES,
    divergence,
    guarded,
    noise_level,
    probe_blocks,
    probe_length,
    sure_strength,
)


def gaussian_matrix(length: int, sigma: float) -> np.ndarray:
    """The (T, T) matrix of scipy's Gaussian filter (reflect edges), column by column."""
    return gaussian_filter1d(np.eye(length), sigma, axis=0, mode="reflect")


def test_noise_level_recovers_white_noise_per_joint_and_skips_missing_frames():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 4 * np.pi, 3000)[:, None, None]
    x = np.sin(t) + rng.normal(size=(3000, 3, 2)) * np.array([0.01, 0.05, 0.2])[None, :, None]
    np.testing.assert_allclose(noise_level(x), [0.01, 0.05, 0.2], rtol=0.05)
    missing = np.zeros((3000, 3), dtype=bool)
    missing[1000:1100, 1] = True
    x[1000:1100, 1] = x[999, 1]  # filled by holding: no noise there
    np.testing.assert_allclose(noise_level(x, missing)[1], 0.05, rtol=0.05)
    assert np.isnan(noise_level(x[:3])).all()


def test_higher_difference_orders_see_less_of_fast_motion_and_the_same_white_noise():
    """A 2 Hz swing at 12 fps with 0.01 of white noise: the third differences read the
    motion as 0.16 of noise; the smallest of the third to fifth orders' estimates is 3.5x
    lower. On white noise alone every order reads the same level."""
    rng = np.random.default_rng(0)
    t = np.arange(300)[:, None, None] / 12.0
    swing = np.sin(2 * np.pi * 2.0 * t + rng.uniform(0, 6, size=(1, 3, 2)))
    x = swing + rng.normal(scale=0.01, size=(300, 3, 2))
    third, lowest = noise_level(x), noise_level(x, orders=(3, 4, 5))
    assert (third > 0.15).all() and (lowest < third / 3.4).all()
    # the fifth difference of the swing alone: (2 sin(pi/6))^5 / sqrt(252) of its RMS
    swing_fifth = (2 * np.sin(np.pi * 2.0 / 12.0)) ** 5 / np.sqrt(252) / np.sqrt(2)
    np.testing.assert_allclose(lowest, np.hypot(swing_fifth, 0.01), rtol=0.1)
    white = rng.normal(scale=0.1, size=(20000, 2, 2))
    for orders in ((3,), (4,), (5,), (3, 4, 5)):
        np.testing.assert_allclose(noise_level(white, orders=orders), 0.1, rtol=0.03)


def test_divergence_of_a_linear_smoother_is_its_trace():
    length, sigma = 400, 2.0
    matrix = gaussian_matrix(length, sigma)

    def smooth(x):
        return np.einsum("ts,skc->tkc", matrix, x)

    x = np.random.default_rng(1).normal(size=(length, 2, 3))
    div = divergence(smooth, x, smooth(x), step=np.array([0.1, 0.1]))
    expected = 3 * np.trace(matrix)  # three coordinates per joint
    np.testing.assert_allclose(div, expected, rtol=0.15)


@pytest.mark.parametrize("frames", [PROBE_FRAMES + 1, 20_000, 123_457])
def test_probe_blocks_cover_a_long_track_in_expectation(frames):
    """Ends once, interior blocks disjoint and weighted to the interior's length, every
    stretch the block and ``reach`` frames either side within the track."""
    reach = 34
    blocks = probe_blocks(frames, reach)
    assert sum(b.weight * (b.stop - b.start) for b in blocks) == pytest.approx(frames)
    assert sum(b.stop - b.start for b in blocks) == PROBE_FRAMES
    assert (blocks[0].start, blocks[0].stop, blocks[0].weight) == (0, PROBE_EDGE, 1.0)
    assert (blocks[-1].start, blocks[-1].stop) == (frames - PROBE_EDGE, frames)
    for before, after in itertools.pairwise(blocks):
        assert before.stop <= after.start
    for b in blocks:
        assert (b.first, b.last) == (max(0, b.start - reach), min(frames, b.stop + reach))
    assert probe_length(frames, reach) == sum(b.last - b.first for b in blocks)
    # unknown reach or a short track: the whole track, once
    whole = [(b.start, b.stop, b.first, b.last, b.weight) for b in probe_blocks(frames)]
    assert whole == [(0, frames, 0, frames, 1.0)]
    assert probe_length(PROBE_FRAMES, reach) == PROBE_FRAMES


def test_block_probe_runs_only_stretches_and_equals_whole_track_probes_of_the_blocks():
    """Each block's stretch gives what the smoother of the whole track gives there (a
    Gaussian reaches 4 sigma + 1 frames), so the block probe is the weighted sum of
    whole-track probes perturbed on one block each; and it estimates the trace."""
    frames, sigma, reach = 20_000, 2.0, 10
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(size=(frames, 2, 2)), axis=0)
    lengths = []

    def smooth(track):
        lengths.append(len(track))
        return gaussian_filter1d(track, sigma, axis=0, mode="nearest")

    step = np.array([0.1, 0.2])
    smoothed = smooth(x)
    lengths.clear()
    div = divergence(smooth, x, smoothed, step, seed=5, reach=reach)
    assert sum(lengths) == probe_length(frames, reach) < frames / 2
    probe = np.random.default_rng(5).standard_normal(x.shape)
    expected = np.zeros(2)
    for b in probe_blocks(frames, reach):  # slow reference: the whole track each time
        moved = x.copy()
        moved[b.start : b.stop] += probe[b.start : b.stop] * step[None, :, None]
        change = (smooth(moved) - smoothed)[b.start : b.stop]
        expected += b.weight * (probe[b.start : b.stop] * change).sum(axis=(0, 2))
    np.testing.assert_allclose(div, expected / step, rtol=1e-9)
    trace = 2 * np.trace(gaussian_filter1d(np.eye(400), sigma, axis=0, mode="nearest")) / 400
    np.testing.assert_allclose(div, trace * frames, rtol=0.05)


def test_sure_strength_is_the_closed_form_and_clipped():
    x = np.zeros((10, 1, 2))
    smoothed = np.ones((10, 1, 2))  # change |f - x|^2 = 20
    sigma, div = np.array([0.5]), np.array([4.0])
    # a* = sigma^2 (N - div) / change = 0.25 * 16 / 20
    assert sure_strength(x, smoothed, sigma, div, slack=1.0)[0] == pytest.approx(0.2)
    assert sure_strength(x, smoothed, sigma, div, slack=2.0)[0] == pytest.approx(0.4)
    assert sure_strength(x, smoothed, sigma * 10, div, slack=1.0)[0] == 1.0
    assert sure_strength(x, smoothed, np.array([np.nan]), div)[0] == 1.0  # unknown: keep
    assert sure_strength(x, x, sigma, div)[0] == 1.0  # no change: nothing to weigh


def test_guard_leaves_an_exact_track_alone_and_keeps_a_good_smoothing():
    t = np.arange(500)[:, None, None] / 50.0
    clean = np.concatenate([np.sin(2 * np.pi * 0.5 * t), np.cos(2 * np.pi * 0.3 * t)], axis=2)

    def smooth(x):
        return gaussian_filter1d(x, 2.0, axis=0, mode="nearest")

    out, strength, sigma = guarded(smooth, clean)
    assert sigma[0] < 1e-3 and strength[0] < 0.05  # no noise: (almost) nothing changes
    noisy = clean + np.random.default_rng(2).normal(scale=0.05, size=clean.shape)
    out, strength, _ = guarded(smooth, noisy, slack=1.0)
    assert strength[0] > 0.9  # the Gaussian only removes noise from this slow motion
    assert np.abs(out - clean).mean() < 0.6 * np.abs(noisy - clean).mean()


@pytest.mark.parametrize("seed", range(3))
def test_guard_is_never_worse_than_the_input_or_an_oversmoothing_filter(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(600)[:, None, None] / 30.0
    freq = rng.uniform(1.5, 3.0, size=(1, 4, 2))  # fast motion for a 30 fps track
    clean = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6, size=(1, 4, 2)))
    noisy = clean + rng.normal(scale=0.02, size=clean.shape)  # little noise

    def oversmooth(x):
        return gaussian_filter1d(x, 4.0, axis=0, mode="nearest")

    out, strength, _ = guarded(oversmooth, noisy, slack=1.0)
    error = {name: np.linalg.norm(v - clean) for name, v in
             (("input", noisy), ("filter", oversmooth(noisy)), ("guarded", out))}  # fmt: skip
    assert error["filter"] > 3 * error["input"]  # the filter removes the motion
    assert error["guarded"] <= error["input"] * 1.02
    assert strength.max() < 0.1


def test_default_slack_grows_with_the_track_length():
    from smoothnet.core.strength import DEFAULT_SLACK, SLACK_FRAMES, default_slack

    assert default_slack(0) == 1.0 and default_slack(SLACK_FRAMES // 2) == pytest.approx(1.5)
    assert default_slack(SLACK_FRAMES) == default_slack(10 * SLACK_FRAMES) == DEFAULT_SLACK


@pytest.mark.parametrize("frames", [16, 64, 1000])
def test_guard_uses_the_slack_of_the_tracks_length(frames):
    """Without a slack given, the guard keeps what sure_strength gives with the slack of
    the track's length; a correction the noise cannot explain is cut by that slack."""
    from smoothnet.core.strength import default_slack

    motion = 20 * np.sin(np.arange(frames) / 10.0)[:, None, None] + np.zeros((1, 3, 2))
    noisy = motion + np.random.default_rng(frames).normal(size=(frames, 3, 2))

    def halve(x):  # halves the motion too: far more change than the noise explains
        return 0.5 * x

    _, strength, _ = guarded(halve, noisy)
    _, plain, _ = guarded(halve, noisy, slack=1.0)
    _, given, _ = guarded(halve, noisy, slack=default_slack(frames))
    np.testing.assert_array_equal(strength, given)
    assert (plain < 1).all()
    np.testing.assert_allclose(strength, np.minimum(1.0, default_slack(frames) * plain))


@pytest.mark.parametrize("frames", [5, 40, 100, 301])
@pytest.mark.parametrize("width", [1.0, 1.5, 4.0])
def test_gaussian_trace_equals_the_trace_of_the_filters_matrix(frames, width):
    from smoothnet.core.strength import gaussian_trace
    from smoothnet.models.filters import gaussian

    matrix = gaussian(np.eye(frames), sigma=width)  # column t: the response to an impulse at t
    assert gaussian_trace(frames, width) == pytest.approx(np.trace(matrix), rel=1e-12)


def slow_noisy_track(seed, frames=400, joints=3):
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None, None] / 50.0
    clean = np.sin(2 * np.pi * 0.4 * t + rng.uniform(0, 6, size=(1, joints, 2)))
    return clean, clean + rng.normal(scale=0.1, size=clean.shape)


def test_a_model_that_does_nothing_is_blended_with_a_gaussian_on_every_joint():
    from smoothnet.core.strength import GAUSSIAN_SHARES, GAUSSIAN_SIGMAS, guarded_choice
    from smoothnet.models.filters import gaussian

    clean, noisy = slow_noisy_track(0)
    done = guarded_choice(lambda x: x.copy(), noisy)
    assert set(done.gaussian) <= set(GAUSSIAN_SIGMAS) and (done.gaussian > 0).all()
    assert set(done.share) <= set(GAUSSIAN_SHARES)
    for joint, (width, share) in enumerate(zip(done.gaussian, done.share)):
        blend = share * gaussian(noisy, sigma=width) + (1 - share) * noisy
        np.testing.assert_allclose(done.result[:, joint], blend[:, joint])
    assert np.abs(done.result - clean).mean() < 0.6 * np.abs(noisy - clean).mean()


def sure_risk(x, out, sigma, div):
    """Stein's estimate of the squared error of ``out``, per joint (white noise ``sigma``)."""
    values = x.shape[0] * x.shape[2]
    return ((out - x) ** 2).sum(axis=(0, 2)) - values * sigma**2 + 2 * sigma**2 * div


def test_blends_only_ever_smooth_more_and_lower_the_estimated_risk():
    """A model that smooths too much, but within what the guard lets through: the lightest
    Gaussian has a lower estimated risk than the guarded model on every joint, yet it
    smooths less and its estimated gain is large (what drift, not white noise, gives), so
    the track does not read as white and it is never mixed in; whatever blend is chosen
    passes fewer values through than the guarded model and lowers the estimate."""
    from smoothnet.core.strength import gaussian_trace, guarded_choice
    from smoothnet.models.filters import gaussian

    rng = np.random.default_rng(3)
    t = np.arange(300)[:, None, None] / 30.0
    clean = np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 6, size=(1, 4, 2)))
    noisy = clean + rng.normal(scale=0.05, size=clean.shape)

    def model(x):
        return gaussian_filter1d(x, 3.0, axis=0, mode="nearest")

    guarded_only = guarded_choice(model, noisy, sigmas=())
    assert (guarded_only.strength == 1).all()
    done = guarded_choice(model, noisy)
    risk_model = sure_risk(noisy, guarded_only.result, done.sigma, guarded_only.divergence)
    light = sure_risk(noisy, gaussian(noisy, sigma=1.0), done.sigma, 2 * gaussian_trace(300, 1))
    assert (light < risk_model).all()
    assert not done.lighter and not (done.gaussian == 1.0).any()
    assert (done.divergence <= guarded_only.divergence + 1e-9).all()
    assert (sure_risk(noisy, done.result, done.sigma, done.divergence) <= risk_model).all()


def test_a_model_better_than_every_gaussian_is_kept():
    from smoothnet.core.strength import guarded_choice

    clean, noisy = slow_noisy_track(1)

    def denoiser(x):  # the clean track plus a little of the noise: near-oracle, divergence 0.05 N
        return clean + 0.05 * (x - clean)

    done = guarded_choice(denoiser, noisy)
    assert (done.gaussian == 0).all() and (done.strength == 1).all()
    plain = guarded(denoiser, noisy)
    np.testing.assert_allclose(done.result, plain[0])


def test_lighter_gate_by_hand():
    """Gains over the guarded model in units of N sigma^2, from hand-picked risks: the
    median over joints with a lighter Gaussian decides."""
    from smoothnet.core.strength import LIGHTER_GATE, lighter_gate

    model_risk = np.array([10.0, 10.0, 10.0, 10.0])
    unit = np.full(4, 100.0)
    usable = np.array([True, True, True, False])
    model_div = np.array([5.0, 5.0, 50.0, 5.0])  # joint 2: no Gaussian is lighter
    traces = {1.0: 20.0, 2.0: 10.0}
    risks = {1.0: np.array([5.0, 40.0, 0.0, 0.0]), 2.0: np.array([8.0, 30.0, 0.0, 0.0])}
    # joint 0: best gain max(0.05, 0.02) = 0.05; joint 1: max(-0.3, -0.2) = -0.2;
    # median of (0.05, -0.2) = -0.075 < gate
    assert LIGHTER_GATE > -0.075
    assert lighter_gate(model_risk, unit, usable, model_div, risks, traces)
    risks = {1.0: np.array([-40.0, -30.0, 0.0, 0.0]), 2.0: np.array([8.0, 30.0, 0.0, 0.0])}
    # gains 0.5 and 0.4: median 0.45, above the gate
    assert LIGHTER_GATE < 0.45
    assert not lighter_gate(model_risk, unit, usable, model_div, risks, traces)
    # no joint with a lighter Gaussian
    assert not lighter_gate(model_risk, unit, usable, np.full(4, 50.0), risks, traces)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_lighter_gaussians_replace_an_oversmoothing_model_on_white_noise_only(seed):
    """A model that smooths slow motion too hard (a Gaussian of 6 frames at 50 fps). On
    white noise the track reads as white and a lighter Gaussian takes over, closer to the
    truth; with a slow drift added to the noise the gate stays shut and the output is the
    guarded model's or heavier."""
    from smoothnet.core.strength import guarded_choice

    rng = np.random.default_rng(seed)
    t = np.arange(600)[:, None, None] / 50.0
    clean = np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 6, size=(1, 6, 2)))
    white = clean + rng.normal(scale=0.05, size=clean.shape)
    drift = np.cumsum(rng.normal(scale=0.04, size=clean.shape), axis=0)
    coloured = white + drift - gaussian_filter1d(drift, 40, axis=0)

    def model(x):
        return gaussian_filter1d(x, 6.0, axis=0, mode="nearest")

    def error(out):
        return np.abs(out - clean).mean()

    alone = guarded_choice(model, white, sigmas=())
    done = guarded_choice(model, white)
    assert done.lighter and (done.divergence > alone.divergence).any()
    assert error(done.result) < 0.85 * error(alone.result)
    alone = guarded_choice(model, coloured, sigmas=())
    done = guarded_choice(model, coloured)
    assert not done.lighter
    assert (done.divergence <= alone.divergence + 1e-9).all()
