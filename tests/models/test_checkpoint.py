from pathlib import Path

import pytest
import torch

from smoothnet.models.checkpoint import (
    CheckpointError,
    ModelSpec,
    UsageInfo,
    infer_model_spec,
    load_checkpoint,
    save_checkpoint,
)
from smoothnet.models.motion_aware import MotionAwareSmoothNet
from smoothnet.models.smoothnet import SmoothNet


def random_state_dict(w: int, h: int, r: int, b: int) -> dict[str, torch.Tensor]:
    """A state_dict written by hand in the original's key layout, not by our model."""
    g = torch.Generator().manual_seed(w + h + r + b)
    sd = {
        "encoder.0.weight": torch.randn(h, w, generator=g),
        "encoder.0.bias": torch.randn(h, generator=g),
    }
    for i in range(b):
        sd[f"res_blocks.{i}.linear1.weight"] = torch.randn(r, h, generator=g)
        sd[f"res_blocks.{i}.linear1.bias"] = torch.randn(r, generator=g)
        sd[f"res_blocks.{i}.linear2.weight"] = torch.randn(h, r, generator=g)
        sd[f"res_blocks.{i}.linear2.bias"] = torch.randn(h, generator=g)
    sd["decoder.weight"] = torch.randn(w, h, generator=g)
    sd["decoder.bias"] = torch.randn(w, generator=g)
    return sd


@pytest.mark.parametrize("wrapped", [False, True])
@pytest.mark.parametrize("w,h,r,b", [(8, 512, 16, 1), (32, 512, 128, 5), (16, 64, 32, 2)])
def test_original_checkpoint_loads_and_gives_identical_outputs(tmp_path: Path, wrapped, w, h, r, b):
    sd = random_state_dict(w, h, r, b)
    obj = (
        {
            "epoch": 69,
            "state_dict": sd,
            "performance": [{"mpjpe": torch.tensor(1.5)}],
            "optimizer": {},
        }
        if wrapped
        else sd
    )
    path = tmp_path / f"checkpoint_{w}.pth.tar"
    torch.save(obj, path)
    loaded = load_checkpoint(path)
    assert loaded.spec == ModelSpec(w, "smoothnet", h, r, b)
    assert loaded.source_format == "original" and "inferred" in loaded.summary()
    reference = SmoothNet(w, hidden_size=h, res_hidden_size=r, num_blocks=b).eval()
    reference.load_state_dict(sd)
    x = torch.randn(3, 51, w)
    torch.testing.assert_close(loaded.model(x), reference(x), rtol=0, atol=0)
    if wrapped:
        assert loaded.epoch == 69 and loaded.performance == [{"mpjpe": 1.5}]


def test_data_parallel_prefix_is_stripped(tmp_path):
    sd = {f"module.{k}": v for k, v in random_state_dict(8, 32, 8, 1).items()}
    torch.save({"state_dict": sd, "epoch": 0}, tmp_path / "c.pth")
    assert load_checkpoint(tmp_path / "c.pth").spec.window_size == 8


def test_our_checkpoint_round_trip(tmp_path):
    spec = ModelSpec(16, "motion_aware", 32, 8, 2, 0.25)
    model = spec.build()
    info = UsageInfo("3D", 17, 3, {"type": "none"}, 50.0, "h36m", "fcn")
    path = tmp_path / "run" / "checkpoint_best.pth.tar"
    save_checkpoint(
        path,
        model,
        spec,
        info,
        epoch=3,
        config={"TRAIN": {"LR": 1e-3}},
        performance={"mpjpe": torch.tensor(2.0)},
        best_metric=2.0,
    )
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    loaded = load_checkpoint(path)
    assert loaded.spec == spec and loaded.info == info and loaded.epoch == 3
    assert loaded.config == {"TRAIN": {"LR": 1e-3}} and loaded.performance == {"mpjpe": 2.0}
    assert loaded.extra == {"best_metric": 2.0}
    assert isinstance(loaded.model, MotionAwareSmoothNet) and not loaded.model.training
    x = torch.randn(2, 3, 16)
    torch.testing.assert_close(loaded.model(x), model.eval()(x))


def test_motion_aware_shapes_are_inferred():
    sd = MotionAwareSmoothNet(8, hidden_size=16, res_hidden_size=4, num_blocks=2).state_dict()
    assert infer_model_spec(sd) == ModelSpec(8, "motion_aware", 16, 4, 2)


def test_unknown_and_inconsistent_keys_are_named(tmp_path):
    sd = random_state_dict(8, 32, 8, 1)
    sd["extra.weight"] = torch.zeros(1)
    torch.save(sd, tmp_path / "a.pth")
    with pytest.raises(CheckpointError, match=r"a\.pth.*unknown keys \['extra\.weight'\]"):
        load_checkpoint(tmp_path / "a.pth")
    sd = random_state_dict(8, 32, 8, 1)
    sd["res_blocks.0.linear2.weight"] = torch.zeros(32, 9)
    with pytest.raises(CheckpointError, match=r"res_blocks\.0\.linear2\.weight \(32, 9\)"):
        infer_model_spec(sd)
    sd = random_state_dict(8, 32, 8, 1)
    del sd["decoder.bias"]
    with pytest.raises(CheckpointError, match=r"missing keys \['decoder\.bias'\]"):
        infer_model_spec(sd)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(CheckpointError, match=r"checkpoint not found: .*nope\.pth"):
        load_checkpoint(tmp_path / "nope.pth")
    (tmp_path / "bad.pth").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match=r"cannot read checkpoint .*bad\.pth"):
        load_checkpoint(tmp_path / "bad.pth")


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_original_checkpoint_saved_on_cuda_loads_on_cpu():
    # Saved on a GPU machine in the original's format: CUDA tensors in the state_dict,
    # the performance list and the optimizer state (W 8, H 16, R 4, B 1).
    loaded = load_checkpoint(FIXTURES / "original_cuda_checkpoint.pth.tar")
    assert loaded.spec == ModelSpec(8, "smoothnet", 16, 4, 1)
    assert loaded.epoch == 7 and loaded.performance == [{"mpjpe": 1.5}]
    assert all(t.device.type == "cpu" for t in loaded.model.state_dict().values())
    io = torch.load(FIXTURES / "original_cuda_checkpoint_io.pt")
    torch.testing.assert_close(loaded.model(io["x"]), io["y"], atol=1e-5, rtol=1e-5)
