from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import CorpusWriter
from aligner.errors import AlignerError, EvaluationError, InputError
from aligner.evaluate import (
    Link,
    Scores,
    evaluate,
    evaluate_paths,
    format_links,
    links_from_corpus,
    load_links,
    read_gold,
)
from aligner.types import Bead, Document, PairResult

runner = CliRunner()

# --------------------------------------------------------------------------- gold files


def test_read_gold_parses_vecalign_format(tmp_path: Path) -> None:
    path = tmp_path / "doc.gold"
    path.write_text("[0]:[0, 1]\n\n[1,2]:[2]\n  [3]:[]  \n[]:[3]\n[4]:[4]:0.123456\n")
    assert read_gold(path) == [
        ((0,), (0, 1)),
        ((1, 2), (2,)),
        ((3,), ()),
        ((), (3,)),
        ((4,), (4,)),
    ]


@pytest.mark.parametrize("bad", ["[0]-[1]", "[a]:[1]", "[-1]:[0]", "[0]:[1]:[2]", "0:1", "[0]"])
def test_read_gold_names_file_and_line(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "doc.gold"
    path.write_text(f"[0]:[0]\n\n{bad}\n")
    with pytest.raises(InputError) as info:
        read_gold(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: ")
    assert "[0]:[0, 1]" in message
    assert info.value.line == 3


def test_read_gold_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such alignment file"):
        read_gold(tmp_path / "nope.gold")


def test_format_links_round_trips(tmp_path: Path) -> None:
    links: list[Link] = [((0,), (0, 1)), ((1, 2), (2,)), ((3,), ()), ((), (3,))]
    text = format_links(links)
    assert text == "[0]:[0, 1]\n[1, 2]:[2]\n[3]:[]\n[]:[3]\n"
    path = tmp_path / "x.gold"
    path.write_text(text)
    assert read_gold(path) == links
    assert format_links([]) == ""


# --------------------------------------------------------------------------- metrics


def test_strict_and_lax_differ() -> None:
    gold: list[Link] = [((0,), (0,)), ((1,), (1, 2)), ((2,), ()), ((3,), (3,))]
    pred: list[Link] = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), ()), ((3,), (3,))]
    s = evaluate([gold], [pred])
    # precision over 5 predicted links: 3 exact; (1)-(1) overlaps a gold link on both
    # sides (lax); ()-(2) overlaps nothing.
    assert s.strict_precision == pytest.approx(3 / 5)
    assert s.lax_precision == pytest.approx(4 / 5)
    # recall over the 3 gold links with both sides: (1)-(1,2) is only a lax hit.
    assert s.strict_recall == pytest.approx(2 / 3)
    assert s.lax_recall == pytest.approx(1.0)
    assert s.strict_f1 == pytest.approx(12 / 19)
    assert s.lax_f1 == pytest.approx(8 / 9)
    assert (s.n_gold, s.n_pred) == (4, 5)


def test_deletions_count_in_precision_not_recall() -> None:
    # A gold deletion the prediction leaves out costs nothing.
    gold: list[Link] = [((0,), (0,)), ((1,), ())]
    s = evaluate([gold], [[((0,), (0,))]])
    assert (s.strict_precision, s.strict_recall) == (1.0, 1.0)
    # A spurious predicted deletion costs precision only.
    gold = [((0,), (0,)), ((1,), (1,))]
    s = evaluate([gold], [[((0,), (0,)), ((1,), (1,)), ((2,), ())]])
    assert s.strict_precision == pytest.approx(2 / 3)
    assert s.lax_precision == pytest.approx(2 / 3)
    assert s.strict_recall == 1.0
    # A predicted deletion that is in the gold is a hit.
    gold = [((0,), (0,)), ((), (1,))]
    s = evaluate([gold], [[((0,), (0,)), ((), (1,))]])
    assert s.strict_precision == 1.0


def test_micro_sum_over_documents() -> None:
    gold1: list[Link] = [((0,), (0,)), ((1,), (1,))]
    pred1 = gold1
    gold2: list[Link] = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,))]
    pred2: list[Link] = [((0, 1), (0, 1)), ((2,), (2,)), ((3,), (3,))]
    s = evaluate([gold1, gold2], [pred1, pred2])
    # micro: 4 of 5 predictions and 4 of 6 gold links (macro would be .833 and .75)
    assert s.strict_precision == pytest.approx(4 / 5)
    assert s.strict_recall == pytest.approx(4 / 6)
    assert s.strict_f1 == pytest.approx(2 * 0.8 * (2 / 3) / (0.8 + 2 / 3))
    assert s.lax_precision == 1.0
    assert s.lax_recall == 1.0


