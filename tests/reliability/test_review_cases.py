"""The remaining cases of the bad-input review, each its own test: data loss, values out
of range, runs that cannot go on, and the tracebacks that are now one line."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import eval_smoothnet
import train_smoothnet
from smoothnet.commands import smooth as smooth_poses
from smoothnet.core.smoother import Smoother
from smoothnet.core.space import IMAGE_SIZE_RANGE, MAX_COORDINATE
from smoothnet.prep.synthetic import write_synthetic_dataset
from smoothnet.utils.io import atomic_path, remove_stale_temporaries
from tests.conftest import ROOT, SMALL_RUN
from tests.core.test_smoother import identity_checkpoint, motion, random_checkpoint

DATA = ["--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("poses")
    write_synthetic_dataset(folder, "h36m", "fcn", "3D", num_sequences=2, length_range=(80, 90))
    return folder


def train(base, out, *extra):
    return train_smoothnet.main([*DATA, *SMALL_RUN, "DATASET.BASE_DIR", str(base),
                                 "OUTPUT_DIR", str(out), *extra])  # fmt: skip


# -- data loss ---------------------------------------------------------------------


def test_the_plot_may_not_overwrite_the_input(tmp_path, capsys):
    src = tmp_path / "in.npy"
    np.save(src, motion(40, dims=2))
    before = src.read_bytes()
    with pytest.raises(SystemExit):
        smooth_poses.main([str(src), "-o", str(tmp_path / "out.npy"), "--plot", str(src)])
    assert "is the input file" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_a_failed_or_empty_resume_leaves_the_run_folder_as_it_was(base, tmp_path):
    assert train(base, tmp_path, "TRAIN.EPOCH", "2", "TRAIN.LR_SCHEDULE", "epoch") == 0
    (run,) = list(tmp_path.iterdir())
    config = (run / "config.yaml").read_bytes()
    resume = ["--resume", str(run / "checkpoint_last.pth.tar"), "--cfg", str(run / "config.yaml")]
    with pytest.raises(SystemExit, match=r"the run used TRAIN.LR_SCHEDULE epoch, not cosine"):
        train_smoothnet.main([*resume, "TRAIN.LR_SCHEDULE", "cosine", "TRAIN.EPOCH", "3"])
    with pytest.raises(SystemExit, match=r"has finished 2 of TRAIN.EPOCH 1 epochs; nothing to"):
        train_smoothnet.main([*resume, "TRAIN.EPOCH", "1"])
    assert (run / "config.yaml").read_bytes() == config


def test_only_the_writers_own_temporaries_are_removed(tmp_path):
    notes = tmp_path / ".mynotes.tmp"
    notes.write_text("mine")
    other = tmp_path / ".checkpoint_last.pth.tar.notes.tmp"
    other.write_text("mine too")
    stale = tmp_path / ".checkpoint_last.pth.tar.ab12_xYz.tmp"
    stale.write_text("left by a killed write")
    removed = remove_stale_temporaries(tmp_path, ["checkpoint_last.pth.tar", "config.yaml"])
    assert removed == [stale] and notes.exists() and other.exists()
    with atomic_path(tmp_path / "config.yaml") as tmp:  # the writer's own names match
        assert remove_stale_temporaries(tmp_path, ["config.yaml"]) == [tmp]
        tmp.touch()  # (put back for the rename)


# -- values out of range -----------------------------------------------------------------


def test_a_huge_value_counts_as_missing_and_is_reported(tmp_path, caplog):
    smoother = Smoother(random_checkpoint(tmp_path / "r.pth", person_size=0.2), device="cpu")
    x = motion(60, dims=2)
    clean = smoother.smooth(x)
    x[30, 4, 0] = 1e30
    with caplog.at_level("WARNING"):
        out = smoother.smooth(x)
    assert "1 keypoint value(s) beyond 1e+09: taken as missing" in caplog.text
    assert np.isnan(out[30, 4]).all() and np.isfinite(np.delete(out, 30, axis=0)).all()
    assert np.abs(out[:, :4] - clean[:, :4]).max() < 1e-6 * np.abs(clean).max()  # others alike
    assert MAX_COORDINATE == 1e9


@pytest.mark.parametrize("units", [1e-28, 1e-6, 1e6])
def test_tiny_and_large_units_smooth_to_the_scaled_result(tmp_path, units):
    smoother = Smoother(random_checkpoint(tmp_path / "r.pth", person_size=0.2), device="cpu")
    x = motion(50, dims=3)
    np.testing.assert_allclose(smoother.smooth(units * x), units * smoother.smooth(x),
                               rtol=1e-5, atol=1e-5 * units)  # fmt: skip


@pytest.mark.parametrize("size", [(1e300, 1e300), (1e-300, 1e-300), (0, 100), (1e7, 10)])
def test_image_sizes_out_of_range_are_refused(tmp_path, size):
    smoother = Smoother(identity_checkpoint(tmp_path / "i.pth"), device="cpu")
    with pytest.raises(ValueError, match=r"image_size must be .* between 1 and 1e\+06 pixels"):
        smoother.smooth(motion(20, dims=2), image_size=size)
    online = smoother.online()
    with pytest.raises(ValueError, match="image_size must be"):
        online.update(motion(1, dims=2)[0][None], ["a"], image_size=size)
    assert IMAGE_SIZE_RANGE == smooth_poses.IMAGE_SIZE_RANGE


def test_a_diverging_run_stops_without_a_best_checkpoint(base, tmp_path):
    assert train(base, tmp_path, "TRAIN.LR", "1000000.0", "TRAIN.EPOCH", "3") == 1
    (run,) = list(tmp_path.iterdir())
    log = (run / "train_log.txt").read_text()
    assert "diverged" in log or "NaN/inf loss" in log
    assert not (run / "checkpoint_best.pth.tar").exists()
    metrics = run / "metrics.jsonl"
    for line in metrics.read_text().splitlines() if metrics.exists() else []:
        json.loads(line, parse_constant=lambda c: pytest.fail(f"bare {c} in metrics.jsonl"))


def test_metrics_jsonl_is_strict_json(tmp_path):
    from smoothnet.core.run_state import append_record

    append_record(tmp_path, {"epoch": 0, "train_loss": float("nan"),
                             "validation": {"x": {"a": float("inf")}}})  # fmt: skip
    record = json.loads((tmp_path / "metrics.jsonl").read_text(), parse_constant=pytest.fail)
    assert record["train_loss"] is None and record["validation"]["x"]["a"] is None


def test_evaluation_refuses_a_checkpoint_that_does_not_fit(base, tmp_path):
    assert train(base, tmp_path / "r", "TRAIN.EPOCH", "1") == 0
    (run,) = list((tmp_path / "r").iterdir())
    common = [*DATA, "--checkpoint", str(run / "checkpoint_last.pth.tar"),
              "DATASET.BASE_DIR", str(base), "OUTPUT_DIR", str(tmp_path / "e")]  # fmt: skip
    with pytest.raises(SystemExit, match="--slide_window_size 32: the checkpoint's window is 16"):
        eval_smoothnet.main(["--slide_window_size", "32", *common])
    write_synthetic_dataset(base, "h36m", "hourglass", "2D", num_sequences=2,
                            length_range=(40, 50))  # fmt: skip
    two_d = [a if a not in ("fcn", "3D") else {"fcn": "hourglass", "3D": "2D"}[a] for a in common]
    with pytest.raises(SystemExit, match="trained on 3D data, not 2D"):
        eval_smoothnet.main(two_d)
    assert not (tmp_path / "e").exists()


# -- tracebacks that are one line now --------------------------------------------------


@pytest.mark.parametrize("device", ["tpu", "cuda:7", "nonsense"])
def test_a_device_that_cannot_be_used_is_one_line(tmp_path, capsys, device):
    if device.startswith("cuda") and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    src = tmp_path / "in.npy"
    np.save(src, motion(30, dims=2))
    with pytest.raises(SystemExit, match="DEVICE"):
        smooth_poses.main([str(src), "-o", str(tmp_path / "out.npy"), "--device", device])


def test_an_online_track_id_must_be_hashable(tmp_path):
    online = Smoother(identity_checkpoint(tmp_path / "i.pth"), device="cpu").online()
    with pytest.raises(ValueError, match="a track id must be hashable"):
        online.update(motion(1, dims=2), [["a"]])


def test_visualisation_into_an_unwritable_place_is_one_line(base, tmp_path):
    assert train(base, tmp_path / "r", "TRAIN.EPOCH", "1") == 0
    (run,) = list((tmp_path / "r").iterdir())
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    done = subprocess.run(
        [sys.executable, str(ROOT / "visualize_smoothnet.py"), *DATA, "--checkpoint",
         str(run / "checkpoint_last.pth.tar"), "--slide_window_size", "16", "--end", "20",
         "--output_video_path", str(blocker / "videos"), "DATASET.BASE_DIR", str(base),
         "DEVICE", "cpu"], capture_output=True, text=True, timeout=300)  # fmt: skip
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1 and len(lines) == 1 and "cannot write to" in lines[0], done.stderr


def test_ctrl_c_before_the_first_step_is_one_line(base, tmp_path, monkeypatch, capsys):
    from smoothnet.core import trainer as trainer_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer_module.Trainer, "validate_start", interrupted)
    assert train(base, tmp_path, "TRAIN.INIT", "linear") == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"
