"""What a training run keeps on disk besides its weights: its state, its metrics log,
resuming, and the checkpoint of an interrupted step."""

from __future__ import annotations

import contextlib
import json
import math
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models.checkpoint import CheckpointError, LoadedCheckpoint, load_checkpoint
from ..models.registry import ModelSpec
from ..utils.io import write_text_atomic

INTERRUPTED_CHECKPOINT = "checkpoint_interrupted.pth.tar"
METRICS_LOG = "metrics.jsonl"


@dataclass
class TrainState:
    """Where training stands (saved in checkpoints)."""

    next_epoch: int = 0
    best_metric: float | None = None
    best_epoch: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


def read_resume(path: str | Path, spec: ModelSpec) -> LoadedCheckpoint:
    """The checkpoint to resume from, checked against the config's architecture.

    Raises:
        CheckpointError: unreadable file, or a model other than ``spec``.
    """
    loaded = load_checkpoint(path)
    if loaded.spec != spec:
        raise CheckpointError(f"{path}: its model {loaded.spec} differs from the config's {spec}")
    return loaded


def _plain(value: Any) -> Any:
    """``value`` with every non-finite float as None, so it is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def append_record(run_dir: Path, record: dict[str, Any]) -> None:
    """Add one validation record to ``metrics.jsonl`` (NaN and inf written as null)."""
    with (run_dir / METRICS_LOG).open("a") as f:
        f.write(json.dumps(_plain(record), allow_nan=False) + "\n")


def forget_records_from(run_dir: Path, epoch: int) -> None:
    """Drop ``metrics.jsonl`` records of epochs >= ``epoch`` (they are being redone)."""
    path = run_dir / METRICS_LOG
    if not path.is_file():
        return
    lines = [line for line in path.read_text().splitlines() if line]

    def redone(line: str) -> bool:
        recorded = json.loads(line).get("epoch")
        return recorded is not None and recorded >= epoch

    kept = [line for line in lines if not redone(line)]
    if len(kept) != len(lines):
        write_text_atomic(path, "".join(line + "\n" for line in kept))


def record_line(record: dict[str, Any], epochs: int, improved: bool) -> str:
    """The log line of one validation record."""
    if record["epoch"] is None:
        parts = [f"start (step 0), lr {record['lr']:.3g}", f"{record['seconds']:.1f}s"]
    else:
        parts = [
            f"epoch {record['epoch'] + 1}/{epochs}",
            f"step {record['step']}",
            f"loss {record['train_loss']:.5f}",
            f"lr {record['lr']:.3g} -> {record['lr_end']:.3g}",
            f"{record['seconds']:.1f}s",
        ]
    for label, metrics in record["validation"].items():
        shown = ", ".join(
            f"{k} {v:.3f}"
            for k, v in metrics.items()
            if k.startswith(("smoothnet_", "input_")) and not k.endswith(("_top1", "_time"))
        )
        parts.append(f"{label}: {shown}")
    if improved:
        parts.append("(best)")
    return " | ".join(parts)


@contextlib.contextmanager
def stop_on_sigint(request: Callable[[], None], requested: Callable[[], bool]) -> Iterator[None]:
    """Inside the block the first SIGINT calls ``request`` (a clean stop after the step
    under way); one after ``requested()`` is true interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum, frame):
        if requested():
            raise KeyboardInterrupt
        request()

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
