"""The alignment core: numpy arrays in, beads out. No I/O, no models.

How it works, in four steps:

1. **Band search.** Documents whose cell count ``n*m`` is small are searched in full.
   Longer ones are halved recursively (adjacent sentence vectors summed), aligned at the
   coarse level, and the coarse path, projected back and widened by ``band_radius``,
   bounds the search one level down. Every level costs ``O(n * band width)``, so time and
   memory stay linear in document length and no ``n x m`` matrix is ever built.
2. **Single-sentence similarities** inside the band, and for each sentence the mean of
   its ``knn`` best cosines on the other side (its "neighbourhood"), which calibrates
   hub sentences (margin scoring, as in Bertalign and Artetxe & Schwenk).
3. **Dynamic programming** over beads of up to ``max_bead`` sentences plus 1-0 and 0-1.
   A multi-sentence group is first scored with the normalised sum of its sentences'
   vectors, which costs no encoder call. A bead earns, per sentence it covers, its
   margin-adjusted cosine above a threshold set from the document's own typical best
   score, less a length-ratio term and a penalty per extra sentence (more for 2-2). When
   the document's sure pairs (mutual nearest neighbours) have a median cosine below
   ``loose_cosine`` (a loose translation), the threshold drops by ``loose_weight`` times
   the shortfall, so that weak but true pairs are not left out. Sure pairs whose median
   cosine is below ``loose_min`` mean two texts that translate nothing of each other (a
   wrong pairing), and get no allowance; and no bead whose sides have a cosine below
   ``min_cosine`` is ever linked, however loose the document. Where fewer than
   ``loose_share`` of the sentences have a mutual best partner (a translation that drops
   and adds sentences), the allowance goes only to the sentences that match the other
   side within ``loose_delta`` of their best cosine anywhere, so that a sentence with no
   counterpart does not shift every later link by one. The expected length ratio is
   read from the sure pairs too, so an abridged translation is not pushed to merge.
   A sentence written in the other side's script (a verbatim quote of the source,
   :func:`foreign_marks`) is never linked, nor counted in the statistics above (as a
   sentence's partner, or with a best cosine of its own). Where a side stops
   mid-sentence (a page excerpt cut short, :func:`cut_off`), the other side's sentences
   past its end are left out for free, its cut last sentence counts as at least a
   median sentence in the length terms, and the bead that holds that sentence takes no
   sentence of the other side that begins past the cut by length
   (:func:`aligner.kernels.overruns_cut`). Mutual nearest neighbours earn a bonus. Two
   terms keep unaligned sentences apart:
   leaving a sentence out costs in proportion to how well it matches its best partner
   (so a sentence with no good partner is cheap to leave as 1-0/0-1, one with a strong
   partner is not), and every member of a merged side must match the other side on its
   own (so a sentence with no partner is not absorbed into a neighbour's bead).
4. **Lazy verification.** Merged groups on the best path, the merges that would
   absorb an unaligned sentence into the bead beside it, and the 2-2 merges of two
   adjacent 1-1 beads whose estimated gain comes within ``cross_margin`` of theirs (a
   quote or clause the two languages split at different points: the summed vectors
   understate how well the two halves match as wholes) are embedded for real through
   the ``embed_groups`` callback (only distinct groups, only when needed), their gains
   are replaced by exact ones, and the search runs again until the path uses only
   verified merges. With the real embedding at hand, each member of a merged side is
   also judged by what it adds: if dropping it would raise the bead's cosine, the merge
   pays ``contribution_weight`` times the difference. A fragment of a longer translation
   unit passes this test even though it matches little on its own; an unrelated
   sentence fails it. A loose document (the ``loose_share`` gate) keeps the
   single-vector member term and adds the test to it with
   ``loose_contribution_weight`` (0 by default; the penalty never falls as a weight
   rises): there the English often keeps only part of a second Korean clause it
   renders (a quote split in two), so the merged cosine can fall a little although
   the bead is right, and the single-vector member term alone keeps unrelated
   sentences out. Sentences are encoded about once (1.06 to
   1.16 encoder calls per sentence on the benchmarks).
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from aligner.band import Band, band_around, full_band, halve_sums, halve_vectors
from aligner.errors import AlignmentError
from aligner.languages import DENSE_SCRIPTS, DENSE_WEIGHT, script_counts
from aligner.problem import MAX_BEAD, MIN_BEAD, AlignParams, Problem, summed_cosine
from aligner.segment import cut_off
from aligner.types import Alignment, Bead

__all__ = [
    "MAX_BEAD",
    "MIN_BEAD",
    "AlignParams",
    "GroupEmbedder",
    "Problem",
    "align",
    "align_document",
    "cut_off",
    "find_band",
    "foreign_marks",
    "number_marks",
    "search_verified",
]

log = logging.getLogger(__name__)

# Returns one L2-normalised vector per (start, end) span of consecutive sentences.
GroupEmbedder = Callable[[str, Sequence[tuple[int, int]]], np.ndarray]


def _check_vectors(name: str, vecs: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(vecs, dtype=np.float32)
    if arr.ndim != 2:
        raise AlignmentError(f"{name} embeddings must be a 2-D array, got shape {arr.shape}")
    return arr


def find_band(
    en: np.ndarray, ko: np.ndarray, len_en: np.ndarray, len_ko: np.ndarray, params: AlignParams
) -> Band:
    n, m = len(en), len(ko)
    if (n + 1) * (m + 1) <= params.full_cells or n < 4 or m < 4:
        return full_band(n, m)
    en2, ko2 = halve_vectors(en), halve_vectors(ko)
    coarse_params = replace(params, max_bead=min(params.max_bead, 3))
    len_en2, len_ko2 = halve_sums(len_en), halve_sums(len_ko)
    band2 = find_band(en2, ko2, len_en2, len_ko2, coarse_params)
    zeros_en = np.zeros(len(en2), dtype=np.int64)
    zeros_ko = np.zeros(len(ko2), dtype=np.int64)
    problem = Problem(en2, ko2, band2, len_en2, len_ko2, zeros_en, zeros_ko, coarse_params)
    path = [(a, b, c, d) for a, b, c, d, _, _ in problem.spans(problem.search())]
    return band_around(path, n, m, 2, params.band_radius)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def number_marks(texts: Sequence[str]) -> np.ndarray:
    """One 63-bit set per sentence of the numbers it holds (two digits or more).

    Thousands separators are dropped, so "1,000" in one language matches "1000" in the
    other; one-digit numbers are left out because months and small counts are often
    spelled out on one side ("May" against "5월").
    """
    out = np.zeros(len(texts), dtype=np.int64)
    for idx, text in enumerate(texts):
        mask = 0
        for match in _NUMBER.finditer(text):
            token = match.group().replace(",", "")
            if sum(ch.isdigit() for ch in token) >= 2:
                mask |= 1 << (zlib.crc32(token.encode()) % 63)
        out[idx] = mask
    return out


FOREIGN_MIN_LETTERS = 12
FOREIGN_SHARE = 0.6


def _dominant_script(text: str) -> tuple[str, int, int]:
    """(script holding the most letters, its letter count, all letters counted), a
    letter of a dense script counting ``DENSE_WEIGHT``."""
    counts = {
        name: count * (DENSE_WEIGHT if name in DENSE_SCRIPTS else 1)
        for name, count in script_counts(text).items()
    }
    top = max(counts, key=counts.__getitem__)
    return top, counts[top], sum(counts.values())


def foreign_marks(en: Sequence[str], ko: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sentences written in the *other* document's script: ``True`` where at least
    ``FOREIGN_SHARE`` of a sentence's letters (``FOREIGN_MIN_LETTERS`` or more) are in the
    script most of the other document's sentences are written in, and most of its own
    document's are not (a letter of Hangul, Han or Kana counting three).

    A Korean report that quotes an English statement verbatim (``[대변인] "The Secretary
    ..."``) holds the English words themselves, not a translation of them: the encoder
    finds them identical, and a link between the two would put English on both sides of
    the corpus. :func:`align` leaves such sentences unaligned. Two documents in the same
    script (German and French) get no marks.
    """

    def doc_script(texts: Sequence[str]) -> str:
        # the script most sentences are mostly written in (counting letters instead would
        # let a few long English quotes outweigh the Hangul, one letter per syllable)
        votes: dict[str, int] = {}
        for t in texts:
            top, count, _ = _dominant_script(t)
            if count:
                votes[top] = votes.get(top, 0) + 1
        return max(votes, key=votes.__getitem__) if votes else ""

    en_script, ko_script = doc_script(en), doc_script(ko)
    out = []
    for texts, other in ((en, ko_script), (ko, en_script)):
        marks = np.zeros(len(texts), dtype=bool)
        if en_script and ko_script and en_script != ko_script:
            for idx, text in enumerate(texts):
                top, count, letters = _dominant_script(text)
                marks[idx] = (
                    top == other
                    and letters >= FOREIGN_MIN_LETTERS
                    and count >= FOREIGN_SHARE * letters
                )
        out.append(marks)
    return out[0], out[1]


