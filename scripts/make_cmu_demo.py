"""Build the embedded demo dataset from CMU motion capture plus modelled estimator errors.

Ground truth: the CMU subset of the motion-prediction release in the public
DMGNN repository (``data/cmu/{train,test}/<action>/<action>_<k>.txt``, MIT
licence), posed by forward kinematics on its 38-joint skeleton, reduced to
the Human3.6M-17 joints, root at the origin, turned into a camera-like frame
(y down, z away from the viewer), resampled from the capture rate (120 Hz,
``--source_fps``) to 50 fps, in metres.

Detections: ground truth plus errors sampled from
:class:`lib.dataset.error_model.ErrorStatistics` (``--statistics``), which
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
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.dataset.base import npz_paths, object_array, save_npz
from lib.dataset.error_model import ErrorStatistics, measure_error_statistics, sample_errors
from lib.dataset.mocap import CMU_TO_H36M17, CMU_UNIT_M, forward_kinematics, read_expmap_txt
from lib.utils.io import write_json_atomic
from lib.utils.npz import load_npz

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STATISTICS = ROOT / "data/demo/error_statistics.json"
FPS = 50.0


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


def resample(positions: np.ndarray, source_fps: float, target_fps: float) -> np.ndarray:
    """Linear interpolation of ``(T, K, C)`` positions onto a ``target_fps`` grid."""
    times = np.arange(len(positions)) / source_fps
    grid = np.arange(0.0, times[-1] + 1e-9, 1.0 / target_fps)
    flat = positions.reshape(len(positions), -1)
    out = np.stack([np.interp(grid, times, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    return out.reshape(len(grid), *positions.shape[1:])


def cmu_groundtruth(path: Path, source_fps: float) -> np.ndarray:
    """``(T, 17, 3)`` metres at 50 fps from one exponential-map file."""
    joints = forward_kinematics(read_expmap_txt(path))[:, CMU_TO_H36M17] * CMU_UNIT_M
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
        files = sorted((args.cmu_dir / phase).glob("*/*.txt"))
        if not files:
            raise SystemExit(f"{args.cmu_dir / phase}: no */*.txt files (expected DMGNN data/cmu)")
        names, gts, dets = [], [], []
        for path in tqdm(files, desc=phase):
            gt = cmu_groundtruth(path, args.source_fps)
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
        print(f"{phase}: {len(files)} sequences, {frames} frames -> {det_path.parent.parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
