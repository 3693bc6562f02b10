import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from smoothnet.utils.rotations import (
    axis_angle_to_matrix,
    axis_angle_to_quaternion,
    axis_angle_to_rot6d,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    matrix_to_rot6d,
    quaternion_to_axis_angle,
    quaternion_to_matrix,
    rot6d_to_axis_angle,
    rot6d_to_matrix,
)


def sample_axis_angles(n: int, seed: int = 0) -> torch.Tensor:
    """Random rotations plus angles near 0 and near pi."""
    g = np.random.default_rng(seed)
    axes = g.normal(size=(n, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    angles = np.concatenate(
        [
            g.uniform(0, np.pi, n - 6),
            [0.0, 1e-9, 1e-5, np.pi - 1e-3, np.pi - 1e-6, np.pi],
        ]
    )
    return torch.from_numpy(axes * angles[:, None])


def test_matrix_against_scipy():
    aa = sample_axis_angles(50)
    expected = Rotation.from_rotvec(aa.numpy()).as_matrix()
    np.testing.assert_allclose(axis_angle_to_matrix(aa).numpy(), expected, atol=1e-10)


def test_quaternion_against_scipy():
    aa = sample_axis_angles(50)[:-1]  # at exactly pi the quaternion sign is ambiguous
    xyzw = Rotation.from_rotvec(aa.numpy()).as_quat()
    wxyz = np.concatenate([xyzw[:, 3:], xyzw[:, :3]], axis=1)
    wxyz *= np.sign(wxyz[:, :1] + 1e-30)
    np.testing.assert_allclose(axis_angle_to_quaternion(aa).numpy(), wxyz, atol=1e-10)


def test_axis_angle_round_trips_near_zero_and_pi():
    aa = sample_axis_angles(60)
    back = matrix_to_axis_angle(axis_angle_to_matrix(aa))
    # Compare rotations (at exactly pi, +axis and -axis are the same rotation).
    np.testing.assert_allclose(
        axis_angle_to_matrix(back).numpy(), axis_angle_to_matrix(aa).numpy(), atol=1e-9
    )
    interior = aa.norm(dim=-1) < np.pi - 1e-3
    torch.testing.assert_close(back[interior], aa[interior], atol=1e-7, rtol=0)
    q = axis_angle_to_quaternion(aa)
    torch.testing.assert_close(
        quaternion_to_axis_angle(q)[interior], aa[interior], atol=1e-9, rtol=0
    )
    torch.testing.assert_close(
        quaternion_to_matrix(matrix_to_quaternion(quaternion_to_matrix(q))),
        quaternion_to_matrix(q),
        atol=1e-9,
        rtol=0,
    )


def test_matrices_are_proper_rotations():
    r = axis_angle_to_matrix(sample_axis_angles(40))
    eye = torch.eye(3, dtype=r.dtype).expand_as(r)
    torch.testing.assert_close(r @ r.transpose(-1, -2), eye, atol=1e-12, rtol=0)
    torch.testing.assert_close(torch.linalg.det(r), torch.ones(len(r), dtype=r.dtype))


def test_rot6d_layout_is_first_two_columns_row_major():
    r = torch.arange(9.0).reshape(3, 3)
    assert matrix_to_rot6d(r).tolist() == [0.0, 1.0, 3.0, 4.0, 6.0, 7.0]


@pytest.mark.parametrize("batch", [1, 3, 4])
def test_rot6d_round_trip_and_batch_of_three(batch):
    # A batch of exactly 3 broke the original (cross product over the wrong axis).
    aa = sample_axis_angles(10)[:batch]
    r = axis_angle_to_matrix(aa)
    torch.testing.assert_close(rot6d_to_matrix(matrix_to_rot6d(r)), r, atol=1e-12, rtol=0)
    one_by_one = torch.stack([rot6d_to_matrix(matrix_to_rot6d(m)) for m in r])
    torch.testing.assert_close(rot6d_to_matrix(matrix_to_rot6d(r)), one_by_one)
    interior = aa.norm(dim=-1) < np.pi - 1e-3
    torch.testing.assert_close(
        rot6d_to_axis_angle(axis_angle_to_rot6d(aa))[interior], aa[interior], atol=1e-7, rtol=0
    )


def test_rot6d_gram_schmidt_on_unnormalised_input():
    r = axis_angle_to_matrix(sample_axis_angles(8))
    six = matrix_to_rot6d(r).reshape(8, 3, 2)
    noisy = (
        six * torch.tensor([2.0, 2.0]).double()
        + torch.stack([torch.zeros(8, 3), 0.5 * six[..., 0].float()], -1).double()
    )
    # Scaling both columns and adding a multiple of column 1 to column 2 keeps the rotation.
    torch.testing.assert_close(rot6d_to_matrix(noisy.reshape(8, 6)), r, atol=1e-6, rtol=0)


def test_leading_batch_dimensions():
    aa = sample_axis_angles(24).reshape(2, 4, 3, 3)
    assert axis_angle_to_rot6d(aa).shape == (2, 4, 3, 6)
    assert rot6d_to_axis_angle(axis_angle_to_rot6d(aa)).shape == aa.shape
