"""smoothnet-smooth (scripts/smooth_poses.py): every format round-trips, bad input gets one line."""

import json

import numpy as np
import pytest

from smoothnet.commands import smooth as smooth_poses
from smoothnet.dataset.base import object_array
from smoothnet.prep.synthetic import noisy_detection, smooth_motion
from smoothnet.utils.formats import read_keypoints
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
    assert run(src, tmp_path / f"same{src.suffix}", identity, "--strength", "1") == 0
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
    with pytest.raises(SystemExit, match="not a filter, a shipped checkpoint or a checkpoint file; "
                       "filters: savgol, gaus1d, gaussian, gaussian_s2, gaussian_s4, oneeuro; "
                       "shipped: h36m_fcn_3D_w32"):  # fmt: skip
        run(tmp_path / "ok.npy", tmp_path / "o.npy", str(tmp_path / "missing.pth"))
    assert not (tmp_path / "o.npy").exists() and not (tmp_path / "o.json").exists()


@pytest.mark.parametrize("dims,name", [(2, "h36m_2D_family"), (3, "h36m_3D_family")])
def test_default_method_is_the_shipped_family(tmp_path, capsys, dims, name):
    src, dst = tmp_path / "in.npy", tmp_path / "out.npy"
    np.save(src, track(5, dims).astype(np.float32))
    assert smooth_poses.main([str(src), str(dst), "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert f"smoothed with the {name} family (SmoothNet W=32 models) (tracks: 1 " in printed
    assert np.load(dst).shape == (T, K, dims)


def test_no_shipped_checkpoint_for_rotations(tmp_path):
    src = tmp_path / "rot.npy"
    np.save(src, np.zeros((T, 24, 6), np.float32))
    with pytest.raises(SystemExit, match="no shipped checkpoint for 6 values per joint"):
        smooth_poses.main([str(src), str(tmp_path / "out.npy")])


def test_formats_table_matches_the_library():
    from smoothnet.utils import formats

    assert smooth_poses.FORMATS == formats.FORMATS


def one_line_error(capsys, argv):
    """Run the command; return its (single-line) error message."""
    with pytest.raises(SystemExit) as raised:
        smooth_poses.main(argv)
    message = str(raised.value) if raised.value.code not in (0, 2) else capsys.readouterr().err
    assert raised.value.code != 0
    assert len(message.strip().splitlines()) == 1 and "Traceback" not in message
    return message


def test_command_line_fit_and_finish(tmp_path, capsys):
    src = tmp_path / "in.npy"
    np.save(src, track(1))
    out = tmp_path / "out.npy"
    assert smooth_poses.main([str(src), "-o", str(out), "--method", "savgol"]) == 0
    assert out.exists()
    capsys.readouterr()
    assert "name the output *.npy" in one_line_error(
        capsys, [str(src), str(tmp_path / "out.csv"), "--method", "savgol"]
    )
    assert not (tmp_path / "out.csv").exists()
    assert "--fps must be between 1 and 1000" in one_line_error(
        capsys, [str(src), str(out), "--fps", "0.001"]
    )
    assert "--image_size must be two numbers between 1 and 1e+06 pixels" in one_line_error(
        capsys, [str(src), str(out), "--image_size", "0", "0"]
    )
    assert "is a folder" in one_line_error(capsys, [str(src), str(tmp_path)])
    (tmp_path / "file").write_text("x")
    assert "is a file, not a folder" in one_line_error(
        capsys, [str(src), str(tmp_path / "file" / "out.npy")]
    )
    before = out.read_bytes()
    assert "--plot" in one_line_error(
        capsys, [str(src), str(out), "--plot", str(tmp_path / "file" / "p.png")]
    )
    assert out.read_bytes() == before  # the existing output is untouched


def test_coco_scores_are_written_back_unchanged(tmp_path):
    coco_file(tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text())
    data[0]["keypoints"][2] = 0.123456789
    (tmp_path / "c.json").write_text(json.dumps(data))
    run(tmp_path / "c.json", tmp_path / "o.json", "savgol")
    out = json.loads((tmp_path / "o.json").read_text())
    assert out[0]["keypoints"][2] == 0.123456789
    assert [r["keypoints"][2::3] for r in out] == [r["keypoints"][2::3] for r in data]


def test_bad_keypoint_files_get_one_line(tmp_path):
    (tmp_path / "empty.json").write_text("[]")
    with pytest.raises(SystemExit, match="no keypoints: not one person in any frame"):
        run(tmp_path / "empty.json", tmp_path / "o.json", "savgol")
    coco_file(tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text())
    data[0]["image_id"] = "first"
    (tmp_path / "mixed.json").write_text(json.dumps(data))
    with pytest.raises(SystemExit, match="'image_id' values must all be integers or all strings"):
        run(tmp_path / "mixed.json", tmp_path / "o.json", "savgol")
    data = json.loads((tmp_path / "c.json").read_text())
    data[1]["track_id"] = data[0]["track_id"]  # two people of frame 100 share a track
    (tmp_path / "dup.json").write_text(json.dumps(data))
    with pytest.raises(SystemExit, match="track_id 0 appears twice"):
        run(tmp_path / "dup.json", tmp_path / "o.json", "savgol")
    for name, array in (("obj.npy", np.array([[[None, 1]]], dtype=object)),
                        ("cplx.npy", np.zeros((5, 3, 2), complex)),
                        ("p0.npy", np.zeros((5, 0, 3, 2)))):  # fmt: skip
        np.save(tmp_path / name, array, allow_pickle=True)
        with pytest.raises(
            SystemExit, match=r"real numbers|empty keypoint array|allow_pickle=False"
        ):
            run(tmp_path / name, tmp_path / "o.npy", "savgol")
    assert not (tmp_path / "o.npy").exists() and not (tmp_path / "o.json").exists()


def test_the_report_says_what_it_measured_and_reads_a_stated_fps(tmp_path, identity, capsys):
    src = tmp_path / "in.npz"
    np.savez(src, keypoints=track(5), fps=np.float64(25.0))
    assert read_keypoints(src).fps == 25.0
    assert run(src, tmp_path / "out.npz", identity, "--strength", "0.5") == 0
    out = capsys.readouterr().out
    assert "at 25 fps" in out and "measured without ground truth (not an error)" in out
    assert "points moved" in out and "estimated input noise" in out and "kept 50 %" in out
    np.savez(src, keypoints=track(5), fps=np.array([25.0, 30.0]))
    with pytest.raises(SystemExit, match="'fps' must be one number"):
        run(src, tmp_path / "out.npz", identity)


def test_mmpose_predictions_may_state_their_fps(tmp_path):
    path = tmp_path / "p.json"
    mmpose_file(path)
    content = json.loads(path.read_text())
    content["fps"] = 12.5
    path.write_text(json.dumps(content))
    assert read_keypoints(path).fps == 12.5


def test_measured_summary_counts_gaussian_joints_and_white_noise_tracks():
    """Two tracks of 2 joints: one joint mixed with a Gaussian, one track read as white;
    each line counts what it says, worked out by hand."""
    from smoothnet.commands.smooth import measured_summary
    from smoothnet.core.smoother import TrackReport

    track = np.zeros((10, 2, 2))
    moved = track + 3.0  # every point moved by sqrt(18)
    reports = [
        (track, moved, TrackReport(np.full(2, 0.5), np.array([1.0, 0.5]), "free",
                                   np.array([2.0, 0.0]), np.array([0.5, 0.0]), True)),
        (track, moved, TrackReport(np.full(2, 0.5), np.array([1.0, 0.5]), "paced",
                                   np.zeros(2), np.zeros(2), False)),
    ]  # fmt: skip
    text = measured_summary(reports, "px", model=True)
    assert f"points moved {np.sqrt(18):.4g} px on average" in text
    assert "kept 75 % of the model's correction" in text
    assert "1 of 4 joints mixed with a share of a Gaussian" in text
    assert "1 of 2 tracks' noise read as white" in text
    reports[0][2].noise_reads_white = False
    assert "read as white" not in measured_summary(reports, "px", model=True)
