"""Build the benchmark documents described in DESIGN.md ("Benchmark protocol").

Every builder reads the read-only evaluation data (``<repo>/../shared/data``, or the
directory named by ``ALIGNER_SHARED_DATA``) and returns a list of :class:`BenchDoc`.
Nothing here is random without a fixed seed: the same seed gives the same documents.

Sets
----
``ntrex_perturbed``
    NTREX-128 (123 English news articles with a Korean reference, sentence-parallel),
    perturbed into n-m gold (see below).
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

Perturbation protocol (NTREX and FLORES)
----------------------------------------
Per document, with ``random.Random(f"{seed}:{name}")``:

* joins: about ``JOIN_RATE`` (10%) of the sentence positions start a join of adjacent
  sentences on one side, joined with one space (Korean too). Joining two English
  sentences gives a 1-2 link, two Korean sentences a 2-1, three a 1-3 / 3-1;
* drops: about ``DROP_RATE`` (5%) of positions lose the sentence on one side, which
  leaves a 1-0 (Korean dropped) or 0-1 (English dropped) link;
* strays: about ``STRAY_RATE`` (3%) of positions get a sentence from another article
  (never its headline) inserted before them on one side only (1-0 or 0-1);
* furniture: ``FURNITURE_RATE`` (40%) of documents get an English-only tail of page
  furniture (translator credit, contact line, "Read in Korean", ...), one 1-0 link per
  line.

The number of each operation is the rate times the sentence count, rounded at random
(so a 12-sentence document gets one join with probability .2 and two with .8 ... in
expectation 1.2). Operations are placed at random but never on the headline (first
sentence) nor on the last sentence, and any two operations are separated by at least
one untouched 1-1 sentence. So a join never borders a drop or a stray, a 1-0 never
borders a 0-1, and the furniture tail always follows a plain 1-1 link: the gold has
exactly one correct reading. Gold links are in order and cover every sentence index of
both sides exactly once.

Run ``python scripts/benchdata.py`` for a summary of every set.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

Link = tuple[tuple[int, ...], tuple[int, ...]]

DEFAULT_SEED = 13
JOIN_RATE = 0.10
DROP_RATE = 0.05
STRAY_RATE = 0.03
FURNITURE_RATE = 0.40
FLORES_CHUNK = 15

# join kind (English count first) -> weight; 1-2/2-1 are the common case in real news.
JOIN_KINDS: tuple[tuple[str, float], ...] = (
    ("1-2", 0.35),
    ("2-1", 0.35),
    ("1-3", 0.15),
    ("3-1", 0.15),
)

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


# --------------------------------------------------------------------------- furniture

_CREDITS = (
    "*Translated by S & J",
    "*Translated by Jeong Tae Joo",
    "*Translated by Gabriela Bernal",
    "Translated by Jason Bartlett",
    "*Translated by Leonid Petrov",
    "Translated by Yoon Seo-young",
    "Translated by Daily NK staff",
    "*Translated by Jisoo Kim and edited by Robert Lauler",
)
_CONTACTS = (
    "Please direct any comments or questions about this article to dailynkenglish@uni-media.net.",
    "Please direct any comments or questions about this article to dailynkenglish@uni-media.net",
    "For questions or comments about this article, email dailynkenglish@uni-media.net.",
    "Send comments or questions about this article to dailynkenglish@uni-media.net.",
)
_READ_ORIGINAL = (
    "Read in Korean",
    "Read in Korean.",
    "Read the original article in Korean.",
    "This article was first published in Korean.",
)

FURNITURE_LINES = frozenset(_CREDITS + _CONTACTS + _READ_ORIGINAL)


def furniture_tail(rng: random.Random) -> list[str]:
    """One to three lines of English-only page furniture, in a realistic order."""
    lines = [rng.choice(_CREDITS)]
    if rng.random() < 0.6:
        lines.append(rng.choice(_CONTACTS))
    if rng.random() < 0.5:
        read = rng.choice(_READ_ORIGINAL)
        # "Read in Korean" sits above the credit as often as below it.
        if rng.random() < 0.5:
            lines.insert(0, read)
        else:
            lines.append(read)
    return lines


# --------------------------------------------------------------------------- perturbation


def _stochastic_round(x: float, rng: random.Random) -> int:
    base = int(x)
    return base + (1 if rng.random() < x - base else 0)


@dataclass(frozen=True)
class _Op:
    kind: str  # "join" | "drop" | "stray"
    label: str  # link kind it makes, English count first: "1-2", "1-0", ...
    start: int  # first original position (stray: inserted before this position)
    length: int  # original positions consumed (stray: 0)

    @property
    def interval(self) -> tuple[int, int]:
        """Closed interval in doubled coordinates: position i -> 2i+1, gap before i -> 2i."""
        if self.length == 0:
            return (2 * self.start, 2 * self.start)
        return (2 * self.start + 1, 2 * (self.start + self.length) - 1)


def _separated(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when an untouched position (odd coordinate) lies strictly between a and b."""
    (_, e1), (s2, _) = sorted((a, b))
    if s2 <= e1:
        return False
    first_odd = e1 + 1 if (e1 + 1) % 2 == 1 else e1 + 2
    return first_odd < s2


