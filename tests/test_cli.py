from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.corpus import read_corpus, read_documents, read_metadata
from aligner.evaluate import evaluate_paths

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_1f513c82f196d388"
EN, KO, GOLD = (Path(f"{SEED}.en.txt"), Path(f"{SEED}.ko.txt"), Path(f"{SEED}.gold"))

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("demo") / "seed.parquet"
    result = _run("align", EN, KO, "-o", out)
    assert result.exit_code == 0, result.output
    return out, result


@pytest.mark.slow
def test_align_writes_corpus_and_summary(seed_corpus) -> None:
    out, result = seed_corpus
    assert "beads by kind: 1-1" in result.stdout
    assert re.search(
        r"median score 0\.\d{3}; mean probability 0\.\d{3} \(the share of linked beads "
        r"expected exactly right\); \d+ beads below 0\.5",
        result.stdout,
    )
    assert f"wrote {out}" in result.stdout
    frame = read_corpus(out).collect()
    assert frame.height > 10
    assert set(frame["kind"].cast(pl.String)) >= {"1-1", "1-2"}
    assert read_metadata(out)["aligner.signature"].startswith("aligner:")
    scores = evaluate_paths(GOLD, out)
    assert scores.strict_f1 >= 0.9


@pytest.mark.slow
def test_existing_output_is_refused_and_left_alone(seed_corpus) -> None:
    out, _ = seed_corpus
    before = out.read_bytes()
    line = _one_error_line(_run("align", EN, KO, "-o", out))
    assert "already exists" in line and "--overwrite" in line
    assert out.read_bytes() == before


@pytest.mark.slow
def test_overwrite_replaces_output(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    out.write_text("old")
    result = _run("align", EN, KO, "-o", out, "--overwrite", "--max-bead", "3")
    assert result.exit_code == 0, result.output
    assert read_corpus(out).collect().height > 0


@pytest.mark.slow
def test_presegmented_mode(tmp_path: Path) -> None:
    en = tmp_path / "a.en.txt"
    ko = tmp_path / "a.ko.txt"
    en.write_text("The train is still parked.\nNo cargo has entered.\n", encoding="utf-8")
    ko.write_text("열차는 아직 서 있다.\n화물은 들어가지 않았다.\n", encoding="utf-8")
    out = tmp_path / "a.parquet"
    result = _run("align", en, ko, "-o", out, "--presegmented")
    assert result.exit_code == 0, result.output
    frame = read_corpus(out).collect()
    assert frame["en_idx"].to_list() == [[0], [1]]
    assert frame["ko_idx"].to_list() == [[0], [1]]


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, Path, str]]:
    empty = tmp_path / "empty.ko.txt"
    empty.write_text("", encoding="utf-8")
    latin1 = tmp_path / "legacy.ko.txt"
    latin1.write_bytes("첫 줄\n".encode() + "둘째 줄\n".encode("cp949"))
    return {
        "missing": (EN, tmp_path / "nope.ko.txt", "nope.ko.txt"),
        "empty": (EN, empty, "empty.ko.txt"),
        "not utf-8": (EN, latin1, "legacy.ko.txt:2"),
        "english as korean": (EN, EN, "expected Korean text"),
        "korean as english": (KO, KO, "expected English text"),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", ["missing", "empty", "not utf-8", "english as korean", "korean as english"]
)
def test_bad_input_is_one_line_and_no_output(tmp_path: Path, case: str) -> None:
    en, ko, expected = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out.parquet"
    line = _one_error_line(_run("align", en, ko, "-o", out))
    assert expected in line
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_segment_tsv_offsets_slice_the_cleaned_text() -> None:
    result = _run("segment", EN, "--lang", "en", "--format", "tsv")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:]]
    assert len(rows) == 14  # the Daily NK recipe takes the caption out
    assert rows[0][0] == "0" and rows[0][1] == "0"
    assert all(int(r[2]) < int(r[3]) for r in rows)
    assert not any("Read in Korean" in r[4] for r in rows)


