"""Reading exponential-map motion capture (CMU / Human3.6M text files of motion prediction).

Each line of a file is one frame of comma-separated numbers: 3 root-position
values followed by one 3-vector exponential map (axis-angle) per joint, as
published with the DMGNN and Martinez et al. motion-prediction code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_expmap_txt(path: str | Path) -> np.ndarray:
    """``(T, J, 3)`` joint axis-angles of one file (the root position is dropped).

    Raises:
        ValueError: one line naming the file when it is empty or malformed.
    """
    path = Path(path)
    try:
        values = np.loadtxt(path, delimiter=",", ndmin=2)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read exponential maps from {path}: {err}") from None
    if values.shape[0] == 0 or (values.shape[1] - 3) % 3 or values.shape[1] < 6:
        raise ValueError(
            f"{path}: expected 3 + 3*J comma-separated values per line, got {values.shape[1]}"
        )
    return values[:, 3:].reshape(values.shape[0], -1, 3)


def drop_calibration_frames(expmaps: np.ndarray, zero_share: float = 0.8) -> np.ndarray:
    """Remove the leading calibration pose of a CMU capture.

    Every CMU file of the motion-prediction release starts with the capture's
    calibration pose (arms straight out to the sides): a frame whose joint
    rotations are nearly all exactly zero (94 % of its values, against at
    most 48 % in any later frame). Left in, it makes a 0.5-0.8 m jump
    between frames 0 and 1.

    Args:
        expmaps: ``(T, J, 3)`` axis-angles from :func:`read_expmap_txt`.
        zero_share: a leading frame with more than this share of exactly-zero
            values is dropped.

    Returns:
        ``(T', J, 3)`` without the leading calibration frames.
    """
    zeros = (expmaps.reshape(len(expmaps), -1) == 0).mean(axis=1)
    first = 0
    while first < len(expmaps) - 1 and zeros[first] > zero_share:
        first += 1
    return expmaps[first:]


def moving_joints(sequences: list[np.ndarray], tolerance: float = 1e-6) -> np.ndarray:
    """Indices of joints whose rotation changes in any sequence (the others are fixed)."""
    change = np.zeros(sequences[0].shape[1], dtype=bool)
    for seq in sequences:
        if len(seq) > 1:
            change |= np.abs(np.diff(seq, axis=0)).max(axis=(0, 2)) > tolerance
    return np.flatnonzero(change)


# The 38-joint CMU skeleton of the motion-prediction release (DMGNN ``data/cmu``):
# each joint's parent (-1: root) and its rest offset from the parent, in the
# ASF length unit (1/0.45 inch).
CMU_PARENTS: tuple[int, ...] = (
    -1, 0, 1, 2, 3, 4, 5, 0, 7, 8, 9, 10, 11, 0, 13, 14, 15, 16, 17, 18,
    15, 20, 21, 22, 23, 24, 25, 23, 27, 15, 29, 30, 31, 32, 33, 34, 32, 36,
)  # fmt: skip
CMU_OFFSETS: tuple[tuple[float, float, float], ...] = (
    (0, 0, 0), (0, 0, 0), (1.65674, -1.80282, 0.62477), (2.5972, -7.13576, 0),
    (2.49236, -6.8477, 0), (0.19704, -0.54136, 2.14581), (0, 0, 1.11249), (0, 0, 0),
    (-1.6107, -1.80282, 0.62476), (-2.59502, -7.12977, 0), (-2.4678, -6.78024, 0),
    (-0.23024, -0.63258, 2.13368), (0, 0, 1.11569), (0, 0, 0), (0.01961, 2.0545, -0.14112),
    (0.01021, 2.06436, -0.05921), (0, 0, 0), (0.00713, 1.56711, 0.14968),
    (0.03429, 1.56041, -0.10006), (0.01305, 1.6256, -0.05265), (0, 0, 0),
    (3.54205, 0.90436, -0.17364), (4.86513, 0, 0), (3.35554, 0, 0), (0, 0, 0),
    (0.66117, 0, 0), (0.53306, 0, 0), (0, 0, 0), (0.5412, 0, 0.5412), (0, 0, 0),
    (-3.49802, 0.75994, -0.32616), (-5.02649, 0, 0), (-3.36431, 0, 0), (0, 0, 0),
    (-0.73041, 0, 0), (-0.58887, 0, 0), (0, 0, 0), (-0.59786, 0, 0.59786),
)  # fmt: skip
CMU_UNIT_M = 0.0254 / 0.45  # one ASF length unit in metres
# CMU joints standing in for H36M-17 (pelvis, right leg, left leg, spine, thorax,
# neck, head top, left arm, right arm). A joint sits at the end of its own
# offset from its parent: joint 2 is the left hip, 3 the knee, 4 the ankle.
CMU_TO_H36M17: tuple[int, ...] = (0, 8, 9, 10, 2, 3, 4, 14, 16, 17, 19, 21, 22, 23, 30, 31, 32)


def forward_kinematics(
    rotations: np.ndarray,
    parents: tuple[int, ...] = CMU_PARENTS,
    offsets: tuple[tuple[float, float, float], ...] = CMU_OFFSETS,
) -> np.ndarray:
    """Joint positions of a skeleton posed by exponential maps, root at the origin.

    Follows the motion-prediction files' convention: a joint's global rotation
    is its parent's composed with the transpose of its own exponential map,
    and a joint sits at its rest offset, rotated by the parent's global
    rotation, from the parent.

    Args:
        rotations: ``(T, J, 3)`` axis-angle per joint (``J = len(parents)``).
        parents: parent index per joint, parents before children, ``-1`` for the root.
        offsets: ``(J, 3)`` rest offsets from the parent.

    Returns:
        ``(T, J, 3)`` positions in the offsets' unit.
    """
    import torch

    from ..utils.rotations import axis_angle_to_matrix

    if rotations.ndim != 3 or rotations.shape[1:] != (len(parents), 3):
        raise ValueError(f"rotations must be (T, {len(parents)}, 3), got {rotations.shape}")
    local = axis_angle_to_matrix(torch.from_numpy(-np.asarray(rotations, np.float64))).numpy()
    offset = np.asarray(offsets, np.float64)
    frames = len(rotations)
    glob = np.empty((frames, len(parents), 3, 3))
    pos = np.zeros((frames, len(parents), 3))
    for joint, parent in enumerate(parents):
        if parent < 0:
            glob[:, joint] = local[:, joint]
            pos[:, joint] = offset[joint]
            continue
        glob[:, joint] = glob[:, parent] @ local[:, joint]
        pos[:, joint] = pos[:, parent] + glob[:, parent] @ offset[joint]
    return pos
