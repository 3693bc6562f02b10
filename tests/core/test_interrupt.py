"""Ctrl-C during training: resuming gives bit for bit the uninterrupted run."""

import signal
from pathlib import Path

import numpy as np
import pytest
import torch

import train_smoothnet
from smoothnet.core import trainer as trainer_module
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.prep.synthetic import write_synthetic_dataset
from tests.conftest import SMALL_RUN

EPOCHS = 3  # 3 steps per epoch with this data and batch


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("poses")
    write_synthetic_dataset(base, "h36m", "fcn", "3D", num_sequences=2, length_range=(80, 100))
    return base


def argv(data: Path, out: Path) -> list[str]:
    return ["--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D",
            *SMALL_RUN, "MODEL.DROPOUT", "0.3", "DATASET.BASE_DIR", str(data),
            "OUTPUT_DIR", str(out), "TRAIN.EPOCH", str(EPOCHS), "LOSS.NORM", "l2",
            "TRAIN.LR_SCHEDULE", "cosine", "TRAIN.WARMUP_STEPS", "2",
            # augmentation draws must resume exactly too
            "TRAIN.AUGMENT.SPEED", "[0.5, 2.0]", "TRAIN.AUGMENT.SCALE", "[0.8, 1.25]",
            "TRAIN.AUGMENT.NOISE", "[0.01, 0.1]", "TRAIN.AUGMENT.CLEAN_SHARE", "0.25"]  # fmt: skip


def final_state(out: Path) -> tuple[dict, list[str]]:
    (run,) = list(out.iterdir())
    state = load_checkpoint(run / "checkpoint_last.pth.tar").model.state_dict()
    return state, (run / "metrics.jsonl").read_text().splitlines()


@pytest.fixture(scope="module")
def straight(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("straight")
    assert train_smoothnet.main(argv(data, out)) == 0
    return final_state(out)


def assert_identical(resumed, straight):
    state, lines = resumed
    for key, value in straight[0].items():
        assert torch.equal(state[key], value), key
    # the same curve, each epoch once (metrics lines hold timings: compare the losses)
    losses = [line.split('"train_loss": ')[1].split(",")[0] for line in lines]
    assert losses == [line.split('"train_loss": ')[1].split(",")[0] for line in straight[1]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigint_at_a_random_step_resumes_bit_for_bit(data, tmp_path, monkeypatch, straight, seed):
    at = int(np.random.default_rng(seed).integers(1, 3 * EPOCHS))  # a step in [1, 8]
    real_step = trainer_module.train_step
    calls = {"n": 0}

    def signalling_step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == at:
            signal.raise_signal(signal.SIGINT)  # a real Ctrl-C, mid-step
        return real_step(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "train_step", signalling_step)
    out = tmp_path / "out"
    assert train_smoothnet.main(argv(data, out)) == 130
    (run,) = list(out.iterdir())
    saved = load_checkpoint(run / "checkpoint_interrupted.pth.tar")
    assert saved.extra["position"]["global_step"] == at
    monkeypatch.setattr(trainer_module, "train_step", real_step)
    resume = ["--cfg", str(run / "config.yaml"),
              "--resume", str(run / "checkpoint_interrupted.pth.tar")]  # fmt: skip
    assert train_smoothnet.main(resume) == 0
    assert not (run / "checkpoint_interrupted.pth.tar").exists()  # stale once epochs move on
    assert_identical(final_state(out), straight)


def test_interrupt_inside_a_step_keeps_the_last_clean_epoch(data, tmp_path, monkeypatch, straight):
    real_step = trainer_module.train_step
    calls = {"n": 0}

    def failing_step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # inside the second epoch
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "train_step", failing_step)
    out = tmp_path / "out"
    assert train_smoothnet.main(argv(data, out)) == 130
    (run,) = list(out.iterdir())
    assert load_checkpoint(run / "checkpoint_last.pth.tar").epoch == 0  # untouched
    assert not (run / "checkpoint_interrupted.pth.tar").exists()
    monkeypatch.setattr(trainer_module, "train_step", real_step)
    resume = ["--cfg", str(run / "config.yaml"), "--resume", str(run / "checkpoint_last.pth.tar")]
    assert train_smoothnet.main(resume) == 0
    assert_identical(final_state(out), straight)
