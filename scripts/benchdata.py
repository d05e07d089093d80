"""Build the benchmark documents described in DESIGN.md ("Benchmark protocol").

Every builder reads the read-only evaluation data (``<repo>/../shared/data``, or the
directory named by ``ALIGNER_SHARED_DATA``) and returns a list of :class:`BenchDoc`.
Nothing here is random without a fixed seed: the same seed gives the same documents.

Sets
----
``ntrex_perturbed``
    NTREX-128 (123 English news articles with a Korean reference, sentence-parallel),
    perturbed into n-m gold (``scripts/benchperturb.py``).
``flores_perturbed``
    FLORES-200 devtest. Its documents are tiny (1-6 sentences, 281 of them), far from a
    news article, and a document of three sentences leaves an aligner nothing to find.
    Consecutive FLORES documents are therefore grouped, in file order, into chunks of
    at least ``FLORES_CHUNK`` (15) sentences, the median size of an NTREX article
    (the last chunk takes the remainder). A chunk is named after its first document.
    Joins never cross a FLORES document boundary inside a chunk.
``textberg``
    The Bleualign / Text+Berg German-French gold (test0..test6, or dev), gold as given.
    Side 1 is German, side 2 French. Some sentences are in no gold link; they stay in
    the documents and the scorer scores only the links given, as vecalign does.
``ntrex_running_text``
    End to end: each NTREX article joined back into running text, the headline as its
    own paragraph, the body sentences joined by one space into a second paragraph (the
    source has no paragraph marks). Gold is 1-1 per sentence; ``en_spans``/``ko_spans``
    give each gold sentence's character span in ``en_text``/``ko_text``.
``wmt24pp_news``
    End to end: the news domain of WMT24++ en-ko_KR (canary and ``is_bad_source`` rows
    dropped). Each paragraph (segment) is one gold unit, gold 1-1 per paragraph;
    paragraphs are separated by a blank line in the running text. The Korean side is
    the post-edited reference (``target``).

The perturbation protocol (NTREX and FLORES) is ``scripts/benchperturb.py``.

Run ``python scripts/benchdata.py`` for a summary of every set.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

# FURNITURE_LINES is taken from here by the tests and scripts/error_analysis.py
from benchperturb import DEFAULT_SEED, FURNITURE_LINES, Link, perturb_sides  # noqa: F401

FLORES_CHUNK = 15

NTREX_DIR = "ntrex128-eng-kor"
FLORES_DIR = "flores200-devtest-eng-kor"
TEXTBERG_DIR = "bleualign-textberg-de-fr"
WMT24PP_DIR = "wmt24pp-en-ko"


@dataclass(frozen=True)
class BenchDoc:
    """One benchmark document: both sides as sentences, vecalign-style gold links.

    ``en`` is side 1 (English, or German for Text+Berg), ``ko`` side 2 (Korean, or
    French). ``gold`` holds 0-based links in document order. The end-to-end sets also
    carry the running text and the character span of each gold unit in it, and the
    paragraph index of each gold unit.
    """

    name: str
    en: tuple[str, ...]
    ko: tuple[str, ...]
    gold: tuple[Link, ...]
    en_text: str = ""
    ko_text: str = ""
    en_spans: tuple[tuple[int, int], ...] = ()
    ko_spans: tuple[tuple[int, int], ...] = ()
    en_paragraphs: tuple[int, ...] = ()
    ko_paragraphs: tuple[int, ...] = ()


# --------------------------------------------------------------------------- data dir


def default_data_dir() -> Path:
    """``$ALIGNER_SHARED_DATA`` if set, else ``<repo>/../shared/data``."""
    env = os.environ.get("ALIGNER_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data directory, or exit with a message that says where it was looked for."""
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    if not path.is_dir():
        sys.exit(
            f"benchmark data not found at {path}: put the shared evaluation data there "
            "or set ALIGNER_SHARED_DATA to its directory"
        )
    return path


def _need(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"benchmark data file missing: {path}")
    return path


