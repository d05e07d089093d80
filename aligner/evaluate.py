"""Evaluation against gold alignments: strict and lax precision, recall and F1.

Gold evaluation follows vecalign's ``score.py`` (after Véronis & Langlais' lax and
strict measures), micro-summed over documents:

* A link is a pair of sentence-index tuples, first language first. Links empty on
  both sides are dropped, and each document's links are taken as a set.
* Precision counts every predicted link, 1-0 and 0-1 included. Strict: the link is
  in the gold. Lax: it is in the gold, or some gold link shares at least one
  sentence with it on each side.
* Recall counts the gold links that have both sides non-empty. Strict: the link is
  among the predicted links. Lax: some predicted link shares a sentence with it on
  each side.
* F1 is the harmonic mean of the micro precision and recall; any 0/0 is 0.

The gold format is vecalign's: one link per line, ``[0]:[0, 1]`` or ``[3]:[]``, with
0-based sentence indices; an optional third ``:score`` field (as vecalign writes it)
is ignored, and blank lines are skipped.
"""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from aligner.corpus import collect_corpus, read_corpus, read_documents
from aligner.errors import EvaluationError, InputError

log = logging.getLogger(__name__)

__all__ = [
    "Link",
    "Scores",
    "evaluate",
    "evaluate_paths",
    "format_links",
    "links_from_corpus",
    "load_links",
    "read_gold",
]

Link = tuple[tuple[int, ...], tuple[int, ...]]


# --------------------------------------------------------------------------- gold format

_INDEX_LIST = r"\[\s*(?:\d+\s*(?:,\s*\d+\s*)*,?\s*)?\]"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LINK_LINE = re.compile(
    rf"^\s*(?P<src>{_INDEX_LIST})\s*:\s*(?P<tgt>{_INDEX_LIST})\s*(?::\s*{_NUMBER}\s*)?$"
)
_GOLD_FORMAT = 'expected one link per line, like "[0]:[0, 1]" or "[3]:[]"'


def _parse_indices(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.strip("[] \t").split(",") if x.strip())


def _parse_link_line(line: str) -> Link | None:
    match = _LINK_LINE.match(line)
    if match is None:
        return None
    return _parse_indices(match["src"]), _parse_indices(match["tgt"])


def read_gold(path: str | os.PathLike[str]) -> list[Link]:
    """Read a links file in vecalign's format (a byte-order mark is accepted)."""
    return [link for _, link in _read_links(path)]


def _read_links(path: str | os.PathLike[str]) -> list[tuple[int, Link]]:
    """The links of a file with their line numbers; a sentence in two links, or a file
    with no links at all, is an error naming the file and the line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such alignment file", path=p) from None
    except UnicodeDecodeError as err:
        raise InputError("alignment file is not UTF-8 text", path=p, fix=_GOLD_FORMAT) from err
    except OSError as err:
        raise InputError(f"cannot read alignment file: {err.strerror}", path=p) from err
    links: list[tuple[int, Link]] = []
    first: dict[Link, int] = {}
    seen: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        link = _parse_link_line(line)
        if link is None:
            shown = line.strip()
            if len(shown) > 60:
                shown = shown[:57] + "..."
            raise InputError(f"cannot parse {shown!r}", path=p, line=number, fix=_GOLD_FORMAT)
        if link in first:
            raise InputError(
                f"duplicate link {line.strip()!r} (first on line {first[link]})",
                path=p,
                line=number,
                fix="list each link once",
            )
        first[link] = number
        # A sentence in two different links is odd but found in published gold
        # (Text+Berg test1 links German sentence 218 twice): a warning, not an error.
        for side, name, indices in zip(seen, ("source", "target"), link, strict=True):
            for i in indices:
                if i in side:
                    log.warning(
                        "%s:%d: %s sentence %d is also in the link on line %d",
                        p, number, name, i, side[i],
                    )  # fmt: skip
                side[i] = number
        links.append((number, link))
    if not links:
        raise InputError("alignment file holds no links", path=p, fix=_GOLD_FORMAT)
    return links


def format_links(links: Iterable[Link]) -> str:
    """Links in vecalign's format, one per line, each line ending in a newline."""
    return "".join(
        f"[{', '.join(map(str, src))}]:[{', '.join(map(str, tgt))}]\n" for src, tgt in links
    )


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Scores:
    """Micro-averaged strict and lax precision, recall and F1.

    ``n_gold`` and ``n_pred`` count the distinct links scored on each side (1-0 and
    0-1 included, links empty on both sides left out).
    """

    strict_precision: float
    strict_recall: float
    strict_f1: float
    lax_precision: float
    lax_recall: float
    lax_f1: float
    n_gold: int
    n_pred: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def table(self) -> list[str]:
        """The scores as ``aligner evaluate`` prints them: a table, then the link counts."""
        lines = ["        precision  recall  F1"]
        for name in ("strict", "lax"):
            p = getattr(self, f"{name}_precision")
            r = getattr(self, f"{name}_recall")
            f = getattr(self, f"{name}_f1")
            lines.append(f"{name:<8}{p:9.4f}{r:8.4f}{f:8.4f}")
        lines.append(f"gold links {self.n_gold}, predicted links {self.n_pred}")
        return lines


