"""Reading a file's bytes as text: UTF-8 checks that say what a file that is not UTF-8
looks like (UTF-16, a legacy Korean encoding, UTF-8 cut short), and markup that is not
article text. :mod:`aligner.documents` reads articles through it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from aligner.errors import InputError

__all__ = ["HTML_FIX", "check_file", "decode_file", "html_found"]

logger = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"
_ICONV_FIX = (
    "convert it to UTF-8, e.g. `iconv -f CP949 -t UTF-8 {name} > {name}.utf8`"
    " for Korean legacy encodings (EUC-KR/CP949)"
)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_file(p: Path) -> None:
    if not p.exists():
        raise InputError("file not found", path=p, fix="check the path")
    if p.is_dir():
        raise InputError("is a directory, not a file", path=p, fix="pass a file")


def decode_file(path: str | Path) -> str:
    """File bytes to ``str``: existence, binary and UTF-8 checks; BOM dropped; not normalised.

    UTF-16 (with a byte-order mark, or without one when its zero bytes give it away) is
    decoded, with a warning. Bytes that are not UTF-8 get a message that says what they
    look like: UTF-8 cut or damaged mid-character, or a legacy Korean encoding (only
    when the bytes decode as CP949 and hold Hangul)."""
    p = Path(path)
    check_file(p)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path=p, fix="check permissions") from e
    utf16 = _utf16(data)
    if utf16 is not None:
        codec, text = utf16
        logger.warning("%s: decoded as %s (aligner reads UTF-8; this file is not)", p, codec)
        return text
    skip = len(_BOM) if data.startswith(_BOM) else 0
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"contains a NUL byte at byte offset {nul}: binary file, not text",
            path=p,
            line=_line_of(data, nul),
            fix="pass a UTF-8 text file",
        )
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        raise _not_utf8(data, skip + e.start, e.reason, p) from None


# Characters of English or Korean text: bytes that are not UTF-16 read as UTF-16 give
# mostly CJK ideographs and other scattered code points instead.
_PLAUSIBLE = re.compile(
    "[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u3000-\u303f\u1100-\u11ff"
    "\u3130-\u318f\uac00-\ud7a3\uff01-\uff5e]"
)


def _utf16(data: bytes) -> tuple[str, str] | None:
    """``(codec, text)`` when ``data`` is UTF-16: a byte-order mark, or else zero bytes
    (the high byte of ASCII characters) on one side of most pairs and a strict decode."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return "UTF-16", data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    pairs = len(data) // 2
    for codec, zeros, others in (("UTF-16LE", odd, even), ("UTF-16BE", even, odd)):
        if zeros >= 0.1 * pairs and zeros >= 4 * others:
            try:
                text = data.decode(codec.lower().replace("utf-16", "utf-16-"))
            except UnicodeDecodeError:
                return None
            if len(_PLAUSIBLE.findall(text)) >= 0.9 * len(text):
                return f"{codec} (no byte-order mark)", text
    return None


_HANGUL_SYLLABLE = re.compile("[\uac00-\ud7a3]")


def _not_utf8(data: bytes, offset: int, reason: str, p: Path) -> InputError:
    """The error for bytes that are not UTF-8, telling damaged UTF-8 from a legacy
    Korean encoding (only suggested when the bytes decode as CP949 and hold Hangul)."""
    line = _line_of(data, offset)
    where = f"byte 0x{data[offset]:02X} at byte offset {offset}"
    loose = data.decode("utf-8", "replace")
    bad = loose.count("\ufffd")
    good = sum(ord(ch) > 0x7F for ch in loose) - bad
    if good >= 10 * bad:
        counts = f"{good} non-ASCII characters read, {bad} damaged"
        if reason == "unexpected end of data":
            return InputError(
                f"invalid UTF-8 ({where}): the file ends in the middle of a character, so "
                f"it was cut short; the rest is UTF-8 ({counts})",
                path=p,
                line=line,
                fix="take a complete copy of the file; do not convert it from another encoding",
            )
        return InputError(
            f"invalid UTF-8 ({where}, {reason}): a character cut or damaged in text that "
            f"is otherwise UTF-8 ({counts})",
            path=p,
            line=line,
            fix="repair the damaged bytes or take a clean copy of the file; do not convert "
            "it from another encoding",
        )
    try:
        legacy = data.decode("cp949")
    except UnicodeDecodeError:
        legacy = ""
    hangul = len(_HANGUL_SYLLABLE.findall(legacy))
    if hangul >= 2 and 2 * hangul >= sum(ord(ch) > 0x7F for ch in legacy):
        return InputError(
            f"not UTF-8: {where}; it reads as Korean in CP949 (EUC-KR)",
            path=p,
            line=line,
            fix=_ICONV_FIX.format(name=p),
        )
    return InputError(
        f"not UTF-8: {where}, and not Korean CP949/EUC-KR either",
        path=p,
        line=line,
        fix=f"convert it to UTF-8 from its encoding, e.g. `iconv -f ENCODING -t UTF-8 {p.name}`",
    )


# Markup that plain article text does not hold. One <a href> line is page furniture (a
# "Read in Korean" link) and is fine; a page is many tags, or a document-level one.
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|br|a|li|ul|ol|table|tr|td|th|h[1-6]|img|strong|em|b|i|section|"
    r"article|header|footer|nav|figure|figcaption|blockquote|script|style|meta|link)\b[^<>]*>",
    re.IGNORECASE,
)
_HTML_PAGE = re.compile(r"<(?:!doctype\s+html|html|head|body)\b[^<>]*>", re.IGNORECASE)
_HTML_TAGS_MIN = 10


HTML_FIX = (
    "extract the article text first (aligner reads plain text, JSONL or Parquet; it has "
    "no HTML input)"
)


def html_found(text: str) -> str:
    """What makes ``text`` an HTML page or fragment rather than article text (the markup
    would end up in the corpus), or ``""``."""
    page = _HTML_PAGE.search(text)
    tags = _HTML_TAG.findall(text, 0, 200_000)
    if page is None and len(tags) < _HTML_TAGS_MIN:
        return ""
    if page is not None:
        return f"looks like an HTML page, not plain text (it has {page.group()[:40]!r})"
    example = tags[0] if len(tags[0]) <= 40 else tags[0][:37] + "..."
    return f"looks like HTML, not plain text ({len(tags)} tags such as {example!r})"
