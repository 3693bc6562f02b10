"""Scoring SmoothNet and the classical filters on a test set, through the user's path.

Every method smooths every sequence with the same code a user runs,
:meth:`smoothnet.core.smoother.Smoother.smooth`, on the sequence in its own
units (pixels, metres, SMPL axis-angle):

- ``smoothnet`` and the filters in the research convention (the original's
  model space of the dataset, :meth:`SequenceSet.research_space`; the model's
  output as it is, ``strength=1``), as the original's tables were made;
- ``user`` (with ``as_user``, 2D and 3D): the checkpoint exactly as a
  practitioner calls it, ``Smoother(checkpoint).smooth(x)`` with no flags
  (the person's size, the strength chosen per track).

Per-frame metrics of all sequences are pooled (frame-weighted), as in the
original; JHMDB's PCK is averaged per sequence and joint, as there. Keys
follow the original: ``input_X, smoothnet_X, improvement_X, [filter_X]`` for
X in mpjpe, pampjpe, accel (then mpvpe for SMPL; or pck_005/01/02 for JHMDB),
then ``smoothnet_inference_time`` (microseconds per frame) and the top-1 %
worst-frame figures; with several filters (``--tradition all``) the filter
keys are named after each filter (``savgol_mpjpe`` ...).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from tqdm import tqdm

from ..choices import WINDOW_BASELINES
from ..dataset.base import PoseSequence, SequenceSet
from ..models.smpl import J14_ROOT, SMPLEvaluator
from ..utils.metrics import (
    accel_error,
    bbox_body_size,
    mpjpe,
    mpvpe,
    pa_mpjpe,
    pck,
    pooled_mean,
    root_relative,
    worst_frames,
)
from .methods import WindowModel
from .settings import EvalSettings
from .smoother import Smoother

PCK_THRESHOLDS = {"005": 0.05, "01": 0.1, "02": 0.2}


#: The units results are reported in, by body representation.
REPORT_UNITS: dict[str, str] = {"2D": "px", "3D": "mm", "smpl": "mm"}


def report_units(values: np.ndarray, dataset: SequenceSet, root_relative_3d: bool) -> np.ndarray:
    """``(T, K, c)`` 2D or 3D values in the units results are reported in: pixels (2D);
    millimetres (3D), relative to the dataset's root joints with ``root_relative_3d``."""
    values = np.asarray(values, dtype=np.float64)
    if dataset.representation == "3D":
        if root_relative_3d:
            values = root_relative(values, list(dataset.layout.root))
        values = 1000.0 * values  # metres -> millimetres
    return values


class _Pool:
    """Per-frame metric arrays of every sequence, keyed by method and metric."""

    def __init__(self) -> None:
        self.values: dict[str, list[np.ndarray]] = defaultdict(list)
        self.pck: dict[str, list[np.ndarray]] = defaultdict(list)
        self.seconds: dict[str, float] = defaultdict(float)
        self.frames = 0

    def add(self, key: str, values: np.ndarray) -> None:
        self.values[key].append(values)

    def all(self, key: str) -> np.ndarray:
        return np.concatenate(self.values[key])

    def mean(self, key: str) -> float:
        return pooled_mean(self.values[key])


def _synchronize(device: torch.device | str) -> None:
    if getattr(device, "type", str(device)) == "cuda":
        torch.cuda.synchronize(device)


def research_smoothers(
    model: WindowModel,
    settings: EvalSettings,
    baselines: Mapping[str, WindowModel] | None = None,
) -> dict[str, Smoother]:
    """``smoothnet`` and every filter and baseline of ``settings``, as smoothers with the
    research convention's options (the space is given per sequence)."""
    options = dict(stride=settings.stride, window_weights=settings.window_weights, strength=1.0)
    model.pad_mode, model.chunk_rows = settings.pad_mode, settings.chunk_rows
    smoothers = {"smoothnet": Smoother(model, **options)}
    for name in settings.filters:
        if name in WINDOW_BASELINES:
            if baselines and name in baselines:
                baseline = baselines[name]
                baseline.pad_mode = settings.pad_mode
                smoothers[name] = Smoother(
                    baseline, window_weights=settings.window_weights, strength=1.0
                )
        else:
            params = dict(settings.filter_params.get(name, {}))
            smoothers[name] = Smoother(name, **params)
    return smoothers


