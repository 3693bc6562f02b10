"""The command lines: training, evaluation, visualisation and smoothing your own keypoints.

Each module has ``main(argv) -> int``; they are installed as the console
commands ``smoothnet-train``, ``smoothnet-eval``, ``smoothnet-visualize`` and
``smoothnet-smooth``, and the repository's ``train_smoothnet.py``,
``eval_smoothnet.py``, ``visualize_smoothnet.py`` and
``scripts/smooth_poses.py`` call the same functions.
"""
