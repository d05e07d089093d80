"""The real-news benchmark: committed gold against its format, and the harness on real texts.

Copyrighted texts (Daily NK) are not in the repository; tests that need them skip unless
corpora/realnews/texts-local/ (or texts/) holds a copy whose sha256 matches the manifest.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import bench_realnews  # noqa: E402
import realnews  # noqa: E402
from realnews import Gold  # noqa: E402

ENTRIES = realnews.read_manifest()
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _present() -> list[dict]:
    return [e for e in ENTRIES if isinstance(realnews.load_texts(e), tuple)]


# --------------------------------------------------------------------------- committed files


def test_manifest_has_pairs_with_unique_ids() -> None:
    assert ENTRIES, "corpora/realnews/manifest.jsonl is empty"
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_manifest_entry_fields(entry: dict) -> None:
    missing = [k for k in realnews.MANIFEST_KEYS if k not in entry]
    assert not missing, f"{entry['id']}: missing {missing}"
    assert entry["split"] in realnews.SPLITS
    assert DATE.match(entry["date"]), entry["date"]
    assert re.fullmatch(r"[0-9a-f]{64}", entry["en_sha256"])
    assert re.fullmatch(r"[0-9a-f]{64}", entry["ko_sha256"])
    if entry["source"] == "dailynk":
        # 2020 Daily NK articles are held out for acceptance; copyrighted text stays out.
        assert not entry["date"].startswith("2020"), entry["id"]
        assert entry["license"] == "copyrighted"
        assert entry["text_committed"] is False
        for lang in ("en", "ko"):
            assert not (realnews.ROOT / "texts" / f"{entry['id']}.{lang}.txt").exists()
    if entry["text_committed"]:
        texts = realnews.load_texts(entry, [realnews.ROOT / "texts"])
        assert isinstance(texts, tuple), f"{entry['id']}: committed text {texts}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_gold_file_is_valid(entry: dict) -> None:
    gold = realnews.read_gold(entry["id"])
    assert gold.id == entry["id"]
    texts = realnews.load_texts(entry)
    en, ko = texts if isinstance(texts, tuple) else (None, None)
    assert realnews.validate(gold, en, ko) == []
    # a headline-to-headline or body link exists: every pair has something aligned
    assert any(a and b for a, b in gold.links)


def test_gold_files_match_the_manifest() -> None:
    on_disk = {p.stem for p in realnews.GOLD_DIR.glob("*.json")}
    assert on_disk == {e["id"] for e in ENTRIES}


def test_dailynk_texts_are_ignored_by_git() -> None:
    ignore = (realnews.REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "corpora/realnews/texts-local/" in ignore


# --------------------------------------------------------------------------- the validator


def _gold(links, furn_en=(), furn_ko=()) -> Gold:
    text_units = ((0, 5), (6, 11), (12, 17))
    return Gold("t", text_units, text_units, frozenset(furn_en), frozenset(furn_ko), links)


def test_validate_accepts_a_well_formed_gold() -> None:
    gold = _gold((((0,), ()), ((1, 2), (0, 1)), ((), (2,))), furn_en=(0,), furn_ko=(2,))
    assert realnews.validate(gold, "aaaaa bbbbb ccccc", "ddddd eeeee fffff") == []


@pytest.mark.parametrize(
    ("links", "furn_en", "expected"),
    [
        ((((0,), (0,)), ((1,), (1,))), (), "units not in exactly one link"),
        ((((0,), (0,)), ((2,), (1,)), ((1,), (2,))), (), "out of order"),
        ((((0, 2), (0,)), ((1,), (1, 2))), (), "not contiguous"),
        ((((0,), (0,)), ((1,), (1,)), ((2,), (2,))), (2,), "links furniture"),
        ((((0,), (0,)), ((), ()), ((1, 2), (1, 2))), (), "empty on both sides"),
    ],
)
def test_validate_reports_broken_gold(links, furn_en, expected) -> None:
    errors = realnews.validate(_gold(links, furn_en=furn_en))
    assert any(expected in e for e in errors), errors


def test_validate_checks_spans_against_the_text() -> None:
    gold = Gold("t", ((0, 6),), ((0, 40),), frozenset(), frozenset(), (((0,), (0,)),))
    errors = realnews.validate(gold, "hello  world", "짧은 글")
    assert any("not stripped" in e for e in errors)
    assert any("past the text" in e for e in errors)


def test_split_is_a_fixed_function_of_the_id() -> None:
    assert realnews.split_of("dnk-2024-0829-hyesan-smuggling") == "dev"
    shares = [realnews.split_of(f"pair-{i}") for i in range(1000)]
    assert 0.55 < shares.count("dev") / 1000 < 0.65


# --------------------------------------------------------------------------- harness pieces


def test_presegmented_text_puts_units_on_lines_and_keeps_paragraphs() -> None:
    text = "Title\n\nFirst one. Second one.\nThird.\n"
    units = [(0, 5), (7, 17), (18, 29), (30, 36)]
    body, spans = bench_realnews.presegmented_text(text, units)
    assert body == "Title\n\nFirst one.\nSecond one.\nThird.\n"
    lines = [body[s.start : s.end] for s in spans]
    assert lines == ["Title", "First one.", "Second one.", "Third."]


def test_cleaned_sentences_map_back_to_raw_spans() -> None:
    from aligner.documents import clean

    raw = "Rice prices rose in Hyesan.\n\n/사진=데일리NK\n\nCorn stayed flat.\n"
    cleaned, _removed = clean(raw, "en")
    cmap = bench_realnews.char_map(cleaned, raw)
    start = cleaned.index("Corn")
    span = bench_realnews.to_raw(start, start + len("Corn stayed flat."), cmap)
    assert span is not None and raw[span.start : span.end] == "Corn stayed flat."


def test_bead_level_fallback_gives_each_unit_to_the_bead_covering_it() -> None:
    raw = "Title line\n\nFirst sentence  here. Second one.\n\nThird."
    units = [(0, 10), (12, 33), (34, 45), (47, 53)]
    assert [raw[a:b] for a, b in units][1] == "First sentence  here."
    Row = bench_realnews.Row
    beads = [
        Row((0,), (0,), "Title line", "제목"),
        Row((1, 2), (1,), "First sentence here. Second one.", "첫 문장."),
        Row((3,), (), "Third.", ""),
    ]
    spans = [bench_realnews.Span(a, b) for a, b in units]
    assert bench_realnews.bead_level_units(beads, "en", raw, spans) == [0, 1, 1, 2]
    # a bead whose text is not in the raw text owns nothing
    lost = [Row((0,), (), "Not in the page.", "")]
    assert bench_realnews.bead_level_units(lost, "en", raw, spans) == [None] * 4


def test_scores_and_diagnostics_are_perfect_when_prediction_is_the_gold() -> None:
    entry = ENTRIES[0]
    gold = realnews.read_gold(entry["id"])
    pair = bench_realnews.Pair(entry, gold, "", "")
    preds = {pair.id: bench_realnews.Prediction(list(gold.links), set(), set())}
    s = bench_realnews.scores([pair], preds)
    assert (s.strict_f1, s.lax_f1) == (1.0, 1.0)
    c = bench_realnews.diagnostics([pair], preds)["counts"]
    nulls = c.get("null_content", 0) + c.get("null_furniture", 0)
    assert c.get("null_content_unaligned", 0) + c.get("null_furniture_unaligned", 0) == nulls
    assert c.get("furniture_en_linked", 0) == c.get("furniture_ko_linked", 0) == 0


# --------------------------------------------------------------------------- the harness, for real


@pytest.mark.slow
def test_harness_runs_end_to_end_on_the_texts_present(tmp_path: Path, tiny_st_model: Path) -> None:
    present = _present()
    if not present:
        pytest.skip("no real-news texts supplied (corpora/realnews/texts-local/ is empty)")
    entry = present[0]
    out = tmp_path / "figures.json"
    argv = ["--split", entry["split"], "--ids", entry["id"], "--model", str(tiny_st_model)]
    assert bench_realnews.main([*argv, "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))[entry["split"]]
    for mode in ("e2e", "presegmented"):
        r = figures[mode]
        assert r["pairs"] == 1
        assert 0.0 <= r["scores"]["strict_f1"] <= r["scores"]["lax_f1"] <= 1.0
        assert r["scores"]["n_pred"] > 0
        kinds = r["diagnostics"]["gold_kinds"]
        assert sum(kinds.values()) == len(realnews.read_gold(entry["id"]).links)


def test_a_removed_unit_scores_as_left_unaligned() -> None:
    entry, gold = next(
        (e, g)
        for e in ENTRIES
        if (g := realnews.read_gold(e["id"])).furniture_en and len(g.links) > 3
    )
    pair = bench_realnews.Pair(entry, gold, "", "")
    furniture = next(lk for lk in gold.links if not lk[1] and lk[0][0] in gold.furniture_en)
    (unit,), _ = furniture
    # the furniture line is removed by cleaning, and one Korean unit is wrongly left out
    wrong = next(lk for lk in gold.links if lk[0] and lk[1])
    kept = [lk for lk in gold.links if lk not in (furniture, wrong)]
    kept += [(wrong[0], ()), ((), wrong[1])]
    preds = {pair.id: bench_realnews.Prediction(kept, {unit}, set())}
    as_unaligned = bench_realnews.scores([pair], preds)
    as_absent = bench_realnews.scores([pair], preds, removed_unaligned=False)
    # removing the caption is as right as leaving it unaligned: one right link more among
    # the predicted ones; scored as absent, removing it would cost precision
    n = len(kept)
    assert as_absent.strict_precision == pytest.approx((n - 2) / n)
    assert as_unaligned.strict_precision == pytest.approx((n - 1) / (n + 1))
    assert as_unaligned.strict_recall == as_absent.strict_recall < 1.0


def test_nm_causes_are_told_apart() -> None:
    """``scripts/realnews_nm.py``: a gold n-m link is a hit, out of reach (paragraph,
    size), or missed by the search (the gold reading scores higher) or by the scoring."""
    import realnews_nm

    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), ())]
    para = [0, 0, 0, 0]
    link = ((1, 2), (1,))
    assert realnews_nm.is_nm(link) and not realnews_nm.is_nm(((1,), (1,)))
    assert realnews_nm.is_nm(((1, 2), (1, 2))) and not realnews_nm.is_nm(((1, 2), ()))

    def cause(pred, score, para_en=para, max_bead=5):
        return realnews_nm.cause_of(link, gold, pred, para_en, para, max_bead, score)

    absorbed = [((0,), (0,)), ((1, 2, 3), (1,))]
    assert realnews_nm.stretch(link, gold, absorbed) == (gold[1:], absorbed[1:])
    assert cause(gold, lambda links: 0.0) == "hit"
    assert cause(absorbed, lambda links: 0.0, para_en=[0, 0, 1, 1]) == "paragraph"
    assert cause(absorbed, lambda links: 0.0, max_bead=2) == "size"
    assert cause(absorbed, lambda links: None) == "floor"
    gold_wins = lambda links: float(len(links))  # noqa: E731  (the gold reading has two)
    pred_wins = lambda links: -float(len(links))  # noqa: E731
    assert cause(absorbed, gold_wins) == "search"
    assert cause(absorbed, pred_wins) == "scoring"


def test_an_nm_stretch_takes_in_the_links_that_cross_it() -> None:
    """``realnews_nm.stretch`` closes over the span of units, not the unit sets: the gold
    reading links English 2 past Korean 3, so the predicted 1-1 of English 3 and Korean 3
    lies inside the stretch, and both readings are scored over the same units."""
    import realnews_nm

    link = ((1,), (1, 2))
    gold = [((0,), (0,)), link, ((), (3,)), ((2,), (4,)), ((3,), ()), ((4,), ())]
    pred = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((4,), (4,))]
    g, p = realnews_nm.stretch(link, gold, pred)
    assert g == gold[1:] and p == pred[1:]
    units = [({i for lk in r for i in lk[0]}, {j for lk in r for j in lk[1]}) for r in (g, p)]
    assert units[0] == units[1]


def test_units_left_out_past_the_other_sides_cut_are_free_in_an_nm_reading() -> None:
    """``realnews_nm.tail_units``: a 1-0 link after every Korean unit is placed lies in
    the tail the engine leaves out for free where the Korean is cut
    (``Problem.tail_skips``); one before it, or a unit whose tail price is not 0, does not."""
    from types import SimpleNamespace

    import numpy as np
    import realnews_nm

    problem = SimpleNamespace(
        n=4,
        m=2,
        tail_skips=lambda: (np.array([0.0, 0.0, 0.0, -0.3]), np.array([-0.2, -0.1])),
    )
    gold = [((0,), ()), ((1,), (0, 1)), ((2,), ()), ((3,), ())]
    pred = [((0,), ()), ((1, 2), (0, 1)), ((3,), ())]
    assert realnews_nm.tail_units(problem, gold, pred) == ({2}, set())
