"""Markdown tables of the Human3.6M results written by ``scripts/reproduce_h36m.sh``.

Reads ``<results>/<setting>/<run>/metrics.json`` (the newest run of each
setting) and prints, per dataset, one row per method: the input, every
filter (from the basic model's evaluation), SmoothNet and motion-aware
SmoothNet, with MPJPE, PA-MPJPE and Accel. Also writes ``<results>/table.md``::

    python scripts/results_table.py --results results/h36m
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.utils.io import write_text_atomic

FILTERS = ("savgol", "gaus1d", "gaussian", "oneeuro")
METRICS = (("mpjpe", "MPJPE"), ("pampjpe", "PA-MPJPE"), ("accel", "Accel"))


def newest_metrics(folder: Path) -> dict:
    runs = sorted(folder.glob("*/metrics.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise SystemExit(f"error: no */metrics.json under {folder}")
    return json.loads(runs[-1].read_text())


def rows_for(results: Path, basic: str) -> list[tuple[str, dict[str, float]]]:
    """(method label, metric values) rows of one setting and its motion-aware twin."""
    base = newest_metrics(results / basic)
    (label,) = base["results"]
    values = base["results"][label]
    rows = [("input", {m: values[f"input_{m}"] for m, _ in METRICS})]
    rows += [(f, {m: values[f"{f}_{m}"] for m, _ in METRICS}) for f in FILTERS
             if f"{f}_mpjpe" in values]  # fmt: skip
    rows.append(("SmoothNet", {m: values[f"smoothnet_{m}"] for m, _ in METRICS}))
    twin = results / f"{basic}_motion_aware"
    if twin.is_dir():
        other = newest_metrics(twin)["results"][label]
        rows.append(("motion-aware SmoothNet", {m: other[f"smoothnet_{m}"] for m, _ in METRICS}))
    return rows


def table(results: Path, basic: str, unit: str) -> str:
    units = {"accel": f"{unit}/frame²"}
    header = " | ".join(f"{name} ({units.get(m, unit)})" for m, name in METRICS)
    lines = [f"| method | {header} |",
             "|---|" + "---|" * len(METRICS)]  # fmt: skip
    for method, values in rows_for(results, basic):
        lines.append(f"| {method} | " + " | ".join(f"{values[m]:.2f}" for m, _ in METRICS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path("results/h36m"))
    args = parser.parse_args(argv)
    parts = []
    for basic, unit in (("h36m_fcn_3D_w32", "mm"), ("h36m_hourglass_2D_w32", "px")):
        if (args.results / basic).is_dir():
            parts.append(f"### {basic}\n\n{table(args.results, basic, unit)}\n")
    if not parts:
        raise SystemExit(f"error: no evaluated settings under {args.results}")
    text = "\n".join(parts)
    write_text_atomic(args.results / "table.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
