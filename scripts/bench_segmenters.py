"""Measure sentence splitters against gold sentence boundaries.

Running text is rebuilt from sentence-parallel test sets, then split again, and the
predicted sentence starts are compared with the gold ones:

* NTREX-128 (123 news documents): the first sentence of a document is its headline and is
  joined to the body with a blank line; the body sentences are joined with one space.
  The headline break is a paragraph break, which ``segment`` never crosses, so it is left
  out of the counts for every splitter.
* FLORES-200 devtest (281 documents, grouped by URL): the sentences joined with a space.
* NTREX-128 again with one sentence a line (body sentences joined by a single line
  break), which measures the line-break rule.

Each English splitter (sentencex, pysbd) and Kiwi for Korean is run twice: on each
paragraph directly ("library"), and through ``aligner.segment`` ("segment"), which adds
the paragraph and line-break handling and the repairs described in docs/segmenters.md
(quotation marks hidden from the splitter, quote marks kept with their sentence, no split
after a title such as "Ms." or before a Korean quotative such as "라고"). pysbd is not a
dependency of aligner: this script runs it (when it is installed) through the same rules
and repairs with ``aligner.segment.segment_with``, so the "segment" rows compare the
splitters on equal terms.
Figures: boundary precision, recall and F1
(micro-averaged over documents) and speed in gold sentences per second (best of
``--repeat`` runs, one process, with the splitter objects built beforehand).

Usage: python scripts/bench_segmenters.py [--repeat 3] [--errors 10]
Data: ../shared/data beside the repository, or the folder in ALIGNER_SHARED_DATA.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import benchdata  # noqa: E402

from aligner import segment as seg  # noqa: E402
from aligner import splitters  # noqa: E402


@dataclass
class Doc:
    name: str
    text: str
    gold: set[int]  # start offsets of gold sentences, first sentence of each paragraph excluded
    n_sents: int


def build(name: str, paragraphs: list[list[str]], sep: str = " ") -> Doc:
    """Join sentences with ``sep`` and paragraphs with a blank line; record gold starts."""
    run = benchdata.running_text(paragraphs, sep)
    return Doc(name, run.text, run.boundaries, len(run.spans))


def load_ntrex(root: Path, lang: str, sep: str = " ") -> list[Doc]:
    """NTREX articles: the headline a paragraph, the body another."""
    out = []
    for name, en, ko in benchdata._read_ntrex(root):
        sents = en if lang == "en" else ko
        out.append(build(name, [sents[:1], sents[1:]], sep))
    return out


def load_flores(root: Path, lang: str) -> list[Doc]:
    """FLORES documents (grouped by URL), each one paragraph."""
    return [
        build(url, [en if lang == "en" else ko]) for url, en, ko in benchdata._read_flores(root)
    ]


# --------------------------------------------------------------------------- pysbd


@cache
def pysbd_segmenter() -> Callable[[str], list[str]]:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False).segment


def locate(chunk: str, pieces: list[str]) -> list[int]:
    """Start offsets in ``chunk`` of the consecutive ``pieces`` a splitter returned.

    Found by exact search from the previous end; when a piece does not match (the
    splitter changed its text), by counting its non-space characters instead.
    """
    starts: list[int] = []
    pos = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        found = chunk.find(piece, pos)
        if found >= 0 and not chunk[pos:found].strip():
            starts.append(found)
            pos = found + len(piece)
            continue
        while pos < len(chunk) and chunk[pos].isspace():
            pos += 1
        starts.append(pos)
        todo = sum(not c.isspace() for c in piece)
        while pos < len(chunk) and todo:
            todo -= not chunk[pos].isspace()
            pos += 1
    return starts


def pysbd_starts(chunk: str) -> list[int]:
    return locate(chunk, pysbd_segmenter()(chunk))


def pysbd_cuts(chunk: str) -> list[int]:
    """pysbd on the view of the chunk that sentencex gets in ``aligner.segment``."""
    return pysbd_starts(splitters.en_view(chunk))


# --------------------------------------------------------------------------- runs


def predicted_library(cuts: Callable[[str], list[int]]) -> Callable[[str], set[int]]:
    """Run the bare splitter on each paragraph (the headline paragraph split off)."""

    def run(text: str) -> set[int]:
        out: set[int] = set()
        base = 0
        for para in text.split("\n\n"):
            out.update(base + s for s, _ in splitters.split_at(para, cuts(para)) if s)
            base += len(para) + 2
        return out

    return run


def predicted_segment(
    lang: str, cuts: Callable[[str], list[int]] | None = None
) -> Callable[[str], set[int]]:
    """Run ``aligner.segment`` (with ``cuts`` in place of its splitter, if given)."""

    def run(text: str) -> set[int]:
        sents = seg.segment_with(text, lang, cuts or splitters.cuts_for(lang))
        firsts = {s.paragraph: s.start for s in reversed(sents)}
        return {s.start for s in sents} - set(firsts.values())

    return run


def evaluate(docs: list[Doc], predict: Callable[[str], set[int]], repeat: int) -> dict:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        preds = [predict(d.text) for d in docs]
        best = min(best, time.perf_counter() - t0)
    tp = fp = fn = 0
    errors: list[tuple[str, str, str]] = []
    for d, p in zip(docs, preds, strict=True):
        tp += len(p & d.gold)
        fp += len(p - d.gold)
        fn += len(d.gold - p)
        for pos in sorted(p ^ d.gold):
            kind = "false split" if pos in p else "missed"
            errors.append(
                (kind, d.name, d.text[max(0, pos - 60) : pos] + " ‖ " + d.text[pos : pos + 40])
            )
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    n = sum(d.n_sents for d in docs)
    return {"p": prec, "r": rec, "f1": f1, "fp": fp, "fn": fn, "speed": n / best, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="timing runs; the best counts")
    ap.add_argument("--errors", type=int, default=0, help="print this many errors per row")
    args = ap.parse_args()
    root = benchdata.require_data_dir()

    # build the heavy objects before timing
    t0 = time.perf_counter()
    splitters.kiwi().split_into_sents("준비.")
    kiwi_load = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        pysbd_segmenter()("Ready.")
        has_pysbd = True
    except ImportError:
        print("pysbd is not installed; its rows are left out (pip install pysbd)")
        has_pysbd = False

    sets = {
        "NTREX-128": {lang: load_ntrex(root, lang) for lang in ("en", "ko")},
        "FLORES-200": {lang: load_flores(root, lang) for lang in ("en", "ko")},
        "NTREX-128, a sentence a line": {
            lang: load_ntrex(root, lang, sep="\n") for lang in ("en", "ko")
        },
    }
    runs = [
        ("en", "sentencex", "library", predicted_library(splitters.sentencex_starts)),
        ("en", "sentencex", "segment", predicted_segment("en")),
        ("en", "pysbd", "library", predicted_library(pysbd_starts)),
        ("en", "pysbd", "segment", predicted_segment("en", pysbd_cuts)),
        ("ko", "kiwi", "library", predicted_library(splitters.kiwi_starts)),
        ("ko", "kiwi", "segment", predicted_segment("ko")),
    ]
    if not has_pysbd:
        runs = [r for r in runs if r[1] != "pysbd"]
    pysbd = f", pysbd@{version('pysbd')}" if has_pysbd else ""
    print(f"splitter versions: {seg.segmenter_signature()}{pysbd}")
    print(f"cpus: {os.cpu_count()}, repeat: {args.repeat}")
    print(f"Kiwi built and loaded in {kiwi_load:.1f} s; peak memory then {rss:,.0f} MiB\n")
    header = (
        "| data | lang | splitter | via | sentences | precision | recall | F1 "
        "| false splits | missed | sentences/s |"
    )
    print(header)
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    details = []
    for data, by_lang in sets.items():
        for lang, name, via, predict in runs:
            docs = by_lang[lang]
            r = evaluate(docs, predict, args.repeat)
            n = sum(d.n_sents for d in docs)
            print(
                f"| {data} | {lang} | {name} | {via} | {n} | {r['p']:.4f} | {r['r']:.4f} "
                f"| {r['f1']:.4f} | {r['fp']} | {r['fn']} | {r['speed']:,.0f} |",
                flush=True,
            )
            details.append((data, lang, name, via, r["errors"]))
    if args.errors:
        for data, lang, name, via, errors in details:
            print(f"\n## {data} {lang} {name} ({via}): {len(errors)} errors")
            for kind, doc, ctx in errors[: args.errors]:
                print(f"  {kind:11} {doc}: {ctx!r}")


if __name__ == "__main__":
    main()
