"""``aligner review``: correct a corpus's links, least certain first.

This module holds what the review works on: the corpus and its sentences, the queue of
beads, the view of one pair, and the outputs (:func:`apply_reviews`, :func:`export_gold`).
The local web app that serves it is :mod:`aligner.reviewserver`.

Corrections live in ``CORPUS.review.sqlite`` (:mod:`aligner.reviewdb`).
:func:`apply_reviews` writes them into a new corpus, :func:`export_gold` writes the fully
reviewed pairs as gold links files.

Sentence texts. The corpus keeps each bead's sentences joined with one space, not the
sentences themselves; the review shows sentences one by one and moves or splits them,
so each side of a bead of ``k`` sentences is cut back into ``k`` pieces by running the
segmenter (:func:`aligner.segment.segment`) on the bead text. The sentences were cut by
the same segmenter in the first place, so it finds the same boundaries; when it finds
another number (a heading line joined to the next sentence, presegmented input), the
``k - 1`` cuts are taken among its cuts and the spaces after sentence-final punctuation,
nearest to even lengths, and the page marks the side as guessed.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from aligner.corpus import read_corpus, read_metadata, write_frame
from aligner.errors import InputError
from aligner.evaluate import format_links
from aligner.files import atomic_text_files, check_output
from aligner.quality import cut_sides, has_probabilities
from aligner.report import CUT_NOTES, drawing_figure, heatmap_svg, path_svg
from aligner.reviewdb import (
    PairState,
    ReviewStore,
    fingerprint,
    initial_state,
    now,
    store_path,
)

__all__ = [
    "Drawings",
    "ReviewCorpus",
    "apply_reviews",
    "export_gold",
    "pair_view",
    "queue",
    "sentence_spans",
]

DRAWING_SIZE = 240
_FINAL = re.compile(r"[.!?。…\"”’')\]]$")


# --------------------------------------------------------------------------- sentences


def sentence_spans(text: str, k: int, lang: str) -> tuple[list[tuple[int, int]], bool]:
    """``k`` spans of ``text`` (a bead side, sentences joined with one space), and whether
    they were guessed rather than found by the segmenter."""
    if k <= 1:
        return ([(0, len(text))] if k == 1 else []), False
    from aligner.segment import segment

    found = [s.start for s in segment(text, lang)[1:]]
    guessed = len(found) != k - 1
    cuts = found
    if guessed:
        spaces = [i + 1 for i, c in enumerate(text) if c == " " and 0 < i < len(text) - 1]
        strength = {i: 2 if i in found else int(bool(_FINAL.search(text[: i - 1]))) for i in spaces}
        ideal = [len(text) * (q + 1) / k for q in range(k - 1)]
        chosen: list[int] = []
        for goal in ideal:
            options = [i for i in spaces if i not in chosen]
            if not options:
                break
            chosen.append(min(options, key=lambda i: (-strength[i], abs(i - goal))))
        cuts = sorted(chosen)
        while len(cuts) < k - 1:  # fewer spaces than sentences: cut anywhere
            cuts = sorted({*cuts, len(text) * (len(cuts) + 1) // k})
    bounds = [0, *cuts, len(text)]
    return list(itertools.pairwise(bounds)), guessed


@dataclass(frozen=True, slots=True)
class SentenceText:
    text: str
    start: int | None  # offsets in the cleaned document, when they can be known
    end: int | None
    guessed: bool


def _side_sentences(
    idx: list[int], text: str, start: int | None, end: int | None, lang: str
) -> dict[int, SentenceText]:
    if not idx:
        return {}
    spans, guessed = sentence_spans(text, len(idx), lang)
    exact = start is not None and end is not None and end - start == len(text)
    out = {}
    for q, (i, (a, b)) in enumerate(zip(idx, spans, strict=True)):
        piece = text[a:b]
        a += len(piece) - len(piece.lstrip())
        b -= len(piece) - len(piece.rstrip())
        s = start + a if exact else (start if q == 0 else None)
        e = start + b if exact else (end if q == len(idx) - 1 else None)
        out[i] = SentenceText(text[a:b], s, e, guessed)
    return out


# --------------------------------------------------------------------------- the corpus


class ReviewCorpus:
    """A corpus opened for review: its beads, the review database, sentence texts."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        frame = read_corpus(self.path).collect()
        self.metadata = read_metadata(self.path)
        self.columns = frame.columns
        # corpora written before probabilities existed read with a null prob column
        self.has_prob = has_probabilities(frame)
        if "reviewed" not in frame.columns:
            frame = frame.with_columns(pl.lit(False).alias("reviewed"))
        self.frame = frame
        groups = frame.partition_by("pair_id", as_dict=True, maintain_order=True)
        self._groups = {key[0]: g.sort("bead", maintain_order=True) for key, g in groups.items()}
        self.pair_ids = list(self._groups)
        self.store = ReviewStore(store_path(self.path), fingerprint(self.metadata, frame.height))
        self._sentences: dict[str, tuple[dict[int, SentenceText], dict[int, SentenceText]]] = {}
        self._lock = threading.Lock()

    def group(self, pair_id: str) -> pl.DataFrame:
        try:
            return self._groups[pair_id]
        except KeyError:
            raise InputError(f"no pair {pair_id!r} in the corpus", path=self.path) from None

    def initial(self, pair_id: str) -> PairState:
        g = self.group(pair_id)
        sides = zip(
            g["en_idx"].to_list(), g["ko_idx"].to_list(), g["reviewed"].to_list(), strict=True
        )
        return initial_state(pair_id, [(en, ko, bool(r)) for en, ko, r in sides])

    def state(self, pair_id: str) -> PairState:
        return self.store.state(pair_id) or self.initial(pair_id)

    def originals(self, pair_id: str) -> dict[tuple[tuple[int, ...], tuple[int, ...]], dict]:
        """The corpus's beads of a pair by their sides, for the scores of unchanged beads."""
        return {
            (tuple(r["en_idx"]), tuple(r["ko_idx"])): r
            for r in self.group(pair_id).iter_rows(named=True)
        }

    def sentences(self, pair_id: str) -> tuple[dict[int, SentenceText], dict[int, SentenceText]]:
        with self._lock:
            if pair_id not in self._sentences:
                en: dict[int, SentenceText] = {}
                ko: dict[int, SentenceText] = {}
                for r in self.group(pair_id).iter_rows(named=True):
                    en.update(
                        _side_sentences(r["en_idx"], r["en_text"], r["en_start"], r["en_end"], "en")
                    )
                    ko.update(
                        _side_sentences(r["ko_idx"], r["ko_text"], r["ko_start"], r["ko_end"], "ko")
                    )
                self._sentences[pair_id] = (en, ko)
            return self._sentences[pair_id]

    def rows(self, pair_id: str, state: PairState) -> pl.DataFrame:
        """The corpus rows of a pair as reviewed: a bead whose sides are those of one of
        the corpus's beads keeps that bead's columns (score, margin, ...); a changed bead
        gets its texts and offsets from its sentences, and null scores."""
        group = self.group(pair_id)
        first = group.row(0, named=True)
        originals = self.originals(pair_id)
        en, ko = self.sentences(pair_id)
        out = []
        for position, bead in enumerate(state.beads):
            row = originals.get((bead.en, bead.ko))
            if row is None:
                row = {name: None for name in group.columns}
                row.update(
                    pair_id=pair_id,
                    en_doc_id=first["en_doc_id"],
                    ko_doc_id=first["ko_doc_id"],
                    en_idx=list(bead.en),
                    ko_idx=list(bead.ko),
                    en_text=" ".join(en[i].text for i in bead.en),
                    ko_text=" ".join(ko[i].text for i in bead.ko),
                    en_start=en[bead.en[0]].start if bead.en else None,
                    en_end=en[bead.en[-1]].end if bead.en else None,
                    ko_start=ko[bead.ko[0]].start if bead.ko else None,
                    ko_end=ko[bead.ko[-1]].end if bead.ko else None,
                    kind=bead.kind,
                )
            out.append({**row, "bead": position, "reviewed": bead.reviewed})
        return pl.DataFrame(out, schema=group.schema)


