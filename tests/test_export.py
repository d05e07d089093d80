from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import write_corpus
from aligner.errors import InputError, OutputExistsError
from aligner.export import ExportFilter, export
from aligner.types import Bead, PairResult


@pytest.fixture
def pair(make_pair: Callable[..., PairResult]) -> Callable[..., PairResult]:
    def build(pid: str, n: int, first: tuple[str, str] | None = None) -> PairResult:
        """n sentences a side, beads 1-1 but for an English-only tail; ``first`` replaces
        the first sentence pair."""
        en = [f"English sentence {k} of {pid}." for k in range(n)]
        ko = [f"{pid}의 {k}번째 문장." for k in range(n)]
        if first is not None:
            en[0], ko[0] = first
        beads = [Bead((k,), (k,), 0.5 + 0.1 * (k % 4), 0.02 * k) for k in range(n - 1)]
        beads.append(Bead((n - 1,), ()))  # an English-only tail
        return make_pair(pid, en, ko, beads, en_id=f"{pid}e", ko_id=f"{pid}k")

    return build


def _tsv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator="\t", infer_schema=False)


@pytest.fixture()
def corpus(pair, tmp_path: Path) -> Path:
    pairs = [pair(f"a{i}", 5) for i in range(20)]
    return write_corpus(tmp_path / "c.parquet", pairs, metadata={})


def test_text_export_is_line_aligned_and_skips_one_sided_beads(
    corpus: Path, tmp_path: Path
) -> None:
    counts = export(corpus, tmp_path / "out")
    assert counts.splits == {"": 20 * 4} and counts.repeated == 0
    en = (tmp_path / "out.en").read_text(encoding="utf-8").splitlines()
    ko = (tmp_path / "out.ko").read_text(encoding="utf-8").splitlines()
    assert len(en) == len(ko) == 80
    assert en[0] == "English sentence 0 of a0." and ko[0] == "a0의 0번째 문장."


def test_filters_on_kind_score_and_margin(corpus: Path, tmp_path: Path) -> None:
    keep = ExportFilter(kinds=("1-1",), min_score=0.65, min_margin=0.03)
    export(corpus, tmp_path / "f", fmt="jsonl", keep=keep)
    rows = [json.loads(x) for x in (tmp_path / "f.jsonl").read_text("utf-8").splitlines()]
    # bead k has score .5+.1*(k%4) and margin .02*k: only k=2 and k=3 pass both
    assert {r["translation"]["en"].split()[2] for r in rows} == {"2", "3"}
    assert all(r["kind"] == "1-1" and r["score"] >= 0.65 for r in rows)


def test_split_keeps_each_article_on_one_side(corpus: Path, tmp_path: Path) -> None:
    counts = export(corpus, tmp_path / "s", fmt="tsv", test_fraction=0.3, seed=1).splits
    assert counts["train"] + counts["test"] == 80 and counts["test"] > 0
    sides = {}
    for split in ("train", "test"):
        for pid in _tsv(tmp_path / f"s.{split}.tsv")["pair_id"]:
            sides.setdefault(pid, set()).add(split)
    assert all(len(s) == 1 for s in sides.values())
    again = export(corpus, tmp_path / "t", fmt="tsv", test_fraction=0.3, seed=1)
    assert again.splits == counts and again.repeated == 0


def test_existing_output_and_bad_arguments(corpus: Path, tmp_path: Path) -> None:
    export(corpus, tmp_path / "x")
    before = (tmp_path / "x.en").read_bytes()
    with pytest.raises(OutputExistsError, match="--overwrite"):
        export(corpus, tmp_path / "x")
    assert (tmp_path / "x.en").read_bytes() == before
    with pytest.raises(InputError, match="unknown format"):
        export(corpus, tmp_path / "y", fmt="xml")
    with pytest.raises(InputError, match="out of range"):
        export(corpus, tmp_path / "y", test_fraction=1.5)
    with pytest.raises(InputError, match="no such corpus file"):
        export(tmp_path / "missing.parquet", tmp_path / "y")
    assert not list(tmp_path.glob("y*")) and not list(tmp_path.glob(".y*"))


