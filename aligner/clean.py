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
  "Image: Yonhap News", "(Daily NK)", "(Kang Dong Wan, Donga University)"; never a
  transcript's "(Applause.)");
* ``related``: related-article lines ("(▶관련기사 보기: …)", "Related article: …");
* ``repost_header``, ``date``, ``view_count``: the header lines a re-posted article
  carries ("- 관리자", "- 2020-02-26 16:13:53", "- 조회수 : 514", "Views: 514");
* ``alt_text``: a short line without sentence punctuation right above a caption (an
  image's alt text or tags, "border, hyesan, water shortage,");
* ``bio`` (English): "<Name> is one of Daily NK's reporters ...", only in the trailing
  block, the run of blank, furniture and bio lines that ends the article;
* page headers: ``site_banner`` ("An official website of the United States government",
  with the flag's alt text above it), ``breadcrumb`` ("Home : Media : Press Releases"),
  ``dateline`` ("YONGSAN, South Korea —" alone), ``release_header`` ("즉시배포용",
  "[As prepared for delivery]"), dated header lines ("18-002 | Jan. 9, 2018") and a
  re-post header run together on one line ("데일리NK 2017-06-29 11:53:08 원문보기 관리자
  29740 ...");
* ``page_widget`` ("2 MINUTE READ", "🔊 Listen to this", "34.1 C"), ``site_nav`` ("Submit
  Release", "연결 가능 링크"), ``separator`` (a line
  with no letter or digit), ``comment_policy`` ("Comments with ... will be deleted.",
  "... 댓글은 ... 삭제됩니다."; without the comments named, "Advertisements, links ... will be
  deleted.", only in the trailing block);
* lines known by their neighbours: the headlines listed under a related-articles line
  ending in a colon, down to the first line that is no headline; with
  ``drop_captions``, a caption whose credit stands on the next line, when the caption
  starts its block.

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

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from aligner.normalise import BLANK_RUN, normalise_tracked, tracked_sub
from aligner.normalise import normalise as normalise  # re-exported for the callers of clean
from aligner.types import Removed

logger = logging.getLogger(__name__)


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
# A place in a dateline ("Camp Humphreys", "Republic of Korea") and names in a credit.
_PLACE = r"(?-i:[A-Z][A-Za-z.'-]*(?:\s+(?:of\s+|the\s+|and\s+)?[A-Z][A-Za-z.'-]*){0,3})"
# a transcript's stage directions, never a credit: "(Applause.)", "(Laughter)", "(END)"
_STAGE = (
    r"(?:applause|laughter|inaudible|crosstalk|end|music|cheers|pause|break|off[\s-]mic)"
    r"\b[\s.]*\)"
)
_CAPS = r"(?-i:[A-Z][\w&.'-]*(?:\s+[A-Z0-9][\w&.'-]*){0,4})"

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
    r"|\d{1,2}/\d{1,2}/\d{4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}"
    r"(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{4})"
)
_TIME = (
    r"(?:\s*(?:오전|오후)?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:KST|UTC|GMT|[ECMP][SD]?T))?)?"
)
_DASH = r"(?:[-–—·•|]\s*)?"
_PART = r"(?:[A-Za-z]{0,4}-?\d[\w-]{0,12}|[^\W\d_][^|.?!\d\s]*(?:\s+[^|.?!\d\s]+){0,3})"
# a reporting verb says the line is news ("Pyongyang warned that ... will be removed.")
_NOT_REPORTED = r"(?!.*\b(?:said|says|warned|told|reported|according|announced|ordered|added)\b)"
_ABUSE = r".{0,100}\b(?:inappropriate|offensive|abusive|obscene|advertisements?|spam)\b.{0,100}"
_WILL_GO = r"\bwill\s+be\s+(?:deleted|removed)(?:\s+without\s+(?:prior\s+)?notice)?\.?"
# the page's passive policy forms only ("삭제합니다" is also how news reports an act)
_KO_WILL_GO = r"삭제(?:됩니다|될\s*수\s*있습니다|처리됩니다|조치됩니다)\.?"
_COMMON = (
    _rx(
        "date",
        _DASH
        + r"(?:(?:published|updated|posted|date|입력|수정|승인|게재|등록일?|작성일)\s*[:：]?\s*)?"
        + r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
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
    + _rx(
        # a dated header line in parts: "18-002 | Jan. 9, 2018", "06/11/2022 | Press
        # release | Archived content" (every other part short and unpunctuated)
        "date",
        # (every other part a code with digits, "PA-003-19", or one to four words
        # without digits: "Prices rose 3 percent | Jan. 9, 2018" is a sentence)
        r"(?:" + _PART + r"\s*\|\s*){1,3}" + _DATE + _TIME + r"(?:\s*\|\s*" + _PART + r"){0,3}",
        _DATE + _TIME + r"(?:\s*\|\s*" + _PART + r"){1,3}",
    )
    + _rx(
        "page_widget",
        # reading time, listen / share / print buttons, a weather widget ("34.1 C")
        r"\d{1,3}\s*-?\s*(?:minutes?|mins?)\s+read",
        r"\d{1,3}\s*분\s*(?:소요|읽기)",
        r"(?:[^\w\s]{1,3}\s*)?listen\s+to\s+(?:this|the)(?:\s+(?:article|story|page))?",
        r"(?:share|print|e-?mail)\s+(?:this\s+)?(?:article|story|page)",
        r"(?:기사\s*)?(?:공유하기|인쇄하기|스크랩하기|글자\s*크기\s*(?:조절|변경)?)",
        # with a decimal or a degree sign: "25 C" alone may be a table's cell or a grade
        r"-?\d{1,2}(?:\.\d\s*°?|\s*°)\s*[CF]",
    )
    + _rx(
        # the site's navigation labels alone on a line
        "site_nav",
        r"submit\s+(?:a\s+)?(?:press\s+)?release|subscribe(?:\s+now)?|sign\s+(?:in|up)|log\s*in",
        r"skip\s+to\s+(?:the\s+)?(?:main\s+)?content|back\s+to\s+top",
        r"로그인|회원\s*가입|본문\s*바로\s*가기|맨\s*위로|연결\s*가능\s*링크",
    )
    # a rule drawn in dashes, a Markdown table's "|---|---|" row: no letter or digit
    + _rx("separator", r"[-–—_=*~·•.#|:+ ]{3,}")
    + _rx(
        # the banner of U.S. government pages (the flag's alt text above it: see below)
        "site_banner",
        r"an\s+official\s+website\s+of\s+the\s+(?:united\s+states|u\.\s?s\.)\s+government",
        r"here[’']s\s+how\s+you\s+know",
    )
    + _rx(
        "breadcrumb",
        r"(?:home|홈)(?:\s*[:>›»|/]\s*[^:>›»|/.?!]{1,30}){1,6}",
        # a trail without "Home" only when one of its steps is a site section's name
        # ("News > Press Releases > 2018"): "김정은 > 김정일 > 김일성" is a list of names
        r"(?=.*\b(?:news|media|press|releases?|newsroom|about|articles?|briefings?|"
        r"statements?|speeches|remarks|events?|archives?)\b|.*(?:뉴스|보도|자료실|소식|알림|"
        r"게시판|기사|브리핑|성명|연설|행사|공지))"
        r"[^>›».?!]{1,30}(?:\s*[>›»]\s*[^>›».?!]{1,30}){2,6}",
    )
    + _rx(
        "release_header",
        r"\(?for\s+immediate\s+release\)?",
        r"즉시\s*(?:배포용?|보도)",
        r"[\[(]?\s*as\s+(?:prepared\s+for\s+delivery|delivered)\s*[\])]?",
    )
    + _rx(
        # a comment box's policy anywhere only when it names the comments (a news line
        # "... any offensive leaflets will be removed." stays); the unnamed form
        # ("Advertisements, links ... will be deleted.") only in the trailing block
        "comment_policy",
        _NOT_REPORTED + r"(?=.*\b(?:comments?|replies)\b)" + _ABUSE + _WILL_GO,
        r".{0,60}댓글.{0,80}" + _KO_WILL_GO,
    )
)
# the comment box's policy that names no comment, removed only in the trailing block and
# never when a reporting verb says it is news ("Pyongyang warned that ...")
_POLICY_TAIL = _rx(
    "comment_policy",
    _NOT_REPORTED
    + r"(?=.*\b(?:links?|https?|urls?|language|comments?|posts?|replies)\b)"
    + _ABUSE
    + _WILL_GO,
)
_KO_POLICY_TAIL = _rx("comment_policy", r".{0,60}(?:게시물|게시글|글은).{0,80}" + _KO_WILL_GO)

_EN_CREDITS = _rx(
    "photo_credit",
    r"[/|]?\s*[(\[]?\s*(?:image|photo|picture|graphic|source)s?\s*(?::|by|courtesy\s+of)\s*"
    r".{1,60}?[)\]]?\.?",
    r"[/|]\s*(?:daily\s?nk|yonhap(?:\s+news)?|" + _NAME + r")\.?",
    r"\(\s*(?:daily\s?nk|yonhap(?:\s+news)?|kcna|rodong\s+sinmun|google\s+earth)\s*\)\.?",
    # a credit in brackets alone on its line: "(© Daily NK)", "(Rodong Sinmun, News 1)",
    # "(Kang Dong Wan, Donga University)": capitalised names only
    # ("(Applause.)", "(Laughter)", "(END)" in a transcript are stage directions)
    r"\(\s*(?:©\s*)?(?!" + _STAGE + r")" + _CAPS + r"(?:\s*,\s*" + _CAPS + r"){0,2}\s*\)\.?",
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
        r"(?:please\s+)?(?:direct|send|address)\s+(?:any\s+|your\s+)?"
        r"(?:comments|questions|inquiries|feedback).{0,160}",
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
    + _rx(
        "byline",
        r"by\s+" + _NAME + r"(?:\s*(?:and|&)\s*" + _NAME + r")?",
        # "Ha Yoon Ah  |  2018-05-11 13:05"
        r"(?:by\s+)?(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,3})\s*\|\s*" + _DATE + _TIME,
    )
    + _rx(
        # "YONGSAN, South Korea —" alone on its line, above the first paragraph
        "dateline",
        # a place and its country ("Camp Humphreys, Republic of Korea —"), or one city in
        # capitals ("WASHINGTON —", "NEW YORK —"): "SECRETARY BLINKEN —" is a speaker
        _PLACE + r"(?:,\s*" + _PLACE + r"){1,2}\s*(?:—|–|--)",
        r"(?-i:NEW\s+YORK|LOS\s+ANGELES|SAN\s+FRANCISCO|HONG\s+KONG|CAMP\s+HUMPHREYS"
        r"|(?!(?:SECRETARY|PRESIDENT|MINISTER|AMBASSADOR|GENERAL|SPOKESPERSON|Q|A)\b)"
        r"[A-Z][A-Z.'-]+)\s*(?:—|–|--)",
    )
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
    )
    + _POLICY_TAIL,
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
        # a broadcast report's sign-in: "조은정 기자가 보도합니다."
        r"[가-힣]{2,4}\s*(?:기자|특파원)가\s*(?:보도|전|취재)(?:합니다|해\s*드립니다)\.?",
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
    trailing=_KO_POLICY_TAIL,
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


_STAMP = re.compile(_DATE + r"\s*\d{1,2}:\d{2}(?::\d{2})?", re.IGNORECASE)
_HEADER_WORDS = frozenset(
    {
        *("원문보기", "원문", "보기", "관리자", "운영자", "편집자", "작성자", "조회", "조회수"),
        *("추천", "댓글", "등록", "등록일", "수정", "수정일", "입력", "출처"),
        *("views", "hits", "admin", "source", "posted", "updated"),
    }
)


def _repost_line(line: str) -> bool:
    """A re-posted article's header run together on one line: "데일리NK 2013-04-19
    15:53:08 원문보기 관리자 685 2013-04-20 02:20:55" (date-and-time stamps, numbers,
    header words, and at most two short other words: the source, the poster)."""
    if len(line) > 160 or not _STAMP.search(line):
        return False
    rest = [w.strip(":：|·•-") for w in _STAMP.sub(" ", line).split()]
    other = [w for w in rest if w and not w.replace(",", "").isdigit()]
    other = [w for w in other if w.lower() not in _HEADER_WORDS]
    if len(other) > 2 or any(len(w) > 12 or _SENTENCE_END.search(w) for w in other):
        return False
    # a header word or a second stamp ("2021-09-13 15:00 기준 환율" is a table's title)
    header = any(w.lower() in _HEADER_WORDS for w in rest) or len(_STAMP.findall(line)) >= 2
    return header


_SENTENCE_END = re.compile(r"[.?!…]$|[다요죠까]$")
_BODY_END = re.compile(r"[.。][”’\"')]*$|[다요죠]\.?[”’\"')]*$")
_WORDS = re.compile(r"[^\W\d_]{3,}")
_BANNER_ICON = re.compile(r"\w{1,12}(?:\s\w{1,12})?")


def _echoes(line: str, caption: str) -> bool:
    """An image's alt text that repeats the caption below it ("Rason Market in North
    Hamgyong Province coronavirus" above "FILE PHOTO: A scene from Rason Market in North
    Hamgyong Province."): no sentence punctuation, and at least three of its words, and
    60% of them, in the caption."""
    if not 0 < len(line) <= 120 or _SENTENCE_MARKS.search(line):
        return False
    words = {w.lower() for w in _WORDS.findall(line)}
    seen = {w.lower() for w in _WORDS.findall(caption)}
    shared = len(words & seen)
    return shared >= 3 and shared >= 0.6 * len(words)


def _line_rules(lines: list[str], rules: CleanRules) -> list[str | None]:
    """The rule that removes each line, or None."""
    drop: list[str | None] = [None] * len(lines)
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        drop[i] = _match(rules.links, s, "language_link") or _match(rules.anywhere, s, "furniture")
        if drop[i] is None and rules.anywhere and _repost_line(s):
            drop[i] = "repost_header"
        if drop[i] is None and rules.drop_captions:
            drop[i] = _match(rules.captions, s, "caption")
    _neighbours(lines, drop, rules)
    # Alt text: a short unpunctuated line right above a caption (or a photo credit).
    for i in range(len(lines) - 1):
        s, nxt = lines[i].strip(), lines[i + 1].strip()
        if drop[i] is not None or not nxt:
            continue
        caption = drop[i + 1] == "caption" or _match(rules.captions, nxt, "caption")
        if (caption and (_alt_text(s) or _echoes(s, nxt))) or (
            drop[i + 1] == "photo_credit" and _alt_text(s)
        ):
            drop[i] = "alt_text"
    _related_block(lines, drop)
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


def _neighbours(lines: list[str], drop: list[str | None], rules: CleanRules) -> None:
    """Lines known by the lines next to them: the flag icon's alt text ("Flag") right
    above a government site's banner; with ``drop_captions``, a caption whose credit
    stands on the next line ("... can be seen selling goods." above "(Kang Dong Wan,
    Donga University)", "... 구호가 보인다." above "/사진=노동신문·뉴스1")."""
    for i in range(len(lines) - 1):
        s, nxt = lines[i].strip(), lines[i + 1].strip()
        if drop[i] is not None or not s:
            continue
        below = next((k for k in range(i + 1, min(i + 3, len(lines))) if lines[k].strip()), i + 1)
        if drop[below] == "site_banner" and _BANNER_ICON.fullmatch(s):
            drop[i] = "site_banner"
        elif not nxt:
            continue
        elif (
            rules.drop_captions
            and drop[i + 1] == "photo_credit"
            and len(s) <= 400
            and not _alt_text(s)  # tags above a credit are alt text (below)
            and _starts_block(lines, drop, i, s)
        ):
            drop[i] = "caption"


def _starts_block(lines: list[str], drop: list[str | None], i: int, s: str) -> bool:
    """Line ``i`` starts its block: a caption does, a body sentence run on above a credit
    does not. The image's alt text or tags above it (removed later) do not count."""
    if i == 0 or drop[i - 1] is not None:
        return True
    prev = lines[i - 1].strip()
    return not prev or _alt_text(prev) or _echoes(prev, s)


_HANGUL = re.compile(r"[가-힣]")
# a question or exclamation that ends like a sentence: English, or a Korean verb ending
# ("...했을까?"); a headline's "무역 재개 시그널?" or "답답한 소리!”" ends on a noun
_BODY_QUESTION = re.compile(r"(?:[까냐니나죠요지]\s*[?!]|[A-Za-z0-9)’\"”]\s*[?!])[”’\"')]*$")
_INNER_STOP = re.compile(r"[a-z0-9][.?!][”’\"')]*\s+[A-Z“\"]|[다요]\.\s+\S")


def _headline(s: str) -> bool:
    """A related article's headline: short (a body line is longer), one sentence at
    most, and ending without a full stop, and not on a question or exclamation the way
    a body sentence does."""
    limit = 50 if _HANGUL.search(s) else 100
    return not (
        len(s) > limit or _BODY_END.search(s) or _BODY_QUESTION.search(s) or _INNER_STOP.search(s)
    )


def _related_block(lines: list[str], drop: list[str | None]) -> None:
    """The headlines listed under a related-articles line that ends with a colon
    ("▶관련기사 바로 가기:" above two headlines), down to the next blank line or the
    first line that ends like a body sentence (a headline ends without a full stop)."""
    for i, line in enumerate(lines):
        if drop[i] != "related" or not line.rstrip().endswith((":", "：")):
            continue
        for j in range(i + 1, min(i + 9, len(lines))):
            s = lines[j].strip()
            if not s or (drop[j] not in (None, "related")) or not _headline(s):
                break  # a body sentence ("... 떨어진 바 있다.") follows with no blank line
            drop[j] = "related"


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
    text, koff = tracked_sub(BLANK_RUN, "\n\n", text, koff)
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
