"""Lexical anchors (aligner/lexical.py) on real names, sentences and parallel data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from aligner.align import align, number_marks
from aligner.errors import InputError
from aligner.lexical import (
    Lexicon,
    anchor_keys,
    default_lexicon,
    english_name_keys,
    english_words,
    evidence_marks,
    korean_name_keys,
    korean_tokens,
    latin_words,
    load_lexicon,
    name_key,
    romanize,
)
from aligner.segment import segment

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds" / "news"


@pytest.mark.parametrize(
    ("hangul", "english"),
    [
        ("신의주", "Sinuiju"),
        ("회령", "Hoeryong"),
        ("회령", "Hoeryŏng"),  # McCune-Reischauer with its breve
        ("개성", "Kaesong"),
        ("평양", "Pyongyang"),
        ("혜산", "Hyesan"),
        ("청진", "Chongjin"),
        ("함흥", "Hamhung"),
        ("양강", "Ryanggang"),  # North Korean initial r
        ("김정은", "Kim Jong Un"),
        ("김정은", "Kim Jong-un"),
        ("삼지연", "Samjiyon"),
    ],
)
def test_korean_names_match_their_english_spellings(hangul: str, english: str) -> None:
    assert name_key(romanize(hangul)) == name_key(english)


@pytest.mark.parametrize(
    ("hangul", "english"),
    [("서울", "Pyongyang"), ("회령", "Hyesan"), ("신의주", "Sinchon"), ("청진", "Chagang")],
)
def test_different_names_do_not_match(hangul: str, english: str) -> None:
    assert name_key(romanize(hangul)) != name_key(english)


def test_romanize_follows_revised_romanisation() -> None:
    assert romanize("회령") == "hoeryeong"
    assert romanize("신의주") == "sinuiju"
    assert romanize("닭") == "dak"
    assert romanize("김정은 위원장") == "gimjeongeunwiwonjang"  # other characters dropped


def test_name_keys_from_real_sentences() -> None:
    ko = "양강도 혜산시의 밀수꾼들은 회령과 신의주에서 온 상인들을 만났다."
    keys = korean_name_keys(korean_tokens([ko])[0])
    # 양강도 is a proper noun with its province suffix: both forms are kept.
    assert {name_key("Hyesan"), name_key("Hoeryong"), name_key("Sinuiju")} <= keys
    assert name_key("Ryanggang") in keys
    en = "Smugglers in Hyesan, Ryanggang Province, met traders from Hoeryong and Sinuiju."
    en_keys = english_name_keys(en)
    assert {name_key("Hyesan"), name_key("Hoeryong"), name_key("Ryanggang")} <= en_keys
    # Sentence-initial function words are not names.
    assert name_key("The") not in english_name_keys("The traders met in Hyesan.")


def test_latin_words_keep_acronyms_and_names_only() -> None:
    assert latin_words("UN이 G7 회의에서 Sherman 부장관과 and 만났다") == ["UN", "G7", "Sherman"]


def test_english_words_strip_plurals_and_possessives() -> None:
    assert english_words("The country's factories and cities") == [
        "the",
        "country",
        "factory",
        "and",
        "city",
    ]


def _sentences(name: str) -> tuple[list[str], list[str]]:
    en = (SEEDS / "en" / f"{name}.en.txt").read_text(encoding="utf-8")
    ko = (SEEDS / "ko" / f"{name}.ko.txt").read_text(encoding="utf-8")
    return [s.text for s in segment(en, "en")], [s.text for s in segment(ko, "ko")]


def test_anchors_on_a_real_article_pair() -> None:
    en, ko = _sentences("dandong")
    en_keys, ko_keys = anchor_keys(en, ko, latin=False)
    siniju = "n:" + name_key("Sinuiju")
    en_has = [i for i, k in enumerate(en_keys) if siniju in k]
    ko_has = [j for j, k in enumerate(ko_keys) if siniju in k]
    assert len(en_has) == 1 and len(ko_has) == 1
    assert "Sinuiju" in en[en_has[0]] and "신의주" in ko[ko_has[0]]
    # Every anchor found is on both sides.
    assert set().union(*en_keys) == set().union(*ko_keys)


def test_anchors_in_too_many_sentences_are_dropped() -> None:
    en = ["Pyongyang said so.", "Pyongyang denied it.", "Prices rose in Hyesan.", "No."]
    ko = ["평양은 그렇게 말했다.", "평양은 부인했다.", "혜산에서 가격이 올랐다.", "아니다."]
    en_keys, _ = anchor_keys(en, ko, max_share=0.34)
    assert en_keys[2] == {"n:" + name_key("Hyesan")}
    assert en_keys[0] == set() and en_keys[1] == set()  # Pyongyang: 2 of 4 sentences
    en_keys, _ = anchor_keys(en, ko, max_share=0.5)
    assert "n:" + name_key("Pyongyang") in en_keys[0]


def test_lexicon_pairs_become_anchors() -> None:
    lexicon = Lexicon({"쌀": frozenset({"rice"}), "옥수수": frozenset({"corn"})})
    en = ["The price of rice rose.", "Corn prices fell.", "Traders were surprised."]
    ko = ["옥수수 가격은 내렸다.", "쌀값이 올랐다.", "상인들은 놀랐다."]
    en_keys, ko_keys = anchor_keys(en, ko, names=False, latin=False, lexicon=lexicon)
    assert en_keys == [{"x:쌀:rice"}, {"x:옥수수:corn"}, set()]
    assert ko_keys == [{"x:옥수수:corn"}, {"x:쌀:rice"}, set()]


def test_evidence_marks_keep_numbers_and_give_anchors_free_bits() -> None:
    en, ko = _sentences("dandong")
    num_en, num_ko = number_marks(en), number_marks(ko)
    marks_en, marks_ko = evidence_marks(en, ko, lexicon=default_lexicon())
    assert np.all(marks_en & num_en == num_en) and np.all(marks_ko & num_ko == num_ko)
    anchors_en, anchors_ko = marks_en & ~num_en, marks_ko & ~num_ko
    used = int(np.bitwise_or.reduce(np.concatenate([num_en, num_ko])))
    assert int(np.bitwise_or.reduce(anchors_en)) & used == 0
    assert int(np.bitwise_or.reduce(anchors_en)) == int(np.bitwise_or.reduce(anchors_ko)) != 0


def test_no_anchors_without_hangul() -> None:
    en = ["The minister met his counterpart in Berlin.", "They spoke about Berlin."]
    fr = ["Le ministre a rencontré son homologue à Berlin.", "Ils ont parlé de Berlin."]
    marks_en, marks_fr = evidence_marks(en, fr, lexicon=default_lexicon())
    assert np.array_equal(marks_en, number_marks(en))
    assert np.array_equal(marks_fr, number_marks(fr))


def test_anchors_decide_between_two_equally_similar_sentences() -> None:
    # The Korean sentence translates one of two English sentences that the encoder finds
    # equally close to it (two paragraphs, so that no bead joins them): the shared name
    # decides which.
    en = ["Rice prices rose in Hyesan.", "Corn prices fell in Hoeryong."]
    ko = ["회령에서 옥수수 가격이 내렸다."]
    vec = np.ones((1, 16), dtype=np.float32) / 4.0
    en_vecs, ko_vecs = np.repeat(vec, 2, axis=0), vec
    en_marks, ko_marks = evidence_marks(en, ko)
    assert en_marks[0] == 0 and en_marks[1] == ko_marks[0] != 0
    linked = [
        (b.en, b.ko)
        for b in align(
            en_vecs, ko_vecs, en_paragraphs=[0, 1], en_numbers=en_marks, ko_numbers=ko_marks
        )
        if b.en and b.ko
    ]
    assert linked == [((1,), (0,))]
    plain = [(b.en, b.ko) for b in align(en_vecs, ko_vecs, en_paragraphs=[0, 1]) if b.en and b.ko]
    assert plain != linked  # without the anchor, the tie goes the other way


def test_load_lexicon_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "lex.tsv"
    path.write_text("# header\n쌀\trice\t5\n옥수수 corn\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lex\.tsv:3"):
        load_lexicon(path)


def test_shipped_lexicon_holds_real_translations() -> None:
    lexicon = default_lexicon()
    assert lexicon is not None and 1000 < len(lexicon) < 20000
    assert "energy" in lexicon.pairs["에너지"]
    assert "interview" in lexicon.pairs["인터뷰"]
    path = REPO / "aligner" / "lexicon_koen.tsv"
    assert path.stat().st_size < 2_000_000
    assert "CC BY-SA" in path.read_text(encoding="utf-8").splitlines()[2]


@pytest.mark.data
@pytest.mark.slow
def test_build_lexicon_from_shared_data(shared_data: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    import build_lexicon

    out = tmp_path / "lexicon.tsv"
    assert build_lexicon.main(["--data", str(shared_data), "--method", "dice", "-o", str(out)]) == 0
    lexicon = load_lexicon(out)
    assert len(lexicon) > 1000
    assert "energy" in lexicon.pairs["에너지"]
    assert "taiwan" in lexicon.pairs["대만"]


def test_empty_sides_give_empty_marks() -> None:
    lexicon = default_lexicon()
    en_marks, ko_marks = evidence_marks([], ["평양에서 열렸다."], lexicon=lexicon)
    assert en_marks.shape == (0,) and ko_marks.tolist() == [0]
    en_marks, ko_marks = evidence_marks([], [], lexicon=lexicon)
    assert en_marks.shape == ko_marks.shape == (0,)


def test_aligner_records_the_lexical_evidence_in_its_signature(tiny_st_model: Path) -> None:
    from aligner import Aligner

    on = Aligner(str(tiny_st_model), device="cpu")
    off = Aligner(str(tiny_st_model), device="cpu", lexical=False)
    assert f"|lex:names+koen{len(default_lexicon() or ())}|" in on.signature() + "|"
    assert "|lex:none" in off.signature()
    en, ko = _sentences("dandong")
    for al in (on, off):
        beads = al.align_sentences(en, ko)
        assert sorted(i for b in beads for i in b.en) == list(range(len(en)))
        assert sorted(j for b in beads for j in b.ko) == list(range(len(ko)))


def test_no_lexical_on_the_command_line_reaches_the_aligner(tiny_st_model: Path, tmp_path) -> None:
    from typer.testing import CliRunner

    from aligner.cli import app
    from aligner.corpus import read_metadata

    en_file, ko_file = SEEDS / "en" / "dandong.en.txt", SEEDS / "ko" / "dandong.ko.txt"
    signatures = {}
    for flag in ("--lexical", "--no-lexical"):
        out = tmp_path / f"{flag.strip('-')}.parquet"
        args = [str(en_file), str(ko_file), "-o", str(out), "--model", str(tiny_st_model), flag]
        result = CliRunner().invoke(app, ["align", *args])
        assert result.exit_code == 0, result.output
        signatures[flag] = read_metadata(out)["aligner.signature"]
    assert "|lex:names+koen" in signatures["--lexical"]
    assert "|lex:none|" in signatures["--no-lexical"]
