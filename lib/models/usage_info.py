"""What a checkpoint records besides its weights, readable without torch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The ``format`` entry of this project's checkpoints.
FORMAT = "smoothnet-py/1"


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or does not fit a SmoothNet."""


class NeedsTorch(CheckpointError):
    """A checkpoint whose model only torch can run (the motion-aware one)."""


@dataclass
class UsageInfo:
    """How the model's inputs were prepared in training (all optional).

    Attributes:
        body_representation: ``"2D"``, ``"3D"`` or ``"smpl"``.
        num_joints: joints per frame K of the training data.
        coords_per_joint: values per joint C (2, 3, or 6 for 6D rotations).
        normalization: how coordinates were normalised, e.g.
            ``{"type": "none"}`` or ``{"type": "image", "center": 500, "scale": 500}``.
        fps: frame rate of the training data.
        dataset: training dataset name(s).
        estimator: training estimator name(s).
        person_size: the training ground truth's typical person size in model
            units (:func:`smoothnet.utils.body_scale.person_radius`); the
            ``Smoother`` scales input people to it.
        augmentation: the training augmentation ranges (empty: none).
        last_frames: > 0 when the training loss covered only the last
            ``last_frames`` frames of each window (``LOSS.LAST_FRAMES``): the
            model is then for online smoothing with a latency below it only.
    """

    body_representation: str | None = None
    num_joints: int | None = None
    coords_per_joint: int | None = None
    normalization: dict[str, Any] = field(default_factory=dict)
    fps: float | None = None
    dataset: str | None = None
    estimator: str | None = None
    person_size: float | None = None
    augmentation: dict[str, Any] = field(default_factory=dict)
    last_frames: int = 0

    @property
    def fps_range(self) -> tuple[float, float] | None:
        """The frame rates the training covered: ``fps`` over the playback-speed
        augmentation's range (``fps`` alone without it); None when unknown."""
        if not self.fps:
            return None
        low, high = self.augmentation.get("speed", (1.0, 1.0))
        return self.fps / float(high), self.fps / float(low)
