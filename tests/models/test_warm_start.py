"""Linear warm start: at step 0 the network computes the linear model exactly."""

import pytest
import torch

from smoothnet.models.checkpoint import infer_model_spec
from smoothnet.models.linear import LinearWindowModel
from smoothnet.models.registry import ModelSpec
from smoothnet.models.warm_start import warm_start_from_linear


@pytest.mark.parametrize("model_type", ["smoothnet", "motion_aware"])
@pytest.mark.parametrize("training", [False, True])
def test_output_equals_linear_model_in_float64(model_type, training):
    torch.manual_seed(0)
    window = 16
    spec = ModelSpec(window, model_type, hidden_size=48, res_hidden_size=8, num_blocks=3,
                     dropout=0.5)  # fmt: skip
    model = spec.build().double()
    matrix = torch.randn(window, window, dtype=torch.float64) * 0.3
    bias = torch.randn(window, dtype=torch.float64) * 0.1
    warm_start_from_linear(model, matrix, bias)
    model.train(training)  # dropout acts only inside the (identity) residual blocks
    x = torch.randn(7, 5, window, dtype=torch.float64)
    expected = LinearWindowModel(window, matrix, bias).double()(x)
    torch.testing.assert_close(model(x), expected, atol=1e-6, rtol=0)
    assert (model(x) - x @ matrix.T - bias).abs().max() < 1e-12


def test_state_dict_layout_is_unchanged():
    spec = ModelSpec(8, "smoothnet", hidden_size=32, res_hidden_size=4, num_blocks=2)
    model = spec.build()
    keys = list(model.state_dict())
    warm_start_from_linear(model, torch.eye(8), torch.zeros(8))
    assert list(model.state_dict()) == keys
    assert infer_model_spec(model.state_dict(), dropout=spec.dropout) == spec


def test_needs_twice_the_window_in_hidden_units():
    model = ModelSpec(16, "smoothnet", hidden_size=31, res_hidden_size=4, num_blocks=1).build()
    with pytest.raises(ValueError, match="hidden_size >= 2 \\* window_size"):
        warm_start_from_linear(model, torch.eye(16), torch.zeros(16))


def test_gradients_reach_the_free_units_at_step_0():
    torch.manual_seed(0)
    model = ModelSpec(8, "smoothnet", hidden_size=40, res_hidden_size=4, num_blocks=1,
                      dropout=0.0).build()  # fmt: skip
    warm_start_from_linear(model, torch.eye(8), torch.zeros(8))
    model(torch.randn(4, 3, 8)).pow(2).sum().backward()
    assert model.decoder.weight.grad[:, 16:].abs().sum() > 0  # the random rows' columns
    assert model.res_blocks[0].linear2.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("model_type", ["smoothnet", "motion_aware"])
def test_centred_model_starts_as_the_centred_linear_model(model_type):
    torch.manual_seed(1)
    window = 12
    spec = ModelSpec(window, model_type, hidden_size=32, res_hidden_size=8, num_blocks=2,
                     center_windows=True)  # fmt: skip
    model = spec.build().double()
    matrix = torch.randn(window, window, dtype=torch.float64) * 0.3
    bias = torch.randn(window, dtype=torch.float64) * 0.1
    warm_start_from_linear(model, matrix, bias)
    x = torch.randn(4, 3, window, dtype=torch.float64) + 5.0
    level = x.mean(dim=-1, keepdim=True)
    expected = (x - level) @ matrix.T + bias + level
    assert (model.eval()(x) - expected).abs().max() < 1e-12
