"""Does a killed job leave anything behind, and does it resume to the same corpus?

    python scripts/bench_kill.py [--kills 10] [--pairs 160] [--sentences 4] [--workers 2]

Writes a collection of article pairs (from the sentence-parallel sets in ``../shared/data``
as ``bench_batch.py`` does, or, without them, from the seed article's sentence pairs),
aligns it once uninterrupted with ``aligner align --workers N --resume`` (the
reference), then ``--kills`` times: starts the same command on a fresh output, kills its
main process with SIGKILL at a random moment of the reference's run time (seeded; a run
that finishes before its moment is shown, checked, and another moment drawn), checks
that every process of the job (workers, multiprocessing's resource tracker) is gone
within 10 s, runs the command again to the end (the resume), and compares its corpus with
the reference: the same beads and documents, scores within 1e-5. Prints one row per kill
and a summary; exits 1 if any check failed. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

ALIGNER = Path(sys.executable).with_name("aligner")
GONE_WITHIN_S = 10.0
SCORE_TOLERANCE = 1e-5


def sentence_pool() -> tuple[str, list[tuple[str, str]]]:
    import bench_batch
    import benchdata

    data = benchdata.default_data_dir()
    if data.is_dir():
        return f"the sentence-parallel sets of {data}", bench_batch.sentence_pool(data)
    return "the seed article (no shared data found)", bench_batch.seed_pairs()


def alive(family: dict[int, psutil.Process]) -> list[psutil.Process]:
    out = []
    for proc in family.values():
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
        except psutil.NoSuchProcess:
            continue
    return out


def watch(root: psutil.Process, family: dict[int, psutil.Process]) -> None:
    """Add the job's current descendants to ``family`` (kept as Process objects, so a pid
    reused later is not mistaken for one of them)."""
    try:
        for child in root.children(recursive=True):
            family.setdefault(child.pid, child)
    except psutil.Error:
        pass


def killed_run(cmd: list[str], at: float) -> tuple[str, int, float | None, int]:
    """Run ``cmd``, SIGKILL its main process ``at`` seconds in; what happened ("killed"
    or "finished first"), how many processes it had, the seconds until the last was
    gone (None: some outlived ``GONE_WITHIN_S``), and how many were left."""
    job = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(job.pid)
    family: dict[int, psutil.Process] = {}
    start = time.monotonic()
    while time.monotonic() - start < at and job.poll() is None:
        watch(root, family)
        time.sleep(0.05)
    if job.poll() is not None:
        job.communicate()
        return "finished first", len(family), 0.0, 0
    watch(root, family)
    job.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    job.wait()
    while alive(family) and time.monotonic() - killed < GONE_WITHIN_S:
        time.sleep(0.05)
    left = alive(family)
    gone = None if left else time.monotonic() - killed
    for proc in left:  # clean up after a failed check, so later rounds are not skewed
        proc.kill()
    job.communicate()
    return "killed", len(family), gone, len(left)


def saved_pairs(output: Path) -> int:
    manifest = output.with_name(output.name + ".parts") / "job.json"
    try:
        return sum(len(p["pairs"]) for p in json.loads(manifest.read_text())["parts"])
    except (OSError, ValueError, KeyError):
        return 0


def leftovers(folder: Path) -> int:
    return sum(1 for p in folder.glob(".*") if ".tmp-" in p.name or p.name.endswith(".lock"))


def compare(got: Path, want: Path) -> tuple[bool, float]:
    """Same beads and documents (in the same order), and the largest score difference."""
    from aligner.corpus import read_corpus, read_documents

    a, b = read_corpus(got).collect(), read_corpus(want).collect()
    same = a.drop("score", "margin").equals(b.drop("score", "margin"))
    same = same and read_documents(got).drop("doc_score").equals(
        read_documents(want).drop("doc_score")
    )
    diff = (a["score"] - b["score"]).abs().max() if a.height == b.height else float("inf")
    return same, float(diff or 0.0)


def run(cmd: list[str]) -> float:
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--pairs", type=int, default=160)
    ap.add_argument("--sentences", type=int, default=4, help="sentence pairs per article")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()

    import bench_batch

    where, pool = sentence_pool()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-kill-") as tmp:
        root = Path(tmp)
        bench_batch.write_articles(pool, args.pairs, args.sentences, root / "in", args.seed)
        en, ko = root / "in" / "en", root / "in" / "ko"

        def command(output: Path) -> list[str]:
            return [str(ALIGNER), "align", str(en), str(ko), "-o", str(output),
                    "--workers", str(args.workers), "--resume"]  # fmt: skip

        reference = root / "reference.parquet"
        wall = run(command(reference))
        beads = pl.scan_parquet(reference).select(pl.len()).collect().item()
        print(f"collection: {args.pairs} article pairs of {args.sentences} sentences from {where}")
        print(f"reference: `aligner align EN KO -o OUT --workers {args.workers} --resume`, "
              f"uninterrupted: {wall:.1f} s, {beads} beads")  # fmt: skip
        print()
        print("| run | killed at | processes | all gone after | left after 10 s | pairs saved | "
              "temp/lock files left | resume | same beads | max score diff |")  # fmt: skip
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        failures = kills = rounds = 0
        while kills < args.kills and rounds < 3 * args.kills:
            rounds += 1
            k = rounds
            at = rng.uniform(0.0, wall)
            folder = root / f"round{k}"
            folder.mkdir()
            output = folder / "out.parquet"
            what, processes, gone, left = killed_run(command(output), at)
            kills += what == "killed"
            saved, files = saved_pairs(output), leftovers(folder)
            resume = run(command(output)) if what == "killed" else 0.0
            same, diff = compare(output, reference)
            ok = left == 0 and same and diff <= SCORE_TOLERANCE and leftovers(folder) == 0
            failures += not ok
            gone_text = "never" if gone is None else f"{gone:.2f} s"
            gone_text = gone_text if what == "killed" else "n/a"
            print(
                f"| {k} | {at:.1f} s{'' if what == 'killed' else ' (finished first)'} | "
                f"{processes} | {gone_text} | {left} | {saved} | {files} | "
                f"{f'{resume:.1f} s' if what == 'killed' else '-'} | "
                f"{'yes' if same else 'NO'} | {diff:.1e} |",
                flush=True,
            )
        print()
        print(
            f"{rounds - failures} of {rounds} runs ({kills} killed): no process left within "
            f"{GONE_WITHIN_S:.0f} s, the corpus equal to the reference, nothing left over"
        )
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
