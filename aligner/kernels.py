"""Numba kernels of the alignment search: band similarities, neighbourhoods, bead gains
and the dynamic programme. Plain arrays in and out; :mod:`aligner.align` drives them.

Cells ``(i, j)`` of the search grid are stored row after row: row ``i`` holds columns
``lo[i] <= j < hi[i]`` from offset ``off[i]``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

NEG = -1e30


class GainWeights(NamedTuple):
    """The scalars of a bead's gain, by name (numba reads the fields of a named tuple).

    Most come straight from ``AlignParams``; the others are read from the document by
    ``aligner.problem.Problem``: ``rho`` (English over Korean length, from the sure
    pairs), ``threshold`` (``AlignParams.threshold`` times the typical best score),
    ``member_floor`` (``AlignParams.member_floor`` times the typical best cosine),
    ``loose_drop`` (the looseness allowance per sentence, 0 in a literal or an
    unrelated pairing), ``loose_delta`` (2, i.e. off, unless the document is loose)
    and ``min_cosine`` (raised to ``loose_min`` in an unrelated pairing).
    """

    rho: float
    threshold: float
    margin_weight: float
    length_weight: float
    merge_penalty: float
    merge_penalty_22: float
    member_floor: float
    member_weight: float
    number_weight: float
    loose_drop: float
    loose_delta: float
    min_cosine: float
    cut_overrun: float


@njit(cache=True)
def cell(lo: np.ndarray, hi: np.ndarray, off: np.ndarray, i: int, j: int) -> int:
    if j < lo[i] or j >= hi[i]:
        return -1
    return off[i] + j - lo[i]


@njit(cache=True)
def band_sims(en: np.ndarray, ko: np.ndarray, lo, hi, off) -> np.ndarray:
    """Cosine of sentence pair (i-1, j-1) at cell (i, j); NaN on row 0 and column 0."""
    n = en.shape[0]
    sims = np.full(off[n + 1], np.nan, dtype=np.float32)
    for i in range(1, n + 1):
        j0 = max(lo[i], 1)
        if j0 >= hi[i]:
            continue
        row = np.dot(ko[j0 - 1 : hi[i] - 1], en[i - 1])
        base = off[i] + j0 - lo[i]
        for t in range(row.shape[0]):
            sims[base + t] = row[t]
    return sims


@njit(cache=True)
def keep_best(best: np.ndarray, v: float) -> None:
    """Insert ``v`` into the descending array ``best`` if it beats its last entry."""
    k = best.shape[0]
    if v <= best[k - 1]:
        return
    p = k - 1
    while p > 0 and best[p - 1] < v:
        best[p] = best[p - 1]
        p -= 1
    best[p] = v


@njit(cache=True)
def mean_of_filled(best: np.ndarray) -> np.ndarray:
    out = np.zeros(best.shape[0], dtype=np.float32)
    for r in range(best.shape[0]):
        total = 0.0
        count = 0
        for t in range(best.shape[1]):
            if best[r, t] > -1.0:
                total += best[r, t]
                count += 1
        out[r] = total / count if count > 0 else 0.0
    return out


@njit(cache=True)
def neighbourhoods(sims, lo, hi, off, n: int, m: int, k: int):
    """Mean of each sentence's ``k`` best cosines on the other side, within the band."""
    row_best = np.full((n, k), -1.0, dtype=np.float32)
    col_best = np.full((m, k), -1.0, dtype=np.float32)
    for i in range(1, n + 1):
        for j in range(max(lo[i], 1), hi[i]):
            v = sims[off[i] + j - lo[i]]
            keep_best(row_best[i - 1], v)
            keep_best(col_best[j - 1], v)
    return mean_of_filled(row_best), mean_of_filled(col_best)


@njit(cache=True)
def group_norm(self_sim: np.ndarray, start: int, size: int) -> float:
    """Norm of the sum of ``size`` unit vectors from ``start``, from adjacent cosines."""
    sq = float(size)
    for a in range(size):
        for b in range(a + 1, size):
            sq += 2.0 * self_sim[start + a, b - a - 1]
    return math.sqrt(max(sq, 1e-12))


@njit(cache=True)
def gain_value(
    cos: float, k: int, el: int, r_en: float, r_ko: float, len_en: float, len_ko: float,
    w: GainWeights,
) -> float:  # fmt: skip
    """The base gain of a ``k``-``el`` bead of cosine ``cos``: per sentence, the
    margin-adjusted cosine above the threshold (``r_en``/``r_ko``: the sides' mean
    neighbourhoods), less the length-ratio term and the merge penalties."""
    adjusted = cos - w.margin_weight * 0.5 * (r_en + r_ko)
    gain = (k + el) * (adjusted - w.threshold)
    gain -= w.length_weight * abs(math.log((len_en + 8.0) / (w.rho * len_ko + 8.0)))
    if k + el > 2:
        gain -= w.merge_penalty * (k + el - 2)
    if k > 1 and el > 1:
        gain -= w.merge_penalty_22
    return gain


