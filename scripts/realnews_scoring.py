"""The real-news benchmark's scoring (``scripts/bench_realnews.py``): predicted links
against the gold (vecalign's strict and lax rules, :func:`aligner.evaluate.evaluate`),
the bead-level diagnostics, and the printed report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import realnews
from realnews import Gold, Link

from aligner.evaluate import Scores, evaluate


@dataclass(frozen=True)
class Pair:
    entry: dict[str, Any]
    gold: Gold
    en_text: str
    ko_text: str

    @property
    def id(self) -> str:
        return str(self.entry["id"])


@dataclass
class Prediction:
    links: list[Link]
    removed_en: set[int]  # gold units no predicted sentence touches (cleaned away)
    removed_ko: set[int]


def scored_links(pred: Prediction, *, removed_unaligned: bool = True) -> list[Link]:
    """The predicted links as scored: a unit cleaning removed counts as left unaligned.

    A removed line is not in the corpus, which is what a 1-0 / 0-1 link says. Scored as
    absent instead, the scorer (precision over every predicted link, recall over the
    two-sided gold links) makes removing a caption worse than leaving it unaligned,
    since the correct 1-0 link it would have been drops out of precision.
    """
    if not removed_unaligned:
        return list(pred.links)
    extra: list[Link] = [((u,), ()) for u in sorted(pred.removed_en)]
    extra += [((), (u,)) for u in sorted(pred.removed_ko)]
    return list(pred.links) + extra


def scores(
    pairs: Sequence[Pair], preds: dict[str, Prediction], *, removed_unaligned: bool = True
) -> Scores:
    return evaluate(
        [list(p.gold.links) for p in pairs],
        [scored_links(preds[p.id], removed_unaligned=removed_unaligned) for p in pairs],
    )


def diagnostics(pairs: Sequence[Pair], preds: dict[str, Prediction]) -> dict[str, Any]:
    d: Counter[str] = Counter()
    gold_kinds: Counter[str] = Counter()
    exact_kinds: Counter[str] = Counter()
    pred_kinds: Counter[str] = Counter()
    for p in pairs:
        pred = preds[p.id]
        pred_set = set(pred.links)
        two_sided_en = {i for en, ko in pred.links if en and ko for i in en}
        two_sided_ko = {j for en, ko in pred.links if en and ko for j in ko}
        for lk in pred.links:
            pred_kinds[realnews.link_kind(lk)] += 1
        for side, furn, removed, linked in (
            ("en", p.gold.furniture_en, pred.removed_en, two_sided_en),
            ("ko", p.gold.furniture_ko, pred.removed_ko, two_sided_ko),
        ):
            d[f"furniture_{side}"] += len(furn)
            d[f"furniture_{side}_removed"] += len(furn & removed)
            d[f"furniture_{side}_linked"] += len(furn & linked)
            d[f"units_{side}_removed"] += len(removed)
        for lk in p.gold.links:
            kind = realnews.link_kind(lk)
            gold_kinds[kind] += 1
            en, ko = lk
            if en and ko:
                exact_kinds[kind] += lk in pred_set
                continue
            furn = (en and en[0] in p.gold.furniture_en) or (ko and ko[0] in p.gold.furniture_ko)
            tag = "null_furniture" if furn else "null_content"
            removed = (en and en[0] in pred.removed_en) or (ko and ko[0] in pred.removed_ko)
            d[tag] += 1
            if lk in pred_set:
                d[f"{tag}_unaligned"] += 1
                exact_kinds[kind] += 1
            elif removed:
                d[f"{tag}_removed"] += 1
                exact_kinds[kind] += 1
    return {
        "counts": dict(d),
        "gold_kinds": dict(sorted(gold_kinds.items())),
        "exact_kinds": dict(sorted(exact_kinds.items())),
        "pred_kinds": dict(sorted(pred_kinds.items())),
    }


def fmt_scores(s: Scores) -> str:
    return (
        f"strict P/R/F1 {s.strict_precision:.3f} / {s.strict_recall:.3f} / {s.strict_f1:.3f}"
        f"   lax {s.lax_precision:.3f} / {s.lax_recall:.3f} / {s.lax_f1:.3f}"
    )


def report(
    split: str,
    mode: str,
    pairs: Sequence[Pair],
    preds: dict[str, Prediction],
    show_pairs: bool,
    removed_unaligned: bool = True,
) -> dict[str, Any]:
    n_en = sum(len(p.gold.en_units) for p in pairs)
    n_ko = sum(len(p.gold.ko_units) for p in pairs)
    overall = scores(pairs, preds, removed_unaligned=removed_unaligned)
    print(f"\n== {split} / {mode}: {len(pairs)} pairs, {n_en} en / {n_ko} ko units")
    print(f"  all           {fmt_scores(overall)}")
    by_source: dict[str, Any] = {}
    for source in sorted({p.entry["source"] for p in pairs}):
        sub = [p for p in pairs if p.entry["source"] == source]
        s = scores(sub, preds, removed_unaligned=removed_unaligned)
        by_source[source] = asdict(s)
        print(f"  {source:13s} {fmt_scores(s)}  ({len(sub)} pairs)")
    diag = diagnostics(pairs, preds)
    c = diag["counts"]
    for side in ("en", "ko"):
        print(
            f"  furniture {side}: {c.get(f'furniture_{side}', 0)} units, "
            f"{c.get(f'furniture_{side}_removed', 0)} removed by cleaning, "
            f"{c.get(f'furniture_{side}_linked', 0)} linked to the other side; "
            f"units removed in all: {c.get(f'units_{side}_removed', 0)}"
        )
    for tag, label in (("null_content", "content"), ("null_furniture", "furniture")):
        total = c.get(tag, 0)
        ok = c.get(f"{tag}_unaligned", 0) + c.get(f"{tag}_removed", 0)
        rec = ok / total if total else 0.0
        print(
            f"  1-0/0-1 recall ({label}): {ok}/{total} = {rec:.3f} "
            f"({c.get(f'{tag}_unaligned', 0)} left unaligned, {c.get(f'{tag}_removed', 0)} removed)"
        )
    kinds = ", ".join(
        f"{k} {diag['exact_kinds'].get(k, 0)}/{n}" for k, n in diag["gold_kinds"].items()
    )
    print(f"  gold kinds predicted exactly: {kinds}")
    print(f"  predicted kinds: {', '.join(f'{k} {n}' for k, n in diag['pred_kinds'].items())}")
    per_pair = {}
    for p in pairs:
        s = scores([p], preds, removed_unaligned=removed_unaligned)
        per_pair[p.id] = {"strict_f1": s.strict_f1, "lax_f1": s.lax_f1}
        if show_pairs:
            print(f"    {p.id:45s} strict F1 {s.strict_f1:.3f}  lax F1 {s.lax_f1:.3f}")
    return {
        "pairs": len(pairs),
        "en_units": n_en,
        "ko_units": n_ko,
        "scores": asdict(overall),
        "by_source": by_source,
        "diagnostics": diag,
        "per_pair": per_pair,
    }


def _snippet(text: str, spans: Sequence[tuple[int, int]], idx: Sequence[int]) -> str:
    words = " ".join(text[spans[i][0] : spans[i][1]] for i in idx).split()
    shown = " ".join(words[:8])
    return shown + (" …" if len(words) > 8 else "")


def explain(pair: Pair, pred: Prediction) -> str:
    """Gold links side by side with the predicted ones (= exact, ~ overlapping, x wrong)."""
    g = pair.gold
    gold = set(g.links)
    lines = [f"--- {pair.id}"]
    for lk in pred.links:
        en, ko = lk
        if lk in gold:
            mark = "="
        elif any(set(en) & set(a) and set(ko) & set(b) for a, b in gold):
            mark = "~"
        else:
            mark = "x"
        lines.append(
            f"  {mark} {list(en)}:{list(ko)}  {_snippet(pair.en_text, g.en_units, en)!r}"
            f" | {_snippet(pair.ko_text, g.ko_units, ko)!r}"
        )
    missed = [lk for lk in g.links if lk not in set(pred.links)]
    shown = ", ".join(f"{list(a)}:{list(b)}" for a, b in missed)
    lines.append(f"  gold links not predicted exactly: {shown}")
    return "\n".join(lines)


def gold_summary(pairs: Sequence[Pair]) -> dict[str, Any]:
    kinds: Counter[str] = Counter()
    for p in pairs:
        kinds.update(realnews.link_kind(lk) for lk in p.gold.links)
    return dict(sorted(kinds.items()))