def test_perfect_prediction_scores_one() -> None:
    gold: list[Link] = [((0,), (0, 1)), ((1,), ()), ((), (2,)), ((2, 3), (3,))]
    s = evaluate([gold, gold[:2]], [list(gold), [list(x) for x in gold[:2]]])  # lists accepted
    for value in (s.strict_precision, s.strict_recall, s.strict_f1):
        assert value == 1.0
    for value in (s.lax_precision, s.lax_recall, s.lax_f1):
        assert value == 1.0


def test_empty_and_mismatched_inputs() -> None:
    s = evaluate([[]], [[((), ())]])
    assert s == Scores(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0)
    assert set(s.as_dict()) == {
        "strict_precision",
        "strict_recall",
        "strict_f1",
        "lax_precision",
        "lax_recall",
        "lax_f1",
        "n_gold",
        "n_pred",
    }
    with pytest.raises(EvaluationError) as info:
        evaluate([[]], [[], []])
    assert isinstance(info.value, ValueError) and isinstance(info.value, AlignerError)


def _oracle(gold_docs: list[list[Link]], pred_docs: list[list[Link]]) -> dict[str, float]:
    """The metric from its definition, by brute force."""

    def overlaps(a: Link, b: Link) -> bool:
        return bool(set(a[0]) & set(b[0])) and bool(set(a[1]) & set(b[1]))

    pt = ps = pl_ = rt = rs = rl = 0
    for gold_links, pred_links in zip(gold_docs, pred_docs, strict=True):
        gold = {g for g in gold_links if g[0] or g[1]}
        pred = {p for p in pred_links if p[0] or p[1]}
        for p in pred:
            pt += 1
            ps += p in gold
            pl_ += p in gold or any(overlaps(p, g) for g in gold)
        for g in gold:
            if g[0] and g[1]:
                rt += 1
                rs += g in pred
                rl += any(overlaps(g, p) for p in pred)

    def ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    return {
        "strict_precision": ratio(ps, pt),
        "lax_precision": ratio(pl_, pt),
        "strict_recall": ratio(rs, rt),
        "lax_recall": ratio(rl, rt),
    }


@st.composite
def alignments(draw: st.DrawFn, n: int, m: int) -> list[Link]:
    links: list[Link] = []
    i = j = 0
    while i < n or j < m:
        a = min(draw(st.integers(0, 3)), n - i)
        b = min(draw(st.integers(0, 3)), m - j)
        if a == 0 and b == 0:
            a, b = (1, 0) if i < n else (0, 1)
        links.append((tuple(range(i, i + a)), tuple(range(j, j + b))))
        i, j = i + a, j + b
    return links


@st.composite
def doc_pairs(draw: st.DrawFn) -> tuple[list[Link], list[Link]]:
    n, m = draw(st.integers(0, 10)), draw(st.integers(0, 10))
    return draw(alignments(n, m)), draw(alignments(n, m))


@settings(max_examples=200, deadline=None)
@given(st.lists(doc_pairs(), min_size=1, max_size=3))
def test_matches_definition(docs: list[tuple[list[Link], list[Link]]]) -> None:
    gold = [g for g, _ in docs]
    pred = [p for _, p in docs]
    got = evaluate(gold, pred).as_dict()
    for key, value in _oracle(gold, pred).items():
        assert got[key] == pytest.approx(value), key


# --------------------------------------------------------------------------- paths


GOLD_A: list[Link] = [((0,), (0,)), ((1, 2), (1,)), ((3,), ())]
PRED_A: list[Link] = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ())]
GOLD_B: list[Link] = [((0,), (0,)), ((), (1,)), ((1,), (2,))]


@pytest.fixture
def pred_corpus(make_pair: Callable[..., PairResult]) -> Callable[..., Path]:
    """Writes the predictions (pairs a and b, c unpaired) as a corpus in a folder."""

    def pair(pair_id: str, n_en: int, n_ko: int, links: list[Link]) -> PairResult:
        en = [f"E{i}." for i in range(n_en)]
        ko = [f"K{i}." for i in range(n_ko)]
        beads = (Bead(e, k, 0.5 if e and k else None) for e, k in links)
        return make_pair(pair_id, en, ko, beads)

    def build(folder: Path, with_b: bool = True) -> Path:
        path = folder / "pred.parquet"
        with CorpusWriter(path, metadata={}) as writer:
            writer.add(pair("a", 4, 2, PRED_A))
            if with_b:
                writer.add(pair("b", 2, 3, GOLD_B))
            unpaired = Document("c-en", "en", "x")
            writer.add(make_pair("c", [], None, en_doc=unpaired, status="unpaired"))
        return path

    return build


def _gold_dir(tmp_path: Path, with_c: bool = True) -> Path:
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "a.gold").write_text(format_links(GOLD_A))
    (gold / "b.defr").write_text(format_links(GOLD_B))
    (gold / "b.de").write_text("Ein Satz.\nNoch einer.\n")  # a text file, skipped
    (gold / "README.md").write_text("# gold alignments\n")
    if with_c:
        (gold / "c.gold").write_text("[0]:[0]\n")
    return gold


