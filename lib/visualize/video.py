"""MP4 writing and reading through the ffmpeg binary shipped by ``imageio-ffmpeg``.

Imported lazily (only the visualiser needs it). Videos are written to a
temporary file and renamed when complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..utils.errors import SetupError
from ..utils.io import atomic_path


def _ffmpeg():
    try:
        import imageio_ffmpeg
    except ImportError:
        raise SetupError(
            "writing videos needs imageio-ffmpeg: pip install imageio-ffmpeg "
            "(or the package's extra: pip install smoothnet[video])"
        ) from None
    return imageio_ffmpeg


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds: frame count, (width, height) and frame rate."""

    frames: int
    size: tuple[int, int]
    fps: float


def write_video(
    path: str | Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: float
) -> int:
    """Encode ``(H, W, 3)`` uint8 RGB frames as H.264 MP4; returns the frame count.

    Args:
        path: destination ``.mp4``.
        frames: the frames, each of ``size``.
        size: ``(width, height)``, both even.
        fps: frame rate.
    """
    ffmpeg = _ffmpeg()
    count = 0
    with atomic_path(path) as tmp:
        writer = ffmpeg.write_frames(
            str(tmp),
            size,
            fps=fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            macro_block_size=2,
            quality=7,
            output_params=["-f", "mp4"],
        )
        writer.send(None)
        try:
            for frame in frames:
                if frame.shape != (size[1], size[0], 3):
                    raise ValueError(
                        f"frame of shape {frame.shape}, expected {(size[1], size[0], 3)}"
                    )
                writer.send(np.ascontiguousarray(frame, dtype=np.uint8))
                count += 1
        finally:
            writer.close()
    return count


def read_video_info(path: str | Path) -> VideoInfo:
    """Decode a video fully and report its real frame count, size and fps."""
    reader = _ffmpeg().read_frames(str(path))
    meta = reader.__next__()
    frames = sum(1 for _ in reader)
    return VideoInfo(frames=frames, size=tuple(meta["size"]), fps=float(meta["fps"]))
