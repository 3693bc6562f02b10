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


def test_squared_loss_by_hand():
    target = torch.zeros(1, 4, 1)
    prediction = torch.tensor([0.0, 1.0, 0.0, 0.0]).reshape(1, 4, 1)
    # position: mean of squares 1/4; accel: (-2, 1) -> mean of squares 2.5
    loss = SmoothNetLoss(w_accel=0.1, w_pos=1.0, norm="l2")(prediction, target)
    assert loss.item() == pytest.approx(0.25 + 0.25)


def test_hann_weighted_loss_by_hand():
    # W = 4: weights sin^2(pi k / 5), k = 1..4, normalised to mean 1.
    w = torch.sin(torch.pi * torch.arange(1, 5) / 5) ** 2
    w = w / w.mean()
    target = torch.zeros(1, 4, 1)
    prediction = torch.tensor([0.0, 1.0, 0.0, 0.0]).reshape(1, 4, 1)
    position = w[1].item() / 4
    middle = w[1:3] / w[1:3].mean()  # accelerations centred on frames 1 and 2
    accel = (2 * middle[0] + 1 * middle[1]).item() / 2
    loss = SmoothNetLoss(w_accel=0.1, w_pos=1.0, window_weights="hann")(prediction, target)
    assert loss.item() == pytest.approx(position + 0.1 * accel)


def test_unknown_norm_is_refused():
    with pytest.raises(ValueError, match=r"LOSS\.NORM must be one of l1, l2"):
        SmoothNetLoss(norm="huber")
