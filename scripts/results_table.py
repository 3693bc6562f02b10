"""Markdown tables of the Human3.6M results written by ``scripts/reproduce_h36m.sh``.

Reads ``<results>/<setting>/<run>/metrics.json`` (the newest run of each
setting, and of ``<setting>_unflagged`` when present) and prints, per
setting, one row per method: the input, every baseline of the basic model's
evaluation (filters and the least-squares linear model), SmoothNet, motion-aware
SmoothNet and the augmented default with its own least-squares twin, with
MPJPE, PA-MPJPE and Accel; then a line saying
whether SmoothNet beats every baseline on both MPJPE and Accel, and which
ones it does not. Settings evaluated at other window sizes (``..._w8``,
``_w16``, ``_w64``) get one more table per representation: SmoothNet and the
least-squares model of the same W, per W. Also writes ``<results>/table.md``::

    python scripts/results_table.py --results results/h36m
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from smoothnet.utils.io import write_text_atomic

#: Baseline metric-key prefix -> row label, in table order.
BASELINES = {
    "savgol": "savgol",
    "gaus1d": "gaus1d",
    "gaussian_s2": "gaussian σ 2",
    "gaussian": "gaussian σ 3",
    "gaussian_s4": "gaussian σ 4",
    "oneeuro": "oneeuro",
    "linear": "linear (least squares)",
}
METRICS = (("mpjpe", "MPJPE"), ("pampjpe", "PA-MPJPE"), ("accel", "Accel"))
#: Settings: (folder, unit, label).
SETTINGS = (
    ("h36m_fcn_3D_w32", "mm", "3D, lifted Hourglass detections (h36m_fcn_3D), W 32"),
    ("h36m_hourglass_2D_w32", "px", "2D, Hourglass detections (h36m_hourglass_2D), W 32"),
)


#: Window sizes of the per-W table (the published sizes).
WINDOW_SIZES = (8, 16, 32, 64)


#: Other checkpoints of a setting, by folder suffix, shown below its SmoothNet row: the
#: label of their SmoothNet row and of their least-squares row (when evaluated).
TWINS = (
    ("_motion_aware", "motion-aware SmoothNet", "motion-aware least squares"),
    ("_augmented", "augmented SmoothNet (the smoothing default)", "augmented least squares"),
)


def newest_metrics(folder: Path) -> dict:
    runs = sorted(folder.glob("*/metrics.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise SystemExit(f"error: no */metrics.json under {folder}")
    return json.loads(runs[-1].read_text())


def rows_for(folder: Path) -> list[tuple[str, dict[str, float]]]:
    """(method label, metric values) rows of one setting and its motion-aware and
    augmented twins (other checkpoints evaluated on the same split)."""
    base = newest_metrics(folder)
    (label,) = base["results"]
    values = base["results"][label]
    rows = [("input", {m: values[f"input_{m}"] for m, _ in METRICS})]
    rows += [(name, {m: values[f"{key}_{m}"] for m, _ in METRICS})
             for key, name in BASELINES.items() if f"{key}_mpjpe" in values]  # fmt: skip
    rows.append(("SmoothNet", {m: values[f"smoothnet_{m}"] for m, _ in METRICS}))
    for suffix, name, linear_name in TWINS:
        twin = folder.parent / folder.name.replace("_w32", f"_w32{suffix}")
        if twin != folder and twin.is_dir():
            other = newest_metrics(twin)["results"][label]
            rows.append((name, {m: other[f"smoothnet_{m}"] for m, _ in METRICS}))
            if "linear_mpjpe" in other:
                rows.append((linear_name, {m: other[f"linear_{m}"] for m, _ in METRICS}))
    return rows


def verdict(rows: list[tuple[str, dict[str, float]]]) -> str:
    """Whether SmoothNet has a lower MPJPE and a lower Accel than every baseline."""
    values = dict(rows)
    ours = values["SmoothNet"]
    losses = [
        f"{name} on {title}"
        for name in BASELINES.values()
        if name in values
        for metric, title in (("mpjpe", "MPJPE"), ("accel", "Accel"))
        if not ours[metric] < values[name][metric]
    ]
    if not losses:
        return "SmoothNet beats every baseline on MPJPE and on Accel."
    return "SmoothNet does not beat: " + ", ".join(losses) + "."


def table(folder: Path, unit: str) -> str:
    units = {"accel": f"{unit}/frame²"}
    header = " | ".join(f"{name} ({units.get(m, unit)})" for m, name in METRICS)
    lines = [f"| method | {header} |",
             "|---|" + "---|" * len(METRICS)]  # fmt: skip
    rows = rows_for(folder)
    for method, values in rows:
        lines.append(f"| {method} | " + " | ".join(f"{values[m]:.3f}" for m, _ in METRICS) + " |")
    return "\n".join(lines) + "\n\n" + verdict(rows)


def window_table(results: Path, name: str, unit: str) -> str | None:
    """SmoothNet and its least-squares model per window size, all test pairs (None when
    fewer than two sizes of ``name`` (a ``..._w32`` setting) were evaluated)."""
    stem = name.removesuffix("_w32")
    found = [(w, results / f"{stem}_w{w}") for w in WINDOW_SIZES]
    found = [(w, folder) for w, folder in found if folder.is_dir()]
    if len(found) < 2:
        return None
    lines = [f"| W | SmoothNet MPJPE ({unit}) | PA-MPJPE ({unit}) | Accel ({unit}/frame²) "
             f"| least squares MPJPE | least squares Accel |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for w, folder in found:
        (values,) = newest_metrics(folder)["results"].values()
        ours = " | ".join(f"{values[f'smoothnet_{m}']:.3f}" for m, _ in METRICS)
        linear = " | ".join(
            f"{values[key]:.3f}" if key in values else "—"
            for key in ("linear_mpjpe", "linear_accel")
        )
        lines.append(f"| {w} | {ours} | {linear} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path("results/h36m"))
    args = parser.parse_args(argv)
    parts = []
    for name, unit, title in SETTINGS:
        for suffix, scope in (("", "all 235 test pairs"), ("_unflagged", "without the 12 flagged")):
            folder = args.results / f"{name}{suffix}"
            if folder.is_dir():
                parts.append(f"### {title}, {scope}\n\n{table(folder, unit)}\n")
        sizes = window_table(args.results, name, unit)
        if sizes is not None:
            label = title.removesuffix(", W 32")
            parts.append(f"### {label}, by window size, all 235 test pairs\n\n{sizes}\n")
    if not parts:
        raise SystemExit(f"error: no evaluated settings under {args.results}")
    text = "\n".join(parts)
    write_text_atomic(args.results / "table.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
