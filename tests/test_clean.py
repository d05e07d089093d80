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


# The heads and tails of real pages: a U.S. government release, a Daily NK page with its
# byline and comment policy, a re-posted Korean article, a related-articles box.
EN_HEADERS = (
    "Submit Release\n"
    "Flag\n\n"
    "An official website of the United States government\n\n"
    "Home : Media : Press Products : Press Releases\n\n"
    "Commander Statement on Camp Humphreys Gate Incidents\n"
    "2 MINUTE READ\n"
    "18-002 | Jan. 9, 2018\n"
    "PA-003-19 | Sept. 20, 2019\n"
    "06/11/2022 | Press release | Archived content\n"
    "05/25/2022 09:39 PM EDT\n"
    "Mon. Jul 22nd, 2024\n"
    "YONGSAN, South Korea —\n\n"
    "[As prepared for delivery]\n\n"
    "Ha Yoon Ah  |  2018-05-11 13:05\n\n"
    "For the third time in a matter of days, a South Korean man breached security.\n\n"
    "—————————————————————\n"
    "|---|---|---|\n"
    "🔊 Listen to this\n"
    "34.1 C\n"
    "(Kang Dong Wan, Donga University)\n"
    "(© Daily NK)\n"
    "Advertisements, links with an http address and inappropriate language will be deleted.\n"
    "Please send any comments or questions about this article to dailynkenglish@uni-media.net.\n"
)

# Body lines shaped like the rules above, which must stay.
EN_BODY_LOOKALIKES = (
    "Seoul, South Korea — The talks resumed on Monday.\n"
    "Home prices rose in Seoul and Busan.\n"
    "Share prices fell 3% after the report.\n"
    "Officials said posts critical of the regime will be deleted.\n"
    "Subscribers left.\n"
    "The market KPW-RMB exchange rate was KPW 8,720 in Pyongyang as of\n"
    "The vote was 18-2 | a landslide.\n"
    "The talks (held in Seoul) ended.\n"
)


def test_generic_rules_remove_release_headers_widgets_and_policy_lines() -> None:
    done = clean_text(EN_HEADERS, "en")
    assert rules_of(done.removed) == [
        ("site_nav", "Submit Release"),
        ("site_banner", "Flag"),
        ("site_banner", "An official website of the United States government"),
        ("breadcrumb", "Home : Media : Press Products : Press Releases"),
        ("page_widget", "2 MINUTE READ"),
        ("date", "18-002 | Jan. 9, 2018"),
        ("date", "PA-003-19 | Sept. 20, 2019"),
        ("date", "06/11/2022 | Press release | Archived content"),
        ("date", "05/25/2022 09:39 PM EDT"),
        ("date", "Mon. Jul 22nd, 2024"),
        ("dateline", "YONGSAN, South Korea —"),
        ("release_header", "[As prepared for delivery]"),
        ("byline", "Ha Yoon Ah  |  2018-05-11 13:05"),
        ("separator", "—————————————————————"),
        ("separator", "|---|---|---|"),
        ("page_widget", "🔊 Listen to this"),
        ("page_widget", "34.1 C"),
        ("photo_credit", "(Kang Dong Wan, Donga University)"),
        ("photo_credit", "(© Daily NK)"),
        (
            "comment_policy",
            "Advertisements, links with an http address and inappropriate language will be "
            "deleted.",
        ),
        (
            "contact",
            "Please send any comments or questions about this article to "
            "dailynkenglish@uni-media.net.",
        ),
    ]
    assert done.text == (
        "Commander Statement on Camp Humphreys Gate Incidents\n\n"
        "For the third time in a matter of days, a South Korean man breached security."
    )
    for recipe in (None, "dailynk", "usgov", "voa"):
        rules = find_recipe(recipe).rules("en") if recipe else None
        assert clean_text(EN_BODY_LOOKALIKES, "en", rules).removed == ()


