"""Train, resume and evaluate through the real command lines on generated data."""

import json
from pathlib import Path

import pytest
import torch

import eval_smoothnet
import train_smoothnet
from scripts import export_checkpoint
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.prep.synthetic import write_synthetic_dataset
from tests.conftest import SMALL_RUN


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("poses")
    write_synthetic_dataset(base, "h36m", "fcn", "3D", num_sequences=3, length_range=(90, 160))
    return base


def run_dirs(output: Path) -> list[Path]:
    return sorted(p for p in output.iterdir() if p.is_dir())


def train(data_dir: Path, output: Path, *extra: str) -> int:
    argv = ["--cfg", "configs/h36m_fcn_3D.yaml", "--dataset_name", "h36m", "--estimator", "fcn",
            "--body_representation", "3D", *SMALL_RUN, "DATASET.BASE_DIR", str(data_dir),
            "OUTPUT_DIR", str(output), *extra]  # fmt: skip
    return train_smoothnet.main(argv)


def evaluate(run: Path, checkpoint: str, tradition: str, output: Path) -> tuple[Path, dict]:
    """Evaluate a run's checkpoint with eval_smoothnet; (its run folder, its metrics)."""
    argv = ["--cfg", str(run / "config.yaml"), "--checkpoint", str(run / checkpoint),
            "--tradition", tradition, "OUTPUT_DIR", str(output)]  # fmt: skip
    assert eval_smoothnet.main(argv) == 0
    (eval_run,) = run_dirs(output)
    return eval_run, json.loads((eval_run / "metrics.json").read_text())["results"]["h36m_fcn_3D"]


def test_train_resume_evaluate(data_dir, tmp_path):
    out = tmp_path / "results"
    assert train(data_dir, out, "TRAIN.EPOCH", "2") == 0
    (run,) = run_dirs(out)
    files = {p.name for p in run.iterdir()}
    assert {"config.yaml", "train_log.txt", "metrics.jsonl", "checkpoint_last.pth.tar",
            "checkpoint_best.pth.tar"} <= files  # fmt: skip
    assert any(name.startswith("events.out.tfevents") for name in files)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [0, 1]
    assert records[1]["lr"] == pytest.approx(0.003 * 0.95)
    assert "smoothnet_mpjpe" in records[0]["validation"]["h36m_fcn_3D"]

    # Resume the 2-epoch run to 3 epochs; it must equal a straight 3-epoch run.
    argv = ["--cfg", str(run / "config.yaml"), "--resume", str(run / "checkpoint_last.pth.tar"),
            "TRAIN.EPOCH", "3"]  # fmt: skip
    assert train_smoothnet.main(argv) == 0
    assert len(run_dirs(out)) == 1  # resumed in place
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [0, 1, 2]
    straight_out = tmp_path / "straight"
    assert train(data_dir, straight_out, "TRAIN.EPOCH", "3") == 0
    resumed = load_checkpoint(run / "checkpoint_last.pth.tar")
    straight = load_checkpoint(run_dirs(straight_out)[0] / "checkpoint_last.pth.tar")
    assert resumed.epoch == straight.epoch == 2
    for key, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[key], value)
    assert resumed.info.body_representation == "3D" and resumed.info.num_joints == 17
    assert resumed.info.fps == 50.0

    # Evaluate against every filter.
    eval_run, metrics = evaluate(run, "checkpoint_best.pth.tar", "all", tmp_path / "eval")
    for name in ("input", "smoothnet", "savgol", "gaus1d", "gaussian", "oneeuro"):
        for metric in ("mpjpe", "pampjpe", "accel"):
            assert metrics[f"{name}_{metric}"] > 0
    assert metrics["smoothnet_accel"] < 0.5 * metrics["input_accel"]
    csv_lines = (eval_run / "metrics.csv").read_text().splitlines()
    assert csv_lines[0] == "dataset,metric,value" and len(csv_lines) == 1 + len(metrics)
    assert (eval_run / "config.yaml").is_file()


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(data_dir, tmp_path):
    out = tmp_path / "results"
    assert train(data_dir, out, "TRAIN.EPOCH", "1") == 0
    (run,) = run_dirs(out)
    before = load_checkpoint(run / "checkpoint_last.pth.tar")
    # An infinite loss weight makes the first step of the resumed epoch non-finite.
    argv = ["--cfg", str(run / "config.yaml"), "--resume", str(run / "checkpoint_last.pth.tar"),
            "TRAIN.EPOCH", "3", "LOSS.W_POS", "1e400"]  # fmt: skip
    assert train_smoothnet.main(argv) == 1
    assert "NaN/inf loss" in (run / "train_log.txt").read_text()
    after = load_checkpoint(run / "checkpoint_last.pth.tar")
    assert after.epoch == before.epoch == 0


