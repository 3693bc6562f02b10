"""The results formats: COCO keypoint results and MMPose predictions (JSON)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..io import strict_json, write_text_atomic
from .base import FormatError, KeypointFile, load_json, numbers, stated_fps


def _frames_to_tracks(
    frames: list[Any], instances: list[list[dict[str, Any]]], get: Callable, path: Path
) -> tuple[dict[Any, np.ndarray], dict[Any, np.ndarray]]:
    """Collect per-instance ``(K, C)`` keypoints and ``(K,)`` scores into tracks."""
    tracks: dict[Any, np.ndarray] = {}
    scores: dict[Any, np.ndarray] = {}
    for t, people in enumerate(instances):
        seen: set[Any] = set()
        for j, instance in enumerate(people):
            if not isinstance(instance, dict):
                raise FormatError(f"{path}: frame {t}: instance {j} is a "
                                  f"{type(instance).__name__}, not an object")  # fmt: skip
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
            points, conf = get(instance, f"frame {t}, instance {j}")
            if points.shape[1:] not in ((2,), (3,)) or conf.shape != points.shape[:1]:
                raise FormatError(
                    f"{path}: frame {t}, instance {j}: {points.shape[0]} keypoints of "
                    f"{points.shape[1:]} values and {conf.shape} scores"
                )
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
    results = load_json(path)
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
        flat = numbers(instance["keypoints"], f"{path}: {where}: 'keypoints'")
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
    write_text_atomic(path, json.dumps(strict_json(results), allow_nan=False))


def _mmpose_frames(content: Any, path: Path) -> list[dict[str, Any]]:
    frames = content.get("instance_info") if isinstance(content, dict) else content
    if not isinstance(frames, list) or not all(
        isinstance(f, dict) and isinstance(f.get("instances"), list) for f in frames
    ):
        raise FormatError(
            f"{path}: MMPose predictions are a list of {{'frame_id', 'instances': [...]}}"
        )
    return frames


def _read_mmpose(path: Path, key: str) -> KeypointFile:
    content = load_json(path)
    frames = _mmpose_frames(content, path)

    def get(instance: dict[str, Any], where: str) -> tuple[np.ndarray, np.ndarray]:
        if "keypoints" not in instance:
            raise FormatError(f"{path}: {where} lacks 'keypoints'")
        points = numbers(instance["keypoints"], f"{path}: {where}: 'keypoints'")
        if points.ndim != 2:
            raise FormatError(f"{path}: {where}: 'keypoints' must be [[x, y], ...]")
        scores = numbers(instance.get("keypoint_scores", np.ones(len(points))),
                          f"{path}: {where}: 'keypoint_scores'")  # fmt: skip
        return points, scores

    ids = [f.get("frame_id", t) for t, f in enumerate(frames)]
    tracks, scores = _frames_to_tracks(ids, [f["instances"] for f in frames], get, path)
    fps = stated_fps(content, path) if isinstance(content, dict) else None
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
    write_text_atomic(path, json.dumps(strict_json(content), allow_nan=False))
