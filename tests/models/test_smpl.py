import pickle
import sys
import types

import numpy as np
import pytest
import scipy.sparse

from smoothnet.models.smpl import (
    SMPLEvaluator,
    SMPLModelError,
    convert_smpl_pickle,
    locate_smpl_files,
    read_smpl_file,
)
from tests.synthetic_smpl import make_model, reference_forward, write_model


@pytest.fixture(scope="module")
def smpl_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smpl")
    write_model(folder)
    return folder


def test_forward_matches_an_independent_skinning(smpl_dir):
    model = make_model()
    extra = np.load(smpl_dir / "J_regressor_extra.npy")
    rng = np.random.default_rng(3)
    pose = rng.normal(scale=0.5, size=(4, 72))
    betas = rng.normal(size=(4, 10))
    joints, vertices = SMPLEvaluator(smpl_dir, chunk=3)(pose, betas)
    ref_joints, ref_vertices = reference_forward(model, extra, pose, betas)
    assert joints.shape == (4, 14, 3) and vertices.shape == (4, 6890, 3)
    np.testing.assert_allclose(joints, ref_joints, atol=1e-5)
    np.testing.assert_allclose(vertices, ref_vertices, atol=1e-5)
    mean_shape, _ = SMPLEvaluator(smpl_dir)(pose[:1], None)
    np.testing.assert_allclose(
        mean_shape, reference_forward(model, extra, pose[:1], np.zeros((1, 10)))[0], atol=1e-5
    )


def test_chumpy_pickle_reads_without_chumpy(tmp_path, monkeypatch):
    # Build a pickle whose arrays are chumpy objects, with a throw-away "chumpy" module.
    fake = types.ModuleType("chumpy.ch")

    class Ch:
        def __init__(self, x):
            self.x = x

        def __reduce__(self):
            return (object.__new__, (Ch,), {"x": self.x})

    Ch.__module__ = "chumpy.ch"
    Ch.__qualname__ = "Ch"
    fake.Ch = Ch
    monkeypatch.setitem(sys.modules, "chumpy", types.ModuleType("chumpy"))
    monkeypatch.setitem(sys.modules, "chumpy.ch", fake)
    model = make_model()
    payload = {k: Ch(v) for k, v in model.items()}
    payload["J_regressor"] = scipy.sparse.csc_matrix(model["J_regressor"])
    with (tmp_path / "SMPL_NEUTRAL.pkl").open("wb") as f:
        pickle.dump(payload, f, protocol=2)
    monkeypatch.delitem(sys.modules, "chumpy.ch")
    monkeypatch.delitem(sys.modules, "chumpy")
    arrays = read_smpl_file(tmp_path / "SMPL_NEUTRAL.pkl")
    for key, value in model.items():
        np.testing.assert_allclose(arrays[key], value)
    convert_smpl_pickle(tmp_path / "SMPL_NEUTRAL.pkl", tmp_path / "converted.npz")
    np.testing.assert_allclose(
        read_smpl_file(tmp_path / "converted.npz")["weights"], model["weights"]
    )


def test_missing_files_say_what_and_where(tmp_path):
    with pytest.raises(
        SMPLModelError,
        match=r"missing .*SMPL_NEUTRAL\.pkl, .*J_regressor_extra\.npy; .*smpl\.is\.tue\.mpg\.de",
    ):
        locate_smpl_files(tmp_path)
    np.savez(tmp_path / "SMPL_NEUTRAL.npz", v_template=np.zeros((3, 3)))
    np.save(tmp_path / "J_regressor_extra.npy", np.zeros((9, 3)))
    with pytest.raises(SMPLModelError, match=r"missing SMPL arrays \['shapedirs'"):
        SMPLEvaluator(tmp_path)
