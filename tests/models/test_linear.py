"""The least-squares linear window model: streaming fit against a slow reference."""

import numpy as np
import pytest
import torch

from smoothnet.core.inference import smooth_sequence
from smoothnet.models.checkpoint import load_checkpoint, save_checkpoint
from smoothnet.models.linear import (
    LeastSquaresAccumulator,
    LinearWindowModel,
    fit_linear_window_model,
    sequence_windows,
)
from smoothnet.models.registry import ModelSpec


def reference_fit(pairs, window):
    """Explicit window matrix of every (sequence, channel, start), then numpy lstsq."""
    rows_x, rows_y = [], []
    for det, gt in pairs:
        for c in range(det.shape[1]):
            for s in range(det.shape[0] - window + 1):
                rows_x.append(np.append(det[s : s + window, c], 1.0))
                rows_y.append(gt[s : s + window, c])
    solution = np.linalg.lstsq(np.array(rows_x), np.array(rows_y), rcond=None)[0]
    return solution[:-1].T, solution[-1]


def noisy_pairs(rng, lengths, channels=3):
    pairs = []
    for n in lengths:
        t = np.linspace(0, 4 * np.pi, n)[:, None]
        gt = np.sin(t * rng.uniform(0.5, 2, channels)) + rng.normal(0, 0.1, channels)
        pairs.append((gt + rng.normal(0, 0.05, gt.shape), gt))
    return pairs


def test_streaming_fit_matches_explicit_least_squares(rng):
    pairs = noisy_pairs(rng, [40, 23, 9, 5])  # the 5-frame sequence has no 8-frame window
    acc = LeastSquaresAccumulator(8)
    for det, gt in pairs:
        acc.add(det, gt)
    matrix, bias = acc.solve()
    ref_matrix, ref_bias = reference_fit(pairs, 8)
    np.testing.assert_allclose(matrix, ref_matrix, atol=1e-8)
    np.testing.assert_allclose(bias, ref_bias, atol=1e-8)
    assert acc.rows == 3 * (33 + 16 + 2)


def test_fit_recovers_a_known_linear_map(rng):
    window = 6
    true_a = rng.normal(0, 0.3, (window, window))
    true_b = rng.normal(0, 0.1, window)
    # Ground truth generated window by window is not a sequence; use one window per sequence.
    pairs = []
    for _ in range(200):
        x = rng.normal(size=(window, 2))
        pairs.append((x, true_a @ x + true_b[:, None]))
    model = fit_linear_window_model(pairs, window)
    np.testing.assert_allclose(model.matrix.detach().numpy(), true_a, atol=1e-5)
    np.testing.assert_allclose(model.bias.detach().numpy(), true_b, atol=1e-5)


def test_windows_are_channel_major():
    x = np.arange(12.0).reshape(6, 2)  # channel 0: 0,2,4,...; channel 1: 1,3,5,...
    w = sequence_windows(x, 4).numpy()
    np.testing.assert_array_equal(w[0], [0, 2, 4, 6])
    np.testing.assert_array_equal(w[3], [1, 3, 5, 7])
    assert sequence_windows(x, 7).shape == (0, 7)


def test_no_window_is_a_clear_error():
    acc = LeastSquaresAccumulator(10)
    acc.add(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="shorter than W = 10"):
        acc.solve()


def test_identity_model_smooths_to_the_input(rng):
    x = torch.from_numpy(rng.normal(size=(50, 4))).float()
    out = smooth_sequence(LinearWindowModel(8).eval(), x)
    torch.testing.assert_close(out, x)


def test_linear_checkpoint_round_trip(tmp_path, rng):
    model = LinearWindowModel(5, rng.normal(size=(5, 5)), rng.normal(size=5))
    save_checkpoint(tmp_path / "linear.pth.tar", model, ModelSpec(5, "linear"))
    loaded = load_checkpoint(tmp_path / "linear.pth.tar")
    assert isinstance(loaded.model, LinearWindowModel)
    assert loaded.summary() == "linear W=5 (smoothnet-py/1)"
    torch.testing.assert_close(loaded.model.matrix, model.matrix)
    torch.testing.assert_close(loaded.model.bias, model.bias)