def _link_set(links: Iterable[Sequence[Sequence[int]]]) -> set[Link]:
    out: set[Link] = set()
    for src, tgt in links:
        link = (tuple(int(i) for i in src), tuple(int(i) for i in tgt))
        if link[0] or link[1]:
            out.add(link)
    return out


def _match_counts(candidates: set[Link], reference: set[Link]) -> tuple[int, int, int]:
    """(candidates, strict hits, lax hits) of ``candidates`` against ``reference``."""
    pairs: defaultdict[int, set[int]] = defaultdict(set)
    for src, tgt in reference:
        for i in src:
            pairs[i].update(tgt)
    strict = lax = 0
    for link in candidates:
        if link in reference:
            strict += 1
            lax += 1
            continue
        src, tgt = link
        reachable: set[int] = set()
        for i in src:
            reachable |= pairs.get(i, set())
        if reachable.intersection(tgt):
            lax += 1
    return len(candidates), strict, lax


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(gold_docs: Sequence[Sequence[Link]], pred_docs: Sequence[Sequence[Link]]) -> Scores:
    """Score predicted links against gold links, document by document, micro-summed."""
    if len(gold_docs) != len(pred_docs):
        raise EvaluationError(
            f"{len(gold_docs)} gold documents but {len(pred_docs)} predicted documents"
        )
    p_total = p_strict = p_lax = 0
    r_total = r_strict = r_lax = 0
    n_gold = n_pred = 0
    for gold_links, pred_links in zip(gold_docs, pred_docs, strict=True):
        gold = _link_set(gold_links)
        pred = _link_set(pred_links)
        n_gold += len(gold)
        n_pred += len(pred)
        total, strict, lax = _match_counts(pred, gold)
        p_total, p_strict, p_lax = p_total + total, p_strict + strict, p_lax + lax
        gold_both = {link for link in gold if link[0] and link[1]}
        pred_both = {link for link in pred if link[0] and link[1]}
        total, strict, lax = _match_counts(gold_both, pred_both)
        r_total, r_strict, r_lax = r_total + total, r_strict + strict, r_lax + lax
    sp, sr = _ratio(p_strict, p_total), _ratio(r_strict, r_total)
    lp, lr = _ratio(p_lax, p_total), _ratio(r_lax, r_total)
    return Scores(
        strict_precision=sp,
        strict_recall=sr,
        strict_f1=_f1(sp, sr),
        lax_precision=lp,
        lax_recall=lr,
        lax_f1=_f1(lp, lr),
        n_gold=n_gold,
        n_pred=n_pred,
    )


# --------------------------------------------------------------------------- files

_PARQUET_MAGIC = b"PAR1"
_LINKS_SUFFIXES = {".gold", ".links", ".align"}
_SHOW_KEYS = 5


def _is_parquet(path: Path) -> bool:
    if path.suffix == ".parquet":
        return True
    try:
        with path.open("rb") as f:
            return f.read(4) == _PARQUET_MAGIC
    except OSError:
        return False


def _looks_like_links(path: Path) -> bool:
    """Whether the first non-blank line of ``path`` is a link line."""
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    return _parse_link_line(line) is not None
    except (OSError, UnicodeDecodeError):
        return False
    return False