def test_fine_tuning_starts_from_the_checkpoint_weights(data_dir, tmp_path):
    out = tmp_path / "results"
    assert train(data_dir, out, "TRAIN.EPOCH", "1") == 0
    (first,) = run_dirs(out)
    start = first / "checkpoint_last.pth.tar"
    tuned_out = tmp_path / "tuned"
    assert train(data_dir, tuned_out, "TRAIN.EPOCH", "1", "TRAIN.INIT", "checkpoint",
                 "TRAIN.INIT_CHECKPOINT", str(start), "MODEL.DROPOUT", "0.1") == 0  # fmt: skip
    (tuned,) = run_dirs(tuned_out)
    first_record = json.loads((first / "metrics.jsonl").read_text().splitlines()[-1])
    records = [json.loads(line) for line in (tuned / "metrics.jsonl").read_text().splitlines()]
    # Step 0 of the fine-tuning run is the starting checkpoint: same validation figures.
    assert records[0]["step"] == 0 and records[0]["epoch"] is None
    assert records[0]["validation"]["h36m_fcn_3D"]["smoothnet_mpjpe"] == pytest.approx(
        first_record["validation"]["h36m_fcn_3D"]["smoothnet_mpjpe"], rel=1e-6
    )
    # A fresh schedule: the first epoch starts at the configured learning rate again.
    assert records[1]["epoch"] == 0 and records[1]["lr"] == pytest.approx(0.003)
    with pytest.raises(SystemExit, match=r"TRAIN\.INIT_CHECKPOINT: .* holds .*hidden_size=64"):
        train(data_dir, tuned_out, "TRAIN.INIT", "checkpoint", "TRAIN.INIT_CHECKPOINT",
              str(start), "MODEL.HIDDEN_SIZE", "48")  # fmt: skip
    with pytest.raises(SystemExit, match=r"TRAIN\.INIT checkpoint needs TRAIN\.INIT_CHECKPOINT"):
        train(data_dir, tuned_out, "TRAIN.INIT", "checkpoint")
    assert len(run_dirs(tuned_out)) == 1  # the failed starts left nothing


def test_validation_on_every_nth_sequence_and_export(data_dir, tmp_path):
    out = tmp_path / "results"
    assert train(data_dir, out, "TRAIN.EPOCH", "1", "TRAIN.VALIDATE_SEQUENCE_STEP", "2") == 0
    (run,) = run_dirs(out)
    assert "h36m_fcn_3D validation: 2 of 3 test sequences" in (run / "train_log.txt").read_text()
    # Exported for shipping: no training state, same weights, run files beside it.
    shipped = tmp_path / "shipped"
    assert export_checkpoint.main([str(run / "checkpoint_last.pth.tar"), str(shipped)]) == 0
    raw = torch.load(shipped / "checkpoint.pth.tar", weights_only=False)
    assert not {"optimizer", "scheduler", "rng_state"} & set(raw)
    original, exported = (load_checkpoint(p) for p in (run / "checkpoint_last.pth.tar",
                                                       shipped / "checkpoint.pth.tar"))  # fmt: skip
    for key, value in original.model.state_dict().items():
        assert torch.equal(value, exported.model.state_dict()[key])
    assert (shipped / "config.yaml").read_text() == (run / "config.yaml").read_text()
    assert (shipped / "metrics.jsonl").is_file()
    with pytest.raises(SystemExit, match=r"error: .*nothing\.pth"):
        export_checkpoint.main([str(tmp_path / "nothing.pth"), str(shipped)])
    with pytest.raises(SystemExit, match=r"TRAIN\.VALIDATE_SEQUENCE_STEP must be >= 1"):
        train(data_dir, out, "TRAIN.VALIDATE_SEQUENCE_STEP", "0")