KO_HEADERS = (
    "공지/뉴스\n\n뉴스\n\n상세\n"
    "쌀값 1kg 6000원 돌파…“北선 고갈되고 中서 유입 안돼”\n"
    "데일리NK 2017-06-29 11:53:08 원문보기 관리자 29740 2017-06-29 23:45:17\n\n"
    "즉시배포용\n\n"
    "북한 시장 쌀 가격이 연일 상승세를 보이고 있다.\n"
    "▶관련기사 바로 가기:\n"
    "원정리세관 검사장 현대화 작업 중…무역 전면 재개 시그널?\n"
    "혜산세관 방역장 건설 돌입…세관 열린다 소문에 주민들 ‘화색’\n"
    "2020년 초 1200원대를 유지하던 환율은 500원대까지 떨어진 바 있다.\n"
    "국경이 봉쇄되기 전에는 위안화가 통용되는 등 지방\n\n"
    "욕설이나 광고성 댓글은 예고 없이 삭제됩니다.\n"
)


def test_korean_repost_header_related_box_and_board_menu() -> None:
    done = clean_text(KO_HEADERS, "ko")
    assert rules_of(done.removed) == [
        ("repost_header", "데일리NK 2017-06-29 11:53:08 원문보기 관리자 29740 2017-06-29 23:45:17"),
        ("release_header", "즉시배포용"),
        ("related", "▶관련기사 바로 가기:"),
        ("related", "원정리세관 검사장 현대화 작업 중…무역 전면 재개 시그널?"),
        ("related", "혜산세관 방역장 건설 돌입…세관 열린다 소문에 주민들 ‘화색’"),
        ("comment_policy", "욕설이나 광고성 댓글은 예고 없이 삭제됩니다."),
    ]
    # the body sentence right under the box, and the cut-off line after it, stay
    assert "500원대까지 떨어진 바 있다." in done.text and done.text.endswith("등 지방")
    # the board's menu is the re-posting site's: the Daily NK recipe takes it
    menu = clean_text(KO_HEADERS, "ko", find_recipe("dailynk").rules("ko"))
    assert rules_of(menu.removed)[:3] == [
        ("dailynk:board_menu", "공지/뉴스"),
        ("dailynk:board_menu", "뉴스"),
        ("dailynk:board_menu", "상세"),
    ]
    # a sentence with a time stamp and a poster's word in it is no header
    kept = "관리자 685명이 2013-04-19 15:53 회의에 참석했다.\n조회수가 514회에 달했다.\n"
    assert clean_text(kept, "ko").removed == ()


def test_captions_known_by_their_credit_line_and_their_alt_text() -> None:
    en = (
        "North Koreans sell goods on the street in the North Korea-China border region\n"
        "In this undated photo, North Koreans can be seen selling goods on the street in the "
        "North Korea-China border region.\n"
        "(Kang Dong Wan, Donga University)\n\n"
        "Rason Market in North Hamgyong Province coronavirus\n"
        "FILE PHOTO: A scene from Rason Market in North Hamgyong Province. (Daily NK)\n\n"
        "market exchange rate\n"
        "Graphic: Daily NK\n\n"
        "flood, propaganda, loyalty\n"
        "North Korea’s Rodong Sinmun reported on Sept. 30 that Kim Jong Un had visited the "
        "site. (Rodong Sinmun, News 1)\n\n"
        "The dollar has been rising more sharply than the yuan.\n"
        "With the closure of the border, the price of corn has climbed far greater t\n"
    )
    done = clean_text(en, "en", find_recipe("dailynk").rules("en"))
    assert [r for r, _ in rules_of(done.removed)] == [
        "alt_text",
        "caption",
        "photo_credit",
        "alt_text",
        "caption",
        "alt_text",
        "photo_credit",
        "dailynk:tags",
        "dailynk:caption",
    ]
    assert done.text == (
        "The dollar has been rising more sharply than the yuan.\n"
        "With the closure of the border, the price of corn has climbed far greater t"
    )
    # without the recipe, captions stay: only the credit lines and alt text above them go
    generic = clean_text(en, "en")
    assert "In this undated photo" in generic.text and "FILE PHOTO" in generic.text
    ko = (
        "논에서 모내기를 하고 있는 북한 일꾼들을 배경으로 선전 구호가 보인다.\n"
        "/사진=노동신문·뉴스1\n\n"
        "북한 시장 쌀 가격이 연일 상승세를 보이고 있다.\n"
    )
    done = clean_text(ko, "ko", find_recipe("dailynk").rules("ko"))
    assert [r for r, _ in rules_of(done.removed)] == ["caption", "photo_credit"]
    # a body line right above a credit that stands apart (a blank line between) stays
    apart = "북한 시장 쌀 가격이 연일 상승세를 보이고 있다.\n\n/사진=데일리NK\n"
    assert rules_of(clean_text(apart, "ko", find_recipe("dailynk").rules("ko")).removed) == [
        ("photo_credit", "/사진=데일리NK")
    ]


