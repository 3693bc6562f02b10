"""The one configuration module: yacs defaults and the command-line parsers.

Order of precedence, lowest first: the defaults below, ``--cfg`` YAML, the
dedicated flags (``--dataset_name`` ...), then trailing ``KEY VALUE`` pairs
(``TRAIN.EPOCH 5 MODEL.DROPOUT 0``). A run's dumped ``config.yaml`` reloads
with ``--cfg`` and reproduces the run.

Keys added to the original's (all documented below): ``MODEL.TYPE``,
``TRAIN.SAMPLING``, ``TRAIN.WINDOWS_PER_EPOCH``, ``TRAIN.BEST_METRIC``,
``EVALUATE.PAD_MODE``, ``EVALUATE.ACCEL_ZERO_PAD``, ``EVALUATE.MPVPE_ROOT_ALIGNED``,
``EVALUATE.CHUNK_ROWS``, ``EVALUATE.TRADITION_GAUSSIAN``, ``TRAIN.LR_SCHEDULE``,
``TRAIN.WARMUP_STEPS``, ``TRAIN.LR_FLOOR``, ``TRAIN.INIT``, ``TRAIN.INIT_LINEAR``,
``TRAIN.VALIDATE_HOLDOUT``, ``EVALUATE.WINDOW_WEIGHTS``, ``EVALUATE.TRADITION_LINEAR``,
``TRAIN.AUGMENT``, ``LOSS.LAST_FRAMES``, ``EVALUATE.INPUT``, ``TRAIN.INIT_CHECKPOINT``,
``MODEL.CENTER_WINDOWS``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch
import yaml
from yacs.config import CfgNode

from ..dataset.specs import DATASETS
from ..models.filters import FILTER_SPECS
from ..utils.cli import OneLineArgumentParser
from ..utils.io import folder_problem


def _root_keys() -> dict[str, list[int]]:
    """``ROOT_<DATASET>_<ESTIMATOR>_3D`` keys of the original, from the dataset specs."""
    keys = {}
    for spec in DATASETS.values():
        for estimator in spec.estimators("3D"):
            root = spec.layout(estimator, "3D").root
            keys[f"ROOT_{spec.name.upper()}_{estimator.upper()}_3D"] = list(root)
    return keys


def default_device() -> str:
    """``"cuda"`` when a GPU is available, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def get_cfg_defaults() -> CfgNode:
    """A fresh copy of every default (the original's, plus our additions)."""
    c = CfgNode()
    c.DEVICE = default_device()  # "cuda", "cuda:1", "cpu"
    c.SEED_VALUE = 4321  # < 0: no seeding
    c.LOGDIR = ""  # set to the run directory
    c.EXP_NAME = "default"  # suffix of the run directory name
    c.OUTPUT_DIR = "results"  # parent of run directories
    c.DATASET_NAME = ""  # comma list, paired with ESTIMATOR and BODY_REPRESENTATION
    c.ESTIMATOR = ""
    c.BODY_REPRESENTATION = ""  # 2D, 3D or smpl
    c.SMPL_MODEL_DIR = "data/smpl/"

    c.CUDNN = CfgNode()
    c.CUDNN.BENCHMARK = True
    c.CUDNN.DETERMINISTIC = False
    c.CUDNN.ENABLED = True

    c.DATASET = CfgNode()
    c.DATASET.BASE_DIR = "data/poses"
    for key, root in _root_keys().items():
        setattr(c.DATASET, key, root)

    c.MODEL = CfgNode()
    c.MODEL.TYPE = "smoothnet"  # "smoothnet" or "motion_aware"
    c.MODEL.SLIDE_WINDOW_SIZE = 100  # window W (set by --slide_window_size)
    c.MODEL.HIDDEN_SIZE = 512
    c.MODEL.RES_HIDDEN_SIZE = 256
    c.MODEL.NUM_BLOCK = 3
    c.MODEL.DROPOUT = 0.5
    # Smooth each window less its per-channel mean and add the mean back: the model is
    # then translation-equivariant (a trajectory's level cannot change how it is
    # smoothed). False is the original.
    c.MODEL.CENTER_WINDOWS = False
    # Smooth each window in units of its own noise (the RMS of its third differences over
    # every channel), so the model smooths as hard as each window's noise calls for
    # (lib/models/smoothnet.py). False is the original.
    c.MODEL.SCALE_WINDOWS = False

    c.TRAIN = CfgNode()
    c.TRAIN.BATCH_SIZE = 1024  # global batch (split over processes when distributed)
    c.TRAIN.EPOCH = 70
    c.TRAIN.LR = 0.001
    c.TRAIN.LRDECAY = 0.95  # multiplicative, per epoch (LR_SCHEDULE "epoch")
    # "epoch": the original's per-epoch exponential decay (LRDECAY).
    # "cosine": linear warm-up over WARMUP_STEPS optimizer steps, then cosine decay to
    # LR * LR_FLOOR at the last step of the run (EPOCH epochs); for window-sampled training.
    c.TRAIN.LR_SCHEDULE = "epoch"
    c.TRAIN.WARMUP_STEPS = 0
    c.TRAIN.LR_FLOOR = 0.01
    # "random": PyTorch's default initialisation. "linear": start from the least-squares
    # linear window model (lib/models/warm_start.py), read from INIT_LINEAR or, when that
    # is empty, fitted on the training split and saved as linear.pth.tar in the run folder.
    # "checkpoint": start from the weights of INIT_CHECKPOINT (a SmoothNet of the same
    # architecture, ours or the original's) with a fresh optimizer and schedule: fine-tuning.
    c.TRAIN.INIT = "random"
    c.TRAIN.INIT_LINEAR = ""
    c.TRAIN.INIT_CHECKPOINT = ""
    c.TRAIN.RESUME = ""  # checkpoint to resume from (also --resume)
    c.TRAIN.VALIDATE = True  # evaluate on the test split after every epoch
    c.TRAIN.VALIDATE_SEQUENCE_STEP = 1  # validate on every n-th test sequence (1: all)
    # Comma list of sequence-name prefixes (e.g. "S8_") held out of the training split and
    # used for validation instead of the test split (for tuning without touching the test set).
    c.TRAIN.VALIDATE_HOLDOUT = ""
    c.TRAIN.USE_6D_SMPL = True
    # "uniform": every valid window of every sequence once per epoch.
    # "original": the original's indexing (last sequence over-sampled, last window skipped).
    c.TRAIN.SAMPLING = "uniform"
    c.TRAIN.WINDOWS_PER_EPOCH = 0  # > 0: random subset of this many windows per epoch
    c.TRAIN.BEST_METRIC = "smoothnet_mpjpe"  # mean over datasets; "pck" metrics: higher is better
    # Per-window augmentation (lib/dataset/augment.py), off by default: a playback-speed
    # factor and a scale factor, each log-uniform in [low, high], and white noise on the
    # detections with a std log-uniform in NOISE (fractions of the training data's person
    # size), except for a share CLEAN_SHARE of windows; SHIFT offsets every channel of a
    # window by a constant uniform in +-SHIFT person sizes. For checkpoints meant for any input.
    c.TRAIN.AUGMENT = CfgNode()
    c.TRAIN.AUGMENT.SPEED = [1.0, 1.0]
    c.TRAIN.AUGMENT.SCALE = [1.0, 1.0]
    c.TRAIN.AUGMENT.NOISE = [0.0, 0.0]
    c.TRAIN.AUGMENT.CLEAN_SHARE = 0.0
    # Share of windows whose input is the ground truth plus the noise alone (no estimator).
    c.TRAIN.AUGMENT.SYNTHETIC_SHARE = 0.0
    c.TRAIN.AUGMENT.SHIFT = 0.0

    c.EVALUATE = CfgNode()
    c.EVALUATE.PRETRAINED = ""  # checkpoint (--checkpoint)
    c.EVALUATE.ROOT_RELATIVE = True
    c.EVALUATE.SLIDE_WINDOW_STEP_SIZE = 1
    # comma list of filters (FILTER_SPECS) and "linear", or "all" (--tradition)
    c.EVALUATE.TRADITION = ""
    # "detected": smooth the estimator's output (the evaluation). "groundtruth": smooth the
    # ground truth itself; the error against it is what each method adds to clean motion.
    c.EVALUATE.INPUT = "detected"
    c.EVALUATE.PAD_MODE = "edge"  # short sequences: "edge" (never scored) or "zero"
    # Overlapping window outputs: "hann" (tapered weights, no seams between windows) or
    # "uniform" (the original's plain average, to reproduce published numbers).
    c.EVALUATE.WINDOW_WEIGHTS = "hann"
    # JSON file listing test sequences to leave out (a list of names, or {"flagged": [...]},
    # e.g. data/poses/h36m_hourglass_2D/flagged.json); "": score every sequence.
    c.EVALUATE.EXCLUDE_FILE = ""
    c.EVALUATE.ACCEL_ZERO_PAD = False  # True: the original's zero-padded Accel average
    c.EVALUATE.MPVPE_ROOT_ALIGNED = True  # SMPL vertices on the hip root; False: the original
    c.EVALUATE.CHUNK_ROWS = 0  # windows x channels per model call; 0: 65536
    # EVALUATE.TRADITION_<FILTER>.<PARAM>: every filter's parameters, from the registry
    # (smoothnet.models.filters.FILTER_SPECS), e.g. TRADITION_SAVGOL.WINDOW_SIZE 31.
    for spec in FILTER_SPECS.values():
        if spec.config_key:
            node = CfgNode({param.upper(): value for param, value in spec.params.items()})
            setattr(c.EVALUATE, spec.config_key, node)
    c.EVALUATE.TRADITION_LINEAR = CfgNode()
    # The least-squares linear window model for the "linear" method; "": linear.pth.tar
    # beside the evaluated checkpoint (where training runs and shipped checkpoints keep it).
    c.EVALUATE.TRADITION_LINEAR.CHECKPOINT = ""

    c.LOSS = CfgNode()
    c.LOSS.W_ACCEL = 1.0
    c.LOSS.W_POS = 1.0
    # "uniform": the original loss. "hann": each window frame weighted as the overlapping
    # outputs are combined at inference (EVALUATE.WINDOW_WEIGHTS hann), mean 1.
    c.LOSS.WINDOW_WEIGHTS = "uniform"
    c.LOSS.NORM = "l1"  # "l1": the original's absolute errors; "l2": squared errors
    # > 0: only the last LAST_FRAMES frames of each window count (checkpoints for online
    # smoothing with a latency below LAST_FRAMES); 0: every frame.
    c.LOSS.LAST_FRAMES = 0
    # True: every window's loss divided by its input's (plus the loss of white noise of
    # RELATIVE_FLOOR person sizes), so each window counts by how much the model improves
    # on its input whatever the noise level; False: the original's absolute loss.
    c.LOSS.RELATIVE = False
    c.LOSS.RELATIVE_FLOOR = 0.001

    c.VIS = CfgNode()
    c.VIS.START = 0
    c.VIS.END = 1000
    c.VIS.INPUT_VIDEO_NUMBER = 0
    c.VIS.OUTPUT_VIDEO_PATH = "results/videos"
    return c


