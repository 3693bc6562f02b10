"""Printing and saving metric results (tables, JSON, CSV)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from .io import write_csv_atomic, write_json_atomic

_GROUPS = (
    ("mpjpe", "MPJPE"),
    ("pampjpe", "PA-MPJPE"),
    ("accel", "Accel"),
    ("mpvpe", "MPVPE"),
    ("pck_005", "PCK@0.05"),
    ("pck_01", "PCK@0.1"),
    ("pck_02", "PCK@0.2"),
    ("inference_time", "us/frame"),
)


def metrics_table(metrics: Mapping[str, float]) -> str:
    """A method x metric table from the original's flat keys (``input_mpjpe`` ...)."""
    groups = [(key, title) for key, title in _GROUPS if any(k.endswith("_" + key) for k in metrics)]
    methods: list[str] = []
    for key in metrics:
        for group, _ in groups:
            suffix = "_" + group
            if key.endswith(suffix):
                method = key[: -len(suffix)]
                if method != "improvement" and method not in methods:
                    methods.append(method)
    lines = [f"{'method':<12}" + "".join(f"{title:>11}" for _, title in groups)]
    for method in methods:
        cells = []
        for group, _ in groups:
            value = metrics.get(f"{method}_{group}")
            cells.append(f"{value:>11.3f}" if value is not None else f"{'':>11}")
        lines.append(f"{method:<12}" + "".join(cells))
    return "\n".join(lines)


def write_metrics(
    run_dir: Path, results: Mapping[str, Mapping[str, float]], extra: Mapping[str, object]
) -> None:
    """``metrics.json`` (results plus ``extra``) and a long-format ``metrics.csv``.

    A metric no frame has (for example Accel when every sequence is shorter
    than 3 frames) is written as ``null`` (strict JSON has no NaN) and listed
    under ``"undefined"`` with the reason.
    """
    clean = {
        label: {k: (float(v) if math.isfinite(v) else None) for k, v in metrics.items()}
        for label, metrics in results.items()
    }
    undefined = [
        f"{label}: {k} (no frame has a value; acceleration needs sequences of 3 frames or more)"
        for label, metrics in clean.items()
        for k, v in metrics.items()
        if v is None
    ]
    body = {**extra, "results": clean}
    if undefined:
        body["undefined"] = undefined
    write_json_atomic(run_dir / "metrics.json", body)
    rows = [
        {"dataset": label, "metric": key, "value": f"{value:.6g}"}
        for label, metrics in results.items()
        for key, value in metrics.items()
    ]
    write_csv_atomic(run_dir / "metrics.csv", rows)
