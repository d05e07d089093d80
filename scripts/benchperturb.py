"""The perturbation protocol of the NTREX and FLORES benchmark sets
(``scripts/benchdata.py``): a sentence-parallel document made into n-m gold.

Per document, with ``random.Random(f"{seed}:{name}")``:

* joins: about ``JOIN_RATE`` (10%) of the sentence positions start a join of adjacent
  sentences on one side, joined with one space (Korean too). Joining two English
  sentences gives a 1-2 link, two Korean sentences a 2-1, three a 1-3 / 3-1;
* drops: about ``DROP_RATE`` (5%) of positions lose the sentence on one side, which
  leaves a 1-0 (Korean dropped) or 0-1 (English dropped) link;
* strays: about ``STRAY_RATE`` (3%) of positions get a sentence from another article
  (never its headline) inserted before them on one side only (1-0 or 0-1);
* furniture: ``FURNITURE_RATE`` (40%) of documents get an English-only tail of page
  furniture (translator credit, contact line, "Read in Korean", ...), one 1-0 link per
  line.

The number of each operation is the rate times the sentence count, rounded at random
(so a 12-sentence document gets one join with probability .2 and two with .8 ... in
expectation 1.2). Operations are placed at random but never on the headline (first
sentence) nor on the last sentence, and any two operations are separated by at least
one untouched 1-1 sentence. So a join never borders a drop or a stray, a 1-0 never
borders a 0-1, and the furniture tail always follows a plain 1-1 link: the gold has
exactly one correct reading. Gold links are in order and cover every sentence index of
both sides exactly once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

Link = tuple[tuple[int, ...], tuple[int, ...]]

DEFAULT_SEED = 13
JOIN_RATE = 0.10
DROP_RATE = 0.05
STRAY_RATE = 0.03
FURNITURE_RATE = 0.40

# join kind (English count first) -> weight; 1-2/2-1 are the common case in real news.
JOIN_KINDS: tuple[tuple[str, float], ...] = (
    ("1-2", 0.35),
    ("2-1", 0.35),
    ("1-3", 0.15),
    ("3-1", 0.15),
)


# --------------------------------------------------------------------------- furniture

_CREDITS = (
    "*Translated by S & J",
    "*Translated by Jeong Tae Joo",
    "*Translated by Gabriela Bernal",
    "Translated by Jason Bartlett",
    "*Translated by Leonid Petrov",
    "Translated by Yoon Seo-young",
    "Translated by Daily NK staff",
    "*Translated by Jisoo Kim and edited by Robert Lauler",
)
_CONTACTS = (
    "Please direct any comments or questions about this article to dailynkenglish@uni-media.net.",
    "Please direct any comments or questions about this article to dailynkenglish@uni-media.net",
    "For questions or comments about this article, email dailynkenglish@uni-media.net.",
    "Send comments or questions about this article to dailynkenglish@uni-media.net.",
)
_READ_ORIGINAL = (
    "Read in Korean",
    "Read in Korean.",
    "Read the original article in Korean.",
    "This article was first published in Korean.",
)

FURNITURE_LINES = frozenset(_CREDITS + _CONTACTS + _READ_ORIGINAL)


def furniture_tail(rng: random.Random) -> list[str]:
    """One to three lines of English-only page furniture, in a realistic order."""
    lines = [rng.choice(_CREDITS)]
    if rng.random() < 0.6:
        lines.append(rng.choice(_CONTACTS))
    if rng.random() < 0.5:
        read = rng.choice(_READ_ORIGINAL)
        # "Read in Korean" sits above the credit as often as below it.
        if rng.random() < 0.5:
            lines.insert(0, read)
        else:
            lines.append(read)
    return lines


# --------------------------------------------------------------------------- perturbation


def _stochastic_round(x: float, rng: random.Random) -> int:
    base = int(x)
    return base + (1 if rng.random() < x - base else 0)


@dataclass(frozen=True)
class _Op:
    kind: str  # "join" | "drop" | "stray"
    label: str  # link kind it makes, English count first: "1-2", "1-0", ...
    start: int  # first original position (stray: inserted before this position)
    length: int  # original positions consumed (stray: 0)

    @property
    def interval(self) -> tuple[int, int]:
        """Closed interval in doubled coordinates: position i -> 2i+1, gap before i -> 2i."""
        if self.length == 0:
            return (2 * self.start, 2 * self.start)
        return (2 * self.start + 1, 2 * (self.start + self.length) - 1)


def _separated(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when an untouched position (odd coordinate) lies strictly between a and b."""
    (_, e1), (s2, _) = sorted((a, b))
    if s2 <= e1:
        return False
    first_odd = e1 + 1 if (e1 + 1) % 2 == 1 else e1 + 2
    return first_odd < s2


