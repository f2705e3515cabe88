"""Arrow schemas of the published tables, with a description for every field.

This module is the contract of DESIGN.md in code: publish writes these schemas,
validation checks them, and the data dictionary is generated from them.
"""

from __future__ import annotations

import json

import pyarrow as pa

SCHEMA_VERSION = "1"


def _f(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": doc})


def _schema(doc: str, partitioned: bool, *fields: pa.Field) -> pa.Schema:
    return pa.schema(
        list(fields),
        metadata={
            "description": doc,
            "schema_version": SCHEMA_VERSION,
            "partitioned_by": "department_code" if partitioned else "",
            "pandas": _pandas_metadata(fields),
        },
    )


def _pandas_metadata(fields: tuple[pa.Field, ...]) -> str:
    """pandas reads nullable integers as `Int64` and booleans as `boolean` (not float 2019.0
    or object): pyarrow's `to_pandas` honours these dtypes from the file's metadata."""
    nullable = {pa.int64(): "Int64", pa.bool_(): "boolean"}
    columns = [{"name": f.name, "field_name": f.name, "pandas_type": str(f.type),
                "numpy_type": nullable[f.type], "metadata": None}
               for f in fields if f.type in nullable]
    return json.dumps({"index_columns": [], "column_indexes": [], "columns": columns})


STR, INT, FLOAT, BOOL, DATE = pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.date32()
TS = pa.timestamp("s", tz="UTC")
STRLIST = pa.list_(pa.string())
DEPT = _f("department_code", STR, "INSEE code of the département ('53', '2A', '971'); "
          "'__unknown__' when it cannot be inferred.", nullable=False)
DOC_ID = _f("doc_id", STR, "Document version id: first 16 hex digits of its sha256.", False)
PASSAGE_ID = _f("passage_id", STR, "Passage the value was read from (see passages).")
EVIDENCE = _f("evidence", STR, "Sentence of the passage that states the value.")

SCHEMAS: dict[str, pa.Schema] = {
    "documents": _schema(
        "One row per ingested document version.", True,
        DOC_ID, DEPT,
        _f("source_id", STR, "Id of the source in sources.toml (or the file's path)."),
        _f("source_uri", STR, "Where the document came from (URL or path).", False),
        _f("media_type", STR, "Sniffed media type (application/pdf, text/html, ...)."),
        _f("title", STR, "Document title (metadata, <title> or first heading)."),
        _f("sha256", STR, "SHA-256 of the raw bytes.", False),
        _f("raw_path", STR, "Path of the raw copy in the content-addressed store."),
        _f("n_pages", INT, "Number of pages (PDF); null for HTML, DOCX and text."),
        _f("n_blocks", INT, "Number of blocks (passages) read."),
        _f("n_ocr_pages", INT, "Pages read by OCR (scanned, no usable text layer)."),
        _f("status", STR, "ok, partial (some pages unreadable) or failed.", False),
        _f("error", STR, "What went wrong, for partial or failed documents."),
        _f("department_name", STR, "Name of the département."),
        _f("department_scope", STR, "department, region, multi or unknown."),
        _f("department_evidence", STR, "Why this département was chosen."),
        _f("ingested_at", TS, "When the bytes were read or fetched (UTC)."),
        _f("version", INT, "Version number of this source's content (1 = first seen)."),
        _f("is_current", BOOL, "True for the latest version of the source."),
        _f("superseded_by", STR, "doc_id of the version that replaced this one."),
        _f("source_status", STR, "ok, or missing when the source could not be fetched "
           "in the last run, or a watched page no longer links to it (its last version is "
           "kept)."),
        _f("discovered_from", STR, "The watched page ([[watch]] of sources.toml) whose link "
           "led to the document; null for a listed source."),
        _f("link_text", STR, "The text of that link on the watched page."),
        _f("plan_id", STR, "The plan this document is a version or format of: doc_id of the "
           "plan's primary document (pipeline.analytics.plans)."),
        _f("is_primary", BOOL, "True for the one document of its plan that every count "
           "reads; false for its other formats, copies and older versions."),
        _f("fiche_headings_rejected", INT, "Candidate fiche headings ('Fiche action n°…') "
           "not read as fiches: no fiche body under them (TOC, summary or cross-reference "
           "lines)."),
        _f("fiche_tables_rejected", INT, "Fiche tables or plan-grid rows not read as fiches: "
           "no fiche fields in them."),
    ),
    "passages": _schema(
        "One row per text block of a document, in reading order.", True,
        _f("passage_id", STR, "Deterministic id hashed from doc_id, seq and text.", False),
        DOC_ID, DEPT,
        _f("seq", INT, "Position of the block in the document (0-based).", False),
        _f("page", INT, "1-based page where the block starts; null for HTML/DOCX/text."),
        _f("page_end", INT, "Last page of a block spanning pages (tables)."),
        _f("kind", STR, "heading, paragraph, list_item, table or caption.", False),
        _f("level", INT, "Heading level (1 = top)."),
        _f("section_path", STRLIST, "Headings above the block, outermost first."),
        _f("text", STR, "Text of the block (tables: cells joined by ' | ', rows by newlines)."),
        _f("rows_json", STR, "Tables: JSON list of rows of cell strings, header first."),
        _f("bbox", pa.list_(FLOAT), "PDF points x0, top, x1, bottom on `page`."),
        _f("font_size", FLOAT, "Font size of the block (PDF)."),
        _f("bold", BOOL, "Whether the block is set in bold."),
        _f("ocr", BOOL, "True when the block was read by OCR from a scanned page."),
        _f("ocr_confidence", FLOAT, "OCR blocks: mean Tesseract word confidence, 0-100."),
        _f("cluster_id", STR, "Cluster of repeated passages this one belongs to."),
        _f("is_canonical", BOOL, "True for the one occurrence of its cluster to read."),
        _f("similarity", FLOAT, "Similarity 0-100 to the canonical passage of the cluster."),
        _f("is_boilerplate", BOOL, "Short template line repeated many times."),
        _f("has_internal_repeat", BOOL, "The block repeats part of itself."),
        _f("text_clean", STR, "Text with internal repetitions removed."),
    ),
    "fiches": _schema(
        "One row per fiche action.", True,
        _f("fiche_id", STR, "Deterministic id from doc_id and the fiche number.", False),
        DOC_ID, DEPT,
        _f("number", INT, "Fiche number as printed."),
        _f("number_label", STR, "Number label as written ('17', '2.3', '17 bis')."),
        _f("title", STR, "Title from the fiche's own heading."),
        _f("title_variants", STRLIST, "Other wordings of the title (TOC, summary tables)."),
        _f("priority", INT, "Priority 1-6 of décret n° 2017-1200; null if unknown."),
        _f("priority_source", STR, "Origin of the priority: section, toc, summary, field "
           "(the fiche's own priority/axis field), axis (an axis title that names a décret "
           "priority), content (keywords)."),
        _f("priority_evidence", STR, "Text the priority was read from."),
        _f("axis_label", STR, "Label of the enclosing axis / objective section."),
        _f("layout", STR, "How the fiche is laid out: heading (a heading, labelled sections "
           "and an operational table), inline (a heading, steps as lines with the échéance "
           "inline), table (one key/value table per fiche) or grid (one row of a plan grid)."),
        _f("pilotes", STRLIST, "Pilots of the action; empty when 'à définir' or absent."),
        _f("pilotes_undefined", BOOL, "Pilots stated as to be defined or missing."),
        _f("partenaires", STRLIST, "Partners of the action; empty when 'à définir' or absent."),
        _f("partenaires_undefined", BOOL, "Partners stated as to be defined or missing."),
        _f("objectifs_strategiques", STRLIST, "Strategic objectives (bullets)."),
        _f("moyens", STR, "Moyens nécessaires."),
        _f("territoire", STR, "Territory of the action."),
        _f("public_cible", STR, "Target public."),
        _f("indicateurs", STR, "Indicators."),
        _f("liens", STR, "Links with other territorial works."),
        _f("page_start", INT, "First page of the fiche (PDF)."),
        _f("page_end", INT, "Last page of the fiche (PDF)."),
        _f("passage_id", STR, "Passage of the fiche's heading."),
    ),
    "fiche_objectives": _schema(
        "One row per objective line of a fiche (strategic bullets, operational table rows).",
        True,
        _f("fiche_id", STR, "Fiche the objective belongs to.", False),
        DOC_ID, DEPT,
        _f("kind", STR, "strategique or operationnel.", False),
        _f("seq", INT, "Order of the objective within the fiche and kind.", False),
        _f("text", STR, "Objective text."),
        _f("operateur", STR, "Operator(s) of an operational objective."),
        _f("modalites", STR, "Modalités de réalisation."),
        _f("echeance_text", STR, "Échéance as written."),
        _f("echeance_start", DATE, "First day of the échéance; null if not parsable."),
        _f("echeance_end", DATE, "Last day of the échéance; null if not parsable."),
        _f("passage_id", STR, "Passage (table or bullet) the objective was read from."),
    ),
    "governance_events": _schema(
        "One row per dated milestone of a PTSM.", True,
        _f("event_id", STR, "Deterministic id.", False), DOC_ID, DEPT,
        _f("event_type", STR, "Vocabulary schemas.vocabularies.EVENT_TYPES.", False),
        _f("event_date", DATE, "Date, at its first day when only month/year is stated."),
        _f("date_precision", STR, "day, month or year."),
        _f("date_text", STR, "The date as written."),
        _f("actor", STR, "Who acted (body, authority)."),
        _f("reference", STR, "Reference of the act (arrêté number)."),
        EVIDENCE, PASSAGE_ID,
    ),
    "facts": _schema(
        "One row per stated number.", True,
        _f("fact_id", STR, "Deterministic id.", False), DOC_ID, DEPT,
        _f("metric", STR, "Vocabulary schemas.vocabularies.METRICS.", False),
        _f("value", FLOAT, "Stated value."),
        EVIDENCE, PASSAGE_ID,
    ),
    "entities": _schema(
        "One row per named-entity mention.", True,
        DOC_ID, DEPT, PASSAGE_ID,
        _f("text", STR, "Mention as written."),
        _f("label", STR, "ORG, PER, LOC, MISC or a domain label (INSTITUTION, BODY)."),
        _f("canonical", STR, "Canonical name of the entity when known."),
        _f("start", INT, "Start character offset in the passage text."),
        _f("end", INT, "End character offset in the passage text."),
    ),
    "acronyms": _schema(
        "One row per acronym definition.", True,
        DOC_ID, DEPT,
        _f("acronym", STR, "Acronym.", False),
        _f("expansion", STR, "Expansion."),
        _f("source", STR, "glossary or inline."),
        PASSAGE_ID,
    ),
    "fiche_links": _schema(
        "One row per reference from one fiche to another.", True,
        _f("fiche_id", STR, "Fiche holding the reference.", False), DOC_ID, DEPT,
        _f("target_number", INT, "Number of the fiche referred to."),
        _f("target_fiche_id", STR, "Id of the fiche referred to, when it exists."),
        _f("text", STR, "Text of the reference."),
        PASSAGE_ID,
    ),
    "passage_clusters": _schema(
        "One row per group of repeated passages (singletons included).", False,
        _f("cluster_id", STR, "Cluster id.", False),
        _f("size", INT, "Number of passages in the cluster."),
        _f("n_documents", INT, "Number of documents the cluster spans."),
        _f("department_codes", STRLIST, "Départements the cluster spans."),
        _f("canonical_passage_id", STR, "The occurrence to read."),
        _f("text", STR, "Text of the canonical occurrence."),
        _f("is_boilerplate", BOOL, "Short template line."),
    ),
    "passage_repeats": _schema(
        "One row per partial repeat: a span of a passage that repeats a span of another.",
        False,
        _f("passage_id", STR, "Passage holding the repeated span.", False),
        _f("start", INT, "Start offset of the span in the passage text."),
        _f("end", INT, "End offset of the span."),
        _f("repeats_passage_id", STR, "Passage whose span is repeated."),
        _f("repeats_start", INT, "Start offset in that passage."),
        _f("repeats_end", INT, "End offset in that passage."),
        _f("similarity", FLOAT, "Similarity 0-100 of the two spans."),
    ),
    "people": _schema(
        "One row per named person with a role.", True,
        DOC_ID, DEPT,
        _f("name", STR, "Person's name (may be withheld from exports)."),
        _f("role", STR, "Role as written."),
        _f("organisation", STR, "Organisation, when stated."),
        PASSAGE_ID,
    ),
    "ptsm_profiles": _schema(
        "One row per département: what its documents say, side by side.", False,
        _f("department_code", STR, "INSEE code of the département.", False),
        _f("department_name", STR, "Name."),
        _f("region", STR, "Région."),
        _f("n_documents", INT, "Current documents."),
        _f("n_plans", INT, "Plans among the current documents (formats and copies of one "
           "plan count once)."),
        _f("n_fiches", INT, "Fiches actions of the plans' primary documents."),
        *[_f(f"n_fiches_priority_{i}", INT, f"Fiches of décret priority {i}.")
          for i in range(1, 7)],
        _f("diagnostic_date", DATE, "First diagnostic milestone."),
        _f("roadmap_adopted_date", DATE, "Roadmap adoption."),
        _f("ptsm_approved_date", DATE, "Approval by the ARS."),
        _f("contract_signed_date", DATE, "Signature of the contract."),
        _f("n_milestones", INT, "Distinct milestones (type and date) of the plans' primary "
           "documents."),
        _f("period_start_year", INT, "First year of the PTSM period."),
        _f("period_end_year", INT, "Last year of the PTSM period."),
    ),
    "quarantine": _schema(
        "One row per rejected input or stage failure.", False,
        _f("source_id", STR, "Source id."),
        _f("source_uri", STR, "Source URL or path.", False),
        _f("sha256", STR, "SHA-256 of the bytes, when they could be read."),
        _f("stage", STR, "watch (a watched page or link), ingest, read, extract or publish.",
           False),
        _f("error_type", STR, "Kind of failure (not_found, pdf_syntax, encrypted, ...).", False),
        _f("message", STR, "What failed and what to do, for a person."),
        _f("seen_at", TS, "When it happened (UTC)."),
    ),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)


def is_partitioned(table: str) -> bool:
    return SCHEMAS[table].metadata[b"partitioned_by"] == b"department_code"


def field_description(table: str, column: str) -> str:
    meta = SCHEMAS[table].field(column).metadata or {}
    return meta.get(b"description", b"").decode()
