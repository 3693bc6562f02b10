"""Writing files atomically: a reader never sees a half-written output."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    The parent folder is created. On any exception the temporary file is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
    try:
        yield tmp_path
        _fsync(tmp_path)  # the data is on disk before the name points at it
        tmp_path.replace(path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def folder_problem(folder: str | os.PathLike[str]) -> str | None:
    """Why files cannot be created in ``folder`` (made if missing), or None.

    Looks at ``folder`` or, when it does not exist yet, its nearest existing
    parent: that must be a folder, and writable.
    """
    folder = Path(folder)
    for existing in (folder, *folder.parents):
        if existing.exists():
            if not existing.is_dir():
                return f"{existing} is a file, not a folder"
            if not os.access(existing, os.W_OK | os.X_OK):
                return f"cannot write in {existing}"
            return None
    return None


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written as a new or replaced file, or None."""
    target = Path(path)
    if target.is_dir():
        return "is a folder; give a file name"
    if target.exists() and not os.access(target, os.W_OK):
        return "is read-only"
    return folder_problem(target.parent)


def remove_stale_temporaries(
    folder: str | os.PathLike[str], names: Sequence[str]
) -> list[Path]:
    """Delete the temporary files that :func:`atomic_path` left behind when killed
    while writing one of ``names`` in ``folder``.

    Only its own pattern for those names (``.<name>.<8 random characters>.tmp``) is
    touched; any other file, hidden or not, stays.

    Returns:
        The removed paths.
    """
    removed = []
    for name in names:
        pattern = re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.tmp")
        for tmp in Path(folder).glob(f".{name}.*.tmp"):
            if pattern.fullmatch(tmp.name) and tmp.is_file():
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
    return removed


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def strict_json(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float replaced by None (strict JSON has neither)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {k: strict_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json(v) for v in obj]
    return obj


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as indented, strict JSON (NaN and infinities as null) atomically."""
    text = json.dumps(strict_json(obj), indent=2, sort_keys=False, allow_nan=False)
    write_text_atomic(path, text + "\n")


def write_csv_atomic(path: str | os.PathLike[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ``rows`` (dicts sharing their keys) as CSV with a header, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())
