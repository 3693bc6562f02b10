"""The shipped demo dataset (data/demo/): loadable, rigid, with the modelled error level."""

import json
from pathlib import Path

import numpy as np
import pytest

from smoothnet.dataset.base import SequenceSet
from smoothnet.prep.error_model import ErrorStatistics

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="module")
def demo_sets() -> dict[str, SequenceSet]:
    return {phase: SequenceSet(DEMO, "cmu", "fcnnoise", "3D", phase) for phase in ("train", "test")}


def test_demo_loads_in_the_original_layout(demo_sets):
    for data in demo_sets.values():
        assert len(data) > 5 and data.channels == 51 and data.spec.fps == 50.0
        assert all(seq.num_frames >= 32 for seq in data.sequences)


def test_demo_ground_truth_is_a_rigid_skeleton(demo_sets):
    for seq in demo_sets["test"].sequences:
        gt = seq.groundtruth
        assert np.abs(gt[:, 0]).max() < 1e-6  # root at the origin
        for parent, child in demo_sets["test"].layout.edges:
            length = np.linalg.norm(gt[:, child] - gt[:, parent], axis=-1)
            # Linear resampling from 120 to 50 fps shortens a turning bone a little.
            assert length.max() - length.min() < 0.005, (seq.name, parent, child)


def test_demo_errors_have_the_modelled_size(demo_sets):
    stats = ErrorStatistics.from_dict(json.loads((DEMO / "error_statistics.json").read_text()))
    errors = np.concatenate(
        [
            (seq.detected - seq.groundtruth) * 1000.0
            for seq in demo_sets["train"].sequences
        ]
    )
    measured = np.sqrt((errors**2).mean(axis=(0, 2)))
    # Per coordinate: bias + slow + jitter variances, plus bursts (a fraction
    # rate * length of the frames, offsets of exponential size: E[s^2] = 2 mean^2).
    bursts = stats.burst_rate * stats.burst_length * 2 * stats.burst_size**2 / 3
    expected = np.sqrt(
        np.square(stats.bias_std) + np.square(stats.slow_std) + np.square(stats.jitter_std)
        + np.where(np.asarray(stats.slow_std) > 0, bursts, 0.0)
    )  # fmt: skip
    assert measured[0] == 0.0
    np.testing.assert_allclose(measured[1:], expected[1:], rtol=0.3)


def test_no_demo_sequence_jumps(demo_sets):
    """No calibration pose at frame 0 and no tracking fault: every joint step between two
    50 fps frames stays under 0.3 m (15 m/s; a football kick's foot reaches 0.22 m)."""
    for data in demo_sets.values():
        for seq in data.sequences:
            gt = seq.groundtruth
            steps = np.linalg.norm(np.diff(gt, axis=0), axis=-1).max(axis=1)
            assert steps.max() < 0.3, (seq.name, int(steps.argmax()), float(steps.max()))
            # the first step is an ordinary one, not the largest by far
            assert steps[0] <= 3 * np.percentile(steps, 99) + 1e-3, seq.name
