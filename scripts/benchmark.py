"""Speed and memory figures of SmoothNet smoothing (and training).

Sections (all on CPU with torch's default thread count unless ``--device``):

- ``smoothing``: for T = 1,000 and 20,000 frames x 17 joints x 3, W = 32,
  H/R/B = 512/256/3, stride 1: frames/s of the whole offline smoothing
  (windows -> model -> averaging), of everything but the model (the same
  ``smooth_sequence`` with a pass-through model: windowing and Hann-weighted
  averaging) and of a naive double-loop averaging; analytic MACs per output
  frame; the measured dense matrix-multiply rate and the fraction of it the smoothing reaches; peak
  memory (resident set of a fresh process doing only that smoothing).
- ``stride``: frames/s and mean distance to the stride-1 output for strides
  1, 2, 4, 8.
- ``render``: seconds to render 1,000 frames of a 3D clip (17 joints, three
  panels and two curves, 1280 x 720) to MP4 with every available core.
- ``online``: frames/s of ``OnlineSmoother.update`` on one CPU thread for 1
  and 10 people, 17 joints x 3, W = 32 (512/256/3), causal.
- ``loaded``: offline smoothing on a quiet CPU and beside one busy process per
  core (as beside a running pose estimator): frames/s of the chunked path
  (4,096 and 65,536 rows, torch's threads and one thread) and of a one-batch
  reference (every window through the model at once), and their ratios, in
  one run (``--sections loaded --lengths 5000,20000``).
- ``training``: training throughput (windows/s, forward + backward + Adam
  step) with the H36M-FCN architecture (H/R/B = 512/128/5), W = 32, 17
  joints x 3, before (``nn.Dropout``, batch 1,024), intermediate steps and
  after (``BernoulliDropout`` with NumPy-drawn masks, fused Adam, batch 128),
  with the fraction of the measured matmul rate each reaches.

Results are printed and written as JSON (``--output``).

Usage::

    python scripts/benchmark.py                      # every section
    python scripts/benchmark.py --sections smoothing --output results/benchmark.json
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch

from smoothnet.core.engine import smooth_sequence
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.models.complexity import macs_per_frame
from smoothnet.models.registry import ModelSpec
from smoothnet.models.smoothnet import SmoothNet
from smoothnet.utils.io import write_json_atomic
from smoothnet.utils.windows import window_starts, window_weights

JOINTS, COORDS, WINDOW = 17, 3, 32
SPEC = ModelSpec(WINDOW, "smoothnet", 512, 256, 3, 0.5)


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def best_time(fn: Callable[[], object], repeats: int = 3, min_total: float = 0.5) -> float:
    """Fastest of ``repeats`` timed calls (after one warm-up), seconds; CUDA synchronised."""
    fn()
    _sync()
    times = []
    start_all = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start_all < min_total:
        start = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - start)
        if len(times) >= 50:
            break
    return min(times)


def matmul_rate(device: torch.device, size: int = 2048) -> float:
    """Measured dense float32 matrix-multiply rate on ``device``, FLOP/s (2 per MAC)."""
    if device.type == "cuda":
        size = 8192
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    seconds = best_time(lambda: torch.mm(a, b), repeats=5)
    return 2 * size**3 / seconds


def synthetic_motion(num_frames: int, seed: int = 0) -> np.ndarray:
    """``(T, 17, 3)`` smooth motion in metres plus estimator-like noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(num_frames)[:, None, None] / 50.0
    freq = rng.uniform(0.2, 1.5, size=(1, JOINTS, COORDS))
    phase = rng.uniform(0, 2 * np.pi, size=(1, JOINTS, COORDS))
    motion = 0.3 * np.sin(2 * np.pi * freq * t + phase) + rng.normal(size=(1, JOINTS, COORDS))
    return (motion + 0.02 * rng.normal(size=motion.shape)).astype(np.float32)


def build_model(checkpoint: str | None) -> tuple[SmoothNet, int, str]:
    if checkpoint:
        loaded = load_checkpoint(checkpoint)
        return loaded.model.eval(), loaded.spec.window_size, checkpoint
    torch.manual_seed(0)
    return SPEC.build().eval(), WINDOW, "random weights (512/256/3)"


