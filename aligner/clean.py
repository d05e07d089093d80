"""Normalise article text and strip page furniture, recording every line removed.

What counts as furniture
------------------------
Cleaning removes whole lines only, and only lines that have no counterpart in the
other language. Every rule has a name, recorded with each line it removes
(:class:`~aligner.types.Removed`: the rule, the line and its span in the original text),
so nothing disappears silently; the corpus keeps them in its ``removed`` table.

Generic rules, for any site:

* ``translator_credit`` ("*Translated by S & J"), ``contact`` ("Please direct any
  comments ... to ...", a bare e-mail address), ``copyright``;
* ``language_link``: "Read in Korean" / "영문 기사 보기" (a URL on such a line becomes
  the article's ``original_url`` / ``translation_url``, see :func:`page_link`);
* ``byline``: "By Kim Ga Young", "홍길동 기자 abc@example.com";
* ``photo_credit``: a credit alone on its line ("/사진=데일리NK", "/ Image: Daily NK",
  "Image: Yonhap News", "(Daily NK)");
* ``related``: related-article lines ("(▶관련기사 보기: …)", "Related article: …");
* ``repost_header``, ``date``, ``view_count``: the header lines a re-posted article
  carries ("- 관리자", "- 2020-02-26 16:13:53", "- 조회수 : 514", "Views: 514");
* ``alt_text``: a short line without sentence punctuation right above a caption (an
  image's alt text or tags, "border, hyesan, water shortage,");
* ``bio`` (English): "<Name> is one of Daily NK's reporters ...", only in the trailing
  block, the run of blank, furniture and bio lines that ends the article.

Photo captions (" / Daily NK", "(Photo: ...)", "...사진=...") are removed only when the
rules say ``drop_captions``: a caption is real content that the other side may carry too
(the seed pair's does), but a site that illustrates its two editions with different
photos gets captions that match nothing. Site recipes (:mod:`aligner.recipes`) add their
own patterns and say whether captions go.

Normalisation removes zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, stray BOMs)
and soft hyphens, makes every line break ``\\n`` and every Unicode space a plain space,
NFC. :func:`clean_text` keeps the map from each character of the cleaned text back to
the original, so a span in the corpus (whose offsets point into the cleaned text) can be
found in the file the user gave.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from aligner.types import Removed

logger = logging.getLogger(__name__)

# Line breaks other than \n that str.splitlines() honours; all become \n.
_PARA_SEP = re.compile("\u2029")
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028]")
_ZERO_WIDTH = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n\t]")  # Unicode whitespace (NBSP, U+3000, ...) but \n and \t
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """NFC; every line break to ``\\n``; zero-width characters and soft hyphens removed;
    NBSP and other Unicode spaces to a plain space; trailing spaces stripped per line;
    runs of blank lines collapsed to one blank line; no leading or trailing blank lines.
    Idempotent."""
    text = _LINE_BREAKS.sub("\n", text.replace("\u2029", "\n\n"))
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING.sub("", text)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


# ------------------------------------------------------------ offset tracking


def _tsub(rx: re.Pattern[str], repl: str, text: str, off: list[int]) -> tuple[str, list[int]]:
    """``rx.sub(repl, text)`` with ``off`` (one original offset per character, plus the
    end) carried along; inserted characters map to the start of what they replace."""
    out: list[str] = []
    new: list[int] = []
    pos = 0
    for m in rx.finditer(text):
        out.append(text[pos : m.start()])
        new.extend(off[pos : m.start()])
        out.append(repl)
        new.extend([off[m.start()]] * len(repl))
        pos = m.end()
    out.append(text[pos:])
    new.extend(off[pos : len(text)])
    new.append(off[len(text)])
    return "".join(out), new


def _is_starter(ch: str) -> bool:
    # Hangul vowel and final jamo compose with what precedes them although their
    # combining class is 0.
    return unicodedata.combining(ch) == 0 and not ("\u1160" <= ch <= "\u11ff")


def _nfc_tracked(text: str, off: list[int]) -> tuple[str, list[int]]:
    if unicodedata.is_normalized("NFC", text):
        return text, off
    out: list[str] = []
    new: list[int] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or _is_starter(text[i]):
            piece = unicodedata.normalize("NFC", text[start:i])
            out.append(piece)
            new.extend([off[start]] * len(piece))
            start = i
    new.append(off[len(text)])
    return "".join(out), new


def _diff_offsets(raw: str, text: str) -> list[int]:
    """An offset map found by aligning the two strings (the fallback when the tracked
    steps do not give back :func:`normalise`'s text exactly)."""
    off = [0] * (len(text) + 1)
    matcher = difflib.SequenceMatcher(None, text, raw, autojunk=False)
    last = 0
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        for i in range(i1, i2):
            off[i] = j1 + (i - i1) if tag == "equal" else j1
        if i2 > i1:
            last = off[i2 - 1] + 1
    off[len(text)] = max(last, off[len(text) - 1] + 1 if text else 0)
    return off


def normalise_tracked(raw: str) -> tuple[str, list[int]]:
    """:func:`normalise` with the offset in ``raw`` of every character of its result
    (and of its end)."""
    off = list(range(len(raw) + 1))
    text, off = _tsub(_PARA_SEP, "\n\n", raw, off)
    text, off = _tsub(_LINE_BREAKS, "\n", text, off)
    text, off = _tsub(_ZERO_WIDTH, "", text, off)
    text, off = _tsub(_SPACES, " ", text, off)
    text, off = _nfc_tracked(text, off)
    text, off = _tsub(_TRAILING, "", text, off)
    text, off = _tsub(_BLANK_RUN, "\n\n", text, off)
    lead = len(text) - len(text.lstrip("\n"))
    text = text.strip("\n")
    off = [*off[lead : lead + len(text)], off[lead + len(text)]]
    if text != normalise(raw):  # a composition across starters: never seen, but be exact
        text = normalise(raw)
        off = _diff_offsets(raw, text)
    return text, off


# ------------------------------------------------------------ rules


Rule = tuple[str, re.Pattern[str]]


def _rx(name: str, *patterns: str) -> tuple[Rule, ...]:
    return tuple((name, re.compile(p, re.IGNORECASE)) for p in patterns)


@dataclass(frozen=True)
class CleanRules:
    """Patterns matched against whole lines (stripped, ``fullmatch``), each with the name
    recorded for the lines it removes (a bare pattern is named ``furniture``).

    ``anywhere``: removed wherever they occur. ``trailing``: removed only in the
    trailing furniture block. ``captions``: removed only when ``drop_captions`` (and
    used to find alt-text lines above a caption). ``links``: lines that carry the link
    to the other language's version, URL in group 1 (removed as ``language_link``).
    ``recipe``: the site recipe these rules come from, if any.
    """

    anywhere: tuple[Rule | re.Pattern[str], ...] = ()
    trailing: tuple[Rule | re.Pattern[str], ...] = ()
    captions: tuple[Rule | re.Pattern[str], ...] = ()
    drop_captions: bool = False
    links: tuple[Rule | re.Pattern[str], ...] = ()
    recipe: str = field(default="")


_EMAIL = r"[\w.+-]+(?:@|\s?\(at\)\s?)[\w-]+(?:\.[\w-]+)+\.?"
_URL = r"(https?://[^\s<>()\[\]\"']+)"
_NAME = r"(?-i:[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})"

# A "Read in Korean" line that carries its link (Markdown, plain or HTML, as scrapes
# keep it): the English article naming its original. Group 1 is the URL.
KOREAN_LINKS = _rx(
    "language_link",
    r"\[\s*(?:read|view)[^\]]{0,40}\bkorean\s*\]\(\s*" + _URL + r"\s*\)\.?",
    r"(?:read|view)(?:\s+(?:this|the))?(?:\s+(?:article|story))?\s+in\s+korean\s*[:\-–—]?\s*"
    r"[(<]?" + _URL + r"[)>]?\.?",
    r"(?:the\s+)?korean\s+(?:version|original)(?:\s+of\s+this\s+(?:article|story))?"
    r"\s*[:\-–—]\s*[(<]?" + _URL + r"[)>]?\.?",
    r"<a\s[^>]*?href\s*=\s*[\"']" + _URL + r"[\"'][^>]*>\s*(?:read|view)[^<]{0,40}\bkorean"
    r"\s*</a>\.?",
)

_ENGLISH_LABEL = (
    r"(?:(?:영문|영어)\s*(?:기사|버전|판)\s*(?:보기|읽기)?|read\s+(?:this\s+)?in\s+english)"
)
ENGLISH_LINKS = _rx(
    "language_link",
    r"\[\s*" + _ENGLISH_LABEL + r"\s*\]\(\s*" + _URL + r"\s*\)\.?",
    _ENGLISH_LABEL + r"\s*[:\-–—]?\s*[(<]?" + _URL + r"[)>]?\.?",
    r"<a\s[^>]*?href\s*=\s*[\"']" + _URL + r"[\"'][^>]*>\s*" + _ENGLISH_LABEL + r"\s*</a>\.?",
)

# Lines both languages share: re-post headers, dates, view counts, related articles.
_DATE = (
    r"(?:\d{4}\s*[-./년]\s*\d{1,2}\s*[-./월]\s*\d{1,2}\s*일?\.?"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{4})"
)
_TIME = (
    r"(?:\s*(?:오전|오후)?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:KST|UTC|GMT))?)?"
)
_DASH = r"(?:[-–—·•|]\s*)?"
_COMMON = (
    _rx(
        "date",
        _DASH
        + r"(?:(?:published|updated|posted|date|입력|수정|승인|게재|등록일?|작성일)\s*[:：]?\s*)?"
        + r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
        + _DATE
        + r"(?:\s*\((?:mon|tue|wed|thu|fri|sat|sun|[월화수목금토일])[a-z]*\))?"
        + _TIME,
    )
    + _rx(
        "view_count",
        _DASH + r"(?:조회수?|views?|hits?)\s*[:：]?\s*[\d,]+(?:\s*회)?",
        _DASH + r"[\d,]+\s*(?:views|hits|회\s*조회)",
    )
    + _rx(
        "repost_header",
        _DASH + r"(?:관리자|운영자|편집자|작성자\s*[:：]?\s*\S{1,20}|admin(?:istrator)?|webmaster)",
    )
    + _rx("image_file", r"[\w.%-]{1,120}\.(?:png|jpe?g|gif|webp|bmp)")
    + _rx(
        "related",
        r"[(\[<]?\s*[▶►▷☞>]*\s*(?:관련\s*기사|관련\s*뉴스|함께\s*보면\s*좋은\s*기사)"
        r"(?:\s*보기)?\s*[:：]?.{0,200}?[)\]>]?",
        r"[(\[<]?\s*[▶►▷☞>]*\s*(?:related\s+(?:articles?|stories|news|coverage|reading)"
        r"|see\s+also|read\s+more|also\s+read)\s*[:：].{0,200}?[)\]>]?",
        r"[(\[<]?\s*(?:related\s+(?:articles?|stories))\s*[)\]>]?",
    )
)

