from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import CorpusWriter, read_corpus
from aligner.errors import InputError, OutputExistsError
from aligner.report import ReportOptions, write_report
from aligner.types import Bead, Document, PairResult


@pytest.fixture
def pair(make_pair: Callable[..., PairResult]) -> Callable[..., PairResult]:
    def build(pair_id: str, scores: list[float | None], en_extra: str = "") -> PairResult:
        """A pair of len(scores) beads: 1-1 with the given scores, None for a 1-0 bead."""
        en_parts = [f"English {pair_id} {k}{en_extra}." for k in range(len(scores))]
        ko_parts = [f"한국어 {pair_id} {k}." for k, s in enumerate(scores) if s is not None]
        beads, j = [], 0
        for i, score in enumerate(scores):
            if score is None:
                beads.append(Bead((i,), ()))
            else:
                beads.append(Bead((i,), (j,), score, score - 0.4))
                j += 1
        return make_pair(pair_id, en_parts, ko_parts, beads)

    return build


@pytest.fixture
def corpus(pair, tmp_path: Path) -> Path:
    path = tmp_path / "c.parquet"
    with CorpusWriter(path, metadata={"aligner.signature": "aligner:test|enc:x"}) as w:
        w.add(pair("calm", [0.9, 0.8, 0.85]))
        w.add(pair("rough", [0.3, None, 0.2], en_extra=" <b>&amp;</b>"))
        w.add(pair("mixed", [0.9, 0.4, 0.7, 0.8]))
        w.add_document(
            Document("lonely-en", "en", "Nobody translated me."),
            role="en",
            status="unpaired",
            reason="no Korean article matched (best cosine 0.41)",
        )
    return path


def _index_order(page: str) -> list[str]:
    return re.findall(r"<a href='#p\d+'>([^<]+)</a>", page)


def test_report_shows_every_bead_escaped_and_marks_doubtful_ones(corpus: Path, tmp_path) -> None:
    out = tmp_path / "r.html"
    summary = write_report(corpus, out)
    page = out.read_text(encoding="utf-8")
    assert (summary.pairs_shown, summary.pairs_total) == (3, 3)
    assert _index_order(page) == ["calm", "rough", "mixed"]
    assert "aligner:test|enc:x" in page
    # text is escaped, never interpreted
    assert "<b>&amp;</b>" not in page
    assert "English rough 0 &lt;b&gt;&amp;amp;&lt;/b&gt;." in page
    for k in range(3):
        assert f"한국어 calm {k}." in page
    # 10 beads in all: 3 below 0.5 (0.3, 0.2, 0.4), 1 unaligned
    assert page.count("<tr class='weak'>") == 3
    assert page.count("<tr class='gap'>") == 1
    assert "1 documents not aligned" in page
    assert "best cosine 0.41" in page


