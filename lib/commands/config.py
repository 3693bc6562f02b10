"""The one configuration module: yacs defaults, the YAML reader and the command-line parsers.

Order of precedence, lowest first: the defaults below, ``--cfg`` YAML, the
dedicated flags (``--dataset_name`` ...), then trailing ``KEY VALUE`` pairs
(``TRAIN.EPOCH 5 MODEL.DROPOUT 0``). A run's dumped ``config.yaml`` reloads
with ``--cfg`` and reproduces the run. Only the commands read the config;
:mod:`smoothnet.commands.settings` turns it into typed settings for the code
below them. docs/configuration.md lists every key, what was added to the
original's, and what was retired.

Config files are YAML (``.yaml`` / ``.yml``) read with a safe loader: yacs would
execute a ``.py`` config, which is refused. This module imports nothing heavy,
so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yacs.config import CfgNode

from ..dataset.specs import DATASETS
from ..models.filters import FILTER_SPECS
from ..utils.cli import OneLineArgumentParser

#: Keys of the original's configs that do nothing here: accepted in a YAML file so old
#: files load, and dropped. DataLoader workers, a debug flag and a log name are unused;
#: ``CUDNN.*`` tune convolutions, and SmoothNet has none; ``DATASET.ROOT_*`` repeat the
#: dataset specs' root joints (smoothnet.dataset.specs), which are used instead.
RETIRED_KEYS: tuple[str, ...] = (
    "DEBUG",
    "TRAIN.WORKERS_NUM",
    "LOG.NAME",
    "CUDNN.BENCHMARK",
    "CUDNN.DETERMINISTIC",
    "CUDNN.ENABLED",
)
RETIRED_PREFIXES: tuple[str, ...] = ("DATASET.ROOT_",)
CONFIG_SUFFIXES: tuple[str, ...] = (".yaml", ".yml")


def _node(**values: Any) -> CfgNode:
    return CfgNode(values)


def _model_defaults() -> CfgNode:
    return _node(
        TYPE="smoothnet",  # "smoothnet" or "motion_aware"
        SLIDE_WINDOW_SIZE=100,  # window W (set by --slide_window_size)
        HIDDEN_SIZE=512,
        RES_HIDDEN_SIZE=256,
        NUM_BLOCK=3,
        DROPOUT=0.5,
        # Smooth each window less its per-channel mean and add the mean back: the model
        # is then translation-equivariant. False is the original.
        CENTER_WINDOWS=False,
        # Smooth each window in units of its own noise (the RMS of its third differences
        # over every channel): as hard as each window's noise calls for. False: original.
        SCALE_WINDOWS=False,
        # Smooth each window less each channel's least-squares line (a constant velocity
        # then passes unchanged, as a camera pan or a walk across the frame). False: original.
        DETREND_WINDOWS=False,
    )


def _train_defaults() -> CfgNode:
    return _node(
        BATCH_SIZE=1024,  # global batch (split over processes when distributed)
        EPOCH=70,
        LR=0.001,
        LRDECAY=0.95,  # multiplicative, per epoch (LR_SCHEDULE "epoch")
        # "epoch": the original's per-epoch decay; "cosine": WARMUP_STEPS steps of linear
        # warm-up, then cosine decay to LR * LR_FLOOR at the run's last step.
        LR_SCHEDULE="epoch",
        WARMUP_STEPS=0,
        LR_FLOOR=0.01,
        # "random": PyTorch's initialisation; "linear": the least-squares linear window
        # model (INIT_LINEAR, or fitted); "checkpoint": the weights of INIT_CHECKPOINT.
        INIT="random",
        INIT_LINEAR="",
        INIT_CHECKPOINT="",
        RESUME="",  # checkpoint to resume from (also --resume)
        VALIDATE=True,  # evaluate on the test split after every epoch
        VALIDATE_SEQUENCE_STEP=1,  # validate on every n-th test sequence (1: all)
        # Comma list of sequence-name prefixes (e.g. "S8_") held out of the training split
        # and used for validation instead of the test split.
        VALIDATE_HOLDOUT="",
        USE_6D_SMPL=True,
        SAMPLING="uniform",  # "uniform": every window once; "original": the original's
        WINDOWS_PER_EPOCH=0,  # > 0: random subset of this many windows per epoch
        BEST_METRIC="smoothnet_mpjpe",  # mean over datasets; "pck": higher is better
        # Per-window augmentation (lib/dataset/augment.py), off by default.
        AUGMENT=_node(
            SPEED=[1.0, 1.0],
            SCALE=[1.0, 1.0],
            NOISE=[0.0, 0.0],
            CLEAN_SHARE=0.0,
            SYNTHETIC_SHARE=0.0,
            SHIFT=0.0,
            NATURAL_SHARE=0.0,  # windows left as the data has them (speed 1, no noise)
        ),
    )


def _evaluate_defaults() -> CfgNode:
    node = _node(
        PRETRAINED="",  # checkpoint (--checkpoint)
        ROOT_RELATIVE=True,
        SLIDE_WINDOW_STEP_SIZE=1,
        TRADITION="",  # comma list of filters and "linear", or "all" (--tradition)
        # "detected": smooth the estimator's output; "groundtruth": smooth the ground truth.
        INPUT="detected",
        PAD_MODE="edge",  # short sequences: "edge" (never scored) or "zero"
        # "hann" (tapered, no seams) or "uniform" (the original's plain average).
        WINDOW_WEIGHTS="hann",
        EXCLUDE_FILE="",  # JSON list of test sequences to leave out
        ACCEL_ZERO_PAD=False,  # True: the original's zero-padded Accel average
        MPVPE_ROOT_ALIGNED=True,  # SMPL vertices on the hip root; False: the original
        CHUNK_ROWS=0,  # windows x channels per model call; 0: the engine's default
        # Also score the checkpoint as a user runs it (Smoother, no flags): "user_*" keys.
        AS_USER=True,
        TRADITION_LINEAR=_node(CHECKPOINT=""),  # "": linear.pth.tar beside the checkpoint
    )
    for spec in FILTER_SPECS.values():  # EVALUATE.TRADITION_<FILTER>.<PARAM>
        if spec.config_key:
            node[spec.config_key] = _node(**{p.upper(): v for p, v in spec.params.items()})
    return node


def get_cfg_defaults() -> CfgNode:
    """A fresh copy of every default (the original's, plus our additions)."""
    return _node(
        DEVICE="auto",  # "auto" (CUDA when available), "cuda", "cuda:1", "cpu"
        SEED_VALUE=4321,  # < 0: no seeding
        LOGDIR="",  # the run directory, recorded in the dumped config.yaml
        EXP_NAME="default",  # suffix of the run directory name
        OUTPUT_DIR="results",  # parent of run directories
        DATASET_NAME="",  # comma list, paired with ESTIMATOR and BODY_REPRESENTATION
        ESTIMATOR="",
        BODY_REPRESENTATION="",  # 2D, 3D or smpl
        SMPL_MODEL_DIR="data/smpl/",
        DATASET=_node(BASE_DIR="data/poses"),
        MODEL=_model_defaults(),
        TRAIN=_train_defaults(),
        EVALUATE=_evaluate_defaults(),
        LOSS=_node(
            W_ACCEL=1.0,
            W_POS=1.0,
            WINDOW_WEIGHTS="uniform",  # "hann": frames weighted as windows are combined
            NORM="l1",  # "l1": the original's absolute errors; "l2": squared errors
            LAST_FRAMES=0,  # > 0: only the last frames of each window count (online)
            # Each window's loss divided by its input's (plus the loss of white noise of
            # RELATIVE_FLOOR person sizes); False: the original's absolute loss.
            RELATIVE=False,
            RELATIVE_FLOOR=0.001,
        ),
        VIS=_node(START=0, END=1000, INPUT_VIDEO_NUMBER=0, OUTPUT_VIDEO_PATH="results/videos"),
    )


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
        names = ", ".join(FILTER_SPECS)
        parser.add_argument(
            "--tradition",
            help=f"baselines to compare, comma list: {names}, linear (least squares), or all",
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


def read_config_file(path: str | Path) -> CfgNode:
    """A YAML config file as a node, read safely (no code runs).

    Raises:
        ValueError: one line starting with ``path``: not a ``.yaml``/``.yml`` file,
            missing, unreadable, bad YAML, or not a mapping at the top level.
    """
    import yaml

    path = Path(path)
    if path.suffix.lower() not in CONFIG_SUFFIXES:
        raise ValueError(f"{path}: a config is a YAML file (.yaml or .yml)")
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: {getattr(err, 'strerror', None) or err}") from None
    except (yaml.YAMLError, RecursionError) as err:
        raise ValueError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(
            f"{path}: the top level must be a mapping of keys, got a {type(data).__name__}"
        )
    return CfgNode(_drop_retired_keys(data))


def merge_config_file(cfg: CfgNode, path: str | Path) -> None:
    """Merge the YAML config file ``path`` into ``cfg`` (retired keys dropped).

    Raises:
        ValueError: one line starting with ``path``: see :func:`read_config_file`,
            or an unknown key or a value of the wrong type.
    """
    loaded = read_config_file(path)
    try:
        cfg.merge_from_other_cfg(loaded)
    except (KeyError, ValueError, AssertionError, TypeError) as err:
        raise ValueError(f"{path}: {' '.join(str(err).split())}") from None


def defaults_and_file(parser: argparse.ArgumentParser, path: str | None) -> CfgNode:
    """The defaults merged with the ``--cfg`` file ``path`` (if any); a bad file is a
    one-line ``parser.error`` naming ``--cfg``."""
    cfg = get_cfg_defaults()
    if path:
        try:
            merge_config_file(cfg, path)
        except ValueError as err:
            parser.error(f"--cfg {err}")
    return cfg


def _drop_retired_keys(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``data`` without the :data:`RETIRED_KEYS` and :data:`RETIRED_PREFIXES` keys (and
    without a node that only held them)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if name in RETIRED_KEYS or name.startswith(RETIRED_PREFIXES):
            continue
        if isinstance(value, dict):
            kept = _drop_retired_keys(value, f"{name}.")
            if kept or not value:
                out[key] = kept
            continue
        out[key] = value
    return out


def load_config(
    script: str, argv: Sequence[str] | None = None
) -> tuple[CfgNode, argparse.Namespace]:
    """Parse a command line and build the merged, frozen config.

    Errors (unreadable YAML, unknown keys, odd overrides) exit with one line
    naming the file or key.
    """
    parser = build_parser(script)
    args = parser.parse_args(argv)
    cfg = defaults_and_file(parser, args.cfg)
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
    opts = [
        v for i in range(0, len(opts), 2) for v in opts[i : i + 2] if not _retired(str(opts[i]))
    ]
    try:
        cfg.merge_from_list(overrides + opts)
    except (KeyError, ValueError, AssertionError, TypeError) as err:
        parser.error(f"config override: {' '.join(str(err).split())}")
    cfg.freeze()
    return cfg, args


def _retired(key: str) -> bool:
    return key in RETIRED_KEYS or key.startswith(RETIRED_PREFIXES)


def config_dump(cfg: CfgNode, run_dir: Path | None = None) -> str:
    """``cfg`` as YAML (reloadable with ``--cfg``), with ``LOGDIR`` set to ``run_dir``."""
    dump = cfg.clone()
    dump.defrost()
    if run_dir is not None:
        dump.LOGDIR = str(run_dir)
    return dump.dump()


def config_dict(cfg: CfgNode) -> dict[str, Any]:
    """``cfg`` as plain nested dicts (stored in checkpoints)."""
    return {k: config_dict(v) if isinstance(v, CfgNode) else v for k, v in cfg.items()}
