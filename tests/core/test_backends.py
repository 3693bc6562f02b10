"""The NumPy backend: the same smoothing as torch's, and the command without torch."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from smoothnet.core.smoother import Smoother
from smoothnet.prep.synthetic import noisy_detection, smooth_motion

ROOT = Path(__file__).resolve().parents[2]


def pixel_track(seed: int, frames: int = 400, dims: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = 300.0 if dims == 2 else 1.0
    gt = scale * smooth_motion(frames, 17, dims, 50.0, rng) + (500.0 if dims == 2 else 0.0)
    return noisy_detection(gt, 4.0 if dims == 2 else 0.015, rng)


@pytest.mark.parametrize("dims,tolerance", [(2, 1e-3), (3, 1e-5)])
def test_the_default_gives_the_same_result_on_numpy_and_torch(dims, tolerance):
    """Tolerance: 1e-5 in model units times the person's scale (pixels; metres)."""
    x = pixel_track(dims, dims=dims)
    method = f"h36m_{dims}D_family"
    on_numpy = Smoother(method, backend="numpy")
    on_torch = Smoother(method, backend="torch", device="cpu")
    assert on_numpy.method.backend == "numpy" and on_torch.method.backend == "torch"
    got, expected = on_numpy.smooth(x), on_torch.smooth(x)
    np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance)
    assert np.abs(got - x).mean() > 100 * tolerance  # it smoothed something


def test_online_smoothing_runs_on_numpy():
    x = pixel_track(5, frames=60)
    on_numpy = Smoother("h36m_hourglass_2D_w32", backend="numpy").online(latency=4)
    on_torch = Smoother("h36m_hourglass_2D_w32", backend="torch", device="cpu").online(latency=4)
    for frame in x:
        a, _ = on_numpy.update(frame[None], [0])
        b, _ = on_torch.update(frame[None], [0])
        np.testing.assert_allclose(a, b, atol=1e-3)


def test_the_numpy_backend_refuses_a_gpu_and_the_motion_aware_model():
    with pytest.raises(ValueError, match="CPU only"):
        Smoother("h36m_fcn_3D_w32", backend="numpy", device="cuda")
    with pytest.raises(ValueError, match="motion-aware model needs torch"):
        Smoother("h36m_fcn_3D_w32_motion_aware", backend="numpy")


def test_the_command_smooths_a_short_file_without_importing_torch(tmp_path):
    """torch made unimportable: the default command still smooths (auto picks NumPy for
    short input) and writes what the torch backend writes."""
    x = pixel_track(7, frames=300)
    np.save(tmp_path / "in.npy", x)
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from smoothnet.commands.smooth import main\n"
        f"main([{str(tmp_path / 'in.npy')!r}, '-o', {str(tmp_path / 'out.npy')!r}])\n"
        "assert sys.modules['torch'] is None\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = Smoother("h36m_2D_family", backend="torch", device="cpu").smooth(x)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-3)


def test_without_torch_auto_runs_numpy_and_torch_is_one_line(monkeypatch):
    from smoothnet.core import methods

    monkeypatch.setattr(methods, "torch_available", lambda: False)
    assert methods.load_method("h36m_fcn_3D_w8").backend == "numpy"
    with pytest.raises(ValueError, match="backend torch needs torch"):
        methods.load_method("h36m_fcn_3D_w8", backend="torch")


def test_numpy_first_runs_torch_only_where_the_model_needs_it():
    from smoothnet.core.methods import load_method

    assert load_method("h36m_fcn_3D_w8", backend="numpy_first").backend == "numpy"
    motion_aware = load_method("h36m_fcn_3D_w32_motion_aware", "cpu", backend="numpy_first")
    assert motion_aware.backend == "torch"
