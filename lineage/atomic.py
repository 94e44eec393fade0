"""Write output files atomically: readers (and crashes) see the old file or the new, never half.

A temp file in the target's own folder is written, flushed and fsynced, then swapped in with
os.replace and the folder fsynced (security-findings 5: writing in place can leave 0 bytes).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import InputError


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Replace `path` with `data` in one step; on any failure the previous file stays intact.
    A place that cannot be written (no such folder, a folder in the way, no permission) is an
    InputError naming it, so every command reports a bad output path the same way (exit 2)."""
    try:
        return _replace(Path(path), data)
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None


def make_folder(path: str | os.PathLike) -> Path:
    """Create an output folder (and its parents), or an InputError naming it."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder: {exc.strerror or exc}",
                         file=str(path)) from None
    return Path(path)


def _replace(target: Path, data: bytes) -> Path:
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    mode = _mode_of(target)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def _mode_of(target: Path) -> int | None:
    """The permission bits of the file being replaced (a new file gets the umask default)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return None


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; folders cannot be opened for this on Windows."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