def build_parser(script: str) -> argparse.ArgumentParser:
    """The argument parser of ``train``, ``eval`` or ``visualize``."""
    parser = OneLineArgumentParser(
        description=f"SmoothNet {script}",
        epilog="Trailing KEY VALUE pairs (after every flag) override config keys, "
        "e.g. TRAIN.EPOCH 5 DEVICE cpu.",
    )
    parser.add_argument("--cfg", help="YAML config merged over the defaults")
    parser.add_argument("--dataset_name", help="dataset(s), comma list: " + ", ".join(DATASETS))
    parser.add_argument("--estimator", help="estimator(s), comma list paired with datasets")
    parser.add_argument("--body_representation", help="2D, 3D or smpl; comma list")
    parser.add_argument("--slide_window_size", type=int, help="window size W")
    if script == "train":
        parser.add_argument("--resume", help="checkpoint to resume (TRAIN.RESUME)")
    if script in ("eval", "visualize"):
        parser.add_argument("--checkpoint", help="checkpoint to evaluate (ours or original)")
    if script == "eval":
        parser.add_argument(
            "--tradition",
            help=f"baselines to compare, comma list: {', '.join(FILTER_SPECS)}, linear "
            "(least squares), or all",
        )
    if script == "visualize":
        parser.add_argument("--visualize_video_id", type=int, help="0-based test sequence index")
        parser.add_argument("--output_video_path", help="output folder")
        parser.add_argument("--start", type=int, help="first frame (VIS.START)")
        parser.add_argument("--end", type=int, help="end frame, exclusive (VIS.END)")
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="KEY VALUE config overrides")
    return parser


