"""The aligned documents that ``scripts/calibrate.py`` fits and measures on: each set
aligned with no calibration, its beads labelled against the gold, with the texts,
vectors and marks its features are computed from; cached by the aligner's signature
and the data itself (``--cache``).

Real-news articles are read as ``aligner align`` reads two collections
(``aligner.documents.share_recipes``: each side cleaned with its site's recipe, or its
partner's when only the partner calls for one), so training rows are those the CLI
scores."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchdata
import numpy as np
from benchmark import gold_unit_of

from aligner.align import number_marks
from aligner.lexical import default_lexicon, evidence_marks
from aligner.pair_flow import Aligner, align_sentence_texts
from aligner.types import Bead

# What an :class:`AlignedDoc` holds: a cache written before a change to it is not read.
CACHE_FORMAT = "aligned-doc-2"  # 2: the engine's looseness decision


class RecordingEncoder:
    """Keeps every vector it computes, by text, so features can be rebuilt afterwards."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if todo:
            for t, v in zip(todo, self.inner.encode(todo), strict=True):
                self.vectors[t] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.vectors[t] for t in texts])


def _labels_sentences(beads: Sequence[Bead], gold: Sequence[Any]) -> list[int]:
    gold_set = {(tuple(a), tuple(b)) for a, b in gold}
    return [int((tuple(b.en), tuple(b.ko)) in gold_set) for b in beads]


def _labels_units(
    beads: Sequence[Bead],
    gold: Sequence[Any],
    en_unit: Sequence[int | None],
    ko_unit: Sequence[int | None],
) -> list[int]:
    """A bead is right when its sentences map, all of them and to units no other bead
    holds, onto exactly one gold link."""
    gold_set = {(tuple(a), tuple(b)) for a, b in gold}
    mapped = []
    for b in beads:
        en = [en_unit[i] for i in b.en]
        ko = [ko_unit[j] for j in b.ko]
        whole = None not in en and None not in ko
        mapped.append((tuple(sorted(set(en) - {None})), tuple(sorted(set(ko) - {None})), whole))
    owners: dict[tuple[int, int], int] = {}
    for en, ko, _ in mapped:
        for u in en:
            owners[(0, u)] = owners.get((0, u), 0) + 1
        for u in ko:
            owners[(1, u)] = owners.get((1, u), 0) + 1
    out = []
    for en, ko, whole in mapped:
        shared = any(owners[(0, u)] > 1 for u in en) or any(owners[(1, u)] > 1 for u in ko)
        out.append(int(whole and not shared and (en, ko) in gold_set))
    return out


@dataclass
class AlignedDoc:
    """One document aligned with no calibration: what its features are computed from."""

    group: str  # "set/document", the unit of the folds
    en: tuple[str, ...]
    ko: tuple[str, ...]
    beads: tuple[Bead, ...]
    labels: tuple[int, ...]  # per bead: 1 when exactly a gold link
    gold_links: int  # gold links with both sides, for recall
    en_vecs: np.ndarray
    ko_vecs: np.ndarray
    en_marks: np.ndarray  # the numbers and anchors the search scored
    ko_marks: np.ndarray
    loose: bool  # the engine's looseness decision, which gates the final step


def collect(
    name: str, docs: Sequence[Any], al: Aligner, rec: RecordingEncoder, e2e: bool
) -> list[AlignedDoc]:
    out = []
    for doc in docs:
        if e2e:
            res = al.align_texts(
                doc.en_text, doc.ko_text, en_id=f"{doc.name}.en", ko_id="ko", clean=False
            )
            beads, loose = list(res.beads), bool(res.loose)
            en = [s.text for s in res.en_sents]
            ko = [s.text for s in res.ko_sents]
            labels = _labels_units(
                beads,
                doc.gold,
                gold_unit_of(res.en_sents, doc.en_spans),
                gold_unit_of(res.ko_sents, doc.ko_spans),
            )
        else:
            en, ko = list(doc.en), list(doc.ko)
            # as Aligner.align_sentences aligns them, keeping the looseness decision
            aligned = align_sentence_texts(
                en, ko, al.encoder.encode, params=al.params, lexical=al.lexical
            )
            beads, loose = list(aligned.beads), aligned.loose
            labels = _labels_sentences(beads, doc.gold)
        # as the aligner computed them (aligner.pair_flow.align_sentence_texts)
        marks = (
            evidence_marks(en, ko, lexicon=default_lexicon())
            if al.lexical
            else (number_marks(en), number_marks(ko))
        )
        out.append(
            AlignedDoc(
                group=f"{name}/{doc.name}",
                en=tuple(en),
                ko=tuple(ko),
                beads=tuple(beads),
                labels=tuple(labels),
                gold_links=sum(1 for a, b in doc.gold if a and b),
                en_vecs=rec.encode(en),
                ko_vecs=rec.encode(ko),
                en_marks=marks[0],
                ko_marks=marks[1],
                loose=loose,
            )
        )
    return out


