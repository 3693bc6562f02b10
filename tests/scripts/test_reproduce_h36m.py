"""scripts/reproduce_h36m.sh, run with ``PY=echo`` so that it prints its commands."""

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "reproduce_h36m.sh"


def run_script(tmp_path: Path, only: str) -> subprocess.CompletedProcess:
    # The converted test splits exist, so the conversion steps are skipped.
    for folder, name in (
        ("h36m_hourglass_2D", "h36m_hourglass_2D"),
        ("h36m_fcn_3D", "h36m_fcn_3D"),
    ):
        detected = tmp_path / folder / "detected"
        detected.mkdir(parents=True)
        (detected / f"{name}_test.npz").touch()
    env = {**os.environ, "PY": "echo", "POSES": str(tmp_path), "ONLY": only, "TRAIN": "0"}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True)


def test_only_runs_the_named_settings_on_both_scopes(tmp_path):
    result = run_script(tmp_path, "h36m_fcn_3D_w64 h36m_hourglass_2D_w32_augmented")
    assert result.returncode == 0, result.stderr
    evals = [line for line in result.stdout.splitlines() if line.startswith("eval_smoothnet.py")]
    checkpoints = [line.split("--checkpoint ")[1].split()[0] for line in evals]
    assert checkpoints == [
        "data/checkpoints/h36m_hourglass_2D_w32_augmented/checkpoint.pth.tar",
        "data/checkpoints/h36m_hourglass_2D_w32_augmented/checkpoint.pth.tar",
        "data/checkpoints/h36m_fcn_3D_w64/checkpoint.pth.tar",
        "data/checkpoints/h36m_fcn_3D_w64/checkpoint.pth.tar",
    ]
    # The default against its least-squares twin, the specialist against everything.
    assert all("--tradition linear" in line for line in evals[:2])
    assert all("--tradition all" in line for line in evals[2:])
    assert ["EVALUATE.EXCLUDE_FILE" in line for line in evals] == [False, True, False, True]
    assert result.stdout.splitlines()[-1].startswith("scripts/results_table.py")


def test_unknown_setting_in_only_stops_with_one_line(tmp_path):
    result = run_script(tmp_path, "h36m_fcn_3D_w64 h36m_fcn_3D_w46")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "error: ONLY: unknown setting h36m_fcn_3D_w46\n"


def test_a_first_stage_is_not_a_setting_of_its_own(tmp_path):
    result = run_script(tmp_path, "h36m_hourglass_2D_w32_augmented_stage1")
    assert result.returncode == 2
    assert "unknown setting h36m_hourglass_2D_w32_augmented_stage1" in result.stderr
