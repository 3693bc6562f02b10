"""The FCN lifting step on small generated Human3.6M files."""

import json

import numpy as np
import pytest
import torch

from scripts import prepare_h36m, prepare_h36m_fcn
from smoothnet.dataset.base import SequenceSet
from smoothnet.prep.lifting import LiftingNetwork
from smoothnet.utils.metrics import mpjpe
from tests.prep.test_h36m_hourglass import write_source


def test_lifting_network_standardises_by_itself():
    model = LiftingNetwork(in_joints=2, out_joints=3, hidden=8, num_blocks=1).eval()
    inputs, outputs = torch.randn(50, 4) * 100 + 500, torch.randn(50, 9) * 30
    model.set_statistics(inputs, outputs)
    torch.nn.init.zeros_(model.head.weight)
    torch.nn.init.zeros_(model.head.bias)
    # A zero read-out predicts the training mean, in training units.
    lifted = model(inputs[:5].reshape(5, 2, 2))
    np.testing.assert_allclose(lifted.detach().reshape(5, 9), outputs.mean(0).expand(5, 9),
                               rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(model.output_std, outputs.double().std(0).float(), rtol=1e-5)


def test_lifter_trains_lifts_every_frame_and_reports(tmp_path, capsys):
    src, poses = tmp_path / "h36m", tmp_path / "poses"
    src.mkdir()
    write_source(src, frames=(300, 200))
    assert prepare_h36m.main(["--source", str(src), "--output", str(poses)]) == 0
    checkpoint = tmp_path / "lifter.pth"
    args = ["--poses", str(poses), "--checkpoint", str(checkpoint), "--epochs", "2",
            "--hidden", "32", "--frame_step", "2", "--batch_size", "64"]  # fmt: skip
    assert prepare_h36m_fcn.main(args) == 0
    assert checkpoint.is_file() and not (tmp_path / "lifter.pth.resume.pt").exists()
    raw = torch.load(checkpoint, weights_only=False)
    assert [h["epoch"] for h in raw["history"]] == [1, 2]
    assert all(
        v.dtype == torch.float16 for v in raw["state_dict"].values() if v.is_floating_point()
    )

    lifted = SequenceSet(poses, "h36m", "fcn", "3D", "train")
    assert [s.num_frames for s in lifted.sequences] == [300, 300]
    seq = lifted.sequences[0]
    det = seq.detected * 1000
    gt = seq.groundtruth * 1000
    assert np.abs(det[:, 0]).max() == 0.0  # root at the origin
    # The report's error equals one computed here from the written files.
    report = json.loads((poses / "h36m_fcn_3D/lifting_report.json").read_text())
    gt_rel = np.concatenate([(s.groundtruth * 1000) for s in lifted.sequences])
    det_all = np.concatenate([(s.detected * 1000) for s in lifted.sequences])
    expected = mpjpe(det_all, gt_rel - gt_rel[:, :1]).mean()
    assert report["train_all"]["mpjpe_mm"] == pytest.approx(expected, rel=1e-4)
    assert report["train_all"]["frames"] == 600 and report["test_all"]["frames"] == 200
    assert gt.shape == det.shape == (300, 17, 3)
    # The only test take (S9 Greeting) is flagged: no unflagged test figure.
    printed = capsys.readouterr().out
    assert "train (unflagged)" in printed and "test (unflagged)" not in printed

    # With the checkpoint present, a second run reuses it and writes the same output.
    before = np.load(poses / "h36m_fcn_3D/detected/h36m_fcn_3D_test.npz", allow_pickle=True)
    assert prepare_h36m_fcn.main(args) == 0
    after = np.load(poses / "h36m_fcn_3D/detected/h36m_fcn_3D_test.npz", allow_pickle=True)
    np.testing.assert_array_equal(before["joints_3d"][0], after["joints_3d"][0])


def test_lifter_needs_the_converted_data(tmp_path):
    with pytest.raises(SystemExit, match=r"prepare_h36m\.py first"):
        prepare_h36m_fcn.main(["--poses", str(tmp_path)])
