"""Count alignment errors by cause on the benchmark sets (see docs/benchmarks.md).

    python scripts/error_analysis.py [--sets ntrex,textberg]

Causes: over-merging (a predicted merge that joins two gold beads or swallows a gold
1-0/0-1), split-off fragments (a gold merge member predicted 1-0/0-1), page-furniture
tails (translator credits, contact lines), 2-2 confusions, headlines (the first
sentence of an NTREX article) and sentences with numbers. Uses the tuning cache of
``scripts/tune.py`` so that it re-encodes nothing it has seen.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata
from tune import TextCache, align_doc

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


def analyse(docs, cache: TextCache) -> Counter:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="ntrex,textberg")
    args = ap.parse_args()
    data = benchdata.require_data_dir()
    loaders = {
        "ntrex": lambda: benchdata.ntrex_perturbed(data),
        "flores": lambda: benchdata.flores_perturbed(data),
        "textberg": lambda: benchdata.textberg(data, split="test"),
    }
    cache = TextCache()
    for name in args.sets.split(","):
        counts = analyse(loaders[name](), cache)
        print(f"== {name}")
        for key in ORDER:
            if key in counts or not key.startswith("  "):
                print(f"{counts[key]:6d}  {key}")
    cache.save()


if __name__ == "__main__":
    main()
