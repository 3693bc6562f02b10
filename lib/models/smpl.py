"""SMPL body model for evaluation: vertices and the 14 evaluation joints.

The SMPL files are licensed and not shipped. ``SMPL_MODEL_DIR`` must hold:

- ``SMPL_NEUTRAL.npz`` or ``SMPL_NEUTRAL.pkl``: the neutral SMPL model (the
  official pickle holds chumpy objects; it is read here without chumpy);
- ``J_regressor_extra.npy``: SPIN's (9, 6890) extra joint regressor (row 3 is
  the LSP head top).

The 14 evaluation joints are those of SPIN's 49-joint set that the original
scores (LSP order: right ankle, knee, hip, left hip, knee, ankle, right wrist,
elbow, shoulder, left shoulder, elbow, wrist, neck, head top): SMPL joints
8, 5, 2, 1, 4, 7, 21, 19, 17, 16, 18, 20, 12 and the regressed head top. The
root for root-relative metrics is the mean of the two hips (J14 indices 2, 3).

``smplx`` is imported lazily, only on this path.
"""

from __future__ import annotations

import contextlib
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

#: SMPL kinematic joints of the 13 first evaluation joints, in LSP-14 order.
J14_FROM_SMPL: tuple[int, ...] = (8, 5, 2, 1, 4, 7, 21, 19, 17, 16, 18, 20, 12)
#: Row of ``J_regressor_extra.npy`` giving the 14th joint (LSP head top).
HEAD_TOP_EXTRA_ROW = 3
#: Root of the evaluation joints: the mean of the right and left hips.
J14_ROOT: tuple[int, ...] = (2, 3)
SMPL_KEYS = ("v_template", "shapedirs", "posedirs", "J_regressor", "kintree_table", "weights", "f")
HOW_TO_GET = (
    "SMPL_NEUTRAL.pkl (or .npz) comes from the SMPL / SMPLify downloads at smpl.is.tue.mpg.de "
    "(registration required); J_regressor_extra.npy from SPIN's data files"
)


class SMPLModelError(FileNotFoundError):
    """The SMPL model folder is missing files or holds unreadable ones."""


