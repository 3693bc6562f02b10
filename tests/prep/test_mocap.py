import numpy as np
import pytest

from smoothnet.prep.mocap import (
    CMU_OFFSETS,
    CMU_PARENTS,
    forward_kinematics,
    moving_joints,
    read_expmap_txt,
)
from smoothnet.utils.rotations import add_rotation_noise as add_noise
from smoothnet.utils.rotations import rotation_errors as scores
from smoothnet.utils.rotations import rotations_from_space as to_matrix
from smoothnet.utils.rotations import rotations_to_space as to_space


def test_read_expmap_drops_the_root_position(tmp_path):
    rows = np.arange(2 * 9, dtype=float).reshape(2, 9)  # 3 root values + 2 joints
    path = tmp_path / "walking_1.txt"
    np.savetxt(path, rows, delimiter=",")
    rotations = read_expmap_txt(path)
    assert rotations.shape == (2, 2, 3)
    np.testing.assert_array_equal(rotations[1, 1], [15, 16, 17])
    assert moving_joints([rotations, rotations[:1]]).tolist() == [0, 1]
    (tmp_path / "bad.txt").write_text("1,2,3,4\n")
    with pytest.raises(ValueError, match=r"bad\.txt: expected 3 \+ 3\*J"):
        read_expmap_txt(tmp_path / "bad.txt")


def test_rotation_scores_and_spaces():
    rng = np.random.default_rng(0)
    clean = 0.3 * rng.normal(size=(20, 4, 3))
    for space in ("6d", "aa"):
        np.testing.assert_allclose(
            to_matrix(to_space(clean, space), space), to_matrix(clean, "aa"), atol=1e-10
        )
    noisy = add_noise(clean, 0.05, rng)
    angle, accel = scores(to_matrix(noisy, "aa"), to_matrix(clean, "aa"))
    assert angle.shape == (20, 4) and accel.shape == (18, 4)
    # Typical geodesic size of exp(n), n ~ N(0, 0.05 I): about 0.05 * sqrt(3) rad.
    assert np.median(angle) == pytest.approx(np.degrees(0.05 * np.sqrt(3)), rel=0.35)
    zero, _ = scores(to_matrix(clean, "aa"), to_matrix(clean, "aa"))
    assert zero.max() < 1e-4


def test_forward_kinematics_rest_pose_sums_offsets_along_the_chain():
    pos = forward_kinematics(np.zeros((2, 38, 3)))
    # Left ankle (joint 4): offsets of joints 1..4 added up.
    expected = np.sum([CMU_OFFSETS[j] for j in (1, 2, 3, 4)], axis=0)
    np.testing.assert_allclose(pos[:, 4], [expected, expected], atol=1e-12)
    assert len(CMU_PARENTS) == len(CMU_OFFSETS) == 38
    assert all(p < j for j, p in enumerate(CMU_PARENTS))


def test_forward_kinematics_composes_rotations_by_hand():
    parents = (-1, 0, 1)
    offsets = ((0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0))
    rotations = np.array([[[0.0, np.pi / 2, 0.0], [0.0, 0.0, np.pi / 2], [0.3, 0.2, 0.1]]])
    pos = forward_kinematics(rotations, parents, offsets)
    # Row-vector convention of the files: (1,0,0) R_y(90) = (0,0,1); then
    # (0,1,0) R_z(90) R_y(90) = (1,0,0) R_y(90) = (0,0,1) again.
    np.testing.assert_allclose(pos[0], [[0, 0, 0], [0, 0, 1], [0, 0, 2]], atol=1e-12)


def test_forward_kinematics_rejects_a_wrong_joint_count():
    with pytest.raises(ValueError, match=r"\(T, 38, 3\)"):
        forward_kinematics(np.zeros((5, 37, 3)))


def test_the_leading_calibration_pose_is_dropped_and_nothing_else():
    from smoothnet.prep.mocap import drop_calibration_frames

    rng = np.random.default_rng(0)
    motion = rng.normal(size=(5, 38, 3))
    motion[:, :10] = 0.0  # fixed joints: about a quarter of the values are zero
    calibration = np.zeros((1, 38, 3))
    calibration[0, 3, 0] = 0.37  # a few calibration angles are not zero
    assert np.array_equal(drop_calibration_frames(np.concatenate([calibration, motion])), motion)
    assert np.array_equal(drop_calibration_frames(motion), motion)