def queue(
    corpus: ReviewCorpus,
    *,
    order: str = "worst",
    pair: str = "",
    kind: str = "",
    todo: bool = True,
    limit: int = 500,
) -> dict[str, Any]:
    """The beads to review, as the page lists them. ``order="worst"``: most likely wrong
    first, by the calibrated probability ``prob`` when the corpus has one (null as 0.5),
    else by margin (null, as for 1-0 and 0-1 beads, as 0: as doubtful as a link the
    aligner barely preferred); ``"corpus"``: pair by pair, in bead order."""
    states = corpus.store.states()
    key_col = "prob" if corpus.has_prob else "margin"
    base = corpus.frame.filter(~pl.col("pair_id").is_in(list(states))).select(
        "pair_id",
        pl.col("bead").alias("id"),
        pl.col("bead").alias("pos"),
        pl.lit(0).alias("v"),
        pl.col("kind").cast(pl.String),
        pl.col(key_col).cast(pl.Float64).alias("key"),
        "reviewed",
    )
    extra = []
    for pid, state in states.items():
        originals = corpus.originals(pid)
        for pos, b in enumerate(state.beads):
            row = originals.get((b.en, b.ko))
            key = row[key_col] if row is not None else None
            extra.append((pid, b.id, pos, b.v, b.kind, key, b.reviewed))
    if extra:
        base = pl.concat([base, pl.DataFrame(extra, schema=base.schema, orient="row")])
    rank = {p: k for k, p in enumerate(corpus.pair_ids)}
    base = base.with_columns(
        pl.col("pair_id").replace_strict(rank, return_dtype=pl.Int64).alias("rank")
    )
    counts = (
        base.group_by("pair_id")
        .agg(
            pl.len().alias("beads"),
            pl.col("reviewed").sum().alias("reviewed"),
            pl.col("rank").first(),
        )
        .sort("rank")
    )
    if pair:
        base = base.filter(pl.col("pair_id") == pair)
    if kind:
        base = base.filter(pl.col("kind") == kind)
    if todo:
        base = base.filter(~pl.col("reviewed"))
    if order == "corpus":
        items = base.sort("rank", "pos")
    else:
        items = base.sort(pl.col("key").fill_null(0.5 if corpus.has_prob else 0.0), "rank", "pos")
    return {
        "total": base.height,
        "items": items.head(limit).drop("rank").to_dicts(),
        "pairs": counts.drop("rank").to_dicts(),
    }


