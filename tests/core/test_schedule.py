"""Step-based learning-rate schedule: warm-up, cosine decay to a floor."""

import math

import pytest
import torch

from smoothnet.core.schedule import make_optimizer, warmup_cosine_factor
from smoothnet.core.settings import TrainSettings


def test_factor_by_hand():
    # 4 warm-up steps: 1/5 .. 4/5; then cosine from 1 (step 4) to the floor (step 14).
    assert [warmup_cosine_factor(s, 15, 4, 0.1) for s in range(4)] == pytest.approx(
        [0.2, 0.4, 0.6, 0.8]
    )
    assert warmup_cosine_factor(4, 15, 4, 0.1) == pytest.approx(1.0)
    assert warmup_cosine_factor(9, 15, 4, 0.1) == pytest.approx(0.1 + 0.9 * 0.5)
    assert warmup_cosine_factor(14, 15, 4, 0.1) == pytest.approx(0.1)
    assert warmup_cosine_factor(40, 15, 4, 0.1) == pytest.approx(0.1)
    third = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.3))
    assert warmup_cosine_factor(7, 15, 4, 0.1) == pytest.approx(third)


def test_optimizer_follows_the_schedule_per_step():
    cfg = TrainSettings(lr=0.01, lr_schedule="cosine", warmup_steps=2, lr_floor=0.0)
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer, scheduler = make_optimizer(torch.nn.ParameterList([param]), cfg, total_steps=6)
    seen = []
    for _ in range(6):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert seen == pytest.approx([0.01 / 3, 0.02 / 3, 0.01, 0.0075, 0.0025, 0.0])


def test_epoch_schedule_is_the_original_decay():
    cfg = TrainSettings(lr=0.001, lr_decay=0.5)
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer, scheduler = make_optimizer(torch.nn.ParameterList([param]), cfg)
    optimizer.step()
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0005)


def test_unknown_schedule_is_refused():
    cfg = TrainSettings(lr_schedule="step")
    with pytest.raises(ValueError, match=r"TRAIN\.LR_SCHEDULE must be one of epoch, cosine"):
        make_optimizer(torch.nn.Linear(1, 1), cfg)


def test_fused_adam_makes_the_plain_amsgrad_update():
    from smoothnet.core.schedule import adam

    torch.manual_seed(4)
    model = torch.nn.Linear(6, 3)
    reference = torch.nn.Linear(6, 3)
    reference.load_state_dict(model.state_dict())
    ours, plain = adam(model, 0.01), torch.optim.Adam(reference.parameters(), lr=0.01, amsgrad=True)
    for _ in range(5):
        x = torch.randn(8, 6)
        for net, opt in ((model, ours), (reference, plain)):
            opt.zero_grad()
            (net(x) ** 2).mean().backward()
            opt.step()
    for a, b in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    assert ours.defaults["amsgrad"]
