"""Dropout for SmoothNet's residual blocks, with fast masks on the CPU."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


def cpu_keep_mask(shape: torch.Size, threshold: int, scale: float) -> torch.Tensor:
    """A float32 dropout mask drawn on the CPU from random bytes: ``scale`` where a
    byte is ``>= threshold``, else 0.

    The bytes come from NumPy's SFC64 generator, seeded by one draw from torch's
    global generator, so ``torch.manual_seed`` and a restored torch RNG state
    still reproduce every mask (exact resume). Drawing, comparing and scaling
    run in NumPy, which fills and compares eight bytes at a time (torch's CPU
    generator fills one element at a time; docs/benchmarks.md).

    Args:
        shape: the mask's shape.
        threshold: bytes below it drop their element (``256 p``).
        scale: the kept elements' factor, ``1 / (1 - p)``.

    Returns:
        A ``shape`` float32 tensor of 0 and ``scale``.
    """
    size = math.prod(shape)
    seed = int(torch.randint(0, 2**62, ()).item())
    words = np.random.SFC64(seed).random_raw(-(-size // 8))
    keep = words.view(np.uint8)[:size] >= threshold
    mask = np.multiply(keep, np.float32(scale), dtype=np.float32)
    return torch.from_numpy(mask).view(shape)


class BernoulliDropout(nn.Module):
    """Dropout with the semantics of :class:`torch.nn.Dropout`, several times faster on CPU.

    In training every element is kept with probability ``1 - p`` and scaled
    by ``1 / (1 - p)``; in eval mode it is the identity. When ``256 p`` is a
    whole number (0.25 and 0.5, the released configs' rates) the mask comes
    from random bytes compared with ``256 p`` (exact): on the CPU drawn by
    :func:`cpu_keep_mask`, elsewhere by ``torch.randint``; otherwise from
    ``torch.rand_like`` compared with ``p``. It is applied as one
    multiplication (docs/benchmarks.md measures why). It has no parameters, so
    ``state_dict`` keys are unchanged.

    Args:
        p: probability of zeroing an element, in ``[0, 1)``.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p = float(p)
        byte_threshold = self.p * 256
        self._byte_threshold = int(byte_threshold) if byte_threshold.is_integer() else None

    def keep_mask(self, x: torch.Tensor) -> torch.Tensor:
        """The scaled mask for ``x``: ``1 / (1 - p)`` where kept, 0 where dropped."""
        scale = 1.0 / (1.0 - self.p)
        if self._byte_threshold is None:
            return (torch.rand_like(x) >= self.p).to(x.dtype).mul_(scale)
        if x.device.type == "cpu":
            return cpu_keep_mask(x.shape, self._byte_threshold, scale).to(x.dtype)
        random = torch.randint(0, 256, x.shape, dtype=torch.uint8, device=x.device)
        return (random >= self._byte_threshold).to(x.dtype).mul_(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        return x * self.keep_mask(x)

    def extra_repr(self) -> str:
        return f"p={self.p}"
