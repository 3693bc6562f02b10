"""What every command shares: run directories, logging, seeding, devices, models."""

from __future__ import annotations

import logging
import os
import random
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from yacs.config import CfgNode

from ..dataset.base import SequenceSet
from ..models.checkpoint import (
    CheckpointError,
    LoadedCheckpoint,
    ModelSpec,
    UsageInfo,
    load_checkpoint,
)
from ..utils.body_scale import person_radius
from ..utils.errors import SetupError
from ..utils.io import write_text_atomic

logger = logging.getLogger("smoothnet")


def prepare_run_dir(cfg: CfgNode) -> Path:
    """Create ``OUTPUT_DIR/<dd-mm-YYYY_HH-MM-SS>_<EXP_NAME>`` (suffix 0, 1, ... if taken)."""
    parent = Path(cfg.OUTPUT_DIR)
    parent.mkdir(parents=True, exist_ok=True)
    base = f"{datetime.now():%d-%m-%Y_%H-%M-%S}_{cfg.EXP_NAME}"
    candidate, suffix = parent / base, 0
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            candidate = parent / f"{base}{suffix}"
            suffix += 1


def save_config(cfg: CfgNode, run_dir: Path) -> None:
    """Dump ``config.yaml`` (plain YAML, reloadable with ``--cfg``)."""
    write_text_atomic(run_dir / "config.yaml", cfg.dump())


def setup_logging(log_file: Path | None = None, verbose: bool = True) -> None:
    """Log to the console and, if given, to ``log_file`` (appending)."""
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(fmt)
    root.addHandler(console)
    if log_file is not None:
        handler = logging.FileHandler(log_file)
        handler.setFormatter(fmt)
        root.addHandler(handler)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (no-op when ``seed < 0``)."""
    if seed < 0:
        return
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds code that uses the legacy global RNG
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    """The ``DEVICE`` config value as a device.

    Raises:
        SetupError: not a device name, or CUDA asked for but not available.
    """
    try:
        device = torch.device(name)
    except RuntimeError:
        raise SetupError(f"DEVICE {name!r} is not a device name (try cpu or cuda)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SetupError(f"DEVICE {name!r} requested but CUDA is not available; pass DEVICE cpu")
    return device


def require_checkpoint(cfg: CfgNode) -> LoadedCheckpoint:
    """Load ``EVALUATE.PRETRAINED`` (``--checkpoint``).

    Raises:
        SetupError: no checkpoint given, or it cannot be loaded.
    """
    if not cfg.EVALUATE.PRETRAINED:
        raise SetupError("--checkpoint is required (a .pth.tar file, ours or the original's)")
    try:
        return load_checkpoint(cfg.EVALUATE.PRETRAINED)
    except CheckpointError as err:
        raise SetupError(str(err)) from None


def smpl_body_model(cfg: CfgNode, datasets: list[SequenceSet], device: torch.device) -> Any:
    """The SMPL evaluator when any dataset is ``smpl`` (else None).

    Raises:
        SetupError: the SMPL model files are missing or unusable.
    """
    if not any(d.representation == "smpl" for d in datasets):
        return None
    from ..models.smpl import SMPLEvaluator, SMPLModelError

    try:
        return SMPLEvaluator(cfg.SMPL_MODEL_DIR, device)
    except SMPLModelError as err:
        raise SetupError(str(err)) from None


def model_spec(cfg: CfgNode) -> ModelSpec:
    """The architecture described by ``MODEL.*``."""
    return ModelSpec(
        window_size=cfg.MODEL.SLIDE_WINDOW_SIZE,
        model_type=cfg.MODEL.TYPE,
        hidden_size=cfg.MODEL.HIDDEN_SIZE,
        res_hidden_size=cfg.MODEL.RES_HIDDEN_SIZE,
        num_blocks=cfg.MODEL.NUM_BLOCK,
        dropout=cfg.MODEL.DROPOUT,
        center_windows=bool(cfg.MODEL.CENTER_WINDOWS),
        scale_windows=bool(cfg.MODEL.SCALE_WINDOWS),
    )


def training_person_size(dataset: SequenceSet) -> float | None:
    """The median person size (RMS radius) of a set's ground truth in model units.

    3D sequences are root-relative joints (plus root channels for the
    ``Smoother``'s layout, which do not change the radius of the joints);
    None for rotations (SMPL), which have no size.
    """
    if dataset.coords not in (2, 3) or dataset.representation == "smpl":
        return None
    radii = [
        person_radius(seq.groundtruth.reshape(seq.num_frames, -1, dataset.coords))
        for seq in dataset.sequences
    ]
    return float(np.median(radii)) if radii else None


def usage_info(
    datasets: list[SequenceSet], augment: CfgNode | None = None, last_frames: int = 0
) -> UsageInfo:
    """How the training data was prepared, recorded in checkpoints (``last_frames``:
    ``LOSS.LAST_FRAMES``, which makes a checkpoint one for low-latency online use)."""
    first = datasets[0]
    seq = first.sequences[0]
    norm = first.spec.normalization_2d if first.representation == "2D" else None
    if norm is None:
        normalization = {"type": "none"}
    elif norm.kind == "fixed":
        normalization = {"type": "fixed", "center": norm.center, "scale": norm.scale}
    else:
        normalization = {"type": "image_shape"}
    return UsageInfo(
        body_representation=first.representation,
        num_joints=seq.detected.shape[1] // first.coords,
        coords_per_joint=first.coords,
        normalization=normalization,
        fps=first.spec.fps,
        dataset=",".join(d.name for d in datasets),
        estimator=",".join(d.estimator for d in datasets),
        person_size=training_person_size(first),
        augmentation=_augmentation_record(augment),
        last_frames=last_frames,
    )


def _augmentation_record(augment: CfgNode | None) -> dict[str, Any]:
    """``TRAIN.AUGMENT`` as a plain dict when any augmentation is on, else empty."""
    if augment is None:
        return {}
    from ..dataset.augment import augmentation_from_config

    if not augmentation_from_config(augment).active:
        return {}
    return {
        key.lower(): list(value) if isinstance(value, (list, tuple)) else value
        for key, value in augment.items()
    }
