"""Frozen values passed between the stages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


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


@dataclass(frozen=True, slots=True)
class Alignment:
    """The beads of one document pair, and whether the engine found the translation
    loose (fewer than ``AlignParams.loose_share`` of the sentences pairing mutually,
    :class:`aligner.problem.Problem`): the search and the bead probability's final step
    both go by this one decision."""

    beads: tuple[Bead, ...]
    loose: bool


@dataclass(frozen=True, slots=True)
class PairResult:
    """Everything about one aligned document pair.

    ``status`` is ``"aligned"``, ``"unpaired"`` (no original found; ``ko_doc`` is
    None) or ``"failed"``; ``reason`` says why when it is not ``"aligned"``. ``loose`` is
    the engine's looseness decision (:class:`Alignment`), None when nothing was aligned.
    """

    pair_id: str
    en_doc: Document
    ko_doc: Document | None
    en_sents: tuple[Sentence, ...]
    ko_sents: tuple[Sentence, ...]
    beads: tuple[Bead, ...]
    status: str = "aligned"
    doc_score: float | None = None
    reason: str = ""
    loose: bool | None = None


@dataclass(frozen=True, slots=True)
class PairFailure:
    """A pair of a batch that could not be aligned, and why."""

    pair_id: str
    en_doc: Document
    ko_doc: Document
    reason: str


PairTask = tuple[str, Document, Document]  # (pair id, English article, Korean article)


@dataclass(frozen=True, slots=True)
class Pairing:
    """Which English article goes with which Korean one, and the articles left over with
    the reason.

    Pairing by content segments articles and encodes their lead sentences; what it
    prepared for the articles it paired travels here, for the alignment of those pairs
    to reuse instead of doing it again: ``sentences`` keyed by ``(lang, text,
    presegmented)`` and ``lead_vectors`` keyed by sentence text. Both are empty for
    pairings by link.
    """

    pairs: tuple[PairTask, ...]
    unpaired_en: tuple[tuple[Document, str], ...]
    unpaired_ko: tuple[tuple[Document, str], ...]
    sentences: Mapping[tuple[str, str, bool], tuple[Sentence, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    lead_vectors: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CacheCounts:
    """Texts the encoders sent to their model, and texts their caches served."""

    computed: int = 0
    cached: int = 0

    def __add__(self, other: CacheCounts) -> CacheCounts:
        return CacheCounts(self.computed + other.computed, self.cached + other.cached)
