"""The checkpoints shipped with the project, found in a checkout or an installed package.

In the repository they are ``data/checkpoints/<name>/``; installed, the same
files are the package data ``smoothnet/checkpoints/<name>/``.
"""

from __future__ import annotations

from pathlib import Path


def _shipped_dir() -> Path:
    package = Path(__file__).resolve().parents[1]
    installed = package / "checkpoints"
    return installed if installed.is_dir() else package.parent / "data" / "checkpoints"


#: Folder of the shipped checkpoints.
SHIPPED_DIR = _shipped_dir()
#: The Human3.6M 2D-to-3D lifter of scripts/prepare_h36m_fcn.py.
LIFTER_CHECKPOINT = SHIPPED_DIR / "h36m_lifter.pth"
#: The checkpoints trained on Human3.6M and shipped, by name: whether each has a
#: ``<name>_linear`` twin, the ``linear`` baseline: the least-squares linear window model
#: fitted on the windows it was trained on (for the specialists, the model it was started
#: from; for the ``_augmented`` ones, fitted on the recipe's augmented windows,
#: ``scripts/fit_linear.py --cfg``). The ``_augmented`` ones were trained with
#: playback-speed, scale and noise augmentation for input from any source
#: (configs/h36m_cpu_augmented.yaml; the 2D one translation-equivariant,
#: ``MODEL.CENTER_WINDOWS``); the others are the Human3.6M specialists of the results
#: tables (``_w8``, ``_w16``, ``_w64``: windows 8, 16, 64).
_SHIPPED_MODELS: dict[str, bool] = {
    "h36m_fcn_3D_w32": True,
    "h36m_fcn_3D_w32_augmented": True,
    "h36m_fcn_3D_w32_motion_aware": False,
    "h36m_fcn_3D_w8": True,
    "h36m_fcn_3D_w16": True,
    "h36m_fcn_3D_w32_adaptive": True,
    "h36m_fcn_3D_w64": True,
    "h36m_hourglass_2D_w32": True,
    "h36m_hourglass_2D_w32_augmented": True,
    "h36m_hourglass_2D_w32_adaptive": True,
    "h36m_hourglass_2D_w32_motion_aware": False,
    "h36m_hourglass_2D_w16": True,
    "h36m_hourglass_2D_w8": True,
    "h36m_hourglass_2D_w64": True,
}
SHIPPED_CHECKPOINTS: dict[str, Path] = {
    name: SHIPPED_DIR / name / "checkpoint.pth.tar" for name in _SHIPPED_MODELS
} | {
    f"{name}_linear": SHIPPED_DIR / name / "linear.pth.tar"
    for name, has_linear in _SHIPPED_MODELS.items()
    if has_linear
}
#: Checkpoint families (``smoothnet.core.family``): two checkpoints and the rule that picks
#: one per track, shipped as ``<name>.json`` beside the checkpoints.
SHIPPED_FAMILIES: dict[str, Path] = {
    name: SHIPPED_DIR / f"{name}.json"
    for name in ("h36m_2D_family", "h36m_3D_family")
    if (SHIPPED_DIR / f"{name}.json").is_file()
}
#: What a smoother with no method given uses, by values per joint: the families of the
#: augmented (paced) and pace-free checkpoints (docs/smoothing.md has the transfer
#: benchmark that chose them and their rules).
DEFAULT_CHECKPOINTS: dict[int, str] = {
    2: "h36m_2D_family",
    3: "h36m_3D_family",
}


def default_method(coords: int) -> str:
    """The shipped checkpoint for keypoints with ``coords`` values per joint (2 or 3).

    Raises:
        ValueError: for other widths (6D rotations need a checkpoint trained on them).
    """
    if coords not in DEFAULT_CHECKPOINTS:
        raise ValueError(
            f"no shipped checkpoint for {coords} values per joint; pass a checkpoint path"
        )
    return DEFAULT_CHECKPOINTS[coords]
