import json

import pytest

from smoothnet.visualize.curves import plot_learning_curve, read_curve


def test_curve_from_metrics_jsonl(tmp_path):
    records = [{"epoch": None, "step": 0, "validation": {"h36m": {"smoothnet_mpjpe": 3.0,
                "smoothnet_accel": 1.0, "input_mpjpe": 4.0, "input_accel": 5.0}}},
               {"epoch": 0, "step": 10, "validation": {}},
               {"epoch": 1, "step": 20, "validation": {"h36m": {"smoothnet_mpjpe": 2.5,
                "smoothnet_accel": 0.9, "input_mpjpe": 4.0, "input_accel": 5.0}}}]  # fmt: skip
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    assert [r["step"] for r in read_curve(path)] == [0, 20]  # records without validation skipped
    out = plot_learning_curve(path, tmp_path / "curve.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_validation_is_an_error(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text(json.dumps({"epoch": 0, "validation": {}}) + "\n")
    with pytest.raises(ValueError, match="no validation record"):
        plot_learning_curve(path, tmp_path / "curve.png")
