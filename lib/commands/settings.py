"""The config, checked and turned into typed settings, once, at the command layer.

:func:`check_settings` refuses values that cannot work before any data is read;
the other functions build the frozen dataclasses of :mod:`smoothnet.core.settings`
(and the model's :class:`~smoothnet.models.registry.ModelSpec`) that everything
below the commands takes instead of the config.
"""

from __future__ import annotations

from typing import Any

from yacs.config import CfgNode

from .. import choices
from ..utils.io import folder_problem


def split_list(value: str) -> list[str]:
    """A comma list from the config, whitespace stripped, empties dropped."""
    return [v.strip() for v in str(value).split(",") if v.strip()]


def dataset_triples(cfg: CfgNode) -> tuple[tuple[str, str, str], ...]:
    """``(dataset, estimator, representation)`` for every listed dataset.

    A single estimator or representation is shared by all datasets.

    Raises:
        ValueError: when the lists are empty or their lengths do not pair up.
    """
    names = split_list(cfg.DATASET_NAME)
    estimators = split_list(cfg.ESTIMATOR)
    reps = split_list(cfg.BODY_REPRESENTATION)
    if not names:
        raise ValueError("no dataset: pass --dataset_name (or set DATASET_NAME)")
    for flag, values in (("--estimator", estimators), ("--body_representation", reps)):
        if len(values) == 1:
            values *= len(names)
        if len(values) != len(names):
            raise ValueError(
                f"{flag} lists {len(values)} value(s) for {len(names)} dataset(s); "
                "give one, or one per dataset"
            )
    return tuple(zip(names, estimators, reps))


def resolve_filters(tradition: str) -> tuple[str, ...]:
    """Method names from ``EVALUATE.TRADITION``: ``""``, one name, a comma list or ``all``
    (every classical filter plus ``linear``)."""
    from ..models.filters import FILTER_SPECS

    valid = [*FILTER_SPECS, *choices.WINDOW_BASELINES]
    names = [t.lower() for t in split_list(tradition)]
    if names == ["all"]:
        return tuple(valid)
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(
            f"--tradition: unknown filter {unknown[0]!r}; choose from {', '.join(valid)} or all"
        )
    return tuple(names)


_CHOICES: dict[str, tuple[str, ...]] = {
    "MODEL.TYPE": choices.SMOOTHNET_TYPES,
    "TRAIN.SAMPLING": choices.SAMPLING_MODES,
    "TRAIN.INIT": choices.TRAIN_INITS,
    "TRAIN.LR_SCHEDULE": choices.LR_SCHEDULES,
    "TRAIN.BEST_METRIC": choices.BEST_METRICS,
    "EVALUATE.PAD_MODE": choices.PAD_MODES,
    "EVALUATE.INPUT": choices.EVALUATION_INPUTS,
    "EVALUATE.WINDOW_WEIGHTS": choices.WINDOW_WEIGHTINGS,
    "LOSS.NORM": choices.LOSS_NORMS,
    "LOSS.WINDOW_WEIGHTS": choices.WINDOW_WEIGHTINGS,
}


#: Integer keys and their smallest allowed value.
_MINIMA: dict[str, int] = {
    "TRAIN.BATCH_SIZE": 1,
    "TRAIN.VALIDATE_SEQUENCE_STEP": 1,
    "MODEL.HIDDEN_SIZE": 1,
    "MODEL.RES_HIDDEN_SIZE": 1,
    "TRAIN.EPOCH": 0,
    "MODEL.NUM_BLOCK": 0,
    "TRAIN.WINDOWS_PER_EPOCH": 0,
    "TRAIN.WARMUP_STEPS": 0,
    "EVALUATE.CHUNK_ROWS": 0,
}


def _value(cfg: CfgNode, key: str) -> Any:
    node = cfg
    for part in key.split("."):
        node = node[part]
    return node


