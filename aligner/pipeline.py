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
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from aligner.api import Aligner, PairFailure
from aligner.corpus import SIGNATURE_KEY, CorpusWriter, PairResult, parse_signature
from aligner.errors import InputError
from aligner.files import atomic_text_files, check_output
from aligner.pairing import Pairing
from aligner.types import Document

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


def _work(
    task: tuple[list[tuple[str, Document, Document]], bool],
) -> list[PairResult | PairFailure]:
    pairs, presegmented_input = task
    assert _WORKER is not None
    return list(_WORKER.align_many(pairs, presegmented_input=presegmented_input))


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
    tasks = [
        (pairs[k : k + WORKER_PAIRS], presegmented_input)
        for k in range(0, len(pairs), WORKER_PAIRS)
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(aligner, workers)
    ) as pool:
        for results in pool.map(_work, tasks):
            yield from results


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
    workers: int = 1,
) -> None:
    """Align every pair of ``pairing`` into the corpus ``output``, with the unpaired
    articles in its documents table.

    With ``resume``, progress is saved part by part beside the output and pairs that an
    earlier run with the same signature saved are not aligned again. Without it, a
    folder of saved progress is an error rather than silently ignored. ``progress(done,
    total)`` is called after each pair (pairs saved earlier count as done). With
    ``workers`` above 1, pairs are segmented, encoded and aligned by that many processes,
    each with a copy of ``aligner`` and its share of the CPUs; the corpus is the same.
    """
    if workers < 1:
        raise InputError(f"workers must be at least 1 (got {workers})", fix="give 1 or more")
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
    if workers > 1 and len(todo) > WORKER_PAIRS:
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