def _per_sentence(values, size: int, default: int, name: str) -> np.ndarray:
    if values is None:
        return np.full(size, default, dtype=np.int64)
    arr = np.asarray(values, dtype=np.int64)
    if arr.ndim != 1 or arr.shape[0] != size:
        raise AlignmentError(
            f"{name} must hold one value per sentence ({size}), got shape {arr.shape}"
        )
    return arr


def search_verified(
    problem: Problem, embed_groups: GroupEmbedder | None
) -> list[tuple[int, int, int, int, int, int]]:
    """The best path, after embedding for real the merges it (or an absorbing
    alternative) uses and searching again, until it uses verified merges only."""
    en, ko, params = problem.en, problem.ko, problem.params
    cache: dict[tuple[str, int, int], np.ndarray] = {}

    def group_vec(side: str, start: int, end: int) -> np.ndarray:
        if end - start == 1:
            return (en if side == "en" else ko)[start]
        return cache[(side, start, end)]

    spans = problem.spans(problem.search())
    for round_ in range(params.max_rounds + 1):
        pending = [
            s
            for s in spans
            + problem.absorbing_alternatives(spans)
            + problem.crossing_alternatives(spans)
            if (s[1] - s[0] > 1 or s[3] - s[2] > 1) and (s[4], s[5]) not in problem.exact
        ]
        pending = list(dict.fromkeys(pending))
        if not pending or embed_groups is None:
            break
        wanted: dict[str, list[tuple[int, int]]] = {"en": [], "ko": []}
        for i0, i1, j0, j1, _, _ in pending:
            for side, a, b in (("en", i0, i1), ("ko", j0, j1)):
                if b - a > 1 and (side, a, b) not in cache and (a, b) not in wanted[side]:
                    wanted[side].append((a, b))
        for side, groups in wanted.items():
            if groups:
                vecs = np.asarray(embed_groups(side, groups), dtype=np.float32)
                for (a, b), v in zip(groups, vecs, strict=True):
                    cache[(side, a, b)] = v
        for i0, i1, j0, j1, t, c in pending:
            problem.set_exact(
                t, c, i0, i1, j0, j1, group_vec("en", i0, i1), group_vec("ko", j0, j1)
            )
        if round_ == params.max_rounds:
            # Out of rounds: merges never embedded for real may not win on estimates.
            log.debug("stopped verifying merges after %d rounds", round_)
            problem.forbid_unverified_merges()
        spans = problem.spans(problem.search())
        if round_ == params.max_rounds:
            break

    return spans