def test_segment_rejects_unknown_format() -> None:
    line = _one_error_line(_run("segment", EN, "--lang", "en", "--format", "xml"))
    assert "xml" in line


def test_evaluate_gold_against_itself() -> None:
    result = _run("evaluate", GOLD, GOLD)
    assert result.exit_code == 0, result.output
    assert re.search(r"strict\s+1\.0000\s+1\.0000\s+1\.0000", result.stdout)


def test_evaluate_bad_gold_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gold"
    bad.write_text("[0]:[0]\nnot a link\n", encoding="utf-8")
    line = _one_error_line(_run("evaluate", bad, GOLD))
    assert "bad.gold:2" in line


def test_every_command_and_option_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"aligner {name}" in readme, f"command {name} is not in the README"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"option {opt} of {name} is not in the README"


def _seed_collections(tmp_path: Path, en_name: str, ko_name: str) -> tuple[Path, Path]:
    """Folders ``en/`` and ``ko/`` holding the sample pair under the names given."""
    en_dir, ko_dir = tmp_path / "en", tmp_path / "ko"
    en_dir.mkdir()
    ko_dir.mkdir()
    (en_dir / f"{en_name}.en.txt").write_bytes(EN.read_bytes())
    (ko_dir / f"{ko_name}.ko.txt").write_bytes(KO.read_bytes())
    return en_dir, ko_dir


@pytest.mark.slow
def test_collections_are_paired_by_id_and_unpaired_articles_are_reported(tmp_path: Path) -> None:
    en_dir, ko_dir = _seed_collections(tmp_path, "seed", "seed")
    (en_dir / "short.en.txt").write_text(
        "The border has been closed since January.\n\nTrade has not resumed.\n", encoding="utf-8"
    )
    (ko_dir / "short.ko.txt").write_text(
        "국경은 1월부터 닫혀 있다.\n\n무역은 재개되지 않았다.\n", encoding="utf-8"
    )
    (en_dir / "orphan.en.txt").write_text("This article has no original at all.\n", "utf-8")
    (ko_dir / "lonely.ko.txt").write_text("이 기사는 영어로 번역되지 않았다.\n", "utf-8")
    out = tmp_path / "batch.parquet"
    result = _run("align", en_dir, ko_dir, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "article pairs: 2 aligned, 0 failed; 1 English articles without an original, "
        "1 Korean articles unused"
    )
    frame = read_corpus(out).collect()
    assert set(frame["pair_id"]) == {"seed", "short"}
    short = frame.filter(pl.col("pair_id") == "short")
    assert short["en_idx"].to_list() == [[0], [1]]
    docs = read_documents(out)
    status = dict(zip(docs["doc_id"], docs["status"], strict=True))
    assert status == {
        "seed": "aligned",
        "short": "aligned",
        "orphan": "unpaired",
        "lonely": "unpaired",
    }
    orphan = docs.filter(pl.col("doc_id") == "orphan")
    # the leftovers were compared by content too, and refused
    assert orphan["reason"][0].startswith("no original found by content (best match 'lonely'")
    linked = tmp_path / "linked.parquet"
    assert _run("align", en_dir, ko_dir, "-o", linked, "--pair", "link").exit_code == 0
    orphan = read_documents(linked).filter(pl.col("doc_id") == "orphan")
    assert orphan["reason"][0] == "no Korean article with id 'orphan'"
    assert "|pair:link" in read_metadata(linked)["aligner.signature"]


@pytest.mark.slow
def test_collections_without_ids_in_common_are_paired_by_content(tmp_path: Path) -> None:
    en_dir, ko_dir = _seed_collections(tmp_path, "2024-border", "20240117-0042")
    (en_dir / "typhoon.en.txt").write_text(
        "A typhoon hit Jeju Island on Tuesday.\n\nFlights were cancelled.\n", "utf-8"
    )
    out = tmp_path / "c.parquet"
    result = _run("align", en_dir, ko_dir, "-o", out, "--pair", "content")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "article pairs: 1 aligned, 0 failed; 1 English articles without an original, "
        "0 Korean articles unused"
    )
    assert read_corpus(out).collect()["pair_id"].unique().to_list() == [
        "2024-border__20240117-0042"
    ]
    bad = _run("align", en_dir, ko_dir, "-o", tmp_path / "x.parquet", "--pair", "fuzzy")
    assert bad.exit_code == 1
    assert "unknown --pair 'fuzzy'" in bad.stderr
    assert not (tmp_path / "x.parquet").exists()


