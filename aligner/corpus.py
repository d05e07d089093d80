"""The corpus file: atomic Parquet writing, reading back.

The format (the Arrow schema, the documents and removed tables, the metadata keys and the
signature) is defined in :mod:`aligner.schema`.
This module, ``aligner.schema`` and ``aligner.table`` (the versioned corpus folder, Delta
Lake tables) are the only ones that touch Arrow, Parquet or Delta. ``read_corpus``,
``read_documents`` and ``read_metadata`` read a corpus folder too, at its latest version
or the one asked for.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aligner.errors import AlignerError, InputError, OutputExistsError
from aligner.files import check_output, create_temp, exists_message, fsync, write_error
from aligner.schema import (
    CREATED_KEY,
    DOCUMENT_COLUMNS,
    DOCUMENTS_KEY,
    OPTIONAL,
    PARAMS_KEY,
    REMOVED_COLUMNS,
    REMOVED_KEY,
    SCHEMA,
    SIGNATURE_KEY,
    VERSION_KEY,
    missing_columns,
    signature,
    wrong_types,
)
from aligner.types import Document, PairResult, Sentence
from aligner.version import __version__

__all__ = [
    "CorpusWriter",
    "collect_corpus",
    "read_corpus",
    "read_documents",
    "read_metadata",
    "read_removed",
    "write_corpus",
    "write_frame",
]

DEFAULT_ROW_GROUP_SIZE = 65_536


# --------------------------------------------------------------------------- rows


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in SCHEMA.names}


def _sentence_lookup(sents: tuple[Sentence, ...]) -> dict[int, Sentence]:
    return {s.idx: s for s in sents}


def _side(
    idx: tuple[int, ...], lookup: dict[int, Sentence], pair_id: str, lang: str
) -> tuple[list[int], str, int | None, int | None]:
    if not idx:
        return [], "", None, None
    try:
        sents = [lookup[i] for i in idx]
    except KeyError as err:
        raise ValueError(
            f"pair {pair_id!r}: bead refers to {lang} sentence {err.args[0]}, "
            f"which is not among the pair's {len(lookup)} {lang} sentences"
        ) from None
    # Line breaks inside a sentence (a hard-wrapped paragraph) become spaces, so that
    # every bead is one line in line-based MT evaluation files.
    text = " ".join(" ".join(s.text.split()) for s in sents)
    return list(idx), text, sents[0].start, sents[-1].end


def _append_bead_rows(columns: dict[str, list[Any]], result: PairResult) -> int:
    """Append one row per bead of ``result`` to ``columns``; return the row count."""
    en_lookup = _sentence_lookup(result.en_sents)
    ko_lookup = _sentence_lookup(result.ko_sents)
    ko_doc_id = result.ko_doc.doc_id if result.ko_doc is not None else None
    for position, bead in enumerate(result.beads):
        en_idx, en_text, en_start, en_end = _side(bead.en, en_lookup, result.pair_id, "en")
        ko_idx, ko_text, ko_start, ko_end = _side(bead.ko, ko_lookup, result.pair_id, "ko")
        both = bool(bead.en) and bool(bead.ko)
        row = {
            "pair_id": result.pair_id,
            "en_doc_id": result.en_doc.doc_id,
            "ko_doc_id": ko_doc_id,
            "bead": position,
            "en_idx": en_idx,
            "ko_idx": ko_idx,
            "en_text": en_text,
            "ko_text": ko_text,
            "en_start": en_start,
            "en_end": en_end,
            "ko_start": ko_start,
            "ko_end": ko_end,
            "kind": bead.kind,
            "score": bead.score if both else None,
            "margin": bead.margin,
            "prob": bead.prob,
        }
        for name, value in row.items():
            columns[name].append(value)
    return len(result.beads)


def _document_rows(result: PairResult) -> list[dict[str, Any]]:
    sides = [(result.en_doc, "en", len(result.en_sents))]
    if result.ko_doc is not None:
        sides.append((result.ko_doc, "ko", len(result.ko_sents)))
    return [
        _document_row(doc, role, result.pair_id, result.status, result.reason, n, result.doc_score)
        for doc, role, n in sides
    ]


def _document_row(
    doc: Document,
    role: str,
    pair_id: str,
    status: str,
    reason: str,
    n_sentences: int | None = None,
    doc_score: float | None = None,
) -> dict[str, Any]:
    """One row of the documents table (``DOCUMENT_COLUMNS``)."""
    return {
        "doc_id": doc.doc_id,
        "lang": doc.lang,
        "role": role,
        "pair_id": pair_id,
        "status": status,
        "reason": reason,
        "n_sentences": n_sentences,
        "doc_score": _finite_or_none(doc_score),
        "source": doc.source,
        "url": doc.url,
        "original_url": doc.original_url,
        "translation_url": doc.translation_url,
    }


def _removed_rows(doc: Document, role: str, pair_id: str) -> list[dict[str, Any]]:
    return [
        {
            "doc_id": doc.doc_id,
            "lang": doc.lang,
            "role": role,
            "pair_id": pair_id,
            "rule": r.rule,
            "start": r.start,
            "end": r.end,
            "text": r.text,
        }
        for r in doc.removed
    ]


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


# --------------------------------------------------------------------------- writing


class CorpusWriter:
    """Streams pair results into a corpus file, atomically.

    Rows go to a temporary file beside the output (``.NAME.tmp-<random>``), written
    in row groups of ``row_group_size`` rows so memory stays bounded. ``close``
    writes the documents table into the footer and renames the temporary file onto
    the output; ``abort`` (or an exception inside ``with``) deletes it, leaving any
    existing output untouched. An ``OSError`` while writing (a full disk, a read-only
    one) deletes it too and becomes the one-line error of ``files.write_error``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        metadata: Mapping[str, str],
        overwrite: bool = False,
        row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
    ) -> None:
        if row_group_size < 1:
            raise ValueError("row_group_size must be at least 1")
        self.path = Path(path)
        self.overwrite = overwrite
        self._row_group_size = row_group_size
        check_output(self.path, overwrite)
        self._metadata = _file_metadata(metadata)
        self._documents: list[dict[str, Any]] = []
        self._removed: list[dict[str, Any]] = []
        self._columns = _empty_columns()
        self._buffered = 0
        self._pair_ids: set[str] = set()
        self._closed = False
        self._tmp = create_temp(self.path)
        try:
            self._writer = pq.ParquetWriter(
                self._tmp,
                SCHEMA.with_metadata(self._metadata),
                compression="zstd",
            )
        except OSError as err:
            self._tmp.unlink(missing_ok=True)
            raise write_error(err, self.path) from err
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise

    def __enter__(self) -> Self:
        return self

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn an ``OSError`` raised while writing into ``write_error``'s one line,
        after dropping the temporary file."""
        try:
            yield
        except OSError as err:
            self._closed = True
            self._discard()
            raise write_error(err, self.path) from err

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def add(self, result: PairResult) -> None:
        """Add one pair: its beads as rows and its documents to the documents table."""
        if self._closed:
            raise ValueError("CorpusWriter is closed")
        self._claim(result.pair_id)
        n = _append_bead_rows(self._columns, result)
        self._documents.extend(_document_rows(result))
        self._removed.extend(_removed_rows(result.en_doc, "en", result.pair_id))
        if result.ko_doc is not None:
            self._removed.extend(_removed_rows(result.ko_doc, "ko", result.pair_id))
        self._buffered += n
        if self._buffered >= self._row_group_size:
            with self._writing():
                self._flush()

    def _claim(self, pair_id: str) -> None:
        """Pair ids are the key of a corpus (evaluate, report and export select by them):
        a second pair under the same id is refused."""
        if pair_id in self._pair_ids:
            raise AlignerError(
                f"{self.path}: two pairs share the pair id {pair_id!r} (give each pair its "
                "own id, e.g. align_texts(..., pair_id=...))"
            )
        self._pair_ids.add(pair_id)

    def add_corpus(self, path: str | os.PathLike[str], pairs: Collection[str] | None = None) -> int:
        """Append every row and document of another corpus file (a saved part of a batch
        job), or with ``pairs`` only those of these pair ids; returns the number of rows.
        Rows are streamed a row group at a time."""
        if self._closed:
            raise ValueError("CorpusWriter is closed")
        documents = read_documents(path)
        removed = read_removed(path)
        if pairs is not None:
            documents = documents.filter(pl.col("pair_id").is_in(list(pairs)))
            removed = removed.filter(pl.col("pair_id").is_in(list(pairs)))
            keep = pa.array(list(pairs), pa.string())
        for pair_id in documents.filter(pl.col("role") == "en")["pair_id"].unique().to_list():
            if pair_id:
                self._claim(pair_id)
        self._removed.extend(removed.to_dicts())
        with self._writing():
            self._flush()
        rows = 0
        for batch in pq.ParquetFile(Path(path)).iter_batches(batch_size=self._row_group_size):
            table = pa.Table.from_batches([batch]).select(SCHEMA.names).cast(SCHEMA)
            if pairs is not None:
                table = table.filter(pc.is_in(table["pair_id"], value_set=keep))
                if table.num_rows == 0:
                    continue
            with self._writing():
                self._writer.write_table(table.replace_schema_metadata(None))
            rows += table.num_rows
        self._documents.extend(documents.to_dicts())
        return rows

    def add_document(
        self,
        doc: Document,
        *,
        role: str,
        pair_id: str = "",
        status: str = "unpaired",
        reason: str = "",
    ) -> None:
        """Record a document that belongs to no ``PairResult`` (an unmatched original, a
        document of a pair that failed)."""
        if self._closed:
            raise ValueError("CorpusWriter is closed")
        self._removed.extend(_removed_rows(doc, role, pair_id))
        self._documents.append(_document_row(doc, role, pair_id, status, reason))

    def _flush(self) -> None:
        if self._buffered == 0:
            return
        table = pa.Table.from_pydict(self._columns, schema=SCHEMA)
        self._writer.write_table(table, row_group_size=self._row_group_size)
        self._columns = _empty_columns()
        self._buffered = 0

    def close(self) -> Path:
        """Finish the file and move it onto the output path; return that path."""
        if self._closed:
            return self.path
        self._closed = True
        try:
            self._flush()
            self._writer.add_key_value_metadata(
                {
                    DOCUMENTS_KEY: _encode_table(self._documents, DOCUMENT_COLUMNS),
                    REMOVED_KEY: _encode_table(self._removed, REMOVED_COLUMNS),
                }
            )
            self._writer.close()
            fsync(self._tmp)
            if not self.overwrite and self.path.exists():
                raise OutputExistsError(exists_message(self.path))
            os.replace(self._tmp, self.path)
        except OSError as err:
            self._discard()
            raise write_error(err, self.path) from err
        except BaseException:
            self._discard()
            raise
        return self.path

    def abort(self) -> None:
        """Drop everything written so far; the output path is left as it was."""
        if self._closed:
            return
        self._closed = True
        self._discard()

    def _discard(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


def write_corpus(
    path: str | os.PathLike[str],
    results: Iterable[PairResult],
    *,
    metadata: Mapping[str, str],
    overwrite: bool = False,
) -> Path:
    """Write every result to ``path`` atomically; return the path."""
    with CorpusWriter(path, metadata=metadata, overwrite=overwrite) as writer:
        for result in results:
            writer.add(result)
    return writer.path


def _file_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata keys and values must be str, got {key!r}: {value!r}")
    for key in (DOCUMENTS_KEY, REMOVED_KEY):
        if key in metadata:
            raise ValueError(f"{key!r} is written by CorpusWriter itself")
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {
        SIGNATURE_KEY: signature({"aligner": __version__}),
        PARAMS_KEY: "{}",
        CREATED_KEY: created,
        VERSION_KEY: __version__,
    }
    out.update(metadata)
    return out


def _encode_table(rows: list[dict[str, Any]], schema: dict[str, Any]) -> str:
    columns = {name: [row[name] for row in rows] for name in schema}
    return json.dumps(columns, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- reading


def _footer(path: str | os.PathLike[str]) -> pq.FileMetaData:
    """The Parquet footer of a corpus file, or an InputError saying what is wrong."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such corpus file", path=p)
    if not p.is_file():
        raise InputError(
            "not a corpus file or folder", path=p, fix="give a corpus .parquet file or folder"
        )
    try:
        footer = pq.read_metadata(p)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"not a Parquet file ({err})", path=p) from err
    try:
        found = footer.schema.to_arrow_schema()
    except (pa.ArrowException, ValueError) as err:
        raise InputError(f"not an aligner corpus ({err})", path=p) from err
    if missing := missing_columns(found):
        raise InputError(f"not an aligner corpus: missing column(s) {', '.join(missing)}", path=p)
    if wrong := wrong_types(found):
        raise InputError(
            f"not an aligner corpus: wrong column type(s): {'; '.join(wrong)}",
            path=p,
            fix="write it with aligner align, or cast the columns to the corpus schema",
        )
    return footer


