"""Inference of window models as the window engine runs them: no autograd, no torch needed.

A :class:`WindowNet` maps ``(n, C, W)`` float32 windows (NumPy) to ``(n, C, W)``
predictions with the weights of a basic SmoothNet or a linear model. Its
multiply-adds run either in NumPy (``backend="numpy"``: no torch at all) or in
torch's CPU kernels (``backend="torch"``: the same arithmetic through torch's
BLAS, usually the faster one), into buffers allocated once per thread, so a
stream of window chunks costs no allocation and each chunk's activations stay
in the cache. Several threads may call one net at once (one buffer set each).

The windows' centring, detrending and noise scaling
(:func:`smoothnet.models.smoothnet.smooth_centered`) are done here in NumPy for
both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .array_checkpoint import ArrayCheckpoint
from .registry import ModelSpec

Backend = Literal["numpy", "torch"]

#: Slopes of the encoder's and the residual blocks' LeakyReLU (as in SmoothNet).
ENCODER_SLOPE, BLOCK_SLOPE = 0.1, 0.2
#: Floor of a window's noise scale (model units), so an exact window is not blown up
#: (``models.smoothnet`` uses the same).
NOISE_SCALE_FLOOR = 1e-4


def window_noise_scale(x: np.ndarray) -> np.ndarray:
    """``(n, 1, 1)`` white-noise scale of ``(n, C, W)`` windows: the RMS third difference
    over ``sqrt(20)``, floored (NumPy twin of the torch function in ``models.smoothnet``)."""
    third = x[..., 3:] - 3 * x[..., 2:-1] + 3 * x[..., 1:-2] - x[..., :-3]
    power = np.square(third).mean(axis=(-2, -1), keepdims=True) / 20.0
    return np.sqrt(power + NOISE_SCALE_FLOOR**2).astype(x.dtype)


def window_trend(x: np.ndarray, line: bool) -> np.ndarray:
    """Each channel's mean over the window, or (``line``) its least-squares line,
    ``(n, C, 1)`` or ``(n, C, W)``."""
    level = x.mean(axis=-1, keepdims=True)
    if not line:
        return level
    t = np.arange(x.shape[-1], dtype=x.dtype)
    t -= t.mean()
    slope = (x @ t)[..., None] / max(float(np.square(t).sum()), 1e-12)
    return level + slope * t


@dataclass(frozen=True)
class _Layer:
    """``x @ weight + bias`` with ``weight`` stored ``(in, out)``."""

    weight: Any
    bias: Any


def _layer(state: dict[str, np.ndarray], name: str, convert: Callable[[np.ndarray], Any]):
    return _Layer(convert(np.ascontiguousarray(state[f"{name}.weight"].T)),
                  convert(state[f"{name}.bias"]))  # fmt: skip


class WindowNet:
    """A basic SmoothNet or linear window model for inference (see the module docstring).

    Args:
        spec: the architecture (``smoothnet`` or ``linear``).
        state: its ``state_dict`` as float32 arrays.
        backend: ``numpy`` or ``torch`` (CPU).

    Attributes:
        window_size: W.
        scale_windows: whether each window is scaled by its own noise (pools over C).
    """

    def __init__(self, spec: ModelSpec, state: dict[str, np.ndarray], backend: Backend = "numpy"):
        if spec.model_type not in ("smoothnet", "linear"):
            raise ValueError(f"{spec.model_type}: inference without torch's model needs a "
                             "basic SmoothNet or a linear model")  # fmt: skip
        self.spec, self.backend = spec, backend
        self.window_size = spec.window_size
        self.scale_windows = spec.scale_windows and spec.model_type == "smoothnet"
        self._local = threading.local()
        convert: Callable[[np.ndarray], Any] = lambda a: a  # noqa: E731
        if backend == "torch":
            import torch

            convert = torch.from_numpy
        elif backend != "numpy":
            raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
        self._fused: _FusedMLP | None = None
        if spec.model_type == "linear":
            self.layers = [_layer(state, "linear", lambda a: a)]
            return
        self.layers = [_layer(state, "encoder.0", convert)]
        for b in range(spec.num_blocks):
            self.layers += [_layer(state, f"res_blocks.{b}.linear{i}", convert) for i in (1, 2)]
        self.layers.append(_layer(state, "decoder", convert))
        if backend == "torch":
            self._fused = _FusedMLP.build(self.layers, self.chunk_rows)

    #: Rows per call that keep a chunk's activations in a core's cache.
    chunk_rows = 2048
    #: Chunks may run in parallel threads (one buffer set each).
    parallel = True

    def one_thread_each(self) -> AbstractContextManager[Any]:
        """Concurrent calls each on one core: torch's kernels, or the BLAS under NumPy."""
        if self.backend == "torch":
            from ..utils.arrays import cpu_threads

            return cpu_threads(1)
        from threadpoolctl import threadpool_limits

        return threadpool_limits(1, user_api="blas")

    def worker_init(self) -> None:
        if self.backend == "torch":
            import torch

            torch.set_num_threads(1)  # this worker thread's own setting

    @classmethod
    def from_checkpoint(cls, checkpoint: ArrayCheckpoint, backend: Backend = "numpy") -> WindowNet:
        return cls(checkpoint.spec, checkpoint.state, backend)

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        """Smooth ``(n, C, W)`` float32 windows; returns a new ``(n, C, W)`` float32 array.

        ``windows`` may be changed in place (it is the engine's own copy).
        """
        spec = self.spec
        level = None
        if spec.center_windows or spec.detrend_windows:
            level = window_trend(windows, spec.detrend_windows)
            windows -= level
        noise = window_noise_scale(windows) if self.scale_windows else None
        if noise is not None:
            windows /= noise
        rows = windows.reshape(-1, windows.shape[-1])
        if spec.model_type == "linear":
            out = rows @ self.layers[0].weight + self.layers[0].bias
        else:
            out = self._mlp(rows)
        out = out.reshape(windows.shape)
        if noise is not None:
            out *= noise
        if level is not None:
            out += level
        return out

    def _buffers(self, rows: int) -> dict[str, Any]:
        """This thread's activation buffers, grown to ``rows`` rows when needed."""
        held = getattr(self._local, "buffers", None)
        if held is None or held["rows"] < rows:
            h, r = self.layers[0].weight.shape[1], self.layers[1].weight.shape[1] if (
                len(self.layers) > 2) else 1  # fmt: skip
            if self.backend == "torch":
                import torch

                make = lambda *shape: torch.empty(shape)  # noqa: E731
            else:
                make = lambda *shape: np.empty(shape, np.float32)  # noqa: E731
            held = {"rows": rows, "h": make(rows, h), "g": make(rows, h), "r": make(rows, r),
                    "tmp": make(rows, h)}  # fmt: skip
            self._local.buffers = held
        return held

    def _mlp(self, x: np.ndarray) -> np.ndarray:
        """Encoder, residual blocks and decoder on ``(rows, W)``; a new ``(rows, W)`` array."""
        if self._fused is not None:
            return self._fused(x)
        n = len(x)
        held = self._buffers(n)
        h, g, r, tmp = (held[k][:n] for k in ("h", "g", "r", "tmp"))
        encoder, *blocks, decoder = self.layers
        if self.backend == "torch":
            return _torch_mlp(x, encoder, blocks, decoder, h, g, r)
        _affine(x, encoder, h)
        _leaky(h, ENCODER_SLOPE, tmp)
        for first, second in zip(blocks[::2], blocks[1::2], strict=True):
            _affine(h, first, r)
            _leaky(r, BLOCK_SLOPE, tmp[:, : r.shape[1]])
            _affine(r, second, g)
            _leaky(g, BLOCK_SLOPE, tmp)
            h += g
        return h @ decoder.weight + decoder.bias


