"""The before/after overlay on a small generated clip: frame count, size, drawn pixels."""

import numpy as np
import pytest

from smoothnet.commands.smooth import main as smooth_main
from smoothnet.dataset.specs import LAYOUTS
from smoothnet.visualize.overlay import (
    INPUT_RGB,
    SMOOTHED_RGB,
    TrackPair,
    check_match,
    most_moved_frames,
    movement,
    render_comparison,
    skeleton,
    write_still,
)
from smoothnet.visualize.video import (
    VideoError,
    VideoInfo,
    read_frames,
    read_video_info,
    write_video,
)

FRAMES, SIZE, FPS = 12, (160, 120), 25.0
GREY = 90


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    frame = np.full((SIZE[1], SIZE[0], 3), GREY, dtype=np.uint8)
    write_video(path, (frame for _ in range(FRAMES)), SIZE, FPS)
    return path


def still_pair(before_xy, after_xy, joints=17, frames=FRAMES):
    """Every joint of every frame at one point before and another after."""
    before = np.broadcast_to(np.asarray(before_xy, float), (frames, joints, 2)).copy()
    after = np.broadcast_to(np.asarray(after_xy, float), (frames, joints, 2)).copy()
    return TrackPair("7", before, after)


def close(pixel, rgb, tolerance=45):
    return np.all(np.abs(pixel.astype(int) - np.asarray(rgb)) <= tolerance)


def test_side_by_side_draws_input_left_and_smoothed_right(clip, tmp_path):
    pair = still_pair((40, 60), (100, 60))
    pair.before[5] = np.nan  # a frame without a detection stays in the video
    out = tmp_path / "compare.mp4"
    result = render_comparison(clip, [pair], out, layout=skeleton(17), progress=False)
    info = read_video_info(out)
    assert (result.frames, info.frames) == (FRAMES, FRAMES)
    assert info.size == (2 * SIZE[0], SIZE[1]) == result.size and info.fps == pytest.approx(FPS)
    frames = list(read_frames(out))
    left, right = frames[0][:, : SIZE[0]], frames[0][:, SIZE[0] :]
    assert close(left[60, 40], INPUT_RGB) and close(right[60, 100], SMOOTHED_RGB)
    assert close(left[60, 100], (GREY,) * 3) and close(right[60, 40], (GREY,) * 3)
    assert close(frames[5][60, 40], (GREY,) * 3)  # nothing drawn where nothing was detected
    assert close(frames[5][60, SIZE[0] + 100], SMOOTHED_RGB)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "compare.mp4"]


def test_overlay_draws_both_on_one_frame(clip, tmp_path):
    out = tmp_path / "overlay.mp4"
    render_comparison(clip, [still_pair((40, 60), (100, 60))], out, mode="overlay", progress=False)
    info = read_video_info(out)
    assert info.size == SIZE and info.frames == FRAMES
    frame = next(read_frames(out))
    assert close(frame[60, 40], INPUT_RGB) and close(frame[60, 100], SMOOTHED_RGB)


def test_wide_video_is_scaled_down(tmp_path):
    path = tmp_path / "wide.mp4"
    wide = (1280, 200)
    write_video(path, (np.zeros((200, 1280, 3), np.uint8) for _ in range(3)), wide, 10.0)
    out = tmp_path / "out.mp4"
    pair = still_pair((640, 100), (640, 100), frames=3)
    result = render_comparison(path, [pair], out, progress=False)
    assert result.size == (1920, 150)  # two panels of 1280 x 0.75, heights kept in proportion
    assert close(next(read_frames(out))[75, 480], INPUT_RGB)


