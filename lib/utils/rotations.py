"""Batched rotation conversions in torch.

Representations (any leading batch shape ``...``):

- axis-angle ``(..., 3)``: unit axis times angle in radians;
- quaternion ``(..., 4)``: ``(w, x, y, z)``, unit norm, ``w >= 0`` on output;
- matrix ``(..., 3, 3)``: proper rotation, acting on column vectors;
- 6D ``(..., 6)``: the first two columns of the matrix, flattened row-major
  (``[R00, R01, R10, R11, R20, R21]``), as the original SmoothNet stores it.

All functions are differentiable where the rotation is, handle angles near
0 and near pi, and never mix up the batch with the 3-vector axis (every
cross product names its dimension).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

_EPS = 1e-8


def axis_angle_to_quaternion(axis_angle: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` axis-angle -> ``(..., 4)`` unit quaternion ``(w, x, y, z)``."""
    angle = axis_angle.norm(dim=-1, keepdim=True)
    half = angle / 2
    small = angle < 1e-6
    # sin(a/2)/a, with its Taylor series near 0.
    safe = torch.where(small, torch.ones_like(angle), angle)
    scale = torch.where(small, 0.5 - angle**2 / 48, torch.sin(half) / safe)
    return torch.cat([torch.cos(half), axis_angle * scale], dim=-1)


def quaternion_to_axis_angle(quaternion: torch.Tensor) -> torch.Tensor:
    """``(..., 4)`` quaternion ``(w, x, y, z)`` -> ``(..., 3)`` axis-angle, angle in [0, pi]."""
    q = F.normalize(quaternion, dim=-1)
    q = torch.where(q[..., :1] < 0, -q, q)
    w, v = q[..., :1], q[..., 1:]
    sin_half = v.norm(dim=-1, keepdim=True)
    angle = 2 * torch.atan2(sin_half, w)
    small = sin_half < 1e-6
    safe = torch.where(small, torch.ones_like(sin_half), sin_half)
    # angle / sin(angle/2), with its limit 2 / w near 0.
    scale = torch.where(small, 2 / w.clamp_min(_EPS), angle / safe)
    return v * scale


def quaternion_to_matrix(quaternion: torch.Tensor) -> torch.Tensor:
    """``(..., 4)`` quaternion ``(w, x, y, z)`` -> ``(..., 3, 3)`` rotation matrix."""
    w, x, y, z = F.normalize(quaternion, dim=-1).unbind(-1)
    rows = (
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    )  # fmt: skip
    return torch.stack(rows, dim=-1).reshape(*quaternion.shape[:-1], 3, 3)


def matrix_to_quaternion(matrix: torch.Tensor) -> torch.Tensor:
    """``(..., 3, 3)`` rotation matrix -> ``(..., 4)`` quaternion with ``w >= 0``.

    Uses the numerically best of the four standard formulas for every matrix
    (the largest of ``4w^2, 4x^2, 4y^2, 4z^2``), so it is stable near pi.
    """
    m = matrix
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    # 4 * squared component for w, x, y, z.
    squares = torch.stack(
        [1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22],
        dim=-1,
    )
    candidates = torch.stack(
        [
            torch.stack([squares[..., 0], m21 - m12, m02 - m20, m10 - m01], dim=-1),
            torch.stack([m21 - m12, squares[..., 1], m10 + m01, m02 + m20], dim=-1),
            torch.stack([m02 - m20, m10 + m01, squares[..., 2], m21 + m12], dim=-1),
            torch.stack([m10 - m01, m20 + m02, m21 + m12, squares[..., 3]], dim=-1),
        ],
        dim=-2,
    )  # (..., 4, 4): row i is 4 * q_i * q
    candidates = candidates / (2 * squares.clamp_min(_EPS).sqrt()[..., None])
    best = squares.argmax(dim=-1)
    q = torch.gather(candidates, -2, best[..., None, None].expand(*best.shape, 1, 4))[..., 0, :]
    q = F.normalize(q, dim=-1)
    return torch.where(q[..., :1] < 0, -q, q)


