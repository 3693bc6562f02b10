"""visualize_smoothnet.py end to end on generated data."""

import pytest

import visualize_smoothnet
from smoothnet.commands.config import get_cfg_defaults
from smoothnet.commands.settings import model_spec
from smoothnet.models.checkpoint import save_checkpoint
from smoothnet.prep.synthetic import write_synthetic_dataset
from smoothnet.visualize.video import read_video_info


@pytest.fixture
def checkpoint(tmp_path):
    cfg = get_cfg_defaults()
    cfg.MODEL.SLIDE_WINDOW_SIZE, cfg.MODEL.HIDDEN_SIZE, cfg.MODEL.NUM_BLOCK = 8, 16, 1
    spec = model_spec(cfg)
    path = tmp_path / "model.pth.tar"
    save_checkpoint(path, spec.build(), spec)
    return path


@pytest.mark.parametrize(
    "name,estimator,rep,fps",
    [
        ("h36m", "fcn", "3D", 50.0),
        ("h36m", "hourglass", "2D", 50.0),
        ("jhmdb", "simplepose", "2D", 30.0),
    ],
)
def test_renders_video_and_summary(tmp_path, checkpoint, name, estimator, rep, fps):
    base = tmp_path / "poses"
    write_synthetic_dataset(
        base, name, estimator, rep, phases=("test",), num_sequences=2, length_range=(30, 40)
    )
    out = tmp_path / "videos"
    argv = ["--checkpoint", str(checkpoint), "--dataset_name", name, "--estimator", estimator,
            "--body_representation", rep, "--visualize_video_id", "1", "--output_video_path", str(out),
            "--start", "4", "--end", "10", "DATASET.BASE_DIR", str(base), "DEVICE", "cpu"]  # fmt: skip
    assert visualize_smoothnet.main(argv) == 0
    video = out / f"{name}_{estimator}_{rep}_1_frame_4-10.mp4"
    info = read_video_info(video)
    assert info.frames == 6 and info.fps == pytest.approx(fps) and info.size == (1280, 720)
    assert (out / f"{name}_{estimator}_{rep}_1_frame_4-10_summary.png").stat().st_size > 20_000


def test_bad_arguments_fail_with_one_line(tmp_path, checkpoint):
    base = tmp_path / "poses"
    write_synthetic_dataset(
        base, "h36m", "fcn", "3D", phases=("test",), num_sequences=2, length_range=(30, 40)
    )
    flags = ["--checkpoint", str(checkpoint), "--dataset_name", "h36m", "--estimator", "fcn",
             "--body_representation", "3D"]  # fmt: skip
    overrides = ["DATASET.BASE_DIR", str(base), "DEVICE", "cpu"]  # KEY VALUE pairs come last
    with pytest.raises(
        SystemExit,
        match=r"--visualize_video_id 5 is out of range: h36m_fcn_3D test has 2 sequences \(0\.\.1\)",
    ):
        visualize_smoothnet.main([*flags, "--visualize_video_id", "5", *overrides])
    with pytest.raises(SystemExit, match="empty frame range"):
        visualize_smoothnet.main([*flags, "--start", "500", "--end", "600", *overrides])
    with pytest.raises(SystemExit, match="one dataset"):
        visualize_smoothnet.main([*flags, "--dataset_name", "h36m,h36m", *overrides])


def test_smpl_sequence_is_drawn_through_the_body_model(tmp_path, checkpoint):
    from tests.synthetic_smpl import write_model

    write_model(tmp_path / "smpl")
    base = tmp_path / "poses"
    write_synthetic_dataset(
        base, "pw3d", "spin", "smpl", phases=("test",), num_sequences=1, length_range=(20, 24)
    )
    out = tmp_path / "videos"
    argv = ["--checkpoint", str(checkpoint), "--dataset_name", "pw3d", "--estimator", "spin",
            "--body_representation", "smpl", "--output_video_path", str(out), "--end", "5",
            "DATASET.BASE_DIR", str(base), "SMPL_MODEL_DIR", str(tmp_path / "smpl"), "DEVICE", "cpu"]  # fmt: skip
    assert visualize_smoothnet.main(argv) == 0
    info = read_video_info(out / "pw3d_spin_smpl_0_frame_0-5.mp4")
    assert info.frames == 5 and info.fps == pytest.approx(30.0)
    assert (out / "pw3d_spin_smpl_0_frame_0-5_summary.png").is_file()
    with pytest.raises(SystemExit, match="SMPL model files not found"):
        visualize_smoothnet.main(
            [*argv[:-4], "SMPL_MODEL_DIR", str(tmp_path / "none"), "DEVICE", "cpu"]
        )
