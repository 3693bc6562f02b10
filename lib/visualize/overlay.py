"""Before/after skeletons drawn over the frames of the user's own video.

For 2D keypoints in the video's pixels (any estimator, several people): a video of the
input and smoothed skeletons side by side or overlaid, each person labelled with its
track id, and a still PNG for people who will not watch it (a strip of the frames where
smoothing moved the points most, and one joint's trajectory before and after).

Frames are decoded and encoded one at a time through ffmpeg (``imageio-ffmpeg``), and
drawn with Pillow; outputs are written under a temporary name and renamed when complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..dataset.specs import LAYOUTS, JointLayout
from .video import VideoError, VideoInfo, read_frames, read_video_info, write_video

#: Colours of the input and the smoothed skeleton (RGB).
INPUT_RGB, SMOOTHED_RGB = (255, 159, 28), (46, 196, 182)
#: Rendering modes: both panels side by side, or both skeletons on one frame.
MODES = ("side", "overlay")
#: The widest video written; wider frames are scaled down.
MAX_WIDTH = 1920
#: Share of the finite keypoints that must fall inside the frame (widened by
#: ``FRAME_MARGIN`` of its size on every side) for keypoints and video to match.
MIN_INSIDE, FRAME_MARGIN = 0.5, 0.25
#: Default skeleton by joint count (17 joints: COCO's order, what 2D estimators write).
SKELETON_BY_JOINTS = {17: "coco17", 33: "blazepose33"} | {
    layout.num_joints: name for name, layout in LAYOUTS.items() if layout.num_joints not in (17, 33)
}


@dataclass(frozen=True)
class TrackPair:
    """One person's keypoints before and after smoothing.

    Attributes:
        track_id: the label drawn beside the person.
        before: ``(T, K, 2)`` input keypoints in the video's pixels (NaN: missing).
        after: ``(T, K, 2)`` smoothed keypoints.
    """

    track_id: str
    before: np.ndarray
    after: np.ndarray


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_comparison` wrote: the file, its frame count, size and fps."""

    path: Path
    frames: int
    size: tuple[int, int]
    fps: float


def skeleton(num_joints: int, name: str | None = None) -> JointLayout | None:
    """The skeleton to draw: ``name`` from :data:`~smoothnet.dataset.specs.LAYOUTS`, else
    the default for ``num_joints``; None (joints only, no bones) when none fits.

    Raises:
        ValueError: ``name`` is unknown or has another joint count.
    """
    if name is None:
        name = SKELETON_BY_JOINTS.get(num_joints)
        return LAYOUTS[name] if name else None
    if name not in LAYOUTS:
        raise ValueError(f"unknown skeleton {name!r}; choose from {', '.join(LAYOUTS)}")
    if LAYOUTS[name].num_joints != num_joints:
        raise ValueError(
            f"skeleton {name} has {LAYOUTS[name].num_joints} joints, the keypoints {num_joints}"
        )
    return LAYOUTS[name]


def check_match(info: VideoInfo, pairs: list[TrackPair], video: str | Path) -> None:
    """Raise a one-line :class:`VideoError` when keypoints and video do not belong together:
    another frame count, or keypoints mostly outside the frame."""
    lengths = {len(p.before) for p in pairs}
    if lengths != {info.frames}:
        raise VideoError(
            f"{video}: the video has {info.frames} frames, the keypoints "
            f"{' and '.join(str(n) for n in sorted(lengths))}"
        )
    points = np.concatenate([p.before.reshape(-1, 2) for p in pairs])
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) == 0:
        return
    size = np.asarray(info.size, dtype=float)
    low, high = -FRAME_MARGIN * size, (1 + FRAME_MARGIN) * size
    inside = float(np.mean(((points >= low) & (points <= high)).all(axis=1)))
    if inside < MIN_INSIDE:
        raise VideoError(
            f"{video}: only {100 * inside:.0f} % of the keypoints fall inside its "
            f"{info.size[0]}x{info.size[1]} frame; are they in this video's pixels?"
        )


