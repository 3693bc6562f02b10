"""Scoring SmoothNet and the classical filters on a test set.

Every sequence is smoothed whole (sliding windows, overlaps averaged, no
frame dropped), filters run on the same model-space input, and everything is
mapped back to metric space (pixels for 2D, millimetres for 3D) before
scoring. Per-frame metrics of all sequences are pooled (frame-weighted), as
in the original; JHMDB's PCK is averaged per sequence and joint, as there.

Keys follow the original: ``input_X, smoothnet_X, improvement_X,
[filter_X]`` for X in mpjpe, pampjpe, accel (then mpvpe for SMPL; or
pck_005/01/02 for JHMDB), then
``smoothnet_inference_time`` (microseconds per frame, honestly measured) and
the top-1 % worst-frame figures. With several filters (``--tradition all``)
the filter keys are named after each filter (``savgol_mpjpe`` ...).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from yacs.config import CfgNode

from ..dataset.base import PoseSequence, SequenceSet
from ..models.filters import FILTER_SPECS, apply_filter
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
from ..utils.rotations import rot6d_to_axis_angle
from .inference import smooth_sequence

PCK_THRESHOLDS = {"005": 0.05, "01": 0.1, "02": 0.2}

#: What the methods smooth (``EVALUATE.INPUT``): the estimator's output, or the ground
#: truth itself, which shows the error a method adds to clean motion on its own.
EVALUATION_INPUTS: tuple[str, ...] = ("detected", "groundtruth")


#: Baselines that are fitted window models rather than fixed filters (scored like
#: SmoothNet: stride-1 windows, overlaps averaged). ``linear``: the least-squares
#: linear window model (:mod:`smoothnet.models.linear`).
WINDOW_BASELINES: tuple[str, ...] = ("linear",)


def resolve_filters(tradition: str) -> list[str]:
    """Method names from ``EVALUATE.TRADITION``: ``""``, one name, a comma list or ``all``.

    ``all`` is every classical filter plus ``linear``; names of
    :data:`WINDOW_BASELINES` stay in the list (the caller supplies their models).
    """
    names = [t.strip().lower() for t in str(tradition).split(",") if t.strip()]
    if names == ["all"]:
        return [*FILTER_SPECS, *WINDOW_BASELINES]
    valid = [*FILTER_SPECS, *WINDOW_BASELINES]
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(
            f"--tradition: unknown filter {unknown[0]!r}; choose from {', '.join(valid)} or all"
        )
    return names


def filter_kwargs(name: str, cfg: CfgNode) -> dict[str, float]:
    """Config-driven parameters of filter ``name`` (``EVALUATE.<config_key>.<PARAM>``)."""
    spec = FILTER_SPECS.get(name)
    if spec is None or not spec.config_key:
        return {}
    node = cfg.EVALUATE[spec.config_key]
    return {param: node[param.upper()] for param in spec.params}


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def root_indices(cfg: CfgNode, dataset: SequenceSet) -> list[int]:
    """Root joints of a 3D set from ``DATASET.ROOT_<D>_<E>_3D``."""
    key = f"ROOT_{dataset.name.upper()}_{dataset.estimator.upper()}_3D"
    if key not in cfg.DATASET:
        return list(dataset.layout.root)
    return list(cfg.DATASET[key])


#: The units results are reported in, by body representation.
REPORT_UNITS: dict[str, str] = {"2D": "px", "3D": "mm", "smpl": "mm"}


def report_units(
    seq: PoseSequence, values: np.ndarray, dataset: SequenceSet, cfg: CfgNode
) -> np.ndarray:
    """Model-space values of a 2D or 3D sequence in the units results are reported in.

    The one conversion used by evaluation, visualisation and the demo.

    Args:
        seq: the sequence (its normalisation).
        values: ``(T, C)`` (or ``(T, K, c)``) model-space values.
        dataset: its set (representation, root joints).
        cfg: ``EVALUATE.ROOT_RELATIVE`` and ``DATASET.ROOT_*``.

    Returns:
        ``(T, K, c)``: pixels (2D); millimetres (3D), relative to the root
        joints when ``EVALUATE.ROOT_RELATIVE``.
    """
    metric = seq.to_metric(np.asarray(values).reshape(seq.num_frames, -1))
    if dataset.representation == "3D":
        if cfg.EVALUATE.ROOT_RELATIVE:
            metric = root_relative(metric, root_indices(cfg, dataset))
        metric = 1000.0 * metric  # metres -> millimetres
    return metric


class _Pool:
    """Per-frame metric arrays of every sequence, keyed by method and metric."""

    def __init__(self) -> None:
        self.values: dict[str, list[np.ndarray]] = defaultdict(list)

    def add(self, key: str, values: np.ndarray) -> None:
        self.values[key].append(values)

    def all(self, key: str) -> np.ndarray:
        return np.concatenate(self.values[key])

    def mean(self, key: str) -> float:
        return pooled_mean(self.values[key])


@torch.no_grad()
def evaluate_set(
    model: torch.nn.Module,
    dataset: SequenceSet,
    cfg: CfgNode,
    filters: Sequence[str] = (),
    body_model: SMPLEvaluator | None = None,
    window_models: Mapping[str, torch.nn.Module] | None = None,
) -> dict[str, float]:
    """Score the model (and filters) on every sequence of a test set.

    Args:
        model: SmoothNet on its device (it knows its window W); put in eval mode here.
        dataset: the test sequences.
        cfg: config (``EVALUATE.*``, ``DATASET.ROOT_*``, ``SMPL_MODEL_DIR``).
        filters: names of classical filters (and of :data:`WINDOW_BASELINES`
            given in ``window_models``) to score alongside.
        body_model: the SMPL model for ``smpl`` data (built from
            ``SMPL_MODEL_DIR`` when None).
        window_models: fitted window models by name (e.g. ``{"linear": m}``),
            applied like SmoothNet; names in ``filters`` without a model are
            skipped.

    Returns:
        Metric name -> value, in the original's key order.
    """
    window_models = dict(window_models or {})
    filters = [f for f in filters if f not in WINDOW_BASELINES or f in window_models]
    if dataset.representation == "smpl" and body_model is None:
        body_model = SMPLEvaluator(cfg.SMPL_MODEL_DIR)
    model.eval()
    device = next(model.parameters()).device
    methods = ["input", "smoothnet", *filters]
    pool = _Pool()
    pck_rows: dict[str, list[np.ndarray]] = defaultdict(list)
    seconds: dict[str, float] = defaultdict(float)
    frames = 0
    for seq in dataset.sequences:
        source = seq.groundtruth if cfg.EVALUATE.INPUT == "groundtruth" else seq.detected
        outputs = {"input": source}
        x = torch.from_numpy(source).to(device)
        _synchronize(device)
        start = time.perf_counter()
        smoothed = smooth_sequence(
            model,
            x,
            stride=cfg.EVALUATE.SLIDE_WINDOW_STEP_SIZE,
            pad_mode=cfg.EVALUATE.PAD_MODE,
            chunk_rows=cfg.EVALUATE.CHUNK_ROWS,
            weighting=cfg.EVALUATE.WINDOW_WEIGHTS,
        )
        _synchronize(device)
        seconds["smoothnet"] += time.perf_counter() - start
        outputs["smoothnet"] = smoothed.cpu().numpy()
        shaped = source.reshape(seq.num_frames, -1, len(seq.center))
        for name in filters:
            start = time.perf_counter()
            if name in window_models:
                baseline = window_models[name].eval()
                outputs[name] = (
                    smooth_sequence(
                        baseline,
                        x,
                        pad_mode=cfg.EVALUATE.PAD_MODE,
                        weighting=cfg.EVALUATE.WINDOW_WEIGHTS,
                    )
                    .cpu()
                    .numpy()
                )
            else:
                outputs[name] = apply_filter(name, shaped, **filter_kwargs(name, cfg))
            seconds[name] += time.perf_counter() - start
        frames += seq.num_frames
        if dataset.representation == "smpl":
            _score_smpl_sequence(seq, outputs, dataset.coords, cfg, pool, body_model)
        else:
            _score_sequence(seq, outputs, dataset, cfg, pool, pck_rows)
    if dataset.spec.pck and dataset.representation == "2D":
        return _pck_report(pck_rows, methods, seconds, frames)
    metrics = ("mpjpe", "pampjpe", "accel", "mpvpe") if dataset.representation == "smpl" else None
    return _report(pool, methods, seconds, frames, metrics or ("mpjpe", "pampjpe", "accel"))


def _score_sequence(
    seq: PoseSequence,
    outputs: dict[str, np.ndarray],
    dataset: SequenceSet,
    cfg: CfgNode,
    pool: _Pool,
    pck_rows: dict[str, list[np.ndarray]],
) -> None:
    gt = report_units(seq, seq.groundtruth, dataset, cfg)
    metric = {name: report_units(seq, out, dataset, cfg) for name, out in outputs.items()}
    if dataset.spec.pck and dataset.representation == "2D":
        body = bbox_body_size(seq.bbox) if seq.bbox is not None else None
        if body is None:
            raise ValueError(f"{dataset.gt_path}: sequence {seq.name} has no 'bbox' for PCK")
        for name, pred in metric.items():
            for label, threshold in PCK_THRESHOLDS.items():
                hits = pck(pred, gt, body, threshold)
                pck_rows[f"{name}_pck_{label}"].append(np.nanmean(hits, axis=0))
        return
    for name, pred in metric.items():
        _add_pose_metrics(pool, name, pred, gt, cfg.EVALUATE.ACCEL_ZERO_PAD)


def _add_pose_metrics(
    pool: _Pool, name: str, pred: np.ndarray, gt: np.ndarray, zero_pad: bool
) -> None:
    """MPJPE, PA-MPJPE and Accel of one method's ``(T, K, C)`` joints, into the pool."""
    pool.add(f"{name}_mpjpe", mpjpe(pred, gt))
    pool.add(f"{name}_pampjpe", pa_mpjpe(pred, gt))
    pool.add(f"{name}_accel", accel_error(pred, gt, zero_pad=zero_pad))


