"""docs/data-dictionary.md is generated from the schemas and cannot drift from them."""

from __future__ import annotations

import subprocess
import sys

from pipeline.analytics.dictionary import DICTIONARY_PATH, render_dictionary
from schemas.tables import SCHEMA_VERSION, SCHEMAS, TABLES, field_description
from schemas.vocabularies import EVENT_TYPES, METRICS, PRIORITIES


def test_committed_dictionary_is_up_to_date() -> None:
    committed = DICTIONARY_PATH.read_text(encoding="utf-8")
    assert committed == render_dictionary(), (
        "docs/data-dictionary.md is stale: run `.venv/bin/python -m pipeline.analytics.dictionary`")


def test_every_table_field_and_vocabulary_value_is_documented() -> None:
    text = render_dictionary()
    assert f"Schema version: **{SCHEMA_VERSION}**" in text
    for table in TABLES:
        assert f"### {table}\n" in text
        for name in SCHEMAS[table].names:
            description = field_description(table, name)
            assert description, f"{table}.{name} has no description"
            cell = description.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            assert f"| `{name}` |" in text and cell in text, (table, name)
    for value in [*EVENT_TYPES, *METRICS]:
        assert f"| `{value}` |" in text
    assert all(f"| `{p}` | {label} |" in text for p, label in PRIORITIES.items())
    assert "→ [documents](#documents).doc_id" in text
    assert "`milestones_timeline`" in text  # the DuckDB analyst views


def test_check_mode_of_the_generator() -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline.analytics.dictionary", "--check"],
                          capture_output=True, text=True, cwd=DICTIONARY_PATH.parents[1])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout
