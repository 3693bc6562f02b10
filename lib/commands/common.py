"""What the training, evaluation and visualisation commands share: run folders, the
checkpoint to use, the SMPL body model, and turning setup errors into one line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..utils.errors import SetupError


def prepare_run_dir(output_dir: str, exp_name: str) -> Path:
    """Create ``output_dir/<dd-mm-YYYY_HH-MM-SS>_<exp_name>`` (suffix 0, 1, ... if taken)."""
    parent = Path(output_dir)
    parent.mkdir(parents=True, exist_ok=True)
    base = f"{datetime.now():%d-%m-%Y_%H-%M-%S}_{exp_name}"
    candidate, suffix = parent / base, 0
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            candidate = parent / f"{base}{suffix}"
            suffix += 1


def require_checkpoint(path: str):
    """Load the checkpoint ``path`` (``--checkpoint``).

    Raises:
        SetupError: no checkpoint given, or it cannot be loaded.
    """
    from ..models.checkpoint import CheckpointError, load_checkpoint

    if not path:
        raise SetupError("--checkpoint is required (a .pth.tar file, ours or the original's)")
    try:
        return load_checkpoint(path)
    except CheckpointError as err:
        raise SetupError(str(err)) from None


def smpl_body_model(model_dir: str, datasets: list[Any], device: Any) -> Any:
    """The SMPL evaluator when any dataset is ``smpl`` (else None).

    Raises:
        SetupError: the SMPL model files are missing or unusable.
    """
    if not any(d.representation == "smpl" for d in datasets):
        return None
    from ..models.smpl import SMPLEvaluator, SMPLModelError

    try:
        return SMPLEvaluator(model_dir, device)
    except SMPLModelError as err:
        raise SetupError(str(err)) from None


def run_command(command: Callable[[list[str] | None], int], argv: list[str] | None) -> int:
    """Run a command; a setup error ends it with one line (exit 1), Ctrl-C with 130."""
    try:
        return command(argv)
    except SetupError as err:
        raise SystemExit(f"error: {err}") from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
