from __future__ import annotations

import ast
import json
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner.documents import (
    CleanRules,
    clean,
    load_document,
    normalise,
    read_collection,
    read_jsonl,
    read_parquet,
    read_text,
    rules_for,
)
from aligner.errors import InputError

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_ID = "000_1f513c82f196d388"
SEED_EN = SEEDS / f"{SEED_ID}.en.txt"
SEED_KO = SEEDS / f"{SEED_ID}.ko.txt"

EN_FURNITURE = (
    "*Translated by S & J",
    "Please direct any comments or questions about this article to dailynkenglish@uni-media.net.",
    "Read in Korean",
)
EN_CAPTION = (
    "The train in question, still parked at a Dandong train station. "
    "This image was taken on May 14, 2021. / Daily NK"
)
KO_FURNITURE = (
    "장슬기 기자 skjang@uni-media.net",
    "<저작권자 ⓒ 데일리NK, 무단전재 및 재배포 금지>",
)
KO_CAPTION = (
    "중국 단둥의 한 기차역에 여전히 세워져 있는 해당 열차. 2021년 5월 14일 촬영. /사진=데일리NK"
)


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------ read_text


def test_missing_file(tmp_path: Path) -> None:
    message = _error(read_text, tmp_path / "nope.txt")
    assert "nope.txt" in message and "not found" in message


def test_directory(tmp_path: Path) -> None:
    message = _error(read_text, tmp_path)
    assert str(tmp_path) in message and "directory" in message


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    assert "empty.txt: file is empty" in _error(read_text, f)


def test_bom_only_file_is_empty(tmp_path: Path) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbf")
    assert "empty" in _error(read_text, f)


def test_whitespace_only_file(tmp_path: Path) -> None:
    f = tmp_path / "blank.txt"
    f.write_text(" \n\t\r\n\u00a0\u200b\n", encoding="utf-8")
    assert "blank.txt: file contains only whitespace" in _error(read_text, f)


def test_not_utf8_names_line_offset_and_iconv(tmp_path: Path) -> None:
    f = tmp_path / "legacy.txt"
    head = b"first line\nsecond line\n"
    f.write_bytes(head + "세 번째 줄\n".encode("cp949"))
    message = _error(read_text, f)
    assert "legacy.txt:3:" in message
    assert f"byte offset {len(head)}" in message
    assert "iconv -f CP949 -t UTF-8" in message


def test_not_utf8_offset_counts_the_bom(tmp_path: Path) -> None:
    f = tmp_path / "bom_bad.txt"
    f.write_bytes(b"\xef\xbb\xbfok\n\xff")
    message = _error(read_text, f)
    assert "bom_bad.txt:2:" in message and "byte offset 6" in message


def test_nul_bytes(tmp_path: Path) -> None:
    f = tmp_path / "binary.txt"
    f.write_bytes(b"text\nmore\x00\x01\x02")
    message = _error(read_text, f)
    assert "binary.txt:2:" in message and "NUL" in message


def test_utf16_with_a_byte_order_mark_is_decoded(tmp_path: Path) -> None:
    f = tmp_path / "wide.txt"
    f.write_bytes("hello".encode("utf-16"))
    assert read_text(f) == "hello"


def test_bom_is_stripped(tmp_path: Path) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbfHello.\n")
    assert read_text(f) == "Hello."


def test_crlf_and_cr_become_lf(tmp_path: Path) -> None:
    f = tmp_path / "dos.txt"
    f.write_bytes(b"One.\r\nTwo.\r\n\r\nThree.\rFour.\r\n")
    assert read_text(f) == "One.\nTwo.\n\nThree.\nFour."


def test_nfc(tmp_path: Path) -> None:
    f = tmp_path / "nfd.txt"
    f.write_text(unicodedata.normalize("NFD", "북한 café"), encoding="utf-8")
    assert read_text(f) == "북한 café"


# ------------------------------------------------------------------ normalise


def test_normalise_examples() -> None:
    raw = "\n\nA\u00a0b\u200bc  \t\r\n\r\n\r\n\r\nd\u3000e\u2028f \n\n\n"
    assert normalise(raw) == "A bc\n\nd e\nf"


