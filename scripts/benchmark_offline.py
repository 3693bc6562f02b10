"""Offline smoothing against its peers and the GEMM limit; memory in T; cold start.

The sections ``offline``, ``memory`` and ``coldstart`` of ``scripts/benchmark.py``
(its docstring describes them). The peers are re-implemented here from their
description, with the same model and weights as the project's path:

- cure-lab (the original's evaluation): every stride-1 window cut and stacked one
  by one into ``(N, W, C)``, permuted to ``(N, C, W)``, one batch through the
  model, permuted back, and averaged by a loop over windows;
- MMPose 0.x (its SmoothNet filter): windows by ``unfold`` as ``(C, N, W)``, one
  batch, averaged with W vectorised additions.

Run it through ``scripts/benchmark.py --sections offline,memory,coldstart``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import torch

from smoothnet.core.engine import run_windows
from smoothnet.models.inference import WindowNet
from smoothnet.models.registry import ModelSpec

JOINTS, COORDS, WINDOW = 17, 3, 32
SPEC = ModelSpec(WINDOW, "smoothnet", 512, 256, 3, 0.5)
ROOT = Path(__file__).resolve().parents[1]
#: The other process of the busy case: one core's worth of matrix products.
LOAD_CODE = "import numpy as np\na = np.random.rand(400, 400)\nwhile True:\n    a @ a\n"


def random_model() -> tuple[torch.nn.Module, dict[str, np.ndarray]]:
    """The benchmark's SmoothNet (seed 0) and its state as arrays."""
    torch.manual_seed(0)
    model = SPEC.build().eval()
    return model, {k: v.numpy() for k, v in model.state_dict().items()}


def flops_per_frame(channels: int = JOINTS * COORDS) -> float:
    """Floating-point operations per output frame at stride 1 (2 per multiply-add)."""
    h, r, w = SPEC.hidden_size, SPEC.res_hidden_size, SPEC.window_size
    return 2.0 * channels * (2 * w * h + SPEC.num_blocks * 2 * h * r)


def motion(num_frames: int, seed: int = 0) -> np.ndarray:
    """``(T, 51)`` float32 smooth motion plus noise (metres)."""
    rng = np.random.default_rng(seed)
    t = np.arange(num_frames)[:, None] / 50.0
    freq = rng.uniform(0.2, 1.5, size=(1, JOINTS * COORDS))
    phase = rng.uniform(0, 2 * np.pi, size=(1, JOINTS * COORDS))
    x = 0.3 * np.sin(2 * np.pi * freq * t + phase) + rng.normal(size=(1, JOINTS * COORDS))
    return (x + 0.02 * rng.normal(size=x.shape)).astype(np.float32)


