"""Training augmentation: speed resampling, scale and noise, against hand-worked values."""

import numpy as np
import pytest
import torch

from smoothnet.dataset.augment import Augmentation, augment_batch, window_rows
from smoothnet.dataset.training import TrainingWindows

W = 8


def ramp_windows(augmentation: Augmentation) -> TrainingWindows:
    """Two sequences: values 1000 + t and 5000 + 2t (one channel each)."""
    sequences = []
    for base, slope, length in ((1000.0, 1.0, 40), (5000.0, 2.0, 25)):
        values = (base + slope * np.arange(length, dtype=np.float32))[:, None]
        sequences.append((values, values.copy()))
    return TrainingWindows(sequences, W, augmentation=augmentation)


def test_speed_one_scale_one_no_noise_is_the_plain_gather():
    windows = ramp_windows(Augmentation())
    indices = np.arange(len(windows))
    plain_pred, plain_gt = windows.batch(indices)
    starts, ends, sequence = windows._sequence_bounds
    pred, gt = augment_batch(windows.detected, windows.groundtruth, windows.first_rows[indices],
                             starts[sequence], ends[sequence], W, Augmentation(),
                             np.random.default_rng(0))  # fmt: skip
    assert torch.equal(pred, plain_pred) and torch.equal(gt, plain_gt)


@pytest.mark.parametrize("speed", [0.5, 0.8, 1.7, 2.0])
def test_a_ramp_read_at_speed_s_has_slope_s_and_stays_in_its_sequence(speed):
    windows = ramp_windows(Augmentation(speed=(speed, speed)))
    pred, gt = windows.batch(np.arange(len(windows)), np.random.default_rng(1))
    steps = np.diff(pred[..., 0].numpy(), axis=1)
    first = pred[:, 0, 0].numpy()
    in_a = first < 3000
    # a linear ramp interpolates exactly: each step is speed x the sequence's slope
    np.testing.assert_allclose(steps[in_a], speed * 1.0, atol=1e-3)
    np.testing.assert_allclose(steps[~in_a], speed * 2.0, atol=1e-3)
    # never a value from outside the window's own sequence
    assert pred[in_a].min() >= 1000 and pred[in_a].max() <= 1039
    assert pred[~in_a].min() >= 5000 and pred[~in_a].max() <= 5048
    assert torch.equal(pred, gt)


def test_a_stretched_window_longer_than_its_sequence_holds_the_last_frame():
    lower, upper, fraction = window_rows(np.array([0.0]), np.array([0]), np.array([5]), 4,
                                         np.array([2.0]))  # fmt: skip
    # positions 0, 2, 4, 6 -> 6 is past the end (5) and is held there
    assert lower.tolist() == [[0, 2, 4, 5]] and upper.tolist() == [[1, 3, 5, 5]]
    assert fraction[..., 0].tolist() == [[0.0, 0.0, 0.0, 0.0]]


def test_scale_multiplies_both_and_noise_has_the_asked_spread():
    aug = Augmentation(scale=(2.0, 2.0), noise=(0.05, 0.05), person_size=4.0)
    windows = ramp_windows(aug)
    indices = np.tile(np.arange(len(windows)), 200)
    pred, gt = windows.batch(indices, np.random.default_rng(2))
    _, plain_gt = windows.batch(indices)
    assert torch.allclose(gt, 2 * plain_gt)
    # std = 0.05 x person size 4 x scale 2 = 0.4
    assert abs(float((pred - gt).std()) - 0.4) < 0.01


def test_clean_share_leaves_that_share_of_windows_without_noise():
    windows = ramp_windows(Augmentation(noise=(0.1, 0.1), clean_share=0.3))
    indices = np.tile(np.arange(len(windows)), 100)
    pred, gt = windows.batch(indices, np.random.default_rng(3))
    clean = (pred == gt).all(dim=(1, 2)).float().mean().item()
    assert abs(clean - 0.3) < 0.03


