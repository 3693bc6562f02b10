import numpy as np
import pytest
import torch

from smoothnet.core.smoother import Smoother
from smoothnet.core.space import ModelSpace, fill_missing
from smoothnet.models.checkpoint import UsageInfo, save_checkpoint
from smoothnet.models.filters import gaussian
from smoothnet.models.registry import ModelSpec
from smoothnet.prep.synthetic import noisy_detection, smooth_motion
from smoothnet.utils.body_scale import person_radius

W = 8


def linear_checkpoint(path, matrix, fps=None):
    """A SmoothNet that maps each window ``w`` to ``matrix @ w`` exactly: [A; -A] then
    (10/11)[I, -I] undoes LeakyReLU(0.1)."""
    spec = ModelSpec(W, hidden_size=2 * W, res_hidden_size=1, num_blocks=0, dropout=0.0)
    model = spec.build()
    matrix = torch.as_tensor(matrix, dtype=torch.float32)
    eye = torch.eye(W)
    with torch.no_grad():
        model.encoder[0].weight.copy_(torch.cat([matrix, -matrix]))
        model.encoder[0].bias.zero_()
        model.decoder.weight.copy_(torch.cat([eye, -eye], dim=1) * 10 / 11)
        model.decoder.bias.zero_()
    save_checkpoint(path, model, spec, UsageInfo(fps=fps))
    return path


def identity_checkpoint(path, fps=None):
    """A SmoothNet that returns its input exactly."""
    return linear_checkpoint(path, torch.eye(W), fps)


def random_checkpoint(path, person_size=None):
    torch.manual_seed(0)
    spec = ModelSpec(W, hidden_size=32, res_hidden_size=8, num_blocks=1, dropout=0.0)
    save_checkpoint(path, spec.build(), spec, UsageInfo(person_size=person_size))
    return path


def motion(frames=40, joints=17, dims=3, seed=0):
    rng = np.random.default_rng(seed)
    scale = 1.0 if dims == 3 else 200.0
    gt = scale * smooth_motion(frames, joints, dims, 30.0, rng) + (500 if dims == 2 else 0)
    return noisy_detection(gt, 0.02 * scale, rng)


@pytest.fixture
def identity(tmp_path):
    # The model's output as it is: with the default strength the guard would (rightly)
    # smooth these noisy tracks with a Gaussian where the identity leaves them noisy.
    return Smoother(identity_checkpoint(tmp_path / "id.pth"), device="cpu", strength=1.0)


@pytest.fixture
def random_model(tmp_path):
    return Smoother(random_checkpoint(tmp_path / "r.pth"), device="cpu")


@pytest.mark.parametrize("dims,image_size", [(3, None), (2, (1000, 1000)), (2, None), (6, None)])
def test_identity_model_round_trips_every_normalisation(identity, dims, image_size):
    x = motion(dims=dims if dims != 6 else 3)
    if dims == 6:
        x = np.concatenate([x, x], axis=-1)
    out = identity.smooth(x, image_size=image_size)
    np.testing.assert_allclose(out, x, atol=1e-4 * np.abs(x).max())


def test_millimetres_are_detected_and_restored(identity):
    x = 1000 * motion()
    codec = ModelSpace.for_user(None).fit(x)
    assert (codec.scale == 1000.0).all()
    np.testing.assert_allclose(codec.decode(codec.encode(x), 17), x, atol=1e-9)
    np.testing.assert_allclose(identity.smooth(x), x, atol=0.1)


@pytest.mark.parametrize("frames", [1, 2, 5, W])
def test_short_sequences_are_smoothed_not_passed_through(random_model, identity, frames):
    x = motion(frames)
    out = random_model.smooth(x)
    assert out.shape == x.shape and np.isfinite(out).all()
    assert not np.allclose(out, x)  # the model really ran
    np.testing.assert_allclose(identity.smooth(x), x, atol=1e-4)