def _candidates(
    kind: str, length: int, n: int, unit_of: Sequence[int], placed: Sequence[_Op]
) -> list[int]:
    out: list[int] = []
    # a stray goes before position p, 1 <= p <= n-1; other operations cover
    # positions start..start+length-1, all within 1..n-2
    starts = range(1, n) if kind == "stray" else range(1, n - length)
    for start in starts:
        if kind == "join" and len({unit_of[i] for i in range(start, start + length)}) != 1:
            continue
        op = _Op(kind, "", start, length)
        if all(_separated(op.interval, other.interval) for other in placed):
            out.append(start)
    return out


def perturb_sides(
    name: str,
    en: Sequence[str],
    ko: Sequence[str],
    strays_en: Sequence[str],
    strays_ko: Sequence[str],
    seed: int = DEFAULT_SEED,
    unit_of: Sequence[int] | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Link, ...]]:
    """Perturb one sentence-parallel document (``en[i]`` <-> ``ko[i]``) into n-m gold:
    its English and Korean sentences and the gold links.

    ``strays_en``/``strays_ko`` are candidate sentences from other articles; ``unit_of``
    gives the source document of each position, and joins stay inside one.
    """
    if len(en) != len(ko):
        raise ValueError(f"{name}: sides differ in length ({len(en)} vs {len(ko)})")
    n = len(en)
    rng = random.Random(f"{seed}:{name}")
    if unit_of is None:
        unit_of = [0] * n

    wanted: list[tuple[str, str, int]] = []
    join_labels = [k for k, _ in JOIN_KINDS]
    join_weights = [w for _, w in JOIN_KINDS]
    for _ in range(_stochastic_round(JOIN_RATE * n, rng)):
        label = rng.choices(join_labels, join_weights)[0]
        wanted.append(("join", label, max(int(c) for c in label.split("-"))))
    for _ in range(_stochastic_round(DROP_RATE * n, rng)):
        wanted.append(("drop", rng.choice(("1-0", "0-1")), 1))
    for _ in range(_stochastic_round(STRAY_RATE * n, rng)):
        wanted.append(("stray", rng.choice(("1-0", "0-1")), 0))

    placed: list[_Op] = []
    for kind, label, length in wanted:  # joins first: they need the most room
        starts = _candidates(kind, length, n, unit_of, placed)
        if starts:
            placed.append(_Op(kind, label, rng.choice(starts), length))
    by_start: dict[int, list[_Op]] = {}
    for op in placed:
        by_start.setdefault(op.start, []).append(op)

    out_en: list[str] = []
    out_ko: list[str] = []
    gold: list[Link] = []

    def emit(en_parts: Sequence[str], ko_parts: Sequence[str]) -> None:
        e = tuple(range(len(out_en), len(out_en) + len(en_parts)))
        k = tuple(range(len(out_ko), len(out_ko) + len(ko_parts)))
        out_en.extend(en_parts)
        out_ko.extend(ko_parts)
        gold.append((e, k))

    i = 0
    while i < n:
        ops = sorted(by_start.get(i, ()), key=lambda o: o.length)  # a stray comes first
        consumed = False
        for op in ops:
            if op.kind == "stray":
                if op.label == "1-0":
                    emit([rng.choice(strays_en)], [])
                else:
                    emit([], [rng.choice(strays_ko)])
            elif op.kind == "drop":
                if op.label == "1-0":
                    emit([en[i]], [])
                else:
                    emit([], [ko[i]])
                i += 1
                consumed = True
            else:
                span = range(i, i + op.length)
                if op.label.startswith("1-"):  # English sentences joined into one
                    emit([" ".join(en[j] for j in span)], [ko[j] for j in span])
                else:  # Korean sentences joined into one
                    emit([en[j] for j in span], [" ".join(ko[j] for j in span)])
                i += op.length
                consumed = True
        if not consumed:
            emit([en[i]], [ko[i]])
            i += 1

    if n and rng.random() < FURNITURE_RATE:
        for line in furniture_tail(rng):
            emit([line], [])

    return tuple(out_en), tuple(out_ko), tuple(gold)
