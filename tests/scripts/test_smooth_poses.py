"""scripts/smooth_poses.py: every format round-trips, bad input gets one line."""

import json

import numpy as np
import pytest

from lib.dataset.base import object_array
from lib.dataset.synthetic import noisy_detection, smooth_motion
from lib.utils.formats import read_keypoints
from scripts import smooth_poses
from tests.core.test_smoother import identity_checkpoint

T, K = 40, 17


def track(seed: int, dims: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return noisy_detection(500 + 200 * smooth_motion(T, K, dims, 30.0, rng), 3.0, rng)


@pytest.fixture(scope="module")
def identity(tmp_path_factory):
    return str(identity_checkpoint(tmp_path_factory.mktemp("ckpt") / "id.pth"))


def run(src, dst, method, *extra):
    return smooth_poses.main([str(src), str(dst), "--method", method, "--device", "cpu", *extra])


def coco_file(path, with_ids=True):
    a, b = track(1), track(2)
    results = []
    for t in range(T):
        people = [(0, a[t])] + ([(1, b[t])] if t < 25 else [])  # track 1 leaves at frame 25
        for tid, pose in people:
            entry = {"image_id": 100 + t, "category_id": 1, "score": 0.9,
                     "keypoints": np.concatenate([pose, np.full((K, 1), 0.8)], axis=1).ravel().tolist()}  # fmt: skip
            if with_ids:
                entry["track_id"] = tid
            results.append(entry)
    path.write_text(json.dumps(results))
    return results


def mmpose_file(path):
    a = track(3)
    frames = [{"frame_id": t, "instances": [{"keypoints": a[t].tolist(), "keypoint_scores": [0.9] * K,
                                             "bbox": [[0, 0, 10, 10]], "track_id": 5}]} for t in range(T)]  # fmt: skip
    frames[10]["instances"] = []  # nobody in frame 10
    path.write_text(json.dumps({"meta_info": {"dataset_name": "coco"}, "instance_info": frames}))


@pytest.mark.parametrize("name", ["npy", "npz", "smoothnet", "coco", "mmpose"])
def test_every_format_round_trips(tmp_path, identity, name):
    src = (
        tmp_path
        / f"in.{'json' if name in ('coco', 'mmpose') else 'npz' if name != 'npy' else 'npy'}"
    )
    if name == "npy":
        np.save(src, np.stack([track(1), track(2)], axis=1).astype(np.float32))
    elif name == "npz":
        np.savez(src, keypoints=track(1), scores=np.ones((T, K)), fps=np.array(30.0))
    elif name == "smoothnet":
        np.savez(src, imgname=object_array([np.array([f"s/{i}.jpg" for i in range(n)]) for n in (T, 20)]),
                 joints_3d=object_array([track(1, 3).reshape(T, -1), track(2, 3)[:20].reshape(20, -1)]))  # fmt: skip
    elif name == "coco":
        coco_file(src)
    else:
        mmpose_file(src)
    original = read_keypoints(src)
    assert original.format == name
    # The identity model returns every present keypoint unchanged ...
    assert run(src, tmp_path / f"same{src.suffix}", identity) == 0
    same = read_keypoints(tmp_path / f"same{src.suffix}", name)
    for tid, values in original.tracks.items():
        np.testing.assert_allclose(same.tracks[tid], values, atol=0.01, equal_nan=True)
    # ... a filter changes them, and the structure is kept.
    assert (
        run(src, tmp_path / f"smooth{src.suffix}", "savgol", "--plot", str(tmp_path / "j.png")) == 0
    )
    smooth = read_keypoints(tmp_path / f"smooth{src.suffix}", name)
    assert smooth.tracks.keys() == original.tracks.keys()
    for tid, values in original.tracks.items():
        present = np.isfinite(values)
        np.testing.assert_array_equal(np.isfinite(smooth.tracks[tid]), present)
        assert not np.allclose(smooth.tracks[tid][present], values[present])
    assert (tmp_path / "j.png").stat().st_size > 5_000
    if name == "npz":
        with np.load(tmp_path / "smooth.npz") as out:
            assert set(out.files) == {"keypoints", "scores", "fps"} and float(out["fps"]) == 30.0
    if name == "coco":
        out = json.loads((tmp_path / "smooth.json").read_text())
        assert len(out) == T + 25 and all(r["score"] == 0.9 for r in out)
        assert out[0]["keypoints"][2] == 0.8  # visibility kept
    if name == "mmpose":
        out = json.loads((tmp_path / "smooth.json").read_text())
        assert (
            out["meta_info"] == {"dataset_name": "coco"}
            and out["instance_info"][10]["instances"] == []
        )


def test_bad_inputs_fail_with_one_line(tmp_path):
    (tmp_path / "x.txt").write_text("1 2 3")
    with pytest.raises(SystemExit, match=r"unknown keypoint format '\.txt'"):
        run(tmp_path / "x.txt", tmp_path / "y.txt", "savgol")
    np.save(tmp_path / "flat.npy", np.zeros((10, 3)))
    with pytest.raises(
        SystemExit, match=r"expected a \(T, K, C\) or \(T, P, K, C\) array, got shape \(10, 3\)"
    ):
        run(tmp_path / "flat.npy", tmp_path / "o.npy", "savgol")
    np.savez(tmp_path / "k.npz", poses=np.zeros((10, 3, 2)))
    with pytest.raises(SystemExit, match="missing key 'keypoints'; keys present: poses"):
        run(tmp_path / "k.npz", tmp_path / "o.npz", "savgol")
    coco_file(tmp_path / "c.json", with_ids=False)
    with pytest.raises(SystemExit, match="frame 100 has 2 people but no 'track_id'"):
        run(tmp_path / "c.json", tmp_path / "o.json", "savgol")
    with pytest.raises(SystemExit, match="keypoint file not found"):
        run(tmp_path / "none.npy", tmp_path / "o.npy", "savgol")
    np.save(tmp_path / "ok.npy", track(1))
    with pytest.raises(SystemExit, match="checkpoint not found"):
        run(tmp_path / "ok.npy", tmp_path / "o.npy", str(tmp_path / "missing.pth"))
    assert not (tmp_path / "o.npy").exists() and not (tmp_path / "o.json").exists()


@pytest.mark.parametrize("dims,name", [(2, "h36m_hourglass_2D_w32"), (3, "h36m_fcn_3D_w32")])
def test_default_method_is_the_shipped_checkpoint(tmp_path, capsys, dims, name):
    src, dst = tmp_path / "in.npy", tmp_path / "out.npy"
    np.save(src, track(5, dims).astype(np.float32))
    assert smooth_poses.main([str(src), str(dst), "--device", "cpu"]) == 0
    assert "smoothed with SmoothNet W=32" in capsys.readouterr().out
    assert np.load(dst).shape == (T, K, dims)


def test_no_shipped_checkpoint_for_rotations(tmp_path):
    src = tmp_path / "rot.npy"
    np.save(src, np.zeros((T, 24, 6), np.float32))
    with pytest.raises(SystemExit, match="no shipped checkpoint for 6 values per joint"):
        smooth_poses.main([str(src), str(tmp_path / "out.npy")])