def test_normalise_keeps_single_blank_lines_and_tabs() -> None:
    assert normalise("a\tb\n\nc\nd") == "a\tb\n\nc\nd"


_TRICKY = st.sampled_from(
    list(
        " \t\n\r\u00a0\u200b\u200c\u200d\u2060\ufeff\u00ad\u2028\u2029\u0301\u1100\u1161"
        "\u11a8\u3000\u2000\x85\x0b\x0c"
    )
)


@settings(deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), _TRICKY)))
def test_normalise_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert "\r" not in once and "\u00a0" not in once and "\n\n\n" not in once
    assert once == unicodedata.normalize("NFC", once)


# ------------------------------------------------------------------ clean


def _paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def test_clean_seed_english_removes_exactly_the_furniture() -> None:
    text = read_text(SEED_EN)
    cleaned, removed = clean(text, "en")
    assert removed[:3] == EN_FURNITURE
    assert len(removed) == 4
    assert removed[3].startswith("Seulkee Jang is one of Daily NK's full-time reporters")
    assert removed[3].endswith("She can be reached at skjang(at)uni-media.net.")
    # Every body paragraph is kept verbatim, the caption included.
    body = _paragraphs(text)[:11]
    assert _paragraphs(cleaned) == body
    assert EN_CAPTION in cleaned.split("\n")
    assert body[0].startswith("Despite signs Sino-North Korean trade was set to resume")
    assert body[-1].endswith("to prevent smuggling and defections.")
    for line in removed:
        assert line not in cleaned


def test_clean_seed_korean_keeps_body_and_caption() -> None:
    text = read_text(SEED_KO)
    cleaned, removed = clean(text, "ko")
    assert removed == KO_FURNITURE
    assert KO_CAPTION in cleaned.split("\n")
    assert _paragraphs(cleaned) == _paragraphs(text)[:11]
    assert cleaned.endswith("전기철조망을 설치했기 때문이다.")


def test_clean_can_drop_captions_on_both_sides() -> None:
    en, removed_en = clean(read_text(SEED_EN), "en", rules_for("en", drop_captions=True))
    ko, removed_ko = clean(read_text(SEED_KO), "ko", rules_for("ko", drop_captions=True))
    assert EN_CAPTION in removed_en and EN_CAPTION not in en
    assert KO_CAPTION in removed_ko and KO_CAPTION not in ko


def test_clean_is_idempotent_on_seeds() -> None:
    for path, lang in ((SEED_EN, "en"), (SEED_KO, "ko")):
        once, _ = clean(read_text(path), lang)
        assert clean(once, lang) == (once, ())


def test_bio_is_removed_only_at_the_end() -> None:
    bio = "Jane Doe is one of Daily NK's reporters and covers the economy."
    text = f"First paragraph.\n\n{bio}\n\nLast paragraph."
    assert clean(text, "en") == (text, ())
    cleaned, removed = clean(f"{text}\n\n*Translated by J\n{bio}", "en")
    assert cleaned == text and removed == ("*Translated by J", bio)


def test_clean_keeps_paragraph_structure_around_removed_lines() -> None:
    text = "One.\n\nRead in Korean\n\nTwo.\nThree.\n\nTranslated by A. B.\n\nFour."
    cleaned, removed = clean(text, "en")
    assert cleaned == "One.\n\nTwo.\nThree.\n\nFour."
    assert removed == ("Read in Korean", "Translated by A. B.")


def test_clean_does_not_remove_body_sentences_that_mention_furniture_words() -> None:
    text = (
        "The book, translated by a defector, was read in Korean schools.\n\n"
        "He said reporters could contact us at the border.\n\n"
        "North Korea is a dangerous place for foreign reporters."
    )
    assert clean(text, "en") == (text, ())


def test_clean_korean_bylines_and_copyright() -> None:
    text = (
        "본문 첫 문장이다.\n\n홍길동 기자\n\n둘째 문단이다.\n\nⓒ 데일리NK 무단전재 및 재배포 금지"
    )
    cleaned, removed = clean(text, "ko")
    assert cleaned == "본문 첫 문장이다.\n\n둘째 문단이다."
    assert removed == ("홍길동 기자", "ⓒ 데일리NK 무단전재 및 재배포 금지")