@torch.no_grad()
def evaluate_set(
    model: WindowModel,
    dataset: SequenceSet,
    settings: EvalSettings,
    body_model: SMPLEvaluator | None = None,
    baselines: Mapping[str, WindowModel] | None = None,
    user: Smoother | None = None,
) -> dict[str, float]:
    """Score the model (and filters) on every sequence of a test set.

    Args:
        model: the checkpoint's window model (it knows its window W).
        dataset: the test sequences.
        settings: how to smooth and score.
        body_model: the SMPL model for ``smpl`` data.
        baselines: fitted window models by name (e.g. ``{"linear": m}``); names
            in ``settings.filters`` without one are skipped.
        user: the checkpoint as a user's smoother (no flags), scored as ``user``
            on 2D and 3D data when given.

    Returns:
        Metric name -> value, in the original's key order.
    """
    smoothers = research_smoothers(model, settings, baselines)
    if user is not None and dataset.representation in ("2D", "3D"):
        smoothers["user"] = user
    pool = _Pool()
    for seq in tqdm(dataset.sequences, desc=dataset.label, leave=False, disable=None):
        source = seq.groundtruth if settings.input == "groundtruth" else seq.detected
        space = dataset.research_space(seq, model.window_size)
        outputs = {"input": source}
        for name, smoother in smoothers.items():
            _synchronize(model.device)
            start = time.perf_counter()
            if name == "user":
                outputs[name] = smoother.smooth(source)
            else:
                smoother.space = space.with_window(smoother.window_size)
                outputs[name] = smoother.smooth(source)
            _synchronize(model.device)
            pool.seconds[name] += time.perf_counter() - start
        pool.frames += seq.num_frames
        if dataset.representation == "smpl":
            _score_smpl_sequence(seq, outputs, settings, pool, body_model)
        else:
            _score_sequence(seq, outputs, dataset, settings, pool)
    methods = ["input", *smoothers]
    if dataset.spec.pck and dataset.representation == "2D":
        return _pck_report(pool, methods)
    metrics = ("mpjpe", "pampjpe", "accel", "mpvpe") if dataset.representation == "smpl" else None
    return _report(pool, methods, metrics or ("mpjpe", "pampjpe", "accel"))


def _score_sequence(
    seq: PoseSequence,
    outputs: dict[str, np.ndarray],
    dataset: SequenceSet,
    settings: EvalSettings,
    pool: _Pool,
) -> None:
    gt = report_units(seq.groundtruth, dataset, settings.root_relative)
    metric = {
        name: report_units(out, dataset, settings.root_relative) for name, out in outputs.items()
    }
    if dataset.spec.pck and dataset.representation == "2D":
        body = bbox_body_size(seq.bbox) if seq.bbox is not None else None
        if body is None:
            raise ValueError(f"{dataset.gt_path}: sequence {seq.name} has no 'bbox' for PCK")
        for name, pred in metric.items():
            for label, threshold in PCK_THRESHOLDS.items():
                hits = pck(pred, gt, body, threshold)
                pool.pck[f"{name}_pck_{label}"].append(np.nanmean(hits, axis=0))
        return
    for name, pred in metric.items():
        _add_pose_metrics(pool, name, pred, gt, settings.accel_zero_pad)


def _add_pose_metrics(
    pool: _Pool, name: str, pred: np.ndarray, gt: np.ndarray, zero_pad: bool
) -> None:
    """MPJPE, PA-MPJPE and Accel of one method's ``(T, K, C)`` joints, into the pool."""
    pool.add(f"{name}_mpjpe", mpjpe(pred, gt))
    pool.add(f"{name}_pampjpe", pa_mpjpe(pred, gt))
    pool.add(f"{name}_accel", accel_error(pred, gt, zero_pad=zero_pad))


