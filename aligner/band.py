"""The search band: which cells ``(i, j)`` of the alignment grid the search may visit.

A band stores, for every row ``i``, the columns ``lo[i] <= j < hi[i]``, row after row
from ``off[i]``, so that memory is proportional to the cells kept and never ``n x m``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aligner.vectors import unit_rows


@dataclass(frozen=True, slots=True)
class Band:
    """Cells ``(i, j)`` with ``lo[i] <= j < hi[i]``, stored row after row from ``off[i]``."""

    lo: np.ndarray
    hi: np.ndarray
    off: np.ndarray

    @property
    def cells(self) -> int:
        return int(self.off[-1])


def make_band(lo: np.ndarray, hi: np.ndarray) -> Band:
    off = np.zeros(len(lo) + 1, dtype=np.int64)
    np.cumsum(hi - lo, out=off[1:])
    return Band(lo.astype(np.int64), hi.astype(np.int64), off)


def full_band(n: int, m: int) -> Band:
    return make_band(np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m + 1, dtype=np.int64))


def band_around(
    path: list[tuple[int, int, int, int]], n: int, m: int, factor: int, radius: int
) -> Band:
    """Project a coarse path (beads as i0, i1, j0, j1) onto the finer grid and widen it."""
    row_lo = np.full(n + 1, m, dtype=np.int64)
    row_hi = np.zeros(n + 1, dtype=np.int64)
    for i0, i1, j0, j1 in path:
        a, b = min(i0 * factor, n), min(i1 * factor, n)
        c, d = min(j0 * factor, m), min(j1 * factor, m)
        row_lo[a : b + 1] = np.minimum(row_lo[a : b + 1], c)
        row_hi[a : b + 1] = np.maximum(row_hi[a : b + 1], d)
    row_hi = np.maximum.accumulate(row_hi)
    row_lo = np.minimum.accumulate(row_lo[::-1])[::-1]
    idx = np.arange(n + 1)
    lo = row_lo[np.maximum(idx - radius, 0)] - radius
    hi = row_hi[np.minimum(idx + radius, n)] + radius + 1
    lo = np.clip(lo, 0, m)
    hi = np.clip(hi, 1, m + 1)
    lo[0] = 0
    hi[n] = m + 1
    hi = np.maximum(hi, lo + 1)
    return make_band(lo, hi)


def halve_vectors(vecs: np.ndarray) -> np.ndarray:
    """Unit sums of adjacent pairs of vectors (the last alone when the count is odd): the
    document at half resolution, for the coarse search that bounds the band."""
    n = len(vecs)
    half = (n + 1) // 2
    out = np.zeros((half, vecs.shape[1]), dtype=np.float32)
    out += vecs[0::2]
    out[: n // 2] += vecs[1::2]
    return unit_rows(out)


def halve_sums(values: np.ndarray) -> np.ndarray:
    """Sums of adjacent pairs of values, as :func:`halve_vectors` pairs the vectors."""
    n = len(values)
    out = np.zeros((n + 1) // 2, dtype=np.float64)
    out += values[0::2]
    out[: n // 2] += values[1::2]
    return out
