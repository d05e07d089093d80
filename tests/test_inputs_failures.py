"""Bad inputs, bad corpora and memory (issue 14): one test per case, on real files.

Every error a user can cause is one line on stderr, ``error: ...``, naming the file and
the fix, with exit 1.
"""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import write_corpus
from aligner.types import Bead, PairResult

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
    back = search(
        gains, band.lo, band.hi, band.off, n, m, tk, tl, skip_en, skip_ko, skip_en, skip_ko
    )
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


@pytest.mark.parametrize("value", ["64", "70", "100", "1", "11"])
def test_max_bead_outside_its_range_is_one_line(value: str, tmp_path: Path) -> None:
    from aligner.align import MAX_BEAD, MIN_BEAD

    line = _one_error_line(_run("align", EN, KO, "-o", tmp_path / "o.parquet", "--max-bead", value))
    assert "--max-bead" in line and "aligner align --help" in line
    bound = (
        f"greater than or equal to {MIN_BEAD}"
        if int(value) < MIN_BEAD
        else (f"less than or equal to {MAX_BEAD}")
    )
    assert bound in line  # the option's range is the aligner's
    assert not (tmp_path / "o.parquet").exists()


# ------------------------------------------------------------ damaged corpora (3, 4)


@pytest.fixture
def real_corpus(make_pair: Callable[..., PairResult]) -> Callable[..., Path]:
    """Writes a corpus of ``pairs`` pairs of 25 sentences a side, linked 1-1."""

    def build(path: Path, pairs: int = 40) -> Path:
        results = []
        for p in range(pairs):
            en = [f"English sentence {k} of article {p}, with some words." for k in range(25)]
            ko = [f"기사 {p}의 {k}번째 문장입니다." for k in range(25)]
            beads = [Bead((k,), (k,), 0.8, 0.1) for k in range(25)]
            results.append(make_pair(f"p{p}", en, ko, beads, en_id=f"e{p}", ko_id=f"k{p}"))
        return write_corpus(path, results, metadata={})

    return build


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
def test_corpus_with_damaged_pages_is_one_line(command: str, real_corpus, tmp_path: Path) -> None:
    bad = _damage_pages(real_corpus(tmp_path / "c.parquet"), tmp_path / "bad.parquet", "en_text")
    args = (
        ["export", bad, tmp_path / "x"]
        if command == "export"
        else ["report", bad, "-o", tmp_path / "r.html"]
    )
    line = _one_error_line(_run(*args))
    assert str(bad) in line and "damaged" in line and "aligner align" in line
    assert not list(tmp_path.glob("x*")) and not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", ["export", "report"])
def test_corpus_with_wrong_column_types_is_one_line(
    command: str, real_corpus, tmp_path: Path
) -> None:
    table = pq.read_table(real_corpus(tmp_path / "c.parquet"))
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
    # Polars writes strings as large strings and kind as a categorical: still a corpus
    # (export reads it; report also needs the documents table, which Polars drops)
    copy = tmp_path / "copy.parquet"
    pl.read_parquet(tmp_path / "c.parquet").write_parquet(copy)
    assert pl.read_parquet(copy)["kind"].dtype == pl.Categorical
    assert _run("export", copy, tmp_path / "y").exit_code == 0


# --------------------------------------------------------------- heatmap memory (8)


def test_heatmap_does_not_build_the_full_similarity_matrix() -> None:
    """6,000 units a side: the full float32 matrix is 144 MB (and the old code padded a
    copy of it). Block maxima from row chunks stay far below that."""
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


# ------------------------------------------------------------ very long lines (weak)


def test_a_megabyte_line_without_punctuation_is_cut_before_the_encoder() -> None:
    """A 1 MB line with no full stop was one sentence (4 GB in the encoder); it is now
    cut at whitespace into sentences of at most MAX_SENTENCE_CHARS, offsets intact."""
    from aligner.segment import MAX_SENTENCE_CHARS, presegmented, segment

    words = ("market", "report", "korea", "trade", "rail", "freight", "station", "source")
    text = " ".join(words[k % 8] + str(k % 7) for k in range(150_000))[:1_000_000]
    for sentences in (segment(text, "en", doc_id="big"), presegmented(text, doc_id="big")):
        assert len(sentences) >= 1_000_000 // MAX_SENTENCE_CHARS
        assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
        assert all(text[s.start : s.end] == s.text for s in sentences)
        assert all(
            " " not in text[a.end : b.start].strip() for a, b in itertools.pairwise(sentences)
        )
        assert sum(len(s.text.split()) for s in sentences) == len(text.split())


# ----------------------------------------------------------- encodings, HTML (weak)