def test_daily_nk_tail_and_price_table() -> None:
    en = (
        "| Won | Pyongyang | Sinuiju | Hyesan |\n"
        "|---|---|---|---|\n"
        "| Rice Price | 5,800 | 6,000 | 5,900 |\n\n"
        "Rice prices rose in Hyesan.\n\n"
        "The Daily NK works with a network of sources in North Korea, China, and elsewhere. "
        "For security reasons, their identities remain anonymous.\n"
        "Please send any comments or questions about this article to "
        "dailynkenglish@uni-media.net.\n"
    )
    done = clean_text(en, "en", find_recipe("dailynk").rules("en"))
    assert [r for r, _ in rules_of(done.removed)] == [
        "dailynk:price_table",
        "separator",
        "dailynk:price_table",
        "dailynk:sources_note",
        "contact",
    ]
    assert done.text == "Rice prices rose in Hyesan."


def test_us_government_and_voa_recipes() -> None:
    assert recipe_for([], "READOUT\nOFFICE OF THE SPOKESPERSON\n").name == "usgov"
    assert recipe_for([], "발언문\n\n토니 블링컨 국무장관\n").name == "usgov"
    assert recipe_for(["https://kr.usembassy.gov/ko/x/"], "").name == "usgov"
    assert recipe_for([], "연결 가능 링크\n\n블링컨, 통화\n").name == "voa"
    assert recipe_for([], "he read out the remarks of the spokesperson") is None
    en = (
        "State Department - Press Release\n"
        "READOUT\n"
        "OFFICE OF THE SPOKESPERSON\n"
        "(AGENPARL) – gio 26 maggio 2022 You are subscribed to Press Releases for U.S. "
        "Department of State.\n"
        "Readout of the Secretary's call\n"
    )
    done = clean_text(en, "en", find_recipe("usgov").rules("en"))
    assert [r for r, _ in rules_of(done.removed)] == ["usgov:release_label"] * 3 + [
        "usgov:subscription"
    ]
    assert done.text == "Readout of the Secretary's call"
    ko = "특별 브리핑\n대변인실\n전화 회의\n토니 블링컨 국무장관\n\n"
    ko += "블링컨 국무장관은 서울을 방문했다.\n"
    done = clean_text(ko, "ko", find_recipe("usgov").rules("ko"))
    assert len(done.removed) == 4 and done.text == "블링컨 국무장관은 서울을 방문했다."
    voa = (
        "연결 가능 링크\n\n"
        "셔먼 국무 부장관, 한국 외교차관과 통화\n\n"
        "웬디 셔먼 미국 국무부 부장관.\n"
        "웬디 셔먼 미국 국무부 부장관.\n\n"
        "웬디 셔먼 미 국무부 부장관이 24일 최종건 1차관과 통화했습니다.\n\n"
        "VOA 뉴스\n"
    )
    done = clean_text(voa, "ko", find_recipe("voa").rules("ko"))
    assert [r for r, _ in rules_of(done.removed)] == [
        "site_nav",
        "voa:person",
        "voa:person",
        "voa:sign_off",
    ]
    assert done.text.startswith("셔먼 국무 부장관") and "통화했습니다." in done.text
    # a line printed twice stays twice unless a rule names it (a title printed twice
    # is still a title)
    twice = "평양 시내 전경\n평양 시내 전경\n\n본문이 이어졌다.\n"
    assert clean_text(twice, "ko", find_recipe("voa").rules("ko")).removed == ()


