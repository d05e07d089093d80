"""Split English and Korean text into ``Sentence``s with exact character offsets.

Every sentence satisfies ``text[s.start:s.end] == s.text``; its text is stripped of
surrounding whitespace and otherwise untouched (a line break that was read as a space
stays in the sentence text as it was).

Paragraphs are separated by one or more blank lines (lines holding only whitespace) and
are segmented one at a time, so no sentence crosses a paragraph boundary.

Single line breaks inside a paragraph (see ``docs/segmenters.md``):

* A line break is a sentence boundary, unless the text clearly runs on across it:
  the next line starts with a lowercase letter or with a mark that continues a sentence
  (``, ; : ) ] } %`` ...), or the line ends with one (``, ; : - – — ( [ { / &`` ...), or,
  in Korean, the line ends in a particle, a connective ending or an adnominal ending
  (``국경을``, ``봉쇄했고``, ``있는``; tagged by Kiwi). A run-on break reads as a space.
* A next line that starts with a list marker (``-``, ``•``, ``*``, ``1.`` ...) always
  starts a new sentence.
* A paragraph where at least half of the line breaks run on (and there are at least two)
  is taken as hard-wrapped text: all of its line breaks read as spaces and the sentence
  splitter alone decides.

So a headline, a caption, a byline or a credit line on its own line stays a sentence of
its own even with no final punctuation, and text wrapped at a fixed width is joined.

Other languages use the splitter ``aligner.languages`` names for them: sentencex with
their language code, or the Chinese and Japanese rules of ``aligner.cjk``.

Splitters (``aligner.splitters``): English uses sentencex, Korean uses kiwipiepy
(``Kiwi.split_into_sents``), both with small repairs on their cut points: quotation marks
are hidden from the splitter so that a quotation of several sentences is split, quote
marks stay with their sentence, ``…"라고 말했다`` stays together, no cut after a title such
as ``Ms.``. The measurements behind the choice are in ``docs/segmenters.md``.
:func:`segment_with` runs all of this with another splitter's cut points.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise

from aligner.cjk import cjk_starts
from aligner.errors import InputError
from aligner.languages import (
    DEFAULT_PAIR,
    check_script,
    dense_share,
    language,
    normalise_code,
)
from aligner.languages import LANGUAGES as _KNOWN
from aligner.splitters import (
    HANGUL,
    cuts_for,
    fix_cuts,
    fix_cuts_cjk,
    kiwi,
    language_repairs,
    split_at,
    strip_span,
)
from aligner.types import Sentence

logger = logging.getLogger(__name__)

__all__ = [
    "LANGUAGES",
    "check_language",
    "cut_off",
    "language_fields",
    "presegmented",
    "segment",
    "segment_with",
    "segmenter_signature",
]

#: Languages with known facts (name, scripts, splitter); any other well-formed code is
#: segmented with sentencex's generic rules.
LANGUAGES = tuple(_KNOWN)

#: The English sentence splitter ``segment`` uses (named in the signature).
EN_BACKEND = "sentencex"

# The characters ``str.splitlines`` breaks on; "\r\n" counts as one break.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BREAK_TO_SPACE = str.maketrans(dict.fromkeys("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))

# A line ending in one of these runs on into the next line.
_RUN_ON_END = frozenset(",;:-‐‑–—([{/&+=")
# A line starting with one of these continues the previous line.
_RUN_ON_START = frozenset(",;:.)]}%")
# A line starting with a list marker starts a new sentence.
_LIST_MARKER = re.compile(r"(?:[-–—•·▪▶►■□○●◆◇※*]|\(?\d{1,3}[.)]|\([a-z]\))\s")

# Kiwi tags of a line's last morpheme that mean the sentence goes on.
_KO_RUN_ON_TAGS = ("J", "EC", "ETM")


# --------------------------------------------------------------------------- public API


def segment(text: str, lang: str, doc_id: str = "") -> list[Sentence]:
    """Split ``text`` (in language ``lang``, e.g. "en", "ko", "de", "zh") into sentences
    with exact character spans."""
    lang = normalise_code(lang)
    return segment_with(text, lang, cuts_for(lang), doc_id)


def segment_with(
    text: str,
    lang: str,
    cuts: Callable[[str], list[int]],
    doc_id: str = "",
    repair: Callable[[str, list[int]], list[int]] | None = None,
) -> list[Sentence]:
    """:func:`segment` with another splitter, to compare splitters on equal terms.

    ``cuts`` gives the start offsets of the sentences of a chunk (a paragraph, or the
    part of it between two line breaks that are sentence boundaries, with its line breaks
    read as spaces); the paragraphs, the line-break rule, the repairs of ``lang`` and the
    length caps of :func:`segment` all apply. ``repair`` replaces the first repairs on the
    cut points (by default the CJK ones for the CJK rules, else the general ones)."""
    lang = normalise_code(lang)
    fix = repair or (fix_cuts_cjk if cuts is cjk_starts else fix_cuts)
    out: list[Sentence] = []
    long = 0
    for paragraph, lines in enumerate(_paragraphs(text)):
        for chunk_start, chunk_end in _split_long_chunks(text, _chunks(text, lines, lang)):
            chunk = text[chunk_start:chunk_end].translate(_BREAK_TO_SPACE)
            found = language_repairs(lang, chunk, fix(chunk, cuts(chunk)))
            for start, end in split_at(chunk, found):
                pieces = _capped(text, start + chunk_start, end + chunk_start)
                long += len(pieces) > 1
                for a, b in pieces:
                    out.append(Sentence(doc_id, len(out), text[a:b], a, b, paragraph))
    _warn_long(long, doc_id)
    return out


def presegmented(text: str, doc_id: str = "") -> list[Sentence]:
    """One sentence per non-blank line, stripped; blank lines start a new paragraph. A
    line longer than ``MAX_SENTENCE_CHARS`` is cut at whitespace, as :func:`segment` does."""
    out: list[Sentence] = []
    long = 0
    for paragraph, lines in enumerate(_paragraphs(text)):
        for start, end in lines:
            pieces = _capped(text, start, end)
            long += len(pieces) > 1
            for a, b in pieces:
                out.append(Sentence(doc_id, len(out), text[a:b], a, b, paragraph))
    _warn_long(long, doc_id)
    return out


def segmenter_signature(lang: str | None = None) -> str:
    """Names and versions of the splitters used, e.g. ``kiwi@0.24.1+sentencex@1.0.32``."""
    parts = {"en": f"{EN_BACKEND}@{_version(EN_BACKEND)}", "ko": f"kiwi@{_version('kiwipiepy')}"}
    if lang is None:
        return "+".join(sorted(parts.values()))
    lang = normalise_code(lang)
    return parts.get(lang) or _splitter_signature(lang)


# English and Korean keep their own checks (their messages name the other script found);
# other languages go through aligner.languages.check_script.
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_MIN_LETTERS = 20
_MIN_HANGUL_SHARE = 0.3


def check_language(
    text: str, lang: str, path: str | None = None, pair: tuple[str, str] | None = None
) -> None:
    """Raise ``InputError`` when ``text`` is clearly not in ``lang``.

    Judged on letters only, and only when there are at least 20 of them: Korean text
    needs at least 30% Hangul among its letters, a Hangul syllable counting three
    (:func:`aligner.languages.dense_share`); English text must not be mostly Hangul.
    Other languages follow the same two rules by their scripts (see
    ``aligner.languages``); a language without a known script is not checked.
    ``pair`` (source, target) only shapes the fix the message suggests.
    """
    code = normalise_code(lang)
    if code not in ("en", "ko"):
        check_script(text, code, path, pair)
        return
    lang = code
    letters = len(_LETTER.findall(text))
    if letters < _MIN_LETTERS:
        return
    hangul = len(HANGUL.findall(text))
    share = hangul / letters
    other = _other_script(text, letters)
    if lang == "ko" and dense_share(hangul, letters) < _MIN_HANGUL_SHARE:
        if other:
            raise InputError(
                f"expected Korean text but found {other}; {share:.0%} of letters are Hangul",
                path=path,
                fix="aligner aligns English with Korean originals: give the Korean text",
            )
        latin = len(_LATIN.findall(text))
        found = "mostly Latin letters" if latin > letters / 2 else "little Hangul"
        raise InputError(
            f"expected Korean text but found {found} ({share:.0%} of letters are Hangul)",
            path=path,
            fix="check the argument order: English first, then Korean",
        )
    if lang == "en" and share > 0.5:
        raise InputError(
            f"expected English text but found mostly Hangul ({share:.0%} of letters)",
            path=path,
            fix="check the argument order: English first, then Korean",
        )
    if lang == "en" and other:
        raise InputError(
            f"expected English text but found {other}",
            path=path,
            fix="aligner aligns English translations with Korean originals",
        )


_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _other_script(text: str, letters: int) -> str:
    """``"Japanese (...)"`` or ``"Chinese (...)"`` when Kana or Han characters make up
    much of the letters (Korean news has some Han, never this much), else ``""``."""
    kana, han = len(_KANA.findall(text)), len(_HAN.findall(text))
    if kana >= 0.1 * letters:
        return f"Japanese ({kana / letters:.0%} of letters are Kana, {han / letters:.0%} Han)"
    if han >= 0.5 * letters:
        return f"Chinese ({han / letters:.0%} of letters are Han characters)"
    return ""


# --------------------------------------------------------------------------- internals


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - installed with the package
        return "unknown"


# The longest sentence sent to the encoder, in characters. A news sentence is rarely
# above 500; a longer "sentence" is a table, a list or text that lost its punctuation,
# and encoders spend memory on it that grows with its length (a 1 MB line without a full
# stop took 4 GB). Such a sentence is cut at whitespace into pieces of at most this size.
MAX_SENTENCE_CHARS = 2000


def _capped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` as one span, or, when it is longer than
    ``MAX_SENTENCE_CHARS``, as pieces cut at the last whitespace before the cap (at the
    cap itself when there is none), each stripped."""
    out: list[tuple[int, int]] = []
    cap = MAX_SENTENCE_CHARS
    while end - start > cap:
        window = text[start + cap // 2 : start + cap + 1]
        space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        cut = start + cap // 2 + space if space >= 0 else start + cap
        piece = strip_span(text, start, cut)
        if piece is not None:
            out.append(piece)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    piece = strip_span(text, start, end)
    if piece is not None:
        out.append(piece)
    return out


# The splitters (Kiwi above all) slow down on very long paragraphs: a paragraph longer
# than this is split on its own in pieces, cut after the last full stop (or whitespace)
# before the limit.
MAX_CHUNK_CHARS = 20_000
_SENTENCE_END = re.compile(r"[.!?。？！][\"'”’)\]]*\s")


def _split_long_chunks(text: str, chunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in chunks:
        while end - start > MAX_CHUNK_CHARS:
            window = text[start + MAX_CHUNK_CHARS // 2 : start + MAX_CHUNK_CHARS]
            ends = [m.end() for m in _SENTENCE_END.finditer(window)]
            if ends:
                cut = start + MAX_CHUNK_CHARS // 2 + ends[-1]
            else:
                space = window.rfind(" ")
                cut = (
                    start + MAX_CHUNK_CHARS // 2 + space if space >= 0 else start + MAX_CHUNK_CHARS
                )
            piece = strip_span(text, start, cut)
            if piece is not None:
                out.append(piece)
            start = cut
        piece = strip_span(text, start, end)
        if piece is not None:
            out.append(piece)
    return out


def _warn_long(count: int, doc_id: str) -> None:
    if count:
        logger.warning(
            "%s: %d sentence(s) longer than %d characters cut at whitespace (text without "
            "sentence punctuation?)",
            doc_id or "text",
            count,
            MAX_SENTENCE_CHARS,
        )


def _paragraphs(text: str) -> Iterator[list[tuple[int, int]]]:
    """Yield each paragraph as the stripped spans ``(start, end)`` of its lines."""
    lines: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos <= n:
        m = _LINE_BREAK.search(text, pos)
        line_end = m.start() if m else n
        span = strip_span(text, pos, line_end)
        if span is None:
            if lines:
                yield lines
                lines = []
        else:
            lines.append(span)
        if m is None:
            break
        pos = m.end()
    if lines:
        yield lines


def _chunks(text: str, lines: list[tuple[int, int]], lang: str) -> list[tuple[int, int]]:
    """Join a paragraph's lines across run-on breaks; each chunk is split on its own."""
    if len(lines) == 1:
        return lines
    kinds = [_break_kind(text, a, b, lang) for a, b in pairwise(lines)]
    run_on = sum(k == "run-on" for k in kinds)
    if len(kinds) >= 2 and 2 * run_on >= len(kinds):
        # hard-wrapped paragraph: the splitter decides everything
        return [(lines[0][0], lines[-1][1])]
    chunks = [lines[0]]
    for kind, line in zip(kinds, lines[1:], strict=True):
        if kind == "run-on":
            chunks[-1] = (chunks[-1][0], line[1])
        else:
            chunks.append(line)
    return chunks


def _break_kind(text: str, prev: tuple[int, int], nxt: tuple[int, int], lang: str) -> str:
    """ "boundary", "list" (the next line is a list item) or "run-on"."""
    first = text[nxt[0]]
    last = text[prev[1] - 1]
    if _LIST_MARKER.match(text, nxt[0], nxt[1]):
        return "list"
    if first.islower() or first in _RUN_ON_START or last in _RUN_ON_END:
        return "run-on"
    if lang == "ko" and HANGUL.match(last) and _ko_runs_on(text[prev[0] : prev[1]]):
        return "run-on"
    return "boundary"


def _ko_runs_on(line: str) -> bool:
    word = line.rsplit(None, 1)[-1]
    tokens = kiwi().tokenize(word)
    return bool(tokens) and tokens[-1].tag.startswith(_KO_RUN_ON_TAGS)


def _splitter_signature(lang: str) -> str:
    kind = language(lang).segmenter
    if kind == "kiwi":
        return f"kiwi@{_version('kiwipiepy')}"
    if kind == "cjk":
        return f"cjk-rules@{_version('aligner')}"
    return f"sentencex@{_version('sentencex')}"


def language_fields(src: str, tgt: str) -> dict[str, str]:
    """Signature fields for a language pair: none for English-Korean (so signatures of
    the default pair never change), else the splitters used and ``langs:src-tgt``."""
    src, tgt = normalise_code(src), normalise_code(tgt)
    if (src, tgt) == DEFAULT_PAIR:
        return {}
    seg = "+".join(sorted({segmenter_signature(src), segmenter_signature(tgt)}))
    return {"seg": seg, "langs": f"{src}-{tgt}"}


# What a finished sentence ends with, or a headline quoted whole, or a line closed by a
# bracket (a copyright line "<저작권자 ...>", a title in 《》).
_TERMINAL = frozenset(".?!。？！…\"”’'»」』)]>》〉】")


def cut_off(texts: Sequence[str]) -> bool:
    """Does the document stop in the middle of a sentence?

    A page excerpt cut after so many bytes (a search tool's stored page, a paste that
    stopped short) ends in the middle of a word or clause: ``"…지난 1일보다 80원,"``,
    ``"Brokers are be"``. The Korean side of such a pair covers less than the English
    one (a Hangul syllable takes three bytes), so the English runs on past the cut.
    :class:`aligner.problem.Problem` then leaves what follows the cut out for free, and
    the align summary names the pair (:func:`aligner.quality.cut_sides`).
    """
    if not texts:
        return False
    last = texts[-1].rstrip()
    return bool(last) and last[-1] not in _TERMINAL
