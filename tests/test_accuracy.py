"""Accuracy floors on the tuning sets (and Text+Berg test), with the bundled encoder: a
guard against regressions in the alignment gains. The figures in docs/benchmarks.md are
higher; the floors leave room for small changes in the encoder's numerics."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import benchdata  # noqa: E402

from aligner.api import Aligner  # noqa: E402
from aligner.scoring import evaluate  # noqa: E402


def _score(docs, aligner: Aligner):
    preds = [[(b.en, b.ko) for b in aligner.align_sentences(d.en, d.ko)] for d in docs]
    return evaluate([d.gold for d in docs], preds)


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize(
    ("split", "strict", "lax"),
    # test0-6 are held out from tuning: a floor against regressions, not a target
    [("dev", 0.88, 0.985), ("test", 0.90, 0.975)],
)
def test_textberg(shared_data: Path, use_encoder, split: str, strict: float, lax: float) -> None:
    scores = _score(benchdata.textberg(shared_data, split=split), Aligner(use_encoder))
    assert scores.strict_f1 >= strict
    assert scores.lax_f1 >= lax


@pytest.mark.slow
@pytest.mark.data
def test_flores_perturbed(shared_data: Path, use_encoder) -> None:
    docs = benchdata.flores_perturbed(shared_data)[:30]
    scores = _score(docs, Aligner(use_encoder))
    assert scores.strict_f1 >= 0.97
    assert scores.lax_f1 >= 0.995