def axis_angle_to_matrix(axis_angle: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` axis-angle -> ``(..., 3, 3)`` rotation matrix."""
    return quaternion_to_matrix(axis_angle_to_quaternion(axis_angle))


def matrix_to_axis_angle(matrix: torch.Tensor) -> torch.Tensor:
    """``(..., 3, 3)`` rotation matrix -> ``(..., 3)`` axis-angle."""
    return quaternion_to_axis_angle(matrix_to_quaternion(matrix))


def matrix_to_rot6d(matrix: torch.Tensor) -> torch.Tensor:
    """``(..., 3, 3)`` -> ``(..., 6)``: first two columns, row-major."""
    return matrix[..., :, :2].reshape(*matrix.shape[:-2], 6)


def rot6d_to_matrix(rot6d: torch.Tensor) -> torch.Tensor:
    """``(..., 6)`` -> ``(..., 3, 3)`` by Gram-Schmidt on the two stored columns.

    Any 6-vector with independent columns maps to the nearest-in-spirit
    proper rotation: ``b1 = a1/|a1|``, ``b2`` = ``a2`` minus its ``b1``
    part, normalised, ``b3 = b1 x b2``.
    """
    columns = rot6d.reshape(*rot6d.shape[:-1], 3, 2)
    a1, a2 = columns[..., 0], columns[..., 1]
    b1 = F.normalize(a1, dim=-1)
    b2 = F.normalize(a2 - (b1 * a2).sum(dim=-1, keepdim=True) * b1, dim=-1)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def axis_angle_to_rot6d(axis_angle: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` axis-angle -> ``(..., 6)``."""
    return matrix_to_rot6d(axis_angle_to_matrix(axis_angle))


def rot6d_to_axis_angle(rot6d: torch.Tensor) -> torch.Tensor:
    """``(..., 6)`` -> ``(..., 3)`` axis-angle."""
    return matrix_to_axis_angle(rot6d_to_matrix(rot6d))


# -- rotation sequences: noise, spaces, errors (numpy) ------------------------------


def add_rotation_noise(rotations: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``(T, J, 3)`` axis-angle -> the same rotations perturbed like an image-based
    estimator's: exp(n) with n ~ N(0, sigma) rad per frame and joint, plus one burst of
    3-8 frames at 5 sigma on a random joint per 150 frames."""
    noise = rng.normal(scale=sigma, size=rotations.shape)
    num_frames, joints = rotations.shape[:2]
    for _ in range(max(1, num_frames // 150)):
        start, length = int(rng.integers(0, max(num_frames - 8, 1))), int(rng.integers(3, 9))
        noise[start : start + length, int(rng.integers(0, joints))] += rng.normal(
            scale=5 * sigma, size=3
        )
    noisy = axis_angle_to_matrix(torch.from_numpy(noise)) @ axis_angle_to_matrix(
        torch.from_numpy(np.asarray(rotations, dtype=np.float64))
    )
    return matrix_to_axis_angle(noisy).numpy()


def rotations_to_space(rotations: np.ndarray, space: str) -> np.ndarray:
    """``(T, J, 3)`` axis-angle -> ``(T, J, 6)`` 6D (``space="6d"``) or the axis-angle
    itself (``"aa"``)."""
    if space == "aa":
        return rotations
    return matrix_to_rot6d(axis_angle_to_matrix(torch.from_numpy(rotations))).numpy()


def rotations_from_space(values: np.ndarray, space: str) -> np.ndarray:
    """``(T, J, 3)`` axis-angle or ``(T, J, 6)`` 6D values -> ``(T, J, 3, 3)`` matrices."""
    tensor = torch.from_numpy(np.ascontiguousarray(values, dtype=np.float64))
    return (axis_angle_to_matrix(tensor) if space == "aa" else rot6d_to_matrix(tensor)).numpy()


def rotation_errors(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (frame, joint) of ``(T, J, 3, 3)`` matrices: the geodesic angle (degrees)
    and the matrix acceleration error ``|d2 R_pred - d2 R_gt|_F`` x 1000 (``(T - 2, J)``)."""
    relative = np.einsum("tjab,tjcb->tjac", pred, gt)
    cos = np.clip((np.trace(relative, axis1=-2, axis2=-1) - 1) / 2, -1, 1)
    angle = np.degrees(np.arccos(cos))

    def accel(m: np.ndarray) -> np.ndarray:
        return m[:-2] - 2 * m[1:-1] + m[2:]

    accel_error = 1000 * np.linalg.norm(accel(pred) - accel(gt), axis=(-2, -1))
    return angle, accel_error
