"""One run at a time per output: an advisory file lock next to the dataset.

A remote output (`s3://...`) has no folder to hold a lock file: its lock is a local file
named by a hash of the output (`<tmp>/ptsm-locks/<hash>.lock`). It keeps two runs on
this machine from publishing into the same output, not runs on two machines.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.dataset.outputs import resolve_output


class LockedError(Exception):
    """Another run holds the lock of this output."""


@contextmanager
def output_lock(out: str | Path) -> Iterator[Path]:
    """Hold `.<name>.lock` next to `out` (local) for the duration of a run.

    The lock is released by the kernel if the process dies, so a crash never
    leaves a stale lock behind. For a remote output, see `lock_path`.
    """
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(f"{resolve_output(out)} is being published by {holder}; "
                              "wait for that run to finish") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_path(out: str | Path) -> Path:
    """The lock file of an output: next to a local one; for a remote one, a file of this
    machine's temporary folder named by a hash of `<scheme>://<bucket>/<prefix>` (the
    connection options of the URI do not change the lock)."""
    output = resolve_output(out)
    if output.is_local:
        local = output.local_path
        return local.parent / f".{local.name}.lock"
    digest = hashlib.sha256(output.key.encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "ptsm-locks" / f"{digest}.lock"
