"""What the analyst side costs: ptsm.duckdb (tables copied in, or views only) and the report.

    python benchmarks/bench_analytics.py --out data/curated [--scale 1 20] [--repeat 3]

For each scale N, the dataset's rows are published N times under as many départements
(the same plan in N places, as a run over N× the documents would publish), then the
database is built with the tables copied in (what `build_duckdb` does) and with views only
over the Parquet files (the previous layout), and the report is written. Prints medians of
`--repeat` runs: the machine is shared, so compare ratios rather than seconds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.departments import department_by_code  # noqa: E402
from pipeline.analytics.duckdb_views import build_duckdb, create_views  # noqa: E402
from pipeline.analytics.report import build_report  # noqa: E402
from pipeline.analytics.report_charts import department_tiles  # noqa: E402
from pipeline.dataset.publish import publish, read_table, to_arrow  # noqa: E402
from schemas.tables import TABLES  # noqa: E402


def scaled_rows(out: Path, n: int) -> dict[str, list[dict[str, Any]]]:
    """The dataset's rows, repeated under `n` département codes (ids made unique)."""
    base = {name: read_table(out, name).to_pylist() for name in TABLES}
    codes = [c for c in department_tiles() if department_by_code(c)][:n]
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for k, code in enumerate(codes):
        for name, table in base.items():
            for r in table:
                r = dict(r)
                for column in ("doc_id", "passage_id", "fiche_id", "event_id", "fact_id",
                               "cluster_id", "target_fiche_id", "canonical_passage_id",
                               "repeats_passage_id", "plan_id"):
                    if isinstance(r.get(column), str) and k:
                        r[column] = f"{r[column]}-{k}"
                if "department_code" in r and r["department_code"] != "__unknown__":
                    r["department_code"] = code
                rows[name].append(r)
    return rows


def _size(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def _median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/curated"))
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'scale':>5} {'passages':>9} {'parquet MB':>10} {'db tables s':>11} "
          f"{'db tables MB':>12} {'db views s':>10} {'db views MB':>11} {'report s':>8} "
          f"{'report MB':>9}")
    for n in args.scale:
        with tempfile.TemporaryDirectory() as tmp:
            rows = scaled_rows(args.out, n)
            out = Path(tmp) / "curated"
            publish({name: to_arrow(name, r) for name, r in rows.items()}, out,
                    {"schema_version": "1"})
            figures = measure(out.resolve(), Path(tmp), args.repeat)
            print(f"{n:>5} {len(rows['passages']):>9} " + " ".join(
                f"{v:>{w}.{d}f}" for v, (w, d) in zip(figures, WIDTHS, strict=True)))
            shutil.rmtree(tmp, ignore_errors=True)


WIDTHS = ((10, 1), (11, 2), (12, 1), (10, 2), (11, 1), (8, 2), (9, 2))


def measure(snapshot: Path, tmp: Path, repeat: int) -> tuple[float, ...]:
    """Parquet MB, database with tables (s, MB), with views (s, MB), report (s, MB)."""
    parquet = sum(_size(snapshot / t) for t in TABLES)
    tables_s = _median_seconds(lambda: build_duckdb(snapshot), repeat)
    views_db = tmp / "views.duckdb"

    def views() -> None:
        views_db.unlink(missing_ok=True)
        with duckdb.connect(str(views_db)) as con:
            create_views(con, snapshot)

    views_s = _median_seconds(views, repeat)
    report = tmp / "report.html"
    report_s = _median_seconds(lambda: build_report(snapshot, report), repeat)
    return (parquet, tables_s, _size(snapshot / "ptsm.duckdb"), views_s, _size(views_db),
            report_s, _size(report))

if __name__ == "__main__":
    main()
