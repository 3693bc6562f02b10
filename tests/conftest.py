"""Shared test settings and fixtures: deterministic, single-threaded torch on CPU."""

from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parents[1]

#: A small model and short run, so end-to-end tests take seconds on CPU.
SMALL_RUN = [
    "--slide_window_size", "16",
    "MODEL.HIDDEN_SIZE", "64", "MODEL.RES_HIDDEN_SIZE", "32", "MODEL.NUM_BLOCK", "1",
    "MODEL.DROPOUT", "0.0", "TRAIN.BATCH_SIZE", "64", "TRAIN.LR", "0.003", "DEVICE", "cpu",
]  # fmt: skip


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