def _seed_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
@pytest.mark.parametrize("side", ["en", "ko"])
def test_utf16_with_or_without_a_byte_order_mark_is_decoded(
    codec: str, side: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from aligner.documents import load_document

    source = EN if side == "en" else KO
    wide = tmp_path / f"wide.{side}.txt"
    wide.write_bytes(_seed_text(source).encode(codec))
    with caplog.at_level("WARNING"):
        doc = load_document(wide, side)
    assert doc.text == load_document(source, side).text
    assert "UTF-16" in caplog.text and "wide" in caplog.text


def test_utf8_cut_mid_character_is_not_sent_to_cp949(tmp_path: Path) -> None:
    data = KO.read_bytes()
    at = data.index("열차".encode())
    cut = tmp_path / "cut.ko.txt"
    cut.write_bytes(data[: at + 1] + data[at + 3 :])  # the first two bytes of 열 lost
    line = _one_error_line(_run("align", EN, cut, "-o", tmp_path / "o.parquet"))
    assert f"byte offset {at}" in line
    line_no = data[:at].count(b"\n") + 1
    assert f"cut.ko.txt:{line_no}:" in line
    assert "invalid UTF-8" in line and "otherwise UTF-8" in line
    assert "CP949" not in line
    short = tmp_path / "short.ko.txt"  # a copy cut short inside the last character
    short.write_bytes(data[: at + 2])
    line = _one_error_line(_run("align", EN, short, "-o", tmp_path / "o.parquet"))
    assert "ends in the middle of a character" in line and "CP949" not in line


def test_legacy_encodings_other_than_korean_are_not_sent_to_cp949(tmp_path: Path) -> None:
    latin = tmp_path / "latin.en.txt"
    latin.write_bytes("The café in Séoul was déjà full, the source said.\n".encode("latin-1"))
    line = _one_error_line(_run("align", latin, KO, "-o", tmp_path / "o.parquet"))
    assert "not UTF-8" in line and "CP949" in line  # named, as what it is not
    assert "iconv -f ENCODING -t UTF-8 latin.en.txt" in line and "iconv -f CP949" not in line


@pytest.mark.parametrize(
    "html",
    [
        "<!DOCTYPE html>\n<html><head><title>Trade</title></head>\n<body>The train has not "
        "moved since April.</body></html>\n",
        "".join(f"<p>Sentence {k} of the article, as scraped.</p>\n" for k in range(12)),
    ],
    ids=["page", "fragment"],
)
def test_html_given_as_text_is_refused(html: str, tmp_path: Path) -> None:
    from aligner.documents import load_document

    page = tmp_path / "page.en.txt"
    page.write_text(html, encoding="utf-8")
    line = _one_error_line(_run("align", page, KO, "-o", tmp_path / "o.parquet"))
    assert "page.en.txt" in line and "HTML" in line and "extract the article text" in line
    # one "Read in Korean" link is page furniture, not a page
    linked = tmp_path / "linked.en.txt"
    linked.write_text(
        _seed_text(EN) + '\n\n<a href="https://www.dailynk.com/korean/a1">Read in Korean</a>\n',
        encoding="utf-8",
    )
    assert load_document(linked, "en").original_url.endswith("korean/a1")


def test_html_in_a_jsonl_record_is_refused_with_its_line(tmp_path: Path) -> None:
    import json

    records = [
        {"id": "a", "text": _seed_text(EN)},
        {"id": "b", "text": "<div>" + "".join(f"<p>Para {k}.</p>" for k in range(10)) + "</div>"},
    ]
    en = tmp_path / "en.jsonl"
    en.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    line = _one_error_line(_run("align", en, KO, "-o", tmp_path / "o.parquet"))
    assert "en.jsonl:2:" in line and "HTML" in line


# ------------------------------------------------------------- wrong language (weak)

CHINESE = (
    "朝鲜与中国之间的贸易预计将于五月中旬恢复，但据消息人士透露，丹东火车站的货车仍停在原地。\n"
)
JAPANESE = (
    "中朝貿易は5月中旬に再開される見通しだったが、"
    "丹東駅の貨物列車は先月と同じ場所に止まっているという。\n"
)


@pytest.mark.parametrize(
    ("text", "found"), [(CHINESE, "Chinese"), (JAPANESE, "Japanese")], ids=["zh", "ja"]
)
@pytest.mark.parametrize("side", ["en", "ko"])
def test_chinese_or_japanese_is_named(text: str, found: str, side: str, tmp_path: Path) -> None:
    other = tmp_path / f"other.{side}.txt"
    other.write_text(text, encoding="utf-8")
    args = (EN, other) if side == "ko" else (other, KO)
    line = _one_error_line(_run("align", *args, "-o", tmp_path / "o.parquet"))
    assert "other." in line and found in line
    assert "argument order" not in line


# -------------------------------------------------------------- embedding cache (weak)


class _Counting:
    """A deterministic encoder: a unit vector per text; remembers what it was asked."""

    name = "counting-8"
    dim = 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts):
        import zlib

        self.seen.extend(texts)
        out = np.stack(
            [np.random.default_rng(zlib.crc32(t.encode())).normal(size=8) for t in texts]
        ).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_a_damaged_cache_file_says_to_delete_it(tmp_path: Path) -> None:
    from aligner.cache import CachedEncoder
    from aligner.errors import ModelError

    cache = CachedEncoder(_Counting(), cache_dir=tmp_path)
    cache.encode(["one sentence", "another sentence"])
    cache.close()
    (path,) = tmp_path.glob("*.sqlite")
    for extra in tmp_path.glob("*.sqlite-*"):
        extra.unlink()
    data = bytearray(path.read_bytes())
    data[:100] = b"\x13" * 100  # the SQLite header
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError) as caught:
        CachedEncoder(_Counting(), cache_dir=tmp_path).encode(["one sentence"])
    message = str(caught.value)
    assert str(path) in message and f"delete {path}" in message and "\n" not in message