def test_clean_unknown_language_and_custom_rules() -> None:
    assert clean("Read in Korean\nHallo.", "de") == ("Read in Korean\nHallo.", ())
    import re

    rules = CleanRules(anywhere=(re.compile(r"ADVERTISEMENT"),))
    assert clean("A.\nADVERTISEMENT\nB.", "en", rules) == ("A.\nB.", ("ADVERTISEMENT",))


# ------------------------------------------------------------------ load_document


def test_load_seed_document() -> None:
    doc = load_document(SEED_EN, "en")
    assert doc.doc_id == SEED_ID and doc.lang == "en" and doc.source == str(SEED_EN)
    assert [r.rule for r in doc.removed] == [
        "caption",  # the seed is recognised as a Daily NK page, whose recipe drops captions
        "translator_credit",
        "contact",
        "language_link",
        "bio",
    ]
    assert "Read in Korean" not in doc.text
    raw = load_document(SEED_EN, "en", doc_id="x", clean_furniture=False)
    assert raw.doc_id == "x" and raw.removed == () and "Read in Korean" in raw.text


def test_load_document_all_furniture(tmp_path: Path) -> None:
    f = tmp_path / "a.en.txt"
    f.write_text("*Translated by S & J\nRead in Korean\n", encoding="utf-8")
    assert "a.en.txt: no text left" in _error(load_document, f, "en")


def test_load_document_bad_lang(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Text.", encoding="utf-8")
    assert "language" in _error(load_document, f, "")


# ------------------------------------------------------------------ JSONL


def _jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        + "\n",
        encoding="utf-8",
    )
    return path


def test_read_jsonl(tmp_path: Path) -> None:
    f = _jsonl(
        tmp_path / "arts.jsonl",
        [
            {
                "id": 7,
                "lang": "en",
                "text": "Body.\r\n\r\nRead in Korean",
                "title": "T",
                "url": "https://e/1",
                "original_url": "https://k/1",
                "date": "2021-05-17",
            },
            "",
            {"id": "k1", "lang": "ko", "text": "본문이다.", "title": None},
        ],
    )
    en, ko = read_jsonl(f)
    assert (en.doc_id, en.lang, en.text) == ("7", "en", "Body.")
    assert [(r.rule, r.text) for r in en.removed] == [("language_link", "Read in Korean")]
    assert (en.title, en.url, en.original_url, en.date) == (
        "T",
        "https://e/1",
        "https://k/1",
        "2021-05-17",
    )
    assert en.source == f"{f}:1" and ko.source == f"{f}:3" and ko.title == ""
    assert [d.doc_id for d in read_jsonl(f, "ko")] == ["k1"]


def test_read_jsonl_lang_argument_fills_missing_lang(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "Hi."}])
    assert read_jsonl(f, "en")[0].lang == "en"
    assert "a.jsonl:1: missing required field 'lang'" in _error(read_jsonl, f)


def test_read_jsonl_bad_json(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "bad.jsonl", [{"id": "a", "lang": "en", "text": "x"}, '{"id": "b",'])
    message = _error(read_jsonl, f)
    assert "bad.jsonl:2: invalid JSON" in message


def test_read_jsonl_not_an_object(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "list.jsonl", [[1, 2]])
    assert "list.jsonl:1: expected a JSON object" in _error(read_jsonl, f)


@pytest.mark.parametrize("field", ["id", "lang", "text"])
def test_read_jsonl_missing_field(tmp_path: Path, field: str) -> None:
    rec = {"id": "a", "lang": "en", "text": "x"}
    del rec[field]
    f = _jsonl(tmp_path / "m.jsonl", [{"id": "z", "lang": "en", "text": "ok"}, rec])
    assert f"m.jsonl:2: missing required field '{field}'" in _error(read_jsonl, f)


def test_read_jsonl_bad_values(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "v.jsonl", [{"id": "a", "lang": "en", "text": 5}])
    assert "v.jsonl:1: field 'text' must be a string" in _error(read_jsonl, f)
    f = _jsonl(tmp_path / "e.jsonl", [{"id": "a", "lang": "en", "text": " \n "}])
    assert "e.jsonl:1: field 'text' is empty" in _error(read_jsonl, f)
    f = _jsonl(tmp_path / "d.jsonl", [{"id": "a", "lang": "en", "text": "x"}] * 2)
    assert "duplicate en id 'a' at line 2 (first at line 1)" in _error(read_jsonl, f)


