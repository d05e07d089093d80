"""Pair quality from a corpus's beads: one row per pair, the pairs that look wrong, and
the summary ``aligner align`` prints. The report, the review app and export all judge
pairs by these rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aligner.segment import cut_off

__all__ = [
    "DOUBTFUL_PROB",
    "DOUBTFUL_SCORE",
    "LIKELY",
    "THIN_COVERAGE",
    "THIN_PROB_COVERAGE",
    "CorpusSummary",
    "doubtful_pairs",
    "has_probabilities",
    "pair_table",
    "summarize",
]

LIKELY = 0.5  # a bead whose probability of being right is below this is marked
THIN_COVERAGE = 0.8  # a pair with fewer of its sentences linked than this is doubtful
# With probabilities (see doubtful_pairs): set on wrong and right pairings, bench_doubtful.py
DOUBTFUL_PROB = 0.3
THIN_PROB_COVERAGE = 0.4
DOUBTFUL_SCORE = 0.5  # the mean bead score below which a pair is doubtful (align's default)


def has_probabilities(beads: pl.DataFrame) -> bool:
    """Whether the beads carry calibrated probabilities: a ``prob`` column with a value
    (corpora written before probabilities existed, or aligned with an uncalibrated
    encoder, have none)."""
    return "prob" in beads.columns and beads["prob"].null_count() < beads.height


def pair_table(beads: pl.DataFrame, min_score: float) -> pl.DataFrame:
    """One row per pair, in corpus order: bead counts, weak and unaligned beads, scores,
    and the share of its sentences that sit in two-sided beads."""
    empty_side = (pl.col("en_text") == "") | (pl.col("ko_text") == "")
    size = pl.col("en_idx").list.len() + pl.col("ko_idx").list.len()
    if "prob" not in beads.columns:
        beads = beads.with_columns(pl.lit(None, dtype=pl.Float32).alias("prob"))
    # with probabilities a weak bead is an unlikely one; without, a low-scoring one
    weak = (
        pl.when(pl.col("prob").is_not_null())
        .then(pl.col("prob") < LIKELY)
        .otherwise(pl.col("score") < min_score)
    )
    return (
        beads.group_by("pair_id", maintain_order=True)
        .agg(
            pl.col("en_doc_id").first(),
            pl.col("ko_doc_id").first(),
            pl.len().alias("beads"),
            (weak & ~empty_side).sum().alias("weak"),
            empty_side.sum().alias("unaligned"),
            pl.col("score").median().alias("median_score"),
            pl.col("score").mean().alias("mean_score"),
            pl.col("margin").min().alias("min_margin"),
            (size.filter(~empty_side).sum() / size.sum()).alias("linked_share"),
            pl.col("prob").filter(~empty_side).mean().alias("mean_prob"),
        )
        .with_columns(
            ((pl.col("weak") + pl.col("unaligned")) / pl.col("beads")).alias("doubtful_share")
        )
    )


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    """What ``aligner align`` prints at the end, computed from the corpus file."""

    aligned: int
    failed: int
    unpaired_en: int
    unused_ko: int
    n_en: int
    n_ko: int
    beads: int
    kinds: tuple[tuple[str, int], ...]  # most frequent first
    median_score: float | None
    low: int  # beads scoring below min_score
    doubtful: tuple[tuple[str, float, float], ...]  # (pair id, mean score or prob, share)
    # with probabilities: the mean over linked beads (the share of them expected right)
    # and the linked beads under LIKELY
    mean_prob: float | None = None
    unlikely: int = 0
    # pairs with a side that stops mid-sentence, as the engine judged them: (pair id,
    # "en", "ko" or "both"), in corpus order (see :func:`cut_sides`)
    cut: tuple[tuple[str, str], ...] = ()


def doubtful_pairs(pairs: pl.DataFrame, min_score: float) -> pl.DataFrame:
    """The rows of :func:`pair_table` that look wrong, worst first.

    With probabilities (a corpus aligned with the bundled encoder): a mean probability of
    the linked beads below ``DOUBTFUL_PROB`` (a wrong pairing links weakly, and its links
    are unlikely), or fewer than ``THIN_PROB_COVERAGE`` of the sentences linked. Without:
    a mean bead score below ``min_score`` or fewer than ``THIN_COVERAGE`` linked."""
    share = pl.col("linked_share")
    mean = pl.col("mean_score").fill_null(0.0)
    prob = pl.col("mean_prob")
    by_prob = prob.is_not_null() & ((prob < DOUBTFUL_PROB) | (share < THIN_PROB_COVERAGE))
    by_score = prob.is_null() & ((mean < min_score) | (share < THIN_COVERAGE))
    return pairs.filter(by_prob | by_score).sort(
        [prob.fill_null(mean), "linked_share"], maintain_order=True
    )


def cut_sides(beads: pl.DataFrame) -> pl.DataFrame:
    """The pairs of a corpus with a side that stops mid-sentence (a page cut short):
    ``pair_id`` and ``side`` (``"en"``, ``"ko"`` or ``"both"``), in corpus order.

    The test is the engine's own (:func:`aligner.segment.cut_off`, on the text of the
    bead that holds the side's last sentence, which ends with it): where it holds, the
    other side's sentences past the cut were left unaligned at no cost, and no bead
    took one in, so a user sees why a pair's tail has no links."""
    cut: dict[str, list[str]] = {}
    for side in ("en", "ko"):
        last = (
            beads.filter(pl.col(f"{side}_idx").list.len() > 0)
            .with_columns(pl.col(f"{side}_idx").list.max().alias("_last"))
            .sort("_last")
            .group_by("pair_id", maintain_order=True)
            .last()
        )
        for pair_id, text in last.select("pair_id", f"{side}_text").iter_rows():
            if cut_off([text or ""]):
                cut.setdefault(pair_id, []).append(side)
    order = beads["pair_id"].unique(maintain_order=True).to_list()
    rows = [(p, cut[p][0] if len(cut[p]) == 1 else "both") for p in order if p in cut]
    return pl.DataFrame(rows, schema={"pair_id": pl.String, "side": pl.String}, orient="row")