def test_nan_vectors_in_the_cache_are_computed_again(tmp_path: Path) -> None:
    import sqlite3

    from aligner.cache import CachedEncoder

    texts = ["one sentence", "another sentence", "a third"]
    first = CachedEncoder(_Counting(), cache_dir=tmp_path)
    good = first.encode(texts)
    first.close()
    (path,) = tmp_path.glob("*.sqlite")
    with sqlite3.connect(path) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM vec ORDER BY key")]
        conn.execute(
            "UPDATE vec SET v = ? WHERE key = ?",
            (np.full(8, np.nan, np.float32).tobytes(), keys[0]),
        )
        conn.execute(
            "UPDATE vec SET v = ? WHERE key = ?",
            (np.full(8, np.inf, np.float32).tobytes(), keys[1]),
        )
    inner = _Counting()
    again = CachedEncoder(inner, cache_dir=tmp_path)
    vecs = again.encode(texts)
    assert np.isfinite(vecs).all()
    np.testing.assert_allclose(vecs, good, atol=1e-6)
    assert len(inner.seen) == 2 and again.misses == 2 and again.hits == 1
    again.close()
    third = CachedEncoder(_Counting(), cache_dir=tmp_path)  # replaced on disk
    third.encode(texts)
    assert third.hits == 3


# -------------------------------------------------------------- gold files (weak)


GOLD = Path(f"{SEED}.gold")


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed") / f"{SEED.name}.parquet"
    result = _run("align", EN, KO, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_empty_gold_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gold"
    empty.write_text("\n\n", encoding="utf-8")
    line = _one_error_line(_run("evaluate", empty, GOLD))
    assert "empty.gold" in line and "no links" in line


def test_duplicate_gold_link_is_refused_with_its_line(tmp_path: Path) -> None:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    dup = tmp_path / "dup.gold"
    dup.write_text("\n".join([*lines[:5], lines[2], *lines[5:]]) + "\n", encoding="utf-8")
    line = _one_error_line(_run("evaluate", dup, GOLD))
    assert "dup.gold:6:" in line and "duplicate link" in line and "line 3" in line


def test_gold_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    bom = tmp_path / "bom.gold"
    bom.write_bytes(b"\xef\xbb\xbf" + GOLD.read_bytes())
    result = _run("evaluate", bom, GOLD)
    assert result.exit_code == 0, result.output
    assert "strict     1.0000  1.0000  1.0000" in result.stdout


@pytest.mark.slow
def test_gold_index_beyond_the_pair_is_refused(seed_corpus: Path, tmp_path: Path) -> None:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / f"{SEED.name}.gold"
    bad.write_text("\n".join([*lines, "[40]:[41]"]) + "\n", encoding="utf-8")
    line = _one_error_line(_run("evaluate", bad, seed_corpus))
    assert f"{bad}:{len(lines) + 1}:" in line and "sentence 40 is out of range" in line
    assert _run("evaluate", GOLD, seed_corpus).exit_code == 0


# ------------------------------------------------------------ collections (weak)


def test_symlinked_folders_in_a_collection_are_followed_without_looping(tmp_path: Path) -> None:
    from aligner.documents import read_collection

    (tmp_path / "en" / "a").mkdir(parents=True)
    (tmp_path / "elsewhere" / "b").mkdir(parents=True)
    (tmp_path / "en" / "a" / "one.en.txt").write_bytes(EN.read_bytes())
    (tmp_path / "elsewhere" / "b" / "two.en.txt").write_text(
        "Freight cars are still parked at Dandong Station this week, a source said.\n",
        encoding="utf-8",
    )
    (tmp_path / "en" / "linked").symlink_to(tmp_path / "elsewhere" / "b")
    (tmp_path / "en" / "a" / "loop").symlink_to(tmp_path / "en")  # a link back up the tree
    docs = read_collection(tmp_path / "en", "en")
    assert sorted(d.doc_id for d in docs) == ["one", "two"]


# ---------------------------------------------------------- option errors (weak)


@pytest.mark.parametrize(
    "args",
    [
        ["align", EN, KO],  # no --output
        ["align", EN, KO, "-o", "x.parquet", "--workers", "0"],
        ["align", EN, KO, "-o", "x.parquet", "--max-days", "soon"],
        ["segment", EN, "--lang", "en", "--bogus"],
        ["evaluate", GOLD],
        ["export", "corpus.parquet"],
        ["report", "corpus.parquet", "-o", "r.html", "--max-pairs", "many"],
        ["frobnicate"],
    ],
    ids=["missing", "range", "type", "unknown-option", "evaluate", "export", "report", "command"],
)
def test_option_errors_are_one_line_with_exit_1(args: list[object]) -> None:
    line = _one_error_line(_run(*args))
    assert "--help)" in line
    assert "Usage" not in line