@pytest.mark.parametrize("name,estimator", [("h36m", "hourglass"), ("jhmdb", "simplepose")])
def test_2d_training_validates(tmp_path, name, estimator):
    base = tmp_path / "poses"
    write_synthetic_dataset(base, name, estimator, "2D", num_sequences=2, length_range=(40, 60))
    argv = ["--dataset_name", name, "--estimator", estimator, "--body_representation", "2D",
            *SMALL_RUN, "DATASET.BASE_DIR", str(base), "OUTPUT_DIR", str(tmp_path / "out"),
            "TRAIN.EPOCH", "1", "TRAIN.BEST_METRIC",
            "smoothnet_pck_01" if name == "jhmdb" else "smoothnet_mpjpe"]  # fmt: skip
    assert train_smoothnet.main(argv) == 0
    (run,) = run_dirs(tmp_path / "out")
    record = json.loads((run / "metrics.jsonl").read_text())
    metrics = record["validation"][f"{name}_{estimator}_2D"]
    key = "smoothnet_pck_01" if name == "jhmdb" else "smoothnet_mpjpe"
    assert key in metrics and (run / "checkpoint_best.pth.tar").is_file()


def test_bad_command_lines_fail_with_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit, match="--checkpoint is required"):
        eval_smoothnet.main(
            [
                "--dataset_name",
                "h36m",
                "--estimator",
                "fcn",
                "--body_representation",
                "3D",
                "DEVICE",
                "cpu",
            ]
        )
    with pytest.raises(SystemExit, match=r"checkpoint not found: .*missing\.pth"):
        eval_smoothnet.main(["--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D",
                             "--checkpoint", str(tmp_path / "missing.pth"), "DEVICE", "cpu"])  # fmt: skip
    with pytest.raises(SystemExit, match="unknown filter 'median'"):
        eval_smoothnet.main(["--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D",
                             "--checkpoint", "x", "--tradition", "median", "DEVICE", "cpu"])  # fmt: skip
    with pytest.raises(SystemExit, match="ground-truth file not found"):
        train(tmp_path / "nowhere", tmp_path / "out", "TRAIN.EPOCH", "1")


def test_centred_run_starts_from_a_centred_linear_model(data_dir, tmp_path):
    from smoothnet.models.linear import LinearWindowModel

    out = tmp_path / "results"
    assert train(data_dir, out, "TRAIN.EPOCH", "1", "TRAIN.INIT", "linear",
                 "MODEL.CENTER_WINDOWS", "True") == 0  # fmt: skip
    (run,) = run_dirs(out)
    linear = load_checkpoint(run / "linear.pth.tar")
    trained = load_checkpoint(run / "checkpoint_last.pth.tar")
    assert linear.spec.center_windows and trained.spec.center_windows
    assert isinstance(linear.model, LinearWindowModel)
    # Step 0 is the centred least-squares model: the evaluation's linear row (read from
    # the run's linear.pth.tar) equals the step-0 validation of the network.
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert records[0]["step"] == 0
    _, metrics = evaluate(run, "checkpoint_last.pth.tar", "linear", tmp_path / "eval")
    for metric in ("mpjpe", "accel"):
        assert metrics[f"linear_{metric}"] == pytest.approx(
            records[0]["validation"]["h36m_fcn_3D"][f"smoothnet_{metric}"], rel=1e-4
        )
    # An uncentred least-squares model cannot start a centred run (and the reverse).
    plain_out = tmp_path / "plain"
    assert train(data_dir, plain_out, "TRAIN.EPOCH", "1", "TRAIN.INIT", "linear") == 0
    plain_linear = run_dirs(plain_out)[0] / "linear.pth.tar"
    with pytest.raises(SystemExit, match=r"TRAIN\.INIT_LINEAR: .*center_windows False"):
        train(data_dir, out, "TRAIN.INIT", "linear", "MODEL.CENTER_WINDOWS", "True",
              "TRAIN.INIT_LINEAR", str(plain_linear))  # fmt: skip
