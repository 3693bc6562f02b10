"""User data never runs code: npz files are read with a restricted unpickler."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from smoothnet.dataset.base import DataError, SequenceSet, npz_paths, object_array, save_npz
from smoothnet.utils.formats import FormatError, guess_format, read_keypoints
from smoothnet.utils.npz import UnsafeDataError, load_npz, npz_keys
from tests.conftest import ROOT


class Payload:
    """Unpickling this creates a folder: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def bare_pickle(path, marker):
    with path.open("wb") as f:
        pickle.dump(Payload(marker), f)


def h36m_pair(base, rng, det_extra=None, det_names=None):
    """A valid h36m_fcn_3D test split; ``det_*`` replace parts of the detected file."""
    gt_path, det_path = npz_paths(base, "h36m", "fcn", "3D", "test")
    names = object_array([np.array([f"S9_a/{i:06d}.jpg" for i in range(40)])])
    poses = object_array([rng.normal(size=(40, 51))])
    save_npz(gt_path, {"imgname": names, "joints_3d": poses})
    det = {"imgname": det_names if det_names is not None else names, "joints_3d": poses}
    det.update(det_extra or {})
    det_path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(det_path, **det)
    return det_path


def test_bare_pickle_renamed_npz_is_refused_unrun(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "poses.npz"
    bare_pickle(path, marker)
    for read in (load_npz, npz_keys, guess_format):
        with pytest.raises((UnsafeDataError, FormatError), match=r"not an \.npz"):
            read(path)
    assert not marker.exists()


def test_object_entry_with_a_payload_is_refused_unrun(tmp_path, rng):
    marker = tmp_path / "ran"
    payload = np.array([Payload(marker)], dtype=object)
    det = h36m_pair(tmp_path, rng, det_names=payload)
    with pytest.raises(UnsafeDataError, match=r"key 'imgname': refused to unpickle posix\.mkdir"):
        load_npz(det)
    with pytest.raises(DataError, match="refused to unpickle"):
        SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")
    with pytest.raises(FormatError, match="refused to unpickle"):
        read_keypoints(det)
    assert not marker.exists()


def test_payload_under_an_extra_key_is_refused_unrun(tmp_path, rng):
    marker = tmp_path / "ran"
    extra = {"notes": np.array([Payload(marker)], dtype=object)}
    det = h36m_pair(tmp_path, rng, det_extra=extra)
    with pytest.raises(UnsafeDataError, match="key 'notes'"):
        load_npz(det)
    with pytest.raises(DataError, match="refused to unpickle"):
        SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")
    assert not marker.exists()


@pytest.mark.parametrize("script", ["smooth_poses", "eval"])
def test_command_lines_refuse_payloads_in_one_line(tmp_path, rng, script):
    marker = tmp_path / "ran"
    det = h36m_pair(tmp_path, rng, det_names=np.array([Payload(marker)], dtype=object))
    if script == "smooth_poses":
        cmd = [sys.executable, str(ROOT / "scripts" / "smooth_poses.py"), str(det),
               str(tmp_path / "out.npz"), "--method", "savgol"]  # fmt: skip
    else:
        cmd = [sys.executable, str(ROOT / "eval_smoothnet.py"), "--checkpoint",
               str(ROOT / "data/checkpoints/h36m_fcn_3D_w32/checkpoint.pth.tar"),
               "--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D",
               "--slide_window_size", "32", "DATASET.BASE_DIR", str(tmp_path),
               "OUTPUT_DIR", str(tmp_path / "results"), "DEVICE", "cpu"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode != 0
    assert "refused to unpickle posix.mkdir" in done.stderr
    assert "Traceback" not in done.stderr
    assert not marker.exists()
    assert not (tmp_path / "out.npz").exists()


def test_real_layout_loads_like_numpy(tmp_path, rng):
    det = h36m_pair(tmp_path, rng)
    ours = load_npz(det)
    theirs = np.load(det, allow_pickle=True)
    assert sorted(ours) == sorted(theirs.files) == ["imgname", "joints_3d"]
    for key in ours:
        assert ours[key].dtype == object
        for a, b in zip(ours[key], theirs[key]):
            np.testing.assert_array_equal(a, b)


def test_shipped_demo_files_load():
    for path in sorted((ROOT / "data" / "demo").rglob("*.npz")):
        arrays = load_npz(path)
        assert {"imgname", "joints_3d"} <= set(arrays)


def test_plain_and_fortran_arrays(tmp_path):
    f = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    np.savez(tmp_path / "x.npz", f=f, s=np.array(["a", "bc"]), i=np.arange(5, dtype=np.int16))
    arrays = load_npz(tmp_path / "x.npz")
    np.testing.assert_array_equal(arrays["f"], f)
    assert arrays["s"].tolist() == ["a", "bc"] and arrays["i"].dtype == np.int16
