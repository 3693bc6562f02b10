"""Convert the Human3.6M Stacked-Hourglass release into the original SmoothNet npz layout.

The data is not shipped: it derives from Human3.6M (academic, non-commercial
licence, registration required). Point ``--source`` at the folder holding
``cameras.h5`` and ``S<n>/`` (the ``data/h36m`` folder of the public
3d-pose-baseline / SA-GCN release). Writes, for train (S1, S5, S6, S7, S8)
and test (S9, S11), every camera::

    <output>/h36m_hourglass_2D/detected/h36m_hourglass_2D_<phase>.npz  detections (16, px)
    <output>/h36m_hourglass_2D/groundtruth/h36m_gt_2D_<phase>.npz      projected ground truth
    <output>/h36m_fcn_3D/groundtruth/h36m_gt_3D_<phase>.npz            camera-frame GT (17, m,
                                                                       pelvis at the origin)
    <output>/h36m_hourglass_2D/flagged.json                            known GT misalignments

and prints per split: pairs, frames, the mean detection-vs-projected-GT error
(all pairs and without the flagged ones) and skipped pairs::

    python scripts/prepare_h36m.py --source /path/to/data/h36m --output data/poses
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from smoothnet.dataset.base import npz_paths, object_array, save_npz
from smoothnet.prep.h36m_hourglass import (
    TEST_SUBJECTS,
    TRAIN_SUBJECTS,
    ConvertedTake,
    convert_take,
    read_cameras,
    take_files,
)
from smoothnet.utils.io import write_json_atomic


def image_names(take: ConvertedTake) -> np.ndarray:
    return np.array([f"{take.name}/{i + 1:06d}.jpg" for i in range(len(take.detections))])


def write_split(
    output: Path, phase: str, takes: list[ConvertedTake], absolute_3d: bool = False
) -> None:
    def flat(arrays: list[np.ndarray]) -> np.ndarray:
        return object_array([a.reshape(len(a), -1) for a in arrays])

    names = object_array([image_names(t) for t in takes])
    gt2d, det2d = npz_paths(output, "h36m", "hourglass", "2D", phase)
    save_npz(gt2d, {"imgname": names, "joints_2d": flat([t.groundtruth_2d for t in takes])})
    save_npz(det2d, {"imgname": names, "joints_2d": flat([t.detections for t in takes])})
    gt3d, _ = npz_paths(output, "h36m", "fcn", "3D", phase)
    poses_3d = [t.groundtruth_3d for t in takes]
    if not absolute_3d:  # pelvis at the origin, like a lifting network's output
        poses_3d = [p - p[:, :1] for p in poses_3d]
    save_npz(gt3d, {"imgname": names, "joints_3d": flat(poses_3d)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="folder with cameras.h5 and S<n>/")
    parser.add_argument("--output", default="data/poses", help="root of the npz layout")
    parser.add_argument("--subjects", help="comma list limiting the subjects (for a quick look)")
    parser.add_argument(
        "--absolute_3d",
        action="store_true",
        help="keep the 3D ground truth's camera-frame position (default: pelvis at the origin, "
        "as the root-relative h36m_fcn_3D detections; SmoothNet trains on the raw pairs)",
    )
    args = parser.parse_args(argv)
    source, output = Path(args.source), Path(args.output)
    if not (source / "cameras.h5").is_file():
        raise SystemExit(
            f"error: {source / 'cameras.h5'} not found (--source must hold cameras.h5 and S<n>/)"
        )
    cameras = read_cameras(source / "cameras.h5")
    wanted = {int(s) for s in args.subjects.split(",")} if args.subjects else None
    report = {}
    flagged: list[str] = []
    for phase, subjects in (("train", TRAIN_SUBJECTS), ("test", TEST_SUBJECTS)):
        subjects = tuple(s for s in subjects if wanted is None or s in wanted)
        if not subjects:
            continue
        takes, skipped = [], []
        jobs = [(s, take, path) for s in subjects for take, path in take_files(source, s)]
        if not jobs:
            raise SystemExit(f"error: no ground-truth files under {source}/S*/MyPoses/3D_positions")
        for subject, take, path in tqdm(jobs, desc=phase, unit="take"):
            try:
                done, missed = convert_take(source, subject, take, path, cameras)
            except (ValueError, OSError, KeyError) as err:
                raise SystemExit(f"error: {err}") from None
            takes += done
            skipped += missed
        write_split(output, phase, takes, args.absolute_3d)
        errors = np.concatenate([t.error_px for t in takes])
        clean = [t.error_px for t in takes if not t.flagged]
        flagged += [t.name for t in takes if t.flagged]
        report[phase] = {
            "pairs": len(takes),
            "frames": int(sum(len(t.detections) for t in takes)),
            "mean_error_px": float(errors.mean()),
            "mean_error_px_unflagged": float(np.concatenate(clean).mean()) if clean else None,
            "skipped": skipped,
        }
        r = report[phase]
        unflagged = r["mean_error_px_unflagged"]
        unflagged_text = f"{unflagged:.2f} px" if unflagged is not None else "no pair"
        print(
            f"{phase}: {r['pairs']} pairs, {r['frames']} frames (detected = ground-truth counts); "
            f"mean detection vs projected GT {r['mean_error_px']:.2f} px "
            f"({unflagged_text} without {len(takes) - len(clean)} flagged); "
            f"{len(skipped)} skipped"
        )
        for line in skipped:
            print(f"  skipped {line}")
    write_json_atomic(
        output / "h36m_hourglass_2D" / "flagged.json", {"flagged": flagged, "report": report}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
