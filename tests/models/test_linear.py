"""The least-squares linear window model: streaming fit against a slow reference."""

import numpy as np
import pytest
import torch

from smoothnet.core.engine import smooth_sequence
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


def test_centred_fit_matches_explicit_least_squares_on_centred_windows(rng):
    pairs = noisy_pairs(rng, [40, 23, 9])
    window = 8
    rows_x, rows_y = [], []
    for det, gt in pairs:  # slow reference: subtract each input window's mean by hand
        for c in range(det.shape[1]):
            for s in range(det.shape[0] - window + 1):
                level = det[s : s + window, c].mean()
                rows_x.append(np.append(det[s : s + window, c] - level, 1.0))
                rows_y.append(gt[s : s + window, c] - level)
    # The centred windows are rank-deficient (they sum to zero): both sides take the
    # minimum-norm solution, whose rows of A sum to zero.
    solution = np.linalg.lstsq(np.array(rows_x), np.array(rows_y), rcond=None)[0]
    assert np.abs(solution[:-1].sum(axis=0)).max() < 1e-8
    model = fit_linear_window_model(pairs, window, center_windows=True).double()
    assert model.center_windows
    np.testing.assert_allclose(model.matrix.detach().numpy(), solution[:-1].T, atol=1e-6)
    np.testing.assert_allclose(model.bias.detach().numpy(), solution[-1], atol=1e-6)
    # Applied as A (x - m) + b + m.
    x = torch.as_tensor(pairs[0][0][:window].T)
    level = x.mean(dim=-1, keepdim=True)
    expected = (x - level) @ torch.as_tensor(solution[:-1]) + torch.as_tensor(solution[-1]) + level
    torch.testing.assert_close(model(x), expected, atol=1e-6, rtol=0)


def test_centred_linear_checkpoint_keeps_its_centring(tmp_path, rng):
    model = LinearWindowModel(5, rng.normal(size=(5, 5)), rng.normal(size=5), center_windows=True)
    save_checkpoint(tmp_path / "linear.pth.tar", model, ModelSpec(5, "linear", center_windows=True))
    loaded = load_checkpoint(tmp_path / "linear.pth.tar")
    assert loaded.spec.center_windows and loaded.model.center_windows
    x = torch.as_tensor(rng.normal(size=(3, 5)), dtype=torch.float32)
    torch.testing.assert_close(loaded.model(x), model(x))


def test_detrended_fit_matches_explicit_least_squares():
    """The normal equations on detrended windows equal lstsq on the explicit detrended rows,
    and the fitted model passes a line unchanged."""
    from smoothnet.models.linear import LeastSquaresAccumulator, model_from_accumulator

    rng = np.random.default_rng(7)
    w = 6
    x = rng.normal(size=(500, w))
    y = x + rng.normal(scale=0.1, size=x.shape)
    acc = LeastSquaresAccumulator(w, detrend_windows=True)
    acc.add_windows(torch.from_numpy(x), torch.from_numpy(y))
    model = model_from_accumulator(acc).double()
    t = np.arange(w) - (w - 1) / 2
    line = x.mean(axis=1, keepdims=True) + (x @ t / (t @ t))[:, None] * t
    design = np.hstack([x - line, np.ones((len(x), 1))])
    solution = np.linalg.lstsq(design, y - line, rcond=None)[0]
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, design @ solution + line, atol=1e-6)
    ramp = torch.from_numpy(3.0 * t + 1.0)[None]
    with torch.no_grad():  # a line passes unchanged, but for the bias
        torch.testing.assert_close(model(ramp) - ramp, model.bias[None])
