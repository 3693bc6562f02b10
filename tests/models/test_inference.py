"""The inference net equals the torch module it was read from, on both backends."""

import numpy as np
import pytest
import torch

from smoothnet.models.array_checkpoint import load_array_checkpoint
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.models.inference import WindowNet
from smoothnet.models.registry import ModelSpec
from smoothnet.models.shipped import SHIPPED_CHECKPOINTS

CHECKPOINTS = [
    "h36m_hourglass_2D_w32_adaptive",  # detrended and noise-scaled
    "h36m_hourglass_2D_w32_augmented",  # centred
    "h36m_fcn_3D_w32",
    "h36m_fcn_3D_w8",
    "h36m_fcn_3D_w32_adaptive_linear",
]


def windows_like_poses(rng, n: int, channels: int, window: int) -> np.ndarray:
    """(n, C, W) windows of drifting, noisy trajectories (model units, about 0.1-1)."""
    walk = np.cumsum(rng.normal(scale=0.02, size=(n, channels, window)), axis=-1)
    offset = rng.normal(scale=0.5, size=(n, channels, 1))
    return (walk + offset + rng.normal(scale=0.01, size=walk.shape)).astype(np.float32)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("name", CHECKPOINTS)
def test_window_net_equals_the_module_to_1e5(name, backend, rng):
    path = SHIPPED_CHECKPOINTS[name]
    module = load_checkpoint(path).model
    net = WindowNet.from_checkpoint(load_array_checkpoint(path), backend)
    x = windows_like_poses(rng, 300, 17, net.window_size)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    got = net(x.copy())
    assert got.shape == x.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_calls_from_several_threads_do_not_share_buffers(rng):
    from concurrent.futures import ThreadPoolExecutor

    spec = ModelSpec(8, "smoothnet", 64, 16, 2)
    torch.manual_seed(0)
    state = {k: v.numpy() for k, v in spec.build().state_dict().items()}
    net = WindowNet(spec, state, "numpy")
    batches = [windows_like_poses(rng, 50 + 7 * i, 3, 8) for i in range(12)]
    alone = [net(b.copy()) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda b: net(b.copy()), batches))
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_motion_aware_model_is_refused():
    with pytest.raises(ValueError, match="motion_aware"):
        WindowNet(ModelSpec(8, "motion_aware"), {}, "numpy")
