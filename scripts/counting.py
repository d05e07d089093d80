"""An encoder wrapper for the benchmarks: what reaches the wrapped encoder, and how long it
takes (``scripts/benchmark.py``'s encoder calls per input sentence and encode time,
``scripts/bench_pairing.py``'s calls)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from aligner.embed import Encoder, as_text_list


class CountingEncoder:
    """Counts what reaches the wrapped encoder: ``calls`` texts in ``batches`` encode calls,
    taking ``seconds``. ``calls / n_input_sentences`` is the benchmark's encoder calls per
    input sentence."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.calls = 0
        self.batches = 0
        self.seconds = 0.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        items = as_text_list(texts)
        t = time.perf_counter()
        try:
            return self.inner.encode(items)
        finally:
            self.seconds += time.perf_counter() - t
            self.calls += len(items)
            self.batches += 1

    def reset(self) -> None:
        self.calls = 0
        self.batches = 0
        self.seconds = 0.0

    def __repr__(self) -> str:
        return f"CountingEncoder({self.inner!r}, calls={self.calls}, seconds={self.seconds:.3f})"
