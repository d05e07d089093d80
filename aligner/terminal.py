"""What a terminal shows while a batch runs: the stage, a bar of pairs and a time left
that holds, with log lines routed through the same rich console so they print above the
bar instead of over it."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Task
    from rich.text import Text

STAGES = ("reading", "pairing", "encoding", "aligning", "writing")
# two encoding batches of Aligner.align_many (64 pairs each): past them, the bursts in
# which pairs finish average out to within about one batch's time
WARMUP_PAIRS = 128


def console() -> Console:
    """The one stderr console of the process (shared by the bar and the log handler)."""
    global _CONSOLE
    if _CONSOLE is None:
        from rich.console import Console

        _CONSOLE = Console(stderr=True)
    return _CONSOLE


_CONSOLE: Console | None = None


def setup_logging(verbose: bool) -> logging.Handler:
    """Route logging through rich on the shared console when stderr is a terminal (so a
    log line never breaks the progress bar), else as plain one-line records (a log file
    or a pipe gets no wrapping or padding); INFO with ``verbose``, else WARNING. Replaces
    the handler an earlier call installed. Returns the handler."""
    from rich.logging import RichHandler

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "aligner", False)]:
        root.removeHandler(old)
    handler: logging.Handler
    if sys.stderr.isatty():
        handler = RichHandler(
            console=console(),
            show_time=False,
            show_path=False,
            markup=False,
            rich_tracebacks=False,
        )
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.aligner = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    return handler


class Eta:
    """Time left from the average rate since the first pair finished.

    Pairs finish in bursts: a batch of pairs is encoded (nothing finishes), then its pairs
    are aligned one after the other in a blink. A speed measured over the last seconds
    swings between those two (and the first batch also pays for compiling the kernels),
    so the estimate here is the mean rate from the first finished pair to now, given only
    once ``warmup`` pairs (two batches) have finished since: from then on it is off by at
    most about one batch's time, where a speed over the last seconds is off by a factor
    of several. Measured at the moment of asking, it also grows while a batch is encoded.
    """

    def __init__(self, warmup: int = WARMUP_PAIRS) -> None:
        self.warmup = warmup
        self._first: tuple[int, float] | None = None
        self._done = 0
        self._total = 0

    def update(self, done: int, total: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self._first is None and done > 0:
            self._first = (done, now)
        self._done, self._total = done, total

    def seconds_left(self, now: float | None = None) -> float | None:
        """None until ``warmup`` pairs have finished since the first one."""
        if self._first is None:
            return None
        now = time.monotonic() if now is None else now
        first_done, first_time = self._first
        counted = self._done - first_done
        if counted < min(self.warmup, max(1, self._total - first_done)) or now <= first_time:
            return None
        rate = counted / (now - first_time)
        return (self._total - self._done) / rate


def _eta_text(eta: Eta) -> Text:
    from rich.text import Text

    left = eta.seconds_left()
    if left is None:
        return Text("ETA -:--:--", style="progress.remaining")
    whole = int(left + 0.5)
    clock = f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    return Text(f"ETA {clock}", style="progress.remaining")


class StageDisplay:
    """Receives the stage and the pairs done; draws them when ``progress`` is a rich
    Progress, records them otherwise (``stages`` lists every stage entered, in order)."""

    def __init__(self, progress=None, eta: Eta | None = None) -> None:
        self.progress = progress
        self.stages: list[str] = []
        self.eta = eta or Eta()
        self._task = None if progress is None else progress.add_task("reading", total=None)

    def stage(self, name: str) -> None:
        if name not in STAGES:
            raise ValueError(f"unknown stage {name!r}")
        if self.stages and self.stages[-1] == name:
            return
        self.stages.append(name)
        if self.progress is not None:
            self.progress.update(self._task, description=name)

    def pairs(self, done: int, total: int) -> None:
        self.eta.update(done, total)
        if done > 0 and self.stages and self.stages[-1] == "encoding":
            self.stage("aligning")
        if self.progress is not None:
            self.progress.update(self._task, completed=done, total=total)


@contextmanager
def stage_display(show: bool) -> Iterator[StageDisplay]:
    """A StageDisplay drawing on the shared stderr console when ``show`` (a terminal),
    recording only otherwise; the bar is cleared at the end."""
    if not show:
        yield StageDisplay()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn

    eta = Eta()

    class EtaColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return _eta_text(eta)

    columns = (
        "{task.description:<9}",
        BarColumn(),
        MofNCompleteColumn(),
        "article pairs",
        EtaColumn(),
    )
    with Progress(*columns, console=console(), transient=True) as progress:
        yield StageDisplay(progress, eta)


class ChunkedEncoder:
    """Passes texts to ``inner`` a chunk at a time and calls ``advance(n)`` after each,
    so a long encoding (the heatmap's) can show its progress."""

    def __init__(self, inner, advance: Callable[[int], None], chunk: int = 256) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._advance = advance
        self._chunk = chunk

    def encode(self, texts: Sequence[str]):
        import numpy as np

        texts = list(texts)
        parts = []
        for start in range(0, len(texts), self._chunk):
            part = texts[start : start + self._chunk]
            parts.append(self.inner.encode(part))
            self._advance(len(part))
        return np.concatenate(parts) if parts else self.inner.encode([])


@contextmanager
def count_display(show: bool, label: str) -> Iterator[Callable[[int], None]]:
    """A spinner with a running count on the shared stderr console when ``show`` (a
    terminal); yields ``advance(n)``. Cleared at the end."""
    if not show:
        yield lambda _n: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn(label),
        TextColumn("{task.completed}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console(), transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda n: progress.advance(task, n)