def peak_memory_mb(num_frames: int) -> tuple[float, float]:
    """Peak resident memory (MB) of a fresh process smoothing T frames.

    Read from ``VmHWM`` (per address space, so unlike ``ru_maxrss`` it is
    not inherited from this process). Returns the peak and its increase over
    the process with the model and input loaded.
    """
    root = str(Path(__file__).resolve().parents[1])
    code = "\n".join(
        [
            "import torch",
            "from scripts.benchmark import SPEC, synthetic_motion, resident_peak_kb",
            "from smoothnet.core.engine import smooth_sequence",
            "model = SPEC.build().eval()",
            f"x = torch.from_numpy(synthetic_motion({num_frames}).reshape({num_frames}, -1))",
            "base = resident_peak_kb()",
            "smooth_sequence(model, x)",
            "print(base, resident_peak_kb())",
        ]
    )
    out = subprocess.run(  # run from the checkout, so that `scripts` imports
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    base_kb, peak_kb = (int(v) for v in out.stdout.split())
    return peak_kb / 1024, (peak_kb - base_kb) / 1024


def resident_peak_kb() -> int:
    """This process's peak resident set size (``VmHWM``), kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("VmHWM not found in /proc/self/status")


class PassThrough(torch.nn.Module):
    """A "model" that returns its windows: :func:`smooth_sequence` with it runs
    everything smoothing does except the network (windowing, chunking, the
    Hann-weighted overlap-add and the division)."""

    window_size = WINDOW

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        return windows


def average_windows_loop(windows: np.ndarray, starts: np.ndarray, num_frames: int) -> np.ndarray:
    """The naive double loop over ``(N, W, C)`` windows: one weighted addition per
    window and position."""
    weights = window_weights(windows.shape[1], "hann")
    total = np.zeros((num_frames, windows.shape[2]))
    norm = np.zeros(num_frames)
    for n, start in enumerate(starts):
        for k in range(windows.shape[1]):
            total[start + k] += weights[k] * windows[n, k]
            norm[start + k] += weights[k]
    return total / norm[:, None]


def time_length(model: SmoothNet, num_frames: int, limit: float) -> dict[str, float]:
    """Every figure of the smoothing section for one sequence length.

    Smoothing runs on the model's device; the averaging, the naive loop and
    the peak memory (a fresh CPU process) are CPU figures.
    """
    channels = JOINTS * COORDS
    device = next(model.parameters()).device
    x = torch.from_numpy(synthetic_motion(num_frames).reshape(num_frames, -1)).to(device)
    seconds = best_time(lambda: smooth_sequence(model, x), repeats=2)
    starts = window_starts(num_frames, WINDOW)
    avg_seconds = best_time(lambda: smooth_sequence(PassThrough(), x.cpu()))
    loop_frames = min(num_frames, 1000)  # the naive loop's rate does not depend on T
    loop_starts = window_starts(loop_frames, WINDOW)
    loop_windows = np.random.default_rng(0).normal(size=(len(loop_starts), WINDOW, channels))
    loop_seconds = best_time(
        lambda: average_windows_loop(loop_windows, loop_starts, loop_frames),
        repeats=1,
        min_total=0,
    )
    flops = 2 * macs_per_frame(model, channels) * len(starts)
    peak, increase = peak_memory_mb(num_frames)
    averaging_rate = num_frames / avg_seconds
    loop_rate = loop_frames / loop_seconds
    return {
        "frames": num_frames,
        "windows": len(starts),
        "smoothing_frames_per_s": num_frames / seconds,
        "smoothing_gflops": flops / seconds / 1e9,
        "fraction_of_matmul_limit": flops / seconds / limit,
        "averaging_frames_per_s": averaging_rate,
        "naive_loop_frames_per_s": loop_rate,
        "averaging_speedup_over_loop": averaging_rate / loop_rate,
        "peak_rss_mb": peak,
        "peak_rss_increase_mb": increase,
    }


def smoothing_section(lengths: list[int], device: torch.device) -> dict[str, object]:
    model, _, source = build_model(None)
    model = model.to(device)
    macs = macs_per_frame(model, JOINTS * COORDS)
    limit = matmul_rate(device)
    where = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else (f"CPU, {torch.get_num_threads()} threads")
    )
    print(f"dense float32 matmul rate: {limit / 1e9:.1f} GFLOP/s ({where})")
    print(f"MACs per output frame (stride 1): {macs / 1e6:.2f} M")
    rows = []
    for num_frames in lengths:
        row = time_length(model, num_frames, limit)
        rows.append(row)
        print(
            f"T={num_frames:>6}: smoothing {row['smoothing_frames_per_s']:7.0f} frames/s "
            f"({row['smoothing_gflops']:.1f} GFLOP/s = "
            f"{100 * row['fraction_of_matmul_limit']:.0f}% of matmul); "
            f"averaging {row['averaging_frames_per_s']:.3g} frames/s = "
            f"{row['averaging_speedup_over_loop']:.0f}x the naive loop "
            f"({row['naive_loop_frames_per_s']:.0f} frames/s); "
            f"peak RSS {row['peak_rss_mb']:.0f} MB "
            f"(+{row['peak_rss_increase_mb']:.0f} MB over model and input)"
        )
    return {
        "model": source,
        "device": where,
        "threads": torch.get_num_threads(),
        "matmul_gflops": limit / 1e9,
        "macs_per_output_frame": macs,
        "lengths": rows,
    }


def stride_section(checkpoint: str | None, num_frames: int = 5000) -> dict[str, object]:
    model, window, source = build_model(checkpoint)
    x = torch.from_numpy(synthetic_motion(num_frames).reshape(num_frames, -1))
    reference = smooth_sequence(model, x, stride=1).reshape(num_frames, JOINTS, COORDS)
    rows = []
    print(f"stride trade-off on {num_frames} frames, model: {source}")
    for stride in (1, 2, 4, 8):
        if stride > window:
            continue
        seconds = best_time(lambda s=stride: smooth_sequence(model, x, stride=s))
        out = smooth_sequence(model, x, stride=stride).reshape(num_frames, JOINTS, COORDS)
        distance = float(torch.linalg.norm(out - reference, dim=-1).mean())
        rows.append(
            {"stride": stride, "frames_per_s": num_frames / seconds, "mean_distance": distance}
        )
        print(
            f"stride {stride}: {num_frames / seconds:9.0f} frames/s, "
            f"mean distance to stride 1: {distance:.3g} (input units)"
        )
    return {"model": source, "frames": num_frames, "strides": rows}


def _torch_byte_dropout(p: float) -> torch.nn.Module:
    """:class:`BernoulliDropout` as it was before its CPU masks moved to NumPy: bytes
    drawn with ``torch.randint`` and compared in torch (benchmark reference only)."""
    from smoothnet.models.dropout import BernoulliDropout

    class TorchByteDropout(BernoulliDropout):
        def keep_mask(self, x: torch.Tensor) -> torch.Tensor:
            random = torch.randint(0, 256, x.shape, dtype=torch.uint8, device=x.device)
            return (random >= round(256 * self.p)).to(x.dtype).mul_(1.0 / (1.0 - self.p))

    return TorchByteDropout(p)


def _training_rate(
    spec: ModelSpec, batch: int, dropout: str, fused: bool, steps: int
) -> tuple[float, float]:
    """(seconds per step, windows/s) of one training-step configuration, H36M-FCN-sized.

    ``dropout``: ``"library"`` (``torch.nn.Dropout``), ``"float"``
    (:class:`BernoulliDropout` drawing float masks), ``"torch_bytes"`` (byte
    masks drawn by torch, the previous release) or ``"byte"`` (byte masks drawn
    by NumPy on the CPU, what training uses for p = 0.25); ``fused``: the fused
    Adam kernel.
    """
    from smoothnet.core.loss import SmoothNetLoss
    from smoothnet.core.schedule import make_optimizer
    from smoothnet.core.settings import TrainSettings
    from smoothnet.core.trainer import train_step
    from smoothnet.models.dropout import BernoulliDropout

    torch.manual_seed(0)
    model = spec.build().train()
    for block in model.res_blocks:
        if dropout == "library":  # the step as it was: torch's own Dropout
            block.dropout = torch.nn.Dropout(spec.dropout)
        elif dropout == "float":
            block.dropout = BernoulliDropout(spec.dropout)
            block.dropout._byte_threshold = None  # float masks: the same distribution
        elif dropout == "torch_bytes":
            block.dropout = _torch_byte_dropout(spec.dropout)
    settings = TrainSettings()
    if fused:
        optimizer, _ = make_optimizer(model, settings)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr, amsgrad=True)
    loss_fn = SmoothNetLoss(1000.0, 1.0, norm="l2")  # the shipped recipe's loss
    pred = torch.randn(batch, spec.window_size, JOINTS * COORDS)
    gt = pred + 0.01 * torch.randn_like(pred)
    seconds = best_time(lambda: train_step(model, optimizer, loss_fn, pred, gt), repeats=steps)
    return seconds, batch / seconds


#: Training-step configurations, from the original's settings to the shipped ones:
#: (name, batch, dropout kind, fused Adam).
TRAINING_CONFIGURATIONS = (
    ("before (nn.Dropout, batch 1024)", 1024, "library", False),
    ("nn.Dropout, batch 128", 128, "library", False),
    ("BernoulliDropout float masks, batch 128", 128, "float", False),
    ("torch byte masks, fused Adam, batch 128 (previous release)", 128, "torch_bytes", True),
    ("after (NumPy byte masks, fused Adam, batch 128)", 128, "byte", True),
)


def training_section(steps: int = 5, rounds: int = 3) -> dict[str, object]:
    """Training throughput before and after this project's changes, and the matmul fraction.

    A step is forward, backward and an Adam (amsgrad) update on a batch of
    W = 32 windows of 17 x 3 channels with the H36M-FCN architecture
    (512/128/5, dropout 0.25). "Before": ``nn.Dropout``, batches of 1,024
    windows (the original's settings, 53k rows per layer, beyond the caches)
    and the default Adam. "After": :class:`~smoothnet.models.smoothnet.BernoulliDropout`
    (the same Bernoulli masks, drawn as random bytes by NumPy on the CPU), the
    fused Adam kernel and batches of 128 (configs/h36m_cpu.yaml). Each configuration is timed in
    ``rounds`` interleaved rounds and its best round kept, so a passing load
    does not favour one of them. The matmul fraction counts the linear layers'
    multiply-adds, three times (forward, two backward products), against the
    measured dense float32 rate.
    """
    spec = ModelSpec(32, "smoothnet", 512, 128, 5, 0.25)
    rate = matmul_rate(torch.device("cpu"))
    model = spec.build()
    macs_per_window = (
        JOINTS
        * COORDS
        * sum(
            m.in_features * m.out_features
            for m in model.modules()
            if isinstance(m, torch.nn.Linear)
        )
    )
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for name, batch, dropout, fused in TRAINING_CONFIGURATIONS:
            seconds, windows = _training_rate(spec, batch, dropout, fused, steps)
            if name not in best or windows > best[name][1]:
                best[name] = (seconds, windows)
    rows = {}
    for name, batch, dropout, fused in TRAINING_CONFIGURATIONS:
        seconds, windows = best[name]
        fraction = 3 * 2 * macs_per_window * windows / rate
        rows[name] = {"batch": batch, "dropout": dropout, "fused_adam": fused,
                      "seconds_per_step": seconds, "windows_per_s": windows,
                      "matmul_fraction": fraction}  # fmt: skip
        print(f"training, {name}: {windows:.0f} windows/s ({fraction:.0%} of the matmul rate)")
    before = rows[TRAINING_CONFIGURATIONS[0][0]]["windows_per_s"]
    after = rows[TRAINING_CONFIGURATIONS[-1][0]]["windows_per_s"]
    print(f"training speed-up: {after / before:.2f}x; dense matmul {rate / 1e9:.1f} GFLOP/s")
    return {"spec": spec.__dict__, "matmul_flops": rate, "configurations": rows,
            "speedup": after / before}  # fmt: skip


def render_section(num_frames: int = 1000) -> dict[str, object]:
    import tempfile

    from smoothnet.dataset.specs import LAYOUTS
    from smoothnet.models.filters import apply_filter
    from smoothnet.prep.synthetic import noisy_detection, smooth_motion
    from smoothnet.visualize.render import PoseClip, render_video

    rng = np.random.default_rng(0)
    gt = 1000 * smooth_motion(num_frames, JOINTS, COORDS, 50.0, rng)
    det = noisy_detection(gt, 20.0, rng)
    clip = PoseClip(
        "benchmark", LAYOUTS["h36m17"], det, apply_filter("gaussian", det), gt, 50.0, "mm"
    )
    workers = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        frames = render_video(clip, Path(folder) / "clip.mp4", progress=False)
        seconds = time.perf_counter() - start
    print(
        f"render: {frames} frames of 3D (1280x720) in {seconds:.1f} s "
        f"({frames / seconds:.1f} frames/s, {workers} processes)"
    )
    return {"frames": frames, "seconds": seconds, "workers": workers}


def online_section(frames: int = 300) -> dict[str, object]:
    import tempfile

    from smoothnet.core.smoother import Smoother
    from smoothnet.models.checkpoint import save_checkpoint

    rows = []  # OnlineSmoother uses one CPU thread per update by default
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pth.tar"
        torch.manual_seed(0)
        save_checkpoint(path, SPEC.build(), SPEC)
        smoother = Smoother(path, device="cpu")
        for people in (1, 10):
            poses = np.stack([synthetic_motion(frames, seed=p) for p in range(people)], axis=1)
            ids = list(range(people))
            online = smoother.online(latency=0)
            for t in range(WINDOW):  # fill every track's window first
                online.update(poses[t], ids)
            start = time.perf_counter()
            for t in range(WINDOW, frames):
                online.update(poses[t], ids)
            rate = (frames - WINDOW) / (time.perf_counter() - start)
            rows.append({"people": people, "frames_per_s": rate})
            print(f"online update, {people:2d} people, 1 thread: {rate:.0f} frames/s")
    return {"threads": 1, "rows": rows}


LOAD_CODE = "import numpy as np\na = np.random.rand(400, 400)\nwhile True:\n    a @ a\n"


@torch.no_grad()
def one_batch(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The original's path: every window at once through the model, then averaged."""
    window = model.window_size
    windows = x.transpose(0, 1).unfold(1, window, 1)  # (C, N, W)
    out = model(windows)
    total = x.new_zeros(x.shape[1], len(x))
    count = x.new_zeros(len(x))
    for k in range(window):  # W vectorised additions
        total[:, k : k + out.shape[1]] += out[:, :, k]
        count[k : k + out.shape[1]] += 1
    return (total / count).transpose(0, 1)


def _smooth_with(model: torch.nn.Module, x: torch.Tensor, chunk_rows: int) -> torch.Tensor:
    """The chunked path with ``chunk_rows`` rows per model call, or (0) the one-batch one."""
    if chunk_rows == 0:
        return one_batch(model, x)
    return smooth_sequence(model, x, chunk_rows=chunk_rows, weighting="uniform")


def loaded_section(lengths: list[int], checkpoint: str | None) -> dict[str, object]:
    """Offline smoothing with and without a busy CPU (one busy process per core, as a
    pose estimator running beside it): frames/s of the chunked path at 4,096, 16,384 and
    65,536 rows and of the one-batch reference, with torch's threads and with one thread."""
    model, _, source = build_model(checkpoint)
    threads = torch.get_num_threads()
    rows = []
    for loaded in (False, True):
        load = []
        if loaded:
            env = {**os.environ, "OMP_NUM_THREADS": "1"}
            cores = len(os.sched_getaffinity(0))
            load = [subprocess.Popen([sys.executable, "-c", LOAD_CODE], env=env)
                    for _ in range(cores)]  # fmt: skip
            time.sleep(1.0)
        try:
            for num_frames in lengths:
                x = torch.from_numpy(synthetic_motion(num_frames).reshape(num_frames, -1))
                x = x.float()
                rates = {}
                for label, chunk, n in (
                    ("one_batch", 0, threads),
                    ("chunks_4096", 4096, threads),
                    ("chunks_16384", 16384, threads),
                    ("chunks_65536", 65536, threads),
                    ("chunks_4096_1_thread", 4096, 1),
                    ("chunks_65536_1_thread", 65536, 1),
                ):
                    torch.set_num_threads(n)
                    rates[label] = num_frames / best_time(
                        partial(_smooth_with, model, x, chunk), repeats=3, min_total=0
                    )
                torch.set_num_threads(threads)
                row = {
                    "loaded": loaded,
                    "frames": num_frames,
                    "frames_per_s": rates,
                    "ratio_to_one_batch": {k: v / rates["one_batch"] for k, v in rates.items()},
                }
                rows.append(row)  # fmt: skip
                print(f"{'loaded' if loaded else 'quiet '} T={num_frames}: " + ", ".join(
                    f"{k} {v:.0f}" for k, v in rates.items()) + " frames/s")  # fmt: skip
        finally:
            for process in load:
                process.kill()
                process.wait()
    return {"model": source, "threads": threads, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sections",
        default="smoothing,stride,online,render,training",
        help="comma list of: smoothing, stride, online, render, training, loaded",
    )
    parser.add_argument("--lengths", default="1000,20000", help="sequence lengths T to time")
    parser.add_argument("--checkpoint", default=None, help="model for the stride section")
    parser.add_argument("--output", default="results/benchmark.json", help="JSON result file")
    parser.add_argument("--device", default="cpu", help="device of the smoothing section")
    args = parser.parse_args()
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    known = {"smoothing", "stride", "online", "render", "training", "loaded"}
    unknown = sorted(set(sections) - known)
    if unknown:
        parser.error(f"--sections: unknown {unknown}; choose from {sorted(known)}")
    result: dict[str, object] = {
        "torch": torch.__version__,
        "cpu_count": len(os.sched_getaffinity(0)),
    }
    if "smoothing" in sections:
        lengths = [int(v) for v in args.lengths.split(",")]
        result["smoothing"] = smoothing_section(lengths, torch.device(args.device))
    if "stride" in sections:
        result["stride"] = stride_section(args.checkpoint)
    if "online" in sections:
        result["online"] = online_section()
    if "render" in sections:
        result["render"] = render_section()
    if "training" in sections:
        result["training"] = training_section()
    if "loaded" in sections:
        lengths = [int(v) for v in args.lengths.split(",")]
        result["loaded"] = loaded_section(lengths, args.checkpoint)
    write_json_atomic(args.output, result)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
