"""Transfer benchmark: is the default smoother never worse than its input, on anything?

Every cell is one kind of input (``scripts/transfer_data.py`` makes them):
CMU motion capture rendered at 12-60 fps, slow and fast motion, white noise
of 0.3 % or 1.5 % of the person's height or detector-like errors, 2D at
100 and 800 px (rounded to whole pixels) and 3D in metres; a person walking
across the frame (fast motion, little noise); and real Stacked-Hourglass
detections of the Human3.6M test subjects, 2D and lifted to 3D, at 50,
25, 16.7 and 12.5 fps. Every method smooths as a user would call it, with
no flags (``Smoother(method).smooth(x)``), and is scored against the ground
truth: MPJPE and Accel (px, or mm for 3D).

Columns: ``input``, ``default`` (the shipped default), ``default_raw`` (the
same checkpoint with ``strength=1``: the network's output as it is),
``specialist`` (the Human3.6M checkpoint without augmentation), ``savgol``
and ``gaussian``, the whole-sequence Gaussian with the best sigma of
:data:`SIGMAS` chosen per cell with hindsight. A cell's verdict: the default
is *never worse* than its input (MPJPE and Accel), and its MPJPE is *at or
below* the hindsight Gaussian's, or *within 1 %* of it.

Sources (``--sources``): ``tune`` (the CMU train split: settings were chosen
on it), ``heldout`` (the CMU test split, looked at last), ``walker``,
``h36m`` (needs ``data/poses``; ``--h36m_step`` takes every n-th sequence).
``--quick`` runs a small subset (the tests' size).

    python scripts/benchmark_transfer.py --output results/benchmarks/transfer

Writes ``transfer.json`` (every cell and verdict), ``transfer.csv`` and
``transfer.md`` under ``--output``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if not __package__ and str(ROOT) not in sys.path:  # run as a file: `scripts` importable
    sys.path.insert(0, str(ROOT))

FPS_GRID = (12.0, 15.0, 20.0, 24.0, 30.0, 50.0, 60.0)
SIZES_PX = (100.0, 800.0)
SIGMAS = (1.0, 1.5, 2.0, 3.0, 4.0)
H36M_STEPS = (1, 2, 3, 4)
SOURCES = ("tune", "heldout", "walker", "h36m")
#: Method names that stand for one checkpoint per dimension.
PER_DIMENSION = {
    "specialist": {2: "h36m_hourglass_2D_w32", 3: "h36m_fcn_3D_w32"},
    "linear": {2: "h36m_hourglass_2D_w32_linear", 3: "h36m_fcn_3D_w32_linear"},
    "motion_aware": {2: "h36m_hourglass_2D_w32_motion_aware", 3: "h36m_fcn_3D_w32_motion_aware"},
}
DEFAULT_METHODS = ("default", "default_raw", "specialist", "savgol")


@dataclass(frozen=True)
class Condition:
    """One cell of the benchmark.

    Attributes:
        source: ``tune``, ``heldout``, ``walker`` or ``h36m``.
        dims: 2 or 3.
        errors: ``white_low``, ``white_high``, ``detector`` or ``real``.
        fps: frame rate of the tracks.
        motion: ``slow``, ``fast`` or ``mixed``.
        size: person height in px (2D CMU), else 0.
    """

    source: str
    dims: int
    errors: str
    fps: float
    motion: str
    size: float = 0.0

    @property
    def label(self) -> str:
        size = f" {self.size:g}px" if self.size else ""
        return f"{self.source} {self.dims}D {self.errors} {self.motion} {self.fps:.3g}fps{size}"


@dataclass
class Cell:
    """One method's scores in one condition."""

    condition: Condition
    method: str
    mpjpe: float
    accel: float
    detail: str = ""


def conditions(
    sources: tuple[str, ...], dims_list: tuple[int, ...], quick: bool
) -> list[Condition]:
    """Every condition of the asked sources and dimensions (a small subset with ``quick``)."""
    fps_grid = (12.0, 30.0) if quick else FPS_GRID
    kinds = ("white_high", "detector") if quick else ("white_low", "white_high", "detector")
    out: list[Condition] = []
    for source in ("tune", "heldout"):
        if source not in sources:
            continue
        for dims in dims_list:
            sizes = ((800.0,) if quick else SIZES_PX) if dims == 2 else (0.0,)
            out += [
                Condition(source, dims, kind, fps, speed, size)
                for kind in kinds
                for fps in fps_grid
                for speed in ("slow", "fast")
                for size in sizes
            ]
    if "walker" in sources:
        out += [Condition("walker", d, "walker", 30.0, "fast") for d in dims_list]
    if "h36m" in sources:
        steps = (1, 4) if quick else H36M_STEPS
        out += [Condition("h36m", d, "real", 50.0 / k, "mixed") for d in dims_list for k in steps]
    return out


