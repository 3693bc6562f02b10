"""Checkpoint families: the pace and noise of a track by hand, and the member each track gets."""

import json

import numpy as np
import pytest

from smoothnet.core.family import Family, family_of, track_noise, track_pace
from smoothnet.core.smoother import Smoother
from smoothnet.utils.body_scale import person_radius
from tests.core.test_smoother import identity_checkpoint, random_checkpoint


def rotating_body(frames: int, step: float, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Four joints on a unit circle turning by ``step`` radians per frame, the whole body
    drifting right by 5 units per frame (a translation: must not count as pace)."""
    angles = np.arange(frames)[:, None] * step + np.arange(4)[None] * np.pi / 2
    body = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    body[..., 0] += 5.0 * np.arange(frames)[:, None]
    return body + np.random.default_rng(seed).normal(scale=noise, size=body.shape)


def test_pace_is_the_displacement_about_the_centroid_in_person_sizes():
    x = rotating_body(400, 0.01)
    # each joint moves 2 sin(0.005) ~ 0.01 per frame on a circle of radius 1 (the RMS radius)
    assert person_radius(x) == pytest.approx(1.0)
    assert track_pace(x) == pytest.approx(2 * np.sin(0.005), rel=0.01)
    assert track_pace(rotating_body(400, 0.04)) == pytest.approx(4 * track_pace(x), rel=0.02)


def test_noise_is_the_white_noise_level_in_person_sizes():
    x = rotating_body(2000, 0.01, noise=0.02)
    assert track_noise(x) == pytest.approx(0.02, rel=0.1)
    assert np.isnan(track_noise(x[:3]))


def test_the_rule_picks_the_paced_member_only_for_slow_noisy_tracks():
    family = Family("f", "paced.pth", "free.pth", max_pace=0.02, min_noise=0.01)
    assert family.choose(rotating_body(300, 0.01, noise=0.02)) == "paced"
    assert family.choose(rotating_body(300, 0.05, noise=0.02)) == "free"  # too fast
    assert family.choose(rotating_body(300, 0.01, noise=0.001)) == "free"  # too clean
    assert family.choose(rotating_body(3, 0.01, noise=0.02)) == "free"  # noise unknown


def test_a_family_file_smooths_each_track_with_its_member(tmp_path):
    paced = identity_checkpoint(tmp_path / "paced.pth")
    free = random_checkpoint(tmp_path / "free.pth", person_size=0.2)
    path = tmp_path / "family.json"
    path.write_text(json.dumps({"name": "test", "paced": str(paced), "free": str(free),
                                "max_pace": 0.02, "min_noise": 0.01}))  # fmt: skip
    assert family_of(str(path)).max_pace == 0.02 and family_of("savgol") is None
    smoother = Smoother(str(path), device="cpu", strength=1.0)
    slow, fast = rotating_body(120, 0.01, noise=0.02), rotating_body(120, 0.05, noise=0.02)
    out = smoother.smooth(np.stack([slow, fast], axis=1))
    assert [r.member for r in smoother.last_report] == ["paced", "free"]
    np.testing.assert_allclose(out[:, 0], slow, atol=1e-4)  # the identity member
    np.testing.assert_allclose(out[:, 1], Smoother(str(free), device="cpu", strength=1.0)
                               .smooth(fast), atol=1e-9)  # fmt: skip
    assert "the test family" in smoother.name
    path.write_text("{}")
    with pytest.raises(ValueError, match="not a checkpoint family"):
        Smoother(str(path))
