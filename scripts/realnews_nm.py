"""Why real-news n-m gold links are missed: every gold link with two or more units on a
side and both sides filled, what aligner predicted over its units, and the cause.

    python scripts/realnews_nm.py --ids ID,ID,...    # dev pairs only; -v for the texts

Runs on the gold units (presegmented, paragraph breaks as in the raw text, as
``bench_realnews.py --mode presegmented`` feeds them), so a miss is never a segmentation
error; on the 36 devfit pairs the same 16 n-m links are missed end to end. Causes:

* ``paragraph``: the gold bead joins sentences of two paragraphs, which no bead may.
* ``size``: more sentences than ``max_bead``.
* ``floor``: the gold bead's real cosine is under ``min_cosine`` (or a side is foreign).
* ``search``: over the stretch where the two readings differ (gold links and predicted
  beads that overlap, closed under overlap), the gold reading scores higher under the
  final gains with its merges embedded for real: the search never verified it.
* ``scoring``: the predicted reading scores higher: the gains prefer it.

A unit a reading leaves out past the end of a cut side (``Problem.tail_skips``) is priced
as the search prices it there: free.

The test split is refused: only dev pairs may be studied (corpora/realnews/SOURCE.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_realnews as br
import numpy as np

import aligner.align as align_module
from aligner.pair_flow import Aligner
from aligner.segment import presegmented

Link = tuple[tuple[int, ...], tuple[int, ...]]


def is_nm(link: Link) -> bool:
    en, ko = link
    return bool(en) and bool(ko) and len(en) + len(ko) > 2


def stretch(link: Link, gold: Sequence[Link], pred: Sequence[Link]) -> tuple[list, list]:
    """The gold links and predicted beads around ``link`` that reach into its span of
    units (from its first to its last unit, on either side), closed under that: the
    smallest stretch where the two readings cover the same sentences. Spans, not unit
    sets: a link that crosses the stretch (between two of its units on one side) is
    part of it, or one reading would be scored without units the other prices."""
    en, ko = set(link[0]), set(link[1])
    while True:
        en_span = set(range(min(en), max(en) + 1)) if en else set()
        ko_span = set(range(min(ko), max(ko) + 1)) if ko else set()
        g = [lk for lk in gold if set(lk[0]) & en_span or set(lk[1]) & ko_span]
        p = [lk for lk in pred if set(lk[0]) & en_span or set(lk[1]) & ko_span]
        en2 = en | {i for lk in g + p for i in lk[0]}
        ko2 = ko | {j for lk in g + p for j in lk[1]}
        if (en2, ko2) == (en, ko):
            return g, p
        en, ko = en2, ko2


def cause_of(
    link: Link,
    gold: Sequence[Link],
    pred: Sequence[Link],
    para_en: Sequence[int],
    para_ko: Sequence[int],
    max_bead: int,
    score: Callable[[Sequence[Link]], float | None],
) -> str:
    """The cause of a missed (or ``hit``) gold n-m link; ``score`` sums the final gains
    of a reading (None when a link of it can never be linked)."""
    if link in pred:
        return "hit"
    en, ko = link
    if len({para_en[i] for i in en}) > 1 or len({para_ko[j] for j in ko}) > 1:
        return "paragraph"
    if len(en) + len(ko) > max_bead:
        return "size"
    if score([link]) is None:
        return "floor"
    g, p = stretch(link, gold, pred)
    gold_score, pred_score = score(g), score(p)
    if gold_score is None or pred_score is None:
        return "floor" if gold_score is None else "search"
    return "search" if gold_score > pred_score else "scoring"


def tail_units(problem: Any, *readings: Sequence[Link]) -> tuple[set[int], set[int]]:
    """The units a reading leaves out once the other side is used up, where that side is
    cut (``Problem.tail_skips``: leaving them out is free there), over the readings given.
    Links come in document order, so a 1-0 link met after every Korean unit is placed
    lies in that tail."""
    tail_en, tail_ko = problem.tail_skips()
    out: list[set[int]] = [set(), set()]
    for side, tail, full in ((0, tail_en, problem.m), (1, tail_ko, problem.n)):
        for reading in readings:
            placed = 0
            for link in reading:
                placed += len(link[1 - side])
                if link[side] and not link[1 - side] and placed == full:
                    out[side] |= {u for u in link[side] if tail[u] == 0.0}
    return out[0], out[1]


def reading_scorer(
    problem: Any,
    aligner: Aligner,
    en: Sequence[str],
    ko: Sequence[str],
    tail: tuple[set[int], set[int]] = (set(), set()),
) -> Callable[[Sequence[Link]], float | None]:
    """Sums a reading's final gains; merges not yet embedded for real are embedded and
    scored with ``Problem.set_exact`` first (None when a link can never be linked).
    Units in ``tail`` (:func:`tail_units`) are left out for free."""

    def vec(side: str, idx: Sequence[int]) -> np.ndarray:
        texts, single = (en, problem.en) if side == "en" else (ko, problem.ko)
        if len(idx) == 1:
            return single[idx[0]]
        joined = " ".join(texts[idx[0] : idx[-1] + 1])
        return np.asarray(aligner._encode([joined])[0], dtype=np.float32)

    def score(links: Sequence[Link]) -> float | None:
        total = 0.0
        for a, b in links:
            if not b:
                total += float(sum(problem.skip_en[i] for i in a if i not in tail[0]))
                continue
            if not a:
                total += float(sum(problem.skip_ko[j] for j in b if j not in tail[1]))
                continue
            i0, i1, j0, j1 = a[0], a[-1] + 1, b[0], b[-1] + 1
            _, _, _, _, t, c = problem.bead_at(i0, i1, j0, j1)
            if t < 0:
                return None
            if (t, c) not in problem.exact and i1 - i0 + j1 - j0 > 2:
                problem.set_exact(t, c, i0, i1, j0, j1, vec("en", a), vec("ko", b))
            if problem.gains[t, c] <= -1e29:
                return None
            total += float(problem.gains[t, c])
        return total

    return score


def pair_causes(pair: Any, aligner: Aligner, verbose: bool) -> Counter[str]:
    """Print each missed gold n-m link of one pair with its cause; count them all."""
    docs = {}
    for lang, text, units in (
        ("en", pair.en_text, pair.gold.en_units),
        ("ko", pair.ko_text, pair.gold.ko_units),
    ):
        docs[lang] = presegmented(br.presegmented_text(text, units)[0])
    en = [s.text for s in docs["en"]]
    ko = [s.text for s in docs["ko"]]
    para_en = [s.paragraph for s in docs["en"]]
    para_ko = [s.paragraph for s in docs["ko"]]
    seen: dict[str, Any] = {}
    verified = align_module.search_verified

    def keep(problem: Any, embed: Any) -> Any:  # the search's problem, for its final gains
        seen["problem"] = problem
        return verified(problem, embed)

    align_module.search_verified = keep
    try:
        beads = aligner._align(en, ko, para_en, para_ko).beads
    finally:
        align_module.search_verified = verified
    pred = [(tuple(b.en), tuple(b.ko)) for b in beads]
    tail = tail_units(seen["problem"], pair.gold.links, pred)
    score = reading_scorer(seen["problem"], aligner, en, ko, tail)
    tally: Counter[str] = Counter()
    for link in pair.gold.links:
        if not is_nm(link):
            continue
        max_bead = aligner.params.max_bead
        cause = cause_of(link, pair.gold.links, pred, para_en, para_ko, max_bead, score)
        tally[cause] += 1
        if cause == "hit":
            continue
        _, over = stretch(link, pair.gold.links, pred)
        shown = ", ".join(f"{list(a)}:{list(b)}" for a, b in over)
        kind = f"{len(link[0])}-{len(link[1])}"
        print(f"{pair.id}  {kind} {list(link[0])}:{list(link[1])}  {cause}  predicted {shown}")
        if verbose:
            for side, idx, texts in (("EN", link[0], en), ("KO", link[1], ko)):
                for i in idx:
                    print(f"    {side} {i}: {texts[i][:120]}")
    return tally


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ids", required=True, help="comma-separated dev pair ids")
    ap.add_argument("-v", action="store_true", help="print the units' texts")
    args = ap.parse_args(argv)
    ids = [i for i in args.ids.split(",") if i]
    pairs, _ = br.load_pairs("dev", None, ids)
    missing = sorted(set(ids) - {p.id for p in pairs})
    if missing:
        sys.exit(f"not dev pairs with texts (the test split is never studied): {missing}")
    aligner = Aligner(cache_dir=os.environ.get("ALIGNER_CACHE"))
    tally: Counter[str] = Counter()
    for pair in pairs:
        tally += pair_causes(pair, aligner, args.v)
    print("n-m gold links by cause: " + ", ".join(f"{k} {v}" for k, v in tally.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
