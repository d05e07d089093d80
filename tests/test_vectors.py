"""aligner.vectors: unit rows and unit sums, zero vectors kept zero."""

from __future__ import annotations

import numpy as np

from aligner.vectors import unit_rows, unit_sum


def test_unit_rows_keeps_zero_rows_and_casts_to_float32() -> None:
    x = np.array([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]])
    out = unit_rows(x)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, np.array([[0.6, 0.8], [0, 0], [0, -1]], np.float32))
    assert unit_rows(np.empty((0, 5))).shape == (0, 5)


def test_unit_rows_divides_a_float32_array_in_place() -> None:
    x = np.array([[2.0, 0.0]], dtype=np.float32)
    assert unit_rows(x) is x
    np.testing.assert_array_equal(x, [[1.0, 0.0]])


def test_unit_sum_adds_in_float64_and_keeps_a_zero_sum() -> None:
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((3, 16)).astype(np.float32)
    total = vecs.sum(axis=0, dtype=np.float64)
    expected = total / np.linalg.norm(total)
    out = unit_sum(vecs)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
    assert unit_sum(vecs, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(unit_sum(np.array([[1.0, 2.0], [-1.0, -2.0]])), [0.0, 0.0])