_FLAG_KEYS = {
    "dataset_name": "DATASET_NAME",
    "estimator": "ESTIMATOR",
    "body_representation": "BODY_REPRESENTATION",
    "slide_window_size": "MODEL.SLIDE_WINDOW_SIZE",
    "resume": "TRAIN.RESUME",
    "checkpoint": "EVALUATE.PRETRAINED",
    "tradition": "EVALUATE.TRADITION",
    "visualize_video_id": "VIS.INPUT_VIDEO_NUMBER",
    "output_video_path": "VIS.OUTPUT_VIDEO_PATH",
    "start": "VIS.START",
    "end": "VIS.END",
}


def merge_config_file(cfg: CfgNode, path: str | Path) -> None:
    """Merge the YAML config file ``path`` into ``cfg`` (retired keys dropped).

    Raises:
        ValueError: one line starting with ``path``: a missing or unreadable file,
            bad YAML, an unknown key or a value of the wrong type.
    """
    try:
        with open(path) as f:  # noqa: PTH123 - yacs reads an open stream
            loaded = CfgNode.load_cfg(f)
        _drop_retired_keys(loaded)
        cfg.merge_from_other_cfg(loaded)
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except (KeyError, ValueError, AssertionError, TypeError, yaml.YAMLError) as err:
        first = " ".join(str(err).split())  # YAML errors span lines: one line here
        raise ValueError(f"{path}: {first}") from None
    except OSError as err:
        raise ValueError(f"{path}: {err.strerror or err}") from None


