"""Human3.6M with Stacked-Hourglass detections (the 3d-pose-baseline release).

Source files (per-subject h5, as published with Martinez et al.'s baseline):

- ``cameras.h5``: ``subject<n>/camera<1..4>/{R, T, f, c, k, p, Name}``; ``R`` is
  stored transposed, ``T`` is in mm;
- ``S<n>/MyPoses/3D_positions/<Action>[ <k>].h5``: ``3D_positions`` (96, T),
  world coordinates in mm on the 32-joint skeleton;
- ``S<n>/StackedHourglass/<Action>[_<k>].<camera>.h5``: ``poses`` (T, 16, 2),
  pixels of the 1000 x 1000 image, MPII joint order.

Conventions: ``X_cam = R (X_world - T)``; projection with the dataset's own
radial (k1..k3) and tangential (p1, p2) distortion (below). Joint orders:
Human3.6M-17 for 3D, Hourglass-16 (Human3.6M-17 without the nose) for 2D.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: H36M-32 indices of the Human3.6M-17 joints (3D ground truth).
H36M17_FROM_32: tuple[int, ...] = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
#: H36M-32 indices of the Hourglass-16 joints (2D ground truth).
HOURGLASS16_FROM_32: tuple[int, ...] = (0, 1, 2, 3, 6, 7, 8, 12, 13, 15, 17, 18, 19, 25, 26, 27)
#: Stacked-Hourglass file order -> Hourglass-16 order.
HOURGLASS16_FROM_SH: tuple[int, ...] = (6, 2, 1, 0, 3, 4, 5, 7, 8, 9, 13, 14, 15, 12, 11, 10)
TRAIN_SUBJECTS: tuple[int, ...] = (1, 5, 6, 7, 8)
TEST_SUBJECTS: tuple[int, ...] = (9, 11)
#: Takes whose ground truth is offset from the video (all cameras); reported, not corrected.
FLAGGED_TAKES: tuple[tuple[int, str], ...] = (
    (9, "Greeting"),
    (9, "SittingDown 1"),
    (9, "Waiting 1"),
)


@dataclass(frozen=True)
class Camera:
    """One calibrated Human3.6M camera (``R`` already transposed back)."""

    name: str
    R: np.ndarray  # (3, 3)
    T: np.ndarray  # (3,), mm
    f: np.ndarray  # (2,)
    c: np.ndarray  # (2,)
    k: np.ndarray  # (3,)
    p: np.ndarray  # (2,)


def read_cameras(path: str | Path) -> dict[tuple[int, str], Camera]:
    """``(subject, camera name) -> Camera`` from ``cameras.h5``."""
    import h5py

    cameras = {}
    with h5py.File(path, "r") as f:
        for group in f:
            if not group.startswith("subject"):
                continue
            subject = int(group[len("subject") :])
            for cam in f[group]:
                node = f[group][cam]
                name = "".join(chr(int(v)) for v in np.asarray(node["Name"]).ravel())
                cameras[(subject, name)] = Camera(
                    name=name,
                    R=np.asarray(node["R"]).T,
                    T=np.asarray(node["T"]).ravel(),
                    f=np.asarray(node["f"]).ravel(),
                    c=np.asarray(node["c"]).ravel(),
                    k=np.asarray(node["k"]).ravel(),
                    p=np.asarray(node["p"]).ravel(),
                )
    return cameras


def world_to_camera(points: np.ndarray, camera: Camera) -> np.ndarray:
    """``(..., 3)`` world mm -> camera mm: ``R (X - T)``."""
    return (points - camera.T) @ camera.R.T


def project(points_cam: np.ndarray, camera: Camera) -> np.ndarray:
    """``(..., 3)`` camera mm -> ``(..., 2)`` pixels, with the dataset's distortion model.

    ``x = X/Z, y = Y/Z, r2 = x^2 + y^2``; ``rho = 1 + k1 r2 + k2 r2^2 + k3 r2^3``;
    ``tau = p1 y + p2 x``; ``x_d = x (rho + tau) + p2 r2``, ``y_d = y (rho + tau)
    + p1 r2``; ``u = f_x x_d + c_x``, ``v = f_y y_d + c_y``.
    """
    x = points_cam[..., 0] / points_cam[..., 2]
    y = points_cam[..., 1] / points_cam[..., 2]
    r2 = x**2 + y**2
    k1, k2, k3 = camera.k
    p1, p2 = camera.p
    rho = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    tau = p1 * y + p2 * x
    xd = x * (rho + tau) + p2 * r2
    yd = y * (rho + tau) + p1 * r2
    return np.stack([camera.f[0] * xd + camera.c[0], camera.f[1] * yd + camera.c[1]], axis=-1)


def read_h5(path: Path, key: str) -> np.ndarray:
    import h5py

    with h5py.File(path, "r") as f:
        return np.asarray(f[key])


@dataclass
class ConvertedTake:
    """One subject x take x camera, converted.

    Attributes:
        name: ``S9_Walking_1.54138969``.
        detections: ``(T, 16, 2)`` Stacked-Hourglass detections, pixels, Hourglass-16 order.
        groundtruth_2d: ``(T, 16, 2)`` projected ground truth, pixels, same order.
        groundtruth_3d: ``(T, 17, 3)`` ground truth in the camera frame, metres, H36M-17.
        flagged: a known ground-truth/video misalignment.
    """

    name: str
    detections: np.ndarray
    groundtruth_2d: np.ndarray
    groundtruth_3d: np.ndarray
    flagged: bool

    @property
    def error_px(self) -> np.ndarray:
        """``(T,)`` mean joint distance between detections and projected ground truth."""
        return np.linalg.norm(self.detections - self.groundtruth_2d, axis=-1).mean(axis=1)


def take_files(root: Path, subject: int) -> list[tuple[str, Path]]:
    """``(take, ground-truth file)`` of a subject, e.g. ``("Walking 1", .../Walking 1.h5)``."""
    folder = root / f"S{subject}" / "MyPoses" / "3D_positions"
    return sorted((p.stem, p) for p in folder.glob("*.h5"))


def convert_take(
    root: Path, subject: int, take: str, gt_file: Path, cameras: dict[tuple[int, str], Camera]
) -> tuple[list[ConvertedTake], list[str]]:
    """Every camera of one take; returns the converted ones and the skipped ones (with why)."""
    world = read_h5(gt_file, "3D_positions").T.reshape(-1, 32, 3)
    converted, skipped = [], []
    sh_take = take.replace(" ", "_")
    for (s, name), camera in sorted(cameras.items()):
        if s != subject:
            continue
        label = f"S{subject}_{sh_take}.{name}"
        sh_file = root / f"S{subject}" / "StackedHourglass" / f"{sh_take}.{name}.h5"
        if not sh_file.is_file():
            skipped.append(f"{label}: no detection file {sh_file.name}")
            continue
        detections = read_h5(sh_file, "poses").reshape(-1, 16, 2)[:, list(HOURGLASS16_FROM_SH)]
        if len(detections) != len(world):
            raise ValueError(
                f"{sh_file}: {len(detections)} detected frames but "
                f"{len(world)} ground-truth frames in {gt_file}"
            )
        cam = world_to_camera(world, camera)
        converted.append(
            ConvertedTake(
                name=label,
                detections=detections.astype(np.float64),
                groundtruth_2d=project(cam[:, list(HOURGLASS16_FROM_32)], camera),
                groundtruth_3d=cam[:, list(H36M17_FROM_32)] / 1000.0,
                flagged=(subject, take) in FLAGGED_TAKES,
            )
        )
    return converted, skipped
