"""Files from users never run code and never leave a traceback: each case of the bad-input
review, then properties over arbitrary bytes and JSON for every reader (hypothesis)."""

import io
import json
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from smoothnet.commands.config import read_config_file
from smoothnet.models.smpl import SMPLModelError, read_smpl_file
from smoothnet.utils.formats import FORMATS, FormatError, read_keypoints, write_keypoints
from tests.conftest import ROOT

SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                HealthCheck.function_scoped_fixture])  # fmt: skip


class Exec:
    """A pickle payload that would run ``exec`` when unpickled."""

    def __reduce__(self):
        return (exec, ("open('PWNED', 'w').write('x')",))


def test_a_python_config_is_refused_and_not_run(tmp_path):
    evil = tmp_path / "evil.py"
    evil.write_text("open('PWNED', 'w').write('x')\n")
    for script in ("train_smoothnet.py", "eval_smoothnet.py", "visualize_smoothnet.py"):
        done = subprocess.run([sys.executable, str(ROOT / script), "--cfg", str(evil)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)  # fmt: skip
        assert done.returncode == 2 and "a config is a YAML file" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "PWNED").exists()


def test_a_crafted_smpl_pickle_cannot_reach_exec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "SMPL_NEUTRAL.pkl"
    path.write_bytes(pickle.dumps({"v_template": Exec()}, protocol=2))
    with pytest.raises(SMPLModelError, match=r"refused to unpickle \w+\.exec"):
        read_smpl_file(path)
    for protocol in (0, 4):
        path.write_bytes(pickle.dumps({"v_template": Exec()}, protocol=protocol))
        with pytest.raises(SMPLModelError, match="refused to unpickle"):
            read_smpl_file(path)
    assert not (tmp_path / "PWNED").exists()


def test_the_smpl_unpickler_reads_what_official_files_hold(tmp_path):
    """Numpy arrays, a SciPy sparse regressor and a chumpy-like object (as a stub)."""
    import scipy.sparse

    class Ch:  # pickled under the module name chumpy.ch, as the official files are
        def __init__(self, x):
            self.x = x

    Ch.__module__, Ch.__qualname__ = "chumpy.ch", "Ch"
    sys.modules.setdefault("chumpy", type(sys)("chumpy"))
    sys.modules["chumpy.ch"] = module = type(sys)("chumpy.ch")
    module.Ch = Ch
    try:
        content = {"v_template": Ch(np.ones((4, 3))), "shapedirs": Ch(np.zeros((4, 3, 10))),
                   "posedirs": np.zeros((4, 3, 207)), "J_regressor": scipy.sparse.csc_matrix(
                       np.eye(24, 4)), "weights": np.ones((4, 24)), "kintree_table": np.zeros(
                       (2, 24), dtype=np.int64), "f": np.zeros((2, 3), dtype=np.uint32)}  # fmt: skip
        data = pickle.dumps(content, protocol=2)
    finally:
        del sys.modules["chumpy.ch"]
    path = tmp_path / "SMPL_NEUTRAL.pkl"
    path.write_bytes(data)
    arrays_read = read_smpl_file(path)
    np.testing.assert_array_equal(arrays_read["v_template"], np.ones((4, 3)))
    np.testing.assert_array_equal(arrays_read["J_regressor"], np.eye(24, 4))


def test_a_pickled_payload_in_any_keypoint_file_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    payload = np.empty(1, dtype=object)
    payload[0] = Exec()
    np.savez(path, keypoints=payload)
    with pytest.raises(FormatError, match=r"refused to unpickle builtins.exec"):
        read_keypoints(path)
    npy = tmp_path / "evil.npy"
    np.save(npy, payload, allow_pickle=True)
    with pytest.raises(FormatError, match=r"refused to unpickle builtins.exec"):
        read_keypoints(npy)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.npy", b"", "cannot read .*empty.npy"),
        ("huge.npy", None, "the header declares 3400000000000 values"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("dicts.json", json.dumps([{"image_id": 1, "keypoints": {"x": 1}}]).encode(), "expected numbers"),
        ("bools.json", json.dumps([{"image_id": 1, "keypoints": [True, 2, 1]}]).encode(), "expected numbers, got bool"),
        ("big.json", b'[{"image_id": 1, "keypoints": [1' + b"0" * 400 + b', 2, 1]}]', "out of range"),
    ],
)
def test_malformed_files_are_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:  # a valid .npy header declaring 3.4e12 float64 values
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False,
                                                       "shape": (200_000_000_000, 17, 1)})  # fmt: skip
        content = buffer.getvalue() + b"\0" * 64
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        read_keypoints(path)