class _Stub:
    """Stands in for any class of a pickle (chumpy ``Ch``, ...) and keeps its state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def array(self) -> np.ndarray:
        state = self.state
        if isinstance(state, dict):
            for key in ("x", "a", "_x"):
                if key in state:
                    return np.asarray(state[key])
        raise SMPLModelError(f"cannot read a value of class {type(self).__name__} from the pickle")


#: The globals the official SMPL pickles reference: numpy's array reconstruction, SciPy's
#: sparse matrix (the joint regressor), Python 2's byte decoding and object reconstruction.
#: chumpy classes are replaced by inert stubs; anything else is refused.
SMPL_PICKLE_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [(m, n) for m in ("numpy.core.multiarray", "numpy._core.multiarray")
     for n in ("_reconstruct", "scalar")]
    + [("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"), ("codecs", "encode"),
       ("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor"),
       ("__builtin__", "object"), ("builtins", "object")]
    + [(m, "csc_matrix") for m in ("scipy.sparse.csc", "scipy.sparse._csc", "scipy.sparse")]
    + [("__builtin__", "getattr"), ("builtins", "getattr")]  # only object.__new__, below
)  # fmt: skip


def _object_new_only(owner: Any, name: str) -> Any:
    """``getattr`` as a pickle of a new-style object uses it (``object.__new__``), and
    nothing else: a general ``getattr`` would open every attribute chain to the pickle."""
    if owner is object and name == "__new__":
        return object.__new__
    raise SMPLModelError(f"refused getattr({getattr(owner, '__name__', owner)!r}, {name!r}) "
                         "in the SMPL pickle")  # fmt: skip


class _ChumpyFreeUnpickler(pickle.Unpickler):
    """Unpickles the official SMPL pickle without chumpy installed, allowing exactly
    :data:`SMPL_PICKLE_GLOBALS` (and chumpy classes, as stubs)."""

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] == "chumpy":
            return type(name, (_Stub,), {})
        if (module, name) not in SMPL_PICKLE_GLOBALS:
            raise SMPLModelError(f"refused to unpickle {module}.{name} from the SMPL pickle")
        if module.startswith("scipy.sparse"):
            import scipy.sparse

            return scipy.sparse.csc_matrix
        if name == "getattr":
            return _object_new_only
        if module in ("copy_reg", "__builtin__"):
            module = {"copy_reg": "copyreg", "__builtin__": "builtins"}[module]
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise SMPLModelError("refused a persistent reference in the SMPL pickle")


def _plain(value: Any) -> np.ndarray:
    if isinstance(value, _Stub):
        return value.array()
    if hasattr(value, "toarray"):  # scipy sparse J_regressor
        return value.toarray()
    return np.asarray(value)


def read_smpl_file(path: Path) -> dict[str, np.ndarray]:
    """The model arrays of an SMPL ``.npz`` or ``.pkl`` (chumpy not needed)."""
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                raw = {k: data[k] for k in data.files}
        else:
            with path.open("rb") as f:
                raw = _ChumpyFreeUnpickler(f, encoding="latin1").load()
    except SMPLModelError:
        raise
    except Exception as err:
        raise SMPLModelError(f"cannot read SMPL model {path}: {err}") from None
    missing = [k for k in SMPL_KEYS if k not in raw]
    if missing:
        raise SMPLModelError(f"{path}: missing SMPL arrays {missing}")
    return {k: _plain(raw[k]) for k in SMPL_KEYS}


def convert_smpl_pickle(pkl: str | Path, npz: str | Path) -> None:
    """Write the arrays of an official SMPL pickle to an ``.npz`` (no chumpy needed)."""
    from ..utils.io import atomic_path

    arrays = read_smpl_file(Path(pkl))
    with atomic_path(npz) as tmp, tmp.open("wb") as f:
        np.savez(f, **arrays)


def locate_smpl_files(model_dir: str | Path) -> tuple[Path, Path]:
    """``(model file, extra regressor)`` in ``model_dir``, or one clear error."""
    folder = Path(model_dir)
    candidates = [folder / "SMPL_NEUTRAL.npz", folder / "SMPL_NEUTRAL.pkl"]
    model = next((p for p in candidates if p.is_file()), None)
    extra = folder / "J_regressor_extra.npy"
    missing = [
        str(p) for p in ([] if model else [candidates[1]]) + ([] if extra.is_file() else [extra])
    ]
    if missing:
        raise SMPLModelError(
            f"SMPL model files not found (SMPL_MODEL_DIR={folder}): missing {', '.join(missing)}; "
            + HOW_TO_GET
        )
    return model, extra


class SMPLEvaluator:
    """Neutral SMPL forward pass giving the 14 evaluation joints and the vertices.

    Args:
        model_dir: folder with the SMPL files (``SMPL_MODEL_DIR``).
        device: where to run.
        chunk: frames per forward call.
    """

    def __init__(
        self, model_dir: str | Path, device: torch.device | str = "cpu", chunk: int = 512
    ) -> None:
        model_file, extra_file = locate_smpl_files(model_dir)
        arrays = read_smpl_file(model_file)
        try:
            import smplx
            from smplx.utils import Struct
        except ImportError:
            raise SMPLModelError("SMPL evaluation needs smplx: pip install smplx") from None
        self.device = torch.device(device)
        with contextlib.redirect_stdout(io.StringIO()):  # smplx prints a note on 10 betas
            self.model = smplx.SMPL(
                model_path=str(model_file),
                data_struct=Struct(**arrays),
                create_transl=False,
                create_betas=False,
                create_global_orient=False,
                create_body_pose=False,
                batch_size=1,
            ).to(self.device)
        extra = np.load(extra_file)
        expected = (9, arrays["v_template"].shape[0])
        if extra.shape != expected:
            raise SMPLModelError(f"{extra_file}: expected shape {expected}, got {extra.shape}")
        self.head_top = torch.from_numpy(extra[HEAD_TOP_EXTRA_ROW]).float().to(self.device)
        self.chunk = chunk

    @torch.no_grad()
    def __call__(
        self, pose: np.ndarray, betas: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pose a sequence.

        Args:
            pose: ``(T, 72)`` axis-angle (global orientation, then 23 body joints).
            betas: ``(T, 10)`` shape, or None for the mean shape.

        Returns:
            ``(T, 14, 3)`` evaluation joints and ``(T, 6890, 3)`` vertices, in
            metres, as float64.
        """
        pose_t = torch.as_tensor(np.asarray(pose), dtype=torch.float32, device=self.device)
        num_frames = pose_t.shape[0]
        if betas is None:
            betas_t = torch.zeros(num_frames, 10, device=self.device)
        else:
            betas_t = torch.as_tensor(np.asarray(betas), dtype=torch.float32, device=self.device)
            betas_t = betas_t[:, : self.model.num_betas]
        joints, vertices = [], []
        for s in range(0, num_frames, self.chunk):
            out = self.model(
                betas=betas_t[s : s + self.chunk],
                global_orient=pose_t[s : s + self.chunk, :3],
                body_pose=pose_t[s : s + self.chunk, 3:],
            )
            v = out.vertices
            head = torch.einsum("v,tvc->tc", self.head_top, v)[:, None]
            joints.append(torch.cat([out.joints[:, list(J14_FROM_SMPL)], head], dim=1))
            vertices.append(v)
        return (
            torch.cat(joints).double().cpu().numpy(),
            torch.cat(vertices).double().cpu().numpy(),
        )
