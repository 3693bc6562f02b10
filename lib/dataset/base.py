"""Reading the original npz layout, and slicing sequences into windows.

Files (``R`` = ``2D``, ``3D`` or ``smpl``, ``P`` = ``train`` or ``test``)::

    <BASE_DIR>/<dataset>_<estimator>_<R>/groundtruth/<dataset>_gt_<R>_<P>.npz
    <BASE_DIR>/<dataset>_<estimator>_<R>/detected/<dataset>_<estimator>_<R>_<P>.npz

Every key holds one entry per sequence: ``imgname`` (per-frame names),
``joints_2d``/``joints_3d`` (``keypoints_2d``/``keypoints_3d`` accepted) as
``(L, K*C)``, ``pose``/``shape`` for SMPL, ``imgshape`` and ``bbox`` for JHMDB.

Everything dataset-specific comes from :mod:`smoothnet.dataset.specs`. The
classes here only load and check: sequences stay in their own units (pixels,
metres, SMPL axis-angle), and :meth:`SequenceSet.research_space` says how the
original mapped them to model space (:mod:`smoothnet.core.space` does it). Bad
data raises :class:`DataError` with one line naming the file, key, sequence
and frame.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.space import ModelSpace
from ..utils.io import atomic_path
from ..utils.npz import UnsafeDataError, load_npz
from .specs import DatasetSpec, JointLayout, lookup

logger = logging.getLogger(__name__)

_POSITION_KEYS = {"2D": ("joints_2d", "keypoints_2d"), "3D": ("joints_3d", "keypoints_3d")}


class DataError(ValueError):
    """Missing or malformed data; the message is one line naming the culprit."""


@dataclass
class PoseSequence:
    """One sequence, in its own units.

    Attributes:
        name: a readable identifier (from ``imgname``).
        detected: ``(L, K, c)`` float64 estimator output: pixels (2D), metres
            (3D) or SMPL axis-angle (``(L, 24, 3)``).
        groundtruth: ``(L, K, c)`` float64 ground truth, the same units.
        bbox: ``(L, 4)`` ground-truth boxes ``[x1, y1, x2, y2]`` (JHMDB) or None.
        image_shape: ``(height, width)`` (JHMDB) or None.
        detected_betas: ``(L, 10)`` SMPL shape of the estimator, or None.
        groundtruth_betas: ``(L, 10)`` SMPL shape of the ground truth, or None.
    """

    name: str
    detected: np.ndarray
    groundtruth: np.ndarray
    bbox: np.ndarray | None = None
    image_shape: tuple[float, float] | None = None
    detected_betas: np.ndarray | None = None
    groundtruth_betas: np.ndarray | None = None

    @property
    def num_frames(self) -> int:
        return self.detected.shape[0]


def npz_paths(
    base_dir: str | Path, name: str, estimator: str, rep: str, phase: str
) -> tuple[Path, Path]:
    """``(groundtruth, detected)`` file paths of the original layout."""
    folder = Path(base_dir) / f"{name}_{estimator}_{rep}"
    return (
        folder / "groundtruth" / f"{name}_gt_{rep}_{phase}.npz",
        folder / "detected" / f"{name}_{estimator}_{rep}_{phase}.npz",
    )


def object_array(items: list[np.ndarray]) -> np.ndarray:
    """An object array with one entry per sequence (the original's storage)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def save_npz(path: str | Path, arrays: dict[str, np.ndarray], compressed: bool = False) -> None:
    """``np.savez`` (``np.savez_compressed``) written atomically (parent folders created)."""
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        (np.savez_compressed if compressed else np.savez)(f, **arrays)


def _open(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise DataError(f"{what} file not found: {path}")
    try:
        return load_npz(path)
    except UnsafeDataError as err:
        raise DataError(str(err)) from None
    except Exception as err:
        raise DataError(f"cannot read {what} file {path}: {err}") from None


def _key(data: dict[str, Any], path: Path, *names: str) -> Any:
    for name in names:
        if name in data:
            return data[name]
    wanted = " or ".join(repr(n) for n in names)
    raise DataError(f"{path}: missing key {wanted}; keys present: {', '.join(sorted(data))}")


def bare_name(name: str) -> str:
    """A sequence name without its ``#<index> `` label (``S9_Walking.54138969``)."""
    return re.sub(r"^#\d+ ", "", name)


def _sequence_name(imgnames: Any, index: int) -> str:
    try:
        first = str(np.asarray(imgnames[index]).ravel()[0])
    except (IndexError, TypeError):
        return f"#{index}"
    return f"#{index} {first.rsplit('/', 1)[0]}"


def _float_frames(value: Any, path: Path, key: str, index: int, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{path}: key {key!r} sequence {name} is not numeric") from None
    if array.ndim == 1:
        array = array[:, None]
    array = array.reshape(array.shape[0], -1)
    bad = ~np.isfinite(array)
    if bad.any():
        frame = int(np.flatnonzero(bad.any(axis=1))[0])
        raise DataError(f"{path}: non-finite value in key {key!r}, sequence {name}, frame {frame}")
    return array


class SequenceSet:
    """All sequences of one (dataset, estimator, representation, phase).

    Args:
        base_dir: root of the npz files (``DATASET.BASE_DIR``).
        name: dataset name.
        estimator: estimator name.
        representation: ``"2D"``, ``"3D"`` or ``"smpl"``.
        phase: ``"train"`` or ``"test"``.
        use_6d_smpl: feed SMPL poses as 6D rotations (True) or axis-angle.

    Attributes:
        spec: the dataset's facts.
        layout: the joint layout of the (remapped) data.
        sequences: the loaded sequences.
        coords: values per joint as fed to the model (2, 3, 6 or 3 for SMPL axis-angle).
        values_per_joint: values per joint as stored (2, or 3 for 3D and SMPL).
    """

    def __init__(
        self,
        base_dir: str | Path,
        name: str,
        estimator: str,
        representation: str,
        phase: str,
        use_6d_smpl: bool = True,
    ) -> None:
        try:
            self.spec: DatasetSpec = lookup(name, estimator, representation, phase)
        except ValueError as err:
            raise DataError(str(err)) from None
        self.name, self.estimator, self.representation, self.phase = (
            name,
            estimator,
            representation,
            phase,
        )
        self.layout: JointLayout = self.spec.layout(estimator, representation)
        self.gt_path, self.det_path = npz_paths(base_dir, name, estimator, representation, phase)
        self.use_6d_smpl = use_6d_smpl
        self.coords = {"2D": 2, "3D": 3}.get(representation, 6 if use_6d_smpl else 3)
        self.values_per_joint = 2 if representation == "2D" else 3
        self.sequences: list[PoseSequence] = self._load()

    @property
    def label(self) -> str:
        return f"{self.name}_{self.estimator}_{self.representation}"

    @property
    def num_joints(self) -> int:
        return self.sequences[0].detected.shape[1]

    @property
    def channels(self) -> int:
        """Model channels per frame (joints x values fed to the model)."""
        return self.num_joints * self.coords

    def research_space(self, seq: PoseSequence, window_size: int = 1) -> ModelSpace:
        """The original's model space for ``seq``: its dataset's 2D image normalisation
        (Human3.6M ``(p - 500) / 500``, JHMDB ``p / size - 0.5`` per axis), 3D as stored,
        SMPL as 6D rotations (or axis-angle without ``use_6d_smpl``)."""
        if self.representation == "smpl":
            return ModelSpace("smpl", window_size, rot6d=self.use_6d_smpl)
        norm = self.spec.normalization_2d if self.representation == "2D" else None
        if norm is not None and norm.kind == "fixed":
            return ModelSpace.affine((norm.center,) * 2, (norm.scale,) * 2, window_size)
        if norm is not None and norm.kind == "image_shape" and seq.image_shape is not None:
            height, width = seq.image_shape
            return ModelSpace.affine((width / 2, height / 2), (width, height), window_size)
        return ModelSpace("identity", window_size)

    def encoded(self, seq: PoseSequence) -> tuple[np.ndarray, np.ndarray]:
        """``(detected, groundtruth)`` of ``seq`` in the original's model space,
        ``(L, channels)`` float32 each (what training and the linear fit use)."""
        codec = self.research_space(seq).fit(seq.groundtruth)
        return (codec.encode(seq.detected).astype(np.float32),
                codec.encode(seq.groundtruth).astype(np.float32))  # fmt: skip

    def __len__(self) -> int:
        return len(self.sequences)

    def _load(self) -> list[PoseSequence]:
        gt = _open(self.gt_path, "ground-truth")
        det = _open(self.det_path, "detected")
        gt_names = _key(gt, self.gt_path, "imgname")
        det_names = _key(det, self.det_path, "imgname")
        if len(gt_names) != len(det_names):
            raise DataError(
                f"{self.det_path}: {len(det_names)} sequences but the ground truth "
                f"{self.gt_path} has {len(gt_names)}"
            )
        if len(gt_names) == 0:
            raise DataError(f"{self.gt_path}: no sequences")
        if self.representation == "smpl":
            keys = ("pose",)
        else:
            keys = _POSITION_KEYS[self.representation]
        gt_values = _key(gt, self.gt_path, *keys)
        det_values = _key(det, self.det_path, *keys)
        key = next(k for k in keys if k in gt)
        extras = self._extras(gt, det, len(gt_names))
        sequences: list[PoseSequence] = []
        first_width = 0
        for i in range(len(gt_names)):
            seq_name = _sequence_name(gt_names, i)
            g = _float_frames(gt_values[i], self.gt_path, key, i, seq_name)
            d = _float_frames(det_values[i], self.det_path, key, i, seq_name)
            for path, array, names in ((self.gt_path, g, gt_names), (self.det_path, d, det_names)):
                if len(names[i]) != array.shape[0]:
                    raise DataError(
                        f"{path}: sequence {seq_name} has {len(names[i])} image names "
                        f"but {array.shape[0]} frames of {key!r}"
                    )
            if g.shape[0] != d.shape[0]:
                raise DataError(
                    f"{self.det_path}: sequence {seq_name} has {d.shape[0]} detected frames "
                    f"but {g.shape[0]} ground-truth frames"
                )
            if g.shape[0] == 0:
                raise DataError(f"{self.gt_path}: sequence {seq_name} has no frames")
            if g.shape[1] != d.shape[1]:
                raise DataError(
                    f"{self.det_path}: sequence {seq_name} has {d.shape[1]} values per frame "
                    f"(joints x coordinates) but the ground truth has {g.shape[1]}"
                )
            if sequences and g.shape[1] != first_width:
                raise DataError(
                    f"{self.gt_path}: sequence {seq_name} has {g.shape[1]} values per frame "
                    f"(joints x coordinates) but sequence 0 has {first_width}; every sequence "
                    "needs the same joints"
                )
            first_width = g.shape[1]
            sequences.append(self._prepare(seq_name, g, d, {k: v[i] for k, v in extras.items()}))
        self._check_layout(sequences[0])
        logger.info(
            "%s %s: %d sequences, %d frames",
            self.label,
            self.phase,
            len(sequences),
            sum(s.num_frames for s in sequences),
        )
        return sequences

    def _extras(self, gt: dict[str, Any], det: dict[str, Any], count: int) -> dict[str, Any]:
        extras: dict[str, Any] = {}
        norm = self.spec.normalization_2d
        if self.representation == "2D" and norm is not None and norm.kind == "image_shape":
            extras["imgshape"] = _key(gt, self.gt_path, "imgshape")
        if self.spec.pck and self.representation == "2D":
            extras["bbox"] = _key(gt, self.gt_path, "bbox")
        if self.representation == "smpl":
            if "shape" in det:
                extras["det_betas"] = det["shape"]
            if "shape" in gt:
                extras["gt_betas"] = gt["shape"]
        for key, values in extras.items():
            if len(values) != count:
                raise DataError(f"key {key!r} has {len(values)} entries for {count} sequences")
        return extras

    def _prepare(
        self, name: str, gt: np.ndarray, det: np.ndarray, extras: dict[str, Any]
    ) -> PoseSequence:
        """Check and remap one sequence, shaped ``(L, K, c)``."""
        c = 3 if self.representation in ("3D", "smpl") else 2
        for path, array in ((self.gt_path, gt), (self.det_path, det)):
            if array.shape[1] % c:
                raise DataError(
                    f"{path}: sequence {name} has {array.shape[1]} values per frame, "
                    f"not a multiple of {c}"
                )
        remap = self.spec.remap.get(self.estimator) if self.representation == "3D" else None
        if remap:
            gt, det = (self._remap(a, remap, name) for a in (gt, det))
        image_shape = None
        norm = self.spec.normalization_2d if self.representation == "2D" else None
        if norm is not None and norm.kind == "image_shape":
            height, width = (float(v) for v in np.asarray(extras["imgshape"]).ravel()[:2])
            image_shape = (height, width)
        if self.representation == "smpl":
            for array in (gt, det):
                self._check_smpl_pose(array, name)
        bbox = extras.get("bbox")
        return PoseSequence(
            name=name,
            detected=det.reshape(len(det), -1, c),
            groundtruth=gt.reshape(len(gt), -1, c),
            bbox=None if bbox is None else np.asarray(bbox, dtype=np.float64).reshape(-1, 4),
            image_shape=image_shape,
            detected_betas=self._betas(extras.get("det_betas")),
            groundtruth_betas=self._betas(extras.get("gt_betas")),
        )

    def _remap(self, array: np.ndarray, index: tuple[int, ...], name: str) -> np.ndarray:
        joints = array.reshape(array.shape[0], -1, 3)
        if joints.shape[1] <= max(index):
            raise DataError(
                f"sequence {name}: {joints.shape[1]} joints, but the {self.name}/{self.estimator} "
                f"remap needs at least {max(index) + 1}"
            )
        return joints[:, list(index)].reshape(array.shape[0], -1)

    @staticmethod
    def _check_smpl_pose(pose: np.ndarray, name: str) -> None:
        if pose.shape[1] != 72:
            raise DataError(
                f"sequence {name}: SMPL 'pose' must have 72 values per frame, got {pose.shape[1]}"
            )

    @staticmethod
    def _betas(value: Any) -> np.ndarray | None:
        return (
            None if value is None else np.asarray(value, dtype=np.float32).reshape(len(value), -1)
        )

    def _check_layout(self, sequence: PoseSequence) -> None:
        if self.representation == "smpl":
            return
        joints = sequence.detected.shape[1]
        if joints != self.layout.num_joints:
            logger.warning(
                "%s: %d joints per frame, but the %s layout has %d; skeleton drawing and "
                "root joints may not fit",
                self.det_path,
                joints,
                self.layout.name,
                self.layout.num_joints,
            )


def read_exclusions(path: str | Path) -> set[str]:
    """Sequence names listed in a JSON file: a list, or a dict with a ``"flagged"`` list.

    Raises:
        DataError: unreadable file or another layout (one line naming the file).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise DataError(f"EVALUATE.EXCLUDE_FILE {path}: {err}") from None
    names = data.get("flagged") if isinstance(data, dict) else data
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DataError(
            f"EVALUATE.EXCLUDE_FILE {path}: expected a list of sequence names "
            '(or {"flagged": [...]})'
        )
    return set(names)


def exclude_sequences(dataset: SequenceSet, names: set[str]) -> int:
    """Drop the sequences of ``dataset`` whose bare names are in ``names``; returns the count."""
    before = len(dataset.sequences)
    dataset.sequences = [s for s in dataset.sequences if bare_name(s.name) not in names]
    return before - len(dataset.sequences)