_EN_CREDITS = _rx(
    "photo_credit",
    r"[/|]?\s*[(\[]?\s*(?:image|photo|picture|graphic|source)s?\s*(?::|by|courtesy\s+of)\s*"
    r".{1,60}?[)\]]?\.?",
    r"[/|]\s*(?:daily\s?nk|yonhap(?:\s+news)?|" + _NAME + r")\.?",
    r"\(\s*(?:daily\s?nk|yonhap(?:\s+news)?|kcna|rodong\s+sinmun|google\s+earth)\s*\)\.?",
)
_KO_CREDITS = _rx(
    "photo_credit",
    r"[/|(\[]?\s*(?:사진|그래픽|자료|출처|이미지)\s*[=:：]\s*.{1,40}?[)\]]?\.?",
    r"[/|]\s*(?:데일리\s?NK|연합뉴스|뉴스1|뉴시스)",
)

EN_RULES = CleanRules(
    anywhere=_rx("translator_credit", r"\*?\s*(?:translated|translation|edited)\s+by\b.{0,100}")
    + _rx(
        "contact",
        r"(?:please\s+)?direct\s+(?:any\s+)?(?:comments|questions|inquiries).{0,160}",
        r"(?:contact|e-?mail)\s+us\s*(?:at|:).{0,100}|contact\s*:.{0,100}",
        r"(?:e-?mail\s*:?\s*)?" + _EMAIL,
    )
    + _rx(
        "language_link",
        r"(?:read|view)(?:\s+(?:this|the))?(?:\s+(?:article|story))?\s+in\s+korean\.?",
        r"\[?\(?(?:the\s+)?korean\s+version(?:\s+of\s+this\s+(?:article|story))?\)?\]?\.?",
    )
    + _rx(
        "copyright",
        r"(?:©|ⓒ|\(c\)|copyright\b).{0,120}(?:rights\s+reserved|daily\s?nk).{0,60}",
    )
    + _rx("byline", r"by\s+" + _NAME + r"(?:\s*(?:and|&)\s*" + _NAME + r")?")
    + _EN_CREDITS
    + _COMMON,
    trailing=_rx(
        "bio",
        # "<Name> is one of Daily NK's reporters ...": needs the outlet, "covers" or a
        # contact, so that a last body sentence about reporters is not taken for a bio.
        r"(?=.*(?:daily\s?nk|reached\s+at|\bcovers\b|@|\(at\)))" + _NAME + r"\s+is\s+.{0,60}?"
        r"\b(?:reporters?|journalists?|correspondents?|writers?|editors?|contributors?"
        r"|analysts?|researchers?)\b.*",
        r"(?:he|she|they|" + _NAME + r")\s+(?:can|may)\s+be\s+reached\s+at.{0,100}",
    ),
    captions=_rx(
        "caption",
        r".{3,400}?\s/\s*(?:daily\s?nk|(?-i:[A-Z][\w&.'-]*(?:\s[A-Z][\w&.'-]*){0,4}))",
        r".{3,400}?\((?:photo|image|picture)s?\s*(?::|by|courtesy).{1,80}\)\.?",
        r".{3,400}?[.)]\s+(?:image|photo|picture)s?\s*:\s*.{1,60}",
        r"file\s+photo\s*:.{3,400}",
    ),
    links=KOREAN_LINKS,
)

