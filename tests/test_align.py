from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner.align import AlignParams, align, find_band
from aligner.errors import AlignmentError
from aligner.types import Bead

# --------------------------------------------------------------------------- synthetic pairs

DIM = 64
NOISE = 0.25  # norm of the noise added to every embedding (1-1 cosines land near 0.97)
KO_CHARS_PER_EN_CHAR = 0.45

# Each bead kind as (English sentences, Korean sentences), every sentence given as the
# local meaning ids it carries. A merged sentence carries several meanings, so the gold
# bead is the only grouping under which both sides carry the same meanings.
KINDS: dict[str, tuple[list[list[int]], list[list[int]]]] = {
    "1-1": ([[0]], [[0]]),
    "2-1": ([[0], [1]], [[0, 1]]),
    "1-2": ([[0, 1]], [[0], [1]]),
    "1-3": ([[0, 1, 2]], [[0], [1], [2]]),
    "3-1": ([[0], [1], [2]], [[0, 1, 2]]),
    "2-2": ([[0, 1], [2]], [[0], [1, 2]]),
    "1-0": ([[0]], []),
    "0-1": ([], [[0]]),
}

Gold = list[tuple[tuple[int, ...], tuple[int, ...]]]


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


class SyntheticPair:
    """An English/Korean document pair built from random "meaning" vectors.

    A sentence's vector is the normalised sum of its meanings plus noise, and
    ``embed_groups`` embeds a run of sentences the way an encoder would embed their
    concatenation: the normalised sum of all the meanings in the run, plus noise. Lengths
    follow the meanings too (each meaning has a length; Korean is about half as long).
    """

    def __init__(self, kinds: Sequence[str], seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        meanings: list[np.ndarray] = []
        chars: list[float] = []
        self.en: list[list[int]] = []
        self.ko: list[list[int]] = []
        self.gold: Gold = []
        for kind in kinds:
            en_spec, ko_spec = KINDS[kind]
            base = len(meanings)
            for _ in range(1 + max(x for s in en_spec + ko_spec for x in s)):
                meanings.append(unit(self.rng.standard_normal(DIM)))
                chars.append(float(self.rng.integers(40, 160)))
            e0, k0 = len(self.en), len(self.ko)
            self.en += [[base + x for x in s] for s in en_spec]
            self.ko += [[base + x for x in s] for s in ko_spec]
            self.gold.append((tuple(range(e0, len(self.en))), tuple(range(k0, len(self.ko)))))
        self.meanings = np.array(meanings)
        self.en_vecs = self._vectors(self.en)
        self.ko_vecs = self._vectors(self.ko)
        self.en_lengths = [int(sum(chars[x] for x in ids)) for ids in self.en]
        self.ko_lengths = [
            int(KO_CHARS_PER_EN_CHAR * sum(chars[x] for x in ids)) for ids in self.ko
        ]
        self.requests: list[tuple[str, tuple[int, int]]] = []
        self.returned: dict[tuple[str, int, int], np.ndarray] = {}

    def _embed(self, ids: Sequence[int]) -> np.ndarray:
        v = unit(self.meanings[list(ids)].sum(axis=0))
        return unit(v + NOISE * self.rng.standard_normal(DIM) / np.sqrt(DIM))

    def _vectors(self, sentences: list[list[int]]) -> np.ndarray:
        return np.array([self._embed(ids) for ids in sentences], dtype=np.float32).reshape(-1, DIM)

    def embed_groups(self, side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        assert side in ("en", "ko")
        sentences = self.en if side == "en" else self.ko
        out = []
        for a, b in spans:
            assert 0 <= a < b <= len(sentences)
            self.requests.append((side, (a, b)))
            vec = self._embed([x for s in sentences[a:b] for x in s]).astype(np.float32)
            self.returned[(side, a, b)] = vec
            out.append(vec)
        return np.array(out, dtype=np.float32)

    def align(self, **kwargs) -> list[Bead]:
        return align(
            self.en_vecs,
            self.ko_vecs,
            en_lengths=self.en_lengths,
            ko_lengths=self.ko_lengths,
            embed_groups=self.embed_groups,
            **kwargs,
        )


def pairs(beads: list[Bead]) -> Gold:
    return [(b.en, b.ko) for b in beads]


def assert_well_formed(beads: list[Bead], n: int, m: int, max_bead: int) -> None:
    """Beads cover both sides once, in order, within ``max_bead``; scores only on links."""
    assert [i for b in beads for i in b.en] == list(range(n))
    assert [j for b in beads for j in b.ko] == list(range(m))
    for b in beads:
        assert b.en or b.ko
        if b.kind in ("1-0", "0-1"):
            assert b.score is None and b.margin is None
        else:
            assert b.en and b.ko
            assert len(b.en) + len(b.ko) <= max_bead
            assert b.score is not None and b.margin is not None
            assert np.isfinite(b.score) and np.isfinite(b.margin)


# --------------------------------------------------------------------------- bead kinds


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_bead_kind_is_recovered_exactly(kind: str, seed: int) -> None:
    before = 10 + seed
    doc = SyntheticPair(["1-1"] * before + [kind] + ["1-1"] * (24 - before), seed)
    special = doc.gold[before]
    assert f"{len(special[0])}-{len(special[1])}" == kind

    beads = doc.align()

    assert special in pairs(beads)
    assert pairs(beads) == doc.gold
    assert_well_formed(beads, len(doc.en), len(doc.ko), AlignParams().max_bead)


@pytest.mark.parametrize("kind", ["2-1", "1-2", "1-3", "3-1"])
def test_merges_are_found_from_summed_vectors_without_a_group_embedder(kind: str) -> None:
    doc = SyntheticPair(["1-1"] * 12 + [kind] + ["1-1"] * 12, seed=7)
    beads = align(doc.en_vecs, doc.ko_vecs, en_lengths=doc.en_lengths, ko_lengths=doc.ko_lengths)
    assert pairs(beads) == doc.gold


@pytest.mark.parametrize("seed", range(10))
def test_translator_credit_tail_becomes_two_deletions(seed: int) -> None:
    doc = SyntheticPair(["1-1"] * 25 + ["1-0", "1-0"], seed)
    beads = doc.align()
    assert pairs(beads)[-3:] == [((24,), (24,)), ((25,), ()), ((26,), ())]
    assert pairs(beads) == doc.gold


def test_orthogonal_sentences_are_not_absorbed_by_a_neighbouring_pair() -> None:
    eye = np.eye(5, dtype=np.float32)
    beads = align(eye, eye[:3])  # English 3 and 4 have no partner at all
    assert pairs(beads) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), ()), ((4,), ())]


