"""The array formats: ``.npy``, ``.npz`` and the original SmoothNet npz layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_path
from ..npz import UnsafeDataError, load_npz, read_npy
from .base import FormatError, KeypointFile, numbers, stated_fps


def _array_tracks(array: np.ndarray, where: str) -> tuple[dict[Any, np.ndarray], dict[str, Any]]:
    array = np.asarray(array)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise FormatError(
            f"{where}: keypoints must be real numbers (float or int), got dtype {array.dtype}"
        )
    if array.ndim in (3, 4) and 0 in array.shape:
        raise FormatError(f"{where}: empty keypoint array of shape {array.shape}")
    if array.ndim == 3:
        return {0: array.astype(np.float64)}, {"people_axis": False, "dtype": array.dtype}
    if array.ndim == 4:
        tracks = {p: array[:, p].astype(np.float64) for p in range(array.shape[1])}
        return tracks, {"people_axis": True, "dtype": array.dtype}
    raise FormatError(
        f"{where}: expected a (T, K, C) or (T, P, K, C) array, got shape {array.shape}"
    )


def _stack(tracks: dict[Any, np.ndarray], layout: dict[str, Any]) -> np.ndarray:
    if layout["people_axis"]:
        out = np.stack([tracks[p] for p in sorted(tracks)], axis=1)
    else:
        out = tracks[0]
    dtype = layout["dtype"] if np.issubdtype(layout["dtype"], np.floating) else np.float64
    return out.astype(dtype)


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    """:func:`smoothnet.utils.npz.load_npz` with its errors as one-line :class:`FormatError`."""
    try:
        return load_npz(path)
    except (UnsafeDataError, OSError, ValueError, EOFError) as err:
        raise FormatError(
            str(err) if isinstance(err, UnsafeDataError) else f"cannot read {path}: {err}"
        ) from None


def _read_npy(path: Path, key: str) -> KeypointFile:
    try:
        with path.open("rb") as fp:
            array = read_npy(fp, str(path), path.stat().st_size)
    except UnsafeDataError as err:
        raise FormatError(str(err)) from None
    except (OSError, ValueError, EOFError) as err:
        raise FormatError(f"cannot read {path}: {err or 'empty file'}") from None
    tracks, layout = _array_tracks(array, str(path))
    return KeypointFile("npy", tracks, layout=layout)


def _write_npy(path: Path, data: KeypointFile, tracks: dict[Any, np.ndarray]) -> None:
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        np.save(f, _stack(tracks, data.layout))


def _read_npz(path: Path, key: str) -> KeypointFile:
    arrays = _load_npz(path)
    if key not in arrays:
        raise FormatError(f"{path}: missing key {key!r}; keys present: {', '.join(sorted(arrays))}")
    tracks, layout = _array_tracks(arrays[key], f"{path}[{key}]")
    layout["key"] = key
    confidence = {}
    if "scores" in arrays:
        scores = arrays["scores"]
        confidence = {p: (scores[:, p] if layout["people_axis"] else scores) for p in tracks}
    return KeypointFile(
        "npz", tracks, confidence, source=arrays, layout=layout, fps=stated_fps(arrays, path)
    )


def _write_npz(path: Path, data: KeypointFile, tracks: dict[Any, np.ndarray]) -> None:
    arrays = dict(data.source)
    arrays[data.layout["key"]] = _stack(tracks, data.layout)
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        np.savez(f, **arrays)


def _read_smoothnet(path: Path, key: str) -> KeypointFile:
    arrays = _load_npz(path)
    found = [k for k in ("joints_2d", "joints_3d", "keypoints_2d", "keypoints_3d") if k in arrays]
    if not found:
        present = ", ".join(sorted(arrays))
        raise FormatError(
            f"{path}: missing key 'joints_2d' or 'joints_3d'; keys present: {present}"
        )
    field_name = found[0]
    coords = 2 if field_name.endswith("2d") else 3
    tracks = {}
    for i, seq in enumerate(np.atleast_1d(arrays[field_name])):
        values = numbers(seq, f"{path}: {field_name} sequence {i}")
        if values.ndim != 2 or values.shape[1] % coords:
            raise FormatError(f"{path}: {field_name} sequence {i} has shape {values.shape}")
        tracks[i] = values.reshape(len(values), -1, coords)
    return KeypointFile("smoothnet", tracks, source=arrays, layout={"key": field_name})


def _write_smoothnet(path: Path, data: KeypointFile, tracks: dict[Any, np.ndarray]) -> None:
    arrays = dict(data.source)
    out = np.empty(len(tracks), dtype=object)
    for i in range(len(tracks)):
        out[i] = tracks[i].reshape(len(tracks[i]), -1)
    arrays[data.layout["key"]] = out
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        np.savez(f, **arrays)


# -- JSON ------------------------------------------------------------------------------
