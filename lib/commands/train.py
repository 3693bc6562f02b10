"""Train SmoothNet on one or more datasets of the original npz layout.

Examples::

    python train_smoothnet.py --cfg configs/h36m_fcn_3D.yaml --dataset_name h36m \\
        --estimator fcn --body_representation 3D --slide_window_size 32
    python train_smoothnet.py --resume results/<run>/checkpoint_last.pth.tar \\
        --cfg results/<run>/config.yaml
    torchrun --nproc_per_node 2 train_smoothnet.py --cfg ...   # data-parallel

Trailing ``KEY VALUE`` pairs override config keys (``TRAIN.EPOCH 5 DEVICE cpu``).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from ..core.config import check_settings, dataset_triples, load_config, split_list
from ..core.evaluate import evaluate_set, resolve_filters
from ..core.linear_fit import read_start_weights, start_from_linear
from ..core.run import (
    model_spec,
    prepare_run_dir,
    resolve_device,
    save_config,
    seed_everything,
    setup_logging,
    smpl_body_model,
    training_person_size,
    usage_info,
)
from ..core.trainer import Trainer, TrainingDiverged, read_resume
from ..dataset.augment import augmentation_from_config
from ..dataset.base import DataError, SequenceSet
from ..dataset.training import TrainingWindows, hold_out
from ..models.checkpoint import CheckpointError
from ..utils.errors import SetupError
from ..utils.report import metrics_table

logger = logging.getLogger("smoothnet")


def _init_distributed(device_name: str) -> tuple[int, int, torch.device]:
    """Rank, world size and device; starts the process group under torchrun."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    device = resolve_device(device_name)
    if world_size == 1:
        return 0, 1, device
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), world_size, device


def _run_dir(resume: str, cfg, rank: int, world_size: int) -> Path:
    """The resumed run's folder, or a new one (created by rank 0, shared with all)."""
    if resume and (Path(resume).parent / "config.yaml").is_file():
        return Path(resume).parent
    holder = [str(prepare_run_dir(cfg)) if rank == 0 else ""]
    if world_size > 1:
        dist.broadcast_object_list(holder, src=0)
    return Path(holder[0])


@dataclass
class TrainingRun:
    """What a training command produced.

    Attributes:
        run_dir: the run folder (checkpoints, config, metrics.jsonl).
        status: the command's exit status (0 done, 1 diverged, 130 interrupted).
        best_epoch: the best epoch by ``TRAIN.BEST_METRIC`` (0-based), if validated.
        best_metric: its value.
    """

    run_dir: Path
    status: int
    best_epoch: int | None = None
    best_metric: float | None = None

    @property
    def checkpoint(self) -> Path:
        """The last finished epoch's checkpoint."""
        return self.run_dir / "checkpoint_last.pth.tar"


