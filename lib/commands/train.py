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

import logging
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .common import prepare_run_dir, run_command, smpl_body_model
from .config import config_dict, config_dump, load_config
from .settings import (
    check_settings,
    data_settings,
    eval_settings,
    loss_settings,
    model_spec,
    train_settings,
)

logger = logging.getLogger("smoothnet")


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


@dataclass
class _Plan:
    """Everything a run needs, read and checked before its folder exists."""

    cfg: Any
    job: Any
    data: Any
    resumed: Any = None
    start_weights: Any = None


def _plan(argv: list[str] | None) -> _Plan:
    """The checked config and settings, and the resume or start checkpoint (read before
    anything is written). Exits with one line for settings that cannot work."""
    cfg, _ = load_config("train", argv)  # --help ends here, before torch loads
    from ..core.linear_fit import read_start_weights
    from ..core.run_state import read_resume
    from ..core.trainer import TrainingJob
    from ..models.checkpoint import CheckpointError, UsageInfo

    try:
        check_settings(cfg)
        data, evaluation = data_settings(cfg), eval_settings(cfg, as_user=False)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    job = TrainingJob(
        model_spec(cfg),
        UsageInfo(),
        train_settings(cfg),
        loss_settings(cfg),
        evaluation,
        config_dict(cfg),
    )
    plan = _Plan(cfg, job, data)
    if job.train.resume:
        try:
            plan.resumed = read_resume(job.train.resume, job.spec)
        except CheckpointError as err:
            raise SystemExit(f"error: --resume: {err}") from None
        _check_resume(plan)
    elif job.train.init == "checkpoint":
        plan.start_weights = read_start_weights(job.train.init_checkpoint, job.spec)
    return plan


def _check_resume(plan: _Plan) -> None:
    """Refuse a resume that cannot continue the run: another schedule, or nothing left."""
    recorded = (plan.resumed.config or {}).get("TRAIN", {})
    train = plan.job.train
    if recorded.get("LR_SCHEDULE", train.lr_schedule) != train.lr_schedule:
        raise SystemExit(
            f"error: --resume: the run used TRAIN.LR_SCHEDULE "
            f"{recorded['LR_SCHEDULE']}, not {train.lr_schedule}"
        )
    position = plan.resumed.extra.get("position")
    done = position["epoch"] if position else (plan.resumed.epoch or -1) + 1
    if done >= train.epochs:
        raise SystemExit(
            f"error: --resume: the run has finished {done} of TRAIN.EPOCH "
            f"{train.epochs} epochs; nothing to train (raise TRAIN.EPOCH)"
        )


def _init_distributed(device_name: str):
    """Rank, world size and device; starts the process group under torchrun."""
    import torch
    import torch.distributed as dist

    from ..utils.runtime import resolve_device

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


def _load_data(plan: _Plan):
    """Training and validation sets (validation: the test split, or held-out sequences)."""
    from ..dataset.base import DataError, SequenceSet
    from ..dataset.training import hold_out

    data, train = plan.data, plan.job.train
    try:
        train_data = [
            SequenceSet(data.base_dir, *t, "train", data.use_6d_smpl) for t in data.triples
        ]
        if train.validate_holdout:
            test_data = [hold_out(d, list(train.validate_holdout)) for d in train_data]
        else:
            test_data = [
                SequenceSet(data.base_dir, *t, "test", data.use_6d_smpl) for t in data.triples
            ]
    except (DataError, ValueError) as err:
        raise SystemExit(f"error: {err}") from None
    totals = [len(d.sequences) for d in test_data]
    for d in test_data:
        d.sequences = d.sequences[:: train.validate_sequence_step]
    return train_data, test_data, totals


def _windows(plan: _Plan, train_data: list):
    """The training windows of every set, and the job with its usage information."""
    from ..core.usage import training_person_size, usage_info
    from ..dataset.training import TrainingWindows

    job = plan.job
    info = usage_info(train_data, job.train.augmentation, job.loss.last_frames)
    augmenting = job.train.augmentation.active
    sizes = [info.person_size] + [
        training_person_size(d) if augmenting else None for d in train_data[1:]
    ]
    try:
        windows = [
            TrainingWindows(
                [d.encoded(s) for s in d.sequences],
                job.spec.window_size,
                job.train.sampling,
                d.spec.original_epoch_is_frame_count,
                replace(job.train.augmentation, person_size=size or 1.0),
            )
            for d, size in zip(train_data, sizes)
        ]
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    return windows, replace(plan.job, info=info)


def _run_dir(plan: _Plan, rank: int, world_size: int) -> Path:
    """The resumed run's folder, or a new one (created by rank 0, shared with all)."""
    resume = plan.job.train.resume
    if resume and (Path(resume).parent / "config.yaml").is_file():
        return Path(resume).parent
    train = plan.job.train
    holder = [str(prepare_run_dir(train.output_dir, train.exp_name)) if rank == 0 else ""]
    if world_size > 1:
        import torch.distributed as dist

        dist.broadcast_object_list(holder, src=0)
    return Path(holder[0])


