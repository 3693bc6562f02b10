"""SMPL evaluation end to end on a synthetic SMPL model, against a slow reference."""

import json

import numpy as np
import pytest
import torch

import eval_smoothnet
import train_smoothnet
from smoothnet.core.evaluate import evaluate_set
from smoothnet.core.methods import WindowModel
from smoothnet.core.settings import EvalSettings
from smoothnet.dataset.base import SequenceSet
from smoothnet.models.checkpoint import UsageInfo
from smoothnet.models.registry import ModelSpec
from smoothnet.models.smpl import SMPLEvaluator
from smoothnet.prep.synthetic import write_synthetic_dataset
from tests.conftest import SMALL_RUN
from tests.synthetic_smpl import make_model, reference_forward, write_model


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("smpl_eval")
    write_model(root / "smpl")
    write_synthetic_dataset(
        root / "poses", "pw3d", "spin", "smpl", num_sequences=2, length_range=(12, 16)
    )
    return root


def reference_metrics(data: SequenceSet, extra: np.ndarray, aligned: bool) -> dict[str, float]:
    """Input metrics frame by frame from the raw axis-angle files and the NumPy skinning."""
    model = make_model()
    gt_file = np.load(data.gt_path, allow_pickle=True)
    det_file = np.load(data.det_path, allow_pickle=True)
    errors = {"mpjpe": [], "accel": [], "mpvpe": []}
    for g_pose, g_shape, d_pose, d_shape in zip(
        gt_file["pose"], gt_file["shape"], det_file["pose"], det_file["shape"]
    ):
        gj, gv = reference_forward(
            model, extra, np.asarray(g_pose, float), np.asarray(g_shape, float)
        )
        dj, dv = reference_forward(
            model, extra, np.asarray(d_pose, float), np.asarray(d_shape, float)
        )
        groot, droot = gj[:, 2:4].mean(1, keepdims=True), dj[:, 2:4].mean(1, keepdims=True)
        gj, dj = gj - groot, dj - droot
        if aligned:
            gv, dv = gv - groot, dv - droot
        for t in range(len(gj)):
            errors["mpjpe"].append(
                1000 * np.mean([np.linalg.norm(dj[t, k] - gj[t, k]) for k in range(14)])
            )
            errors["mpvpe"].append(1000 * np.mean(np.linalg.norm(dv[t] - gv[t], axis=1)))
        for t in range(1, len(gj) - 1):
            a = (dj[t - 1] - 2 * dj[t] + dj[t + 1]) - (gj[t - 1] - 2 * gj[t] + gj[t + 1])
            errors["accel"].append(1000 * np.linalg.norm(a, axis=1).mean())
    return {k: float(np.mean(v)) for k, v in errors.items()}


@pytest.mark.parametrize("aligned", [True, False])
def test_smpl_metrics_match_the_slow_reference(setup, aligned):
    settings = EvalSettings(mpvpe_root_aligned=aligned, filters=("gaussian",))
    data = SequenceSet(setup / "poses", "pw3d", "spin", "smpl", "test")
    assert data.channels == 144
    torch.manual_seed(0)
    spec = ModelSpec(8, hidden_size=16, res_hidden_size=4, num_blocks=1)
    model = WindowModel(spec.build().eval(), spec, UsageInfo(), torch.device("cpu"))
    metrics = evaluate_set(model, data, settings, SMPLEvaluator(setup / "smpl"))
    reference = reference_metrics(data, np.load(setup / "smpl" / "J_regressor_extra.npy"), aligned)
    for key in ("mpjpe", "accel", "mpvpe"):
        assert metrics[f"input_{key}"] == pytest.approx(reference[key], rel=1e-3)
    keys = list(metrics)
    assert keys[keys.index("filter_accel") + 1 : keys.index("filter_accel") + 5] == [
        "input_mpvpe", "smoothnet_mpvpe", "improvement_mpvpe", "filter_mpvpe"]  # fmt: skip
    assert metrics["filter_accel"] < metrics["input_accel"]


def test_smpl_train_and_eval_commands(setup, tmp_path, capsys):
    common = ["--dataset_name", "pw3d", "--estimator", "spin", "--body_representation", "smpl"]
    overrides = ["DATASET.BASE_DIR", str(setup / "poses"), "SMPL_MODEL_DIR", str(setup / "smpl")]
    small = [a.replace("16", "8") if a == "16" else a for a in SMALL_RUN]
    assert (
        train_smoothnet.main(
            [*common, *small, *overrides, "OUTPUT_DIR", str(tmp_path / "r"), "TRAIN.EPOCH", "1"]
        )
        == 0
    )
    (run,) = list((tmp_path / "r").iterdir())
    record = json.loads((run / "metrics.jsonl").read_text())
    assert "smoothnet_mpvpe" in record["validation"]["pw3d_spin_smpl"]
    argv = [*common, "--checkpoint", str(run / "checkpoint_last.pth.tar"), "--tradition", "savgol",
            *overrides, "OUTPUT_DIR", str(tmp_path / "e"), "DEVICE", "cpu"]  # fmt: skip
    assert eval_smoothnet.main(argv) == 0
    (eval_run,) = list((tmp_path / "e").iterdir())
    assert (
        "filter_mpvpe"
        in json.loads((eval_run / "metrics.json").read_text())["results"]["pw3d_spin_smpl"]
    )
    missing = [a if a != str(setup / "smpl") else str(tmp_path / "none") for a in argv]
    with pytest.raises(SystemExit, match=r"SMPL model files not found .*J_regressor_extra\.npy"):
        eval_smoothnet.main(missing)
