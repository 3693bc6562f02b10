"""Smooth the keypoints of any estimator, written back in the format they came in.

Examples::

    python scripts/smooth_poses.py poses.npy smoothed.npy --method CHECKPOINT
    python scripts/smooth_poses.py results.json smoothed.json --method CHECKPOINT \\
        --image_size 1920 1080 --fps 30 --plot jitter.png
    python scripts/smooth_poses.py poses.npz out.npz --method savgol --key keypoints

Formats: ``.npy`` / ``.npz`` arrays ``(T, K, C)`` or ``(T, P, K, C)``, the
original SmoothNet npz layout, COCO-style results and MMPose-style
predictions with track ids (see ``lib/utils/formats.py``). ``--method`` is a
SmoothNet checkpoint (ours or the original's) or a filter name. Prints the
jitter (mean acceleration magnitude, units per frame²) before and after and
the mean displacement; ``--plot`` draws the jitter per frame.
"""

from smoothnet.commands.smooth import main

if __name__ == "__main__":
    raise SystemExit(main())
