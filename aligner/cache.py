"""The embedding cache: vectors kept in memory and, optionally, on disk across runs.

:class:`CachedEncoder` wraps any encoder and sends it only texts it has not seen: an
in-memory LRU first, then (with ``cache_dir``) one SQLite file per encoder name, keyed by
the SHA-1 of the text, that several processes and later runs share. ``name`` and ``dim``
are the wrapped encoder's: a cached vector is the one it gave, in whatever batch it was
computed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aligner.embed import Encoder, as_text_list, check_encoder_output
from aligner.errors import ModelError

__all__ = ["CachedEncoder"]

log = logging.getLogger(__name__)


def _usable(vec: np.ndarray) -> bool:
    """A cached vector is a finite unit vector; anything else (NaN, inf, a flipped bit
    in the exponent) is computed again rather than aligned with."""
    if not np.isfinite(vec).all():
        return False
    return abs(float(np.dot(vec, vec)) - 1.0) < 1e-3


def _safe_filename(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._@-]+", "_", name).strip("._")[-80:] or "encoder"
    return f"{stem}-{hashlib.sha1(name.encode()).hexdigest()[:10]}.sqlite"


class _DiskCache:
    """One SQLite file per encoder name: ``sha1(text) -> float32 bytes``.

    SQLite in WAL mode lets several worker processes share one cache directory. The
    connection is opened lazily and again after a fork or unpickling.
    """

    _CHUNK = 500  # stays below SQLite's host-parameter limit

    def __init__(self, directory: Path, name: str, dim: int) -> None:
        self.path = directory / _safe_filename(name)
        self.name = name
        self.dim = dim
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self.bad = 0  # vectors read that were not finite unit vectors
        self._warned = False
        if directory.exists() and not directory.is_dir():
            raise ModelError(
                f"embedding cache {directory}: not a folder (pass a folder for the cache, "
                "or a path that does not exist yet)"
            )
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._connect()
        except (OSError, sqlite3.Error) as e:
            raise ModelError(f"cannot use embedding cache {self.path}: {e}{self._fix(e)}") from e

    def _fix(self, error: Exception) -> str:
        """What to do about a damaged cache file: it only holds vectors that can be
        computed again, so deleting it loses nothing."""
        damaged = isinstance(error, sqlite3.DatabaseError) and not isinstance(
            error, sqlite3.OperationalError
        )
        text = str(error).lower()
        if damaged or "malformed" in text or "not a database" in text or "corrupt" in text:
            return (
                f" (the cache file is damaged: delete {self.path}; it only holds vectors "
                "that are computed again)"
            )
        return ""

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vec (key BLOB PRIMARY KEY, v BLOB NOT NULL) "
                "WITHOUT ROWID"
            )
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('encoder', ?), ('dim', ?)",
                (self.name, str(self.dim)),
            )
            conn.commit()
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if meta.get("encoder") != self.name or meta.get("dim") != str(self.dim):
                conn.close()
                raise ModelError(
                    f"embedding cache {self.path} belongs to {meta.get('encoder')} "
                    f"(dim {meta.get('dim')}), not {self.name} (dim {self.dim})"
                )
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        nbytes = self.dim * 4
        try:
            conn = self._connect()
            for i in range(0, len(keys), self._CHUNK):
                chunk = keys[i : i + self._CHUNK]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, v FROM vec WHERE key IN ({marks})"
                for key, blob in conn.execute(query, chunk):
                    if len(blob) != nbytes:
                        continue
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if _usable(vec):
                        found[bytes(key)] = vec
                    else:
                        self.bad += 1
        except sqlite3.Error as e:
            raise ModelError(f"cannot read embedding cache {self.path}: {e}{self._fix(e)}") from e
        if self.bad and not self._warned:
            log.warning(
                "embedding cache %s holds vectors that are not finite unit vectors (NaN, "
                "inf or damaged); they are computed again and replaced",
                self.path,
            )
            self._warned = True
        return found

    def put(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        rows = [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in items]
        try:
            conn = self._connect()
            with conn:
                # REPLACE: a damaged vector found by get() is overwritten by the new one
                conn.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)", rows)
        except sqlite3.Error as e:
            fix = self._fix(e) or " (free some space, or use another --cache folder)"
            raise ModelError(f"cannot write embedding cache {self.path}: {e}{fix}") from e

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM vec").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_conn"], state["_pid"] = None, -1
        return state


class CachedEncoder:
    """Sends only distinct, uncached texts to the wrapped encoder.

    Vectors live in an in-memory LRU of at most ``max_items`` texts and, with ``cache_dir``,
    in an SQLite file per encoder name keyed by the SHA-1 of the text, shared across runs
    and processes. ``name`` and ``dim`` are the wrapped encoder's.
    ``hits``/``misses`` count texts served from a cache / sent to the encoder.
    """

    def __init__(
        self,
        inner: Encoder,
        max_items: int = 65_536,
        cache_dir: str | Path | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max(0, int(max_items))
        self._mem: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.disk = (
            _DiskCache(Path(cache_dir).expanduser(), inner.name, inner.dim)
            if cache_dir is not None
            else None
        )
        self.hits = 0
        self.misses = 0

    def _remember(self, text: str, vec: np.ndarray) -> None:
        if self.max_items == 0:
            return
        self._mem[text] = vec
        self._mem.move_to_end(text)
        while len(self._mem) > self.max_items:
            self._mem.popitem(last=False)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        items = as_text_list(texts)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        with self._lock:
            todo: dict[str, list[int]] = {}
            for i, text in enumerate(items):
                vec = self._mem.get(text)
                if vec is not None:
                    self._mem.move_to_end(text)
                    out[i] = vec
                    self.hits += 1
                else:
                    todo.setdefault(text, []).append(i)
            if todo and self.disk is not None:
                keys = {hashlib.sha1(t.encode("utf-8")).digest(): t for t in todo}
                for key, vec in self.disk.get(list(keys)).items():
                    text = keys[key]
                    idx = todo.pop(text)
                    out[idx] = vec
                    self.hits += len(idx)
                    self._remember(text, out[idx[0]].copy())
            if todo:
                new = list(todo)
                vecs = np.asarray(self.inner.encode(new), dtype=np.float32)
                check_encoder_output(vecs, len(new), self.dim, self.name)
                for text, vec in zip(new, vecs, strict=True):
                    idx = todo[text]
                    out[idx] = vec
                    self.misses += len(idx)
                    self._remember(text, vec.copy())
                if self.disk is not None:
                    self.disk.put(
                        (hashlib.sha1(t.encode("utf-8")).digest(), v)
                        for t, v in zip(new, vecs, strict=True)
                    )
        return out

    def close(self) -> None:
        if self.disk is not None:
            self.disk.close()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_lock"] = None
        state["_mem"] = OrderedDict()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        where = f", cache_dir={str(self.disk.path.parent)!r}" if self.disk else ""
        return f"CachedEncoder({self.inner!r}{where})"
