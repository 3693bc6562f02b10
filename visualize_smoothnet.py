"""Render one test sequence: Estimator | Estimator + SmoothNet | Ground truth, as MP4 and PNG.

Example::

    python visualize_smoothnet.py --cfg configs/h36m_fcn_3D.yaml --checkpoint \\
        data/checkpoints/h36m_fcn_3D/checkpoint_32.pth.tar --dataset_name h36m \\
        --estimator fcn --body_representation 3D --slide_window_size 32 \\
        --visualize_video_id 2 --output_video_path results/videos --start 0 --end 500

Writes ``<dataset>_<estimator>_<rep>_<id>_frame_<start>-<end>.mp4`` (at the
dataset's frame rate) and ``..._summary.png`` (per-joint errors and the
worst joint's trajectory over the same frames) to ``--output_video_path``.
The whole sequence is smoothed; only ``[start, end)`` is drawn. 3D poses are drawn
root-relative in millimetres, 2D poses in image pixels (not mirrored).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import torch

from lib.core.config import dataset_triples, load_config
from lib.core.evaluate import root_indices
from lib.core.inference import smooth_sequence
from lib.core.run import require_checkpoint, resolve_device, setup_logging
from lib.dataset.base import DataError, SequenceSet
from lib.utils.metrics import root_relative
from lib.visualize.render import PoseClip, render_video
from lib.visualize.summary import write_summary

logger = logging.getLogger("smoothnet")


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    cfg, _ = load_config("visualize", argv)
    loaded = require_checkpoint(cfg)
    try:
        triples = dataset_triples(cfg)
        if len(triples) != 1:
            raise ValueError("visualisation takes one dataset, not a comma list")
        data = SequenceSet(cfg.DATASET.BASE_DIR, *triples[0], "test", cfg.TRAIN.USE_6D_SMPL)
    except (ValueError, DataError) as err:
        raise SystemExit(f"error: {err}") from None
    if data.representation == "smpl":
        raise SystemExit(
            "error: SMPL visualisation needs the SMPL body model, which this version does "
            "not implement yet; 2D and 3D are supported"
        )
    index = cfg.VIS.INPUT_VIDEO_NUMBER
    if not 0 <= index < len(data):
        raise SystemExit(
            f"error: --visualize_video_id {index} is out of range: {data.label} test has "
            f"{len(data)} sequences (0..{len(data) - 1})"
        )
    device = resolve_device(cfg.DEVICE)
    model = loaded.model.to(device).eval()
    seq = data.sequences[index]
    with torch.no_grad():
        smoothed = (
            smooth_sequence(
                model, torch.from_numpy(seq.detected).to(device), loaded.spec.window_size
            )
            .cpu()
            .numpy()
        )
    arrays = [seq.to_metric(a) for a in (seq.detected, smoothed, seq.groundtruth)]
    units = "px"
    if data.representation == "3D":
        root = root_indices(cfg, data)
        arrays = [1000.0 * root_relative(a, root) for a in arrays]
        units = "mm"
    start = max(0, cfg.VIS.START)
    end = min(seq.num_frames, cfg.VIS.END)
    if end <= start:
        raise SystemExit(
            f"error: empty frame range --start {cfg.VIS.START} --end {cfg.VIS.END} "
            f"for a sequence of {seq.num_frames} frames"
        )
    clip = PoseClip(
        name=f"{data.label} test {seq.name}",
        layout=data.layout,
        estimator=arrays[0][start:end],
        smoothed=arrays[1][start:end],
        groundtruth=arrays[2][start:end],
        fps=data.spec.fps or 30.0,
        units=units,
        first_frame=start,
    )
    out_dir = Path(cfg.VIS.OUTPUT_VIDEO_PATH)
    stem = f"{data.label}_{index}_frame_{start}-{end}"
    video = out_dir / f"{stem}.mp4"
    frames = render_video(clip, video)
    summary = write_summary(clip, out_dir / f"{stem}_summary.png")
    logger.info("wrote %s (%d frames at %g fps) and %s", video, frames, clip.fps, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
