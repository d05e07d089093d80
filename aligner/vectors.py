"""Unit vectors: the normalisation every stage that adds up sentence vectors shares.

Pure numpy. A vector (or row) of length zero stays zero rather than becoming NaN.
"""

from __future__ import annotations

import numpy as np

__all__ = ["unit_rows", "unit_sum"]


def unit_rows(x: np.ndarray) -> np.ndarray:
    """``x`` as C-contiguous float32 with every row divided by its length; all-zero rows
    stay zero. Divides in place when ``x`` is already such an array."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.size:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        np.divide(x, norms, out=x, where=norms > 0)
    return x


def unit_sum(vecs: np.ndarray, dtype: type[np.floating] = np.float64) -> np.ndarray:
    """The sum of the rows of ``vecs``, added up in ``dtype``, divided by its length (by
    at least 1e-12, so that a zero sum stays zero): the vector of a group of sentences."""
    total = np.asarray(vecs).sum(axis=0, dtype=dtype)
    return total / max(float(np.linalg.norm(total)), 1e-12)
