"""Feed the ground truth itself through a checkpoint and the filters: how much do they distort it?

A smoother should leave clean motion nearly untouched. The MPJPE of its
output against its own (clean) input is the error it adds by itself; for a
SmoothNet far from convergence this reconstruction error is what keeps its
MPJPE above a good linear filter's. Writes ``<output>`` as JSON::

    python scripts/clean_input_check.py --dataset_name h36m --estimator fcn \\
        --body_representation 3D --sequence_step 20 \\
        --checkpoint data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.core.config import get_cfg_defaults
from lib.core.evaluate import filter_kwargs
from lib.core.inference import smooth_sequence
from lib.dataset.base import DataError, SequenceSet
from lib.models.checkpoint import CheckpointError, load_checkpoint
from lib.models.filters import FILTERS, apply_filter
from lib.utils.io import write_json_atomic
from lib.utils.metrics import accel_error, mpjpe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--dataset_name", required=True)
    parser.add_argument("--estimator", required=True)
    parser.add_argument("--body_representation", required=True, choices=("2D", "3D"))
    parser.add_argument("--poses", default="data/poses", help="DATASET.BASE_DIR")
    parser.add_argument("--sequence_step", type=int, default=1, help="every n-th test sequence")
    parser.add_argument("--output", default="results/clean_input_check.json")
    args = parser.parse_args(argv)
    try:
        loaded = load_checkpoint(args.checkpoint)
        data = SequenceSet(args.poses, args.dataset_name, args.estimator,
                           args.body_representation, "test")  # fmt: skip
    except (CheckpointError, DataError, OSError) as err:
        raise SystemExit(f"error: {err}") from None
    cfg = get_cfg_defaults()
    scale = 1000.0 if args.body_representation == "3D" else 1.0  # mm or px
    errors: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for seq in data.sequences[:: args.sequence_step]:
        clean = seq.groundtruth
        with torch.no_grad():
            outputs = {"smoothnet": smooth_sequence(loaded.model, torch.from_numpy(clean),
                                                    loaded.spec.window_size).numpy()}  # fmt: skip
        for name in FILTERS:
            outputs[name] = apply_filter(name, clean, **filter_kwargs(name, cfg))
        reference = seq.to_metric(clean) * scale
        for name, out in outputs.items():
            out = seq.to_metric(out) * scale
            pos, acc = errors.setdefault(name, ([], []))
            pos.append(mpjpe(out, reference))
            acc.append(accel_error(out, reference))
    report = {
        name: {"mpjpe": float(np.concatenate(p).mean()),
               "accel": float(np.nanmean(np.concatenate(a)))}
        for name, (p, a) in errors.items()
    }  # fmt: skip
    write_json_atomic(args.output, {"checkpoint": args.checkpoint, "results": report})
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
