"""Bead quality scores and evaluation against gold alignments.

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

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from aligner.corpus import read_corpus, read_documents
from aligner.errors import AlignerError, InputError

__all__ = [
    "EvaluationError",
    "Link",
    "Scores",
    "bead_cosine",
    "evaluate",
    "evaluate_paths",
    "format_links",
    "links_from_corpus",
    "load_links",
    "read_gold",
]

Link = tuple[tuple[int, ...], tuple[int, ...]]


class EvaluationError(AlignerError, ValueError):
    """Gold and predicted alignments cannot be compared as given."""


# --------------------------------------------------------------------------- bead quality


def bead_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors; 0.0 when either is all zeros."""
    x = np.asarray(a, dtype=np.float64).ravel()
    y = np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"cannot compare vectors of sizes {x.size} and {y.size}")
    denom = float(np.linalg.norm(x) * np.linalg.norm(y))
    if denom == 0.0:
        return 0.0
    return float(np.dot(x, y) / denom)


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
    """Read a links file in vecalign's format."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such alignment file", path=p) from None
    except UnicodeDecodeError as err:
        raise InputError("alignment file is not UTF-8 text", path=p, fix=_GOLD_FORMAT) from err
    except OSError as err:
        raise InputError(f"cannot read alignment file: {err.strerror}", path=p) from err
    links: list[Link] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        link = _parse_link_line(line)
        if link is None:
            shown = line.strip()
            if len(shown) > 60:
                shown = shown[:57] + "..."
            raise InputError(f"cannot parse {shown!r}", path=p, line=number, fix=_GOLD_FORMAT)
        links.append(link)
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
    frame = (
        read_corpus(path)
        .select("pair_id", "bead", "en_idx", "ko_idx")
        .sort("pair_id", "bead", maintain_order=True)
        .collect()
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


def _load(path: str | os.PathLike[str]) -> tuple[dict[str, list[Link]], str]:
    """Links by key, and what ``path`` was: ``"file"``, ``"dir"`` or ``"corpus"``."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or directory", path=p)
    from aligner.table import is_table

    if is_table(p):  # a corpus folder
        return links_from_corpus(p), "corpus"
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
        return docs, "dir"
    if _is_parquet(p):
        return links_from_corpus(p), "corpus"
    return {p.stem: read_gold(p)}, "file"


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


def evaluate_paths(gold_path: str | os.PathLike[str], pred_path: str | os.PathLike[str]) -> Scores:
    """Evaluate predictions against gold, each given as a path ``load_links`` accepts.

    Documents are matched by key, and every key must be on both sides. Two single
    links files are compared with each other whatever their names.
    """
    gold, gold_kind = _load(gold_path)
    pred, pred_kind = _load(pred_path)
    if gold_kind == pred_kind == "file":
        return evaluate(list(gold.values()), list(pred.values()))
    missing = gold.keys() - pred.keys()
    if missing:
        raise InputError(
            f"no prediction for {len(missing)} gold document(s): {_show(missing)}",
            path=pred_path,
            fix="name prediction files or pair ids after the gold files",
        )
    extra = pred.keys() - gold.keys()
    if extra:
        raise InputError(
            f"no gold for {len(extra)} predicted document(s): {_show(extra)}",
            path=gold_path,
            fix="evaluate only documents that have gold alignments",
        )
    keys = sorted(gold)
    return evaluate([gold[k] for k in keys], [pred[k] for k in keys])
