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
  its length ratio is from the document's; and the document's typical cosine and the
  share of its sentences that are linked;
* **unlinked sentences** (1-0 / 0-1): the sentence's best cosine with the sentences of
  the other side around its place, relative to the document's typical cosine; its
  length; whether it opens or closes the document; the same document features.
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

# Sentences on the other side, either side of a bead, that compete with it.
WINDOW = 3

LINKED_FEATURES = (
    "score",
    "margin",
    "local_margin",
    "size",
    "length_misfit",
    "doc_cosine",
    "doc_coverage",
)
UNLINKED_FEATURES = (
    "best_local",
    "best_local_rel",
    "log_length",
    "at_edge",
    "is_english",
    "doc_cosine",
    "doc_coverage",
)


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """``p = sigmoid(intercept + coef . (x - mean) / scale)`` over named features."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros(0)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = self.intercept + z @ np.asarray(self.coef)
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -40.0, 40.0)))

    def as_dict(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LogisticModel:
        return cls(
            features=tuple(data["features"]),  # type: ignore[arg-type]
            mean=tuple(float(v) for v in data["mean"]),  # type: ignore[attr-defined]
            scale=tuple(float(v) for v in data["scale"]),  # type: ignore[attr-defined]
            coef=tuple(float(v) for v in data["coef"]),  # type: ignore[attr-defined]
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
        )


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
            return cls(
                name=str(data["name"]),
                linked=LogisticModel.from_dict(data["linked"]),
                unlinked=LogisticModel.from_dict(data["unlinked"]),
                trained_on=tuple(data.get("trained_on", ())),
            )
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


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _best_with(vec: np.ndarray, others: np.ndarray, lo: int, hi: int, skip: range) -> float:
    idx = [k for k in range(max(0, lo), min(len(others), hi)) if k not in skip]
    if not idx:
        return -1.0
    return float(np.max(others[idx] @ vec))


@dataclass(frozen=True, slots=True)
class Features:
    """Feature rows of a document's beads: ``linked[k]`` for ``linked_beads[k]`` etc."""

    linked: np.ndarray
    linked_beads: tuple[int, ...]
    unlinked: np.ndarray
    unlinked_beads: tuple[int, ...]


def bead_features(
    beads: Sequence[Bead],
    en_vecs: np.ndarray,
    ko_vecs: np.ndarray,
    en_lengths: Sequence[int],
    ko_lengths: Sequence[int],
) -> Features:
    """Features of every bead of one aligned document (see the module docstring)."""
    n, m = len(en_vecs), len(ko_vecs)
    linked_idx = [k for k, b in enumerate(beads) if b.en and b.ko and b.score is not None]
    one_one = [beads[k].score for k in linked_idx if beads[k].kind == "1-1"]
    every = [beads[k].score for k in linked_idx]
    doc_cosine = float(np.median(one_one or every)) if every else 0.0
    covered = sum(len(beads[k].en) + len(beads[k].ko) for k in linked_idx)
    doc_coverage = covered / max(1, n + m)
    ratios = [
        math.log(
            max(1, sum(en_lengths[i] for i in b.en)) / max(1, sum(ko_lengths[j] for j in b.ko))
        )
        for b in (beads[k] for k in linked_idx)
    ]
    doc_ratio = float(np.median(ratios)) if ratios else 0.0

    linked_rows: list[list[float]] = []
    unlinked_rows: list[list[float]] = []
    unlinked_idx: list[int] = []
    i_pos = j_pos = 0
    ratio_at = dict(zip(linked_idx, ratios, strict=True))
    for k, b in enumerate(beads):
        if b.en and b.ko and b.score is not None:
            i0, i1, j0, j1 = b.en[0], b.en[-1] + 1, b.ko[0], b.ko[-1] + 1
            en_vec = _unit(en_vecs[i0:i1].sum(axis=0))
            ko_vec = _unit(ko_vecs[j0:j1].sum(axis=0))
            rival = max(
                _best_with(en_vec, ko_vecs, j0 - WINDOW, j1 + WINDOW, range(j0, j1)),
                _best_with(ko_vec, en_vecs, i0 - WINDOW, i1 + WINDOW, range(i0, i1)),
            )
            score = float(b.score)
            linked_rows.append(
                [
                    score,
                    float(b.margin if b.margin is not None else 0.0),
                    score - rival,
                    len(b.en) + len(b.ko) - 2,
                    abs(ratio_at[k] - doc_ratio),
                    doc_cosine,
                    doc_coverage,
                ]
            )
            i_pos, j_pos = i1, j1
        elif b.en or b.ko:
            unlinked_idx.append(k)
            if b.en:
                i = b.en[0]
                best = _best_with(en_vecs[i], ko_vecs, j_pos - WINDOW, j_pos + WINDOW, range(0))
                length, edge, english = en_lengths[i], i in (0, n - 1), 1.0
                i_pos = b.en[-1] + 1
            else:
                j = b.ko[0]
                best = _best_with(ko_vecs[j], en_vecs, i_pos - WINDOW, i_pos + WINDOW, range(0))
                length, edge, english = ko_lengths[j], j in (0, m - 1), 0.0
                j_pos = b.ko[-1] + 1
            unlinked_rows.append(
                [
                    best,
                    best - doc_cosine,
                    math.log1p(length),
                    float(edge),
                    english,
                    doc_cosine,
                    doc_coverage,
                ]
            )
    return Features(
        linked=np.asarray(linked_rows, dtype=np.float64).reshape(-1, len(LINKED_FEATURES)),
        linked_beads=tuple(linked_idx),
        unlinked=np.asarray(unlinked_rows, dtype=np.float64).reshape(-1, len(UNLINKED_FEATURES)),
        unlinked_beads=tuple(unlinked_idx),
    )


def bead_probabilities(
    beads: Sequence[Bead],
    en_vecs: np.ndarray,
    ko_vecs: np.ndarray,
    en_lengths: Sequence[int],
    ko_lengths: Sequence[int],
    calibrator: Calibrator,
) -> list[Bead]:
    """The beads with ``prob`` set by ``calibrator``."""
    feats = bead_features(beads, en_vecs, ko_vecs, en_lengths, ko_lengths)
    probs: dict[int, float] = {}
    for rows, idx, model in (
        (feats.linked, feats.linked_beads, calibrator.linked),
        (feats.unlinked, feats.unlinked_beads, calibrator.unlinked),
    ):
        for k, p in zip(idx, model.predict(rows), strict=True):
            probs[k] = round(float(p), 6)
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
