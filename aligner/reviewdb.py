"""Review corrections: the beads of reviewed pairs, kept in SQLite beside the corpus.

A corpus ``news.parquet`` gets ``news.parquet.review.sqlite``. The database holds, for
every pair a reviewer has touched, its current beads (``pairs``), and a journal of every
action (``actions``) with its time, reviewer and the beads before and after. Each action
is one transaction, committed before the answer goes back, so killing the server loses
at most the action in flight, and the journal keeps every correction ever made.

A bead under review is a :class:`ReviewBead`: an id that is stable within its pair (the
corpus position for the beads the corpus had), the sentence indices of each side, a
version bumped by every change, and whether a reviewer has passed it. An action names
the beads it acts on with the versions the reviewer saw; if another reviewer changed
one of them since, or the neighbour is no longer the one the reviewer saw, the action
is refused with :class:`StaleError` (HTTP 409) instead of overwriting their work.

Actions (:data:`ACTIONS`) are pure functions of a pair's beads. A side with several
sentences that ends up alone (``2-0``) is cut into ``1-0`` beads, as the aligner writes
unaligned sentences, so every bead stays a kind the corpus and the gold format know.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aligner.errors import AlignerError, InputError

__all__ = [
    "ACTIONS",
    "ActionError",
    "PairState",
    "ReviewBead",
    "ReviewStore",
    "StaleError",
    "apply_action",
    "store_path",
]

ACTIONS = (
    "accept",
    "reject",
    "merge_prev",
    "merge_next",
    "move_en_prev",
    "move_en_next",
    "move_ko_prev",
    "move_ko_next",
    "split",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pairs (
    pair_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    next_id INTEGER NOT NULL,
    beads TEXT NOT NULL,
    updated TEXT NOT NULL,
    reviewer TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    pair_id TEXT NOT NULL,
    action TEXT NOT NULL,
    bead INTEGER NOT NULL,
    args TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
"""


class ActionError(AlignerError):
    """An action that cannot apply to the bead (no neighbour, nothing to move, ...)."""


class StaleError(AlignerError):
    """The reviewer acted on beads that someone else has changed since they loaded them."""


@dataclass(frozen=True, slots=True)
class ReviewBead:
    """One bead of a pair under review."""

    id: int
    en: tuple[int, ...]
    ko: tuple[int, ...]
    v: int = 0
    reviewed: bool = False
    by: str = ""
    at: str = ""

    @property
    def kind(self) -> str:
        return f"{len(self.en)}-{len(self.ko)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "en": list(self.en),
            "ko": list(self.ko),
            "v": self.v,
            "reviewed": self.reviewed,
            "by": self.by,
            "at": self.at,
        }

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> ReviewBead:
        return ReviewBead(
            int(d["id"]),
            tuple(d["en"]),
            tuple(d["ko"]),
            int(d["v"]),
            bool(d["reviewed"]),
            str(d.get("by", "")),
            str(d.get("at", "")),
        )


@dataclass(frozen=True, slots=True)
class PairState:
    """A pair's beads in order; ``version`` counts the actions applied to the pair."""

    pair_id: str
    beads: tuple[ReviewBead, ...]
    next_id: int
    version: int = 0

    def index(self, bead_id: int) -> int:
        for k, bead in enumerate(self.beads):
            if bead.id == bead_id:
                return k
        raise StaleError(
            f"bead {bead_id} of pair {self.pair_id!r} no longer exists (another reviewer "
            "merged or split it); the page shows the pair as it is now"
        )

    @property
    def done(self) -> bool:
        return all(b.reviewed for b in self.beads)


def initial_state(
    pair_id: str, sides: Sequence[tuple[Sequence[int], Sequence[int], bool]]
) -> PairState:
    """A pair as the corpus has it: bead ids are corpus positions, versions 0."""
    beads = tuple(
        ReviewBead(k, tuple(en), tuple(ko), 0, reviewed)
        for k, (en, ko, reviewed) in enumerate(sides)
    )
    return PairState(pair_id, beads, len(beads), 0)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- actions


