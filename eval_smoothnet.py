"""Evaluate a SmoothNet checkpoint (ours or an original release) and classical filters.

Example::

    python eval_smoothnet.py --cfg configs/h36m_fcn_3D.yaml --checkpoint \\
        data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar --dataset_name h36m \\
        --estimator fcn --body_representation 3D --slide_window_size 32 --tradition all

Prints the original's metric keys as a table and writes ``metrics.json`` and
``metrics.csv`` to a new run directory under ``OUTPUT_DIR``.
"""

from smoothnet.commands.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
