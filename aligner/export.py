"""Corpus to exchange files: line-aligned text, TSV, JSONL, TMX or link files, filtered,
split by article.

Rows are filtered on bead kind and scores, then assigned to ``train`` or ``test`` by a
hash of their ``pair_id``, so all sentences of one article land on the same side. Every
file is written to a temporary name and renamed when complete.

Files and fields are named by the corpus's languages (the ``lang`` of its documents:
``--src-lang`` for the ``en_*`` columns, ``--tgt-lang`` for the ``ko_*`` ones), English
and Korean for a corpus without a documents table. Formats:

* ``text``: ``PREFIX.en`` and ``PREFIX.ko`` (``PREFIX.de`` and ``PREFIX.fr`` for a
  German-French corpus), one bead per line, line-aligned;
* ``tsv``: ``PREFIX.tsv`` with a header row, tab-separated, quoted as RFC 4180 says (a
  field holding a tab, a quote, a line break, or starting with a quote is put in double
  quotes, its quotes doubled), so ``polars.read_csv(separator="\\t")`` and pandas read the
  texts back unchanged;
* ``jsonl``: ``PREFIX.jsonl``, one object per bead with a Hugging Face-style
  ``translation`` field, ``{"translation": {"en": ..., "ko": ...}, "pair_id": ...,
  "kind": ..., "score": ..., "margin": ...}`` (keyed by the language codes);
* ``tmx``: ``PREFIX.tmx``, TMX 1.4b with Korean (the original, the ``ko_*`` side) as
  the source language,
  and pair id, kind, score and margin as ``<prop>`` elements of each ``<tu>``;
* ``links``: a folder ``PREFIX/`` (``PREFIX.train/`` ... when split) holding one
  vecalign-style links file per pair, ``<pair_id>.links``, which ``aligner evaluate``
  reads back. Links are whole alignments (1-0 and 0-1 beads included), so the bead
  filters (kinds, scores, ``unique``) do not apply to them; ``skip_doubtful`` and the
  split do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

import polars as pl

from aligner.corpus import (
    SIGNATURE_KEY,
    collect_corpus,
    read_corpus,
    read_documents,
    read_metadata,
)
from aligner.errors import InputError, OutputExistsError
from aligner.evaluate import format_links
from aligner.files import atomic_text_files, exists_message
from aligner.quality import DOUBTFUL_SCORE, doubtful_pairs, has_probabilities, pair_table
from aligner.version import __version__

FORMATS = ("text", "tsv", "jsonl", "tmx", "links")
_DEFAULT_LANGS = ("en", "ko")  # the sides' roles, and their languages unless told otherwise
TSV_COLUMNS = ("pair_id", "kind", "en_text", "ko_text", "score", "margin", "prob")
_KIND = re.compile(r"^\d+-\d+$")
# characters XML 1.0 cannot hold, even escaped (C0 controls but tab, LF and CR)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class ExportFilter:
    kinds: tuple[str, ...] = ()  # empty: every bead with text on both sides
    min_score: float | None = None
    min_margin: float | None = None
    # keep beads whose calibrated probability of being exactly right is at least this
    min_prob: float | None = None
    # drop a pair whose English and Korean texts both repeat an earlier pair's (bylines,
    # captions and stock phrases recur across articles and would weigh on a test set)
    unique: bool = False
    # drop every bead of a pair that looks wrong (see aligner.quality.doubtful_pairs):
    # a wrong pairing gets all its sentences linked, weakly, and some pass a margin filter
    skip_doubtful: bool = False


@dataclass(frozen=True, slots=True)
class ExportCounts:
    splits: dict[str, int]  # rows per split ("" when not split); pairs for links
    repeated: int = 0  # rows dropped as repeats (with ``unique``)
    doubtful: tuple[str, ...] = ()  # pairs left out (with ``skip_doubtful``)
    warnings: tuple[str, ...] = field(default=())  # an empty export or split, and why
    # the mean calibrated probability of the rows written: the share of them expected to
    # be exactly right (None when the corpus has no probabilities)
    expected_precision: float | None = None

    def lines(self, fmt: str, keep: ExportFilter) -> list[str]:
        """What ``aligner export`` prints about an export in ``fmt`` filtered by ``keep``."""
        unit = "article pairs" if fmt == "links" else "sentence pairs"
        out = [f"{split or 'all'}: {n} {unit}" for split, n in self.splits.items()]
        if keep.min_prob is not None and self.expected_precision is not None:
            out.append(f"expected precision {self.expected_precision:.3f} (the mean "
                       "probability of the sentence pairs written)")  # fmt: skip
        if keep.unique:
            out.append(f"repeated sentence pairs dropped: {self.repeated}")
        if keep.skip_doubtful:
            shown = ", ".join(self.doubtful[:5]) + (", ..." if len(self.doubtful) > 5 else "")
            out.append(f"doubtful article pairs left out: {len(self.doubtful)}"
                       + (f" ({shown})" if shown else ""))  # fmt: skip
        return out


def _is_test(pair_id: str, fraction: float, seed: int) -> bool:
    digest = hashlib.sha1(f"{seed}:{pair_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def check_kinds(kinds: Sequence[str]) -> None:
    """Bead kinds are ``N-M`` (English count first), not both zero."""
    bad = [k for k in kinds if not _KIND.match(k) or set(k) <= {"0", "-"}]
    if bad:
        raise InputError(
            f"unknown bead kind(s) {', '.join(repr(k) for k in bad)}",
            fix="give kinds as English-Korean sentence counts, e.g. 1-1,2-1",
        )


def _doubtful(lf: pl.LazyFrame, corpus: str | Path) -> list[str]:
    pairs = pair_table(collect_corpus(lf, corpus), DOUBTFUL_SCORE)
    return doubtful_pairs(pairs, DOUBTFUL_SCORE)["pair_id"].to_list()


def doubtful(corpus: str | Path) -> list[str]:
    """The pairs of ``corpus`` that look wrong, as ``aligner align`` names them."""
    return _doubtful(read_corpus(corpus), corpus)


def _filtered(
    lf: pl.LazyFrame, keep: ExportFilter, left_out: Sequence[str], corpus: str | Path
) -> tuple[pl.DataFrame, int, str]:
    """The rows that pass ``keep``, the repeats dropped, and the first filter that left
    no row ("" when some rows are left)."""
    both = lf.filter((pl.col("en_text") != "") & (pl.col("ko_text") != ""))
    steps: list[tuple[str, pl.Expr | None]] = [
        ("the corpus has no bead with text on both sides", None)
    ]
    if left_out:
        steps.append(("--skip-doubtful", ~pl.col("pair_id").is_in(list(left_out))))
    if keep.kinds:
        kinds = pl.col("kind").cast(pl.String).is_in(list(keep.kinds))
        steps.append((f"--kinds {','.join(keep.kinds)}", kinds))
    if keep.min_score is not None:
        steps.append((f"--min-score {keep.min_score}", pl.col("score") >= keep.min_score))
    if keep.min_margin is not None:
        steps.append((f"--min-margin {keep.min_margin}", pl.col("margin") >= keep.min_margin))
    if keep.min_prob is not None:
        steps.append((f"--min-prob {keep.min_prob}", pl.col("prob") >= keep.min_prob))
    columns = ("pair_id", "kind", "en_text", "ko_text", "score", "margin", "prob")
    emptied = ""
    for name, expr in steps:
        if expr is not None:
            both = both.filter(expr)
        if not emptied and collect_corpus(both.select(pl.len()), corpus).item() == 0:
            emptied = name
    frame = collect_corpus(
        both.select(columns).with_columns(pl.col("kind").cast(pl.String)), corpus
    )
    if keep.unique:
        once = _drop_repeats(frame)
        return once, frame.height - once.height, emptied
    return frame, 0, emptied


def select(corpus: str | Path, keep: ExportFilter) -> pl.DataFrame:
    """The corpus rows that pass ``keep``, in corpus order, with both texts non-empty."""
    lf = read_corpus(corpus)
    left_out = _doubtful(lf, corpus) if keep.skip_doubtful else []
    return _filtered(lf, keep, left_out, corpus)[0]


def _drop_repeats(frame: pl.DataFrame) -> pl.DataFrame:
    """The first row of each (English, Korean) text pair, in corpus order."""
    return frame.unique(subset=["en_text", "ko_text"], keep="first", maintain_order=True)


# --------------------------------------------------------------------------- formats


_MIXED = "mul"  # ISO 639 "multiple languages": a side whose documents are in several


def _languages(documents: pl.DataFrame | None) -> tuple[str, str]:
    """The language codes of the corpus's two sides (its ``en_*`` and ``ko_*`` columns),
    from its documents table: ``mul`` for a side whose documents are in several
    languages; a corpus without documents, or a side with no language recorded, counts
    as English and Korean."""
    if documents is None:
        return _DEFAULT_LANGS
    langs = []
    for role in _DEFAULT_LANGS:
        found = documents.filter(pl.col("role") == role)["lang"].drop_nulls().unique()
        langs.append(found[0] if found.len() == 1 else _MIXED if found.len() else role)
    return langs[0], langs[1]


def _side_names(langs: tuple[str, str]) -> tuple[str, str]:
    """The names of the two sides in file names and JSONL keys: the language codes, told
    apart as ``src.<code>`` and ``tgt.<code>`` when both sides have the same language;
    a side in several languages is ``src`` or ``tgt`` (never the role names ``en``/``ko``,
    which would call German and French text English)."""
    src, tgt = langs
    if _MIXED in langs:
        return src if src != _MIXED else "src", tgt if tgt != _MIXED else "tgt"
    return (src, tgt) if src != tgt else (f"src.{src}", f"tgt.{tgt}")


def _targets(
    prefix: Path, fmt: str, splits: Sequence[str], langs: tuple[str, str]
) -> dict[str, list[Path]]:
    out = {}
    src, tgt = _side_names(langs)
    for split in splits:
        stem = f"{prefix}.{split}" if split else str(prefix)
        if fmt == "text":
            out[split] = [Path(f"{stem}.{src}"), Path(f"{stem}.{tgt}")]
        elif fmt == "links":
            out[split] = [Path(stem)]
        else:
            out[split] = [Path(f"{stem}.{fmt}")]
    return out


def tsv_field(text: str) -> str:
    """One TSV field, quoted as RFC 4180 says when it must be (tab for comma)."""
    if any(c in text for c in '\t"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _tmx_header(original: str) -> str:
    header = ET.Element(
        "header",
        {
            "creationtool": "aligner",
            "creationtoolversion": __version__,
            "datatype": "plaintext",
            "segtype": "sentence",
            "adminlang": "en",
            "srclang": original,
            "o-tmf": "aligner",
        },
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n  '
        + ET.tostring(header, encoding="unicode")
        + "\n  <body>\n"
    )


_TMX_END = "  </body>\n</tmx>\n"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _tmx_unit(row: dict[str, object], langs: tuple[str, str]) -> str:
    tu = ET.Element("tu")
    props = [("x-pair-id", row["pair_id"]), ("x-kind", row["kind"])]
    props += [(f"x-{k}", _score(row[k])) for k in ("score", "margin", "prob") if row[k] is not None]  # type: ignore[arg-type]
    for name, value in props:
        ET.SubElement(tu, "prop", {"type": name}).text = _xml_text(str(value))
    for column, lang in (("ko_text", langs[1]), ("en_text", langs[0])):  # the original first
        tuv = ET.SubElement(tu, "tuv", {_XML_LANG: lang})
        ET.SubElement(tuv, "seg").text = _xml_text(str(row[column]))
    return "    " + ET.tostring(tu, encoding="unicode") + "\n"


def _write(
    handles: Sequence[TextIO], frame: pl.DataFrame, fmt: str, langs: tuple[str, str]
) -> None:
    src, tgt = _side_names(langs)
    if fmt == "tsv":
        handles[0].write("\t".join(TSV_COLUMNS) + "\n")
    elif fmt == "tmx":
        handles[0].write(_tmx_header(langs[1]))
    for row in frame.iter_rows(named=True):
        if fmt == "text":
            handles[0].write(row["en_text"] + "\n")
            handles[1].write(row["ko_text"] + "\n")
        elif fmt == "tsv":
            texts = [tsv_field(row[k]) for k in TSV_COLUMNS[:4]]
            scores = [_score(row[k]) for k in TSV_COLUMNS[4:]]
            handles[0].write("\t".join(texts + scores) + "\n")
        elif fmt == "jsonl":
            record = {
                "translation": {src: row["en_text"], tgt: row["ko_text"]},
                "pair_id": row["pair_id"],
                "kind": row["kind"],
                "score": _rounded(row["score"]),
                "margin": _rounded(row["margin"]),
                "prob": _rounded(row["prob"]),
            }
            handles[0].write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            handles[0].write(_tmx_unit(row, langs))
    if fmt == "tmx":
        handles[0].write(_TMX_END)


def links_name(pair_id: str) -> str:
    """The links file of a pair: its id, with what a file name cannot hold %-escaped."""
    name = quote(pair_id, safe=" !#$&'()+,;=@[]^`{}~-_")
    return ("%2E" + name[1:] if name.startswith(".") else name) + ".links"


def _pair_links(
    lf: pl.LazyFrame, documents: pl.DataFrame | None, corpus: str | Path
) -> dict[str, list]:
    """Every pair's links in bead order; pairs with documents but no beads get none."""
    frame = collect_corpus(lf.select("pair_id", "bead", "en_idx", "ko_idx"), corpus)
    out: dict[str, list] = {}
    if documents is not None:
        for pid in documents["pair_id"].drop_nulls().unique(maintain_order=True):
            if pid:
                out[pid] = []
    for pid, _, en_idx, ko_idx in frame.sort("pair_id", "bead", maintain_order=True).iter_rows():
        out.setdefault(pid, []).append((tuple(en_idx), tuple(ko_idx)))
    return out