def _score_smpl_sequence(
    seq: PoseSequence,
    outputs: dict[str, np.ndarray],
    settings: EvalSettings,
    pool: _Pool,
    body_model: SMPLEvaluator | None,
) -> None:
    """Pose every output with SMPL and score its 14 joints and its vertices (mm).

    Estimator, SmoothNet and filter poses use the estimator's betas; the
    ground truth its own (zeros when absent, as for AIST++). Joints are made
    root-relative (mean of the hips) with ``root_relative``; vertices are
    aligned on the same root with ``mpvpe_root_aligned`` (the original did not
    align them).
    """
    if body_model is None:
        raise ValueError("SMPL data needs the SMPL body model (SMPL_MODEL_DIR)")

    def posed(pose: np.ndarray, shape: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        joints, vertices = body_model(np.asarray(pose).reshape(len(pose), 72), shape)
        root = joints[:, list(J14_ROOT)].mean(axis=1, keepdims=True)
        if settings.root_relative:
            joints = joints - root
        if settings.mpvpe_root_aligned:
            vertices = vertices - root
        return 1000.0 * joints, 1000.0 * vertices

    gt_joints, gt_vertices = posed(seq.groundtruth, seq.groundtruth_betas)
    for name, out in outputs.items():
        joints, vertices = posed(out, seq.detected_betas)
        _add_pose_metrics(pool, name, joints, gt_joints, settings.accel_zero_pad)
        pool.add(f"{name}_mpvpe", mpvpe(vertices, gt_vertices))


def _filter_prefix(name: str, filters: list[str]) -> str:
    """The original's ``filter_*`` keys for a single classical filter, else the name."""
    return "filter" if len(filters) == 1 and name not in WINDOW_BASELINES else name


def _report(pool: _Pool, methods: list[str], metrics: Sequence[str]) -> dict[str, float]:
    others = [m for m in methods[2:] if m != "user"]
    out: dict[str, float] = {}
    for metric in metrics:
        out[f"input_{metric}"] = pool.mean(f"input_{metric}")
        out[f"smoothnet_{metric}"] = pool.mean(f"smoothnet_{metric}")
        out[f"improvement_{metric}"] = out[f"smoothnet_{metric}"] - out[f"input_{metric}"]
        for name in others:
            out[f"{_filter_prefix(name, others)}_{metric}"] = pool.mean(f"{name}_{metric}")
        if "user" in methods:
            out[f"user_{metric}"] = pool.mean(f"user_{metric}")
    _add_times(out, pool, others + (["user"] if "user" in methods else []))
    worst = worst_frames(pool.all("input_mpjpe"))
    for name in ("input", "smoothnet"):
        out[f"{name}_mpjpe_top1"] = pooled_mean(pool.all(f"{name}_mpjpe")[worst])
    for name in ("input", "smoothnet"):
        out[f"{name}_accel_top1"] = pooled_mean(pool.all(f"{name}_accel")[worst])
    return out


def _pck_report(pool: _Pool, methods: list[str]) -> dict[str, float]:
    others = [m for m in methods[2:] if m != "user"]
    out: dict[str, float] = {}
    for label in PCK_THRESHOLDS:
        mean = {name: pooled_mean(pool.pck[f"{name}_pck_{label}"]) for name in methods}
        out[f"input_pck_{label}"] = mean["input"]
        out[f"smoothnet_pck_{label}"] = mean["smoothnet"]
        out[f"improvement_pck_{label}"] = mean["smoothnet"] - mean["input"]
        for name in others:
            out[f"{_filter_prefix(name, others)}_pck_{label}"] = mean[name]
    _add_times(out, pool, others)
    return out


def _add_times(out: dict[str, float], pool: _Pool, others: list[str]) -> None:
    out["smoothnet_inference_time"] = 1e6 * pool.seconds["smoothnet"] / pool.frames
    for name in others:
        key = name if name == "user" else _filter_prefix(name, [o for o in others if o != "user"])
        out[f"{key}_inference_time"] = 1e6 * pool.seconds[name] / pool.frames


def is_higher_better(metric: str) -> bool:
    """PCK improves upwards; every error metric downwards."""
    return "pck" in metric
