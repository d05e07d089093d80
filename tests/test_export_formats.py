"""Every export format read back by the tools that use it: TSV (polars, csv, pandas),
JSONL (Hugging Face translation records), TMX 1.4b and vecalign links files."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import read_metadata, write_corpus
from aligner.evaluate import evaluate_paths, links_from_corpus, read_gold
from aligner.export import ExportFilter, export, links_name, select
from aligner.types import Bead, Document, PairResult

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
runner = CliRunner()

# texts a naive writer breaks: a leading quote, quotes inside, tabs, line breaks (LF,
# CRLF, a lone CR), markup, spaces at the ends, a field that is just a quote
AWKWARD = [
    ('"Stop," he said.', '"멈춰"라고 그가 말했다.'),
    ('a\ttab and a "quote" inside', '탭\t과 "따옴표"'),
    ("two\nlines", "두\r\n줄"),
    ("a lone\rreturn", "<b>태그</b> & 기호"),
    ("  spaces at both ends  ", '"'),
    ("plain", "평범한 문장."),
]


@pytest.fixture
def pair(make_pair: Callable[..., PairResult]) -> Callable[[str, int], PairResult]:
    def build(pid: str, n: int) -> PairResult:
        en = [f"English sentence {k} of {pid}." for k in range(n)]
        ko = [f"{pid}의 {k}번째 문장." for k in range(n)]
        beads = [Bead((k,), (k,), 0.5 + 0.1 * (k % 4), 0.02 * k) for k in range(n - 2)]
        beads += [Bead((n - 2,), ()), Bead((), (n - 2, n - 1))]  # one-sided beads
        beads[0] = Bead((0,), (0,), 0.9)  # a bead without margin
        return make_pair(pid, en, ko, beads, en_id=f"{pid}e", ko_id=f"{pid}k")

    return build


@pytest.fixture()
def awkward(pair, tmp_path: Path) -> Path:
    """A corpus whose texts and pair ids hold everything that needs quoting or escaping
    (written by aligner, then its texts replaced, as another tool might write them)."""
    pids = ["p0", "with\ttab", 'quo"te', "line\nbreak", "a/b", ".hidden"]
    path = write_corpus(tmp_path / "c.parquet", [pair(p, 8) for p in pids], metadata={})
    table = pq.read_table(path)
    en, ko = table["en_text"].to_pylist(), table["ko_text"].to_pylist()
    both = [k for k in range(len(en)) if en[k] and ko[k]]
    for k, (e, o) in zip(both, AWKWARD * 10, strict=False):
        en[k], ko[k] = e, o
    table = table.set_column(table.schema.get_field_index("en_text"), "en_text", [en])
    table = table.set_column(table.schema.get_field_index("ko_text"), "ko_text", [ko])
    pq.write_table(table.replace_schema_metadata(read_metadata(path)), path)
    return path


def _expected(corpus: Path) -> pl.DataFrame:
    return select(corpus, ExportFilter()).with_columns(pl.col("score", "margin").round(4))


def test_tsv_reads_back_unchanged_with_polars_and_csv(awkward: Path, tmp_path: Path) -> None:
    counts = export(awkward, tmp_path / "t", fmt="tsv")
    want = _expected(awkward)
    assert counts.splits == {"": want.height} and want.height == 6 * 6
    text = (tmp_path / "t.tsv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "pair_id\tkind\ten_text\tko_text\tscore\tmargin\tprob"
    got = pl.read_csv(
        tmp_path / "t.tsv",
        separator="\t",
        schema_overrides={"score": pl.Float64, "margin": pl.Float64, "prob": pl.Float64},
        infer_schema=False,
    )
    texts = ["pair_id", "kind", "en_text", "ko_text"]
    assert got.select(texts).equals(want.select(texts))
    assert got["score"].to_list() == want["score"].cast(pl.Float64).round(4).to_list()
    assert got["margin"].is_null().sum() == want["margin"].is_null().sum() > 0
    with (tmp_path / "t.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows[0] == list(got.columns)
    assert [tuple(r[:4]) for r in rows[1:]] == want.select(texts).rows()


def test_tsv_reads_back_unchanged_with_pandas(awkward: Path, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    export(awkward, tmp_path / "t", fmt="tsv")
    got = pd.read_csv(tmp_path / "t.tsv", sep="\t", dtype=str, keep_default_na=False)
    want = _expected(awkward)
    for column in ("pair_id", "kind", "en_text", "ko_text"):
        assert got[column].tolist() == want[column].to_list()


def test_jsonl_has_a_hugging_face_translation_field(awkward: Path, tmp_path: Path) -> None:
    export(awkward, tmp_path / "j", fmt="jsonl")
    want = _expected(awkward)
    got = pl.read_ndjson(tmp_path / "j.jsonl")
    assert got.columns == ["translation", "pair_id", "kind", "score", "margin", "prob"]
    assert got["translation"].struct.field("en").to_list() == want["en_text"].to_list()
    assert got["translation"].struct.field("ko").to_list() == want["ko_text"].to_list()
    assert got["pair_id"].to_list() == want["pair_id"].to_list()
    assert got["margin"].to_list() == want["margin"].cast(pl.Float64).round(4).to_list()


def test_tmx_is_tmx_1_4b_with_properties(awkward: Path, tmp_path: Path) -> None:
    export(awkward, tmp_path / "x", fmt="tmx")
    want = _expected(awkward)
    root = ET.parse(tmp_path / "x.tmx").getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang"):
        assert header.get(attr)
    assert header.get("srclang") == "ko" and header.get("datatype") == "plaintext"
    units = root.findall("body/tu")
    assert len(units) == want.height
    for tu, row in zip(units, want.iter_rows(named=True), strict=True):
        props = {p.get("type"): p.text for p in tu.findall("prop")}
        assert props["x-pair-id"] == row["pair_id"].replace("\r", "\n")
        assert props["x-kind"] == row["kind"]
        assert props["x-score"] == f"{row['score']:.4f}"
        assert props.get("x-margin") == (None if row["margin"] is None else f"{row['margin']:.4f}")
        segs = {tuv.get(XML_LANG): tuv.findtext("seg") for tuv in tu.findall("tuv")}
        assert [tuv.get(XML_LANG) for tuv in tu.findall("tuv")] == ["ko", "en"]
        # an XML parser reads a CR in text as a line break: the one thing TMX cannot keep
        assert segs == {
            "en": row["en_text"].replace("\r\n", "\n").replace("\r", "\n"),
            "ko": row["ko_text"].replace("\r\n", "\n").replace("\r", "\n"),
        }


def test_tmx_drops_characters_xml_cannot_hold(pair, tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "c.parquet", [pair("p", 4)], metadata={})
    table = pq.read_table(path)
    en = table["en_text"].to_pylist()
    en[0] = "bell\x07 and form feed\x0c"
    pq.write_table(table.set_column(6, "en_text", [en]), path)
    export(path, tmp_path / "x", fmt="tmx")
    seg = ET.parse(tmp_path / "x.tmx").getroot().find("body/tu/tuv[2]/seg")
    assert seg is not None and seg.text == "bell and form feed"


def test_links_are_read_back_by_evaluate(awkward: Path, pair, tmp_path: Path) -> None:
    counts = export(awkward, tmp_path / "links", fmt="links")
    folder = tmp_path / "links"
    pairs = links_from_corpus(awkward)
    assert counts.splits == {"": len(pairs)} == {"": 6}
    assert sorted(p.name for p in folder.iterdir()) == sorted(links_name(p) for p in pairs)
    assert (folder / "a%2Fb.links").exists() and (folder / "%2Ehidden.links").exists()
    for pid, links in pairs.items():
        assert read_gold(folder / links_name(pid)) == links
    simple = write_corpus(tmp_path / "s.parquet", [pair("s1", 5), pair("s2", 6)], metadata={})
    export(simple, tmp_path / "s", fmt="links")
    scores = evaluate_paths(tmp_path / "s", simple)
    assert scores.strict_f1 == 1.0 and scores.n_gold == scores.n_pred == 5 + 6
    result = runner.invoke(app, ["evaluate", str(tmp_path / "s"), str(simple), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["strict_f1"] == 1.0


def test_links_refuse_bead_filters(awkward: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["export", str(awkward), str(tmp_path / "l"), "--format", "links", "--kinds", "1-1"]
    )
    assert result.exit_code == 1 and "links files hold whole alignments" in result.stderr
    split = export(awkward, tmp_path / "l", fmt="links", test_fraction=0.5, seed=3)
    assert split.splits["train"] + split.splits["test"] == 6
    for name in ("train", "test"):
        assert len(list((tmp_path / f"l.{name}").iterdir())) == split.splits[name]


@pytest.mark.parametrize("fmt", ["text", "tsv", "jsonl", "tmx", "links"])
def test_every_format_records_its_provenance_and_makes_folders(
    awkward: Path, tmp_path: Path, fmt: str
) -> None:
    prefix = tmp_path / "new" / "deeper" / "out"
    counts = export(awkward, prefix, fmt=fmt, test_fraction=0.4, seed=2)
    record = json.loads(Path(f"{prefix}.export.json").read_text(encoding="utf-8"))
    assert record["format"] == fmt and record["warnings"] == []
    assert record["rows"] == {"train": counts.splits["train"], "test": counts.splits["test"]}
    for split in ("train", "test"):
        for name in record["files"][split]:
            assert (prefix.parent / name).exists()
    again = runner.invoke(app, ["export", str(awkward), str(prefix), "--format", fmt])
    assert again.exit_code == 1 and "--overwrite" in again.stderr


def test_an_empty_export_warns_and_names_the_filter(awkward: Path, tmp_path: Path) -> None:
    args = ["export", str(awkward), str(tmp_path / "e"), "--format", "tsv"]
    result = runner.invoke(app, [*args, "--kinds", "1-1", "--min-score", "2"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "warning: nothing to export: --min-score 2.0 left no bead with text on both sides"
    )
    assert result.stdout.strip() == "all: 0 sentence pairs"
    assert pl.read_csv(tmp_path / "e.tsv", separator="\t").height == 0
    record = json.loads((tmp_path / "e.export.json").read_text(encoding="utf-8"))
    assert record["warnings"] == [result.stderr.strip().removeprefix("warning: ")]
    result = runner.invoke(app, [*args, "--kinds", "2-2", "--overwrite"])
    assert result.exit_code == 0 and "--kinds 2-2 left no bead" in result.stderr


def test_an_empty_split_warns(pair, tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "c.parquet", [pair("only", 5)], metadata={})
    result = runner.invoke(
        app, ["export", str(path), str(tmp_path / "s"), "--test-fraction", "0.01"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "warning: the test split is empty: --test-fraction 0.01 with --seed 13 put none of "
        "the 1 articles in it"
    )
    assert (tmp_path / "s.test.en").read_text() == ""


def test_unknown_kinds_are_an_error(awkward: Path, tmp_path: Path) -> None:
    for bad in ("1:1", "one", "0-0", "1-1,x"):
        result = runner.invoke(app, ["export", str(awkward), str(tmp_path / "k"), "--kinds", bad])
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: unknown bead kind")
    assert not list(tmp_path.glob("k*"))


def _corpus_in(langs: tuple[str, str], path: Path, make_pair) -> Path:
    """A corpus of one pair whose documents are in ``langs``, as ``aligner align --src-lang
    --tgt-lang`` writes it (the en_* columns hold the first language)."""
    en, ko = ["Der Hund bellt.", "Es regnet."], ["Le chien aboie.", "Il pleut."]
    result = make_pair(
        "p1", en, ko, [Bead((0,), (0,), 0.9, 0.2), Bead((1,), (1,), 0.8, 0.1)],
        en_doc=Document("p1-a", langs[0], " ".join(en)),
        ko_doc=Document("p1-b", langs[1], " ".join(ko)),
    )  # fmt: skip
    return write_corpus(path, [result], metadata={})


def test_exports_are_named_by_the_corpus_languages(make_pair, tmp_path: Path) -> None:
    corpus = _corpus_in(("de", "fr"), tmp_path / "defr.parquet", make_pair)
    counts = export(corpus, tmp_path / "t", fmt="text", test_fraction=0.5, seed=1)
    split = next(s for s, n in counts.splits.items() if n)
    assert (tmp_path / f"t.{split}.de").read_text("utf-8") == "Der Hund bellt.\nEs regnet.\n"
    assert (tmp_path / f"t.{split}.fr").read_text("utf-8") == "Le chien aboie.\nIl pleut.\n"
    assert not list(tmp_path.glob("t.*.en")) and not list(tmp_path.glob("t.*.ko"))
    record = json.loads((tmp_path / "t.export.json").read_text("utf-8"))
    assert record["languages"] == ["de", "fr"]
    assert record["files"]["train"] == ["t.train.de", "t.train.fr"]
    assert record["files"]["test"] == ["t.test.de", "t.test.fr"]
    export(corpus, tmp_path / "j", fmt="jsonl")
    first = json.loads((tmp_path / "j.jsonl").read_text("utf-8").splitlines()[0])
    assert first["translation"] == {"de": "Der Hund bellt.", "fr": "Le chien aboie."}
    export(corpus, tmp_path / "x", fmt="tmx")
    root = ET.parse(tmp_path / "x.tmx").getroot()
    assert root.find("header").get("srclang") == "fr"  # the original: the ko_* side
    tuvs = root.findall("body/tu")[0].findall("tuv")
    assert [(t.get(XML_LANG), t.findtext("seg")) for t in tuvs] == [
        ("fr", "Le chien aboie."), ("de", "Der Hund bellt."),
    ]  # fmt: skip


def test_a_corpus_with_one_language_on_both_sides_names_the_sides(make_pair, tmp_path: Path):
    corpus = _corpus_in(("en", "en"), tmp_path / "enen.parquet", make_pair)
    export(corpus, tmp_path / "t")
    assert sorted(p.name for p in tmp_path.glob("t.*")) == [
        "t.export.json", "t.src.en", "t.tgt.en",
    ]  # fmt: skip
    export(corpus, tmp_path / "j", fmt="jsonl")
    first = json.loads((tmp_path / "j.jsonl").read_text("utf-8").splitlines()[0])
    assert first["translation"] == {"src.en": "Der Hund bellt.", "tgt.en": "Le chien aboie."}


def test_a_side_in_several_languages_is_named_src_or_tgt(make_pair, tmp_path: Path) -> None:
    # the en_* side holds German and French documents: never named "en" (the role)
    en, ko = ["Der Hund bellt.", "Es regnet."], ["개가 짖는다.", "비가 온다."]
    beads = [Bead((0,), (0,), 0.9, 0.2), Bead((1,), (1,), 0.8, 0.1)]
    results = [
        make_pair(
            pid, en, ko, beads,
            en_doc=Document(f"{pid}-a", lang, " ".join(en)),
            ko_doc=Document(f"{pid}-b", "ko", " ".join(ko)),
        )
        for pid, lang in (("p1", "de"), ("p2", "fr"))
    ]  # fmt: skip
    corpus = write_corpus(tmp_path / "mixed.parquet", results, metadata={})
    export(corpus, tmp_path / "t")
    assert sorted(p.name for p in tmp_path.glob("t.*")) == ["t.export.json", "t.ko", "t.src"]
    assert json.loads((tmp_path / "t.export.json").read_text("utf-8"))["languages"] == [
        "mul", "ko",
    ]  # fmt: skip
    export(corpus, tmp_path / "j", fmt="jsonl")
    first = json.loads((tmp_path / "j.jsonl").read_text("utf-8").splitlines()[0])
    assert first["translation"] == {"src": "Der Hund bellt.", "ko": "개가 짖는다."}
    export(corpus, tmp_path / "x", fmt="tmx")
    tuvs = ET.parse(tmp_path / "x.tmx").getroot().findall("body/tu")[0].findall("tuv")
    assert [t.get(XML_LANG) for t in tuvs] == ["ko", "mul"]
