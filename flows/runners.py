"""Where a run's work happens: Prefect tasks in threads of this process, the CPU-bound
reading and extraction in a pool of worker processes (`process`, the default) or inline
(`thread`); or everything on a Dask cluster (`dask`)."""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from pipeline.config import TASK_RUNNERS, Settings

DASK_LOG_LEVEL = "warning"  # override with DASK_LOGGING__DISTRIBUTED=info
MIN_TASK_THREADS = 4  # ingest waits on the network; tasks wait on the worker processes
T = TypeVar("T")


@dataclass(frozen=True)
class LocalDaskCluster:
    """How a local Dask cluster is started when no `--dask-address` is given.

    One single-threaded worker process per `--workers`: readers and spaCy are
    CPU-bound Python, so processes (not threads) are what runs them in parallel.
    No dashboard (it would need bokeh and a free port).
    """

    threads_per_worker: int = 1
    processes: bool = True
    dashboard_address: str | None = None

    def kwargs(self, n_workers: int) -> dict[str, object]:
        return {"n_workers": n_workers, "threads_per_worker": self.threads_per_worker,
                "processes": self.processes, "dashboard_address": self.dashboard_address}


def task_runner_for(settings: Settings, local: LocalDaskCluster | None = None) -> TaskRunner:
    """`process` and `thread`: Prefect tasks in a thread pool of this process (the work of
    `process` runs in :func:`worker_processes`); `dask`: the cluster at
    `settings.dask_address`, or a local cluster of `settings.workers` processes."""
    workers = max(1, settings.workers)
    if settings.dask_address and settings.task_runner != "dask":
        raise ValueError("--dask-address needs --task-runner dask")
    if settings.task_runner == "process":  # threads that wait on the worker processes
        return ThreadPoolTaskRunner(max_workers=max(MIN_TASK_THREADS, workers))
    if settings.task_runner == "thread":
        return ThreadPoolTaskRunner(max_workers=workers)
    if settings.task_runner == "dask":
        _quiet_dask_logs()
        from prefect_dask import DaskTaskRunner  # optional scale-out dependency

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs=(local or LocalDaskCluster()).kwargs(workers))
    raise ValueError(f"unknown task runner {settings.task_runner!r} "
                     f"(choose from {', '.join(TASK_RUNNERS)})")


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


@contextmanager
def worker_processes(settings: Settings, warm_up: Callable[[], object] | None = None,
                     start_now: bool = False) -> Iterator[None]:
    """With `--task-runner process`, a pool of `settings.workers` processes for the run's
    CPU-bound calls (:func:`in_worker_process`), all started at the first call (or at once
    with `start_now`, when the run already knows it has documents to read), each running
    `warm_up` (loading the models) first. Readers and spaCy are CPU-bound Python:
    threads would share one core. Prefect's own ProcessPoolTaskRunner would also move each
    task's orchestration, cache lookup and result into the pool, which costs more than
    reading a small document."""
    if settings.task_runner != "process" or _POOL:
        yield
        return

    def start() -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        executor = ProcessPoolExecutor(max_workers=max(1, settings.workers),
                                       mp_context=context,
                                       initializer=functools.partial(_worker_start, warm_up))
        for _ in range(max(1, settings.workers)):  # a spawn pool starts one per waiting call
            executor.submit(int)
        return executor

    pool = _Pool(start)
    if start_now:
        pool.get()
    _POOL.append(pool)
    try:
        yield
    finally:
        _POOL.remove(pool)
        pool.shutdown()


def _worker_start(warm_up: Callable[[], object] | None) -> None:
    """In each worker process: end with the run's process, however it ends (a killed run
    must not leave its workers behind), then load the models."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()
    if warm_up is not None:
        warm_up()


def in_worker_process(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in the run's worker processes when it has them, else here. When a worker
    process dies, the pool is started again and :class:`WorkerCrashed` raised for each call
    it was running (the caller may try again: the culprit crashes again, the others not)."""
    if not _POOL:
        return fn(*args)
    pool = _POOL[0]
    executor = pool.get()
    try:
        return executor.submit(fn, *args).result()
    except BrokenProcessPool as exc:
        pool.replace(executor)
        raise WorkerCrashed(f"a worker process died ({exc})") from exc


def _quiet_dask_logs(level: str = DASK_LOG_LEVEL) -> None:
    """Dask's scheduler and workers log every connection at INFO: keep warnings only
    (in this process and in the worker processes, which read the environment)."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", level)
    logging.getLogger("distributed").setLevel(os.environ["DASK_LOGGING__DISTRIBUTED"].upper())
