import numpy as np
import pytest
import torch

from smoothnet.utils.windows import frame_indices, pad_sequence, window_starts


def test_window_starts_never_drop_a_frame():
    assert window_starts(10, 4, 3).tolist() == [0, 3, 6]  # (10-4) % 3 == 0
    assert window_starts(11, 4, 3).tolist() == [0, 3, 6, 7]  # end-aligned extra window
    assert window_starts(11, 4, 3, align_end=False).tolist() == [0, 3, 6]  # original
    assert window_starts(3, 4).tolist() == [0]
    for t in range(4, 40):
        for s in (1, 2, 3, 4):
            cov = np.bincount(frame_indices(window_starts(t, 4, s), 4).ravel(), minlength=t)
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