class Painter:
    """Draws the skeletons of every track on one frame.

    Args:
        pairs: the people.
        layout: the skeleton (None: joints only).
        size: ``(width, height)`` of the source video.
        mode: ``"side"`` (input left, smoothed right) or ``"overlay"``.
        max_width: frames wider than this (both panels together) are scaled down.
    """

    def __init__(
        self,
        pairs: list[TrackPair],
        layout: JointLayout | None,
        size: tuple[int, int],
        mode: str,
        max_width: int = MAX_WIDTH,
    ) -> None:
        from PIL import ImageFont

        if mode not in MODES:
            raise ValueError(f"unknown render mode {mode!r}; choose from {', '.join(MODES)}")
        self.pairs, self.layout, self.mode = pairs, layout, mode
        panels = 2 if mode == "side" else 1
        self.scale = min(1.0, max_width / (panels * size[0]))
        width = 2 * round(size[0] * self.scale / 2)
        self.panel = (max(width, 2), max(2 * round(size[1] * self.scale / 2), 2))
        self.size = (panels * self.panel[0], self.panel[1])
        self.line = max(2, round(min(self.panel) / 240))
        self.font = ImageFont.load_default(size=max(12, round(self.panel[1] / 36)))

    def __call__(self, frame: np.ndarray, t: int) -> np.ndarray:
        """The ``(H, W, 3)`` frame ``t`` with the skeletons drawn, at :attr:`size`."""
        from PIL import Image, ImageDraw

        base = Image.fromarray(frame)
        if base.size != self.panel:
            base = base.resize(self.panel, Image.BILINEAR)
        if self.mode == "overlay":
            draw = ImageDraw.Draw(base)
            for pair in self.pairs:
                self._person(draw, pair.before[t], INPUT_RGB, self.line, None)
                self._person(draw, pair.after[t], SMOOTHED_RGB, self.line + 1, pair.track_id)
            self._legend(draw, (("input", INPUT_RGB), ("smoothed", SMOOTHED_RGB)))
            return np.asarray(base)
        canvas = Image.new("RGB", self.size)
        for i, (label, colour) in enumerate((("input", INPUT_RGB), ("smoothed", SMOOTHED_RGB))):
            panel = base.copy()
            draw = ImageDraw.Draw(panel)
            for pair in self.pairs:
                points = pair.before[t] if i == 0 else pair.after[t]
                self._person(draw, points, colour, self.line + 1, pair.track_id)
            self._legend(draw, ((label, colour),))
            canvas.paste(panel, (i * self.panel[0], 0))
        return np.asarray(canvas)

    def _person(self, draw, points: np.ndarray, colour, width: int, label: str | None) -> None:
        xy = points * self.scale
        finite = np.isfinite(xy).all(axis=1)
        if self.layout is not None:
            for a, b in self.layout.edges:
                if finite[a] and finite[b]:
                    draw.line([tuple(xy[a]), tuple(xy[b])], fill=colour, width=width)
        r = width + 1
        for x, y in xy[finite]:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        if label is not None and finite.any():
            top = xy[finite][np.argmin(xy[finite, 1])]
            draw.text((top[0], top[1] - 1.6 * self.font.size), f"id {label}", fill=colour,
                      font=self.font, stroke_width=1, stroke_fill=(0, 0, 0))  # fmt: skip

    def _legend(self, draw, entries) -> None:
        step = round(1.4 * self.font.size)
        for i, (text, colour) in enumerate(entries):
            y = 8 + step * i
            draw.rectangle([8, y, 8 + self.font.size, y + self.font.size], fill=colour)
            draw.text((16 + self.font.size, y), text, fill=(255, 255, 255), font=self.font,
                      stroke_width=1, stroke_fill=(0, 0, 0))  # fmt: skip


def render_comparison(
    video: str | Path,
    pairs: list[TrackPair],
    output: str | Path,
    *,
    mode: str = "side",
    layout: JointLayout | None = None,
    info: VideoInfo | None = None,
    progress: bool = True,
) -> RenderResult:
    """Write the before/after video of ``pairs`` drawn over ``video``'s frames.

    Args:
        video: the clip the keypoints were estimated on.
        pairs: the people, with ``T`` = the clip's frame count.
        output: the ``.mp4`` to write (written under a temporary name, then renamed).
        mode: ``"side"`` or ``"overlay"``.
        layout: the skeleton (None: joints only).
        info: the clip's :class:`VideoInfo` when already read.
        progress: a progress bar on a terminal.

    Raises:
        VideoError: unreadable video, or keypoints that do not match it.
    """
    from tqdm import tqdm

    info = info or read_video_info(video)
    check_match(info, pairs, video)
    painter = Painter(pairs, layout, info.size, mode)
    bar = tqdm(total=info.frames, desc="render", unit="frame", disable=None if progress else True)

    def frames() -> Iterator[np.ndarray]:
        for t, frame in enumerate(read_frames(video)):
            yield painter(frame, t)
            bar.update()

    with bar:
        count = write_video(output, frames(), painter.size, info.fps)
    return RenderResult(Path(output), count, painter.size, info.fps)