def test_read_jsonl_no_articles(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "only_ko.jsonl", [{"id": "a", "lang": "ko", "text": "가."}])
    assert "no articles" in _error(read_jsonl, f, "en")


# ------------------------------------------------------------------ Parquet


def _parquet(path: Path, columns: dict[str, list]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_read_parquet(tmp_path: Path) -> None:
    f = _parquet(
        tmp_path / "a.parquet",
        {
            "id": ["e1", "k1"],
            "lang": ["en", "ko"],
            "text": ["Body.\n*Translated by S & J", "본문이다."],
            "original_url": ["https://k/1", None],
        },
    )
    en, ko = read_parquet(f)
    assert (en.doc_id, en.text, en.original_url) == ("e1", "Body.", "https://k/1")
    assert [r.text for r in en.removed] == ["*Translated by S & J"]
    assert ko.original_url == "" and ko.source == f"{f}#1"
    assert [d.doc_id for d in read_parquet(f, "ko")] == ["k1"]


def test_read_parquet_missing_column(tmp_path: Path) -> None:
    f = _parquet(tmp_path / "nocol.parquet", {"id": ["a"], "lang": ["en"], "body": ["x"]})
    message = _error(read_parquet, f)
    assert "nocol.parquet" in message and "missing column 'text'" in message


def test_read_parquet_null_value(tmp_path: Path) -> None:
    f = _parquet(
        tmp_path / "n.parquet", {"id": ["a", "b"], "lang": ["en", "en"], "text": ["x", None]}
    )
    assert "n.parquet: row 1: missing required field 'text'" in _error(read_parquet, f)


def test_read_parquet_not_parquet(tmp_path: Path) -> None:
    f = tmp_path / "fake.parquet"
    f.write_text("not parquet", encoding="utf-8")
    assert "fake.parquet: not a readable Parquet file" in _error(read_parquet, f)
    assert "not found" in _error(read_parquet, tmp_path / "none.parquet")


# ------------------------------------------------------------------ read_collection


def test_read_collection_seeds(tmp_path: Path) -> None:
    for path in (SEED_EN, SEED_KO):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    docs = read_collection(tmp_path)
    assert sorted((d.doc_id, d.lang) for d in docs) == [(SEED_ID, "en"), (SEED_ID, "ko")]
    assert [d.lang for d in read_collection(tmp_path, "ko")] == ["ko"]
    news = read_collection(SEEDS / "news" / "en", "en")  # the README's example folders
    assert sorted(d.doc_id for d in news) == ["dandong", "rates-hold", "ulsan-title"]


def test_read_collection_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.en.txt").write_text("A.", encoding="utf-8")
    (tmp_path / "sub" / "b.en.txt").write_text("B.", encoding="utf-8")
    (tmp_path / "a.ko.txt").write_text("가.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    assert [d.doc_id for d in read_collection(tmp_path, "en")] == ["a", "b"]
    (tmp_path / "plain.txt").write_text("P.", encoding="utf-8")
    assert "plain.txt: cannot tell the language" in _error(read_collection, tmp_path)
    assert [d.doc_id for d in read_collection(tmp_path, "ko")] == ["a", "plain"]


def test_read_collection_dispatch_and_errors(tmp_path: Path) -> None:
    j = _jsonl(tmp_path / "a.jsonl", [{"id": "a", "lang": "en", "text": "x"}])
    p = _parquet(tmp_path / "a.parquet", {"id": ["a"], "lang": ["en"], "text": ["x"]})
    assert read_collection(j)[0].doc_id == read_collection(p)[0].doc_id == "a"
    (tmp_path / "a.csv").write_text("id,text", encoding="utf-8")
    assert "unsupported file type '.csv'" in _error(read_collection, tmp_path / "a.csv")
    (tmp_path / "empty").mkdir()
    assert "no .txt files" in _error(read_collection, tmp_path / "empty")
    assert "not found" in _error(read_collection, tmp_path / "missing")


# ------------------------------------------------------------------ seed gold


@pytest.mark.slow
def test_seed_gold_covers_every_sentence() -> None:
    segment = pytest.importorskip("aligner.segment").segment
    counts = {
        lang: len(segment(load_document(SEEDS / f"{SEED_ID}.{lang}.txt", lang).text, lang))
        for lang in ("en", "ko")
    }
    en: list[int] = []
    ko: list[int] = []
    for line in (SEEDS / f"{SEED_ID}.gold").read_text(encoding="utf-8").splitlines():
        left, right = line.split(":")
        en += ast.literal_eval(left)
        ko += ast.literal_eval(right)
    assert en == list(range(counts["en"]))
    assert ko == list(range(counts["ko"]))


@pytest.mark.parametrize(
    "line",
    [
        "[Read in Korean](https://www.dailynk.com/korean/20230215-3/)",
        "Read in Korean: https://www.dailynk.com/korean/20230215-3/",
        "Read this article in Korean (https://www.dailynk.com/korean/20230215-3/).",
        '<a href="https://www.dailynk.com/korean/20230215-3/">Read in Korean</a>',
        "Korean version: https://www.dailynk.com/korean/20230215-3/",
    ],
)
def test_a_read_in_korean_link_names_the_original_and_is_removed(tmp_path: Path, line: str):
    body = "Trade resumed on Monday.\n\nOfficials confirmed it."
    path = tmp_path / "story.en.txt"
    path.write_text(f"{body}\n\n*Translated by S & J\n{line}\n", encoding="utf-8")
    doc = load_document(path, "en")
    assert doc.original_url == "https://www.dailynk.com/korean/20230215-3/"
    assert doc.text == body and line in [r.text for r in doc.removed]
    kept = load_document(path, "en", clean_furniture=False)  # found, and left in the text
    assert kept.original_url == doc.original_url and line in kept.text


def test_link_in_the_text_fills_only_a_missing_original_url(tmp_path: Path) -> None:
    text = "Trade resumed.\n[Read in Korean](https://example.kr/ko/1)"
    rows = [
        {"id": "a", "lang": "en", "text": text},
        {"id": "b", "lang": "en", "text": text, "original_url": "https://example.kr/ko/2"},
        {
            "id": "c",
            "lang": "ko",
            "text": "무역이 재개되었다.\n[Read in Korean](https://example.kr/x)",
        },
        {"id": "d", "lang": "en", "text": "We read in Korean: https://example.kr/ko/3 daily."},
    ]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    docs = {d.doc_id: d for d in read_jsonl(path)}
    assert docs["a"].original_url == "https://example.kr/ko/1"
    assert docs["b"].original_url == "https://example.kr/ko/2"  # the record's field wins
    assert docs["c"].original_url == ""  # only English articles name an original
    assert docs["d"].original_url == "" and "daily" in docs["d"].text  # prose, not a link


@pytest.mark.parametrize(
    "line",
    [
        "[영문 기사 보기](https://www.dailynk.com/english/trade-01/)",
        "영문 기사 보기: https://www.dailynk.com/english/trade-01/",
        '<a href="https://www.dailynk.com/english/trade-01/">Read in English</a>',
    ],
)
def test_a_korean_link_to_the_english_version_is_kept_and_removed(tmp_path: Path, line: str):
    path = tmp_path / "story.ko.txt"
    path.write_text(f"무역이 재개되었다.\n\n관리들이 확인했다.\n{line}\n", encoding="utf-8")
    doc = load_document(path, "ko")
    assert doc.translation_url == "https://www.dailynk.com/english/trade-01/"
    assert doc.original_url == "" and line in [r.text for r in doc.removed]
    assert doc.text == "무역이 재개되었다.\n\n관리들이 확인했다."


# ------------------------------------------------------------------ share_recipes

# A Daily NK pair: the Korean page calls for the dailynk recipe ("/사진=데일리NK"), its
# English translation carries nothing that names the site; only the recipe drops the
# English tag line and caption.
SHARE_EN = (
    "The dollar has been rising more sharply than the yuan in the markets of North Korea.\n\n"
    "flood, propaganda, loyalty\n"
    "North Korea’s Rodong Sinmun reported on Sept. 30 that Kim Jong Un had visited the "
    "site. (Rodong Sinmun, News 1)\n\n"
    "Prices of rice and corn climbed again this week, sources said.\n"
)
SHARE_KO = (
    "북한 시장 쌀 가격이 연일 상승세를 보이고 있다.\n\n"
    "논에서 모내기를 하고 있는 북한 일꾼들을 배경으로 선전 구호가 보인다. /사진=데일리NK\n\n"
    "옥수수 가격도 올랐다고 소식통이 전했다.\n"
)
# a second pair where neither side calls for a recipe: nothing is read again for it
PLAIN_EN = "Heavy rain is expected across the southern provinces this weekend, officials said."
PLAIN_KO = "이번 주말 남부 지방에 많은 비가 내릴 것으로 예상된다고 당국자들이 밝혔다."


def _share_inputs(kind: str, root: Path) -> tuple[Path, Path]:
    """The two pairs as a folder, JSONL or Parquet collection per side; the English
    side names the Korean original by URL for the Daily NK pair (a Korean article that
    shares its id but has no recipe is not its partner), the plain pair by id."""
    ko_url = "https://news.example.org/korean/rice-01/"
    en_recs = [
        {"id": "plain", "text": PLAIN_EN},
        {"id": "rice-en", "text": SHARE_EN, "original_url": ko_url},
    ]
    ko_recs = [
        {"id": "plain", "text": PLAIN_KO},
        {"id": "rice-ko", "text": SHARE_KO, "url": ko_url},
        {"id": "rice-en", "text": PLAIN_KO},
    ]
    paths = []
    for lang, recs in (("en", en_recs), ("ko", ko_recs)):
        if kind == "folder":  # no URLs: a file's partner is the file with its name
            folder = root / lang
            folder.mkdir()
            for rec in recs:
                if rec["id"] != "rice-en" or lang == "en":
                    name = "rice-en" if rec["id"] == "rice-ko" else rec["id"]
                    (folder / f"{name}.{lang}.txt").write_text(rec["text"], "utf-8")
            paths.append(folder)
        elif kind == "jsonl":
            paths.append(_jsonl(root / f"{lang}.jsonl", recs))
        else:
            cols = {k: [r.get(k) for r in recs] for k in ("id", "text", "original_url", "url")}
            pq.write_table(pa.table(cols), root / f"{lang}.parquet")
            paths.append(root / f"{lang}.parquet")
    return paths[0], paths[1]


@pytest.mark.parametrize("kind", ["folder", "jsonl", "parquet"])
def test_a_pair_shares_the_recipe_one_side_calls_for(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aligner.documents as documents
    import aligner.pairing as pairing

    en, ko = _share_inputs(kind, tmp_path)
    alone = read_collection(en, "en")
    assert "Rodong Sinmun" in next(d for d in alone if d.doc_id == "rice-en").text
    ko_alone = [d.text for d in read_collection(ko, "ko")]
    reads: list[tuple[str, object]] = []
    for name in ("_jsonl_reads", "_parquet_reads", "read_file_article"):
        real = getattr(documents, name)

        def counted(path, *args, _real=real, _name=name, **kwargs):
            reads.append((_name, Path(path).name))
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(documents, name, counted)
    linkings = []
    real_link = pairing.pair_by_link

    def linking(*args, **kwargs):
        linkings.append(real_link(*args, **kwargs))
        return linkings[-1]

    monkeypatch.setattr(pairing, "pair_by_link", linking)
    inputs = documents.read_inputs(en, ko, ("en", "ko"))
    en_docs, ko_docs = inputs.en, inputs.ko
    rice = next(d for d in en_docs if d.doc_id == "rice-en")
    assert rice.text == (
        "The dollar has been rising more sharply than the yuan in the markets of North Korea."
        "\n\nPrices of rice and corn climbed again this week, sources said."
    )
    assert {r.rule for r in rice.removed} >= {"dailynk:tags", "dailynk:caption"}
    assert rice.source and rice.lang == "en"
    # the Korean side and the plain pair are as first read
    assert [d.text for d in ko_docs] == ko_alone
    assert next(d for d in en_docs if d.doc_id == "plain").text == PLAIN_EN
    # every file read once, and paired by link once: the pairing holds the articles as
    # cleaned again, and pairing them by link now gives it
    if kind == "folder":
        assert sorted(n for _, n in reads) == [
            "plain.en.txt", "plain.ko.txt", "rice-en.en.txt", "rice-en.ko.txt",
        ]  # fmt: skip
    else:
        reader = "_jsonl_reads" if kind == "jsonl" else "_parquet_reads"
        assert sorted(reads) == [(reader, f"en.{kind}"), (reader, f"ko.{kind}")]
    assert len(linkings) == 1 and inputs.linked is not None
    assert any(e is rice for _, e, _ in inputs.linked.pairs)
    assert real_link(list(en_docs), list(ko_docs)) == inputs.linked
    assert documents.load_inputs(en, ko, ("en", "ko")) == (list(en_docs), list(ko_docs))


def test_shared_recipes_read_each_collection_file_once(tmp_path: Path, monkeypatch) -> None:
    import aligner.documents as documents

    # three English articles of one JSONL file cleaned again: from the text first read
    en_recs, ko_recs = [], []
    for i in range(3):
        en_recs.append({"id": f"a{i}", "text": SHARE_EN})
        ko_recs.append({"id": f"a{i}", "text": SHARE_KO})
    en, ko = _jsonl(tmp_path / "en.jsonl", en_recs), _jsonl(tmp_path / "ko.jsonl", ko_recs)
    calls: list[str] = []
    real = documents.decode_file

    def counted(path, *args, **kwargs):
        calls.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(documents, "decode_file", counted)
    en_docs, _ = documents.load_inputs(en, ko, ("en", "ko"))
    assert calls == ["en.jsonl", "ko.jsonl"]  # each side once
    assert all("Rodong Sinmun" not in d.text for d in en_docs)


def test_a_partner_recipe_that_would_empty_an_article_is_not_applied(tmp_path: Path) -> None:
    from aligner.documents import load_inputs

    # the English page is only a tag line and a caption: the Korean page's recipe would
    # leave nothing, so the English article keeps its first cleaning
    en_text = (
        "flood, propaganda, loyalty\n"
        "North Korea’s Rodong Sinmun reported on Sept. 30 that Kim Jong Un had visited the "
        "site. (Rodong Sinmun, News 1)\n"
    )
    en = _jsonl(tmp_path / "en.jsonl", [{"id": "a", "text": en_text}])
    ko = _jsonl(tmp_path / "ko.jsonl", [{"id": "a", "text": SHARE_KO}])
    en_docs, _ = load_inputs(en, ko, ("en", "ko"))
    assert "Rodong Sinmun" in en_docs[0].text


def test_a_link_line_only_the_partners_recipe_knows_pairs_again(tmp_path: Path, monkeypatch):
    """The one case where recipe sharing pairs by link twice: cleaned again with its
    partner's recipe, an article gives a link its own rules did not see, and the
    pairing follows it, as pairing the articles read now gives."""
    import aligner.recipes as recipes
    from aligner.documents import read_inputs
    from aligner.pairing import pair_by_link

    site = tmp_path / "site.toml"
    site.write_text(
        "name = \"site\"\ndetect = ['SITE-SIGN']\n"
        "[en.links]\noriginal = ['Original at:\\s*(\\S+)']\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(recipes, "shipped_recipes", lambda: (recipes.load_recipe(site),))
    en = _jsonl(
        tmp_path / "en.jsonl",
        [{"id": "a", "text": "Rice prices rose again.\nOriginal at: https://k.example/b"}],
    )
    ko = _jsonl(
        tmp_path / "ko.jsonl",
        [
            {"id": "a", "text": "쌀값이 올랐다.\nSITE-SIGN"},
            {"id": "b", "text": "쌀값이 또 올랐다.", "url": "https://k.example/b"},
        ],
    )
    inputs = read_inputs(en, ko)
    (en_doc,) = inputs.en
    assert en_doc.original_url == "https://k.example/b"
    assert inputs.linked == pair_by_link(list(inputs.en), list(inputs.ko))
    assert [(e.doc_id, k.doc_id) for _, e, k in inputs.linked.pairs] == [("a", "b")]
