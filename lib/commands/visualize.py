"""Render one test sequence: Estimator | Estimator + SmoothNet | Ground truth, as MP4 and PNG.

Example::

    python visualize_smoothnet.py --cfg configs/h36m_fcn_3D.yaml --checkpoint \\
        data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar --dataset_name h36m \\
        --estimator fcn --body_representation 3D --slide_window_size 32 \\
        --visualize_video_id 2 --output_video_path results/videos --start 0 --end 500

Writes ``<dataset>_<estimator>_<rep>_<id>_frame_<start>-<end>.mp4`` (at the
dataset's frame rate) and ``..._summary.png`` (per-joint errors and the
worst joint's trajectory over the same frames) to ``--output_video_path``.
SMPL poses are drawn through the SMPL model (``SMPL_MODEL_DIR``): the 14
evaluation joints as a skeleton over a cloud of the body's vertices.
The whole sequence is smoothed (the research convention, as the evaluation);
only ``[start, end)`` is drawn. 3D poses are drawn root-relative in
millimetres, 2D poses in image pixels (not mirrored).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from .common import require_checkpoint, run_command, smpl_body_model
from .config import load_config
from .settings import check_settings, data_settings, vis_settings

logger = logging.getLogger("smoothnet")


def _sequence(cfg):
    """The test set and the index of the sequence to draw; one-line errors."""
    from ..dataset.base import DataError, SequenceSet

    try:
        check_settings(cfg)
        data = data_settings(cfg)
        if len(data.triples) != 1:
            raise ValueError("visualisation takes one dataset, not a comma list")
        test = SequenceSet(data.base_dir, *data.triples[0], "test", data.use_6d_smpl)
    except (ValueError, DataError) as err:
        raise SystemExit(f"error: {err}") from None
    vis = vis_settings(cfg)
    if not 0 <= vis.sequence < len(test):
        raise SystemExit(
            f"error: --visualize_video_id {vis.sequence} is out of range: {test.label} test "
            f"has {len(test)} sequences (0..{len(test) - 1})"
        )
    return data, test, vis


def _clip(test, seq, smoothed, body_model, start: int, end: int):
    from ..core.evaluate import REPORT_UNITS, report_units
    from ..dataset.specs import LAYOUTS
    from ..models.smpl import J14_ROOT
    from ..visualize.render import PoseClip

    sources = (seq.detected, smoothed, seq.groundtruth)
    layout, vertices = test.layout, None
    if test.representation == "smpl":
        betas = (seq.detected_betas, seq.detected_betas, seq.groundtruth_betas)
        posed = [body_model(a.reshape(len(a), 72), b) for a, b in zip(sources, betas)]
        roots = [j[:, list(J14_ROOT)].mean(axis=1, keepdims=True) for j, _ in posed]
        arrays = [1000.0 * (j - r) for (j, _), r in zip(posed, roots)]
        vertices = tuple(1000.0 * (v - r)[start:end] for (_, v), r in zip(posed, roots))
        layout = LAYOUTS["lsp14"]
    else:
        arrays = [report_units(a, test, root_relative_3d=True) for a in sources]
    return PoseClip(
        name=f"{test.label} test {seq.name}",
        layout=layout,
        estimator=arrays[0][start:end],
        smoothed=arrays[1][start:end],
        groundtruth=arrays[2][start:end],
        fps=test.spec.fps or 30.0,
        units=REPORT_UNITS[test.representation],
        first_frame=start,
        vertices=vertices,
    )


def _main(argv: list[str] | None = None) -> int:
    cfg, _ = load_config("visualize", argv)  # --help ends here, before torch loads
    from ..core.methods import WindowModel
    from ..core.smoother import Smoother
    from ..utils.runtime import resolve_device, setup_logging
    from ..visualize.render import render_video
    from ..visualize.summary import write_summary

    setup_logging()
    loaded = require_checkpoint(cfg.EVALUATE.PRETRAINED)
    data, test, vis = _sequence(cfg)
    device = resolve_device(cfg.DEVICE)
    body_model = smpl_body_model(data.smpl_model_dir, [test], device)
    seq = test.sequences[vis.sequence]
    start, end = max(0, vis.start), min(seq.num_frames, vis.end)
    if end <= start:
        raise SystemExit(
            f"error: empty frame range --start {vis.start} --end {vis.end} for a "
            f"sequence of {seq.num_frames} frames"
        )
    method = WindowModel(loaded.model.to(device).eval(), loaded.spec, loaded.info, device)
    smoother = Smoother(method, strength=1.0, space=test.research_space(seq, method.window_size))
    clip = _clip(test, seq, smoother.smooth(seq.detected), body_model, start, end)
    out_dir = Path(vis.output_dir)
    stem = f"{test.label}_{vis.sequence}_frame_{start}-{end}"
    video = out_dir / f"{stem}.mp4"
    try:
        frames = render_video(clip, video)
        summary = write_summary(clip, out_dir / f"{stem}_summary.png")
    except OSError as err:
        raise SystemExit(f"error: cannot write to {out_dir}: {err.strerror or err}") from None
    logger.info("wrote %s (%d frames at %g fps) and %s", video, frames, clip.fps, summary)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    return run_command(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