def smpl_axis_angle(values: np.ndarray, coords: int) -> np.ndarray:
    """``(T, 24 * coords)`` 6D or axis-angle poses -> ``(T, 72)`` axis-angle."""
    values = np.asarray(values, dtype=np.float64).reshape(values.shape[0], 24, coords)
    if coords == 6:
        values = rot6d_to_axis_angle(torch.from_numpy(values)).numpy()
    return values.reshape(values.shape[0], 72)


def _score_smpl_sequence(
    seq: PoseSequence,
    outputs: dict[str, np.ndarray],
    coords: int,
    cfg: CfgNode,
    pool: _Pool,
    body_model: SMPLEvaluator,
) -> None:
    """Pose every output with SMPL and score its 14 joints and its vertices (mm).

    Estimator, SmoothNet and filter poses use the estimator's betas; the
    ground truth its own (zeros when absent, as for AIST++). Joints are made
    root-relative (mean of the hips) when ``EVALUATE.ROOT_RELATIVE``; vertices
    are aligned on the same root when ``EVALUATE.MPVPE_ROOT_ALIGNED`` (the
    original did not align them).
    """
    betas = seq.detected_betas

    def posed(values: np.ndarray, shape: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        joints, vertices = body_model(smpl_axis_angle(values, coords), shape)
        root = joints[:, list(J14_ROOT)].mean(axis=1, keepdims=True)
        if cfg.EVALUATE.ROOT_RELATIVE:
            joints = joints - root
        if cfg.EVALUATE.MPVPE_ROOT_ALIGNED:
            vertices = vertices - root
        return 1000.0 * joints, 1000.0 * vertices

    gt_joints, gt_vertices = posed(seq.groundtruth, seq.groundtruth_betas)
    for name, out in outputs.items():
        joints, vertices = posed(np.asarray(out).reshape(seq.num_frames, -1), betas)
        _add_pose_metrics(pool, name, joints, gt_joints, cfg.EVALUATE.ACCEL_ZERO_PAD)
        pool.add(f"{name}_mpvpe", mpvpe(vertices, gt_vertices))


def _filter_prefix(name: str, filters: list[str]) -> str:
    """The original's ``filter_*`` keys for a single classical filter, else the name."""
    return "filter" if len(filters) == 1 and name not in WINDOW_BASELINES else name


def _report(
    pool: _Pool,
    methods: list[str],
    seconds: dict[str, float],
    frames: int,
    metrics: Sequence[str],
) -> dict[str, float]:
    filters = methods[2:]
    out: dict[str, float] = {}
    for metric in metrics:
        out[f"input_{metric}"] = pool.mean(f"input_{metric}")
        out[f"smoothnet_{metric}"] = pool.mean(f"smoothnet_{metric}")
        out[f"improvement_{metric}"] = out[f"smoothnet_{metric}"] - out[f"input_{metric}"]
        for name in filters:
            out[f"{_filter_prefix(name, filters)}_{metric}"] = pool.mean(f"{name}_{metric}")
    _add_times(out, seconds, frames, filters)
    worst = worst_frames(pool.all("input_mpjpe"))
    for name in ("input", "smoothnet"):
        out[f"{name}_mpjpe_top1"] = pooled_mean(pool.all(f"{name}_mpjpe")[worst])
    for name in ("input", "smoothnet"):
        out[f"{name}_accel_top1"] = pooled_mean(pool.all(f"{name}_accel")[worst])
    return out


def _pck_report(
    rows: dict[str, list[np.ndarray]], methods: list[str], seconds: dict[str, float], frames: int
) -> dict[str, float]:
    filters = methods[2:]
    out: dict[str, float] = {}
    for label in PCK_THRESHOLDS:
        mean = {name: pooled_mean(rows[f"{name}_pck_{label}"]) for name in methods}
        out[f"input_pck_{label}"] = mean["input"]
        out[f"smoothnet_pck_{label}"] = mean["smoothnet"]
        out[f"improvement_pck_{label}"] = mean["smoothnet"] - mean["input"]
        for name in filters:
            out[f"{_filter_prefix(name, filters)}_pck_{label}"] = mean[name]
    _add_times(out, seconds, frames, filters)
    return out


def _add_times(
    out: dict[str, float], seconds: dict[str, float], frames: int, filters: list[str]
) -> None:
    out["smoothnet_inference_time"] = 1e6 * seconds["smoothnet"] / frames
    for name in filters:
        out[f"{_filter_prefix(name, filters)}_inference_time"] = 1e6 * seconds[name] / frames


def is_higher_better(metric: str) -> bool:
    """PCK improves upwards; every error metric downwards."""
    return "pck" in metric