def _stale(state: PairState, bead: ReviewBead) -> StaleError:
    who = f" by {bead.by} at {bead.at}" if bead.by else ""
    return StaleError(
        f"bead {bead.id} of pair {state.pair_id!r} was changed{who} since you loaded it; "
        "the page shows the pair as it is now"
    )


def _check(state: PairState, k: int, expect: Mapping[int, int]) -> None:
    bead = state.beads[k]
    if expect.get(bead.id) != bead.v:
        raise _stale(state, bead)


def _singles(bead: ReviewBead) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """A one-sided group of several sentences as one 1-0 / 0-1 bead per sentence."""
    if bead.en and bead.ko:
        return [(bead.en, bead.ko)]
    return [((i,), ()) for i in bead.en] + [((), (j,)) for j in bead.ko]


def apply_action(
    state: PairState,
    action: str,
    bead_id: int,
    expect: Mapping[int, int],
    *,
    reviewer: str,
    time: str,
    args: Mapping[str, Any] | None = None,
) -> PairState:
    """``state`` after ``action`` on bead ``bead_id``; ``expect`` maps the ids of the beads
    the reviewer saw (the bead and the neighbour it acts with) to their versions."""
    if action not in ACTIONS:
        raise ActionError(f"unknown action {action!r} (one of: {', '.join(ACTIONS)})")
    args = args or {}
    beads = list(state.beads)
    k = state.index(bead_id)
    _check(state, k, expect)
    target = beads[k]
    next_id = state.next_id

    def mark(bead: ReviewBead, en: tuple[int, ...], ko: tuple[int, ...]) -> ReviewBead:
        return replace(bead, en=en, ko=ko, v=bead.v + 1, reviewed=True, by=reviewer, at=time)

    def fresh(groups: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> list[ReviewBead]:
        nonlocal next_id
        out = []
        for en, ko in groups:
            out.append(ReviewBead(next_id, en, ko, 0, True, reviewer, time))
            next_id += 1
        return out

    def neighbour(step: int) -> int:
        j = k + step
        if not 0 <= j < len(beads):
            where = "previous" if step < 0 else "next"
            raise ActionError(f"bead {bead_id} has no {where} bead in its pair")
        _check(state, j, expect)
        return j

    if action == "accept":
        beads[k] = mark(target, target.en, target.ko)
    elif action == "reject":
        groups = [((i,), ()) for i in target.en] + [((), (j,)) for j in target.ko]
        first = mark(target, *groups[0])
        beads[k : k + 1] = [first, *fresh(groups[1:])]
    elif action in ("merge_prev", "merge_next"):
        j = neighbour(-1 if action == "merge_prev" else 1)
        lo, hi = min(j, k), max(j, k)
        a, b = beads[lo], beads[hi]
        merged = mark(a, a.en + b.en, a.ko + b.ko)
        groups = _singles(merged)
        if len(groups) > 1:
            raise ActionError("merging two beads of one language gives no link; nothing done")
        beads[lo : hi + 1] = [merged]
    elif action.startswith("move_"):
        _, side, where = action.split("_")
        j = neighbour(-1 if where == "prev" else 1)
        own = getattr(target, side)
        if not own:
            raise ActionError(f"bead {bead_id} has no {_LANG[side]} sentence to move")
        moved = own[:1] if where == "prev" else own[-1:]
        rest = own[1:] if where == "prev" else own[:-1]
        other = beads[j]
        theirs = getattr(other, side)
        theirs = theirs + moved if where == "prev" else moved + theirs
        new_target = mark(target, *_with_side(target, side, rest))
        new_other = mark(other, *_with_side(other, side, theirs))
        pair = [new_other, new_target] if where == "prev" else [new_target, new_other]
        out: list[ReviewBead] = []
        for bead in pair:
            if not bead.en and not bead.ko:
                continue
            groups = _singles(bead)
            out.append(replace(bead, en=groups[0][0], ko=groups[0][1]))
            out.extend(fresh(groups[1:]))
        lo = min(j, k)
        beads[lo : lo + 2] = out
    elif action == "split":
        en_cut, ko_cut = int(args.get("en_cut", -1)), int(args.get("ko_cut", -1))
        if not (0 <= en_cut <= len(target.en) and 0 <= ko_cut <= len(target.ko)):
            raise ActionError(
                f"split cuts {en_cut}, {ko_cut} fall outside bead {bead_id} ({target.kind})"
            )
        first = (target.en[:en_cut], target.ko[:ko_cut])
        second = (target.en[en_cut:], target.ko[ko_cut:])
        if not (first[0] or first[1]) or not (second[0] or second[1]):
            raise ActionError("a split must leave sentences on both sides of the cut")
        groups = _singles(ReviewBead(-1, *first)) + _singles(ReviewBead(-1, *second))
        beads[k : k + 1] = [mark(target, *groups[0]), *fresh(groups[1:])]
    return PairState(state.pair_id, tuple(beads), next_id, state.version + 1)


_LANG = {"en": "English", "ko": "Korean"}


def _with_side(
    bead: ReviewBead, side: str, value: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return (value, bead.ko) if side == "en" else (bead.en, value)


# --------------------------------------------------------------------------- the store


def store_path(corpus: str | Path) -> Path:
    corpus = Path(corpus)
    return corpus.with_name(corpus.name + ".review.sqlite")


def fingerprint(metadata: Mapping[str, str], rows: int) -> str:
    """What identifies one version of a corpus: its file metadata and row count."""
    text = json.dumps(sorted(metadata.items()), ensure_ascii=False) + f"|{rows}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ReviewStore:
    """The review database of one corpus. Every call opens its own connection, so the
    store serves several threads, and several servers can share one database file."""

    def __init__(self, path: str | Path, fingerprint: str) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint
        with self._connect() as db:
            db.executescript(_SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT value FROM meta WHERE key = 'corpus'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('corpus', ?)", (fingerprint,))
            elif row[0] != fingerprint:
                db.execute("ROLLBACK")
                raise InputError(
                    "this review database belongs to another version of the corpus",
                    path=self.path,
                    fix="move it away to start a new review, or review the corpus it was made for",
                )
            db.execute("COMMIT")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as err:
            raise InputError(f"cannot open the review database ({err})", path=self.path) from err
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            yield db
        finally:
            db.close()

    def states(self) -> dict[str, PairState]:
        """Every pair a reviewer has touched, by pair id."""
        with self._connect() as db:
            rows = db.execute("SELECT pair_id, version, next_id, beads FROM pairs").fetchall()
        return {r[0]: _state(r) for r in rows}

    def state(self, pair_id: str) -> PairState | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT pair_id, version, next_id, beads FROM pairs WHERE pair_id = ?", (pair_id,)
            ).fetchone()
        return _state(row) if row else None

    def act(
        self,
        pair_id: str,
        initial: Callable[[], PairState],
        action: str,
        bead_id: int,
        expect: Mapping[int, int],
        reviewer: str,
        args: Mapping[str, Any] | None = None,
    ) -> PairState:
        """Apply one action in one transaction and journal it; return the pair after it."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT pair_id, version, next_id, beads FROM pairs WHERE pair_id = ?",
                    (pair_id,),
                ).fetchone()
                before = _state(row) if row else initial()
                time = now()
                after = apply_action(
                    before, action, bead_id, expect, reviewer=reviewer, time=time, args=args
                )
                beads = _dump(after)
                db.execute(
                    "INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?, ?)",
                    (pair_id, after.version, after.next_id, beads, time, reviewer),
                )
                db.execute(
                    "INSERT INTO actions (time, reviewer, pair_id, action, bead, args, before, "
                    "after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (time, reviewer, pair_id, action, bead_id, json.dumps(dict(args or {})),
                     _dump(before), beads),
                )  # fmt: skip
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return after

    def journal(self) -> list[dict[str, Any]]:
        """Every action in the order it was made."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT id, time, reviewer, pair_id, action, bead, args FROM actions ORDER BY id"
            ).fetchall()
        return [dict(r) for r in rows]


def _dump(state: PairState) -> str:
    return json.dumps([b.as_json() for b in state.beads], separators=(",", ":"))


def _state(row: Sequence[Any]) -> PairState:
    pair_id, version, next_id, beads = row
    return PairState(
        pair_id, tuple(ReviewBead.from_json(b) for b in json.loads(beads)), next_id, version
    )