def test_shift_offsets_each_channel_of_a_window_by_one_constant():
    """Two ramp channels: each window's offset is constant in time, the same for input and
    target, drawn per channel, uniform in +-shift x person size."""
    values = np.stack([np.arange(40.0), 3.0 * np.arange(40.0)], axis=1).astype(np.float32)
    seq = (values + 7.0, values.copy())
    windows = TrainingWindows([seq], W, augmentation=Augmentation(shift=2.0, person_size=3.0))
    indices = np.tile(np.arange(len(windows)), 100)
    pred, gt = windows.batch(indices, np.random.default_rng(6))
    plain_pred, plain_gt = windows.batch(indices)
    offsets = gt - plain_gt  # (B, W, 2)
    assert torch.allclose(pred - plain_pred, offsets, atol=1e-4)
    assert torch.allclose(offsets, offsets[:, :1].expand_as(offsets), atol=1e-4)
    first = offsets[:, 0]
    assert float(first.abs().max()) <= 6.0 and float(first.abs().max()) > 5.5
    assert abs(float(first.std()) - 6.0 / np.sqrt(3)) < 0.15  # uniform on [-6, 6]
    assert not torch.allclose(first[:, 0], first[:, 1])  # independent per channel
    with pytest.raises(ValueError, match=r"TRAIN\.AUGMENT\.SHIFT"):
        Augmentation(shift=-1.0).check()


def test_the_same_generator_seed_draws_the_same_batch():
    windows = ramp_windows(Augmentation(speed=(0.5, 2.0), scale=(0.8, 1.2), noise=(0.01, 0.1)))
    a = windows.batch(np.arange(10), np.random.default_rng([4, 0, 3]))
    b = windows.batch(np.arange(10), np.random.default_rng([4, 0, 3]))
    c = windows.batch(np.arange(10), np.random.default_rng([4, 0, 4]))
    assert torch.equal(a[0], b[0]) and not torch.equal(a[0], c[0])


@pytest.mark.parametrize(
    "kwargs, key",
    [({"speed": (0.0, 2.0)}, "SPEED"), ({"scale": (2.0, 1.0)}, "SCALE"),
     ({"noise": (0.0, 0.1)}, "NOISE"), ({"clean_share": 1.5}, "CLEAN_SHARE")],
)  # fmt: skip
def test_ranges_that_cannot_be_sampled_are_refused_naming_the_key(kwargs, key):
    with pytest.raises(ValueError, match=f"TRAIN.AUGMENT.{key}"):
        Augmentation(**kwargs).check()


def test_synthetic_windows_are_the_ground_truth_plus_noise_alone():
    """Detections 100 off the ground truth: synthetic windows drop that error entirely."""
    values = np.arange(40, dtype=np.float32)[:, None]
    seq = (values + 100.0, values.copy())
    aug = Augmentation(noise=(0.05, 0.05), person_size=2.0, synthetic_share=0.5)
    windows = TrainingWindows([seq], W, augmentation=aug)
    indices = np.tile(np.arange(len(windows)), 200)
    pred, gt = windows.batch(indices, np.random.default_rng(5))
    offset = (pred - gt).mean(dim=(1, 2))
    synthetic = offset.abs() < 1.0
    assert abs(synthetic.float().mean().item() - 0.5) < 0.03
    assert abs(float((pred - gt)[synthetic].std()) - 0.1) < 0.005  # 0.05 x person size 2
    assert torch.allclose(offset[~synthetic], torch.tensor(100.0), atol=0.3)  # plus noise
    with pytest.raises(ValueError, match="SYNTHETIC_SHARE"):
        Augmentation(synthetic_share=0.5).check()


def test_natural_windows_are_the_plain_gather():
    """A natural share of 1 keeps every window as the data has it, whatever the ranges."""
    wide = Augmentation(speed=(0.5, 8.0), scale=(0.5, 2.0), noise=(0.05, 0.1),
                        synthetic_share=0.5, shift=1.0, natural_share=1.0)  # fmt: skip
    windows = ramp_windows(wide)
    indices = np.arange(len(windows))
    pred, gt = windows.batch(indices, np.random.default_rng(1))
    plain_pred, plain_gt = windows.batch(indices)
    assert torch.equal(pred, plain_pred) and torch.equal(gt, plain_gt)
    values = np.arange(60, dtype=np.float32)[:, None]  # one ramp of slope 1
    half = TrainingWindows([(values, values.copy())], W,
                           augmentation=Augmentation(speed=(2.0, 2.0), natural_share=0.5))  # fmt: skip
    pred, _ = half.batch(np.tile(np.arange(len(half)), 20), np.random.default_rng(2))
    slopes = (pred[:, 1, 0] - pred[:, 0, 0]).numpy()
    assert set(np.round(slopes, 4)) == {1.0, 2.0}  # natural (speed 1) or speed 2
    assert abs((slopes == 1.0).mean() - 0.5) < 0.05
    with pytest.raises(ValueError, match="NATURAL_SHARE"):
        Augmentation(natural_share=1.5).check()
