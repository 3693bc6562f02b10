"""Bad settings and files through the real command lines: one line, no traceback, nothing left.

Every case runs ``train_smoothnet.py`` or ``eval_smoothnet.py`` in a subprocess
and checks the exit code, that stderr is one line naming the problem, that
no run folder was created and that pre-existing files are untouched.
"""

import subprocess
import sys

import numpy as np
import pytest
import torch

from smoothnet.prep.synthetic import write_synthetic_dataset
from tests.conftest import ROOT

DATA = ["--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D"]
SMALL = ["MODEL.HIDDEN_SIZE", "32", "MODEL.RES_HIDDEN_SIZE", "8", "MODEL.NUM_BLOCK", "1",
         "TRAIN.EPOCH", "1", "DEVICE", "cpu"]  # fmt: skip


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    base = tmp_path_factory.mktemp("poses")
    write_synthetic_dataset(base, "h36m", "fcn", "3D", num_sequences=2, length_range=(60, 70))
    return base


def run(script, args, cwd):
    cmd = [sys.executable, str(ROOT / script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def assert_one_line(done, expected):
    assert done.returncode not in (0, None), done.stdout[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert expected in lines[0], lines[0]


TRAIN_CASES = [
    (["--slide_window_size", "0"], "MODEL.SLIDE_WINDOW_SIZE (--slide_window_size) must be between 1 and 1024"),
    (["--slide_window_size", "8", "EVALUATE.SLIDE_WINDOW_STEP_SIZE", "0"],
     "EVALUATE.SLIDE_WINDOW_STEP_SIZE must be between 1 and the window size 8"),
    (["--slide_window_size", "8", "EVALUATE.SLIDE_WINDOW_STEP_SIZE", "9"],
     "EVALUATE.SLIDE_WINDOW_STEP_SIZE must be between 1 and the window size 8"),
    (["--slide_window_size", "8", "MODEL.TYPE", "transformer"], "MODEL.TYPE must be one of"),
    (["--slide_window_size", "8", "TRAIN.SAMPLING", "random"], "TRAIN.SAMPLING must be one of"),
    (["--slide_window_size", "8", "EVALUATE.PAD_MODE", "reflect"],
     "EVALUATE.PAD_MODE must be one of"),
    (["--slide_window_size", "8", "TRAIN.BEST_METRIC", "smoothnet_mpjp"],
     "TRAIN.BEST_METRIC must be one of"),
    (["--slide_window_size", "8", "TRAIN.INIT", "zeros"], "TRAIN.INIT must be one of"),
    (["--slide_window_size", "8", "LOSS.NORM", "huber"], "LOSS.NORM must be one of"),
    (["--slide_window_size", "8", "TRAIN.LR", "0.0"], "TRAIN.LR must be > 0"),
    (["--slide_window_size", "8", "MODEL.DROPOUT", "1.0"], "MODEL.DROPOUT must be in [0, 1)"),
    (["--slide_window_size", "8", "TRAIN.BATCH_SIZE", "0"], "TRAIN.BATCH_SIZE must be >= 1"),
    (["--slide_window_size", "8", "TRAIN.VALIDATE_HOLDOUT", "S99_"],
     "TRAIN.VALIDATE_HOLDOUT S99_: 0 of"),
    (["--slide_window_size", "8", "--resume", "missing.pth.tar"],
     "--resume: checkpoint not found: missing.pth.tar"),
    (["--slide_window_size", "8", "LOSS.W_ACCEL", "1000"], "config override: Type mismatch"),
    (["--slide_window_size", "8", "TRAIN.NO_SUCH_KEY", "1"], "config override"),
]  # fmt: skip


@pytest.mark.parametrize("args,expected", TRAIN_CASES)
def test_train_settings(base, tmp_path, args, expected):
    out = tmp_path / "out"
    done = run("train_smoothnet.py", [*DATA, *args, *SMALL, "DATASET.BASE_DIR", str(base),
                                      "OUTPUT_DIR", str(out)], tmp_path)  # fmt: skip
    assert_one_line(done, expected)
    assert not out.exists()


def test_output_dir_that_is_a_file(base, tmp_path):
    (tmp_path / "taken").write_text("keep me")
    for output in ("taken", "taken/below"):
        done = run("train_smoothnet.py", [*DATA, "--slide_window_size", "8", *SMALL,
                   "DATASET.BASE_DIR", str(base), "OUTPUT_DIR", str(tmp_path / output)],
                   tmp_path)  # fmt: skip
        assert_one_line(done, "is a file, not a folder")
    assert (tmp_path / "taken").read_text() == "keep me"


def test_malformed_yaml(base, tmp_path):
    (tmp_path / "bad.yaml").write_text("TRAIN: [unclosed\n")
    done = run("train_smoothnet.py", ["--cfg", str(tmp_path / "bad.yaml"), *DATA], tmp_path)
    assert_one_line(done, f"--cfg {tmp_path / 'bad.yaml'}")


def write_bad_split(base, mutate):
    """A copy of the synthetic test split with ``mutate(det, gt)`` applied."""
    from smoothnet.dataset.base import npz_paths, object_array, save_npz
    from smoothnet.utils.npz import load_npz

    gt_path, det_path = npz_paths(base, "h36m", "fcn", "3D", "test")
    gt, det = load_npz(gt_path), load_npz(det_path)
    mutate(det, gt)
    out = base.parent / f"bad_{mutate.__name__}"
    new_gt, new_det = npz_paths(out, "h36m", "fcn", "3D", "test")
    for phase in ("train",):
        for src, dst in zip(npz_paths(base, "h36m", "fcn", "3D", phase),
                            npz_paths(out, "h36m", "fcn", "3D", phase)):  # fmt: skip
            save_npz(dst, load_npz(src))
    save_npz(new_gt, {k: object_array(list(v)) if v.dtype == object else v for k, v in gt.items()})
    save_npz(new_det, {k: object_array(list(v)) if v.dtype == object else v
                       for k, v in det.items()})  # fmt: skip
    return out


def fewer_joints(det, gt):
    det["joints_3d"] = np.array([a[:, :48] for a in det["joints_3d"]] + [None], dtype=object)[:-1]


def mixed_joints(det, gt):
    det["joints_3d"][1] = det["joints_3d"][1][:, :48]
    gt["joints_3d"][1] = gt["joints_3d"][1][:, :48]


def short_poses(det, gt):
    det["joints_3d"][0] = det["joints_3d"][0][:-5]


@pytest.mark.parametrize("mutate,expected", [
    (fewer_joints, "joints"),
    (mixed_joints, "joints"),
    (short_poses, "image names"),
])  # fmt: skip
def test_eval_bad_data(base, tmp_path, mutate, expected):
    bad = write_bad_split(base, mutate)
    ckpt = ROOT / "data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar"
    out = tmp_path / "out"
    done = run("eval_smoothnet.py", [*DATA, "--slide_window_size", "32", "--checkpoint", str(ckpt),
               "DATASET.BASE_DIR", str(bad), "OUTPUT_DIR", str(out), "DEVICE", "cpu"],
               tmp_path)  # fmt: skip
    assert_one_line(done, expected)
    assert not out.exists()


@pytest.mark.parametrize("raw,expected", [
    ({"format": "smoothnet-py/1"}, "entry 'model' must be a dict, but it is missing"),
    ({"format": "smoothnet-py/1", "model": {"window_size": 8}, "state_dict": [1]},
     "entry 'state_dict' must be a dict, but it is a list"),
    ({"format": "smoothnet-py/1", "model": {"window_size": -1}, "state_dict": {}},
     "invalid model"),
])  # fmt: skip
def test_eval_bad_checkpoint(base, tmp_path, raw, expected):
    torch.save(raw, tmp_path / "bad.pth.tar")
    out = tmp_path / "out"
    done = run("eval_smoothnet.py", [*DATA, "--slide_window_size", "8", "--checkpoint",
               str(tmp_path / "bad.pth.tar"), "DATASET.BASE_DIR", str(base), "OUTPUT_DIR",
               str(out), "DEVICE", "cpu"], tmp_path)  # fmt: skip
    assert_one_line(done, expected)
    assert not out.exists()


# -- the library API -------------------------------------------------------------------


def smoother():
    from smoothnet.core.smoother import Smoother

    return Smoother("h36m_hourglass_2D_w32", device="cpu")


def test_smoother_refuses_unusable_arrays():
    sm = smoother()
    x = np.zeros((20, 5, 2))
    with pytest.raises(ValueError, match=r"real tensor \(call \.float\(\)\), got torch.bfloat16"):
        sm.smooth(torch.zeros(20, 5, 2, dtype=torch.bfloat16))
    with pytest.raises(ValueError, match="real numbers, got dtype complex128"):
        sm.smooth(x.astype(complex))
    with pytest.raises(ValueError, match="no empty axis"):
        sm.smooth(np.zeros((20, 0, 5, 2)))
    with pytest.raises(ValueError, match=r"confidence must have shape \(20, 5\)"):
        sm.smooth(x, confidence=np.ones((20, 4)))
    with pytest.raises(ValueError, match="image_size must be"):
        sm.smooth(x, image_size=(0, 0))


def test_smoother_refuses_absurd_frame_rates():
    from smoothnet.commands import smooth as smooth_poses
    from smoothnet.core.smoother import FPS_RANGE, Smoother

    assert smooth_poses.FPS_RANGE == FPS_RANGE
    for fps in (0.001, 0.0, -30.0, 1e6):
        with pytest.raises(ValueError, match="fps must be between 1 and 1000"):
            Smoother("savgol", fps=fps)


def test_online_refuses_duplicate_ids_and_changing_joints():
    online = smoother().online(latency=0)
    with pytest.raises(ValueError, match="track ids appear twice in one frame: 7"):
        online.update(np.zeros((2, 5, 2)), [7, 7])
    online.update(np.ones((1, 5, 2)), ["a"])
    with pytest.raises(ValueError, match=r"track 'a' changed from \(5, 2\) to \(6, 2\)"):
        online.update(np.ones((1, 6, 2)), ["a"])
    with pytest.raises(ValueError, match=r"confidence must have shape \(1, 5\)"):
        online.update(np.ones((1, 5, 2)), ["a"], confidence=np.ones((1, 4)))


def test_online_track_starts_at_its_first_observation():
    online = smoother().online(latency=0)
    poses, ids = online.update(np.full((1, 5, 2), np.nan), [0])
    assert ids == [] and len(poses) == 0  # nothing invented from an empty first frame
    rng = np.random.default_rng(0)
    truth = 500 + 10 * rng.normal(size=(5, 2))
    for _ in range(5):
        poses, ids = online.update(truth[None] + rng.normal(0, 1, (1, 5, 2)), [0])
        assert ids == [0]
        assert np.abs(poses[0] - truth).max() < 10  # near the person, not near (0, 0)


def test_undefined_metrics_are_null_in_metrics_json(tmp_path):
    import json

    from smoothnet.utils.report import write_metrics

    write_metrics(tmp_path, {"h36m": {"input_mpjpe": 1.0, "input_accel": float("nan")}}, {})
    saved = json.loads((tmp_path / "metrics.json").read_text())  # strict JSON: no NaN
    assert saved["results"]["h36m"]["input_accel"] is None
    assert saved["undefined"][0].startswith("h36m: input_accel (no frame has a value")


def test_nan_weights_are_warned_about(tmp_path, caplog):
    from smoothnet.models.checkpoint import load_checkpoint, save_checkpoint
    from smoothnet.models.registry import ModelSpec

    spec = ModelSpec(8, "smoothnet", 16, 4, 1)
    model = spec.build()
    with torch.no_grad():
        model.decoder.bias[0] = float("nan")
    save_checkpoint(tmp_path / "nan.pth.tar", model, spec)
    load_checkpoint(tmp_path / "nan.pth.tar")
    assert "non-finite (NaN/inf) weights in decoder.bias" in caplog.text


def test_full_disk_is_one_line_and_leaves_the_old_file(tmp_path, monkeypatch):
    from smoothnet.models import checkpoint

    (tmp_path / "ckpt.pth.tar").write_bytes(b"old")

    def full(obj, f, *args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 64 vs 0")

    monkeypatch.setattr(checkpoint.torch, "save", full)
    with pytest.raises(checkpoint.CheckpointError, match="no space left on the device"):
        checkpoint.atomic_torch_save({}, tmp_path / "ckpt.pth.tar")
    assert (tmp_path / "ckpt.pth.tar").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pth.tar"]  # no temporary left


def test_eval_linear_baseline_of_the_wrong_kind(base, tmp_path):
    ckpt = ROOT / "data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar"
    out = tmp_path / "out"
    done = run("eval_smoothnet.py", [*DATA, "--slide_window_size", "32", "--checkpoint", str(ckpt),
               "--tradition", "linear", "EVALUATE.TRADITION_LINEAR.CHECKPOINT", str(ckpt),
               "DATASET.BASE_DIR", str(base), "OUTPUT_DIR", str(out), "DEVICE", "cpu"],
               tmp_path)  # fmt: skip
    assert_one_line(done, "a smoothnet checkpoint, not a linear one")
    assert not out.exists()
