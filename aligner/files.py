"""Output files are written whole or not at all: a temporary file beside the target,
renamed onto it only once complete. Used by the corpus writer, export and report."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from aligner.errors import InputError, OutputExistsError


def exists_message(path: Path) -> str:
    return f"{path}: already exists (pass --overwrite to replace it)"


def check_output(path: Path, overwrite: bool) -> None:
    """Raise unless ``path`` can be written: its folder exists, and it does not (or may go)."""
    parent = path.parent
    if not parent.exists():
        raise InputError("output directory does not exist", path=parent, fix="create it first")
    if not parent.is_dir():
        raise InputError(
            "is a file, not a folder", path=parent, fix="give an output path inside a folder"
        )
    if path.is_dir():
        raise InputError(
            "is a folder, not a file",
            path=path,
            fix=f"give a file name, e.g. {path / 'corpus.parquet'}",
        )
    if path.exists() and not overwrite:
        raise OutputExistsError(exists_message(path))


_SPACE = "free some space, or write the output to another disk"
_ACCESS = "choose a folder you may write to, or change its permissions"
# errno -> (what went wrong, the fix), for write_error
_WRITE_FAILURES = {
    errno.ENOSPC: ("no space left on the device", _SPACE),
    errno.EDQUOT: ("disk quota exceeded", _SPACE),
    errno.EFBIG: ("file too large for this file system", "write the output to another disk"),
    errno.EACCES: ("permission denied", _ACCESS),
    errno.EPERM: ("operation not permitted", _ACCESS),
    errno.EROFS: ("read-only file system", "choose a folder on a writable disk"),
    errno.EISDIR: ("is a folder, not a file", "give a file name"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "check the path"),
    errno.ENAMETOOLONG: ("file name too long", "give a shorter name"),
}


def write_error(err: OSError, path: Path | str) -> InputError:
    """The one-line error for an ``OSError`` met while writing ``path``: what went wrong
    (disk full, permission, read-only disk, a folder where a file should be, ...) and
    the fix. ``path`` is the file the user asked for, not its temporary file."""
    what, fix = _WRITE_FAILURES.get(
        err.errno or 0, (err.strerror or str(err) or err.__class__.__name__, "check the path")
    )
    return InputError(f"cannot write: {what}", path=path, fix=fix)


def create_temp(path: Path) -> Path:
    """Create an empty, new temporary file beside ``path`` (permissions per umask)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(6)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as err:
            raise write_error(err, path) from err
        os.close(fd)
        return tmp
    raise InputError("cannot create a temporary file", path=path.parent)


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_text_files(paths: Sequence[Path], overwrite: bool) -> Iterator[list[TextIO]]:
    """UTF-8 text handles for ``paths``; the files appear only if the block completes.

    All targets are checked first, and on any error every temporary file is removed, so
    a failure leaves no partial output and no file replaced. An ``OSError`` while
    writing (a full disk, ...) becomes the one-line error of :func:`write_error`.
    """
    for path in paths:
        check_output(path, overwrite)
    temps: list[Path] = []
    handles: list[TextIO] = []
    target = paths[0] if paths else Path()
    try:
        for path in paths:
            target = path
            temps.append(create_temp(path))
            handles.append(temps[-1].open("w", encoding="utf-8", newline="\n"))
        yield handles
        for handle, tmp, path in zip(handles, temps, paths, strict=True):
            target = path
            handle.close()
            fsync(tmp)
            if path.exists() and not overwrite:
                raise OutputExistsError(exists_message(path))
        for tmp, path in zip(temps, paths, strict=True):
            target = path
            os.replace(tmp, path)
    except OSError as err:
        raise write_error(err, target) from err
    finally:
        for handle in handles:
            with contextlib.suppress(OSError):
                handle.close()
        for tmp in temps:
            tmp.unlink(missing_ok=True)