def test_keypoints_that_do_not_fit_the_video_are_refused(clip, tmp_path):
    info = read_video_info(clip)
    with pytest.raises(VideoError, match="12 frames, the keypoints 11"):
        check_match(info, [still_pair((40, 60), (40, 60), frames=11)], clip)
    with pytest.raises(VideoError, match="inside its 160x120 frame"):
        check_match(info, [still_pair((4000, 60), (4000, 60))], clip)
    check_match(VideoInfo(FRAMES, SIZE, FPS), [still_pair((170, 60), (170, 60))], clip)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(VideoError, match=r"bad\.mp4: not a readable video"):
        read_video_info(bad)
    with pytest.raises(VideoError, match="no such video"):
        read_video_info(tmp_path / "missing.mp4")


def test_most_moved_frames_by_hand():
    pair = still_pair((0, 0), (0, 0), joints=2, frames=20)
    pair.after[3] += (3, 4)  # 5 px
    pair.after[4] += (6, 8)  # 10 px, but within 20 // (2 * 2) = 5 frames of frame 3... chosen first
    pair.after[15] += (0, 2)  # 2 px
    assert movement([pair])[[3, 4, 15, 0]].tolist() == [5.0, 10.0, 2.0, 0.0]
    assert most_moved_frames([pair], 2) == [4, 15]
    assert most_moved_frames([pair], 5) == [4, 15]  # frames that did not move are not shown


def test_skeleton_choice():
    assert skeleton(17).name == "coco17" and skeleton(33).name == "blazepose33"
    assert skeleton(17, "h36m17") is LAYOUTS["h36m17"] and skeleton(5) is None
    with pytest.raises(ValueError, match="has 24 joints, the keypoints 17"):
        skeleton(17, "smpl24")


def test_still_summary(clip, tmp_path):
    pair = still_pair((40, 60), (40, 60))
    pair.after[9] += 6.0
    out = tmp_path / "still.png"
    assert write_still(clip, [pair], out, layout=skeleton(17), count=3) == [9]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_command_renders_and_reads_the_clips_frame_rate(clip, tmp_path, capsys):
    rng = np.random.default_rng(0)
    poses = 60 + 20 * rng.standard_normal((1, 17, 2)) + rng.standard_normal((FRAMES, 17, 2))
    source = tmp_path / "poses.npy"
    np.save(source, poses)
    render, still = tmp_path / "r.mp4", tmp_path / "s.png"
    args = [str(source), "-o", str(tmp_path / "out.npy"), "--method", "gaussian"]
    args += ["--video", str(clip), "--render", str(render), "--still", str(still)]
    assert smooth_main(args) == 0
    printed = capsys.readouterr().out
    assert f"at {FPS:g} fps" in printed and read_video_info(render).frames == FRAMES
    assert still.is_file()
    # an existing output is refused in one line, and nothing is written
    with pytest.raises(SystemExit):
        smooth_main([*args[:2], str(tmp_path / "again.npy"), *args[3:]])
    assert "r.mp4 exists" in capsys.readouterr().err
    assert not (tmp_path / "again.npy").exists()


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--render", "x.mp4"], "give it with --video"),
        (["--video", "{bad}", "--render", "x.mp4"], "not a readable video"),
        (["--video", "{clip}", "--render", "x.mp4", "--skeleton", "smpl24"], "--skeleton"),
        (["--video", "{clip}", "--render", "x.mp4", "--image_size", "320", "240"], "160x120"),
    ],
)
def test_command_bad_clip_is_one_line(clip, tmp_path, capsys, extra, message):
    source = tmp_path / "poses.npy"
    np.save(source, np.full((FRAMES, 17, 2), 50.0))
    (tmp_path / "bad.mp4").write_bytes(b"garbage")
    extra = [e.format(bad=tmp_path / "bad.mp4", clip=clip) for e in extra]
    extra = [str(tmp_path / e) if e.endswith(".mp4") and "/" not in e else e for e in extra]
    with pytest.raises(SystemExit) as exit_info:
        smooth_main([str(source), "-o", str(tmp_path / "out.npy"), *extra])
    text = capsys.readouterr().err + str(exit_info.value.code)
    assert message in text and "Traceback" not in text
    assert not (tmp_path / "out.npy").exists() and not (tmp_path / "x.mp4").exists()
