"""Pair English articles with their Korean originals, by explicit link or by content.

By link: an English article names its original through ``original_url`` (matched against
a Korean article's ``url``, both as :func:`url_key`), a Korean article names its English
version through ``translation_url`` (matched against the English ``url``), or the two
share a ``doc_id`` (``story.en.txt`` with ``story.ko.txt``, or the same ``id`` in two
collections). An explicit link wins over a shared id.

By content: articles left over are compared through one vector per article (the mean of
its lead sentences' embeddings). A pair is accepted only when each article is the other's
best match by margin (cosine less the mean of both articles' ``knn`` best cosines, as in
margin-based bitext mining), and both the cosine and the margin clear a floor, so an
article whose original is missing is reported rather than matched to the nearest
stranger. Articles with no original are returned with the reason, never dropped.

With ``max_days``, content pairing compares only articles whose dates (ISO 8601, the
``date`` field) are at most that many days apart: a translation appears within days of
its original, so in a collection spanning years this keeps a story from being paired
with last year's article on the same topic. Articles without a date are compared with
every article.
"""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote_to_bytes

import numpy as np

from aligner.errors import InputError
from aligner.types import Document, Pairing, Sentence
from aligner.vectors import unit_sum

log = logging.getLogger(__name__)


def _pair_id(en: Document, ko: Document) -> str:
    return en.doc_id if en.doc_id == ko.doc_id else f"{en.doc_id}__{ko.doc_id}"


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_DEFAULT_PORTS = (":80", ":443")


def _unescape(part: str, *, plus: bool = False, keep: str = "") -> str:
    """Percent-escapes decoded when they spell UTF-8 (raw Hangul and ``%EC%..`` in upper
    or lower case then compare equal); otherwise the escapes kept, their hex in upper
    case (a legacy EUC-KR link still equals itself). ``%`` and the characters of ``keep``
    are escaped again after decoding, so an escaped delimiter stays one."""
    if plus:
        part = part.replace("+", " ")
    raw = unquote_to_bytes(part)
    try:
        text = unicodedata.normalize("NFC", raw.decode("utf-8"))
    except UnicodeDecodeError:
        return re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), part)
    for ch in "%" + keep:
        text = text.replace(ch, f"%{ord(ch):02X}")
    return text


def _host(host: str) -> str:
    """Lower case, without user, default port or ``www.``; IDN labels in Unicode, so
    ``xn--3e0b707e.kr`` equals ``한국.kr``."""
    host = host.rpartition("@")[2].lower()
    for port in _DEFAULT_PORTS:
        host = host.removesuffix(port)
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError, ValueError):
                label = label[4:].encode("ascii").decode("punycode")
        labels.append(unicodedata.normalize("NFC", label))
    return ".".join(labels).removeprefix("www.")


def url_key(url: str) -> str:
    """A URL as link pairing compares it: without scheme, ``www.``, fragment or trailing
    slash, host in lower case and in Unicode (IDN), percent-escapes decoded (whatever
    their hex case, so they equal raw Hangul), and query parameters sorted (board-style
    ``read.php?cataId=nk01500&num=14676`` equals ``read.php?num=14676&cataId=nk01500``).
    A link written ``http://www.example.com/a/`` on the English page finds the Korean
    article stored as ``https://example.com/a``."""
    rest = _SCHEME.sub("", url.strip()).split("#", 1)[0]
    rest, _, query = rest.partition("?")
    host, _, path = rest.partition("/")
    path = "/".join(_unescape(seg, keep="/?#") for seg in path.split("/")).rstrip("/")
    key = f"{_host(host)}/{path}" if path else _host(host)
    params = []
    for item in re.split(r"[&;]", query):
        if item:
            name, eq, value = item.partition("=")
            params.append(f"{_unescape(name, plus=True, keep='&=;')}{eq}"
                          f"{_unescape(value, plus=True, keep='&=;')}")  # fmt: skip
    return f"{key}?{'&'.join(sorted(params))}" if params else key


