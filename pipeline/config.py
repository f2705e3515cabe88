"""Run settings: where inputs come from, where the dataset goes, and safety limits."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

PIPELINE_VERSION = "0.1.0"
DEFAULT_RAW = Path("data/raw")
DEFAULT_OUT = Path("data/curated")
SOURCES_FILE = "sources.toml"
STORE_NAME = "store"  # the default raw store, next to a local output folder
CATALOGUE_DIR = "catalogue"  # <raw>/catalogue: watch lists (data/raw/catalogue/france.toml)


TASK_RUNNERS = ("process", "thread", "dask")  # Prefect task runners (flows/runners.py)
# memory one worker process may need: the spaCy model and a long PDF (223 MB measured for
# a 500-page PDF, docs/performance.md), with a margin
WORKER_MEMORY_BYTES = 400 * 1024 * 1024


def machine_workers() -> tuple[int, str]:
    """How many worker processes this machine can run at once (its cores, and its
    available memory divided by WORKER_MEMORY_BYTES), and why, for messages."""
    import os

    import psutil

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    available = psutil.virtual_memory().available
    workers = max(1, min(cores, available // WORKER_MEMORY_BYTES))
    return workers, f"{cores} cores, {available / 2**30:.1f} GB of memory available"


@dataclass
class Settings:
    """Settings of one run. Defaults suit the shipped samples."""

    raw_dir: Path = DEFAULT_RAW
    out: str = str(DEFAULT_OUT)  # a local path or a pyarrow filesystem URI (dataset/outputs.py)
    sources_file: Path | None = None  # a sources.toml; None = walk raw_dir
    store_dir: Path | None = None  # content-addressed raw store; default: default_store(out)
    workers: int = 2
    task_runner: str = "process"  # one of TASK_RUNNERS
    dask_address: str | None = None
    max_bytes: int = 100 * 1024 * 1024  # larger inputs are quarantined
    max_pdf_pages: int = 2000  # longer PDFs are quarantined at ingest ("too_many_pages")
    http_timeout_s: float = 30.0  # each connect / read
    http_total_timeout_s: float = 300.0  # one whole download, headers and body included
    allowed_roots: list[Path] = field(default_factory=list)  # file sources must live here
    allow_private_networks: bool = False  # fetch from private/loopback addresses
    allowed_hosts: list[str] = field(default_factory=list)  # hosts allowed even if private
    started_at: float | None = None  # time.time() when the command started (summary time)

    @property
    def store(self) -> Path:
        return self.store_dir or default_store(self.out)

    @property
    def prefect_server_log(self) -> Path:
        """Log of the temporary Prefect server of a run without `PREFECT_API_URL`."""
        return self.store / ".cache" / "prefect-server.log"


def default_store(out: str | Path) -> Path:
    """The raw store of the runs publishing to `out`, outside the inputs (which may be
    read-only) and shared by every run of the project: `store` next to a local output
    folder (data/curated → data/store); for a remote output, a folder of the user's cache
    (`$XDG_CACHE_HOME/ptsm/<hash of the URI>`)."""
    text = str(out)
    if text.startswith("file://"):
        text = text.removeprefix("file://")
    elif "://" in text:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cache / "ptsm" / hashlib.sha256(text.encode()).hexdigest()[:16]
    return Path(text).parent / STORE_NAME


# The modules that make the rows of one document: cached per-document results are keyed
# on the content hash plus their fingerprint.
DOCUMENT_CODE = ("pipeline/readers", "pipeline/stages.py", "pipeline/ingest/sniff.py",
                 "extractors", "schemas")
# ... plus what turns those rows into the published tables. Editing anything else (the
# report, exports, evaluation, the CLI, flows' orchestration, docs) re-reads nothing.
DATASET_CODE = DOCUMENT_CODE + (
    "pipeline/dedup", "pipeline/dataset/assemble.py", "pipeline/dataset/history.py",
    "pipeline/dataset/publish.py", "pipeline/analytics/plans.py",
    "pipeline/analytics/profiles.py", "pipeline/analytics/duckdb_views.py")


def code_fingerprint(entries: tuple[str, ...] = DOCUMENT_CODE) -> str:
    """Hash of the code and reference data listed in `entries` (paths from the root)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for path in sorted(_fingerprinted_files(root, entries)):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def dataset_fingerprint() -> str:
    """Hash of all the code that makes the published tables: a run with the same inputs
    and this fingerprint would publish the same dataset."""
    return code_fingerprint(DATASET_CODE)


def _fingerprinted_files(root: Path, entries: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for entry in entries:
        path = root / entry
        candidates = path.rglob("*") if path.is_dir() else [path]
        files += [p for p in candidates
                  if p.is_file() and p.suffix in {".py", ".csv", ".json", ".toml"}]
    return files
