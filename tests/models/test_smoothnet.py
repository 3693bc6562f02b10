import pytest
import torch

from smoothnet.models.motion_aware import MotionAwareSmoothNet
from smoothnet.models.smoothnet import SmoothNet


def param_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_parameter_count_matches_closed_form():
    # 2WH + H + W + B(2HR + R + H), from the original's architecture.
    for w, h, r, b, expected in [(32, 512, 128, 5, 691_872), (32, 512, 16, 1, 50_224)]:
        assert param_count(SmoothNet(w, hidden_size=h, res_hidden_size=r, num_blocks=b)) == expected
        assert expected == 2 * w * h + h + w + b * (2 * h * r + r + h)


def test_state_dict_keys_are_the_originals():
    keys = set(SmoothNet(8, hidden_size=16, res_hidden_size=4, num_blocks=2).state_dict())
    expected = {"encoder.0.weight", "encoder.0.bias", "decoder.weight", "decoder.bias"}
    for i in range(2):
        for layer in ("linear1", "linear2"):
            expected |= {f"res_blocks.{i}.{layer}.weight", f"res_blocks.{i}.{layer}.bias"}
    assert keys == expected


def test_forward_matches_hand_written_layers():
    torch.manual_seed(0)
    model = SmoothNet(6, hidden_size=10, res_hidden_size=4, num_blocks=2).eval()
    x = torch.randn(3, 5, 6)
    sd = model.state_dict()

    def lin(v, name):
        return v @ sd[f"{name}.weight"].T + sd[f"{name}.bias"]

    lrelu = torch.nn.functional.leaky_relu
    y = lrelu(lin(x, "encoder.0"), 0.1)
    for i in range(2):
        z = lrelu(lin(y, f"res_blocks.{i}.linear1"), 0.2)
        z = lrelu(lin(z, f"res_blocks.{i}.linear2"), 0.2)
        y = y + z
    expected = lin(y, "decoder")
    torch.testing.assert_close(model(x), expected)


def test_channels_are_independent():
    # Temporal-only: permuting channels permutes outputs; any channel count works.
    model = SmoothNet(8, hidden_size=16, res_hidden_size=4, num_blocks=1).eval()
    x = torch.randn(2, 7, 8)
    perm = torch.randperm(7)
    torch.testing.assert_close(model(x)[:, perm], model(x[:, perm]))
    assert model(torch.randn(4, 1, 8)).shape == (4, 1, 8)


def test_wrong_window_length_is_rejected():
    with pytest.raises(ValueError, match="8 frames"):
        SmoothNet(8)(torch.randn(1, 3, 9))


@pytest.mark.parametrize(
    "w,expected", [(8, 2_386_345), (16, 2_411_481), (32, 2_462_905), (64, 2_570_361)]
)
def test_motion_aware_shapes_and_parameter_count(w, expected):
    model = MotionAwareSmoothNet(w).eval()
    assert param_count(model) == expected  # the derived table of the spec
    assert model(torch.randn(2, 3, w)).shape == (2, 3, w)


def test_motion_aware_reduces_to_basic_model():
    torch.manual_seed(1)
    basic = SmoothNet(10, hidden_size=12, res_hidden_size=5, num_blocks=2).eval()
    aware = MotionAwareSmoothNet(10, hidden_size=12, res_hidden_size=5, num_blocks=2).eval()
    missing, unexpected = aware.load_state_dict(basic.state_dict(), strict=False)
    assert not unexpected and all(
        not k.startswith(("encoder", "res_blocks", "decoder")) for k in missing
    )
    with torch.no_grad():
        aware.fusion.weight.zero_()
        aware.fusion.weight[:, :10] = torch.eye(10)  # pass the position slice through
        aware.fusion.bias.zero_()
    x = torch.randn(4, 3, 10)
    torch.testing.assert_close(aware(x), basic(x))


def test_motion_aware_branch_inputs():
    # Capture what the velocity/acceleration branches see.
    aware = MotionAwareSmoothNet(5, hidden_size=8, res_hidden_size=2, num_blocks=1).eval()
    seen = {}
    aware.velocity_branch.register_forward_pre_hook(lambda m, a: seen.__setitem__("v", a[0]))
    aware.acceleration_branch.register_forward_pre_hook(lambda m, a: seen.__setitem__("a", a[0]))
    constant = torch.full((1, 2, 5), 3.0)
    aware(constant)
    assert seen["v"].abs().max() == 0 and seen["a"].abs().max() == 0
    ramp = torch.arange(5.0).expand(1, 2, 5) * 0.5
    aware(ramp)
    torch.testing.assert_close(seen["v"], torch.full((1, 2, 4), 0.5))
    assert seen["a"].abs().max() == 0


