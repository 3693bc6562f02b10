"""scripts/fit_linear.py: the plain fit and the augmented twin of a training config."""

import pytest

from scripts import fit_linear
from smoothnet.models.checkpoint import load_checkpoint
from smoothnet.prep.synthetic import write_synthetic_dataset

FLAGS = ["--dataset_name", "h36m", "--estimator", "fcn", "--body_representation", "3D",
         "--slide_window_size", "8"]  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("poses")
    write_synthetic_dataset(base, "h36m", "fcn", "3D", num_sequences=3, length_range=(60, 90))
    return base


def test_augmented_twin_records_its_augmentation(data_dir, tmp_path):
    plain, twin = tmp_path / "plain.pth.tar", tmp_path / "twin.pth.tar"
    assert fit_linear.main([*FLAGS, "--base_dir", str(data_dir), "--output", str(plain)]) == 0
    argv = [*FLAGS, "--base_dir", str(data_dir), "--output", str(twin),
            "--cfg", "configs/h36m_cpu_augmented.yaml", "--windows", "200"]  # fmt: skip
    assert fit_linear.main(argv) == 0
    plain_loaded, twin_loaded = load_checkpoint(plain), load_checkpoint(twin)
    assert plain_loaded.info.augmentation == {}
    assert twin_loaded.info.augmentation["synthetic_share"] == 0.5
    assert twin_loaded.spec.model_type == "linear"
    # Noisy synthetic windows make a different (smoother) fit than the plain pairs.
    difference = plain_loaded.model.matrix - twin_loaded.model.matrix
    assert difference.abs().max().item() > 1e-3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--windows", "10"], "--windows needs --cfg"),
        (["--cfg", "configs/missing.yaml"], "--cfg configs/missing.yaml: file not found"),
    ],
)
def test_bad_flags_fail_in_one_line(data_dir, tmp_path, capsys, extra, message):
    argv = [*FLAGS, "--base_dir", str(data_dir), "--output", str(tmp_path / "x.pth.tar"), *extra]
    with pytest.raises(SystemExit):
        fit_linear.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1]
    assert not (tmp_path / "x.pth.tar").exists()


def test_the_plain_fit_is_the_least_squares_solution_of_the_training_pairs(data_dir, tmp_path):
    import numpy as np

    from smoothnet.dataset.base import SequenceSet
    from smoothnet.models.linear import sequence_windows

    out = tmp_path / "plain.pth.tar"
    assert fit_linear.main([*FLAGS, "--base_dir", str(data_dir), "--output", str(out)]) == 0
    model = load_checkpoint(out).model
    train = SequenceSet(data_dir, "h36m", "fcn", "3D", "train")
    rows = [(sequence_windows(d, 8).numpy(), sequence_windows(g, 8).numpy())
            for d, g in (train.encoded(s) for s in train.sequences)]  # fmt: skip
    x = np.concatenate([r[0] for r in rows]).astype(np.float64)
    y = np.concatenate([r[1] for r in rows]).astype(np.float64)
    design = np.hstack([x, np.ones((len(x), 1))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(model.matrix.detach().numpy(), solution[:-1].T, atol=1e-4)
    np.testing.assert_allclose(model.bias.detach().numpy(), solution[-1], atol=1e-4)
