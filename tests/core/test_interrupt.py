"""Ctrl-C during training saves a checkpoint that resumes."""

from pathlib import Path

import pytest

import train_smoothnet
from lib.core import trainer as trainer_module
from lib.dataset.synthetic import write_synthetic_dataset
from lib.models.checkpoint import load_checkpoint
from tests.conftest import SMALL_RUN


def test_ctrl_c_saves_a_resumable_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    base = tmp_path / "poses"
    write_synthetic_dataset(base, "h36m", "fcn", "3D", num_sequences=2, length_range=(80, 100))
    argv = ["--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D", *SMALL_RUN,
            "DATASET.BASE_DIR", str(base), "OUTPUT_DIR", str(tmp_path / "out"), "TRAIN.EPOCH", "3"]  # fmt: skip
    real_step = trainer_module.train_step
    calls = {"n": 0}

    def interrupting_step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # inside the second epoch (3 steps per epoch)
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "train_step", interrupting_step)
    assert train_smoothnet.main(argv) == 130
    (run,) = list((tmp_path / "out").iterdir())
    saved = load_checkpoint(run / "checkpoint_last.pth.tar")
    assert saved.epoch == 0 and saved.extra["interrupted"] is True

    monkeypatch.setattr(trainer_module, "train_step", real_step)
    resume = ["--cfg", str(run / "config.yaml"), "--resume", str(run / "checkpoint_last.pth.tar")]
    assert train_smoothnet.main(resume) == 0
    assert load_checkpoint(run / "checkpoint_last.pth.tar").epoch == 2
