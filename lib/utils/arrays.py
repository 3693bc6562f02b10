"""Accepting numpy or torch input and giving the same type back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a torch tensor (without importing torch when it is not loaded)."""
    import sys

    torch_module = sys.modules.get("torch")
    return torch_module is not None and isinstance(x, torch_module.Tensor)


def numpy_with_restore(
    x: np.ndarray | torch.Tensor,
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray | torch.Tensor]]:
    """``x`` as a numpy array, and a function turning a result back into ``x``'s type.

    The restored result is a tensor on ``x``'s device in ``x``'s floating
    dtype (float32 for integer input), or a numpy array in ``x``'s floating
    dtype (float64 for integer input).
    """
    if is_tensor(x):
        import torch

        dtype = x.dtype if x.is_floating_point() else torch.float32

        def to_tensor(out: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(out)).to(x.device, dtype)

        return x.detach().cpu().numpy(), to_tensor
    data = np.asarray(x)
    np_dtype = data.dtype if np.issubdtype(data.dtype, np.floating) else np.float64
    return data, lambda out: np.asarray(out).astype(np_dtype, copy=False)


@contextmanager
def cpu_threads(threads: int | None) -> Iterator[None]:
    """Let torch use ``threads`` CPU threads inside the block (None: leave it alone)."""
    if threads is None:
        yield
        return
    import torch

    if threads == torch.get_num_threads():
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
