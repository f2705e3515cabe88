"""One run at a time per output: an advisory file lock next to the dataset."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockedError(Exception):
    """Another run holds the lock of this output."""


@contextmanager
def output_lock(out: Path) -> Iterator[Path]:
    """Hold `.<name>.lock` next to `out` for the duration of a run.

    The lock is released by the kernel if the process dies, so a crash never
    leaves a stale lock behind.
    """
    path = out.parent / f".{out.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(f"{out} is being published by {holder}; "
                              "wait for that run to finish") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
