"""Output files are written whole or not at all: a temporary file beside the target,
renamed onto it only once complete. Used by the corpus writer, export and report."""

from __future__ import annotations

import contextlib
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
        raise InputError("output's parent is not a directory", path=parent)
    if path.is_dir():
        raise InputError("output path is a directory", path=path, fix="give a file name")
    if path.exists() and not overwrite:
        raise OutputExistsError(exists_message(path))


def create_temp(path: Path) -> Path:
    """Create an empty, new temporary file beside ``path`` (permissions per umask)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(6)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as err:
            raise InputError(f"cannot write here: {err.strerror}", path=path.parent) from err
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
    a failure leaves no partial output and no file replaced.
    """
    for path in paths:
        check_output(path, overwrite)
    temps: list[Path] = []
    try:
        with contextlib.ExitStack() as stack:
            handles = []
            for path in paths:
                temps.append(create_temp(path))
                handles.append(
                    stack.enter_context(temps[-1].open("w", encoding="utf-8", newline="\n"))
                )
            yield handles
        for tmp, path in zip(temps, paths, strict=True):
            fsync(tmp)
            if path.exists() and not overwrite:
                raise OutputExistsError(exists_message(path))
        for tmp, path in zip(temps, paths, strict=True):
            os.replace(tmp, path)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
