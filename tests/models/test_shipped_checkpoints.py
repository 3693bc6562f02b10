"""The checkpoints committed in data/checkpoints/ load and smooth."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from smoothnet.core.smoother import Smoother
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.models.shipped import LIFTER_CHECKPOINT as DEFAULT_CHECKPOINT
from smoothnet.models.shipped import SHIPPED_CHECKPOINTS, default_method
from smoothnet.prep.lifting import load_lifter
from smoothnet.utils.metrics import accel_error, mpjpe


@pytest.mark.parametrize("name", sorted(SHIPPED_CHECKPOINTS))
def test_shipped_checkpoint_loads_with_its_usage(name):
    loaded = load_checkpoint(SHIPPED_CHECKPOINTS[name])
    assert loaded.spec.window_size == int(re.search(r"_w(\d+)", name).group(1))
    # The 2D augmented checkpoint and both pace-free ones (and their least-squares twins)
    # are translation-equivariant; only the pace-free ones smooth in units of the noise.
    adaptive, linear = "_adaptive" in name, name.endswith("_linear")
    assert loaded.spec.center_windows == (
        name.startswith("h36m_hourglass_2D_w32_augmented") or adaptive
    )
    assert loaded.spec.detrend_windows == adaptive
    # (a linear map commutes with the scaling: the least-squares twins do without it)
    assert loaded.spec.scale_windows == (adaptive and not linear)
    # The augmented recipes (defaults, motion-aware, the augmented twins) are recorded; the
    # pace-free twins are the warm starts, fitted on the data as it is.
    assert bool(loaded.info.augmentation) == ("_augmented" in name or "motion_aware" in name
                                              or (adaptive and not linear))  # fmt: skip
    kind = "linear" if name.endswith("_linear") else "smoothnet"
    assert loaded.spec.model_type == ("motion_aware" if "motion_aware" in name else kind)
    representation = "3D" if "_3D_" in name else "2D"
    assert loaded.info.body_representation == representation
    assert loaded.info.num_joints == (17 if representation == "3D" else 16)
    assert loaded.info.fps == 50.0
    assert not torch.load(SHIPPED_CHECKPOINTS[name], weights_only=True).get("optimizer")


def smooth_motion(frames: int, joints: int, coords: int, scale: float) -> np.ndarray:
    t = np.arange(frames)[:, None, None] / 50.0
    phase = np.random.default_rng(0).uniform(0, 6, size=(1, joints, coords))
    return scale * np.sin(2 * np.pi * 0.7 * t + phase)


# Motion of Human3.6M's pace (the checkpoints' training data): faster motion is
# over-smoothed by them (see the README, "Smoothing your own keypoints").
@pytest.mark.parametrize(
    "coords,scale,noise", [(3, 0.3, 0.02), (2, 50.0, 6.0)], ids=["3D metres", "2D pixels"]
)
def test_default_checkpoints_remove_jitter(coords, scale, noise):
    joints = 17 if coords == 3 else 16
    gt = smooth_motion(300, joints, coords, scale)
    if coords == 2:
        gt += 500.0  # inside a 1000 x 1000 image
    noisy = gt + np.random.default_rng(1).normal(scale=noise, size=gt.shape)
    smoother = Smoother(default_method(coords), device="cpu")
    size = (1000, 1000) if coords == 2 else None
    out = smoother.smooth(noisy.astype(np.float32), image_size=size)
    assert out.shape == noisy.shape
    assert np.nanmean(accel_error(out, gt)) < 0.25 * np.nanmean(accel_error(noisy, gt))
    assert mpjpe(out, gt).mean() < mpjpe(noisy, gt).mean()


def test_default_method_names():
    assert default_method(3) == "h36m_3D_family"
    assert default_method(2) == "h36m_2D_family"
    with pytest.raises(ValueError, match="no shipped checkpoint for 6 values per joint"):
        default_method(6)


def demo_motion(coords: int) -> list[np.ndarray]:
    """Real motion capture the checkpoints never saw: the demo's CMU test sequences at 30
    fps, in metres (3D) or projected to a 400-px-tall person in pixels (2D)."""
    from smoothnet.dataset.base import SequenceSet
    from smoothnet.utils.resample import resample

    data = SequenceSet(Path(__file__).resolve().parents[2] / "data" / "demo", "cmu", "fcnnoise",
                       "3D", "test")  # fmt: skip
    out = []
    for seq in data.sequences:
        x = resample(seq.groundtruth, 50.0, 30.0)
        if coords == 2:
            xy = x[..., :2]
            x = (xy - xy.mean(axis=(0, 1))) * 400.0 / np.median(np.ptp(xy[..., 1], axis=1)) + 500
        out.append(x)
    return out


@pytest.mark.parametrize("coords", [2, 3], ids=["2D", "3D"])
@pytest.mark.parametrize("frames", [3, 5, 10])
def test_the_default_helps_short_sequences_of_unseen_motion(coords, frames):
    """Clips shorter than the window, white noise of 1 % of the person's height, no flags:
    the default's error is below the input's (measured per clip, averaged)."""
    smoother = Smoother(default_method(coords), device="cpu")
    rng = np.random.default_rng(frames)
    before, after = [], []
    for motion in demo_motion(coords):
        for start in rng.integers(0, len(motion) - frames, size=8):
            gt = motion[start : start + frames]
            height = np.ptp(gt[..., 1], axis=1).mean()
            noisy = gt + rng.normal(scale=0.01 * height, size=gt.shape)
            before.append(mpjpe(noisy, gt).mean())
            after.append(mpjpe(smoother.smooth(noisy), gt).mean())
    assert np.mean(after) < 0.9 * np.mean(before)


def test_shipped_lifter_lifts_a_pose():
    model = load_lifter(DEFAULT_CHECKPOINT)
    # The mean training input is a plausible standing pose; its lift is finite
    # and of human size (every joint within a metre of the pelvis).
    pose = model.input_mean.reshape(1, 16, 2)
    lifted = model(pose).detach().numpy()
    assert lifted.shape == (1, 16, 3) and np.isfinite(lifted).all()
    assert 100 < np.abs(lifted).max() < 1000


def test_2d_default_smooths_a_track_the_same_wherever_it_is():
    """Translation-equivariant: the same motion given in the image convention at the
    frame's centre and near its corner smooths to the same result plus the offset."""
    gt = smooth_motion(120, 16, 2, 40.0) + 500.0
    noisy = (gt + np.random.default_rng(2).normal(scale=4.0, size=gt.shape)).astype(np.float64)
    smoother = Smoother("h36m_hourglass_2D_w32_augmented", device="cpu")
    offset = np.array([-380.0, -390.0])  # a person in the top-left corner of the frame
    centre = smoother.smooth(noisy, image_size=(1000, 1000))
    corner = smoother.smooth(noisy + offset, image_size=(1000, 1000))
    np.testing.assert_allclose(corner - offset, centre, atol=1e-3)
