"""The training loop: round-robin over datasets, validation, checkpoints, resume.

One optimizer step per batch of each dataset in turn (as the original); an
epoch lasts as many rounds as the smallest dataset has batches. After every
epoch: validation on the test sets (if ``validate``), a line in
``metrics.jsonl``, ``checkpoint_last.pth.tar`` and, when the validation
metric improved, ``checkpoint_best.pth.tar``; then the learning rate decays.

Under ``torchrun`` the model is wrapped in DistributedDataParallel, each
process takes a disjoint share of the epoch's windows and the batch size is
the global batch; only rank 0 validates and writes files.

A NaN loss, or a validation error a thousand times the input's, stops training with
a message (the last good checkpoint stays; no "best" is written for it).

Ctrl-C (SIGINT) asks training to stop after the optimizer step under way:
the exact position (epoch, step within it, random state, optimizer,
schedule and the epoch's running loss) goes to
``checkpoint_interrupted.pth.tar``, and ``--resume`` with that file
continues bit for bit as if nothing had happened. ``checkpoint_last``
always holds the last finished epoch. A second Ctrl-C stops at once,
saving nothing (resume from ``checkpoint_last``). Checkpoints are written
before the epoch's line in ``metrics.jsonl``.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from ..dataset.base import SequenceSet
from ..dataset.training import TrainingWindows, epoch_indices
from ..models.checkpoint import CheckpointError, LoadedCheckpoint, save_checkpoint
from ..utils.errors import SetupError
from ..utils.io import remove_stale_temporaries
from .evaluate import evaluate_set
from .methods import WindowModel
from .run_state import (
    INTERRUPTED_CHECKPOINT,
    TrainState,
    append_record,
    forget_records_from,
    record_line,
    stop_on_sigint,
)
from .schedule import make_optimizer
from .training_job import (
    TrainingDiverged,
    TrainingJob,
    check_validation,
    loss_function,
    selection_value,
    train_step,
)

__all__ = ["Trainer", "TrainingDiverged", "TrainingJob", "train_step"]

logger = logging.getLogger("smoothnet")

#: The files a run writes in its folder (their stale temporaries are removed on start).
RUN_FILES: tuple[str, ...] = (
    "checkpoint_last.pth.tar", "checkpoint_best.pth.tar", INTERRUPTED_CHECKPOINT,
    "linear.pth.tar", "config.yaml", "metrics.jsonl",
)  # fmt: skip


class Trainer:
    """Trains one model on one or more datasets.

    Args:
        job: the model, its usage information and the settings.
        model: the model on ``device`` (DDP-wrapped when distributed).
        train_sets: training windows, one per dataset.
        test_sets: test sequences for validation (may be empty).
        run_dir: where files go (only rank 0 writes).
        device: the training device.
        rank: this process's rank.
        world_size: number of processes.
        body_model: SMPL evaluator for ``smpl`` test sets (None otherwise).
    """

    def __init__(
        self,
        job: TrainingJob,
        model: nn.Module,
        train_sets: list[TrainingWindows],
        test_sets: list[SequenceSet],
        run_dir: Path,
        device: torch.device,
        rank: int = 0,
        world_size: int = 1,
        body_model: Any = None,
    ) -> None:
        self.job, self.settings = job, job.train
        self.model, self.device = model, device
        self.train_sets, self.test_sets = train_sets, test_sets
        self.run_dir, self.rank, self.world_size = run_dir, rank, world_size
        self.step_schedule = self.settings.lr_schedule != "epoch"
        total_steps = self.steps_per_epoch() * self.settings.epochs
        self.optimizer, self.scheduler = make_optimizer(model, self.settings, total_steps)
        self.loss_fn = loss_function(job.loss, job.info.person_size)
        self.state = TrainState()
        self.writer = None
        if rank == 0:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(log_dir=str(run_dir))
        self.global_step = 0
        self.body_model = body_model
        self._stop_requested = False
        self._position: dict[str, Any] | None = None
        if rank == 0:
            for stale in remove_stale_temporaries(run_dir, RUN_FILES):
                logger.info("removed %s, left by an interrupted write", stale)

    @property
    def module(self) -> nn.Module:
        return getattr(self.model, "module", self.model)

    # -- checkpoints ---------------------------------------------------------

    def save(self, name: str, epoch: int, performance: Any = None, **extra: Any) -> None:
        """Write a checkpoint of the run (rank 0); a failed write (a full disk) ends the
        run with one line and leaves the previous file as it was."""
        if self.rank != 0:
            return
        try:
            self._save(name, epoch, performance, **extra)
        except CheckpointError as err:  # the previous file stays (atomic writes)
            raise SetupError(str(err)) from None

    def _save(self, name: str, epoch: int, performance: Any = None, **extra: Any) -> None:
        save_checkpoint(
            self.run_dir / name,
            self.module,
            self.job.spec,
            self.job.info,
            epoch=epoch,
            config=self.job.config,
            performance=performance,
            optimizer=self.optimizer.state_dict(),
            scheduler=self.scheduler.state_dict(),
            best_metric=self.state.best_metric,
            best_epoch=self.state.best_epoch,
            rng_state=torch.get_rng_state(),
            **extra,
        )

    def resume(self, loaded: LoadedCheckpoint, path: str | Path) -> None:
        """Continue from a checkpoint read by :func:`.run_state.read_resume` (from
        ``path``): weights, optimizer, LR schedule, RNG, epoch and, after Ctrl-C, the step.
        """
        self.module.load_state_dict(loaded.model.state_dict())
        if loaded.optimizer:
            self.optimizer.load_state_dict(loaded.optimizer)
        if "scheduler" in loaded.extra:
            self.scheduler.load_state_dict(loaded.extra["scheduler"])
        if "rng_state" in loaded.extra:
            torch.set_rng_state(loaded.extra["rng_state"])
        self.state.next_epoch = (loaded.epoch if loaded.epoch is not None else -1) + 1
        self.global_step = self.state.next_epoch * self.steps_per_epoch()
        self.state.best_metric = loaded.extra.get("best_metric")
        self.state.best_epoch = loaded.extra.get("best_epoch")
        self._position = loaded.extra.get("position")
        if self._position is not None:
            self.state.next_epoch = self._position["epoch"]
            self.global_step = self._position["global_step"]
            logger.info(
                "resumed from %s in epoch %d, after round %d",
                path,
                self.state.next_epoch + 1,
                self._position["round"],
            )
        else:
            logger.info("resumed from %s at epoch %d", path, self.state.next_epoch + 1)
        if self.rank == 0:
            forget_records_from(self.run_dir, self.state.next_epoch)

    # -- one epoch -----------------------------------------------------------

    def steps_per_epoch(self) -> int:
        """Optimizer steps in one epoch (rounds x datasets), the same every epoch."""
        return min(len(b) for b in self._batches(0)) * len(self.train_sets)

    def _batches(self, epoch: int) -> list[list[np.ndarray]]:
        """Per dataset, this process's index batches for the epoch."""
        local_batch = max(1, self.settings.batch_size // self.world_size)
        batches = []
        for d, windows in enumerate(self.train_sets):
            order = epoch_indices(
                len(windows),
                epoch,
                self.settings.seed + d,
                self.settings.windows_per_epoch,
                self.rank,
                self.world_size,
            )
            batches.append(np.array_split(order, max(1, math.ceil(len(order) / local_batch))))
        return batches

    def train_epoch(self, epoch: int, start_round: int = 0, loss_sums: Any = None) -> float:
        """Train one epoch (from round ``start_round``); the mean loss over all its steps.

        Raises:
            KeyboardInterrupt: after saving the exact position, when a stop
                was requested (Ctrl-C).
        """
        self.model.train()
        batches = self._batches(epoch)
        rounds = min(len(b) for b in batches)
        total = torch.zeros(2, dtype=torch.float64, device=self.device)
        if loss_sums is not None:
            total += torch.tensor(loss_sums, dtype=torch.float64, device=self.device)
        bar = tqdm(
            range(start_round, rounds),
            initial=start_round,
            total=rounds,
            desc=f"epoch {epoch + 1}/{self.settings.epochs}",
            disable=None if self.rank == 0 else True,
            leave=False,
            dynamic_ncols=True,
        )
        for r in bar:
            for d, (windows, dataset_batches) in enumerate(zip(self.train_sets, batches)):
                pred, gt = windows.batch(dataset_batches[r], self._augmentation_rng(epoch, r, d))
                loss = train_step(
                    self.model,
                    self.optimizer,
                    self.loss_fn,
                    pred.to(self.device, non_blocking=True),
                    gt.to(self.device, non_blocking=True),
                )
                self._check_finite(loss, epoch)
                if self.step_schedule:
                    self.scheduler.step()
                total += torch.stack(
                    [loss.double(), torch.ones((), dtype=torch.float64, device=self.device)]
                )
                self.global_step += 1
                if self.writer is not None and self.global_step % 10 == 0:
                    self.writer.add_scalar("train/loss", loss.item(), self.global_step)
            bar.set_postfix(loss=f"{(total[0] / total[1]).item():.5f}")
            if self._stop_agreed():
                self._save_position(epoch, r + 1, total)
                raise KeyboardInterrupt
        if self.world_size > 1:
            dist.all_reduce(total)
        return (total[0] / total[1]).item()

    def _augmentation_rng(self, epoch: int, round_: int, dataset: int) -> np.random.Generator:
        """The generator of one step's augmentation draws: a function of the step alone,
        so a resumed run draws what the uninterrupted run would have."""
        seed = max(self.settings.seed, 0)
        return np.random.default_rng([seed, epoch, round_, dataset, self.rank])

    def _stop_agreed(self) -> bool:
        """Whether any process was asked to stop (all processes agree)."""
        flag = self._stop_requested
        if self.world_size > 1:
            t = torch.tensor([float(flag)], device=self.device)
            dist.all_reduce(t, op=dist.ReduceOp.MAX)
            flag = bool(t.item())
        return flag

    def _save_position(self, epoch: int, next_round: int, total: torch.Tensor) -> None:
        position = {
            "epoch": epoch,
            "round": next_round,
            "global_step": self.global_step,
            "loss_sums": total.tolist(),
        }
        self.save(INTERRUPTED_CHECKPOINT, epoch - 1, position=position, interrupted=True)
        if self.rank == 0:
            path = self.run_dir / INTERRUPTED_CHECKPOINT
            logger.warning(
                "interrupted in epoch %d after step %d: saved %s (continue with --resume %s)",
                epoch + 1,
                self.global_step,
                path,
                path,
            )

    def _request_stop(self) -> None:
        """Ctrl-C: stop after the step under way."""
        self._stop_requested = True
        logger.warning("stopping after the current step (Ctrl-C again to stop at once)")

    def _check_finite(self, loss: torch.Tensor, epoch: int) -> None:
        bad = (~torch.isfinite(loss)).float()
        if self.world_size > 1:
            dist.all_reduce(bad, op=dist.ReduceOp.MAX)
        if bad.item() > 0:
            raise TrainingDiverged(
                f"NaN/inf loss at epoch {epoch + 1}, step {self.global_step}; stopping "
                f"(checkpoint_last.pth.tar holds the last good epoch)"
            )

    # -- validation ----------------------------------------------------------

    def validate(self, epoch: int) -> dict[str, dict[str, float]]:
        """Metrics of every test set (rank 0 only)."""
        results = {}
        method = WindowModel(self.module.eval(), self.job.spec, self.job.info, self.device)
        for test in self.test_sets:
            results[test.label] = evaluate_set(method, test, self.job.evaluation, self.body_model)
            if self.writer is not None:
                for key, value in results[test.label].items():
                    self.writer.add_scalar(f"val/{test.label}/{key}", value, epoch + 1)
        self.module.train()
        return results

    # -- the loop ------------------------------------------------------------

    def validate_start(self) -> None:
        """Validate the untrained (e.g. warm-started) model: the curve's step-0 point."""
        if self.rank != 0 or not (self.settings.validate and self.test_sets):
            return
        start = time.perf_counter()
        results = self.validate(-1)
        record = {
            "epoch": None,
            "step": 0,
            "lr": self.optimizer.param_groups[0]["lr"],
            "train_loss": None,
            "seconds": time.perf_counter() - start,
            "validation": results,
        }
        self.state.history.append(record)
        self._log(record, improved=False)

    def fit(self) -> TrainState:
        """Train from ``state.next_epoch`` to the last epoch."""
        with stop_on_sigint(self._request_stop, lambda: self._stop_requested):
            for epoch in range(self.state.next_epoch, self.settings.epochs):
                self._fit_epoch(epoch)
        if self.writer is not None:
            self.writer.close()
        return self.state

    def _train_from_position(self, epoch: int) -> float:
        position, self._position = self._position, None
        try:
            return self.train_epoch(
                epoch,
                position["round"] if position else 0,
                position["loss_sums"] if position else None,
            )
        except KeyboardInterrupt:
            if self.rank == 0 and not self._stop_requested:
                logger.warning(
                    "interrupted during a step of epoch %d: nothing saved; %s holds "
                    "the last finished epoch",
                    epoch + 1,
                    self.run_dir / "checkpoint_last.pth.tar",
                )
            raise

    def _fit_epoch(self, epoch: int) -> None:
        start = time.perf_counter()
        lr = self.optimizer.param_groups[0]["lr"]
        loss = self._train_from_position(epoch)
        results: dict[str, dict[str, float]] = {}
        improved = False
        if self.rank == 0 and self.settings.validate and self.test_sets:
            results = self.validate(epoch)
            check_validation(results, epoch)
            value = selection_value(results, self.settings.best_metric)
            if value is not None and (
                self.state.best_metric is None or value < self.state.best_metric
            ):
                self.state.best_metric, self.state.best_epoch = value, epoch
                improved = True
        if not self.step_schedule:
            self.scheduler.step()
        record = {
            "epoch": epoch,
            "step": self.global_step,
            "lr": lr,  # at the epoch's start (the whole epoch's rate with LR_SCHEDULE epoch)
            "lr_end": self.optimizer.param_groups[0]["lr"],  # in effect once the epoch is over
            "train_loss": loss,
            "seconds": time.perf_counter() - start,
            "validation": results,
        }
        self.state.history.append(record)
        self.state.next_epoch = epoch + 1
        if self.rank == 0:
            self.save("checkpoint_last.pth.tar", epoch, results or None)
            if improved:
                self.save("checkpoint_best.pth.tar", epoch, results)
            self._log(record, improved)  # after the checkpoints it describes
            (self.run_dir / INTERRUPTED_CHECKPOINT).unlink(missing_ok=True)
        if self.world_size > 1:
            dist.barrier()

    def _log(self, record: dict[str, Any], improved: bool) -> None:
        append_record(self.run_dir, record)
        if self.writer is not None and record["epoch"] is not None:
            self.writer.add_scalar("train/epoch_loss", record["train_loss"], record["epoch"] + 1)
            self.writer.add_scalar("train/lr", record["lr"], record["epoch"] + 1)
        logger.info(record_line(record, self.settings.epochs, improved))
