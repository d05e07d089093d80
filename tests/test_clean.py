"""Page furniture on real-looking Daily NK pages: every rule, the removed records and
their spans in the text as read, the offset map, and site recipes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner.clean import clean_text, normalise, normalise_tracked
from aligner.corpus import read_removed, write_corpus
from aligner.documents import load_document
from aligner.errors import InputError
from aligner.recipes import find_recipe, load_recipe, recipe_for, shared_recipe
from aligner.types import PairResult

# The head of a Daily NK English page as scraped: the tag line above the photo, the
# caption with its credit, then the body.
EN_PAGE = (
    "border, hyesan, water shortage,\n"
    "FILE PHOTO: Hyesan, Ryanggang province, in August 2013. (Daily NK)\n"
    "\n"
    "North Korea has restarted state-sanctioned smuggling along the Hyesan border.\n"
    "\n"
    "Speaking on condition of anonymity, a Daily NK source in Ryanggang province said so.\n"
    "\n"
    "Image: Yonhap News\n"
    "/ Image: Daily NK\n"
    "Related article: North Korea tightens border controls\n"
    "By Kim Ga Young\n"
    "Read in Korean\n"
)

# A Korean page re-posted on a board: headline, poster, date and view count, the
# category trail, the image file name and its caption, a related-article line.
KO_PAGE = (
    "“北무산광산 노동자, 당국 광산지원 독려에 기대감 없어”\n"
    "  • 관리자\n"
    "  • 2020-02-26 16:13:53\n"
    "  • 조회수 : 514\n"
    "지금 북한은 >\n"
    "NK 사회\n"
    "\n"
    "DNKF_18617_334409_1519182098_i.png\n"
    "\n"
    "2018년 8월 촬영된 북한 양강도 혜산시 전경. /사진=데일리NK\n"
    "\n"
    "북한 당국이 최근 무산광산에 대한 지원을 지시한 것으로 전해졌다.\n"
    "\n"
    "(▶관련기사 보기: 北, 무산광산 가동 중단…“전기 공급 끊겨”)\n"
    "\n"
    "영문 기사 보기\n"
)


def rules_of(removed: tuple) -> list[tuple[str, str]]:
    return [(r.rule, r.text) for r in removed]


def test_generic_rules_remove_credits_related_lines_and_repost_headers() -> None:
    done = clean_text(KO_PAGE, "ko")
    assert rules_of(done.removed) == [
        ("repost_header", "• 관리자"),
        ("date", "• 2020-02-26 16:13:53"),
        ("view_count", "• 조회수 : 514"),
        ("image_file", "DNKF_18617_334409_1519182098_i.png"),
        ("related", "(▶관련기사 보기: 北, 무산광산 가동 중단…“전기 공급 끊겨”)"),
        ("language_link", "영문 기사 보기"),
    ]
    # without a recipe, the caption and the category trail stay
    assert "/사진=데일리NK" in done.text and "지금 북한은 >" in done.text
    en = clean_text(EN_PAGE, "en")
    assert rules_of(en.removed) == [
        ("alt_text", "border, hyesan, water shortage,"),
        ("photo_credit", "Image: Yonhap News"),
        ("photo_credit", "/ Image: Daily NK"),
        ("related", "Related article: North Korea tightens border controls"),
        ("byline", "By Kim Ga Young"),
        ("language_link", "Read in Korean"),
    ]
    assert en.text.startswith("FILE PHOTO: Hyesan")


def test_the_daily_nk_recipe_drops_captions_and_the_category_trail() -> None:
    rules = find_recipe("dailynk").rules("ko")
    done = clean_text(KO_PAGE, "ko", rules)
    assert ("caption", "2018년 8월 촬영된 북한 양강도 혜산시 전경. /사진=데일리NK") in rules_of(
        done.removed
    )
    assert ("dailynk:breadcrumb", "지금 북한은 >") in rules_of(done.removed)
    assert ("dailynk:breadcrumb", "NK 사회") in rules_of(done.removed)
    assert done.text == (
        "“北무산광산 노동자, 당국 광산지원 독려에 기대감 없어”\n\n"
        "북한 당국이 최근 무산광산에 대한 지원을 지시한 것으로 전해졌다."
    )
    en = clean_text(EN_PAGE, "en", find_recipe("dailynk").rules("en"))
    assert rules_of(en.removed)[:2] == [
        ("dailynk:tags", "border, hyesan, water shortage,"),
        ("caption", "FILE PHOTO: Hyesan, Ryanggang province, in August 2013. (Daily NK)"),
    ]
    assert en.text.startswith("North Korea has restarted")


def test_body_lines_that_look_like_furniture_stay() -> None:
    body = (
        "Kim Jong Un visited the site on Aug. 25, 2024.\n"
        "By the end of the month, prices had fallen.\n"
        "North Korea restarts state smuggling in Hyesan\n"
        "FILE PHOTO: Hyesan in 2013. (Daily NK)\n"
        "관리자들은 “조회수가 514회에 달했다”고 말했다.\n"
    )
    done = clean_text(body, "en")
    # a capitalised headline above a caption is no alt text; a dated sentence no date line
    assert done.removed == ()


def test_removed_spans_and_the_offset_map_point_into_the_text_as_read() -> None:
    raw = (
        "\ufeffHeadline\u00a0here  \r\n\r\n\r\n  • 관리자\r\n• 조회수 : 514\r\nBody\u200b text.\r\n"
    )
    done = clean_text(raw, "ko")
    assert done.text == "Headline here\n\nBody text."
    for r in done.removed:
        assert raw[r.start : r.end] == r.text
    start = done.text.index("Body")
    a, b = done.to_original(start, len(done.text))
    assert raw[a:b] == "Body\u200b text."
    assert done.to_original(0, 8) == (1, 9)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab 가\u1100\u1161\u0301\u00a0\u200b\r\n\u2029\t.", max_size=40))
def test_tracked_normalisation_gives_back_normalise(raw: str) -> None:
    text, off = normalise_tracked(raw)
    assert text == normalise(raw)
    assert len(off) == len(text) + 1
    assert off == sorted(off) and all(0 <= o <= len(raw) for o in off)


def test_a_recipe_is_chosen_by_host_by_text_or_by_name(tmp_path: Path) -> None:
    assert recipe_for(["https://www.dailynk.com/english/x/"], "").name == "dailynk"
    assert recipe_for(["https://example.com/x"], "A story.") is None
    assert recipe_for([], "a source told Daily NK on Thursday").name == "dailynk"
    assert recipe_for([], "x", "generic") is None
    # one side's credit line picks the recipe for both sides of a pair
    assert shared_recipe(["Plain English.", "전경. /사진=데일리NK"]).endswith("dailynk.toml")
    with pytest.raises(InputError, match="unknown recipe 'nosuch'"):
        find_recipe("nosuch")


def test_a_recipe_file_is_checked(tmp_path: Path) -> None:
    good = tmp_path / "site.toml"
    good.write_text(
        'name = "site"\nhosts = ["news.example.kr"]\ndrop_captions = true\n'
        "[ko.furniture]\nads = ['광고']\n",
        encoding="utf-8",
    )
    recipe = load_recipe(good)
    assert recipe.matches_host("http://m.news.example.kr/a") and recipe.drop_captions
    done = clean_text("본문이다.\n광고\n", "ko", recipe.rules("ko"))
    assert rules_of(done.removed) == [("site:ads", "광고")]
    bad = tmp_path / "bad.toml"
    bad.write_text("[ko.furniture]\nads = ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.toml: \[ko.furniture\] ads: bad regular"):
        load_recipe(bad)
    nolink = tmp_path / "nolink.toml"
    nolink.write_text("[en.links]\nlanguage_link = ['Korean: https://\\S+']\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a group for the URL"):
        load_recipe(nolink)


def test_the_corpus_keeps_every_removed_line(tmp_path: Path) -> None:
    en_path, ko_path = tmp_path / "a.en.txt", tmp_path / "a.ko.txt"
    en_path.write_text(EN_PAGE, encoding="utf-8")
    ko_path.write_text(KO_PAGE, encoding="utf-8")
    en, ko = load_document(en_path, "en"), load_document(ko_path, "ko")
    out = write_corpus(tmp_path / "c.parquet", [PairResult("a", en, ko, (), (), ())], metadata={})
    removed = read_removed(out)
    assert removed.columns == ["doc_id", "lang", "role", "pair_id", "rule", "start", "end", "text"]
    assert removed.height == len(en.removed) + len(ko.removed)
    for row in removed.iter_rows(named=True):
        raw = EN_PAGE if row["lang"] == "en" else KO_PAGE
        assert raw[row["start"] : row["end"]] == row["text"]
    assert "view_count" in removed["rule"].to_list()
