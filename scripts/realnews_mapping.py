"""The real-news benchmark's mapping (``scripts/bench_realnews.py``): a document as
the CLI read it, aligner's sentences carried back to the raw text, and each predicted
bead mapped onto gold units, by sentence where the cleaned text lets the sentences be
recovered, else by bead (:func:`bead_level_units`)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark import map_beads
from realnews import Gold, Link


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Row:
    en: tuple[int, ...]
    ko: tuple[int, ...]
    en_text: str = ""
    ko_text: str = ""


def presegmented_text(text: str, units: Sequence[tuple[int, int]]) -> tuple[str, list[Span]]:
    """Units one per line, a blank line at the raw text's paragraph breaks."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    for k, (a, b) in enumerate(units):
        if k:
            gap = text[units[k - 1][1] : a]
            sep = "\n\n" if gap.count("\n") >= 2 else "\n"
            out.append(sep)
            pos += len(sep)
        line = " ".join(text[a:b].split())
        out.append(line)
        spans.append(Span(pos, pos + len(line)))
        pos += len(line)
    return "".join(out) + "\n", spans


def load_like_cli(path: Path, lang: str, presegmented: bool) -> Any:
    """The document as the CLI read it from a collection folder (cleaned text, with the
    site recipe its partner calls for when it calls for none itself, as
    ``documents.share_recipes`` does for two collections)."""
    from aligner.documents import read_side, share_recipes

    (read,) = read_side(path, lang)
    del presegmented  # the collection reader cleans either way, as the CLI does
    other = "ko" if lang == "en" else "en"
    partner = path.parent.parent / other / path.name.replace(f".{lang}.txt", f".{other}.txt")
    if partner.is_file():
        (mate,) = read_side(partner, other)
        en, ko = ([read], [mate]) if lang == "en" else ([mate], [read])
        shared = share_recipes(en, ko)
        (read,) = shared[0] if lang == "en" else shared[1]
    return read.doc


def char_map(cleaned: str, raw: str) -> list[int]:
    """For each cleaned character, its offset in the raw text (-1 where unmatched)."""
    m = [-1] * len(cleaned)
    sm = difflib.SequenceMatcher(None, cleaned, raw, autojunk=False)
    for a, b, size in sm.get_matching_blocks():
        for i in range(size):
            m[a + i] = b + i
    return m


def to_raw(start: int, end: int, cmap: list[int]) -> Span | None:
    hits = [cmap[i] for i in range(start, end) if cmap[i] >= 0]
    return Span(min(hits), max(hits) + 1) if hits else None


def sentence_spans(
    doc: Any, lang: str, presegmented: bool, raw: str
) -> tuple[list[Any], list[Span | None]]:
    """aligner's sentences of the cleaned document, and each one's span in the raw text."""
    from aligner.segment import presegmented as preseg
    from aligner.segment import segment

    sents = preseg(doc.text) if presegmented else segment(doc.text, lang)
    cmap = char_map(doc.text, raw)
    return sents, [to_raw(s.start, s.end, cmap) for s in sents]


def _squash(text: str) -> str:
    return " ".join(text.split())


def consistent(sents: Sequence[Any], beads: Sequence[Row], lang: str) -> bool:
    """Do the re-segmented sentences reproduce every bead's text in the corpus?"""
    for b in beads:
        idx = b.en if lang == "en" else b.ko
        text = b.en_text if lang == "en" else b.ko_text
        if any(i >= len(sents) for i in idx):
            return False
        if idx and _squash(" ".join(sents[i].text for i in idx)) != _squash(text):
            return False
    return True


def _find_squashed(raw: str, needle: str, pos: int) -> Span | None:
    """Where ``needle`` occurs in ``raw`` from ``pos`` on, ignoring runs of whitespace."""
    words = needle.split()
    if not words:
        return None
    at = raw.find(words[0], pos)
    while at >= 0:
        i, ok = at, True
        for k, w in enumerate(words):
            if k:
                j = i
                while j < len(raw) and raw[j].isspace():
                    j += 1
                if j == i or not raw.startswith(w, j):
                    ok = False
                    break
                i = j
            elif not raw.startswith(w, i):
                ok = False
                break
            i += len(w)
        if ok:
            return Span(at, i)
        at = raw.find(words[0], at + 1)
    return None


def bead_level_units(
    beads: Sequence[Row], lang: str, raw: str, spans: Sequence[Span]
) -> list[int | None]:
    """Fallback when aligner's sentences cannot be recovered (its cleaning changed more
    than whole lines): each bead side's text is found in the raw text, whitespace
    ignored, and every gold unit goes to the bead it overlaps most. Returns, per gold
    unit, the index of its bead (None when no bead covers it)."""
    owner: list[int | None] = [None] * len(spans)
    best = [0] * len(spans)
    pos = 0
    for k, b in enumerate(beads):
        text = b.en_text if lang == "en" else b.ko_text
        where = _find_squashed(raw, text, pos) if text else None
        if where is None:
            continue
        pos = where.start
        for u, sp in enumerate(spans):
            overlap = min(sp.end, where.end) - max(sp.start, where.start)
            if overlap > best[u]:
                best[u], owner[u] = overlap, k
    return owner


def seen_units(
    units: dict[str, list[int | None]], owners: dict[str, list[int | None]], lang: str
) -> set[int]:
    """The gold units of one side that some prediction covers."""
    if lang in owners:
        return {u for u, b in enumerate(owners[lang]) if b is not None}
    return {u for u in units[lang] if u is not None}


def links_from_owners(
    gold: Gold,
    units: dict[str, list[int | None]],
    owners: dict[str, list[int | None]],
    beads: Sequence[Row],
) -> list[Link]:
    """Links when at least one side fell back to bead level: per bead, the units it owns
    on a fallback side and its sentences' units on the other, merged like ``map_beads``."""
    per_bead: list[tuple[list[int], list[int]]] = []
    for k, b in enumerate(beads):
        sides: list[list[int]] = []
        for lang, idx in (("en", b.en), ("ko", b.ko)):
            if lang in owners:
                sides.append([u for u, owner in enumerate(owners[lang]) if owner == k])
            else:
                sides.append([u for i in idx if (u := units[lang][i]) is not None])
        per_bead.append((sides[0], sides[1]))
    # map_beads takes sentence indices; here each bead's "sentences" are its units
    n_en, n_ko = len(gold.en_units), len(gold.ko_units)
    fake = [Row(tuple(en), tuple(ko)) for en, ko in per_bead]
    return map_beads(fake, list(range(n_en)), list(range(n_ko)))
