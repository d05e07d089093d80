"""Make a week of daily article folders from the seed pair, for the incremental-corpus
examples, tests and the kill benchmark.

Each day folder holds ``PER_DAY`` pairs, ``<id>.en.txt`` and ``<id>.ko.txt`` (paired by
their shared id): the seed article under a headline of its own, with one of its
paragraphs left out on both sides, so every article differs from every other.

    python scripts/make_week.py week/        # week/day1 ... week/day7
"""

from __future__ import annotations

import argparse
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED = "000_1f513c82f196d388"
PER_DAY = 2


def _paragraphs(lang: str) -> list[str]:
    text = (SEEDS / f"{SEED}.{lang}.txt").read_text(encoding="utf-8")
    return [p for p in text.split("\n\n") if p.strip()]


def article(day: int, k: int) -> tuple[str, str]:
    """The English and Korean texts of the ``k``-th article of ``day`` (both from 1)."""
    en, ko = _paragraphs("en"), _paragraphs("ko")
    n = day * 10 + k
    drop = n % min(len(en), len(ko))
    en_text = [f"Border trade report {n}: the view from Dandong on day {day}."]
    ko_text = [f"국경 무역 보도 {n}: {day}일째 단둥 현지 상황."]
    en_text += [p for i, p in enumerate(en) if i != drop]
    ko_text += [p for i, p in enumerate(ko) if i != drop]
    return "\n\n".join(en_text) + "\n", "\n\n".join(ko_text) + "\n"


def make_week(root: str | Path, days: int = 7, per_day: int = PER_DAY) -> list[Path]:
    """Write ``root/day1`` ... ``root/day<days>``; returns the folders."""
    out = []
    for day in range(1, days + 1):
        folder = Path(root) / f"day{day}"
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(1, per_day + 1):
            en, ko = article(day, k)
            (folder / f"d{day}-{k}.en.txt").write_text(en, encoding="utf-8")
            (folder / f"d{day}-{k}.ko.txt").write_text(ko, encoding="utf-8")
        out.append(folder)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--per-day", type=int, default=PER_DAY)
    args = parser.parse_args()
    for folder in make_week(args.root, args.days, args.per_day):
        print(folder)


if __name__ == "__main__":
    main()
