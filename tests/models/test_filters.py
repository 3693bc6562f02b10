import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter1d

from smoothnet.models.filters import FILTERS, apply_filter


def test_oneeuro_hand_computed_values():
    # alpha(f) = r / (r + 1), r = 2 pi f; worked out step by step with te = 1.
    x = np.array([0.0, 1.0, 1.0, 0.5]).reshape(4, 1, 1)
    out = apply_filter("oneeuro", x)
    np.testing.assert_allclose(out.ravel(), [0.0, 0.801810223, 0.921487231, 0.657517533], atol=1e-8)


def test_oneeuro_time_handling():
    x = np.random.default_rng(0).normal(size=(20, 2, 3))
    by_fps = apply_filter("oneeuro", x, fps=30.0)
    by_stamps = apply_filter("oneeuro", x, timestamps=np.arange(20) / 30.0)
    np.testing.assert_allclose(by_fps, by_stamps)
    with pytest.raises(ValueError, match="increasing"):
        apply_filter("oneeuro", x, timestamps=np.zeros(20))


@pytest.mark.parametrize("t", [40, 31, 10, 7, 3, 2, 1])
def test_savgol_keeps_quadratics_exactly(t):
    time = np.arange(t, dtype=float)[:, None, None]
    x = 0.5 * time**2 - 3 * time + np.ones((1, 4, 3))
    np.testing.assert_allclose(apply_filter("savgol", x), x, atol=1e-8)


def test_gaus1d_reproduces_the_original_chunks(rng):
    x = rng.normal(size=(70, 3, 2))
    out = apply_filter("gaus1d", x)
    for start in (0, 31):
        np.testing.assert_allclose(
            out[start : start + 31], gaussian_filter1d(x[start : start + 31], 3, axis=0)
        )
    np.testing.assert_array_equal(out[62:], x[62:])  # the unfiltered tail


def test_gaussian_keeps_linear_motion_and_reduces_noise(rng):
    time = np.arange(100, dtype=float)[:, None, None]
    ramp = 2.0 * time + rng.normal(size=(1, 5, 3))
    np.testing.assert_allclose(apply_filter("gaussian", ramp), ramp, atol=1e-9)
    # White noise through a unit-sum Gaussian kernel: std shrinks by (2 sigma sqrt(pi))^-1/2.
    noise = rng.normal(size=(4000, 5, 3))
    ratio = apply_filter("gaussian", noise)[20:-20].std() / noise.std()
    assert ratio == pytest.approx((2 * 3.0 * np.sqrt(np.pi)) ** -0.5, rel=0.03)
    assert apply_filter("gaussian", noise[:1]).shape == (1, 5, 3)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_keeps_shape_and_type(name, rng):
    x = rng.normal(size=(45, 17, 3)).astype(np.float32)
    out = apply_filter(name, x)
    assert isinstance(out, np.ndarray) and out.shape == x.shape and out.dtype == np.float32
    out_t = apply_filter(name, torch.from_numpy(x))
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float32
    np.testing.assert_allclose(out_t.numpy(), out, atol=1e-6)
    constant = np.ones((45, 2, 3))
    np.testing.assert_allclose(apply_filter(name, constant), constant, atol=1e-9)


def test_unknown_filter_lists_the_valid_ones():
    with pytest.raises(
        ValueError, match="gaus1d, gaussian, gaussian_s2, gaussian_s4, oneeuro, savgol"
    ):
        apply_filter("__import__('os')", np.zeros((3, 1, 1)))


def test_fixed_sigma_gaussians_match_the_parameterised_one(rng):
    x = rng.normal(size=(60, 3, 2))
    for name, sigma in (("gaussian_s2", 2.0), ("gaussian_s4", 4.0)):
        np.testing.assert_allclose(apply_filter(name, x), apply_filter("gaussian", x, sigma=sigma))


def test_one_registry_entry_is_all_a_new_filter_needs(monkeypatch):
    """Declared once in FILTER_SPECS, a filter gets its config keys, its evaluation
    parameters, a place in --tradition all and in the Smoother."""
    from smoothnet.commands.config import get_cfg_defaults
    from smoothnet.commands.settings import eval_settings, resolve_filters
    from smoothnet.core.smoother import Smoother
    from smoothnet.models.filters import FILTER_SPECS, FilterSpec

    def moving_average(x, width: int = 3):
        kernel = np.ones(width) / width
        return np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="same"), 0, x)

    monkeypatch.setitem(
        FILTER_SPECS, "boxcar", FilterSpec("boxcar", moving_average, ("width",), "TRADITION_BOXCAR")
    )
    cfg = get_cfg_defaults()
    assert cfg.EVALUATE.TRADITION_BOXCAR.WIDTH == 3
    cfg.EVALUATE.TRADITION_BOXCAR.WIDTH = 5
    assert eval_settings(cfg).filter_params["boxcar"] == {"width": 5}
    assert "boxcar" in resolve_filters("all")
    x = np.zeros((9, 2, 3))
    x[4, 0] = 5.0  # one joint jumps in one frame: 3D input is smoothed root-relative,
    x[4, 1] = 5.0  # so both joints jump together (a pure root move) and stay rigid
    out = Smoother("boxcar", width=5).smooth(x)
    np.testing.assert_allclose(out[2:7, :, :], 1.0, atol=1e-12)
