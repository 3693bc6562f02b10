"""Typed settings: what the commands read from the config, once, for the code below them.

The command layer (:mod:`smoothnet.commands.config`) turns the yacs config into
these small frozen dataclasses; nothing below it reads the config. The model's
architecture is :class:`smoothnet.models.registry.ModelSpec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..dataset.augment import Augmentation


@dataclass(frozen=True)
class DataSettings:
    """Which data, from where.

    Attributes:
        base_dir: root of the npz files (``DATASET.BASE_DIR``).
        triples: ``(dataset, estimator, representation)`` of every listed dataset.
        use_6d_smpl: SMPL poses as 6D rotations (``TRAIN.USE_6D_SMPL``).
        exclude_file: JSON list of test sequences to leave out ("": none).
        smpl_model_dir: the SMPL body model files.
    """

    base_dir: str = "data/poses"
    triples: tuple[tuple[str, str, str], ...] = ()
    use_6d_smpl: bool = True
    exclude_file: str = ""
    smpl_model_dir: str = "data/smpl/"


@dataclass(frozen=True)
class LossSettings:
    """``LOSS.*`` (see :class:`smoothnet.core.loss.SmoothNetLoss`)."""

    w_accel: float = 1.0
    w_pos: float = 1.0
    window_weights: str = "uniform"
    norm: str = "l1"
    last_frames: int = 0
    relative: bool = False
    relative_floor: float = 0.001


@dataclass(frozen=True)
class EvalSettings:
    """How test sets are smoothed and scored (``EVALUATE.*``).

    Attributes:
        stride: window stride (``SLIDE_WINDOW_STEP_SIZE``).
        pad_mode: padding of sequences shorter than the window.
        window_weights: how overlapping windows are combined.
        root_relative: 3D/SMPL metrics relative to the root joints.
        input: smooth the ``detected`` sequences or the ``groundtruth``.
        accel_zero_pad: the original's zero-padded Accel average.
        mpvpe_root_aligned: SMPL vertices aligned on the root.
        chunk_rows: windows x channels per model call (0: the engine's default).
        filters: classical filters (and ``linear``) scored beside the model.
        filter_params: per filter, its parameters.
        linear_checkpoint: the ``linear`` baseline's file ("": beside the checkpoint).
        as_user: also score the checkpoint as a user's ``Smoother`` runs it (no flags).
    """

    stride: int = 1
    pad_mode: str = "edge"
    window_weights: str = "hann"
    root_relative: bool = True
    input: str = "detected"
    accel_zero_pad: bool = False
    mpvpe_root_aligned: bool = True
    chunk_rows: int = 0
    filters: tuple[str, ...] = ()
    filter_params: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    linear_checkpoint: str = ""
    as_user: bool = False


@dataclass(frozen=True)
class TrainSettings:
    """``TRAIN.*`` and the run's seed and output (see docs/training.md).

    Attributes:
        batch_size: global batch of windows.
        epochs: epochs (validation intervals).
        lr: learning rate.
        lr_decay: per-epoch factor (``epoch`` schedule).
        lr_schedule: ``epoch`` or ``cosine``.
        warmup_steps: linear warm-up steps (``cosine``).
        lr_floor: final share of ``lr`` (``cosine``).
        init: ``random``, ``linear`` or ``checkpoint``.
        init_linear: the linear start's file ("": fitted).
        init_checkpoint: the fine-tuning start's file.
        resume: the checkpoint to resume ("": none).
        validate: validate after every epoch.
        validate_sequence_step: every n-th validation sequence.
        validate_holdout: sequence-name prefixes held out for validation.
        sampling: ``uniform`` or ``original``.
        windows_per_epoch: random windows per epoch (0: every window).
        best_metric: the metric that picks ``checkpoint_best``.
        augmentation: the per-window augmentation.
        seed: the random seed (< 0: none).
        output_dir: parent of run folders.
        exp_name: suffix of the run folder's name.
    """

    batch_size: int = 1024
    epochs: int = 70
    lr: float = 0.001
    lr_decay: float = 0.95
    lr_schedule: str = "epoch"
    warmup_steps: int = 0
    lr_floor: float = 0.01
    init: str = "random"
    init_linear: str = ""
    init_checkpoint: str = ""
    resume: str = ""
    validate: bool = True
    validate_sequence_step: int = 1
    validate_holdout: tuple[str, ...] = ()
    sampling: str = "uniform"
    windows_per_epoch: int = 0
    best_metric: str = "smoothnet_mpjpe"
    augmentation: Augmentation = field(default_factory=Augmentation)
    seed: int = 4321
    output_dir: str = "results"
    exp_name: str = "default"


@dataclass(frozen=True)
class VisSettings:
    """``VIS.*``: which test sequence and frames to render, and where."""

    sequence: int = 0
    start: int = 0
    end: int = 1000
    output_dir: str = "results/videos"