def tracks_of(condition: Condition, seed: int, h36m_step: int):
    """Ground truth and detections of ``condition``."""
    from scripts import transfer_data as data

    c = condition
    if c.source == "walker":
        return data.walker_tracks(c.dims, seed)
    if c.source == "h36m":
        step = round(50.0 / c.fps)
        return data.h36m_tracks(c.dims, step, h36m_step, ROOT / "data" / "poses")
    return data.cmu_tracks(c.source, c.motion, c.dims, c.errors, c.fps, c.size, seed)


def method_smoothers(methods: list[str], dims: int) -> Iterator[tuple[str, Callable]]:
    """``(name, function)`` of every method for ``dims``-D tracks."""
    from smoothnet.core.smoother import Smoother
    from smoothnet.models.shipped import default_method

    for method in methods:
        if method in ("default", "default_raw"):
            strength = 1.0 if method == "default_raw" else None
            smoother = Smoother(default_method(dims), device="cpu", strength=strength)
        else:
            smoother = Smoother(PER_DIMENSION.get(method, {}).get(dims, method), device="cpu")
        yield method, smoother.smooth


def score(outputs: list[np.ndarray], tracks, dims: int) -> tuple[float, float]:
    """Pooled MPJPE and Accel over a cell's tracks (scored per track, no acceleration
    across a join); 3D in millimetres."""
    from smoothnet.utils.metrics import accel_error, mpjpe

    unit = 1000.0 if dims == 3 else 1.0
    errors = np.concatenate([mpjpe(o, g) for o, g in zip(outputs, tracks.groundtruth)])
    accels = np.concatenate([accel_error(o, g) for o, g in zip(outputs, tracks.groundtruth)])
    return float(np.nanmean(errors)) * unit, float(np.nanmean(accels)) * unit


def run_condition(condition: Condition, smoothers, seed: int, h36m_step: int) -> list[Cell]:
    """Every method's scores in one condition, plus the hindsight Gaussian."""
    from smoothnet.models.filters import gaussian

    tracks = tracks_of(condition, seed, h36m_step)
    dets = tracks.detections
    cells = [Cell(condition, "input", *score(dets, tracks, condition.dims))]
    for name, smooth in smoothers:
        cells.append(
            Cell(condition, name, *score([smooth(d) for d in dets], tracks, condition.dims))
        )
    best = None
    for sigma in SIGMAS:
        m, a = score([gaussian(d, sigma=sigma) for d in dets], tracks, condition.dims)
        if best is None or m < best.mpjpe:
            best = Cell(condition, "gaussian", m, a, f"sigma {sigma:g}")
    cells.append(best)
    return cells


def verdicts(cells: list[Cell]) -> list[dict[str, object]]:
    """Per condition with a default: never worse than the input (MPJPE and Accel), and
    its MPJPE against the hindsight Gaussian's."""
    out = []
    for condition in dict.fromkeys(c.condition for c in cells):
        row = {c.method: c for c in cells if c.condition == condition}
        if "default" not in row:
            continue
        d, inp = row["default"], row["input"]
        verdict: dict[str, object] = {
            **asdict(condition),
            "never_worse": d.mpjpe <= inp.mpjpe and d.accel <= inp.accel,
            "vs_input": d.mpjpe / inp.mpjpe,
        }
        if "gaussian" in row:
            ratio = d.mpjpe / row["gaussian"].mpjpe
            verdict |= {
                "vs_gaussian": ratio,
                "at_or_below": ratio <= 1.0,
                "within_1pct": ratio <= 1.01,
            }
        out.append(verdict)
    return out


def summary(judged: list[dict[str, object]]) -> list[str]:
    """Counts of the verdicts per source and dimension, and the cells that fail."""
    lines = [
        "| source | dims | cells | never worse | at or below the Gaussian | within 1 % |",
        "|---|---|---|---|---|---|",
    ]
    groups = dict.fromkeys((v["source"], v["dims"]) for v in judged)
    for source, dims in [*groups, ("all", 0)]:
        sub = [v for v in judged if source == "all" or (v["source"], v["dims"]) == (source, dims)]
        if not sub:
            continue
        count = {
            k: sum(bool(v.get(k)) for v in sub)
            for k in ("never_worse", "at_or_below", "within_1pct")
        }
        lines.append(
            f"| {source} | {dims or '2, 3'} | {len(sub)} | {count['never_worse']} | "
            f"{count['at_or_below']} | {count['within_1pct']} |"
        )
    for v in judged:
        if not v["never_worse"] or not v.get("within_1pct", True):
            condition = Condition(*(v[k] for k in Condition.__dataclass_fields__))
            lines.append(
                f"- {condition.label}: {v['vs_input']:.3f}x the input's MPJPE, "
                f"{v.get('vs_gaussian', float('nan')):.3f}x the Gaussian's"
            )
    return lines


