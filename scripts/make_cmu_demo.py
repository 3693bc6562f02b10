"""Build the embedded demo dataset from CMU motion capture plus modelled estimator errors.

Ground truth: the CMU subset of the motion-prediction release in the public
DMGNN repository (``data/cmu/{train,test}/<action>/<action>_<k>.txt``, MIT
licence), posed by forward kinematics on its 38-joint skeleton, reduced to
the Human3.6M-17 joints, root at the origin, turned into a camera-like frame
(y down, z away from the viewer), resampled from the capture rate (120 Hz,
``--source_fps``) to 50 fps, in metres. Each file's first frame, the capture's
calibration pose, is dropped, and a capture where a joint moves more than
``MAX_STEP_M`` in one frame (a tracking fault) is left out.

Detections: ground truth plus errors sampled from
:class:`smoothnet.prep.error_model.ErrorStatistics` (``--statistics``), which
``--measure_from`` fits on the Human3.6M FCN detections (the output of
``scripts/prepare_h36m_fcn.py``; test subjects by default) and writes first.

Writes the original layout under ``--output``::

    cmu_fcnnoise_3D/groundtruth/cmu_gt_3D_{train,test}.npz
    cmu_fcnnoise_3D/detected/cmu_fcnnoise_3D_{train,test}.npz

Usage::

    python scripts/make_cmu_demo.py --cmu_dir /path/to/DMGNN/data/cmu \\
        [--measure_from data/poses]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from smoothnet.dataset.base import npz_paths, object_array, save_npz
from smoothnet.prep.error_model import ErrorStatistics, measure_error_statistics, sample_errors
from smoothnet.prep.mocap import (
    CMU_TO_H36M17,
    CMU_UNIT_M,
    drop_calibration_frames,
    forward_kinematics,
    read_expmap_txt,
)
from smoothnet.utils.io import write_json_atomic
from smoothnet.utils.npz import load_npz
from smoothnet.utils.resample import resample

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STATISTICS = ROOT / "data/demo/error_statistics.json"
FPS = 50.0
#: The largest plausible joint step between two 50 fps frames: 15 m/s, beyond a
#: football kick's foot (0.22 m per frame in this data). A capture with a larger step has
#: a tracking fault (directing_traffic_1: the feet flip back and forth, 1 m in a frame)
#: and is left out.
MAX_STEP_M = 0.3


def measure_h36m_fcn(poses: Path, phase: str = "test") -> ErrorStatistics:
    """Error statistics (mm) of the lifted Human3.6M detections of one split.

    The test split (S9, S11) shows the lifter's errors on people it never saw;
    on its own training subjects it is about 20 % more accurate.
    """
    gt_path, det_path = npz_paths(poses, "h36m", "fcn", "3D", phase)
    for path in (gt_path, det_path):
        if not path.is_file():
            raise SystemExit(f"{path}: missing; run scripts/prepare_h36m_fcn.py first")
    gt = load_npz(gt_path)["joints_3d"]
    det = load_npz(det_path)["joints_3d"]
    errors = []
    for g, d in zip(gt, det):
        g = np.asarray(g, np.float64).reshape(len(g), 17, 3)
        d = np.asarray(d, np.float64).reshape(len(d), 17, 3)
        errors.append(((d - d[:, :1]) - (g - g[:, :1])) * 1000.0)
    return measure_error_statistics(errors, skip_joints=(0,))


def cmu_groundtruth(path: Path, source_fps: float) -> np.ndarray:
    """``(T, 17, 3)`` metres at 50 fps from one exponential-map file (calibration pose dropped)."""
    expmaps = drop_calibration_frames(read_expmap_txt(path))
    joints = forward_kinematics(expmaps)[:, CMU_TO_H36M17] * CMU_UNIT_M
    joints = joints - joints[:, :1]
    joints[..., 1:] *= -1.0  # y up, z forward -> camera-like y down, z away
    return resample(joints, source_fps, FPS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cmu_dir", type=Path, required=True, help="DMGNN's data/cmu folder")
    parser.add_argument("--output", type=Path, default=ROOT / "data/demo")
    parser.add_argument(
        "--statistics",
        type=Path,
        default=DEFAULT_STATISTICS,
        help="error statistics JSON (read, or written by --measure_from)",
    )
    parser.add_argument(
        "--measure_from",
        type=Path,
        default=None,
        help="poses folder with h36m_fcn_3D: measure the statistics there first",
    )
    parser.add_argument(
        "--measure_phase",
        choices=("train", "test"),
        default="test",
        help="which Human3.6M split to measure the errors on",
    )
    parser.add_argument("--source_fps", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)

    if args.measure_from is not None:
        stats = measure_h36m_fcn(args.measure_from, args.measure_phase)
        source = f"h36m_fcn_3D {args.measure_phase}"
        write_json_atomic(args.statistics, {"unit": "mm", "source": source, **stats.to_dict()})
        print(f"wrote {args.statistics}")
    if not args.statistics.is_file():
        raise SystemExit(f"{args.statistics}: missing; pass --measure_from <poses folder>")
    stats = ErrorStatistics.from_dict(json.loads(args.statistics.read_text()))
    rng = np.random.default_rng(args.seed)
    for phase in ("train", "test"):
        files = sorted(f for f in (args.cmu_dir / phase).glob("*/*.txt") if f.stat().st_size)
        if not files:
            raise SystemExit(f"{args.cmu_dir / phase}: no */*.txt files (expected DMGNN data/cmu)")
        names, gts, dets = [], [], []
        for path in tqdm(files, desc=phase):
            gt = cmu_groundtruth(path, args.source_fps)
            step = float(np.linalg.norm(np.diff(gt, axis=0), axis=-1).max())
            if step > MAX_STEP_M:
                print(f"left out {path.stem}: a joint moves {step:.2f} m in one frame")
                continue
            det = gt + sample_errors(stats, len(gt), 3, rng) / 1000.0
            det[:, 0] = 0.0  # root-relative, like the FCN output
            names.append(np.array([f"{path.stem}/{i + 1:06d}.jpg" for i in range(len(gt))]))
            gts.append(gt.reshape(len(gt), -1).astype(np.float32))
            dets.append(det.reshape(len(det), -1).astype(np.float32))
        gt_path, det_path = npz_paths(args.output, "cmu", "fcnnoise", "3D", phase)
        save_npz(
            gt_path,
            {"imgname": object_array(names), "joints_3d": object_array(gts)},
            compressed=True,
        )
        save_npz(
            det_path,
            {"imgname": object_array(names), "joints_3d": object_array(dets)},
            compressed=True,
        )
        frames = sum(len(g) for g in gts)
        print(f"{phase}: {len(gts)} sequences, {frames} frames -> {det_path.parent.parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
