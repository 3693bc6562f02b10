"""What the default's family and Gaussian blends cost on Human3.6M at 50 fps.

Over every Human3.6M test pair (2D Hourglass and lifted 3D, ``data/poses``), this smooths
each track with no flags (the shipped family: one member per track, the SURE guard and the
Gaussian blends of :func:`smoothnet.core.strength.guarded_choice`) and with the family's
paced member alone under the same guard without blends (``fallback_gaussians=()``), and
reports the all-pairs MPJPE and Accel (px, or mm in 3D) of both, the input's, and how many
tracks went to each member. (The guard itself is today's in both: the previous release's
guard measured the noise from third differences only.)::

    python scripts/benchmark_default_cost.py --output results/benchmarks/default_cost.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def cost(representation: str, estimator: str, base: Path, step: int = 1) -> dict[str, object]:
    """All-pairs MPJPE and Accel of the input, the paced member without blends and the
    default."""
    from tqdm import tqdm

    from smoothnet.core.family import family_of
    from smoothnet.core.smoother import Smoother
    from smoothnet.dataset.base import SequenceSet
    from smoothnet.utils.metrics import accel_error, mpjpe

    family = family_of(f"h36m_{representation}_family")
    data = SequenceSet(base, "h36m", estimator, representation, "test")
    sequences = data.sequences[::step]
    smoothers = {
        "paced_unblended": Smoother(family.paced, device="cpu", fallback_gaussians=()),
        "default": Smoother(family.name, device="cpu"),
    }
    unit = 1000.0 if representation == "3D" else 1.0
    sums = {k: np.zeros(2) for k in ("input", *smoothers)}
    members = {"paced": 0, "free": 0}
    for seq in tqdm(sequences, desc=f"Human3.6M {representation}", disable=None):
        outputs = {"input": seq.detected}
        for name, smoother in smoothers.items():
            outputs[name] = smoother.smooth(seq.detected)
        members[smoothers["default"].last_report[0].member] += 1
        for name, out in outputs.items():
            sums[name] += (mpjpe(out, seq.groundtruth).sum(),
                           np.nansum(accel_error(out, seq.groundtruth)))  # fmt: skip
    frames = sum(len(s.detected) for s in sequences)
    accel_frames = sum(len(s.detected) - 2 for s in sequences)
    scores = {
        k: {"mpjpe": float(v[0] / frames * unit), "accel": float(v[1] / accel_frames * unit)}
        for k, v in sums.items()
    }
    return {
        "tracks": len(sequences),
        "members": members,
        **scores,
        "mpjpe_ratio": scores["default"]["mpjpe"] / scores["paced_unblended"]["mpjpe"],
        "accel_ratio": scores["default"]["accel"] / scores["paced_unblended"]["accel"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base_dir", type=Path, default=ROOT / "data" / "poses")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "results/benchmarks/default_cost.json"
    )
    parser.add_argument("--dims", default="2D,3D", help="2D, 3D or both (comma list)")
    parser.add_argument("--sequence_step", type=int, default=1, help="every n-th test pair")
    args = parser.parse_args(argv)
    if args.sequence_step < 1:
        parser.error(f"--sequence_step must be >= 1, got {args.sequence_step}")
    estimators = {"2D": "hourglass", "3D": "fcn"}
    reps = [d for d in args.dims.split(",") if d]
    if not reps or any(d not in estimators for d in reps):
        parser.error(f"--dims must list 2D and/or 3D, got {args.dims!r}")
    from smoothnet.utils.io import write_json_atomic

    result = {rep: cost(rep, estimators[rep], args.base_dir, args.sequence_step) for rep in reps}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.output, result)
    for rep, r in result.items():
        line = ", ".join(f"{k} {r[k]['mpjpe']:.4f} / {r[k]['accel']:.4f}"
                         for k in ("input", "paced_unblended", "default"))  # fmt: skip
        print(f"{rep} ({r['tracks']} tracks, members {r['members']}): MPJPE / Accel {line}; "
              f"default / paced unblended: MPJPE {r['mpjpe_ratio']:.4f}x, "
              f"Accel {r['accel_ratio']:.4f}x")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