KO_RULES = CleanRules(
    anywhere=_rx(
        "byline",
        r"[\[(<]?\s*(?:데일리\s?NK\s+)?[가-힣]{2,4}\s*(?:기자|특파원|통신원|객원기자)"
        r"(?:\s*[\]>)])?(?:\s*" + _EMAIL + ")?",
    )
    + _rx(
        "copyright",
        r"<?\s*(?:저작권자\s*)?(?:ⓒ|©|copyright).{0,80}>?",
        r"<?.{0,40}무단\s*전재.{0,40}>?",
    )
    + _rx("contact", r"(?:e-?mail\s*:?\s*|이메일\s*:?\s*)?" + _EMAIL)
    + _rx(
        "language_link",
        r"(?:영문|영어)\s*(?:기사|버전|판)\s*(?:보기|읽기)?|read\s+(?:this\s+)?in\s+english\.?",
    )
    + _KO_CREDITS
    + _COMMON,
    captions=_rx(
        "caption",
        r"▲.{3,400}",
        r".{3,400}?/\s*사진\s*[=:].{1,60}",
        r".{3,400}?\(\s*사진\s*[=:].{1,60}\)\.?",
    ),
    links=ENGLISH_LINKS,
)

_DEFAULT_RULES = {"en": EN_RULES, "ko": KO_RULES}


