import numpy as np
import pytest
import torch
from scipy.signal import savgol_filter

from smoothnet.commands.settings import resolve_filters
from smoothnet.core.evaluate import evaluate_set
from smoothnet.core.methods import WindowModel
from smoothnet.core.settings import EvalSettings
from smoothnet.core.smoother import Smoother
from smoothnet.dataset.base import SequenceSet, npz_paths
from smoothnet.models.checkpoint import UsageInfo, save_checkpoint
from smoothnet.models.filters import gaussian
from smoothnet.models.linear import LinearWindowModel
from smoothnet.models.registry import ModelSpec
from smoothnet.prep.synthetic import write_synthetic_dataset
from smoothnet.utils.metrics import mpjpe

SPEC = ModelSpec(8, hidden_size=16, res_hidden_size=4, num_blocks=1)


def method(model: torch.nn.Module, spec: ModelSpec = SPEC) -> WindowModel:
    return WindowModel(model.eval(), spec, UsageInfo(), torch.device("cpu"))


def linear(model: LinearWindowModel) -> WindowModel:
    return method(model, ModelSpec(model.window_size, model_type="linear"))


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
    torch.manual_seed(0)
    model = method(SPEC.build())
    metrics = evaluate_set(model, test_set, EvalSettings(filters=("savgol",)))
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
    assert metrics["input_mpjpe"] == pytest.approx(np.concatenate(errors).mean(), rel=1e-9)
    assert metrics["input_accel"] == pytest.approx(np.concatenate(accels).mean(), rel=1e-9)
    assert metrics["filter_mpjpe"] == pytest.approx(np.concatenate(filtered).mean(), rel=1e-9)
    assert metrics["improvement_mpjpe"] == pytest.approx(
        metrics["smoothnet_mpjpe"] - metrics["input_mpjpe"]
    )
    original = evaluate_set(model, test_set, EvalSettings(accel_zero_pad=True))
    assert original["input_accel"] == pytest.approx(np.concatenate(padded).mean(), rel=1e-9)
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
    for seq in data.sequences:  # keep the model's inputs positive: (p - 500) / 500 > 0
        seq.detected += 5000.0
        seq.groundtruth += 5000.0
    spec = ModelSpec(8, hidden_size=8, res_hidden_size=2, num_blocks=0)
    model = spec.build()
    with torch.no_grad():
        model.encoder[0].weight.copy_(torch.eye(8))
        model.encoder[0].bias.zero_()
        model.decoder.weight.copy_(torch.eye(8))
        model.decoder.bias.zero_()
    for stride in (1, 3):
        metrics = evaluate_set(method(model, spec), data, EvalSettings(stride=stride))
        for m in ("mpjpe", "pampjpe", "accel"):
            assert metrics[f"smoothnet_{m}"] == pytest.approx(metrics[f"input_{m}"], rel=1e-5)


def test_the_evaluation_scores_what_the_smoother_returns(tmp_path):
    """Evaluation runs the user's path: its SmoothNet score is the score of
    ``Smoother(checkpoint).smooth(x)`` with the same model space (here Human3.6M's image
    convention, ``image_size=(1000, 1000)``), and its ``user`` score that of the smoother
    with no flags at all."""
    write_synthetic_dataset(tmp_path, "h36m", "hourglass", "2D", phases=("test",), num_sequences=3,
                            length_range=(20, 60))  # fmt: skip
    data = SequenceSet(tmp_path, "h36m", "hourglass", "2D", "test")
    torch.manual_seed(1)
    path = tmp_path / "model.pth"
    save_checkpoint(path, SPEC.build(), SPEC, UsageInfo(person_size=0.2))
    user = Smoother(str(path), device="cpu")
    metrics = evaluate_set(method(Smoother(str(path)).model, SPEC), data, EvalSettings(), None,
                           None, user)  # fmt: skip
    research = Smoother(str(path), device="cpu", strength=1.0)
    as_user = Smoother(str(path), device="cpu")
    mine, theirs = [], []
    for seq in data.sequences:
        mine.append(mpjpe(research.smooth(seq.detected, image_size=(1000, 1000)), seq.groundtruth))
        theirs.append(mpjpe(as_user.smooth(seq.detected), seq.groundtruth))
    assert metrics["smoothnet_mpjpe"] == pytest.approx(np.concatenate(mine).mean(), rel=1e-12)
    assert metrics["user_mpjpe"] == pytest.approx(np.concatenate(theirs).mean(), rel=1e-12)
    assert metrics["user_mpjpe"] != metrics["smoothnet_mpjpe"]


def test_filter_names():
    assert resolve_filters("") == ()
    assert resolve_filters("all") == (
        "savgol",
        "gaus1d",
        "gaussian",
        "gaussian_s2",
        "gaussian_s4",
        "oneeuro",
        "linear",
    )
    assert resolve_filters("linear,gaussian_s4") == ("linear", "gaussian_s4")
    assert resolve_filters("SAVGOL") == ("savgol",)
    with pytest.raises(ValueError, match="unknown filter 'kalman'"):
        resolve_filters("kalman")


def test_paths_used_by_the_fixture_exist(test_set):
    assert (
        test_set.gt_path == npz_paths(test_set.gt_path.parents[2], "h36m", "fcn", "3D", "test")[0]
    )


@pytest.mark.parametrize("weighting", ["hann", "uniform"])
def test_linear_baseline_is_scored_like_the_model(test_set, weighting):
    model = method(SPEC.build())
    identity = linear(LinearWindowModel(8))  # every window unchanged: the input's metrics
    settings = EvalSettings(window_weights=weighting, filters=("savgol", "linear"))
    metrics = evaluate_set(model, test_set, settings, None, {"linear": identity})
    for key in ("mpjpe", "pampjpe", "accel"):
        assert metrics[f"linear_{key}"] == pytest.approx(metrics[f"input_{key}"], abs=1e-4)
    assert "savgol_mpjpe" in metrics
    without = evaluate_set(model, test_set, EvalSettings(filters=("linear",)))  # no model: no row
    assert not any(k.startswith("linear_") for k in without)


def test_ground_truth_input_scores_what_each_method_adds_to_clean_motion(test_set):
    """EVALUATE.INPUT groundtruth: the input row is exactly 0, and a method's row is its
    distance from its own clean input (here the identity linear model: 0 as well)."""
    settings = EvalSettings(input="groundtruth", filters=("gaussian", "linear"))
    metrics = evaluate_set(method(SPEC.build()), test_set, settings, None,
                           {"linear": linear(LinearWindowModel(8))})  # fmt: skip
    assert metrics["input_mpjpe"] == 0.0 and metrics["input_accel"] == 0.0
    assert metrics["linear_mpjpe"] == pytest.approx(0.0, abs=1e-4)
    assert metrics["gaussian_mpjpe"] > 0.0  # smoothing bends clean motion a little
    # the same Gaussian against its own output on the clean ground truth, by hand
    expected = []
    for _, g in raw_sequences(test_set):
        smoothed = gaussian(g / 1000.0) * 1000.0
        expected.append(np.linalg.norm(smoothed - g, axis=-1).mean(axis=1))
    assert metrics["gaussian_mpjpe"] == pytest.approx(np.concatenate(expected).mean(), rel=1e-9)
