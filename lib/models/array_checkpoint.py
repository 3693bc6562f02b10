"""Reading checkpoints into NumPy arrays without torch.

``torch.save`` writes a zip archive: ``<name>/data.pkl`` pickles the object
with each tensor as a call of ``torch._utils._rebuild_tensor_v2`` on a
storage that the pickle names by key (a *persistent id*), and each storage's
raw little-endian bytes are the entry ``<name>/data/<key>``. This module reads
that archive with an unpickler that resolves nothing but an allowlist (the
tensor rebuild, the storage types, ``OrderedDict``), so, like
``torch.load(weights_only=True)``, no file can run code, and it builds NumPy
arrays from the storages. Archives in torch's legacy (pre-1.6, non-zip) format are
refused with a one-line error that says to install torch.

:func:`load_array_checkpoint` validates the result like
:func:`smoothnet.models.checkpoint.load_checkpoint` does for torch and returns
the architecture, usage information and weights of our checkpoints and of the
original's.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .registry import ModelSpec
from .usage_info import FORMAT, CheckpointError, NeedsTorch, UsageInfo

#: torch storage type -> NumPy dtype (little-endian, as torch writes them).
STORAGE_DTYPES: dict[str, np.dtype] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


@dataclass(frozen=True)
class _StorageType:
    """What the unpickler puts in place of a torch storage class."""

    dtype: np.dtype


def _rebuild_tensor(
    storage: np.ndarray,
    offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    *_: Any,
) -> np.ndarray:
    """A copy of the elements a tensor views in a flat storage (element offset and strides)."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if not size:
        return storage[offset : offset + 1].reshape(()).copy()
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) if all(size) else 0
    if offset < 0 or min(stride, default=0) < 0 or (all(size) and last >= len(storage)):
        raise pickle.UnpicklingError("a tensor reaches outside its storage")
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=size, strides=tuple(s * item for s in stride), writeable=False
    )
    return np.array(view)


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles ``data.pkl`` of a torch zip archive into NumPy arrays; any global
    outside the allowlist is refused."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(io.BytesIO(data))
        self.archive, self.prefix = archive, prefix
        self.storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(STORAGE_DTYPES[name])
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a checkpoint")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r:.60}")
        _, kind, key, _location, numel = pid
        if not isinstance(kind, _StorageType):
            raise pickle.UnpicklingError(f"unknown storage type {kind!r:.60}")
        key = str(key)
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}data/{key}")
            count = min(int(numel), len(raw) // kind.dtype.itemsize)
            self.storages[key] = np.frombuffer(raw, dtype=kind.dtype, count=count)
        return self.storages[key]


def read_torch_archive(path: str | Path) -> Any:
    """The object a ``torch.save`` zip archive holds, with tensors as NumPy arrays.

    Raises:
        CheckpointError: not a zip archive of torch's format, a global outside the
            allowlist, or a damaged archive (one line, naming the file).
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist() if n.endswith("data.pkl")]
            if len(pickles) != 1:
                raise CheckpointError(f"{path}: no single data.pkl in the archive")
            prefix = pickles[0][: -len("data.pkl")]
            return _ArrayUnpickler(archive.read(pickles[0]), archive, prefix).load()
    except zipfile.BadZipFile:
        raise CheckpointError(
            f"{path}: not a zip archive (torch's legacy format?); reading it needs torch "
            "(pip install torch)"
        ) from None
    except (pickle.UnpicklingError, EOFError, KeyError, ValueError, TypeError) as err:
        if isinstance(err, CheckpointError):
            raise
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CheckpointError(f"cannot read checkpoint {path}: {first}") from None
    except OSError as err:
        raise CheckpointError(f"cannot read checkpoint {path}: {err.strerror or err}") from None


@dataclass(frozen=True)
class ArrayCheckpoint:
    """A checkpoint's architecture, usage information and weights as NumPy arrays.

    Attributes:
        spec: the architecture (inferred from tensor shapes for the original's files).
        info: usage information (empty for the original's files).
        state: parameter name -> float32 array, as in the ``state_dict``.
    """

    spec: ModelSpec
    info: UsageInfo
    state: dict[str, np.ndarray]


def expected_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Parameter name -> shape of a basic SmoothNet or a linear model of ``spec``."""
    w, h, r = spec.window_size, spec.hidden_size, spec.res_hidden_size
    if spec.model_type == "linear":
        return {"linear.weight": (w, w), "linear.bias": (w,)}
    shapes = {"encoder.0.weight": (h, w), "encoder.0.bias": (h,)}
    for b in range(spec.num_blocks):
        shapes |= {
            f"res_blocks.{b}.linear1.weight": (r, h),
            f"res_blocks.{b}.linear1.bias": (r,),
            f"res_blocks.{b}.linear2.weight": (h, r),
            f"res_blocks.{b}.linear2.bias": (h,),
        }
    return shapes | {"decoder.weight": (w, h), "decoder.bias": (w,)}


def _original_spec(state: Mapping[str, np.ndarray]) -> ModelSpec:
    """The basic SmoothNet a bare original ``state_dict`` describes."""
    if any(k.startswith("velocity_branch.") for k in state):
        raise NeedsTorch("the motion-aware model needs torch (pip install torch)")
    try:
        hidden, window = state["encoder.0.weight"].shape
        res_hidden = state["res_blocks.0.linear1.weight"].shape[0] if (
            "res_blocks.0.linear1.weight" in state) else 1  # fmt: skip
    except (KeyError, ValueError) as err:
        raise CheckpointError(f"state_dict does not fit a SmoothNet: {err}") from None
    blocks = len({k.split(".")[1] for k in state if k.startswith("res_blocks.")})
    return ModelSpec(int(window), "smoothnet", int(hidden), int(res_hidden), blocks)


def load_array_checkpoint(path: str | Path) -> ArrayCheckpoint:
    """Read one of our checkpoints or an original one into NumPy arrays, without torch.

    Only the model types NumPy inference supports (basic SmoothNet, linear) load;
    the motion-aware model needs torch.

    Raises:
        CheckpointError: unreadable file, or a state_dict that fits no supported model
            (one line naming the file and the keys).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    raw = read_torch_archive(path)
    if not isinstance(raw, Mapping):
        raise CheckpointError(f"{path}: expected a dict, got {type(raw).__name__}")
    try:
        if raw.get("format") == FORMAT:
            model, info_raw = raw.get("model"), raw.get("info") or {}
            if not isinstance(model, Mapping) or not isinstance(info_raw, Mapping):
                raise CheckpointError("entries 'model' and 'info' must be dicts")
            try:
                spec = ModelSpec(**model)
            except TypeError as err:
                raise CheckpointError(f"invalid model {dict(model)}: {err}") from None
            names = {f.name for f in fields(UsageInfo)}
            info = UsageInfo(**{k: v for k, v in info_raw.items() if k in names})
            state = raw.get("state_dict")
        else:
            state = raw.get("state_dict", raw)
            info, spec = UsageInfo(), None
        if not isinstance(state, Mapping):
            raise CheckpointError("entry 'state_dict' must be a dict")
        state = {k.removeprefix("module."): v for k, v in state.items()}
        spec = spec or _original_spec(state)
        return ArrayCheckpoint(spec, info, _checked_state(spec, state))
    except CheckpointError as err:  # the same kind, naming the file
        raise type(err)(f"{path}: {err}") from None


def _checked_state(spec: ModelSpec, state: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``state`` as float32 arrays after checking its names and shapes against ``spec``."""
    if spec.model_type == "motion_aware":
        raise NeedsTorch("the motion-aware model needs torch (pip install torch)")
    expected = expected_shapes(spec)
    if set(state) != set(expected):
        unknown, missing = sorted(set(state) - set(expected)), sorted(set(expected) - set(state))
        raise CheckpointError(f"state_dict does not fit {spec.model_type}: unknown keys "
                              f"{unknown}, missing keys {missing}")  # fmt: skip
    wrong = [f"{k} {getattr(v, 'shape', None)} (expected {expected[k]})"
             for k, v in state.items()
             if not isinstance(v, np.ndarray) or v.shape != expected[k]]  # fmt: skip
    if wrong:
        raise CheckpointError("inconsistent tensor shapes: " + ", ".join(wrong))
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}
