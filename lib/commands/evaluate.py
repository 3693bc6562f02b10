"""Evaluate a SmoothNet checkpoint (ours or an original release) and classical filters.

Example::

    python eval_smoothnet.py --cfg configs/h36m_fcn_3D.yaml --checkpoint \\
        data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar --dataset_name h36m \\
        --estimator fcn --body_representation 3D --slide_window_size 32 --tradition all

Every method smooths through the user's path (``Smoother.smooth``): the research
convention of the dataset for ``smoothnet`` and the filters, and, as ``user_*``, the
checkpoint exactly as a practitioner runs it (no flags; ``EVALUATE.AS_USER``).
Prints the original's metric keys as a table and writes ``metrics.json`` and
``metrics.csv`` to a new run directory under ``OUTPUT_DIR``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from .common import prepare_run_dir, require_checkpoint, run_command, smpl_body_model
from .config import config_dump, load_config
from .settings import check_settings, data_settings, eval_settings

logger = logging.getLogger("smoothnet")


@dataclass
class EvaluationRun:
    """What an evaluation command produced.

    Attributes:
        run_dir: the run folder (``metrics.json``, ``metrics.csv``, config, log).
        results: metric name -> value, per test set label.
    """

    run_dir: Path
    results: dict[str, dict[str, float]]


def linear_baseline(path: str, checkpoint: str, explicit: bool, device):
    """``{"linear": window model}`` when the linear baseline can be found.

    The file is ``path`` (``EVALUATE.TRADITION_LINEAR.CHECKPOINT``) or, when empty,
    ``linear.pth.tar`` beside ``checkpoint``. Asked for by name (``explicit``) and
    missing: exit with one line; only implied by ``all``: a warning, and no row.
    """
    from ..core.linear_fit import LINEAR_CHECKPOINT, load_linear
    from ..core.methods import WindowModel
    from ..models.checkpoint import CheckpointError, load_checkpoint

    path = path or str(Path(checkpoint).parent / LINEAR_CHECKPOINT)
    if not Path(path).is_file() and not explicit:
        logger.warning(
            "no linear baseline: %s not found (fit one with scripts/fit_linear.py)", path
        )
        return {}
    try:
        load_linear(path)  # a linear checkpoint, or one line saying what it is instead
        loaded = load_checkpoint(path)
    except CheckpointError as err:
        raise SystemExit(
            f"error: --tradition linear: {err} (set EVALUATE.TRADITION_LINEAR."
            "CHECKPOINT or fit one with scripts/fit_linear.py)"
        ) from None
    return {"linear": WindowModel(loaded.model.to(device).eval(), loaded.spec, loaded.info, device)}


def check_fit(loaded, cfg, sets) -> None:
    """Refuse, in one line, a ``--slide_window_size`` other than the checkpoint's window,
    and test data of another representation or joint count than its training's."""
    window = loaded.spec.window_size
    if cfg.MODEL.SLIDE_WINDOW_SIZE not in (window, 100):  # 100: the flag was not given
        raise SystemExit(
            f"error: --slide_window_size {cfg.MODEL.SLIDE_WINDOW_SIZE}: the "
            f"checkpoint's window is {window}"
        )
    info = loaded.info
    for test in sets:
        if info.body_representation and info.body_representation != test.representation:
            raise SystemExit(
                f"error: the checkpoint was trained on {info.body_representation} "
                f"data, not {test.representation} ({test.label})"
            )
        if info.num_joints and info.num_joints != test.num_joints:
            raise SystemExit(
                f"error: the checkpoint was trained on {info.num_joints} joints, "
                f"{test.label} has {test.num_joints}"
            )


def _load_sets(cfg):
    from ..dataset.base import DataError, SequenceSet, exclude_sequences, read_exclusions

    data = data_settings(cfg)
    try:
        sets = [SequenceSet(data.base_dir, *t, "test", data.use_6d_smpl) for t in data.triples]
        if data.exclude_file:
            excluded = read_exclusions(data.exclude_file)
            for test in sets:
                dropped = exclude_sequences(test, excluded)
                logger.info(
                    "%s: left out %d sequences listed in %s", test.label, dropped, data.exclude_file
                )
    except DataError as err:
        raise SystemExit(f"error: {err}") from None
    return data, sets