def train(argv: list[str] | None = None) -> TrainingRun:
    """Train as the command line ``argv`` says; the run folder and outcome.

    Raises:
        SystemExit: one line, for settings or data that cannot work.
        SetupError: for an unusable device, resume file or body model.
    """
    cfg, _ = load_config("train", argv)
    try:
        check_settings(cfg)
        triples = dataset_triples(cfg)
        resolve_filters(cfg.EVALUATE.TRADITION)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    spec = model_spec(cfg)
    resumed = None
    if cfg.TRAIN.RESUME:  # checked before anything is written
        try:
            resumed = read_resume(cfg.TRAIN.RESUME, spec)
        except CheckpointError as err:
            raise SystemExit(f"error: --resume: {err}") from None
    start_weights = None
    if cfg.TRAIN.INIT == "checkpoint" and not cfg.TRAIN.RESUME:
        try:
            start_weights = read_start_weights(cfg.TRAIN.INIT_CHECKPOINT, spec)
        except SetupError as err:
            raise SystemExit(f"error: {err}") from None
    rank, world_size, device = _init_distributed(cfg.DEVICE)
    setup_logging(None, verbose=rank == 0)
    seed_everything(cfg.SEED_VALUE)
    torch.backends.cudnn.benchmark = cfg.CUDNN.BENCHMARK
    torch.backends.cudnn.deterministic = cfg.CUDNN.DETERMINISTIC
    torch.backends.cudnn.enabled = cfg.CUDNN.ENABLED

    # Data and settings are checked before the run folder exists: a failure leaves nothing.
    try:
        train_data = [
            SequenceSet(cfg.DATASET.BASE_DIR, *t, "train", cfg.TRAIN.USE_6D_SMPL) for t in triples
        ]
        test_data = [
            SequenceSet(cfg.DATASET.BASE_DIR, *t, "test", cfg.TRAIN.USE_6D_SMPL) for t in triples
        ]
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    holdout = split_list(cfg.TRAIN.VALIDATE_HOLDOUT)
    if holdout:
        try:
            test_data = [hold_out(d, holdout) for d in train_data]
        except ValueError as err:
            raise SystemExit(f"error: {err}") from None
    totals = [len(d.sequences) for d in test_data]
    for d in test_data:
        d.sequences = d.sequences[:: cfg.TRAIN.VALIDATE_SEQUENCE_STEP]
    body_model = smpl_body_model(cfg, test_data, device) if cfg.TRAIN.VALIDATE else None
    # The person size is a pass over the whole training split: measured once, for the
    # checkpoints' usage info, and reused by augmentation (other datasets measured only then).
    info = usage_info(train_data, cfg.TRAIN.AUGMENT, cfg.LOSS.LAST_FRAMES)
    augmenting = bool(info.augmentation)
    sizes = [info.person_size] + [
        training_person_size(d) if augmenting else None for d in train_data[1:]
    ]
    try:
        windows = [
            TrainingWindows(
                d.sequences,
                spec.window_size,
                cfg.TRAIN.SAMPLING,
                d.spec.original_epoch_is_frame_count,
                augmentation_from_config(cfg.TRAIN.AUGMENT, size or 1.0),
            )
            for d, size in zip(train_data, sizes)
        ]
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None

    run_dir = _run_dir(cfg.TRAIN.RESUME, cfg, rank, world_size)
    setup_logging(run_dir / "train_log.txt" if rank == 0 else None, verbose=rank == 0)
    cfg.defrost()
    cfg.LOGDIR = str(run_dir)
    cfg.freeze()
    if rank == 0:
        save_config(cfg, run_dir)
    logger.info("run directory: %s", run_dir)
    logger.info("device: %s%s", device, f" x {world_size} processes" if world_size > 1 else "")
    if device.type == "cuda":
        logger.info("GPU: %s", torch.cuda.get_device_name(device))
    for d, total in zip(test_data, totals):
        logger.info(
            "%s validation: %d of %d %s sequences",
            d.label,
            len(d.sequences),
            total,
            "held-out training" if holdout else "test",
        )
    for d, w in zip(train_data, windows):
        logger.info("%s train: %d sequences, %d windows", d.label, len(d), len(w))

    model = spec.build()
    if cfg.TRAIN.INIT == "linear" and not cfg.TRAIN.RESUME:
        start_from_linear(model, cfg, train_data, run_dir if rank == 0 else None, info)
    elif start_weights is not None:
        model.load_state_dict(start_weights)
        logger.info("starting from the weights of %s", cfg.TRAIN.INIT_CHECKPOINT)
    model = model.to(device)
    if world_size > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    trainer = Trainer(
        cfg,
        spec,
        info,
        model,
        windows,
        test_data,
        run_dir,
        device,
        rank,
        world_size,
        body_model,
    )
    if resumed is not None:
        trainer.resume(resumed, cfg.TRAIN.RESUME)
    elif cfg.TRAIN.INIT in ("linear", "checkpoint"):
        trainer.validate_start()  # the learning curve's step-0 point: the starting model
    try:
        state = trainer.fit()
    except TrainingDiverged as err:
        logger.error("%s", err)
        return TrainingRun(run_dir, 1)
    except KeyboardInterrupt:
        return TrainingRun(run_dir, 130)
    finally:
        if world_size > 1 and dist.is_initialized():
            # Release DDP's hold on the process group, then let every peer arrive
            # before gloo/NCCL is torn down.
            trainer.model = trainer.module
            del model
            gc.collect()
            dist.barrier()
            dist.destroy_process_group()
    if rank == 0:
        if not cfg.TRAIN.VALIDATE:
            filters = resolve_filters(cfg.EVALUATE.TRADITION)
            for test in test_data:
                body_model = body_model or smpl_body_model(cfg, [test], device)
                metrics = evaluate_set(trainer.module, test, cfg, filters, body_model)
                logger.info("%s final evaluation\n%s", test.label, metrics_table(metrics))
        if state.best_epoch is not None:
            logger.info(
                "best epoch %d (%s %.4f); checkpoints in %s",
                state.best_epoch + 1,
                cfg.TRAIN.BEST_METRIC,
                abs(state.best_metric),
                run_dir,
            )
    return TrainingRun(run_dir, 0, state.best_epoch, state.best_metric)


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    try:
        return train(argv).status
    except SetupError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    sys.exit(main())
