"""Transfer benchmark: does the default smoother help on motion, pace and sizes it never saw?

Ground truth is real motion capture, the embedded CMU demo data
(``data/demo/cmu_fcnnoise_3D``, 37 sequences at 50 fps, in metres; the
shipped checkpoints were trained on Human3.6M only). Each sequence is
rendered at 24, 30, 50 and 60 fps (linear resampling), and

- **2D**: projected orthographically (x, y) into a 1920 x 1080 frame with a
  person height of 100, 200, 400 and 800 px;
- **3D**: in metres, root at the origin;

then given one of two kinds of errors:

- ``model``: estimator-like errors drawn from the error model measured on
  the Human3.6M FCN detections (``data/demo/error_statistics.json``: a
  per-sequence bias, a slow drifting part, jitter and bursts; in 2D scaled
  from millimetres to pixels by the person's size);
- ``white``: white Gaussian noise of 1 % of the person's height per coordinate
  (4 px for a 400 px person), the plain jittery input of a typical detector.

Every method then smooths the detections as a user would call it, with no
flags (``Smoother(method).smooth(x)``: no fps, no image size), and is scored
against the ground truth: MPJPE (px or mm) and Accel (px or mm per frame²).

Usage::

    python scripts/benchmark_transfer.py [--methods default,specialist,linear,savgol,gaussian] \
        [--output results/benchmarks/transfer]

Writes ``transfer.json`` (every cell), ``transfer.csv`` and
``transfer.md`` (the tables and the verdict) under ``--output``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FPS_GRID = (24.0, 30.0, 50.0, 60.0)
HEIGHTS_PX = (100.0, 200.0, 400.0, 800.0)
FRAME = (1920.0, 1080.0)
WHITE_SHARE = 0.01  # white-noise std as a share of the person's height
FILTERS = ("savgol", "gaussian")
#: Method names that stand for one checkpoint per dimension: the shipped default, the
#: Human3.6M specialist (trained without augmentation) and its least-squares twin.
PER_DIMENSION = {
    "specialist": {2: "h36m_hourglass_2D_w32", 3: "h36m_fcn_3D_w32"},
    "linear": {2: "h36m_hourglass_2D_w32_linear", 3: "h36m_fcn_3D_w32_linear"},
    "motion_aware": {
        2: "h36m_hourglass_2D_w32_motion_aware",
        3: "h36m_fcn_3D_w32_motion_aware",
    },
}


@dataclass
class Cell:
    """One rendering condition and one method's scores in it."""

    dims: int
    errors: str
    fps: float
    height: float  # px (2D) or 1.0 (3D, metres at true size)
    method: str
    mpjpe: float
    accel: float


def load_motion(demo: Path):
    """All demo ground-truth sequences as ``(T, 17, 3)`` metres at 50 fps."""
    from smoothnet.dataset.base import SequenceSet

    sequences = []
    for phase in ("train", "test"):
        data = SequenceSet(demo, "cmu", "fcnnoise", "3D", phase)
        sequences += [s.to_metric(s.groundtruth) for s in data.sequences]
    return sequences, data.spec.fps


def render(seq, dims: int, height: float):
    """``(T, 17, dims)``: metres (3D) or pixels of a person ``height`` px tall (2D)."""
    import numpy as np

    if dims == 3:
        return seq
    xy = seq[..., :2]
    body_height = float(np.median(np.ptp(xy[..., 1], axis=1)))
    centre = np.asarray(FRAME) / 2
    return (xy - xy.reshape(-1, 2).mean(axis=0)) * (height / body_height) + centre


def detections(gt, kind: str, dims: int, mm_to_units: float, rng, stats):
    """Ground truth plus errors of ``kind`` (see the module docstring)."""
    import numpy as np

    from smoothnet.dataset.error_model import sample_errors

    if kind == "model":
        return gt + sample_errors(stats, len(gt), dims, rng) * mm_to_units
    height = float(np.median(np.ptp(gt[..., 1], axis=1)))
    return gt + rng.normal(size=gt.shape) * WHITE_SHARE * height


def score(pred, gt, dims: int) -> tuple[float, float]:
    """Pooled MPJPE and Accel; 3D in millimetres."""
    import numpy as np

    from smoothnet.utils.metrics import accel_error, mpjpe

    unit = 1000.0 if dims == 3 else 1.0
    return (
        float(np.nanmean(mpjpe(pred, gt))) * unit,
        float(np.nanmean(accel_error(pred, gt))) * unit,
    )


