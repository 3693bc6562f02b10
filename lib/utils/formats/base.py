"""What every keypoint format shares: the tracks read from a file, the one-line error,
and checked numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = ("npy", "npz", "smoothnet", "coco", "mmpose")


class FormatError(ValueError):
    """A keypoint file that cannot be read as the asked or guessed format."""


@dataclass
class KeypointFile:
    """Tracks read from a file, and how to write them back.

    Attributes:
        format: one of :data:`FORMATS`.
        tracks: track id -> ``(T, K, C)`` keypoints (NaN where absent).
        confidence: track id -> ``(T, K)`` scores, where the format has them.
        source: the parsed file content, kept to write the rest back unchanged.
        layout: format-specific bookkeeping (frame ids, shapes, keys).
        fps: the frame rate the file states (an ``fps`` entry of an npz or of an
            MMPose predictions object), else None.
    """

    format: str
    tracks: dict[Any, np.ndarray]
    confidence: dict[Any, np.ndarray] = field(default_factory=dict)
    source: Any = None
    layout: dict[str, Any] = field(default_factory=dict)
    fps: float | None = None


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(f"cannot read JSON {path}: {err}") from None
    except RecursionError:
        raise FormatError(f"cannot read JSON {path}: nested too deeply") from None


def numbers(value: Any, where: str) -> np.ndarray:
    """``value`` (nested lists of numbers, or an array) as float64; booleans, strings,
    objects and numbers beyond float range are refused in one line."""
    array = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if array.dtype == object:
        flat = array.ravel()
        bad = [v for v in flat if isinstance(v, bool) or (not isinstance(v, (int, float))
               and v is not None and not isinstance(v, np.number))]  # fmt: skip
        if bad or (array.ndim == 0 and not isinstance(value, (int, float))):
            shown = bad[0] if bad else value
            raise FormatError(f"{where}: expected numbers, got {type(shown).__name__} "
                              f"{str(shown)[:40]}")  # fmt: skip
    elif not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise FormatError(f"{where}: expected numbers, got dtype {array.dtype}")
    try:
        return np.asarray(array, dtype=np.float64)
    except (OverflowError, TypeError, ValueError):
        raise FormatError(f"{where}: numbers out of range or ragged") from None


def stated_fps(container: Any, path: Path) -> float | None:
    """The ``fps`` entry of an npz or JSON object: a positive finite number, or None."""
    if "fps" not in container:
        return None
    value = np.asarray(container["fps"])
    if value.shape != () or not np.issubdtype(value.dtype, np.number) or value.dtype == bool:
        raise FormatError(f"{path}: 'fps' must be one number, got {container['fps']!r}")
    fps = float(value)
    if not (np.isfinite(fps) and fps > 0):
        raise FormatError(f"{path}: 'fps' must be a positive number, got {fps:g}")
    return fps


# -- arrays ----------------------------------------------------------------------------
