"""Kill ``--append`` runs into a corpus folder with SIGKILL at random moments and check
that the corpus is never left between two versions.

After each kill:

1. both tables open with plain Polars (``pl.scan_delta``, ``pl.read_delta``), latest;
2. the corpus (the latest ``documents`` version and the ``beads`` version it names) holds
   whole runs only: the pairs of days 1..m for some m, every pair with all its beads;
3. the latest ``beads`` version is that corpus, or that corpus plus exactly one whole
   run (killed between the beads and the documents commits; the next run restores it);

then the next run goes on from there, and at the end every day is in the corpus once.

Two modes:

* ``--mode commit`` (default): a child process appends small synthetic runs (aligned by
  a stand-in that links sentence k with sentence k, no encoder) back to back, so kills
  land in the table code itself: planning, staging, the two commits;
* ``--mode real``: ``aligner align DAY DAY -o CORPUS --append`` with the real encoder on
  day folders made from the seed (scripts/make_week.py), killed at a moment drawn over
  the length of an uninterrupted run.

    python scripts/bench_kill_delta.py --kills 20
    python scripts/bench_kill_delta.py --kills 20 --mode real
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
PER_DAY = 2
SIGNATURE = "aligner:bench|enc:stand-in"


# --------------------------------------------------------------------------- child


def _stand_in_pairing(day: int):
    from aligner.types import Document, Pairing

    pairs = []
    for k in range(1, PER_DAY + 1):
        pid = f"d{day}-{k}"
        en = Document(pid, "en", f"Day {day} article {k}. It rained. Prices rose. " * 20)
        ko = Document(pid, "ko", f"{day}일 기사 {k}. 비가 왔다. 물가가 올랐다. " * 20)
        pairs.append((pid, en, ko))
    return Pairing(tuple(pairs), (), ())


class StandIn:
    """Links English sentence k with Korean sentence k: the beads follow from the texts."""

    def cache_counts(self) -> tuple[int, int]:
        return 0, 0

    def align_many(
        self, pairs, presegmented_input: bool = False, prepared: object = None
    ) -> Iterator[object]:
        from aligner.types import Bead, PairResult, Sentence

        for pid, en, ko in pairs:
            sides = []
            for doc in (en, ko):
                out, pos = [], 0
                for k, text in enumerate(doc.text.split(". ")):
                    out.append(Sentence(doc.doc_id, k, text, pos, pos + len(text), 0))
                    pos += len(text) + 2
                sides.append(tuple(out))
            n = min(len(sides[0]), len(sides[1]))
            beads = tuple(Bead((k,), (k,), 0.9, 0.1) for k in range(n))
            yield PairResult(pid, en, ko, sides[0], sides[1], beads, doc_score=0.9)


def child(root: Path) -> None:
    """Append day after day, forever (until killed)."""
    from aligner.pipeline import write_table_version

    day = _days_held(root) + 1
    while True:
        write_table_version(
            StandIn(), _stand_in_pairing(day), root, metadata={"aligner.signature": SIGNATURE},
            append=True,
        )  # fmt: skip
        day += 1


# --------------------------------------------------------------------------- checks


def _days(pair_ids: set[str]) -> collections.Counter[int]:
    return collections.Counter(int(p.split("-")[0][1:]) for p in pair_ids)


def _days_held(root: Path) -> int:
    from aligner.table import is_table, snapshot

    if not is_table(root):
        return 0
    pids = set(snapshot(root).documents.filter(pl.col("role") == "en")["pair_id"])
    return max(_days(pids), default=0)


def check(root: Path, beads_per_pair: int | None) -> str:
    """The state after a kill (see the module docstring); raises AssertionError if the
    corpus is between versions. Returns where the kill landed."""
    from aligner.table import BEADS, DOCUMENTS, is_table, snapshot

    if not is_table(root):
        return "before the corpus existed"
    latest_beads = pl.scan_delta(str(root / BEADS)).collect()  # plain Polars opens both
    latest_docs = pl.read_delta(str(root / DOCUMENTS))
    shot = snapshot(root)
    beads = shot.beads.collect()
    pairs = set(shot.documents.filter(pl.col("role") == "en")["pair_id"])
    assert latest_docs.height == shot.documents.height
    days = _days(pairs)
    m = max(days, default=0)
    assert sorted(days) == list(range(1, m + 1)), f"days held: {sorted(days)}"
    assert all(n == PER_DAY for n in days.values()), f"a day with part of its pairs: {days}"
    assert set(beads["pair_id"]) == pairs, "beads and documents disagree"
    per_pair = beads.group_by("pair_id").len()["len"]
    if beads_per_pair is not None:
        assert (per_pair == beads_per_pair).all(), "a pair with part of its beads"
    ahead = set(latest_beads["pair_id"]) - pairs
    if not ahead:
        assert latest_beads.height == beads.height
        return f"at version {shot.version}"
    extra = _days(ahead)
    assert list(extra) == [m + 1] and extra[m + 1] == PER_DAY, f"beads ahead by {extra}"
    return "between the two commits (beads one run ahead)"


# --------------------------------------------------------------------------- trials


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def _kill_after(cmd: list[str], delay: float) -> int | None:
    proc = subprocess.Popen(
        cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        return proc.wait(timeout=delay)  # it finished first
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def commit_trials(root: Path, kills: int, seed: int, span: tuple[float, float]) -> dict:
    """``kills`` stand-in children, each killed after a delay drawn from ``span``."""
    rng = random.Random(seed)
    landed: collections.Counter[str] = collections.Counter()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(root)]
    for _ in range(kills):
        code = _kill_after(cmd, rng.uniform(*span))
        assert code is None, "the child stopped by itself"
        where = check(root, beads_per_pair=None)
        landed["between the two commits" if where.startswith("between") else "at a version"] += 1
    held = _days_held(root)
    return {"kills": kills, "landed": dict(landed), "days_committed": held}


def real_trials(root: Path, kills: int, seed: int, work: Path) -> dict:
    """``aligner align --append`` with the real encoder, killed at random moments."""
    sys.path.insert(0, str(REPO / "scripts"))
    from make_week import make_week

    days = make_week(work / "days", days=kills + 2)
    aligner_cmd = [sys.executable, "-m", "aligner.cli"]
    if not (REPO / "aligner" / "__main__.py").exists():
        aligner_cmd = [sys.executable, "-c", "from aligner.cli import app; app()"]

    def cmd(day: Path) -> list[str]:
        return [*aligner_cmd, "align", str(day), str(day), "-o", str(root), "--append"]

    started = time.perf_counter()
    first = subprocess.run(cmd(days[0]), env=_env(), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    length = time.perf_counter() - started
    rng = random.Random(seed)
    landed: collections.Counter[str] = collections.Counter()
    for _ in range(kills):
        day = days[_days_held(root)]
        code = _kill_after(cmd(day), rng.uniform(0, length))
        where = check(root, beads_per_pair=None)
        if code is not None:
            landed["finished before the kill"] += 1
        elif where.startswith("between"):
            landed["between the two commits"] += 1
        elif _days_held(root) == int(day.name[3:]):
            landed["after both commits"] += 1
        else:
            landed["before the first commit"] += 1
    return {"kills": kills, "run_seconds": round(length, 1), "landed": dict(landed)}


def finish(root: Path, mode: str, work: Path) -> dict:
    """One more run after the last kill: it must repair and commit cleanly."""
    before = _days_held(root)
    if mode == "commit":
        from aligner.pipeline import write_table_version

        write_table_version(
            StandIn(), _stand_in_pairing(before + 1), root,
            metadata={"aligner.signature": SIGNATURE}, append=True,
        )  # fmt: skip
    else:
        day = work / "days" / f"day{before + 1}"
        cmd = [sys.executable, "-c", "from aligner.cli import app; app()"]
        cmd += ["align", str(day), str(day), "-o", str(root), "--append"]
        subprocess.run(cmd, env=_env(), check=True, capture_output=True)
    where = check(root, beads_per_pair=None)
    assert where.startswith("at version") and _days_held(root) == before + 1
    from aligner.table import BEADS, snapshot

    shot = snapshot(root)
    plain = pl.scan_delta(str(root / BEADS)).select(pl.len()).collect().item()
    assert plain == shot.beads.select(pl.len()).collect().item()
    return {"final_version": shot.version, "days": before + 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--mode", choices=("commit", "real"), default="commit")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "corpus"
        started = time.perf_counter()
        if args.mode == "commit":
            stats = commit_trials(root, args.kills, args.seed, (1.0, 4.0))
        else:
            stats = real_trials(root, args.kills, args.seed, work)
        stats.update(finish(root, args.mode, work))
        stats["seconds"] = round(time.perf_counter() - started, 1)
        stats["mode"] = args.mode
        print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
