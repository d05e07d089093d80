from __future__ import annotations

from aligner.pairing import pair_by_link
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
