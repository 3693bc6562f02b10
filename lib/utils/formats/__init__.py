"""Keypoint file formats read and written back by ``scripts/smooth_poses.py``.

Every reader returns a :class:`KeypointFile`: one or more *tracks*, each a
``(T, K, C)`` array over the file's frames (NaN where the person is absent)
with optional ``(T, K)`` confidences; the writer puts smoothed tracks back
into the same structure, leaving everything else untouched.

Formats (``--format`` or guessed from the file):

- ``npy``: an array ``(T, K, C)`` or ``(T, P, K, C)``;
- ``npz``: such an array under ``--key`` (default ``keypoints``); other keys kept;
- ``smoothnet``: the original npz layout (object arrays with one entry per
  sequence under ``joints_2d`` / ``joints_3d``, ``(L, K*C)``); every sequence
  is a track;
- ``coco``: a COCO results list ``[{"image_id", "keypoints": [x, y, v, ...],
  "track_id", ...}]``; frames are the sorted image ids;
- ``mmpose``: MMPose-style predictions, a list of ``{"frame_id", "instances":
  [{"keypoints": [[x, y], ...], "keypoint_scores": [...], "track_id"}]}``
  (optionally under ``"instance_info"``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..npz import UnsafeDataError, npz_keys
from .arrays import _read_npy, _read_npz, _read_smoothnet, _write_npy, _write_npz, _write_smoothnet
from .base import FORMATS, FormatError, KeypointFile, load_json
from .results import _read_coco, _read_mmpose, _write_coco, _write_mmpose

__all__ = ["FORMATS", "FormatError", "KeypointFile", "guess_format", "read_keypoints",
           "write_keypoints"]  # fmt: skip


def guess_format(path: Path) -> str:
    """The format of ``path`` from its extension and, for npz/json, its content."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return "npy"
    if suffix == ".npz":
        try:
            keys = npz_keys(path)
        except (UnsafeDataError, OSError) as err:
            raise FormatError(str(err)) from None
        return "smoothnet" if "imgname" in keys else "npz"
    if suffix == ".json":
        content = load_json(path)
        if isinstance(content, dict) and "instance_info" in content:
            return "mmpose"
        if isinstance(content, list) and not content:
            return "coco"  # an empty results list: read as COCO, which reports it empty
        if isinstance(content, list) and isinstance(content[0], dict):
            return "mmpose" if "instances" in content[0] else "coco"
        raise FormatError(f"{path}: JSON is neither a COCO results list nor MMPose predictions")
    raise FormatError(
        f"{path}: unknown keypoint format {suffix!r}; use one of {', '.join(FORMATS)}"
    )


def read_keypoints(
    path: str | Path, fmt: str | None = None, key: str = "keypoints"
) -> KeypointFile:
    """Read ``path`` as ``fmt`` (guessed when None)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"keypoint file not found: {path}")
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return _READERS[fmt](path, key)


def write_keypoints(path: str | Path, data: KeypointFile, tracks: dict[Any, np.ndarray]) -> None:
    """Write smoothed ``tracks`` back in ``data``'s format, atomically."""
    _WRITERS[data.format](Path(path), data, tracks)


_READERS: dict[str, Callable[[Path, str], KeypointFile]] = {
    "npy": _read_npy,
    "npz": _read_npz,
    "smoothnet": _read_smoothnet,
    "coco": _read_coco,
    "mmpose": _read_mmpose,
}
_WRITERS: dict[str, Callable[[Path, KeypointFile, dict[Any, np.ndarray]], None]] = {
    "npy": _write_npy,
    "npz": _write_npz,
    "smoothnet": _write_smoothnet,
    "coco": _write_coco,
    "mmpose": _write_mmpose,
}
