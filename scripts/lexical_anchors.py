"""How good are lexical anchors as evidence? Measured on the real-news gold units.

    python scripts/lexical_anchors.py [--split dev] [--lexicon FILE] [--share 0.34]

For each pair of the split, the gold units of both sides go through
:func:`aligner.lexical.anchor_keys`; every (English unit, Korean unit) pair sharing an
anchor is a *hit*, right when the gold links the two units (same link). Printed per
kind of anchor (names across scripts, Latin words, lexicon pairs): hits, their
precision, and the share of the gold's two-sided links that hold at least one anchor of
that kind (coverage). Use the dev split to make choices; never the test split.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
for _p in (str(SCRIPTS), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench_realnews import load_pairs  # noqa: E402

from aligner.lexical import Lexicon, anchor_keys, load_lexicon  # noqa: E402

KINDS = {"n": "names", "l": "latin", "x": "lexicon"}


def measure(pairs: Sequence, lexicon: Lexicon | None, share: float, show: bool) -> None:
    hits: Counter[str] = Counter()
    right: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    two_sided = 0
    all_pairs = linked_pairs = 0
    for p in pairs:
        en = [p.en_text[a:b] for a, b in p.gold.en_units]
        ko = [p.ko_text[a:b] for a, b in p.gold.ko_units]
        ek, kk = anchor_keys(en, ko, lexicon=lexicon, max_share=share)
        link_of_en, link_of_ko = {}, {}
        for n, (es, ks) in enumerate(p.gold.links):
            for i in es:
                link_of_en[i] = n
            for j in ks:
                link_of_ko[j] = n
            if es and ks:
                two_sided += 1
                found = set().union(*(ek[i] for i in es)) & set().union(*(kk[j] for j in ks))
                for kind in {k[0] for k in found}:
                    covered[kind] += 1
        all_pairs += len(en) * len(ko)
        linked_pairs += sum(len(es) * len(ks) for es, ks in p.gold.links)
        for i, keys_i in enumerate(ek):
            for j, keys_j in enumerate(kk):
                for key in keys_i & keys_j:
                    ok = link_of_en.get(i) == link_of_ko.get(j)
                    hits[key[0]] += 1
                    right[key[0]] += ok
                    if show and not ok:
                        print(f"  {p.id}: {key} en {i} / ko {j} not linked")
    print(
        f"{len(pairs)} pairs, {two_sided} two-sided gold links; by chance a unit pair is "
        f"linked {linked_pairs / all_pairs:.3f} of the time"
    )
    for kind, name in KINDS.items():
        if hits[kind]:
            print(
                f"  {name:8s} hits {hits[kind]:5d}  precision {right[kind] / hits[kind]:.3f}  "
                f"links covered {covered[kind]} ({covered[kind] / two_sided:.3f})"
            )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--lexicon", type=Path, default=None)
    ap.add_argument("--share", type=float, default=0.34)
    ap.add_argument("--show", action="store_true", help="print every wrong hit")
    args = ap.parse_args(argv)
    pairs, skipped = load_pairs(args.split, None)
    if skipped:
        print(f"skipped: {skipped}")
    lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    measure(pairs, lexicon, args.share, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