def run(
    methods: list[str],
    seed: int,
    dims_list: tuple[int, ...] = (2, 3),
    heights: tuple[float, ...] = HEIGHTS_PX,
) -> list[Cell]:
    import numpy as np
    from tqdm import tqdm

    from smoothnet.core.smoother import Smoother
    from smoothnet.dataset.error_model import ErrorStatistics
    from smoothnet.models.shipped import default_method
    from smoothnet.utils.resample import resample

    demo = ROOT / "data" / "demo"
    stats = ErrorStatistics.from_dict(json.loads((demo / "error_statistics.json").read_text()))
    motion, source_fps = load_motion(demo)
    conditions = [(2, kind, fps, h) for kind in ("model", "white") for fps in FPS_GRID
                  for h in heights]  # fmt: skip
    conditions += [(3, kind, fps, 1.0) for kind in ("model", "white") for fps in FPS_GRID]
    conditions = [c for c in conditions if c[0] in dims_list]
    smoothers: dict[tuple[str, int], Smoother] = {}
    cells: list[Cell] = []
    for dims, kind, fps, height in tqdm(conditions, desc="conditions"):
        rng = np.random.default_rng([seed, dims, int(fps), int(height), kind == "white"])
        gts, dets = [], []
        for seq in motion:
            gt = render(resample(seq, source_fps, fps), dims, height)
            if dims == 2:
                body_mm = 1000 * float(np.median(np.ptp(seq[..., 1], axis=1)))
                mm_to_units = height / body_mm
            else:
                mm_to_units = 1e-3
            gts.append(gt)
            dets.append(detections(gt, kind, dims, mm_to_units, rng, stats))
        for method in ["input", *methods]:
            if method == "input":
                outs = dets
            else:
                if method == "default":
                    name = default_method(dims)
                else:
                    name = PER_DIMENSION.get(method, {}).get(dims, method)
                key = (name, dims)
                if key not in smoothers:
                    smoothers[key] = Smoother(name, device="cpu")
                outs = [smoothers[key].smooth(d) for d in dets]
            # Scored per sequence (no acceleration across a join), pooled over frames.
            per = np.array([score(o, g, dims) for o, g in zip(outs, gts)])
            frames = np.array([len(g) for g in gts], dtype=np.float64)
            m = float(np.average(per[:, 0], weights=frames))
            a = float(np.average(per[:, 1], weights=frames - 2))
            cells.append(Cell(dims, kind, fps, height, method, m, a))
    return cells


def verdicts(cells: list[Cell]) -> list[dict[str, object]]:
    """Per condition: the default against the input and, when savgol or gaussian ran,
    the better of them (conditions without the default are skipped)."""
    out = []
    keys = sorted({(c.dims, c.errors, c.fps, c.height) for c in cells})
    for key in keys:
        row = {c.method: c for c in cells if (c.dims, c.errors, c.fps, c.height) == key}
        if "default" not in row:
            continue
        d, inp = row["default"], row["input"]
        verdict: dict[str, object] = {
            "dims": key[0], "errors": key[1], "fps": key[2], "height": key[3],
            "beats_input": d.mpjpe < inp.mpjpe and d.accel < inp.accel,
        }  # fmt: skip
        filters = [row[f] for f in FILTERS if f in row]
        if filters:
            best = min(filters, key=lambda c: c.mpjpe)
            verdict |= {
                "best_filter": best.method,
                "mpjpe_vs_best_filter": d.mpjpe / best.mpjpe,
                "accel_vs_best_filter": d.accel / best.accel,
                "wins_or_ties": d.mpjpe <= best.mpjpe * 1.005,
            }
        out.append(verdict)
    return out


