"""MP4 writing and reading through the ffmpeg binary shipped by ``imageio-ffmpeg``.

Imported lazily (only the visualiser needs it). Videos are written to a
temporary file and renamed when complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


class VideoError(ValueError):
    """A video that cannot be read; the message names the file."""


def read_video_info(path: str | Path) -> VideoInfo:
    """Decode a video fully and report its real frame count, size and fps.

    Raises:
        VideoError: the file is missing or not a video ffmpeg can decode.
    """
    meta, frames = _open_frames(path)
    count = sum(1 for _ in frames)
    if count == 0:
        raise VideoError(f"{path}: the video has no frames")
    return VideoInfo(frames=count, size=meta[0], fps=meta[1])


def read_frames(path: str | Path) -> Iterator[np.ndarray]:
    """The frames of a video as ``(H, W, 3)`` uint8 RGB arrays, decoded one at a time.

    Raises:
        VideoError: the file is missing or not a video ffmpeg can decode.
    """
    ((width, height), _), frames = _open_frames(path)
    for raw in frames:
        yield np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)


def _open_frames(path: str | Path) -> tuple[tuple[tuple[int, int], float], Iterator[bytes]]:
    """``((width, height), fps)`` and the raw frame iterator of a video."""
    if not Path(path).is_file():
        raise VideoError(f"{path}: no such video file")
    reader = _ffmpeg().read_frames(str(path))
    try:
        meta = reader.__next__()
        size = tuple(int(v) for v in meta["size"])
        fps = float(meta["fps"])
    except (OSError, RuntimeError, KeyError, TypeError, ValueError, StopIteration) as err:
        reader.close()
        last = (str(err).strip().splitlines() or [type(err).__name__])[-1]
        raise VideoError(f"{path}: not a readable video ({last})") from None
    if not (fps > 0 and size[0] > 0 and size[1] > 0):
        reader.close()
        raise VideoError(f"{path}: not a readable video (size {size}, {fps:g} fps)")
    return (size, fps), reader
