"""Speed and memory figures of SmoothNet smoothing (and training).

Sections (CPU unless ``--device``):

- ``offline``: frames/s of offline smoothing (W = 32, H/R/B = 512/256/3, stride 1,
  ``(T, 17, 3)``, random weights shared by every path) at T = 1,000 and 20,000 on
  1 and 2 threads, on a quiet machine and with one core busy with another process,
  for this project's path (torch kernels, the same with uniform weighting, NumPy
  kernels), the paths of the
  original (cure-lab: windows stacked one by one, one batch, a loop over windows
  to average) and of MMPose 0.x (windows by ``unfold``, one batch, W vectorised
  additions), both re-implemented from their description, and the dense-GEMM
  limit (a 2048² float32 matrix product on the same threads under the same load,
  converted to frames/s with the model's multiply-adds per frame). The limit and
  the project's paths are timed in interleaved rounds and keep their best; the
  NumPy backend and the peers once, in the last round.
- ``memory``: peak resident memory of a fresh process smoothing T frames
  (default T = 1,000 and 1,000,000), and what is left after the input and the
  output arrays.
- ``coldstart``: seconds from process start to exit of ``smoothnet-smooth`` on a
  900-frame file (2D and 3D), with the default backend and with ``--backend torch``.
- ``stride``: frames/s and mean distance to the stride-1 output for strides
  1, 2, 4, 8.
- ``render``: seconds to render 1,000 frames of a 3D clip (17 joints, three
  panels and two curves, 1280 x 720) to MP4 with every available core.
- ``default``: seconds of the shipped default smoother on a 27,000-frame track (2D
  and 3D), its divergence probed on blocks (shipped) and over the whole track.
- ``online``: frames/s of ``OnlineSmoother.update`` on one CPU thread for 1
  and 10 people, 17 joints x 3, W = 32 (512/256/3), causal.
- ``training``: training throughput (windows/s, forward + backward + Adam
  step) with the H36M-FCN architecture (H/R/B = 512/128/5), W = 32, 17
  joints x 3, before (``nn.Dropout``, batch 1,024), intermediate steps and
  after (``BernoulliDropout`` with NumPy-drawn masks, fused Adam, batch 128),
  with the fraction of the measured matmul rate each reaches, and the same for the
  step's matrix products timed alone on its own shapes (the ceiling of any step made
  of them).

Results are printed and written as JSON (``--output``).

Usage::

    python scripts/benchmark.py --sections offline,memory,coldstart
    python scripts/benchmark.py --sections training --output results/benchmarks/training.json
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from smoothnet.core.engine import smooth_sequence
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.models.registry import ModelSpec
from smoothnet.models.smoothnet import SmoothNet
from smoothnet.utils.io import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
if not __package__ and str(ROOT) not in sys.path:  # run as a file: `scripts` importable
    sys.path.insert(0, str(ROOT))

JOINTS, COORDS, WINDOW = 17, 3, 32
SPEC = ModelSpec(WINDOW, "smoothnet", 512, 256, 3, 0.5)


def resident_peak_kb() -> int:
    """This process's peak resident set size (``VmHWM``), kB: per address space, so
    unlike ``ru_maxrss`` not inherited from a parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("VmHWM not found in /proc/self/status")


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


def step_products_seconds(spec: ModelSpec, batch: int, repeats: int = 5) -> float:
    """Seconds of the matrix products of one training step alone, on the step's own shapes.

    For every linear layer of ``spec`` (``rows = batch * JOINTS * COORDS``, ``(rows, in)``
    activations, ``(out, in)`` weights): the forward ``addmm``, the input gradient
    ``(rows, out) @ (out, in)`` and the weight gradient ``(out, rows) @ (rows, in)``, run
    back to back on preallocated tensors with nothing else: the fastest a step built from
    these products could be (its ceiling), whatever is done between them.
    """
    model = spec.build()
    rows = batch * JOINTS * COORDS
    shapes = [(m.in_features, m.out_features) for m in model.modules()
              if isinstance(m, torch.nn.Linear)]  # fmt: skip
    tensors = [(torch.randn(rows, n_in), torch.randn(n_out, n_in), torch.randn(n_out),
                torch.randn(rows, n_out)) for n_in, n_out in shapes]  # fmt: skip

    def products() -> None:
        for x, w, b, g in tensors:
            torch.addmm(b, x, w.t())
            torch.mm(g, w)
            torch.mm(g.t(), x)

    return best_time(products, repeats=repeats)


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
    measured dense float32 rate (a 2048² product). The same products on the step's
    own shapes, timed alone (:func:`step_products_seconds`), give the ceiling of any
    step built from them: their own fraction of that rate, and the share of the step's
    time they take.
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
    ceiling: dict[int, float] = {}
    for _ in range(rounds):
        for name, batch, dropout, fused in TRAINING_CONFIGURATIONS:
            seconds, windows = _training_rate(spec, batch, dropout, fused, steps)
            if name not in best or windows > best[name][1]:
                best[name] = (seconds, windows)
        for batch in {batch for _, batch, _, _ in TRAINING_CONFIGURATIONS}:
            alone = step_products_seconds(spec, batch)
            ceiling[batch] = min(ceiling.get(batch, math.inf), alone)
    rows = {}
    for name, batch, dropout, fused in TRAINING_CONFIGURATIONS:
        seconds, windows = best[name]
        fraction = 3 * 2 * macs_per_window * windows / rate
        products_fraction = 3 * 2 * macs_per_window * batch / ceiling[batch] / rate
        rows[name] = {"batch": batch, "dropout": dropout, "fused_adam": fused,
                      "seconds_per_step": seconds, "windows_per_s": windows,
                      "matmul_fraction": fraction,
                      "products_alone_seconds": ceiling[batch],
                      "products_alone_matmul_fraction": products_fraction,
                      "share_of_products_alone": ceiling[batch] / seconds}  # fmt: skip
        print(f"training, {name}: {windows:.0f} windows/s ({fraction:.0%} of the matmul rate; "
              f"its products alone reach {products_fraction:.0%}, the step runs at "
              f"{ceiling[batch] / seconds:.0%} of them)")  # fmt: skip
    before = rows[TRAINING_CONFIGURATIONS[0][0]]["windows_per_s"]
    after = rows[TRAINING_CONFIGURATIONS[-1][0]]["windows_per_s"]
    print(f"training speed-up: {after / before:.2f}x; dense matmul {rate / 1e9:.1f} GFLOP/s")
    return {"spec": spec.__dict__, "matmul_flops": rate, "configurations": rows,
            "speedup": after / before}  # fmt: skip


