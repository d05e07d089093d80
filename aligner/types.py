"""Frozen values passed between the stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Removed:
    """A line that cleaning removed: the rule that removed it (prefixed ``site:`` when a
    site recipe's), its span ``original[start:end]`` in the text as read, and its text."""

    rule: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """One article after cleaning. ``text`` is what sentence offsets point into."""

    doc_id: str
    lang: str
    text: str
    source: str = ""
    title: str = ""
    url: str = ""
    original_url: str = ""  # an English article: the URL of its Korean original
    date: str = ""
    translation_url: str = ""  # a Korean article: the URL of its English version
    removed: tuple[Removed, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence with its character span ``text[start:end]`` in the document."""

    doc_id: str
    idx: int
    text: str
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class Bead:
    """An aligned group: English sentence indices, Korean sentence indices, scores."""

    en: tuple[int, ...]
    ko: tuple[int, ...]
    score: float | None = None
    margin: float | None = None
    prob: float | None = None  # calibrated probability that the bead is exactly right

    @property
    def kind(self) -> str:
        return f"{len(self.en)}-{len(self.ko)}"
