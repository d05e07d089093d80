"""The benchmark sets of scripts/benchdata.py, the mapping helpers of scripts/benchmark.py and
the counting encoder of scripts/counting.py."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import benchdata  # noqa: E402
import numpy as np  # noqa: E402
from benchdata import BenchDoc  # noqa: E402
from counting import CountingEncoder  # noqa: E402

PERTURBED_KINDS = {"1-1", "1-2", "2-1", "1-3", "3-1", "1-0", "0-1"}


def kinds(docs: list[BenchDoc]) -> Counter[str]:
    return benchdata.kind_counts(docs)


def assert_covers(doc: BenchDoc) -> None:
    """Gold covers every index of both sides exactly once, in order."""
    en = [i for e, _ in doc.gold for i in e]
    ko = [j for _, k in doc.gold for j in k]
    assert en == list(range(len(doc.en))), doc.name
    assert ko == list(range(len(doc.ko))), doc.name
    assert all(e or k for e, k in doc.gold), doc.name


def is_furniture(doc: BenchDoc, link) -> bool:
    e, k = link
    return len(e) == 1 and not k and doc.en[e[0]] in benchdata.FURNITURE_LINES


# --------------------------------------------------------------------------- no data needed


def synthetic(n: int, tag: str) -> tuple[list[str], list[str]]:
    return [f"{tag} English sentence {i}." for i in range(n)], [
        f"{tag} 한국어 문장 {i}." for i in range(n)
    ]


def test_perturb_is_deterministic_and_covers_every_sentence():
    pool_en, pool_ko = synthetic(50, "other")
    seen = Counter()
    for d in range(60):
        en, ko = synthetic(25, f"doc{d}")
        a = benchdata.perturb(f"doc{d}", en, ko, pool_en[1:], pool_ko[1:], seed=5)
        b = benchdata.perturb(f"doc{d}", en, ko, pool_en[1:], pool_ko[1:], seed=5)
        assert a == b
        assert_covers(a)
        assert a.gold[0] == ((0,), (0,)) and a.en[0] == en[0] and a.ko[0] == ko[0]
        seen.update(benchdata.link_kind(link) for link in a.gold)
    assert set(seen) >= PERTURBED_KINDS


def test_perturb_seed_changes_documents():
    en, ko = synthetic(30, "x")
    docs = [benchdata.perturb("x", en, ko, ["stray."], ["떠돌이."], seed=s) for s in range(8)]
    assert len({d.gold for d in docs}) > 1


def test_joins_stay_inside_source_units():
    en, ko = synthetic(40, "u")
    unit_of = [i // 2 for i in range(40)]  # two-sentence source documents
    for seed in range(30):
        doc = benchdata.perturb("u", en, ko, ["s."], ["ㅅ."], seed=seed, unit_of=unit_of)
        for e, k in doc.gold:
            if len(e) > 1 and len(k) == 1:  # Korean sentences joined
                ids = [int(s.rsplit(" ", 1)[1].rstrip(".")) for s in doc.en[e[0] : e[-1] + 1]]
                assert len({unit_of[i] for i in ids}) == 1


def test_parse_vecalign():
    assert benchdata.parse_vecalign(["[0]:[0, 1]", "", "[3]:[]", "[]:[2]", "[6, 7]:[9, 10]"]) == [
        ((0,), (0, 1)),
        ((3,), ()),
        ((), (2,)),
        ((6, 7), (9, 10)),
    ]


def test_running_text_spans_paragraphs_and_boundaries():
    run = benchdata.running_text([["Title"], ["One.", "Two.", "Three."]])
    assert run.text == "Title\n\nOne. Two. Three."
    assert [run.text[a:b] for a, b in run.spans] == ["Title", "One.", "Two.", "Three."]
    assert run.paragraphs == (0, 1, 1, 1)
    # a paragraph's first sentence is no boundary: the blank line gives it
    assert run.boundaries == {run.text.index("Two."), run.text.index("Three.")}


def test_running_text_joiners():
    chinese = benchdata.running_text([["一。", "二。"], [], ["三。"]], joiner="")
    assert chinese.text == "一。二。\n\n\n\n三。"
    assert chinese.boundaries == {2} and chinese.paragraphs == (0, 0, 2)
    lines = benchdata.running_text([["One.", "Two."]], joiner="\n")
    assert lines.text == "One.\nTwo." and lines.boundaries == {5}


def test_require_data_dir_exits_with_message(tmp_path):
    with pytest.raises(SystemExit) as exc:
        benchdata.require_data_dir(tmp_path / "absent")
    assert "ALIGNER_SHARED_DATA" in str(exc.value.code)


# --------------------------------------------------------------------------- shared data


@pytest.fixture(scope="module")
def ntrex(shared_data):
    return benchdata.ntrex_perturbed(shared_data)


@pytest.fixture(scope="module")
def flores(shared_data):
    return benchdata.flores_perturbed(shared_data)


@pytest.mark.data
def test_builders_are_deterministic(shared_data, ntrex, flores):
    assert benchdata.ntrex_perturbed(shared_data) == ntrex
    assert benchdata.flores_perturbed(shared_data) == flores
    assert benchdata.ntrex_perturbed(shared_data, seed=14) != ntrex
    assert benchdata.textberg(shared_data) == benchdata.textberg(shared_data)
    assert benchdata.wmt24pp_news(shared_data) == benchdata.wmt24pp_news(shared_data)


@pytest.mark.data
@pytest.mark.parametrize("which", ["ntrex", "flores"])
def test_perturbed_sets(which, request):
    docs = request.getfixturevalue(which)
    assert len(docs) == (123 if which == "ntrex" else 63)
    for doc in docs:
        assert_covers(doc)
        assert doc.gold[0] == ((0,), (0,)), "the headline is never perturbed"
    counts = kinds(docs)
    assert set(counts) == PERTURBED_KINDS
    share = counts["1-1"] / sum(counts.values())
    assert 0.72 <= share <= 0.82


@pytest.mark.data
@pytest.mark.parametrize("which", ["ntrex", "flores"])
def test_gold_is_unambiguous(which, request):
    """Two neighbouring links are never both perturbed, except furniture lines."""
    for doc in request.getfixturevalue(which):
        for a, b in zip(doc.gold, doc.gold[1:], strict=False):
            plain = benchdata.link_kind(a) == "1-1" or benchdata.link_kind(b) == "1-1"
            assert plain or (is_furniture(doc, b) and (is_furniture(doc, a))), doc.name


@pytest.mark.data
@pytest.mark.parametrize("which", ["ntrex", "flores"])
def test_furniture_tails(which, request):
    docs = request.getfixturevalue(which)
    with_tail = 0
    for doc in docs:
        flags = [is_furniture(doc, link) for link in doc.gold]
        n = len(flags) - flags.index(True) if True in flags else 0
        assert not any(flags[: len(flags) - n]), f"{doc.name}: furniture before the tail"
        assert 0 <= n <= 3
        if n:
            with_tail += 1
            tail = doc.gold[-n:]
            assert all(len(e) == 1 and not k for e, k in tail)
            assert tail[-1][0] == (len(doc.en) - 1,)
            assert benchdata.link_kind(doc.gold[-n - 1]) == "1-1"
        # furniture is English-only
        assert not any(s in benchdata.FURNITURE_LINES for s in doc.ko)
    assert 0.25 <= with_tail / len(docs) <= 0.55


def joined_at(whole: list[str], parts: list[str], joined: str, other: list[str]) -> bool:
    """Some position j has ``parts`` on one side and ``joined`` = their partners, space-joined."""
    n = len(parts)
    return any(
        whole[j : j + n] == parts and joined == " ".join(other[j : j + n])
        for j in range(len(whole) - n + 1)
    )


@pytest.mark.data
def test_joins_rebuild_the_original(shared_data, ntrex):
    original = {f"ntrex.{d}": (en, ko) for d, en, ko in benchdata._read_ntrex(shared_data)}
    checked = 0
    for doc in ntrex:
        en, ko = original[doc.name]
        pairs = set(zip(en, ko, strict=True))
        for e, k in doc.gold:
            en_parts = [doc.en[i] for i in e]
            ko_parts = [doc.ko[j] for j in k]
            if len(e) == 1 and len(k) > 1:  # English sentences joined
                assert joined_at(ko, ko_parts, en_parts[0], en), doc.name
                checked += 1
            elif len(k) == 1 and len(e) > 1:  # Korean sentences joined
                assert joined_at(en, en_parts, ko_parts[0], ko), doc.name
                checked += 1
            elif len(e) == len(k) == 1:
                assert (en_parts[0], ko_parts[0]) in pairs, doc.name
    assert checked > 150


@pytest.mark.data
def test_strays_come_from_other_articles(shared_data, ntrex):
    original = {
        f"ntrex.{d}": (set(en), set(ko)) for d, en, ko in benchdata._read_ntrex(shared_data)
    }
    strays = 0
    for doc in ntrex:
        own_en, own_ko = original[doc.name]
        for e, k in doc.gold:
            if e and not k and doc.en[e[0]] not in own_en:
                strays += doc.en[e[0]] not in benchdata.FURNITURE_LINES
            if k and not e and doc.ko[k[0]] not in own_ko:
                strays += 1
    assert strays > 20


@pytest.mark.data
def test_textberg_sizes(shared_data):
    docs = benchdata.textberg(shared_data)
    assert [d.name for d in docs] == [f"textberg.test{i}" for i in range(7)]
    assert sum(len(d.en) for d in docs) == 991
    assert sum(len(d.ko) for d in docs) == 1011
    assert sum(len(d.gold) for d in docs) == 916
    assert kinds(docs) == Counter(
        {"1-1": 678, "2-1": 82, "1-2": 63, "0-1": 47, "2-2": 12, "1-0": 11, "3-1": 10,
         "1-3": 8, "1-4": 2, "3-2": 2, "2-3": 1}
    )  # fmt: skip
    for doc in docs:
        for e, k in doc.gold:
            assert all(0 <= i < len(doc.en) for i in e)
            assert all(0 <= j < len(doc.ko) for j in k)
    (dev,) = benchdata.textberg(shared_data, split="dev")
    assert (len(dev.en), len(dev.ko), len(dev.gold)) == (468, 554, 422)
    with pytest.raises(ValueError):
        benchdata.textberg(shared_data, split="test9")


def assert_spans(doc: BenchDoc) -> None:
    assert len(doc.en_spans) == len(doc.en) and len(doc.ko_spans) == len(doc.ko)
    assert [doc.en_text[a:b] for a, b in doc.en_spans] == list(doc.en)
    assert [doc.ko_text[a:b] for a, b in doc.ko_spans] == list(doc.ko)
    assert len(doc.en_paragraphs) == len(doc.en) and len(doc.ko_paragraphs) == len(doc.ko)


@pytest.mark.data
def test_ntrex_running_text(shared_data):
    docs = benchdata.ntrex_running_text(shared_data)
    assert len(docs) == 123
    assert sum(len(d.en) for d in docs) == 1997
    for doc in docs:
        assert_spans(doc)
        assert doc.gold == tuple(((i,), (i,)) for i in range(len(doc.en)))
        headline, body = doc.en_text.split("\n\n")
        assert headline == doc.en[0] and body == " ".join(doc.en[1:])
        assert doc.ko_text.split("\n\n")[0] == doc.ko[0]
        assert doc.en_paragraphs == (0,) + (1,) * (len(doc.en) - 1)


@pytest.mark.data
def test_ntrex_abridged_keeps_half_the_english(shared_data):
    full = benchdata.ntrex_running_text(shared_data)
    docs = benchdata.ntrex_abridged(shared_data)
    assert len(docs) == len(full) == 123
    for doc, whole in zip(docs, full, strict=True):
        assert_spans(doc)
        k = max(2, len(whole.en) // 2)
        assert doc.en == whole.en[:k] and doc.ko == whole.ko
        assert whole.en_text.startswith(doc.en_text) and doc.en_text.endswith(doc.en[-1])
        assert doc.gold[:k] == tuple(((i,), (i,)) for i in range(k))
        assert doc.gold[k:] == tuple(((), (j,)) for j in range(k, len(doc.ko)))


@pytest.mark.data
def test_wmt24pp_news(shared_data):
    docs = benchdata.wmt24pp_news(shared_data)
    assert len(docs) == 17
    assert sum(len(d.gold) for d in docs) == 149
    for doc in docs:
        assert_spans(doc)
        assert doc.en_text.split("\n\n") == list(doc.en)
        assert doc.ko_text.split("\n\n") == list(doc.ko)
        assert doc.en_paragraphs == tuple(range(len(doc.en)))
        assert "CANARY" not in doc.en_text


# --------------------------------------------------------------------------- benchmark helpers


@pytest.fixture(scope="module")
def benchmark():
    pytest.importorskip("aligner.corpus")
    pytest.importorskip("aligner.evaluate")
    import benchmark as module

    return module


def test_diagonal_beads(benchmark):
    links = [(b.en, b.ko) for b in benchmark.diagonal_beads(3, 5)]
    assert links == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((), (3,)), ((), (4,))]
    links = [(b.en, b.ko) for b in benchmark.diagonal_beads(2, 1)]
    assert links == [((0,), (0,)), ((1,), ())]


def test_gold_unit_of_and_map_beads(benchmark):
    from aligner.types import Bead, Sentence

    # gold sentences "Aa. Bb. Cc." -> spans (0,3) (4,7) (8,11)
    spans = [(0, 3), (4, 7), (8, 11)]

    def sent(i, a, b):
        return Sentence("d", i, "", a, b, 0)

    # predicted: unit 0 split in two, units 1 and 2 merged into one sentence
    en = [sent(0, 0, 1), sent(1, 2, 3), sent(2, 4, 11)]
    assert benchmark.gold_unit_of(en, spans) == [0, 0, 1]
    ko = [sent(0, 0, 3), sent(1, 4, 7), sent(2, 8, 11), sent(3, 12, 14)]
    assert benchmark.gold_unit_of(ko, spans) == [0, 1, 2, None]
    beads = [Bead((0,), (0,)), Bead((1,), ()), Bead((2,), (1,)), Bead((), (2,)), Bead((), (3,))]
    links = benchmark.map_beads(beads, [0, 0, 1], [0, 1, 2, None])
    assert links == [((0,), (0,)), ((1,), (1,)), ((), (2,))]


class _Ones:
    name, dim = "ones@1", 4

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), self.dim), dtype=np.float32) / 2


def test_counting_encoder_counts_texts_and_batches() -> None:
    counting = CountingEncoder(_Ones())
    assert (counting.name, counting.dim) == ("ones@1", 4)
    assert counting.encode(["a", "b", "c"]).shape == (3, 4)
    counting.encode(["a"])
    counting.encode([])
    assert counting.calls == 4
    assert counting.batches == 3
    assert counting.seconds >= 0.0
    with pytest.raises(TypeError):
        counting.encode("a single string")
    counting.reset()
    assert (counting.calls, counting.batches, counting.seconds) == (0, 0, 0.0)
