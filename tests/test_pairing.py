from __future__ import annotations

import numpy as np
import pytest

from aligner import pairing
from aligner.errors import InputError
from aligner.pairing import ContentParams, pair_by_content, pair_by_link
from aligner.types import Document


def doc(doc_id: str, lang: str, url: str = "", original_url: str = "") -> Document:
    return Document(doc_id, lang, "text", url=url, original_url=original_url)


def test_explicit_link_wins_over_a_shared_id() -> None:
    en = [doc("a", "en", original_url="u/b")]
    ko = [doc("a", "ko"), doc("b", "ko", url="u/b")]
    p = pair_by_link(en, ko)
    assert [(pid, e.doc_id, k.doc_id) for pid, e, k in p.pairs] == [("a__b", "a", "b")]
    assert [(d.doc_id, why) for d, why in p.unpaired_ko] == [
        ("a", "no English article links to it")
    ]


def test_shared_id_pairs_and_missing_originals_are_reported() -> None:
    en = [doc("x", "en"), doc("y", "en", original_url="u/404")]
    ko = [doc("x", "ko")]
    p = pair_by_link(en, ko)
    assert [pid for pid, _, _ in p.pairs] == ["x"]
    assert p.unpaired_en == ((en[1], "no Korean article with url 'u/404' or id 'y'"),)
    assert p.unpaired_ko == ()


