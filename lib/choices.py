"""The fixed vocabularies of the settings: the values each config key and flag may take.

Kept free of heavy imports, so that the command lines can check their settings and
answer ``--help`` before torch or SciPy load; the modules that implement each choice
import their tuple from here.
"""

from __future__ import annotations

#: Every model type a checkpoint may hold, and the trainable ones (``MODEL.TYPE``).
MODEL_TYPES: tuple[str, ...] = ("smoothnet", "motion_aware", "linear")
SMOOTHNET_TYPES: tuple[str, ...] = ("smoothnet", "motion_aware")
#: ``TRAIN.SAMPLING``: every window once per epoch, or the original's indexing.
SAMPLING_MODES: tuple[str, ...] = ("uniform", "original")
#: ``TRAIN.INIT``: how a new run's weights start.
TRAIN_INITS: tuple[str, ...] = ("random", "linear", "checkpoint")
#: ``TRAIN.LR_SCHEDULE``.
LR_SCHEDULES: tuple[str, ...] = ("epoch", "cosine")
#: ``LOSS.NORM``: the original's absolute errors, or squared errors.
LOSS_NORMS: tuple[str, ...] = ("l1", "l2")
#: ``EVALUATE.PAD_MODE``: how sequences shorter than the window are padded.
PAD_MODES: tuple[str, ...] = ("edge", "zero")
#: ``EVALUATE.WINDOW_WEIGHTS`` and ``LOSS.WINDOW_WEIGHTS``: how overlapping windows combine.
WINDOW_WEIGHTINGS: tuple[str, ...] = ("hann", "uniform")
#: ``EVALUATE.INPUT``: smooth the estimator's output, or the ground truth itself.
EVALUATION_INPUTS: tuple[str, ...] = ("detected", "groundtruth")
#: ``TRAIN.BEST_METRIC``.
BEST_METRICS: tuple[str, ...] = tuple(
    f"smoothnet_{m}" for m in ("mpjpe", "pampjpe", "accel", "mpvpe", "pck_005", "pck_01", "pck_02")
)
#: Fitted window models scored beside the filters (``--tradition linear``).
WINDOW_BASELINES: tuple[str, ...] = ("linear",)