def _pairs_with_cosines(cosines: Sequence[float], dim: int = 64, seed: int = 1):
    """English and Korean unit vectors whose i-th pair has cosine ``cosines[i]`` and whose
    other pairs are near-orthogonal."""
    rng = np.random.default_rng(seed)
    en, ko = [], []
    for c in cosines:
        t = rng.normal(size=dim)
        t /= np.linalg.norm(t)
        v = rng.normal(size=dim)
        v -= (v @ t) * t
        v /= np.linalg.norm(v)
        en.append(t)
        ko.append(c * t + np.sqrt(1 - c * c) * v)
    return np.array(en, dtype=np.float32), np.array(ko, dtype=np.float32)


@pytest.mark.parametrize(("typical", "kept"), [(0.5, True), (0.8, False)])
def test_a_weak_pair_is_kept_only_in_a_loosely_translated_document(
    typical: float, kept: bool
) -> None:
    cosines = [typical] * 12
    cosines[5] = 0.05
    en, ko = _pairs_with_cosines(cosines)
    # the calibration alone: without the floor, which never links a pair as weak as .05,
    # and with the allowance for every sentence (see the two tests below)
    bare = AlignParams(min_cosine=-1.0, loose_delta=2.0)
    around_5 = [[b.kind for b in align(en, ko, params=p) if 5 in b.en or 5 in b.ko]
                for p in (replace(bare, loose_weight=0.0), bare)]  # fmt: skip
    assert around_5[0] == ["0-1", "1-0"]  # without the calibration: left out either way
    assert around_5[1] == (["1-1"] if kept else ["0-1", "1-0"])


@pytest.mark.parametrize("loose_weight", [3.0, 30.0])
def test_sides_that_do_not_match_are_never_linked_however_loose(loose_weight: float) -> None:
    """Two unrelated articles paired by mistake: cosines of .02 to .24 (as seen on real
    pages). Before the floor, the looseness allowance linked every sentence."""
    cosines = [0.02, 0.1, 0.24, 0.15, 0.05, 0.2, 0.12, 0.08]
    en, ko = _pairs_with_cosines(cosines, dim=512)
    old = AlignParams(loose_weight=loose_weight, min_cosine=-1.0, loose_min=0.0)
    assert sum(1 for b in align(en, ko, params=old) if b.en and b.ko) >= len(cosines) - 2
    beads = align(en, ko, params=AlignParams(loose_weight=loose_weight))
    linked = [b for b in beads if b.en and b.ko]
    # a pairing whose sure pairs match below loose_min gets no allowance and links
    # nothing below loose_min: the chance matches of unrelated articles all stay apart
    assert linked == []
    floor_only = AlignParams(loose_weight=loose_weight, loose_min=0.0)
    linked = [b for b in align(en, ko, params=floor_only) if b.en and b.ko]
    assert len(linked) > 0 and all(b.score >= AlignParams().min_cosine for b in linked)


def test_an_unrelated_pairing_gets_no_merged_beads() -> None:
    """Each Korean sentence matches two English ones together at .36 and each alone at
    about .25: unrelated texts whose chance matches add up. Merged, they would clear the
    loose_min floor; the pairing's sure pairs match below it, so no merge stands."""
    basis = np.linalg.qr(np.random.default_rng(3).normal(size=(64, 64)))[0].T
    en, noise = basis[:12].astype(np.float32), basis[12:18]
    ko = []
    for g in range(6):
        both = (en[2 * g] + en[2 * g + 1]) / np.sqrt(2)
        ko.append(0.36 * both + np.sqrt(1 - 0.36**2) * noise[g])
    ko = np.asarray(ko, dtype=np.float32)
    merged = [b for b in align(en, ko) if len(b.en) > 1 or len(b.ko) > 1]
    assert merged == []


def test_articles_on_related_subjects_are_not_linked() -> None:
    """A wrong pairing of two articles on one subject: every sentence matches its
    neighbour across at .31 to .38, like a very loose translation would. Sure pairs that
    weak mean no translation at all (real loose translations: .46 and up)."""
    cosines = [0.33, 0.36, 0.38, 0.35, 0.31, 0.37, 0.34, 0.36]
    en, ko = _pairs_with_cosines(cosines, dim=512)
    assert [b for b in align(en, ko) if b.en and b.ko] == []
    before = AlignParams(loose_min=0.3)
    assert len([b for b in align(en, ko, params=before) if b.en and b.ko]) == len(cosines)


def test_a_loose_but_right_pairing_keeps_its_weak_links() -> None:
    """The loose_min floor applies to the pairing, not the link: a right pairing whose
    sure pairs match well keeps a weak true pair of .28."""
    cosines = [0.6] * 10
    cosines[4] = 0.28
    en, ko = _pairs_with_cosines(cosines, dim=512)
    beads = align(en, ko, params=AlignParams(loose_weight=30.0))
    assert any(b.en == (4,) and b.ko == (4,) for b in beads)


def test_a_sentence_whose_best_partner_is_taken_stays_unaligned() -> None:
    """Korean 3 has no English counterpart but resembles English 3, whose own partner is
    Korean 4 (an "as reported before" line). The looseness allowance used to pay for
    absorbing it into the bead beside it; it now goes only to sentences that match the
    other side about as well as anything."""
    rng = np.random.default_rng(7)
    basis = np.linalg.qr(rng.normal(size=(64, 64)))[0].T

    def mix(shared: np.ndarray, own: np.ndarray, w: float) -> np.ndarray:
        v = w * shared + np.sqrt(1 - w * w) * own
        return v / np.linalg.norm(v)

    en: list[np.ndarray] = [np.zeros(64)] * 8
    ko: list[np.ndarray] = [np.zeros(64)] * 6
    t = 0
    for e, k in [(0, 0), (1, 1), (2, 2), (3, 4), (4, 5)]:
        en[e] = mix(basis[t], basis[t + 1], 0.75)
        ko[k] = mix(basis[t], basis[t + 2], 0.75)
        t += 3
    ko[3] = mix((basis[12] + 0.4 * basis[t]) / np.linalg.norm(basis[12] + 0.4 * basis[t]),
                basis[t + 1], 0.7)  # fmt: skip
    t += 2
    for e, src in ((5, 13), (6, 16), (7, 12)):  # English runs past the Korean end
        en[e] = mix(basis[src], basis[t], 0.55)
        t += 1
    e_arr, k_arr = np.array(en, dtype=np.float32), np.array(ko, dtype=np.float32)
    old = align(e_arr, k_arr, params=AlignParams(loose_delta=2.0, min_cosine=-1.0))
    assert (2,) in [b.en for b in old if 3 in b.ko]  # absorbed into the bead before it
    # restricted whatever the share of mutual pairs (here 5 of 6, above the default gate)
    new = align(e_arr, k_arr, params=AlignParams(loose_delta=0.1, loose_share=1.01))
    assert [(b.en, b.ko) for b in new if 3 in b.ko] == [((), (3,))]
    assert [(b.en, b.ko) for b in new if b.en == (3,)] == [((3,), (4,))]
    # by default the restriction holds only where under 70% of the sentences pair
    # mutually: this document looks literal, and keeps the allowance for every sentence
    gated = align(e_arr, k_arr, params=AlignParams(min_cosine=-1.0))
    assert [(b.en, b.ko) for b in gated] == [(b.en, b.ko) for b in old]


