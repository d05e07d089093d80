"""A run and its batch jobs: many pairs aligned into one corpus, in this process or by
the workers of a backend (``aligner.backends``: processes, Ray actors), with progress
saved beside the output (``aligner.saved``) and the output owned by the job
(``aligner.jobs``).

Every job holds the lock of ``aligner.jobs`` on its output from start to end, and
removes the temporary files that killed jobs left there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from aligner.backends import BACKENDS, Backend, InProcess, backend_for
from aligner.corpus import SIGNATURE_KEY, CorpusWriter
from aligner.errors import InputError, check_choice
from aligner.files import check_output
from aligner.jobs import OutputLock, remove_stale_temps
from aligner.pair_flow import Aligner, Prepared
from aligner.saved import SavedJob, add_item, pair_hash, parts_dir
from aligner.types import PairFailure, Pairing, PairResult, PairTask

if TYPE_CHECKING:
    from aligner.quality import CorpusSummary
    from aligner.table import Committed, Plan

log = logging.getLogger(__name__)

PART_PAIRS = 64  # pairs per saved part: one encoding batch of Aligner.align_many
WORKER_PAIRS = 16  # pairs per task sent to a worker process or Ray actor


@dataclass(frozen=True, slots=True)
class CacheCounts:
    """Texts the encoders sent to their model, and texts their caches served."""

    computed: int = 0
    cached: int = 0

    def __add__(self, other: CacheCounts) -> CacheCounts:
        return CacheCounts(self.computed + other.computed, self.cached + other.cached)


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


def write_table_run(
    aligner: Aligner,
    pairing: Pairing,
    folder: str | Path,
    *,
    metadata: dict[str, str],
    append: bool = False,
    overwrite: bool = False,
    min_score: float = 0.5,
    **batch: object,
) -> tuple[Plan, Committed, CorpusSummary | None]:
    """One run into the corpus folder ``folder`` (see ``aligner.table``): the pairs that
    are new or changed are aligned into a staging corpus file (with ``write_batch``, so
    workers, Ray and ``resume`` work as for a file), then committed as one version.

    Returns what the run planned, what it committed, and the summary of the pairs it
    aligned (None when it aligned none).
    """
    import time

    from aligner import table
    from aligner.corpus import read_corpus, read_documents
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
    if run.pairs or run.unpaired_en or run.unpaired_ko:
        todo = replace(pairing, pairs=run.pairs, unpaired_en=run.unpaired_en,
                       unpaired_ko=run.unpaired_ko)  # fmt: skip
        write_batch(aligner, todo, staged, metadata=metadata, overwrite=True, **batch)  # type: ignore[arg-type]
        summary = summarize(read_corpus(staged).collect(), read_documents(staged), min_score)
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
    done = table.commit(root, run, meta, replace_all=overwrite and not append)
    staged.unlink(missing_ok=True)
    return run, done, summary
