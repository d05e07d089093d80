"""Bad inputs, bad corpora and memory (issue 14): one test per case, on real files.

Every error a user can cause is one line on stderr, ``error: ...``, naming the file and
the fix, with exit 1.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import PairResult, write_corpus
from aligner.types import Bead, Document, Sentence

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_1f513c82f196d388"
EN, KO = Path(f"{SEED}.en.txt"), Path(f"{SEED}.ko.txt")

runner = CliRunner()


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args], prog_name="aligner")


def _one_error_line(result) -> str:
    """The command failed with exit 1 and exactly one line, ``error: ...``, on stderr."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def _unit(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    x = rng.normal(size=shape).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# --------------------------------------------------------------- --max-bead (failed 2)


def test_search_follows_bead_types_beyond_what_int8_holds() -> None:
    """The search's back-pointers held a bead type index in int8: from beads of 17
    sentences on there are more than 127 types, the index wrapped round, and the path
    followed the wrong bead (off the end of the document: "bead refers to sentence 972")."""
    from aligner.band import full_band
    from aligner.kernels import NEG, search

    size = 17
    types = [(k, s - k) for s in range(2, size + 1) for k in range(1, s)]
    tk = np.array([k for k, _ in types], dtype=np.int64)
    tl = np.array([el for _, el in types], dtype=np.int64)
    n, m = 9, 8
    target = types.index((9, 8))
    assert target > 127
    band = full_band(n, m)
    gains = np.full((len(types), band.cells), NEG, dtype=np.float64)
    gains[target, band.off[n] + m - band.lo[n]] = 10.0  # one 9-8 bead covers everything
    skip_en, skip_ko = np.full(n, -1.0), np.full(m, -1.0)
    back = search(gains, band.lo, band.hi, band.off, n, m, tk, tl, skip_en, skip_ko)
    assert int(back[band.off[n] + m - band.lo[n]]) == target


def test_max_bead_is_bounded_and_the_largest_aligns_a_long_pair() -> None:
    """A 972 x 1000 pair of random unit vectors (pairs with noise, some sentences with no
    partner) aligns at the largest --max-bead into beads that cover both sides once and
    stay within the bound; above it, the parameters are refused."""
    from aligner.align import MAX_BEAD, AlignParams, align
    from aligner.errors import AlignmentError

    rng = np.random.default_rng(7)
    base = _unit(rng, (972, 24))
    en = _unit(rng, (972, 24)) * 0.3 + base
    ko = np.insert(base, np.arange(0, 972, 34), _unit(rng, (29, 24)), axis=0)[:1000]
    ko = ko + 0.3 * _unit(rng, ko.shape)
    en /= np.linalg.norm(en, axis=1, keepdims=True)
    ko /= np.linalg.norm(ko, axis=1, keepdims=True)
    beads = align(en, ko, params=AlignParams(max_bead=MAX_BEAD))
    assert [i for b in beads for i in b.en] == list(range(len(en)))
    assert [j for b in beads for j in b.ko] == list(range(len(ko)))
    assert all(len(b.en) + len(b.ko) <= MAX_BEAD for b in beads)
    for bad in (MAX_BEAD + 1, 64, 100):
        with pytest.raises(AlignmentError, match="--max-bead"):
            AlignParams(max_bead=bad)


@pytest.mark.parametrize("value", ["64", "70", "100", "1"])
def test_max_bead_outside_its_range_is_one_line(value: str, tmp_path: Path) -> None:
    line = _one_error_line(_run("align", EN, KO, "-o", tmp_path / "o.parquet", "--max-bead", value))
    assert "--max-bead" in line and "aligner align --help" in line
    assert not (tmp_path / "o.parquet").exists()


# ------------------------------------------------------------ damaged corpora (3, 4)


def _real_corpus(path: Path, pairs: int = 40) -> Path:
    results = []
    for p in range(pairs):
        en = [f"English sentence {k} of article {p}, with some words." for k in range(25)]
        ko = [f"기사 {p}의 {k}번째 문장입니다." for k in range(25)]
        en_doc, ko_doc = (
            Document(f"e{p}", "en", " ".join(en)),
            Document(f"k{p}", "ko", " ".join(ko)),
        )

        def sents(doc: Document, parts: list[str]) -> tuple[Sentence, ...]:
            out, pos = [], 0
            for k, t in enumerate(parts):
                out.append(Sentence(doc.doc_id, k, t, pos, pos + len(t), 0))
                pos += len(t) + 1
            return tuple(out)

        beads = tuple(Bead((k,), (k,), 0.8, 0.1) for k in range(25))
        results.append(
            PairResult(f"p{p}", en_doc, ko_doc, sents(en_doc, en), sents(ko_doc, ko), beads)
        )
    return write_corpus(path, results, metadata={})


def _damage_pages(corpus: Path, out: Path, column: str) -> Path:
    """Flip bytes in the middle of ``column``'s data page; the footer stays intact."""
    meta = pq.read_metadata(corpus)
    chunk = next(
        meta.row_group(0).column(c)
        for c in range(meta.num_columns)
        if meta.row_group(0).column(c).path_in_schema == column
    )
    data = bytearray(corpus.read_bytes())
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    for k in range(middle, middle + 48):
        data[k] ^= 0xA5
    out.write_bytes(bytes(data))
    pq.read_metadata(out)  # the footer still reads
    return out


