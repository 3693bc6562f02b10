import pytest
import torch

from lib.core.loss import SmoothNetLoss, second_difference


def test_loss_by_hand():
    target = torch.zeros(1, 4, 1)
    prediction = torch.tensor([0.0, 1.0, 0.0, 0.0]).reshape(1, 4, 1)
    # position: mean |.| = 1/4
    # second differences of the prediction: (0-2+0, 1-0+0) = (-2, 1) -> mean 1.5
    assert SmoothNetLoss(w_accel=0.1, w_pos=1.0)(prediction, target).item() == pytest.approx(
        0.25 + 0.15
    )
    assert SmoothNetLoss(w_accel=1.0, w_pos=0.0)(prediction, target).item() == pytest.approx(1.5)


def test_linear_error_has_no_accel_loss():
    ramp = torch.arange(8.0).reshape(1, 8, 1).expand(2, 8, 3)
    loss = SmoothNetLoss(w_accel=1.0, w_pos=0.0)(ramp, torch.zeros_like(ramp))
    assert loss.item() == pytest.approx(0.0)
    assert second_difference(ramp).shape == (2, 6, 3)


def test_mismatched_shapes_are_rejected():
    with pytest.raises(ValueError, match="differ"):
        SmoothNetLoss()(torch.zeros(1, 4, 2), torch.zeros(1, 4, 3))