@torch.no_grad()
def curelab_path(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """The original's evaluation path (see the module docstring)."""
    windows = np.stack([x[s : s + WINDOW] for s in range(len(x) - WINDOW + 1)])  # (N, W, C)
    batch = torch.from_numpy(windows).permute(0, 2, 1)
    out = model(batch).permute(0, 2, 1).numpy()  # (N, W, C)
    total = np.zeros(x.shape, np.float32)
    count = np.zeros((len(x), 1), np.float32)
    for start, window in enumerate(out):
        total[start : start + WINDOW] += window
        count[start : start + WINDOW] += 1
    return total / count


@torch.no_grad()
def mmpose_path(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """MMPose 0.x's filter path (see the module docstring)."""
    sequence = torch.from_numpy(x).transpose(0, 1)  # (C, T)
    out = model(sequence.unfold(1, WINDOW, 1))  # (C, N, W)
    total = torch.zeros_like(sequence)
    count = torch.zeros(len(x))
    n = out.shape[1]
    for k in range(WINDOW):
        total[:, k : k + n] += out[:, :, k]
        count[k : k + n] += 1
    return (total / count).transpose(0, 1).numpy()


def gemm_seconds(size: int = 2048) -> Callable[[], object]:
    a, b = torch.randn(size, size), torch.randn(size, size)
    return lambda: torch.mm(a, b)


@contextmanager
def busy_core() -> Iterator[None]:
    """Another process keeping one core busy (one BLAS thread) inside the block."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-c", LOAD_CODE], env=env)
    time.sleep(1.0)
    try:
        yield
    finally:
        process.kill()
        process.wait()


#: Paths timed in every round (best kept); the others once, in the last round.
REPEATED = ("gemm_2048", "project", "project_uniform")


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _paths(threads: int, x: np.ndarray) -> dict[str, Callable[[], object]]:
    """Every timed path for one input, on ``threads`` threads."""
    model, state = random_model()
    nets = {b: WindowNet(SPEC, state, b) for b in ("torch", "numpy")}
    mm = gemm_seconds()
    return {
        "gemm_2048": mm,
        "project": lambda: run_windows(nets["torch"], x, threads=threads),
        "project_uniform": lambda: run_windows(
            nets["torch"], x, threads=threads, weighting="uniform"
        ),
        "project_numpy": lambda: run_windows(nets["numpy"], x, threads=threads),
        "cure_lab": lambda: curelab_path(model, x),
        "mmpose_0x": lambda: mmpose_path(model, x),
    }


def offline_row(num_frames: int, threads: int, rounds: int) -> dict[str, object]:
    """Frames/s of every path and the ratios: the limit and the project's paths keep their
    best of ``rounds`` interleaved rounds (this shared machine moves by 10-20 % from one
    second to the next), the others are timed once, in the last round."""
    from threadpoolctl import threadpool_limits

    x = motion(num_frames)
    paths = _paths(threads, x)
    best: dict[str, float] = {}
    before = torch.get_num_threads()
    torch.set_num_threads(threads)  # the peers and the GEMM run on torch's threads
    try:
        with threadpool_limits(threads, user_api="blas"):
            for fn in _paths(threads, x[:2000]).values():
                fn()  # warm-up (thread pools, allocator) on a short input
            for round_ in range(rounds):
                for name, fn in paths.items():
                    if name not in REPEATED and round_ < rounds - 1:
                        continue  # far from the limit: one round is enough to rank them
                    repeats = 10 if name == "gemm_2048" else 1
                    seconds = min(_timed(fn) for _ in range(repeats))
                    best[name] = min(best.get(name, np.inf), seconds)
    finally:
        torch.set_num_threads(before)
    limit = 2 * 2048**3 / best.pop("gemm_2048") / flops_per_frame()
    rates = {name: num_frames / seconds for name, seconds in best.items()}
    return {
        "frames": num_frames,
        "threads": threads,
        "limit_frames_per_s": limit,
        "frames_per_s": rates,
        "fraction_of_limit": {name: rate / limit for name, rate in rates.items()},
        "project_over_peers": {
            peer: rates["project"] / rates[peer] for peer in ("cure_lab", "mmpose_0x")
        },
    }


def offline_section(lengths: list[int], rounds: int = 2) -> dict[str, object]:
    """The offline table: every length and thread count, quiet and with one core busy."""
    rows = []
    for busy in (False, True):
        with busy_core() if busy else nullcontext():
            for num_frames in lengths:
                for threads in (1, 2):
                    row = offline_row(num_frames, threads, rounds) | {"busy": busy}
                    rows.append(row)
                    rates, fraction = row["frames_per_s"], row["fraction_of_limit"]
                    print(
                        f"{'busy ' if busy else 'quiet'} T={num_frames:>6} {threads} thread(s): "
                        + ", ".join(f"{k} {v:.0f}" for k, v in rates.items())
                        + f"; limit {row['limit_frames_per_s']:.0f} frames/s; project "
                        f"{fraction['project']:.0%} of the limit",
                        flush=True,
                    )
    return {"spec": SPEC.__dict__, "flops_per_frame": flops_per_frame(), "rows": rows}


def _memory_code(num_frames: int) -> str:
    return "\n".join([
        "import numpy as np",
        "from scripts.benchmark_offline import SPEC, motion, random_model",
        "from scripts.benchmark import resident_peak_kb",
        "from smoothnet.core.engine import run_windows",
        "from smoothnet.models.inference import WindowNet",
        "net = WindowNet(SPEC, random_model()[1], 'torch')",
        f"x = motion({num_frames})",
        "run_windows(net, x[:200])  # buffers and thread pools exist before the baseline",
        "from pathlib import Path",
        "Path('/proc/self/clear_refs').write_text('5')  # the peak restarts from here",
        "base = resident_peak_kb()",
        "out = run_windows(net, x)",
        "print(base, resident_peak_kb(), out.nbytes)",
    ])  # fmt: skip


def memory_section(lengths: list[int]) -> dict[str, object]:
    """Peak resident memory of a fresh process smoothing T frames (torch kernels).

    ``increase``: over the process with the model, the input and warm buffers;
    ``beyond_output``: the increase less the output array itself.
    """
    rows = []
    for num_frames in lengths:
        out = subprocess.run([sys.executable, "-c", _memory_code(num_frames)], cwd=ROOT,
                             capture_output=True, text=True, check=True)  # fmt: skip
        base_kb, peak_kb, out_bytes = (int(v) for v in out.stdout.split())
        row = {
            "frames": num_frames,
            "peak_mb": peak_kb / 1024,
            "input_mb": num_frames * JOINTS * COORDS * 4 / 2**20,
            "output_mb": out_bytes / 2**20,
            "increase_mb": (peak_kb - base_kb) / 1024,
            "beyond_output_mb": (peak_kb - base_kb) / 1024 - out_bytes / 2**20,
        }
        rows.append(row)
        print(f"memory T={num_frames}: peak {row['peak_mb']:.0f} MB (input "
              f"{row['input_mb']:.0f} MB, output {row['output_mb']:.0f} MB); working memory "
              f"beyond the output {row['beyond_output_mb']:.1f} MB", flush=True)  # fmt: skip
    return {"rows": rows}


def coldstart_section(frames: int = 900, repeats: int = 3) -> dict[str, object]:
    """Seconds from process start to exit of ``smoothnet-smooth`` on a ``frames``-frame
    file, best of ``repeats``, for 2D pixels and 3D metres, default and torch backend."""
    command = shutil.which("smoothnet-smooth", path=str(Path(sys.executable).parent))
    if command is None:
        raise SystemExit("smoothnet-smooth is not installed next to this Python")
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for dims in (2, 3):
            scale = 300.0 if dims == 2 else 1.0
            x = scale * motion(frames)[:, : JOINTS * dims].reshape(frames, JOINTS, dims)
            x = x + (500.0 if dims == 2 else 0.0) + rng.normal(0, 0.01 * scale, size=x.shape)
            source = Path(folder) / f"poses_{dims}d.npy"
            np.save(source, x.astype(np.float32))
            for backend in ("auto", "torch"):
                seconds = []
                for _ in range(repeats):
                    target = Path(folder) / "out.npy"
                    target.unlink(missing_ok=True)
                    start = time.perf_counter()
                    subprocess.run([command, str(source), "-o", str(target), "--backend",
                                    backend], check=True, capture_output=True)  # fmt: skip
                    seconds.append(time.perf_counter() - start)
                rows.append({"dims": dims, "backend": backend, "seconds": min(seconds)})
                print(f"cold start, {frames} frames {dims}D, --backend {backend}: "
                      f"{min(seconds):.2f} s", flush=True)  # fmt: skip
    return {"frames": frames, "rows": rows}


def offline_markdown(section: dict[str, object]) -> str:
    """The offline section as the table of docs/benchmarks.md (frames/s)."""
    lines = [
        "| case | project | project, uniform | project, NumPy | cure-lab | MMPose 0.x "
        "| dense-GEMM limit | project / limit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in section["rows"]:
        rates = row["frames_per_s"]
        case = f"T {row['frames']:,}, {row['threads']} thread{'s' if row['threads'] > 1 else ''}"
        case += ", one core busy" if row["busy"] else ""
        paths = ("project", "project_uniform", "project_numpy", "cure_lab", "mmpose_0x")
        cells = [f"{rates[k]:,.0f}" for k in paths]
        limit = f"{row['limit_frames_per_s']:,.0f}"
        share = f"{row['fraction_of_limit']['project']:.0%}"
        lines.append(f"| {case} | " + " | ".join([*cells, limit, share]) + " |")
    return "\n".join(lines)
