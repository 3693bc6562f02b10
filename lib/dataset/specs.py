"""Per-dataset facts, as data.

Everything that differs between the original's six datasets lives here:
which estimators and body representations exist, which phases, the joint
layout of each (estimator, representation), root joints, the 3DPW joint
remap, frame rate and 2D normalisation. The loader
(:mod:`smoothnet.dataset.base`) has no per-dataset code.

To add a dataset, add one :class:`DatasetSpec` to :data:`DATASETS` (and a
:class:`JointLayout` to :data:`LAYOUTS` if its joints are new); see the
README's "Adding a dataset".
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPRESENTATIONS: tuple[str, ...] = ("2D", "3D", "smpl")
PHASES: tuple[str, ...] = ("train", "test")


@dataclass(frozen=True)
class JointLayout:
    """A skeleton's joints.

    Attributes:
        name: layout identifier.
        joints: joint names, in storage order.
        root: indices whose mean is the root (empty: no root, e.g. 2D).
        edges: bones as ``(parent, child)`` index pairs.

    Joint names start with ``l_`` / ``r_`` for the body's left / right side
    (the visualiser colours bones by side).
    """

    name: str
    joints: tuple[str, ...]
    root: tuple[int, ...] = ()
    edges: tuple[tuple[int, int], ...] = ()

    @property
    def num_joints(self) -> int:
        return len(self.joints)


LAYOUTS: dict[str, JointLayout] = {
    layout.name: layout
    for layout in (
        JointLayout(
            "lsp14",
            (
                "r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "r_wrist",
                "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist", "neck", "head_top",
            ),
            root=(2, 3),
            edges=(
                (0, 1), (1, 2), (2, 8), (3, 9), (4, 3), (5, 4), (6, 7), (7, 8), (8, 12),
                (9, 12), (10, 9), (11, 10), (12, 13),
            ),
        ),
        JointLayout(
            "h36m17",
            (
                "pelvis", "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "spine",
                "thorax", "neck", "head", "l_shoulder", "l_elbow", "l_wrist", "r_shoulder",
                "r_elbow", "r_wrist",
            ),
            root=(0,),
            edges=(
                (0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 6), (0, 7), (7, 8), (8, 9),
                (9, 10), (8, 11), (11, 12), (12, 13), (8, 14), (14, 15), (15, 16),
            ),
        ),
        JointLayout(
            "h36m16",
            (
                "pelvis", "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "spine",
                "thorax", "head", "l_shoulder", "l_elbow", "l_wrist", "r_shoulder", "r_elbow",
                "r_wrist",
            ),
            root=(0,),
            edges=(
                (0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 6), (0, 7), (7, 8), (8, 9),
                (8, 10), (10, 11), (11, 12), (8, 13), (13, 14), (14, 15),
            ),
        ),
        JointLayout(
            "mpi17",
            (
                "head_top", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow",
                "l_wrist", "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "pelvis",
                "spine", "head",
            ),
            root=(14,),
            edges=(
                (0, 16), (16, 1), (1, 15), (15, 14), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6),
                (6, 7), (14, 8), (8, 9), (9, 10), (14, 11), (11, 12), (12, 13),
            ),
        ),
        JointLayout(
            "jhmdb15",
            (
                "neck", "belly", "face", "r_shoulder", "l_shoulder", "r_hip", "l_hip",
                "r_elbow", "l_elbow", "r_knee", "l_knee", "r_wrist", "l_wrist", "r_ankle",
                "l_ankle",
            ),
            edges=(
                (0, 2), (0, 1), (0, 3), (0, 4), (3, 7), (7, 11), (4, 8), (8, 12), (1, 5),
                (1, 6), (5, 9), (9, 13), (6, 10), (10, 14),
            ),
        ),
        JointLayout(
            "smpl24",
            (
                "pelvis", "l_hip", "r_hip", "spine1", "l_knee", "r_knee", "spine2", "l_ankle",
                "r_ankle", "spine3", "l_foot", "r_foot", "neck", "l_collar", "r_collar", "head",
                "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist", "l_hand",
                "r_hand",
            ),
            root=(0,),
            edges=(
                (0, 1), (0, 2), (0, 3), (1, 4), (2, 5), (3, 6), (4, 7), (5, 8), (6, 9), (7, 10),
                (8, 11), (9, 12), (9, 13), (9, 14), (12, 15), (13, 16), (14, 17), (16, 18),
                (17, 19), (18, 20), (19, 21), (20, 22), (21, 23),
            ),
        ),
        JointLayout(
            "coco17",
            (
                "nose", "l_eye", "r_eye", "l_ear", "r_ear", "l_shoulder", "r_shoulder",
                "l_elbow", "r_elbow", "l_wrist", "r_wrist", "l_hip", "r_hip", "l_knee",
                "r_knee", "l_ankle", "r_ankle",
            ),
            edges=(
                (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
                (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
            ),
        ),
        JointLayout(
            "blazepose33",
            (
                "nose", "l_eye_inner", "l_eye", "l_eye_outer", "r_eye_inner", "r_eye",
                "r_eye_outer", "l_ear", "r_ear", "l_mouth", "r_mouth", "l_shoulder",
                "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist", "l_pinky", "r_pinky",
                "l_index", "r_index", "l_thumb", "r_thumb", "l_hip", "r_hip", "l_knee", "r_knee",
                "l_ankle", "r_ankle", "l_heel", "r_heel", "l_foot_index", "r_foot_index",
            ),
            edges=(
                (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
                (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19), (12, 14),
                (14, 16), (16, 18), (16, 20), (16, 22), (18, 20), (11, 23), (12, 24), (23, 24),
                (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30),
                (30, 32), (28, 32),
            ),
        ),
    )
}  # fmt: skip

#: Human3.6M-17 -> LSP-14, applied to 3DPW's SPIN/EFT/PARE 3D outputs.
H36M17_TO_LSP14: tuple[int, ...] = (6, 5, 4, 1, 2, 3, 16, 15, 14, 11, 12, 13, 8, 10)


@dataclass(frozen=True)
class Normalization2D:
    """How 2D pixel coordinates are mapped to model space.

    ``kind="fixed"``: ``(p - center) / scale`` with constants (Human3.6M:
    500, 500, i.e. a 1000 x 1000 image). ``kind="image_shape"``: per
    sequence ``x / width - 0.5``, ``y / height - 0.5`` from the ground truth's
    ``imgshape`` (JHMDB).
    """

    kind: str
    center: float = 0.0
    scale: float = 1.0


@dataclass(frozen=True)
class DatasetSpec:
    """Facts of one dataset.

    Attributes:
        name: dataset name as used on the command line and in file names.
        layouts: representation -> estimator -> joint layout name of the
            data as fed to the model (after any remap).
        phases: phases with data.
        fps: frame rate of the videos (None where it varies).
        remap: estimator -> joint indices applied to its 3D data on load.
        normalization_2d: 2D normalisation (None: no 2D data).
        pck: whether 2D evaluation reports PCK (from ground-truth boxes)
            rather than MPJPE.
        original_epoch_is_frame_count: the original's training epoch length
            was the total frame count (True) or the number of window starts
            (False, pw3d); used only by ``TRAIN.SAMPLING original``.
    """

    name: str
    layouts: dict[str, dict[str, str]]
    phases: tuple[str, ...] = PHASES
    fps: float | None = None
    remap: dict[str, tuple[int, ...]] = field(default_factory=dict)
    normalization_2d: Normalization2D | None = None
    pck: bool = False
    original_epoch_is_frame_count: bool = True

    def estimators(self, representation: str) -> tuple[str, ...]:
        return tuple(self.layouts.get(representation, {}))

    def layout(self, estimator: str, representation: str) -> JointLayout:
        return LAYOUTS[self.layouts[representation][estimator]]


def _same(layout: str, *estimators: str) -> dict[str, str]:
    return dict.fromkeys(estimators, layout)


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "aist",
            {
                "3D": _same("lsp14", "spin", "tcmr", "vibe"),
                "smpl": _same("smpl24", "spin", "tcmr", "vibe"),
            },
            fps=60.0,
        ),
        DatasetSpec(
            # Embedded demo: CMU motion capture (data/demo/) with errors sampled
            # from a model fitted to the Human3.6M FCN detections.
            "cmu",
            {"3D": {"fcnnoise": "h36m17"}},
            fps=50.0,
        ),
        DatasetSpec(
            "h36m",
            {
                "3D": {
                    **_same("h36m17", "fcn", "rle", "videoposet27", "videoposet81"),
                    "videoposet243": "h36m17",
                    **_same("lsp14", "tcmr", "vibe"),
                },
                "2D": {**_same("h36m16", "hourglass", "hrnet", "rle"), "cpn": "h36m17"},
                "smpl": _same("smpl24", "tcmr", "vibe"),
            },
            fps=50.0,
            normalization_2d=Normalization2D("fixed", center=500.0, scale=500.0),
        ),
        DatasetSpec(
            "jhmdb",
            {"2D": {"simplepose": "jhmdb15"}},
            fps=30.0,
            normalization_2d=Normalization2D("image_shape"),
            pck=True,
        ),
        DatasetSpec(
            "mpiinf3dhp",
            {"3D": _same("mpi17", "spin", "tcmr", "vibe")},
            phases=("test",),
        ),
        DatasetSpec(
            "mupots",
            {"3D": _same("mpi17", "tposenet", "tposenetrefinenet")},
            phases=("test",),
            fps=30.0,
        ),
        DatasetSpec(
            "pw3d",
            {
                "3D": _same("lsp14", "spin", "eft", "pare", "tcmr", "vibe"),
                "smpl": _same("smpl24", "spin", "eft", "pare", "tcmr", "vibe"),
            },
            fps=30.0,
            remap=dict.fromkeys(("spin", "eft", "pare"), H36M17_TO_LSP14),
            original_epoch_is_frame_count=False,
        ),
    )
}  # fmt: skip


def lookup(name: str, estimator: str, representation: str, phase: str) -> DatasetSpec:
    """The spec of a (dataset, estimator, representation, phase) combination.

    Raises:
        ValueError: one line naming the unknown value and listing the valid ones.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    if representation not in spec.layouts:
        raise ValueError(
            f"dataset {name!r} has no body representation {representation!r}; "
            f"valid: {', '.join(spec.layouts)}"
        )
    if estimator not in spec.layouts[representation]:
        raise ValueError(
            f"dataset {name!r} has no estimator {estimator!r} for {representation}; "
            f"valid: {', '.join(spec.estimators(representation))}"
        )
    if phase not in spec.phases:
        raise ValueError(
            f"dataset {name!r} has no {phase!r} phase; valid: {', '.join(spec.phases)}"
        )
    return spec
