"""How fast does ``aligner review`` answer on a large corpus?

    python scripts/bench_review.py [--pairs 2000] [--touched 50]

Builds a corpus of PAIRS copies of the seed pair (segmented for real, with the seed's
gold links as beads: 17 beads each), then times what the server does per request:
opening the corpus, the queue (untouched, then with TOUCHED pairs corrected), one pair's
view (without the heatmap, which costs the encoder's time), one action, and ``--apply``.
No encoder is loaded.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from aligner.corpus import read_corpus, write_corpus, write_frame
from aligner.documents import load_document
from aligner.evaluate import read_gold
from aligner.review import apply_reviews, pair_view, queue
from aligner.reviewserver import open_app
from aligner.segment import segment
from aligner.types import Bead, PairResult

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_1f513c82f196d388"


def seed_corpus(path: Path) -> Path:
    en_doc = load_document(SEED.with_suffix(".en.txt"), "en")
    ko_doc = load_document(SEED.with_suffix(".ko.txt"), "ko")
    en = tuple(segment(en_doc.text, "en", en_doc.doc_id))
    ko = tuple(segment(ko_doc.text, "ko", ko_doc.doc_id))
    beads = tuple(
        Bead(e, k, 0.7 if e and k else None, (n % 7) / 10 - 0.2)
        for n, (e, k) in enumerate(read_gold(SEED.with_suffix(".gold")))
    )
    return write_corpus(path, [PairResult("seed", en_doc, ko_doc, en, ko, beads)], metadata={})


def timed(label: str, call):
    start = time.perf_counter()
    out = call()
    print(f"{label:<40} {1000 * (time.perf_counter() - start):9.1f} ms")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--touched", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = seed_corpus(Path(tmp) / "one.parquet")
        frame = read_corpus(one).collect()
        big = pl.concat(
            [frame.with_columns(pl.lit(f"p{k:05d}").alias("pair_id")) for k in range(args.pairs)]
        )
        path = write_frame(Path(tmp) / "big.parquet", big, source=one)
        print(f"{args.pairs} pairs, {big.height} beads")
        app = timed("open the corpus", lambda: open_app(path, reviewer="bench"))
        rc = app.corpus
        timed("queue", lambda: queue(rc))
        timed(
            "pair view (sentences cut the first time)",
            lambda: pair_view(rc, "p00001", app.drawings),
        )
        for k in range(args.touched):
            pid = f"p{k:05d}"
            rc.store.act(pid, lambda pid=pid: rc.initial(pid), "merge_next", 0, {0: 0, 1: 0}, "b")
        pid = f"p{args.touched:05d}"
        timed("one action (a transaction)", lambda: rc.store.act(
            pid, lambda: rc.initial(pid), "accept", 2, {2: 0}, "b"))  # fmt: skip
        timed(f"queue, {args.touched + 1} pairs corrected", lambda: queue(rc))
        out = Path(tmp) / "out.parquet"
        summary = timed("apply", lambda: apply_reviews(path, out))
        print(summary)


if __name__ == "__main__":
    main()
