"""The versioned corpus: a folder of Delta Lake tables that grows run after run.

A corpus folder ``DIR/`` holds two Delta tables that plain Polars reads
(``pl.scan_delta("DIR/beads")``, ``pl.read_delta("DIR/documents")``), DuckDB and Spark too:

* ``DIR/beads``: one row per bead, the columns of ``aligner.schema.SCHEMA`` (``kind`` as a
  plain string, as Delta has no dictionary type);
* ``DIR/documents``: one row per document, ``DOCUMENT_COLUMNS`` plus ``content_hash``, the
  SHA-256 of the pair's English and Korean texts (of the document's text when it is
  unpaired), which tells an ``--append`` run that an article changed.

When the corpus has a removed-lines table (``aligner.corpus.read_removed``: the page
furniture cleaning took out), it is a third table, ``DIR/removed``, keyed by ``doc_id``,
committed between the two others; the documents commit names its version too
(``aligner.removed_version``).

Rows carry no order in a table: readers sort beads by ``pair_id`` and ``bead``.

**One run, one version.** Each run that changes anything writes one commit to ``beads``
(its new and re-aligned pairs replace the old rows of those pairs, in a single
replace-where commit), then one commit to ``documents`` (the whole table, rewritten).
The ``documents`` commit is the commit point: its commit metadata
(``custom_metadata``) holds the run id, the signature, every parameter, the run summary
and ``aligner.beads_version``, the version of ``beads`` that goes with it. The corpus
version is the version of ``documents``: version 0 is the empty corpus that the first
run creates, and run *k* makes version *k*. Reading version *N* reads ``documents`` at
*N* and ``beads`` at the version that *N* names, so a run killed at any moment leaves
the corpus at its previous version or the next. If it is killed between its two commits,
``beads`` holds one commit more than ``documents`` names: the next run first restores
``beads`` to the named version (a Delta ``RESTORE`` commit) and goes on. A run that finds
nothing new makes no commit and no version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from aligner.errors import InputError, OutputExistsError
from aligner.schema import (
    CREATED_KEY,
    DOCUMENT_COLUMNS,
    SCHEMA,
    SIGNATURE_KEY,
    VERSION_KEY,
    signature_changes,
)
from aligner.types import Document
from aligner.version import __version__

log = logging.getLogger(__name__)

BEADS, DOCUMENTS, REMOVED = "beads", "documents", "removed"
RUN_KEY = "aligner.run"
SUMMARY_KEY = "aligner.summary"
BEADS_VERSION_KEY = "aligner.beads_version"
REMOVED_VERSION_KEY = "aligner.removed_version"
CORPUS_VERSION_KEY = "aligner.corpus_version"
CORPUS_TIMESTAMP_KEY = "aligner.corpus_timestamp"
HASH = "content_hash"

TABLE_SCHEMA: pa.Schema = pa.schema(
    [f if f.name != "kind" else pa.field("kind", pa.string(), nullable=False) for f in SCHEMA]
)
DOCUMENT_SCHEMA: dict[str, Any] = {**DOCUMENT_COLUMNS, HASH: pl.String}


def is_table(path: str | Path) -> bool:
    """Whether ``path`` is a corpus folder (its documents table exists)."""
    return (Path(path) / DOCUMENTS / "_delta_log").is_dir()


def _deltalake() -> Any:
    import deltalake

    return deltalake


def pair_hash(en: Document, ko: Document | None) -> str:
    """What identifies a pair's content: its English and Korean texts."""
    digest = hashlib.sha256(en.text.encode())
    if ko is not None:
        digest.update(b"\0" + ko.text.encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One version of a corpus folder: beads and documents that belong together."""

    version: int
    beads_version: int
    beads: pl.LazyFrame  # sorted by pair_id, bead; kind Categorical, as from Parquet
    documents: pl.DataFrame  # DOCUMENT_COLUMNS + content_hash
    metadata: dict[str, str]


def _history(path: Path) -> list[dict[str, Any]]:
    """The commits of a table, oldest first."""
    return sorted(_deltalake().DeltaTable(str(path)).history(), key=lambda c: c["version"])


def _as_of_version(history: list[dict[str, Any]], as_of: str | datetime, where: Path) -> int:
    if isinstance(as_of, str):
        try:
            day_only = len(as_of.strip()) == 10
            when = datetime.fromisoformat(as_of.strip())
        except ValueError:
            raise InputError(
                f"cannot read the date {as_of!r}",
                fix="give an ISO 8601 date or time, e.g. 2026-12-02 or 2026-12-02T08:30Z",
            ) from None
        if day_only:  # a day means the end of that day
            when = datetime.combine(when.date(), time.max)
    else:
        when = as_of
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    stamp = when.timestamp() * 1000
    versions = [c["version"] for c in history if c["timestamp"] <= stamp]
    if not versions:
        first = datetime.fromtimestamp(history[0]["timestamp"] / 1000, UTC)
        raise InputError(
            f"the corpus did not exist yet at {when.isoformat()}",
            path=where,
            fix=f"give a time after {first.isoformat(timespec='seconds')}",
        )
    return max(versions)


def snapshot(
    path: str | Path, *, version: int | None = None, as_of: str | datetime | None = None
) -> Snapshot:
    """The corpus folder ``path`` at ``version`` (or as it was at ``as_of``; default:
    the latest version)."""
    root = Path(path)
    if not is_table(root):
        raise InputError("not a corpus folder (no documents table)", path=root)
    history = _history(root / DOCUMENTS)
    latest = history[-1]["version"]
    if as_of is not None:
        version = _as_of_version(history, as_of, root)
    if version is None:
        version = latest
    if not 0 <= version <= latest:
        raise InputError(
            f"the corpus has no version {version}", path=root, fix=f"give 0 to {latest}"
        )
    commit = next(c for c in history if c["version"] == version)
    metadata = {k: str(v) for k, v in commit.items() if k.startswith("aligner.")}
    beads_version = int(metadata.get(BEADS_VERSION_KEY, 0))
    metadata[CORPUS_VERSION_KEY] = str(version)
    stamp = datetime.fromtimestamp(commit["timestamp"] / 1000, UTC)
    metadata[CORPUS_TIMESTAMP_KEY] = stamp.isoformat(timespec="milliseconds")
    documents = pl.read_delta(str(root / DOCUMENTS), version=version)
    beads = (
        pl.scan_delta(str(root / BEADS), version=beads_version)
        .with_columns(pl.col("kind").cast(pl.Categorical))
        .sort("pair_id", "bead")
    )
    return Snapshot(version, beads_version, beads, documents, metadata)


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run must do to bring the corpus up to date with its inputs."""

    pairs: tuple[tuple[str, Document, Document], ...]  # to align: new or changed
    unpaired_en: tuple[tuple[Document, str], ...]  # to record: new or changed
    unpaired_ko: tuple[tuple[Document, str], ...]
    new: int
    changed: int
    unchanged: int
    hashes: Mapping[str, str]  # pair id, or "en:doc_id" / "ko:doc_id", -> content hash


def plan(
    path: str | Path,
    pairs: Iterable[tuple[str, Document, Document]],
    unpaired_en: Iterable[tuple[Document, str]],
    unpaired_ko: Iterable[tuple[Document, str]],
    signature: str,
    *,
    append: bool,
    overwrite: bool,
) -> Plan:
    """Which pairs and documents a run writes. Without ``append`` every pair is new (the
    folder must not be a corpus yet, unless ``overwrite``); with it, pairs whose content
    hash the latest version already holds are left alone, and the settings must be
    those the corpus was built with."""
    root = Path(path)
    pairs, unpaired_en, unpaired_ko = list(pairs), list(unpaired_en), list(unpaired_ko)
    hashes = {pid: pair_hash(en, ko) for pid, en, ko in pairs}
    for role, side in (("en", unpaired_en), ("ko", unpaired_ko)):
        hashes.update({f"{role}:{doc.doc_id}": pair_hash(doc, None) for doc, _ in side})
    held: dict[str, str] = {}
    if is_table(root):
        if not append and not overwrite:
            raise OutputExistsError(
                f"{root}: is a corpus already (pass --append to add to it, or --overwrite "
                "to replace its content with a new version)"
            )
        if append:
            current = snapshot(root)
            _check_signature(root, current.metadata.get(SIGNATURE_KEY, ""), signature)
            docs = current.documents
            paired = docs.filter((pl.col("role") == "en") & (pl.col("status") != "unpaired"))
            held = dict(zip(paired["pair_id"], paired[HASH], strict=True))
            alone = docs.filter(pl.col("status") == "unpaired")
            keys = [f"{r}:{d}" for r, d in zip(alone["role"], alone["doc_id"], strict=True)]
            held.update(zip(keys, alone[HASH], strict=True))
            for role, doc_id in zip(docs["role"], docs["doc_id"], strict=True):
                held.setdefault(f"{role}:{doc_id}", "paired")
    elif root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InputError(
            "exists and is not a corpus folder",
            path=root,
            fix="give a new folder, or an existing corpus folder with --append",
        )
    todo = tuple(p for p in pairs if held.get(p[0]) != hashes[p[0]])
    new = sum(1 for p in todo if p[0] not in held)

    def fresh(role: str, side: list[tuple[Document, str]]) -> tuple[tuple[Document, str], ...]:
        # an unpaired article that the corpus holds as part of a pair stays as it is
        out = []
        for doc, why in side:
            key = f"{role}:{doc.doc_id}"
            if held.get(key) not in (hashes[key], "paired"):
                out.append((doc, why))
        return tuple(out)

    return Plan(
        todo, fresh("en", unpaired_en), fresh("ko", unpaired_ko), new, len(todo) - new,
        len(pairs) - len(todo), hashes,
    )  # fmt: skip


def _check_signature(root: Path, then: str, now: str) -> None:
    if not then or then == now:  # version 0, the empty corpus, has no settings yet
        return
    raise InputError(
        f"the corpus was aligned with other settings ({signature_changes(then, now)})",
        path=root,
        fix="append with the settings it was built with, or write a new corpus folder",
    )


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True, slots=True)
class Committed:
    """What a run did to the corpus folder."""

    version: int | None  # the new corpus version; None when nothing changed
    beads_added: int
    beads_removed: int
    pairs_total: int
    beads_total: int