# A radio report as VOA's Korean service prints it (written for this test): the anchor's
# lead sums the story up and hands over to the reporter, and the report tells it again.
VOA_RADIO = (
    "국무부 부장관, 일본 외무차관과 회담…“3국 공조 강화”\n\n"
    "미국 국무부 부장관이 일본 외무차관과 만나 3국 공조를 강화하기로 했습니다. "
    "두 사람은 북한의 잇단 도발도 규탄했습니다. 김민수 기자가 보도합니다.\n\n"
    "국무부는 부장관이 10일 워싱턴에서 일본 외무차관과 회담했다고 밝혔습니다.\n\n"
    '[국무부 보도자료] "The Deputy Secretary met with the Vice Foreign Minister today."\n'
)


def test_voa_anchor_lead_goes_with_its_reporter_line() -> None:
    voa = find_recipe("voa")
    done = clean_text(VOA_RADIO, "ko", voa.rules("ko"))
    assert [r for r, _ in rules_of(done.removed)] == ["voa:anchor_lead"]
    assert done.removed[0].text.endswith("김민수 기자가 보도합니다.")
    assert "3국 공조를 강화하기로" not in done.text
    assert done.text.startswith("국무부 부장관, 일본 외무차관과 회담")
    assert "10일 워싱턴에서" in done.text
    # the reporter line alone on its line goes too (the generic byline rule names it)
    alone = "김민수 기자가 보도합니다.\n\n국무부는 이날 회담했다고 밝혔습니다.\n"
    assert clean_text(alone, "ko", voa.rules("ko")).text == "국무부는 이날 회담했다고 밝혔습니다."
    # a body line that only mentions a broadcast's reporter line stays
    body = "방송은 “김민수 기자가 보도합니다”라는 말로 시작됐습니다.\n"
    assert clean_text(body, "ko", voa.rules("ko")).removed == ()
    # no other recipe takes the lead away
    for other in (None, "dailynk", "usgov"):
        rules = find_recipe(other).rules("ko") if other else None
        assert clean_text(VOA_RADIO, "ko", rules).removed == ()


def test_voa_is_known_by_the_reporter_line_when_the_page_signs_are_gone() -> None:
    """An AMP page or a copied report keeps neither the skip link nor the sign-off; its
    reporter line is a weaker sign, after every recipe's page signs."""
    assert recipe_for([], VOA_RADIO).name == "voa"
    # a Daily NK page that quotes a broadcast's reporter line is still Daily NK's
    dnk = "북한 방송은 김민수 기자가 보도합니다.\n\n시장 쌀값이 올랐다.\n/사진=데일리NK\n"
    assert recipe_for([], dnk).name == "dailynk"
    assert recipe_for([], "방송은 “김민수 기자가 보도합니다”라고 했다.\n") is None


def test_collections_clean_both_sides_of_a_pair_with_one_recipe(tmp_path: Path) -> None:
    from aligner.documents import load_inputs

    for lang in ("en", "ko"):
        (tmp_path / lang).mkdir()
    # only the Korean page carries the site's credit; the English caption has none
    (tmp_path / "en" / "a.en.txt").write_text(
        "Rice prices soar\n\nFILE PHOTO: A market in Hyesan.\n\nRice prices rose.\n",
        encoding="utf-8",
    )
    (tmp_path / "ko" / "a.ko.txt").write_text(
        "쌀값 급등\n\n혜산 시장 전경. /사진=데일리NK\n\n쌀값이 올랐다.\n", encoding="utf-8"
    )
    (tmp_path / "en" / "b.en.txt").write_text(
        "Other news\n\nFILE PHOTO: A port.\n\nShips left.\n", encoding="utf-8"
    )
    (tmp_path / "ko" / "b.ko.txt").write_text("다른 소식\n\n배들이 떠났다.\n", encoding="utf-8")
    en, ko = load_inputs(tmp_path / "en", tmp_path / "ko")
    a_en, b_en = sorted(en, key=lambda d: d.doc_id)
    assert ("caption", "FILE PHOTO: A market in Hyesan.") in rules_of(a_en.removed)
    assert "FILE PHOTO" not in a_en.text
    assert any(r.rule == "caption" for r in next(d for d in ko if d.doc_id == "a").removed)
    # a pair where neither side calls for a recipe keeps its caption
    assert "FILE PHOTO: A port." in b_en.text
    # the English page alone, cleaned with the generic rules, keeps it
    assert "FILE PHOTO" in load_document(tmp_path / "en" / "a.en.txt", "en").text