def defaults_with_file(path: str | None, parser: argparse.ArgumentParser) -> CfgNode:
    """Every default, merged with the ``--cfg`` file ``path`` when given; a file that
    cannot be used ends the command with one line (``parser.error``)."""
    cfg = get_cfg_defaults()
    if path:
        try:
            merge_config_file(cfg, path)
        except ValueError as err:
            parser.error(f"--cfg {err}")
    return cfg


def load_config(
    script: str, argv: Sequence[str] | None = None
) -> tuple[CfgNode, argparse.Namespace]:
    """Parse a command line and build the merged, frozen config.

    Errors (unreadable YAML, unknown keys, odd overrides) exit with one line
    naming the file or key.
    """
    parser = build_parser(script)
    args = parser.parse_args(argv)
    cfg = defaults_with_file(args.cfg, parser)
    overrides: list[object] = []
    for flag, key in _FLAG_KEYS.items():
        value = getattr(args, flag, None)
        if value is not None:
            overrides += [key, value]
    opts = list(args.opts or [])
    if opts and opts[0] == "--":
        opts = opts[1:]
    if len(opts) % 2:
        parser.error(f"overrides must be KEY VALUE pairs, got an odd list: {' '.join(opts)}")
    try:
        cfg.merge_from_list(overrides + opts)
    except (KeyError, ValueError, AssertionError) as err:
        parser.error(f"config override: {err}")
    cfg.freeze()
    return cfg, args


#: Keys of the original's configs that nothing here reads (DataLoader workers, a debug
#: flag, a log name): accepted in a YAML file so the original configs load, and dropped.
RETIRED_KEYS: tuple[str, ...] = ("DEBUG", "TRAIN.WORKERS_NUM", "LOG.NAME")


def _drop_retired_keys(loaded: CfgNode) -> None:
    for key in RETIRED_KEYS:
        *parents, leaf = key.split(".")
        node = loaded
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    if "LOG" in loaded and not loaded["LOG"]:
        loaded.pop("LOG")


def split_list(value: str) -> list[str]:
    """A comma list from the config, whitespace stripped, empties dropped."""
    return [v.strip() for v in str(value).split(",") if v.strip()]


def dataset_triples(cfg: CfgNode) -> list[tuple[str, str, str]]:
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
    return list(zip(names, estimators, reps))


def _choices() -> dict[str, tuple[str, ...]]:
    """Allowed values of the config keys that take one of a fixed set, from their homes."""
    from ..dataset.training import SAMPLING_MODES
    from ..models.registry import SMOOTHNET_TYPES
    from ..utils.windows import PAD_MODES, WINDOW_WEIGHTINGS
    from .evaluate import EVALUATION_INPUTS
    from .linear_fit import TRAIN_INITS
    from .loss import LOSS_NORMS
    from .trainer import LR_SCHEDULES

    metrics = ("mpjpe", "pampjpe", "accel", "mpvpe", "pck_005", "pck_01", "pck_02")
    return {
        "MODEL.TYPE": SMOOTHNET_TYPES,
        "TRAIN.SAMPLING": SAMPLING_MODES,
        "TRAIN.INIT": TRAIN_INITS,
        "TRAIN.LR_SCHEDULE": LR_SCHEDULES,
        "TRAIN.BEST_METRIC": tuple(f"smoothnet_{m}" for m in metrics),
        "EVALUATE.PAD_MODE": PAD_MODES,
        "EVALUATE.INPUT": EVALUATION_INPUTS,
        "EVALUATE.WINDOW_WEIGHTS": WINDOW_WEIGHTINGS,
        "LOSS.NORM": LOSS_NORMS,
        "LOSS.WINDOW_WEIGHTS": WINDOW_WEIGHTINGS,
    }