def _affine(x: np.ndarray, layer: _Layer, out: np.ndarray) -> None:
    np.matmul(x, layer.weight, out=out)
    out += layer.bias


def _leaky(x: np.ndarray, slope: float, tmp: np.ndarray) -> None:
    """LeakyReLU in place: ``max(x, slope x)`` for 0 < slope < 1."""
    np.multiply(x, slope, out=tmp)
    np.maximum(x, tmp, out=x)


def _torch_mlp(x: np.ndarray, encoder: _Layer, blocks: list[_Layer], decoder: _Layer,
               h: Any, g: Any, r: Any) -> np.ndarray:  # fmt: skip
    """:meth:`WindowNet._mlp` with torch's CPU kernels (fused bias, in-place activations)."""
    import torch
    from torch.nn import functional

    with torch.no_grad():
        torch.addmm(encoder.bias, torch.from_numpy(x), encoder.weight, out=h)
        functional.leaky_relu_(h, ENCODER_SLOPE)
        for first, second in zip(blocks[::2], blocks[1::2], strict=True):
            torch.addmm(first.bias, h, first.weight, out=r)
            functional.leaky_relu_(r, BLOCK_SLOPE)
            torch.addmm(second.bias, r, second.weight, out=g)
            functional.leaky_relu_(g, BLOCK_SLOPE)
            h.add_(g)
        return torch.addmm(decoder.bias, h, decoder.weight).numpy()


