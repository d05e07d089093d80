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

Backends: English uses sentencex, Korean uses kiwipiepy (``Kiwi.split_into_sents``),
both with small repairs on their cut points (``_fix_cuts``, ``_fix_cuts_en``): quotation
marks are hidden from the splitter so that a quotation of several sentences is split,
quote marks stay with their sentence, ``…"라고 말했다`` stays together, no cut after a
title such as ``Ms.``. The measurements behind the choice are in ``docs/segmenters.md``.
The Kiwi object takes seconds and about 0.5 GB to build; it is built once per process,
on first use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from functools import cache, partial
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise
from typing import TYPE_CHECKING

from aligner.cjk import cjk_starts
from aligner.errors import InputError
from aligner.languages import DEFAULT_PAIR, check_script, language, normalise_code
from aligner.languages import LANGUAGES as _KNOWN
from aligner.types import Sentence

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

__all__ = [
    "LANGUAGES",
    "check_language",
    "language_fields",
    "presegmented",
    "segment",
    "segmenter_signature",
]

#: Languages with known facts (name, scripts, splitter); any other well-formed code is
#: segmented with sentencex's generic rules.
LANGUAGES = tuple(_KNOWN)

#: The English sentence splitter ``segment`` uses; "pysbd" is kept for comparison.
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

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]")

# Kiwi tags of a line's last morpheme that mean the sentence goes on.
_KO_RUN_ON_TAGS = ("J", "EC", "ETM")


# --------------------------------------------------------------------------- public API


def segment(text: str, lang: str, doc_id: str = "") -> list[Sentence]:
    """Split ``text`` (in language ``lang``, e.g. "en", "ko", "de", "zh") into sentences
    with exact character spans."""
    return _segment(text, lang, doc_id, EN_BACKEND)


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
    needs at least 30% Hangul among its letters; English text must not be mostly Hangul.
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
    hangul = len(_HANGUL.findall(text))
    share = hangul / letters
    other = _other_script(text, letters)
    if lang == "ko" and share < _MIN_HANGUL_SHARE:
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


def _segment(text: str, lang: str, doc_id: str, en_backend: str) -> list[Sentence]:
    lang = normalise_code(lang)
    cuts = _cuts_for(lang, en_backend)
    fix = _fix_cuts_cjk if cuts is cjk_starts else _fix_cuts
    out: list[Sentence] = []
    long = 0
    for paragraph, lines in enumerate(_paragraphs(text)):
        for chunk_start, chunk_end in _split_long_chunks(text, _chunks(text, lines, lang)):
            chunk = text[chunk_start:chunk_end].translate(_BREAK_TO_SPACE)
            found = fix(chunk, cuts(chunk))
            if lang == "en":
                found = _fix_cuts_en(chunk, found)
            elif lang == "ko":
                found = _fix_cuts_ko(chunk, found)
            else:
                found = _fix_cuts_other(lang, chunk, found)
            for start, end in _split_at(chunk, found):
                pieces = _capped(text, start + chunk_start, end + chunk_start)
                long += len(pieces) > 1
                for a, b in pieces:
                    out.append(Sentence(doc_id, len(out), text[a:b], a, b, paragraph))
    _warn_long(long, doc_id)
    return out


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
        piece = _strip_span(text, start, cut)
        if piece is not None:
            out.append(piece)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    piece = _strip_span(text, start, end)
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
            piece = _strip_span(text, start, cut)
            if piece is not None:
                out.append(piece)
            start = cut
        piece = _strip_span(text, start, end)
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
        span = _strip_span(text, pos, line_end)
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


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


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
    if lang == "ko" and _HANGUL.match(last) and _ko_runs_on(text[prev[0] : prev[1]]):
        return "run-on"
    return "boundary"


def _ko_runs_on(line: str) -> bool:
    word = line.rsplit(None, 1)[-1]
    tokens = _kiwi().tokenize(word)
    return bool(tokens) and tokens[-1].tag.startswith(_KO_RUN_ON_TAGS)