def test_original_layout_entries_that_are_dicts_are_one_line(tmp_path):
    path = tmp_path / "layout.npz"
    entries = np.empty(1, dtype=object)
    entries[0] = {"x": 1}
    np.savez(path, imgname=np.array(["a"]), joints_2d=entries)
    with pytest.raises(FormatError, match="joints_2d sequence 0: expected numbers, got dict"):
        read_keypoints(path)


def test_coco_nan_literals_are_written_as_null(tmp_path):
    src, out = tmp_path / "in.json", tmp_path / "out.json"
    src.write_text('[{"image_id": 1, "keypoints": [1, 2, NaN, 3, 4, 1], "score": NaN}]')
    data = read_keypoints(src)
    write_keypoints(out, data, data.tracks)
    text = out.read_text()
    assert "NaN" not in text and json.loads(text)[0]["score"] is None


@SLOW
@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".npy", ".npz", ".json"]))
def test_arbitrary_bytes_never_give_a_traceback(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"f{suffix}"
    path.write_bytes(content)
    try:
        read_keypoints(path)
    except FormatError as err:
        assert "\n" not in str(err)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["image_id", "keypoints", "track_id", "instances", "frame_id",
                         "instance_info", "keypoint_scores", "score"]), inner, max_size=4),
    max_leaves=30,
)  # fmt: skip


@SLOW
@given(content=JSON)
def test_arbitrary_json_never_gives_a_traceback(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("json") / "f.json"
    path.write_text(json.dumps(content))
    try:
        data = read_keypoints(path)
    except FormatError as err:
        assert "\n" not in str(err)
        return
    out = path.with_name("out.json")
    write_keypoints(out, data, data.tracks)
    json.loads(out.read_text())  # strict JSON back


@SLOW
@given(content=st.binary(max_size=600))
def test_arbitrary_config_bytes_are_read_safely_or_refused(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("cfg") / "c.yaml"
    path.write_bytes(content)
    try:
        read_config_file(path)
    except ValueError as err:
        assert "\n" not in str(err)
    assert not (path.parent / "PWNED").exists()


finite = arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 5), st.sampled_from([2, 3])),
                elements=st.floats(-1e6, 1e6, allow_nan=False))  # fmt: skip


@SLOW
@given(values=finite, fmt=st.sampled_from(["npy", "npz", "smoothnet"]))
def test_finite_arrays_round_trip_through_the_array_formats(tmp_path_factory, values, fmt):
    folder = tmp_path_factory.mktemp("rt")
    path = folder / ("in.npy" if fmt == "npy" else "in.npz")
    if fmt == "npy":
        np.save(path, values)
    elif fmt == "npz":
        np.savez(path, keypoints=values)
    else:
        entries = np.empty(1, dtype=object)
        entries[0] = values.reshape(len(values), -1)
        key = "joints_2d" if values.shape[-1] == 2 else "joints_3d"
        np.savez(path, imgname=np.array(["a"]), **{key: entries})
    data = read_keypoints(path)
    out = folder / path.name.replace("in", "out")
    write_keypoints(out, data, data.tracks)
    back = read_keypoints(out)
    assert set(back.tracks) == set(data.tracks)
    for key, track in data.tracks.items():
        np.testing.assert_array_equal(back.tracks[key], track)
    assert set(FORMATS) >= {data.format}


@SLOW
@given(values=finite)
def test_coco_keypoints_round_trip_to_three_decimals(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("coco")
    points = values[..., :2]
    results = [{"image_id": t, "keypoints": np.concatenate([p, np.ones((len(p), 1))], axis=1)
                .ravel().tolist()} for t, p in enumerate(points)]  # fmt: skip
    (folder / "in.json").write_text(json.dumps(results))
    data = read_keypoints(folder / "in.json")
    write_keypoints(folder / "out.json", data, data.tracks)
    back = read_keypoints(folder / "out.json")
    np.testing.assert_allclose(back.tracks[0], np.round(points, 3), atol=1e-9)


def test_a_zip_member_that_is_no_npy_is_one_line(tmp_path):
    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("keypoints.npy", b"not an npy")
    with pytest.raises(FormatError):
        read_keypoints(path)


def test_getattr_in_an_smpl_pickle_reaches_object_new_and_nothing_else(tmp_path):
    """A general getattr would let a pickle walk from object to os.system."""

    class Walk:
        def __reduce__(self):
            return (getattr, (object, "__subclasses__"))

    path = tmp_path / "SMPL_NEUTRAL.pkl"
    path.write_bytes(pickle.dumps({"v_template": Walk()}, protocol=2))
    with pytest.raises(SMPLModelError, match="refused getattr"):
        read_smpl_file(path)
