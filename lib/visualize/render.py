"""Rendering a pose sequence to video frames: Estimator | Estimator + SmoothNet | Ground truth.

Each frame shows the three poses (2D or 3D skeletons; bones coloured by body
side, joints drawn as markers) above the per-frame acceleration-error and
MPJPE curves of the whole clip with a cursor at the current frame. Without
ground truth the "Ground truth" panel and the error curves are left out and
the curves show the acceleration magnitude (jitter) of input and output.

One figure is built per process and only its artists' data change from frame
to frame; frames are rendered in parallel worker processes and written in
order.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..dataset.specs import JointLayout
from ..utils.metrics import accel_error, mpjpe

LEFT, RIGHT, CENTRE = "#1f77b4", "#d62728", "#444444"
VERTEX_STEP = 8  # draw every 8th SMPL vertex (862 of 6890): the body's shape, quickly
INPUT_COLOUR, OUTPUT_COLOUR = "#8c8c8c", "#d62728"


@dataclass
class PoseClip:
    """One sequence to draw, in metric units.

    Attributes:
        name: title of the clip.
        layout: the skeleton.
        estimator: ``(T, K, d)`` estimator output (d = 2 pixels, or 3).
        smoothed: ``(T, K, d)`` SmoothNet output.
        groundtruth: ``(T, K, d)`` ground truth, or None.
        fps: frame rate of the video.
        units: ``"mm"`` or ``"px"``.
        first_frame: index of the clip's first frame in its sequence (for labels).
        vertices: SMPL vertices ``(T, V, 3)`` drawn as a light point cloud, one
            array per pose panel (estimator, smoothed, ground truth), or None.
    """

    name: str
    layout: JointLayout
    estimator: np.ndarray
    smoothed: np.ndarray
    groundtruth: np.ndarray | None
    fps: float
    units: str
    first_frame: int = 0
    vertices: tuple[np.ndarray | None, ...] | None = None

    @property
    def dims(self) -> int:
        return self.estimator.shape[-1]

    @property
    def num_frames(self) -> int:
        return self.estimator.shape[0]


def bone_colours(layout: JointLayout) -> list[str]:
    """Per edge: blue for the left side, red for the right, grey for the middle."""
    colours = []
    for a, b in layout.edges:
        sides = {layout.joints[a][:2], layout.joints[b][:2]}
        colours.append(LEFT if sides <= {"l_"} else RIGHT if sides <= {"r_"} else CENTRE)
    return colours


def jitter(x: np.ndarray) -> np.ndarray:
    """``(T,)`` mean joint acceleration magnitude, aligned with frames (NaN at the ends)."""
    return accel_error(x, np.zeros_like(x))


def error_curves(clip: PoseClip) -> dict[str, np.ndarray]:
    """Per-frame curves drawn under the poses, keyed by label."""
    if clip.groundtruth is None:
        return {"input jitter": jitter(clip.estimator), "SmoothNet jitter": jitter(clip.smoothed)}
    return {
        "input accel": accel_error(clip.estimator, clip.groundtruth),
        "SmoothNet accel": accel_error(clip.smoothed, clip.groundtruth),
        "input MPJPE": mpjpe(clip.estimator, clip.groundtruth),
        "SmoothNet MPJPE": mpjpe(clip.smoothed, clip.groundtruth),
    }


def _display(points: np.ndarray, dims: int) -> np.ndarray:
    """3D camera coordinates (x right, y down, z forward) -> plot axes (x, z, -y)."""
    if dims == 2:
        return points
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], axis=-1)


class FrameRenderer:
    """Draws frames of one clip with a single reused matplotlib figure.

    Args:
        clip: what to draw.
        size: ``(width, height)`` of a frame in pixels.
        dpi: figure resolution.
    """

    def __init__(self, clip: PoseClip, size: tuple[int, int] = (1280, 720), dpi: int = 100) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.clip, self.size = clip, size
        self.figure = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        poses = {"Estimator": clip.estimator, "Estimator + SmoothNet": clip.smoothed}
        if clip.groundtruth is not None:
            poses["Ground truth"] = clip.groundtruth
        self.poses = {title: _display(p, clip.dims) for title, p in poses.items()}
        curves = error_curves(clip)
        groups = [
            [k for k in curves if "accel" in k or "jitter" in k],
            [k for k in curves if "MPJPE" in k],
        ]
        groups = [g for g in groups if g]
        grid = self.figure.add_gridspec(
            1 + len(groups), len(poses), height_ratios=[3] + [1] * len(groups)
        )
        self.figure.subplots_adjust(left=0.06, right=0.98, top=0.94, bottom=0.07, hspace=0.45)
        colours = bone_colours(clip.layout)
        self.artists = []
        self.clouds = []
        limits = self._limits()
        vertex_sets = list(clip.vertices or [])
        for i, (title, points) in enumerate(self.poses.items()):
            if clip.dims == 3:
                ax = self.figure.add_subplot(grid[0, i], projection="3d")
                ax.view_init(elev=12, azim=-70)
                for setter, (lo, hi) in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), limits):
                    setter(lo, hi)
                ax.set_box_aspect((1, 1, 1), zoom=1.35)
                ax.set_xticklabels([])
                ax.set_yticklabels([])
                ax.set_zticklabels([])
                bones = [ax.plot([], [], [], color=c, lw=2.2)[0] for c in colours]
                joints = ax.plot([], [], [], "o", color="black", ms=3.5)[0]
                if i < len(vertex_sets) and vertex_sets[i] is not None:
                    cloud = ax.plot([], [], [], ".", color="#7f7f7f", ms=1.0, alpha=0.35)[0]
                    self.clouds.append((_display(vertex_sets[i][:, ::VERTEX_STEP], 3), cloud))
            else:
                ax = self.figure.add_subplot(grid[0, i])
                ax.set_xlim(*limits[0])
                ax.set_ylim(limits[1][1], limits[1][0])  # image y points down: no mirroring
                ax.set_aspect("equal")
                bones = [ax.plot([], [], color=c, lw=2.2)[0] for c in colours]
                joints = ax.plot([], [], "o", color="black", ms=3.5)[0]
            ax.set_title(title, fontsize=11)
            self.artists.append((points, bones, joints))
        self.cursors = []
        frames = clip.first_frame + np.arange(clip.num_frames)
        for row, keys in enumerate(groups, start=1):
            ax = self.figure.add_subplot(grid[row, :])
            for key in keys:
                colour = INPUT_COLOUR if key.startswith("input") else OUTPUT_COLOUR
                ax.plot(frames, curves[key], color=colour, lw=1, label=key)
            kind = (
                "MPJPE"
                if "MPJPE" in keys[0]
                else ("jitter" if "jitter" in keys[0] else "accel error")
            )
            unit = clip.units if kind == "MPJPE" else f"{clip.units}/frame²"
            ax.set_ylabel(f"{kind} ({unit})", fontsize=8)
            ax.set_xlim(frames[0], frames[0] + max(clip.num_frames - 1, 1))
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=7, loc="upper right")
            self.cursors.append(ax.axvline(0, color="black", lw=0.8))
        self.title = self.figure.suptitle("", fontsize=10, x=0.01, y=0.99, ha="left")

    def _limits(self) -> list[tuple[float, float]]:
        """Fixed axis limits covering every pose of the clip (equal spans in 3D)."""
        points = np.concatenate([p.reshape(-1, self.clip.dims) for p in self.poses.values()])
        points = points[np.isfinite(points).all(axis=1)]
        lo, hi = points.min(axis=0), points.max(axis=0)
        centre, half = (lo + hi) / 2, (hi - lo).max() / 2 * 1.1 + 1e-6
        if self.clip.dims == 2:
            half = (hi - lo) / 2 * 1.1 + 1e-6
            return [(centre[i] - half[i], centre[i] + half[i]) for i in range(2)]
        return [(c - half, c + half) for c in centre]

    def render(self, t: int) -> np.ndarray:
        """The ``(height, width, 3)`` uint8 image of frame ``t``."""
        edges = self.clip.layout.edges
        for points, bones, joints in self.artists:
            frame = points[t]
            for line, (a, b) in zip(bones, edges):
                ends = frame[[a, b]]
                if self.clip.dims == 3:
                    line.set_data_3d(ends[:, 0], ends[:, 1], ends[:, 2])
                else:
                    line.set_data(ends[:, 0], ends[:, 1])
            if self.clip.dims == 3:
                joints.set_data_3d(frame[:, 0], frame[:, 1], frame[:, 2])
            else:
                joints.set_data(frame[:, 0], frame[:, 1])
        frame_number = self.clip.first_frame + t
        for points, cloud in self.clouds:
            cloud.set_data_3d(points[t, :, 0], points[t, :, 1], points[t, :, 2])
        for cursor in self.cursors:
            cursor.set_xdata([frame_number, frame_number])
        self.title.set_text(f"{self.clip.name}   frame {frame_number}")
        self.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


_WORKER: FrameRenderer | None = None


def _init_worker(clip: PoseClip, size: tuple[int, int]) -> None:
    global _WORKER
    _WORKER = FrameRenderer(clip, size)


def _render_range(bounds: tuple[int, int]) -> np.ndarray:
    assert _WORKER is not None
    return np.stack([_WORKER.render(t) for t in range(*bounds)])


def render_video(
    clip: PoseClip,
    path: str | Path,
    start: int = 0,
    end: int | None = None,
    size: tuple[int, int] = (1280, 720),
    workers: int | None = None,
    progress: bool = True,
) -> int:
    """Render frames ``[start, end)`` of a clip to an MP4 at the clip's fps.

    Args:
        clip: what to draw.
        path: output ``.mp4`` (written atomically).
        start: first frame (clipped to the sequence).
        end: end frame, exclusive (None: the last frame).
        size: ``(width, height)`` in pixels (even numbers).
        workers: rendering processes (default: the available cores).
        progress: show a tqdm bar.

    Returns:
        The number of frames written.
    """
    from tqdm import tqdm

    from .video import write_video

    start = max(0, start)
    end = clip.num_frames if end is None else min(end, clip.num_frames)
    if end <= start:
        raise ValueError(
            f"empty frame range [{start}, {end}) for a clip of {clip.num_frames} frames"
        )
    workers = workers or max(1, len(os.sched_getaffinity(0)))
    chunk = 20
    bounds = [(s, min(s + chunk, end)) for s in range(start, end, chunk)]
    bar = tqdm(
        total=end - start,
        desc="rendering",
        unit="frame",
        disable=None if progress else True,
        leave=False,
    )

    def frames(chunks):
        for block in chunks:
            bar.update(len(block))
            yield from block

    try:
        if workers == 1:
            _init_worker(clip, size)
            count = write_video(path, frames(map(_render_range, bounds)), size, clip.fps)
        else:
            method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
            with mp.get_context(method).Pool(workers, _init_worker, (clip, size)) as pool:
                count = write_video(path, frames(pool.imap(_render_range, bounds)), size, clip.fps)
    finally:
        bar.close()
    return count
