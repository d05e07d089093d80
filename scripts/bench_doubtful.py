"""Do the doubtful-pair rule and ``export --skip-doubtful`` catch wrong pairings?

    python scripts/bench_doubtful.py [--seed 5] [--show] [--cache DIR] [--splits dev,test]

Aligns the 123 NTREX-128 articles twice: each English article with its own Korean
original, then with another article's original (a random derangement, as a wrong link or
a mixed-up file name would give). For both runs it prints the per-pair mean score and
share of sentences linked, how many pairs the rule names as doubtful (mean score below
0.5 or under 80% of sentences linked), and how many 1-1 beads a margin filter alone would
let through to an MT test set. A third run pairs each original with only the first half
of its English article (a partial translation), which the coverage part of the rule is
meant to catch.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata

from aligner.corpus import read_corpus
from aligner.pair_flow import Aligner
from aligner.pipeline import write_batch
from aligner.quality import doubtful_pairs, pair_table
from aligner.types import Document, Pairing


def run(al: Aligner, pairs: list[tuple[str, Document, Document]], out: Path) -> pl.DataFrame:
    write_batch(al, Pairing(tuple(pairs), (), ()), out, metadata=al.metadata())
    return read_corpus(out).collect()


def describe(name: str, beads: pl.DataFrame) -> None:
    table = pair_table(beads, 0.5)
    flagged = doubtful_pairs(table, 0.5).height
    ones = beads.filter(pl.col("kind") == "1-1")
    passing = ones.filter(pl.col("margin") >= 0.05).height
    size = pl.col("en_idx").list.len() + pl.col("ko_idx").list.len()
    linked = beads.filter(pl.col("score").is_not_null()).select(size.sum()).item() or 0
    total = beads.select(size.sum()).item() or 1
    prob = table["mean_prob"].drop_nulls()
    probs = (
        f"mean prob min {prob.min():.3f} median {prob.median():.3f} max {prob.max():.3f}  "
        if len(prob)
        else ""
    )
    print(
        f"{name:<14} pairs {table.height}  mean score min {table['mean_score'].min():.3f} "
        f"median {table['mean_score'].median():.3f} max {table['mean_score'].max():.3f}  "
        f"{probs}linked share min {table['linked_share'].min():.2f} "
        f"median {table['linked_share'].median():.2f}, sentences linked in all "
        f"{linked / total:.1%}  doubtful {flagged}  "
        f"1-1 beads {ones.height}, with margin >= 0.05: {passing}"
    )


def realnews_pairs(split: str) -> list[tuple[str, Document, Document]]:
    """The real-news pairs of a split whose texts are here, read and cleaned as
    ``aligner align`` reads the articles of a folder."""
    import realnews

    from aligner.documents import load_document

    out = []
    for entry in realnews.read_manifest():
        if entry["split"] != split or isinstance(realnews.load_texts(entry), str):
            continue
        sides = [
            load_document(realnews.find_text(entry["id"], lang), lang) for lang in ("en", "ko")
        ]
        out.append((entry["id"], sides[0], sides[1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--show", action="store_true", help="print the lowest pairs of each set")
    ap.add_argument(
        "--cache",
        default=os.environ.get("ALIGNER_CACHE"),
        help="embedding cache folder (default: $ALIGNER_CACHE): a rerun encodes nothing",
    )
    ap.add_argument(
        "--splits",
        default="dev",
        help="real-news splits to run (comma-separated; default dev, so that tuning runs "
        "never print the test split; the release figures use dev,test)",
    )
    args = ap.parse_args()
    data = benchdata.require_data_dir()
    docs = benchdata.ntrex_running_text(data)
    en = [Document(d.name, "en", d.en_text) for d in docs]
    ko = [Document(d.name, "ko", d.ko_text) for d in docs]
    order = list(range(len(docs)))
    rng = random.Random(args.seed)
    while any(i == j for i, j in enumerate(order)):
        rng.shuffle(order)
    # Partial translations: the English article stops after half of its sentences.
    abridged = benchdata.ntrex_abridged(data)
    half = [Document(e.doc_id, "en", a.en_text) for e, a in zip(en, abridged, strict=True)]
    al = Aligner(cache_dir=args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        right = run(al, [(e.doc_id, e, k) for e, k in zip(en, ko, strict=True)], Path(tmp, "r"))
        wrong = run(al, [(e.doc_id, e, ko[j]) for e, j in zip(en, order, strict=True)],
                    Path(tmp, "w"))  # fmt: skip
        partial = run(al, [(e.doc_id, e, k) for e, k in zip(half, ko, strict=True)], Path(tmp, "p"))
        news = {
            split: run(al, pairs, Path(tmp, split)) if (pairs := realnews_pairs(split)) else None
            for split in filter(None, args.splits.split(","))
        }
    describe("right pairs", right)
    describe("wrong pairs", wrong)
    describe("half-translated", partial)
    for split, beads in news.items():
        if beads is not None:
            describe(f"real news {split}", beads)
    if args.show:
        sets = {"right": right, "wrong": wrong, "half": partial}
        sets.update({f"news-{k}": v for k, v in news.items() if v is not None})
        for name, beads in sets.items():
            t = pair_table(beads, 0.5).sort("mean_prob")
            rows = [
                (round(p or 0, 2), round(c, 2))
                for p, c in t.select("mean_prob", "linked_share").rows()
            ]
            print(f"{name}: (mean prob, linked share) lowest first: {rows[:12]}")
    flagged = doubtful_pairs(pair_table(partial, 0.5), 0.5)
    low = flagged.filter(pl.col("mean_prob") < 0.5).height
    print(
        f"half-translated pairs flagged: {flagged.height} "
        f"({low} by the mean probability, the rest by coverage)"
    )


if __name__ == "__main__":
    main()
