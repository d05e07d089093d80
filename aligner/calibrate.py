"""A calibrated probability per bead: how likely it is that the bead is exactly right.

The alignment scores (cosine, margin) rank links, but their scale moves with the
document: a loose news translation has right links at cosine .4 and a literal one wrong
links at .6. The probability here is a logistic model over a few features of the bead and
of its document, trained on hand-aligned development sets (``scripts/calibrate.py``) and
shipped as coefficients in ``calibration.json``. Pure: numpy in, numbers out.

Two models, because the evidence differs:

* **linked beads** (both sides non-empty): the bead's cosine and margin; its local margin
  (the cosine less the best cosine of either side with the sentences just around the
  bead, which catches a shifted link that the global margin misses); its size; how far
  its length ratio is from the document's; how many numbers and names (the search's
  marks, :mod:`aligner.lexical`) its two sides share; how many of the beads beside it
  are unlinked, and how much its cosine would grow by taking in an unlinked sentence
  next to it (a link that cut its translation short); and the document's typical
  cosine and the share of its sentences that are linked;
* **unlinked sentences** (1-0 / 0-1): the sentence's best cosine with the sentences of
  the other side around its place, relative to the document's typical cosine; its
  length; whether it opens or closes the document, or lies outside the linked part of
  its side (a truncated page, a header); whether it ends like a sentence (captions,
  dates and credits often do not); the standing of the links just beside it (a sentence
  next to a weak link is often the part of it that the link missed); whether the run of
  unlinked beads holding it has sentences of both sides; the same document features.

Each model ends with a monotone step (Platt scaling of its logit), fitted on the
out-of-fold logits of the real-news development set, so that its probabilities hold on
loose translations, where the logistic model alone, trained mostly on literal ones, is
too sure of itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from aligner.errors import AlignerError
from aligner.types import Bead
from aligner.vectors import unit_sum

# Sentences on the other side, either side of a bead, that compete with it.
WINDOW = 3
# prob is stored to 4 decimals: its inputs move by ~1e-7 with the batch the encoder saw
# (a resumed run against a fresh one), and more digits would only carry that noise.
PROB_DECIMALS = 4

LINKED_FEATURES = (
    "score",
    "margin",
    "local_margin",
    "size",
    "length_misfit",
    "doc_cosine",
    "doc_coverage",
    "marks_shared",
    "next_to_unlinked",
    "absorb_gain",
)
UNLINKED_FEATURES = (
    "best_local",
    "best_local_rel",
    "log_length",
    "at_edge",
    "is_english",
    "doc_cosine",
    "doc_coverage",
    "next_rel",
    "run_mixed",
    "no_stop",
    "outside_links",
)


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """``p = sigmoid(slope * logit + shift)`` with ``logit = intercept + coef . (x - mean)
    / scale`` over named features.

    ``slope`` and ``shift`` are the final monotone step (Platt scaling), fitted on
    out-of-fold logits of real news: the logistic model alone, trained mostly on literal
    translations, is too sure of itself on loose ones. It keeps the ranking. With
    ``gate`` it applies only to a document the engine found loose (fewer than
    ``AlignParams.loose_share`` of the sentences pairing mutually,
    :class:`aligner.types.Alignment`); a literal document keeps the plain model.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    slope: float = 1.0
    shift: float = 0.0
    gate: bool = False

    def logit(self, x: np.ndarray) -> np.ndarray:
        """The logistic model's logit, before the final step."""
        if x.shape[0] == 0:
            return np.zeros(0)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return self.intercept + z @ np.asarray(self.coef)

    def predict(self, x: np.ndarray, loose: bool | np.ndarray | None = None) -> np.ndarray:
        """Probabilities of rows ``x``; ``loose`` is the engine's looseness decision for
        their document (one per row, or one for all; None: the final step applies, as to
        a loose document)."""
        logit = self.logit(x)
        stepped = self.slope * logit + self.shift
        if not self.gate or loose is None:
            logit = stepped
        else:
            logit = np.where(np.asarray(loose, dtype=bool), stepped, logit)
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -40.0, 40.0)))

    def as_dict(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "slope": self.slope,
            "shift": self.shift,
            **({"gate": True} if self.gate else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LogisticModel:
        features = tuple(str(f) for f in data["features"])  # type: ignore[attr-defined]
        model = cls(
            features=features,
            mean=tuple(float(v) for v in data["mean"]),  # type: ignore[attr-defined]
            scale=tuple(float(v) for v in data["scale"]),  # type: ignore[attr-defined]
            coef=tuple(float(v) for v in data["coef"]),  # type: ignore[attr-defined]
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
            slope=float(data.get("slope", 1.0)),  # type: ignore[arg-type]
            shift=float(data.get("shift", 0.0)),  # type: ignore[arg-type]
            # a file from before the engine's decision was carried out held the share
            # under which a document counted as loose (always the engine's loose_share)
            gate=bool(data.get("gate") or False),
        )
        if not len(model.mean) == len(model.scale) == len(model.coef) == len(features):
            raise ValueError("features, mean, scale and coef differ in length")
        return model


@dataclass(frozen=True, slots=True)
class Calibrator:
    """The two models and where they were trained (``name`` goes into the signature)."""

    name: str
    linked: LogisticModel
    unlinked: LogisticModel
    trained_on: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "trained_on": list(self.trained_on),
            "linked": self.linked.as_dict(),
            "unlinked": self.unlinked.as_dict(),
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.as_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Calibrator:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            cal = cls(
                name=str(data["name"]),
                linked=LogisticModel.from_dict(data["linked"]),
                unlinked=LogisticModel.from_dict(data["unlinked"]),
                trained_on=tuple(data.get("trained_on", ())),
            )
            for model, known in ((cal.linked, LINKED_FEATURES), (cal.unlinked, UNLINKED_FEATURES)):
                if unknown := sorted(set(model.features) - set(known)):
                    raise ValueError(f"unknown features {unknown}")
            return cal
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise AlignerError(
                f"{path}: not a calibration file ({err}); "
                "write one with scripts/calibrate.py or reinstall aligner"
            ) from err


@cache
def default_calibrator() -> Calibrator | None:
    """The calibration shipped with the package, or None when there is none."""
    ref = resources.files("aligner").joinpath("calibration.json")
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return Calibrator.load(path)


# --------------------------------------------------------------------------- features


def _best_with(vec: np.ndarray, others: np.ndarray, lo: int, hi: int, skip: range) -> float:
    idx = [k for k in range(max(0, lo), min(len(others), hi)) if k not in skip]
    if not idx:
        return -1.0
    return float(np.max(others[idx] @ vec))


def _union(marks: np.ndarray, lo: int, hi: int) -> int:
    lo, hi = max(0, lo), min(len(marks), hi)
    return int(np.bitwise_or.reduce(marks[lo:hi])) if hi > lo else 0


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(unit_sum(a[None]) @ unit_sum(b[None]))


# How a sentence that is complete ends (a caption, a date line or a credit often does not).
# Full-width marks too: Chinese and Japanese sentences end with 。！？ and may close a
# quotation or a bracket after them.
_STOPS = tuple(".!?\"'”’)」』…다요。！？．）」』】〉》〕］｝＂＇")
NO_GAIN = -0.5  # absorb_gain of a bead with no unlinked sentence beside it


@dataclass(frozen=True, slots=True)
class Features:
    """Feature rows of a document's beads: ``linked[k]`` for ``linked_beads[k]`` etc.,
    one column per name of ``LINKED_FEATURES`` / ``UNLINKED_FEATURES``."""

    linked: np.ndarray
    linked_beads: tuple[int, ...]
    unlinked: np.ndarray
    unlinked_beads: tuple[int, ...]


class _Doc:
    """What the features of one aligned document share."""

    def __init__(self, beads: Sequence[Bead], vecs: tuple[np.ndarray, np.ndarray]) -> None:
        self.beads = beads
        self.vecs = vecs
        self.linked = [bool(b.en and b.ko and b.score is not None) for b in beads]
        linked_idx = [k for k, ok in enumerate(self.linked) if ok]
        one_one = [beads[k].score for k in linked_idx if beads[k].kind == "1-1"]
        every = [beads[k].score for k in linked_idx]
        self.cosine = float(np.median(one_one or every)) if every else 0.0
        # per side: the linked bead that ends / starts at each sentence, the sums of the
        # linked beads' vectors, the first and last linked sentence
        self.ends: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.starts: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.sums: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k in linked_idx:
            sides = (beads[k].en, beads[k].ko)
            for side, idx in enumerate(sides):
                self.ends[side][idx[-1]] = k
                self.starts[side][idx[0]] = k
            self.sums[k] = (
                vecs[0][sides[0][0] : sides[0][-1] + 1].sum(axis=0, dtype=np.float64),
                vecs[1][sides[1][0] : sides[1][-1] + 1].sum(axis=0, dtype=np.float64),
            )
        self.span = tuple(
            (min(self.starts[side], default=len(vecs[side])), max(self.ends[side], default=-1))
            for side in (0, 1)
        )
        self.unlinked_at = {
            (0 if b.en else 1, (b.en or b.ko)[0])
            for k, b in enumerate(beads)
            if not self.linked[k] and (b.en or b.ko)
        }

    def gain(self, side: int, idx: int, k: int) -> float:
        """How much the cosine of linked bead ``k`` grows with sentence ``idx`` of
        ``side`` added to it (vectors summed, as the search's estimate does)."""
        sums = list(self.sums[k])
        before = _cos(sums[0], sums[1])
        sums[side] = sums[side] + self.vecs[side][idx]
        return _cos(sums[0], sums[1]) - before

    def absorb_gain(self, k: int) -> float:
        """The best gain of linked bead ``k`` from an unlinked sentence next to it: a
        bead that should have taken its neighbour in is not exactly right."""
        b = self.beads[k]
        around = ((0, b.en[0] - 1), (0, b.en[-1] + 1), (1, b.ko[0] - 1), (1, b.ko[-1] + 1))
        gains = [self.gain(side, idx, k) for side, idx in around if (side, idx) in self.unlinked_at]
        return max(gains, default=NO_GAIN)

    def neighbour_standing(self, side: int, idx: int) -> float:
        """The lower cosine, less the document's, of the linked beads just before and
        after sentence ``idx`` on its side (0 when there is none): an unlinked sentence
        next to a weak link is often the part of it that the link missed."""
        near = [
            q
            for q in (self.ends[side].get(idx - 1), self.starts[side].get(idx + 1))
            if q is not None
        ]
        return min((float(self.beads[q].score or 0.0) - self.cosine for q in near), default=0.0)

    def run_is_mixed(self, k: int) -> bool:
        """Whether the run of unlinked beads holding bead ``k`` has sentences of both
        sides (a link the search may have missed)."""
        lo = hi = k
        while lo > 0 and not self.linked[lo - 1]:
            lo -= 1
        while hi + 1 < len(self.beads) and not self.linked[hi + 1]:
            hi += 1
        run = self.beads[lo : hi + 1]
        return any(b.en for b in run) and any(b.ko for b in run)


def bead_features(
    beads: Sequence[Bead],
    en_vecs: np.ndarray,
    ko_vecs: np.ndarray,
    en_texts: Sequence[str],
    ko_texts: Sequence[str],
    *,
    en_marks: np.ndarray | None = None,
    ko_marks: np.ndarray | None = None,
) -> Features:
    """Features of every bead of one aligned document (see the module docstring).

    ``en_marks`` / ``ko_marks`` are the sets of numbers and anchors the search scored
    (:func:`aligner.lexical.evidence_marks`); without them, the numbers alone."""
    from aligner.align import number_marks

    n, m = len(en_vecs), len(ko_vecs)
    en_lengths = [len(t) for t in en_texts]
    ko_lengths = [len(t) for t in ko_texts]
    en_marks = number_marks(en_texts) if en_marks is None else np.asarray(en_marks, np.int64)
    ko_marks = number_marks(ko_texts) if ko_marks is None else np.asarray(ko_marks, np.int64)
    doc = _Doc(beads, (en_vecs, ko_vecs))
    linked_idx = [k for k, ok in enumerate(doc.linked) if ok]
    covered = sum(len(beads[k].en) + len(beads[k].ko) for k in linked_idx)
    doc_coverage = covered / max(1, n + m)
    ratios = [
        math.log(
            max(1, sum(en_lengths[i] for i in b.en)) / max(1, sum(ko_lengths[j] for j in b.ko))
        )
        for b in (beads[k] for k in linked_idx)
    ]
    doc_ratio = float(np.median(ratios)) if ratios else 0.0
    ratio_at = dict(zip(linked_idx, ratios, strict=True))
    whole = {"doc_cosine": doc.cosine, "doc_coverage": doc_coverage}

    linked_rows: list[dict[str, float]] = []
    unlinked_rows: list[dict[str, float]] = []
    unlinked_idx: list[int] = []
    i_pos = j_pos = 0
    for k, b in enumerate(beads):
        if doc.linked[k]:
            i0, i1, j0, j1 = b.en[0], b.en[-1] + 1, b.ko[0], b.ko[-1] + 1
            en_vec = unit_sum(en_vecs[i0:i1])
            ko_vec = unit_sum(ko_vecs[j0:j1])
            rival = max(
                _best_with(en_vec, ko_vecs, j0 - WINDOW, j1 + WINDOW, range(j0, j1)),
                _best_with(ko_vec, en_vecs, i0 - WINDOW, i1 + WINDOW, range(i0, i1)),
            )
            score = float(b.score)  # type: ignore[arg-type]
            shared = _union(en_marks, i0, i1) & _union(ko_marks, j0, j1)
            linked_rows.append(
                {
                    "score": score,
                    "margin": float(b.margin if b.margin is not None else 0.0),
                    "local_margin": score - rival,
                    "size": len(b.en) + len(b.ko) - 2,
                    "length_misfit": abs(ratio_at[k] - doc_ratio),
                    "marks_shared": min(3, shared.bit_count()),
                    "next_to_unlinked": sum(
                        1 for q in (k - 1, k + 1) if 0 <= q < len(beads) and not doc.linked[q]
                    ),
                    "absorb_gain": doc.absorb_gain(k),
                    **whole,
                }
            )
            i_pos, j_pos = i1, j1
        elif b.en or b.ko:
            unlinked_idx.append(k)
            side = 0 if b.en else 1
            idx = (b.en or b.ko)[0]
            own, other = (en_vecs, ko_vecs) if side == 0 else (ko_vecs, en_vecs)
            pos = j_pos if side == 0 else i_pos
            best = _best_with(own[idx], other, pos - WINDOW, pos + WINDOW, range(0))
            text = (en_texts, ko_texts)[side][idx]
            first, last = doc.span[side]
            unlinked_rows.append(
                {
                    "best_local": best,
                    "best_local_rel": best - doc.cosine,
                    "log_length": math.log1p(len(text)),
                    "at_edge": float(idx in (0, len(own) - 1)),
                    "is_english": float(side == 0),
                    "next_rel": doc.neighbour_standing(side, idx),
                    "run_mixed": float(doc.run_is_mixed(k)),
                    "no_stop": float(not text.rstrip().endswith(_STOPS)),
                    "outside_links": float(idx > last or idx < first),
                    **whole,
                }
            )
            if side == 0:
                i_pos = b.en[-1] + 1
            else:
                j_pos = b.ko[-1] + 1
    return Features(
        linked=np.asarray(
            [[r[f] for f in LINKED_FEATURES] for r in linked_rows], dtype=np.float64
        ).reshape(-1, len(LINKED_FEATURES)),
        linked_beads=tuple(linked_idx),
        unlinked=np.asarray(
            [[r[f] for f in UNLINKED_FEATURES] for r in unlinked_rows], dtype=np.float64
        ).reshape(-1, len(UNLINKED_FEATURES)),
        unlinked_beads=tuple(unlinked_idx),
    )


def bead_probabilities(
    beads: Sequence[Bead],
    en_vecs: np.ndarray,
    ko_vecs: np.ndarray,
    en_texts: Sequence[str],
    ko_texts: Sequence[str],
    calibrator: Calibrator,
    *,
    loose: bool,
    en_marks: np.ndarray | None = None,
    ko_marks: np.ndarray | None = None,
) -> list[Bead]:
    """The beads with ``prob`` set by ``calibrator``; ``loose`` is the engine's looseness
    decision for the document (:class:`aligner.types.Alignment`)."""
    feats = bead_features(
        beads, en_vecs, ko_vecs, en_texts, ko_texts, en_marks=en_marks, ko_marks=ko_marks
    )
    probs: dict[int, float] = {}
    for rows, idx, model, names in (
        (feats.linked, feats.linked_beads, calibrator.linked, LINKED_FEATURES),
        (feats.unlinked, feats.unlinked_beads, calibrator.unlinked, UNLINKED_FEATURES),
    ):
        cols = [names.index(f) for f in model.features]
        for k, p in zip(idx, model.predict(rows[:, cols], loose), strict=True):
            probs[k] = round(float(p), PROB_DECIMALS)
    return [replace(b, prob=probs.get(k)) for k, b in enumerate(beads)]


# --------------------------------------------------------------------------- measures


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-width probability bins."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    if len(probs) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(probs[mask].mean() - labels[mask].mean())
    return float(total / len(probs))


def reliability_table(
    probs: np.ndarray, labels: np.ndarray, bins: int = 10
) -> list[tuple[float, float, float, int]]:
    """Per bin: (lower edge, mean predicted probability, observed rate, count)."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append(
                (
                    float(edges[b]),
                    float(probs[mask].mean()),
                    float(labels[mask].mean()),
                    int(mask.sum()),
                )
            )
    return rows
