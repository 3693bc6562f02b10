import numpy as np
import pytest
import torch

from smoothnet.core.engine import IncrementalOverlapAdd, smooth_sequence
from smoothnet.models.smoothnet import SmoothNet
from smoothnet.utils.windows import pad_sequence, window_starts, window_weights


def average_loop(windows: np.ndarray, starts: np.ndarray, num_frames: int) -> np.ndarray:
    """Plain double loop: every window, every position, one addition; then the mean."""
    total = np.zeros((num_frames, *windows.shape[2:]))
    count = np.zeros(num_frames)
    for n, start in enumerate(starts):
        for k in range(windows.shape[1]):
            if start + k < num_frames:
                total[start + k] += windows[n, k]
                count[start + k] += 1
    return total / count.reshape(-1, *([1] * (total.ndim - 1)))


@pytest.fixture
def model() -> SmoothNet:
    torch.manual_seed(0)
    return SmoothNet(8, hidden_size=32, res_hidden_size=8, num_blocks=2).eval()


def reference(
    model, x: np.ndarray, w: int, stride: int, mode: str = "edge", weighting: str = "uniform"
) -> np.ndarray:
    """Windows one by one through the model, then a double-loop (weighted) average."""
    padded = pad_sequence(x, w, mode)
    starts = window_starts(len(padded), w, stride)
    windows = np.stack([padded[s : s + w] for s in starts])  # (N, W, C), cut one by one
    with torch.no_grad():
        out = np.stack(
            [model(torch.from_numpy(win.T[None]).float())[0].numpy().T for win in windows]
        )
    if weighting == "uniform":
        return average_loop(out, starts, len(padded))[: len(x)]
    # Hann taper sin^2(pi (i + 1) / (W + 1)), written out by hand.
    weights = [np.sin(np.pi * (i + 1) / (w + 1)) ** 2 for i in range(w)]
    total = np.zeros(padded.shape)
    norm = np.zeros(len(padded))
    for n, start in enumerate(starts):
        for i in range(w):
            total[start + i] += weights[i] * out[n, i]
            norm[start + i] += weights[i]
    return (total / norm[:, None])[: len(x)]


@pytest.mark.parametrize("weighting", ["uniform", "hann"])
@pytest.mark.parametrize(
    "t,stride,chunk",
    [(40, 1, 4096), (40, 3, 7), (8, 1, 4096), (3, 1, 4096), (1, 1, 5), (29, 5, 13)],
)
def test_smooth_sequence_matches_reference(model, rng, t, stride, chunk, weighting):
    x = rng.normal(size=(t, 6)).astype(np.float32)
    got = smooth_sequence(
        model, torch.from_numpy(x), stride, chunk_rows=chunk, weighting=weighting
    ).numpy()
    np.testing.assert_allclose(got, reference(model, x, 8, stride, weighting=weighting), atol=1e-5)
    assert got.shape == x.shape


def test_hann_weights_are_a_positive_symmetric_taper():
    from smoothnet.utils.windows import window_weights

    w = window_weights(8, "hann")
    assert (w > 0).all() and np.allclose(w, w[::-1]) and w.argmax() in (3, 4)
    np.testing.assert_allclose(window_weights(1, "hann"), [1.0])
    with pytest.raises(ValueError, match="hann, uniform"):
        window_weights(8, "triangle")


def test_zero_padding_option(model, rng):
    x = rng.normal(size=(5, 6)).astype(np.float32)
    got = smooth_sequence(model, torch.from_numpy(x), pad_mode="zero").numpy()
    np.testing.assert_allclose(got, reference(model, x, 8, 1, "zero", "hann"), atol=1e-5)


def test_incremental_overlap_add_equals_the_offline_engine_inside(model, rng):
    """Online (one window per new frame) and offline are the same weighted overlap-add."""
    x = rng.normal(size=(30, 6)).astype(np.float32)
    offline = smooth_sequence(model, torch.from_numpy(x)).numpy()
    sums = IncrementalOverlapAdd(window_weights(8, "hann"))
    got = {}
    for t in range(7, 30):  # the window ending at frame t
        with torch.no_grad():
            prediction = model(torch.from_numpy(x[t - 7 : t + 1].T.copy())).numpy()
        sums.add(t, prediction.astype(np.float64), first_valid=0)
        if t >= 14:  # frame t - 7 has seen all 8 windows covering it
            got[t - 7] = sums.mean(t - 7)
            sums.forget_before(t - 7)
    for f, value in got.items():
        np.testing.assert_allclose(value, offline[f], atol=1e-5)
    assert sums.mean(0) is None


def test_threads_and_chunks_do_not_change_the_result(model, rng):
    """Chunks run in parallel are added in order: bitwise the same on 1 or 3 threads."""
    from smoothnet.core.engine import ModuleRunner, run_windows

    x = rng.normal(size=(500, 6)).astype(np.float32)
    runner = ModuleRunner(model)
    one = run_windows(runner, x, chunk_rows=60, threads=1)
    three = run_windows(runner, x, chunk_rows=60, threads=3)
    np.testing.assert_array_equal(one, three)
    expected = reference(model, x, 8, 1, weighting="hann")
    np.testing.assert_allclose(one, expected, atol=1e-5)
    np.testing.assert_allclose(run_windows(runner, x, stride=3, threads=2),
                               reference(model, x, 8, 3, weighting="hann"), atol=1e-5)  # fmt: skip


def test_the_fast_runner_equals_the_module_through_the_engine(model, rng):
    from smoothnet.core.engine import ModuleRunner, run_windows
    from smoothnet.models.inference import WindowNet
    from smoothnet.models.registry import ModelSpec

    spec = ModelSpec(8, "smoothnet", 32, 8, 2)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    x = np.cumsum(rng.normal(size=(300, 6)), axis=0).astype(np.float32) * 0.05
    expected = run_windows(ModuleRunner(model), x)
    for backend in ("numpy", "torch"):
        got = run_windows(WindowNet(spec, state, backend), x, threads=2)
        np.testing.assert_allclose(got, expected, atol=1e-5)