# Review cases: real-shaped body lines that earlier rules removed, each next to the
# furniture line the rule is for, which must still go.


def test_comment_policy_needs_the_comments_named_or_the_trailing_block() -> None:
    news = (
        "The source said all South Korean advertisements found in the market will be removed.\n\n"
        "Pyongyang warned that any offensive leaflets will be removed.\n\n"
        "Officials said comments with offensive content will be removed.\n\n"
        "Comments with offensive language will be deleted without notice.\n\n"
        "The border stayed closed.\n\n"
        "Advertisements, links with an http address and inappropriate language will be deleted.\n"
    )
    done = clean_text(news, "en", find_recipe("dailynk").rules("en"))
    assert rules_of(done.removed) == [
        ("comment_policy", "Comments with offensive language will be deleted without notice."),
        (
            "comment_policy",
            "Advertisements, links with an http address and inappropriate language will be "
            "deleted.",
        ),
    ]
    assert "advertisements found in the market will be removed." in done.text
    assert "any offensive leaflets will be removed." in done.text
    assert "Officials said comments with offensive content" in done.text
    # the policy without its comments named, ending a paragraph in the body, stays
    body = "Advertisements, links and offensive language will be deleted.\n\nThe talks ended.\n"
    assert clean_text(body, "en").removed == ()
    ko = (
        "북한 당국은 체제를 비판하는 게시물을 발견 즉시 삭제합니다.\n\n"
        "주민들은 불만을 드러냈다.\n\n"
        "욕설이나 광고성 댓글은 예고 없이 삭제됩니다.\n"
    )
    done = clean_text(ko, "ko")
    policy = "욕설이나 광고성 댓글은 예고 없이 삭제됩니다."
    assert rules_of(done.removed) == [("comment_policy", policy)]
    # a board's policy naming its posts goes only in the trailing block
    tail = "주민들은 불만을 드러냈다.\n\n광고성 게시물은 관리자에 의해 삭제될 수 있습니다.\n"
    assert [r for r, _ in rules_of(clean_text(tail, "ko").removed)] == ["comment_policy"]


def test_daily_nk_recipe_only_for_its_own_page_signs() -> None:
    # articles that only mention Daily NK
    for text in (
        "Prices rose sharply in Pyongyang, Daily NK reported on Monday.\n",
        "According to a Daily NK survey, rice prices fell.\n",
        "데일리NK의 최근 조사에 따르면 쌀값이 내렸다.\n",
    ):
        assert recipe_for([], text) is None, text
    # a VOA page that mentions Daily NK's sources is VOA's, by its own signs
    voa = (
        "연결 가능 링크\n\n"
        "한 소식통은 19일 데일리NK와의 통화에서 “단속이 심해졌다”고 말했다.\n\n"
        "VOA 뉴스\n"
    )
    assert recipe_for([], voa).name == "voa"
    # the site's own page signs, and its own reporting phrases when no page sign is there
    for text in (
        "혜산시 전경. /사진=데일리NK\n",
        "A view of Hyesan. Image: Daily NK\n",
        "FILE PHOTO: A market. (Daily NK)\n",
        "데일리NK 2017-06-29 11:53:08 원문보기 관리자 29740\n",
        "Daily NK works with a network of sources in North Korea.\n",
        "a source in Ryanggang Province told Daily NK on June 19.\n",
        "양강도 소식통은 19일 데일리NK와의 통화에서 “단속이 심해졌다”고 말했다.\n",
    ):
        assert recipe_for([], text).name == "dailynk", text