def check_settings(cfg: CfgNode) -> None:
    """Refuse settings that cannot work, before any data is loaded.

    Raises:
        ValueError: one line naming the key, its value and what is allowed.
    """
    for key, allowed in _CHOICES.items():
        value = _value(cfg, key)
        if value not in allowed:
            raise ValueError(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    window = cfg.MODEL.SLIDE_WINDOW_SIZE
    if not 1 <= window <= MAX_WINDOW:
        raise ValueError(
            f"MODEL.SLIDE_WINDOW_SIZE (--slide_window_size) must be between 1 "
            f"and {MAX_WINDOW}, got {window}"
        )
    stride = cfg.EVALUATE.SLIDE_WINDOW_STEP_SIZE
    if not 1 <= stride <= window:
        raise ValueError(
            f"EVALUATE.SLIDE_WINDOW_STEP_SIZE must be between 1 and the window size {window}, "
            f"got {stride}"
        )
    for key, least in _MINIMA.items():
        if _value(cfg, key) < least:
            raise ValueError(f"{key} must be >= {least}, got {_value(cfg, key)}")
    if not 0.0 <= cfg.MODEL.DROPOUT < 1.0:
        raise ValueError(f"MODEL.DROPOUT must be in [0, 1), got {cfg.MODEL.DROPOUT}")
    if not 0 < cfg.TRAIN.LR < float("inf"):
        raise ValueError(f"TRAIN.LR must be > 0, got {cfg.TRAIN.LR}")
    if not 0 <= cfg.LOSS.LAST_FRAMES <= window:
        raise ValueError(
            f"LOSS.LAST_FRAMES must be between 0 and the window size {window}, "
            f"got {cfg.LOSS.LAST_FRAMES}"
        )
    if not cfg.LOSS.RELATIVE_FLOOR > 0:
        raise ValueError(f"LOSS.RELATIVE_FLOOR must be > 0, got {cfg.LOSS.RELATIVE_FLOOR}")
    augmentation(cfg).check()
    problem = folder_problem(cfg.OUTPUT_DIR)
    if problem:
        raise ValueError(f"OUTPUT_DIR {cfg.OUTPUT_DIR}: {problem}")


#: The largest window a model may have (the original's largest is 64; a window of
#: thousands of frames is a typo that would fill memory before the first step).
MAX_WINDOW = 1024


def augmentation(cfg: CfgNode, person_size: float = 1.0):
    """``TRAIN.AUGMENT`` as an :class:`~smoothnet.dataset.augment.Augmentation`.

    Raises:
        ValueError: a range that is not ``[low, high]``.
    """
    from ..dataset.augment import Augmentation

    node = cfg.TRAIN.AUGMENT
    for key in ("SPEED", "SCALE", "NOISE"):
        if len(node[key]) != 2:
            raise ValueError(f"TRAIN.AUGMENT.{key} must be [low, high], got {list(node[key])}")
    return Augmentation(
        speed=(float(node.SPEED[0]), float(node.SPEED[1])),
        scale=(float(node.SCALE[0]), float(node.SCALE[1])),
        noise=(float(node.NOISE[0]), float(node.NOISE[1])),
        clean_share=float(node.CLEAN_SHARE),
        person_size=person_size,
        synthetic_share=float(node.SYNTHETIC_SHARE),
        shift=float(node.SHIFT),
        natural_share=float(node.NATURAL_SHARE),
    )


def model_spec(cfg: CfgNode):
    """The architecture described by ``MODEL.*``."""
    from ..models.registry import ModelSpec

    m = cfg.MODEL
    return ModelSpec(
        window_size=m.SLIDE_WINDOW_SIZE,
        model_type=m.TYPE,
        hidden_size=m.HIDDEN_SIZE,
        res_hidden_size=m.RES_HIDDEN_SIZE,
        num_blocks=m.NUM_BLOCK,
        dropout=m.DROPOUT,
        center_windows=bool(m.CENTER_WINDOWS),
        scale_windows=bool(m.SCALE_WINDOWS),
        detrend_windows=bool(m.DETREND_WINDOWS),
    )


def data_settings(cfg: CfgNode):
    """Which data, from where (``DATASET``, the dataset flags, ``EVALUATE.EXCLUDE_FILE``)."""
    from ..core.settings import DataSettings

    return DataSettings(
        base_dir=cfg.DATASET.BASE_DIR,
        triples=dataset_triples(cfg),
        use_6d_smpl=bool(cfg.TRAIN.USE_6D_SMPL),
        exclude_file=cfg.EVALUATE.EXCLUDE_FILE,
        smpl_model_dir=cfg.SMPL_MODEL_DIR,
    )


def eval_settings(cfg: CfgNode, as_user: bool | None = None):
    """``EVALUATE.*`` (``as_user`` overrides ``EVALUATE.AS_USER``)."""
    from ..core.settings import EvalSettings

    e = cfg.EVALUATE
    from ..models.filters import FILTER_SPECS

    params = {}
    for name, spec in FILTER_SPECS.items():
        if spec.config_key:
            params[name] = {p: e[spec.config_key][p.upper()] for p in spec.params}
    return EvalSettings(
        stride=e.SLIDE_WINDOW_STEP_SIZE,
        pad_mode=e.PAD_MODE,
        window_weights=e.WINDOW_WEIGHTS,
        root_relative=bool(e.ROOT_RELATIVE),
        input=e.INPUT,
        accel_zero_pad=bool(e.ACCEL_ZERO_PAD),
        mpvpe_root_aligned=bool(e.MPVPE_ROOT_ALIGNED),
        chunk_rows=e.CHUNK_ROWS,
        filters=resolve_filters(e.TRADITION),
        filter_params=params,
        linear_checkpoint=e.TRADITION_LINEAR.CHECKPOINT,
        as_user=bool(e.AS_USER) if as_user is None else as_user,
    )


def loss_settings(cfg: CfgNode):
    """``LOSS.*``."""
    from ..core.settings import LossSettings

    loss = cfg.LOSS
    return LossSettings(
        w_accel=float(loss.W_ACCEL),
        w_pos=float(loss.W_POS),
        window_weights=loss.WINDOW_WEIGHTS,
        norm=loss.NORM,
        last_frames=loss.LAST_FRAMES,
        relative=bool(loss.RELATIVE),
        relative_floor=float(loss.RELATIVE_FLOOR),
    )


def train_settings(cfg: CfgNode, person_size: float = 1.0):
    """``TRAIN.*`` with the seed and output folder (augmentation at ``person_size``)."""
    from ..core.settings import TrainSettings

    t = cfg.TRAIN
    return TrainSettings(
        batch_size=t.BATCH_SIZE,
        epochs=t.EPOCH,
        lr=float(t.LR),
        lr_decay=float(t.LRDECAY),
        lr_schedule=t.LR_SCHEDULE,
        warmup_steps=t.WARMUP_STEPS,
        lr_floor=float(t.LR_FLOOR),
        init=t.INIT,
        init_linear=t.INIT_LINEAR,
        init_checkpoint=t.INIT_CHECKPOINT,
        resume=t.RESUME,
        validate=bool(t.VALIDATE),
        validate_sequence_step=t.VALIDATE_SEQUENCE_STEP,
        validate_holdout=tuple(split_list(t.VALIDATE_HOLDOUT)),
        sampling=t.SAMPLING,
        windows_per_epoch=t.WINDOWS_PER_EPOCH,
        best_metric=t.BEST_METRIC,
        augmentation=augmentation(cfg, person_size),
        seed=cfg.SEED_VALUE,
        output_dir=cfg.OUTPUT_DIR,
        exp_name=cfg.EXP_NAME,
    )


def vis_settings(cfg: CfgNode):
    """``VIS.*``."""
    from ..core.settings import VisSettings

    v = cfg.VIS
    return VisSettings(v.INPUT_VIDEO_NUMBER, v.START, v.END, v.OUTPUT_VIDEO_PATH)
