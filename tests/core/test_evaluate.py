import numpy as np
import pytest
import torch
from scipy.signal import savgol_filter

from smoothnet.core.config import get_cfg_defaults
from smoothnet.core.evaluate import evaluate_set, resolve_filters
from smoothnet.dataset.base import SequenceSet, npz_paths
from smoothnet.dataset.synthetic import write_synthetic_dataset
from smoothnet.models.filters import gaussian
from smoothnet.models.linear import LinearWindowModel
from smoothnet.models.smoothnet import SmoothNet


@pytest.fixture
def test_set(tmp_path) -> SequenceSet:
    write_synthetic_dataset(tmp_path, "h36m", "fcn", "3D", phases=("test",), num_sequences=3,
                            length_range=(10, 70))  # fmt: skip
    return SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")


def raw_sequences(test_set: SequenceSet):
    """Root-relative millimetres straight from the npz files."""
    gt = np.load(test_set.gt_path, allow_pickle=True)["joints_3d"]
    det = np.load(test_set.det_path, allow_pickle=True)["joints_3d"]
    for g, d in zip(gt, det):
        g = np.asarray(g, float).reshape(len(g), 17, 3)
        d = np.asarray(d, float).reshape(len(d), 17, 3)
        yield 1000 * (d - d[:, :1]), 1000 * (g - g[:, :1])


def test_input_metrics_match_a_hand_computation(test_set):
    cfg = get_cfg_defaults()
    model = SmoothNet(8, hidden_size=16, res_hidden_size=4, num_blocks=1)
    metrics = evaluate_set(model, test_set, cfg, ["savgol"])
    errors, accels, padded, filtered = [], [], [], []
    for d, g in raw_sequences(test_set):
        errors.append(np.linalg.norm(d - g, axis=-1).mean(axis=1))
        e = d - g
        a = np.linalg.norm(e[:-2] - 2 * e[1:-1] + e[2:], axis=-1).mean(axis=1)
        accels.append(a)
        padded.append(np.concatenate([[0.0], a, [0.0]]))
        w = min(31, len(d) if len(d) % 2 else len(d) - 1)
        # The filter is linear, so filtering before or after subtracting the root is the same.
        filtered.append(np.linalg.norm(savgol_filter(d, w, 2, axis=0) - g, axis=-1).mean(axis=1))
    assert metrics["input_mpjpe"] == pytest.approx(np.concatenate(errors).mean(), rel=1e-5)
    assert metrics["input_accel"] == pytest.approx(np.concatenate(accels).mean(), rel=1e-5)
    assert metrics["filter_mpjpe"] == pytest.approx(np.concatenate(filtered).mean(), rel=1e-4)
    assert metrics["improvement_mpjpe"] == pytest.approx(
        metrics["smoothnet_mpjpe"] - metrics["input_mpjpe"]
    )
    cfg.EVALUATE.ACCEL_ZERO_PAD = True
    original = evaluate_set(model, test_set, cfg)
    assert original["input_accel"] == pytest.approx(np.concatenate(padded).mean(), rel=1e-5)
    assert list(original)[:4] == [
        "input_mpjpe",
        "smoothnet_mpjpe",
        "improvement_mpjpe",
        "input_pampjpe",
    ]


def test_identity_like_model_scores_like_its_input(tmp_path):
    # A model whose decoder reproduces the encoder's input exactly (H = W, identity weights,
    # no blocks, positive inputs so LeakyReLU is the identity) must score exactly as the input.
    write_synthetic_dataset(tmp_path, "h36m", "hourglass", "2D", phases=("test",), num_sequences=2,
                            length_range=(5, 40))  # fmt: skip
    data = SequenceSet(tmp_path, "h36m", "hourglass", "2D", "test")
    for seq in data.sequences:
        seq.detected += 10.0  # keep inputs positive
        seq.center = seq.center - 10.0 * seq.scale
        seq.groundtruth += 10.0
    model = SmoothNet(8, hidden_size=8, res_hidden_size=2, num_blocks=0)
    with torch.no_grad():
        model.encoder[0].weight.copy_(torch.eye(8))
        model.encoder[0].bias.zero_()
        model.decoder.weight.copy_(torch.eye(8))
        model.decoder.bias.zero_()
    cfg = get_cfg_defaults()
    for stride in (1, 3):
        cfg.EVALUATE.SLIDE_WINDOW_STEP_SIZE = stride
        metrics = evaluate_set(model, data, cfg)
        for m in ("mpjpe", "pampjpe", "accel"):
            assert metrics[f"smoothnet_{m}"] == pytest.approx(metrics[f"input_{m}"], rel=1e-5)


def test_filter_names():
    assert resolve_filters("") == []
    assert resolve_filters("all") == [
        "savgol",
        "gaus1d",
        "gaussian",
        "gaussian_s2",
        "gaussian_s4",
        "oneeuro",
        "linear",
    ]
    assert resolve_filters("linear,gaussian_s4") == ["linear", "gaussian_s4"]
    assert resolve_filters("SAVGOL") == ["savgol"]
    with pytest.raises(ValueError, match="unknown filter 'kalman'"):
        resolve_filters("kalman")


def test_paths_used_by_the_fixture_exist(test_set):
    assert (
        test_set.gt_path == npz_paths(test_set.gt_path.parents[2], "h36m", "fcn", "3D", "test")[0]
    )


@pytest.mark.parametrize("weighting", ["hann", "uniform"])
def test_linear_baseline_is_scored_like_the_model(test_set, weighting):
    from smoothnet.models.linear import LinearWindowModel

    cfg = get_cfg_defaults()
    cfg.EVALUATE.WINDOW_WEIGHTS = weighting
    model = SmoothNet(8, hidden_size=16, res_hidden_size=4, num_blocks=1)
    identity = LinearWindowModel(8)  # every window unchanged: the input's metrics exactly
    metrics = evaluate_set(model, test_set, cfg, ["savgol", "linear"], None, {"linear": identity})
    for key in ("mpjpe", "pampjpe", "accel"):
        assert metrics[f"linear_{key}"] == pytest.approx(metrics[f"input_{key}"], abs=1e-4)
    assert "savgol_mpjpe" in metrics
    without = evaluate_set(model, test_set, cfg, ["linear"])  # no model given: no row
    assert not any(k.startswith("linear_") for k in without)


def test_ground_truth_input_scores_what_each_method_adds_to_clean_motion(test_set):
    """EVALUATE.INPUT groundtruth: the input row is exactly 0, and a method's row is its
    distance from its own clean input (here the identity linear model: 0 as well)."""
    cfg = get_cfg_defaults()
    cfg.EVALUATE.INPUT = "groundtruth"
    model = SmoothNet(8, hidden_size=16, res_hidden_size=4, num_blocks=1)
    metrics = evaluate_set(
        model, test_set, cfg, ["gaussian", "linear"], None, {"linear": LinearWindowModel(8)}
    )
    assert metrics["input_mpjpe"] == 0.0 and metrics["input_accel"] == 0.0
    assert metrics["linear_mpjpe"] == pytest.approx(0.0, abs=1e-4)
    assert metrics["gaussian_mpjpe"] > 0.0  # smoothing bends clean motion a little
    # the same Gaussian against its own output on the clean ground truth, by hand
    expected = []
    for _, g in raw_sequences(test_set):
        smoothed = gaussian(g / 1000.0) * 1000.0
        expected.append(np.linalg.norm(smoothed - g, axis=-1).mean(axis=1))
    assert metrics["gaussian_mpjpe"] == pytest.approx(np.concatenate(expected).mean(), rel=1e-4)
