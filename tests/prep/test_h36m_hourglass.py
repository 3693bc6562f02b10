"""The Human3.6M Stacked-Hourglass converter on small generated h5 files."""

import json

import h5py
import numpy as np
import pytest

from scripts import prepare_h36m
from smoothnet.dataset.base import SequenceSet
from smoothnet.prep.h36m_hourglass import (
    HOURGLASS16_FROM_32,
    HOURGLASS16_FROM_SH,
    Camera,
    project,
    read_cameras,
    world_to_camera,
)

NAMES = ("54138969", "55011271")


def camera(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    angle = rng.uniform(-0.3, 0.3)
    rot = np.array(
        [[np.cos(angle), 0, np.sin(angle)], [0, 1, 0], [-np.sin(angle), 0, np.cos(angle)]]
    )
    return {"R": rot.T, "T": np.array([[0.0], [0.0], [-5000.0]]), "f": np.array([[1145.0], [1144.0]]),
            "c": np.array([[512.0], [515.0]]), "k": np.array([[-0.2], [0.24], [-0.002]]),
            "p": np.array([[-0.0002], [-0.0001]])}  # fmt: skip


def write_source(root, frames=(30, 25), offset=(3.0, 4.0), mismatch=False):
    """Two subjects (S1 train, S9 test), one take each, two cameras; detections = GT + offset."""
    with h5py.File(root / "cameras.h5", "w") as f:
        for subject in (1, 9):
            for i, name in enumerate(NAMES):
                group = f.create_group(f"subject{subject}/camera{i + 1}")
                for key, value in camera(subject * 10 + i).items():
                    group[key] = value
                group["Name"] = np.array([[ord(c)] for c in name])
    rng = np.random.default_rng(0)
    cams = read_cameras(root / "cameras.h5")
    for subject, take, count in ((1, "Walking 1", frames[0]), (9, "Greeting", frames[1])):
        world = rng.normal(scale=300, size=(count, 32, 3)) + np.array([0, 0, 0])
        gt_dir = root / f"S{subject}" / "MyPoses" / "3D_positions"
        gt_dir.mkdir(parents=True)
        with h5py.File(gt_dir / f"{take}.h5", "w") as f:
            f["3D_positions"] = world.reshape(count, 96).T
        sh_dir = root / f"S{subject}" / "StackedHourglass"
        sh_dir.mkdir(parents=True)
        for name in NAMES[: 2 if subject == 1 else 1]:  # S9 misses its second camera
            pixels = project(
                world_to_camera(world, cams[(subject, name)])[:, list(HOURGLASS16_FROM_32)],
                cams[(subject, name)],
            )
            sh = np.empty_like(pixels)
            sh[:, list(HOURGLASS16_FROM_SH)] = pixels + np.array(offset)  # stored in SH order
            with h5py.File(sh_dir / f"{take.replace(' ', '_')}.{name}.h5", "w") as f:
                f["poses"] = sh[: count - 1] if mismatch else sh


def test_camera_conventions():
    cam = Camera("c", np.eye(3), np.array([0.0, 0.0, -1000.0]), np.array([1000.0, 1000.0]),
                 np.array([500.0, 500.0]), np.zeros(3), np.zeros(2))  # fmt: skip
    point = world_to_camera(np.array([100.0, -50.0, 1000.0]), cam)
    np.testing.assert_allclose(point, [100.0, -50.0, 2000.0])  # R (X - T)
    np.testing.assert_allclose(project(point, cam), [550.0, 475.0])  # f X/Z + c, no distortion


def test_converter_end_to_end(tmp_path, capsys):
    src, out = tmp_path / "h36m", tmp_path / "poses"
    src.mkdir()
    write_source(src)
    assert prepare_h36m.main(["--source", str(src), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (
        "train: 2 pairs, 60 frames" in printed
        and "mean detection vs projected GT 5.00 px" in printed
    )
    assert "test: 1 pairs, 25 frames" in printed and "1 skipped" in printed
    assert "skipped S9_Greeting.55011271: no detection file" in printed
    det = SequenceSet(out, "h36m", "hourglass", "2D", "train")
    assert len(det) == 2 and det.channels == 32
    seq = det.sequences[0]
    assert seq.name == "#0 S1_Walking_1.54138969"
    error = np.linalg.norm(seq.detected - seq.groundtruth, axis=-1)
    np.testing.assert_allclose(
        error, 5.0, atol=1e-4
    )  # the (3, 4) px offset, in the right joint order
    gt3d = np.load(out / "h36m_fcn_3D/groundtruth/h36m_gt_3D_test.npz", allow_pickle=True)
    assert gt3d["joints_3d"][0].shape == (25, 51)
    assert np.abs(gt3d["joints_3d"][0]).max() < 10  # metres
    assert np.abs(gt3d["joints_3d"][0][:, :3]).max() == 0.0  # pelvis at the origin
    absolute = tmp_path / "absolute"
    assert (
        prepare_h36m.main(["--source", str(src), "--output", str(absolute), "--absolute_3d"]) == 0
    )
    gt_abs = np.load(absolute / "h36m_fcn_3D/groundtruth/h36m_gt_3D_test.npz", allow_pickle=True)
    relative = gt_abs["joints_3d"][0].reshape(25, 17, 3)
    relative = relative - relative[:, :1]
    np.testing.assert_allclose(relative.reshape(25, 51), gt3d["joints_3d"][0], atol=1e-12)
    assert np.abs(gt_abs["joints_3d"][0][:, 2]).min() > 1.0  # depth in front of the camera
    flagged = json.loads((out / "h36m_hourglass_2D/flagged.json").read_text())
    assert flagged["flagged"] == ["S9_Greeting.54138969"]


def test_frame_count_mismatch_and_missing_source(tmp_path):
    src = tmp_path / "h36m"
    src.mkdir()
    write_source(src, mismatch=True)
    with pytest.raises(
        SystemExit, match=r"Walking_1\.54138969\.h5: 29 detected frames but 30 ground-truth frames"
    ):
        prepare_h36m.main(["--source", str(src), "--output", str(tmp_path / "o")])
    with pytest.raises(SystemExit, match=r"cameras\.h5 not found"):
        prepare_h36m.main(["--source", str(tmp_path / "none"), "--output", str(tmp_path / "o")])