def staging_path(root: Path) -> Path:
    """Where a run writes its pairs before committing them (a plain corpus file)."""
    return root / ".run.parquet"


def prepare(root: Path) -> None:
    """Make the folder ready for a run: create it and the empty version 0 of a new
    corpus, drop what a killed run left behind, and restore ``beads`` to the version the
    latest ``documents`` commit names if a run was killed between its two commits."""
    dl = _deltalake()
    root.mkdir(parents=True, exist_ok=True)
    for stray in root.glob("..run.parquet.tmp-*"):
        stray.unlink(missing_ok=True)
    staging_path(root).unlink(missing_ok=True)
    if not is_table(root):
        # a run killed while creating version 0 may have left an empty beads table
        shutil.rmtree(root / BEADS, ignore_errors=True)
        meta = {RUN_KEY: "create", BEADS_VERSION_KEY: "0", VERSION_KEY: __version__}
        dl.write_deltalake(str(root / BEADS), TABLE_SCHEMA.empty_table(), mode="error")
        empty = pl.DataFrame(schema=DOCUMENT_SCHEMA).to_arrow()
        dl.write_deltalake(
            str(root / DOCUMENTS), empty, mode="error",
            commit_properties=dl.CommitProperties(custom_metadata=meta),
        )  # fmt: skip
        return
    shot = snapshot(root)
    named = {BEADS: shot.beads_version}
    if REMOVED_VERSION_KEY in shot.metadata:
        named[REMOVED] = int(shot.metadata[REMOVED_VERSION_KEY])
    elif (root / REMOVED).exists() and not any(
        REMOVED_VERSION_KEY in c for c in _history(root / DOCUMENTS)
    ):  # made by a run stopped before its documents commit, and named by no version
        shutil.rmtree(root / REMOVED)
    for name, version in named.items():
        side = dl.DeltaTable(str(root / name))
        if side.version() != version:
            log.warning(
                "%s: %s is at version %d but the corpus names %d (a run was stopped between "
                "its commits): restoring it to version %d",
                root, name, side.version(), version, version,
            )  # fmt: skip
            side.restore(version)


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def commit(
    root: Path,
    run: Plan,
    metadata: Mapping[str, str],
    staged_documents: pl.DataFrame | None,
    staged_removed: pl.DataFrame | None,
    *,
    replace_all: bool = False,
) -> Committed:
    """Commit the run written to ``staging_path(root)``: its beads, then the documents
    table (the commit point). ``staged_documents`` and ``staged_removed`` are the staged
    file's documents and removed-lines tables (``aligner.corpus.read_documents`` and
    ``read_removed``), None when nothing was staged. ``replace_all`` (``--overwrite``)
    replaces every row."""
    import pyarrow.parquet as pq

    dl = _deltalake()
    current = snapshot(root)
    staged = staging_path(root)
    if staged.exists():
        new_beads = pq.read_table(staged).select(TABLE_SCHEMA.names).cast(TABLE_SCHEMA)
        new_beads = new_beads.replace_schema_metadata(None)
    else:
        new_beads = TABLE_SCHEMA.empty_table()
    empty = pl.DataFrame(schema=DOCUMENT_COLUMNS)
    staged_docs = empty if staged_documents is None else staged_documents
    keys = [
        f"{r}:{d}" if s == "unpaired" else p
        for r, d, s, p in staged_docs.select("role", "doc_id", "status", "pair_id").iter_rows()
    ]
    staged_docs = staged_docs.with_columns(
        pl.Series(HASH, [run.hashes.get(k) for k in keys], dtype=pl.String)
    )
    old = current.documents
    if replace_all:
        gone_pairs = set(old["pair_id"].drop_nulls()) - {""}
        kept_docs = old.clear()
    else:
        key = pl.concat_str("role", pl.lit(":"), "doc_id")
        new_keys = set(staged_docs.select(key).to_series())
        replaced_docs = old.filter(key.is_in(list(new_keys)))
        gone_pairs = (set(staged_docs["pair_id"]) | set(replaced_docs["pair_id"])) - {""}
        kept_docs = old.filter(
            ~key.is_in(list(new_keys)) & ~pl.col("pair_id").is_in(list(gone_pairs))
        )
    if new_beads.num_rows == 0 and staged_docs.is_empty() and not replace_all:
        return Committed(None, 0, 0, *_totals(current))
    documents = pl.concat(
        [d.select(list(DOCUMENT_SCHEMA)).cast(DOCUMENT_SCHEMA) for d in (kept_docs, staged_docs)]
    )
    before = current.beads.filter(pl.col("pair_id").is_in(list(gone_pairs)))
    removed = before.select(pl.len()).collect().item()
    props = dl.CommitProperties(custom_metadata={RUN_KEY: metadata[RUN_KEY]})
    if replace_all:
        dl.write_deltalake(str(root / BEADS), new_beads, mode="overwrite", commit_properties=props)
    elif gone_pairs:
        dl.write_deltalake(
            str(root / BEADS), new_beads, mode="overwrite",
            predicate=f"pair_id IN ({_sql_list(sorted(gone_pairs))})", commit_properties=props,
        )  # fmt: skip
    else:
        dl.write_deltalake(str(root / BEADS), new_beads, mode="append", commit_properties=props)
    beads_version = dl.DeltaTable(str(root / BEADS)).version()
    meta = dict(metadata)
    meta[BEADS_VERSION_KEY] = str(beads_version)
    removed_version = _commit_removed(root, staged_removed, staged_docs, props, replace_all)
    if removed_version is not None:
        meta[REMOVED_VERSION_KEY] = str(removed_version)
    elif REMOVED_VERSION_KEY in current.metadata:  # left as it was
        meta[REMOVED_VERSION_KEY] = current.metadata[REMOVED_VERSION_KEY]
    meta.setdefault(CREATED_KEY, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    meta.setdefault(VERSION_KEY, __version__)
    summary = json.loads(meta.get(SUMMARY_KEY, "{}"))
    summary.update(beads_added=new_beads.num_rows, beads_removed=removed)
    meta[SUMMARY_KEY] = json.dumps(summary, sort_keys=True)
    dl.write_deltalake(
        str(root / DOCUMENTS), documents.to_arrow(), mode="overwrite",
        commit_properties=dl.CommitProperties(custom_metadata=meta),
    )  # fmt: skip
    after = snapshot(root)
    return Committed(after.version, new_beads.num_rows, removed, *_totals(after))


def _commit_removed(
    root: Path, new: pl.DataFrame | None, staged_docs: pl.DataFrame, props: Any, replace_all: bool
) -> int | None:
    """The removed-lines table: the run's rows replace those of its documents, in one
    commit; its new version (None when the run staged nothing)."""
    if new is None:
        return None
    dl = _deltalake()
    path = root / REMOVED
    if path.exists() and not replace_all:
        old = pl.read_delta(str(path))
        ids = staged_docs["doc_id"].to_list()
        new = pl.concat([old.filter(~pl.col("doc_id").is_in(ids)), new.cast(old.schema)])
    dl.write_deltalake(str(path), new.to_arrow(), mode="overwrite", commit_properties=props)
    return int(dl.DeltaTable(str(path)).version())


def _totals(shot: Snapshot) -> tuple[int, int]:
    pairs = shot.documents.filter((pl.col("role") == "en") & (pl.col("status") != "unpaired"))
    return pairs.height, shot.beads.select(pl.len()).collect().item()


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


TABLE_FORMATS = ("auto", "parquet", "delta")


def wants_table(output: str | Path, fmt: str = "auto") -> bool:
    """Whether ``aligner align -o OUTPUT`` writes a corpus folder: with ``--format delta``,
    or by default when OUTPUT is a folder or does not end in ``.parquet``."""
    if fmt not in TABLE_FORMATS:
        raise InputError(f"unknown --format {fmt!r}", fix=f"use one of: {', '.join(TABLE_FORMATS)}")
    if fmt != "auto":
        return fmt == "delta"
    path = Path(output)
    return path.is_dir() or path.suffix.lower() not in (".parquet", ".pq")
