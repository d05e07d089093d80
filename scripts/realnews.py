"""The real-news benchmark's files: manifest, gold on character spans, raw texts.

Layout (``corpora/realnews/``, format in ``SOURCE.md``):

* ``manifest.jsonl``: one article pair per line (id, source, split, date, URLs,
  license, whether the text is committed, sha256 of each side's UTF-8 bytes, notes);
* ``gold/<id>.json``: ``en_units`` / ``ko_units`` (half-open character spans of the raw
  text, in text order), ``furniture_en`` / ``furniture_ko`` (unit indices) and ``links``
  (``[[en indices], [ko indices]]``, in order, every unit in exactly one link);
* ``texts/<id>.{en,ko}.txt`` (committed, open licenses) or ``texts-local/`` (copyrighted
  pages the user supplies; git-ignored).

Used by ``scripts/bench_realnews.py``, ``scripts/realnews_tool.py`` and the tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "corpora" / "realnews"
MANIFEST = ROOT / "manifest.jsonl"
GOLD_DIR = ROOT / "gold"
TEXT_DIRS = (ROOT / "texts", ROOT / "texts-local")

SPLITS = ("dev", "test")
MANIFEST_KEYS = (
    "id",
    "source",
    "split",
    "date",
    "en_url",
    "ko_url",
    "license",
    "text_committed",
    "en_sha256",
    "ko_sha256",
    "notes",
)
GOLD_KEYS = ("id", "en_units", "ko_units", "furniture_en", "furniture_ko", "links")

Link = tuple[tuple[int, ...], tuple[int, ...]]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_of(pair_id: str, dev_share: float = 0.6) -> str:
    """dev or test, fixed by a hash of the id (decided before any alignment is seen)."""
    h = int(hashlib.sha256(pair_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "dev" if h < dev_share else "test"


@dataclass(frozen=True)
class Gold:
    id: str
    en_units: tuple[tuple[int, int], ...]
    ko_units: tuple[tuple[int, int], ...]
    furniture_en: frozenset[int]
    furniture_ko: frozenset[int]
    links: tuple[Link, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Gold:
        return cls(
            id=str(data["id"]),
            en_units=tuple((int(a), int(b)) for a, b in data["en_units"]),
            ko_units=tuple((int(a), int(b)) for a, b in data["ko_units"]),
            furniture_en=frozenset(int(i) for i in data["furniture_en"]),
            furniture_ko=frozenset(int(i) for i in data["furniture_ko"]),
            links=tuple(
                (tuple(int(i) for i in en), tuple(int(j) for j in ko)) for en, ko in data["links"]
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "en_units": [list(s) for s in self.en_units],
            "ko_units": [list(s) for s in self.ko_units],
            "furniture_en": sorted(self.furniture_en),
            "furniture_ko": sorted(self.furniture_ko),
            "links": [[list(en), list(ko)] for en, ko in self.links],
        }


def dump_gold(gold: Gold) -> str:
    """The gold as JSON text: one unit and one link per line, easy to diff."""
    d = gold.to_json()
    lines = ["{", f'  "id": {json.dumps(d["id"])},']
    for key in ("en_units", "ko_units"):
        rows = ",\n    ".join(json.dumps(s) for s in d[key])
        lines.append(f'  "{key}": [\n    {rows}\n  ],' if rows else f'  "{key}": [],')
    lines.append(f'  "furniture_en": {json.dumps(d["furniture_en"])},')
    lines.append(f'  "furniture_ko": {json.dumps(d["furniture_ko"])},')
    rows = ",\n    ".join(json.dumps(lk) for lk in d["links"])
    lines.append(f'  "links": [\n    {rows}\n  ]')
    lines.append("}")
    return "\n".join(lines) + "\n"


def read_manifest(path: Path = MANIFEST) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not JSON: {err}") from err
    return out


def read_gold(pair_id: str, gold_dir: Path = GOLD_DIR) -> Gold:
    data = json.loads((gold_dir / f"{pair_id}.json").read_text(encoding="utf-8"))
    missing = [k for k in GOLD_KEYS if k not in data]
    if missing:
        raise ValueError(f"{pair_id}: gold lacks {', '.join(missing)}")
    return Gold.from_json(data)


def find_text(pair_id: str, lang: str, dirs: Sequence[Path] = TEXT_DIRS) -> Path | None:
    for d in dirs:
        p = Path(d) / f"{pair_id}.{lang}.txt"
        if p.exists():
            return p
    return None


def load_texts(entry: dict[str, Any], dirs: Sequence[Path] = TEXT_DIRS) -> tuple[str, str] | str:
    """(en_text, ko_text), or a reason string when not supplied or not matching."""
    texts = []
    for lang in ("en", "ko"):
        p = find_text(entry["id"], lang, dirs)
        if p is None:
            return "missing"
        text = p.read_text(encoding="utf-8")
        if sha256(text) != entry[f"{lang}_sha256"]:
            return f"sha256 mismatch ({p})"
        texts.append(text)
    return texts[0], texts[1]


def _check_units(
    name: str, units: Sequence[tuple[int, int]], text: str | None, errors: list[str]
) -> None:
    prev_end = 0
    for i, (a, b) in enumerate(units):
        if not 0 <= a < b:
            errors.append(f"{name}[{i}] = [{a}, {b}] is empty or negative")
        if a < prev_end:
            errors.append(f"{name}[{i}] starts at {a}, before the previous unit ends ({prev_end})")
        prev_end = max(prev_end, b)
        if text is not None:
            if b > len(text):
                errors.append(f"{name}[{i}] ends at {b}, past the text ({len(text)} chars)")
            elif text[a:b] != text[a:b].strip() or not text[a:b].strip():
                errors.append(f"{name}[{i}] = {text[a:b]!r} is not stripped or is blank")


def validate(gold: Gold, en_text: str | None = None, ko_text: str | None = None) -> list[str]:
    """Every way the gold breaks the format (empty when it is valid)."""
    errors: list[str] = []
    _check_units("en_units", gold.en_units, en_text, errors)
    _check_units("ko_units", gold.ko_units, ko_text, errors)
    for side, units, furn in (
        ("en", gold.en_units, gold.furniture_en),
        ("ko", gold.ko_units, gold.furniture_ko),
    ):
        bad = sorted(i for i in furn if not 0 <= i < len(units))
        if bad:
            errors.append(f"furniture_{side} names units that do not exist: {bad}")
    seen_en: list[int] = []
    seen_ko: list[int] = []
    last = (-1, -1)
    for k, (en, ko) in enumerate(gold.links):
        if not en and not ko:
            errors.append(f"link {k} is empty on both sides")
            continue
        for side, idx in (("en", en), ("ko", ko)):
            if list(idx) != sorted(set(idx)):
                errors.append(f"link {k}: {side} indices {list(idx)} not increasing")
            if idx and list(idx) != list(range(idx[0], idx[-1] + 1)):
                errors.append(f"link {k}: {side} indices {list(idx)} not contiguous")
        if (en and en[0] <= last[0]) or (ko and ko[0] <= last[1]):
            errors.append(f"link {k} {list(en)}:{list(ko)} is out of order")
        last = (en[-1] if en else last[0], ko[-1] if ko else last[1])
        seen_en.extend(en)
        seen_ko.extend(ko)
        if en and ko:
            furn = [i for i in en if i in gold.furniture_en] + [
                j for j in ko if j in gold.furniture_ko
            ]
            if furn:
                errors.append(f"link {k} links furniture units {furn} to the other side")
    for side, seen, units in (("en", seen_en, gold.en_units), ("ko", seen_ko, gold.ko_units)):
        if sorted(seen) != list(range(len(units))):
            dup = sorted({i for i in seen if seen.count(i) > 1})
            lost = sorted(set(range(len(units))) - set(seen))
            errors.append(f"{side} units not in exactly one link: repeated {dup}, missing {lost}")
    return errors


def link_kind(link: Link) -> str:
    return f"{len(link[0])}-{len(link[1])}"


def kinds(links: Iterable[Link]) -> dict[str, int]:
    out: dict[str, int] = {}
    for lk in links:
        out[link_kind(lk)] = out.get(link_kind(lk), 0) + 1
    return dict(sorted(out.items()))
