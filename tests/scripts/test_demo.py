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


def test_the_best_filter_line_weighs_every_filter_the_demo_scored():
    from scripts.demo import FILTERS, best_filter_line

    metrics = {f"{f}_accel": 3.0 for f in FILTERS} | {f"{f}_mpjpe": 80.0 for f in FILTERS}
    metrics |= {"gaussian_accel": 2.8, "gaussian_mpjpe": 79.0,
                "gaussian_s4_accel": 2.587, "gaussian_s4_mpjpe": 78.69}  # fmt: skip
    assert best_filter_line(metrics).startswith("best filter on Accel: gaussian_s4 (MPJPE 78.69")
