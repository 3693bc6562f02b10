"""A one-page PNG summary of a smoothed sequence.

Top: per-joint acceleration error and MPJPE, input vs SmoothNet (per-joint
jitter when there is no ground truth). Bottom: the trajectory of the joint
with the largest input acceleration error (or jitter), one panel per
coordinate, input vs SmoothNet vs ground truth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..utils.io import atomic_path
from ..utils.metrics import pooled_mean
from .render import INPUT_COLOUR, OUTPUT_COLOUR, PoseClip, error_curves


def joint_names(clip: PoseClip) -> list[str]:
    """The layout's joint names, or indices when the data has another joint count."""
    count = clip.estimator.shape[1]
    if count == clip.layout.num_joints:
        return list(clip.layout.joints)
    return [str(k) for k in range(count)]


def per_joint(clip: PoseClip) -> dict[str, np.ndarray]:
    """``(K,)`` per-joint means of the same per-frame curves the video shows."""
    out: dict[str, list[float]] = {}
    for k in range(clip.estimator.shape[1]):
        single = PoseClip(
            clip.name,
            clip.layout,
            clip.estimator[:, [k]],
            clip.smoothed[:, [k]],
            None if clip.groundtruth is None else clip.groundtruth[:, [k]],
            clip.fps,
            clip.units,
            clip.first_frame,
        )
        for key, curve in error_curves(single).items():
            out.setdefault(key, []).append(pooled_mean(curve))
    return {key: np.array(values) for key, values in out.items()}


def write_summary(clip: PoseClip, path: str | Path) -> Path:
    """Draw the summary of ``clip`` to ``path`` (PNG, written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = per_joint(clip)
    groups = [
        [k for k in stats if "accel" in k or "jitter" in k],
        [k for k in stats if "MPJPE" in k],
    ]
    groups = [g for g in groups if g]
    dims = clip.dims
    fig = plt.figure(figsize=(14, 8))
    grid = fig.add_gridspec(2, 6)  # top: one bar chart per group; bottom: one panel per axis
    names = joint_names(clip)
    x = np.arange(len(names))
    span = 6 // len(groups)
    for col, keys in enumerate(groups):
        ax = fig.add_subplot(grid[0, col * span : (col + 1) * span])
        width = 0.4
        for i, key in enumerate(keys):
            colour = INPUT_COLOUR if key.startswith("input") else OUTPUT_COLOUR
            ax.bar(x + (i - 0.5) * width, stats[key], width, color=colour, label=key)
        kind = (
            "MPJPE" if "MPJPE" in keys[0] else ("jitter" if "jitter" in keys[0] else "accel error")
        )
        unit = clip.units if kind == "MPJPE" else f"{clip.units}/frame²"
        ax.set_title(f"per-joint {kind} ({unit})")
        ax.set_xticks(x, names, rotation=60, fontsize=7, ha="right")
        ax.legend(fontsize=8)
    key = groups[0][0]
    worst = int(np.nanargmax(stats[key]))
    frames = clip.first_frame + np.arange(clip.num_frames)
    span = 6 // dims
    for d in range(dims):
        ax = fig.add_subplot(grid[1, d * span : (d + 1) * span])
        ax.plot(frames, clip.estimator[:, worst, d], color=INPUT_COLOUR, lw=0.9, label="input")
        ax.plot(frames, clip.smoothed[:, worst, d], color=OUTPUT_COLOUR, lw=1.3, label="SmoothNet")
        if clip.groundtruth is not None:
            ax.plot(
                frames,
                clip.groundtruth[:, worst, d],
                color="black",
                lw=0.9,
                ls="--",
                label="ground truth",
            )
        ax.set_title(f"{names[worst]}: {'xyz'[d]} ({clip.units})", fontsize=10)
        ax.set_xlabel("frame")
        if d == 0:
            ax.legend(fontsize=8)
    fig.suptitle(
        f"{clip.name}: worst joint by {key} = {names[worst]}; "
        + ", ".join(f"{k} {pooled_mean(v):.2f}" for k, v in error_curves(clip).items()),
        fontsize=10,
    )
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return Path(path)