def links_from_corpus(path: str | os.PathLike[str]) -> dict[str, list[Link]]:
    """The links of every pair in a corpus file, by pair id, in bead order.

    Pairs listed in the documents table but without beads (unpaired or failed) map to
    an empty list, so that they count against recall.
    """
    frame = collect_corpus(
        read_corpus(path)
        .select("pair_id", "bead", "en_idx", "ko_idx")
        .sort("pair_id", "bead", maintain_order=True),
        path,
    )
    out: dict[str, list[Link]] = {}
    try:
        pair_ids = read_documents(path)["pair_id"].drop_nulls().unique(maintain_order=True)
    except InputError:
        pair_ids = []
    for pair_id in pair_ids:
        if pair_id:
            out[pair_id] = []
    for pair_id, _, en_idx, ko_idx in frame.iter_rows():
        out.setdefault(pair_id, []).append((tuple(en_idx), tuple(ko_idx)))
    return out


def _load(
    path: str | os.PathLike[str],
) -> tuple[dict[str, list[Link]], str, dict[str, Path]]:
    """Links by key, what ``path`` was (``"file"``, ``"dir"`` or ``"corpus"``) and the
    links file of each key (none for a corpus)."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or directory", path=p)
    from aligner.table import is_table

    if is_table(p):  # a corpus folder
        return links_from_corpus(p), "corpus", {}
    if p.is_dir():
        docs: dict[str, list[Link]] = {}
        origin: dict[str, Path] = {}
        for child in sorted(p.iterdir()):
            if not child.is_file() or child.name.startswith("."):
                continue
            if child.suffix not in _LINKS_SUFFIXES and not _looks_like_links(child):
                continue
            key = child.stem
            if key in docs:
                raise InputError(
                    f"two alignment files for {key!r}: {origin[key].name} and {child.name}",
                    path=p,
                    fix="keep one alignment file per document",
                )
            docs[key] = read_gold(child)
            origin[key] = child
        if not docs:
            raise InputError(
                "no alignment files in this directory",
                path=p,
                fix='give files with one link per line, like "[0]:[0, 1]", named <pair_id>.gold',
            )
        return docs, "dir", origin
    if _is_parquet(p):
        return links_from_corpus(p), "corpus", {}
    return {p.stem: read_gold(p)}, "file", {p.stem: p}


def load_links(path: str | os.PathLike[str]) -> dict[str, list[Link]]:
    """Links by document key from a links file, a directory of them, or a corpus.

    A single links file is keyed by its stem; in a directory, every ``.gold``,
    ``.links`` or ``.align`` file, and any other file whose first non-blank line is
    a link line, is keyed by its stem (so ``test0.defr`` is ``test0``; ``test0.de``
    text files are skipped); a corpus ``.parquet`` is keyed by pair id.
    """
    return _load(path)[0]


def _show(keys: Iterable[str]) -> str:
    ordered = sorted(keys)
    shown = ", ".join(repr(k) for k in ordered[:_SHOW_KEYS])
    if len(ordered) > _SHOW_KEYS:
        shown += f" and {len(ordered) - _SHOW_KEYS} more"
    return shown


def _english_ids(path: str | os.PathLike[str], kind: str) -> dict[str, str]:
    """A corpus's English document id by pair id (empty for links files)."""
    if kind != "corpus":
        return {}
    try:
        docs = read_documents(path)
    except InputError:
        return {}
    return {
        str(pair_id): str(doc_id)
        for pair_id, doc_id in docs.filter(docs["role"] == "en")
        .select("pair_id", "doc_id")
        .iter_rows()
        if pair_id
    }


def _rekey(
    links: dict[str, list[Link]], english: dict[str, str], other: Iterable[str]
) -> dict[str, list[Link]]:
    """A pair that the other side does not know by its pair id takes its English document
    id as key when the other side knows that: gold ``story.gold`` is the gold of pair
    ``story__ko-003`` (pairing by link names pairs after both articles)."""
    other = set(other)
    taken: dict[str, int] = defaultdict(int)
    for key in links:
        taken[english.get(key, key)] += 1
    out: dict[str, list[Link]] = {}
    for key, value in links.items():
        doc = english.get(key)
        if key not in other and doc in other and taken[doc] == 1 and doc not in links:
            out[doc] = value
        else:
            out[key] = value
    return out


