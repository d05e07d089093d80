"""Saved progress of a resumable batch job, part by part.

A job that writes ``OUT.parquet`` with saving on keeps its finished pairs in
``OUT.parquet.parts/``: one small corpus file per batch of pairs (``part-00000.parquet``,
...) and a manifest, ``job.json``, that lists the parts, the pairs in each with a hash
of their content (``pair_hash``), and the signature of the run. A part is written whole
before the manifest names it, so a crash loses at most the batch in progress. Rerun with
the same settings, the job first checks the saved parts (a part missing or unreadable
has its pairs aligned again) and the saved pairs (one whose articles changed since is
aligned again), then skips every pair still saved; at the end the parts are copied into
``OUT.parquet`` (written atomically, as always) and the folder is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from aligner.corpus import CorpusWriter, read_corpus, read_documents
from aligner.errors import InputError
from aligner.files import atomic_text_files, write_error
from aligner.schema import signature_changes
from aligner.types import Document, PairFailure, PairResult

log = logging.getLogger(__name__)

_MANIFEST = "job.json"


def parts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def pair_hash(en: Document, ko: Document) -> str:
    """A hash of what a pair's alignment is made from, besides the settings (which the
    job's signature holds): both articles' ids and texts."""
    digest = hashlib.sha256()
    for field in (en.doc_id, en.text, ko.doc_id, ko.text):
        data = field.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()[:32]


def _part_problem(path: Path, pairs: Iterable[str]) -> str | None:
    """Why a saved part cannot be used (missing, unreadable, or without the pairs the
    manifest lists in it), or None."""
    if not path.is_file():
        return "missing"
    try:
        held = set(read_documents(path)["pair_id"].to_list())
        read_corpus(path).select("pair_id").collect()  # reads the pages, not only the footer
    except Exception as err:  # whatever a damaged file raises: the part is aligned again
        return f"unreadable: {str(err).splitlines()[0] if str(err) else type(err).__name__}"
    absent = [pid for pid in pairs if pid not in held]
    return f"does not hold pair {absent[0]!r}" if absent else None


class SavedJob:
    """The saved progress of one job (see the module docstring).

    ``signature`` identifies the settings; a folder saved under another signature is
    refused rather than mixed in. ``metadata`` is what each part file carries.
    """

    def __init__(
        self,
        output: Path,
        signature: str,
        metadata: dict[str, str],
        hashes: dict[str, str] | None = None,
    ) -> None:
        self.dir = parts_dir(Path(output))
        self.signature = signature
        self.metadata = metadata
        self.hashes = hashes or {}  # pair id -> pair_hash, for the pairs of this run
        self.parts: list[dict[str, Any]] = []

    def resume(self, pairs: Sequence[tuple[str, Document, Document]]) -> set[str]:
        """Open the job (:meth:`open`), check it against this run's ``pairs``, and
        return the ids of the pairs whose saved alignment still holds.

        Everything is checked before anything is aligned: the settings, the inputs
        (:meth:`check_pairs`), the part files (:meth:`drop_bad_parts`) and each saved
        pair's content (:meth:`drop_changed`); pairs dropped are aligned again, with a
        warning that says how many.
        """
        done = self.open()
        self.check_pairs(done, (pid for pid, _, _ in pairs))
        self.drop_bad_parts()
        self.drop_changed(pairs)
        return self.saved_pairs()

    def saved_pairs(self) -> set[str]:
        return {str(pid) for part in self.parts for pid in part["pairs"]}

    def drop_bad_parts(self) -> None:
        """Forget the parts whose file is missing or unreadable: their pairs are aligned
        again (found now, before any alignment, rather than when the corpus is built)."""
        kept = []
        for part in self.parts:
            path = self.dir / str(part["file"])
            problem = _part_problem(path, part["pairs"])
            if problem is None:
                kept.append(part)
                continue
            log.warning(
                "saved part %s is %s: its %d pairs are aligned again",
                path, problem, len(part["pairs"]),
            )  # fmt: skip
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        if len(kept) != len(self.parts):
            self.parts = kept
            self._write_manifest()

    def drop_changed(self, pairs: Sequence[tuple[str, Document, Document]]) -> None:
        """Forget the saved pairs whose articles changed since they were saved (or that
        were saved without a hash): they are aligned again, never kept stale."""
        now = {pid: pair_hash(en, ko) for pid, en, ko in pairs}
        changed: list[str] = []
        for part in self.parts:
            pids = [str(pid) for pid in part["pairs"]]
            then = part.get("hashes") or [None] * len(pids)
            stale = {pid for pid, h in zip(pids, then, strict=False) if now.get(pid) != h}
            if stale:
                changed.extend(pid for pid in pids if pid in stale)
                part["hashes"] = [h for pid, h in zip(pids, then, strict=False) if pid not in stale]
                part["pairs"] = [pid for pid in pids if pid not in stale]
        if changed:
            log.warning(
                "%d saved pair(s) changed since they were saved and are aligned again: %s",
                len(changed), ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else ""),
            )  # fmt: skip
            self.parts = [part for part in self.parts if part["pairs"]]
            self._write_manifest()

    def open(self) -> set[str]:
        """Create the folder, or read what an earlier run saved; the pair ids done."""
        manifest = self.dir / _MANIFEST
        if not self.dir.exists():
            try:
                self.dir.mkdir()
            except OSError as err:
                raise write_error(err, self.dir) from err
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
            changes = signature_changes(signature, self.signature)
            raise InputError(
                f"the saved job ran with other settings ({changes})",
                path=self.dir,
                fix=f"rerun with the same options, or remove {self.dir} to start over",
            )
        listed = {str(part["file"]) for part in parts}
        for stray in self.dir.glob("part-*.parquet"):
            if stray.name not in listed:  # written, but the run stopped before listing it
                stray.unlink()
        self.parts = parts
        done = self.saved_pairs()
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
        name = self._new_part_name()
        with CorpusWriter(self.dir / name, metadata=self.metadata, overwrite=True) as writer:
            for item in items:
                add_item(writer, item)
        pids = [item.pair_id for item in items]
        self.parts.append(
            {"file": name, "pairs": pids, "hashes": [self.hashes.get(pid) for pid in pids]}
        )
        self._write_manifest()

    def _new_part_name(self) -> str:
        """The next free part number (parts dropped on resuming leave gaps)."""
        numbers = [
            int(str(part["file"]).split(".")[0].removeprefix("part-")) for part in self.parts
        ]
        return f"part-{max(numbers, default=-1) + 1:05d}.parquet"

    def copy_into(self, writer: CorpusWriter) -> None:
        """Every saved pair into ``writer``; of a part that lost pairs on resuming
        (changed articles), only those it still lists."""
        for part in self.parts:
            pairs = [str(pid) for pid in part["pairs"]]
            writer.add_corpus(self.dir / str(part["file"]), pairs)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _write_manifest(self) -> None:
        text = json.dumps({"signature": self.signature, "parts": self.parts}, indent=1)
        with atomic_text_files([self.dir / _MANIFEST], overwrite=True) as (handle,):
            handle.write(text + "\n")


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
