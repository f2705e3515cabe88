"""`ptsm serve`: the run flow as a long-running Prefect deployment on a cron schedule.

Deployment parameters must be JSON values, so the scheduled flow takes the run
settings as plain strings, numbers and lists, rebuilds `Settings`, and runs the
`ptsm-run` flow as a subflow with the task runner those settings ask for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.schemas.schedules import CronSchedule
from prefect.settings import get_current_settings
from prefect.types.entrypoint import EntrypointType

from pipeline.config import Settings

DEFAULT_DEPLOYMENT = "default"
CONCURRENT_RUNS = 1  # one run at a time: runs of one deployment publish to the same output


class ScheduleError(ValueError):
    """The cron expression (or the serving setup) is not usable."""


def validate_cron(expr: str) -> str:
    """The expression if Prefect accepts it as a cron schedule, else ScheduleError."""
    try:
        return CronSchedule(cron=expr).cron
    except ValueError as exc:
        raise ScheduleError(f"invalid cron expression {expr!r}: five fields "
                            "'minute hour day-of-month month day-of-week' expected, "
                            "e.g. '0 6 * * 1' (Mondays at 06:00)") from exc


def check_serving(cron: str) -> str:
    """The valid cron expression, once sure a Prefect server is configured to schedule it."""
    expr = validate_cron(cron)
    if not get_current_settings().api.url:
        raise ScheduleError("ptsm serve needs a Prefect server, whose scheduler creates the "
                            "runs: start `prefect server start`, then run "
                            "PREFECT_API_URL=http://127.0.0.1:4200/api ptsm serve ...")
    return expr


def parameters_from_settings(settings: Settings) -> dict[str, Any]:
    """The JSON parameters of the scheduled flow for these settings: absolute paths, with
    their links kept (a local `--out` is a link to its current snapshot: the runs publish
    through the link)."""
    def absolute(path: Path | None) -> str | None:
        return os.path.abspath(path) if path is not None else None

    out = settings.out if "://" in str(settings.out) else absolute(Path(settings.out))
    return {
        "sources": absolute(settings.sources_file),
        "raw": absolute(settings.raw_dir),
        "out": out,
        "store": absolute(settings.store_dir),
        "workers": settings.workers,
        "task_runner": settings.task_runner,
        "dask_address": settings.dask_address,
        "allow_root": [absolute(p) for p in settings.allowed_roots],
        "allow_host": list(settings.allowed_hosts),
        "max_pages": settings.max_pdf_pages,
    }


def settings_from_parameters(sources: str | None, raw: str, out: str, store: str | None,
                             workers: int, task_runner: str, dask_address: str | None,
                             allow_root: list[str], allow_host: list[str],
                             max_pages: int) -> Settings:
    """The `Settings` the scheduled flow's parameters stand for."""
    return Settings(raw_dir=Path(raw), out=out,
                    sources_file=Path(sources) if sources else None,
                    store_dir=Path(store) if store else None, workers=workers,
                    task_runner=task_runner, dask_address=dask_address,
                    allowed_roots=[Path(p) for p in allow_root], allowed_hosts=allow_host,
                    max_pdf_pages=max_pages)


@flow(name="ptsm-scheduled", log_prints=True)
def ptsm_scheduled(sources: str | None = None, raw: str = "data/raw",
                   out: str = "data/curated", store: str | None = None, workers: int = 2,
                   task_runner: str = "process", dask_address: str | None = None,
                   allow_root: list[str] | None = None, allow_host: list[str] | None = None,
                   max_pages: int = Settings.max_pdf_pages) -> dict[str, Any]:
    """One scheduled re-ingestion: `ptsm run` with these options, as a subflow."""
    from flows.run_flow import run
    from flows.unchanged import republish_if_unchanged
    from pipeline.ingest.sources import resolve_sources

    settings = settings_from_parameters(sources, raw, out, store, workers, task_runner,
                                        dask_address, allow_root or [], allow_host or [],
                                        max_pages)
    summary = (republish_if_unchanged(settings, resolve_sources(settings), get_run_logger())
               or run(settings))
    if summary.quarantined:
        get_run_logger().warning("%d input(s) quarantined, see %s/quarantine",
                                 len(summary.quarantined), summary.out)
    return {"run_id": summary.run_id, "out": summary.out, "counts": summary.counts,
            "documents_processed": summary.n_processed, "documents_unchanged": summary.n_reused,
            "quarantined": len(summary.quarantined), "seconds": summary.seconds,
            "new_documents": [d["source_uri"] for d in summary.new_documents]}


def serve_scheduled(cron: str, name: str = DEFAULT_DEPLOYMENT, **params: Any) -> None:
    """Create (or update) the deployment `ptsm-scheduled/<name>` and serve it until stopped.

    `params` are the flow's parameters (see `parameters_from_settings`). Needs a Prefect
    server (PREFECT_API_URL): its scheduler creates the runs that this process executes.
    """
    ptsm_scheduled.serve(name=name, cron=validate_cron(cron), parameters=params,
                         limit=CONCURRENT_RUNS, entrypoint_type=EntrypointType.MODULE_PATH)
