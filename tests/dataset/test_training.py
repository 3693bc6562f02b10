import numpy as np
import pytest

from smoothnet.dataset.training import TrainingWindows, epoch_indices


def sequences(*lengths: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frame t of sequence s holds the value 1000 s + t, so windows are readable."""
    out = []
    for s, n in enumerate(lengths):
        frames = (1000.0 * s + np.arange(n, dtype=np.float32))[:, None].repeat(2, axis=1)
        out.append((frames, frames + 0.5))
    return out


def starts_of(windows: TrainingWindows) -> list[tuple[int, int]]:
    pred, _ = windows.batch(np.arange(len(windows)))
    first = pred[:, 0, 0].numpy()
    return [(int(v // 1000), int(v % 1000)) for v in first]


def test_uniform_sampling_covers_every_valid_window_once():
    windows = TrainingWindows(sequences(10, 4, 6), window_size=4)
    expected = [(0, s) for s in range(7)] + [(1, 0)] + [(2, s) for s in range(3)]
    assert starts_of(windows) == expected
    pred, gt = windows.batch(np.array([2]))
    np.testing.assert_array_equal(pred[0, :, 0].numpy(), [2, 3, 4, 5])
    np.testing.assert_array_equal(gt[0, :, 0].numpy(), [2.5, 3.5, 4.5, 5.5])


def test_short_sequences_are_edge_padded_not_dropped():
    windows = TrainingWindows(sequences(2, 8), window_size=4)
    pred, _ = windows.batch(np.array([0]))
    np.testing.assert_array_equal(pred[0, :, 0].numpy(), [0, 1, 1, 1])
    assert len(windows) == 1 + 5


def test_original_sampling_reproduces_its_quirks():
    # Lengths 10, 6, 8 with W 4: surplus 6, 2, 4; epoch length = 24 frames.
    windows = TrainingWindows(sequences(10, 6, 8), 4, sampling="original")
    starts = starts_of(windows)
    assert len(starts) == 24
    assert sorted(set(starts[:6])) == [(0, s) for s in range(6)]  # start 6 (the last) never used
    assert starts[6:8] == [(1, 0), (1, 1)]  # start 2 never used
    last = starts[8:]
    assert len(last) == 16 and set(last) == {(2, s) for s in range(5)}  # oversampled
    pw3d = TrainingWindows(sequences(10, 6, 8), 4, sampling="original", epoch_is_frame_count=False)
    assert len(pw3d) == 12


def test_unknown_sampling_mode():
    with pytest.raises(ValueError, match=r"TRAIN\.SAMPLING must be one of uniform, original"):
        TrainingWindows(sequences(5), 4, sampling="random")


def test_epoch_indices_split_without_overlap():
    full = epoch_indices(103, epoch=2, seed=7)
    assert sorted(full.tolist()) == list(range(103))
    parts = [epoch_indices(103, 2, 7, rank=r, world_size=2) for r in range(2)]
    assert len(parts[0]) == len(parts[1]) == 51
    assert not set(parts[0]) & set(parts[1])
    assert not np.array_equal(full, epoch_indices(103, epoch=3, seed=7))
    subset = epoch_indices(103, 0, 7, per_epoch=10)
    assert len(subset) == len(set(subset.tolist())) == 10
