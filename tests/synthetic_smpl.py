"""A synthetic SMPL-format model (random but valid) and an independent NumPy forward pass.

The real SMPL files are licensed; tests build a model with the same arrays
and shapes: 6890 vertices scattered along the bones of a T-posed 24-joint
skeleton, a joint regressor averaging each joint's vertices, skinning weights
shared between a joint and its parent, small shape and pose blend shapes.
"""

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

PARENTS = np.array(
    [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]
)
OFFSETS = np.array([
    [0, 0, 0], [0.06, -0.09, 0], [-0.06, -0.09, 0], [0, 0.1, 0], [0.04, -0.38, 0], [-0.04, -0.38, 0],
    [0, 0.14, 0], [0, -0.4, 0], [0, -0.4, 0], [0, 0.05, 0], [0, -0.06, 0.12], [0, -0.06, 0.12],
    [0, 0.21, 0], [0.08, 0.12, 0], [-0.08, 0.12, 0], [0, 0.09, 0.05], [0.1, 0.03, 0], [-0.1, 0.03, 0],
    [0.26, 0, 0], [-0.26, 0, 0], [0.25, 0, 0], [-0.25, 0, 0], [0.08, 0, 0], [-0.08, 0, 0],
])  # fmt: skip
NUM_VERTICES = 6890


def make_model(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    joints = np.zeros((24, 3))
    for k in range(1, 24):
        joints[k] = joints[PARENTS[k]] + OFFSETS[k]
    owner = np.arange(NUM_VERTICES) % 24
    parent = np.where(PARENTS[owner] < 0, 0, PARENTS[owner])
    along = rng.uniform(0, 1, NUM_VERTICES)[:, None]
    vertices = (
        joints[parent]
        + along * (joints[owner] - joints[parent])
        + rng.normal(scale=0.02, size=(NUM_VERTICES, 3))
    )
    regressor = np.zeros((24, NUM_VERTICES))
    regressor[owner, np.arange(NUM_VERTICES)] = 1.0
    regressor /= regressor.sum(axis=1, keepdims=True)
    weights = np.zeros((NUM_VERTICES, 24))
    weights[np.arange(NUM_VERTICES), owner] = 0.7 + 0.3 * (1 - along[:, 0])
    weights[np.arange(NUM_VERTICES), parent] += 1 - weights[np.arange(NUM_VERTICES), owner]
    kintree = np.stack([np.where(PARENTS < 0, 4294967295, PARENTS), np.arange(24)]).astype(np.int64)
    return {
        "v_template": vertices,
        "shapedirs": rng.normal(scale=0.01, size=(NUM_VERTICES, 3, 10)),
        "posedirs": rng.normal(scale=0.002, size=(NUM_VERTICES, 3, 207)),
        "J_regressor": regressor,
        "kintree_table": kintree,
        "weights": weights,
        "f": rng.integers(0, NUM_VERTICES, size=(13776, 3)).astype(np.int64),
    }


def write_model(folder: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """``SMPL_NEUTRAL.npz`` and ``J_regressor_extra.npy`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    model = make_model(seed)
    np.savez(folder / "SMPL_NEUTRAL.npz", **model)
    extra = np.random.default_rng(seed + 1).uniform(size=(9, NUM_VERTICES))
    extra /= extra.sum(axis=1, keepdims=True)
    np.save(folder / "J_regressor_extra.npy", extra)
    return model


def reference_forward(
    model: dict[str, np.ndarray], extra: np.ndarray, pose: np.ndarray, betas: np.ndarray
):
    """Linear blend skinning written out frame by frame: (14 joints, vertices)."""
    out_joints, out_vertices = [], []
    for p, b in zip(pose, betas):
        shaped = model["v_template"] + model["shapedirs"] @ b
        rest = model["J_regressor"] @ shaped
        rot = Rotation.from_rotvec(p.reshape(24, 3)).as_matrix()
        feature = (rot[1:] - np.eye(3)).reshape(-1)
        posed_rest = shaped + model["posedirs"] @ feature
        world = np.zeros((24, 4, 4))
        for k in range(24):
            local = np.eye(4)
            local[:3, :3] = rot[k]
            local[:3, 3] = rest[k] - (rest[PARENTS[k]] if k else 0)
            world[k] = local if k == 0 else world[PARENTS[k]] @ local
        skin = world.copy()
        skin[:, :3, 3] -= np.einsum("kij,kj->ki", world[:, :3, :3], rest)
        blended = np.einsum("vk,kij->vij", model["weights"], skin)
        vertices = np.einsum("vij,vj->vi", blended[:, :3, :3], posed_rest) + blended[:, :3, 3]
        posed_joints = world[:, :3, 3]
        j14 = np.concatenate(
            [
                posed_joints[[8, 5, 2, 1, 4, 7, 21, 19, 17, 16, 18, 20, 12]],
                (extra[3] @ vertices)[None],
            ]
        )
        out_joints.append(j14)
        out_vertices.append(vertices)
    return np.array(out_joints), np.array(out_vertices)