def test_worst_order_and_pair_selection(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    write_report(corpus, out, ReportOptions(order="worst"))
    assert _index_order(out.read_text(encoding="utf-8")) == ["rough", "mixed", "calm"]
    summary = write_report(corpus, out, ReportOptions(order="worst", max_pairs=1), overwrite=True)
    assert (summary.pairs_shown, summary.pairs_total) == (1, 3)
    assert _index_order(out.read_text(encoding="utf-8")) == ["rough"]
    write_report(corpus, out, ReportOptions(pairs=("mixed", "calm")), overwrite=True)
    page = out.read_text(encoding="utf-8")
    assert _index_order(page) == ["calm", "mixed"]
    assert "English rough" not in page


def test_bad_requests_are_errors_and_write_nothing(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    with pytest.raises(InputError, match=r"no pair 'nope'.*pairs include calm, mixed, rough"):
        write_report(corpus, out, ReportOptions(pairs=("nope",)))
    with pytest.raises(InputError, match="unknown order"):
        write_report(corpus, out, ReportOptions(order="best"))
    with pytest.raises(InputError, match="no such corpus"):
        write_report(tmp_path / "missing.parquet", out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [corpus]
    out.write_text("keep me")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_report(corpus, out)
    assert out.read_text() == "keep me"


def test_report_command(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "r.html"
    args = ["report", str(corpus), "-o", str(out), "--order", "worst", "--max-pairs", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {out}: 2 of 3 article pairs"
    assert _index_order(out.read_text(encoding="utf-8")) == ["rough", "mixed"]
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert again.stderr.strip().startswith("error: ") and "already exists" in again.stderr
    x = tmp_path / "x.html"
    bad = runner.invoke(app, ["report", str(corpus), "-o", str(x), "--pair", "zz"])
    assert bad.exit_code == 1 and "no pair 'zz'" in bad.stderr
    assert not x.exists()


def test_path_drawing_follows_the_beads(corpus: Path) -> None:
    from aligner.corpus import read_corpus
    from aligner.report import path_svg

    beads = read_corpus(corpus).collect()
    rough = beads.filter(beads["pair_id"] == "rough")  # 1-1 (0.3), 1-0, 1-1 (0.2)
    svg = path_svg(rough, 0.5, size=90)
    # 3 English sentences across 90 px, 2 Korean down: 30 px by 45 px per sentence
    assert svg.count("<rect x=") == 3  # the background and two linked beads
    assert "<rect x='0.0' y='0.0' width='30.0' height='45.0' fill='#c62828'>" in svg
    assert "<line x1='30.0' y1='45.0' x2='60.0' y2='45.0'" in svg  # the 1-0 bead
    assert "<rect x='60.0' y='45.0' width='30.0' height='45.0' fill='#c62828'>" in svg
    calm = path_svg(beads.filter(beads["pair_id"] == "calm"), 0.5)
    assert calm.count("fill='#2e7d32'") == 3 and "<line" not in calm


def test_report_never_overwrites_its_corpus(corpus: Path) -> None:
    before = corpus.read_bytes()
    with pytest.raises(InputError, match="would overwrite the corpus"):
        write_report(corpus, corpus, overwrite=True)
    assert corpus.read_bytes() == before


class _TableEncoder:
    """Unit vectors looked up by text: English k and Korean k point the same way, with one
    stray likeness planted between different positions."""

    name, dim = "table", 8

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            k = int(re.search(r" (\d+)", text)[1])
            out[row, k] = 1.0
            if text.startswith("한국어 mixed 3"):  # also close to English 1
                out[row] = 0.0
                out[row, 1], out[row, 3] = 0.6, 0.8
        return out


def test_heatmap_outlines_the_path_and_shades_every_likeness(corpus: Path, tmp_path: Path):
    encoder = _TableEncoder()
    out = tmp_path / "r.html"
    write_report(corpus, out, ReportOptions(pairs=("mixed", "rough")), encoder=encoder)
    assert len(encoder.calls) == 1  # the texts of every pair shown, in one call
    assert len(encoder.calls[0]) == len(set(encoder.calls[0])) == 4 + 4 + 3 + 2
    page = out.read_text(encoding="utf-8")
    maps = re.findall(r"<svg[^>]*similarity heatmap'>(.*?)</svg>", page)
    assert len(maps) == 2
    rough, mixed = maps  # in corpus order
    # 'mixed' is 4 x 4 units (180 px / 4 = 45 px cells); its path is the diagonal
    outlined = re.findall(r"<rect x='([\d.]+)' y='([\d.]+)'[^>]*stroke='#e65100'", mixed)
    assert outlined == [(f"{45 * k:.1f}", f"{45 * k:.1f}") for k in range(4)]
    titles = re.findall(r"<title>bead (\d) 1-1: ([\d.]+)</title>", mixed)
    assert titles == [("0", "1.000"), ("1", "1.000"), ("2", "1.000"), ("3", "0.800")]
    shaded = re.findall(r"<rect x='([\d.]+)' y='([\d.]+)'[^>]*fill='#1f4e99'", mixed)
    assert sorted(shaded) == sorted(
        [(f"{45 * k:.1f}", f"{45 * k:.1f}") for k in range(4)] + [("45.0", "135.0")]
    )  # the four pairs and the planted likeness (English 1, Korean 3: 0.6)
    # 'rough' has a 1-0 bead: 3 English units, 2 Korean, two outlined cells
    assert len(re.findall("stroke='#e65100'", rough)) == 2


@pytest.mark.slow
def test_report_command_heatmap_matches_the_corpus_scores(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    seed = repo / "seeds" / "000_1f513c82f196d388"
    corpus, page = tmp_path / "seed.parquet", tmp_path / "seed.html"
    runner = CliRunner()
    aligned = runner.invoke(app, ["align", f"{seed}.en.txt", f"{seed}.ko.txt", "-o", str(corpus)])
    assert aligned.exit_code == 0, aligned.output
    result = runner.invoke(app, ["report", str(corpus), "-o", str(page), "--heatmap"])
    assert result.exit_code == 0, result.output
    assert "note:" not in result.stderr  # the corpus's own encoder was found and used
    text = page.read_text(encoding="utf-8")
    found = {int(b): float(c) for b, c in re.findall(r"<title>bead (\d+) [\d-]+: ([\d.]+)<", text)}
    beads = read_corpus(corpus).collect().filter(pl.col("score").is_not_null())
    # the bead texts embedded again give the scores the aligner wrote, merged beads too
    assert set(found) == set(beads["bead"].to_list())
    for bead, score in beads.select("bead", "score").iter_rows():
        assert found[bead] == pytest.approx(score, abs=2e-3)


def test_a_long_pair_is_drawn_in_blocks(tmp_path: Path) -> None:
    from aligner.report import HEATMAP_CELLS, heatmap_svg

    n = 3 * HEATMAP_CELLS + 1  # blocks of 4 x 4 units
    beads = pl.DataFrame(
        {
            "bead": list(range(n)),
            "kind": ["1-1"] * n,
            "en_text": [f"e{k}" for k in range(n)],
            "ko_text": [f"k{k}" for k in range(n)],
        }
    )
    eye = np.eye(n, dtype=np.float32)
    vectors = {**{f"e{k}": eye[k] for k in range(n)}, **{f"k{k}": eye[k] for k in range(n)}}
    svg = heatmap_svg(beads, vectors)
    cells = re.findall(r"width='([\d.]+)'[^>]*fill='#1f4e99'", svg)
    assert len(cells) == -(-n // 4)  # one dark block per diagonal block, nothing else
    assert len(re.findall("stroke='#e65100'", svg)) == n  # every bead still outlined


def test_doubt_goes_by_probability_when_the_corpus_has_it() -> None:
    """A pair with well-scored but unlikely links is doubtful, one with weak scores but
    likely links is not; without probabilities the mean-score rule stands."""
    import polars as pl

    from aligner.quality import doubtful_pairs, pair_table

    def beads(pid: str, score: float, prob: float | None, n: int = 6) -> list[dict]:
        return [
            {"pair_id": pid, "en_doc_id": pid, "ko_doc_id": pid, "bead": k, "en_idx": [k],
             "ko_idx": [k], "en_text": "e", "ko_text": "k", "kind": "1-1", "score": score,
             "margin": 0.1, "prob": prob}
            for k in range(n)
        ]  # fmt: skip

    frame = pl.DataFrame(
        beads("unlikely", 0.7, 0.2) + beads("likely", 0.4, 0.9) + beads("plain", 0.4, None)
    )
    table = pair_table(frame, 0.5)
    assert table.filter(pl.col("pair_id") == "unlikely")["weak"].item() == 6
    assert table.filter(pl.col("pair_id") == "likely")["weak"].item() == 0
    assert table.filter(pl.col("pair_id") == "plain")["weak"].item() == 6
    assert doubtful_pairs(table, 0.5)["pair_id"].to_list() == ["unlikely", "plain"]


@pytest.mark.slow
def test_report_heatmap_takes_its_vectors_from_the_cache(tmp_path: Path) -> None:
    """With --cache, the texts align embedded are not embedded again for the heatmap:
    its 1-1 bead texts are the sentences themselves; a second report computes nothing."""
    repo = Path(__file__).resolve().parents[1]
    seed = repo / "seeds" / "000_1f513c82f196d388"
    corpus, cache = tmp_path / "seed.parquet", tmp_path / "cache"
    runner = CliRunner()
    args = ["align", f"{seed}.en.txt", f"{seed}.ko.txt", "-o", str(corpus), "--cache", str(cache)]
    assert runner.invoke(app, args).exit_code == 0
    beads = read_corpus(corpus).collect()
    units = set(beads["en_text"]) | set(beads["ko_text"]) - {""}
    merged = beads.filter(
        (pl.col("en_idx").list.len() > 1) | (pl.col("ko_idx").list.len() > 1)
    ).height
    counts = []
    for name in ("one.html", "two.html"):
        report = ["report", str(corpus), "-o", str(tmp_path / name), "--heatmap"]
        result = runner.invoke(app, [*report, "--cache", str(cache)])
        assert result.exit_code == 0, result.output
        found = re.search(r"embeddings: (\d+) computed, (\d+) from the cache", result.stderr)
        assert found, result.stderr
        counts.append((int(found[1]), int(found[2])))
    # the first report encodes at most the merged sides (align embedded them too, when it
    # verified the merges, so often none); the second finds everything in the cache
    assert counts[0][0] <= 2 * merged and counts[0][0] + counts[0][1] >= len(units) - 1
    assert counts[1][0] == 0
    assert (tmp_path / "one.html").read_text() == (tmp_path / "two.html").read_text()


def test_cut_sides_reads_each_sides_last_sentence(make_pair, tmp_path: Path) -> None:
    """A side is cut when its last sentence (in the bead that holds it, whatever beads
    follow on the other side) ends mid-word; the pairs come in corpus order."""
    from aligner.quality import cut_sides

    path = tmp_path / "cut.parquet"
    with CorpusWriter(path, metadata={"aligner.signature": "aligner:test|enc:x"}) as w:
        w.add(make_pair("whole", ["One.", "Two."], ["하나.", "둘."],
                        [Bead((0,), (0,), 0.9, 0.1), Bead((1,), (1,), 0.9, 0.1)]))  # fmt: skip
        # the Korean stops after two syllables; the English runs on, unaligned
        w.add(make_pair("ko-cut", ["One.", "Two.", "Three."], ["하나.", "둘"],
                        [Bead((0,), (0,), 0.9, 0.1), Bead((1,), (1,), 0.9, 0.1),
                         Bead((2,), ())]))  # fmt: skip
        w.add(make_pair("both", ["One.", "Tw"], ["하나.", "둘"],
                        [Bead((0,), (0,), 0.9, 0.1), Bead((1,), (1,), 0.9, 0.1)]))  # fmt: skip
        w.add(make_pair("en-cut", ["One.", "Tw"], ["하나.", "“둘”"],
                        [Bead((0,), (0,), 0.9, 0.1), Bead((1,), ()), Bead((), (1,))]))  # fmt: skip
    got = cut_sides(read_corpus(path).collect())
    assert got.rows() == [("ko-cut", "ko"), ("both", "both"), ("en-cut", "en")]
    # the report says so in each such pair's section, and only there
    write_report(path, tmp_path / "r.html")
    sections = (tmp_path / "r.html").read_text(encoding="utf-8").split("<h2 id=")[1:]
    said = [
        next((s for s in ("The English side", "The Korean side", "Both sides") if s in x), None)
        for x in sections
    ]
    assert said == [None, "The Korean side", "Both sides", "The English side"]
