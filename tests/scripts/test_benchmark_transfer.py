"""scripts/benchmark_transfer.py: the rendering and the verdict logic, on numbers worked by hand."""

import numpy as np

from scripts.benchmark_transfer import Cell, markdown, render, verdicts


def test_render_gives_the_asked_person_height_in_pixels():
    rng = np.random.default_rng(0)
    seq = rng.normal(size=(10, 17, 3))
    seq[:, 0, 1], seq[:, 1, 1] = -0.9, 0.8  # head and feet: 1.7 m apart in every frame
    pixels = render(seq, 2, 400.0)
    heights = np.ptp(pixels[..., 1], axis=1)
    assert np.isclose(np.median(heights), 400.0)
    assert render(seq, 3, 1.0) is seq


def cells(default, savgol, gaussian, inp=(10.0, 5.0)):
    key = dict(dims=2, errors="white", fps=30.0, height=400.0)
    return [Cell(**key, method=m, mpjpe=v[0], accel=v[1]) for m, v in
            (("input", inp), ("default", default), ("savgol", savgol), ("gaussian", gaussian))]  # fmt: skip


def test_the_default_wins_within_half_a_percent_of_the_better_filter():
    (v,) = verdicts(cells(default=(4.02, 0.5), savgol=(4.5, 0.9), gaussian=(4.0, 0.6)))
    assert v["best_filter"] == "gaussian" and v["wins_or_ties"] and v["beats_input"]
    assert np.isclose(v["mpjpe_vs_best_filter"], 4.02 / 4.0)
    (v,) = verdicts(cells(default=(4.1, 0.5), savgol=(4.5, 0.9), gaussian=(4.0, 0.6)))
    assert not v["wins_or_ties"]


def test_a_default_that_raises_accel_above_the_input_does_not_beat_it():
    (v,) = verdicts(cells(default=(4.0, 6.0), savgol=(4.5, 0.9), gaussian=(4.4, 0.6)))
    assert not v["beats_input"] and v["wins_or_ties"]


def test_without_filters_the_verdict_compares_with_the_input_only():
    key = dict(dims=3, errors="model", fps=50.0, height=1.0)
    rows = [Cell(**key, method="input", mpjpe=10.0, accel=5.0),
            Cell(**key, method="default", mpjpe=9.0, accel=1.0),
            Cell(**key, method="motion_aware", mpjpe=11.0, accel=1.0)]  # fmt: skip
    (v,) = verdicts(rows)
    assert v["beats_input"] and "best_filter" not in v
    assert verdicts(rows[::2]) == []  # no default: no verdict
    table = markdown(rows, ["default", "motion_aware"])
    assert "| 50 | 1x | 10.00 / 5.00 | **9.00 / 1.00** | 11.00 / 1.00 |" in table
    assert "beats the input (MPJPE and Accel) in 1 of 1 conditions." in table
    assert "savgol" not in table