def movement(pairs: list[TrackPair]) -> np.ndarray:
    """``(T,)`` mean distance in pixels that smoothing moved the points of each frame (0
    where nothing was detected)."""
    moved = np.stack([np.linalg.norm(p.after - p.before, axis=-1) for p in pairs], axis=1)
    finite = np.isfinite(moved)
    counts = finite.sum(axis=(1, 2))
    total = np.where(finite, moved, 0).sum(axis=(1, 2))
    return np.where(counts > 0, total / np.maximum(counts, 1), 0.0)


def most_moved_frames(pairs: list[TrackPair], count: int) -> list[int]:
    """Up to ``count`` frames where smoothing moved the points most, at least ``T / (2
    count)`` frames apart, in time order."""
    score = movement(pairs)
    gap = max(1, len(score) // (2 * max(count, 1)))
    chosen: list[int] = []
    for t in np.argsort(-score, kind="stable"):
        if score[t] <= 0 or len(chosen) == count:
            break
        if all(abs(int(t) - c) >= gap for c in chosen):
            chosen.append(int(t))
    return sorted(chosen)


def _crop_box(pairs: list[TrackPair], t: int, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A box around every person of frame ``t`` (padded by half its size), in the frame."""
    points = np.concatenate([np.concatenate([p.before[t], p.after[t]]) for p in pairs])
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) == 0:
        return 0, 0, size[0], size[1]
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.5 * max(*(high - low), 20.0)
    x0, y0 = np.maximum(low - pad, 0)
    x1, y1 = np.minimum(high + pad, size)
    return int(x0), int(y0), max(int(x1), int(x0) + 2), max(int(y1), int(y0) + 2)


def write_still(
    video: str | Path,
    pairs: list[TrackPair],
    output: str | Path,
    *,
    layout: JointLayout | None = None,
    count: int = 4,
    info: VideoInfo | None = None,
) -> list[int]:
    """A PNG: the ``count`` frames where smoothing moved the points most (cropped around
    the people, both skeletons overlaid) above one joint's trajectory before and after
    (the joint smoothing moved most). Returns the frames shown.

    Raises:
        VideoError: unreadable video, or keypoints that do not match it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..utils.io import atomic_path

    info = info or read_video_info(video)
    check_match(info, pairs, video)
    chosen = most_moved_frames(pairs, count)
    moved = movement(pairs)
    painter = Painter(pairs, layout, info.size, "overlay", max_width=info.size[0])
    images = {t: painter(frame, t) for t, frame in enumerate(read_frames(video)) if t in chosen}
    person, joint = _most_moved_joint(pairs)
    columns = max(len(chosen), 1)
    fig = plt.figure(figsize=(3.2 * columns, 6.4))
    grid = fig.add_gridspec(2, columns, height_ratios=(1.3, 1))
    for i, t in enumerate(chosen):
        ax = fig.add_subplot(grid[0, i])
        x0, y0, x1, y1 = _crop_box(pairs, t, info.size)
        ax.imshow(images[t][y0:y1, x0:x1])
        ax.set_title(f"frame {t}: moved {moved[t]:.1f} px", fontsize=9)
        ax.axis("off")
    ax = fig.add_subplot(grid[1, :])
    pair = pairs[person]
    name = layout.joints[joint] if layout is not None else f"joint {joint}"
    frames = np.arange(len(pair.before))
    for axis, style in ((0, "-"), (1, "--")):
        label = "xy"[axis]
        ax.plot(frames, pair.before[:, joint, axis], style, color=np.divide(INPUT_RGB, 255),
                lw=1, label=f"input {label}")  # fmt: skip
        ax.plot(frames, pair.after[:, joint, axis], style, color=np.divide(SMOOTHED_RGB, 255),
                lw=1.6, label=f"smoothed {label}")  # fmt: skip
    for t in chosen:
        ax.axvline(t, color="#999999", lw=0.8, ls=":")
    ax.set_xlabel(f"frame ({info.fps:g} fps)")
    ax.set_ylabel("pixels")
    ax.set_title(f"track {pair.track_id}, {name}: trajectory before and after smoothing")
    ax.legend(ncol=4, fontsize=8)
    fig.tight_layout()
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return chosen


def _most_moved_joint(pairs: list[TrackPair]) -> tuple[int, int]:
    """``(person, joint)`` whose points smoothing moved most on average."""
    best, where = -1.0, (0, 0)
    for i, pair in enumerate(pairs):
        moved = np.linalg.norm(pair.after - pair.before, axis=-1)
        finite = np.isfinite(moved)
        mean = np.where(finite, moved, 0).sum(axis=0) / np.maximum(finite.sum(axis=0), 1)
        if mean.max() > best:
            best, where = float(mean.max()), (i, int(np.argmax(mean)))
    return where
