import json

import pytest

from scripts import results_table


def write_run(folder, values):
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps({"results": {"h36m_fcn_3D": values}}))


def metric_values(prefixes, offset):
    return {f"{p}_{m}": offset + i + j / 10
            for i, p in enumerate(prefixes) for j, m in enumerate(("mpjpe", "pampjpe", "accel"))}  # fmt: skip


def test_table_rows_come_from_the_basic_motion_aware_and_augmented_runs(tmp_path, capsys):
    write_run(tmp_path / "h36m_fcn_3D_w32" / "run",
              metric_values(("input", "smoothnet", "savgol", "gaussian", "linear"), 10))  # fmt: skip
    write_run(tmp_path / "h36m_fcn_3D_w32_motion_aware" / "run",
              metric_values(("input", "smoothnet"), 50))  # fmt: skip
    write_run(tmp_path / "h36m_fcn_3D_w32_augmented" / "run",
              metric_values(("input", "smoothnet", "linear"), 60))  # fmt: skip
    assert results_table.main(["--results", str(tmp_path)]) == 0
    lines = (tmp_path / "table.md").read_text().splitlines()
    assert lines[0] == "### 3D, lifted Hourglass detections (h36m_fcn_3D), W 32, all 235 test pairs"
    assert lines[2] == "| method | MPJPE (mm) | PA-MPJPE (mm) | Accel (mm/frame²) |"
    assert lines[4:12] == [
        "| input | 10.000 | 10.100 | 10.200 |",
        "| savgol | 12.000 | 12.100 | 12.200 |",
        "| gaussian σ 3 | 13.000 | 13.100 | 13.200 |",
        "| linear (least squares) | 14.000 | 14.100 | 14.200 |",
        "| SmoothNet | 11.000 | 11.100 | 11.200 |",
        "| motion-aware SmoothNet | 51.000 | 51.100 | 51.200 |",
        "| augmented SmoothNet (the smoothing default) | 61.000 | 61.100 | 61.200 |",
        "| augmented least squares | 62.000 | 62.100 | 62.200 |",
    ]
    # The verdict is about the specialist's SmoothNet row and the baselines only.
    assert lines[13] == "SmoothNet beats every baseline on MPJPE and on Accel."
    assert "all 235 test pairs" in capsys.readouterr().out


def test_verdict_names_every_baseline_that_wins():
    rows = [("savgol", {"mpjpe": 5.0, "accel": 1.0}),
            ("linear (least squares)", {"mpjpe": 7.0, "accel": 0.5}),
            ("SmoothNet", {"mpjpe": 6.0, "accel": 0.8})]  # fmt: skip
    assert results_table.verdict(rows) == (
        "SmoothNet does not beat: savgol on MPJPE, linear (least squares) on Accel."
    )


def test_no_results_is_one_line(tmp_path):
    with pytest.raises(SystemExit, match="no evaluated settings"):
        results_table.main(["--results", str(tmp_path)])


def test_window_size_table_lists_every_evaluated_size(tmp_path):
    for w, offset in ((8, 30), (32, 10), (64, 20)):
        write_run(tmp_path / f"h36m_fcn_3D_w{w}" / "run",
                  metric_values(("smoothnet", "linear", "input"), offset))  # fmt: skip
    assert results_table.main(["--results", str(tmp_path)]) == 0
    text = (tmp_path / "table.md").read_text()
    part = text.split("### 3D, lifted Hourglass detections (h36m_fcn_3D), by window size, "
                      "all 235 test pairs\n\n")[1].splitlines()  # fmt: skip
    assert part[2:5] == [
        "| 8 | 30.000 | 30.100 | 30.200 | 31.000 | 31.200 |",
        "| 32 | 10.000 | 10.100 | 10.200 | 11.000 | 11.200 |",
        "| 64 | 20.000 | 20.100 | 20.200 | 21.000 | 21.200 |",
    ]
    # A single size gives no such table.
    assert results_table.window_table(tmp_path, "h36m_hourglass_2D_w32", "px") is None
