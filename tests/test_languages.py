"""Language pairs other than English-Korean: segmentation, script checks, the CLI."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import read_corpus, read_documents, read_metadata
from aligner.errors import InputError
from aligner.languages import language, language_name
from aligner.schema import parse_signature
from aligner.segment import check_language, language_fields, segment, segmenter_signature

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _well_formed(text: str, sents) -> None:
    covered = set()
    for i, s in enumerate(sents):
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.idx == i
        covered.update(range(s.start, s.end))
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered
    assert all(a.end <= b.start for a, b in pairwise(sents))


# --------------------------------------------------------------------------- segmentation


def test_chinese_splits_after_full_stops_and_closing_quotes() -> None:
    text = (
        "我二十一岁时，正在云南插队。她要讨论的事是这样的：她不是破鞋。"
        "我喝问一声：“鸡巴，鱼呢？”那个年纪大点的说：“吃了！”\n\n"
        "第二段用的是半角问号?是的!结束了。"
    )
    sents = segment(text, "zh", doc_id="z")
    _well_formed(text, sents)
    assert [(s.text, s.paragraph) for s in sents] == [
        ("我二十一岁时，正在云南插队。", 0),
        ("她要讨论的事是这样的：她不是破鞋。", 0),  # no cut at the colon
        ("我喝问一声：“鸡巴，鱼呢？”", 0),  # the closing quote stays with its sentence
        ("那个年纪大点的说：“吃了！”", 0),
        ("第二段用的是半角问号?", 1),  # ASCII ? and ! in Chinese text
        ("是的!", 1),
        ("结束了。", 1),
    ]
    assert {s.doc_id for s in sents} == {"z"}


def test_japanese_keeps_a_quotative_with_its_quotation() -> None:
    text = "今日は晴れです。「行こう！」と彼は言った。「はい。」彼女は答えた。\n本当ですか？"
    sents = segment(text, "ja")
    _well_formed(text, sents)
    assert [s.text for s in sents] == [
        "今日は晴れです。",
        "「行こう！」と彼は言った。",
        "「はい。」",
        "彼女は答えた。",
        "本当ですか？",
    ]
    # offsets point into the original, across the line break
    assert text[sents[-1].start :] == "本当ですか？"


def test_an_ellipsis_or_a_lone_mark_does_not_make_a_sentence() -> None:
    text = "他想了想……然后走了。！？"
    sents = segment(text, "zh")
    _well_formed(text, sents)
    assert [s.text for s in sents] == ["他想了想……然后走了。！？"]


def test_german_and_french_use_sentencex_with_their_rules() -> None:
    de = "Dr. Müller kam am 3. Mai an. Er sagte: „Gut.“ Dann ging er."
    assert [s.text for s in segment(de, "de")] == [
        "Dr. Müller kam am 3. Mai an.",
        "Er sagte: „Gut.“",
        "Dann ging er.",
    ]
    fr = "M. Dupont est arrivé. « Bonjour ! » dit-il. Puis il partit."
    sents = segment(fr, "fr")
    _well_formed(fr, sents)
    assert [s.text for s in sents] == [
        "M. Dupont est arrivé.",
        "« Bonjour ! » dit-il.",
        "Puis il partit.",
    ]


def test_an_unknown_code_is_segmented_with_generic_rules() -> None:
    text = "Kaixo mundua. Hau bigarren esaldia da."
    assert [s.text for s in segment(text, "xx")] == ["Kaixo mundua.", "Hau bigarren esaldia da."]


def test_segmenter_signature_per_language() -> None:
    assert segmenter_signature("zh").startswith("cjk-rules@")
    assert segmenter_signature("ja") == segmenter_signature("zh")
    assert segmenter_signature("de").startswith("sentencex@")
    assert segmenter_signature("ko").startswith("kiwi@")


# --------------------------------------------------------------------------- language facts


def test_language_table() -> None:
    assert language_name("de") == "German"
    assert language("ZH-Hant").name == "Chinese"
    assert language("ja").scripts == ("Han", "Kana")
    assert language("xx").scripts == ()  # unknown: no script check
    with pytest.raises(InputError, match="invalid language code 'German'"):
        language("German")


def test_signature_fields_only_for_other_pairs() -> None:
    assert language_fields("en", "ko") == {}
    assert language_fields("EN", "ko") == {}
    fields = language_fields("de", "fr")
    assert fields["langs"] == "de-fr"
    assert re.fullmatch(r"sentencex@[\w.]+", fields["seg"])
    assert language_fields("zh", "en")["seg"].split("+")[0].startswith("cjk-rules@")


# --------------------------------------------------------------------------- script checks

KOREAN = "평양의 여러 소식통은 올해 중국에서 북한으로 들어온 화물 열차가 없다고 확인했다."
ENGLISH = "Multiple sources in Pyongyang confirmed that no cargo trains have entered."
CHINESE = "平壤的多位消息人士证实，今年没有货运列车从中国进入朝鲜。这是他们昨天说的。"
JAPANESE = "平壌の複数の消息筋は、今年中国から北朝鮮に入った貨物列車はないと確認した。"
RUSSIAN = "Несколько источников в Пхеньяне подтвердили, что грузовые поезда не прибывали."


def _message(text: str, lang: str, **kw) -> str:
    with pytest.raises(InputError) as err:
        check_language(text, lang, path="in.txt", **kw)
    return str(err.value)


def test_english_and_korean_messages_keep_their_wording() -> None:
    assert _message(KOREAN, "en") == (
        "in.txt: expected English text but found mostly Hangul (100% of letters) "
        "(check the argument order: English first, then Korean)"
    )
    assert _message(ENGLISH, "ko") == (
        "in.txt: expected Korean text but found mostly Latin letters (0% of letters are "
        "Hangul) (check the argument order: English first, then Korean)"
    )


def test_german_expected_but_found_another_script() -> None:
    assert "expected German text but found mostly Han characters (100% of letters)" in (
        _message(CHINESE, "de")
    )
    assert "expected German text but found mostly Cyrillic letters" in _message(RUSSIAN, "de")
    check_language(ENGLISH, "de")  # same script: cannot tell, so accepted
    check_language("Die Händler warten in Dandong (丹东) auf neue Waren aus China.", "de")


def test_chinese_and_japanese_checks() -> None:
    message = _message(ENGLISH, "zh", pair=("zh", "en"))
    assert "expected Chinese text but found mostly Latin letters (0% of letters are Han" in message
    assert "Chinese (zh) first, then English (en)" in message
    assert "expected Japanese text but found mostly Hangul" in _message(KOREAN, "ja")
    assert "(0% of letters are Han characters or Kana)" in _message(KOREAN, "ja")
    check_language(CHINESE, "zh")
    check_language(JAPANESE, "ja")
    check_language("北朝鮮の貿易は5月にGDPの10%を超えたとDaily NKが報じた。", "ja")
    assert "expected Russian text but found mostly Latin letters" in _message(ENGLISH, "ru")


def test_unknown_languages_skip_the_script_check() -> None:
    check_language(KOREAN, "xx")
    check_language(CHINESE, "eo")
    with pytest.raises(InputError, match="invalid language code"):
        check_language(ENGLISH, "")


# --------------------------------------------------------------------------- CLI


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    de = tmp_path / "bahn.de.txt"
    fr = tmp_path / "bahn.fr.txt"
    de.write_text(
        "Der Zug steht seit April im Bahnhof von Dandong.\n"
        "Die Händler warten auf neue Waren.\n\n"
        "Niemand weiß, wann er wieder fährt.\n",
        encoding="utf-8",
    )
    fr.write_text(
        "Le train est en gare de Dandong depuis avril.\n"
        "Les commerçants attendent de nouvelles marchandises.\n\n"
        "Personne ne sait quand il repartira.\n",
        encoding="utf-8",
    )
    return de, fr


def test_cli_refuses_text_in_the_wrong_script(tmp_path: Path) -> None:
    de, _ = _pair(tmp_path)
    zh = tmp_path / "bahn.zh.txt"
    zh.write_text(CHINESE, encoding="utf-8")
    out = tmp_path / "out.parquet"
    result = _run("align", de, zh, "-o", out, "--src-lang", "zh", "--tgt-lang", "de")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "bahn.de.txt: expected Chinese text but found mostly Latin letters" in lines[0]
    assert "Chinese (zh) first, then German (de)" in lines[0]
    assert not out.exists()
    bad = _run("align", de, zh, "-o", out, "--src-lang", "German")
    assert bad.exit_code == 1 and "invalid language code 'German'" in bad.stderr


@pytest.mark.slow
def test_cli_aligns_german_with_french(tiny_st_model: Path, tmp_path: Path) -> None:
    de, fr = _pair(tmp_path)
    out = tmp_path / "defr.parquet"
    result = _run(
        "align", de, fr, "-o", out, "--src-lang", "de", "--tgt-lang", "fr",
        "--model", tiny_st_model,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "aligned 3 German and 3 French sentences into" in result.stdout
    frame = read_corpus(out).collect()
    assert frame["en_text"].str.contains("Bahnhof").any()
    assert frame["ko_text"].str.contains("gare").any()
    fields = parse_signature(read_metadata(out)["aligner.signature"])
    assert fields["langs"] == "de-fr"
    assert fields["seg"].startswith("sentencex@") and "kiwi" not in fields["seg"]
    docs = read_documents(out).sort("role")
    assert docs.select("role", "lang").rows() == [("en", "de"), ("ko", "fr")]


def _documented_signature_keys() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("aligner:") and "|enc:" in x)
    return list(parse_signature(line))


@pytest.mark.slow
def test_english_korean_signature_is_unchanged(tiny_st_model: Path, tmp_path: Path) -> None:
    en = tmp_path / "a.en.txt"
    ko = tmp_path / "a.ko.txt"
    en.write_text("The central bank kept its benchmark interest rate unchanged.\n", "utf-8")
    ko.write_text("한국은행은 기준금리를 동결했다.\n", "utf-8")
    out = tmp_path / "enko.parquet"
    result = _run("align", en, ko, "-o", out, "--model", tiny_st_model)
    assert result.exit_code == 0, result.output
    assert "aligned 1 English and 1 Korean sentences" in result.stdout
    fields = parse_signature(read_metadata(out)["aligner.signature"])
    assert list(fields) == _documented_signature_keys()
    assert "langs" not in fields
    assert re.fullmatch(r"kiwi@[\w.]+\+sentencex@[\w.]+", fields["seg"])
    assert fields["seg"] == segmenter_signature()
    explicit = tmp_path / "explicit.parquet"
    again = _run(
        "align", en, ko, "-o", explicit, "--model", tiny_st_model,
        "--src-lang", "en", "--tgt-lang", "ko",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert parse_signature(read_metadata(explicit)["aligner.signature"]) == fields
    assert read_documents(out).select("lang").to_series().to_list() == ["en", "ko"]


def test_a_korean_report_quoting_english_at_length_is_korean() -> None:
    """A Voice of America report quotes the English statement verbatim, often at more
    length than its own Korean: counted letter for letter its Hangul falls under 30%,
    though a Hangul syllable carries about as much as three Latin letters. Weighed so, it
    passes; English given as Korean or Chinese (next to no Hangul or Han) still fails."""
    quote = (
        '[대변인] "The Secretary and the Foreign Minister reaffirmed the ironclad alliance '
        'and discussed close cooperation on the wide range of regional and global issues."'
    )
    report = "국무부는 두 장관이 동맹을 재확인했다고 밝혔습니다.\n\n" + quote + "\n"
    letters = len(re.findall(r"[^\W\d_]", report))
    assert len(re.findall(r"[가-힣]", report)) / letters < 0.3  # under the bar unweighted
    check_language(report, "ko")
    assert "expected Korean text" in _message(ENGLISH + " " + ENGLISH, "ko")
    assert "expected Chinese text" in _message(ENGLISH * 3 + "北京", "zh")
