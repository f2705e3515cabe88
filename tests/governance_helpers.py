"""Shared by the governance extractor tests: seed texts as Documents (one block per line)."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.document import Block, Document, finalize_blocks

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = {"000_e1345697ca92cb41.txt": "seed000", "001_64674333845bad9d.txt": "seed001",
         "002_11d7c87225259de2.txt": "seed002", "004_48fd6f0d08ee10f1.txt": "seed004"}


def document_from_lines(name: str, lines: list[str]) -> Document:
    blocks = [Block("paragraph", line) for line in lines if line.strip()]
    return Document(doc_id=name, source_uri=name, media_type="text/plain",
                    blocks=finalize_blocks(blocks))


def seed_document(name: str) -> Document:
    text = (FIXTURES / "text" / f"{name}.txt").read_text(encoding="utf-8")
    return document_from_lines(name, text.split("\n"))


def governance_gold() -> dict:
    return json.loads((FIXTURES / "gold" / "governance.json").read_text(encoding="utf-8"))
