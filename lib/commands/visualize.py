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
The whole sequence is smoothed; only ``[start, end)`` is drawn. 3D poses are drawn
root-relative in millimetres, 2D poses in image pixels (not mirrored).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import torch

from ..core.config import check_settings, dataset_triples, load_config
from ..core.evaluate import REPORT_UNITS, report_units, smpl_axis_angle
from ..core.inference import smooth_sequence
from ..core.run import require_checkpoint, resolve_device, setup_logging, smpl_body_model
from ..dataset.base import DataError, SequenceSet
from ..dataset.specs import LAYOUTS
from ..models.smpl import J14_ROOT
from ..utils.errors import SetupError
from ..visualize.render import PoseClip, render_video
from ..visualize.summary import write_summary

logger = logging.getLogger("smoothnet")


def _main(argv: list[str] | None = None) -> int:
    setup_logging()
    cfg, _ = load_config("visualize", argv)
    loaded = require_checkpoint(cfg)
    try:
        check_settings(cfg)
        triples = dataset_triples(cfg)
        if len(triples) != 1:
            raise ValueError("visualisation takes one dataset, not a comma list")
        data = SequenceSet(cfg.DATASET.BASE_DIR, *triples[0], "test", cfg.TRAIN.USE_6D_SMPL)
    except (ValueError, DataError) as err:
        raise SystemExit(f"error: {err}") from None
    index = cfg.VIS.INPUT_VIDEO_NUMBER
    if not 0 <= index < len(data):
        raise SystemExit(
            f"error: --visualize_video_id {index} is out of range: {data.label} test has "
            f"{len(data)} sequences (0..{len(data) - 1})"
        )
    device = resolve_device(cfg.DEVICE)
    body_model = smpl_body_model(cfg, [data], device)
    model = loaded.model.to(device).eval()
    seq = data.sequences[index]
    start = max(0, cfg.VIS.START)
    end = min(seq.num_frames, cfg.VIS.END)
    if end <= start:
        raise SystemExit(
            f"error: empty frame range --start {cfg.VIS.START} --end {cfg.VIS.END} "
            f"for a sequence of {seq.num_frames} frames"
        )
    with torch.no_grad():
        smoothed = smooth_sequence(model, torch.from_numpy(seq.detected).to(device)).cpu().numpy()
    sources = (seq.detected, smoothed, seq.groundtruth)
    units, layout, vertices = REPORT_UNITS[data.representation], data.layout, None
    if data.representation == "smpl":
        arrays = [seq.to_metric(a) for a in sources]
        betas = (seq.detected_betas, seq.detected_betas, seq.groundtruth_betas)
        posed = [body_model(smpl_axis_angle(a, data.coords), b) for a, b in zip(arrays, betas)]
        roots = [j[:, list(J14_ROOT)].mean(axis=1, keepdims=True) for j, _ in posed]
        arrays = [1000.0 * (j - r) for (j, _), r in zip(posed, roots)]
        vertices = tuple(1000.0 * (v - r)[start:end] for (_, v), r in zip(posed, roots))
        layout = LAYOUTS["lsp14"]
    else:
        arrays = [report_units(seq, a, data, cfg) for a in sources]
    clip = PoseClip(
        name=f"{data.label} test {seq.name}",
        layout=layout,
        estimator=arrays[0][start:end],
        smoothed=arrays[1][start:end],
        groundtruth=arrays[2][start:end],
        fps=data.spec.fps or 30.0,
        units=units,
        first_frame=start,
        vertices=vertices,
    )
    out_dir = Path(cfg.VIS.OUTPUT_VIDEO_PATH)
    stem = f"{data.label}_{index}_frame_{start}-{end}"
    video = out_dir / f"{stem}.mp4"
    frames = render_video(clip, video)
    summary = write_summary(clip, out_dir / f"{stem}_summary.png")
    logger.info("wrote %s (%d frames at %g fps) and %s", video, frames, clip.fps, summary)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    try:
        return _main(argv)
    except SetupError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    sys.exit(main())
