"""scripts/bench_peers.py: the peers' input and output adapters, and (when a folder with
Vecalign and Bertalign is given by $ALIGNER_PEERS) the peers themselves on a committed pair.

The peers' code is not part of the repository; the tests that run it skip when
$ALIGNER_PEERS is unset or lacks the checkouts (see the script's docstring).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import bench_peers  # noqa: E402
import bench_realnews  # noqa: E402

from aligner.evaluate import evaluate  # noqa: E402

# A committed public-domain pair of the real-news benchmark (texts under corpora/realnews/texts)
PUBLIC_ID = "usemb-2022-0611-austin-lee-readout"

# Vecalign's README output for the Bleualign dev set (its first beads), as its
# ``final_alignments`` holds them: source (German) indices, target (French) indices.
VECALIGN_README_BEADS = [
    ([0], [0]),
    ([1], [1]),
    ([6], [6, 7, 8]),
    ([8, 9], [10, 11, 12]),
    ([], [22]),
    ([15], [26, 27, 28]),
]


def _public_pair() -> bench_realnews.Pair:
    pairs, skipped = bench_realnews.load_pairs("all", None, [PUBLIC_ID])
    assert len(pairs) == 1, f"committed pair {PUBLIC_ID} did not load: {skipped}"
    return pairs[0]


def test_peer_beads_become_links_in_english_korean_order() -> None:
    as_en = bench_peers.to_links(VECALIGN_README_BEADS, src_is_en=True)
    assert as_en[2] == ((6,), (6, 7, 8))
    assert as_en[4] == ((), (22,))
    as_ko = bench_peers.to_links(VECALIGN_README_BEADS, src_is_en=False)
    assert as_ko[2] == ((6, 7, 8), (6,))
    assert as_ko[4] == ((22,), ())
    # numpy integers (Bertalign's ranges come from numpy arithmetic) become plain ints
    links = bench_peers.to_links([([np.int64(0)], [np.int64(0), np.int64(1)])])
    assert links == [((0,), (0, 1))] and type(links[0][1][1]) is int


def test_converted_links_score_like_the_gold() -> None:
    pair = _public_pair()
    gold = list(pair.gold.links)
    # the gold written as a peer would print it (source = Korean) comes back as the gold
    as_peer = [(list(ko), list(en)) for en, ko in gold]
    links = bench_peers.to_links(as_peer, src_is_en=False)
    assert evaluate([gold], [links]).strict_f1 == 1.0
    # one 1-1 link split into 1-0 + 0-1 costs strict precision and recall
    k = next(i for i, (en, ko) in enumerate(gold) if len(en) == 1 and len(ko) == 1)
    (en,), (ko,) = gold[k]
    worse = [*gold[:k], ((en,), ()), ((), (ko,)), *gold[k + 1 :]]
    s = evaluate([gold], [worse])
    assert s.strict_recall < 1.0 and s.strict_precision < 1.0


def test_check_cover_rejects_beads_that_skip_or_reorder_sentences() -> None:
    bench_peers.check_cover([((0,), (0,)), ((1, 2), ()), ((), (1,))], 3, 2)
    with pytest.raises(ValueError, match="cover"):
        bench_peers.check_cover([((0,), (0,)), ((2,), (1,))], 3, 2)  # English 1 missing
    with pytest.raises(ValueError, match="cover"):
        bench_peers.check_cover([((1,), (0,)), ((0,), (1,))], 2, 2)  # out of order


def test_peer_input_is_the_presegmented_input_aligner_gets() -> None:
    pair = _public_pair()
    (doc,) = bench_peers.realnews_docs([pair])
    body, _ = bench_realnews.presegmented_text(pair.en_text, pair.gold.en_units)
    assert [ln for ln in body.splitlines() if ln] == list(doc.en)
    assert len(doc.en) == len(pair.gold.en_units) and len(doc.ko) == len(pair.gold.ko_units)
    for line, (a, b) in zip(doc.ko, pair.gold.ko_units, strict=True):
        assert line == " ".join(pair.ko_text[a:b].split()) and "\n" not in line
    assert doc.gold == pair.gold.links


def test_parse_args_rejects_unknown_methods_and_sets() -> None:
    with pytest.raises(SystemExit):
        bench_peers.parse_args(["--methods", "hunalign"])
    with pytest.raises(SystemExit):
        bench_peers.parse_args(["--sets", "flores"])
    args = bench_peers.parse_args(["--methods", "vecalign,bertalign", "--peer-dir", "x"])
    assert args.methods == ["vecalign", "bertalign"] and args.peer_dir == Path("x")


def test_missing_peer_dir_is_reported_with_the_way_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(bench_peers.PeerError, match=r"git clone https://github\.com/thompsonb"):
        bench_peers.load_vecalign(tmp_path)
    rc = bench_peers.main(["--peer-dir", str(tmp_path), "--methods", "vecalign"])
    assert rc == 1


# --------------------------------------------------------------------------- with the peers


def _peer_dir() -> Path:
    d = os.environ.get("ALIGNER_PEERS")
    if not d or not (Path(d) / "vecalign").is_dir() or not (Path(d) / "bertalign").is_dir():
        pytest.skip("set ALIGNER_PEERS to a folder with vecalign/ and bertalign/ checkouts")
    return Path(d)


@pytest.mark.slow
def test_memo_encoder_encodes_each_text_once(tiny_st_model: Path) -> None:
    from aligner.embed import load_encoder

    memo = bench_peers.MemoEncoder(load_encoder(str(tiny_st_model)))
    a = memo.encode(["Exports rose.", "수출이 늘었다.", "Exports rose."])
    b = memo.encode(["수출이 늘었다.", "Heavy rain."])
    assert memo.encoded == 3 and a.shape == (3, 32)
    assert np.array_equal(a[1], b[0]) and np.array_equal(a[0], a[2])
    b.resize(2, 1, 32)  # Bertalign resizes its vectors in place: the array owns its data


@pytest.mark.slow
def test_peers_align_a_committed_pair(tiny_st_model: Path) -> None:
    from aligner.embed import load_encoder

    peer_dir = _peer_dir()
    memo = bench_peers.MemoEncoder(load_encoder(str(tiny_st_model)))
    peers = bench_peers.load_peers(peer_dir, ["vecalign", "bertalign"], memo)
    (doc,) = bench_peers.realnews_docs([_public_pair()])
    for method in ("vecalign", "bertalign"):
        for src in ("en", "ko"):
            links = bench_peers.align_doc(method, peers, memo, doc, src)
            # align_doc checks the cover; the score is a real one between 0 and 1
            s = evaluate([list(doc.gold)], [links])
            assert 0.0 <= s.strict_f1 <= 1.0 and s.lax_recall > 0.0, (method, src)
    overlaps = bench_peers.vecalign_overlaps(peers.vecalign, doc.en[:3], 4)
    assert overlaps == sorted(
        {"PAD", *doc.en[:3], " ".join(doc.en[:2]), " ".join(doc.en[1:3]), " ".join(doc.en[:3])}
    )
