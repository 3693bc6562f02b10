"""What a checkpoint records about its training data, for the people who use it."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ..dataset.augment import Augmentation
from ..dataset.base import SequenceSet
from ..models.checkpoint import UsageInfo
from ..utils.body_scale import person_radius


def training_person_size(dataset: SequenceSet) -> float | None:
    """The median person size (RMS radius) of a set's ground truth in model units.

    None for rotations (SMPL), which have no size.
    """
    if dataset.coords not in (2, 3) or dataset.representation == "smpl":
        return None
    radii = [
        person_radius(dataset.encoded(seq)[1].reshape(seq.num_frames, -1, dataset.coords))
        for seq in dataset.sequences
    ]
    return float(np.median(radii)) if radii else None


def augmentation_record(augmentation: Augmentation | None) -> dict[str, object]:
    """The augmentation ranges as a plain dict when any augmentation is on, else empty."""
    if augmentation is None or not augmentation.active:
        return {}
    record = asdict(augmentation)
    record.pop("person_size")
    return {k: list(v) if isinstance(v, tuple) else v for k, v in record.items()}


def usage_info(
    datasets: list[SequenceSet], augmentation: Augmentation | None = None, last_frames: int = 0
) -> UsageInfo:
    """How the training data was prepared, recorded in checkpoints (``last_frames``:
    ``LOSS.LAST_FRAMES``, which makes a checkpoint one for low-latency online use)."""
    first = datasets[0]
    norm = first.spec.normalization_2d if first.representation == "2D" else None
    if norm is None:
        normalization: dict[str, object] = {"type": "none"}
    elif norm.kind == "fixed":
        normalization = {"type": "fixed", "center": norm.center, "scale": norm.scale}
    else:
        normalization = {"type": "image_shape"}
    return UsageInfo(
        body_representation=first.representation,
        num_joints=first.num_joints,
        coords_per_joint=first.coords,
        normalization=normalization,
        fps=first.spec.fps,
        dataset=",".join(d.name for d in datasets),
        estimator=",".join(d.estimator for d in datasets),
        person_size=training_person_size(first),
        augmentation=augmentation_record(augmentation),
        last_frames=last_frames,
    )