def load(name: str, data_dir: Path) -> tuple[list, bool] | None:
    if name == "flores":
        return benchdata.flores_perturbed(data_dir), False
    if name == "ntrex":
        return benchdata.ntrex_perturbed(data_dir), False
    if name == "textberg-dev":
        return benchdata.textberg(data_dir, split="dev"), False
    if name == "ntrex-e2e":
        return benchdata.ntrex_running_text(data_dir), True
    if name == "ntrex-abridged":
        return benchdata.ntrex_abridged(data_dir), True
    if name.startswith("realnews-"):
        docs = realnews_docs(name.split("-", 1)[1])
        return (docs, True) if docs else None
    raise SystemExit(f"unknown set {name!r}")


def _cleaned_spans(cleaned: Any, spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Each raw-text span carried into the cleaned text ((-1, -1) when cleaning removed
    it), through the offset of every cleaned character in the raw text."""
    offsets = np.asarray(cleaned.offsets[: len(cleaned.text)])
    out = []
    for s, e in spans:
        inside = np.nonzero((offsets >= s) & (offsets < e))[0]
        out.append((int(inside.min()), int(inside.max()) + 1) if len(inside) else (-1, -1))
    return tuple(out)


def cleaned_like_cli(raws: tuple[str, str], name: str) -> tuple[Any, Any]:
    """Both sides of one pair cleaned as ``aligner align`` cleans two collections, with
    each cleaned character's raw offset: each side read as a text file ``name.LANG.txt``
    of a collection is read (:func:`aligner.documents.read_article`), the pair sharing
    recipes (:func:`aligner.documents.share_recipes`), and the rules each side ends with
    applied again by :func:`aligner.clean.clean_text` for the offsets."""
    from aligner.clean import clean_text
    from aligner.documents import read_article, share_recipes

    en, ko = (
        read_article(raw, lang, name, source=f"{name}.{lang}.txt", allow_empty=True)
        for raw, lang in zip(raws, ("en", "ko"), strict=True)
    )
    (en,), (ko,), _ = share_recipes([en], [ko])
    out = tuple(clean_text(r.raw, r.doc.lang, r.rules) for r in (en, ko))
    assert all(c.text == r.doc.text for c, r in zip(out, (en, ko), strict=True))
    return out[0], out[1]


def realnews_docs(split: str) -> list:
    """The real-news pairs of one split whose texts are here, cleaned as the CLI cleans
    them (:func:`cleaned_like_cli`), with the gold units' spans carried into the
    cleaned texts."""
    import realnews

    docs = []
    for entry in realnews.read_manifest():
        if entry["split"] != split:
            continue
        texts = realnews.load_texts(entry)
        if isinstance(texts, str):
            continue
        gold = realnews.read_gold(entry["id"])
        en_clean, ko_clean = cleaned_like_cli(texts, entry["id"])
        docs.append(
            benchdata.BenchDoc(
                name=entry["id"],
                en=tuple(texts[0][a:b] for a, b in gold.en_units),
                ko=tuple(texts[1][a:b] for a, b in gold.ko_units),
                gold=gold.links,
                en_text=en_clean.text,
                ko_text=ko_clean.text,
                en_spans=_cleaned_spans(en_clean, gold.en_units),
                ko_spans=_cleaned_spans(ko_clean, gold.ko_units),
            )
        )
    return docs


def cache_key(name: str, docs: Sequence[Any], e2e: bool, al: Aligner) -> str:
    """What a set's aligned documents depend on: the aligner's signature (engine,
    encoder, segmenter, lexicon), the set's loaded texts and gold, and how it is run."""
    digest = hashlib.sha256()
    digest.update(CACHE_FORMAT.encode())
    digest.update(al.signature().encode())
    digest.update(pickle.dumps((name, e2e, list(docs))))
    return digest.hexdigest()[:16]


def gather(
    names: str,
    data_dir: Path,
    al: Aligner,
    rec: RecordingEncoder,
    cache: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, list[AlignedDoc]]:
    """The aligned documents of each set named (comma-separated), from ``cache`` when
    the same aligner aligned the same data there before."""
    out: dict[str, list[AlignedDoc]] = {}
    for name in filter(None, names.split(",")):
        loaded = load(name, data_dir)
        if loaded is None:
            log(f"{name}: no texts, skipped")
            continue
        docs, e2e = loaded
        cached = None
        if cache is not None:
            cached = cache / f"calibrate-docs-{name}-{cache_key(name, docs, e2e, al)}.pkl"
            if cached.exists():
                out[name] = pickle.loads(cached.read_bytes())
                continue
        out[name] = collect(name, docs, al, rec, e2e)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pickle.dumps(out[name]))
    return out