def test_daily_nk_bracket_caption_needs_caption_signs() -> None:
    rules = find_recipe("dailynk").rules("en")
    body = (
        "The UN report was compiled from interviews with defectors living in Seoul "
        "(Transitional Justice Working Group, TJWG).\n\n"
        "In this undated photo, North Koreans can be seen selling goods on the street. "
        "(Kang Dong Wan, Donga University)\n"
    )
    done = clean_text(body, "en", rules)
    assert [r for r, _ in rules_of(done.removed)] == ["dailynk:caption"]
    assert done.text.startswith("The UN report was compiled")


def test_caption_above_a_credit_starts_its_block_and_stage_directions_stay() -> None:
    rules = find_recipe("dailynk").rules("ko")
    ko = (
        "북한 당국이 최근 무산광산에 대한 지원을 지시한 것으로 전해졌다.\n"
        "소식통은 주민들의 기대감은 크지 않다고 말했다.\n"
        "/사진=데일리NK\n\n"
        "혜산시 전경.\n"
        "/사진=데일리NK\n"
    )
    done = clean_text(ko, "ko", rules)
    assert rules_of(done.removed) == [
        ("photo_credit", "/사진=데일리NK"),
        ("caption", "혜산시 전경."),
        ("photo_credit", "/사진=데일리NK"),
    ]
    assert "기대감은 크지 않다고 말했다." in done.text
    en = (
        "We will stand with our allies.\n"
        "(Applause.)\n"
        "Thank you all.\n"
        "(Laughter)\n\n"
        "A view of Hyesan.\n"
        "(Kang Dong Wan, Donga University)\n"
    )
    done = clean_text(en, "en", find_recipe("dailynk").rules("en"))
    assert [t for _, t in rules_of(done.removed)] == [
        "A view of Hyesan.",
        "(Kang Dong Wan, Donga University)",
    ]
    assert "(Applause.)" in done.text and "We will stand with our allies." in done.text


def test_related_headlines_end_at_a_body_question_or_a_long_line() -> None:
    en = (
        "Related articles:\n"
        "North Korea tightens border controls\n"
        "Why would the authorities tighten the border again?\n\n"
        "Related articles:\n"
        "Rice prices soar in Hyesan\n"
        "The market exchange rate was KPW 8,720 in Pyongyang as of the 24th, up from the "
        "week before, and traders\n"
    )
    done = clean_text(en, "en")
    assert [t for _, t in rules_of(done.removed)] == [
        "Related articles:",
        "North Korea tightens border controls",
        "Related articles:",
        "Rice prices soar in Hyesan",
    ]
    ko = (
        "▶관련기사 바로 가기:\n"
        "원정리세관 검사장 현대화 작업 중…무역 전면 재개 시그널?\n"
        "그렇다면 당국은 왜 이런 조치를 내렸을까?\n"
    )
    done = clean_text(ko, "ko")
    assert [r for r, _ in rules_of(done.removed)] == ["related", "related"]
    assert done.text == "그렇다면 당국은 왜 이런 조치를 내렸을까?"


def test_generic_header_rules_keep_lines_of_the_same_shape() -> None:
    en = (
        "SECRETARY BLINKEN —\n"
        "25 C\n"
        "Prices rose 3 percent | Jan. 9, 2018\n"
        "Kim Jong Un > Kim Jong Il > Kim Il Sung\n\n"
        "WASHINGTON —\n"
        "34.1 C\n"
        "18-002 | Jan. 9, 2018\n"
        "News > Press Releases > 2018\n"
    )
    done = clean_text(en, "en")
    assert rules_of(done.removed) == [
        ("dateline", "WASHINGTON —"),
        ("page_widget", "34.1 C"),
        ("date", "18-002 | Jan. 9, 2018"),
        ("breadcrumb", "News > Press Releases > 2018"),
    ]
    ko = "김정은 > 김정일 > 김일성\n2021-09-13 15:00 기준 환율\n\n본문이 이어졌다.\n"
    assert clean_text(ko, "ko").removed == ()