def test_export_command(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["export", str(corpus), str(tmp_path / "c"), "--kinds", "1-1", "--test-fraction", "0.5"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("train: ")
    assert (tmp_path / "c.test.en").exists() and (tmp_path / "c.train.ko").exists()


def test_unique_keeps_the_first_of_repeated_pairs(pair, tmp_path: Path) -> None:
    first = pair("b0", 4)
    # b1 repeats b0's first pair word for word (a stock caption, say); its others differ
    repeat = pair("b1", 4, first=(first.en_sents[0].text, first.ko_sents[0].text))
    path = write_corpus(tmp_path / "r.parquet", [first, repeat], metadata={})
    plain = export(path, tmp_path / "all", fmt="tsv")
    assert plain.splits == {"": 6} and plain.repeated == 0
    once = export(path, tmp_path / "once", fmt="tsv", keep=ExportFilter(unique=True))
    assert once.splits == {"": 5} and once.repeated == 1
    rows = _tsv(tmp_path / "once.tsv")
    assert rows["pair_id"].to_list() == ["b0", "b0", "b0", "b1", "b1"]
    assert rows.select("en_text", "ko_text").n_unique() == 5
    result = CliRunner().invoke(
        app, ["export", str(path), str(tmp_path / "cli"), "--kinds", "1-1", "--unique"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "all: 5 sentence pairs",
        "repeated sentence pairs dropped: 1",
    ]


def test_skip_doubtful_leaves_out_pairs_that_look_wrong(pair, tmp_path: Path) -> None:
    from dataclasses import replace

    good = pair("good", 5)
    wrong = pair("wrong", 5)  # as if paired with another article: every link weak
    wrong = replace(wrong, beads=tuple(replace(b, score=0.2) if b.ko else b for b in wrong.beads))
    path = write_corpus(tmp_path / "d.parquet", [good, wrong], metadata={})
    kept = export(path, tmp_path / "all", fmt="tsv")
    assert kept.splits == {"": 8} and kept.doubtful == ()
    clean = export(path, tmp_path / "clean", fmt="tsv", keep=ExportFilter(skip_doubtful=True))
    assert clean.splits == {"": 4} and clean.doubtful == ("wrong",)
    ids = set(_tsv(tmp_path / "clean.tsv")["pair_id"])
    assert ids == {"good"}
    result = CliRunner().invoke(app, ["export", str(path), str(tmp_path / "c"), "--skip-doubtful"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "all: 4 sentence pairs",
        "doubtful article pairs left out: 1 (wrong)",
    ]


def test_every_export_records_where_it_came_from(corpus: Path, tmp_path: Path) -> None:
    keep = ExportFilter(kinds=("1-1",), min_margin=0.03, unique=True)
    counts = export(corpus, tmp_path / "e", keep=keep, test_fraction=0.3, seed=1)
    record = json.loads((tmp_path / "e.export.json").read_text(encoding="utf-8"))
    assert record["corpus"] == str(corpus)
    assert record["filters"] == {
        "kinds": ["1-1"], "min_score": None, "min_margin": 0.03, "min_prob": None,
        "unique": True, "skip_doubtful": False,
    }  # fmt: skip
    assert record["rows"] == {"train": counts.splits["train"], "test": counts.splits["test"]}
    assert record["files"] == {
        "train": ["e.train.en", "e.train.ko"],
        "test": ["e.test.en", "e.test.ko"],
    }
    assert (record["test_fraction"], record["seed"], record["format"]) == (0.3, 1, "text")
    with pytest.raises(OutputExistsError):
        export(corpus, tmp_path / "e", keep=keep, test_fraction=0.3, seed=1)


def _with_probs(result: PairResult, probs: list[float]) -> PairResult:
    from dataclasses import replace

    beads = [
        replace(b, prob=probs[k % len(probs)]) if b.en and b.ko else replace(b, prob=0.99)
        for k, b in enumerate(result.beads)
    ]
    return replace(result, beads=tuple(beads))


def test_min_prob_keeps_likely_beads_and_prints_the_precision_to_expect(
    pair, tmp_path: Path
) -> None:
    pairs = [_with_probs(pair(f"p{i}", 5), [0.95, 0.6, 0.85, 0.3]) for i in range(4)]
    corpus = write_corpus(tmp_path / "c.parquet", pairs, metadata={})
    counts = export(corpus, tmp_path / "e", keep=ExportFilter(min_prob=0.8), fmt="tsv")
    got = _tsv(tmp_path / "e.tsv")
    assert counts.splits == {"": 4 * 2} and got.height == 8
    assert sorted(set(got["prob"].cast(pl.Float64))) == [0.85, 0.95]
    assert counts.expected_precision == pytest.approx(0.9)
    result = CliRunner().invoke(
        app, ["export", str(corpus), str(tmp_path / "cli"), "--min-prob", "0.9"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "all: 4 sentence pairs",
        "expected precision 0.950 (the mean probability of the sentence pairs written)",
    ]
    record = json.loads((tmp_path / "cli.export.json").read_text(encoding="utf-8"))
    assert record["filters"]["min_prob"] == 0.9


def test_min_prob_on_a_corpus_without_probabilities_is_one_clear_error(
    corpus: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="no bead probabilities"):
        export(corpus, tmp_path / "e", keep=ExportFilter(min_prob=0.5))
    result = CliRunner().invoke(
        app, ["export", str(corpus), str(tmp_path / "x"), "--min-prob", "2"]
    )
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
