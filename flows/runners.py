"""Where a run's work happens: Prefect tasks in threads of this process, the CPU-bound
reading and extraction in a pool of worker processes (`process`, the default) or inline
(`thread`); or everything on a Dask cluster (`dask`)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from pipeline.config import TASK_RUNNERS, Settings

DASK_LOG_LEVEL = "warning"  # override with DASK_LOGGING__DISTRIBUTED=info
MIN_TASK_THREADS = 4  # ingest waits on the network; tasks wait on the worker processes


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


def _quiet_dask_logs(level: str = DASK_LOG_LEVEL) -> None:
    """Dask's scheduler and workers log every connection at INFO: keep warnings only
    (in this process and in the worker processes, which read the environment)."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", level)
    logging.getLogger("distributed").setLevel(os.environ["DASK_LOGGING__DISTRIBUTED"].upper())
