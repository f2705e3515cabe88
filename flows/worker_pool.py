"""The worker processes of a run: CPU-bound reading and extraction, off the orchestrating
process. Prefect-free, so that the command line can start them before Prefect is even
imported.

The processes are forked from a fork server that imported `preload` first (the spaCy
models and the extractors' patterns): the models load once per run, not once per worker,
and a replaced worker starts warm.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from pipeline.config import Settings

MODELS = "flows.preload_models"  # the module whose import loads what every document needs
T = TypeVar("T")


class WorkerCrashed(RuntimeError):
    """A worker process died while working (a crash in native code, killed for memory)."""


@dataclass
class _Pool:
    """The worker processes of the run in progress: started by the first call that needs
    them (a run with nothing to read starts none), started again if they die."""

    start: Callable[[], ProcessPoolExecutor]
    executor: ProcessPoolExecutor | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> ProcessPoolExecutor:
        with self.lock:
            if self.executor is None:
                self.executor = self.start()
            return self.executor

    def replace(self, broken: ProcessPoolExecutor) -> None:
        """New processes instead of `broken` (once, however many calls saw it break)."""
        with self.lock:
            if self.executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self.executor = self.start()

    def shutdown(self) -> None:
        with self.lock:
            if self.executor is not None:
                self.executor.shutdown()


_POOL: list[_Pool] = []
_EARLY: dict[Hashable, Future] = {}  # calls started before the run asked for them


def _context(preload: str | None) -> multiprocessing.context.BaseContext:
    """A fork server that imports `preload` once (where there is one: POSIX), else spawn.
    The preload list only counts before this process' fork server starts."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    if preload:
        context.set_forkserver_preload([preload])
    return context


@contextmanager
def worker_processes(settings: Settings, preload: str | None = None) -> Iterator[None]:
    """With `--task-runner process`, a pool of `settings.workers` processes for the run's
    CPU-bound calls (:func:`in_worker_process`), all started at the first call (which
    waits for the fork server to import `preload`: loaded once there, or by each worker
    without a fork server). Inside a run that already has worker processes, those are
    used. Readers and spaCy are CPU-bound Python: threads would share one core. Prefect's
    own ProcessPoolTaskRunner would also move each task's orchestration, cache lookup and
    result into the pool, which costs more than reading a small document."""
    if settings.task_runner != "process" or _POOL:
        yield
        return
    workers = max(1, settings.workers)

    def start() -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=_context(preload),
                                       initializer=_worker_start, initargs=(preload,))
        for _ in range(workers):  # the pool starts one process per waiting call
            executor.submit(int)
        return executor

    pool = _Pool(start)
    _POOL.append(pool)
    try:
        yield
    finally:
        for future in _EARLY.values():  # started early, never asked for
            future.cancel()
        _EARLY.clear()
        _POOL.remove(pool)
        pool.shutdown()


def _worker_start(preload: str | None) -> None:
    """In each worker process: end with the run's process, however it ends (a killed run
    must not leave its workers behind), then have `preload` imported (a no-op when the
    fork server did it)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()
    if preload:
        importlib.import_module(preload)


def start_early(key: Hashable, fn: Callable[..., T], *args: object) -> None:
    """Start `fn(*args)` in the worker processes now; the run's own call with the same
    `early_key` (:func:`in_worker_process`) then takes its result. Without worker
    processes, nothing is started (the run calls `fn` itself)."""
    if _POOL and key not in _EARLY:
        _EARLY[key] = _POOL[0].get().submit(fn, *args)


def in_worker_process(fn: Callable[..., T], *args: object,
                      early_key: Hashable | None = None) -> T:
    """`fn(*args)` in the run's worker processes when it has them, else here (or the
    result of the same call started early under `early_key`). When a worker process dies,
    the pool is started again and :class:`WorkerCrashed` raised for each call it was
    running (the caller may try again: the culprit crashes again, the others not)."""
    if not _POOL:
        return fn(*args)
    pool = _POOL[0]
    executor = pool.get()
    future = _EARLY.pop(early_key, None) if early_key is not None else None
    try:
        return (future or executor.submit(fn, *args)).result()
    except BrokenProcessPool as exc:
        pool.replace(executor)
        raise WorkerCrashed(f"a worker process died ({exc})") from exc