# --------------------------------------------------------------------------- one pair


class Drawings:
    """The path and heatmap of a pair (report.py's drawings), with the encoder for the
    heatmap's vectors when there is one; vectors are kept for the server's life."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray] | None, min_score: float) -> None:
        self.encode = encode
        self.min_score = min_score
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def draw(self, beads: pl.DataFrame) -> dict[str, str]:
        path = path_svg(beads, self.min_score, DRAWING_SIZE)
        out = {"path": drawing_figure("path", path, self.min_score, review=True), "heatmap": ""}
        if self.encode is not None:
            texts = [t for t in (*beads["en_text"], *beads["ko_text"]) if t]
            with self._lock:
                new = list(dict.fromkeys(t for t in texts if t not in self._vectors))
                if new:
                    self._vectors.update(zip(new, self.encode(new), strict=True))
                heat = heatmap_svg(beads, self._vectors, DRAWING_SIZE)
            if heat:
                out["heatmap"] = drawing_figure("heatmap", heat, self.min_score, review=True)
        return out


def pair_view(corpus: ReviewCorpus, pair_id: str, drawings: Drawings) -> dict[str, Any]:
    """Everything the page shows of one pair: beads with their sentences, scores, review
    marks and boxes in the two drawings, and the drawings themselves."""
    state = corpus.state(pair_id)
    rows = corpus.rows(pair_id, state)
    en, ko = corpus.sentences(pair_id)
    originals = corpus.originals(pair_id)
    beads = []
    i = j = a = b = 0
    for bead, row in zip(state.beads, rows.iter_rows(named=True), strict=True):
        di, dj = len(bead.en), len(bead.ko)
        beads.append(
            {
                **bead.as_json(),
                "kind": bead.kind,
                "changed": (bead.en, bead.ko) not in originals,
                "en_sents": [en[k].text for k in bead.en],
                "ko_sents": [ko[k].text for k in bead.ko],
                "guessed": any(en[k].guessed for k in bead.en)
                or any(ko[k].guessed for k in bead.ko),
                "score": row["score"],
                "margin": row["margin"],
                "prob": row.get("prob"),
                "path_box": [i, i + di, j, j + dj],
                "heat_box": [a, a + bool(di), b, b + bool(dj)],
            }
        )
        i, j, a, b = i + di, j + dj, a + bool(di), b + bool(dj)
    first = rows.row(0, named=True)
    cut = dict(cut_sides(corpus.group(pair_id)).iter_rows()).get(pair_id)
    return {
        "pair_id": pair_id,
        "en_doc_id": first["en_doc_id"],
        "ko_doc_id": first["ko_doc_id"],
        # "en", "ko" or "both" when a side stops mid-sentence (a page cut short), and
        # the report's note on it, which the page shows
        "cut": cut,
        "cut_note": CUT_NOTES[cut] if cut else None,
        "version": state.version,
        "beads": beads,
        "sizes": {"en": i, "ko": j, "en_units": a, "ko_units": b, "px": DRAWING_SIZE},
        **drawings.draw(rows),
    }


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class ApplySummary:
    pairs: int  # pairs with at least one reviewed bead
    reviewed: int  # reviewed beads in the new corpus
    changed: int  # beads whose sides differ from every bead of the original corpus
    rows: int


def apply_reviews(
    corpus: str | Path, output: str | Path, *, overwrite: bool = False
) -> ApplySummary:
    """Write ``corpus`` with its review corrections to ``output`` (atomically; ``output``
    may be ``corpus`` itself with ``overwrite``, and the review database is then renamed
    ``...review.sqlite.applied-TIME``, since its bead ids refer to the old version).

    Every row gets a ``reviewed`` column. A bead whose sides are those of an original
    bead keeps that bead's score, margin and other columns; a bead a reviewer changed
    (merged, split, moved into, rejected) has null scores: no score was computed for it,
    and a neighbour's would be wrong."""
    if not store_path(corpus).exists():
        raise InputError(
            "no review beside this corpus", path=store_path(corpus), fix="run aligner review first"
        )
    rc = ReviewCorpus(corpus)
    output = Path(output)
    in_place = output.exists() and output.samefile(rc.path)
    check_output(output, overwrite)
    states = {p: st for p, st in rc.store.states().items() if p in rc._groups}
    touched = [rc.rows(p, st) for p, st in states.items()]
    rank = pl.DataFrame({"pair_id": rc.pair_ids, "_rank": range(len(rc.pair_ids))})
    frame = (
        pl.concat([rc.frame.filter(~pl.col("pair_id").is_in(list(states))), *touched])
        .join(rank, on="pair_id", how="left")
        .sort("_rank", "bead", maintain_order=True)
        .drop("_rank")
    )
    changed = 0
    for rows in touched:
        originals = rc.originals(rows["pair_id"][0])
        changed += sum(
            (tuple(e), tuple(k)) not in originals
            for e, k in rows.select("en_idx", "ko_idx").iter_rows()
        )
    summary = ApplySummary(
        pairs=frame.filter(pl.col("reviewed"))["pair_id"].n_unique(),
        reviewed=int(frame["reviewed"].sum()),
        changed=changed,
        rows=frame.height,
    )
    note = {"time": now(), "from": rc.path.name, "actions": len(rc.store.journal())}
    write_frame(output, frame, source=rc.path, overwrite=overwrite,
                metadata={"aligner.review": json.dumps(note)})  # fmt: skip
    if in_place and rc.store.path.exists():
        stamp = note["time"].replace(":", "").replace("-", "")[:15]
        rc.store.path.rename(rc.store.path.with_name(f"{rc.store.path.name}.applied-{stamp}"))
    return summary


def export_gold(corpus: str | Path, directory: str | Path, *, overwrite: bool = False) -> list[str]:
    """Write every fully reviewed pair as ``DIRECTORY/PAIR_ID.gold`` (vecalign's links
    format, what ``aligner evaluate`` reads); return the pair ids written."""
    rc = ReviewCorpus(corpus)
    directory = Path(directory)
    states = rc.store.states()
    done = []
    for pid in rc.pair_ids:
        state = states.get(pid) or rc.initial(pid)
        if state.beads and state.done:
            if "/" in pid or pid.startswith(".") or "\\" in pid:
                raise InputError(f"pair id {pid!r} cannot name a file", path=rc.path)
            done.append(state)
    if not done:
        raise InputError("no pair is fully reviewed yet", path=rc.path,
                         fix="review every bead of a pair first")  # fmt: skip
    if not directory.is_dir():
        check_output(directory, False)
        directory.mkdir()
    paths = [directory / f"{s.pair_id}.gold" for s in done]
    with atomic_text_files(paths, overwrite) as handles:
        for handle, state in zip(handles, done, strict=True):
            handle.write(format_links((b.en, b.ko) for b in state.beads))
    return [s.pair_id for s in done]
