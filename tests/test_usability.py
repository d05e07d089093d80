"""What a new user meets first: help and version flags, choices in --help, python -m
aligner, every input form honouring --presegmented and --no-clean, files of any extension,
the API cleaning like the CLI, unique pair ids, evaluate --pair, the progress display and
logging through rich."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from aligner import __version__, cli, terminal
from aligner.cli import app
from aligner.corpus import read_corpus, read_documents
from aligner.errors import AlignerError

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_1f513c82f196d388"
EN, KO, GOLD = (Path(f"{SEED}.en.txt"), Path(f"{SEED}.ko.txt"), Path(f"{SEED}.gold"))

runner = CliRunner()


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


# ------------------------------------------------------------------ flags and help

COMMANDS = ("align", "segment", "evaluate", "export", "report", "review")


@pytest.mark.parametrize("command", (None, *COMMANDS))
def test_h_is_help_everywhere(command: str | None) -> None:
    args = [command, "-h"] if command else ["-h"]
    result = _run(*args)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout and "--help" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["-V"],
        # export's --version N picks a version of a corpus folder; -V still prints aligner's
        *([c, "--version"] for c in COMMANDS if c != "export"),
        *([c, "-V"] for c in COMMANDS),
    ],
)
def test_version_before_or_after_the_command(args: list[str]) -> None:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"aligner {__version__}"


@pytest.mark.parametrize(
    ("command", "option", "choices"),
    [
        ("align", "--pair", ("auto", "link", "content")),
        ("align", "--backend", ("local", "ray")),
        ("segment", "--format", ("text", "tsv", "jsonl")),
        ("export", "--format", ("text", "tsv", "jsonl", "tmx", "links")),
        ("report", "--order", ("corpus", "worst")),
    ],
)
def test_fixed_choice_options_show_their_choices(command, option, choices) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if f" {option} " in x)
    assert "[" + "|".join(choices) + "]" in line


def test_the_choices_shown_are_those_the_library_takes() -> None:
    from aligner.export import FORMATS
    from aligner.pairing import PAIRING_MODES
    from aligner.pipeline import BACKENDS
    from aligner.report import ORDERS

    assert set(cli.PAIR_CHOICES) == set(PAIRING_MODES)
    assert set(cli.BACKEND_CHOICES) == set(BACKENDS)
    assert set(cli.EXPORT_FORMAT_CHOICES) == set(FORMATS)
    assert set(cli.ORDER_CHOICES) == set(ORDERS)


@pytest.mark.slow
def test_python_m_aligner_runs_the_command_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["--version"], ["segment", str(EN), "--lang", "en"]):
        done = subprocess.run(
            [sys.executable, "-m", "aligner", *args], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("Despite signs Sino-North Korean trade")
    helped = subprocess.run(
        [sys.executable, "-m", "aligner", "-h"], capture_output=True, text=True, env=env
    )
    assert "Usage: aligner" in helped.stdout


# ------------------------------------------------------------------ input forms

PRESEGMENTED = {
    # two sentences on one line stay one; furniture lines stay when asked
    "en": "The border is closed. Trade has not resumed.\nFreight trains wait at Dandong.\n\n"
    "Read in Korean\n*Translated by S & J\n",
    "ko": "국경은 닫혀 있다. 무역은 재개되지 않았다.\n화물열차가 단둥에서 기다리고 있다.\n\n"
    "<저작권자 ⓒ 데일리NK, 무단전재 및 재배포 금지>\n",
}
FURNITURE = {"en": ("Read in Korean", "*Translated by S & J"), "ko": ("<저작권자",)}


def _write_form(form: str, root: Path) -> tuple[Path, Path]:
    """The PRESEGMENTED pair as two files, two folders, two JSONL or two Parquet files."""
    paths = []
    for lang, text in PRESEGMENTED.items():
        if form == "files":
            path = root / f"story.{lang}"  # an extension that says nothing of the format
            path.write_text(text, encoding="utf-8")
        elif form == "folders":
            path = root / lang
            path.mkdir()
            (path / f"story.{lang}.txt").write_text(text, encoding="utf-8")
        elif form == "jsonl":
            path = root / f"{lang}.jsonl"
            path.write_text(json.dumps({"id": "story", "text": text}) + "\n", encoding="utf-8")
        else:
            path = root / f"{lang}.parquet"
            pl.DataFrame({"id": ["story"], "text": [text]}).write_parquet(path)
        paths.append(path)
    return paths[0], paths[1]


FORMS = ("files", "folders", "jsonl", "parquet")


@pytest.mark.parametrize("form", FORMS)
def test_every_input_form_honours_presegmented_and_no_clean(form: str, tmp_path: Path) -> None:
    from aligner.documents import load_side

    en, ko = _write_form(form, tmp_path)
    for path, lang in ((en, "en"), (ko, "ko")):
        cleaned = load_side(path, lang, presegmented=False, clean_furniture=True)[0].text
        assert not any(line in cleaned for line in FURNITURE[lang])
        for presegmented, clean in ((True, True), (False, False), (True, False)):
            kept = load_side(path, lang, presegmented=presegmented, clean_furniture=clean)[0].text
            assert kept.splitlines() == PRESEGMENTED[lang].rstrip("\n").splitlines()


@pytest.mark.slow
@pytest.mark.parametrize("form", ["files", "folders"])
def test_presegmented_lines_are_aligned_as_given(form: str, tmp_path: Path) -> None:
    en, ko = _write_form(form, tmp_path)
    out = tmp_path / "out.parquet"
    result = _run("align", en, ko, "-o", out, "--presegmented")
    assert result.exit_code == 0, result.output
    docs = read_documents(out)
    assert docs.filter(pl.col("role") == "en")["n_sentences"].to_list() == [4]
    assert docs.filter(pl.col("role") == "ko")["n_sentences"].to_list() == [3]
    beads = read_corpus(out).collect()
    assert "The border is closed. Trade has not resumed." in beads["en_text"].to_list()
    assert "Read in Korean" in beads["en_text"].to_list()


@pytest.mark.slow
def test_two_files_are_read_whatever_their_extension(tmp_path: Path) -> None:
    en, ko = tmp_path / "doc.en", tmp_path / "doc.ko"
    en.write_bytes(EN.read_bytes())
    ko.write_bytes(KO.read_bytes())
    out = tmp_path / "x.parquet"
    result = _run("align", en, ko, "-o", out)
    assert result.exit_code == 0, result.output
    assert "aligned 14 English and 16 Korean sentences into 14 beads" in result.stdout
    assert read_corpus(out).collect()["pair_id"].unique().to_list() == ["doc"]


# ------------------------------------------------------------------ the API


@pytest.mark.slow
def test_align_texts_removes_furniture_like_the_cli(use_encoder, tmp_path: Path) -> None:
    from aligner import Aligner, write_corpus

    al = Aligner(use_encoder)
    en_text, ko_text = EN.read_text(encoding="utf-8"), KO.read_text(encoding="utf-8")
    cleaned = al.align_texts(en_text, ko_text)
    assert len(cleaned.beads) == 14  # as `aligner align` gives on the seed
    assert "*Translated by S & J" in [r.text for r in cleaned.en_doc.removed]
    for s in cleaned.en_sents:
        assert cleaned.en_doc.text[s.start : s.end] == s.text
    raw = al.align_texts(en_text, ko_text, clean=False)
    assert len(raw.beads) == 24 and raw.en_doc.removed == ()
    # ids from the texts: another pair gets another id, the same texts the same one
    other = al.align_texts("Freight trains wait.", "화물열차가 기다린다.")
    assert cleaned.pair_id != other.pair_id
    assert cleaned.pair_id == al.align_texts(en_text, ko_text).pair_id
    assert cleaned.pair_id.startswith("en-") and "__ko-" in cleaned.pair_id
    write_corpus(tmp_path / "two.parquet", [cleaned, other], metadata=al.metadata())
    with pytest.raises(AlignerError, match=f"pair id '{cleaned.pair_id}'"):
        write_corpus(tmp_path / "dup.parquet", [cleaned, raw], metadata=al.metadata())
    assert not (tmp_path / "dup.parquet").exists()
    named = al.align_texts(en_text, ko_text, pair_id="dandong", clean=False)
    write_corpus(tmp_path / "named.parquet", [cleaned, named], metadata=al.metadata())


# ------------------------------------------------------------------ evaluate


def _bead(en: tuple[int, ...], ko: tuple[int, ...]):
    from aligner.types import Bead

    return Bead(en=en, ko=ko, score=0.9 if en and ko else None, margin=0.1 if en and ko else None)


def _corpus_of_two(path: Path) -> None:
    """Pairs ``story__ko-003`` (English document ``story``) and ``other__ko-004``, written
    without an encoder: two sentences a side, linked 1-1."""
    from aligner.corpus import write_corpus
    from aligner.segment import segment
    from aligner.types import Document, PairResult

    results = []
    for en_id, ko_id, beads in (
        ("story", "ko-003", [_bead((0,), (0,)), _bead((1,), (1,))]),
        ("other", "ko-004", [_bead((0, 1), (0,)), _bead((), (1,))]),
    ):
        en = Document(en_id, "en", "The border is closed.\n\nTrade has not resumed.")
        ko = Document(ko_id, "ko", "국경은 닫혀 있다.\n\n무역은 재개되지 않았다.")
        results.append(
            PairResult(
                pair_id=f"{en_id}__{ko_id}",
                en_doc=en,
                ko_doc=ko,
                en_sents=tuple(segment(en.text, "en", doc_id=en_id)),
                ko_sents=tuple(segment(ko.text, "ko", doc_id=ko_id)),
                beads=tuple(beads),
                doc_score=0.9,
            )
        )
    write_corpus(path, results, metadata={})


def test_evaluate_one_pair_of_a_corpus_and_gold_by_english_id(tmp_path: Path) -> None:
    corpus = tmp_path / "c.parquet"
    _corpus_of_two(corpus)
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "story.gold").write_text("[0]:[0]\n[1]:[1]\n", encoding="utf-8")
    (gold / "other.gold").write_text("[0]:[0]\n[1]:[1]\n", encoding="utf-8")

    def strict_f1(*args: object) -> float:
        result = _run("evaluate", *args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["strict_f1"]

    # the gold folder's files match the pairs by English document id
    assert 0 < strict_f1(gold, corpus) < 1
    # one pair, named by pair id or English document id, against a folder or one file
    for name in ("story__ko-003", "story"):
        assert strict_f1(gold, corpus, "--pair", name) == 1.0
        assert strict_f1(gold / "story.gold", corpus, "--pair", name) == 1.0
    assert strict_f1(gold, corpus, "--pair", "other") == 0.0
    result = _run("evaluate", gold, corpus, "--pair", "nowhere")
    assert result.exit_code == 1
    assert "no pair named 'nowhere'" in result.stderr and "story" in result.stderr


# ------------------------------------------------------------------ terminal


def _bursts(batches: int = 8, size: int = 8, encode: float = 4.0, each: float = 0.1):
    """When each pair finishes: a batch is encoded, then its pairs aligned one by one;
    the first batch also pays 10 s of compiling."""
    finish: list[float] = []
    now = 10.0
    for _batch in range(batches):
        now += encode
        for _ in range(size):
            now += each
            finish.append(now)
    return finish


def test_eta_holds_through_bursts_and_warm_up() -> None:
    """Once two batches are done, the estimate is within 25% of the real time left, give
    or take one batch's time (4.8 s), just after a pair and while a batch is encoded; a
    speed over the last seconds (what rich's own column shows) is far off."""
    finish = _bursts()
    total, end, cycle = len(finish), finish[-1], 4.8
    eta = terminal.Eta(warmup=16)
    eta.update(0, total, now=0.0)
    assert eta.seconds_left(now=5.0) is None
    checked = 0
    for done, at in enumerate(finish, start=1):
        eta.update(done, total, now=at)
        for ask in (at, at + 2.0):  # just after a pair, and while the next batch encodes
            left = eta.seconds_left(now=ask)
            if done <= 16:
                assert left is None
            elif done < total and ask < finish[done]:
                assert abs(left - (end - ask)) <= 0.25 * (end - ask) + cycle, (done, ask, left)
                checked += 1
    assert checked > 40
    # right after a burst, the last 2 s saw 8 pairs: 4 pairs/s against 1.67 on average
    done, at = 24, finish[23]
    recent = sum(1 for t in finish[:done] if t > at - 2.0) / 2.0
    assert abs((total - done) / recent - (end - at)) > 0.25 * (end - at) + cycle


def test_stages_in_order(use_encoder, tmp_path: Path, monkeypatch) -> None:
    """A batch names reading, pairing, encoding, aligning and writing, in that order."""
    from contextlib import contextmanager

    seen: list[terminal.StageDisplay] = []

    @contextmanager
    def recording(show: bool):
        seen.append(terminal.StageDisplay())
        yield seen[-1]

    monkeypatch.setattr(terminal, "stage_display", recording)
    monkeypatch.setattr("aligner.pair_flow.load_encoder", lambda *a, **k: use_encoder)
    en_dir, ko_dir = tmp_path / "en", tmp_path / "ko"
    en_dir.mkdir()
    ko_dir.mkdir()
    for k, (en, ko) in enumerate(
        [("The border is closed.", "국경은 닫혀 있다."), ("Trade resumed.", "무역이 재개됐다.")]
    ):
        (en_dir / f"s{k}.en.txt").write_text(en, encoding="utf-8")
        (ko_dir / f"s{k}.ko.txt").write_text(ko, encoding="utf-8")
    result = _run("align", en_dir, ko_dir, "-o", tmp_path / "o.parquet", "--pair", "link")
    assert result.exit_code == 0, result.output
    assert seen[0].stages == ["reading", "pairing", "encoding", "aligning", "writing"]
    assert seen[0].eta._done == seen[0].eta._total == 2


def test_logging_goes_through_rich_on_the_bar_console(monkeypatch) -> None:
    from rich.console import Console
    from rich.logging import RichHandler

    # stderr is no terminal here: plain one-line records, no wrapping
    result = _run("-v", "segment", EN, "--lang", "en")
    assert result.exit_code == 0, result.output
    ours = [h for h in logging.getLogger().handlers if getattr(h, "aligner", False)]
    assert len(ours) == 1 and not isinstance(ours[0], RichHandler)
    assert ours[0].format(logging.LogRecord("aligner.x", 30, "", 0, "m " * 80, (), None)) == (
        "WARNING aligner.x: " + "m " * 80
    )
    monkeypatch.setattr(terminal.sys.stderr, "isatty", lambda: True)
    handler = terminal.setup_logging(True)
    assert isinstance(handler, RichHandler) and handler.console is terminal.console()
    monkeypatch.undo()
    assert logging.getLogger().level == logging.INFO
    _run("segment", EN, "--lang", "en")
    assert len([h for h in logging.getLogger().handlers if getattr(h, "aligner", False)]) == 1
    assert logging.getLogger().level == logging.WARNING

    # on a terminal, a log line printed while the bar is up goes above it, whole
    import io

    screen = io.StringIO()
    monkeypatch.setattr(terminal, "_CONSOLE", Console(file=screen, force_terminal=True, width=100))
    monkeypatch.setattr(terminal.sys.stderr, "isatty", lambda: True)
    handler = terminal.setup_logging(True)
    with terminal.stage_display(True) as display:
        assert display.progress.console is terminal.console()
        display.stage("encoding")
        display.pairs(1, 4)
        logging.getLogger("aligner.test").warning("a warning while the bar is up")
        display.pairs(2, 4)
    logging.getLogger().removeHandler(handler)
    lines = [line for line in screen.getvalue().splitlines() if "a warning while" in line]
    assert lines and not any("article pairs" in line for line in lines)
    assert "aligning" in screen.getvalue()
    np.testing.assert_equal(display.stages, ["encoding", "aligning"])
