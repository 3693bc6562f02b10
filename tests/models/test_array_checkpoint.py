"""Reading checkpoints without torch: the same arrays as torch reads, nothing executed."""

import pickle
import zipfile

import numpy as np
import pytest
import torch

from smoothnet.models.array_checkpoint import load_array_checkpoint, read_torch_archive
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.models.shipped import SHIPPED_CHECKPOINTS
from smoothnet.models.usage_info import CheckpointError

NUMPY_RUNNABLE = [n for n in SHIPPED_CHECKPOINTS if "motion_aware" not in n]


@pytest.mark.parametrize("name", NUMPY_RUNNABLE)
def test_every_shipped_checkpoint_reads_as_torch_reads_it(name):
    path = SHIPPED_CHECKPOINTS[name]
    arrays, loaded = load_array_checkpoint(path), load_checkpoint(path)
    assert arrays.spec == loaded.spec and arrays.info == loaded.info
    state = loaded.model.state_dict()
    assert set(arrays.state) == set(state)
    for key, value in state.items():
        np.testing.assert_array_equal(arrays.state[key], value.numpy())


def test_views_offsets_and_dtypes_come_back_as_saved(tmp_path):
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    saved = {
        "transposed": base.t(),  # strides (1, 6) into a shared storage
        "slice": base[1:, 2:5],  # an offset into the same storage
        "ints": torch.tensor([1, -2, 3], dtype=torch.int64),
        "flags": torch.tensor([True, False]),
        "half": torch.tensor([0.5, 2.0], dtype=torch.float16),
        "scalar": torch.tensor(7.0),
        "nested": [1, "a", {"b": 2.5, "c": None}],
    }
    torch.save(saved, tmp_path / "t.pt")
    got = read_torch_archive(tmp_path / "t.pt")
    for key in ("transposed", "slice", "ints", "flags", "half", "scalar"):
        np.testing.assert_array_equal(got[key], saved[key].numpy())
        assert got[key].dtype == saved[key].numpy().dtype
    assert got["nested"] == saved["nested"]


class Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_global_outside_the_allowlist_is_refused_without_running(tmp_path, capsys):
    torch.save({"state_dict": {}, "payload": Exploit()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match=r"evil.pt.*print is not allowed"):
        load_array_checkpoint(tmp_path / "evil.pt")
    assert "must never run" not in capsys.readouterr().out


def test_legacy_and_broken_files_are_one_line_errors(tmp_path):
    legacy = tmp_path / "legacy.pth"
    torch.save({"w": torch.zeros(2)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match=r"legacy format.*needs torch"):
        load_array_checkpoint(legacy)
    empty = tmp_path / "empty.pth"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("x/data.pkl", pickle.dumps({"a": 1})[:5])  # cut short
    with pytest.raises(CheckpointError, match="cannot read checkpoint") as err:
        load_array_checkpoint(empty)
    assert "\n" not in str(err.value)
    with pytest.raises(CheckpointError, match="not found"):
        load_array_checkpoint(tmp_path / "nothing.pth")


def test_the_motion_aware_model_says_it_needs_torch():
    with pytest.raises(CheckpointError, match="motion-aware model needs torch"):
        load_array_checkpoint(SHIPPED_CHECKPOINTS["h36m_fcn_3D_w32_motion_aware"])


def test_a_misshapen_state_dict_names_the_key(tmp_path):
    loaded = load_checkpoint(SHIPPED_CHECKPOINTS["h36m_fcn_3D_w8"])
    state = loaded.model.state_dict()
    state["decoder.bias"] = torch.zeros(3)
    torch.save({"state_dict": state}, tmp_path / "bad.pth")
    with pytest.raises(CheckpointError, match=r"decoder.bias \(3,\) \(expected \(8,\)\)"):
        load_array_checkpoint(tmp_path / "bad.pth")