def _place_link_folders(folders: dict[Path, dict[str, list]], overwrite: bool) -> None:
    """Fill each folder under a temporary name, then move them into place."""
    temps: dict[Path, Path] = {}
    try:
        for folder, pairs in folders.items():
            tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            temps[folder] = tmp
            for pid, links in pairs.items():
                (tmp / links_name(pid)).write_text(format_links(links), encoding="utf-8")
        for folder, tmp in temps.items():
            if folder.exists():
                if not overwrite:
                    raise OutputExistsError(exists_message(folder))
                shutil.rmtree(folder)
            os.replace(tmp, folder)
    finally:
        for tmp in temps.values():
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- export


def export(
    corpus: str | Path,
    prefix: str | Path,
    *,
    fmt: str = "text",
    keep: ExportFilter | None = None,
    test_fraction: float = 0.0,
    seed: int = 13,
    overwrite: bool = False,
    version: int | None = None,
    as_of: str | None = None,
) -> ExportCounts:
    """Write the selected rows; returns the row count per split ("" when not split).

    A corpus folder is exported as it was at ``version`` (or at ``as_of``, an ISO 8601
    date or time), by default its latest version; the provenance record names it.

    Missing folders of ``prefix`` are created. An export or a split left empty by the
    filters is written all the same, with a warning in the counts naming the filter.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    if not 0.0 <= test_fraction < 1.0:
        raise InputError(
            f"test fraction {test_fraction} is out of range", fix="give a value in [0, 1)"
        )
    keep = keep or ExportFilter()
    check_kinds(keep.kinds)
    filters = (keep.kinds, keep.unique, keep.min_score, keep.min_margin, keep.min_prob)
    if fmt == "links" and any(f not in (None, False, ()) for f in filters):
        raise InputError(
            "links files hold whole alignments: --kinds, --min-score, --min-margin, "
            "--min-prob and --unique do not apply to them",
            fix="leave those options out with --format links",
        )
    at = {"version": version, "as_of": as_of}
    lf = read_corpus(corpus, **at)
    metadata = read_metadata(corpus, **at)
    if (
        keep.min_prob is not None
        and collect_corpus(lf.select(pl.col("prob").is_not_null().any()), corpus).item() is not True
    ):
        raise InputError(
            "the corpus has no bead probabilities (prob) to filter on",
            path=corpus,
            fix="align it again with this version and the bundled encoder, or filter on "
            "--min-margin",
        )
    prefix = Path(prefix)
    if prefix.parent.exists() and not prefix.parent.is_dir():
        raise InputError("output's parent is not a directory", path=prefix.parent)
    left_out = tuple(_doubtful(lf, corpus)) if keep.skip_doubtful else ()
    try:
        documents: pl.DataFrame | None = read_documents(corpus, **at)
    except InputError:  # written by another tool
        documents = None
    langs = _languages(documents)
    splits = ("train", "test") if test_fraction > 0 else ("",)
    targets = _targets(prefix, fmt, splits, langs)
    paths = [p for split in splits for p in targets[split]]
    record = Path(f"{prefix}.export.json")
    for path in [*paths, record]:
        if path.exists() and not overwrite:
            raise OutputExistsError(exists_message(path))
    prefix.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "links":
        # without a documents table (written by another tool): the pairs with beads
        links = _pair_links(lf.filter(~pl.col("pair_id").is_in(list(left_out))), documents, corpus)
        links = {p: v for p, v in links.items() if p not in left_out}
        frame = pl.DataFrame({"pair_id": list(links)}, schema={"pair_id": pl.String})
        repeated, emptied = 0, "" if links else "the corpus has no pairs"
        if left_out and not links:
            emptied = "--skip-doubtful"
    else:
        frame, repeated, emptied = _filtered(lf, keep, left_out, corpus)
    if test_fraction > 0:
        is_test = pl.Series([_is_test(p, test_fraction, seed) for p in frame["pair_id"]])
        parts = {"train": frame.filter(~is_test), "test": frame.filter(is_test)}
    else:
        parts = {"": frame}
    counts = {split: parts[split].height for split in splits}
    warnings = []
    if emptied:
        warnings.append(f"nothing to export: {emptied} left no {_unit(fmt)}")
    else:
        for split in splits:
            if split and not counts[split]:
                n = frame["pair_id"].n_unique()
                warnings.append(
                    f"the {split} split is empty: --test-fraction {test_fraction} with --seed "
                    f"{seed} put none of the {n} articles in it"
                )
    provenance = {
        "corpus": str(corpus),
        "corpus_signature": metadata.get(SIGNATURE_KEY, ""),
        "format": fmt,
        "languages": list(langs),
        "filters": asdict(keep),
        "test_fraction": test_fraction,
        "seed": seed,
        "files": {split or "all": [p.name for p in targets[split]] for split in splits},
        "rows": {split or "all": n for split, n in counts.items()},
        "repeated_dropped": repeated,
        "doubtful_left_out": list(left_out),
        "warnings": warnings,
    }
    provenance.update(_version_record(metadata))
    if fmt == "links":
        folders = {targets[s][0]: {p: links[p] for p in parts[s]["pair_id"]} for s in splits}
        with atomic_text_files([record], overwrite) as (handle,):
            handle.write(json.dumps(provenance, ensure_ascii=False, indent=1) + "\n")
            _place_link_folders(folders, overwrite)
    else:
        with atomic_text_files([*paths, record], overwrite) as handles:
            by_path = dict(zip(paths, handles[:-1], strict=True))
            for split in splits:
                _write([by_path[p] for p in targets[split]], parts[split], fmt, langs)
            handles[-1].write(json.dumps(provenance, ensure_ascii=False, indent=1) + "\n")
    expected = None
    if fmt != "links" and has_probabilities(frame):
        expected = float(frame["prob"].mean())  # type: ignore[arg-type]
    return ExportCounts(counts, repeated, left_out, tuple(warnings), expected)


def _unit(fmt: str) -> str:
    return "pair" if fmt == "links" else "bead with text on both sides"


def _version_record(metadata: dict[str, str]) -> dict[str, object]:
    """The table version exported, for a versioned corpus (none for a Parquet file)."""
    return {k.removeprefix("aligner."): v for k, v in metadata.items() if k in _VERSION_KEYS}


_VERSION_KEYS = ("aligner.corpus_version", "aligner.corpus_timestamp")