@njit(cache=True)
def overruns_cut(
    len_en: np.ndarray, len_ko: np.ndarray, i0: int, i1: int, j0: int, j1: int,
    shown_en: float, shown_ko: float, rho: float, tolerance: float,
) -> bool:  # fmt: skip
    """Does the bead of English ``i0:i1`` and Korean ``j0:j1`` hold a sentence that
    begins after the other side's cut?

    A side cut short mid-sentence (``shown_en``/``shown_ko``: the length shown of its
    last sentence, -1 when the side is whole) renders the other side only up to
    somewhere in the other side's last sentence of a bead that holds the cut. Other
    sentences of that side before it longer (through ``rho``) than ``tolerance`` times
    what is shown mean one of them begins past the cut, where nothing is shown to
    match it: a sentence on the same subject, which the gains would otherwise merge
    in for its cosine, as leaving it out there is free (``Problem.tail_skips``)."""
    if tolerance <= 0.0:
        return False
    ko_past = (
        shown_ko >= 0.0
        and j1 == len_ko.shape[0]
        and i1 - i0 > 1
        and _begins_past(len_en, i0, i1, 1.0, len_ko, j0, j1, rho, shown_ko, tolerance)
    )
    en_past = (
        shown_en >= 0.0
        and i1 == len_en.shape[0]
        and j1 - j0 > 1
        and _begins_past(len_ko, j0, j1, rho, len_en, i0, i1, 1.0, shown_en, tolerance)
    )
    return ko_past or en_past


@njit(cache=True)
def _begins_past(
    whole: np.ndarray, w0: int, w1: int, w_scale: float,
    cut: np.ndarray, c0: int, c1: int, c_scale: float, shown: float, tolerance: float,
) -> bool:  # fmt: skip
    """:func:`overruns_cut` for one direction: the whole side's sentences ``w0:w1``
    but the last against the cut side's ``c0:c1``, whose last shows ``shown``, each
    side's lengths times its scale (``rho`` on the Korean)."""
    before = 0.0
    for a in range(w0, w1 - 1):
        before += whole[a]
    for b in range(c0, c1 - 1):
        shown += cut[b]
    return before * w_scale + 8.0 > tolerance * (shown * c_scale + 8.0)


@njit(cache=True)
def all_gains(
    sims, lo, hi, off, n: int, m: int, tk, tl,
    self_en, self_ko, re, rk, len_en, len_ko, para_en, para_ko, num_en, num_ko,
    w: GainWeights, best_en, best_ko, shown_en: float, shown_ko: float,
):  # fmt: skip
    """Gain of every bead type ending at every cell, from summed single vectors.
    ``shown_en``/``shown_ko``: see :func:`overruns_cut`."""
    ntypes = tk.shape[0]
    cells = off[n + 1]
    gains = np.full((ntypes, cells), NEG, dtype=np.float64)
    for i in range(1, n + 1):
        for j in range(max(lo[i], 1), hi[i]):
            c = off[i] + j - lo[i]
            for t in range(ntypes):
                k = tk[t]
                el = tl[t]
                if i < k or j < el:
                    continue
                if para_en[i - k] != para_en[i - 1] or para_ko[j - el] != para_ko[j - 1]:
                    continue
                if cell(lo, hi, off, i - k, j - el) < 0:
                    continue
                if overruns_cut(
                    len_en, len_ko, i - k, i, j - el, j, shown_en, shown_ko, w.rho, w.cut_overrun
                ):
                    continue
                dot = 0.0
                ok = True
                for a in range(i - k + 1, i + 1):
                    for b in range(j - el + 1, j + 1):
                        q = cell(lo, hi, off, a, b)
                        if q < 0:
                            ok = False
                            break
                        dot += sims[q]
                    if not ok:
                        break
                if not ok:
                    continue
                cos = dot / (group_norm(self_en, i - k, k) * group_norm(self_ko, j - el, el))
                if cos < w.min_cosine:
                    continue  # the two sides do not match at all: never linked
                r_en = 0.0
                for a in range(i - k, i):
                    r_en += re[a]
                r_ko = 0.0
                for b in range(j - el, j):
                    r_ko += rk[b]
                s_en = 0.0
                for a in range(i - k, i):
                    s_en += len_en[a]
                s_ko = 0.0
                for b in range(j - el, j):
                    s_ko += len_ko[b]
                gains[t, c] = (
                    gain_value(cos, k, el, r_en / k, r_ko / el, s_en, s_ko, w)
                    - member_shortfall(
                        sims, lo, hi, off, i, j, k, el, self_en, self_ko,
                        floor=w.member_floor, weight=w.member_weight,
                    )
                    + number_agreement(num_en, num_ko, i, j, k, el, weight=w.number_weight)
                    + loose_allowance(
                        sims, lo, hi, off, i, j, k, el, best_en, best_ko,
                        drop=w.loose_drop, delta=w.loose_delta,
                    )
                )  # fmt: skip
    return gains