def rules_for(lang: str, *, drop_captions: bool = False) -> CleanRules:
    """The generic rules for a language (none for languages without defaults)."""
    rules = _DEFAULT_RULES.get(lang, CleanRules())
    return replace(rules, drop_captions=drop_captions) if drop_captions else rules


def _named(items: Iterable[Rule | re.Pattern[str]], default: str) -> Iterable[Rule]:
    for item in items:
        yield (default, item) if isinstance(item, re.Pattern) else item


def _match(items: Sequence[Rule | re.Pattern[str]], line: str, default: str) -> str | None:
    for name, pattern in _named(items, default):
        if pattern.fullmatch(line):
            return name
    return None


def _first_link(text: str, rules: Sequence[Rule | re.Pattern[str]]) -> str:
    for line in text.split("\n"):
        stripped = line.strip()
        for _, pattern in _named(rules, ""):
            match = pattern.fullmatch(stripped)
            if match:
                return match.group(1).rstrip(".,;")
    return ""


def korean_link(text: str, rules: CleanRules | None = None) -> str:
    """The URL of the first "Read in Korean" link line of an English article, or ``""``.

    Scraped articles often keep the link to their original ("[Read in Korean](URL)",
    "Read in Korean: URL", an ``<a href>``), which pairs them by link even when the
    record has no ``original_url``.
    """
    return _first_link(text, (rules or EN_RULES).links)


