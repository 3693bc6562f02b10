import json

import pytest

from scripts import results_table


def write_run(folder, values):
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps({"results": {"h36m_fcn_3D": values}}))


def metric_values(prefixes, offset):
    return {f"{p}_{m}": offset + i + j / 10
            for i, p in enumerate(prefixes) for j, m in enumerate(("mpjpe", "pampjpe", "accel"))}  # fmt: skip


def test_table_rows_come_from_the_basic_and_motion_aware_runs(tmp_path, capsys):
    write_run(tmp_path / "h36m_fcn_3D_w32" / "run",
              metric_values(("input", "smoothnet", "savgol", "gaussian"), 10))  # fmt: skip
    write_run(tmp_path / "h36m_fcn_3D_w32_motion_aware" / "run",
              metric_values(("input", "smoothnet"), 50))  # fmt: skip
    assert results_table.main(["--results", str(tmp_path)]) == 0
    lines = (tmp_path / "table.md").read_text().splitlines()
    assert lines[2] == "| method | MPJPE (mm) | PA-MPJPE (mm) | Accel (mm/frame²) |"
    assert lines[4:] == [
        "| input | 10.00 | 10.10 | 10.20 |",
        "| savgol | 12.00 | 12.10 | 12.20 |",
        "| gaussian | 13.00 | 13.10 | 13.20 |",
        "| SmoothNet | 11.00 | 11.10 | 11.20 |",
        "| motion-aware SmoothNet | 51.00 | 51.10 | 51.20 |",
    ]
    assert "### h36m_fcn_3D_w32" in capsys.readouterr().out


def test_no_results_is_one_line(tmp_path):
    with pytest.raises(SystemExit, match="no evaluated settings"):
        results_table.main(["--results", str(tmp_path)])