@pytest.mark.slow
def test_jsonl_collections_pair_by_original_url(tmp_path: Path) -> None:
    import json

    en = tmp_path / "en.jsonl"
    ko = tmp_path / "ko.jsonl"
    en.write_text(
        json.dumps(
            {
                "id": "e1",
                "text": "Freight trains have not crossed the border. Trade is still closed.",
                "original_url": "https://example.org/ko/77",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    ko.write_text(
        json.dumps(
            {
                "id": "k77",
                "url": "https://example.org/ko/77",
                "text": "화물열차는 국경을 넘지 않았다. 무역은 여전히 닫혀 있다.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "j.parquet"
    result = _run("align", en, ko, "-o", out)
    assert result.exit_code == 0, result.output
    frame = read_corpus(out).collect()
    assert frame["pair_id"].unique().to_list() == ["e1__k77"]
    assert frame["kind"].cast(pl.String).to_list() == ["1-1", "1-1"]


@pytest.mark.slow
def test_text_files_pair_by_their_read_in_korean_links(tmp_path: Path) -> None:
    import json

    en_dir = tmp_path / "en"
    en_dir.mkdir()
    (en_dir / "trains.en.txt").write_text(
        "Freight trains have not crossed the border.\n\nTrade is still closed.\n\n"
        "[Read in Korean](http://www.example.org/ko/77/)\n",
        encoding="utf-8",
    )
    (en_dir / "rain.en.txt").write_text(
        "Heavy rain fell in Seoul.\n\nRead in Korean: https://example.org/ko/78\n",
        encoding="utf-8",
    )
    rows = [
        {"id": "k78", "url": "https://example.org/ko/78", "text": "서울에 폭우가 내렸다."},
        {
            "id": "k77",
            "url": "https://example.org/ko/77",
            "text": "화물열차는 국경을 넘지 않았다.\n\n무역은 여전히 닫혀 있다.",
        },
    ]
    ko = tmp_path / "ko.jsonl"
    ko.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "l.parquet"
    result = _run("align", en_dir, ko, "-o", out, "--pair", "link")
    assert result.exit_code == 0, result.output
    assert (
        "article pairs: 2 aligned, 0 failed; 0 English articles without an original"
        in result.stdout
    )
    frame = read_corpus(out).collect()
    assert sorted(frame["pair_id"].unique()) == ["rain__k78", "trains__k77"]
    assert "Korean" not in " ".join(frame["en_text"])  # the link lines are furniture
    docs = read_documents(out).filter(pl.col("role") == "en").sort("doc_id")
    assert docs["original_url"].to_list() == [
        "https://example.org/ko/78",
        "http://www.example.org/ko/77/",
    ]


@pytest.mark.slow
def test_korean_text_files_pair_by_their_links_to_the_english_version(tmp_path: Path) -> None:
    import json

    en = tmp_path / "en.jsonl"
    en.write_text(
        json.dumps({"id": "e5", "url": "https://example.org/en/5", "text": "Heavy rain fell."}),
        encoding="utf-8",
    )
    ko_dir = tmp_path / "ko"
    ko_dir.mkdir()
    (ko_dir / "k5.ko.txt").write_text(
        "폭우가 내렸다.\n\n[영문 기사 보기](https://www.example.org/en/5/)\n", encoding="utf-8"
    )
    out = tmp_path / "r.parquet"
    result = _run("align", en, ko_dir, "-o", out, "--pair", "link")
    assert result.exit_code == 0, result.output
    assert read_corpus(out).collect()["pair_id"].unique().to_list() == ["e5__k5"]
    ko_doc = read_documents(out).filter(pl.col("role") == "ko")
    assert ko_doc["translation_url"].to_list() == ["https://www.example.org/en/5/"]


def test_align_with_a_local_sentence_transformers_model(
    tiny_st_model: Path, tmp_path: Path
) -> None:
    en = tmp_path / "a.en.txt"
    ko = tmp_path / "a.ko.txt"
    en.write_text("The train is still parked.\nNo cargo has entered.\n", encoding="utf-8")
    ko.write_text("열차는 아직 서 있다.\n화물은 들어가지 않았다.\n", encoding="utf-8")
    out = tmp_path / "a.parquet"
    args = ["align", en, ko, "-o", out, "--presegmented", "--model", tiny_st_model]
    result = _run(*args, "--device", "cpu", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert read_metadata(out)["aligner.encoder"].startswith("st:")
    assert read_corpus(out).collect().height >= 2


def test_unknown_device_is_one_error_line(tiny_st_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    line = _one_error_line(
        _run("align", EN, KO, "-o", out, "--model", tiny_st_model, "--device", "tpu")
    )
    assert "tpu" in line
    assert not out.exists()


@pytest.mark.slow
def test_cache_makes_a_rerun_encode_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aligner.embed import USEEncoder

    cache = tmp_path / "cache"
    first = _run("align", EN, KO, "-o", tmp_path / "a.parquet", "--cache", cache)
    assert first.exit_code == 0, first.output
    computed = int(re.search(r"embeddings: (\d+) computed, 0 from the cache", first.stdout)[1])
    assert computed >= 30  # 14 English and 16 Korean sentences, plus any merged groups

    def refuse(self, texts):
        raise AssertionError(f"encoded {len(texts)} texts despite the cache")

    monkeypatch.setattr(USEEncoder, "encode", refuse)
    monkeypatch.setenv("ALIGNER_CACHE", str(cache))
    again = _run("align", EN, KO, "-o", tmp_path / "b.parquet", "--max-bead", "4")
    assert again.exit_code == 0, again.output
    assert "embeddings: 0 computed" in again.stdout
    a = read_corpus(tmp_path / "a.parquet").collect()
    b = read_corpus(tmp_path / "b.parquet").collect()
    assert a.select("en_idx", "ko_idx", "score").equals(b.select("en_idx", "ko_idx", "score"))


@pytest.mark.slow
def test_cache_that_is_a_file_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("not a folder")
    out = tmp_path / "out.parquet"
    line = _one_error_line(_run("align", EN, KO, "-o", out, "--cache", tmp_path / "cache"))
    assert "not a folder" in line
    assert not out.exists()


@pytest.mark.slow
def test_max_days_pairs_within_the_date_window(tmp_path: Path) -> None:
    import json

    def write(path: Path, records: list[dict]) -> None:
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    en, ko = tmp_path / "en.jsonl", tmp_path / "ko.jsonl"
    story = "화물열차는 국경을 넘지 않았다. 무역은 여전히 닫혀 있다. 상인들은 배로 물건을 보낸다."
    write(en, [{
        "id": "rail-2021", "date": "2021-05-14",
        "text": "Freight trains have not crossed the border. Trade is still closed. "
        "Traders ship their goods by boat.",
    }])  # fmt: skip
    write(ko, [
        {"id": "rail-2020", "date": "2020-05-20", "text": story},
        {"id": "rail-2021-ko", "date": "2021-05-13", "text": story},
    ])  # fmt: skip
    out = tmp_path / "w.parquet"
    result = _run("align", en, ko, "-o", out, "--pair", "content", "--max-days", "7")
    assert result.exit_code == 0, result.output
    assert read_corpus(out).collect()["pair_id"].unique().to_list() == ["rail-2021__rail-2021-ko"]
    docs = read_documents(out)
    assert docs.filter(pl.col("doc_id") == "rail-2020")["status"].to_list() == ["unpaired"]
    assert read_metadata(out)["aligner.signature"].endswith("|pair:content|days:7")

    write(ko, [{"id": "k", "date": "13.05.2021", "text": story}])
    line = _one_error_line(_run("align", en, ko, "-o", tmp_path / "x.parquet", "--max-days", "7"))
    assert f"{ko}:1: date '13.05.2021' of article 'k' is not an ISO 8601 date" in line
    assert "YYYY-MM-DD" in line and not (tmp_path / "x.parquet").exists()


@pytest.mark.slow
def test_a_wrong_pairing_is_named_in_the_summary(tmp_path: Path) -> None:
    en_dir, ko_dir = _seed_collections(tmp_path, "seed", "seed")
    (en_dir / "bank.en.txt").write_text(
        "The central bank raised its interest rate by half a point on Thursday.\n\n"
        "Inflation has stayed above four percent for a year.\n\nMarkets had expected it.\n",
        encoding="utf-8",
    )
    (ko_dir / "bank.ko.txt").write_text(
        "목요일 태풍이 제주도를 강타했다.\n\n항공편이 모두 결항되었다.\n\n학교는 문을 닫았다.\n",
        encoding="utf-8",
    )
    out = tmp_path / "m.parquet"
    result = _run("align", en_dir, ko_dir, "-o", out)
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stdout.splitlines() if "doubtful" in x]
    assert len(lines) == 1
    assert re.match(
        r"1 doubtful article pairs \(mean (score below 0\.5|probability below 0\.3) .*\): "
        r"bank \(0\.\d\d, ",
        lines[0],
    )
    assert "seed" not in lines[0] and f"aligner report {out} --order worst" in lines[0]


@pytest.mark.slow
def test_a_page_cut_short_is_named_in_the_summary(tmp_path: Path) -> None:
    """The Korean page stops mid-sentence, three paragraphs in: the summary names the
    pair, and the English sentences past the cut are left unaligned."""
    from aligner.corpus import read_corpus
    from aligner.quality import cut_sides

    en_dir, ko_dir = _seed_collections(tmp_path, "seed", "seed")
    ko = KO.read_text(encoding="utf-8")
    (en_dir / "cut.en.txt").write_bytes(EN.read_bytes())
    (ko_dir / "cut.ko.txt").write_text(ko[: ko.index("지금까지") + 4], encoding="utf-8")
    out = tmp_path / "c.parquet"
    result = _run("align", en_dir, ko_dir, "-o", out)
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stdout.splitlines() if "mid-sentence" in x]
    assert lines == [
        "1 article pairs stop mid-sentence (a page cut short?): cut (Korean); the other "
        "side's sentences past the cut are left unaligned"
    ]
    beads = read_corpus(out).collect()
    assert cut_sides(beads).rows() == [("cut", "ko")]
    cut = beads.filter(pl.col("pair_id") == "cut").sort("bead")
    linked = cut.filter(pl.col("ko_idx").list.len() > 0)
    # the cut sentence is the last Korean one; no English after its bead is linked
    after = cut.filter(pl.col("bead") > linked["bead"].max())
    assert after.height > 3 and (after["ko_idx"].list.len() == 0).all()


@pytest.mark.slow
def test_resume_after_an_interruption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aligner import pipeline

    en_dir, ko_dir = _seed_collections(tmp_path, "seed", "seed")
    (en_dir / "short.en.txt").write_text("The border is closed.\n\nTrade has not resumed.\n")
    (ko_dir / "short.ko.txt").write_text("국경은 닫혀 있다.\n\n무역은 재개되지 않았다.\n")
    monkeypatch.setattr(pipeline, "PART_PAIRS", 1)
    real_save = pipeline.SavedJob.save
    calls = []

    def save_then_stop(self, items):
        calls.append(len(items))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_save(self, items)

    monkeypatch.setattr(pipeline.SavedJob, "save", save_then_stop)
    out = tmp_path / "r.parquet"
    stopped = _run("align", en_dir, ko_dir, "-o", out, "--resume")
    assert stopped.exit_code == 130
    assert f"finished pairs are saved in {out}.parts" in stopped.stderr
    assert not out.exists() and (tmp_path / "r.parquet.parts" / "part-00000.parquet").exists()

    monkeypatch.setattr(pipeline.SavedJob, "save", real_save)
    plain = _run("align", en_dir, ko_dir, "-o", tmp_path / "p.parquet")
    assert plain.exit_code == 0, plain.output  # another output, no saved job in its way
    refused = _run("align", en_dir, ko_dir, "-o", out)
    assert "unfinished job" in _one_error_line(refused) and "--resume" in refused.stderr
    resumed = _run("align", en_dir, ko_dir, "-o", out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "article pairs: 2 aligned, 0 failed" in resumed.stdout
    assert not (tmp_path / "r.parquet.parts").exists()
    frame = read_corpus(out).collect()
    assert frame["pair_id"].unique(maintain_order=True).to_list() == ["seed", "short"]
    fresh = read_corpus(tmp_path / "p.parquet").collect()
    # the same beads; scores agree to float precision (encoder batches differ in padding)
    assert frame.drop("score", "margin").equals(fresh.drop("score", "margin"))
    for column in ("score", "margin"):
        assert (frame[column] - fresh[column]).abs().max() < 1e-5


def test_the_output_may_not_be_an_input(tmp_path: Path) -> None:
    en = tmp_path / "en.parquet"
    en.write_bytes(b"not really parquet")
    line = _one_error_line(_run("align", en, KO, "-o", en, "--overwrite"))
    assert "the output is one of the inputs" in line
    assert en.read_bytes() == b"not really parquet"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", "ray"])
def test_workers_write_the_same_corpus(
    backend: str, request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aligner import pipeline

    if backend == "ray":
        request.getfixturevalue("ray_cluster")
    en_dir, ko_dir = _seed_collections(tmp_path, "seed", "seed")
    (en_dir / "short.en.txt").write_text("The border is closed.\n\nTrade has not resumed.\n")
    (ko_dir / "short.ko.txt").write_text("국경은 닫혀 있다.\n\n무역은 재개되지 않았다.\n")
    monkeypatch.setattr(pipeline, "WORKER_PAIRS", 1)  # one task per pair, two processes
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    cache = tmp_path / "cache"
    first = _run("align", en_dir, ko_dir, "-o", one, "--cache", cache)
    assert first.exit_code == 0, first.output
    computed = int(re.search(r"embeddings: (\d+) computed, 0 from", first.stdout)[1])
    result = _run(
        "align", en_dir, ko_dir, "-o", two, "--workers", "2", "--backend", backend,
        "--cache", cache,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "article pairs: 2 aligned, 0 failed" in result.stdout
    # the workers' cache counts reach the summary: all served, none computed again
    served = int(re.search(r"embeddings: 0 computed, (\d+) from the cache", result.stdout)[1])
    assert served >= computed
    a, b = read_corpus(one).collect(), read_corpus(two).collect()
    assert a.drop("score", "margin").equals(b.drop("score", "margin"))
    assert (a["score"] - b["score"]).abs().max() < 1e-5


def test_unknown_backend_is_one_error_line(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    line = _one_error_line(_run("align", EN, KO, "-o", out, "--backend", "dask"))
    assert "unknown --backend 'dask'" in line and "local, ray" in line
    assert not out.exists()


def test_report_heatmap_with_another_model_says_so(
    seed_corpus, tiny_st_model: Path, tmp_path: Path
) -> None:
    corpus, _ = seed_corpus
    page = tmp_path / "r.html"
    result = _run("report", corpus, "-o", page, "--heatmap", "--model", tiny_st_model)
    assert result.exit_code == 0, result.output
    assert "note: the heatmap uses st:" in result.stderr and "usem3@" in result.stderr
    assert page.read_text(encoding="utf-8").count("similarity heatmap") == 1