def _table(path: str | os.PathLike[str], version: int | None, as_of: Any) -> Any:
    """The snapshot of a corpus folder (``aligner.table``), or None for a corpus file."""
    from aligner.table import is_table, snapshot

    if is_table(path):
        return snapshot(path, version=version, as_of=as_of)
    if version is not None or as_of is not None:
        raise InputError("a corpus file has no versions", path=path, fix="give a corpus folder")
    return None


def read_corpus(
    path: str | os.PathLike[str], *, version: int | None = None, as_of: Any = None
) -> pl.LazyFrame:
    """Scan a corpus (a file, or a folder at ``version`` / ``as_of``, default its latest)
    lazily, after checking its schema. ``kind`` comes back as a polars Categorical.
    Collect it with :func:`collect_corpus`, which turns damaged data pages into an
    :class:`InputError` naming the file."""
    if (shot := _table(path, version, as_of)) is not None:
        return shot.beads
    footer = _footer(path)
    frame = pl.scan_parquet(Path(path))
    have = set(footer.schema.to_arrow_schema().names)
    # a corpus written before a column existed reads with that column null
    absent = [pl.lit(None, dtype=pl.Float32).alias(name) for name in OPTIONAL if name not in have]
    return frame.with_columns(absent) if absent else frame


def collect_corpus(frame: pl.LazyFrame, path: str | os.PathLike[str]) -> pl.DataFrame:
    """``frame.collect()`` for a query over the corpus at ``path``. The footer can be
    intact while data pages are damaged (a bad disk, a truncated copy patched up, bytes
    flipped in transit): reading them fails only here, and the error names the file."""
    try:
        return frame.collect()
    except (pl.exceptions.PolarsError, pa.ArrowException, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(
            f"corpus data is damaged ({first})",
            path=path,
            fix="its footer is intact but its data pages are not: write it again with "
            "aligner align, or restore a copy",
        ) from err


def read_metadata(
    path: str | os.PathLike[str], *, version: int | None = None, as_of: Any = None
) -> dict[str, str]:
    """The file's key/value metadata, decoded (without the internal ``ARROW:schema``); for
    a corpus folder, the metadata of the version's commit."""
    if (shot := _table(path, version, as_of)) is not None:
        return dict(shot.metadata)
    raw = _footer(path).metadata or {}
    return {
        key.decode("utf-8", "replace"): value.decode("utf-8", "replace")
        for key, value in raw.items()
        if key != b"ARROW:schema"
    }


def read_documents(
    path: str | os.PathLike[str], *, version: int | None = None, as_of: Any = None
) -> pl.DataFrame:
    """The documents table: one row per input document (see ``DOCUMENT_COLUMNS``)."""
    if (shot := _table(path, version, as_of)) is not None:
        return shot.documents.select(list(DOCUMENT_COLUMNS)).cast(DOCUMENT_COLUMNS)
    raw = read_metadata(path).get(DOCUMENTS_KEY)
    if raw is None:
        raise InputError(f"corpus has no documents table ({DOCUMENTS_KEY})", path=path)
    return _decode_table(raw, DOCUMENT_COLUMNS, "documents", path)


def read_removed(path: str | os.PathLike[str]) -> pl.DataFrame:
    """The removed table: one row per line that cleaning removed from an input document
    (see ``REMOVED_COLUMNS``), in document order; empty for a corpus written before the
    table existed or without cleaning."""
    raw = read_metadata(path).get(REMOVED_KEY)
    if raw is None:
        return pl.DataFrame(schema=REMOVED_COLUMNS)
    return _decode_table(raw, REMOVED_COLUMNS, "removed", path)


def _decode_table(
    raw: str, schema: dict[str, Any], what: str, path: str | os.PathLike[str]
) -> pl.DataFrame:
    try:
        columns = json.loads(raw)
        if not isinstance(columns, dict):
            raise ValueError("not a JSON object")
        lengths = {len(columns.get(name, [])) for name in schema}
        n = max(lengths, default=0)
        data = {name: columns.get(name, [None] * n) for name in schema}
        return pl.DataFrame(data, schema=schema)
    except (ValueError, TypeError, pl.exceptions.PolarsError) as err:
        raise InputError(f"corpus {what} table is damaged ({err})", path=path) from err


def write_frame(
    path: str | os.PathLike[str],
    frame: pl.DataFrame,
    *,
    source: str | os.PathLike[str],
    metadata: Mapping[str, str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``frame`` (every ``SCHEMA`` column, then any extra ones such as ``reviewed``)
    as a corpus file with ``source``'s file metadata (documents table included), updated
    with ``metadata``; atomically. ``path`` may be ``source`` itself (with ``overwrite``):
    the new file replaces it only once complete."""
    target = Path(path)
    check_output(target, overwrite)
    meta = read_metadata(source)
    meta.update(metadata or {})
    missing = [name for name in SCHEMA.names if name not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks corpus column(s) {', '.join(missing)}")
    extra = [name for name in frame.columns if name not in SCHEMA.names]
    table = frame.select(*SCHEMA.names, *extra).to_arrow()
    columns = [table.column(f.name).cast(f.type) for f in SCHEMA]
    fields = list(SCHEMA) + [table.schema.field(name) for name in extra]
    columns += [table.column(name) for name in extra]
    table = pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata=meta))
    tmp = create_temp(target)
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=DEFAULT_ROW_GROUP_SIZE)
        fsync(tmp)
        if not overwrite and target.exists():
            raise OutputExistsError(exists_message(target))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
