"""The rules that name page furniture, and the links a page gives to its other edition.

What counts as furniture
------------------------
Cleaning (:mod:`aligner.clean`) removes whole lines only, and only lines that have no
counterpart in the other language. Every rule has a name, recorded with each line it removes
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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

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
DATE = (
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
        + DATE
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
        r"(?:" + _PART + r"\s*\|\s*){1,3}" + DATE + _TIME + r"(?:\s*\|\s*" + _PART + r"){0,3}",
        DATE + _TIME + r"(?:\s*\|\s*" + _PART + r"){1,3}",
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
        r"(?:by\s+)?(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,3})\s*\|\s*" + DATE + _TIME,
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


def match_rule(items: Sequence[Rule | re.Pattern[str]], line: str, default: str) -> str | None:
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
