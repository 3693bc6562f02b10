import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from smoothnet.utils.metrics import (
    accel_error,
    bbox_body_size,
    mpjpe,
    pa_mpjpe,
    pck,
    pooled_mean,
    procrustes_align,
    root_relative,
    worst_frames,
)


def test_mpjpe_by_hand():
    gt = np.zeros((2, 4, 3))
    pred = gt + np.array([3.0, 4.0, 0.0])
    np.testing.assert_allclose(mpjpe(pred, gt), [5.0, 5.0])
    pred[1, 0] = [0, 0, 0]  # one joint exact: (0 + 5 + 5 + 5) / 4
    np.testing.assert_allclose(mpjpe(pred, gt), [5.0, 3.75])


def test_accel_error_by_hand_and_original_padding():
    gt = np.zeros((5, 2, 3))
    pred = gt.copy()
    pred[2, :, 0] = 1.0  # a one-frame spike: second differences 1, -2, 1
    np.testing.assert_allclose(accel_error(pred, gt), [np.nan, 1, 2, 1, np.nan])
    assert pooled_mean(accel_error(pred, gt)) == pytest.approx(4 / 3)
    np.testing.assert_allclose(accel_error(pred, gt, zero_pad=True), [0, 1, 2, 1, 0])
    assert pooled_mean(accel_error(pred, gt, zero_pad=True)) == pytest.approx(4 / 5)


def test_linear_ramp_has_zero_accel_error(rng):
    t = np.arange(30.0)[:, None, None]
    gt = rng.normal(size=(1, 17, 3)) + 0 * t
    pred = gt + t * rng.normal(size=(1, 17, 3))  # error grows linearly in time
    assert np.nanmax(accel_error(pred, gt)) < 1e-9
    assert np.isnan(accel_error(pred[:2], gt[:2])).all()


def slow_pa_mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per frame: Kabsch rotation from scipy, then the optimal scale."""
    out = []
    for p, g in zip(pred, gt):
        x, y = p - p.mean(0), g - g.mean(0)
        if p.shape[1] == 2:  # embed 2D in 3D; rotation about z only
            angles = np.linspace(-np.pi, np.pi, 200001)
            c, s = np.cos(angles), np.sin(angles)
            cost = -(c * (x * y).sum() + s * (x[:, 0] * y[:, 1] - x[:, 1] * y[:, 0]).sum())
            a = angles[np.argmin(cost)]
            r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        else:
            r = Rotation.align_vectors(y, x)[0].as_matrix()
        rx = x @ r.T
        scale = (rx * y).sum() / (x * x).sum()
        out.append(np.linalg.norm(scale * rx - y, axis=1).mean())
    return np.array(out)


@pytest.mark.parametrize("frames,dims", [(1, 3), (2, 3), (3, 3), (7, 3), (2, 2), (3, 2), (6, 2)])
def test_pa_mpjpe_against_slow_reference(rng, frames, dims):
    gt = rng.normal(size=(frames, 14, dims))
    pred = gt + 0.3 * rng.normal(size=gt.shape)
    np.testing.assert_allclose(pa_mpjpe(pred, gt), slow_pa_mpjpe(pred, gt), atol=1e-4)
    assert (pa_mpjpe(pred, gt) <= mpjpe(pred, gt) + 1e-12).all()


def test_procrustes_undoes_a_similarity_transform(rng):
    pred = rng.normal(size=(3, 17, 3))
    rot = Rotation.random(3, random_state=1).as_matrix()
    gt = 2.5 * np.einsum("tij,tkj->tki", rot, pred) + np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(procrustes_align(pred, gt), gt, atol=1e-9)
    assert pa_mpjpe(pred, gt).max() < 1e-9


def test_no_reflection_in_procrustes(rng):
    pred = rng.normal(size=(1, 10, 3))
    mirrored = pred * np.array([-1.0, 1.0, 1.0])
    assert pa_mpjpe(pred, mirrored)[0] > 0.1


def test_nan_frames_are_handled_once_for_every_metric(rng):
    gt = rng.normal(size=(6, 5, 3))
    pred = gt + 0.1
    pred[2, 1, 0] = np.nan
    for values in (mpjpe(pred, gt), pa_mpjpe(pred, gt)):
        assert np.isnan(values[2]) and np.isfinite(np.delete(values, 2)).all()
    acc = accel_error(pred, gt)
    assert np.isnan(acc[[0, 1, 2, 3, 5]]).all() and np.isfinite(acc[4])
    assert pooled_mean(mpjpe(pred, gt)) == pytest.approx(np.linalg.norm([0.1] * 3))


def test_root_relative():
    x = np.arange(12.0).reshape(1, 4, 3)
    out = root_relative(x, [0, 1])
    np.testing.assert_allclose(out[0, 0], [-1.5, -1.5, -1.5])
    np.testing.assert_allclose(out[:, :2].mean(axis=1), 0)


def test_pck_inclusive_threshold_and_body_size():
    bbox = np.array([[0, 0, 100, 50], [10, 10, 30, 70]])
    np.testing.assert_allclose(bbox_body_size(bbox), [100, 60])
    gt = np.zeros((2, 3, 2))
    pred = gt.copy()
    pred[:, 0] = [3.0, 4.0]  # error 5
    pred[:, 1] = [0.0, 6.0]  # error 6
    hits = pck(pred, gt, bbox_body_size(bbox), 0.05)  # thresholds 5 and 3
    np.testing.assert_array_equal(hits, [[1, 0, 1], [0, 0, 1]])


def test_worst_frames_and_pooling():
    errors = np.arange(200.0)
    errors[5] = np.nan
    assert sorted(worst_frames(errors).tolist()) == [198, 199]  # int(0.99 * 199) = 197 -> 2 frames
    assert pooled_mean([np.array([1.0, np.nan]), np.array([3.0, 5.0])]) == pytest.approx(3.0)
    assert np.isnan(pooled_mean(np.array([np.nan])))


def test_shape_mismatch_is_rejected():
    with pytest.raises(ValueError, match="one \\(T, K, C\\) shape"):
        mpjpe(np.zeros((2, 3, 3)), np.zeros((2, 4, 3)))
