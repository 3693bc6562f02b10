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


def moving_joints(sequences: list[np.ndarray], tolerance: float = 1e-6) -> np.ndarray:
    """Indices of joints whose rotation changes in any sequence (the others are fixed)."""
    change = np.zeros(sequences[0].shape[1], dtype=bool)
    for seq in sequences:
        if len(seq) > 1:
            change |= np.abs(np.diff(seq, axis=0)).max(axis=(0, 2)) > tolerance
    return np.flatnonzero(change)
