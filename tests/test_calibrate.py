"""The calibrated bead probability: features, the shipped model, the corpus column."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from aligner.align import align, align_document
from aligner.calibrate import (
    LINKED_FEATURES,
    UNLINKED_FEATURES,
    Calibrator,
    LogisticModel,
    bead_features,
    bead_probabilities,
    default_calibrator,
    expected_calibration_error,
    reliability_table,
)
from aligner.errors import AlignerError
from aligner.types import Bead
from aligner.vectors import unit_sum


def _unit_rows(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _doc(n: int = 8, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """English vectors, and Korean ones that are noisy copies of them (a translation)."""
    en = _unit_rows(n, 32, seed)
    ko = en + noise * _unit_rows(n, 32, seed + 1)
    return en, ko / np.linalg.norm(ko, axis=1, keepdims=True)


def _beads_for(en: np.ndarray, ko: np.ndarray, pairs, margin: float = 0.1) -> list[Bead]:
    beads = []
    for e, k in pairs:
        if e and k:
            cos = float(_unit(en[list(e)].sum(0)) @ _unit(ko[list(k)].sum(0)))
            beads.append(Bead(tuple(e), tuple(k), score=cos, margin=margin))
        else:
            beads.append(Bead(tuple(e), tuple(k)))
    return beads


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _texts(n: int, length: int = 10) -> list[str]:
    """``n`` sentences of ``length`` characters that end like sentences, no numbers."""
    return ["x" * (length - 1) + "." for _ in range(n)]


def test_features_have_one_row_per_bead_of_each_kind():
    en, ko = _doc(6)
    beads = _beads_for(
        en, ko, [((0,), (0,)), ((1, 2), (1,)), ((), (2,)), ((3,), (3,)), ((4,), ()), ((5,), (4, 5))]
    )
    f = bead_features(beads, en, ko, _texts(6, 10), _texts(6, 8))
    assert f.linked.shape == (4, len(LINKED_FEATURES))
    assert f.unlinked.shape == (2, len(UNLINKED_FEATURES))
    assert f.linked_beads == (0, 1, 3, 5)
    assert f.unlinked_beads == (2, 4)
    size = f.linked[:, LINKED_FEATURES.index("size")]
    assert size.tolist() == [0, 1, 0, 1]
    coverage = f.linked[0, LINKED_FEATURES.index("doc_coverage")]
    assert coverage == pytest.approx(10 / 12)


def test_a_shifted_link_has_a_lower_local_margin_than_the_right_one():
    en, ko = _doc(8, noise=0.2)
    right = _beads_for(en, ko, [((i,), (i,)) for i in range(8)])
    shifted = _beads_for(en, ko, [((i,), (i + 1,)) for i in range(7)])
    f_right = bead_features(right, en, ko, _texts(8), _texts(8))
    f_shift = bead_features(shifted, en, ko, _texts(8), _texts(8))
    col = LINKED_FEATURES.index("local_margin")
    # A shifted link's true partner sits next to it, inside the window.
    assert f_shift.linked[:, col].max() < 0 < f_right.linked[:, col].min()


def test_an_unlinked_sentence_with_its_partner_nearby_has_a_high_best_local():
    en, ko = _doc(6, noise=0.2)
    stray = _unit_rows(1, 32, 99)
    ko_stray = np.vstack([ko[:3], stray, ko[3:]])
    beads = _beads_for(
        en, ko_stray, [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((), (2,)), ((), (3,)),
                       ((3,), (4,)), ((4,), (5,)), ((5,), (6,))]
    )  # fmt: skip
    f = bead_features(beads, en, ko_stray, _texts(6), _texts(7))
    best = f.unlinked[:, UNLINKED_FEATURES.index("best_local")]
    # en 2 and ko 2 translate each other and were left apart; ko 3 is a stray.
    assert best[0] > 0.8 and best[1] > 0.8
    assert best[2] < 0.5


def _column(f, which: str, name: str) -> list[float]:
    rows, names = (
        (f.linked, LINKED_FEATURES) if which == "linked" else (f.unlinked, UNLINKED_FEATURES)
    )
    return rows[:, names.index(name)].tolist()


def test_a_link_whose_sides_share_a_number_or_name_says_so():
    en, ko = _doc(3, noise=0.2)
    beads = _beads_for(en, ko, [((i,), (i,)) for i in range(3)])
    en_texts = ["Rice cost 4000 won.", "Prices rose.", "Trade in Sinuiju slowed."]
    ko_texts = ["쌀값은 4000원이었다.", "가격이 올랐다.", "신의주 무역이 줄었다."]
    f = bead_features(beads, en, ko, en_texts, ko_texts)
    # without marks: the numbers alone
    assert _column(f, "linked", "marks_shared") == [1.0, 0.0, 0.0]
    from aligner.lexical import evidence_marks

    en_marks, ko_marks = evidence_marks(en_texts, ko_texts)
    f = bead_features(beads, en, ko, en_texts, ko_texts, en_marks=en_marks, ko_marks=ko_marks)
    # with the search's marks: the name across scripts too
    assert _column(f, "linked", "marks_shared") == [1.0, 0.0, 1.0]


def test_a_link_that_left_out_part_of_its_translation_gains_by_taking_it_in():
    # ko 1 says what en 1 and en 2 say together; the link took en 1 only.
    en = _unit_rows(4, 32, 5)
    ko = np.vstack([en[0], _unit(en[1] + en[2]), en[3]])
    beads = _beads_for(en, ko, [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2,))])
    f = bead_features(beads, en, ko, _texts(4), _texts(3))
    gains = _column(f, "linked", "absorb_gain")
    assert gains[1] > 0.1  # the cut link
    assert gains[0] < 0 and gains[2] < 0  # right links beside nothing they miss
    assert _column(f, "linked", "next_to_unlinked") == [0.0, 1.0, 1.0]
    # the left-out sentence sits next to a link weaker than the document's typical one
    assert _column(f, "unlinked", "next_rel")[0] < 0
    assert _column(f, "unlinked", "run_mixed") == [0.0]


def test_unlinked_sentence_features_read_the_text_and_the_place():
    en, ko = _doc(4, noise=0.1)
    beads = _beads_for(
        en, ko, [((0,), ()), ((1,), (0,)), ((), (1,)), ((2,), (2,)), ((3,), ()), ((), (3,))]
    )
    en_texts = ["Photo: Daily NK", "One.", "Two.", "Three."]
    f = bead_features(beads, en, ko, en_texts, ["하나다.", "둘이다.", "셋이다.", "넷이다."])
    assert f.unlinked_beads == (0, 2, 4, 5)
    assert _column(f, "unlinked", "no_stop") == [1.0, 0.0, 0.0, 0.0]
    # en 0 comes before the first link, ko 1 between two links, en 3 and ko 3 after them
    assert _column(f, "unlinked", "outside_links") == [1.0, 0.0, 1.0, 1.0]
    # en 3 and ko 3 form one run of unlinked sentences of both sides
    assert _column(f, "unlinked", "run_mixed") == [0.0, 0.0, 1.0, 1.0]
    assert _column(f, "unlinked", "is_english") == [1.0, 0.0, 1.0, 0.0]
    assert _column(f, "unlinked", "at_edge") == [1.0, 0.0, 1.0, 1.0]


def test_no_stop_knows_full_width_sentence_ends():
    en, ko = _doc(4, noise=0.1)
    beads = _beads_for(en, ko, [((0,), ()), ((1,), ()), ((2,), ()), ((3,), ()), ((), (0, 1, 2, 3))])
    en_texts = ["他来了。", "真的吗？", "（见下图。）", "图片：新华社"]
    f = bead_features(beads, en, ko, en_texts, ["하나다.", "둘이다.", "셋이다.", "넷이다."])
    assert f.unlinked_beads[:4] == (0, 1, 2, 3)
    # a Chinese sentence ends with a full-width mark (also inside a closing bracket);
    # a caption without one is still caught
    assert _column(f, "unlinked", "no_stop")[:4] == [0.0, 0.0, 0.0, 1.0]


def test_the_final_step_rescales_the_logit_and_keeps_the_ranking():
    base = LogisticModel(("a",), (0.0,), (1.0,), (2.0,), 1.0)
    squeezed = LogisticModel(("a",), (0.0,), (1.0,), (2.0,), 1.0, slope=0.5, shift=0.3)
    x = np.array([[-2.0], [0.0], [1.0], [3.0]])
    logit = 1.0 + 2.0 * x[:, 0]
    assert squeezed.predict(x) == pytest.approx(1 / (1 + np.exp(-(0.5 * logit + 0.3))))
    assert np.argsort(squeezed.predict(x)).tolist() == np.argsort(base.predict(x)).tolist()
    assert squeezed.predict(x).max() < base.predict(x).max()


def test_the_engine_decides_looseness_once_for_the_search_and_the_probability():
    """align_document carries out the engine's looseness decision (Problem.loose): a
    literal document is not loose, one whose sentences mostly find no mutual partner is;
    a verbatim quote of the other side (a foreign mark) counts as no partner, as in the
    search."""
    en, ko = _doc(10, noise=0.3)
    assert align_document(en, ko).loose is False  # every sentence is its partner's best
    loose_ko = np.vstack([ko[:5], _unit_rows(5, 32, seed=9)])
    loose_en = np.vstack([en[:4], en[3:4] + 0.01, _unit_rows(5, 32, seed=7)])
    aligned = align_document(loose_en, loose_ko)
    assert aligned.loose is True
    assert list(aligned.beads) == align(loose_en, loose_ko)
    # the same literal document with 4 of its 10 Korean sentences marked foreign: they
    # pair with nothing, so 6 of 10 pair mutually, under loose_share .7
    foreign = np.array([True] * 4 + [False] * 6)
    assert align_document(en, ko, ko_foreign=foreign).loose is True
    assert align_document(en, ko[:0]).loose is True  # nothing pairs at all


class _FixedEncoder:
    """Each line of a test document has its vector; a merged group, their unit sum."""

    name, dim = "fixed@1", 32

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts):
        out = [unit_sum(np.stack([self.vectors[t] for t in text.split(" ")])) for text in texts]
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


def test_a_pair_result_carries_the_looseness_its_probabilities_went_by():
    from aligner.pair_flow import Aligner

    en, ko = _doc(8, noise=0.2)
    strangers = _unit_rows(5, 32, seed=11)  # Korean sentences the English never renders
    ko_loose = np.vstack([ko[:3], strangers])
    vectors = {f"e{i}": v for i, v in enumerate(en)}
    vectors |= {f"k{i}": v for i, v in enumerate(ko)}
    vectors |= {f"s{i}": v for i, v in enumerate(strangers)}
    cal = default_calibrator()
    al = Aligner(_FixedEncoder(vectors), calibrator=cal, lexical=False)
    en_text = "\n".join(f"e{i}" for i in range(8))
    for ko_lines, ko_vecs, loose in (
        ([f"k{i}" for i in range(8)], ko, False),
        ([f"k{i}" for i in range(3)] + [f"s{i}" for i in range(5)], ko_loose, True),
    ):
        res = al.align_texts(en_text, "\n".join(ko_lines), presegmented_input=True)
        assert res.loose is loose
        assert res.loose == align_document(en, ko_vecs).loose
        bare = [replace(b, prob=None) for b in res.beads]
        texts = [s.text for s in res.en_sents], [s.text for s in res.ko_sents]
        again = bead_probabilities(bare, en, ko_vecs, *texts, cal, loose=loose)
        assert [b.prob for b in again] == [b.prob for b in res.beads]


def test_a_gated_final_step_leaves_literal_documents_to_the_plain_model(tmp_path):
    plain = LogisticModel(("a",), (0.0,), (1.0,), (2.0,), 1.0)
    gated = LogisticModel(("a",), (0.0,), (1.0,), (2.0,), 1.0, slope=0.5, shift=0.3, gate=True)
    stepped = LogisticModel(("a",), (0.0,), (1.0,), (2.0,), 1.0, slope=0.5, shift=0.3)
    x = np.array([[-1.0], [0.5], [2.0]])
    assert gated.predict(x, False) == pytest.approx(plain.predict(x))
    assert gated.predict(x, True) == pytest.approx(stepped.predict(x))
    per_row = gated.predict(x, np.array([False, True, False]))
    assert per_row[1] == pytest.approx(stepped.predict(x)[1])
    assert per_row[[0, 2]] == pytest.approx(plain.predict(x)[[0, 2]])
    assert gated.predict(x) == pytest.approx(stepped.predict(x))  # no decision: stepped
    assert stepped.predict(x, False) == pytest.approx(stepped.predict(x))  # no gate
    shipped = default_calibrator()
    assert shipped is not None
    assert shipped.linked.gate and shipped.unlinked.gate
    lin = shipped.linked
    cal = Calibrator("t", replace(lin, gate=True), replace(shipped.unlinked, gate=False))
    cal.save(tmp_path / "c.json")
    back = Calibrator.load(tmp_path / "c.json")
    assert back == cal and back.linked.gate is True and back.unlinked.gate is False
    # a file from before the decision was carried out held the engine's loose_share
    old = cal.as_dict()
    old["linked"]["gate"] = 0.7  # type: ignore[index]
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    assert Calibrator.load(tmp_path / "old.json") == cal
    # the aligner's probabilities: a literal document gets the plain model's
    en, ko = _doc(6, noise=0.2)
    beads = _beads_for(en, ko, [((i,), (i,)) for i in range(6)])
    texts = _texts(6)
    with_gate = Calibrator("g", replace(lin, slope=0.4, shift=1.3, gate=True), shipped.unlinked)
    without = Calibrator("p", replace(lin, slope=1.0, shift=0.0), shipped.unlinked)
    a = bead_probabilities(beads, en, ko, texts, texts, with_gate, loose=False)
    b = bead_probabilities(beads, en, ko, texts, texts, without, loose=False)
    assert [x.prob for x in a] == [x.prob for x in b]
    c = bead_probabilities(beads, en, ko, texts, texts, with_gate, loose=True)
    assert [x.prob for x in c] != [x.prob for x in a]


def test_a_calibration_file_without_the_final_step_or_with_unknown_features(tmp_path):
    cal = default_calibrator()
    data = cal.as_dict()
    for part in ("linked", "unlinked"):
        del data[part]["slope"], data[part]["shift"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    loaded = Calibrator.load(old)
    assert loaded.linked.slope == 1.0 and loaded.unlinked.shift == 0.0
    data["unlinked"]["features"][0] = "nonsense"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(AlignerError, match="unknown features"):
        Calibrator.load(bad)


def test_a_model_over_some_of_the_features_reads_just_those():
    en, ko = _doc(5, noise=0.2)
    beads = _beads_for(en, ko, [((i,), (i,)) for i in range(4)] + [((4,), ())])
    zero = LogisticModel((), (), (), (), 0.0)
    cal = Calibrator(
        "t",
        linked=LogisticModel(("score",), (0.0,), (1.0,), (10.0,), -5.0),
        unlinked=zero,
    )
    out = bead_probabilities(beads, en, ko, _texts(5), _texts(4), cal, loose=False)
    for b in out[:4]:
        assert b.prob == pytest.approx(1 / (1 + np.exp(-(10 * b.score - 5))), abs=1e-4)
    assert out[4].prob == pytest.approx(0.5)


def test_probabilities_follow_the_model_and_rank_right_links_above_shifted_ones():
    cal = default_calibrator()
    assert cal is not None, "the package ships aligner/calibration.json"
    en, ko = _doc(10, noise=0.2, seed=3)
    right = bead_probabilities(
        _beads_for(en, ko, [((i,), (i,)) for i in range(10)], margin=0.3),
        en, ko, _texts(10), _texts(10), cal, loose=False,
    )  # fmt: skip
    shifted = bead_probabilities(
        _beads_for(en, ko, [((i,), (i + 1,)) for i in range(9)], margin=-0.1),
        en, ko, _texts(10), _texts(10), cal, loose=False,
    )  # fmt: skip
    assert all(b.prob is not None and 0 <= b.prob <= 1 for b in right + shifted)
    assert min(b.prob for b in right) > max(b.prob for b in shifted)


def test_logistic_model_predicts_the_sigmoid_of_the_standardised_features():
    m = LogisticModel(("a", "b"), (1.0, 0.0), (2.0, 1.0), (1.0, -1.0), 0.5)
    x = np.array([[3.0, 1.0], [1.0, 0.0]])
    z = np.array([0.5 + 1.0 - 1.0, 0.5])
    assert m.predict(x) == pytest.approx(1 / (1 + np.exp(-z)))
    assert m.predict(np.zeros((0, 2))).shape == (0,)


def test_calibrator_round_trips_and_a_bad_file_is_one_clear_error(tmp_path):
    cal = default_calibrator()
    path = tmp_path / "cal.json"
    cal.save(path)
    assert Calibrator.load(path) == cal
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(AlignerError, match="not a calibration file"):
        Calibrator.load(bad)


def test_expected_calibration_error_and_reliability_table():
    probs = np.array([0.9] * 10 + [0.1] * 10)
    labels = np.array([1] * 9 + [0] + [0] * 9 + [1])
    assert expected_calibration_error(probs, labels) == pytest.approx(0.0)
    labels_off = np.array([1] * 5 + [0] * 5 + [0] * 10)
    assert expected_calibration_error(probs, labels_off) == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)
    table = reliability_table(probs, labels)
    assert [(round(lo, 1), cnt) for lo, _, _, cnt in table] == [(0.1, 10), (0.9, 10)]
    assert expected_calibration_error(np.zeros(0), np.zeros(0)) == 0.0


@pytest.mark.slow
def test_the_aligner_writes_prob_into_the_corpus(tmp_path, use_encoder):
    import aligner
    from aligner import Aligner

    al = Aligner(use_encoder)
    assert "|cal:lr4" in al.signature()
    result = al.align_texts(
        "The train has not moved. It is snowing in Seoul.\n\nRead in Korean",
        "열차는 움직이지 않았다. 서울에는 눈이 내리고 있다.",
    )
    out = tmp_path / "c.parquet"
    aligner.write_corpus(out, [result], metadata=al.metadata())
    frame = aligner.read_corpus(out).collect()
    probs = frame["prob"].to_list()
    assert all(p is not None and 0 <= p <= 1 for p in probs)
    one_one = frame.filter(frame["kind"] == "1-1")["prob"].to_list()
    assert min(one_one) > 0.5


@pytest.mark.slow
def test_another_encoder_gets_no_probabilities_by_default(tiny_st_model):
    from aligner import Aligner

    al = Aligner(str(tiny_st_model))
    assert al.calibrator is None
    assert "|cal:none" in al.signature()
    beads = al.align_sentences(["One.", "Two."], ["하나.", "둘."])
    assert all(b.prob is None for b in beads)


def test_the_refit_is_deterministic_and_its_final_step_fits_the_loose_set():
    """scripts/calibrate.py's recipe on rows where a literal set (nearly all right) and a
    loose one (right less often, whatever the feature) share one model: the final step,
    fitted on the loose set's out-of-fold logits, brings its mean probability to its
    observed rate; the same rows give the same model."""
    import sys
    from pathlib import Path

    scripts = str(Path(__file__).resolve().parents[1] / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import calibrate as recipe

    rng = np.random.default_rng(0)
    x_lit = rng.normal(1.0, 1.0, (600, 1))
    y_lit = (rng.random(600) < 0.995).astype(int)
    x_news = rng.normal(0.0, 1.0, (300, 1))
    y_news = (rng.random(300) < 1 / (1 + np.exp(-(0.8 * x_news[:, 0] + 1.2)))).astype(int)
    x, y = np.vstack([x_lit, x_news]), np.r_[y_lit, y_news]
    groups = np.array(
        [f"lit/{i % 30}" for i in range(600)] + [f"news/{i % 20}" for i in range(300)]
    )
    news = np.array([g.startswith("news/") for g in groups])
    w = np.ones(len(y))
    model = recipe.fit_calibrated(x, y, groups, ("score",), 0.1, w, news)
    assert model == recipe.fit_calibrated(x, y, groups, ("score",), 0.1, w, news)
    plain = recipe.fit_calibrated(x, y, groups, ("score",), 0.1, w, np.zeros(len(y), bool))
    assert (plain.slope, plain.shift) == (1.0, 0.0)
    rate = y_news.mean()
    assert abs(model.predict(x_news).mean() - rate) < 0.02
    assert plain.predict(x_news).mean() - rate > 0.05  # too sure without the step
    oof = recipe.out_of_fold(x, y, groups, ("score",), 0.1, w, news)
    assert oof.shape == y.shape and np.all((oof > 0) & (oof < 1))


def _calibrate_data():
    import sys
    from pathlib import Path

    scripts = str(Path(__file__).resolve().parents[1] / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import calibrate_data

    return calibrate_data


class _Signed:
    """An aligner as the cache key sees it: its signature."""

    def __init__(self, sig: str) -> None:
        self.sig = sig

    def signature(self) -> str:
        return self.sig


def test_the_refit_cache_is_keyed_by_the_aligner_and_the_data():
    data = _calibrate_data()
    BenchDoc = data.benchdata.BenchDoc
    docs = [BenchDoc("a", ("One.",), ("하나.",), (((0,), (0,)),))]
    key = data.cache_key("flores", docs, False, _Signed("v1"))
    assert key == data.cache_key("flores", list(docs), False, _Signed("v1"))
    assert key != data.cache_key("flores", docs, False, _Signed("v2"))  # another engine
    changed = [BenchDoc("a", ("One!",), ("하나.",), (((0,), (0,)),))]
    assert key != data.cache_key("flores", changed, False, _Signed("v1"))  # other data
    assert key != data.cache_key("flores", docs, True, _Signed("v1"))


@pytest.mark.data
def test_real_news_training_documents_are_cleaned_as_the_cli_cleans_them(tmp_path):
    """A Daily NK-style pair where only one side calls for a site recipe: the refit's
    text is the CLI's (the partner's recipe applied; the run's reader on two collection
    folders gives the same), with offsets into the raw text."""
    data = _calibrate_data()
    import realnews

    entry = next(
        (e for e in realnews.read_manifest() if e["id"] == "usemb-2022-0611-austin-lee-readout"),
        None,
    )
    texts = realnews.load_texts(entry) if entry else "absent"
    if isinstance(texts, str):
        pytest.skip("real-news texts absent")
    from aligner.clean import clean_text
    from aligner.documents import article_rules, read_inputs

    en, ko = data.cleaned_like_cli(texts, entry["id"])
    own = clean_text(texts[0], "en", article_rules(texts[0], "en"))
    assert en.text != own.text  # its own rules alone clean it otherwise
    for lang, raw in zip(("en", "ko"), texts, strict=True):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / f"{entry['id']}.{lang}.txt").write_text(raw, encoding="utf-8")
    run = read_inputs(tmp_path / "en", tmp_path / "ko")
    assert (en.text, ko.text) == (run.en[0].text, run.ko[0].text)
    for cleaned, raw in ((en, texts[0]), (ko, texts[1])):
        assert all(
            raw[o] == c
            for o, c in zip(cleaned.offsets[: len(cleaned.text)], cleaned.text, strict=True)
            if o >= 0
        )