@pytest.mark.parametrize("command", ["export", "report"])
def test_corpus_with_damaged_pages_is_one_line(command: str, tmp_path: Path) -> None:
    bad = _damage_pages(_real_corpus(tmp_path / "c.parquet"), tmp_path / "bad.parquet", "en_text")
    args = (
        ["export", bad, tmp_path / "x"]
        if command == "export"
        else ["report", bad, "-o", tmp_path / "r.html"]
    )
    line = _one_error_line(_run(*args))
    assert str(bad) in line and "damaged" in line and "aligner align" in line
    assert not list(tmp_path.glob("x*")) and not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", ["export", "report"])
def test_corpus_with_wrong_column_types_is_one_line(command: str, tmp_path: Path) -> None:
    table = pq.read_table(_real_corpus(tmp_path / "c.parquet"))
    score = table.schema.get_field_index("score")
    table = table.set_column(score, "score", pa.array([str(v) for v in table["score"].to_pylist()]))
    bead = table.schema.get_field_index("bead")
    table = table.set_column(bead, "bead", table["bead"].cast(pa.float64()))
    bad = tmp_path / "types.parquet"
    pq.write_table(table, bad)
    args = (
        ["export", bad, tmp_path / "x"]
        if command == "export"
        else ["report", bad, "-o", tmp_path / "r.html"]
    )
    line = _one_error_line(_run(*args))
    assert str(bad) in line and "wrong column type" in line
    assert "score is string" in line and "bead is double" in line
    assert not list(tmp_path.glob("x*")) and not (tmp_path / "r.html").exists()


def test_corpus_rewritten_by_polars_still_reads(tmp_path: Path) -> None:
    """Polars writes strings as large strings and ``kind`` as a categorical: still a corpus."""
    import polars as pl

    from aligner.corpus import collect_corpus, read_corpus

    source = _real_corpus(tmp_path / "c.parquet", pairs=2)
    copy = tmp_path / "copy.parquet"
    read_corpus(source).collect().write_parquet(copy)
    assert collect_corpus(read_corpus(copy), copy).height == 50
    assert _run("export", copy, tmp_path / "x").exit_code == 0
    assert pl.read_parquet(copy)["kind"].dtype == pl.Categorical


# --------------------------------------------------------------- heatmap memory (8)


def test_heatmap_does_not_build_the_full_similarity_matrix() -> None:
    """6,000 units a side: the full float32 matrix is 144 MB (and the old code padded a
    copy of it). Block maxima from row chunks stay far below that."""
    import polars as pl

    from aligner.report import heatmap_svg

    n = 6000
    rng = np.random.default_rng(3)
    vecs = _unit(rng, (n, 16))
    beads = pl.DataFrame(
        {
            "bead": list(range(n)),
            "kind": ["1-1"] * n,
            "en_text": [f"e{k}" for k in range(n)],
            "ko_text": [f"k{k}" for k in range(n)],
        }
    )
    vectors = {**{f"e{k}": vecs[k] for k in range(n)}, **{f"k{k}": vecs[k] for k in range(n)}}
    tracemalloc.start()
    try:
        svg = heatmap_svg(beads, vectors)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert svg.count("stroke='#e65100'") == n  # every bead still outlined
    # the diagonal blocks (identical vectors) are the darkest
    assert svg.count("fill-opacity='1.00'") >= 120


# ------------------------------------------------------ furniture-only article (9)


def test_furniture_only_file_names_the_cli_flag(tmp_path: Path) -> None:
    only = tmp_path / "notice.en.txt"
    only.write_text(
        "Translated by Daily NK staff.\n\nRead in Korean: https://www.dailynk.com/korean/a1\n",
        encoding="utf-8",
    )
    line = _one_error_line(_run("align", only, KO, "-o", tmp_path / "o.parquet"))
    assert "no text left after removing page furniture" in line and "--no-clean" in line


@pytest.mark.slow
def test_furniture_only_article_fails_alone_and_the_batch_goes_on(tmp_path: Path) -> None:
    from aligner.corpus import read_documents

    en, ko = tmp_path / "en", tmp_path / "ko"
    en.mkdir()
    ko.mkdir()
    (en / "story.en.txt").write_bytes(EN.read_bytes())
    (ko / "story.ko.txt").write_bytes(KO.read_bytes())
    (en / "notice.en.txt").write_text(
        "Translated by Daily NK staff.\n\nRead in Korean: https://www.dailynk.com/korean/a1\n\n"
        "Contact us at press@dailynk.com\n",
        encoding="utf-8",
    )
    (ko / "notice.ko.txt").write_text(
        "김정은 위원장이 평양에서 열린 회의에 참석했다고 조선중앙통신이 전했다.\n", encoding="utf-8"
    )
    out = tmp_path / "out.parquet"
    result = _run("align", en, ko, "-o", out)
    assert result.exit_code == 0, result.output
    assert "1 aligned, 1 failed" in result.stdout
    docs = read_documents(out)
    failed = docs.filter(docs["status"] == "failed")
    assert sorted(failed["role"].to_list()) == ["en", "ko"]
    reason = failed["reason"][0]
    assert "notice.en.txt" in reason and "nothing but page furniture" in reason
    assert "--no-clean" in reason
    # --no-clean reaches collections too: the notice is then aligned like any article
    kept = _run("align", en, ko, "-o", tmp_path / "kept.parquet", "--no-clean")
    assert kept.exit_code == 0, kept.output
    assert "2 aligned, 0 failed" in kept.stdout
