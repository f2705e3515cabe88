"""Named entities: spaCy's French NER plus an EntityRuler holding the institutions of the field.

The ruler runs before the statistical NER, so an institution it finds ("ARS Pays de la Loire",
"Directeur Général de l'Agence Régionale de Santé", "CSSM") is kept whole with its canonical
name (``canonical``), and the NER labels the rest (PER, ORG, LOC, MISC). Only the NER
component of the model is loaded (it has its own embedding layer); blocks go through
``nlp.pipe`` in batches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractors.institutions import variants
from extractors.nlp import DEFAULT_MODEL, load_model, loaded_once
from schemas.document import Block, Document

if TYPE_CHECKING:
    from spacy.language import Language


@dataclass(frozen=True)
class EntitySettings:
    """``model``: spaCy package; ``batch_size``: blocks per ``nlp.pipe`` batch;
    ``include_persons``: keep PER mentions (turn off for exports without personal names);
    ``max_block_chars``: longer blocks are cut (a table dump is no prose);
    ``ner_on_tables``: run the statistical NER on tables too (by default tables, and lines
    holding several tab-separated cells, get the institutions ruler only: they are half the
    tokens of a PTSM and the model reads cells poorly)."""

    model: str = DEFAULT_MODEL
    batch_size: int = 128
    include_persons: bool = True
    max_block_chars: int = 20000
    ner_on_tables: bool = False


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                 if not unicodedata.combining(c)))


def ruler_patterns() -> list[dict]:
    """EntityRuler patterns: full names as lower-case phrases, acronyms as exact tokens."""
    patterns: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for v in variants():
        for spelling in ({_strip_accents(v.text), v.text} if not v.is_acronym else {v.text}):
            key = (v.canonical, spelling if v.is_acronym else spelling.lower())
            if key in seen:
                continue
            seen.add(key)
            if v.is_acronym:
                pattern: list[dict] | str = [{"TEXT": t} for t in spelling.split()]
            else:
                pattern = spelling
            patterns.append({"label": v.label, "pattern": pattern, "id": v.canonical})
    patterns.append({"label": "ORG", "pattern": [{"TEXT": {"REGEX": r"^D[TD]\d{2,3}[AB]?$"}}],
                     "id": "DT ARS"})
    return patterns


@loaded_once
def entity_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """The NER-only pipeline of ``model`` with the institutions ruler before ``ner``."""
    nlp = load_model(model, ("ner",))
    if "entity_ruler" not in nlp.pipe_names:
        ruler = nlp.add_pipe("entity_ruler", before="ner",
                             config={"phrase_matcher_attr": "LOWER", "validate": False})
        ruler.add_patterns(ruler_patterns())
    return nlp


def _is_mention(text: str) -> bool:
    """False for fragments the statistical model sometimes labels ("d'", "jusqu'")."""
    core = re.sub(r"^(?:l|d|c|qu|jusqu|s)['’]", "", text.strip(), flags=re.IGNORECASE)
    return sum(c.isalpha() for c in core) >= 2 and not core.endswith(("'", "’"))


def _canonical(ent) -> str:
    if ent.ent_id_:
        return ent.ent_id_
    text = re.sub(r"\s+", " ", ent.text).strip()
    return re.sub(r"^(?:l['’]|d['’])", "", text, flags=re.IGNORECASE)


def extract_entities(doc: Document, settings: EntitySettings | None = None) -> list[dict]:
    """Entity mentions of every block, with character offsets in the block text."""
    settings = settings or EntitySettings()
    nlp = entity_pipeline(settings.model)
    blocks = [b for b in doc.blocks if (b.text or "").strip()]
    tabular = [not settings.ner_on_tables and _is_tabular(b) for b in blocks]
    parsed: dict[tuple[bool, str], object] = {}  # a text repeated in the document: once
    for ruler_only in (False, True):
        # Same-length normalisation keeps offsets: the French tokenizer splits elisions on "'".
        texts = list(dict.fromkeys(_model_text(b, settings) for b, t in
                                   zip(blocks, tabular, strict=True) if t == ruler_only))
        disable = ["ner"] if ruler_only else []
        for text, doc_ in zip(texts, nlp.pipe(texts, batch_size=settings.batch_size,
                                              disable=disable), strict=True):
            parsed[ruler_only, text] = doc_
    rows: list[dict] = []
    for block, ruler_only in zip(blocks, tabular, strict=True):
        for ent in parsed[ruler_only, _model_text(block, settings)].ents:
            if ent.label_ == "PER" and not settings.include_persons:
                continue
            if not _is_mention(ent.text):
                continue
            rows.append({"text": block.text[ent.start_char:ent.end_char], "label": ent.label_,
                         "canonical": _canonical(ent), "start": ent.start_char,
                         "end": ent.end_char, "passage_seq": block.seq})
    return rows


def _model_text(block: Block, settings: EntitySettings) -> str:
    return block.text[: settings.max_block_chars].replace("’", "'")


def _is_tabular(block: Block) -> bool:
    text = block.text or ""
    return block.kind == "table" or text.count("\t") >= 2 or text.count(" | ") >= 2