# Words after which an English sentence never ends: titles that come before a name.
_TITLES = frozenset(
    {
        *("mr", "mrs", "ms", "mx", "messrs", "mmes", "dr", "prof", "rev", "fr", "hon"),
        *("sen", "rep", "gov", "pres", "amb", "atty", "supt", "insp", "det"),
        *("gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "cpl", "pvt", "mt"),
    }
)
_AFTER_TIME = frozenset(
    {
        *("et", "est", "edt", "ct", "cst", "cdt", "mt", "mst", "mdt", "pt", "pst", "pdt"),
        *("gmt", "bst", "cet", "cest", "utc", "kst", "jst"),
        *("eastern", "central", "mountain", "pacific", "local", "today", "tomorrow"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct"),
        *("nov", "dec", "january", "february", "march", "april", "june", "july"),
        *("august", "september", "october", "november", "december"),
    }
)
_EN_WORD_BEFORE = re.compile(r"(?<![\w.])(\w+(?:\.\w+)*)\.\W*$")
_EN_WORD_AFTER = re.compile(r"\W*(\w+)")


def _fix_cuts_en(chunk: str, cuts: list[int]) -> list[int]:
    """English repairs: no cut before a lowercase letter, after a title (``Ms.``), or
    between ``a.m.``/``p.m.`` and a time zone, a day or a month (``5 p.m. ET Sunday``)."""
    keep = []
    for cut in cuts:
        if chunk[cut].islower():
            continue
        before = _EN_WORD_BEFORE.search(chunk, max(0, cut - 24), cut)
        if before:
            word = before.group(1).lower()
            if word in _TITLES:
                continue
            if word in ("a.m", "p.m"):
                after = _EN_WORD_AFTER.match(chunk, cut)
                if after and after.group(1).lower() in _AFTER_TIME:
                    continue
        keep.append(cut)
    return keep


_TRAILING_OFF = re.compile(r"(?:…|\.\.\.)([”’\"']?)\s*$")
_BRACKET_SPAN = 200  # a bracket closing further than this is taken for a stray one


def _in_brackets(chunk: str, cut: int) -> bool:
    """True when ``cut`` falls inside round or square brackets that close in the chunk
    (``(▶관련기사 보기: 北 무산광산 가동 중단. 전기 공급 끊겨)``)."""
    depth = 0
    for ch in reversed(chunk[max(0, cut - _BRACKET_SPAN) : cut]):
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                return any(c in ")]" for c in chunk[cut : cut + _BRACKET_SPAN])
            depth -= 1
    return False


def _fix_cuts_ko(chunk: str, cuts: list[int]) -> list[int]:
    """Korean repairs: no cut inside a word (Kiwi reads the ``마`` of ``묻지마식`` as an
    imperative ending and cuts before ``식``), after an ellipsis that trails off inside
    a quoted headline (``“무역 재개됐다…주민들 환영”``, ``“무역 재개됐다…” 기사에서``),
    or inside brackets."""
    keep = []
    for cut in cuts:
        prev = chunk[cut - 1]
        if _HANGUL.match(prev) and _HANGUL.match(chunk[cut]):
            continue
        off = _TRAILING_OFF.search(chunk, 0, cut)
        if off and (not prev.isspace() or (off.group(1) and _HANGUL.match(chunk[cut]))):
            continue
        if _in_brackets(chunk, cut):
            continue
        keep.append(cut)
    return keep


def _fix_cuts(chunk: str, cuts: list[int]) -> list[int]:
    """Small repairs on a splitter's cut points; each one is a start offset in ``chunk``.

    * A closing quote or bracket right after a cut goes with the sentence before it
      (``sold." Experts`` is cut before ``Experts``, not before the quote).
    * An opening quote or bracket right before a cut goes with the sentence after it
      (``said. "They`` is cut before the quote), and so does a lone mark such as the
      slash in ``2021. / Daily NK``.
    * No cut right after a closing quote that has no space after it: what follows the
      quote belongs to the same sentence (``습니다.”라고 말했다``).
    * A piece with no letter or digit (a lone quote mark, an ellipsis) joins the
      sentence before it, or the one after it when it comes first; a list number alone
      (``1.``, ``(a)``) joins the sentence after it.
    """
    n = len(chunk)
    fixed: list[int] = []
    for cut in sorted(set(cuts)):
        if not 0 < cut < n:
            continue
        while cut < n and _is_closing(chunk, cut):
            cut += 1
        back = cut
        while back > 0 and chunk[back - 1].isspace():
            back -= 1
        if back > 0 and _is_opening(chunk, back - 1):
            while back > 0 and _is_opening(chunk, back - 1):
                back -= 1
            cut = back
        else:
            # a lone mark before the cut (" / Daily NK") opens the next sentence
            token = back
            while token > 0 and not chunk[token - 1].isspace():
                token -= 1
            if token < back and all(c in _LEAD_MARKS for c in chunk[token:back]):
                cut = token
        while cut < n and chunk[cut].isspace():
            cut += 1
        if not 0 < cut < n or (fixed and cut <= fixed[-1]) or _glued_to_quote(chunk, cut):
            continue
        fixed.append(cut)
    # drop the cuts that would leave a piece without a letter or digit
    bounds = [*fixed, n]
    keep: list[int] = []
    for i, cut in enumerate(fixed):
        before = chunk[keep[-1] if keep else 0 : cut]
        if not _has_word(before) or _MARKER_ONLY.fullmatch(before):
            continue  # a piece with no word, or a list number alone, joins the next one
        if not _has_word(chunk[cut : bounds[i + 1]]):
            continue  # a piece with no word joins the one before it
        keep.append(cut)
    return keep


_OPENING = frozenset("“‘«「『〈《([{")
_LEAD_MARKS = frozenset("/|-–—•·▪▶►■□○●◆◇※*#")
_MARKER_ONLY = re.compile(r"\s*(?:\(?\d{1,3}[.)]|\([a-zA-Z]\))\s*")
_CLOSING = frozenset("”’»」』〉》)]}")
_STRAIGHT = frozenset("\"'")
_QUOTES = frozenset("\"'“”‘’«»„")
_WORD = re.compile(r"[^\W_]")


def _is_opening(text: str, i: int) -> bool:
    c = text[i]
    if c in _OPENING:
        return True
    # a straight quote after a space (or at the start) and before a non-space opens
    return (
        c in _STRAIGHT
        and (i == 0 or text[i - 1].isspace())
        and i + 1 < len(text)
        and not text[i + 1].isspace()
    )


def _is_closing(text: str, i: int) -> bool:
    c = text[i]
    if c in _CLOSING:
        return True
    # a straight quote after a non-space and before a space (or at the end) closes
    return (
        c in _STRAIGHT
        and i > 0
        and not text[i - 1].isspace()
        and (i + 1 == len(text) or text[i + 1].isspace())
    )


def _glued_to_quote(text: str, cut: int) -> bool:
    """True when ``text[cut - 1]`` closes a quotation and ``text[cut]`` follows it with
    no space between."""
    return (
        cut >= 2
        and text[cut - 1] in _QUOTES
        and text[cut - 1] not in _OPENING
        and not text[cut - 2].isspace()
        and not text[cut].isspace()
    )


def _has_word(piece: str) -> bool:
    return _WORD.search(piece) is not None


def _split_at(chunk: str, cuts: Iterator[int] | list[int]) -> Iterator[tuple[int, int]]:
    """Cut ``chunk`` at the given offsets and yield the stripped, non-empty pieces.

    Only the cut points are taken from a splitter, so every character of the chunk lands
    in exactly one piece whatever the splitter does to its own copy of the text.
    """
    start = 0
    for cut in sorted(set(cuts)):
        if 0 < cut < len(chunk) and cut > start:
            span = _strip_span(chunk, start, cut)
            if span:
                yield span
            start = cut
    span = _strip_span(chunk, start, len(chunk))
    if span:
        yield span


# --------------------------------------------------------------------------- backends


@cache
def _kiwi() -> Kiwi:
    from kiwipiepy import Kiwi

    # The typo and multi-word dictionaries serve analysis, not sentence splitting, and
    # loading them triples start-up time (about 18 s against 6 s on 2 cores).
    return Kiwi(load_typo_dict=False, load_multi_dict=False)


def _kiwi_starts(chunk: str) -> list[int]:
    return [s.start for s in _kiwi().split_into_sents(chunk)]


def _cuts_ko(chunk: str) -> list[int]:
    return _kiwi_starts(_blank_quotes(chunk))


# Quotation marks are blanked in the copy a splitter sees (same length, so the offsets
# hold): sentencex never splits inside a quotation, Kiwi rarely does, and news quotes
# often run to several sentences. A single quote counts only when it is not an
# apostrophe inside a word. ``_fix_cuts`` then puts each quote mark back on the right
# side of a cut and keeps ``..."라고 말했다`` together.
_DOUBLE_QUOTES = str.maketrans(dict.fromkeys('"“”«»„', " "))
_SINGLE_QUOTE = re.compile(r"['‘’](?:(?![^\W_])|(?<=[\W_]['‘’])|(?<=^['‘’]))")


def _blank_quotes(chunk: str) -> str:
    return _SINGLE_QUOTE.sub(" ", chunk.translate(_DOUBLE_QUOTES))


def _sentencex_starts(chunk: str) -> list[int]:
    from sentencex import get_sentence_boundaries

    return [b["start_index"] for b in get_sentence_boundaries("en", chunk)]


# sentencex ends a sentence at "..." before a capital but not at "…"; one "." in its
# place (one character, so the offsets hold) makes the two agree.
_ELLIPSIS = str.maketrans({"…": "."})


def _en_view(chunk: str) -> str:
    return _blank_quotes(chunk).translate(_ELLIPSIS)


def _cuts_en_sentencex(chunk: str) -> list[int]:
    return _sentencex_starts(_en_view(chunk))


@cache
def _pysbd() -> Callable[[str], list[str]]:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False).segment


def _pysbd_starts(chunk: str) -> list[int]:
    return _locate(chunk, _pysbd()(chunk))


def _cuts_en_pysbd(chunk: str) -> list[int]:
    return _pysbd_starts(_en_view(chunk))


def _locate(chunk: str, pieces: list[str]) -> list[int]:
    """Start offsets in ``chunk`` of the consecutive ``pieces`` a splitter returned.

    Found by exact search from the previous end; when a piece does not match (the
    splitter changed its text), by counting its non-space characters instead.
    """
    starts: list[int] = []
    pos = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        found = chunk.find(piece, pos)
        if found >= 0 and not chunk[pos:found].strip():
            starts.append(found)
            pos = found + len(piece)
            continue
        while pos < len(chunk) and chunk[pos].isspace():
            pos += 1
        starts.append(pos)
        todo = sum(not c.isspace() for c in piece)
        while pos < len(chunk) and todo:
            todo -= not chunk[pos].isspace()
            pos += 1
    return starts


# English splitters by name; ``EN_BACKEND`` picks the one ``segment`` uses.
_EN_BACKENDS: dict[str, Callable[[str], list[int]]] = {
    "sentencex": _cuts_en_sentencex,
    "pysbd": _cuts_en_pysbd,
}


# --------------------------------------------------------------------------- other languages


def _cuts_for(lang: str, en_backend: str) -> Callable[[str], list[int]]:
    """The cut finder for ``lang``: Kiwi for Korean, the named English backend for
    English, the CJK rules for Chinese and Japanese, sentencex for the rest."""
    if lang == "en":
        return _EN_BACKENDS[en_backend]
    kind = language(lang).segmenter
    if kind == "kiwi":
        return _cuts_ko
    if kind == "cjk":
        return cjk_starts
    return partial(_cuts_sentencex, lang)


def _cuts_sentencex(lang: str, chunk: str) -> list[int]:
    """sentencex with ``lang``'s rules (its generic ones for codes it does not know), on
    the same view as English: quotation marks blanked, "…" read as a full stop."""
    from sentencex import get_sentence_boundaries

    return [b["start_index"] for b in get_sentence_boundaries(lang, _en_view(chunk))]


# Quote marks that close a quotation in German (``„Gut.“``) and Czech, and open one in
# English; before a space they close whatever the language.
_CLOSING_BEFORE_SPACE = frozenset("“‘")
# Words after which a French sentence does not end: titles before a name.
_TITLES_FR = frozenset({"m", "mm", "mme", "mmes", "mlle", "mlles", "mgr", "me", "dr", "pr"})


def _fix_cuts_other(lang: str, chunk: str, cuts: list[int]) -> list[int]:
    """Repairs for languages other than English: a cut before ``“`` or ``‘`` followed by a
    space moves past it (German ``„Gut.“ Und``), and in French no cut after a title
    (``M. Dupont``, ``Mme Curie`` is fine already)."""
    n = len(chunk)
    out: list[int] = []
    for cut in cuts:
        while (
            cut < n
            and chunk[cut] in _CLOSING_BEFORE_SPACE
            and (cut + 1 == n or chunk[cut + 1].isspace())
        ):
            cut += 1
            while cut < n and chunk[cut].isspace():
                cut += 1
        if lang.startswith("fr"):
            before = _EN_WORD_BEFORE.search(chunk, max(0, cut - 24), cut)
            if before and before.group(1).lower() in _TITLES_FR:
                continue
        if 0 < cut < n and (not out or cut > out[-1]):
            out.append(cut)
    return out


# Japanese quotatives glued to a closing quote: 「行こう！」と彼は言った.
_JA_QUOTATIVE = ("と", "って")


def _fix_cuts_cjk(chunk: str, cuts: list[int]) -> list[int]:
    """Repairs for the Chinese and Japanese rules, whose cuts already sit after the
    closing quotes: a piece with no letter or digit joins its neighbour, and a Japanese
    quotative (``」と``, ``」って``) stays with its quotation. Unlike Korean, a Chinese
    sentence may start right after a closing quote with no space (``“……呢？”那个人说``
    is two sentences in the MAC gold; keeping them together costs .09 F1 there)."""
    keep: list[int] = []
    for cut in cuts:
        prev = keep[-1] if keep else 0
        if chunk[cut - 1] in _CLOSING and chunk.startswith(_JA_QUOTATIVE, cut):
            continue
        if _has_word(chunk[prev:cut]) and _has_word(chunk[cut:]):
            keep.append(cut)
    return keep


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