def markdown(cells: list[Cell], methods: list[str]) -> str:
    lines = []
    columns = ["input", *methods]
    for dims in (2, 3):
        unit = "px" if dims == 2 else "mm"
        for kind in ("model", "white"):
            sub = [c for c in cells if c.dims == dims and c.errors == kind]
            if not sub:
                continue
            lines += ["", f"**{dims}D, {kind} errors** (MPJPE / Accel, {unit})", ""]
            size_label = "height px" if dims == 2 else "size"
            lines.append(f"| fps | {size_label} | " + " | ".join(columns) + " |")
            lines.append("|---" * (len(columns) + 2) + "|")
            for fps, height in sorted({(c.fps, c.height) for c in sub}):
                row = {c.method: c for c in sub if (c.fps, c.height) == (fps, height)}
                best = min(row[m].mpjpe for m in columns if m in row)
                cells_txt = []
                for m in columns:
                    c = row[m]
                    text = f"{c.mpjpe:.2f} / {c.accel:.2f}"
                    cells_txt.append(f"**{text}**" if c.mpjpe == best else text)
                size = f"{height:g}" if dims == 2 else "1x"
                lines.append(f"| {fps:g} | {size} | " + " | ".join(cells_txt) + " |")
    judged = verdicts(cells)
    beats = sum(v["beats_input"] for v in judged)
    if judged:
        lines += ["", f"The default beats the input (MPJPE and Accel) in {beats} of {len(judged)} "
                  "conditions."]  # fmt: skip
    against_filters = [v for v in judged if "wins_or_ties" in v]
    if against_filters:
        wins = sum(v["wins_or_ties"] for v in against_filters)
        lines[-1] += (
            f" It wins or ties (within 0.5 %) the better of savgol and gaussian on MPJPE in "
            f"{wins} of {len(against_filters)}."
        )
        losses = [v for v in against_filters if not v["wins_or_ties"] or not v["beats_input"]]
        for v in losses:
            lines.append(
                f"- {v['dims']}D {v['errors']} {v['fps']:g} fps"
                + (f" {v['height']:g} px" if v["dims"] == 2 else "")
                + f": MPJPE {v['mpjpe_vs_best_filter']:.3f}x and Accel "
                f"{v['accel_vs_best_filter']:.2f}x {v['best_filter']}'s"
                + ("" if v["beats_input"] else "; not better than the input")
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--methods",
        default="default,specialist,linear,savgol,gaussian",
        help="comma list: 'default' (the shipped default for 2D/3D), 'specialist' (the "
        "Human3.6M checkpoints without augmentation), 'linear' (their least-squares twins), "
        "'motion_aware', "
        "filters, shipped "
        "checkpoint names or checkpoint paths",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "results/benchmarks/transfer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dims", default="2,3", help="2D, 3D or both (comma list)")
    parser.add_argument(
        "--heights",
        default=",".join(f"{h:g}" for h in HEIGHTS_PX),
        help="2D person heights in pixels (comma list)",
    )
    args = parser.parse_args(argv)
    dims_list = tuple(int(d) for d in args.dims.split(",") if d.strip() in ("2", "3"))
    if not dims_list or len(dims_list) != len([d for d in args.dims.split(",") if d.strip()]):
        parser.error(f"--dims must list 2 and/or 3, got {args.dims!r}")
    methods = [m for m in args.methods.split(",") if m]
    from smoothnet.core.smoother import method_error

    for m in methods:
        problem = None if m == "default" or m in PER_DIMENSION else method_error(m)
        if problem:
            parser.error(f"--methods: {problem}")
    from smoothnet.utils.io import folder_problem, write_json_atomic, write_text_atomic

    problem = folder_problem(args.output)
    if problem:
        parser.error(f"--output {args.output}: {problem}")
    start = time.perf_counter()
    try:
        heights = tuple(float(h) for h in args.heights.split(","))
    except ValueError:
        parser.error(f"--heights must be numbers, got {args.heights!r}")
    if not heights or min(heights) <= 0:
        parser.error(f"--heights must be positive, got {args.heights!r}")
    cells = run(methods, args.seed, dims_list, heights)
    args.output.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        args.output / "transfer.json",
        {"cells": [asdict(c) for c in cells], "verdicts": verdicts(cells),
         "seconds": time.perf_counter() - start},
    )  # fmt: skip
    header = "dims,errors,fps,height,method,mpjpe,accel\n"
    rows = "".join(
        f"{c.dims},{c.errors},{c.fps:g},{c.height:g},{c.method},{c.mpjpe:.4f},{c.accel:.4f}\n"
        for c in cells
    )
    write_text_atomic(args.output / "transfer.csv", header + rows)
    table = markdown(cells, methods)
    write_text_atomic(args.output / "transfer.md", table)
    print(table)
    print(f"wrote {args.output}/transfer.{{json,csv,md}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
