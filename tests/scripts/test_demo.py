"""The README's main job, shortened: it must produce its metrics and plot."""

import json

from scripts import demo


def test_demo_writes_metrics_and_plot(tmp_path):
    out = tmp_path / "demo"
    assert (
        demo.main(["--output", str(out), "--epochs", "1", "--synthetic", "2", "--device", "cpu"])
        == 0
    )
    summary = json.loads((out / "demo_metrics.json").read_text())
    metrics = summary["metrics"]
    assert {"savgol_accel", "gaus1d_accel", "gaussian_accel", "oneeuro_accel"} <= set(metrics)
    assert metrics["smoothnet_accel"] < metrics["input_accel"]
    png = (out / "demo_summary.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