def test_a_pairing_by_link_made_already_is_used_not_made_again(monkeypatch) -> None:
    """Reading two collections pairs them by link to share recipes
    (documents.read_inputs); pair_documents takes that pairing rather than pair again."""
    en = [doc("x", "en"), doc("y", "en")]
    ko = [doc("x", "ko"), doc("z", "ko")]
    linked = pair_by_link(en, ko)
    monkeypatch.setattr(pairing, "pair_by_link", lambda *a: pytest.fail("paired again"))

    def encode(texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    options = {
        "params": ContentParams(),
        "sentences": lambda d: [],
        "encode": encode,
        "dim": 4,
        "linked": linked,
    }
    assert pairing.pair_documents(en, ko, mode="link", **options) is linked
    auto = pairing.pair_documents(en, ko, mode="auto", **options)
    assert [pid for pid, _, _ in auto.pairs] == ["x"]
    assert [d.doc_id for d, _ in auto.unpaired_en] == ["y"]


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _planted(n_pairs: int, n_orphans: int, dim: int = 16, seed: int = 0):
    """English and Korean vectors: pairs are noisy copies, orphans independent."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(n_pairs, dim))
    en = _unit(np.vstack([topics + 0.3 * rng.normal(size=topics.shape),
                          rng.normal(size=(n_orphans, dim))]))  # fmt: skip
    ko = _unit(topics + 0.3 * rng.normal(size=topics.shape))
    return en, ko


def test_content_pairs_mutual_best_matches_and_reports_orphans() -> None:
    en_vecs, ko_vecs = _planted(6, 2)
    en = [doc(f"e{i}", "en") for i in range(8)]
    ko = [doc(f"k{i}", "ko") for i in range(6)]
    p = pair_by_content(en, ko, en_vecs, ko_vecs)
    assert [(e.doc_id, k.doc_id) for _, e, k in p.pairs] == [(f"e{i}", f"k{i}") for i in range(6)]
    assert [d.doc_id for d, _ in p.unpaired_en] == ["e6", "e7"]
    for _, reason in p.unpaired_en:
        assert reason.startswith("no original found by content (best match 'k")
    assert p.unpaired_ko == ()


def test_content_pairing_refuses_a_match_below_the_floors() -> None:
    en_vecs, ko_vecs = _planted(3, 0)
    en = [doc(f"e{i}", "en") for i in range(3)]
    ko = [doc(f"k{i}", "ko") for i in range(3)]
    strict = ContentParams(min_cosine=0.999)
    p = pair_by_content(en, ko, en_vecs, ko_vecs, strict)
    assert p.pairs == ()
    assert all("below the cosine floor 0.999" in why for _, why in p.unpaired_en)
    assert [why for _, why in p.unpaired_ko] == ["no English article matches its content"] * 3


def test_content_pairing_names_the_better_claimant() -> None:
    # e0 and e1 both sit closest to k0; k0 prefers e1, so e0 is reported, not forced.
    en_vecs = _unit(np.array([[1.0, 0.3, 0.0], [1.0, 0.05, 0.0], [0.0, 0.0, 1.0]]))
    ko_vecs = _unit(np.array([[1.0, 0.0, 0.0], [0.0, 0.2, 1.0]]))
    en = [doc(f"e{i}", "en") for i in range(3)]
    ko = [doc(f"k{i}", "ko") for i in range(2)]
    p = pair_by_content(en, ko, en_vecs, ko_vecs, ContentParams(min_margin=0.0))
    assert [(e.doc_id, k.doc_id) for _, e, k in p.pairs] == [("e1", "k0"), ("e2", "k1")]
    assert "which matches 'e1' better" in p.unpaired_en[0][1]


def test_content_pairing_in_blocks_matches_the_whole_matrix(monkeypatch) -> None:
    en_vecs, ko_vecs = _planted(20, 7, seed=3)
    en_vecs = np.vstack([en_vecs, ko_vecs[:3] + 0.0])  # near-duplicates compete
    whole = pairing._margin_matches(en_vecs.astype(np.float32), ko_vecs.astype(np.float32), 4)
    sims = en_vecs @ ko_vecs.T
    hood_en = np.sort(sims, axis=1)[:, -4:].mean(axis=1)
    hood_ko = np.sort(sims, axis=0)[-4:].mean(axis=0)
    margin = sims - 0.5 * (hood_en[:, None] + hood_ko[None, :])
    assert whole[0].tolist() == margin.argmax(axis=1).tolist()
    assert whole[3].tolist() == margin.argmax(axis=0).tolist()
    monkeypatch.setattr(pairing, "_BLOCK", 4)
    blocked = pairing._margin_matches(en_vecs.astype(np.float32), ko_vecs.astype(np.float32), 4)
    for a, b in zip(whole, blocked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_content_pairing_with_an_empty_side_reports_everything() -> None:
    p = pair_by_content([doc("e", "en")], [], np.ones((1, 4)), np.zeros((0, 4)))
    assert p.pairs == () and p.unpaired_en[0][1] == "no Korean article to compare with"


def dated(doc_id: str, lang: str, day: str) -> Document:
    return Document(doc_id, lang, "text", date=day, source=f"{lang}/{doc_id}.txt")


def test_date_window_keeps_last_years_story_out() -> None:
    # k_old (a year earlier) is the closer vector; with a window, only k_new is a candidate.
    en_vecs = _unit(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    ko_vecs = _unit(np.array([[1.0, 0.05, 0.0], [1.0, 0.25, 0.0], [0.0, 0.1, 1.0]]))
    en = [dated("e0", "en", "2021-05-14"), dated("e1", "en", "2021-05-15T09:30:00+09:00")]
    ko = [
        dated("k_old", "ko", "2020-05-14"),
        dated("k_new", "ko", "2021-05-13"),
        dated("k1", "ko", "2021-05-15"),
    ]
    loose = ContentParams(min_margin=0.0, min_cosine=0.5)
    plain = pair_by_content(en, ko, en_vecs, ko_vecs, loose)
    assert [(e.doc_id, k.doc_id) for _, e, k in plain.pairs] == [("e0", "k_old"), ("e1", "k1")]
    week = ContentParams(min_margin=0.0, min_cosine=0.5, max_days=7)
    windowed = pair_by_content(en, ko, en_vecs, ko_vecs, week)
    assert [(e.doc_id, k.doc_id) for _, e, k in windowed.pairs] == [
        ("e0", "k_new"),
        ("e1", "k1"),
    ]
    assert [d.doc_id for d, _ in windowed.unpaired_ko] == ["k_old"]


def test_undated_articles_are_compared_with_all_and_lonely_ones_say_why() -> None:
    en_vecs = _unit(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    ko_vecs = _unit(np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.1]]))
    en = [dated("e0", "en", ""), dated("e1", "en", "2021-01-01")]
    ko = [dated("k0", "ko", "2019-03-03"), dated("k1", "ko", "2021-06-01")]
    p = pair_by_content(en, ko, en_vecs, ko_vecs, ContentParams(min_margin=0.0, max_days=30))
    assert [(e.doc_id, k.doc_id) for _, e, k in p.pairs] == [("e0", "k0")]
    assert p.unpaired_en == (
        (en[1], "no original found by content (no Korean article within 30 days)"),
    )


def test_date_window_in_blocks_matches_the_whole_matrix(monkeypatch) -> None:
    en_vecs, ko_vecs = _planted(20, 7, seed=5)
    rng = np.random.default_rng(1)
    days = (rng.integers(0, 60, len(en_vecs)), rng.integers(0, 60, len(ko_vecs)), 10)
    days[0][:3] = pairing._NO_DATE
    args = (en_vecs.astype(np.float32), ko_vecs.astype(np.float32), 4, days)
    whole = pairing._margin_matches(*args)
    monkeypatch.setattr(pairing, "_BLOCK", 4)
    blocked = pairing._margin_matches(*args)
    for a, b in zip(whole, blocked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # no English article is matched outside its window unless one side has no date
    far = np.abs(days[0][:, None] - days[1][None, :]) > 10
    for i, j in enumerate(whole[0]):
        assert days[0][i] == pairing._NO_DATE or not far[i, j] or whole[1][i] < -1


def test_bad_dates_and_windows_are_input_errors() -> None:
    en = [dated("e0", "en", "14/05/2021")]
    ko = [dated("k0", "ko", "2021-05-14")]
    with pytest.raises(InputError, match=r"en/e0.txt: date '14/05/2021' of article 'e0'"):
        pair_by_content(en, ko, np.ones((1, 2)), np.ones((1, 2)), ContentParams(max_days=3))
    # without a window, dates are not read at all
    assert len(pair_by_content(en, ko, np.ones((1, 2)), np.ones((1, 2))).pairs) == 1
    with pytest.raises(InputError, match="must not be negative"):
        ContentParams(max_days=-1)


def test_links_match_whatever_the_scheme_www_or_trailing_slash() -> None:
    from aligner.pairing import url_key

    assert url_key("http://WWW.DailyNK.com/korean/123/") == "dailynk.com/korean/123"
    assert url_key("https://dailynk.com/korean/123#top") == "dailynk.com/korean/123"
    assert url_key("https://x.kr/view?id=5") == "x.kr/view?id=5"
    assert url_key("https://x.kr/view?id=5") != url_key("https://x.kr/view?id=6")
    en = Document("e1", "en", "x", original_url="http://www.dailynk.com/korean/123/")
    ko = Document("k9", "ko", "y", url="https://dailynk.com/korean/123")
    result = pair_by_link([en], [ko])
    assert [(pid, e.doc_id, k.doc_id) for pid, e, k in result.pairs] == [("e1__k9", "e1", "k9")]


def test_a_korean_article_can_name_its_english_version() -> None:
    en = [
        Document("e1", "en", "x", url="https://example.com/en/trade"),
        Document("e2", "en", "x", url="https://example.com/en/rain"),
    ]
    ko = [
        Document("k7", "ko", "y", translation_url="http://www.example.com/en/trade/"),
        Document("e2", "ko", "y"),  # shares the id: paired that way
    ]
    result = pair_by_link(en, ko)
    assert [(e.doc_id, k.doc_id) for _, e, k in result.pairs] == [("e1", "k7"), ("e2", "e2")]
    assert not result.unpaired_en and not result.unpaired_ko


# Real URL forms seen on Daily NK pages: the same article linked with raw Hangul, with
# upper- or lower-case percent-escapes, and board-style read.php links in either order.
KO_SLUG_RAW = "https://www.dailynk.com/25일부터-혜산서-국가밀수-재개/"
KO_SLUG_UPPER = (
    "https://www.dailynk.com/25%EC%9D%BC%EB%B6%80%ED%84%B0-%ED%98%9C%EC%82%B0%EC%84%9C-"
    "%EA%B5%AD%EA%B0%80%EB%B0%80%EC%88%98-%EC%9E%AC%EA%B0%9C/"
)


def test_link_keys_survive_percent_encoding_and_its_hex_case() -> None:
    from aligner.pairing import url_key

    assert url_key(KO_SLUG_UPPER) == url_key(KO_SLUG_RAW) == url_key(KO_SLUG_UPPER.lower())
    assert url_key(KO_SLUG_RAW) == "dailynk.com/25일부터-혜산서-국가밀수-재개"
    # a legacy EUC-KR escape is no UTF-8: kept as escapes, equal whatever the hex case
    assert url_key("http://x.kr/b?q=%c7%d1") == url_key("http://x.kr/b?q=%C7%D1")
    assert url_key("http://x.kr/b?q=%C7%D1") != url_key("http://x.kr/b?q=%C7%D2")
    # an escaped slash is not a path separator
    assert url_key("http://x.kr/a%2Fb/c") != url_key("http://x.kr/a/b/c")


def test_link_keys_survive_query_order_idn_hosts_and_default_ports() -> None:
    from aligner.pairing import url_key

    board = "http://www.dailynk.com/english/read.php?cataId=nk01500&num=14676"
    swapped = "https://dailynk.com/english/read.php?num=14676&cataId=nk01500#top"
    assert url_key(board) == url_key(swapped)
    assert url_key(board) == "dailynk.com/english/read.php?cataId=nk01500&num=14676"
    assert url_key(board) != url_key(board.replace("14676", "14679"))
    assert url_key("http://xn--3e0b707e.kr/a/") == url_key("https://한국.kr/a") == "한국.kr/a"
    assert url_key("http://Example.com:80/a") == url_key("https://example.com:443/a")
    assert url_key("https://example.com:8080/a") != url_key("https://example.com/a")
    assert url_key("https://x.kr/a?q=a+b") == url_key("https://x.kr/a?q=a%20b")


def test_pairing_by_link_finds_articles_whatever_the_url_form() -> None:
    en = [
        Document("e1", "en", "x", original_url=KO_SLUG_UPPER.lower()),
        Document(
            "e2", "en", "x", url="http://www.dailynk.com/english/read.php?num=14676&cataId=nk01500"
        ),
    ]
    ko = [
        Document("k1", "ko", "y", url=KO_SLUG_RAW),
        Document(
            "k2",
            "ko",
            "y",
            translation_url="https://dailynk.com/english/read.php?cataId=nk01500&num=14676",
        ),
    ]
    result = pair_by_link(en, ko)
    assert [(e.doc_id, k.doc_id) for _, e, k in result.pairs] == [("e1", "k1"), ("e2", "k2")]
