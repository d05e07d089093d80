"""Text normalisation with an offset map back to the text as read.

:func:`normalise` makes every line break ``\\n`` and every Unicode space a plain space,
removes zero-width characters and soft hyphens, NFC; :func:`normalise_tracked` does the
same and keeps, for every character of its result, the offset it came from, so that a
span in cleaned text can be found in the file the user gave (:mod:`aligner.clean`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

# Line breaks other than \n that str.splitlines() honours; all become \n.
_PARA_SEP = re.compile("\u2029")
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028]")
_ZERO_WIDTH = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n\t]")  # Unicode whitespace (NBSP, U+3000, ...) but \n and \t
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
BLANK_RUN = re.compile(r"\n{3,}")


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
    text = BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


# ------------------------------------------------------------ offset tracking


def tracked_sub(rx: re.Pattern[str], repl: str, text: str, off: list[int]) -> tuple[str, list[int]]:
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
    text, off = tracked_sub(_PARA_SEP, "\n\n", raw, off)
    text, off = tracked_sub(_LINE_BREAKS, "\n", text, off)
    text, off = tracked_sub(_ZERO_WIDTH, "", text, off)
    text, off = tracked_sub(_SPACES, " ", text, off)
    text, off = _nfc_tracked(text, off)
    text, off = tracked_sub(_TRAILING, "", text, off)
    text, off = tracked_sub(BLANK_RUN, "\n\n", text, off)
    lead = len(text) - len(text.lstrip("\n"))
    text = text.strip("\n")
    off = [*off[lead : lead + len(text)], off[lead + len(text)]]
    if text != normalise(raw):  # a composition across starters: never seen, but be exact
        text = normalise(raw)
        off = _diff_offsets(raw, text)
    return text, off