def align(en_vecs: np.ndarray, ko_vecs: np.ndarray, **options: Any) -> list[Bead]:
    """The beads of :func:`align_document` (the same arguments)."""
    return list(align_document(en_vecs, ko_vecs, **options).beads)


def align_document(
    en_vecs: np.ndarray,
    ko_vecs: np.ndarray,
    *,
    en_lengths: Sequence[int] | np.ndarray | None = None,
    ko_lengths: Sequence[int] | np.ndarray | None = None,
    en_paragraphs: Sequence[int] | np.ndarray | None = None,
    ko_paragraphs: Sequence[int] | np.ndarray | None = None,
    en_numbers: Sequence[int] | np.ndarray | None = None,
    ko_numbers: Sequence[int] | np.ndarray | None = None,
    en_foreign: Sequence[bool] | np.ndarray | None = None,
    ko_foreign: Sequence[bool] | np.ndarray | None = None,
    en_cut: bool = False,
    ko_cut: bool = False,
    embed_groups: GroupEmbedder | None = None,
    params: AlignParams | None = None,
) -> Alignment:
    """Align two documents given one L2-normalised vector per sentence.

    ``en_lengths``/``ko_lengths`` are sentence lengths in characters (a weak signal; all
    ones when absent). Beads never join sentences of different ``*_paragraphs``.
    ``en_numbers``/``ko_numbers`` are the sentences' :func:`number_marks`;
    ``en_foreign``/``ko_foreign`` (:func:`foreign_marks`) are sentences in the other
    side's script, which are never linked. ``en_cut``/``ko_cut`` (:func:`cut_off`) say
    that a side stops mid-sentence: the other side's sentences past its end are left
    out for free, and the bead holding the cut sentence takes none that begins past
    the cut (``AlignParams.cut_overrun``).
    ``embed_groups(side, spans)`` embeds runs of consecutive sentences (``side`` is
    ``"en"`` or ``"ko"``, spans are ``(start, end)``); without it, merged groups are
    scored from the summed sentence vectors. Beads cover both sides exactly once, in order.
    The result also carries whether the document is loose (:class:`Problem`), the
    decision the bead probability follows.
    """
    params = params or AlignParams()
    en = _check_vectors("English", en_vecs)
    ko = _check_vectors("Korean", ko_vecs)
    n, m = len(en), len(ko)
    if n and m and en.shape[1] != ko.shape[1]:
        raise AlignmentError(
            f"embedding sizes differ: English {en.shape[1]}, Korean {ko.shape[1]}; "
            "use the same encoder for both sides"
        )
    if n == 0 or m == 0:
        # no sentence pairs mutually: loose, as :class:`Problem` would find it
        unlinked = [Bead((i,), ()) for i in range(n)] + [Bead((), (j,)) for j in range(m)]
        return Alignment(tuple(unlinked), loose=True)

    len_en = _per_sentence(en_lengths, n, 1, "en_lengths")
    len_ko = _per_sentence(ko_lengths, m, 1, "ko_lengths")
    para_en = _per_sentence(en_paragraphs, n, 0, "en_paragraphs")
    para_ko = _per_sentence(ko_paragraphs, m, 0, "ko_paragraphs")
    for name, para in (("en_paragraphs", para_en), ("ko_paragraphs", para_ko)):
        if np.any(np.diff(para) < 0):
            raise AlignmentError(f"{name} must not decrease: sentences come in document order")

    band = find_band(en, ko, len_en, len_ko, params)
    problem = Problem(
        en, ko, band, len_en, len_ko, para_en, para_ko, params,
        _per_sentence(en_numbers, n, 0, "en_numbers"),
        _per_sentence(ko_numbers, m, 0, "ko_numbers"),
        _per_sentence(en_foreign, n, 0, "en_foreign").astype(bool),
        _per_sentence(ko_foreign, m, 0, "ko_foreign").astype(bool),
        en_cut, ko_cut,
    )  # fmt: skip
    spans = search_verified(problem, embed_groups)

    beads = []
    for i0, i1, j0, j1, t, c in spans:
        if t < 0:
            beads.append(Bead(tuple(range(i0, i1)), tuple(range(j0, j1))))
            continue
        cos = problem.exact.get((t, c))
        if cos is None:
            cos = summed_cosine(en[i0:i1], ko[j0:j1])
        hood = 0.5 * (float(problem.re[i0:i1].mean()) + float(problem.rk[j0:j1].mean()))
        beads.append(Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), score=cos, margin=cos - hood))
    return Alignment(tuple(beads), loose=problem.loose)
