"""scripts/benchmark_offline.py: the peers it times compute what the project computes."""

import numpy as np

from scripts.benchmark_offline import (
    SPEC,
    curelab_path,
    flops_per_frame,
    mmpose_path,
    motion,
    random_model,
)
from smoothnet.core.engine import run_windows
from smoothnet.models.inference import WindowNet


def test_the_peers_equal_the_project_with_uniform_weighting():
    model, state = random_model()
    x = motion(120)
    ours = run_windows(WindowNet(SPEC, state, "torch"), x, weighting="uniform")
    np.testing.assert_allclose(curelab_path(model, x), ours, atol=2e-6)
    np.testing.assert_allclose(mmpose_path(model, x), ours, atol=2e-6)


def test_flops_per_frame_counts_every_linear_layer():
    model, _ = random_model()
    macs = sum(m.in_features * m.out_features for m in model.modules()
               if m.__class__.__name__ == "Linear")  # fmt: skip
    assert flops_per_frame() == 2 * 51 * macs