class _FusedMLP:
    """The MLP on torch's oneDNN linear with the LeakyReLU fused in and weights packed
    once (what ``torch.compile`` emits on the CPU): about a tenth faster than separate
    matrix products and activations (docs/benchmarks.md). :meth:`build` returns None
    where this torch build lacks the operators or they disagree with the plain path."""

    def __init__(self, layers: list[_Layer], rows: int) -> None:
        import torch

        ops = torch.ops.mkldnn
        self.linear, pack = ops._linear_pointwise, ops._reorder_linear_weight
        # oneDNN takes torch's (out, in) weights; packed for chunks of about `rows` rows.
        self.layers = [(pack(layer.weight.t().contiguous(), rows), layer.bias)
                       for layer in layers[:-1]]  # fmt: skip
        self.decoder = (layers[-1].weight.t().contiguous(), layers[-1].bias)

    @classmethod
    def build(cls, layers: list[_Layer], rows: int) -> _FusedMLP | None:
        import torch

        try:
            fused = cls(layers, rows)
            probe = np.random.default_rng(0).normal(size=(64, layers[0].weight.shape[0]))
            probe = probe.astype(np.float32)
            encoder, *blocks, decoder = layers
            hidden = encoder.weight.shape[1]
            h, g = torch.empty(64, hidden), torch.empty(64, hidden)
            r = torch.empty(64, blocks[0].weight.shape[1] if blocks else 1)
            plain = _torch_mlp(probe, encoder, blocks, decoder, h, g, r)
            if np.abs(fused(probe) - plain).max() <= 1e-4 * max(1.0, np.abs(plain).max()):
                return fused
        except (AttributeError, RuntimeError, TypeError, IndexError):
            pass
        return None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch
        from torch.nn import functional

        with torch.no_grad():
            (encoder, encoder_bias), *blocks = self.layers
            h = self.linear(torch.from_numpy(x), encoder, encoder_bias, "leaky_relu",
                            [ENCODER_SLOPE], "")  # fmt: skip
            for (first, first_bias), (second, second_bias) in zip(blocks[::2], blocks[1::2],
                                                                  strict=True):  # fmt: skip
                r = self.linear(h, first, first_bias, "leaky_relu", [BLOCK_SLOPE], "")
                h.add_(self.linear(r, second, second_bias, "leaky_relu", [BLOCK_SLOPE], ""))
            return functional.linear(h, *self.decoder).numpy()