def test_links_from_corpus(pred_corpus, tmp_path: Path) -> None:
    links = links_from_corpus(pred_corpus(tmp_path))
    assert links == {"a": PRED_A, "b": GOLD_B, "c": []}


def test_load_links_kinds(pred_corpus, tmp_path: Path) -> None:
    gold = _gold_dir(tmp_path)
    assert load_links(gold) == {"a": GOLD_A, "b": GOLD_B, "c": [((0,), (0,))]}
    assert load_links(gold / "a.gold") == {"a": GOLD_A}
    assert set(load_links(pred_corpus(tmp_path))) == {"a", "b", "c"}


def test_evaluate_paths_gold_dir_against_corpus(pred_corpus, tmp_path: Path) -> None:
    s = evaluate_paths(_gold_dir(tmp_path), pred_corpus(tmp_path))
    # predictions: a has 4 (2 exact: (0)-(0), (3)-()), b has 3 exact -> strict P 5/7;
    # lax adds a's (1)-(1), which overlaps gold (1,2)-(1) -> 6/7.
    assert s.strict_precision == pytest.approx(5 / 7)
    assert s.lax_precision == pytest.approx(6 / 7)
    # gold links with both sides: a 2, b 2, c 1 (c was not aligned) -> strict R 3/5.
    assert s.strict_recall == pytest.approx(3 / 5)
    assert s.lax_recall == pytest.approx(4 / 5)
    expected = evaluate([GOLD_A, GOLD_B, [((0,), (0,))]], [PRED_A, GOLD_B, []])
    assert s == expected


def test_evaluate_paths_key_mismatch(pred_corpus, tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    gold = _gold_dir(tmp_path / "one")
    pred = pred_corpus(tmp_path / "two", with_b=False)
    with pytest.raises(InputError, match=r"no prediction for 1 gold document\(s\): 'b'"):
        evaluate_paths(gold, pred)
    (tmp_path / "three").mkdir()
    (tmp_path / "four").mkdir()
    gold = _gold_dir(tmp_path / "three", with_c=False)
    pred = pred_corpus(tmp_path / "four")
    with pytest.raises(InputError, match=r"no gold for 1 predicted document\(s\): 'c'"):
        evaluate_paths(gold, pred)


def test_only_gold_scores_the_predicted_documents_that_have_gold(
    pred_corpus, tmp_path: Path
) -> None:
    """The gold of a partly reviewed corpus (a and b, not c) against the whole corpus."""
    (tmp_path / "g").mkdir()
    (tmp_path / "p").mkdir()
    gold = _gold_dir(tmp_path / "g", with_c=False)
    pred = pred_corpus(tmp_path / "p")
    assert evaluate_paths(gold, pred, only_gold=True) == evaluate(
        [GOLD_A, GOLD_B], [PRED_A, GOLD_B]
    )
    result = runner.invoke(app, ["evaluate", str(gold), str(pred), "--only-gold", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_pred"] == len(PRED_A) + len(GOLD_B)
    refused = runner.invoke(app, ["evaluate", str(gold), str(pred)])
    assert refused.exit_code == 1
    assert "no gold for 1 predicted document(s): 'c'" in refused.stderr
    assert "--only-gold" in refused.stderr  # the fix names the option
    # a gold document without a prediction is still an error
    (gold / "z.gold").write_text("[0]:[0]\n")
    with pytest.raises(InputError, match=r"no prediction for 1 gold document\(s\): 'z'"):
        evaluate_paths(gold, pred, only_gold=True)


def test_evaluate_paths_two_files(tmp_path: Path) -> None:
    gold = tmp_path / "test0.defr"
    pred = tmp_path / "test0.out"
    gold.write_text(format_links(GOLD_A))
    pred.write_text(format_links(PRED_A))
    assert evaluate_paths(gold, pred) == evaluate([GOLD_A], [PRED_A])


def test_evaluate_paths_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        evaluate_paths(tmp_path / "missing", tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here\n")
    with pytest.raises(InputError, match="no alignment files"):
        load_links(empty)
    dup = tmp_path / "dup"
    dup.mkdir()
    (dup / "a.gold").write_text("[0]:[0]\n")
    (dup / "a.links").write_text("[0]:[0]\n")
    with pytest.raises(InputError, match="two alignment files"):
        load_links(dup)


@pytest.mark.data
def test_textberg_gold_against_itself(shared_data: Path) -> None:
    gold = shared_data / "bleualign-textberg-de-fr"
    links = load_links(gold)
    assert "test0" in links and "dev" in links
    s = evaluate_paths(gold, gold)
    assert s.strict_f1 == 1.0
    assert s.n_gold == sum(len({x for x in v if x[0] or x[1]}) for v in links.values())