def perturb(
    name: str,
    en: Sequence[str],
    ko: Sequence[str],
    strays_en: Sequence[str],
    strays_ko: Sequence[str],
    seed: int = DEFAULT_SEED,
    unit_of: Sequence[int] | None = None,
) -> BenchDoc:
    """One sentence-parallel document perturbed into n-m gold
    (:func:`benchperturb.perturb_sides`, the same arguments)."""
    out_en, out_ko, gold = perturb_sides(name, en, ko, strays_en, strays_ko, seed, unit_of)
    return BenchDoc(name=name, en=out_en, ko=out_ko, gold=gold)


# --------------------------------------------------------------------------- readers


def _read_ntrex(data_dir: Path) -> list[tuple[str, list[str], list[str]]]:
    """NTREX articles in file order: (doc_id, English sentences, Korean sentences)."""
    path = _need(Path(data_dir) / NTREX_DIR / "ntrex128_eng_kor.jsonl")
    docs: dict[str, tuple[list[str], list[str]]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            en, ko = docs.setdefault(row["doc_id"], ([], []))
            if row["sent_idx_in_doc"] != len(en):
                raise ValueError(f"{path}: sentence {row['line']} out of order in {row['doc_id']}")
            en.append(row["en"].strip())
            ko.append(row["ko"].strip())
    return [(doc_id, en, ko) for doc_id, (en, ko) in docs.items()]


def _read_lines(path: Path) -> list[str]:
    with _need(path).open(encoding="utf-8", newline="") as fh:
        return [line.rstrip("\r\n") for line in fh]


def _read_flores(data_dir: Path) -> list[tuple[str, list[str], list[str]]]:
    """FLORES documents (consecutive lines with one URL): (url, English, Korean)."""
    base = Path(data_dir) / FLORES_DIR
    en = _read_lines(base / "eng_Latn.devtest")
    ko = _read_lines(base / "kor_Hang.devtest")
    meta = _read_lines(base / "metadata_devtest.tsv")[1:]
    if not len(en) == len(ko) == len(meta):
        raise ValueError(f"{base}: line counts differ ({len(en)}, {len(ko)}, {len(meta)})")
    docs: list[tuple[str, list[str], list[str]]] = []
    for e, k, m in zip(en, ko, meta, strict=True):
        url = m.split("\t", 1)[0]
        if not docs or docs[-1][0] != url:
            docs.append((url, [], []))
        docs[-1][1].append(e.strip())
        docs[-1][2].append(k.strip())
    return docs


def _stray_pool(
    docs: Sequence[tuple[str, Sequence[str], Sequence[str]]], skip: str
) -> tuple[list[str], list[str]]:
    """Non-headline sentences of every other article."""
    pool_en: list[str] = []
    pool_ko: list[str] = []
    for name, en, ko in docs:
        if name != skip:
            pool_en.extend(en[1:])
            pool_ko.extend(ko[1:])
    return pool_en, pool_ko


# --------------------------------------------------------------------------- builders


def ntrex_perturbed(data_dir: str | Path, seed: int = DEFAULT_SEED) -> list[BenchDoc]:
    """NTREX-128's 123 articles, perturbed (see the module docstring)."""
    docs = _read_ntrex(Path(data_dir))
    out = []
    for doc_id, en, ko in docs:
        pool_en, pool_ko = _stray_pool(docs, doc_id)
        out.append(perturb(f"ntrex.{doc_id}", en, ko, pool_en, pool_ko, seed=seed))
    return out


def _flores_chunks(data_dir: Path) -> list[tuple[str, list[str], list[str], list[int]]]:
    chunks: list[tuple[str, list[str], list[str], list[int]]] = []
    cur: tuple[str, list[str], list[str], list[int]] | None = None
    for d, (_url, en, ko) in enumerate(_read_flores(data_dir)):
        if cur is None:
            cur = (f"flores.doc{d:03d}", [], [], [])
        cur[1].extend(en)
        cur[2].extend(ko)
        cur[3].extend([d] * len(en))
        if len(cur[1]) >= FLORES_CHUNK:
            chunks.append(cur)
            cur = None
    if cur is not None:
        chunks.append(cur)
    return chunks


def flores_perturbed(data_dir: str | Path, seed: int = DEFAULT_SEED) -> list[BenchDoc]:
    """FLORES-200 devtest in chunks of >= 15 sentences, perturbed like NTREX."""
    chunks = _flores_chunks(Path(data_dir))
    plain = [(name, en, ko) for name, en, ko, _ in chunks]
    out = []
    for name, en, ko, unit_of in chunks:
        pool_en, pool_ko = _stray_pool(plain, name)
        out.append(perturb(name, en, ko, pool_en, pool_ko, seed=seed, unit_of=unit_of))
    return out


def _parse_link_side(text: str) -> tuple[int, ...]:
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError(f"not a vecalign index list: {text!r}")
    inner = text[1:-1].strip()
    return tuple(int(x) for x in inner.split(",")) if inner else ()


def parse_vecalign(lines: Iterable[str]) -> list[Link]:
    """Parse vecalign gold lines such as ``[0]:[0, 1]`` and ``[3]:[]``."""
    links: list[Link] = []
    for line in lines:
        if not line.strip():
            continue
        left, right = line.split(":")
        links.append((_parse_link_side(left), _parse_link_side(right)))
    return links


def textberg(data_dir: str | Path, split: str = "test") -> list[BenchDoc]:
    """Text+Berg de-fr: ``split`` "test" (test0..test6), "dev", or one of "test0".."test6".

    Sentences are the lines with surrounding whitespace stripped; gold as given.
    """
    base = Path(data_dir) / TEXTBERG_DIR
    if split == "test":
        names = [f"test{i}" for i in range(7)]
    elif split == "dev" or (split.startswith("test") and split[4:] in {str(i) for i in range(7)}):
        names = [split]
    else:
        raise ValueError(
            f"unknown Text+Berg split {split!r} (use 'test', 'dev' or 'test0'..'test6')"
        )
    out = []
    for name in names:
        de = tuple(s.strip() for s in _read_lines(base / f"{name}.de"))
        fr = tuple(s.strip() for s in _read_lines(base / f"{name}.fr"))
        gold = tuple(parse_vecalign(_read_lines(base / f"{name}.defr")))
        out.append(BenchDoc(name=f"textberg.{name}", en=de, ko=fr, gold=gold))
    return out


@dataclass(frozen=True)
class RunningText:
    """Sentences joined back into running text: the text, the character span of each
    sentence in it, and the paragraph index of each sentence."""

    text: str
    spans: tuple[tuple[int, int], ...]
    paragraphs: tuple[int, ...]

    @property
    def boundaries(self) -> set[int]:
        """The start of every sentence but the first of its paragraph: the sentence
        boundaries a splitter has to find (a paragraph break is given)."""
        return {
            start
            for k, (start, _) in enumerate(self.spans)
            if k and self.paragraphs[k] == self.paragraphs[k - 1]
        }


def running_text(paragraphs: Sequence[Sequence[str]], joiner: str = " ") -> RunningText:
    """Join each paragraph's sentences with ``joiner`` (one space; "" for Chinese, a line
    break for a sentence a line) and the paragraphs with a blank line."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    index: list[int] = []
    pos = 0
    for p, sents in enumerate(paragraphs):
        if p:
            parts.append("\n\n")
            pos += 2
        for s, sent in enumerate(sents):
            if s:
                parts.append(joiner)
                pos += len(joiner)
            parts.append(sent)
            spans.append((pos, pos + len(sent)))
            index.append(p)
            pos += len(sent)
    return RunningText("".join(parts), tuple(spans), tuple(index))


def _e2e_doc(name: str, en: Sequence[Sequence[str]], ko: Sequence[Sequence[str]]) -> BenchDoc:
    """An end-to-end document from sentence-parallel paragraphs, gold 1-1 per sentence."""
    en_run, ko_run = running_text(en), running_text(ko)
    en_sents = tuple(s for para in en for s in para)
    ko_sents = tuple(s for para in ko for s in para)
    return BenchDoc(
        name=name,
        en=en_sents,
        ko=ko_sents,
        gold=tuple(((i,), (i,)) for i in range(len(en_sents))),
        en_text=en_run.text,
        ko_text=ko_run.text,
        en_spans=en_run.spans,
        ko_spans=ko_run.spans,
        en_paragraphs=en_run.paragraphs,
        ko_paragraphs=ko_run.paragraphs,
    )


def ntrex_running_text(data_dir: str | Path) -> list[BenchDoc]:
    """NTREX articles as running text: headline paragraph, then the body as one paragraph."""
    out = []
    for doc_id, en, ko in _read_ntrex(Path(data_dir)):
        out.append(_e2e_doc(f"ntrex-e2e.{doc_id}", [en[:1], en[1:]], [ko[:1], ko[1:]]))
    return out


def ntrex_abridged(data_dir: str | Path) -> list[BenchDoc]:
    """NTREX running text whose English version stops after half of its sentences (at
    least two), as abridged translations of news do: the English half links 1-1, the
    untranslated Korean half is 0-1 gold."""
    out = []
    for d in ntrex_running_text(data_dir):
        k = max(2, len(d.en) // 2)
        gold = tuple(((i,), (i,)) for i in range(k)) + tuple(
            ((), (j,)) for j in range(k, len(d.ko))
        )
        out.append(
            replace(
                d,
                name=d.name.replace("ntrex-e2e.", "ntrex-abridged."),
                en=d.en[:k],
                gold=gold,
                en_text=d.en_text[: d.en_spans[k - 1][1]],
                en_spans=d.en_spans[:k],
                en_paragraphs=d.en_paragraphs[:k],
            )
        )
    return out


def wmt24pp_news(data_dir: str | Path) -> list[BenchDoc]:
    """WMT24++ en-ko_KR news documents; one gold unit per paragraph, blank-line separated."""
    path = _need(Path(data_dir) / WMT24PP_DIR / "en-ko_KR.jsonl")
    docs: dict[str, list[tuple[int, str, str]]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if row["domain"] != "news" or row["is_bad_source"]:
                continue
            docs.setdefault(row["document_id"], []).append(
                (int(row["segment_id"]), row["source"].strip(), row["target"].strip())
            )
    out = []
    for doc_id, rows in docs.items():
        rows.sort()
        out.append(_e2e_doc(f"wmt24pp.{doc_id}", [[r[1]] for r in rows], [[r[2]] for r in rows]))
    return out


# --------------------------------------------------------------------------- summary


def link_kind(link: Link) -> str:
    return f"{len(link[0])}-{len(link[1])}"


def kind_counts(docs: Iterable[BenchDoc]) -> Counter[str]:
    return Counter(link_kind(link) for doc in docs for link in doc.gold)


def _kind_order(kind: str) -> tuple[int, int, int]:
    a, b = (int(x) for x in kind.split("-"))
    return (0 if a and b else 1, a + b, -a)


def summary(name: str, docs: Sequence[BenchDoc]) -> str:
    """One paragraph: docs, sentences per side, links and their kinds."""
    counts = kind_counts(docs)
    total = sum(counts.values())
    n_en = sum(len(d.en) for d in docs)
    n_ko = sum(len(d.ko) for d in docs)
    kinds = "  ".join(
        f"{k} {counts[k]} ({100 * counts[k] / total:.1f}%)" for k in sorted(counts, key=_kind_order)
    )
    return f"{name}: {len(docs)} docs, {n_en} / {n_ko} sentences, {total} links\n  {kinds}"


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Summarise the benchmark sets.")
    parser.add_argument("--data", help="shared data directory (default: ../shared/data)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    data = require_data_dir(args.data)
    print(summary("ntrex", ntrex_perturbed(data, args.seed)))
    print(summary("flores", flores_perturbed(data, args.seed)))
    print(summary("textberg", textberg(data)))
    print(summary("ntrex-e2e", ntrex_running_text(data)))
    print(summary("wmt24pp", wmt24pp_news(data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
