"""Sentence boundaries for Chinese and Japanese text, by rule.

A sentence ends after a run of full stops, question or exclamation marks (``。！？｡``,
and ASCII ``!``/``?``, which Chinese and Japanese text often uses), together with the
closing quotes and brackets that follow them (``。”``, ``！」``, ``？）``). There are no
spaces between sentences in these languages, so the cut is the offset right after that
run. An ellipsis (``……``, ``…``) or a colon does not end a sentence.

``cjk_starts`` returns the start offsets of the second and later sentences of a chunk;
``aligner.segment`` applies its CJK repairs on top (a piece with no letter joins its
neighbour; a Japanese quotative stays with its quotation, ``「行こう！」と彼は言った``).
Unlike Korean ``…"라고 말했다``, a Chinese sentence may start right after a closing quote
(``“鱼呢？”那个人说`` is two sentences in the MAC gold). The measurements behind these
rules are in ``docs/segmenters.md``.
"""

from __future__ import annotations

import re

__all__ = ["cjk_starts"]

_END = "。！？｡!?"
_CLOSE = "”’」』）)》〉】〕］]\"'"
# A run of sentence-final marks, then any closing marks and spaces.
_BOUNDARY = re.compile(f"[{re.escape(_END)}]+[{re.escape(_CLOSE)}]*\\s*")


def cjk_starts(chunk: str) -> list[int]:
    """Offsets in ``chunk`` where a new sentence starts (never 0 or ``len(chunk)``)."""
    return [m.end() for m in _BOUNDARY.finditer(chunk) if m.end() < len(chunk)]
