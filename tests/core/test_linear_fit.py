"""The least-squares fit on training windows as training draws them (augmentation included)."""

import math

import numpy as np
import pytest

from smoothnet.core.linear_fit import fit_on_windows
from smoothnet.dataset.augment import Augmentation
from smoothnet.dataset.training import TrainingWindows, epoch_indices
from smoothnet.models.linear import fit_linear_window_model

W = 8


def sequences(rng, lengths=(60, 41, 30), channels=3):
    out = []
    for n in lengths:
        t = np.linspace(0, 3 * np.pi, n)[:, None]
        gt = np.sin(t * rng.uniform(0.5, 2, channels)).astype(np.float32)
        det = (gt + rng.normal(0, 0.05, gt.shape)).astype(np.float32)
        out.append((det, gt))
    return out


def explicit_fit(rows_x, rows_y, center):
    """numpy lstsq on the explicit design matrix [x (- mean), 1]."""
    x, y = np.array(rows_x, dtype=np.float64), np.array(rows_y, dtype=np.float64)
    if center:
        level = x.mean(axis=1, keepdims=True)
        x, y = x - level, y - level
    design = np.hstack([x, np.ones((len(x), 1))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    return solution[:-1].T, solution[-1]


def test_every_window_unaugmented_is_the_sequence_fit(rng):
    seqs = sequences(rng)
    windows = TrainingWindows(seqs, W)
    model = fit_on_windows([windows], len(windows), seed=5, batch_size=16)
    reference = fit_linear_window_model(seqs, W)
    np.testing.assert_allclose(
        model.matrix.detach().numpy(), reference.matrix.detach().numpy(), atol=1e-5
    )
    np.testing.assert_allclose(
        model.bias.detach().numpy(), reference.bias.detach().numpy(), atol=1e-5
    )


@pytest.mark.parametrize("center", [False, True])
def test_augmented_fit_matches_explicit_least_squares_on_the_drawn_windows(rng, center):
    seqs = sequences(rng)
    augmentation = Augmentation(
        speed=(0.7, 1.6), scale=(0.8, 1.25), noise=(0.01, 0.1), synthetic_share=0.5
    )
    windows = TrainingWindows(seqs, W, augmentation=augmentation)
    count, seed, batch = 70, 3, 16
    model = fit_on_windows([windows], count, seed, center, batch_size=batch)
    # The same draws, window by window and channel by channel.
    order = epoch_indices(len(windows), 0, seed, count)
    rows_x, rows_y = [], []
    for b, indices in enumerate(np.array_split(order, math.ceil(count / batch))):
        pred, gt = windows.batch(indices, np.random.default_rng([seed, b, 0]))
        for i in range(len(indices)):
            for c in range(pred.shape[2]):
                rows_x.append(pred[i, :, c].numpy())
                rows_y.append(gt[i, :, c].numpy())
    assert len(rows_x) == count * 3
    matrix, bias = explicit_fit(rows_x, rows_y, center)
    np.testing.assert_allclose(model.matrix.detach().numpy(), matrix, atol=2e-5)
    np.testing.assert_allclose(model.bias.detach().numpy(), bias, atol=2e-5)
    assert model.center_windows == center
