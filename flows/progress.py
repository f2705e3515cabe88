"""Progress of the read-and-extract stage a person can follow: documents done / total,
pages per second and the time left; a rich progress bar on a terminal, a log line per
document otherwise (files, CI, the Prefect UI)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def format_duration(seconds: float) -> str:
    """`45 s`, `3 min 05 s`, `1 h 02 min`."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class RunProgress:
    """Counts documents and pages as they are done. The time left is estimated from the
    bytes still to read (documents are read largest first, so a count of documents
    would promise too much too early).

    `advance(size, pages)` is the hook for whatever makes a document slower or faster to
    read (OCR pages count as pages)."""

    def __init__(self, sizes: list[int], log: logging.Logger | logging.LoggerAdapter,
                 live: bool | None = None):
        self.total = len(sizes)
        self.total_bytes = max(1, sum(sizes))
        self.done = 0
        self.done_bytes = 0
        self.pages = 0
        self.started = time.monotonic()
        self.log = log
        self.live = sys.stderr.isatty() if live is None else live
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    @property
    def pages_per_second(self) -> float:
        return self.pages / max(1e-6, time.monotonic() - self.started)

    @property
    def seconds_left(self) -> float | None:
        if not self.done_bytes:
            return None
        spent = time.monotonic() - self.started
        return spent * (self.total_bytes - self.done_bytes) / self.done_bytes

    def status(self) -> str:
        """`3/8 documents, 41.2 pages/s, about 1 min 10 s left`."""
        text = f"{self.done}/{self.total} documents, {self.pages_per_second:.1f} pages/s"
        left = self.seconds_left
        if left is not None and self.done < self.total:
            text += f", about {format_duration(left)} left"
        return text

    def advance(self, size: int, pages: int | None, line: str) -> None:
        """One more document done (`size` bytes, `pages` pages, `line` says what it gave)."""
        self.done += 1
        self.done_bytes += size
        self.pages += pages or 0
        if self._bar is not None and self._task is not None:
            self.log.info("%s", line)
            self._bar.update(self._task, completed=self.done_bytes, docs=self.done,
                             rate=self.pages_per_second)
        else:
            self.log.info("%s — %s", line, self.status())

    @contextmanager
    def shown(self) -> Iterator[RunProgress]:
        """The progress bar on the terminal while the documents are read (the log lines go
        above it); nothing more off a terminal."""
        if not self.live or not self.total:
            yield self
            return
        bar = Progress(TextColumn("reading"), BarColumn(),
                       TextColumn("{task.fields[docs]}/{task.fields[total_docs]} documents"),
                       TextColumn("{task.fields[rate]:.1f} pages/s"), TimeElapsedColumn(),
                       TextColumn("left"), TimeRemainingColumn(),
                       console=Console(stderr=True), redirect_stderr=True)
        with bar:
            self._bar = bar
            self._task = bar.add_task("read", total=self.total_bytes, docs=0,
                                      total_docs=self.total, rate=0.0)
            with _console_logs_through(sys.stderr):
                yield self
            self._bar = None


@contextmanager
def _console_logs_through(stream: Any) -> Iterator[None]:
    """Point the rich consoles of the log handlers (Prefect's) at `stream`, the progress
    bar's stand-in for stderr, so that log lines are printed above the bar."""
    handlers = [h for h in _handlers() if isinstance(getattr(h, "console", None), Console)]
    saved = [(h, h.console.file) for h in handlers]
    for handler in handlers:
        handler.console.file = stream
    try:
        yield
    finally:
        for handler, file in saved:
            handler.console.file = file


def _handlers() -> Iterator[logging.Handler]:
    loggers = [logging.getLogger(), *(logger for logger in
                                      logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    seen: set[int] = set()
    for logger in loggers:
        for handler in logger.handlers:
            if id(handler) not in seen:
                seen.add(id(handler))
                yield handler
