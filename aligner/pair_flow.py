"""One pair's flow, for notebooks and batch runs: segment, embed, align, score.

:class:`Aligner` holds an encoder and the settings; :func:`align_sentence_texts` is the
glue around :func:`aligner.align.align` (vectors, group embedding, probabilities) that
the aligner and the scripts share. A whole run (load, pair, align, write) is
:func:`aligner.pipeline.run`.

>>> from aligner import Aligner
>>> al = Aligner()                      # loads the bundled encoder once
>>> beads = al.align_sentences(["Hello."], ["안녕하세요."])
>>> result = al.align_texts(en_text, ko_text)   # removes page furniture, as the CLI does
>>> aligner.write_corpus("out.parquet", [result], metadata=al.metadata())
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from aligner.align import AlignParams, align_document, foreign_marks, number_marks
from aligner.cache import CachedEncoder
from aligner.calibrate import Calibrator, bead_probabilities, default_calibrator
from aligner.clean import clean_text
from aligner.corpus import signature
from aligner.documents import NO_CLEAN_FIX, article_rules, furniture_only
from aligner.embed import Encoder, load_encoder
from aligner.errors import AlignmentError
from aligner.lexical import default_lexicon, evidence_marks, lexical_signature
from aligner.pairing import ContentParams, mean_vectors, pair_documents
from aligner.segment import cut_off, presegmented, segment, segmenter_signature
from aligner.types import (
    Alignment,
    Bead,
    Document,
    PairFailure,
    Pairing,
    PairResult,
    PairTask,
    Sentence,
)
from aligner.version import __version__

log = logging.getLogger(__name__)

STAGES = ("segment", "encode", "align")
Encode = Callable[[list[str]], np.ndarray]


def group_encoder(
    en: Sequence[str], ko: Sequence[str], encode: Encode
) -> Callable[[str, Sequence[tuple[int, int]]], np.ndarray]:
    """The ``embed_groups`` of :func:`aligner.align.align`: the vector of each span of
    sentences of one side, joined with spaces, as ``encode`` gives it."""
    texts = {"en": en, "ko": ko}

    def embed_groups(side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        return encode([" ".join(texts[side][a:b]) for a, b in spans])

    return embed_groups


def align_sentence_texts(
    en: Sequence[str],
    ko: Sequence[str],
    encode: Encode,
    *,
    params: AlignParams | None = None,
    en_paragraphs: Sequence[int] | None = None,
    ko_paragraphs: Sequence[int] | None = None,
    vectors: dict[str, np.ndarray] | None = None,
    calibrator: Calibrator | None = None,
    lexical: bool = True,
) -> Alignment:
    """Align two lists of sentence texts: encode them (or take their vectors from
    ``vectors``, keyed by text), search with ``params``, and add each bead's probability
    with ``calibrator`` when given (its final step going by the search's looseness
    decision). ``encode`` also embeds the merged sentences that the search tries.
    ``lexical`` adds names and lexicon words found on both sides (:mod:`aligner.lexical`)
    to the numbers the search rewards."""
    en, ko = list(en), list(ko)
    if vectors is None:
        en_vecs, ko_vecs = encode(en), encode(ko)
    else:
        en_vecs = np.stack([vectors[t] for t in en]) if en else encode([])
        ko_vecs = np.stack([vectors[t] for t in ko]) if ko else encode([])
    en_lengths, ko_lengths = [len(s) for s in en], [len(s) for s in ko]
    en_foreign, ko_foreign = foreign_marks(en, ko)
    en_marks, ko_marks = (
        evidence_marks(en, ko, lexicon=default_lexicon())
        if lexical
        else (number_marks(en), number_marks(ko))
    )
    aligned = align_document(
        en_vecs,
        ko_vecs,
        en_lengths=en_lengths,
        ko_lengths=ko_lengths,
        en_numbers=en_marks,
        ko_numbers=ko_marks,
        en_foreign=en_foreign,
        ko_foreign=ko_foreign,
        en_cut=cut_off(en),
        ko_cut=cut_off(ko),
        en_paragraphs=en_paragraphs,
        ko_paragraphs=ko_paragraphs,
        embed_groups=group_encoder(en, ko, encode),
        params=params,
    )
    if calibrator is None:
        return aligned
    beads = bead_probabilities(
        aligned.beads,
        en_vecs,
        ko_vecs,
        en,
        ko,
        calibrator,
        loose=aligned.loose,
        en_marks=en_marks,
        ko_marks=ko_marks,
    )
    return replace(aligned, beads=tuple(beads))


class Prepared:
    """What pairing prepared (see :class:`aligner.types.Pairing`), used up as the pairs
    are aligned: each article's sentences and each lead sentence's vector serve once."""

    def __init__(self, pairing: Pairing | None = None) -> None:
        self.sentences = dict(pairing.sentences) if pairing is not None else {}
        self.vectors = dict(pairing.lead_vectors) if pairing is not None else {}


def _text_id(lang: str, text: str) -> str:
    """A default document id from the text itself: the same text, the same id."""
    return f"{lang}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


class Aligner:
    """Holds one encoder and the alignment parameters; reuse it across many pairs.

    With ``cache_dir``, sentence vectors are also kept on disk there (one SQLite file per
    encoder, keyed by a hash of the text), so later runs encode only new text.
    With ``lexical`` (the default), a bead whose two sides share a name (``신의주`` /
    Sinuiju) or a pair of the shipped Korean-English lexicon scores like one that shares
    a number (:mod:`aligner.lexical`); ``lexical=False`` scores numbers only.
    """

    def __init__(
        self,
        encoder: Encoder | str | None = None,
        *,
        device: str = "auto",
        batch_size: int | None = None,
        params: AlignParams | None = None,
        max_bead: int | None = None,
        content: ContentParams | None = None,
        cache_dir: str | Path | None = None,
        calibrator: Calibrator | str | Path | None = "default",
        lexical: bool = True,
    ) -> None:
        if encoder is None or isinstance(encoder, str):
            encoder = load_encoder(encoder, device=device, batch_size=batch_size)
        if cache_dir is not None:
            # On disk, vectors outlive the run: a rerun (after a crash, or with other
            # alignment settings) encodes only what it has not seen.
            encoder = CachedEncoder(encoder, cache_dir=cache_dir)
        self.encoder: Encoder = encoder
        params = params or AlignParams()
        if max_bead is not None:
            params = replace(params, max_bead=max_bead)
        self.params = params
        self.content = content or ContentParams()
        # The shipped calibration was fitted on the bundled encoder's scores; another
        # encoder's cosines sit on another scale, so it gets no probabilities unless
        # given a calibration of its own.
        if isinstance(calibrator, str) and calibrator == "default":
            calibrator = default_calibrator() if encoder.name.startswith("usem3@") else None
        elif isinstance(calibrator, str | Path):
            calibrator = Calibrator.load(calibrator)
        self.calibrator: Calibrator | None = calibrator
        # Lexical anchors (aligner/lexical.py) besides the numbers: Korean names matched
        # to their romanisations and the shipped lexicon's word pairs.
        self.lexical = lexical
        self.timings: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    def __getstate__(self) -> dict[str, object]:
        # A copy sent to a worker process starts its own timings.
        state = self.__dict__.copy()
        state["timings"] = dict.fromkeys(STAGES, 0.0)
        return state

    @property
    def model_encoder(self) -> Encoder:
        """The encoder that runs the model, under the embedding cache if there is one."""
        return getattr(self.encoder, "inner", self.encoder)

    def share_cpus(self, workers: int, cpus: int | None = None) -> None:
        """Give the encoder its share of ``cpus`` (default: this machine's) when
        ``workers`` copies of this aligner run side by side (BLAS threads that outnumber
        the cores spin and slow every one)."""
        inner = self.model_encoder
        if hasattr(inner, "threads"):
            inner.threads = max(1, (cpus or os.cpu_count() or 1) // max(1, workers))

    @property
    def on_cuda(self) -> bool:
        """Whether the encoder runs on a CUDA device."""
        return str(getattr(self.model_encoder, "device", "")).startswith("cuda")

    def use_visible_gpu(self) -> None:
        """Run on the one GPU this process is shown (``cuda``), whatever its number on the
        machine: a Ray actor given one GPU sees it as device 0."""
        if self.on_cuda:
            self.model_encoder.device = "cuda"  # type: ignore[attr-defined]

    def cache_counts(self) -> tuple[int, int]:
        """Texts this aligner's encoder sent to the model and texts it served from its
        cache so far ((0, 0) without a caching encoder)."""
        return getattr(self.encoder, "misses", 0), getattr(self.encoder, "hits", 0)

    # ------------------------------------------------------------------ pieces

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        vecs = self.encoder.encode(list(texts))
        self.timings["encode"] += time.perf_counter() - start
        return vecs

    def _align(
        self,
        en: Sequence[str],
        ko: Sequence[str],
        en_paragraphs: Sequence[int] | None = None,
        ko_paragraphs: Sequence[int] | None = None,
        vectors: dict[str, np.ndarray] | None = None,
    ) -> Alignment:
        start = time.perf_counter()
        encode_before = self.timings["encode"]
        aligned = align_sentence_texts(
            en,
            ko,
            self._encode,
            params=self.params,
            lexical=self.lexical,
            en_paragraphs=en_paragraphs,
            ko_paragraphs=ko_paragraphs,
            vectors=vectors,
            calibrator=self.calibrator,
        )
        spent_encoding = self.timings["encode"] - encode_before
        self.timings["align"] += time.perf_counter() - start - spent_encoding
        return aligned

    # ------------------------------------------------------------------ public

    def align_sentences(self, en: Sequence[str], ko: Sequence[str]) -> list[Bead]:
        """Align two lists of sentences; returns beads of 0-based indices with scores."""
        return list(self._align(list(en), list(ko)).beads)

    def segment(self, text: str, lang: str, *, presegmented_input: bool = False) -> list[Sentence]:
        start = time.perf_counter()
        sents = presegmented(text) if presegmented_input else segment(text, lang)
        self.timings["segment"] += time.perf_counter() - start
        return sents

    def align_documents(
        self,
        en_doc: Document,
        ko_doc: Document,
        *,
        pair_id: str | None = None,
        presegmented_input: bool = False,
    ) -> PairResult:
        """Segment and align two cleaned documents into a :class:`PairResult`."""
        segmented = self._segment_pair(en_doc, ko_doc, presegmented_input, Prepared())
        return self._align_segmented(en_doc, ko_doc, *segmented, pair_id=pair_id)

    def align_many(
        self,
        pairs: Pairing | Iterable[PairTask],
        *,
        presegmented_input: bool = False,
        chunk_size: int = 64,
        prepared: Prepared | None = None,
    ) -> Iterator[PairResult | PairFailure]:
        """Align many ``(pair_id, en_doc, ko_doc)`` pairs, in order.

        Sentences of ``chunk_size`` pairs are encoded together, in one call, so a GPU
        encoder sees full batches; a pair that cannot be aligned (no sentences on one
        side) yields a :class:`PairFailure` instead of stopping the batch. Given a
        :class:`Pairing`, the sentences and lead vectors its content pairing computed are
        used rather than computed again (``prepared`` passes them on explicitly).
        """
        if isinstance(pairs, Pairing):
            prepared = prepared or Prepared(pairs)
            pairs = pairs.pairs
        prepared = prepared or Prepared()
        chunk: list[PairTask] = []
        done = 0
        started = time.perf_counter()
        for pair in pairs:
            chunk.append(pair)
            if len(chunk) >= chunk_size:
                yield from self._align_chunk(chunk, presegmented_input, prepared)
                done += len(chunk)
                chunk = []
                rate = done / max(time.perf_counter() - started, 1e-9)
                log.info("aligned %d pairs so far (%.1f pairs/s)", done, rate)
        if chunk:
            yield from self._align_chunk(chunk, presegmented_input, prepared)

    def document_vectors(
        self, docs: Sequence[Document], *, lead: int = 10, presegmented_input: bool = False
    ) -> np.ndarray:
        """One L2-normalised vector per article: the mean of its first ``lead`` sentences.

        The lead (headline and first paragraphs) carries what a news article is about,
        and costs a fraction of encoding the whole article.
        """
        leads = [
            [s.text for s in self.segment(d.text, d.lang, presegmented_input=presegmented_input)]
            for d in docs
        ]
        return mean_vectors([texts[:lead] for texts in leads], {}, self._encode, self.encoder.dim)

    def pair(
        self,
        en_docs: Sequence[Document],
        ko_docs: Sequence[Document],
        *,
        mode: str = "auto",
        presegmented_input: bool = False,
        linked: Pairing | None = None,
    ) -> Pairing:
        """Find each English article's Korean original with this aligner's encoder and
        content thresholds (see :func:`aligner.pairing.pair_documents`). The returned
        :class:`Pairing` carries the sentences and lead vectors of the articles paired by
        content: pass it to :meth:`align_many` to reuse them. ``linked``: their pairing by
        link when made already (:class:`aligner.documents.Inputs`)."""

        def sentences(doc: Document) -> list[Sentence]:
            return self.segment(doc.text, doc.lang, presegmented_input=presegmented_input)

        return pair_documents(
            en_docs,
            ko_docs,
            mode=mode,
            params=self.content,
            sentences=sentences,
            encode=self._encode,
            dim=self.encoder.dim,
            presegmented_input=presegmented_input,
            linked=linked,
        )

    def _align_chunk(
        self, chunk: list[PairTask], presegmented_input: bool, prepared: Prepared
    ) -> Iterator[PairResult | PairFailure]:
        segmented = [
            self._segment_pair(en_doc, ko_doc, presegmented_input, prepared)
            for _, en_doc, ko_doc in chunk
        ]
        texts = list(dict.fromkeys(s.text for pair in segmented for side in pair for s in side))
        known = {t: prepared.vectors.pop(t) for t in texts if t in prepared.vectors}
        missing = [t for t in texts if t not in known]
        vectors = dict(zip(missing, self._encode(missing), strict=True)) if missing else {}
        vectors.update(known)
        for (pair_id, en_doc, ko_doc), sents in zip(chunk, segmented, strict=True):
            try:
                yield self._align_segmented(
                    en_doc, ko_doc, *sents, pair_id=pair_id, vectors=vectors
                )
            except AlignmentError as error:
                yield PairFailure(pair_id, en_doc, ko_doc, str(error))

    def _sentences(
        self, doc: Document, lang: str, presegmented_input: bool, prepared: Prepared
    ) -> tuple[Sentence, ...]:
        sents = prepared.sentences.pop((lang, doc.text, presegmented_input), None)
        if sents is None:
            sents = self.segment(doc.text, lang, presegmented_input=presegmented_input)
        return tuple(replace(s, doc_id=doc.doc_id) for s in sents)

    def _segment_pair(
        self, en_doc: Document, ko_doc: Document, presegmented_input: bool, prepared: Prepared
    ) -> tuple[tuple[Sentence, ...], tuple[Sentence, ...]]:
        return (
            self._sentences(en_doc, en_doc.lang, presegmented_input, prepared),
            self._sentences(ko_doc, ko_doc.lang, presegmented_input, prepared),
        )

    def _align_segmented(
        self,
        en_doc: Document,
        ko_doc: Document,
        en_sents: tuple[Sentence, ...],
        ko_sents: tuple[Sentence, ...],
        *,
        pair_id: str | None = None,
        vectors: dict[str, np.ndarray] | None = None,
    ) -> PairResult:
        if not en_sents or not ko_sents:
            empty = en_doc if not en_sents else ko_doc
            if not empty.text.strip() and empty.removed:
                raise AlignmentError(
                    f"{empty.source or empty.doc_id}: {furniture_only(empty.removed)} "
                    f"({NO_CLEAN_FIX})"
                )
            raise AlignmentError(f"{empty.source or empty.doc_id}: no sentences found")
        aligned = self._align(
            [s.text for s in en_sents],
            [s.text for s in ko_sents],
            [s.paragraph for s in en_sents],
            [s.paragraph for s in ko_sents],
            vectors,
        )
        scored = [b.score for b in aligned.beads if b.score is not None]
        return PairResult(
            pair_id=pair_id or f"{en_doc.doc_id}__{ko_doc.doc_id}",
            en_doc=en_doc,
            ko_doc=ko_doc,
            en_sents=en_sents,
            ko_sents=ko_sents,
            beads=aligned.beads,
            doc_score=float(np.mean(scored)) if scored else None,
            loose=aligned.loose,
        )

    def align_texts(
        self,
        en_text: str,
        ko_text: str,
        *,
        en_id: str | None = None,
        ko_id: str | None = None,
        pair_id: str | None = None,
        clean: bool = True,
        presegmented_input: bool = False,
        src_lang: str = "en",
        tgt_lang: str = "ko",
    ) -> PairResult:
        """Segment and align two texts.

        As on the command line, page furniture (translator credits, contact lines, "Read
        in Korean", bylines, copyright lines) is removed first unless ``clean=False`` or
        ``presegmented_input``; the result's documents hold the text that was aligned,
        and sentence offsets point into it. ``src_lang``/``tgt_lang`` name the languages of
        the first and second text (they choose the sentence splitters and the cleaning
        rules); the result keeps its ``en``/``ko`` field names. Ids default to a hash of each text
        (``en-1a2b3c4d5e``), so pairs of different texts get different pair ids
        (``EN_ID__KO_ID`` unless ``pair_id`` is given).
        """
        docs = []
        for given, lang, doc_id in ((en_text, src_lang, en_id), (ko_text, tgt_lang, ko_id)):
            text, removed = given, ()
            if clean and not presegmented_input:
                done = clean_text(given, lang, article_rules(given, lang))
                text, removed = done.text, done.removed
            doc_id = doc_id or _text_id(lang, given)
            docs.append(Document(doc_id=doc_id, lang=lang, text=text, removed=removed))
        return self.align_documents(*docs, pair_id=pair_id, presegmented_input=presegmented_input)

    def signature(self, **extra: object) -> str:
        fields: dict[str, object] = {
            "aligner": __version__,
            "enc": self.encoder.name,
            "seg": segmenter_signature(),
        }
        fields.update(self.params.signature_fields())
        fields["cal"] = self.calibrator.name if self.calibrator is not None else "none"
        fields["lex"] = lexical_signature() if self.lexical else "none"
        fields.update(extra)
        return signature(fields)

    def metadata(self, **extra: object) -> dict[str, str]:
        """File metadata for :func:`aligner.corpus.write_corpus`."""
        import json

        params = {f: getattr(self.params, f) for f in self.params.__dataclass_fields__}
        return {
            "aligner.signature": self.signature(**extra),
            "aligner.params": json.dumps(params, sort_keys=True),
            "aligner.pairing": json.dumps(asdict(self.content), sort_keys=True),
            "aligner.encoder": self.encoder.name,
        }
