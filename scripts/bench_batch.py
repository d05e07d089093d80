"""Does a batch job scale? Time and memory of ``aligner align`` against the number of pairs.

    python scripts/bench_batch.py [--pairs 250,500,1000,2000] [--sentences 15] [-- OPTIONS]

Builds pseudo-articles from the English-Korean sentence pairs in ``../shared/data``
(NTREX-128, FLORES-200, the Park news corpus and JHE): the pool is shuffled and dealt out
``--sentences`` pairs per article, reshuffled when it runs out, so no text repeats within
a few thousand sentences and the encoder does real work for every article. Each size is
written as two folders of ``.en.txt`` / ``.ko.txt`` files (one paragraph of three
sentences at a time) and aligned by the command line in a fresh process, as a user would
run it; anything after ``--`` is passed on to ``aligner align`` (``--workers 2``,
``--backend ray``, ...). For each size it prints the wall time, the time per 100 pairs,
the peak RSS summed over the run's process and its descendants, and the corpus size.
Run it on a quiet machine: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdata

ALIGNER = Path(sys.executable).with_name("aligner")
SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_1f513c82f196d388"


def seed_pairs(longer_than: int = 0) -> list[tuple[str, str]]:
    """The (English, Korean) sentence pairs of the 1-1 links of the seed article's gold,
    the English sentence longer than ``longer_than`` characters: a small pool of real
    sentence pairs that needs no shared data."""
    from aligner.documents import load_document
    from aligner.evaluate import read_gold
    from aligner.segment import segment

    en = segment(load_document(Path(f"{SEED}.en.txt"), "en").text, "en")
    ko = segment(load_document(Path(f"{SEED}.ko.txt"), "ko").text, "ko")
    return [
        (en[left[0]].text, ko[right[0]].text)
        for left, right in read_gold(f"{SEED}.gold")
        if len(left) == 1 and len(right) == 1 and len(en[left[0]].text) > longer_than
    ]


def sentence_pool(data_dir: Path) -> list[tuple[str, str]]:
    """Distinct (English, Korean) sentence pairs from the sentence-parallel sets."""
    pairs: list[tuple[str, str]] = []
    for _, en, ko in benchdata._read_ntrex(data_dir) + benchdata._read_flores(data_dir):
        pairs.extend(zip(en, ko, strict=True))
    for folder, stem in (
        ("korean-english-news-park", "korean-english-park.dev"),
        ("korean-english-news-park", "korean-english-park.test"),
        ("jhe-korean-english", "jhe-koen-dev"),
        ("jhe-korean-english", "jhe-koen-eval"),
    ):
        base = data_dir / folder / stem
        en = benchdata._read_lines(Path(f"{base}.en"))
        ko = benchdata._read_lines(Path(f"{base}.ko"))
        pairs.extend(zip(en, ko, strict=True))
    seen: set[str] = set()
    out = []
    for en, ko in pairs:
        en, ko = en.strip(), ko.strip()
        if en and ko and en not in seen:
            seen.add(en)
            out.append((en, ko))
    return out


def write_articles(pool: list[tuple[str, str]], n: int, size: int, root: Path, seed: int) -> int:
    """``n`` article pairs of ``size`` sentences in ``root/en`` and ``root/ko``; the
    number of sentences written per side."""
    rng = random.Random(seed)
    order: list[int] = []
    for side in ("en", "ko"):
        (root / side).mkdir(parents=True)
    for k in range(n):
        while len(order) < size:
            more = list(range(len(pool)))
            rng.shuffle(more)
            order.extend(more)
        picked, order = order[:size], order[size:]
        for col, side in enumerate(("en", "ko")):
            sents = [pool[i][col] for i in picked]
            paragraphs = [" ".join(sents[p : p + 3]) for p in range(0, len(sents), 3)]
            (root / side / f"a{k:05d}.{side}.txt").write_text(
                "\n\n".join(paragraphs) + "\n", encoding="utf-8"
            )
    return n * size


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of the process and all its descendants (Ray's services
    and actors included), and the last line it printed."""
    start = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
        except psutil.Error:
            break
        peak = max(peak, total)
        time.sleep(0.2)
    wall = time.time() - start
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return wall, peak / 2**20, out.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", default="250,500,1000,2000", help="batch sizes, comma-separated")
    ap.add_argument("--sentences", type=int, default=15, help="sentence pairs per article")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("extra", nargs="*", help="options for aligner align (after --)")
    args = ap.parse_args()
    pool = sentence_pool(benchdata.require_data_dir())
    print(f"pool: {len(pool)} distinct sentence pairs; {args.sentences} per article")
    print(f"options: {' '.join(args.extra) or '(none)'}")
    print("| pairs | sentences per side | wall | per 100 pairs | peak RSS (all) | corpus |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in (int(x) for x in args.pairs.split(",")):
        with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
            root = Path(tmp)
            sentences = write_articles(pool, n, args.sentences, root, args.seed)
            out = root / "out.parquet"
            cmd = [str(ALIGNER), "align", str(root / "en"), str(root / "ko"), "-o", str(out)]
            wall, peak, last = measure(cmd + args.extra)
            size = out.stat().st_size / 2**20
            print(
                f"| {n} | {sentences} | {wall:.1f} s | {100 * wall / n:.2f} s | "
                f"{peak:.0f} MiB | {size:.1f} MiB |",
                flush=True,
            )
            if not last.startswith("wrote"):
                print(f"  (last line: {last})")


if __name__ == "__main__":
    main()
