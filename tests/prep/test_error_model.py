import numpy as np
import pytest

from smoothnet.prep.error_model import (
    ErrorStatistics,
    _runs,
    measure_error_statistics,
    sample_errors,
)


def make_stats(**overrides) -> ErrorStatistics:
    values = dict(
        bias_std=[0.0, 10.0, 20.0],
        slow_std=[0.0, 8.0, 12.0],
        jitter_std=[0.0, 4.0, 6.0],
        phi=0.9,
        burst_rate=0.0,
        burst_length=0.0,
        burst_size=0.0,
        frames=0,
    )
    values.update(overrides)
    return ErrorStatistics(**values)


def test_runs_of_true():
    mask = np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], bool)
    assert _runs(mask).tolist() == [2, 1, 3]
    assert _runs(np.zeros(4, bool)).tolist() == []


def test_sampled_errors_recover_their_statistics():
    truth = make_stats()
    rng = np.random.default_rng(0)
    errors = [sample_errors(truth, 2000, 3, rng) for _ in range(200)]
    fitted = measure_error_statistics(errors, burst_factor=100.0, skip_joints=(0,))
    assert fitted.phi == pytest.approx(0.9, abs=0.01)
    np.testing.assert_allclose(fitted.slow_std[1:], [8.0, 12.0], rtol=0.05)
    np.testing.assert_allclose(fitted.jitter_std[1:], [4.0, 6.0], rtol=0.05)
    np.testing.assert_allclose(fitted.bias_std[1:], [10.0, 20.0], rtol=0.1)
    assert fitted.slow_std[0] == fitted.jitter_std[0] == fitted.bias_std[0] == 0.0
    assert fitted.burst_rate == 0.0 and fitted.frames == 400_000


def test_bursts_are_found_with_their_rate_length_and_size():
    # Small calm noise, rare long bursts of a fixed large size on one joint.
    truth = make_stats(
        bias_std=[0.0, 0.0],
        slow_std=[0.0, 1.0],
        jitter_std=[0.0, 0.1],
        phi=0.5,
        burst_rate=0.002,
        burst_length=8.0,
        burst_size=50.0,
    )
    rng = np.random.default_rng(1)
    errors = [sample_errors(truth, 5000, 3, rng) for _ in range(40)]
    fitted = measure_error_statistics(errors, skip_joints=(0,))
    # Overlapping bursts merge, so the measured rate is a little lower.
    assert fitted.burst_rate == pytest.approx(0.002, rel=0.2)
    assert fitted.burst_length == pytest.approx(8.0, rel=0.2)
    assert fitted.burst_size == pytest.approx(50.0, rel=0.2)


def test_statistics_round_trip_through_a_dict():
    stats = make_stats(burst_rate=0.01)
    assert ErrorStatistics.from_dict(stats.to_dict()) == stats
