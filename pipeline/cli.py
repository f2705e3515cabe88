"""The `ptsm` command line (contract in DESIGN.md)."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pipeline.config import (
    DEFAULT_OUT,
    DEFAULT_RAW,
    SOURCES_FILE,
    TASK_RUNNERS,
    Settings,
    machine_workers,
)
from pipeline.ingest.sources import Source, SourcesError, resolve_sources

STARTED = time.time()  # the summary's time covers the whole command (light imports above)

if TYPE_CHECKING:
    from flows.unchanged import RunSummary

USAGE_ERROR = 2
FAILURE = 1
# errors that are the user's to fix: one line, exit status 2 (module, class), checked by
# name so that the modules are imported only by the commands that need them
USAGE_ERRORS = (("pipeline.dataset.lock", "LockedError"),
                ("pipeline.dataset.outputs", "OutputError"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ptsm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest, read, extract and publish the dataset")
    src = run.add_mutually_exclusive_group()
    src.add_argument("--sources", type=Path, help="a sources.toml listing URLs and paths")
    src.add_argument("--raw", type=Path,
                     help=f"a folder whose files are the sources (default: {DEFAULT_RAW}, "
                          f"using its {SOURCES_FILE} when present)")
    run.add_argument("--out", default=str(DEFAULT_OUT),
                     help="output folder of the dataset, or a URI: file:///abs/path, "
                          "s3://bucket/prefix?endpoint_override=host:port&scheme=http, gs://..."
                          " (docs/scheduling.md)")
    run.add_argument("--workers", type=int, default=2, help="documents processed at once")
    run.add_argument("--task-runner", choices=TASK_RUNNERS, default=Settings.task_runner,
                     help="Prefect task runner: local processes (default), threads, or Dask "
                          "workers")
    run.add_argument("--dask-address",
                     help="scheduler of an existing Dask cluster (e.g. tcp://host:8786; "
                          "default with --task-runner dask: a local cluster of --workers)")
    run.add_argument("--store", type=Path,
                     help="raw store folder, shared by the runs of a project (default: "
                          "'store' next to a local --out, e.g. data/store; for a remote "
                          "--out, a folder of ~/.cache/ptsm)")
    run.add_argument("--allow-root", type=Path, action="append", default=[],
                     help="a folder local sources may be read from (repeatable; default: the "
                          "folder of the sources file, or the raw folder)")
    run.add_argument("--max-pages", type=int, default=Settings.max_pdf_pages,
                     help="PDFs with more pages are quarantined (default: %(default)s)")
    run.add_argument("--allow-host", action="append", default=[],
                     help="a host fetched even if it resolves to a private address "
                          "(repeatable; e.g. 127.0.0.1 for a local mirror)")

    serve = sub.add_parser("serve", parents=[run], add_help=False,
                           help="serve `run` as a Prefect deployment on a cron schedule")
    serve.add_argument("--cron", required=True,
                       help="when to run, e.g. '0 6 * * 1' (Mondays 06:00 UTC)")
    serve.add_argument("--name", default="default",
                       help="deployment name: runs appear as ptsm-scheduled/NAME")

    for name, help_ in (("validate", "check a published dataset against the schemas"),
                        ("report", "write the cross-département HTML report (French)"),
                        ("eval", "score the published dataset against the gold files"),
                        ("export", "export the tables as CSV or XLSX")):
        cmd = sub.add_parser(name, help=help_)
        cmd.add_argument("--out", default=str(DEFAULT_OUT),
                         help="the published dataset (a local folder or file:// URI)")
        if name == "export":
            cmd.add_argument("--format", choices=["csv", "xlsx"], required=True)
            cmd.add_argument("--sep", default=",", help="CSV separator (';' for French Excel)")
            cmd.add_argument("--dest", type=Path, help="output folder or file (default: "
                             "exports/ next to the dataset, outside its snapshots)")
            cmd.add_argument("--no-personal-names", action="store_true",
                             help="leave people's names out of the export")
        if name == "eval":
            cmd.add_argument("--gold", type=Path, action="append", required=True,
                             help="a gold file (fiches, seeds' or web pages' format); repeatable")
            cmd.add_argument("--floor", action="append", default=[], metavar="NAME=VALUE",
                             help="fail (exit 1) below it: events.precision=0.95, "
                                  "events.recall=0.9, departments=1, negatives=0 (a ceiling)")
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true",
                             help="show the Python traceback of an error")
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    raw = args.raw or DEFAULT_RAW
    sources_file = args.sources
    if args.sources is None and args.raw is None and (DEFAULT_RAW / SOURCES_FILE).is_file():
        sources_file = DEFAULT_RAW / SOURCES_FILE
    if args.workers < 1:
        raise SourcesError("--workers must be at least 1")
    if args.max_pages < 1:
        raise SourcesError("--max-pages must be at least 1")
    if args.dask_address and args.task_runner != "dask":
        raise SourcesError("--dask-address needs --task-runner dask")
    workers, (bound, machine) = args.workers, machine_workers()
    if workers > bound and not args.dask_address:  # a Dask cluster has its own machines
        print(f"ptsm: --workers {workers} lowered to {bound} ({machine})", file=sys.stderr)
        workers = bound
    if args.sources is not None and not args.sources.is_file():
        raise SourcesError(f"--sources {args.sources}: no such file")
    if args.raw is not None and not args.raw.is_dir():
        raise SourcesError(f"--raw {args.raw}: no such folder")
    for root in args.allow_root:
        if not root.is_dir():
            raise SourcesError(f"--allow-root {root}: no such folder")
    if args.store is not None and args.store.exists() and not args.store.is_dir():
        raise SourcesError(f"--store {args.store}: not a folder")
    roots = args.allow_root or [sources_file.parent if sources_file else raw]
    return Settings(raw_dir=raw, out=args.out, sources_file=sources_file,
                    store_dir=args.store, workers=workers, task_runner=args.task_runner,
                    dask_address=args.dask_address,
                    allowed_roots=[r.resolve() for r in roots], allowed_hosts=args.allow_host,
                    max_pdf_pages=args.max_pages, started_at=STARTED)


def checked_run(args: argparse.Namespace) -> tuple[Settings, list[Source]]:
    """The settings and sources of `run`/`serve`, all checked before anything starts or
    is created (SourcesError otherwise); then the store and output folders made sure
    writable."""
    settings = settings_from_args(args)
    sources = resolve_sources(settings)
    from pipeline.dataset.outputs import OutputError, check_replaceable, resolve_output

    try:
        check_replaceable(resolve_output(args.out))
    except OutputError as exc:
        raise SourcesError(str(exc)) from exc
    _check_writable(settings)
    return settings, sources


def _prefect_environment(settings: Settings) -> None:
    """Keep cached results with the raw store and keep Prefect quiet and offline."""
    os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH",
                          str((settings.store / ".cache" / "results").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # a fresh PREFECT_HOME migrates its database first: slow on a loaded machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def _check_writable(settings: Settings) -> None:
    """A read-only store or output folder: one clear line (exit 2) before anything starts."""
    from pipeline.dataset.lock import lock_path
    from pipeline.ingest.raw_store import check_writable

    check_writable(settings.store, "the raw store")
    check_writable(lock_path(settings.out).parent, "the folder of --out")


def _pool_settings(settings: Settings, sources: list[Source], to_read: int) -> Settings:
    """No more worker processes than documents to read, when every document is known
    before the flow (local sources, no watched page): each process costs its start."""
    from pipeline.ingest.watch import load_watches

    if any(s.is_remote for s in sources) or (
            settings.sources_file is not None and load_watches(settings.sources_file)):
        return settings
    return dataclasses.replace(settings, workers=min(settings.workers, max(1, to_read)))


def cmd_run(args: argparse.Namespace) -> int:
    settings, sources = checked_run(args)
    # SIGTERM ends the run like Ctrl-C: cleanup runs (the previous dataset stays published)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from flows.early_start import ingest_local
    from flows.unchanged import may_be_unchanged, republish_if_unchanged

    local_sources = [s for s in sources if not s.is_remote]
    # local sources read and hashed once: for the nothing-changed check and the early start
    local = None
    summary = None
    if may_be_unchanged(settings, sources):
        local = ingest_local(settings, local_sources)
        summary = republish_if_unchanged(settings, sources, ingested=local)  # no server
    if summary is None:
        _prefect_environment(settings)
        from flows.api_server import temporary_server

        temporary_server(settings.prefect_server_log)  # starts while Prefect is imported
        from flows.early_start import start_reading_early, to_read_early
        from flows.worker_pool import MODELS, worker_processes

        # the worker processes load their models, then read the local documents that
        # have no cached result, while Prefect is imported and its server starts
        to_read = None if local is None else to_read_early(settings, local)
        n_to_read = len(local_sources) if to_read is None else len(to_read)
        with worker_processes(_pool_settings(settings, sources, n_to_read), preload=MODELS):
            reading = start_reading_early(settings, local_sources, to_read)
            from flows.run_flow import run

            reading.join()
            summary = run(settings)
    print()
    print(f"ptsm run {summary.run_id}")
    print(f"  sources read   {summary.n_sources}")
    print(f"  documents      {summary.n_documents} "
          f"({summary.n_processed} read, {summary.n_reused} unchanged)")
    print(f"  passages       {summary.n_passages}")
    if summary.unchanged_since:
        print(f"  nothing changed since run {summary.unchanged_since}: republished as is")
    for name, count in summary.counts.items():
        if name not in ("documents", "passages") and count:
            print(f"  {name:<14} {count}")
    print(f"  time           {time.time() - STARTED:.1f} s")  # the whole command
    print(f"  output         {summary.out}")
    _print_news(summary)
    if summary.quarantined:
        print(f"  quarantined    {len(summary.quarantined)} (table quarantine):")
        for row in summary.quarantined:
            print(f"    - [{row['stage']}/{row['error_type']}] {row['message']}")
    return summary.exit_status


NEWS_SHOWN = 20  # new documents listed on the console (all are in _manifest.json)


def _print_news(summary: RunSummary) -> None:
    """What is new since the last run, links gone from watched pages, watch warnings."""
    if summary.new_documents:
        print(f"  new            {len(summary.new_documents)} since the last run:")
        for doc in summary.new_documents[:NEWS_SHOWN]:
            found = (f" (linked as {doc['link_text']!r} from {doc['discovered_from']})"
                     if doc.get("discovered_from") else "")
            print(f"    + {doc['source_uri']}{found}")
        if len(summary.new_documents) > NEWS_SHOWN:
            print(f"    … and {len(summary.new_documents) - NEWS_SHOWN} more (_manifest.json)")
    if summary.gone:
        print(f"  gone           {len(summary.gone)} no longer linked (kept, marked missing):")
        for source_id in summary.gone[:NEWS_SHOWN]:
            print(f"    - {source_id}")
    for warning in summary.warnings:
        print(f"  warning        {warning}")


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.serve import ScheduleError, check_serving, parameters_from_settings, serve_scheduled

    settings, _sources = checked_run(args)
    try:
        cron = check_serving(args.cron)
    except ScheduleError as exc:
        raise SourcesError(str(exc)) from exc
    _prefect_environment(settings)
    serve_scheduled(cron, args.name, **parameters_from_settings(settings))
    return 0


def _require_dataset(out: str) -> Path:
    """The local folder of a published dataset; a usage error for remote outputs."""
    from pipeline.dataset.outputs import MANIFEST, OutputError, resolve_output

    try:
        output = resolve_output(out)
    except OutputError as exc:
        raise SourcesError(str(exc)) from exc
    if not output.is_local:
        raise SourcesError(f"--out {output}: this command reads a local dataset only; "
                           "copy the current snapshot (named by its CURRENT object) to a "
                           "local folder first")
    if not (output.local_path / MANIFEST).is_file():
        raise SourcesError(f"no published dataset in {out} (run `ptsm run --out {out}` first)")
    from pipeline.dataset.publish import damaged_files

    damaged = damaged_files(output.local_path)
    if damaged:
        raise SourcesError(_damaged(out, damaged))
    return output.local_path


def _damaged(out: str, problems: list[str]) -> str:
    return (f"the dataset {out} is damaged: " + "; ".join(problems)
            + f". Run `ptsm run --out {out}` again to publish a whole new snapshot")


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.dataset.validate import format_problems, validate_dataset

    out = _require_dataset(args.out)
    problems = validate_dataset(out)
    print(format_problems(problems))
    return 1 if problems else 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.analytics.report import build_report

    out = _require_dataset(args.out)
    try:
        print(f"report written to {build_report(out)}")
    except _unreadable() as exc:  # damaged past the files' footers
        raise SourcesError(_damaged(args.out, [f"{type(exc).__name__}: {exc}"])) from exc
    return 0


def _unreadable() -> tuple[type[BaseException], ...]:
    """What reading a damaged Parquet file raises, through Arrow or DuckDB."""
    import duckdb
    import pyarrow as pa

    return (pa.ArrowException, duckdb.IOException, duckdb.InvalidInputException)


def cmd_export(args: argparse.Namespace) -> int:
    from pipeline.analytics.export import export_dataset

    out = _require_dataset(args.out)
    try:
        paths = export_dataset(out, args.format, dest=args.dest, sep=args.sep,
                               drop_personal_names=args.no_personal_names)
    except _unreadable() as exc:  # damaged past the files' footers
        raise SourcesError(_damaged(args.out, [f"{type(exc).__name__}: {exc}"])) from exc
    except ValueError as exc:
        raise SourcesError(str(exc)) from exc
    for path in paths:
        print(path)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evaluation.evaluate import check_floors, format_evaluation, run_evaluation

    out = _require_dataset(args.out)
    try:
        scores = run_evaluation(out, args.gold)
        print(format_evaluation(scores, out))
        failed = check_floors(scores, args.floor)
    except (OSError, ValueError, KeyError) as exc:
        raise SourcesError(f"eval: {exc}") from exc
    for line in failed:
        print(f"ptsm eval: below floor: {line}", file=sys.stderr)
    return 1 if failed else 0


COMMANDS = {"run": cmd_run, "serve": cmd_serve, "validate": cmd_validate, "report": cmd_report,
            "export": cmd_export, "eval": cmd_eval}


def is_usage_error(exc: BaseException) -> bool:
    """A configuration or usage error (bad arguments, sources file, output, lock)."""
    if isinstance(exc, SourcesError):
        return True
    return any(isinstance(exc, getattr(sys.modules[module], name))
               for module, name in USAGE_ERRORS if module in sys.modules)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("ptsm: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        if is_usage_error(exc):
            print(f"ptsm: error: {one_line(exc)}", file=sys.stderr)
            return USAGE_ERROR
        print(f"ptsm: error: {type(exc).__name__}: {one_line(exc)} "
              "(run again with --debug for the traceback)", file=sys.stderr)
        return FAILURE


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def entry() -> NoReturn:
    """The `ptsm` command: :func:`main`, then the exit Python would make (threads joined,
    atexit handlers run: the temporary server stopped, Prefect's last events sent; output
    flushed) without the interpreter's teardown, which frees a run's heap object by object
    (~0.5 s) for a process that is ending anyway."""
    status = main()
    threading._shutdown()  # type: ignore[attr-defined]  # what Python's exit does first
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`ptsm run | head`)
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    entry()