def pair_by_link(en_docs: Sequence[Document], ko_docs: Sequence[Document]) -> Pairing:
    by_url = {url_key(d.url): d for d in ko_docs if d.url}
    by_translation = {url_key(d.translation_url): d for d in ko_docs if d.translation_url}
    by_id = {d.doc_id: d for d in ko_docs}
    pairs: list[tuple[str, Document, Document]] = []
    unpaired_en: list[tuple[Document, str]] = []
    used: set[str] = set()
    for en in en_docs:
        ko = by_url.get(url_key(en.original_url)) if en.original_url else None
        if ko is None and en.url:
            ko = by_translation.get(url_key(en.url))
        if ko is None:
            ko = by_id.get(en.doc_id)
        if ko is None:
            wanted = f"id {en.doc_id!r}"
            if en.original_url:
                wanted = f"url {en.original_url!r} or " + wanted
            unpaired_en.append((en, f"no Korean article with {wanted}"))
            continue
        if ko.doc_id in used:
            log.info(
                "%s: Korean article %s is the original of several English ones",
                en.doc_id,
                ko.doc_id,
            )
        used.add(ko.doc_id)
        pairs.append((_pair_id(en, ko), en, ko))
    unpaired_ko = tuple(
        (d, "no English article links to it") for d in ko_docs if d.doc_id not in used
    )
    return Pairing(tuple(pairs), tuple(unpaired_en), unpaired_ko)


@dataclass(frozen=True, slots=True)
class ContentParams:
    """Thresholds of :func:`pair_by_content` (recorded in the corpus metadata)."""

    min_cosine: float = 0.6
    min_margin: float = 0.05
    knn: int = 4
    lead: int = 10
    max_days: int | None = None  # None: compare articles whatever their dates

    def __post_init__(self) -> None:
        if self.max_days is not None and self.max_days < 0:
            raise InputError(
                f"max_days must not be negative (got {self.max_days})",
                fix="give a number of days, 0 for the same day",
            )


_BLOCK = 2048
_NO_DATE = np.iinfo(np.int64).min
_OUTSIDE = -2.0  # below any cosine: a candidate outside the date window


def day_numbers(docs: Sequence[Document]) -> np.ndarray:
    """Each article's date as a day number (``_NO_DATE`` when it has none).

    Dates are ISO 8601: a date (``2021-05-14``) or a date and time, whose date part is
    used. Anything else is an InputError naming the article.
    """
    out = np.full(len(docs), _NO_DATE, dtype=np.int64)
    for k, doc in enumerate(docs):
        text = doc.date.strip()
        if not text:
            continue
        try:
            out[k] = date.fromisoformat(text[:10]).toordinal()
        except ValueError:
            raise InputError(
                f"date {doc.date!r} of article {doc.doc_id!r} is not an ISO 8601 date",
                path=doc.source or None,
                fix="write dates as YYYY-MM-DD, or pair without a date window",
            ) from None
    return out


def _window_mask(en_days: np.ndarray, ko_days: np.ndarray, max_days: int) -> np.ndarray:
    """True where an English-Korean pair of articles may not be compared (comparisons
    only, so that a block needs boolean arrays and no matrix of day differences)."""
    en, ko = en_days[:, None], ko_days[None, :]
    far = (en > ko + max_days) | (ko > en + max_days)
    far &= en != _NO_DATE
    far &= ko != _NO_DATE
    return far


def _blocks(n: int) -> range:
    return range(0, n, _BLOCK)