def test_people_axis_and_types(random_model):
    x = np.stack([motion(seed=1), motion(seed=2)], axis=1)  # (T, P, K, C)
    out = random_model.smooth(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out[:, 1], random_model.smooth(x[:, 1]), atol=1e-6)
    tensor = random_model.smooth(torch.from_numpy(x.astype(np.float32)))
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float32
    np.testing.assert_allclose(tensor.numpy(), out, atol=1e-4)


def test_missing_joints_are_filled_for_the_model_and_returned_missing(identity):
    x = motion()
    holed = x.copy()
    holed[10:14, 3] = np.nan
    confidence = np.ones(x.shape[:2])
    confidence[20, 5] = 0.1
    out = identity.smooth(holed, confidence=confidence)
    assert np.isnan(out[10:14, 3]).all() and np.isfinite(out[20, 5]).all()
    keep = np.isfinite(out).all(axis=-1)
    assert keep.sum() == x.shape[0] * x.shape[1] - 4  # the confidence threshold defaults to 0
    identity.min_confidence = 0.5
    out = identity.smooth(holed, confidence=confidence)
    assert np.isnan(out[20, 5]).all()
    np.testing.assert_allclose(out[np.isfinite(out)], x[np.isfinite(out)], atol=1e-4)


def test_fill_missing_interpolates_linearly():
    x = np.arange(6, dtype=float)[:, None, None] * np.ones((1, 2, 2))
    missing = np.zeros((6, 2), dtype=bool)
    missing[[0, 2, 3, 5], 0] = True
    missing[:, 1] = True  # never seen: the frame's valid joints' mean
    filled = fill_missing(x, missing)
    np.testing.assert_allclose(filled[:, 0, 0], [1, 1, 2, 3, 4, 4])
    np.testing.assert_allclose(filled[:, 1, 0], filled[:, 0, 0])


def test_fps_is_resampled_to_the_checkpoint(tmp_path):
    smoother = Smoother(identity_checkpoint(tmp_path / "f.pth", fps=50.0), device="cpu", fps=25.0,
                        strength=1.0)  # fmt: skip
    x = motion(30)
    seen = []
    smooth = smoother.method._smooth
    smoother.method._smooth = lambda values: seen.append(len(values)) or smooth(values)
    np.testing.assert_allclose(smoother.smooth(x), x, atol=1e-4)
    assert seen and set(seen) == {59}  # 0 .. 29/25 s at 50 fps


@pytest.mark.parametrize("dims", [3, 2, 6])
def test_online_with_full_lookahead_equals_offline_inside(random_model, dims):
    x = motion(40, dims=3 if dims == 6 else dims)
    if dims == 3:  # a fixed root: online centres it on the first frame, offline on its box
        x = x - x.mean(axis=1, keepdims=True) + np.array([0.1, -0.2, 3.0])
    if dims == 6:
        x = np.concatenate([x, x], axis=-1)
    size = (1000, 1000) if dims == 2 else None
    random_model.strength = 1.0  # online smoothing keeps the model's output as it is
    offline = random_model.smooth(x, image_size=size)
    online = random_model.online(latency=W - 1)
    got = {}
    for t in range(len(x)):
        poses, ids = online.update(x[t][None], ["p"], image_size=size)
        if ids:
            got[t - (W - 1)] = poses[0]
    for f in range(W - 1, len(x) - W + 1):
        np.testing.assert_allclose(got[f], offline[f], atol=1e-5 * np.abs(x).max())


def test_online_causal_latency_and_track_churn(random_model):
    online = random_model.online(latency=0, max_gap=3)
    a, b = motion(30, seed=1), motion(30, seed=2)
    seen = []
    for t in range(30):
        frame, ids = [], []
        if t < 10 or t >= 13:  # "a" is missing for 3 frames: bridged
            frame.append(a[t])
            ids.append("a")
        if t < 20:  # "b" leaves for good at 20
            frame.append(b[t])
            ids.append("b")
        poses, out_ids = online.update(np.array(frame).reshape(len(frame), 17, 3), ids)
        assert out_ids == ids  # causal: this frame's people
        assert poses.shape[0] == len(ids) and np.isfinite(poses).all()
        seen.append(out_ids)
    assert seen[12] == ["b"] and seen[25] == ["a"]
    assert online.tracks["a"].start == 0  # the gap was bridged, not restarted
    assert "b" not in online.tracks  # gone since frame 20: forgotten, memory stays bounded
    poses, ids = online.update(np.zeros((0, 17, 3)), [])  # a frame with nobody
    assert ids == [] and poses.shape[0] == 0


