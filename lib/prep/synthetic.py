"""Synthetic data in the original npz layout: smooth motion plus estimator-like noise.

Ground truth is a body whose joints follow smooth trajectories (a drifting
root plus per-joint sums of low-frequency sinusoids); detections add
frame-independent jitter and occasional bursts of large errors lasting a few
frames. Used by the tests and the quick demo; the files are exactly those
the loaders read for real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.spatial.transform import Rotation

from ..dataset.base import npz_paths, object_array, save_npz
from ..dataset.specs import lookup


def smooth_motion(
    num_frames: int, num_joints: int, dims: int, fps: float, rng: np.random.Generator
) -> np.ndarray:
    """``(T, K, dims)`` smooth trajectories, about unit size."""
    t = np.arange(num_frames)[:, None, None] / fps
    rest = rng.normal(scale=0.4, size=(1, num_joints, dims))
    motion = np.zeros((num_frames, num_joints, dims))
    for _ in range(3):
        freq = rng.uniform(0.1, 1.2, size=(1, num_joints, dims))
        phase = rng.uniform(0, 2 * np.pi, size=(1, num_joints, dims))
        amplitude = rng.uniform(0.02, 0.12, size=(1, num_joints, dims))
        motion += amplitude * np.sin(2 * np.pi * freq * t + phase)
    drift = np.cumsum(rng.normal(scale=0.002, size=(num_frames, 1, dims)), axis=0)
    drift = uniform_filter1d(drift, 25, axis=0, mode="nearest")
    return rest + motion + drift


def noisy_detection(gt: np.ndarray, jitter: float, rng: np.random.Generator) -> np.ndarray:
    """Add jitter (std ``jitter``) and bursts of 3-8 frames at 5x that size."""
    noise = rng.normal(scale=jitter, size=gt.shape)
    num_frames = gt.shape[0]
    for _ in range(max(1, num_frames // 150)):
        start = int(rng.integers(0, max(num_frames - 8, 1)))
        length = int(rng.integers(3, 9))
        joint = int(rng.integers(0, gt.shape[1]))
        noise[start : start + length, joint] += rng.normal(scale=5 * jitter, size=gt.shape[2])
    return gt + noise


def write_synthetic_dataset(
    base_dir: str | Path,
    name: str = "h36m",
    estimator: str = "fcn",
    representation: str = "3D",
    phases: tuple[str, ...] = ("train", "test"),
    num_sequences: int = 4,
    length_range: tuple[int, int] = (120, 300),
    seed: int = 0,
) -> dict[str, tuple[Path, Path]]:
    """Write ground truth and detections for each phase; returns their paths.

    3D data is in metres (jitter 2 cm), 2D data in pixels of a 1000 x 1000
    image (jitter 4 px); JHMDB-style datasets get ``imgshape`` and ``bbox``.
    SMPL data holds axis-angle ``pose`` (72 per frame: smooth joint angles,
    jitter 0.05 rad) and ``shape`` (10 betas; the estimator's vary per frame).
    """
    written = {}
    for p, phase in enumerate(phases):
        spec = lookup(name, estimator, representation, phase)
        rng = np.random.default_rng([seed, p])
        if representation == "smpl":
            written[phase] = _write_smpl(
                base_dir, name, estimator, phase, num_sequences, length_range, rng, spec.fps
            )
            continue
        layout = spec.layout(estimator, representation)
        dims = 3 if representation == "3D" else 2
        fps = spec.fps or 30.0
        gts, dets, names, shapes, boxes = [], [], [], [], []
        for s in range(num_sequences):
            num_frames = int(rng.integers(length_range[0], length_range[1] + 1))
            gt = smooth_motion(num_frames, layout.num_joints, dims, fps, rng)
            if representation == "2D":
                gt = 500 + 250 * gt
                det = noisy_detection(gt, 4.0, rng)
            else:
                det = noisy_detection(gt, 0.02, rng)
            if spec.remap.get(estimator) and representation == "3D":
                # Stored data is in the pre-remap layout: invert the index map.
                stored = np.zeros((num_frames, max(spec.remap[estimator]) + 1, dims))
                stored_det = stored.copy()
                stored[:, list(spec.remap[estimator])] = gt
                stored_det[:, list(spec.remap[estimator])] = det
                gt, det = stored, stored_det
            gts.append(gt.reshape(num_frames, -1))
            dets.append(det.reshape(num_frames, -1))
            names.append(np.array([f"seq{s:03d}/{i + 1:06d}.jpg" for i in range(num_frames)]))
            shapes.append(np.array([1000, 1000]))
            corners = gt.reshape(num_frames, -1, dims)[..., :2]
            boxes.append(np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1))
        key = {"3D": "joints_3d", "2D": "joints_2d"}[representation]
        gt_path, det_path = npz_paths(base_dir, name, estimator, representation, phase)
        gt_arrays = {"imgname": object_array(names), key: object_array(gts)}
        if spec.normalization_2d is not None and spec.normalization_2d.kind == "image_shape":
            gt_arrays["imgshape"] = object_array(shapes)
        if spec.pck:
            gt_arrays["bbox"] = object_array(boxes)
        save_npz(gt_path, gt_arrays)
        save_npz(det_path, {"imgname": object_array(names), key: object_array(dets)})
        written[phase] = (gt_path, det_path)
    return written


def _write_smpl(
    base_dir: str | Path,
    name: str,
    estimator: str,
    phase: str,
    num_sequences: int,
    length_range: tuple[int, int],
    rng: np.random.Generator,
    fps: float | None,
) -> tuple[Path, Path]:
    poses, noisy, gt_betas, det_betas, names = [], [], [], [], []
    for s in range(num_sequences):
        num_frames = int(rng.integers(length_range[0], length_range[1] + 1))
        pose = 0.5 * smooth_motion(num_frames, 24, 3, fps or 30.0, rng)
        pose -= pose.mean(axis=0, keepdims=True)  # angles about a neutral rest pose
        # Camera convention of image-based estimators: the body is turned by pi about x.
        upright = Rotation.from_rotvec([np.pi, 0.0, 0.0]) * Rotation.from_rotvec(pose[:, 0])
        pose[:, 0] = upright.as_rotvec()
        poses.append(pose.reshape(num_frames, 72))
        noisy.append(noisy_detection(pose, 0.05, rng).reshape(num_frames, 72))
        betas = rng.normal(scale=0.8, size=(1, 10))  # constant for the ground truth
        gt_betas.append(np.repeat(betas, num_frames, axis=0))
        det_betas.append(betas + rng.normal(scale=0.1, size=(num_frames, 10)))
        names.append(np.array([f"seq{s:03d}/{i + 1:06d}.jpg" for i in range(num_frames)]))
    gt_path, det_path = npz_paths(base_dir, name, estimator, "smpl", phase)
    save_npz(
        gt_path,
        {
            "imgname": object_array(names),
            "pose": object_array(poses),
            "shape": object_array(gt_betas),
        },
    )
    save_npz(
        det_path,
        {
            "imgname": object_array(names),
            "pose": object_array(noisy),
            "shape": object_array(det_betas),
        },
    )
    return gt_path, det_path
