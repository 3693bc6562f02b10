import numpy as np
import pytest
import torch

from lib.utils.windows import (
    pad_sequence,
    sequence_to_windows,
    window_coverage,
    window_starts,
    windows_to_sequence,
    windows_to_sequence_loop,
)


def test_window_starts_never_drop_a_frame():
    assert window_starts(10, 4, 3).tolist() == [0, 3, 6]  # (10-4) % 3 == 0
    assert window_starts(11, 4, 3).tolist() == [0, 3, 6, 7]  # end-aligned extra window
    assert window_starts(11, 4, 3, align_end=False).tolist() == [0, 3, 6]  # original
    assert window_starts(3, 4).tolist() == [0]
    for t in range(4, 40):
        for s in (1, 2, 3, 4):
            cov = window_coverage(window_starts(t, 4, s), 4, t)
            assert (cov > 0).all() and len(cov) == t


def test_window_starts_rejects_bad_arguments():
    for args in [(0, 4, 1), (10, 0, 1), (10, 4, 0), (10, 4, 5)]:
        with pytest.raises(ValueError):
            window_starts(*args)


def test_pad_sequence_modes():
    x = np.arange(6.0).reshape(3, 2)
    edge = pad_sequence(x, 5)
    assert edge.shape == (5, 2) and (edge[3:] == x[-1]).all()
    zero = pad_sequence(torch.from_numpy(x), 5, "zero")
    assert zero.shape == (5, 2) and (zero[3:] == 0).all()
    assert pad_sequence(x, 2) is x
    with pytest.raises(ValueError, match="padding mode"):
        pad_sequence(x, 5, "reflect")


def test_sequence_to_windows_contents():
    x = np.arange(10)[:, None] * np.ones((1, 3))
    starts = window_starts(10, 4, 3)
    win = sequence_to_windows(x, 4, starts)
    assert win.shape == (len(starts), 4, 3)
    for n, s in enumerate(starts):
        np.testing.assert_array_equal(win[n, :, 0], np.arange(s, s + 4))


@pytest.mark.parametrize("t,w,s", [(50, 8, 1), (50, 8, 3), (33, 32, 1), (100, 16, 7), (5, 5, 2)])
def test_windows_to_sequence_matches_double_loop(t, w, s, rng):
    starts = window_starts(t, w, s)
    windows = rng.normal(size=(len(starts), w, 4, 3))
    fast = windows_to_sequence(windows, starts, t)
    slow = windows_to_sequence_loop(windows, starts, t)
    np.testing.assert_allclose(fast, slow, atol=1e-6)
    fast_t = windows_to_sequence(torch.from_numpy(windows).float(), starts, t)
    np.testing.assert_allclose(fast_t.numpy(), slow, atol=1e-6)


def test_round_trip_is_identity_and_padding_is_cut(rng):
    x = rng.normal(size=(37, 5))
    for s in (1, 4, 9):
        starts = window_starts(37, 10, s)
        np.testing.assert_allclose(
            windows_to_sequence(sequence_to_windows(x, 10, starts), starts, 37), x
        )
    short = rng.normal(size=(3, 5))
    padded = pad_sequence(short, 10)
    starts = window_starts(10, 10)
    back = windows_to_sequence(sequence_to_windows(padded, 10, starts), starts, 3)
    np.testing.assert_allclose(back, short)


def test_uncovered_frame_is_an_error():
    with pytest.raises(ValueError, match="covered by no window"):
        windows_to_sequence(np.zeros((1, 4, 2)), np.array([0]), 6)


@pytest.mark.parametrize("starts", [[0, 3, 4, 10], [2, 0, 5], [0], [0, 0, 6]])
def test_irregular_starts_match_double_loop(starts, rng):
    starts = np.array(starts)
    windows = rng.normal(size=(len(starts), 6, 2))
    length = int(starts.max()) + 6
    np.testing.assert_allclose(
        windows_to_sequence(windows, starts, length),
        windows_to_sequence_loop(windows, starts, length),
        atol=1e-12,
    )
