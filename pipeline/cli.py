"""The `ptsm` command line (contract in DESIGN.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.config import DEFAULT_OUT, DEFAULT_RAW, SOURCES_FILE, Settings
from pipeline.sources import SourcesError

USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ptsm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest, read, extract and publish the dataset")
    src = run.add_mutually_exclusive_group()
    src.add_argument("--sources", type=Path, help="a sources.toml listing URLs and paths")
    src.add_argument("--raw", type=Path,
                     help=f"a folder whose files are the sources (default: {DEFAULT_RAW}, "
                          f"using its {SOURCES_FILE} when present)")
    run.add_argument("--out", default=str(DEFAULT_OUT), help="output folder of the dataset")
    run.add_argument("--workers", type=int, default=2, help="documents processed at once")
    run.add_argument("--task-runner", choices=["thread"], default="thread",
                     help="Prefect task runner")
    run.add_argument("--store", type=Path, help="raw store folder (default: <raw>/store)")
    run.add_argument("--allow-root", type=Path, action="append", default=[],
                     help="a folder local sources may be read from (repeatable; default: the "
                          "folder of the sources file, or the raw folder)")
    run.add_argument("--allow-host", action="append", default=[],
                     help="a host fetched even if it resolves to a private address "
                          "(repeatable; e.g. 127.0.0.1 for a local mirror)")
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    raw = args.raw or DEFAULT_RAW
    sources_file = args.sources
    if args.sources is None and args.raw is None and (DEFAULT_RAW / SOURCES_FILE).is_file():
        sources_file = DEFAULT_RAW / SOURCES_FILE
    if args.workers < 1:
        raise SourcesError("--workers must be at least 1")
    roots = args.allow_root or [sources_file.parent if sources_file else raw]
    return Settings(raw_dir=raw, out=args.out, sources_file=sources_file,
                    store_dir=args.store, workers=args.workers, task_runner=args.task_runner,
                    allowed_roots=[r.resolve() for r in roots], allowed_hosts=args.allow_host)


def _prefect_environment(settings: Settings) -> None:
    """Keep cached results with the raw store and keep Prefect quiet and offline."""
    os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH",
                          str((settings.store / ".cache" / "results").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # a fresh PREFECT_HOME migrates its database first: slow on a loaded machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    _prefect_environment(settings)
    from flows.run_flow import run

    summary = run(settings)
    print()
    print(f"ptsm run {summary.run_id}")
    print(f"  sources read   {summary.n_sources}")
    print(f"  documents      {summary.n_documents} "
          f"({summary.n_processed} read, {summary.n_reused} unchanged)")
    print(f"  passages       {summary.n_passages}")
    for name, count in summary.counts.items():
        if name not in ("documents", "passages") and count:
            print(f"  {name:<14} {count}")
    print(f"  time           {summary.seconds:.1f} s")
    print(f"  output         {Path(summary.out).resolve()}")
    if summary.quarantined:
        print(f"  quarantined    {len(summary.quarantined)} (see {summary.out}/quarantine):")
        for row in summary.quarantined:
            print(f"    - [{row['stage']}/{row['error_type']}] {row['message']}")
    return summary.exit_status


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"run": cmd_run}[args.command](args)
    except SourcesError as exc:
        print(f"ptsm: error: {exc}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
