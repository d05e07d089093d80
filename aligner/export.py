"""Corpus to MT-evaluation files: line-aligned text, TSV or JSONL, filtered, split by article.

Rows are filtered on bead kind and scores, then assigned to ``train`` or ``test`` by a
hash of their ``pair_id``, so all sentences of one article land on the same side. Every
file is written to a temporary name and renamed when complete.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import polars as pl

from aligner.corpus import SIGNATURE_KEY, collect_corpus, read_corpus, read_metadata
from aligner.errors import InputError
from aligner.files import atomic_text_files
from aligner.report import DOUBTFUL_SCORE, doubtful_pairs, pair_table

FORMATS = ("text", "tsv", "jsonl")


@dataclass(frozen=True, slots=True)
class ExportFilter:
    kinds: tuple[str, ...] = ()  # empty: every bead with text on both sides
    min_score: float | None = None
    min_margin: float | None = None
    # drop a pair whose English and Korean texts both repeat an earlier pair's (bylines,
    # captions and stock phrases recur across articles and would weigh on a test set)
    unique: bool = False
    # drop every bead of a pair that looks wrong (see aligner.report.doubtful_pairs):
    # a wrong pairing gets all its sentences linked, weakly, and some pass a margin filter
    skip_doubtful: bool = False


@dataclass(frozen=True, slots=True)
class ExportCounts:
    splits: dict[str, int]  # rows per split ("" when not split)
    repeated: int = 0  # rows dropped as repeats (with ``unique``)
    doubtful: tuple[str, ...] = ()  # pairs left out (with ``skip_doubtful``)


def _is_test(pair_id: str, fraction: float, seed: int) -> bool:
    digest = hashlib.sha1(f"{seed}:{pair_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def doubtful(corpus: str | Path) -> list[str]:
    """The pairs of ``corpus`` that look wrong, as ``aligner align`` names them."""
    pairs = pair_table(collect_corpus(read_corpus(corpus), corpus), DOUBTFUL_SCORE)
    return doubtful_pairs(pairs, DOUBTFUL_SCORE)["pair_id"].to_list()


def select(corpus: str | Path, keep: ExportFilter) -> pl.DataFrame:
    """The corpus rows that pass ``keep``, in corpus order, with both texts non-empty."""
    lf = read_corpus(corpus).filter((pl.col("en_text") != "") & (pl.col("ko_text") != ""))
    if keep.skip_doubtful:
        lf = lf.filter(~pl.col("pair_id").is_in(doubtful(corpus)))
    if keep.kinds:
        lf = lf.filter(pl.col("kind").cast(pl.String).is_in(list(keep.kinds)))
    if keep.min_score is not None:
        lf = lf.filter(pl.col("score") >= keep.min_score)
    if keep.min_margin is not None:
        lf = lf.filter(pl.col("margin") >= keep.min_margin)
    frame = collect_corpus(
        lf.select("pair_id", "kind", "en_text", "ko_text", "score", "margin"), corpus
    )
    return _drop_repeats(frame) if keep.unique else frame


def _drop_repeats(frame: pl.DataFrame) -> pl.DataFrame:
    """The first row of each (English, Korean) text pair, in corpus order."""
    return frame.unique(subset=["en_text", "ko_text"], keep="first", maintain_order=True)


def _targets(prefix: Path, fmt: str, splits: Sequence[str]) -> dict[str, list[Path]]:
    out = {}
    for split in splits:
        stem = f"{prefix}.{split}" if split else str(prefix)
        if fmt == "text":
            out[split] = [Path(f"{stem}.en"), Path(f"{stem}.ko")]
        else:
            out[split] = [Path(f"{stem}.{fmt}")]
    return out


def _lines(frame: pl.DataFrame, fmt: str) -> Iterator[tuple[str, ...]]:
    for row in frame.iter_rows(named=True):
        if fmt == "text":
            yield row["en_text"] + "\n", row["ko_text"] + "\n"
        elif fmt == "tsv":
            fields = [row["pair_id"], row["kind"], row["en_text"], row["ko_text"]]
            scores = [f"{row[k]:.4f}" if row[k] is not None else "" for k in ("score", "margin")]
            yield ("\t".join(f.replace("\t", " ") for f in fields + scores) + "\n",)
        else:
            for key in ("score", "margin"):
                if row[key] is not None:
                    row[key] = round(row[key], 4)
            yield (json.dumps(row, ensure_ascii=False) + "\n",)


def export(
    corpus: str | Path,
    prefix: str | Path,
    *,
    fmt: str = "text",
    keep: ExportFilter | None = None,
    test_fraction: float = 0.0,
    seed: int = 13,
    overwrite: bool = False,
) -> ExportCounts:
    """Write the selected rows; returns the row count per split ("" when not split)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", fix="use text, tsv or jsonl")
    if not 0.0 <= test_fraction < 1.0:
        raise InputError(
            f"test fraction {test_fraction} is out of range", fix="give a value in [0, 1)"
        )
    prefix = Path(prefix)
    if not prefix.parent.is_dir():
        raise InputError("output directory does not exist", path=prefix.parent, fix="create it")
    keep = keep or ExportFilter()
    left_out = tuple(doubtful(corpus)) if keep.skip_doubtful else ()
    every = select(corpus, replace(keep, unique=False, skip_doubtful=False)).filter(
        ~pl.col("pair_id").is_in(list(left_out))
    )
    frame = _drop_repeats(every) if keep.unique else every
    splits = ("train", "test") if test_fraction > 0 else ("",)
    targets = _targets(prefix, fmt, splits)
    if test_fraction > 0:
        is_test = [_is_test(p, test_fraction, seed) for p in frame["pair_id"]]
        parts = {
            "train": frame.filter(~pl.Series(is_test, dtype=pl.Boolean)),
            "test": frame.filter(pl.Series(is_test, dtype=pl.Boolean)),
        }
    else:
        parts = {"": frame}
    paths = [p for split in splits for p in targets[split]]
    counts = {split: parts[split].height for split in targets}
    provenance = {
        "corpus": str(corpus),
        "corpus_signature": read_metadata(corpus).get(SIGNATURE_KEY, ""),
        "format": fmt,
        "filters": asdict(keep),
        "test_fraction": test_fraction,
        "seed": seed,
        "files": {split or "all": [p.name for p in targets[split]] for split in splits},
        "rows": {split or "all": n for split, n in counts.items()},
        "repeated_dropped": every.height - frame.height,
        "doubtful_left_out": list(left_out),
    }
    record = Path(f"{prefix}.export.json")
    with atomic_text_files([*paths, record], overwrite) as handles:
        by_path = dict(zip(paths, handles[:-1], strict=True))
        for split in splits:
            split_handles = [by_path[p] for p in targets[split]]
            for line in _lines(parts[split], fmt):
                for h, text in zip(split_handles, line, strict=True):
                    h.write(text)
        handles[-1].write(json.dumps(provenance, ensure_ascii=False, indent=1) + "\n")
    return ExportCounts(counts, every.height - frame.height, left_out)