def summarize(beads: pl.DataFrame, documents: pl.DataFrame, min_score: float) -> CorpusSummary:
    """Counts, scores and the doubtful pairs (mean score below ``min_score``, or fewer
    than ``THIN_COVERAGE`` of their sentences linked), worst first."""

    def count(role: str, status: str, column: str | None = None) -> int:
        rows = documents.filter((pl.col("role") == role) & (pl.col("status") == status))
        return int(rows[column].sum() or 0) if column else rows.height

    kinds = beads["kind"].cast(pl.String).value_counts()
    ordered = sorted(((k, int(n)) for k, n in kinds.iter_rows()), key=lambda kn: (-kn[1], kn[0]))
    scores = beads["score"].drop_nulls()
    doubtful = [
        (r["pair_id"], r["mean_prob"] if r["mean_prob"] is not None else r["mean_score"] or 0.0,
         r["linked_share"])
        for r in doubtful_pairs(pair_table(beads, min_score), min_score).iter_rows(named=True)
    ]  # fmt: skip
    linked = beads.filter(pl.col("score").is_not_null())
    probs = linked["prob"].drop_nulls() if "prob" in linked.columns else pl.Series([])
    return CorpusSummary(
        aligned=count("en", "aligned"),
        failed=count("en", "failed"),
        unpaired_en=count("en", "unpaired"),
        unused_ko=count("ko", "unpaired"),
        n_en=count("en", "aligned", "n_sentences"),
        n_ko=count("ko", "aligned", "n_sentences"),
        beads=beads.height,
        kinds=tuple(ordered),
        median_score=float(scores.median()) if len(scores) else None,
        low=int((scores < min_score).sum()),
        doubtful=tuple(doubtful),
        mean_prob=float(probs.mean()) if len(probs) else None,  # type: ignore[arg-type]
        unlikely=int((probs < LIKELY).sum()),
        cut=tuple(cut_sides(beads).iter_rows()),
    )