def markdown(cells: list[Cell], methods: list[str]) -> str:
    """One table row per condition: MPJPE / Accel of every method, the best in bold."""
    columns = ["input", *methods, "gaussian"]
    lines = [
        "| condition | " + " | ".join(columns) + " | best σ |",
        "|---" * (len(columns) + 2) + "|",
    ]
    for condition in dict.fromkeys(c.condition for c in cells):
        row = {c.method: c for c in cells if c.condition == condition}
        best = min(row[m].mpjpe for m in columns if m in row)
        texts = []
        for m in columns:
            if m not in row:
                texts.append("")
                continue
            text = f"{row[m].mpjpe:.3f} / {row[m].accel:.3f}"
            texts.append(f"**{text}**" if row[m].mpjpe == best else text)
        sigma = row["gaussian"].detail.removeprefix("sigma ") if "gaussian" in row else ""
        lines.append(f"| {condition.label} | " + " | ".join(texts) + f" | {sigma} |")
    return "\n".join(["", *summary(verdicts(cells)), "", *lines]) + "\n"


def run(methods: list[str], conds: list[Condition], seed: int, h36m_step: int) -> list[Cell]:
    from tqdm import tqdm

    cells: list[Cell] = []
    smoothers = {d: list(method_smoothers(methods, d)) for d in {c.dims for c in conds}}
    for condition in tqdm(conds, desc="conditions", disable=None):
        cells += run_condition(condition, smoothers[condition.dims], seed, h36m_step)
    return cells


def write_results(output: Path, cells: list[Cell], methods: list[str], seconds: float) -> str:
    from smoothnet.utils.io import write_json_atomic, write_text_atomic

    output.mkdir(parents=True, exist_ok=True)
    rows = [
        asdict(c.condition)
        | {"method": c.method, "mpjpe": c.mpjpe, "accel": c.accel, "detail": c.detail}
        for c in cells
    ]
    write_json_atomic(
        output / "transfer.json", {"cells": rows, "verdicts": verdicts(cells), "seconds": seconds}
    )
    header = ",".join(rows[0]) + "\n" if rows else ""
    body = "".join(
        ",".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in r.values()) + "\n"
        for r in rows
    )
    write_text_atomic(output / "transfer.csv", header + body)
    table = markdown(cells, methods)
    write_text_atomic(output / "transfer.md", table)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--methods",
        default=",".join(DEFAULT_METHODS),
        help="comma list: default, default_raw, specialist, linear, "
        "motion_aware, filters, shipped checkpoint names or paths",
    )
    parser.add_argument(
        "--sources", default=",".join(SOURCES), help="comma list of " + ", ".join(SOURCES)
    )
    parser.add_argument("--dims", default="2,3", help="2, 3 or both (comma list)")
    parser.add_argument("--output", type=Path, default=ROOT / "results/benchmarks/transfer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--h36m_step", type=int, default=5, help="every n-th Human3.6M sequence")
    parser.add_argument("--quick", action="store_true", help="a small subset of the cells")
    args = parser.parse_args(argv)
    try:
        dims_list = tuple(sorted({int(d) for d in args.dims.split(",")}))
        assert dims_list and set(dims_list) <= {2, 3}
    except (ValueError, AssertionError):
        parser.error(f"--dims must list 2 and/or 3, got {args.dims!r}")
    sources = tuple(s for s in args.sources.split(",") if s)
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        parser.error(
            f"--sources: unknown {unknown[0] if unknown else '(none)'}; choose from "
            + ", ".join(SOURCES)
        )
    if args.h36m_step < 1:
        parser.error(f"--h36m_step must be >= 1, got {args.h36m_step}")
    methods = [m for m in args.methods.split(",") if m]
    from smoothnet.core.smoother import method_error
    from smoothnet.utils.io import folder_problem

    for m in methods:
        problem = None if m in ("default", "default_raw", *PER_DIMENSION) else method_error(m)
        if problem:
            parser.error(f"--methods: {problem}")
    problem = folder_problem(args.output)
    if problem:
        parser.error(f"--output {args.output}: {problem}")
    start = time.perf_counter()
    cells = run(methods, conditions(sources, dims_list, args.quick), args.seed, args.h36m_step)
    print(write_results(args.output, cells, methods, time.perf_counter() - start))
    print(f"wrote {args.output}/transfer.{{json,csv,md}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
