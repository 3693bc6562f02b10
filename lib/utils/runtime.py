"""The process around a command: logging, seeding and the device."""

from __future__ import annotations

import logging
import os
import random
import sys
from pathlib import Path

import numpy as np
import torch

from .errors import SetupError


def setup_logging(log_file: Path | None = None, verbose: bool = True) -> None:
    """Log to the console and, if given, to ``log_file`` (appending)."""
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(fmt)
    root.addHandler(console)
    if log_file is not None:
        handler = logging.FileHandler(log_file)
        handler.setFormatter(fmt)
        root.addHandler(handler)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (no-op when ``seed < 0``)."""
    if seed < 0:
        return
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds code that uses the legacy global RNG
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    """The ``DEVICE`` setting as a device (``auto``: CUDA when available, else the CPU).

    Raises:
        SetupError: not a device name, or CUDA asked for but not available.
    """
    if name in ("", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise SetupError(f"DEVICE {name!r} is not a device name (try cpu or cuda)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SetupError(f"DEVICE {name!r} requested but CUDA is not available; pass DEVICE cpu")
    if device.type not in ("cpu", "cuda"):
        raise SetupError(f"DEVICE {name!r}: only cpu and cuda are supported")
    return device
