"""Saving and loading SmoothNet checkpoints, ours and the original's.

Our checkpoints are self-describing: besides the ``state_dict`` they hold the
architecture (:class:`ModelSpec`), everything a user needs to apply the model
(:class:`UsageInfo`: representation, joint count, normalisation, fps) and the
training config, all as plain Python values, so ``torch.load`` with
``weights_only=True`` reads them. They are written atomically (temporary file,
then rename).

The original checkpoints are a bare ``state_dict`` or a dict with
``state_dict``, ``epoch``, ``performance`` and ``optimizer`` (tensors possibly
saved on CUDA). They carry no hyper-parameters: :func:`infer_model_spec`
recovers W, H, R and B from the tensor shapes.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..utils.io import atomic_path
from .registry import ModelSpec, ModelType
from .usage_info import FORMAT, CheckpointError, UsageInfo

logger = logging.getLogger(__name__)



@dataclass
class LoadedCheckpoint:
    """A checkpoint read back, with its model built and weights loaded.

    Attributes:
        model: the model on CPU, in eval mode.
        spec: its architecture.
        info: usage information (empty for original checkpoints).
        source_format: ``"smoothnet-py/1"`` or ``"original"``.
        epoch: last finished epoch (0-based) if recorded.
        config: training config as a nested dict, if recorded.
        performance: validation metrics, if recorded.
        optimizer: optimizer state, if recorded.
        extra: any other top-level entries (scheduler state, ...).
    """

    model: nn.Module
    spec: ModelSpec
    info: UsageInfo
    source_format: str
    epoch: int | None = None
    config: dict[str, Any] | None = None
    performance: Any = None
    optimizer: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def _epoch_text(self) -> str:
        """Epochs counted from 1, as the training log counts them (ours store the 0-based
        index of the last finished epoch; the original's files are shown as stored)."""
        if self.source_format == "original":
            return f", stored epoch {self.epoch}"
        return f", after epoch {self.epoch + 1}"

    def summary(self) -> str:
        """One line describing what was loaded."""
        s = self.spec
        centred = (
            (" detrended" if s.detrend_windows else " centred" if s.center_windows else "")
            + (" noise-scaled" if s.scale_windows else "")
        )
        if s.model_type == "linear":
            return f"linear W={s.window_size}{centred} ({self.source_format})"
        return (
            f"{s.model_type} W={s.window_size} H={s.hidden_size} R={s.res_hidden_size} "
            f"B={s.num_blocks}{centred} ({self.source_format}"
            + (
                ", architecture inferred from tensor shapes"
                if self.source_format == "original"
                else ""
            )
            + (self._epoch_text() if self.epoch is not None else "")
            + ")"
        )


def _to_plain(value: Any) -> Any:
    """Tensors to Python numbers/lists, recursively, for weights-only loading."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    if isinstance(value, Mapping):
        return {str(k): _to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    return value


def atomic_torch_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save`` to a temporary file next to ``path``, then rename.

    Raises:
        CheckpointError: the file cannot be written (a full disk, a read-only
            folder), in one line; ``path`` is left as it was.
    """
    try:
        with atomic_path(path) as tmp:
            torch.save(obj, tmp)
    except (OSError, RuntimeError) as err:
        reason = "no space left on the device" if _disk_full(err) else str(err).splitlines()[0]
        raise CheckpointError(f"cannot write checkpoint {path}: {reason}") from None


def _disk_full(err: BaseException) -> bool:
    """torch reports a full disk as "unexpected pos" (zip writer) or as ENOSPC."""
    return getattr(err, "errno", None) == errno.ENOSPC or "unexpected pos" in str(err)


def save_checkpoint(
    path: str | os.PathLike[str],
    model: nn.Module,
    spec: ModelSpec,
    info: UsageInfo | None = None,
    *,
    epoch: int | None = None,
    config: Mapping[str, Any] | None = None,
    performance: Any = None,
    optimizer: Mapping[str, Any] | None = None,
    **extra: Any,
) -> None:
    """Write a self-describing checkpoint atomically.

    Args:
        path: destination file (``.pth.tar`` by convention).
        model: the model (a DistributedDataParallel wrapper is unwrapped).
        spec: its architecture.
        info: how its inputs are prepared.
        epoch: last finished epoch, 0-based.
        config: training config (nested dict, e.g. a yacs node).
        performance: validation metrics (tensors are turned into numbers).
        optimizer: optimizer ``state_dict`` for resuming.
        **extra: further entries, e.g. ``scheduler`` or ``best_metric``.
    """
    module = getattr(model, "module", model)
    state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    obj: dict[str, Any] = {
        "format": FORMAT,
        "model": asdict(spec),
        "info": asdict(info or UsageInfo()),
        "state_dict": state,
        "epoch": epoch,
        "config": _to_plain(dict(config)) if config is not None else None,
        "performance": _to_plain(performance),
        "optimizer": optimizer,
    }
    obj.update(extra)
    atomic_torch_save(obj, path)


_BLOCK_KEY = re.compile(r"^res_blocks\.(\d+)\.")


def _branch_spec(state: Mapping[str, torch.Tensor], prefix: str) -> tuple[int, int, int, int, int]:
    """(input, hidden, res_hidden, blocks, output) of one TemporalMLP in ``state``."""
    try:
        hidden, input_size = state[f"{prefix}encoder.0.weight"].shape
        output_size = state[f"{prefix}decoder.weight"].shape[0]
    except KeyError as err:
        raise CheckpointError(f"state_dict has no key {err.args[0]!r}") from None
    blocks = {
        int(m.group(1))
        for k in state
        if k.startswith(prefix) and (m := _BLOCK_KEY.match(k[len(prefix) :]))
    }
    if blocks != set(range(len(blocks))):
        raise CheckpointError(f"residual blocks are not numbered 0..n-1: {sorted(blocks)}")
    res_hidden = state[f"{prefix}res_blocks.0.linear1.weight"].shape[0] if blocks else 1
    return int(input_size), int(hidden), int(res_hidden), len(blocks), int(output_size)


def infer_model_spec(state: Mapping[str, torch.Tensor], dropout: float = 0.5) -> ModelSpec:
    """Recover the architecture of a SmoothNet ``state_dict`` from its shapes.

    Raises:
        CheckpointError: when the keys or shapes fit no SmoothNet; the message
            names the offending keys.
    """
    window, hidden, res_hidden, blocks, output = _branch_spec(state, "")
    if output != window:
        raise CheckpointError(
            f"decoder.weight maps to {output} frames but encoder.0.weight takes {window}; "
            "only models whose output window equals the input window are supported"
        )
    model_type: ModelType = (
        "motion_aware" if any(k.startswith("velocity_branch.") for k in state) else "smoothnet"
    )
    spec = ModelSpec(window, model_type, hidden, res_hidden, blocks, dropout)
    _check_state_dict(spec, state)
    return spec


def _check_state_dict(spec: ModelSpec, state: Mapping[str, torch.Tensor]) -> None:
    """Raise a :class:`CheckpointError` naming every unknown, missing or misshapen key."""
    try:
        expected = spec.build().state_dict()
    except ValueError as err:
        raise CheckpointError(f"invalid architecture {spec}: {err}") from None
    unknown = sorted(set(state) - set(expected))
    missing = sorted(set(expected) - set(state))
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown keys {unknown}")
        if missing:
            parts.append(f"missing keys {missing}")
        raise CheckpointError(f"state_dict does not fit {spec.model_type}: " + "; ".join(parts))
    wrong = [
        f"{k} {tuple(state[k].shape)} (expected {tuple(v.shape)})"
        for k, v in expected.items()
        if tuple(state[k].shape) != tuple(v.shape)
    ]
    if wrong:
        raise CheckpointError("inconsistent tensor shapes: " + ", ".join(wrong))


def _warn_non_finite(state: Mapping[str, torch.Tensor]) -> None:
    """Log a warning naming the weights that hold NaN or infinite values."""
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        logger.warning("non-finite (NaN/inf) weights in %s: outputs will be NaN", ", ".join(bad))


def _strip_prefix(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop a ``module.`` prefix left by (Distributed)DataParallel."""
    if state and all(k.startswith("module.") for k in state):
        return {k[len("module.") :]: v for k, v in state.items()}
    return dict(state)


def load_checkpoint(path: str | os.PathLike[str]) -> LoadedCheckpoint:
    """Load our checkpoints or the original ones, on CPU.

    Args:
        path: checkpoint file.

    Returns:
        The model (eval mode, CPU) with its spec and metadata. For original
        checkpoints the architecture is inferred from tensor shapes and
        logged.

    Raises:
        CheckpointError: missing/unreadable file or a state_dict that fits no
            SmoothNet (the message names the file and the keys).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        first_line = next((line for line in str(err).splitlines() if line.strip()), "")
        raise CheckpointError(
            f"cannot read checkpoint {path}: {type(err).__name__}: {first_line}"
        ) from None
    if not isinstance(raw, Mapping):
        raise CheckpointError(f"{path}: expected a dict, got {type(raw).__name__}")
    try:
        if raw.get("format") == FORMAT:
            loaded = _from_ours(raw)
        else:
            loaded = _from_original(raw)
    except CheckpointError as err:
        raise CheckpointError(f"{path}: {err}") from None
    logger.info("loaded %s: %s", path, loaded.summary())
    return loaded


def _from_ours(raw: Mapping[str, Any]) -> LoadedCheckpoint:
    for key, kind in (("model", Mapping), ("state_dict", Mapping)):
        if not isinstance(raw.get(key), kind):
            found = "missing" if key not in raw else f"a {type(raw[key]).__name__}"
            raise CheckpointError(f"entry {key!r} must be a dict, but it is {found}")
    if raw.get("info") is not None and not isinstance(raw["info"], Mapping):
        raise CheckpointError(f"entry 'info' must be a dict, got {type(raw['info']).__name__}")
    names = {f.name for f in fields(ModelSpec)}
    unknown = sorted(set(raw["model"]) - names)
    if unknown:
        raise CheckpointError(f"unknown model fields {unknown}")
    try:
        spec = ModelSpec(**raw["model"])
        spec.build()
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"invalid model {dict(raw['model'])}: {err}") from None
    info_names = {f.name for f in fields(UsageInfo)}
    info = UsageInfo(**{k: v for k, v in (raw.get("info") or {}).items() if k in info_names})
    state = _strip_prefix(raw["state_dict"])
    bad = sorted(k for k, v in state.items() if not isinstance(v, torch.Tensor))
    if bad:
        raise CheckpointError(f"state_dict entries that are not tensors: {bad}")
    _check_state_dict(spec, state)
    _warn_non_finite(state)
    model = spec.build()
    model.load_state_dict(state)
    known = {"format", "model", "info", "state_dict", "epoch", "config", "performance", "optimizer"}
    return LoadedCheckpoint(
        model=model.eval(),
        spec=spec,
        info=info,
        source_format=FORMAT,
        epoch=raw.get("epoch"),
        config=raw.get("config"),
        performance=raw.get("performance"),
        optimizer=raw.get("optimizer"),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def _from_original(raw: Mapping[str, Any]) -> LoadedCheckpoint:
    if "state_dict" in raw:
        state = raw["state_dict"]
        unknown = sorted(set(raw) - {"state_dict", "epoch", "performance", "optimizer"})
        if unknown:
            raise CheckpointError(f"unknown top-level keys {unknown}")
    else:
        state = raw
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        bad = sorted(k for k, v in state.items() if not isinstance(v, torch.Tensor))
        raise CheckpointError(f"state_dict entries that are not tensors: {bad}")
    state = _strip_prefix(state)
    spec = infer_model_spec(state)
    _warn_non_finite(state)
    model = spec.build()
    model.load_state_dict(state)
    epoch = raw.get("epoch") if "state_dict" in raw else None
    return LoadedCheckpoint(
        model=model.eval(),
        spec=spec,
        info=UsageInfo(),
        source_format="original",
        epoch=int(epoch) if epoch is not None else None,
        performance=_to_plain(raw.get("performance")) if "state_dict" in raw else None,
        optimizer=raw.get("optimizer") if "state_dict" in raw else None,
    )
