"""Learning curves of a training run: validation MPJPE and Accel against optimizer steps.

Reads a run's ``metrics.jsonl`` (one record per validation; the record of
step 0 is the warm-started model, when there is one) and draws, for every
validated dataset, SmoothNet's MPJPE and Accel against the step, with the
input's values as dashed lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..utils.io import atomic_path


def read_curve(metrics_jsonl: str | Path) -> list[dict[str, Any]]:
    """The records of ``metrics.jsonl`` that carry validation results, in order."""
    records = [json.loads(line) for line in Path(metrics_jsonl).read_text().splitlines() if line]
    return [r for r in records if r.get("validation")]


def plot_learning_curve(metrics_jsonl: str | Path, output: str | Path) -> Path:
    """Write ``output`` (PNG): MPJPE and Accel of each validated set against steps.

    Raises:
        ValueError: when the file holds no validation record.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_curve(metrics_jsonl)
    if not records:
        raise ValueError(f"{metrics_jsonl}: no validation record to plot")
    labels = list(records[0]["validation"])
    fig, axes = plt.subplots(len(labels), 2, figsize=(10, 3.2 * len(labels)), squeeze=False)
    for row, label in enumerate(labels):
        steps = [r.get("step", r.get("epoch", 0)) for r in records]
        for col, metric in enumerate(("mpjpe", "accel")):
            ax = axes[row][col]
            ours = [r["validation"][label][f"smoothnet_{metric}"] for r in records]
            ax.plot(steps, ours, "o-", label="SmoothNet")
            given = records[0]["validation"][label][f"input_{metric}"]
            ax.axhline(given, ls="--", c="grey", label=f"input ({given:.3g})")
            ax.set_title(f"{label}: {metric}")
            ax.set_xlabel("optimizer step")
            if metric == "accel":
                ax.set_ylim(0, 2 * max(ours))
            ax.legend()
    fig.tight_layout()
    output = Path(output)
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return output