def test_the_tail_shift_fix_holds_in_a_loose_document() -> None:
    """A loose translation (few mutual pairs): the allowance only for sentences that
    match the other side about as well as anything, by default."""
    from aligner.align import Problem
    from aligner.band import full_band

    def problem(n_pairs: int, n_extra: int) -> Problem:
        en, ko = _pairs_with_cosines([0.6] * (n_pairs + 2), seed=5)
        # each side's extra sentences say one same thing the other side does not
        en = np.vstack([en[:n_pairs], np.repeat(en[-1:], n_extra, axis=0)])
        ko = np.vstack([ko[:n_pairs], np.repeat(ko[-2:-1], n_extra, axis=0)])
        n, m = len(en), len(ko)
        zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
        return Problem(en, ko, full_band(n, m), np.full(n, 40), np.full(m, 30),
                        zeros_n, zeros_m, AlignParams())  # fmt: skip

    assert problem(10, 0).loose_delta == 2.0  # every sentence pairs mutually: literal
    assert problem(4, 8).loose_delta == AlignParams().loose_delta  # 4 of 12: loose


def test_an_abridged_translation_leaves_the_untranslated_half_out() -> None:
    """English covers the first half of a Korean article; the rest is on the same topic.

    The expected length ratio and the looseness are read from the sure pairs, so the
    English half is not asked for Korean twice as long (which pulled tail sentences into
    the last beads), and the untranslated half does not make the document look loose.
    """
    n, m, dim = 8, 16, 48
    exact = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        topic = rng.normal(size=dim)
        topic /= np.linalg.norm(topic)
        base = rng.normal(size=(m, dim))
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        ko = 0.9 * base + 0.45 * topic + 0.1 * rng.normal(size=(m, dim))
        en = 0.9 * base[:n] + 0.45 * topic + 0.1 * rng.normal(size=(n, dim))
        en /= np.linalg.norm(en, axis=1, keepdims=True)
        ko /= np.linalg.norm(ko, axis=1, keepdims=True)
        lengths = rng.integers(60, 140, size=m)
        beads = align(
            en.astype(np.float32), ko.astype(np.float32), en_lengths=lengths[:n], ko_lengths=lengths
        )
        want = [((i,), (i,)) for i in range(n)] + [((), (j,)) for j in range(n, m)]
        exact += pairs(beads) == want
    assert exact == 20  # with the document totals instead: 6 of 20


def test_scores_are_the_cosines_of_the_aligned_groups() -> None:
    doc = SyntheticPair(["1-1"] * 8 + ["2-1"] + ["1-1"] * 8 + ["1-3"] + ["1-1"] * 8, seed=3)
    beads = doc.align()
    assert pairs(beads) == doc.gold
    for b in beads:
        en = doc.en_vecs[b.en[0]] if len(b.en) == 1 else doc.returned[("en", b.en[0], b.en[-1] + 1)]
        ko = doc.ko_vecs[b.ko[0]] if len(b.ko) == 1 else doc.returned[("ko", b.ko[0], b.ko[-1] + 1)]
        assert b.score == pytest.approx(float(en @ ko), abs=1e-5)
        assert b.margin is not None and b.margin < b.score


def test_paragraph_boundaries_are_never_crossed() -> None:
    # A 2-1 whose English halves sit in different paragraphs cannot be one bead.
    doc = SyntheticPair(["1-1"] * 10 + ["2-1"] + ["1-1"] * 10, seed=1)
    assert ((10, 11), (10,)) in pairs(doc.align())
    en_paragraphs = [0] * 11 + [1] * 11
    ko_paragraphs = [0] * 11 + [1] * 10
    beads = doc.align(en_paragraphs=en_paragraphs, ko_paragraphs=ko_paragraphs)
    assert ((10, 11), (10,)) not in pairs(beads)
    for b in beads:
        assert len({en_paragraphs[i] for i in b.en}) <= 1
        assert len({ko_paragraphs[j] for j in b.ko}) <= 1


# --------------------------------------------------------------------------- properties


