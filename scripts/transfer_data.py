"""The tracks of the transfer benchmark: motion a checkpoint never saw, with known errors.

Three sources of ground truth and detections (all returned as lists of
``(T, K, C)`` arrays, pixels for 2D and metres for 3D):

- **cmu**: the embedded CMU motion capture (``data/demo/cmu_fcnnoise_3D``,
  50 fps, metres). Its ``train`` split is the benchmark's *tuning* half, its
  ``test`` split the *held-out* half. Each sequence is *slow* or *fast* by
  its mean joint speed (:data:`FAST_SPEED`). Rendered at any frame rate by
  linear resampling; in 2D projected orthographically into a 1920 x 1080
  frame at a person height in pixels, crossing the frame horizontally at
  walking pace (:data:`CROSSING_SPEED`) and rounded to whole pixels, as
  heatmap detectors give them; errors are white noise of a share of the
  person's height, or drawn from the error model measured on real
  detections (``detector``: bias, slow drift, jitter and bursts).
- **walker**: a parametric person walking across the frame (0.9 Hz gait, a
  3.6 Hz vertical bob), 30 fps, 420 px tall in 2D with 3 px noise and a few
  20 px bursts, or in metres with 15 mm noise: fast motion with little noise.
- **h36m**: real Stacked-Hourglass detections of the Human3.6M test subjects
  (2D, pixels) and their lifting to 3D (metres, root-relative), from
  ``data/poses`` (``scripts/prepare_h36m.py``, ``scripts/prepare_h36m_fcn.py``),
  taken every k-th frame for 50 / k fps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
FRAME = (1920.0, 1080.0)
#: Mean joint speed (m/s) above which a CMU sequence counts as fast motion.
FAST_SPEED = 0.35
#: Horizontal speed of a 2D-rendered CMU person, in person heights per second.
CROSSING_SPEED = 0.2
#: White-noise levels as a share of the person's height (per coordinate).
WHITE_NOISE = {"white_low": 0.003, "white_high": 0.015}
ERROR_KINDS = (*WHITE_NOISE, "detector")


@dataclass(frozen=True)
class Tracks:
    """Ground truth and detections of one benchmark cell (lists of ``(T, K, C)``)."""

    groundtruth: list[np.ndarray]
    detections: list[np.ndarray]


def load_motion(demo: Path = DEMO, phases: tuple[str, ...] = ("train", "test")):
    """The demo ground-truth sequences as ``(T, 17, 3)`` metres, and their frame rate."""
    from smoothnet.dataset.base import SequenceSet

    sequences = []
    for phase in phases:
        data = SequenceSet(demo, "cmu", "fcnnoise", "3D", phase)
        sequences += [s.groundtruth for s in data.sequences]
    return sequences, data.spec.fps


def mean_speed(seq: np.ndarray, fps: float) -> float:
    """Mean joint speed of a ``(T, K, 3)`` metre sequence, m/s."""
    return float(np.linalg.norm(np.diff(seq, axis=0), axis=-1).mean() * fps)


def cmu_motion(split: str, speed: str) -> tuple[list[np.ndarray], float]:
    """CMU sequences of one split (``tune``: train, ``heldout``: test) and speed class."""
    phase = {"tune": "train", "heldout": "test"}[split]
    sequences, fps = load_motion(DEMO, (phase,))
    fast = [mean_speed(s, fps) > FAST_SPEED for s in sequences]
    return [s for s, f in zip(sequences, fast) if f == (speed == "fast")], fps


def body_height(seq: np.ndarray) -> float:
    """Median over frames of the vertical extent of a ``(T, K, >=2)`` sequence."""
    return float(np.median(np.ptp(seq[..., 1], axis=1)))


def render(seq: np.ndarray, dims: int, height: float, crossing: float = 0.0) -> np.ndarray:
    """``(T, 17, dims)``: metres (3D), or pixels of a person ``height`` px tall (2D),
    centred in the frame and moving right at ``crossing`` heights per frame."""
    if dims == 3:
        return seq
    xy = seq[..., :2]
    pixels = (xy - xy.reshape(-1, 2).mean(axis=0)) * (height / body_height(xy))
    drift = crossing * height * (np.arange(len(seq)) - (len(seq) - 1) / 2)
    pixels[..., 0] += drift[:, None]
    return pixels + np.asarray(FRAME) / 2


def detections(gt, kind: str, dims: int, mm_to_units: float, rng, stats) -> np.ndarray:
    """Ground truth plus errors of ``kind`` (``detector``, or a :data:`WHITE_NOISE` key)."""
    from smoothnet.prep.error_model import sample_errors

    if kind in ("model", "detector"):
        return gt + sample_errors(stats, len(gt), dims, rng) * mm_to_units
    share = WHITE_NOISE.get(kind, 0.01)  # "white": the previous benchmark's 1 %
    return gt + rng.normal(size=gt.shape) * share * body_height(gt)


def error_statistics():
    from smoothnet.prep.error_model import ErrorStatistics

    return ErrorStatistics.from_dict(json.loads((DEMO / "error_statistics.json").read_text()))


def cmu_tracks(
    split: str, speed: str, dims: int, kind: str, fps: float, height: float, seed: int
) -> Tracks:
    """One CMU cell: every sequence of the split and speed class, rendered and perturbed."""
    from smoothnet.utils.resample import resample

    motion, source_fps = cmu_motion(split, speed)
    stats = error_statistics()
    rng = np.random.default_rng([seed, dims, int(fps), int(height), ERROR_KINDS.index(kind)])
    gts, dets = [], []
    for seq in motion:
        gt = resample(seq, source_fps, fps)
        if dims == 2:
            gt = render(gt, 2, height, CROSSING_SPEED / fps)
            mm_to_units = height / (1000 * body_height(seq))
        else:
            mm_to_units = 1e-3
        det = detections(gt, kind, dims, mm_to_units, rng, stats)
        gts.append(gt)
        dets.append(np.round(det) if dims == 2 else det)
    return Tracks(gts, dets)


# -- the walker ---------------------------------------------------------------

#: H36M-17 rest pose of the walker, metres, y up, facing +x (pelvis at 0.95 m).
_REST = np.array(
    [
        [0, 0.95],
        [0, 0.95],
        [0, 0.52],
        [0, 0.08],
        [0, 0.95],
        [0, 0.52],
        [0, 0.08],
        [0, 1.2],
        [0, 1.45],
        [0, 1.55],
        [0, 1.7],
        [0, 1.43],
        [0, 1.15],
        [0, 0.9],
        [0, 1.43],
        [0, 1.15],
        [0, 0.9],
    ]
)
#: Swing amplitude (m, along x) of each joint at the gait frequency, and its phase sign.
_SWING = np.array([0, 0, 0.22, 0.42, 0, -0.22, -0.42, 0, 0, 0, 0, 0, -0.12, -0.25, 0, 0.12, 0.25])
_DEPTH = np.array(
    [0, -0.1, -0.1, -0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0, 0.18, 0.2, 0.2, -0.18, -0.2, -0.2]
)


def walker(fps: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """``(T, 17, 3)`` metres: a person walking at 1.3 m/s (0.9 Hz gait, a 3 cm
    vertical bob at 3.6 Hz), camera frame with y down, 4 m from the camera."""
    t = np.arange(int(seconds * fps)) / fps
    phase = rng.uniform(0, 2 * np.pi)
    speed = rng.uniform(1.2, 1.4)
    swing = np.sin(2 * np.pi * 0.9 * t + phase)[:, None] * _SWING  # (T, 17)
    lift = (
        0.06
        * np.clip(np.cos(2 * np.pi * 0.9 * t + phase), 0, None)[:, None]
        * (np.abs(_SWING) > 0.3)
    )
    bob = 0.03 * np.sin(2 * np.pi * 3.6 * t + 2 * phase)[:, None]
    x = speed * (t - t.mean())[:, None] + swing
    y = _REST[:, 1][None] + bob + lift
    z = np.broadcast_to(4.0 + _DEPTH, x.shape)
    return np.stack([x, -y, z], axis=-1)


def walker_tracks(dims: int, seed: int, people: int = 12) -> Tracks:
    """The walker cell: ``people`` walks of 5.5 s at 30 fps; 2D: 420 px tall in a
    1920 x 1080 frame, 3 px white noise and 20 px bursts; 3D: 15 mm white noise."""
    rng = np.random.default_rng([seed, dims, 7])
    gts, dets = [], []
    for _ in range(people):
        gt = walker(30.0, 5.5, rng)
        if dims == 2:
            gt = render(gt, 2, 420.0)
            det = gt + rng.normal(scale=3.0, size=gt.shape)
            starts = np.argwhere(rng.random(gt.shape[:2]) < 0.004)
            for frame, joint in starts:
                det[frame : frame + 3, joint] += rng.normal(size=2) / np.sqrt(2) * 20.0
        else:
            det = gt + rng.normal(scale=0.015, size=gt.shape)
        gts.append(gt)
        dets.append(det)
    return Tracks(gts, dets)


# -- real detections ------------------------------------------------------------


def h36m_tracks(dims: int, step: int, sequence_step: int, base: Path) -> Tracks:
    """Human3.6M test detections (2D Hourglass, or lifted to 3D) at 50 / ``step`` fps,
    every ``sequence_step``-th sequence."""
    from smoothnet.dataset.base import SequenceSet

    estimator, rep = ("hourglass", "2D") if dims == 2 else ("fcn", "3D")
    data = SequenceSet(base, "h36m", estimator, rep, "test")
    gts, dets = [], []
    for seq in data.sequences[::sequence_step]:
        gts.append(seq.groundtruth[::step])
        dets.append(seq.detected[::step])
    return Tracks(gts, dets)
