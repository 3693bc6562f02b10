"""Person size: the median RMS radius of the joints about their centroid."""

import numpy as np

from smoothnet.utils.body_scale import person_radius


def test_two_joints_two_apart_have_radius_one():
    poses = np.array([[[0.0, 0.0], [2.0, 0.0]]])
    assert person_radius(poses) == 1.0


def test_the_median_over_frames_ignores_one_bad_frame_and_nan_joints():
    frame = np.array([[0.0, 0.0, 0.0], [0.0, 3.0, 4.0], [np.nan, 0.0, 0.0]])  # radius 2.5
    huge = np.array([[0.0, 0.0, 0.0], [0.0, 300.0, 400.0], [0.0, 0.0, 0.0]])
    assert person_radius(np.stack([frame, frame, huge])) == 2.5


def test_it_scales_with_the_units_and_ignores_translation():
    poses = np.random.default_rng(0).normal(size=(20, 17, 3))
    r = person_radius(poses)
    assert np.isclose(person_radius(1000 * poses + 7), 1000 * r)


def test_no_frame_with_two_joints_gives_zero():
    assert person_radius(np.full((3, 4, 2), np.nan)) == 0.0
    assert person_radius(np.zeros((3, 1, 2))) == 0.0
