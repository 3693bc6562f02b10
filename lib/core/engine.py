"""The window engine: a window model over sequences of any length, offline and online.

Both ways give every frame the weighted mean of the predictions of all the
windows that cover it, weighted by the frame's position in each window
(:func:`smoothnet.utils.windows.window_weights`):

- offline (:func:`run_windows`): the windows are cut from the sequence one
  chunk at a time (a few thousand rows, so that a chunk's activations stay in
  the cache), go through the model, and are added into the output frame by
  frame; nothing of size T x W is ever built, so memory beyond the input and
  the output does not grow with T. With several threads, chunks run in
  parallel, each on one core (no thread waits for another inside a matrix
  product, which matters on a machine whose other cores are busy), and are
  added in order, so the result does not depend on the thread count.
  :func:`smooth_sequence` is the same for a torch module and tensor;
- online (:class:`IncrementalOverlapAdd`): one window at a time as frames
  arrive, the same weighted sums kept per frame until the frame is emitted.

Windows are ``(n, C, W)``: n windows, C channels, W frames, time last.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..utils.windows import PadMode, pad_sequence, window_starts, window_weights

if TYPE_CHECKING:
    import torch
    from torch import nn


class IncrementalOverlapAdd:
    """Running weighted sums of window predictions per frame, for online smoothing.

    Args:
        weights: ``(W,)`` position weights (:func:`window_weights`).
    """

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        self.sums: dict[int, np.ndarray] = {}
        self.counts: dict[int, float] = {}

    def add(self, last_frame: int, prediction: np.ndarray, first_valid: int) -> None:
        """Add a ``(C, W)`` window prediction whose last position is frame
        ``last_frame``; positions before ``first_valid`` (padding) are skipped."""
        window = len(self.weights)
        for k, f in enumerate(range(last_frame - window + 1, last_frame + 1)):
            if f >= first_valid:
                self.sums[f] = self.sums.get(f, 0.0) + self.weights[k] * prediction[:, k]
                self.counts[f] = self.counts.get(f, 0.0) + self.weights[k]

    def mean(self, frame: int) -> np.ndarray | None:
        """The weighted mean for ``frame`` so far (None: no window covered it)."""
        if frame not in self.sums:
            return None
        return self.sums[frame] / self.counts[frame]

    def forget_before(self, frame: int) -> None:
        """Drop the sums of frames before ``frame`` (already emitted)."""
        for f in [f for f in self.sums if f < frame]:
            del self.sums[f], self.counts[f]


#: Rows (windows x channels) per model call on the CPU: a chunk's activations
#: (rows x 512 floats) then stay within a core's cache (docs/benchmarks.md).
CPU_CHUNK_ROWS = 2048
#: Rows per model call on a GPU.
GPU_CHUNK_ROWS = 65536


class WindowRunner(Protocol):
    """What the engine needs of a model: ``(n, C, W)`` float32 windows to predictions.

    Attributes:
        window_size: W.
        chunk_rows: rows (windows x channels) per call that suit it.
        backend: ``numpy`` or ``torch``: whose kernels run it.
        parallel: whether chunks may run in parallel threads (False on a GPU).
    """

    window_size: int
    chunk_rows: int
    backend: str
    parallel: bool

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        """``(n, C, W)`` float32 (the caller's copy, may be changed) -> a new
        ``(n, C, W)`` array; safe to call from several threads at once."""
        ...

    def one_thread_each(self) -> AbstractContextManager[Any]:
        """A context (entered by the calling thread) in which concurrent calls each
        use one core."""
        ...

    def worker_init(self) -> None:
        """Called once in each worker thread before its first call."""
        ...


def run_windows(
    runner: WindowRunner,
    x: np.ndarray,
    stride: int = 1,
    pad_mode: PadMode = "edge",
    chunk_rows: int | None = None,
    weighting: str = "hann",
    threads: int | None = None,
) -> np.ndarray:
    """Smooth a ``(T, C)`` sequence with a window model (see the module docstring).

    Args:
        runner: the model (:class:`WindowRunner`).
        x: ``(T, C)`` sequence, any T >= 1 (float32 is used inside).
        stride: frames between window starts; a final window aligned to the
            end is always added, so no frame is dropped.
        pad_mode: how sequences shorter than W are padded (``"edge"`` or
            ``"zero"``); padded frames are cut off from the result.
        chunk_rows: windows x channels per model call (None or 0: the runner's).
        weighting: how overlapping window outputs are combined: ``"hann"``
            (tapered, no seams) or ``"uniform"`` (the original's plain average).
        threads: chunks run in parallel on this many threads, one core each
            (None: every core this process may use; 1: in this thread).

    Returns:
        ``(T, C)`` float32 smoothed sequence.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"expected a (T, C) sequence, got shape {x.shape}")
    num_frames, channels = x.shape
    window = runner.window_size
    padded = pad_sequence(x, window, pad_mode)
    starts = window_starts(len(padded), window, stride)
    weights = window_weights(window, weighting).astype(np.float32)
    per_chunk = max(1, (chunk_rows or runner.chunk_rows) // max(channels, 1))
    chunks = [starts[i : i + per_chunk] for i in range(0, len(starts), per_chunk)]
    total = np.zeros((len(padded), channels), np.float32)
    for first, prediction in _predictions(runner, padded, chunks, weights, threads):
        _add_windows(total, first, prediction)
    coverage = np.zeros(len(padded))
    for k in range(window):
        coverage[starts + k] += weights[k]
    total /= coverage[:, None].astype(np.float32)
    return total[:num_frames]


def _chunk_windows(padded: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """``(n, C, W)`` float32 copy of the windows starting at ``starts``."""
    first, last = int(starts[0]), int(starts[-1])
    views = sliding_window_view(padded[first : last + window], window, axis=0)  # (m, C, W)
    picked = views if len(starts) == len(views) else views[starts - first]
    return np.array(picked, dtype=np.float32)


def _predictions(
    runner: WindowRunner,
    padded: np.ndarray,
    chunks: list[np.ndarray],
    weights: np.ndarray,
    threads: int | None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(starts, weighted (n, C, W) predictions)`` of every chunk, in order."""
    window = runner.window_size

    def predict(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        prediction = runner(_chunk_windows(padded, starts, window))
        prediction *= weights
        return starts, prediction

    workers = min(threads or len(os.sched_getaffinity(0)), len(chunks)) if runner.parallel else 1
    if workers <= 1:  # threads=1 asks for one core: the model's kernels too
        with runner.one_thread_each() if threads == 1 else nullcontext():
            yield from map(predict, chunks)
        return
    pool = ThreadPoolExecutor(workers, initializer=runner.worker_init)
    with runner.one_thread_each(), pool:
        pending: deque[Future[tuple[np.ndarray, np.ndarray]]] = deque()
        for starts in chunks:  # at most two chunks in flight per thread: memory stays flat
            pending.append(pool.submit(predict, starts))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _add_windows(total: np.ndarray, starts: np.ndarray, prediction: np.ndarray) -> None:
    """``total[starts[i] + k] += prediction[i, :, k]`` for every window i and position k."""
    n, _, window = prediction.shape
    consecutive = int(starts[-1] - starts[0]) == n - 1
    for k in range(window):
        if consecutive:
            first = int(starts[0]) + k
            total[first : first + n] += prediction[:, :, k]
        else:
            total[starts + k] += prediction[:, :, k]


class ModuleRunner:
    """A torch module as a :class:`WindowRunner` (any window model, CPU or GPU).

    Args:
        model: maps ``(n, C, W)`` windows to ``(n, C, W)`` and knows its
            ``window_size``; used as it is (call ``model.eval()`` first).
        device: where it runs (default: where its parameters are).
    """

    backend = "torch"

    def __init__(self, model: nn.Module, device: torch.device | str | None = None) -> None:
        import torch

        self.model = model
        self.window_size = window_of(model)
        parameter = next(model.parameters(), None)
        self.device = torch.device(device) if device is not None else (
            parameter.device if parameter is not None else torch.device("cpu"))  # fmt: skip
        self.dtype = parameter.dtype if parameter is not None else torch.float32
        self.chunk_rows = GPU_CHUNK_ROWS if self.device.type == "cuda" else CPU_CHUNK_ROWS
        self.parallel = self.device.type == "cpu"

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            batch = torch.from_numpy(windows).to(self.device, self.dtype)
            return self.model(batch).float().cpu().numpy()

    def one_thread_each(self) -> AbstractContextManager[Any]:
        from ..utils.arrays import cpu_threads

        return cpu_threads(1 if self.device.type == "cpu" else None)

    def worker_init(self) -> None:
        import torch

        torch.set_num_threads(1)  # this worker thread's own setting (CPU workers only)


def window_of(model: Any) -> int:
    """The window length W a model was built for (``model.window_size``).

    Raises:
        ValueError: for a model that does not say.
    """
    window = getattr(model, "window_size", None)
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"{type(model).__name__} has no window_size: not a window model")
    return window


def smooth_sequence(
    model: nn.Module,
    x: torch.Tensor,
    stride: int = 1,
    pad_mode: PadMode = "edge",
    chunk_rows: int | None = None,
    weighting: str = "hann",
    threads: int | None = None,
) -> torch.Tensor:
    """:func:`run_windows` for a torch module and a ``(T, C)`` tensor (on the model's
    device); returns a ``(T, C)`` float32 tensor on the input's device."""
    import torch

    runner = ModuleRunner(model, x.device)
    values = x.detach().cpu().float().numpy()
    out = run_windows(runner, values, stride, pad_mode, chunk_rows, weighting, threads)
    return torch.from_numpy(out).to(x.device)


#: Called with the number of frames just smoothed (progress bars).
Progress = Callable[[int], None]
