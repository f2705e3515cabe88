"""The stages of a run as plain functions over plain data (Prefect only orchestrates them)."""

from __future__ import annotations

import hashlib
import json
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.acronyms import extract_acronyms
from extractors.departments import detect_department
from extractors.entities import entity_pipeline, extract_entities
from extractors.events import extract_events, warm_up_events
from extractors.facts import extract_facts
from extractors.fiches import FicheExtraction, extract_fiches
from extractors.people import extract_people
from pipeline.config import Settings
from pipeline.ingest.credentials import scrub, strip_credentials
from pipeline.ingest.fetch import FetchError
from pipeline.ingest.raw_store import Ingested, IngestError, ingest_source, shown_uri
from pipeline.ingest.sources import Source
from pipeline.readers import ReaderError, read_document
from schemas.document import Document
from schemas.rows import check_rows
from schemas.vocabularies import UNKNOWN_DEPARTMENT


@dataclass
class DocResult:
    """Everything one document contributes to the dataset, as rows per table."""

    doc_id: str
    department_code: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    run_id: str | None = None  # the run that produced this result (cached results keep theirs)

    @property
    def pages(self) -> int:
        """Pages of the document (its progress weight; 0 for pageless web pages)."""
        documents = self.rows.get("documents") or [{}]
        return documents[0].get("n_pages") or 0


def stable_id(*parts: object) -> str:
    """Deterministic 16-hex id from the parts (same input → same id)."""
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def quarantine_row(source: Source | Ingested, stage: str, error_type: str, message: str,
                   sha256: str | None = None) -> dict[str, Any]:
    """A row of `quarantine`; URLs in it lose their credentials (NUL bytes are shown)."""
    uri = getattr(source, "uri", None) or getattr(source, "source_uri", "") or ""
    return {
        "source_id": _shown(str(getattr(source, "id", None) or getattr(source, "source_id", ""))),
        "source_uri": _shown(strip_credentials(uri)),
        "sha256": sha256 or getattr(source, "sha256", None),
        "stage": stage,
        "error_type": error_type,
        "message": _shown(message),
        "seen_at": datetime.now(UTC),
    }


def _shown(text: str) -> str:
    """A text as published: URLs without credentials, NUL bytes written out."""
    return scrub(text).replace("\0", "\\x00")


def ingest_stage(source: Source, settings: Settings) -> Ingested | dict[str, Any]:
    """Ingest one source; any failure becomes a quarantine row instead of an exception,
    except a retryable FetchError (raised for the orchestrator to try again)."""
    try:
        return ingest_source(source, settings)
    except IngestError as exc:
        return quarantine_row(source, "ingest", exc.error_type, str(exc), exc.sha256)
    except FetchError:
        raise
    except OSError as exc:
        return quarantine_row(source, "ingest", "io_error", f"{shown_uri(source)}: {exc}")
    except MemoryError:
        return quarantine_row(source, "ingest", "out_of_memory",
                              f"{shown_uri(source)}: ran out of memory while bringing it in; "
                              "the other sources go on")
    except Exception as exc:  # a bug or an input nobody foresaw: this source only
        return quarantine_row(source, "ingest", "ingest_crash",
                              describe_exception(shown_uri(source), exc))


def warm_up() -> None:
    """Load what every document needs (the spaCy pipelines) before the first one."""
    entity_pipeline()
    warm_up_events()


def process_stage(ingested: Ingested) -> DocResult:
    """Read one ingested document and extract its rows. Never raises."""
    try:
        raw_path = Path(ingested.raw_path)
        doc = read_document(raw_path, ingested.media_type, source_uri=ingested.source_uri,
                            doc_id=ingested.doc_id, cache_dir=raw_path.parent / ".cache")
    except ReaderError as exc:
        return _failed(ingested, "read", exc.error_type, f"{ingested.source_uri}: {exc}")
    except Exception as exc:  # a reader bug must not crash the batch
        return _failed(ingested, "read", "reader_crash",
                       describe_exception(ingested.source_uri, exc))
    try:
        return extract_rows(doc, ingested)
    except Exception as exc:
        return _failed(ingested, "extract", "extractor_crash",
                       describe_exception(ingested.source_uri, exc))


def extract_rows(doc: Document, ingested: Ingested) -> DocResult:
    """Turn a Document into rows of the published tables."""
    match = detect_department(doc.text, title=doc.title,
                              url=doc.meta.get("canonical_url") or ingested.public_url,
                              hint=ingested.department_hint)
    dept = match.code or UNKNOWN_DEPARTMENT
    result = DocResult(doc_id=doc.doc_id, department_code=dept)
    result.rows["documents"] = [{
        "doc_id": doc.doc_id,
        "department_code": dept,
        "source_id": ingested.source_id,
        "source_uri": ingested.source_uri,
        "media_type": doc.media_type,
        "title": doc.title,
        "sha256": ingested.sha256,
        "raw_path": ingested.raw_path,
        "n_pages": doc.n_pages,
        "n_blocks": len(doc.blocks),
        "n_ocr_pages": len(doc.meta.get("ocr_pages", [])),
        "status": doc.status,
        "error": "; ".join(doc.warnings) or None,
        "department_name": match.name,
        "department_scope": match.scope,
        "department_evidence": match.evidence,
        "ingested_at": datetime.fromisoformat(ingested.fetched_at),
        "version": 1,
        "is_current": True,
        "source_status": "ok",
        "discovered_from": ingested.discovered_from,
        "link_text": ingested.link_text,
    }]
    result.rows["passages"] = passages = passage_rows(doc, dept)
    by_seq = {row["seq"]: row["passage_id"] for row in passages}
    result.rows.update(governance_rows(doc, dept, by_seq))
    extraction = extract_fiches(doc)
    result.rows["documents"][0].update({
        "fiche_headings_rejected": extraction.rejected.get("heading", 0),
        "fiche_tables_rejected": extraction.rejected.get("table", 0)
        + extraction.rejected.get("grid", 0)})
    result.rows.update(fiche_rows(doc, dept, by_seq, extraction))
    check_rows(result.rows)  # the contract holds here, at the document that breaks it
    return result


