from pathlib import Path

import numpy as np
import pytest

from smoothnet.dataset.base import DataError, SequenceSet, npz_paths, object_array
from smoothnet.dataset.specs import DATASETS, H36M17_TO_LSP14
from smoothnet.prep.synthetic import write_synthetic_dataset


def write(path: Path, **arrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: object_array(v) if isinstance(v, list) else v for k, v in arrays.items()})


def names(*lengths: int) -> list[np.ndarray]:
    return [np.array([f"s{i}/{t:06d}.jpg" for t in range(n)]) for i, n in enumerate(lengths)]


def test_paths_follow_the_original_layout(tmp_path):
    gt, det = npz_paths(tmp_path, "h36m", "fcn", "3D", "test")
    assert gt == tmp_path / "h36m_fcn_3D/groundtruth/h36m_gt_3D_test.npz"
    assert det == tmp_path / "h36m_fcn_3D/detected/h36m_fcn_3D_test.npz"


def test_3d_loading_and_keypoints_alias(tmp_path, rng):
    gt_path, det_path = npz_paths(tmp_path, "h36m", "fcn", "3D", "test")
    gts = [rng.normal(size=(n, 51)) for n in (5, 9)]
    write(gt_path, imgname=names(5, 9), keypoints_3d=gts)
    write(det_path, imgname=names(5, 9), joints_3d=[g + 1 for g in gts])
    data = SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")
    assert len(data) == 2 and data.channels == 51 and data.layout.name == "h36m17"
    np.testing.assert_allclose(data.sequences[1].groundtruth, gts[1].reshape(9, 17, 3))
    np.testing.assert_allclose(data.sequences[1].detected, gts[1].reshape(9, 17, 3) + 1)
    det, gt = data.encoded(data.sequences[1])  # 3D: the original feeds metres as stored
    assert det.dtype == np.float32 and det.shape == (9, 51)
    np.testing.assert_allclose(gt, gts[1], rtol=1e-6)
    assert data.sequences[0].name.startswith("#0 s0")


def test_h36m_2d_normalisation_by_hand(tmp_path):
    gt_path, det_path = npz_paths(tmp_path, "h36m", "hourglass", "2D", "test")
    frame = np.tile([1000.0, 250.0], 16)[None]  # (1, 32) pixels
    write(gt_path, imgname=names(1), joints_2d=[frame])
    write(det_path, imgname=names(1), joints_2d=[frame])
    data = SequenceSet(tmp_path, "h36m", "hourglass", "2D", "test")
    seq = data.sequences[0]
    np.testing.assert_allclose(seq.groundtruth[0, 0], [1000.0, 250.0])  # pixels, as stored
    _, gt = data.encoded(seq)
    np.testing.assert_allclose(gt[0, :2], [1.0, -0.5])  # (p - 500) / 500


def test_jhmdb_normalisation_by_image_shape(tmp_path):
    gt_path, det_path = npz_paths(tmp_path, "jhmdb", "simplepose", "2D", "test")
    frame = np.tile([80.0, 60.0], 15)[None]
    write(
        gt_path,
        imgname=names(1),
        joints_2d=[frame],
        imgshape=[np.array([240, 320])],
        bbox=[np.array([[0, 0, 10, 20]])],
    )
    write(det_path, imgname=names(1), joints_2d=[frame])
    data = SequenceSet(tmp_path, "jhmdb", "simplepose", "2D", "test")
    seq = data.sequences[0]
    np.testing.assert_allclose(data.encoded(seq)[1][0, :2], [80 / 320 - 0.5, 60 / 240 - 0.5])
    assert seq.image_shape == (240.0, 320.0) and seq.bbox.shape == (1, 4)


