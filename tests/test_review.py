"""aligner review: actions, the review database, the HTTP server, apply and gold export.

The corpus here is the seed pair segmented for real, with the seed's gold links as its
beads (and margins made up), so no encoder is needed; the browser tests in
test_review_browser.py use a corpus made by the real aligner.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from aligner.cli import app as cli_app
from aligner.corpus import read_corpus, write_corpus, write_frame
from aligner.documents import load_document
from aligner.errors import InputError
from aligner.evaluate import evaluate_paths, read_gold
from aligner.review import (
    ReviewCorpus,
    apply_reviews,
    export_gold,
    pair_view,
    queue,
    sentence_spans,
)
from aligner.reviewdb import ActionError, StaleError, apply_action, initial_state, store_path
from aligner.reviewserver import make_server, open_app
from aligner.segment import segment
from aligner.types import Bead, PairResult

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_1f513c82f196d388"
PAIR = "000_1f513c82f196d388"


def gold_corpus(path: Path, extra_pair: bool = False) -> Path:
    """The seed pair, segmented for real, with the gold links as beads; margins are made
    up (bead k gets (k % 7) / 10 - 0.2) so the queue has an order to follow."""
    en_doc = load_document(SEED.with_suffix(".en.txt"), "en")
    ko_doc = load_document(SEED.with_suffix(".ko.txt"), "ko")
    en = tuple(segment(en_doc.text, "en", en_doc.doc_id))
    ko = tuple(segment(ko_doc.text, "ko", ko_doc.doc_id))
    links = read_gold(SEED.with_suffix(".gold"))
    beads = tuple(
        Bead(e, k, 0.7 if e and k else None, (n % 7) / 10 - 0.2) for n, (e, k) in enumerate(links)
    )
    results = [PairResult(PAIR, en_doc, ko_doc, en, ko, beads)]
    if extra_pair:
        results.append(PairResult("second", en_doc, ko_doc, en, ko, beads))
    return write_corpus(path, results, metadata={})


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gold_corpus(tmp_path_factory.mktemp("corpus") / "gold.parquet", extra_pair=True)


@pytest.fixture
def corpus(prepared: Path, tmp_path: Path) -> Path:
    """A fresh copy of the prepared corpus (so a fresh review database) per test."""
    target = tmp_path / "news.parquet"
    target.write_bytes(prepared.read_bytes())
    return target


# --------------------------------------------------------------------------- actions


def _sides(state):
    return [(b.en, b.ko) for b in state.beads]


def test_actions_change_beads_and_versions() -> None:
    s = initial_state("p", [((0,), (0,), False), ((1, 2), (1,), False), ((3,), (), False)])
    kw = {"reviewer": "ann", "time": "t"}
    accepted = apply_action(s, "accept", 0, {0: 0}, **kw)
    assert _sides(accepted) == _sides(s) and accepted.beads[0].reviewed
    assert accepted.beads[0].v == 1 and not accepted.beads[1].reviewed
    rejected = apply_action(s, "reject", 1, {1: 0}, **kw)
    assert _sides(rejected) == [((0,), (0,)), ((1,), ()), ((2,), ()), ((), (1,)), ((3,), ())]
    merged = apply_action(s, "merge_next", 1, {1: 0, 2: 0}, **kw)
    assert _sides(merged) == [((0,), (0,)), ((1, 2, 3), (1,))]
    moved = apply_action(s, "move_en_prev", 1, {0: 0, 1: 0}, **kw)
    assert _sides(moved) == [((0, 1), (0,)), ((2,), (1,)), ((3,), ())]
    moved = apply_action(s, "move_ko_next", 1, {1: 0, 2: 0}, **kw)
    assert _sides(moved) == [((0,), (0,)), ((1,), ()), ((2,), ()), ((3,), (1,))]
    split = apply_action(s, "split", 1, {1: 0}, args={"en_cut": 1, "ko_cut": 1}, **kw)
    assert _sides(split) == [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ())]
    assert all(b.reviewed for b in split.beads[1:3]) and split.beads[2].id == 3


def test_stale_and_impossible_actions_are_refused() -> None:
    s = initial_state("p", [((0,), (0,), False), ((1,), (1,), False)])
    kw = {"reviewer": "bob", "time": "t"}
    after = apply_action(s, "accept", 1, {1: 0}, **kw)
    with pytest.raises(StaleError, match="changed by bob"):
        apply_action(after, "merge_prev", 1, {0: 0, 1: 0}, **kw)  # bead 1 is now version 1
    with pytest.raises(StaleError, match="changed by bob"):
        apply_action(after, "merge_next", 0, {0: 0}, **kw)  # its neighbour was not seen
    gone = apply_action(s, "merge_next", 0, {0: 0, 1: 0}, **kw)
    with pytest.raises(StaleError, match="no longer exists"):
        apply_action(gone, "accept", 1, {1: 0}, **kw)
    with pytest.raises(ActionError, match="no previous bead"):
        apply_action(s, "merge_prev", 0, {0: 0}, **kw)
    with pytest.raises(ActionError, match="both sides of the cut"):
        apply_action(s, "split", 0, {0: 0}, args={"en_cut": 1, "ko_cut": 1}, **kw)


# --------------------------------------------------------------------------- sentences


def test_bead_texts_split_back_into_the_segmenters_sentences(corpus: Path) -> None:
    rc = ReviewCorpus(corpus)
    en, ko = rc.sentences(PAIR)
    en_doc = load_document(SEED.with_suffix(".en.txt"), "en")
    ko_doc = load_document(SEED.with_suffix(".ko.txt"), "ko")
    for found, doc, lang in ((en, en_doc, "en"), (ko, ko_doc, "ko")):
        truth = segment(doc.text, lang)
        assert [found[s.idx].text for s in truth] == [" ".join(s.text.split()) for s in truth]
        assert not any(t.guessed for t in found.values())
        # offsets are exact where the bead text and the document agree in length
        for s in truth:
            if found[s.idx].start is not None:
                assert (found[s.idx].start, found[s.idx].end) == (s.start, s.end)
    assert any(len(r["ko_idx"]) > 1 for r in rc.group(PAIR).iter_rows(named=True))


def test_sentence_boundaries_are_guessed_when_the_segmenter_disagrees() -> None:
    text = "Freight trains stuck at Dandong The trains have not moved since April."
    spans, guessed = sentence_spans(text, 2, "en")
    assert guessed and len(spans) == 2
    pieces = [text[a:b].strip() for a, b in spans]
    assert all(pieces) and " ".join(pieces) == text
    # a real boundary wins over a space nearer the middle
    text = "Trains stuck. The trains have not moved since April, a source told us."
    spans, guessed = sentence_spans(text, 3, "en")
    assert guessed and text[spans[1][0] : spans[1][1]].strip().startswith("The trains")


# --------------------------------------------------------------------------- queue, store


def test_queue_orders_by_margin_then_by_prob(corpus: Path, tmp_path: Path) -> None:
    rc = ReviewCorpus(corpus)
    items = queue(rc, limit=10_000)["items"]
    keys = [0.0 if it["key"] is None else it["key"] for it in items]
    assert keys == sorted(keys) and len(items) == rc.frame.height
    one = queue(rc, order="corpus", pair="second", kind="1-1")["items"]
    assert {it["pair_id"] for it in one} == {"second"} and {it["kind"] for it in one} == {"1-1"}
    assert [it["pos"] for it in one] == sorted(it["pos"] for it in one)
    # a corpus with a calibrated probability is ordered by it
    frame = read_corpus(corpus).collect()
    frame = frame.with_columns((1 - pl.col("bead") / 100).cast(pl.Float32).alias("prob"))
    with_prob = write_frame(tmp_path / "prob.parquet", frame, source=corpus)
    items = queue(ReviewCorpus(with_prob), limit=3)["items"]
    assert [it["pos"] for it in items] == [13, 13, 12]


def test_two_reviewers_do_not_overwrite_each_other(corpus: Path) -> None:
    ann, bob = ReviewCorpus(corpus), ReviewCorpus(corpus)  # two servers, one database
    seen = ann.state(PAIR)
    ann.store.act(PAIR, lambda: ann.initial(PAIR), "merge_next", 3, {3: 0, 4: 0}, "ann")
    with pytest.raises(StaleError, match="no longer exists"):
        bob.store.act(PAIR, lambda: bob.initial(PAIR), "accept", 4, {4: 0}, "bob")
    with pytest.raises(StaleError, match="changed by ann"):
        bob.store.act(PAIR, lambda: bob.initial(PAIR), "accept", 3, {3: seen.beads[3].v}, "bob")
    bob.store.act(PAIR, lambda: bob.initial(PAIR), "accept", 9, {9: 0}, "bob")  # elsewhere: fine
    state = ann.state(PAIR)
    assert state.beads[3].by == "ann" and state.beads[8].by == "bob"
    assert [(a["reviewer"], a["action"]) for a in ann.store.journal()] == [
        ("ann", "merge_next"),
        ("bob", "accept"),
    ]


def test_a_database_of_another_corpus_version_is_refused(corpus: Path, tmp_path: Path) -> None:
    ReviewCorpus(corpus)
    other = gold_corpus(tmp_path / "other.parquet")  # one pair, not two
    store_path(corpus).rename(store_path(other))
    with pytest.raises(InputError, match="another version of the corpus"):
        ReviewCorpus(other)


# --------------------------------------------------------------------------- HTTP


@pytest.fixture
def server(corpus: Path) -> Iterator[str]:
    srv = make_server(open_app(corpus, reviewer="ann"), 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def http(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_http_api_serves_page_queue_pair_and_actions(server: str) -> None:
    with urllib.request.urlopen(server + "/", timeout=30) as r:
        page = r.read().decode()
    assert "review.js" in page and not re.search(r"(src|href)=\"(https?:)?//", page)
    status, info = http(server + "/api/info")
    assert status == 200 and info["reviewer"] == "ann" and info["order_by"] == "margin"
    status, q = http(server + "/api/queue?order=corpus&pair=" + PAIR)
    assert status == 200 and q["items"][0]["pos"] == 0
    status, view = http(server + f"/api/pair?id={PAIR}")
    assert status == 200 and "<svg" in view["path"] and view["heatmap"] == ""
    assert view["beads"][1]["ko_sents"] and view["sizes"]["en"] == 14
    body = {"pair": PAIR, "bead": 1, "action": "split", "expect": {"1": 0},
            "args": {"en_cut": 1, "ko_cut": 1}}  # fmt: skip
    status, after = http(server + "/api/action", body)
    assert status == 200 and len(after["beads"]) == len(view["beads"]) + 1
    status, err = http(server + "/api/action", body)  # the same request again is stale
    assert status == 409 and "changed by ann" in err["error"]
    status, err = http(server + "/api/action", {**body, "action": "fly"})
    assert status == 400 and "unknown action" in err["error"]
    status, _ = http(server + "/api/info", headers={"Host": "evil.example:80"})
    assert status == 403
    request = urllib.request.Request(server + "/api/action", data=b"pair=x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 415


# --------------------------------------------------------------------------- a real server killed


def _start(corpus: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from aligner.cli import app; app()", "review", str(corpus),
         "--port", "0", "--reviewer", "kim", "--no-heatmap"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    line = proc.stdout.readline()
    assert "reviewing" in line, proc.stderr.read() if proc.poll() is not None else line
    return proc, line.split(" at ")[1].strip().rstrip("/")


def _post_quietly(url: str, body: dict) -> None:
    with contextlib.suppress(OSError):  # the server may die before it answers
        http(url, body)


@pytest.mark.slow
def test_killing_the_server_loses_at_most_the_action_in_flight(corpus: Path) -> None:
    proc, url = _start(corpus)
    try:
        for bead in (0, 1, 2):
            body = {"pair": PAIR, "bead": bead, "action": "accept", "expect": {bead: 0}}
            status, _ = http(url + "/api/action", body)
            assert status == 200
        # one more action, and the server killed while it may be in flight
        body = {"pair": PAIR, "bead": 3, "action": "reject", "expect": {3: 0}}
        sent = threading.Thread(target=_post_quietly, args=(url + "/api/action", body))
        sent.start()
        proc.send_signal(signal.SIGKILL)
        sent.join(timeout=60)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    proc, url = _start(corpus)
    try:
        status, view = http(url + f"/api/pair?id={PAIR}")
        assert status == 200
        beads = view["beads"]
        assert [b["reviewed"] for b in beads[:3]] == [True, True, True]
        assert all(b["by"] == "kim" for b in beads[:3])
        # the action in flight is there whole or not at all
        third = [b for b in beads if b["id"] == 3]
        in_flight_saved = not third or third[0]["reviewed"]
        rc = ReviewCorpus(corpus)
        assert len(rc.store.journal()) == 3 + in_flight_saved
        assert rc.state(PAIR).version == 3 + in_flight_saved
        status, _ = http(url + "/api/action", {"pair": PAIR, "bead": 5, "action": "accept",
                                               "expect": {5: 0}})  # fmt: skip
        assert status == 200
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


# --------------------------------------------------------------------------- apply, gold


def _act(rc: ReviewCorpus, pair: str, action: str, bead: int, **args) -> None:
    state = rc.state(pair)
    k = state.index(bead)
    expect = {b.id: b.v for b in state.beads[max(0, k - 1) : k + 2]}
    rc.store.act(pair, lambda: rc.initial(pair), action, bead, expect, "ann", args)


def test_apply_writes_the_corrections_and_gold_scores_one(tmp_path: Path) -> None:
    corpus = gold_corpus(tmp_path / "news.parquet")  # one pair: evaluate scores every pair
    rc = ReviewCorpus(corpus)
    original = rc.group(PAIR)
    _act(rc, PAIR, "merge_next", 3)  # beads 3 and 4 become one
    _act(rc, PAIR, "split", 1, en_cut=1, ko_cut=1)  # 1-2 into 1-1 and 0-1
    _act(rc, PAIR, "reject", 6)
    for bead in [b.id for b in rc.state(PAIR).beads if not b.reviewed]:
        _act(rc, PAIR, "accept", bead)
    expected = [(list(b.en), list(b.ko)) for b in rc.state(PAIR).beads]

    result = CliRunner().invoke(cli_app, ["review", str(corpus), "--apply", "-o",
                                          str(tmp_path / "new.parquet")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "reviewed in 1 pairs" in result.output
    new = pl.read_parquet(tmp_path / "new.parquet")
    pair = new.filter(pl.col("pair_id") == PAIR)
    assert list(zip(pair["en_idx"].to_list(), pair["ko_idx"].to_list(), strict=True)) == expected
    assert (
        pair["reviewed"].all() and not new.filter(pl.col("pair_id") == "second")["reviewed"].any()
    )
    assert pair["bead"].to_list() == list(range(pair.height))
    # unchanged beads keep their scores, changed ones have none
    kept = {(tuple(r["en_idx"]), tuple(r["ko_idx"])): r for r in original.iter_rows(named=True)}
    for r in pair.iter_rows(named=True):
        old = kept.get((tuple(r["en_idx"]), tuple(r["ko_idx"])))
        if old is not None:
            assert (r["score"], r["margin"], r["en_text"]) == (
                old["score"],
                old["margin"],
                old["en_text"],
            )
        else:
            assert r["score"] is None and r["margin"] is None
    # no text lost or doubled: the sides read the same in order
    for side in ("en_text", "ko_text"):
        assert " ".join(t for t in pair[side] if t) == " ".join(t for t in original[side] if t)
    merged = pair.filter(pl.col("en_idx") == [4, 5])  # gold beads 3 and 4: [4]:[4], [5]:[5]
    assert merged["en_text"][0] == " ".join(original["en_text"][3:5])
    assert merged["en_start"][0] == original["en_start"][3]
    assert merged["en_end"][0] == original["en_end"][4]
    assert read_corpus(tmp_path / "new.parquet").collect().height == new.height

    result = CliRunner().invoke(cli_app, ["review", str(corpus), "--export-gold",
                                          str(tmp_path / "gold")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "gold").iterdir()) == [f"{PAIR}.gold"]
    scores = evaluate_paths(tmp_path / "gold", tmp_path / "new.parquet")
    assert scores.strict_f1 == 1.0 and scores.n_gold == len(expected)


def test_apply_in_place_keeps_the_review_database_aside(corpus: Path) -> None:
    with pytest.raises(InputError, match="no review beside this corpus"):
        apply_reviews(corpus, corpus, overwrite=True)
    rc = ReviewCorpus(corpus)
    _act(rc, PAIR, "accept", 0)
    with pytest.raises(InputError, match="no pair is fully reviewed"):
        export_gold(corpus, corpus.parent / "gold")
    summary = apply_reviews(corpus, corpus, overwrite=True)
    assert summary.reviewed == 1 and summary.changed == 0
    assert not store_path(corpus).exists()
    assert list(corpus.parent.glob("news.parquet.review.sqlite.applied-*"))
    reopened = ReviewCorpus(corpus)  # a new review starts from the reviewed column
    assert reopened.state(PAIR).beads[0].reviewed and not reopened.state(PAIR).beads[1].reviewed
    assert pair_view(reopened, PAIR, open_app(corpus, reviewer="x").drawings)["beads"][0][
        "reviewed"
    ]


# --------------------------------------------------------------------------- one drawing


def test_report_and_review_share_the_drawing_and_boxes_link_to_rows(
    corpus: Path, tmp_path: Path
) -> None:
    from aligner.report import write_report

    out = tmp_path / "r.html"
    write_report(corpus, out)
    page = out.read_text(encoding="utf-8")
    links = re.findall(r"<a href='#(p\d+-b\d+)'><(?:rect|line) ", page)
    rows = re.findall(r"<td id='(p\d+-b\d+)'", page)
    assert len(links) == len(rows) == 2 * 14 and set(links) == set(rows)
    assert page.count("<figure class='drawing path'>") == 2
    assert "English sentences →" in page and "Korean ↓" in page and "unaligned" in page
    view = pair_view(ReviewCorpus(corpus), PAIR, open_app(corpus, reviewer="x").drawings)
    assert view["path"].startswith("<figure class='drawing path'>")
    assert "under review" in view["path"] and "English sentences →" in view["path"]


def test_the_view_says_when_a_page_stops_mid_sentence(corpus: Path, tmp_path: Path) -> None:
    """The seed pair ends whole (its Korean side with the copyright line, closed by
    ">"); a pair whose Korean page stops mid-sentence says so, and which side."""
    from aligner.types import Document

    drawings = open_app(corpus, reviewer="x").drawings
    assert pair_view(ReviewCorpus(corpus), PAIR, drawings)["cut"] is None
    en_doc = Document("cut", "en", "The border is closed.\n\nTrade has stopped.\n\nPrices rose.\n")
    ko_doc = Document("cut", "ko", "국경이 닫혔다.\n\n무역이 멈췄고 물가는")
    en, ko = tuple(segment(en_doc.text, "en", "cut")), tuple(segment(ko_doc.text, "ko", "cut"))
    beads = (Bead((0,), (0,), 0.7, 0.1), Bead((1,), (1,), 0.6, 0.1), Bead((2,), ()))
    path = write_corpus(
        tmp_path / "cut.parquet", [PairResult("cut", en_doc, ko_doc, en, ko, beads)], metadata={}
    )
    view = pair_view(ReviewCorpus(path), "cut", open_app(path, reviewer="x").drawings)
    assert view["cut"] == "ko"
    # the page shows the report's note on it
    assert view["cut_note"].startswith("The Korean side stops mid-sentence")