def test_long_absence_starts_a_new_track(random_model):
    online = random_model.online(latency=2, max_gap=2)
    a = motion(20)
    for t in list(range(5)) + list(range(10, 20)):
        online.frame_index = t - 1
        online.update(a[t][None], ["a"])
    assert online.tracks["a"].start == 10


def test_online_reports_missing_joints_and_checks_arguments(random_model, identity):
    online = identity.online(latency=1)
    x = motion(12)
    x[5, 2] = np.nan
    out = {}
    for t in range(12):
        poses, ids = online.update(x[t][None], [7])
        if ids:
            out[t - 1] = poses[0]
    assert np.isnan(out[5][2]).all() and np.isfinite(out[6]).all()
    np.testing.assert_allclose(out[8], x[8], atol=1e-4)
    with pytest.raises(ValueError, match="latency must be between 0 and W - 1 = 7"):
        random_model.online(latency=8)
    with pytest.raises(ValueError, match="2 poses but 1 track ids"):
        random_model.online().update(np.zeros((2, 17, 3)), ["x"])
    with pytest.raises(ValueError, match="needs a SmoothNet checkpoint"):
        Smoother("savgol").online()


def test_filters_share_the_contract():
    smoother = Smoother("savgol", window_size=9)
    x = np.stack([motion(seed=1), motion(seed=2)], axis=1)
    out = smoother.smooth(x)
    assert out.shape == x.shape and smoother.name == "savgol"
    np.testing.assert_allclose(out[:, 0], smoother.smooth(x[:, 0]))
    with pytest.raises(ValueError, match=r"expected \(T, K, C\) or \(T, P, K, C\)"):
        smoother.smooth(np.zeros((5, 3)))


def test_online_warns_about_a_different_frame_rate(tmp_path, caplog):
    smoother = Smoother(identity_checkpoint(tmp_path / "f.pth", fps=50.0), device="cpu", fps=25.0,
                        strength=1.0)  # fmt: skip
    with caplog.at_level("WARNING"):
        smoother.online()
    assert (
        "input at 25 fps is outside the frame rates the checkpoint was trained on (50-50"
        in caplog.text
    )


@pytest.mark.parametrize("dims", [2, 3])
def test_a_recorded_person_size_is_what_the_model_sees(dims):
    x = motion(dims=dims)
    codec = ModelSpace.for_user(0.2).fit(x)
    model_input = codec.encode(x).reshape(len(x), -1, dims)
    joints = model_input[:, :17]  # 3D: the root's channels come after the joints
    assert np.isclose(person_radius(joints), 0.2)
    np.testing.assert_allclose(codec.decode(codec.encode(x), 17), x, atol=1e-9)


def test_the_same_motion_in_a_640_px_and_a_4k_frame_smooths_to_the_same_result(tmp_path):
    """A nonlinear model: only the person-size normalisation makes this hold."""
    smoother = Smoother(random_checkpoint(tmp_path / "p.pth", person_size=0.2), device="cpu")
    small = motion(dims=2) * 0.3 + 50  # a person ~60 px tall in a 640-px frame
    big = small * 6.0 + 200  # the same person filmed in 4K
    np.testing.assert_allclose(smoother.smooth(big), 6.0 * smoother.smooth(small) + 200,
                               rtol=1e-5, atol=1e-3)  # fmt: skip


