"""The CMU demo builder on small generated exponential-map files."""

import json

import numpy as np
import pytest

from scripts import make_cmu_demo
from smoothnet.dataset.base import SequenceSet
from smoothnet.prep.mocap import CMU_OFFSETS, CMU_UNIT_M


def write_cmu(root, rng):
    """Two actions per split; 3 root values + 38 exponential maps per line, at 120 Hz."""
    for phase, count in (("train", 240), ("test", 120)):
        for action in ("walking", "jumping"):
            folder = root / phase / action
            folder.mkdir(parents=True)
            t = np.arange(count)[:, None, None] / 120.0
            angles = 0.3 * np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 6, size=(1, 38, 3)))
            values = np.concatenate([np.zeros((count, 3)), angles.reshape(count, -1)], axis=1)
            np.savetxt(folder / f"{action}_1.txt", values, delimiter=",")


def zero_statistics(path, **overrides):
    stats = {"bias_std": [0.0] * 17, "slow_std": [0.0] * 17, "jitter_std": [0.0] * 17,
             "phi": 0.0, "burst_rate": 0.0, "burst_length": 0.0, "burst_size": 0.0,
             "frames": 0}  # fmt: skip
    stats.update(overrides)
    path.write_text(json.dumps(stats))


def test_demo_builder_writes_the_original_layout(tmp_path):
    rng = np.random.default_rng(0)
    write_cmu(tmp_path / "cmu", rng)
    stats = tmp_path / "stats.json"
    zero_statistics(stats, jitter_std=[0.0] + [10.0] * 16)
    args = ["--cmu_dir", str(tmp_path / "cmu"), "--output", str(tmp_path / "demo"),
            "--statistics", str(stats)]  # fmt: skip
    assert make_cmu_demo.main(args) == 0
    train = SequenceSet(tmp_path / "demo", "cmu", "fcnnoise", "3D", "train")
    test = SequenceSet(tmp_path / "demo", "cmu", "fcnnoise", "3D", "test")
    # 240 frames at 120 Hz span 239/120 s: 100 frames at 50 fps (0 .. 1.98 s).
    assert [s.num_frames for s in train.sequences] == [100, 100]
    assert [s.num_frames for s in test.sequences] == [50, 50]
    assert train.sequences[0].name.endswith("jumping_1")
    gt = train.sequences[0].groundtruth
    det = train.sequences[0].detected
    # Thigh length: the knee's rest offset, in metres, whatever the pose.
    femur = np.linalg.norm(gt[:, 5] - gt[:, 4], axis=-1)
    np.testing.assert_allclose(femur, np.linalg.norm(CMU_OFFSETS[3]) * CMU_UNIT_M, rtol=2e-3)
    # White 10 mm noise per coordinate on every joint but the root.
    error = (det - gt) * 1000
    assert np.abs(error[:, 0]).max() == 0.0
    assert error[:, 1:].std() == pytest.approx(10.0, rel=0.1)


def test_resampling_is_linear_interpolation():
    frames = np.arange(7, dtype=float)[:, None, None] * np.ones((1, 2, 3))  # 7 frames, 120 Hz
    out = make_cmu_demo.resample(frames, 120.0, 50.0)
    np.testing.assert_allclose(out[:, 0, 0], [0.0, 2.4, 4.8])


def test_missing_inputs_fail_with_one_line(tmp_path):
    zero_statistics(tmp_path / "s.json")
    with pytest.raises(SystemExit, match=r"no \*/\*\.txt files"):
        make_cmu_demo.main(["--cmu_dir", str(tmp_path), "--statistics", str(tmp_path / "s.json"),
                            "--output", str(tmp_path / "o")])  # fmt: skip
    with pytest.raises(SystemExit, match="missing; pass --measure_from"):
        make_cmu_demo.main(["--cmu_dir", str(tmp_path), "--statistics", str(tmp_path / "x.json")])