def default_section(num_frames: int = 27_000, rounds: int = 2) -> dict[str, object]:
    """Seconds of the shipped default :class:`Smoother` on one ``(T, 17, C)`` track, 2D
    and 3D, with the guard's divergence probed on blocks (what ships) and over the whole
    track (a second full model pass, as before), timed in interleaved rounds, best kept;
    and how far the two outputs are apart."""
    from smoothnet.core import methods
    from smoothnet.core.smoother import Smoother
    from smoothnet.core.strength import probe_length
    from smoothnet.models.shipped import default_method
    from smoothnet.prep.synthetic import noisy_detection, smooth_motion

    block_reach = methods.WindowModel.probe_reach
    rows = {}
    for dims, scale in ((2, 200.0), (3, 1.0)):
        rng = np.random.default_rng(0)
        gt = scale * smooth_motion(num_frames, JOINTS, dims, 30.0, rng) + (500 if dims == 2 else 0)
        x = noisy_detection(gt, 0.01 * scale, rng).astype(np.float32)
        smoother = Smoother(default_method(dims), device="cpu")
        best = {"blocks": np.inf, "whole track": np.inf}
        outputs = {}
        try:
            for _ in range(rounds):
                for name in best:
                    methods.WindowModel.probe_reach = (
                        block_reach if name == "blocks" else (lambda self, fps=None: None)
                    )
                    start = time.perf_counter()
                    outputs[name] = smoother.smooth(x)
                    best[name] = min(best[name], time.perf_counter() - start)
        finally:
            methods.WindowModel.probe_reach = block_reach
        apart = float(np.abs(outputs["blocks"] - outputs["whole track"]).max())
        errors = {k: float(np.linalg.norm(v - gt, axis=-1).mean()) for k, v in outputs.items()}
        probed = probe_length(num_frames, block_reach(smoother.method))
        rows[f"{dims}D"] = {"seconds": best, "max_difference": apart, "mpjpe": errors,
                            "probed_frames": probed}  # fmt: skip
        print(f"default {dims}D, T {num_frames}: blocks {best['blocks']:.1f} s, whole-track "
              f"probe {best['whole track']:.1f} s ({best['whole track'] / best['blocks']:.2f}x); "
              f"outputs at most {apart:.3g} apart, MPJPE {errors['blocks']:.4g} / "
              f"{errors['whole track']:.4g}")  # fmt: skip
    return {"frames": num_frames, "rows": rows}


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


SECTIONS = ("offline", "memory", "coldstart", "stride", "online", "render", "training", "default")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sections", default="offline,memory,coldstart,stride,online,render,training,default",
        help=f"comma list of: {', '.join(SECTIONS)}",
    )  # fmt: skip
    parser.add_argument("--lengths", default="1000,20000", help="T of the offline section")
    parser.add_argument("--memory_lengths", default="1000,1000000", help="T of the memory section")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (offline)")
    parser.add_argument("--checkpoint", default=None, help="model for the stride section")
    parser.add_argument("--output", default="results/benchmark.json", help="JSON result file")
    args = parser.parse_args()
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"--sections: unknown {unknown}; choose from {', '.join(SECTIONS)}")
    from scripts.benchmark_offline import coldstart_section, memory_section, offline_section

    result: dict[str, object] = {
        "torch": torch.__version__,
        "cpu_count": len(os.sched_getaffinity(0)),
    }
    runs = {
        "offline": lambda: offline_section([int(v) for v in args.lengths.split(",")], args.rounds),
        "memory": lambda: memory_section([int(v) for v in args.memory_lengths.split(",")]),
        "coldstart": coldstart_section,
        "stride": lambda: stride_section(args.checkpoint),
        "online": online_section,
        "render": render_section,
        "training": training_section,
        "default": default_section,
    }
    for name in sections:
        result[name] = runs[name]()
        write_json_atomic(args.output, result)  # what is done so far survives an interrupt
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
