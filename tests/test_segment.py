from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner import splitters
from aligner.errors import AlignerError, InputError
from aligner.segment import (
    check_language,
    presegmented,
    segment,
    segment_with,
    segmenter_signature,
)
from aligner.types import Sentence

SEED_EN = Path(__file__).resolve().parents[1] / "seeds" / "000_1f513c82f196d388.en.txt"


def texts(text: str, lang: str) -> list[str]:
    return [s.text for s in segment(text, lang)]


def assert_well_formed(text: str, sents: list[Sentence]) -> None:
    """Exact, stripped, ordered, non-overlapping spans that cover every visible character."""
    assert [s.idx for s in sents] == list(range(len(sents)))
    last_end = 0
    last_paragraph = 0
    for s in sents:
        assert text[s.start : s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert s.start >= last_end
        assert s.paragraph >= last_paragraph
        last_end = s.end
        last_paragraph = s.paragraph
    visible = "".join(c for c in text if not c.isspace())
    assert "".join(c for s in sents for c in s.text if not c.isspace()) == visible


# --------------------------------------------------------------------------- English


def test_abbreviations_do_not_end_sentences():
    text = (
        "Mr. Smith met Dr. Jones in the U.S. capital on Jan. 5. "
        "The U.N. envoy, Ms. Park, arrived later. George W. Bush was not there."
    )
    assert texts(text, "en") == [
        "Mr. Smith met Dr. Jones in the U.S. capital on Jan. 5.",
        "The U.N. envoy, Ms. Park, arrived later.",
        "George W. Bush was not there.",
    ]


def test_title_before_a_name_after_a_quote():
    text = '"It was a bit challenging," Ms. Sumbung said. Aid arrived on Monday.'
    assert texts(text, "en") == [
        '"It was a bit challenging," Ms. Sumbung said.',
        "Aid arrived on Monday.",
    ]


def test_initials():
    text = "J. K. Rowling wrote the books. J.R.R. Tolkien wrote others."
    assert texts(text, "en") == ["J. K. Rowling wrote the books.", "J.R.R. Tolkien wrote others."]


def test_decimals_and_amounts():
    text = "Growth was 3.5% in 2023. It cost $4.25 million, or 0.7 percent of sales. Prices fell."
    assert texts(text, "en") == [
        "Growth was 3.5% in 2023.",
        "It cost $4.25 million, or 0.7 percent of sales.",
        "Prices fell.",
    ]


def test_times_before_a_day_or_zone_stay_inside():
    text = "The vote is at 10 a.m. Tuesday. It ended at 5 p.m. The count followed at 7 p.m. ET."
    assert texts(text, "en") == [
        "The vote is at 10 a.m. Tuesday.",
        "It ended at 5 p.m.",
        "The count followed at 7 p.m. ET.",
    ]


def test_quote_holding_several_sentences_is_split_inside():
    # the convention of the gold data: a sentence inside a quotation is a sentence, and
    # each quotation mark stays with the sentence it belongs to
    text = "“It was great. Really great,” he said. “We won.” Then they left."
    assert texts(text, "en") == [
        "“It was great.",
        "Really great,” he said.",
        "“We won.”",
        "Then they left.",
    ]


def test_straight_quotes_attach_to_their_sentence():
    text = (
        'He said: "We were going to war. Millions would have died. '
        'Now we have peace." Experts agreed. "They are fine." It ended.'
    )
    assert texts(text, "en") == [
        'He said: "We were going to war.',
        "Millions would have died.",
        'Now we have peace."',
        "Experts agreed.",
        '"They are fine."',
        "It ended.",
    ]


def test_single_quotes_and_apostrophes():
    text = "He said: 'We didn't fight wars to be subservient. We want our own laws.' It's over."
    assert texts(text, "en") == [
        "He said: 'We didn't fight wars to be subservient.",
        "We want our own laws.'",
        "It's over.",
    ]


def test_question_in_quote_followed_by_lowercase_attribution():
    text = '"Do they think I get a discount?" she wondered. Nobody answered.'
    assert texts(text, "en") == [
        '"Do they think I get a discount?" she wondered.',
        "Nobody answered.",
    ]


def test_ellipsis():
    text = "He paused… Then he spoke. Wait... what? They were nice … they said. It ended..."
    assert texts(text, "en") == [
        "He paused…",
        "Then he spoke.",
        "Wait... what?",
        "They were nice … they said.",
        "It ended...",
    ]


def test_another_splitter_goes_through_the_same_rules_and_repairs():
    def after_full_stops(chunk: str) -> list[int]:  # a naive splitter: after ". "
        return [m.end() for m in re.finditer(r"\. ", chunk)]

    text = "Mr. Smith paid $3.5 million.  “It was fair. Really,” he said.\nDone…"
    sents = segment_with(text, "EN", after_full_stops, "d")
    assert_well_formed(text, sents)
    # no cut after the title, the quote mark goes with its sentence, the line is a boundary
    assert [s.text for s in sents] == [
        "Mr. Smith paid $3.5 million.",
        "“It was fair.",
        "Really,” he said.",
        "Done…",
    ]
    assert {s.doc_id for s in sents} == {"d"}
    assert segment_with(text, "en", splitters.cuts_for("en")) == segment(text, "en")


# --------------------------------------------------------------------------- Korean


def test_korean_endings_without_full_stop():
    text = "북한은 국경을 봉쇄했다 그러나 무역은 재개되지 않았다 소식통이 전했다."
    assert texts(text, "ko") == [
        "북한은 국경을 봉쇄했다",
        "그러나 무역은 재개되지 않았다",
        "소식통이 전했다.",
    ]


def test_korean_quote_with_quotative_stays_with_its_verb():
    text = "그는 “오늘은 비가 온다. 내일은 맑다”라고 말했다. 물가는 3.5% 올랐다."
    assert texts(text, "ko") == [
        "그는 “오늘은 비가 온다.",
        "내일은 맑다”라고 말했다.",
        "물가는 3.5% 올랐다.",
    ]
    text = "소식통은 “열차는 작년에 들어왔다”고 말했다. 당국은 침묵했다."
    assert texts(text, "ko") == ["소식통은 “열차는 작년에 들어왔다”고 말했다.", "당국은 침묵했다."]


def test_korean_standalone_quote():
    text = '정부는 발표했다. "우리는 준비가 되어 있다. 문제는 없다." 장관이 덧붙였다.'
    assert texts(text, "ko") == [
        "정부는 발표했다.",
        '"우리는 준비가 되어 있다.',
        '문제는 없다."',
        "장관이 덧붙였다.",
    ]


def test_korean_offsets_exact_with_astral_characters():
    text = "  😀 이모지가 든 문장이다.  두 번째 😀😀 문장이다.\n\n셋째 (3.5%) 문장이다.  "
    sents = segment(text, "ko", "k")
    assert_well_formed(text, sents)
    assert [s.text for s in sents] == [
        "😀 이모지가 든 문장이다.",
        "두 번째 😀😀 문장이다.",
        "셋째 (3.5%) 문장이다.",
    ]
    assert [s.paragraph for s in sents] == [0, 0, 1]


def test_lone_mark_goes_with_the_next_sentence():
    assert texts("이 열차는 5월 14일 촬영됐다. / 데일리NK", "ko") == [
        "이 열차는 5월 14일 촬영됐다.",
        "/ 데일리NK",
    ]
    assert texts("This image was taken on May 14, 2021. / Daily NK", "en") == [
        "This image was taken on May 14, 2021.",
        "/ Daily NK",
    ]


def test_kiwi_is_built_once():
    assert splitters.kiwi() is splitters.kiwi()


# --------------------------------------------------------------------------- paragraphs and lines


def test_paragraph_boundary_is_never_crossed():
    # no final punctuation before the blank line, and an abbreviation right before it
    text = "A headline without a full stop\n\nHe met Mr.\n \t\nSmith today. Then he left."
    sents = segment(text, "en")
    assert [(s.text, s.paragraph) for s in sents] == [
        ("A headline without a full stop", 0),
        ("He met Mr.", 1),
        ("Smith today.", 2),
        ("Then he left.", 2),
    ]
    ko = segment("제목 줄\n\n본문이 시작된다 그리고 끝난다.", "ko")
    assert [(s.text, s.paragraph) for s in ko] == [
        ("제목 줄", 0),
        ("본문이 시작된다", 1),
        ("그리고 끝난다.", 1),
    ]


def test_standalone_lines_are_sentences():
    text = "Rangers stunned at Livingston\nPromoted Livingston beat Rangers on Sunday.\nBy Jane Doe"
    assert texts(text, "en") == [
        "Rangers stunned at Livingston",
        "Promoted Livingston beat Rangers on Sunday.",
        "By Jane Doe",
    ]


def test_run_on_line_break_reads_as_space():
    text = "The minister said the plan\nwould cost 3.5 billion won. Critics disagreed,\nSome said."
    sents = segment(text, "en")
    assert [s.text for s in sents] == [
        "The minister said the plan\nwould cost 3.5 billion won.",
        "Critics disagreed,\nSome said.",
    ]
    assert_well_formed(text, sents)


def test_hard_wrapped_paragraph_is_joined():
    text = (
        "The freight train that appeared in several\n"
        "media outlets entered China last year before\n"
        "North Korea closed the border. It has been\n"
        "stuck there since.\r\n"
    )
    assert [t.replace("\n", " ") for t in texts(text, "en")] == [
        "The freight train that appeared in several media outlets entered China last year "
        "before North Korea closed the border.",
        "It has been stuck there since.",
    ]


def test_list_items_are_sentences():
    text = "Key facts:\n- Palu is the capital\n- Donggala is nearby\n1. The quake hit on Friday"
    assert texts(text, "en") == [
        "Key facts:",
        "- Palu is the capital",
        "- Donggala is nearby",
        "1. The quake hit on Friday",
    ]


def test_korean_line_ending_in_a_particle_runs_on():
    text = "정부는 국경을\n봉쇄했다.\n北 무역 재개 조짐\n당국은 침묵했다."
    assert texts(text, "ko") == [
        "정부는 국경을\n봉쇄했다.",
        "北 무역 재개 조짐",
        "당국은 침묵했다.",
    ]


SEED_TAIL = (
    "This is because the border has cameras and fences to prevent smuggling.\n"
    "\n"
    "*Translated by S & J\n"
    "\n"
    "Please direct any comments or questions about this article to desk@example.net.\n"
    "Read in Korean\n"
    "Jane Doe is one of the paper's reporters. She has a M.A. in Sociology and a B.A. "
    "in History. She can be reached at jdoe(at)example.net."
)


def test_article_tail_lines_are_separate_sentences():
    sents = segment(SEED_TAIL, "en")
    assert_well_formed(SEED_TAIL, sents)
    assert [(s.text, s.paragraph) for s in sents] == [
        ("This is because the border has cameras and fences to prevent smuggling.", 0),
        ("*Translated by S & J", 1),
        ("Please direct any comments or questions about this article to desk@example.net.", 2),
        ("Read in Korean", 2),
        ("Jane Doe is one of the paper's reporters.", 2),
        ("She has a M.A. in Sociology and a B.A. in History.", 2),
        ("She can be reached at jdoe(at)example.net.", 2),
    ]


def test_seed_article_segments_sensibly():
    text = SEED_EN.read_text(encoding="utf-8")
    sents = segment(text, "en", "seed")
    assert_well_formed(text, sents)
    tail = [s.text for s in sents[-6:]]
    assert "*Translated by S & J" in tail
    assert "Read in Korean" in tail
    assert any(t.startswith("Please direct any comments") for t in tail)
    assert tail[-1].startswith("She can be reached")
    assert len({s.paragraph for s in sents}) == text.count("\n\n") + 1


# --------------------------------------------------------------------------- generated text

EN_WORDS = [
    "the", "minister", "said", "Mr.", "U.S.", "3.5%", "$4.2", "Jan.", "Seoul", "trade",
    "“quoted", "words”", '"plain', 'quote"', "it's", "(in", "brackets)", "e.g.", "no.", "…",
    "...", "A.", "well,", "won;", "x-ray",
]  # fmt: skip
KO_WORDS = [
    "정부는", "국경을", "봉쇄했다", "“무역은", "재개됐다”라고", "3.5%", "北", "말했다",
    "그러나", "‘검토’", "Mr.", "U.S.", "(서울)", "…", "했고", "😀", "데일리NK",
]  # fmt: skip
ENDS = [".", "!", "?", "…", '."', ".”", "", "?’"]
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\n", "\r\n", " \n"]
BLANKS = ["\n\n", "\n \n", "\r\n\r\n", "\n\u3000\n\n", "\n\t\n"]


@st.composite
def documents(draw, words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Text of random paragraphs, and the span of each paragraph."""
    word = st.sampled_from(words)
    sentence = st.builds(
        lambda ws, end: " ".join(ws) + end,
        st.lists(word, min_size=1, max_size=8),
        st.sampled_from(ENDS),
    )
    paragraphs = draw(st.lists(st.lists(sentence, min_size=1, max_size=5), min_size=1, max_size=4))
    text = draw(st.sampled_from(["", " ", "\n", "\n\n "]))
    spans = []
    for p, sents in enumerate(paragraphs):
        if p:
            text += draw(st.sampled_from(BLANKS))
        start = len(text)
        for i, s in enumerate(sents):
            if i:
                text += draw(st.sampled_from(SPACES))
            text += s
        spans.append((start, len(text)))
    text += draw(st.sampled_from(["", " ", "\n", " \n\n"]))
    return text, spans


def check_generated(doc: tuple[str, list[tuple[int, int]]], lang: str) -> None:
    text, spans = doc
    sents = segment(text, lang, "g")
    assert_well_formed(text, sents)
    assert {s.doc_id for s in sents} == {"g"}
    for s in sents:
        p_start, p_end = spans[s.paragraph]
        assert p_start <= s.start < s.end <= p_end
    assert {s.paragraph for s in sents} == set(range(len(spans)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(EN_WORDS))
def test_generated_english_offsets_and_paragraphs(doc):
    check_generated(doc, "en")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(KO_WORDS))
def test_generated_korean_offsets_and_paragraphs(doc):
    check_generated(doc, "ko")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab. “”\"'?\n \t가다…/-"), max_size=60))
def test_any_text_gives_exact_spans(text):
    for lang in ("en", "ko"):
        assert_well_formed(text, segment(text, lang))


def test_empty_and_blank_text():
    assert segment("", "en") == []
    assert segment(" \n\n\t\n", "ko") == []
    assert presegmented("\n \n") == []


def test_invalid_language_code_is_an_input_error():
    with pytest.raises(InputError, match=r"invalid language code 'German'"):
        segment("Hallo Welt.", "German")
    with pytest.raises(InputError):
        segmenter_signature("")


# --------------------------------------------------------------------------- presegmented


def test_presegmented_keeps_lines_as_given():
    text = "  First line. Still the first.\r\nSecond line\n\n \nThird, new paragraph \u3000\n"
    sents = presegmented(text, "p")
    assert [(s.text, s.paragraph, s.idx) for s in sents] == [
        ("First line. Still the first.", 0, 0),
        ("Second line", 0, 1),
        ("Third, new paragraph", 1, 2),
    ]
    for s in sents:
        assert text[s.start : s.end] == s.text
        assert s.doc_id == "p"


# --------------------------------------------------------------------------- signature


def test_segmenter_signature():
    sig = segmenter_signature()
    assert re.fullmatch(r"kiwi@\d+\.\d+[\w.]*\+sentencex@\d+\.\d+[\w.]*", sig)
    assert segmenter_signature("ko").startswith("kiwi@")
    assert segmenter_signature("en").startswith("sentencex@")
    assert sig == "+".join(sorted([segmenter_signature("en"), segmenter_signature("ko")]))


# --------------------------------------------------------------------------- language check


def test_check_language_accepts_the_right_language():
    check_language("북한 당국은 지난달 새 와크를 심사했다. Daily NK가 보도했다.", "ko")
    check_language("North Korea closed its border with China (중국) in 2020.", "en")
    check_language("OK", "ko")  # too few letters to judge


def test_check_language_rejects_english_as_korean():
    english = "Multiple sources in Pyongyang confirmed that no cargo trains have entered."
    with pytest.raises(InputError) as err:
        check_language(english, "ko", path="articles/ko/001.txt")
    message = str(err.value)
    assert "articles/ko/001.txt" in message
    assert "Korean" in message and "Latin" in message
    assert "English first, then Korean" in message
    assert isinstance(err.value, AlignerError)


def test_check_language_rejects_korean_as_english():
    korean = "평양의 여러 소식통은 올해 중국에서 북한으로 들어온 화물 열차가 없다고 확인했다."
    with pytest.raises(InputError) as err:
        check_language(korean, "en", path="en.txt")
    assert str(err.value).startswith("en.txt: expected English text")
    assert err.value.fix and "English first" in err.value.fix


def test_check_language_invalid_code():
    with pytest.raises(InputError, match="invalid language code"):
        check_language("text", "French")


def ko_texts(text: str) -> list[str]:
    return [s.text for s in segment(text, "ko")]


def test_korean_no_cut_inside_a_word() -> None:
    # Kiwi reads the 마 of 묻지마식 ("indiscriminate") as an imperative ending
    assert ko_texts("이 같은 묻지마식 처벌이 이어지고 있다는 것이다.") == [
        "이 같은 묻지마식 처벌이 이어지고 있다는 것이다."
    ]
    assert ko_texts(
        "주민들 사이에서는 묻지마식 단속에 대한 불만이 커지고 있다. 소식통은 이렇게 말했다."
    ) == ["주민들 사이에서는 묻지마식 단속에 대한 불만이 커지고 있다.", "소식통은 이렇게 말했다."]


def test_korean_no_cut_inside_a_related_article_bracket() -> None:
    assert ko_texts(
        "(▶관련기사 보기: 北 무산광산 가동 중단. 전기 공급 끊겨) 이런 일이 있었다."
    ) == [
        "(▶관련기사 보기: 北 무산광산 가동 중단. 전기 공급 끊겨)",
        "이런 일이 있었다.",
    ]


def test_korean_no_cut_at_an_ellipsis_inside_a_quoted_headline() -> None:
    assert ko_texts(
        "앞서 데일리NK는 “무역 재개됐다…주민들 환영” 기사에서 이같이 전한 바 있다."
    ) == ["앞서 데일리NK는 “무역 재개됐다…주민들 환영” 기사에서 이같이 전한 바 있다."]
    assert ko_texts("앞서 데일리NK는 “무역 재개됐다…” 기사에서 이같이 전한 바 있다.") == [
        "앞서 데일리NK는 “무역 재개됐다…” 기사에서 이같이 전한 바 있다."
    ]
    # an ellipsis that ends a sentence outside quotes still ends it, and a quote of
    # several sentences is still split inside
    assert ko_texts("그는 말끝을 흐렸다… 그리고 떠났다.") == [
        "그는 말끝을 흐렸다…",
        "그리고 떠났다.",
    ]
    assert ko_texts("소식통은 “단속이 심해졌다. 주민들이 불안해한다”고 말했다.") == [
        "소식통은 “단속이 심해졌다.",
        "주민들이 불안해한다”고 말했다.",
    ]


def test_korean_splits_english_sentences_quoted_in_the_original() -> None:
    # a Korean report quoting the English statement whole: Kiwi never cuts between
    # English sentences, the English splitter does, and the Korean after it starts anew
    text = (
        "[프라이스 대변인] “Deputy Secretary of State Wendy Sherman spoke today with ROK "
        "First Vice Foreign Minister Choi Jong Kun about Russia’s attack on Ukraine. The "
        "Deputy Secretary stressed that Mr. Putin’s war is a needless act of aggression.” "
        "프라이스 대변인은 “셔먼 부장관이 지적했다”고 전했습니다."
    )
    assert ko_texts(text) == [
        "[프라이스 대변인] “Deputy Secretary of State Wendy Sherman spoke today with ROK "
        "First Vice Foreign Minister Choi Jong Kun about Russia’s attack on Ukraine.",
        "The Deputy Secretary stressed that Mr. Putin’s war is a needless act of aggression.”",
        "프라이스 대변인은 “셔먼 부장관이 지적했다”고 전했습니다.",
    ]
    # a short English name inside a Korean sentence changes nothing
    assert ko_texts("그는 “Mr. Kim said so”라고 말했다. 이어 떠났다.") == [
        "그는 “Mr. Kim said so”라고 말했다.",
        "이어 떠났다.",
    ]


def test_no_cut_between_initials_after_a_hyphen() -> None:
    # sentencex cuts "ROK-U.S." before "S."
    text = "Both stressed the ROK-U.S. alliance and peace. They met U.S. officials."
    assert texts(text, "en") == [
        "Both stressed the ROK-U.S. alliance and peace.",
        "They met U.S. officials.",
    ]
    assert texts("He was in the U.S. He left.", "en") == ["He was in the U.S.", "He left."]


def test_washington_dc_before_a_name_or_title_ends_a_sentence() -> None:
    # sentencex cuts after an abbreviation only before a common opener ("D.C. They"),
    # not before a title or a name
    text = (
        "Deputy Secretary of State Wendy Sherman met the Republic of Korea Ambassador Cho "
        "Hyundong today in Washington, D.C. Deputy Secretary Sherman congratulated "
        "Ambassador Cho on his appointment. They also discussed the situation in Sudan."
    )
    assert texts(text, "en") == [
        "Deputy Secretary of State Wendy Sherman met the Republic of Korea Ambassador Cho "
        "Hyundong today in Washington, D.C.",
        "Deputy Secretary Sherman congratulated Ambassador Cho on his appointment.",
        "They also discussed the situation in Sudan.",
    ]
    assert texts("The envoys met in Washington, D.C. The two sides agreed to meet.", "en") == [
        "The envoys met in Washington, D.C.",
        "The two sides agreed to meet.",
    ]
    assert texts("Talks were held in Washington D.C. U.S. officials called them useful.", "en") == [
        "Talks were held in Washington D.C.",
        "U.S. officials called them useful.",
    ]
    # the district's own institutions, and lowercase continuations, carry on the name
    for text in (
        "Washington, D.C. Mayor Muriel Bowser welcomed the delegation on Monday.",
        "The case went to the Washington, D.C. Circuit Court of Appeals last year.",
        "He lives in Washington, D.C. and works at the Korean embassy.",
        "The D.C. Council met on Friday.",
    ):
        assert texts(text, "en") == [text]


def test_abbreviations_before_capitals_still_do_not_end_sentences() -> None:
    text = (
        "U.S. President Joe Biden met U.N. Command officials on Jan. 9 with Mr. Kim and "
        "Dr. Lee, the No. 1 negotiator."
    )
    assert texts(text, "en") == [text]


def test_korean_quote_with_a_space_before_its_closing_mark_keeps_its_verb() -> None:
    # a space before or after the closing quote mark changes nothing: the quotation and
    # its reporting clause are one sentence
    cases = {
        "김 대변인은 “대화의 문을 열어둘 것입니다. ”라고 말하였다. 이어 회견을 마쳤다.": [
            "김 대변인은 “대화의 문을 열어둘 것입니다. ”라고 말하였다.",
            "이어 회견을 마쳤다.",
        ],
        "소식통은 “최근 국경 단속이 강화됐다. ” 라고 밝혔다. 당국은 침묵했다.": [
            "소식통은 “최근 국경 단속이 강화됐다. ” 라고 밝혔다.",
            "당국은 침묵했다.",
        ],
        "소식통은 “쌀값이 지난달보다 크게 올랐다.” 고 말했다. 주민들은 불안해한다.": [
            "소식통은 “쌀값이 지난달보다 크게 올랐다.” 고 말했다.",
            "주민들은 불안해한다.",
        ],
        "그는 “북한이 또 도발을 했다. ”며 비판했다. 회의는 끝났다.": [
            "그는 “북한이 또 도발을 했다. ”며 비판했다.",
            "회의는 끝났다.",
        ],
    }
    for text, want in cases.items():
        assert texts(text, "ko") == want


def test_korean_sentence_after_a_quote_still_starts_anew() -> None:
    # a word that merely begins like a quotative (고위, 며칠) starts a sentence
    text = (
        "그는 “북한은 변하지 않았다.” 고위 관계자는 이렇게 말했다. "
        "“며칠 더 기다리겠다.” 며칠 뒤 그는 떠났다."
    )
    assert texts(text, "ko") == [
        "그는 “북한은 변하지 않았다.”",
        "고위 관계자는 이렇게 말했다.",
        "“며칠 더 기다리겠다.”",
        "며칠 뒤 그는 떠났다.",
    ]


def test_korean_go_after_a_quote_is_the_late_before_a_name() -> None:
    # after a closing quote and a space, 고 is the quotative (standard spacing glues it,
    # but ” 고 말했다 is common) or 故 "the late" before a name, which starts a sentence:
    # Kiwi reads 고 as a determiner before a proper noun only in the second case
    cases = {
        "“그해 여름에는 모두가 울었습니다.” 고 김일성 주석이 사망한 1994년 7월, 평양의 "
        "한 공장 노동자였던 탈북민 이모 씨는 이렇게 회고했다.": [
            "“그해 여름에는 모두가 울었습니다.”",
            "고 김일성 주석이 사망한 1994년 7월, 평양의 한 공장 노동자였던 탈북민 이모 씨는 "
            "이렇게 회고했다.",
        ],
        "“장군님의 유훈을 끝까지 관철하자.” 고 김정일 위원장의 10주기를 맞아 노동신문은 "
        "이런 구호를 1면에 실었다.": [
            "“장군님의 유훈을 끝까지 관철하자.”",
            "고 김정일 위원장의 10주기를 맞아 노동신문은 이런 구호를 1면에 실었다.",
        ],
        "한 주민은 “그 시절에는 다들 배급만 기다렸다고 어머니가 말했다.” 고 김정일 위원장이 "
        "집권한 1990년대 후반에는 배급이 사실상 끊겼다.": [
            "한 주민은 “그 시절에는 다들 배급만 기다렸다고 어머니가 말했다.”",
            "고 김정일 위원장이 집권한 1990년대 후반에는 배급이 사실상 끊겼다.",
        ],
        # the quotative reading, with a verb or with an inverted reporting clause
        "소식통은 “장마당 쌀값이 지난달보다 크게 올랐다.” 고 전했다. 당국은 침묵했다.": [
            "소식통은 “장마당 쌀값이 지난달보다 크게 올랐다.” 고 전했다.",
            "당국은 침묵했다.",
        ],
        "그는 “국경 경비가 한층 강화됐다.” 고 덧붙였다. 회의는 끝났다.": [
            "그는 “국경 경비가 한층 강화됐다.” 고 덧붙였다.",
            "회의는 끝났다.",
        ],
        "“핵 무력 강화는 계속될 것이다.” 고 김 위원장은 말했다. 회의는 끝났다.": [
            "“핵 무력 강화는 계속될 것이다.” 고 김 위원장은 말했다.",
            "회의는 끝났다.",
        ],
        "“허리띠를 조이지 않게 하겠다” 고 김정은 위원장은 2012년 첫 공개 연설에서 약속했다.": [
            "“허리띠를 조이지 않게 하겠다” 고 김정은 위원장은 2012년 첫 공개 연설에서 약속했다."
        ],
        # glued to the quote, 고 is the quotative whatever follows
        "소식통은 “국경 단속이 강화됐다”고 김 위원장의 지시를 전했다.": [
            "소식통은 “국경 단속이 강화됐다”고 김 위원장의 지시를 전했다."
        ],
    }
    for text, want in cases.items():
        assert texts(text, "ko") == want


def test_korean_iran_after_a_quote_is_the_country_or_the_copula() -> None:
    # after a closing quote and a space, 이란 is the copula with its ending (“...” 이란
    # 말: "the words '...'") or the country starting a sentence; Kiwi tells them apart
    cases = {
        "당국은 “자력갱생만이 살길!” 이란 구호를 내걸고 주민들을 건설장에 동원했다.": [
            "당국은 “자력갱생만이 살길!” 이란 구호를 내걸고 주민들을 건설장에 동원했다."
        ],
        "바이든 대통령은 “America is back.” 이란 말로 연설을 시작했다.": [
            "바이든 대통령은 “America is back.” 이란 말로 연설을 시작했다."
        ],
        "국무부는 “우리는 대북 제재를 유지할 것이다.” 이란 외무부는 즉각 반발했다.": [
            "국무부는 “우리는 대북 제재를 유지할 것이다.”",
            "이란 외무부는 즉각 반발했다.",
        ],
        "국무부는 “우리는 제재를 유지할 것이다.” 이란도 성명을 냈다.": [
            "국무부는 “우리는 제재를 유지할 것이다.”",
            "이란도 성명을 냈다.",
        ],
        f"그는 “{_STATEMENT}” 이란 말로 회견을 시작했다.": [
            f"그는 “{_STATEMENT}” 이란 말로 회견을 시작했다."
        ],
    }
    for text, want in cases.items():
        assert texts(text, "ko") == want


_STATEMENT = (
    "The United States strongly condemns the ballistic missile launch conducted by the DPRK today."
)


def test_korean_quoted_english_statement_keeps_its_quotative() -> None:
    # an English sentence quoted whole inside a Korean sentence: the quotative after it
    # (with a space, with no quote mark at all, or a copula) keeps it in its sentence
    cases = {
        f'미 국무부는 "{_STATEMENT}" 라고 밝혔다. 이어 회견을 마쳤다.': [
            f'미 국무부는 "{_STATEMENT}" 라고 밝혔다.',
            "이어 회견을 마쳤다.",
        ],
        f"미 국무부는 {_STATEMENT} 라고 밝혔다. 이어 회견을 마쳤다.": [
            f"미 국무부는 {_STATEMENT} 라고 밝혔다.",
            "이어 회견을 마쳤다.",
        ],
        f"국무부 성명은 “{_STATEMENT}” 이라는 내용이다.": [
            f"국무부 성명은 “{_STATEMENT}” 이라는 내용이다.",
        ],
        f"그는 “{_STATEMENT}”며 도발을 비판했다.": [f"그는 “{_STATEMENT}”며 도발을 비판했다."],
    }
    for text, want in cases.items():
        assert texts(text, "ko") == want


def test_korean_english_title_with_full_stops_stays_in_its_sentence() -> None:
    title = "North Korea's Hidden Gulag. Second Edition. Committee for Human Rights in North Korea"
    text = f'이 보고서의 제목은 "{title}" 이다. 보고서는 2012년에 나왔다.'
    assert texts(text, "ko") == [f'이 보고서의 제목은 "{title}" 이다.', "보고서는 2012년에 나왔다."]
    # the same title glued to a particle
    text = f"인권위원회는 “{title}”를 펴냈다."
    assert texts(text, "ko") == [text]


def test_korean_after_quoted_english_sentences_a_new_sentence_still_starts() -> None:
    # VOA: the English statement quoted whole (two sentences), then a new Korean
    # sentence; a word that begins like a quotative or is the country 이란 starts anew
    second = "The Deputy Secretary thanked the Minister for his support."
    afters = (
        "프라이스 대변인은 이렇게 밝혔다.",
        "고위 관계자는 이렇게 말했다.",
        "이란 외무부도 성명을 냈다.",
    )
    for after in afters:
        text = f"[프라이스 대변인] “{_STATEMENT} {second}” {after}"
        assert texts(text, "ko") == [f"[프라이스 대변인] “{_STATEMENT}", f"{second}”", after]


def test_a_lone_capital_before_an_initialism_ends_a_sentence() -> None:
    text = "They fell back on Plan B. U.S. officials said the plan was not ready."
    assert texts(text, "en") == [
        "They fell back on Plan B.",
        "U.S. officials said the plan was not ready.",
    ]
    # initials in names and inside a compound stay
    for kept in (
        "George W. Bush met U.S. officials in Seoul.",
        "John F. Kennedy spoke to U.N. delegates.",
        "Both stressed the ROK-U.S. alliance and peace.",
    ):
        assert texts(kept, "en") == [kept]