@st.composite
def vector_sets(draw: st.DrawFn, size: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors, with some rows possibly zero, repeated, or not normalised."""
    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((size, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    if size:
        rows = st.integers(0, size - 1)
        for i in draw(st.lists(rows, max_size=3)):
            vecs[i] = 0.0
        for i, j in draw(st.lists(st.tuples(rows, rows), max_size=3)):
            vecs[i] = vecs[j]
        for i in draw(st.lists(rows, max_size=2)):
            vecs[i] *= draw(st.floats(0.1, 10.0))
    return vecs


@st.composite
def problems(draw: st.DrawFn) -> dict:
    n = draw(st.integers(0, 60))
    m = draw(st.integers(0, 60))
    dim = draw(st.integers(1, 16))
    seed = draw(st.integers(0, 2**32 - 1))
    params = AlignParams(
        max_bead=draw(st.integers(2, 5)),
        knn=draw(st.integers(1, 6)),
        band_radius=draw(st.integers(1, 8)),
        # tiny full_cells forces the coarse-to-fine band search even on short documents
        full_cells=draw(st.sampled_from([1_000_000, 16, 60])),
        threshold=draw(st.sampled_from([0.0, 0.3])),
        max_rounds=draw(st.integers(0, 3)),
    )
    problem = {
        "en": draw(vector_sets(n, dim, seed)),
        "ko": draw(vector_sets(m, dim, seed + 1)),
        "params": params,
    }
    if draw(st.booleans()):
        lengths = st.integers(0, 300)
        problem["en_lengths"] = draw(st.lists(lengths, min_size=n, max_size=n))
        problem["ko_lengths"] = draw(st.lists(lengths, min_size=m, max_size=m))
    return problem


def paragraph_ids(size: int) -> st.SearchStrategy[list[int]]:
    """Non-decreasing ids that need not start at 0 or step by 1."""
    steps = st.lists(st.sampled_from([0, 0, 0, 1, 2]), min_size=size, max_size=size)
    return steps.map(lambda s: np.cumsum(s).tolist())


def group_embedder(en: np.ndarray, ko: np.ndarray):
    def embed(side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        vecs = en if side == "en" else ko
        out = np.array([vecs[a:b].sum(axis=0) for a, b in spans], dtype=np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    return embed


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(problem=problems(), use_embedder=st.booleans())
def test_beads_cover_both_sides_once_in_order(problem: dict, use_embedder: bool) -> None:
    en, ko, params = problem["en"], problem["ko"], problem["params"]
    beads = align(
        en,
        ko,
        en_lengths=problem.get("en_lengths"),
        ko_lengths=problem.get("ko_lengths"),
        embed_groups=group_embedder(en, ko) if use_embedder else None,
        params=params,
    )
    assert_well_formed(beads, len(en), len(ko), params.max_bead)


@PROPERTY_SETTINGS
@given(problem=problems(), data=st.data())
def test_no_bead_joins_sentences_of_different_paragraphs(problem: dict, data) -> None:
    en, ko, params = problem["en"], problem["ko"], problem["params"]
    en_paragraphs = data.draw(paragraph_ids(len(en)))
    ko_paragraphs = data.draw(paragraph_ids(len(ko)))
    beads = align(
        en,
        ko,
        en_lengths=problem.get("en_lengths"),
        ko_lengths=problem.get("ko_lengths"),
        en_paragraphs=en_paragraphs,
        ko_paragraphs=ko_paragraphs,
        embed_groups=group_embedder(en, ko),
        params=params,
    )
    assert_well_formed(beads, len(en), len(ko), params.max_bead)
    for b in beads:
        assert len({en_paragraphs[i] for i in b.en}) <= 1
        assert len({ko_paragraphs[j] for j in b.ko}) <= 1


# --------------------------------------------------------------------------- long documents


@pytest.mark.slow
def test_long_documents_are_searched_in_a_narrow_band() -> None:
    n = m = 5000
    rng = np.random.default_rng(0)
    base = rng.standard_normal((n, DIM)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)

    def noisy(v: np.ndarray) -> np.ndarray:
        out = v + NOISE * rng.standard_normal(v.shape).astype(np.float32) / np.sqrt(DIM)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    en, ko = noisy(base), noisy(base)
    ones = np.ones(n, dtype=np.int64)
    params = AlignParams()

    band = find_band(en, ko, ones, ones, params)
    assert band.cells < 0.05 * n * m
    assert band.lo.shape == (n + 1,)
    diagonal = np.arange(n + 1)
    assert np.all((band.lo <= diagonal) & (diagonal < band.hi))

    beads = align(en, ko, params=params)
    assert_well_formed(beads, n, m, params.max_bead)
    on_diagonal = sum(1 for b in beads if len(b.en) == len(b.ko) == 1 and b.en == b.ko)
    assert on_diagonal >= 0.99 * n


# --------------------------------------------------------------------------- errors


def test_embedding_sizes_must_match() -> None:
    with pytest.raises(AlignmentError, match="embedding sizes differ"):
        align(np.eye(3, 8, dtype=np.float32), np.eye(3, 16, dtype=np.float32))


@pytest.mark.parametrize("shape", [(8,), (2, 3, 4)])
def test_embeddings_must_be_two_dimensional(shape: tuple[int, ...]) -> None:
    with pytest.raises(AlignmentError, match="2-D"):
        align(np.ones(shape, dtype=np.float32), np.eye(3, 8, dtype=np.float32))


@pytest.mark.parametrize("max_bead", [1, 0, -3])
def test_max_bead_below_two_is_rejected(max_bead: int) -> None:
    with pytest.raises(AlignmentError, match="max_bead"):
        AlignParams(max_bead=max_bead)


@pytest.mark.parametrize("field", ["knn", "band_radius"])
def test_other_invalid_params_are_rejected(field: str) -> None:
    with pytest.raises(AlignmentError, match=field):
        AlignParams(**{field: 0})


@pytest.mark.parametrize("name", ["en_lengths", "ko_lengths", "en_paragraphs", "ko_paragraphs"])
@pytest.mark.parametrize("size", [0, 3, 5])
def test_per_sentence_arrays_must_match_the_sentence_count(name: str, size: int) -> None:
    vecs = np.eye(4, 8, dtype=np.float32)
    with pytest.raises(AlignmentError, match=name):
        align(vecs, vecs, **{name: [1] * size})


def test_a_scalar_lengths_value_is_an_alignment_error() -> None:
    vecs = np.eye(4, 8, dtype=np.float32)
    with pytest.raises(AlignmentError, match="en_lengths"):
        align(vecs, vecs, en_lengths=4)


def test_paragraph_ids_that_go_back_down_are_an_alignment_error() -> None:
    vecs = np.eye(3, 8, dtype=np.float32)
    with pytest.raises(AlignmentError, match="en_paragraphs must not decrease"):
        align(vecs, vecs, en_paragraphs=[0, 1, 0])


def test_empty_english_side_gives_only_insertions() -> None:
    ko = np.eye(3, 8, dtype=np.float32)
    beads = align(np.zeros((0, 8), dtype=np.float32), ko)
    assert beads == [Bead((), (0,)), Bead((), (1,)), Bead((), (2,))]


def test_empty_korean_side_gives_only_deletions() -> None:
    en = np.eye(2, 8, dtype=np.float32)
    # the other side's width does not matter when it has no rows
    beads = align(en, np.zeros((0, 16), dtype=np.float32))
    assert beads == [Bead((0,), ()), Bead((1,), ())]


def test_both_sides_empty_gives_no_beads() -> None:
    assert align(np.zeros((0, 8)), np.zeros((0, 8))) == []


# --------------------------------------------------------------------------- verification


def test_pure_one_to_one_document_never_calls_the_group_embedder() -> None:
    doc = SyntheticPair(["1-1"] * 30, seed=11)
    beads = doc.align()
    assert pairs(beads) == doc.gold
    assert doc.requests == []


@pytest.mark.parametrize("seed", range(3))
def test_only_groups_on_a_candidate_path_are_embedded(seed: int) -> None:
    kinds = ["1-1"] * 8 + ["2-1"] + ["1-1"] * 8 + ["1-3"] + ["1-1"] * 8 + ["2-2"] + ["1-1"] * 8
    doc = SyntheticPair(kinds, seed)
    beads = doc.align()
    assert pairs(beads) == doc.gold

    assert 0 < len(doc.requests) <= 10
    assert len(set(doc.requests)) == len(doc.requests)  # each group is embedded once
    assert all(b - a >= 2 for _, (a, b) in doc.requests)
    # every merged group on the final path was embedded for real
    requested = set(doc.requests)
    for b in beads:
        if len(b.en) > 1:
            assert ("en", (b.en[0], b.en[-1] + 1)) in requested
        if len(b.ko) > 1:
            assert ("ko", (b.ko[0], b.ko[-1] + 1)) in requested


def test_a_merge_that_fails_verification_is_dropped() -> None:
    # The Korean sentence looks like the sum of English 10 and 11, but the real embedding
    # of English 10+11 points elsewhere: the verified path must not keep the merge.
    doc = SyntheticPair(["1-1"] * 10 + ["2-1"] + ["1-1"] * 10, seed=5)
    assert ((10, 11), (10,)) in pairs(doc.align())
    doc.requests.clear()
    rng = np.random.default_rng(99)
    elsewhere = {side: unit(rng.standard_normal(DIM)).astype(np.float32) for side in ("en", "ko")}

    def embed(side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        doc.requests.extend((side, span) for span in spans)
        return np.array([elsewhere[side] for _ in spans], dtype=np.float32)

    beads = align(
        doc.en_vecs,
        doc.ko_vecs,
        en_lengths=doc.en_lengths,
        ko_lengths=doc.ko_lengths,
        embed_groups=embed,
    )
    assert ("en", (10, 12)) in doc.requests
    assert ((10, 11), (10,)) not in pairs(beads)
    assert_well_formed(beads, len(doc.en), len(doc.ko), AlignParams().max_bead)
    merged = [b for b in beads if len(b.en) > 1 or len(b.ko) > 1]
    assert all(b.score is not None and b.score < 0.5 for b in merged)


class WholeGroupPair(SyntheticPair):
    """A pair whose encoder reads a run of sentences as one clean unit: the single
    sentences carry the noise, a merged group's real embedding none, so the summed
    single vectors understate how well two merged sides match."""

    def embed_groups(self, side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        sentences = self.en if side == "en" else self.ko
        self.requests.extend((side, span) for span in spans)
        return np.array(
            [unit(self.meanings[[x for s in sentences[a:b] for x in s]].sum(axis=0))
             for a, b in spans],
            dtype=np.float32,
        )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 4, 5, 8])
def test_a_clause_moved_across_a_sentence_break_is_verified_as_a_2_2(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """English says meanings 0-2 then 3-4, Korean 0-1 then 2-4: each 1-1 pair matches
    well enough, and the 2-2's estimate falls short of the two, so the search never
    verified it. ``cross_margin`` embeds the 2-2 of two adjacent 1-1s whose estimate
    comes close, and the real embedding wins."""
    monkeypatch.setitem(KINDS, "2-2 moved", ([[0, 1, 2], [3, 4]], [[0, 1], [2, 3, 4]]))
    kinds = ["1-1"] * 8 + ["2-2 moved"] + ["1-1"] * 8
    before = WholeGroupPair(kinds, seed)
    assert before.gold[8] == ((8, 9), (8, 9))
    assert before.gold[8] not in pairs(before.align(params=AlignParams(cross_margin=-1.0)))
    assert ("en", (8, 10)) not in before.requests

    doc = WholeGroupPair(kinds, seed)
    beads = doc.align()
    assert ("en", (8, 10)) in doc.requests and ("ko", (8, 10)) in doc.requests
    assert pairs(beads) == doc.gold


@pytest.mark.parametrize("seed", range(5))
def test_verifying_2_2s_keeps_a_literal_translation_1_1(seed: int) -> None:
    """Every adjacent pair of 1-1s verified as a 2-2 (a margin that admits them all):
    the real embeddings of unrelated neighbours do not make a 2-2 win, and the default
    margin embeds none of them."""
    everything = WholeGroupPair(["1-1"] * 17, seed)
    assert pairs(everything.align(params=AlignParams(cross_margin=100.0))) == everything.gold
    assert len(everything.requests) >= 2 * 10  # most of the 16 neighbours were embedded
    doc = WholeGroupPair(["1-1"] * 17, seed)
    assert pairs(doc.align()) == doc.gold
    assert doc.requests == []


@pytest.mark.parametrize(("k", "el"), [(2, 1), (1, 2), (2, 2), (3, 1), (1, 3)])
def test_the_python_member_estimate_equals_the_kernels(k: int, el: int) -> None:
    """``Problem._member_estimate`` (used when a merge is verified) must give the member
    term that the numba kernel charged, or a verified gain would keep a stale part."""
    from aligner.align import Problem
    from aligner.band import full_band
    from aligner.kernels import member_shortfall
    from aligner.problem import _adjacent_cosines

    en, ko = _pairs_with_cosines([0.7, 0.2, 0.6, 0.1, 0.5, 0.65], seed=3)
    n, m = len(en), len(ko)
    params = AlignParams()
    zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
    problem = Problem(
        en, ko, full_band(n, m), np.full(n, 40), np.full(m, 30), zeros_n, zeros_m, params
    )
    band, span = problem.band, params.max_bead - 1
    floor, weight = problem.weights.member_floor, problem.weights.member_weight
    charged = []
    for i in range(k, n + 1):
        for j in range(el, m + 1):
            kernel = member_shortfall(
                problem.sims, band.lo, band.hi, band.off, i, j, k, el,
                _adjacent_cosines(en, span), _adjacent_cosines(ko, span), floor, weight,
            )  # fmt: skip
            python = problem._member_estimate(i - k, i, j - el, j)
            assert python == pytest.approx(kernel, abs=1e-5)
            charged.append(kernel)
    assert max(charged) > 0.1  # the term is exercised, not zero everywhere


def test_every_parameter_that_changes_results_is_in_the_signature() -> None:
    """The signature is generated from the fields' ``sig`` metadata: a new knob without
    a short name fails here instead of being left out of the provenance silently."""
    from dataclasses import fields

    search_budget = {"full_cells", "max_rounds"}  # bound the search; no short name
    names = [f.name for f in fields(AlignParams)]
    covered = [f.name for f in fields(AlignParams) if "sig" in f.metadata]
    assert sorted(set(names) - set(covered)) == sorted(search_budget)
    shorts = list(AlignParams().signature_fields())
    assert len(shorts) == len(set(shorts)) == len(covered)
    changed = AlignParams(min_cosine=0.2, loose_delta=0.1)
    assert changed.signature_fields()["minc"] == 0.2
    assert changed.signature_fields()["ld"] == 0.1


def test_sentences_in_the_other_sides_script_are_marked() -> None:
    from aligner.align import foreign_marks

    en = ["The Secretary spoke today with the Foreign Minister.", "They agreed to meet."]
    ko = [
        "블링컨 장관은 이날 외교장관과 통화했다.",
        '[대변인] "The Secretary spoke today with the Foreign Minister."',
        "국무부(Department of State) 대변인은 성명에서 이같이 밝혔다.",
        "VOA 뉴스",
    ]
    en_marks, ko_marks = foreign_marks(en, ko)
    assert en_marks.tolist() == [False, False]
    assert ko_marks.tolist() == [False, True, False, False]
    # two documents in one script (German and French): nothing is marked
    de_fr = foreign_marks(["Der Minister sprach heute."], ["Le ministre a parlé aujourd'hui."])
    assert [m.tolist() for m in de_fr] == [[False], [False]]


def test_a_verbatim_quote_of_the_source_is_never_linked() -> None:
    """A Korean report quoting the English statement word for word: the encoder finds the
    quote identical to its English sentence, but it is no translation of it."""
    en, ko = _pairs_with_cosines([0.8] * 6, seed=4)
    ko = np.vstack([ko[:3], en[3:4], ko[4:]])  # Korean 3 is English 3 copied
    marks = np.zeros(6, dtype=bool)
    plain = align(en, ko)
    assert ((3,), (3,)) in pairs(plain)
    marks[3] = True
    beads = align(en, ko, ko_foreign=marks)
    assert ((), (3,)) in pairs(beads)
    assert all(3 not in b.ko for b in beads if b.en)


def _loose_quote_split(seed: int = 7) -> tuple[np.ndarray, np.ndarray, int, int]:
    """A loose translation (eleven pairs at cosine .55, seven sentences a side with no
    counterpart) in which one English sentence renders two Korean ones (a quote split
    in two): the first Korean matches it at about .55, the second at about .25.
    Returns the vectors and the English and first Korean index of the split."""
    rng = np.random.default_rng(seed + 100)
    dim = 256
    en_pairs, ko_pairs = _pairs_with_cosines([0.55] * 10, dim=dim, seed=seed)
    en, ko = list(en_pairs), list(ko_pairs)
    first, second = (unit(rng.standard_normal(dim)) for _ in range(2))
    en.insert(5, unit(first + second))
    ko.insert(5, unit(first + 0.9 * rng.standard_normal(dim) / np.sqrt(dim)))
    ko.insert(6, unit(0.45 * second + rng.standard_normal(dim) / np.sqrt(dim)))
    for pos in (1, 3, 9, 12, 14, 15, 17):
        en.insert(pos, unit(rng.standard_normal(dim)))
    for pos in (0, 4, 10, 13, 15, 16, 18):
        ko.insert(pos, unit(rng.standard_normal(dim)))
    return np.array(en, dtype=np.float32), np.array(ko, dtype=np.float32), 7, 7


@pytest.mark.parametrize(("loose_weight", "split_kept"), [(0.0, True), (16.0, False)])
def test_a_quote_split_survives_a_slightly_lower_merged_cosine_in_a_loose_document(
    loose_weight: float, split_kept: bool
) -> None:
    """Real news: the English renders both halves of a Korean sentence pair, but the
    encoder finds the two Korean sentences together a little less like it than the
    first alone. In a loose document (under ``loose_share`` of the sentences pair
    mutually) the contribution test weighs ``loose_contribution_weight``, 0 by default,
    and the 1-2 bead stands; at the literal documents' weight it is split into 1-1 + 0-1."""
    en, ko, qe, qk = _loose_quote_split()
    single = float(en[qe] @ ko[qk])

    def embed(side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        vecs = en if side == "en" else ko
        out = []
        for a, b in spans:
            if side == "ko" and (a, b) == (qk, qk + 2):
                t = en[qe]
                v = unit(ko[qk] - (ko[qk] @ t) * t)
                c = single - 0.06  # the merged Korean, a little further from the English
                out.append(c * t + np.sqrt(1 - c * c) * v)
            else:
                out.append(unit(vecs[a:b].sum(axis=0)))
        return np.array(out, dtype=np.float32)

    en_lengths = [100] * len(en)
    en_lengths[qe] = 200
    params = AlignParams(loose_contribution_weight=loose_weight)
    beads = align(
        en, ko, en_lengths=en_lengths, ko_lengths=[45] * len(ko), embed_groups=embed,
        params=params,
    )  # fmt: skip
    assert_well_formed(beads, len(en), len(ko), params.max_bead)
    around = [(b.en, b.ko) for b in beads if qe in b.en or {qk, qk + 1} & set(b.ko)]
    if split_kept:
        assert around == [((qe,), (qk, qk + 1))]
    else:
        assert around == [((qe,), (qk,)), ((), (qk + 1,))]


def test_the_contribution_test_keeps_its_weight_in_a_literal_document() -> None:
    """The gate: a document whose sentences mostly pair mutually is judged with
    ``contribution_weight``; the loose one above with ``loose_contribution_weight``."""
    from aligner.align import Problem
    from aligner.band import full_band

    params = AlignParams(contribution_weight=16.0, loose_contribution_weight=2.0)

    def weight(en: np.ndarray, ko: np.ndarray) -> float:
        n, m = len(en), len(ko)
        zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
        problem = Problem(
            en, ko, full_band(n, m), np.full(n, 100), np.full(m, 45), zeros_n, zeros_m, params
        )
        return problem.contribution_weight

    literal = _pairs_with_cosines([0.55] * 12, dim=256, seed=3)
    assert weight(*literal) == 16.0
    en, ko, _, _ = _loose_quote_split()
    assert weight(en, ko) == 2.0


@pytest.mark.parametrize("loose", [True, False])
def test_a_verified_merge_pays_more_the_more_the_contribution_test_weighs(loose: bool) -> None:
    """The member penalty of a verified merge is continuous and never falls as the
    contribution test's weight rises (in a loose document ``loose_contribution_weight``,
    in a literal one ``contribution_weight``): a small weight judges a merge with an
    unrelated member about as strictly as 0, never more leniently. (Before, a loose
    document kept the single-vector member term at 0 and dropped it at any positive
    weight, so .01 let in what 0 kept out.)"""
    from aligner.align import Problem
    from aligner.band import full_band

    # The bead [qe]:[j0, j0+1]: Korean j0 has no counterpart, Korean j0+1 renders qe.
    if loose:
        en, ko, qe, qk = _loose_quote_split()  # Korean 6 is one of its unpaired sentences
        j0 = qk - 1
    else:
        en, ko = _pairs_with_cosines([0.6] * 12, dim=256, seed=3)
        noise = unit(np.random.default_rng(9).standard_normal(256)).astype(np.float32)
        ko = np.vstack([ko[:5], noise[None], ko[5:]])
        qe, j0 = 5, 5
    n, m = len(en), len(ko)
    va, vb = en[qe], unit(ko[j0] + ko[j0 + 1])

    def gain(**weights: float) -> float:
        params = AlignParams(**weights)
        zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
        problem = Problem(
            en, ko, full_band(n, m), np.full(n, 100), np.full(m, 45), zeros_n, zeros_m, params
        )
        assert problem.loose == loose
        bead = problem.bead_at(qe, qe + 1, j0, j0 + 2)
        assert bead[4] >= 0
        problem.set_exact(bead[4], bead[5], qe, qe + 1, j0, j0 + 2, va, vb)
        return float(problem.gains[bead[4], bead[5]])

    name = "loose_contribution_weight" if loose else "contribution_weight"
    gains = [gain(**{name: w}) for w in (0.0, 0.01, 1.0, 16.0)]
    assert all(a >= b for a, b in pairwise(gains)), gains
    assert gains[0] - gains[1] < 0.01 * (gains[0] - gains[3]), gains
    assert gains[0] > gains[3]  # the unrelated member does cost something at 16


def test_a_verbatim_quote_does_not_count_as_the_partner_of_its_english_sentence() -> None:
    """VOA: the Korean report quotes the English statement word for word, and its own
    rendering leaves one English sentence out. The quote is never linked; it must not
    stand as that sentence's best partner either, or leaving the sentence out looks dear
    (a best cosine of 1) and it is merged into the bead beside it instead."""
    from aligner.align import Problem
    from aligner.band import full_band

    en, ko = _pairs_with_cosines([0.6] * 8, dim=256, seed=5)
    rng = np.random.default_rng(55)
    dropped = unit(rng.standard_normal(256)).astype(np.float32)
    en = np.vstack([en[:4], dropped[None], en[4:]])  # English 4: no Korean rendering
    ko = np.vstack([ko, dropped[None]])  # Korean 8: English 4 quoted verbatim
    n, m = len(en), len(ko)
    ko_foreign = np.zeros(m, dtype=bool)
    ko_foreign[8] = True
    beads = align(en, ko, ko_foreign=ko_foreign)
    assert_well_formed(beads, n, m, AlignParams().max_bead)
    assert ((4,), ()) in pairs(beads)
    assert ((), (8,)) in pairs(beads)
    assert sum(1 for b in beads if b.en and b.ko) == 8

    zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
    problem = Problem(
        en, ko, full_band(n, m), np.full(n, 100), np.full(m, 45), zeros_n, zeros_m,
        AlignParams(), foreign_en=np.zeros(n, dtype=bool), foreign_ko=ko_foreign,
    )  # fmt: skip
    assert problem.skip_en[4] > -0.1  # its best partner is no one, not the quote at 1.0
    assert len(problem.anchors) == 8  # the quote is no sure pair


def test_verbatim_quotes_leave_the_documents_typical_cosine_alone() -> None:
    """A VOA report quotes much of the English statement word for word. A marked quote's
    cells hold the mask's -1, so its best cosine is -1: counted in the document's typical
    best cosine, three quotes among eight Korean sentences pulled the median down, and
    with it the floors that price leaving a sentence out and keep an unrelated sentence
    out of a merge. An English sentence with no Korean rendering then looked dear to
    leave out and was merged into the bead beside it."""
    from aligner.align import Problem
    from aligner.band import full_band

    en, ko = _pairs_with_cosines([0.3, 0.4, 0.5, 0.6, 0.7, 0.8], dim=256, seed=9)
    rng = np.random.default_rng(99)
    quotes = np.stack([unit(rng.standard_normal(256)) for _ in range(6)]).astype(np.float32)
    n = len(en)

    def problem(ko_vecs: np.ndarray, ko_foreign: np.ndarray) -> Problem:
        m = len(ko_vecs)
        return Problem(
            en, ko_vecs, full_band(n, m), np.full(n, 100), np.full(m, 45),
            np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64), AlignParams(),
            foreign_en=np.zeros(n, dtype=bool), foreign_ko=ko_foreign,
        )  # fmt: skip

    plain = problem(ko, np.zeros(len(ko), dtype=bool))
    marks = np.r_[np.zeros(len(ko), dtype=bool), np.ones(len(quotes), dtype=bool)]
    quoted = problem(np.vstack([ko, quotes]), marks)
    assert np.allclose(quoted.skip_en, plain.skip_en)
    assert quoted.weights.member_floor == pytest.approx(plain.weights.member_floor)


@pytest.mark.parametrize(
    ("texts", "cut"),
    [
        (["A sentence.", "Brokers are be"], True),
        (
            ["첫 문장이다.", "13일 기준 옥수수 가격은 각각 3120원, 3200원으로 지난 1일보다 80원,"],
            True,
        ),
        (["소식통은 “일부 무역회사들은 밀수 차단이 풀린다는"], True),
        (["A sentence.", "He said, “It is over.”"], False),
        (["첫 문장이다.", "가격이 올랐다."], False),
        (["Is it over?"], False),
        # a line closed by a bracket is whole: a copyright line kept with --no-clean, a
        # title in Korean book-title brackets
        (["첫 문장이다.", "<저작권자 ⓒ 데일리NK, 무단전재 및 재배포 금지>"], False),
        (["《조선의 오늘》"], False),
        (["〈사설〉 경제 【종합】"], False),
        ([], False),
    ],
)
def test_a_document_that_stops_mid_sentence_is_cut_off(texts: list[str], cut: bool) -> None:
    from aligner.align import cut_off

    assert cut_off(texts) is cut


def _english_past_the_korean_end(seed: int = 1, w: float = 0.6):
    """Six pairs, then three English sentences on the subject of the last pair (cosine
    .2 to .5 with its Korean) that the Korean excerpt, cut short, never reaches."""
    en, ko = _pairs_with_cosines([0.6] * 6, seed=seed)
    rng = np.random.default_rng(seed)
    extra = [unit(w * en[-1] + np.sqrt(1 - w * w) * unit(rng.normal(size=64))) for _ in range(3)]
    en = np.vstack([en, np.array(extra)]).astype(np.float32)

    def embed_groups(side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        vecs = en if side == "en" else ko
        return np.array([unit(vecs[a:b].sum(axis=0)) for a, b in spans], dtype=np.float32)

    lengths = {"en_lengths": [60] * len(en), "ko_lengths": [30] * len(ko)}
    return en, ko, {**lengths, "embed_groups": embed_groups}


def test_english_past_a_cut_korean_end_is_left_out() -> None:
    """Korean stops mid-sentence after the sixth pair (a page excerpt cut short); the
    English runs on. Leaving out what follows the cut costs nothing, so the last pair
    is no longer a 4-1 that swallows three sentences with no Korean."""
    en, ko, kwargs = _english_past_the_korean_end()
    assert ((5, 6, 7, 8), (5,)) in pairs(align(en, ko, **kwargs))  # not known to be cut
    beads = align(en, ko, ko_cut=True, **kwargs)
    assert pairs(beads)[-4:] == [((5,), (5,)), ((6,), ()), ((7,), ()), ((8,), ())]
    # an English side cut short says nothing about the Korean sentences: unchanged
    assert pairs(align(en, ko, en_cut=True, **kwargs)) == pairs(align(en, ko, **kwargs))


def _english_running_on_past_a_cut_pair(w: float, seed: int = 5):
    """Five pairs, then a Korean sentence cut short that shows as much as the English
    renders in two sentences (40 and 60 characters against 30 Korean, at a length ratio
    of 2), and a third English sentence on its subject (cosine ``w`` with it) that
    begins past the cut."""
    en, ko = _pairs_with_cosines([0.6] * 6, seed=seed)
    rng = np.random.default_rng(seed)
    extra = [unit(c * ko[-1] + np.sqrt(1 - c * c) * unit(rng.normal(size=64))) for c in (0.7, w)]
    en = np.vstack([en, np.array(extra)]).astype(np.float32)

    def embed_groups(side: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        vecs = en if side == "en" else ko
        return np.array([unit(vecs[a:b].sum(axis=0)) for a, b in spans], dtype=np.float32)

    lengths = {"en_lengths": [60] * 5 + [40, 60, 60], "ko_lengths": [30] * 6}
    return en, ko, {**lengths, "embed_groups": embed_groups}


@pytest.mark.parametrize("w", [0.4, 0.6])
def test_a_sentence_that_begins_past_the_cut_is_not_merged_into_the_cut_pair(w: float) -> None:
    """Leaving the third English sentence out is free past the cut, but its cosine
    with the cut Korean sentence made merging it in pay: a 3-1. Its two predecessors
    are already longer than what the Korean shows, so it begins past the cut."""
    en, ko, kwargs = _english_running_on_past_a_cut_pair(w)
    off = AlignParams(cut_overrun=0.0)
    assert pairs(align(en, ko, ko_cut=True, params=off, **kwargs))[-1] == ((5, 6, 7), (5,))
    assert pairs(align(en, ko, ko_cut=True, **kwargs))[-2:] == [((5, 6), (5,)), ((7,), ())]
    # a document that is not cut keeps its beads whatever the setting
    assert pairs(align(en, ko, **kwargs)) == pairs(align(en, ko, params=off, **kwargs))


def test_overruns_cut_places_the_cut_by_length() -> None:
    from aligner.kernels import overruns_cut

    len_en = np.array([60.0, 40.0, 60.0, 60.0])
    len_ko = np.array([30.0, 30.0])
    # Korean cut, 30 characters shown (60 English at rho 2): [1, 2] begins at 40, fine;
    # [1, 2, 3] has 100 before its last sentence, past 1.2 * (60 + 8) - 8
    assert not overruns_cut(len_en, len_ko, 1, 3, 1, 2, -1.0, 30.0, 2.0, 1.2)
    assert overruns_cut(len_en, len_ko, 1, 4, 1, 2, -1.0, 30.0, 2.0, 1.2)
    assert not overruns_cut(len_en, len_ko, 1, 4, 1, 2, -1.0, 30.0, 2.0, 0.0)  # off
    assert not overruns_cut(len_en, len_ko, 1, 4, 1, 2, -1.0, -1.0, 2.0, 1.2)  # not cut
    assert not overruns_cut(len_en, len_ko, 1, 4, 0, 1, -1.0, 30.0, 2.0, 1.2)  # not its last
    # a cut English side: the Korean before its last sentence against what English shows
    assert overruns_cut(len_ko * 0 + 60, np.array([30.0, 40.0, 30.0]), 1, 2, 0, 3, 20.0, -1.0,
                        2.0, 1.2)  # fmt: skip
    assert not overruns_cut(len_ko * 0 + 60, np.array([30.0, 40.0, 30.0]), 1, 2, 0, 3, 150.0,
                            -1.0, 2.0, 1.2)  # fmt: skip


def test_a_cut_side_frees_the_other_sides_tail_but_not_its_own_last_sentence() -> None:
    from aligner.align import Problem
    from aligner.band import full_band

    en, ko = _pairs_with_cosines([0.6] * 8, seed=2)
    n, m = len(en), len(ko)
    zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)

    def problem(cut_en: bool, cut_ko: bool) -> Problem:
        return Problem(en, ko, full_band(n, m), np.full(n, 60), np.full(m, 30),
                       zeros_n, zeros_m, AlignParams(), cut_en=cut_en, cut_ko=cut_ko)  # fmt: skip

    plain = problem(False, False)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(plain.tail_skips(), (plain.skip_en, plain.skip_ko), strict=True)
    )
    tail_en, tail_ko = problem(False, True).tail_skips()
    assert not tail_en.any() and np.array_equal(tail_ko, plain.skip_ko)
    tail_en, tail_ko = problem(True, True).tail_skips()  # both cut: each keeps its last
    assert not tail_en[:-1].any() and tail_en[-1] == plain.skip_en[-1] < 0
    assert not tail_ko[:-1].any() and tail_ko[-1] == plain.skip_ko[-1] < 0


def test_a_cut_last_sentence_is_not_charged_for_being_short() -> None:
    """The Korean excerpt stops two words into its last sentence: its length says
    nothing about its counterpart's, and the 1-1 bead is not charged for the English
    being long. The length ratio is read from the whole sentences."""
    from aligner.align import Problem
    from aligner.band import full_band
    from aligner.kernels import cell

    en, ko = _pairs_with_cosines([0.6] * 8, seed=3)
    n, m = len(en), len(ko)
    len_en, len_ko = np.full(n, 60), np.array([30] * 7 + [4])
    zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
    plain, cut = (Problem(en, ko, full_band(n, m), len_en, len_ko, zeros_n, zeros_m,
                          AlignParams(), cut_ko=c) for c in (False, True))  # fmt: skip
    assert cut.rho == pytest.approx(2.0) and cut.len_ko[-1] == 30
    t11 = int(np.flatnonzero((cut.tk == 1) & (cut.tl == 1))[0])
    last = cell(cut.band.lo, cut.band.hi, cut.band.off, n, m)
    expected = 0.6 * abs(np.log((60 + 8) / (2.0 * 4 + 8)))  # the length term it no longer pays
    assert cut.gains[t11, last] - plain.gains[t11, last] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("cut_en", "cut_ko", "last", "rho"),
    [
        # the Korean lost a few syllables: its pair's ratio (1.8) can only be lower
        # still, below the whole pairs' median (2.0) either way, so it counts
        (False, True, (54, 30), np.sqrt(1.8 * 2.0)),
        # the Korean lost most of its sentence (ratio 16): its true ratio is unknown
        (False, True, (64, 4), 2.0),
        # an English sentence cut short can only have been longer: a ratio of 4 stands
        (True, False, (120, 30), np.sqrt(2.0 * 2.5)),
        # and one of 0.5 says nothing
        (True, False, (15, 30), 2.0),
        # both sides cut on the same pair: no bound either way
        (True, True, (54, 30), 2.0),
    ],
)
def test_a_cut_sentence_counts_in_the_length_ratio_where_its_side_of_the_median_is_known(
    cut_en: bool, cut_ko: bool, last: tuple[int, int], rho: float
) -> None:
    """A short press release: three whole sure pairs (ratios 1.5, 2.0, 2.5) and a fourth
    whose last sentence is cut. The cut gives a bound on the fourth pair's ratio; it
    counts where the bound puts it on one side of the others' median."""
    from aligner.align import Problem
    from aligner.band import full_band

    en, ko = _pairs_with_cosines([0.6] * 4, seed=4)
    len_en = np.array([45, 60, 75, last[0]])
    len_ko = np.array([30, 30, 30, last[1]])
    zeros = np.zeros(4, dtype=np.int64)
    problem = Problem(en, ko, full_band(4, 4), len_en, len_ko, zeros, zeros, AlignParams(),
                      cut_en=cut_en, cut_ko=cut_ko)  # fmt: skip
    assert len(problem.anchors) == 4
    assert problem.rho == pytest.approx(rho)
