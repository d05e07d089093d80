"""Normalise article text and strip page furniture, recording every line removed.

The rules live in :mod:`aligner.furniture` (what counts as furniture, by name); this
module applies them line by line, with the checks that need a line's neighbours.

Normalisation removes zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, stray BOMs)
and soft hyphens, makes every line break ``\\n`` and every Unicode space a plain space,
NFC. :func:`clean_text` keeps the map from each character of the cleaned text back to
the original, so a span in the corpus (whose offsets point into the cleaned text) can be
found in the file the user gave.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from aligner.furniture import DATE, CleanRules, match_rule, rules_for
from aligner.normalise import BLANK_RUN, normalise_tracked, tracked_sub
from aligner.normalise import normalise as normalise  # re-exported for the callers of clean
from aligner.types import Removed

logger = logging.getLogger(__name__)


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


_STAMP = re.compile(DATE + r"\s*\d{1,2}:\d{2}(?::\d{2})?", re.IGNORECASE)
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
        drop[i] = match_rule(rules.links, s, "language_link") or match_rule(
            rules.anywhere, s, "furniture"
        )
        if drop[i] is None and rules.anywhere and _repost_line(s):
            drop[i] = "repost_header"
        if drop[i] is None and rules.drop_captions:
            drop[i] = match_rule(rules.captions, s, "caption")
    _neighbours(lines, drop, rules)
    # Alt text: a short unpunctuated line right above a caption (or a photo credit).
    for i in range(len(lines) - 1):
        s, nxt = lines[i].strip(), lines[i + 1].strip()
        if drop[i] is not None or not nxt:
            continue
        caption = drop[i + 1] == "caption" or match_rule(rules.captions, nxt, "caption")
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
        name = match_rule(rules.trailing, s, "furniture")
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