def fiche_rows(doc: Document, dept: str, by_seq: dict[int, str],
               extraction: FicheExtraction) -> dict[str, list[dict[str, Any]]]:
    """Fiches actions, their objective lines and their links, keyed by deterministic ids."""
    ids = {f["number"]: stable_id(doc.doc_id, "fiche", f["number"]) for f in extraction.fiches}
    base = {"doc_id": doc.doc_id, "department_code": dept}
    fiches = [{**_without(f, "seq_start", "seq_end"), **base, "fiche_id": ids[f["number"]],
               "passage_id": by_seq.get(f.get("seq_start"))} for f in extraction.fiches]
    objectives = [{**_without(o, "number", "passage_seq"), **base,
                   "fiche_id": ids[o["number"]], "passage_id": by_seq.get(o.get("passage_seq"))}
                  for o in extraction.objectives if o["number"] in ids]
    links = [{**_without(link, "number", "passage_seq"), **base,
              "fiche_id": ids[link["number"]],
              "target_fiche_id": ids.get(link["target_number"]),
              "passage_id": by_seq.get(link.get("passage_seq"))}
             for link in extraction.links if link["number"] in ids]
    return {"fiches": fiches, "fiche_objectives": objectives, "fiche_links": links}


def governance_rows(doc: Document, dept: str,
                    by_seq: dict[int, str]) -> dict[str, list[dict[str, Any]]]:
    """Events, facts, entities, acronyms and people of a document, with provenance."""
    def rows(extracted: list[dict[str, Any]], id_column: str | None = None,
             id_parts: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        out = []
        for found in extracted:
            row = {**_without(found, *EXTRACTOR_KEYS), "doc_id": doc.doc_id,
                   "department_code": dept, "passage_id": by_seq.get(found.get("passage_seq"))}
            if id_column:
                row[id_column] = stable_id(doc.doc_id, *(row.get(p) for p in id_parts))
            out.append(row)
        return out

    return {
        "governance_events": rows(extract_events(doc), "event_id",
                                  ("event_type", "event_date", "date_text")),
        "facts": rows(extract_facts(doc), "fact_id", ("metric", "value")),
        "entities": rows(extract_entities(doc)),
        "acronyms": rows(extract_acronyms(doc)),
        "people": rows(extract_people(doc)),
    }


# Keys extractors add for the stage (provenance as a block seq, merge keys), not columns.
EXTRACTOR_KEYS = ("passage_seq", "key", "unit")


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


def passage_rows(doc: Document, dept: str) -> list[dict[str, Any]]:
    rows = []
    for b in doc.blocks:
        rows.append({
            "passage_id": passage_id(doc.doc_id, b.seq, b.text),
            "doc_id": doc.doc_id,
            "department_code": dept,
            "seq": b.seq,
            "page": b.page,
            "page_end": b.page_end,
            "kind": b.kind,
            "level": b.level,
            "section_path": b.section_path,
            "text": b.text,
            "rows_json": json.dumps(b.rows, ensure_ascii=False) if b.rows is not None else None,
            "bbox": list(b.bbox) if b.bbox else None,
            "font_size": b.style.get("font_size"),
            "bold": b.style.get("bold"),
            "ocr": bool(b.style.get("ocr")),
            "ocr_confidence": b.style.get("ocr_confidence"),
        })
    return rows


def passage_id(doc_id: str, seq: int, text: str) -> str:
    return stable_id(doc_id, seq, text)


def crashed(ingested: Ingested, detail: str) -> DocResult:
    """The result of a document whose reading killed its process twice (or failed outside
    the reader and extractors): quarantined, the batch goes on."""
    return _failed(ingested, "read", "worker_crash",
                   f"{ingested.source_uri}: the process reading it died twice ({detail}); "
                   "it will be tried again at the next run")


def _failed(ingested: Ingested, stage: str, error_type: str, message: str) -> DocResult:
    result = DocResult(doc_id=ingested.doc_id, department_code=UNKNOWN_DEPARTMENT)
    result.quarantine.append(quarantine_row(ingested, stage, error_type, message))
    result.rows["documents"] = [{
        "doc_id": ingested.doc_id,
        "department_code": ingested.department_hint or UNKNOWN_DEPARTMENT,
        "source_id": ingested.source_id,
        "source_uri": ingested.source_uri,
        "media_type": ingested.media_type,
        "sha256": ingested.sha256,
        "raw_path": ingested.raw_path,
        "status": "failed",
        "error": message,
        "ingested_at": datetime.fromisoformat(ingested.fetched_at),
        "version": 1,
        "is_current": True,
        "source_status": "ok",
        "discovered_from": ingested.discovered_from,
        "link_text": ingested.link_text,
    }]
    return result


def describe_exception(where: str, exc: BaseException) -> str:
    """One line for a person: what failed, the exception, the line of code it came from."""
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    what = "ran out of memory" if isinstance(exc, MemoryError) else (
        f"unexpected {type(exc).__name__}: {exc}")
    return f"{where}: {what}{at}; please report this input"