def _build_model(plan: _Plan, train_data: list, run_dir: Path, rank: int):
    from ..core.linear_fit import start_from_linear

    job = plan.job
    model = job.spec.build()
    if job.train.init == "linear" and plan.resumed is None:
        start_from_linear(
            model, job.train.init_linear, train_data, run_dir if rank == 0 else None, job.info
        )
    elif plan.start_weights is not None:
        model.load_state_dict(plan.start_weights)
        logger.info("starting from the weights of %s", job.train.init_checkpoint)
    return model


def train(argv: list[str] | None = None) -> TrainingRun:
    """Train as the command line ``argv`` says; the run folder and outcome.

    Raises:
        SystemExit: one line, for settings or data that cannot work.
        SetupError: for an unusable device, resume file or body model.
    """
    plan = _plan(argv)
    from ..utils.runtime import seed_everything, setup_logging

    rank, world_size, device = _init_distributed(plan.cfg.DEVICE)
    setup_logging(None, verbose=rank == 0)
    seed_everything(plan.job.train.seed)
    train_data, test_data, totals = _load_data(plan)
    body_model = (
        smpl_body_model(plan.data.smpl_model_dir, test_data, device)
        if plan.job.train.validate
        else None
    )
    windows, plan.job = _windows(plan, train_data)
    run_dir = _run_dir(plan, rank, world_size)
    setup_logging(run_dir / "train_log.txt" if rank == 0 else None, verbose=rank == 0)
    _log_start(run_dir, device, world_size, test_data, totals, train_data, windows, plan)
    from ..models.checkpoint import CheckpointError

    try:
        model = _build_model(plan, train_data, run_dir, rank)
    except CheckpointError as err:
        raise SystemExit(f"error: {err}") from None
    return _fit(plan, model, windows, test_data, run_dir, device, rank, world_size, body_model)


def _log_start(run_dir, device, world_size, test_data, totals, train_data, windows, plan):
    logger.info("run directory: %s", run_dir)
    logger.info("device: %s%s", device, f" x {world_size} processes" if world_size > 1 else "")
    source = "held-out training" if plan.job.train.validate_holdout else "test"
    for d, total in zip(test_data, totals):
        logger.info(
            "%s validation: %d of %d %s sequences", d.label, len(d.sequences), total, source
        )
    for d, w in zip(train_data, windows):
        logger.info("%s train: %d sequences, %d windows", d.label, len(d), len(w))


def _fit(plan, model, windows, test_data, run_dir, device, rank, world_size, body_model):
    import torch

    from ..core.trainer import Trainer, TrainingDiverged
    from ..utils.io import write_text_atomic

    model = model.to(device)
    if world_size > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    trainer = Trainer(
        plan.job, model, windows, test_data, run_dir, device, rank, world_size, body_model
    )
    if plan.resumed is not None:
        try:
            trainer.resume(plan.resumed, plan.job.train.resume)
        except (KeyError, ValueError, RuntimeError) as err:
            raise SystemExit(
                f"error: --resume {plan.job.train.resume}: cannot continue this "
                f"run with these settings: {' '.join(str(err).split())[:200]}"
            ) from None
    if rank == 0:  # written once the run can go on (a failed resume leaves the old one)
        write_text_atomic(run_dir / "config.yaml", config_dump(plan.cfg, run_dir))
    if plan.resumed is None and plan.job.train.init in ("linear", "checkpoint"):
        trainer.validate_start()  # the learning curve's step-0 point: the starting model
    try:
        state = trainer.fit()
    except TrainingDiverged as err:
        logger.error("%s", err)
        return TrainingRun(run_dir, 1)
    except KeyboardInterrupt:
        return TrainingRun(run_dir, 130)
    finally:
        _leave_distributed(trainer, model, world_size)
    if rank == 0:
        _final_report(plan, trainer, test_data, body_model, state)
    return TrainingRun(run_dir, 0, state.best_epoch, state.best_metric)


def _leave_distributed(trainer, model, world_size: int) -> None:
    """Release DDP's hold on the process group, then let every peer arrive before gloo
    or NCCL is torn down."""
    import gc

    import torch.distributed as dist

    if world_size > 1 and dist.is_initialized():
        trainer.model = trainer.module
        del model
        gc.collect()
        dist.barrier()
        dist.destroy_process_group()


def _final_report(plan, trainer, test_data, body_model, state) -> None:
    from ..core.evaluate import evaluate_set
    from ..core.methods import WindowModel
    from ..utils.report import metrics_table

    job = plan.job
    if not job.train.validate:
        method = WindowModel(trainer.module.eval(), job.spec, job.info, trainer.device)
        for test in test_data:
            metrics = evaluate_set(method, test, job.evaluation, body_model)
            logger.info("%s final evaluation\n%s", test.label, metrics_table(metrics))
    if state.best_epoch is not None:
        logger.info(
            "best epoch %d (%s %.4f); checkpoints in %s",
            state.best_epoch + 1,
            job.train.best_metric,
            abs(state.best_metric),
            trainer.run_dir,
        )


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    return run_command(lambda a: train(a).status, argv)


if __name__ == "__main__":
    sys.exit(main())
