"""The model types and the architecture record that rebuilds any of them.

:class:`ModelSpec` is what a checkpoint stores about its model
(:mod:`smoothnet.models.checkpoint` saves and loads it); ``MODEL.TYPE``
chooses among :data:`SMOOTHNET_TYPES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..choices import MODEL_TYPES, SMOOTHNET_TYPES

if TYPE_CHECKING:  # torch is imported when a model is built, not to read a spec
    from torch import nn

__all__ = ["MODEL_TYPES", "SMOOTHNET_TYPES", "ModelSpec", "ModelType"]

ModelType = Literal["smoothnet", "motion_aware", "linear"]


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a SmoothNet model.

    Attributes:
        window_size: window length W.
        model_type: ``"smoothnet"`` (basic), ``"motion_aware"`` or ``"linear"``
            (the least-squares baseline, :mod:`smoothnet.models.linear`; only
            ``window_size`` matters for it).
        hidden_size: encoder width H.
        res_hidden_size: residual bottleneck width R.
        num_blocks: residual blocks B.
        dropout: dropout probability (only matters in training).
        center_windows: the model smooths each window less its mean and adds
            the mean back (``MODEL.CENTER_WINDOWS``; every model type).
        scale_windows: the model smooths each window in units of its own noise
            (``MODEL.SCALE_WINDOWS``; SmoothNet types).
        detrend_windows: the model smooths each window less each channel's
            least-squares line and adds it back (``MODEL.DETREND_WINDOWS``; every type).
    """

    window_size: int
    model_type: ModelType = "smoothnet"
    hidden_size: int = 512
    res_hidden_size: int = 256
    num_blocks: int = 3
    dropout: float = 0.5
    center_windows: bool = False
    scale_windows: bool = False
    detrend_windows: bool = False

    def build(self) -> nn.Module:
        """A freshly initialised model of this architecture."""
        from .linear import LinearWindowModel
        from .motion_aware import MotionAwareSmoothNet
        from .smoothnet import SmoothNet

        if self.model_type == "linear":
            return LinearWindowModel(self.window_size, center_windows=self.center_windows,
                                     detrend_windows=self.detrend_windows)  # fmt: skip
        kwargs = dict(
            hidden_size=self.hidden_size,
            res_hidden_size=self.res_hidden_size,
            num_blocks=self.num_blocks,
            dropout=self.dropout,
            center_windows=self.center_windows,
            scale_windows=self.scale_windows,
            detrend_windows=self.detrend_windows,
        )
        if self.model_type == "smoothnet":
            return SmoothNet(self.window_size, **kwargs)
        if self.model_type == "motion_aware":
            return MotionAwareSmoothNet(self.window_size, **kwargs)
        raise ValueError(
            f"unknown model type {self.model_type!r}; expected one of {', '.join(MODEL_TYPES)}"
        )
