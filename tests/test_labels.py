"""French for people, English for machines: every label a person reads is French.

Column names and codes stay English; the labels (schemas.labels, schemas.vocabularies),
the DuckDB views' descriptions, the messages written into the data and the report's text
and charts are searched for English words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from lxml import html as lxml_html

from extractors.fiches import _field_of
from pipeline.analytics.duckdb_views import ANALYST_VIEWS, NO_STAGE_LABEL
from pipeline.analytics.report import build_report
from schemas.labels import COLUMN_LABELS, TABLE_LABELS, column_label
from schemas.tables import SCHEMAS, TABLES
from schemas.vocabularies import (
    BLOCK_KIND_LABELS,
    DATE_PRECISION_LABELS,
    DOCUMENT_STATUS_LABELS,
    EVENT_LABELS,
    EVENT_TYPES,
    METRICS,
    OBJECTIVE_KIND_LABELS,
    PRIORITIES,
    PRIORITY_SHORT_LABELS,
    PRIORITY_UNKNOWN_LABEL,
    UNKNOWN_DEPARTMENT_LABEL,
)

ENGLISH = frozenset(
    word for line in (Path(__file__).parent / "fixtures" / "english_words.txt")
    .read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    for word in line.split())
WORD = re.compile(r"[a-zà-ÿœæ]+(?:['’][a-zà-ÿ]+)?", re.I)


def english_words(text: str) -> set[str]:
    """English words of a text a person reads (URLs, paths and identifiers left out)."""
    text = re.sub(r"\S*[/\\_]\S*|https?:\S+", " ", text)
    return {w.lower() for w in WORD.findall(text)} & ENGLISH


def test_the_detector_finds_english() -> None:
    assert english_words("Diagnosis launched; Unknown département") == \
        {"diagnosis", "launched", "unknown"}
    assert english_words("Avis du CTS, plan d'action, or, on, contrat, source") == set()
    assert english_words("voir https://example.org/the-report and data/raw/of_the") == {"and"}


def test_every_column_has_a_french_label() -> None:
    for table in TABLES:
        assert table in TABLE_LABELS
        for column in SCHEMAS[table].names:
            label = column_label(table, column)
            assert label != column or column in ("page", "source"), (table, column)


def test_labels_are_french() -> None:
    labels = [*COLUMN_LABELS.values(), *TABLE_LABELS.values(), *EVENT_LABELS.values(),
              *PRIORITIES.values(), *PRIORITY_SHORT_LABELS.values(), *METRICS.values(),
              *DOCUMENT_STATUS_LABELS.values(), *DATE_PRECISION_LABELS.values(),
              *OBJECTIVE_KIND_LABELS.values(), *BLOCK_KIND_LABELS.values(),
              PRIORITY_UNKNOWN_LABEL, UNKNOWN_DEPARTMENT_LABEL, NO_STAGE_LABEL,
              *(description for description, _ in ANALYST_VIEWS.values())]
    assert set(EVENT_LABELS) == set(EVENT_TYPES)
    for label in labels:
        assert not english_words(label), (label, english_words(label))


def test_messages_in_the_published_data_are_french(sample_run) -> None:
    documents = pd.read_parquet(sample_run.out / "documents")
    evidence = documents.department_evidence.dropna().tolist()
    assert evidence and not any(english_words(e) for e in evidence), evidence
    fiches = pd.read_parquet(sample_run.out / "fiches")
    evidence = fiches.priority_evidence.dropna().unique().tolist()
    assert evidence and not any(english_words(e) for e in evidence), evidence
    assert not fiches.axis_label.dropna().str.endswith(":").any()
    assert not fiches.liens.dropna().str.startswith("territoriaux").any()
    with duckdb.connect(str(sample_run.out / "ptsm.duckdb"), read_only=True) as con:
        names = [r[0] for r in con.execute("select department_name from departments")
                 .fetchall()]
        labels = [r[0] for r in con.execute("select label from event_types").fetchall()]
    assert UNKNOWN_DEPARTMENT_LABEL in names
    assert not any(english_words(x) for x in [*names, *labels])


def test_the_liens_label_is_read_whole() -> None:
    """"Liens avec d'autres travaux territoriaux :" is a label, not a value "territoriaux"."""
    assert _field_of("Liens avec d'autres travaux territoriaux : Semaine d'information") == \
        ("liens", "Semaine d'information")
    assert _field_of("Liens avec d'autres travaux territoriaux :") == ("liens", "")
    assert _field_of("Lien avec d’autres actions : fiche 12") == ("liens", "fiche 12")


def report_texts(path: Path) -> list[str]:
    """What a person reads in the report: the page's text outside scripts and code, and
    the charts' names, texts, hover texts, titles, tick texts and button labels."""
    page = lxml_html.fromstring(path.read_text(encoding="utf-8"))
    texts = [page.find(".//title").text_content()]
    for spec in page.xpath('//script[@type="application/json"]'):
        chart = json.loads(spec.text)
        texts += _strings(chart["data"]) + _strings(chart["layout"])
    for element in page.xpath("//script|//style|//code"):
        element.drop_tree()
    texts.append(page.body.text_content())
    return texts


def _strings(value: object, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, key)]
    readable = ("name", "text", "hovertext", "ticktext", "label", "hovertemplate")
    return [re.sub(r"<[^>]+>|%\{[^}]*\}", " ", value)] \
        if isinstance(value, str) and key in readable else []


@pytest.fixture(scope="module")
def sample_report(sample_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(sample_run.out, tmp_path_factory.mktemp("rapport") / "report.html")


def test_the_report_has_no_english_for_people(sample_report: Path) -> None:
    texts = report_texts(sample_report)
    assert any("Diagnostic lancé" in t for t in texts)  # chart legends are searched too
    assert any("Couleur : fiches actions" in t for t in texts)
    found = {w for t in texts for w in english_words(t)}
    assert not found, found
    assert '<html lang="fr">' in sample_report.read_text(encoding="utf-8")
