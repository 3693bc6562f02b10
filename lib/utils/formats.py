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

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .io import atomic_path, write_text_atomic
from .npz import UnsafeDataError, load_npz, npz_keys

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
        content = _load_json(path)
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


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise FormatError(f"cannot read JSON {path}: {err}") from None


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


def _stated_fps(container: Any, path: Path) -> float | None:
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
        array = np.load(path, allow_pickle=False)
    except ValueError as err:
        raise FormatError(f"cannot read {path}: {err}") from None
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
        "npz", tracks, confidence, source=arrays, layout=layout, fps=_stated_fps(arrays, path)
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
    for i, seq in enumerate(arrays[field_name]):
        values = np.asarray(seq, dtype=np.float64)
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


def _frames_to_tracks(
    frames: list[Any], instances: list[list[dict[str, Any]]], get: Callable, path: Path
) -> tuple[dict[Any, np.ndarray], dict[Any, np.ndarray]]:
    """Collect per-instance ``(K, C)`` keypoints and ``(K,)`` scores into tracks."""
    tracks: dict[Any, np.ndarray] = {}
    scores: dict[Any, np.ndarray] = {}
    for t, people in enumerate(instances):
        seen: set[Any] = set()
        for j, instance in enumerate(people):
            track_id = instance.get("track_id")
            if track_id is None:
                if len(people) > 1:
                    raise FormatError(
                        f"{path}: frame {frames[t]} has {len(people)} people but no 'track_id'"
                    )
                track_id = 0
            if not isinstance(track_id, (int, str)) or isinstance(track_id, bool):
                raise FormatError(
                    f"{path}: frame {frames[t]}: 'track_id' must be an integer or a string, "
                    f"got {track_id!r}"
                )
            if track_id in seen:
                raise FormatError(
                    f"{path}: frame {frames[t]}: track_id {track_id!r} appears twice; "
                    "two people cannot share a track"
                )
            seen.add(track_id)
            points, conf = get(instance, f"frame {frames[t]}, instance {j}")
            if track_id not in tracks:
                tracks[track_id] = np.full((len(frames), *points.shape), np.nan)
                scores[track_id] = np.zeros((len(frames), points.shape[0]))
            if tracks[track_id].shape[1:] != points.shape:
                raise FormatError(f"{path}: frame {frames[t]}: keypoints of shape {points.shape}, "
                                  f"expected {tracks[track_id].shape[1:]}")  # fmt: skip
            tracks[track_id][t] = points
            scores[track_id][t] = conf
    if not tracks:
        raise FormatError(f"{path}: no keypoints: not one person in any frame")
    return tracks, scores


def _read_coco(path: Path, key: str) -> KeypointFile:
    results = _load_json(path)
    if not isinstance(results, list):
        raise FormatError(f"{path}: a COCO results file is a list of detections")
    for i, r in enumerate(results):
        if not isinstance(r, dict) or "image_id" not in r or "keypoints" not in r:
            raise FormatError(f"{path}: detection {i} lacks 'image_id' or 'keypoints'")
    kinds = {type(r["image_id"]) for r in results}
    if not kinds <= {int} and not kinds <= {str}:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise FormatError(
            f"{path}: 'image_id' values must all be integers or all strings, got {names}"
        )
    frames = sorted({r["image_id"] for r in results})
    index = {f: t for t, f in enumerate(frames)}
    instances: list[list[dict[str, Any]]] = [[] for _ in frames]
    for r in results:
        instances[index[r["image_id"]]].append(r)

    def get(instance: dict[str, Any], where: str) -> tuple[np.ndarray, np.ndarray]:
        flat = np.asarray(instance["keypoints"], dtype=np.float64)
        if flat.ndim != 1 or flat.size % 3:
            raise FormatError(f"{path}: {where}: 'keypoints' must be [x, y, v] * K")
        triples = flat.reshape(-1, 3)
        return triples[:, :2], triples[:, 2]

    tracks, scores = _frames_to_tracks(frames, instances, get, path)
    return KeypointFile("coco", tracks, scores, source=results, layout={"frames": frames})


def _write_coco(path: Path, data: KeypointFile, tracks: dict[Any, np.ndarray]) -> None:
    index = {f: t for t, f in enumerate(data.layout["frames"])}
    results = copy.deepcopy(data.source)
    for r in results:
        track_id = r.get("track_id", 0)
        points = tracks[track_id][index[r["image_id"]]]
        flat = list(r["keypoints"])
        for k, point in enumerate(points):
            if np.isfinite(point).all():  # scores (every third value) stay as they were
                flat[3 * k], flat[3 * k + 1] = round(float(point[0]), 3), round(float(point[1]), 3)
        r["keypoints"] = flat
    write_text_atomic(path, json.dumps(results))


def _mmpose_frames(content: Any, path: Path) -> list[dict[str, Any]]:
    frames = content["instance_info"] if isinstance(content, dict) else content
    if not isinstance(frames, list) or not all(
        isinstance(f, dict) and "instances" in f for f in frames
    ):
        raise FormatError(f"{path}: MMPose predictions are a list of {{'frame_id', 'instances'}}")
    return frames


def _read_mmpose(path: Path, key: str) -> KeypointFile:
    content = _load_json(path)
    frames = _mmpose_frames(content, path)

    def get(instance: dict[str, Any], where: str) -> tuple[np.ndarray, np.ndarray]:
        if "keypoints" not in instance:
            raise FormatError(f"{path}: {where} lacks 'keypoints'")
        points = np.asarray(instance["keypoints"], dtype=np.float64)
        if points.ndim != 2:
            raise FormatError(f"{path}: {where}: 'keypoints' must be [[x, y], ...]")
        scores = np.asarray(instance.get("keypoint_scores", np.ones(len(points))), dtype=np.float64)
        return points, scores

    ids = [f.get("frame_id", t) for t, f in enumerate(frames)]
    tracks, scores = _frames_to_tracks(ids, [f["instances"] for f in frames], get, path)
    fps = _stated_fps(content, path) if isinstance(content, dict) else None
    return KeypointFile("mmpose", tracks, scores, source=content, fps=fps)


def _write_mmpose(path: Path, data: KeypointFile, tracks: dict[Any, np.ndarray]) -> None:
    content = copy.deepcopy(data.source)
    for t, frame in enumerate(_mmpose_frames(content, path)):
        for instance in frame["instances"]:
            points = tracks[instance.get("track_id", 0)][t]
            original = np.asarray(instance["keypoints"], dtype=np.float64)
            ok = np.isfinite(points).all(axis=1)
            original[ok] = points[ok]
            instance["keypoints"] = np.round(original, 3).tolist()
    write_text_atomic(path, json.dumps(content))


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