@pytest.mark.parametrize("model_type", ["smoothnet", "motion_aware", "linear"])
def test_centred_windows_make_any_model_translation_equivariant(model_type):
    from smoothnet.models.registry import ModelSpec

    torch.manual_seed(2)
    spec = ModelSpec(10, model_type, hidden_size=24, res_hidden_size=6, num_blocks=2,
                     center_windows=True)  # fmt: skip
    model = spec.build().double().eval()
    if model_type == "linear":  # the identity would be equivariant anyway
        torch.nn.init.normal_(model.linear.weight)
        torch.nn.init.normal_(model.linear.bias)
    x = torch.randn(5, 4, 10, dtype=torch.float64)
    offset = torch.randn(5, 4, 1, dtype=torch.float64) * 10  # one constant per window and channel
    torch.testing.assert_close(model(x + offset), model(x) + offset, atol=1e-10, rtol=0)
    # Without centring the same weights are not equivariant.
    plain = ModelSpec(10, model_type, hidden_size=24, res_hidden_size=6, num_blocks=2).build()
    plain.load_state_dict(model.state_dict())
    plain = plain.double().eval()
    assert (plain(x + offset) - plain(x) - offset).abs().max() > 1e-3


@pytest.mark.parametrize("p", [0.25, 0.5, 0.3])  # 0.3: float masks
def test_bernoulli_dropout_keeps_1_minus_p_and_rescales(p):
    from smoothnet.models.dropout import BernoulliDropout

    torch.manual_seed(3)
    drop = BernoulliDropout(p).train()
    x = torch.full((400, 1000), 2.0)
    y = drop(x)
    kept = y != 0
    # 400,000 draws: the kept share is within 5 standard errors of 1 - p.
    assert abs(kept.float().mean().item() - (1 - p)) < 5 * ((p * (1 - p)) / x.numel()) ** 0.5
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 2.0 / (1 - p)))
    assert torch.equal(drop.eval()(x), x)
    # Gradients flow through the kept elements only, scaled like the values.
    x = torch.ones(50, 20, requires_grad=True)
    out = drop.train()(x)
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())


def test_cpu_dropout_masks_follow_torchs_random_state():
    """The CPU masks are drawn by NumPy but seeded from torch's generator: the same torch
    state gives the same masks (exact resume), a different one different masks."""
    from smoothnet.models.dropout import BernoulliDropout, cpu_keep_mask

    drop = BernoulliDropout(0.25).train()
    x = torch.ones(64, 512)
    torch.manual_seed(11)
    state = torch.get_rng_state()
    first = drop(x)
    second = drop(x)
    torch.set_rng_state(state)
    assert torch.equal(drop(x), first)
    assert not torch.equal(first, second)
    # Odd sizes (not a multiple of the 8-byte draws) and the mask's own values.
    mask = cpu_keep_mask(torch.Size([3, 5, 7]), 64, 4.0 / 3.0)
    assert mask.shape == (3, 5, 7) and mask.dtype == torch.float32
    assert set(mask.unique().tolist()) <= {0.0, float(torch.tensor(4.0 / 3.0))}
    # float64 input keeps its dtype.
    assert drop(torch.ones(4, 9, dtype=torch.float64)).dtype == torch.float64


def test_noise_scaled_windows_are_scale_and_translation_equivariant():
    from smoothnet.models.smoothnet import window_noise_scale

    torch.manual_seed(0)
    model = SmoothNet(16, hidden_size=32, res_hidden_size=8, num_blocks=1, dropout=0.0,
                      center_windows=True, scale_windows=True).double().eval()
    x = torch.randn(5, 6, 16, dtype=torch.float64)
    with torch.no_grad():
        out = model(x)
        torch.testing.assert_close(model(3.0 * x + 2.0), 3.0 * out + 2.0)
        # one window at a time equals the batch: the scale is pooled per window
        torch.testing.assert_close(model(x[2]), out[2])
    # white noise of std 0.5: the third-difference scale estimates it
    noise = 0.5 * torch.randn(1, 34, 4000, dtype=torch.float64)
    assert abs(window_noise_scale(noise).item() - 0.5) < 0.01


def test_detrended_windows_pass_a_constant_velocity_whatever_the_weights():
    torch.manual_seed(2)
    for scale in (False, True):
        model = SmoothNet(16, hidden_size=32, res_hidden_size=8, num_blocks=1, dropout=0.0,
                          scale_windows=scale, detrend_windows=True).double().eval()
        x = torch.randn(4, 3, 16, dtype=torch.float64)
        ramp = 2.5 * torch.arange(16, dtype=torch.float64) - 7.0
        with torch.no_grad():
            torch.testing.assert_close(model(x + ramp), model(x) + ramp)
    plain = SmoothNet(16, hidden_size=32, res_hidden_size=8, num_blocks=1, dropout=0.0,
                      center_windows=True).double().eval()
    with torch.no_grad():
        assert (plain(x + ramp) - plain(x) - ramp).abs().max() > 1e-3  # centring alone: not