def test_metres_and_millimetres_smooth_to_the_same_result(tmp_path):
    smoother = Smoother(random_checkpoint(tmp_path / "p.pth", person_size=0.45), device="cpu")
    metres = motion(dims=3)
    np.testing.assert_allclose(smoother.smooth(1000 * metres), 1000 * smoother.smooth(metres),
                               rtol=1e-5, atol=1e-3)  # fmt: skip
    online_m = smoother.online(latency=3)
    online_mm = smoother.online(latency=3)
    for frame in metres[:20]:
        a, _ = online_m.update(frame[None], [0])
        b, _ = online_mm.update(1000 * frame[None], [0])
        np.testing.assert_allclose(b, 1000 * a, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("dims", [2, 3])
def test_a_track_far_from_the_origin_smooths_as_one_at_it(tmp_path, dims):
    """A nonlinear model: only centring every channel makes translation not matter (a 3D
    track in camera coordinates, 5 m away, against the same motion around the origin)."""
    smoother = Smoother(random_checkpoint(tmp_path / "p.pth", person_size=0.3), device="cpu")
    near = motion(dims=dims)
    offset = np.array([0.5, -1.0, 5.0][:dims])
    np.testing.assert_allclose(smoother.smooth(near + offset), smoother.smooth(near) + offset,
                               rtol=1e-6, atol=1e-5)  # fmt: skip
    online_near, online_far = smoother.online(latency=2), smoother.online(latency=2)
    returned = 0
    for frame in near[:12]:
        a, ids = online_near.update(frame[None], [0])
        b, _ = online_far.update(frame[None] + offset, [0])
        if ids:
            np.testing.assert_allclose(b, a + offset, rtol=1e-6, atol=1e-5)
            returned += 1
    assert returned == 10


def test_online_updates_run_on_one_thread_and_restore_the_setting(random_model, monkeypatch):
    seen = []
    method = random_model.method
    real_runner = method.runner

    def spy(x):
        seen.append(torch.get_num_threads())
        return real_runner(x)

    monkeypatch.setattr(method, "runner", spy)
    before = torch.get_num_threads()
    online = random_model.online(latency=0)
    for frame in motion(frames=3):
        online.update(frame[None], [0])
    assert seen == [1, 1, 1] and torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads"):
        random_model.online(threads=0)


def test_a_low_latency_checkpoint_refuses_offline_use_and_long_latencies(tmp_path):
    """Trained with the loss on the last 4 frames of each window only (LOSS.LAST_FRAMES 4):
    its other frames are untrained, so offline smoothing and latencies >= 4 are refused."""
    from smoothnet.commands import smooth as smooth_command

    torch.manual_seed(0)
    spec = ModelSpec(W, hidden_size=32, res_hidden_size=8, num_blocks=1, dropout=0.0)
    path = tmp_path / "low_latency.pth"
    save_checkpoint(path, spec.build(), spec, UsageInfo(person_size=0.3, last_frames=4))
    smoother = Smoother(path, device="cpu")
    x = motion(20)
    with pytest.raises(ValueError, match=r"latency below 4 frames \(LOSS\.LAST_FRAMES 4\)"):
        smoother.smooth(x)
    with pytest.raises(ValueError, match="latency below 4 frames"):
        smoother.online(latency=4)
    online = smoother.online(latency=3)
    returned = [len(online.update(frame[None], [0])[1]) for frame in x]
    assert sum(returned) == len(x) - 3
    np.save(tmp_path / "in.npy", x)
    argv = [str(tmp_path / "in.npy"), str(tmp_path / "out.npy"), "--method", str(path)]
    with pytest.raises(SystemExit, match=r"error: --method .*online smoothing"):
        smooth_command.main(argv)
    assert not (tmp_path / "out.npy").exists()


def test_fps_is_a_smooth_argument_and_out_of_range_values_are_refused(tmp_path):
    path = identity_checkpoint(tmp_path / "f.pth", fps=50.0)
    smoother = Smoother(path, device="cpu", strength=1.0)
    x = motion(30)
    np.testing.assert_allclose(smoother.smooth(x, fps=25), x, atol=1e-4)  # 2x up and back
    with pytest.raises(ValueError, match="fps must be between"):
        smoother.smooth(x, fps=0.1)
    for bad in ("strong", 1.5, -0.1, True):
        with pytest.raises(ValueError, match="strength must be"):
            Smoother(identity_checkpoint(tmp_path / "g.pth"), device="cpu", strength=bad)


def test_resampling_only_outside_the_frame_rates_training_covered(tmp_path):
    path = tmp_path / "s.pth"
    spec = ModelSpec(W, hidden_size=16, res_hidden_size=1, num_blocks=0, dropout=0.0)
    info = UsageInfo(fps=50.0, augmentation={"speed": [0.5, 4.0]})  # covers 12.5-100 fps
    save_checkpoint(path, spec.build(), spec, info)
    smoother = Smoother(path, device="cpu")
    assert [smoother._resamples(f) for f in (12.0, 30.0, 100.0, 10.0, 120.0)] == [
        False, False, False, True, True]  # fmt: skip
    plain = Smoother(identity_checkpoint(tmp_path / "p.pth", fps=50.0), device="cpu")
    assert [plain._resamples(f) for f in (50.0, 46.0, 30.0)] == [False, False, True]


def test_strength_blends_towards_the_input_and_reports_per_joint(random_model):
    x = motion(60)
    random_model.strength = 1.0
    full = random_model.smooth(x)
    random_model.strength = 0.25
    np.testing.assert_allclose(random_model.smooth(x), x + 0.25 * (full - x), atol=1e-9)
    (report,) = random_model.last_report
    assert report.strength.shape == (17,) and np.all(report.strength == 0.25)
    random_model.strength = "auto"
    out = random_model.smooth(x)
    (report,) = random_model.last_report
    assert np.all((report.strength >= 0) & (report.strength <= 1))
    # Per joint: a share of the model's correction (the guarded model), blended with a
    # share of a Gaussian where that lowered the estimated risk.
    guarded = x + report.strength[None, :, None] * (full - x)
    share = report.gaussian_share[None, :, None]
    widths = np.where(report.gaussian > 0, report.gaussian, 1.0)
    filtered = np.stack([gaussian(x[:, j], sigma=w) for j, w in enumerate(widths)], axis=1)
    np.testing.assert_allclose(out, share * filtered + (1 - share) * guarded, atol=1e-6)
    assert ((report.gaussian > 0) == (report.gaussian_share > 0)).all()


def test_image_size_of_another_frame_draws_one_warning(tmp_path, caplog):
    smoother = Smoother(random_checkpoint(tmp_path / "r.pth", person_size=0.093), device="cpu")
    gt = motion(60, dims=2)
    big = (gt - 500) * 2 + 1000  # the same person twice as large, in a 2000 px frame
    radius = person_radius(big)
    assert radius / 1000 / 0.093 > 1.5  # image normalisation puts it far from the trained size
    with caplog.at_level("WARNING"):
        smoother.smooth(big, image_size=(2000, 2000))
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "image_size puts this person at 2.00x" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        smoother.smooth(big)  # scaled by the person: no warning
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_gaussian_blends_are_on_by_default_and_can_be_switched_off(tmp_path):
    """An identity model leaves noise in; by default the guard blends each joint with a
    share of the Gaussian of lowest estimated risk; ``fallback_gaussians=()`` leaves the
    guarded model alone."""
    x = motion(200)
    path = identity_checkpoint(tmp_path / "id.pth")
    plain = Smoother(path, device="cpu", fallback_gaussians=())
    np.testing.assert_allclose(plain.smooth(x), x, atol=1e-4 * np.abs(x).max())
    assert (plain.last_report[0].gaussian == 0).all()
    chosen = Smoother(path, device="cpu")
    out = chosen.smooth(x)
    report = chosen.last_report[0]
    assert (report.gaussian > 0).all() and (report.gaussian_share > 0).all()
    for joint, (width, share) in enumerate(zip(report.gaussian, report.gaussian_share)):
        expected = share * gaussian(x[:, joint], sigma=width) + (1 - share) * x[:, joint]
        np.testing.assert_allclose(out[:, joint], expected, atol=1e-4 * np.abs(x).max())


def test_long_tracks_probe_the_divergence_on_blocks_and_match_a_whole_track_probe(
    tmp_path, monkeypatch
):
    """Beyond PROBE_FRAMES frames the guard's second model pass runs over stretches of
    PROBE_FRAMES frames (and a window either side) only; the strengths and the output
    match those of a probe over the whole track."""
    from smoothnet.core.methods import WindowModel
    from smoothnet.core.strength import PROBE_FRAMES, probe_length

    path = random_checkpoint(tmp_path / "r.pth")
    frames = PROBE_FRAMES + 3000
    rng = np.random.default_rng(4)
    gt = smooth_motion(frames, 4, 3, 30.0, rng)
    x = noisy_detection(gt, 0.02, rng)
    advanced = []
    monkeypatch.setattr(Smoother, "_advance", lambda self, n: advanced.append(n))
    blocks = Smoother(path, device="cpu")
    assert blocks.method.probe_reach() == W + 2
    out = blocks.smooth(x)
    probed = probe_length(frames, W + 2)
    assert sum(advanced) == frames + probed and probed < PROBE_FRAMES + 20 * (W + 2)
    strength = blocks.last_report[0].strength
    monkeypatch.setattr(WindowModel, "probe_reach", lambda self, fps=None: None)
    advanced.clear()
    whole = Smoother(path, device="cpu")
    reference = whole.smooth(x)
    assert sum(advanced) == 2 * frames
    np.testing.assert_allclose(strength, whole.last_report[0].strength, atol=0.02)
    error, reference_error = (np.linalg.norm(o - gt, axis=-1).mean() for o in (out, reference))
    assert error == pytest.approx(reference_error, rel=0.01)


def test_probe_reach_only_where_a_stretch_smooths_as_the_whole_track(tmp_path):
    path = tmp_path / "s.pth"
    spec = ModelSpec(W, hidden_size=16, res_hidden_size=1, num_blocks=0, dropout=0.0)
    save_checkpoint(path, spec.build(), spec, UsageInfo(fps=50.0))
    assert Smoother(path, device="cpu").method.probe_reach(50.0) == W + 2
    assert Smoother(path, device="cpu").method.probe_reach(20.0) is None  # resampled
    assert Smoother(path, device="cpu", stride=2).method.probe_reach(50.0) is None


def blur_checkpoint(path, sigma):
    """A SmoothNet that blurs each window with a Gaussian of ``sigma`` frames: a model that
    over-smooths."""
    from scipy.ndimage import gaussian_filter1d

    return linear_checkpoint(path, gaussian_filter1d(np.eye(W), sigma, axis=0, mode="nearest"))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_model_that_oversmooths_white_noise_gives_way_to_a_lighter_gaussian(
    tmp_path, monkeypatch, seed
):
    """Slow motion with white noise and a model that smooths it a little too hard: the
    report says the noise read as white, and the output is closer to the truth than with
    the lighter Gaussians ruled out (the gate shut)."""
    from smoothnet.core import strength

    rng = np.random.default_rng(seed)
    gt = smooth_motion(300, 17, 3, 30.0, rng)
    x = gt + rng.normal(scale=0.01, size=gt.shape)
    smoother = Smoother(blur_checkpoint(tmp_path / "blur.pth", 2.0), device="cpu")
    out = smoother.smooth(x)
    assert smoother.last_report[0].noise_reads_white
    monkeypatch.setattr(strength, "LIGHTER_GATE", -np.inf)
    shut = smoother.smooth(x)
    assert not smoother.last_report[0].noise_reads_white

    def error(y):
        return np.linalg.norm(y - gt, axis=-1).mean()

    assert error(out) < 0.95 * error(shut) and error(shut) < error(x)
