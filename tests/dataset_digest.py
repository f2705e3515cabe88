"""A digest of a published dataset: per table, its row count and a hash of its rows.

Columns that change from run to run (times, run ids, paths of the raw store) are left out,
so two runs on the same inputs with the same code give the same digest. The digest of the
samples is committed (tests/fixtures/samples_digest.json): a change of code that changes
what is published shows up as a change of that file, reviewed like code.

    python tests/dataset_digest.py OUT            # print the digest of a published dataset
    python tests/dataset_digest.py OUT --write    # rewrite tests/fixtures/samples_digest.json
    python tests/dataset_digest.py OUT --root DIR # a dataset made from another checkout
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

DIGEST_FILE = Path(__file__).parent / "fixtures" / "samples_digest.json"
VOLATILE = {"ingested_at", "seen_at", "run_id", "raw_path", "fetched_at", "first_seen",
            "last_seen", "created_at", "published_at", "source_path"}


ROOT = str(Path(__file__).resolve().parents[1])


def table_digest(path: Path, root: str = ROOT) -> dict[str, object]:
    frame = pd.read_parquet(path)
    frame = frame[sorted(c for c in frame.columns if c not in VOLATILE)]
    lines = sorted(json.dumps([_plain(v) for v in row], ensure_ascii=False, default=str)
                   .replace(root, "<checkout>")  # local sources are named by absolute path
                   for row in frame.itertuples(index=False, name=None))
    sha = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    return {"rows": len(frame), "columns": len(frame.columns), "sha": sha}


def _plain(value: object) -> object:
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is pd.NA or (isinstance(value, float) and value != value):  # Int64 null, NaN
        return None
    return value


def dataset_digest(out: Path, root: str = ROOT) -> dict[str, dict[str, object]]:
    out = Path(out).resolve()
    return {p.name: table_digest(p, root) for p in sorted(out.iterdir())
            if p.is_dir() and not p.name.startswith(".")}


if __name__ == "__main__":
    root = sys.argv[sys.argv.index("--root") + 1] if "--root" in sys.argv else ROOT
    digest = dataset_digest(Path(sys.argv[1]), root)
    text = json.dumps(digest, indent=1, sort_keys=True) + "\n"
    if "--write" in sys.argv:
        DIGEST_FILE.write_text(text, encoding="utf-8")
    print(text, end="")
