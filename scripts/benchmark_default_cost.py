"""What the default family costs on Human3.6M at 50 fps against its paced member alone.

Over every Human3.6M test pair (2D Hourglass and lifted 3D, ``data/poses``), the family
gives most tracks to its paced member (the previous default) and the rest to its free one;
only those tracks can change. This smooths them with both, with no flags, and reports the
change of the all-pairs MPJPE and Accel (px, or mm in 3D) and how many tracks each member
got::

    python scripts/benchmark_default_cost.py --output results/benchmarks/default_cost.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def cost(representation: str, estimator: str, base: Path) -> dict[str, float]:
    """The change of the all-pairs means when the family replaces its paced member."""
    from smoothnet.core.family import family_of
    from smoothnet.core.smoother import Smoother
    from smoothnet.dataset.base import SequenceSet
    from smoothnet.utils.metrics import accel_error, mpjpe

    family = family_of(f"h36m_{representation}_family")
    data = SequenceSet(base, "h36m", estimator, representation, "test")
    free = [s for s in data.sequences if family.choose(s.detected) == "free"]
    paced, default = Smoother(family.paced, device="cpu"), Smoother(family.name, device="cpu")
    frames = sum(len(s.detected) for s in data.sequences)
    accel_frames = sum(len(s.detected) - 2 for s in data.sequences)
    unit = 1000.0 if representation == "3D" else 1.0
    d_mpjpe = d_accel = 0.0
    for seq in free:
        before, after = paced.smooth(seq.detected), default.smooth(seq.detected)
        d_mpjpe += mpjpe(after, seq.groundtruth).sum() - mpjpe(before, seq.groundtruth).sum()
        d_accel += np.nansum(accel_error(after, seq.groundtruth)) - np.nansum(
            accel_error(before, seq.groundtruth)
        )
    return {
        "tracks": len(data.sequences),
        "free_tracks": len(free),
        "mpjpe_change": float(d_mpjpe / frames * unit),
        "accel_change": float(d_accel / accel_frames * unit),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base_dir", type=Path, default=ROOT / "data" / "poses")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "results/benchmarks/default_cost.json"
    )
    args = parser.parse_args(argv)
    from smoothnet.utils.io import write_json_atomic

    result = {
        rep: cost(rep, est, args.base_dir) for rep, est in (("2D", "hourglass"), ("3D", "fcn"))
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.output, result)
    for rep, r in result.items():
        change = f"MPJPE {r['mpjpe_change']:+.4f}, Accel {r['accel_change']:+.5f}"
        print(f"{rep}: {r['free_tracks']} of {r['tracks']} test tracks to the free member; "
              f"all-pairs {change}")  # fmt: skip
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
