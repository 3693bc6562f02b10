"""Train SmoothNet on one or more datasets of the original npz layout.

Examples::

    python train_smoothnet.py --cfg configs/h36m_fcn_3D.yaml --dataset_name h36m \\
        --estimator fcn --body_representation 3D --slide_window_size 32
    python train_smoothnet.py --resume results/<run>/checkpoint_last.pth.tar \\
        --cfg results/<run>/config.yaml
    torchrun --nproc_per_node 2 train_smoothnet.py --cfg ...   # data-parallel

Trailing ``KEY VALUE`` pairs override config keys (``TRAIN.EPOCH 5 DEVICE cpu``).
"""

from smoothnet.commands.train import main

if __name__ == "__main__":
    raise SystemExit(main())
