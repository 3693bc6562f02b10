import pytest
import torch

from smoothnet.core.loss import SmoothNetLoss, second_difference


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


def test_last_frames_counts_only_the_end_of_each_window():
    """Errors only in the first W - 2 frames cost nothing with last_frames=2; an error
    in the last frame costs W/2 times its plain mean (weights of mean 1)."""
    target = torch.zeros(1, 8, 1)
    early = target.clone()
    early[0, :4, 0] = 3.0  # frames 0..3: no acceleration with them touches frames 6, 7
    loss = SmoothNetLoss(w_accel=1.0, w_pos=1.0, norm="l1", last_frames=2)
    assert loss(early, target).item() == 0.0
    late = target.clone()
    late[0, 7, 0] = 1.0
    # position: |1| x weight 4 at frame 7, mean over 8 frames = 0.5
    # acceleration: the last second difference (frames 5, 6, 7) is 1; weights are 1 for
    # accelerations 4 and 5 (they touch frames 6 or 7), normalised to 3 each over 6: 3 / 6
    assert loss(late, target).item() == pytest.approx(0.5 + 0.5)


def test_relative_loss_divides_each_window_by_its_input_loss():
    # Two windows of 3 frames, 1 channel; l2, positions only (w_accel 0).
    target = torch.zeros(2, 3, 1)
    inputs = torch.tensor([[[1.0], [1.0], [1.0]], [[3.0], [3.0], [3.0]]])  # input losses 1 and 9
    prediction = torch.tensor([[[0.5], [0.5], [0.5]], [[1.0], [1.0], [1.0]]])  # 0.25 and 1
    loss = SmoothNetLoss(w_accel=0.0, w_pos=1.0, norm="l2", relative=True, floor=1.0)
    expected = (0.25 / (1 + 1) + 1 / (9 + 1)) / 2
    assert loss(prediction, target, inputs).item() == pytest.approx(expected)
    assert loss.per_window(prediction, target).tolist() == pytest.approx([0.25, 1.0])
    with pytest.raises(ValueError, match="input windows"):
        loss(prediction, target)


def test_white_noise_loss_matches_sampled_noise():
    torch.manual_seed(0)
    noise = 0.2 * torch.randn(64, 400, 8, dtype=torch.float64)
    for norm in ("l1", "l2"):
        loss = SmoothNetLoss(w_accel=3.0, w_pos=1.0, norm=norm)
        measured = loss(noise, torch.zeros_like(noise)).item()
        assert measured == pytest.approx(loss.white_noise_loss(0.2), rel=0.02)


def test_relative_loss_needs_a_floor():
    with pytest.raises(ValueError, match="floor"):
        SmoothNetLoss(relative=True, floor=0.0)
