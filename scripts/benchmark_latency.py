"""Online smoothing: error against look-ahead (latency), next to offline smoothing.

``Smoother.online(latency=L)`` returns frame ``t - L`` once frame t has
arrived: L = 0 is causal, L = W - 1 sees everything offline smoothing sees.
For each checkpoint, this runs the online smoother frame by frame over real
test sequences at latencies 0, 4, 8, 16 and W - 1 and reports MPJPE and Accel
against the ground truth, with the input's and offline smoothing's (a checkpoint
trained for low latency, ``LOSS.LAST_FRAMES`` N, only at latencies below N).

Data: the Human3.6M test split when ``data/poses`` holds it (every
``--sequence_step``-th sequence; 2D Stacked Hourglass for 2D checkpoints and
FCN for 3D ones, in their checkpoint's model space), else the embedded CMU
demo data (3D).

Usage::

    python scripts/benchmark_latency.py [--checkpoints h36m_fcn_3D_w32,...] \\
        [--output results/benchmarks/latency]

Writes ``latency.json`` and ``latency.md`` under ``--output``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LATENCIES = (0, 4, 8, 16)


def test_sequences(coords: int, poses: Path, step: int):
    """``[(name, detected (T, K, C), ground truth (T, K, C))]`` in metric units (px or m)."""
    from smoothnet.dataset.base import SequenceSet

    if coords == 2:
        source = (poses, "h36m", "hourglass", "2D")
    elif (poses / "h36m_fcn_3D").is_dir():
        source = (poses, "h36m", "fcn", "3D")
    else:
        source = (ROOT / "data" / "demo", "cmu", "fcnnoise", "3D")
    data = SequenceSet(*source, "test")
    out = []
    for seq in data.sequences[::step]:
        det, gt = seq.detected, seq.groundtruth
        out.append((seq.name, det, gt))
    label = f"{source[1]}_{source[2]}_{source[3]} test, every {step}th sequence"
    return out, label


def run_checkpoint(name: str, poses: Path, step: int) -> dict[str, object]:
    import numpy as np
    from tqdm import tqdm

    from smoothnet.core.smoother import Smoother
    from smoothnet.utils.metrics import accel_error, mpjpe

    smoother = Smoother(name, device="cpu")
    coords = smoother.info.coords_per_joint or 3
    sequences, label = test_sequences(coords, poses, step)
    # Human3.6M's 1000 x 1000 frames: the 2D checkpoints' own normalisation.
    frame = (1000.0, 1000.0) if coords == 2 else None
    unit = 1000.0 if coords == 3 else 1.0
    # A low-latency checkpoint (LOSS.LAST_FRAMES) runs online below its latency only.
    limit = smoother.info.last_frames or smoother.window_size
    latencies = [lat for lat in (*LATENCIES, smoother.window_size - 1) if lat < limit]
    scores: dict[str, list[tuple[float, float, int]]] = {}

    def add(key: str, pred: np.ndarray, gt: np.ndarray) -> None:
        scores.setdefault(key, []).append(
            (float(np.nanmean(mpjpe(pred, gt))) * unit,
             float(np.nanmean(accel_error(pred, gt))) * unit, len(gt))
        )  # fmt: skip

    for _, det, gt in tqdm(sequences, desc=name):
        add("input", det, gt)
        if not smoother.online_only:
            add("offline", smoother.smooth(det, image_size=frame), gt)
        for latency in latencies:
            online = smoother.online(latency=latency)
            out = np.full(det.shape, np.nan)
            for t, pose in enumerate(det):
                poses_out, _ = online.update(pose[None], [0], image_size=frame)
                if len(poses_out):
                    out[t - latency] = poses_out[0]
            # the last `latency` frames never come out of a stream that does not end
            add(f"online L={latency}", out[: len(det) - latency], gt[: len(det) - latency])
    table = {}
    for key, values in scores.items():
        v = np.array(values)
        table[key] = {
            "mpjpe": float(np.average(v[:, 0], weights=v[:, 2])),
            "accel": float(np.average(v[:, 1], weights=v[:, 2])),
        }
    return {"checkpoint": name, "data": label, "unit": "mm" if coords == 3 else "px",
            "window": smoother.window_size, "scores": table}  # fmt: skip


def markdown(results: list[dict[str, object]]) -> str:
    lines = []
    for r in results:
        lines += [
            "",
            f"**{r['checkpoint']}** (W = {r['window']}) on {r['data']} "
            f"(MPJPE / Accel, {r['unit']})",
            "",
            "| | MPJPE | Accel |",
            "|---|---|---|",
        ]
        for key, s in r["scores"].items():  # type: ignore[union-attr]
            lines.append(f"| {key} | {s['mpjpe']:.2f} | {s['accel']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoints", default="h36m_hourglass_2D_w32,h36m_fcn_3D_w32",
                        help="comma list of shipped checkpoint names or paths")  # fmt: skip
    parser.add_argument("--poses", type=Path, default=ROOT / "data" / "poses")
    parser.add_argument("--sequence_step", type=int, default=10)
    parser.add_argument("--output", type=Path, default=ROOT / "results/benchmarks/latency")
    args = parser.parse_args(argv)
    if args.sequence_step < 1:
        parser.error(f"--sequence_step must be >= 1, got {args.sequence_step}")
    from smoothnet.core.smoother import method_error
    from smoothnet.models.filters import FILTERS
    from smoothnet.utils.io import folder_problem, write_json_atomic, write_text_atomic

    names = [c for c in args.checkpoints.split(",") if c]
    for name in names:
        problem = method_error(name) or ("a filter has no online mode" if name in FILTERS else None)
        if problem:
            parser.error(f"--checkpoints {name}: {problem}")
    problem = folder_problem(args.output)
    if problem:
        parser.error(f"--output {args.output}: {problem}")
    results = [run_checkpoint(name, args.poses, args.sequence_step) for name in names]
    args.output.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.output / "latency.json", {"results": results})
    table = markdown(results)
    write_text_atomic(args.output / "latency.md", table)
    print(table)
    print(f"wrote {args.output}/latency.{{json,md}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
