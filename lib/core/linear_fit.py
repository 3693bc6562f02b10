"""Starting points of a training run: the least-squares linear window model, or a checkpoint.

The linear model itself and its closed-form fit are in :mod:`smoothnet.models.linear`;
this module feeds it the training split, stores the result as a
self-describing checkpoint (``model_type: linear``) and starts a SmoothNet
from it (``TRAIN.INIT linear``), or copies the weights of a trained SmoothNet into
the new model (``TRAIN.INIT checkpoint``, for fine-tuning).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ..dataset.base import SequenceSet
from ..dataset.training import TrainingWindows, epoch_indices
from ..models.checkpoint import CheckpointError, UsageInfo, load_checkpoint, save_checkpoint
from ..models.linear import (
    LeastSquaresAccumulator,
    LinearWindowModel,
    fit_linear_window_model,
    model_from_accumulator,
)
from ..models.registry import ModelSpec
from ..models.smoothnet import SmoothNet
from ..models.warm_start import warm_start_from_linear
from ..utils.errors import SetupError
from .usage import usage_info

logger = logging.getLogger("smoothnet")

LINEAR_CHECKPOINT = "linear.pth.tar"


def fit_on_sets(
    datasets: list[SequenceSet],
    window_size: int,
    center_windows: bool = False,
    detrend_windows: bool = False,
) -> LinearWindowModel:
    """Fit the linear window model on every sequence of the given (training) sets
    (on centred windows with ``center_windows``)."""
    start = time.perf_counter()
    total = sum(len(d.sequences) for d in datasets)
    pairs = tqdm(
        (d.encoded(s) for d in datasets for s in d.sequences),
        total=total,
        desc=f"least squares W={window_size}",
        leave=False,
        disable=None,
    )
    model = fit_linear_window_model(pairs, window_size, center_windows, detrend_windows)
    logger.info(
        "fitted the linear window model (W=%d) on %d sequences in %.1f s",
        window_size,
        total,
        time.perf_counter() - start,
    )
    return model


def fit_on_windows(
    windows: list[TrainingWindows],
    num_windows: int,
    seed: int,
    center_windows: bool = False,
    batch_size: int = 1024,
    detrend_windows: bool = False,
) -> LinearWindowModel:
    """Fit the linear window model on windows drawn as training draws them, augmentation
    included: the least-squares twin of a model trained with ``TRAIN.AUGMENT``.

    ``num_windows`` windows of each set, a random subset without repetition (seeded
    by ``seed``), each batch augmented with a generator seeded by ``(seed, batch,
    set)``; every channel of every window is one row of the normal equations.

    Args:
        windows: training windows, one per dataset, with their augmentation.
        num_windows: windows drawn from each set (at most all of them).
        seed: seed of the draws.
        center_windows: fit on centred windows.
        batch_size: windows gathered at once.
    """
    acc = LeastSquaresAccumulator(windows[0].window_size, center_windows, detrend_windows)
    start = time.perf_counter()
    for d, training_windows in enumerate(windows):
        order = epoch_indices(len(training_windows), 0, seed + d, num_windows)
        batches = np.array_split(order, max(1, math.ceil(len(order) / batch_size)))
        for b, indices in enumerate(
            tqdm(batches, desc="least squares (augmented)", leave=False, disable=None)
        ):
            rng = np.random.default_rng([max(seed, 0), b, d])
            pred, gt = training_windows.batch(indices, rng)
            width = pred.shape[1]
            acc.add_windows(
                pred.transpose(1, 2).reshape(-1, width), gt.transpose(1, 2).reshape(-1, width)
            )
    logger.info(
        "fitted the linear window model (W=%d) on %d augmented window rows in %.1f s",
        acc.window_size,
        acc.rows,
        time.perf_counter() - start,
    )
    return model_from_accumulator(acc)


def save_linear(
    path: str | Path,
    model: LinearWindowModel,
    datasets: list[SequenceSet],
    info: UsageInfo | None = None,
    augmented: bool = False,
) -> None:
    """Write ``model`` as a self-describing checkpoint (``model_type: linear``).

    ``info`` is the training run's usage information when it has one (saves measuring
    the datasets again). Its augmentation record is kept only for a model fitted on
    augmented windows (``augmented``, :func:`fit_on_windows`); a warm start's fit is
    never augmented.
    """
    spec = ModelSpec(
        window_size=model.window_size,
        model_type="linear",
        center_windows=model.center_windows,
        detrend_windows=model.detrend_windows,
    )
    if info is None:
        info = usage_info(datasets)
    if not augmented:
        info = replace(info, augmentation={})
    save_checkpoint(path, model, spec, info)


def load_linear(
    path: str | Path,
    window_size: int | None = None,
    center_windows: bool | None = None,
    detrend_windows: bool | None = None,
) -> LinearWindowModel:
    """Read a linear checkpoint; with ``window_size`` (``center_windows``), check that it
    has that window (that centring).

    Raises:
        CheckpointError: unreadable file, another model type, another W or centring.
    """
    loaded = load_checkpoint(path)
    if loaded.spec.model_type != "linear":
        raise CheckpointError(f"{path}: a {loaded.spec.model_type} checkpoint, not a linear one")
    if window_size is not None and loaded.spec.window_size != window_size:
        raise CheckpointError(
            f"{path}: window size {loaded.spec.window_size}, but the model's is {window_size}"
        )
    if detrend_windows is not None and loaded.spec.detrend_windows != detrend_windows:
        raise CheckpointError(
            f"{path}: detrend_windows {loaded.spec.detrend_windows}, but the model's is "
            f"{detrend_windows} (MODEL.DETREND_WINDOWS)"
        )
    if center_windows is not None and loaded.spec.center_windows != center_windows:
        raise CheckpointError(
            f"{path}: center_windows {loaded.spec.center_windows}, but the model's is "
            f"{center_windows} (MODEL.CENTER_WINDOWS)"
        )
    assert isinstance(loaded.model, LinearWindowModel)
    return loaded.model


def start_from_linear(
    model: SmoothNet,
    init_linear: str,
    train_sets: list[SequenceSet],
    run_dir: Path | None,
    info: UsageInfo | None = None,
) -> LinearWindowModel:
    """``TRAIN.INIT linear``: warm-start ``model`` from the least-squares linear model.

    The linear model comes from ``init_linear`` (``TRAIN.INIT_LINEAR``) or, when empty, is
    fitted on ``train_sets`` and saved as ``run_dir/linear.pth.tar`` (with the run's
    usage ``info`` when given).

    Raises:
        SetupError: ``TRAIN.INIT_LINEAR`` cannot be loaded, or the model cannot
            hold the linear model (``MODEL.HIDDEN_SIZE`` < 2 W).
    """
    window = model.window_size
    if init_linear:
        try:
            linear = load_linear(init_linear, window, model.center_windows, model.detrend_windows)
        except CheckpointError as err:
            raise SetupError(f"TRAIN.INIT_LINEAR: {err}") from None
    else:
        linear = fit_on_sets(train_sets, window, model.center_windows, model.detrend_windows)
        if run_dir is not None:
            save_linear(run_dir / LINEAR_CHECKPOINT, linear, train_sets, info)
    try:
        warm_start_from_linear(model, linear.matrix.detach(), linear.bias.detach())
    except ValueError as err:
        raise SetupError(f"TRAIN.INIT linear: {err}") from None
    logger.info("warm start: the model starts as the least-squares linear window model")
    return linear


def read_start_weights(path: str, spec: ModelSpec) -> dict[str, torch.Tensor]:
    """``TRAIN.INIT checkpoint``: the weights of a trained model to start ``spec`` from.

    Only the weights are taken (read with ``weights_only``; the dropout rate may
    differ); the optimizer, the schedule and the step count start afresh, so this
    fine-tunes rather than resumes. Called before anything is written.

    Raises:
        SetupError: ``path`` is empty or unreadable, or holds another architecture
            than ``spec``.
    """
    if not path:
        raise SetupError("TRAIN.INIT checkpoint needs TRAIN.INIT_CHECKPOINT (a checkpoint file)")
    try:
        loaded = load_checkpoint(path)
    except CheckpointError as err:
        raise SetupError(f"TRAIN.INIT_CHECKPOINT: {err}") from None
    if replace(loaded.spec, dropout=spec.dropout) != spec:  # dropout holds no weights
        raise SetupError(
            f"TRAIN.INIT_CHECKPOINT: {path} holds {loaded.spec}, but the run builds {spec}"
        )
    return loaded.model.state_dict()