def _value(cfg: CfgNode, key: str):
    node = cfg
    for part in key.split("."):
        node = node[part]
    return node


def check_settings(cfg: CfgNode) -> None:
    """Refuse settings that cannot work, before any data is loaded.

    Raises:
        ValueError: one line naming the key, its value and what is allowed.
    """
    for key, allowed in _choices().items():
        value = _value(cfg, key)
        if value not in allowed:
            raise ValueError(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    window = cfg.MODEL.SLIDE_WINDOW_SIZE
    if window < 1:
        raise ValueError(
            f"MODEL.SLIDE_WINDOW_SIZE (--slide_window_size) must be >= 1, got {window}"
        )
    stride = cfg.EVALUATE.SLIDE_WINDOW_STEP_SIZE
    if not 1 <= stride <= window:
        raise ValueError(
            f"EVALUATE.SLIDE_WINDOW_STEP_SIZE must be between 1 and the window size {window}, "
            f"got {stride}"
        )
    positive = {
        "TRAIN.BATCH_SIZE": cfg.TRAIN.BATCH_SIZE,
        "TRAIN.VALIDATE_SEQUENCE_STEP": cfg.TRAIN.VALIDATE_SEQUENCE_STEP,
        "MODEL.HIDDEN_SIZE": cfg.MODEL.HIDDEN_SIZE,
        "MODEL.RES_HIDDEN_SIZE": cfg.MODEL.RES_HIDDEN_SIZE,
    }
    for key, value in positive.items():
        if value < 1:
            raise ValueError(f"{key} must be >= 1, got {value}")
    for key, value in (("TRAIN.EPOCH", cfg.TRAIN.EPOCH), ("MODEL.NUM_BLOCK", cfg.MODEL.NUM_BLOCK),
                       ("TRAIN.WINDOWS_PER_EPOCH", cfg.TRAIN.WINDOWS_PER_EPOCH),
                       ("TRAIN.WARMUP_STEPS", cfg.TRAIN.WARMUP_STEPS)):  # fmt: skip
        if value < 0:
            raise ValueError(f"{key} must be >= 0, got {value}")
    if not 0.0 <= cfg.MODEL.DROPOUT < 1.0:
        raise ValueError(f"MODEL.DROPOUT must be in [0, 1), got {cfg.MODEL.DROPOUT}")
    if not cfg.TRAIN.LR > 0:
        raise ValueError(f"TRAIN.LR must be > 0, got {cfg.TRAIN.LR}")
    if not 0 <= cfg.LOSS.LAST_FRAMES <= window:
        raise ValueError(
            f"LOSS.LAST_FRAMES must be between 0 and the window size {window}, "
            f"got {cfg.LOSS.LAST_FRAMES}"
        )
    if not cfg.LOSS.RELATIVE_FLOOR > 0:
        raise ValueError(f"LOSS.RELATIVE_FLOOR must be > 0, got {cfg.LOSS.RELATIVE_FLOOR}")
    _check_augmentation(cfg)
    check_output_dir(cfg.OUTPUT_DIR)


def _check_augmentation(cfg: CfgNode) -> None:
    from ..dataset.augment import augmentation_from_config

    for key in ("SPEED", "SCALE", "NOISE"):
        value = cfg.TRAIN.AUGMENT[key]
        if len(value) != 2:
            raise ValueError(f"TRAIN.AUGMENT.{key} must be [low, high], got {list(value)}")
    augmentation_from_config(cfg.TRAIN.AUGMENT).check()


def check_output_dir(path: str) -> None:
    """Refuse an ``OUTPUT_DIR`` that is a file, lies under a file, or cannot be written.

    Raises:
        ValueError: one line naming the path.
    """
    problem = folder_problem(path)
    if problem:
        raise ValueError(f"OUTPUT_DIR {path}: {problem}")
