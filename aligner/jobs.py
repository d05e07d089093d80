"""A job owns its output and its processes.

* **A lock on the output.** ``aligner align`` holds an advisory lock (``flock``) on a
  hidden file beside its output, ``.OUT.parquet.lock``, from start to end; it covers the
  output and its saved progress, ``OUT.parquet.parts/``. A second job on the same output
  is refused at once with the pid and start time of the first, recorded in the lock
  file. The kernel drops the lock when its holder dies, however it dies, so a killed
  job never blocks the next one; the file itself is removed when the job ends.
* **Temporary files of dead jobs.** Whoever holds the lock is the only job writing that
  output, so a temporary file left beside it (``.OUT.parquet.tmp-*``) or in its parts
  folder is a dead job's, left by a hard kill: :func:`remove_stale_temps` removes them.
* **Workers die with their parent.** :func:`die_with_parent` runs first in each worker
  process: on Linux the kernel sends it SIGKILL when the parent dies (``prctl
  PR_SET_PDEATHSIG``), and everywhere a thread checks every second that the parent is
  still there, so a killed job leaves no worker behind.
* **SIGTERM is Ctrl-C.** :func:`interrupt_on_sigterm` makes SIGTERM raise
  :class:`Terminated`, a ``KeyboardInterrupt``, so a job stopped either way cleans up the
  same way (temporary files removed, workers stopped, saved progress kept).
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self

from aligner.errors import InputError
from aligner.files import write_error

try:
    import fcntl
except ImportError:  # not on Windows: jobs are not locked there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

PARENT_CHECK_S = 1.0  # how often a worker's fallback thread looks for its parent
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def lock_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.lock")


_HELD: set[str] = set()  # lock files this process holds: taking one again is a no-op


def _holder(fd: int) -> str:
    """Who holds the lock, as its holder wrote it into the file ("pid 12, started ...")."""
    text = ""
    for _ in range(20):  # the holder writes its line just after it takes the lock
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        if text.strip():
            break
        time.sleep(0.05)
    try:
        info = json.loads(text)
        where = "" if info.get("host") == socket.gethostname() else f" on {info.get('host')}"
        return f"pid {info['pid']}{where}, started {info['started']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "a job that did not say which"


class OutputLock:
    """The advisory lock of a job on its output (see the module docstring).

    Taken again by the process that holds it (the command line takes it before loading
    the model, so a second job is refused at once, and ``write_batch`` takes it too),
    it is simply held on; the outermost holder releases it.
    """

    def __init__(self, output: Path) -> None:
        self.output = Path(output)
        self.path = lock_path(self.output)
        self._key = os.path.realpath(self.path)
        self._fd: int | None = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, or raise an ``InputError`` naming the job that holds it."""
        if fcntl is None or self._key in _HELD:
            return
        for _ in range(100):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as err:  # the folder cannot be written: say so of the folder
                raise write_error(err, self.output.parent) from err
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                raise InputError(
                    f"another job is writing it ({holder})",
                    path=self.output,
                    fix="wait until it ends, or stop it; two jobs never share an output",
                ) from None
            if self._is_current(fd):
                self._fd = fd
                _HELD.add(self._key)
                self._write_holder()
                return
            os.close(fd)  # locked a file its last holder had just removed: try again
        raise InputError("cannot take the lock on the output", path=self.path)

    def _is_current(self, fd: int) -> bool:
        try:
            here, ours = os.stat(self.path), os.fstat(fd)
        except FileNotFoundError:
            return False
        return (here.st_dev, here.st_ino) == (ours.st_dev, ours.st_ino)

    def _write_holder(self) -> None:
        assert self._fd is not None
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
        try:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, (json.dumps(info) + "\n").encode(), 0)
        except OSError as err:
            self.release()
            raise write_error(err, self.path) from err

    def release(self) -> None:
        """Remove the lock file and drop the lock (removed first, while still held, so
        that no other job locks a file that is going away)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _HELD.discard(self._key)
        with contextlib.suppress(OSError):
            if self._is_current(fd):
                self.path.unlink()
        os.close(fd)


def remove_stale_temps(output: Path, parts: Path) -> int:
    """Remove the temporary files that dead jobs left beside ``output`` and in its parts
    folder ``parts``; call it only while holding the output's lock. How many it removed."""
    stale = glob.glob(glob.escape(str(output.parent / f".{output.name}.tmp-")) + "*")
    if parts.is_dir():
        stale += glob.glob(glob.escape(str(parts)) + "/.*.tmp-*")
    removed = 0
    for name in stale:
        with contextlib.suppress(FileNotFoundError):
            Path(name).unlink()
            removed += 1
    if removed:
        log.info("removed %d temporary file(s) left by a job that was killed", removed)
    return removed


# --------------------------------------------------------------------------- processes


def die_with_parent(parent: int) -> None:
    """Make this worker process end when ``parent`` (the job's process) does.

    On Linux, ask the kernel for SIGKILL at the parent's death; everywhere, a daemon
    thread checks every ``PARENT_CHECK_S`` that the parent is still the same. If the
    parent is gone already, exit now. Ctrl-C is left to the parent, which stops its
    workers itself (a terminal sends SIGINT to the whole process group).
    """
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="aligner-parent-check", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent:
            os._exit(1)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises ``KeyboardInterrupt``."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def interrupt_on_sigterm() -> None:
    """From now on, SIGTERM raises :class:`Terminated` in the main thread (a command
    line process only: a library leaves signals to its caller)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