def evaluate(argv: list[str] | None = None) -> EvaluationRun:
    """Evaluate as the command line ``argv`` says; the run folder and the metrics.

    Raises:
        SystemExit: one line, for settings or data that cannot work.
        SetupError: for an unusable checkpoint, device or body model.
    """
    cfg, _ = load_config("eval", argv)  # --help ends here, before torch loads
    from ..core.methods import WindowModel
    from ..utils.io import write_text_atomic
    from ..utils.runtime import resolve_device, setup_logging

    try:
        check_settings(cfg)
        settings = eval_settings(cfg)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    loaded = require_checkpoint(cfg.EVALUATE.PRETRAINED)
    device = resolve_device(cfg.DEVICE)
    setup_logging(None)
    logger.info("checkpoint %s: %s", cfg.EVALUATE.PRETRAINED, loaded.summary())
    data, sets = _load_sets(cfg)
    check_fit(loaded, cfg, sets)
    model = WindowModel(loaded.model.to(device).eval(), loaded.spec, loaded.info, device)
    explicit = "all" not in str(cfg.EVALUATE.TRADITION).lower()
    baselines = (
        linear_baseline(settings.linear_checkpoint, cfg.EVALUATE.PRETRAINED, explicit, device)
        if "linear" in settings.filters
        else {}
    )
    body_model = smpl_body_model(data.smpl_model_dir, sets, device)
    run_dir = prepare_run_dir(cfg.OUTPUT_DIR, cfg.EXP_NAME)  # everything is checked by now
    setup_logging(run_dir / "eval_log.txt")
    write_text_atomic(run_dir / "config.yaml", config_dump(cfg, run_dir))
    results, complexity = _evaluate_sets(model, sets, settings, body_model, baselines, device)
    _write(run_dir, cfg, loaded, results, complexity, device)
    return EvaluationRun(run_dir, results)


def _evaluate_sets(model, sets, settings, body_model, baselines, device):
    from ..core.evaluate import REPORT_UNITS, evaluate_set
    from ..core.smoother import Smoother
    from ..models.complexity import count_parameters, macs_per_frame
    from ..utils.report import metrics_table

    user = Smoother(_user_method(model, device)) if settings.as_user else None
    params = count_parameters(model.model)
    logger.info("parameters: %d (%.3f M)", params, params / 1e6)
    results, complexity = {}, {}
    for test in sets:
        macs = macs_per_frame(model.model, test.channels, settings.stride)
        complexity[test.label] = {"channels": test.channels, "macs_per_frame": macs}
        logger.info(
            "%s: %d sequences, %d frames, %d channels, %.2f M MACs per frame (stride %d)",
            test.label,
            len(test),
            sum(s.num_frames for s in test.sequences),
            test.channels,
            macs / 1e6,
            settings.stride,
        )
        metrics = evaluate_set(model, test, settings, body_model, baselines, user)
        results[test.label] = metrics
        logger.info(
            "%s (errors in %s, accel per frame^2)\n%s\n%s",
            test.label,
            REPORT_UNITS[test.representation],
            metrics_table(metrics),
            "\n".join(f"{k}: {v:.4f}" for k, v in metrics.items()),
        )
    return results, complexity


def _user_method(model, device):
    """A second copy of the checkpoint's window model with the user's defaults."""
    from ..core.methods import WindowModel

    return WindowModel(model.model, model.spec, model.info, device)


def _write(run_dir, cfg, loaded, results, complexity, device) -> None:
    from ..models.complexity import count_parameters
    from ..utils.report import write_metrics

    write_metrics(
        run_dir,
        results,
        {
            "checkpoint": cfg.EVALUATE.PRETRAINED,
            "model": loaded.summary(),
            "parameters": count_parameters(loaded.model),
            "complexity": complexity,
            "device": str(device),
        },
    )
    logger.info("wrote %s and %s", run_dir / "metrics.json", run_dir / "metrics.csv")


def _run(argv: list[str] | None) -> int:
    evaluate(argv)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    return run_command(_run, argv)


if __name__ == "__main__":
    sys.exit(main())
