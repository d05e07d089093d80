"""Sentence splitters for languages other than English and Korean, against gold splits.

* Chinese and English of Bertalign's MAC test (24 literary chapters): each paragraph of
  the gold's InterText files is joined back into running text (Chinese sentences with
  nothing between them, English ones with a space).
* German and French of Text+Berg (test0..test6, tokenised text): each file's sentences
  joined with a space into one paragraph (the files keep no paragraph breaks).

Each candidate runs through ``aligner.segment.segment_with`` (paragraphs, line breaks and
the repairs of docs/segmenters.md, with the candidate's cut finder), and the predicted sentence
starts are compared with the gold ones: boundary precision, recall and F1, micro-averaged
(the first sentence of a paragraph is not a boundary and is not counted).

Usage: python scripts/bench_segment_languages.py [--bertalign bench/mac] [--data DIR]
(``--bertalign`` as for scripts/bench_languages.py; without it the MAC rows are skipped.)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import benchdata  # noqa: E402
from bench_languages import MAC_DOCS, MAC_XML, TEXTBERG, MacSource, _paragraphs  # noqa: E402

from aligner import splitters  # noqa: E402
from aligner.cjk import cjk_starts  # noqa: E402
from aligner.segment import segment, segment_with  # noqa: E402

Doc = tuple[str, set[int], int]  # text, gold starts (not first of a paragraph), sentences


def build(paragraphs: list[list[str]], joiner: str) -> Doc:
    run = benchdata.running_text(paragraphs, joiner)
    return run.text, run.boundaries, len(run.spans)


def score(
    docs: Sequence[Doc],
    lang: str,
    cuts: Callable[[str], list[int]] | None,
    cjk_repairs: bool = False,
) -> str:
    tp = fp = fn = 0
    sents = 0
    start = time.perf_counter()
    for text, gold, n in docs:
        if cuts is None:
            found = segment(text, lang)
        else:
            fix = splitters.fix_cuts_cjk if cjk_repairs else splitters.fix_cuts
            found = segment_with(text, lang, cuts, repair=fix)
        paragraph_firsts = {
            s.start for i, s in enumerate(found) if i == 0 or found[i - 1].paragraph != s.paragraph
        }
        pred = {s.start for s in found} - paragraph_firsts
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        sents += n
    seconds = time.perf_counter() - start
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"{p:.3f} | {r:.3f} | {f:.3f} | {tp + fn} | {sents / seconds:,.0f}"


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]


def sentencex(lang: str) -> Callable[[str], list[int]]:
    return lambda chunk: splitters.cuts_sentencex(lang, chunk)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bertalign", type=Path)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args(argv)
    data = args.data or benchdata.default_data_dir()
    print("| text | splitter | P | R | F1 | gold boundaries | sentences/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    if args.bertalign:
        source = MacSource(args.bertalign)
        zh = [
            build(_paragraphs(source.read(f"{MAC_XML}/corpus_test.{d}_zh.xml")), "")
            for d in MAC_DOCS
        ]
        en = [
            build(_paragraphs(source.read(f"{MAC_XML}/corpus_test.{d}_en.xml")), " ")
            for d in MAC_DOCS
        ]
        print(f"| MAC zh | CJK rules (chosen) | {score(zh, 'zh', None)} |")
        # a copy of the function gets the Korean repairs (no cut after a glued quote)
        glued = lambda chunk: cjk_starts(chunk)  # noqa: E731
        print(f"| MAC zh | CJK rules + Korean quote repair | {score(zh, 'zh', glued)} |")
        print(f"| MAC zh | sentencex zh | {score(zh, 'zh', sentencex('zh'))} |")
        both = score(zh, "zh", sentencex("zh"), cjk_repairs=True)
        print(f"| MAC zh | sentencex zh + CJK repairs | {both} |")
        print(f"| MAC en | sentencex en + English repairs (chosen) | {score(en, 'en', None)} |")
    else:
        print("(MAC skipped: pass --bertalign)")
    tb = data / TEXTBERG
    if tb.is_dir():
        for lang in ("de", "fr"):
            docs = [build([_lines(tb / f"test{i}.{lang}")], " ") for i in range(7)]
            print(f"| Text+Berg {lang} | sentencex {lang} (chosen) | {score(docs, lang, None)} |")
            print(
                f"| Text+Berg {lang} | sentencex en rules | {score(docs, lang, sentencex('en'))} |"
            )
    else:
        print(f"(Text+Berg skipped: {tb} not found)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
