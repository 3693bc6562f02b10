"""Reading ``.npz`` files from users without ever running code from them.

The original SmoothNet layout keeps one array per sequence in object arrays,
which numpy stores as pickles; ``np.load(..., allow_pickle=True)`` unpickles
them with every global allowed (any callable can run), and for a file that
is not a zip archive it falls back to ``pickle.load`` on the whole file.

:func:`load_npz` reads the zip archive member by member: plain arrays with
``allow_pickle=False``, object arrays with :class:`RestrictedUnpickler`,
which admits only the globals that numpy needs to rebuild arrays of numbers
and strings (the way torch's ``weights_only`` admits only tensors). Anything
else is refused with one line naming the file, the key and the global, and
nothing from it runs. A file that is not a zip archive is refused before any
byte of it is unpickled.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format

#: (module, name) pairs an object array of numeric arrays and strings may reference.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [
        (module, name)
        for module in ("numpy.core.multiarray", "numpy._core.multiarray")
        for name in ("_reconstruct", "scalar")
    ]
    + [
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        # Python-2-era pickles store raw bytes as latin-1 text re-encoded by this.
        ("_codecs", "encode"),
        ("codecs", "encode"),
    ]
)


class UnsafeDataError(ValueError):
    """A data file that would need to run code (or is not an npz archive) to be read."""


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles numpy object arrays; any global outside :data:`ALLOWED_GLOBALS` is refused.

    Args:
        file: the pickle stream.
        source: what to name in errors (``"<file>: key 'x'"``).
    """

    def __init__(self, file: IO[bytes], source: str) -> None:
        super().__init__(file, encoding="latin1")
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise UnsafeDataError(
                f"{self.source}: refused to unpickle {module}.{name} (data files may hold "
                "only arrays of numbers and strings)"
            )
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeDataError(f"{self.source}: refused a persistent pickle reference")


def read_npy(fp: IO[bytes], source: str, size: int | None = None) -> np.ndarray:
    """One ``.npy`` array (a file, or a member of an ``.npz``): header, then the data;
    object arrays through the restricted unpickler.

    Raises:
        UnsafeDataError: an object array that needs another global.
        ValueError: a header that is not ``.npy``, or that declares more data than
            the file holds (nothing of that size is allocated).
        EOFError: an empty file.

    ``size``: the bytes of the whole ``.npy`` (the file's or the zip member's), so a
    header declaring more data than there is fails before anything is allocated.
    """
    version = npy_format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = npy_format.read_array_header_2_0(fp)
    else:
        raise UnsafeDataError(f"{source}: unsupported .npy format version {version}")
    if not dtype.hasobject:
        count = int(np.prod(shape, dtype=object))  # exact, however large the header says
        expected = count * dtype.itemsize
        left = None if size is None else max(size - fp.tell(), 0)
        if left is not None and expected > left:
            held = left // max(dtype.itemsize, 1)
            raise ValueError(
                f"{source}: the header declares {count} values of {dtype}, the file holds {held}"
            )
        raw = fp.read(expected)
        if len(raw) < expected:
            raise ValueError(f"{source}: the header declares {count} values of {dtype}, "
                             f"the file holds {len(raw) // max(dtype.itemsize, 1)}")  # fmt: skip
        data = np.frombuffer(raw, dtype=dtype, count=count)
        if fortran:
            return data.reshape(shape[::-1]).transpose().copy()
        return data.reshape(shape).copy()
    array = RestrictedUnpickler(fp, source).load()
    if not isinstance(array, np.ndarray):
        raise UnsafeDataError(f"{source}: the pickled object is a {type(array).__name__}")
    return array


def _archive(path: Path) -> zipfile.ZipFile:
    """The zip archive at ``path``; a file that is not one is refused, never unpickled."""
    if not zipfile.is_zipfile(path):
        raise UnsafeDataError(f"{path}: not an .npz (zip) archive; refusing to unpickle it")
    return zipfile.ZipFile(path)


def _key(member: str) -> str:
    return member[: -len(".npy")] if member.endswith(".npy") else member


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, without running code from it.

    Args:
        path: the archive.

    Returns:
        Key -> array (object arrays included, rebuilt by the restricted
        unpickler).

    Raises:
        UnsafeDataError: the file is not a zip archive, or an entry needs a
            global other than numpy's array reconstruction (the message
            names the file, key and global).
        OSError, ValueError: unreadable or corrupt file.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    with _archive(path) as archive:
        for member in archive.infolist():
            with archive.open(member) as fp:
                name = _key(member.filename)
                arrays[name] = read_npy(fp, f"{path}: key {name!r}", member.file_size)
    return arrays


def npz_keys(path: str | Path) -> list[str]:
    """The keys of an ``.npz`` archive, read from its zip directory (no data unpickled).

    Raises:
        UnsafeDataError: the file is not a zip archive.
    """
    with _archive(Path(path)) as archive:
        return [_key(m) for m in archive.namelist()]