def english_link(text: str, rules: CleanRules | None = None) -> str:
    """The URL of the first "영문 기사 보기" (or "Read in English") link line of a Korean
    article, or ``""``: the Korean original naming its English version."""
    return _first_link(text, (rules or KO_RULES).links)


def page_link(text: str, lang: str, rules: CleanRules | None = None) -> tuple[str, str]:
    """(original_url, translation_url) that the article's own link lines give."""
    if lang == "en":
        return korean_link(text, rules), ""
    if lang == "ko":
        return "", english_link(text, rules)
    return "", ""


# ------------------------------------------------------------ cleaning

_POSTER = re.compile(r"[-–—·•|]\s*\S{1,12}(?:\s\S{1,12})?")
_SENTENCE_MARKS = re.compile(r"[.?!…。\"“”‘’'「」]|[다요죠까]\.?$")


def _alt_text(line: str) -> bool:
    """Short, with no sentence punctuation, and not a capitalised headline: an image's
    alt text or its tags ("border, hyesan, water shortage,")."""
    if not 0 < len(line) <= 120 or _SENTENCE_MARKS.search(line):
        return False
    return not line[0].isupper() or "," in line


@dataclass(frozen=True)
class Cleaned:
    """The result of :func:`clean_text`: the cleaned text, the lines removed, and the
    offset in the original text of every character of ``text`` (and of its end)."""

    text: str
    removed: tuple[Removed, ...]
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` came from."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def _line_rules(lines: list[str], rules: CleanRules) -> list[str | None]:
    """The rule that removes each line, or None."""
    drop: list[str | None] = [None] * len(lines)
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        drop[i] = _match(rules.links, s, "language_link") or _match(rules.anywhere, s, "furniture")
        if drop[i] is None and rules.drop_captions:
            drop[i] = _match(rules.captions, s, "caption")
    # Alt text: a short unpunctuated line right above a caption.
    for i in range(len(lines) - 1):
        s, nxt = lines[i].strip(), lines[i + 1].strip()
        if drop[i] is None and nxt and _alt_text(s) and _match(rules.captions, nxt, "caption"):
            drop[i] = "alt_text"
    # Re-post header: the poster's name on a short bullet line right above its date.
    for i in range(len(lines) - 1):
        s = lines[i].strip()
        if drop[i] is None and drop[i + 1] == "date" and _POSTER.fullmatch(s):
            drop[i] = "repost_header"
    # Trailing block: walk back over blank lines and furniture; bios count there only.
    for i in range(len(lines) - 1, -1, -1):
        s = lines[i].strip()
        if not s or drop[i]:
            continue
        name = _match(rules.trailing, s, "furniture")
        if name is None:
            break
        drop[i] = name
    return drop


def clean_text(raw: str, lang: str, rules: CleanRules | None = None) -> Cleaned:
    """Normalise ``raw`` and remove its furniture lines, keeping track of offsets."""
    rules = rules if rules is not None else rules_for(lang)
    norm, off = normalise_tracked(raw)
    lines = norm.split("\n")
    drop = _line_rules(lines, rules)
    removed: list[Removed] = []
    kept: list[str] = []
    kept_off: list[int] = []
    pos = 0
    for line, name in zip(lines, drop, strict=True):
        end = pos + len(line)
        if name is None:
            kept.append(line + "\n")
            kept_off.extend(range(pos, end + 1))
        else:
            a = pos + len(line) - len(line.lstrip())
            b = pos + len(line.rstrip())
            removed.append(Removed(name, off[a], off[b - 1] + 1, line.strip()))
        pos = end + 1
    text = "".join(kept)
    koff = [off[k] if k < len(off) else off[-1] for k in kept_off] + [off[-1]]
    text, koff = _tsub(_BLANK_RUN, "\n\n", text, koff)
    lead = len(text) - len(text.lstrip("\n"))
    body = text.strip("\n")
    koff = [*koff[lead : lead + len(body)], koff[lead + len(body)] if body else off[-1]]
    if removed:
        logger.debug("removed %d furniture line(s): %r", len(removed), removed)
    return Cleaned(body, tuple(removed), tuple(koff))


def clean(text: str, lang: str, rules: CleanRules | None = None) -> tuple[str, tuple[str, ...]]:
    """Remove furniture lines. Returns (cleaned normalised text, removed lines in order)."""
    done = clean_text(text, lang, rules)
    return done.text, tuple(r.text for r in done.removed)