def _candidates(
    kind: str, length: int, n: int, unit_of: Sequence[int], placed: Sequence[_Op]
) -> list[int]:
    out: list[int] = []
    # a stray goes before position p, 1 <= p <= n-1; other operations cover
    # positions start..start+length-1, all within 1..n-2
    starts = range(1, n) if kind == "stray" else range(1, n - length)
    for start in starts:
        if kind == "join" and len({unit_of[i] for i in range(start, start + length)}) != 1:
            continue
        op = _Op(kind, "", start, length)
        if all(_separated(op.interval, other.interval) for other in placed):
            out.append(start)
    return out


def perturb(
    name: str,
    en: Sequence[str],
    ko: Sequence[str],
    strays_en: Sequence[str],
    strays_ko: Sequence[str],
    seed: int = DEFAULT_SEED,
    unit_of: Sequence[int] | None = None,
) -> BenchDoc:
    """Perturb one sentence-parallel document (``en[i]`` <-> ``ko[i]``) into n-m gold.

    ``strays_en``/``strays_ko`` are candidate sentences from other articles; ``unit_of``
    gives the source document of each position, and joins stay inside one.
    """
    if len(en) != len(ko):
        raise ValueError(f"{name}: sides differ in length ({len(en)} vs {len(ko)})")
    n = len(en)
    rng = random.Random(f"{seed}:{name}")
    if unit_of is None:
        unit_of = [0] * n

    wanted: list[tuple[str, str, int]] = []
    join_labels = [k for k, _ in JOIN_KINDS]
    join_weights = [w for _, w in JOIN_KINDS]
    for _ in range(_stochastic_round(JOIN_RATE * n, rng)):
        label = rng.choices(join_labels, join_weights)[0]
        wanted.append(("join", label, max(int(c) for c in label.split("-"))))
    for _ in range(_stochastic_round(DROP_RATE * n, rng)):
        wanted.append(("drop", rng.choice(("1-0", "0-1")), 1))
    for _ in range(_stochastic_round(STRAY_RATE * n, rng)):
        wanted.append(("stray", rng.choice(("1-0", "0-1")), 0))

    placed: list[_Op] = []
    for kind, label, length in wanted:  # joins first: they need the most room
        starts = _candidates(kind, length, n, unit_of, placed)
        if starts:
            placed.append(_Op(kind, label, rng.choice(starts), length))
    by_start: dict[int, list[_Op]] = {}
    for op in placed:
        by_start.setdefault(op.start, []).append(op)

    out_en: list[str] = []
    out_ko: list[str] = []
    gold: list[Link] = []

    def emit(en_parts: Sequence[str], ko_parts: Sequence[str]) -> None:
        e = tuple(range(len(out_en), len(out_en) + len(en_parts)))
        k = tuple(range(len(out_ko), len(out_ko) + len(ko_parts)))
        out_en.extend(en_parts)
        out_ko.extend(ko_parts)
        gold.append((e, k))

    i = 0
    while i < n:
        ops = sorted(by_start.get(i, ()), key=lambda o: o.length)  # a stray comes first
        consumed = False
        for op in ops:
            if op.kind == "stray":
                if op.label == "1-0":
                    emit([rng.choice(strays_en)], [])
                else:
                    emit([], [rng.choice(strays_ko)])
            elif op.kind == "drop":
                if op.label == "1-0":
                    emit([en[i]], [])
                else:
                    emit([], [ko[i]])
                i += 1
                consumed = True
            else:
                span = range(i, i + op.length)
                if op.label.startswith("1-"):  # English sentences joined into one
                    emit([" ".join(en[j] for j in span)], [ko[j] for j in span])
                else:  # Korean sentences joined into one
                    emit([en[j] for j in span], [" ".join(ko[j] for j in span)])
                i += op.length
                consumed = True
        if not consumed:
            emit([en[i]], [ko[i]])
            i += 1

    if n and rng.random() < FURNITURE_RATE:
        for line in furniture_tail(rng):
            emit([line], [])

    return BenchDoc(name=name, en=tuple(out_en), ko=tuple(out_ko), gold=tuple(gold))


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