def _pick(
    links: dict[str, list[Link]], english: dict[str, str], wanted: str, path: object
) -> list[Link]:
    """The links of one pair, named by its pair id or its English document id."""
    names = {wanted, english.get(wanted, wanted)}
    names |= {pair for pair, doc in english.items() if doc == wanted}
    found = [key for key in links if key in names]
    if len(found) != 1:
        what = "no pair" if not found else f"{len(found)} pairs"
        raise InputError(
            f"{what} named {wanted!r} (by pair id or English document id)",
            path=str(path),
            fix=f"pick one of: {_show(links)}",
        )
    return links[found[0]]


def evaluate_paths(
    gold_path: str | os.PathLike[str],
    pred_path: str | os.PathLike[str],
    *,
    pair: str | None = None,
    only_gold: bool = False,
) -> Scores:
    """Evaluate predictions against gold, each given as a path ``load_links`` accepts.

    Documents are matched by key, and every key must be on both sides; a pair of a corpus
    also matches under its English document id (gold ``story.gold`` for the pair
    ``story__ko-003``). Two single links files are compared with each other whatever
    their names. With ``pair``, only that pair (a pair id or an English document id) is
    scored: picked from each side that holds several, compared with a single file as is.
    With ``only_gold``, predicted documents without gold are left out rather than refused
    (the gold of a partly reviewed corpus against the whole corpus).
    """
    gold, gold_kind, gold_files = _load(gold_path)
    pred, pred_kind, _ = _load(pred_path)
    english = {**_english_ids(gold_path, gold_kind), **_english_ids(pred_path, pred_kind)}
    if pair is not None:
        picked = [
            next(iter(links.values())) if kind == "file" else _pick(links, english, pair, path)
            for links, kind, path in ((gold, gold_kind, gold_path), (pred, pred_kind, pred_path))
        ]
        return evaluate([picked[0]], [picked[1]])
    if gold_kind == pred_kind == "file":
        return evaluate(list(gold.values()), list(pred.values()))
    pred = _rekey(pred, english, gold)
    gold = _rekey(gold, english, pred)
    missing = gold.keys() - pred.keys()
    if missing:
        raise InputError(
            f"no prediction for {len(missing)} gold document(s): {_show(missing)}",
            path=pred_path,
            fix="name prediction files after the gold files (pair ids or English document "
            "ids), or score one pair with --pair",
        )
    extra = pred.keys() - gold.keys()
    if extra and only_gold:
        log.info("left out %d predicted document(s) without gold: %s", len(extra), _show(extra))
    elif extra:
        raise InputError(
            f"no gold for {len(extra)} predicted document(s): {_show(extra)}",
            path=gold_path,
            fix="pass --only-gold to score only the documents that have gold alignments, "
            "or score one pair with --pair",
        )
    if pred_kind == "corpus":
        counts = _sentence_counts(Path(pred_path))
        # Gold named after the English article checks against its pair's counts.
        by_doc = {english[k]: v for k, v in counts.items() if k in english}
        _check_ranges(gold_files, {**by_doc, **counts}, Path(pred_path))
    keys = sorted(gold)
    return evaluate([gold[k] for k in keys], [pred[k] for k in keys])


def _sentence_counts(corpus: Path) -> dict[str, tuple[int, int]]:
    """English and Korean sentence counts of each pair, from a corpus's documents table."""
    try:
        docs = read_documents(corpus)
    except InputError:
        return {}
    counts: dict[str, dict[str, int]] = {}
    for pair_id, role, n in docs.select("pair_id", "role", "n_sentences").iter_rows():
        if pair_id and n is not None:
            counts.setdefault(pair_id, {})[role] = n
    return {k: (v["en"], v["ko"]) for k, v in counts.items() if "en" in v and "ko" in v}


def _check_ranges(files: dict[str, Path], counts: dict[str, tuple[int, int]], corpus: Path) -> None:
    """Gold indices must point at sentences the aligned pair has (0-based)."""
    for key, path in files.items():
        if key not in counts:
            continue
        for number, link in _read_links(path):
            for name, indices, n in zip(("English", "Korean"), link, counts[key], strict=True):
                beyond = [i for i in indices if i >= n]
                if beyond:
                    raise InputError(
                        f"{name} sentence {beyond[0]} is out of range: pair {key!r} has {n} "
                        f"{name} sentences in {corpus}",
                        path=path,
                        line=number,
                        fix="check that the gold file belongs to this pair and that the "
                        "corpus was aligned from the same segmentation (indices are 0-based)",
                    )