def _margin_matches(
    en_vecs: np.ndarray,
    ko_vecs: np.ndarray,
    knn: int,
    days: tuple[np.ndarray, np.ndarray, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each side's best match by margin, with its cosine and margin, for the English side.

    Rows are processed in blocks, so memory stays at ``block x m`` whatever the
    collection size. With ``days`` (English day numbers, Korean day numbers, window),
    pairs of articles further apart are not candidates; the neighbourhoods that margins
    are measured against stay those of the whole collection, as how much an article
    resembles everything is a property of the article, not of the window.
    Returns (best Korean per English, cosine, margin, best English per Korean).
    """
    n, m = len(en_vecs), len(ko_vecs)
    k_en, k_ko = min(knn, m), min(knn, n)
    row_hood = np.zeros(n, dtype=np.float32)
    col_top = np.full((k_ko, m), -np.inf, dtype=np.float32)
    for a in _blocks(n):
        sims = en_vecs[a : a + _BLOCK] @ ko_vecs.T
        row_hood[a : a + _BLOCK] = -np.partition(-sims, k_en - 1, axis=1)[:, :k_en].mean(axis=1)
        both = np.concatenate([col_top, sims], axis=0)
        col_top = -np.partition(-both, k_ko - 1, axis=0)[:k_ko]
    col_hood = col_top.mean(axis=0)
    best_ko = np.zeros(n, dtype=np.int64)
    best_cos = np.zeros(n, dtype=np.float32)
    best_margin = np.zeros(n, dtype=np.float32)
    col_best = np.full(m, -np.inf, dtype=np.float32)
    best_en = np.zeros(m, dtype=np.int64)
    for a in _blocks(n):
        sims = en_vecs[a : a + _BLOCK] @ ko_vecs.T
        if days is not None:
            sims[_window_mask(days[0][a : a + _BLOCK], days[1], days[2])] = _OUTSIDE
        margin = sims - 0.5 * (row_hood[a : a + _BLOCK, None] + col_hood[None, :])
        rows = np.arange(len(sims))
        best_ko[a : a + _BLOCK] = j = margin.argmax(axis=1)
        best_cos[a : a + _BLOCK] = sims[rows, j]
        best_margin[a : a + _BLOCK] = margin[rows, j]
        i = margin.argmax(axis=0)
        top = margin[i, np.arange(m)]
        better = top > col_best
        col_best[better] = top[better]
        best_en[better] = i[better] + a
    return best_ko, best_cos, best_margin, best_en


def pair_by_content(
    en_docs: Sequence[Document],
    ko_docs: Sequence[Document],
    en_vecs: np.ndarray,
    ko_vecs: np.ndarray,
    params: ContentParams | None = None,
) -> Pairing:
    """Pair articles whose vectors are each other's best match by margin.

    ``en_vecs``/``ko_vecs`` hold one L2-normalised vector per article, in order. Every
    article ends up in exactly one pair or in the unpaired lists, with the best candidate
    and its scores in the reason.
    """
    params = params or ContentParams()
    n, m = len(en_docs), len(ko_docs)
    if n == 0 or m == 0:
        return Pairing(
            (),
            tuple((d, "no Korean article to compare with") for d in en_docs),
            tuple((d, "no English article to compare with") for d in ko_docs),
        )
    en_vecs = np.asarray(en_vecs, dtype=np.float32)
    ko_vecs = np.asarray(ko_vecs, dtype=np.float32)
    if en_vecs.shape[0] != n or ko_vecs.shape[0] != m:
        raise ValueError("one vector per article is needed on each side")
    days = None
    if params.max_days is not None:
        days = (day_numbers(en_docs), day_numbers(ko_docs), params.max_days)
    best_ko, best_cos, best_margin, best_en = _margin_matches(en_vecs, ko_vecs, params.knn, days)
    pairs: list[tuple[str, Document, Document]] = []
    unpaired_en: list[tuple[Document, str]] = []
    taken: set[int] = set()
    for i, en in enumerate(en_docs):
        j = int(best_ko[i])
        cos, gap = float(best_cos[i]), float(best_margin[i])
        best = f"best match {ko_docs[j].doc_id!r}: cosine {cos:.3f}, margin {gap:.3f}"
        if cos <= _OUTSIDE + 0.5:
            why = f"no Korean article within {params.max_days} days"
        elif int(best_en[j]) != i:
            why = f"{best}, which matches {en_docs[int(best_en[j])].doc_id!r} better"
        elif cos < params.min_cosine:
            why = f"{best}, below the cosine floor {params.min_cosine}"
        elif min(n, m) > 1 and gap < params.min_margin:
            why = f"{best}, below the margin floor {params.min_margin}"
        else:
            taken.add(j)
            ko = ko_docs[j]
            pairs.append((_pair_id(en, ko), en, ko))
            log.debug("%s paired with %s by content (%s)", en.doc_id, ko.doc_id, best)
            continue
        unpaired_en.append((en, f"no original found by content ({why})"))
    unpaired_ko = tuple(
        (d, "no English article matches its content")
        for j, d in enumerate(ko_docs)
        if j not in taken
    )
    return Pairing(tuple(pairs), tuple(unpaired_en), unpaired_ko)


def merge_pairings(first: Pairing, second: Pairing) -> Pairing:
    """``first``'s pairs, then ``second``'s; unpaired articles as ``second`` leaves them."""
    return Pairing(first.pairs + second.pairs, second.unpaired_en, second.unpaired_ko)


PAIRING_MODES = ("auto", "link", "content")


def mean_vectors(
    groups: list[list[str]],
    store: dict[str, np.ndarray],
    encode: Callable[[list[str]], np.ndarray],
    dim: int,
) -> np.ndarray:
    """One unit vector per group of texts (the normalised sum of their vectors; zeros for
    an empty group), encoding only the texts not yet in ``store``, which keeps them."""
    fresh = [t for t in dict.fromkeys(t for group in groups for t in group) if t not in store]
    if fresh:
        store.update(zip(fresh, encode(fresh), strict=True))
    out = np.zeros((len(groups), dim), dtype=np.float32)
    for row, group in enumerate(groups):
        if group:
            out[row] = unit_sum(np.stack([store[t] for t in group]), dtype=np.float32)
    return out


def pair_documents(
    en_docs: Sequence[Document],
    ko_docs: Sequence[Document],
    *,
    mode: str,
    params: ContentParams,
    sentences: Callable[[Document], list[Sentence]],
    encode: Callable[[list[str]], np.ndarray],
    dim: int,
    presegmented_input: bool = False,
    linked: Pairing | None = None,
) -> Pairing:
    """Find each English article's Korean original.

    ``link`` pairs by ``original_url``/``url`` or a shared id only; ``content`` by
    article vectors only (:func:`pair_by_content`, with the thresholds in ``params``:
    each article is split by ``sentences`` and its first ``params.lead`` sentences
    encoded by ``encode``); ``auto`` by link first, then by content among the articles
    left over. The sentences and lead vectors of the articles paired by content travel
    in the returned :class:`Pairing` (keyed as its fields say, with
    ``presegmented_input``), for their alignment to reuse. ``linked`` is the pairing by
    link of these very articles when it was made already (reading two collections makes
    it to share recipes, :class:`aligner.documents.Inputs`), used rather than made again.
    """
    if mode not in PAIRING_MODES:
        raise InputError(
            f"unknown pairing mode {mode!r}", fix=f"use one of: {', '.join(PAIRING_MODES)}"
        )
    if mode == "link":
        return linked if linked is not None else pair_by_link(en_docs, ko_docs)
    if mode == "auto":
        linked = linked if linked is not None else pair_by_link(en_docs, ko_docs)
    else:
        linked = Pairing((), tuple((d, "") for d in en_docs), tuple((d, "") for d in ko_docs))
    rest = {"en": [d for d, _ in linked.unpaired_en], "ko": [d for d, _ in linked.unpaired_ko]}
    if not rest["en"] or not rest["ko"]:
        return linked
    split = {lang: [sentences(d) for d in docs] for lang, docs in rest.items()}
    lead = params.lead
    store: dict[str, np.ndarray] = {}
    vectors = {
        lang: mean_vectors([[s.text for s in sents[:lead]] for sents in groups], store, encode, dim)
        for lang, groups in split.items()
    }
    by_content = pair_by_content(rest["en"], rest["ko"], vectors["en"], vectors["ko"], params)
    paired = {id(d) for _, e, k in by_content.pairs for d in (e, k)}
    kept: dict[tuple[str, str, bool], tuple[Sentence, ...]] = {}
    lead_vectors: dict[str, np.ndarray] = {}
    for lang, docs in rest.items():
        for doc, sents in zip(docs, split[lang], strict=True):
            if id(doc) in paired:
                kept[(doc.lang, doc.text, presegmented_input)] = tuple(sents)
                lead_vectors.update((s.text, store[s.text]) for s in sents[:lead])
    log.info(
        "paired %d of %d leftover English articles by content",
        len(by_content.pairs),
        len(rest["en"]),
    )
    merged = merge_pairings(linked, by_content)
    return Pairing(merged.pairs, merged.unpaired_en, merged.unpaired_ko, kept, lead_vectors)
