"""Evaluate a SmoothNet checkpoint (ours or an original release) and classical filters.

Example::

    python eval_smoothnet.py --cfg configs/h36m_fcn_3D.yaml --checkpoint \\
        data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar --dataset_name h36m \\
        --estimator fcn --body_representation 3D --slide_window_size 32 --tradition all

Prints the original's metric keys as a table and writes ``metrics.json`` and
``metrics.csv`` to a new run directory under ``OUTPUT_DIR``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from ..core.config import check_settings, dataset_triples, load_config
from ..core.evaluate import REPORT_UNITS, evaluate_set, resolve_filters
from ..core.linear_fit import LINEAR_CHECKPOINT, load_linear
from ..core.run import (
    prepare_run_dir,
    require_checkpoint,
    resolve_device,
    save_config,
    setup_logging,
    smpl_body_model,
)
from ..dataset.base import DataError, SequenceSet, exclude_sequences, read_exclusions
from ..models.checkpoint import CheckpointError
from ..models.complexity import count_parameters, macs_per_frame
from ..utils.errors import SetupError
from ..utils.report import metrics_table, write_metrics

logger = logging.getLogger("smoothnet")


def linear_baseline(cfg, methods: list[str], device: torch.device) -> dict[str, torch.nn.Module]:
    """``{"linear": model}`` when the ``linear`` method is asked for and can be found.

    The checkpoint is ``EVALUATE.TRADITION_LINEAR.CHECKPOINT`` or, when empty,
    ``linear.pth.tar`` beside ``--checkpoint``. Asked for by name and missing:
    exit with one line; only implied by ``all``: a warning, and no linear row.
    """
    if "linear" not in methods:
        return {}
    path = cfg.EVALUATE.TRADITION_LINEAR.CHECKPOINT or str(
        Path(cfg.EVALUATE.PRETRAINED).parent / LINEAR_CHECKPOINT
    )
    explicit = "all" not in str(cfg.EVALUATE.TRADITION).lower()
    if not Path(path).is_file() and not explicit:
        logger.warning(
            "no linear baseline: %s not found (fit one with scripts/fit_linear.py)", path
        )
        return {}
    try:
        linear = load_linear(path)
    except CheckpointError as err:
        raise SystemExit(
            f"error: --tradition linear: {err} (set EVALUATE.TRADITION_LINEAR.CHECKPOINT "
            "or fit one with scripts/fit_linear.py)"
        ) from None
    return {"linear": linear.to(device).eval()}


@dataclass
class EvaluationRun:
    """What an evaluation command produced.

    Attributes:
        run_dir: the run folder (``metrics.json``, ``metrics.csv``, config, log).
        results: metric name -> value, per test set label.
    """

    run_dir: Path
    results: dict[str, dict[str, float]]


def evaluate(argv: list[str] | None = None) -> EvaluationRun:
    """Evaluate as the command line ``argv`` says; the run folder and the metrics.

    Raises:
        SystemExit: one line, for settings or data that cannot work.
        SetupError: for an unusable checkpoint, device or body model.
    """
    cfg, _ = load_config("eval", argv)
    try:
        check_settings(cfg)
        triples = dataset_triples(cfg)
        filters = resolve_filters(cfg.EVALUATE.TRADITION)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    loaded = require_checkpoint(cfg)
    device = resolve_device(cfg.DEVICE)
    setup_logging(None)
    spec = loaded.spec
    logger.info("checkpoint %s: %s", cfg.EVALUATE.PRETRAINED, loaded.summary())
    if spec.window_size != cfg.MODEL.SLIDE_WINDOW_SIZE:
        logger.warning(
            "the checkpoint's window is %d, not MODEL.SLIDE_WINDOW_SIZE %d: using %d",
            spec.window_size,
            cfg.MODEL.SLIDE_WINDOW_SIZE,
            spec.window_size,
        )
    model = loaded.model.to(device).eval()
    window_models = linear_baseline(cfg, filters, device)
    try:
        sets = [
            SequenceSet(cfg.DATASET.BASE_DIR, *t, "test", cfg.TRAIN.USE_6D_SMPL) for t in triples
        ]
        if cfg.EVALUATE.EXCLUDE_FILE:
            excluded = read_exclusions(cfg.EVALUATE.EXCLUDE_FILE)
            for test in sets:
                dropped = exclude_sequences(test, excluded)
                logger.info(
                    "%s: left out %d sequences listed in %s",
                    test.label,
                    dropped,
                    cfg.EVALUATE.EXCLUDE_FILE,
                )
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    body_model = smpl_body_model(cfg, sets, device)
    # Everything is checked: only now the run folder appears.
    run_dir = prepare_run_dir(cfg)
    setup_logging(run_dir / "eval_log.txt")
    cfg.defrost()
    cfg.LOGDIR = str(run_dir)
    cfg.freeze()
    save_config(cfg, run_dir)

    params = count_parameters(model)
    stride = cfg.EVALUATE.SLIDE_WINDOW_STEP_SIZE
    logger.info("parameters: %d (%.3f M)", params, params / 1e6)
    results, complexity = {}, {}
    for test in sets:
        macs = macs_per_frame(model, test.channels, stride)
        complexity[test.label] = {"channels": test.channels, "macs_per_frame": macs}
        logger.info(
            "%s: %d sequences, %d frames, %d channels, %.2f M MACs per frame (stride %d)",
            test.label,
            len(test),
            sum(s.num_frames for s in test.sequences),
            test.channels,
            macs / 1e6,
            stride,
        )
        metrics = evaluate_set(model, test, cfg, filters, body_model, window_models)
        results[test.label] = metrics
        units = REPORT_UNITS[test.representation]
        logger.info(
            "%s (errors in %s, accel per frame^2)\n%s\n%s",
            test.label,
            units,
            metrics_table(metrics),
            "\n".join(f"{k}: {v:.4f}" for k, v in metrics.items()),
        )
    write_metrics(
        run_dir,
        results,
        {
            "checkpoint": cfg.EVALUATE.PRETRAINED,
            "model": loaded.summary(),
            "parameters": params,
            "complexity": complexity,
            "device": str(device),
        },
    )
    logger.info("wrote %s and %s", run_dir / "metrics.json", run_dir / "metrics.csv")
    return EvaluationRun(run_dir, results)


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    try:
        evaluate(argv)
        return 0
    except SetupError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    sys.exit(main())