@njit(cache=True)
def loose_allowance(
    sims, lo, hi, off, i: int, j: int, k: int, el: int, best_en, best_ko,
    drop: float, delta: float,
) -> float:  # fmt: skip
    """``drop`` per sentence of the bead that matches some sentence of the other side
    within ``delta`` of its best cosine anywhere (the looseness allowance)."""
    if drop == 0.0:
        return 0.0
    count = 0
    for a in range(i - k + 1, i + 1):
        top = -2.0
        for b in range(j - el + 1, j + 1):
            top = max(top, sims[cell(lo, hi, off, a, b)])
        if top >= best_en[a - 1] - delta:
            count += 1
    for b in range(j - el + 1, j + 1):
        top = -2.0
        for a in range(i - k + 1, i + 1):
            top = max(top, sims[cell(lo, hi, off, a, b)])
        if top >= best_ko[b - 1] - delta:
            count += 1
    return drop * count


@njit(cache=True)
def bits(x: int) -> int:
    count = 0
    while x:
        x &= x - 1
        count += 1
    return count


@njit(cache=True)
def number_agreement(num_en, num_ko, i: int, j: int, k: int, el: int, weight: float) -> float:
    """Reward a bead whose two sides carry the same numbers; penalise one-sided numbers.

    Figures, dates and counts survive translation almost unchanged, and they separate
    sentences that an encoder finds alike (two sentences on the same topic).
    """
    if weight == 0.0:
        return 0.0
    a = 0
    for x in range(i - k, i):
        a |= num_en[x]
    b = 0
    for y in range(j - el, j):
        b |= num_ko[y]
    if a == 0 and b == 0:
        return 0.0
    if a == 0 or b == 0:
        return -0.5 * weight
    return weight * (2.0 * bits(a & b) / bits(a | b) - 1.0)


@njit(cache=True)
def member_shortfall(
    sims, lo, hi, off, i: int, j: int, k: int, el: int, self_en, self_ko,
    floor: float, weight: float,
) -> float:  # fmt: skip
    """Penalty for members of a merged side that do not match the other side on their own.

    A group's cosine shrinks only by about 1/sqrt(size) when an unrelated sentence joins
    it, so without this check a sentence with no partner is cheaper to absorb into a
    neighbour's bead than to leave as 1-0/0-1.
    """
    if weight == 0.0 or (k == 1 and el == 1):
        return 0.0
    total = 0.0
    if k > 1:
        norm_ko = group_norm(self_ko, j - el, el)
        for a in range(i - k + 1, i + 1):
            dot = 0.0
            for b in range(j - el + 1, j + 1):
                dot += sims[cell(lo, hi, off, a, b)]
            total += max(0.0, floor - dot / norm_ko)
    if el > 1:
        norm_en = group_norm(self_en, i - k, k)
        for b in range(j - el + 1, j + 1):
            dot = 0.0
            for a in range(i - k + 1, i + 1):
                dot += sims[cell(lo, hi, off, a, b)]
            total += max(0.0, floor - dot / norm_en)
    return weight * total


@njit(cache=True)
def search(gains, lo, hi, off, n: int, m: int, tk, tl, skip_en, skip_ko, tail_en, tail_ko):
    """Best path through the band; back[c] is -1 for 1-0, -2 for 0-1, else a type index.

    ``skip_en[i]`` is the price of leaving English sentence ``i`` out; ``tail_en[i]`` is
    that price once every Korean sentence is placed (the last column), and ``tail_ko``
    the same for Korean sentences in the last row.

    ``back`` is int16: there are ``b * (b - 1) / 2`` bead types for beads of up to ``b``
    sentences, more than int8 holds from ``b = 17`` on (a type index stored there wrapped
    round and the traceback followed the wrong bead, off the end of the document).
    """
    cells = off[n + 1]
    score = np.full(cells, NEG, dtype=np.float64)
    back = np.full(cells, -3, dtype=np.int16)
    score[0] = 0.0
    ntypes = tk.shape[0]
    for i in range(n + 1):
        for j in range(lo[i], hi[i]):
            c = off[i] + j - lo[i]
            if i == 0 and j == 0:
                continue
            best = NEG
            arg = -3
            if i > 0:
                p = cell(lo, hi, off, i - 1, j)
                cost = tail_en[i - 1] if j == m else skip_en[i - 1]
                if p >= 0 and score[p] + cost > best:
                    best = score[p] + cost
                    arg = -1
            if j > 0:
                p = cell(lo, hi, off, i, j - 1)
                cost = tail_ko[j - 1] if i == n else skip_ko[j - 1]
                if p >= 0 and score[p] + cost > best:
                    best = score[p] + cost
                    arg = -2
            for t in range(ntypes):
                g = gains[t, c]
                if g <= NEG:
                    continue
                p = cell(lo, hi, off, i - tk[t], j - tl[t])
                if p >= 0 and score[p] + g > best:
                    best = score[p] + g
                    arg = t
            score[c] = best
            back[c] = arg
    return back