def test_pw3d_spin_is_remapped_to_lsp14(tmp_path):
    gt_path, det_path = npz_paths(tmp_path, "pw3d", "spin", "3D", "test")
    joints = np.arange(17 * 3, dtype=float).reshape(1, 17, 3)
    write(gt_path, imgname=names(1), joints_3d=[joints.reshape(1, -1)])
    write(det_path, imgname=names(1), joints_3d=[joints.reshape(1, -1)])
    seq = SequenceSet(tmp_path, "pw3d", "spin", "3D", "test").sequences[0]
    np.testing.assert_allclose(seq.groundtruth.reshape(14, 3), joints[0, list(H36M17_TO_LSP14)])


def test_synthetic_writer_round_trips_through_the_loader(tmp_path):
    write_synthetic_dataset(
        tmp_path, "jhmdb", "simplepose", "2D", num_sequences=2, length_range=(20, 30)
    )
    data = SequenceSet(tmp_path, "jhmdb", "simplepose", "2D", "train")
    assert len(data) == 2 and data.channels == 30


# --- bad input: one clear line each ------------------------------------------------


def test_missing_file_names_the_expected_path(tmp_path):
    with pytest.raises(
        DataError,
        match=r"ground-truth file not found: .*h36m_fcn_3D/groundtruth/h36m_gt_3D_test\.npz",
    ):
        SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")


def test_missing_key_is_named(tmp_path, rng):
    gt_path, det_path = npz_paths(tmp_path, "h36m", "fcn", "3D", "test")
    write(gt_path, imgname=names(4), joints_3d=[rng.normal(size=(4, 51))])
    write(det_path, imgname=names(4), joints_2d=[rng.normal(size=(4, 34))])
    with pytest.raises(
        DataError,
        match=r"h36m_fcn_3D_test\.npz: missing key 'joints_3d' or 'keypoints_3d'; keys present: imgname, joints_2d",
    ):
        SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")


def test_frame_count_mismatch_names_the_sequence(tmp_path, rng):
    gt_path, det_path = npz_paths(tmp_path, "h36m", "fcn", "3D", "test")
    write(
        gt_path, imgname=names(4, 6), joints_3d=[rng.normal(size=(4, 51)), rng.normal(size=(6, 51))]
    )
    write(
        det_path,
        imgname=names(4, 5),
        joints_3d=[rng.normal(size=(4, 51)), rng.normal(size=(5, 51))],
    )
    with pytest.raises(
        DataError, match=r"sequence #1 s1 has 5 detected frames but 6 ground-truth frames"
    ):
        SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")


def test_non_finite_values_name_sequence_and_frame(tmp_path, rng):
    gt_path, det_path = npz_paths(tmp_path, "h36m", "fcn", "3D", "test")
    bad = rng.normal(size=(6, 51))
    bad[3, 7] = np.inf
    write(gt_path, imgname=names(6), joints_3d=[rng.normal(size=(6, 51))])
    write(det_path, imgname=names(6), joints_3d=[bad])
    with pytest.raises(
        DataError,
        match=r"detected/h36m_fcn_3D_test\.npz: non-finite value in key 'joints_3d', sequence #0 s0, frame 3",
    ):
        SequenceSet(tmp_path, "h36m", "fcn", "3D", "test")


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ("h37m", "fcn", "3D", "test"),
            "unknown dataset 'h37m'; valid: aist, cmu, h36m, jhmdb, mpiinf3dhp, mupots, pw3d",
        ),
        (("h36m", "spin", "3D", "test"), "no estimator 'spin' for 3D; valid: fcn, rle"),
        (("jhmdb", "simplepose", "3D", "test"), "no body representation '3D'; valid: 2D"),
        (("mupots", "tposenet", "3D", "train"), "no 'train' phase; valid: test"),
    ],
)
def test_unknown_names_list_the_valid_ones(tmp_path, args, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SequenceSet(tmp_path, *args)


def test_every_dataset_declares_consistent_facts():
    for spec in DATASETS.values():
        for rep, estimators in spec.layouts.items():
            for estimator in estimators:
                layout = spec.layout(estimator, rep)
                assert all(0 <= j < layout.num_joints for edge in layout.edges for j in edge)
                assert all(0 <= j < layout.num_joints for j in layout.root)
