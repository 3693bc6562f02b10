import numpy as np
import pytest

from smoothnet.dataset.specs import LAYOUTS
from smoothnet.models.filters import apply_filter
from smoothnet.prep.synthetic import noisy_detection, smooth_motion
from smoothnet.visualize.render import CENTRE, LEFT, RIGHT, PoseClip, bone_colours, render_video
from smoothnet.visualize.summary import per_joint, write_summary
from smoothnet.visualize.video import read_video_info


def clip(dims: int, with_gt: bool, frames: int = 40, fps: float = 25.0) -> PoseClip:
    rng = np.random.default_rng(dims)
    layout = LAYOUTS["h36m17" if dims == 3 else "h36m16"]
    gt = smooth_motion(frames, layout.num_joints, dims, fps, rng) * (1000 if dims == 3 else 200)
    det = noisy_detection(gt, 20.0 if dims == 3 else 4.0, rng)
    return PoseClip("test", layout, det, apply_filter("gaussian", det), gt if with_gt else None,
                    fps, "mm" if dims == 3 else "px", first_frame=3)  # fmt: skip


@pytest.mark.parametrize(
    "dims,with_gt,workers", [(3, True, 1), (2, True, 2), (2, False, 1), (3, False, 2)]
)
def test_video_frame_count_size_and_fps(tmp_path, dims, with_gt, workers):
    path = tmp_path / "clip.mp4"
    count = render_video(
        clip(dims, with_gt), path, start=2, end=9, size=(320, 240), workers=workers, progress=False
    )
    info = read_video_info(path)
    assert count == 7 and info.frames == 7
    assert info.size == (320, 240) and info.fps == pytest.approx(25.0)
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]  # no temporary file left


def test_empty_range_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="empty frame range"):
        render_video(clip(2, True), tmp_path / "x.mp4", start=50, end=60, progress=False)


def test_bones_are_coloured_by_side():
    layout = LAYOUTS["h36m17"]
    colours = dict(zip(layout.edges, bone_colours(layout)))
    assert colours[(1, 2)] == RIGHT and colours[(4, 5)] == LEFT
    assert colours[(0, 1)] == CENTRE and colours[(7, 8)] == CENTRE


@pytest.mark.parametrize("with_gt", [True, False])
def test_summary_png(tmp_path, with_gt):
    c = clip(3, with_gt)
    path = write_summary(c, tmp_path / "summary.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    stats = per_joint(c)
    keys = {"input accel", "SmoothNet accel", "input MPJPE", "SmoothNet MPJPE"} if with_gt else {
        "input jitter", "SmoothNet jitter"}  # fmt: skip
    assert set(stats) == keys and all(v.shape == (17,) for v in stats.values())
    if with_gt:  # per-joint means average back to the overall mean (equal frame counts)
        overall = np.nanmean(np.linalg.norm(c.estimator - c.groundtruth, axis=-1))
        assert stats["input MPJPE"].mean() == pytest.approx(overall)


def test_a_drawn_joint_is_black_at_its_pixel_and_the_frame_changes_with_the_data():
    from smoothnet.visualize.render import FrameRenderer

    c = clip(2, True)
    renderer = FrameRenderer(c, size=(640, 360))
    image = renderer.render(5)
    assert image.shape == (360, 640, 3) and image.dtype == np.uint8
    ax = renderer.figure.axes[0]  # "Estimator": the detections as given
    for joint in (0, 9):
        x, y = ax.transData.transform(c.estimator[5, joint])
        row, col = round(360 - y), round(x)
        patch = image[row - 1 : row + 2, col - 1 : col + 2]
        assert patch.max() < 80, (joint, patch)  # the black joint marker
    assert not np.array_equal(image, renderer.render(30))
    corner = image[2, 320]  # above every axis: the white figure background
    assert (corner > 240).all()


def test_the_summary_plots_the_worst_joint_over_the_clip(tmp_path):
    import matplotlib.image

    c = clip(3, True)
    path = write_summary(c, tmp_path / "summary.png")
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 600
    stats = per_joint(c)
    # the smoothed clip (a Gaussian of the detections) has less per-joint accel error
    assert (stats["SmoothNet accel"] < stats["input accel"]).all()
    # something is drawn: the image is not one colour
    assert image[..., :3].std() > 0.05
