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

from smoothnet.commands.visualize import main

if __name__ == "__main__":
    raise SystemExit(main())
