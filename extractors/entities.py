"""Named entities: spaCy's French NER plus an EntityRuler holding the institutions of the field.

The ruler runs before the statistical NER, so an institution it finds ("ARS Pays de la Loire",
"Directeur Général de l'Agence Régionale de Santé", "CSSM") is kept whole with its canonical
name (``canonical``), and the NER labels the rest (PER, ORG, LOC, MISC). Only the ruler and
the NER run (the NER has its own embedding layer; the model's other components, loaded for
the event rules, are disabled for these calls); blocks go through
``nlp.pipe`` in batches, and a block text already parsed in this process (documents share
templates and paragraphs) is not parsed again. Each block gets only the components that can
find something in it: none for a text of fewer than two letters (no mention), the ruler
only where its patterns' tokens are in the text (:class:`RulerClues`), the NER only on
prose; a component skipped would have added no entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from extractors.institutions import variants
from extractors.nlp import DEFAULT_MODEL, load_model, loaded_once, others
from schemas.document import Block, Document

if TYPE_CHECKING:
    from spacy.language import Language


@dataclass(frozen=True)
class EntitySettings:
    """``model``: spaCy package; ``batch_size``: blocks per ``nlp.pipe`` batch (measured:
    ``benchmarks/run_bench.py`` prints NER tokens/s per batch size; 16–32 are about a third
    slower, 64–1000 alike); ``cache_size``: block texts whose parse is kept for the
    documents that follow (0: none);
    ``include_persons``: keep PER mentions (turn off for exports without personal names);
    ``max_block_chars``: longer blocks are cut (a table dump is no prose);
    ``ner_on_tables``: run the statistical NER on tables too (by default tables, and lines
    holding several tab-separated cells, get the institutions ruler only: they are half the
    tokens of a PTSM and the model reads cells poorly)."""

    model: str = DEFAULT_MODEL
    batch_size: int = 256
    cache_size: int = 50000
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
    patterns.append({"label": "ORG", "pattern": [_DT_TOKEN], "id": "DT ARS"})
    return patterns


# A délégation territoriale de l'ARS by its code: DT53, DD972.
_DT_CODE = r"D[TD]\d{2,3}[AB]?"
_DT_TOKEN = {"TEXT": {"REGEX": f"^{_DT_CODE}$"}}


ENTITY_COMPONENTS = ("entity_ruler", "ner")


@loaded_once
def entity_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """The process' ``model`` with the institutions ruler before ``ner``; entities come from
    ``nlp.pipe(texts, disable=entity_disabled(nlp))``."""
    nlp = load_model(model)
    if "entity_ruler" not in nlp.pipe_names:
        ruler = nlp.add_pipe("entity_ruler", before="ner",
                             config={"phrase_matcher_attr": "LOWER", "validate": False})
        # The ruler tokenizes its phrases with the components before it: none of them.
        with nlp.select_pipes(enable=ENTITY_COMPONENTS):
            ruler.add_patterns(ruler_patterns())
    ruler_clues(model)  # loaded with the pipeline (a worker pool's fork server holds both)
    return nlp


@dataclass(frozen=True)
class RulerClues:
    """What a text holds wherever the institutions ruler matches. A match is a run of
    tokens equal to a pattern's tokens (acronyms and DT codes as written, names in lower
    case), and consecutive tokens of a text are separated by one space or nothing, so the
    text (or its lower-case form) holds the pattern's tokens joined by ``" ?"``. Each
    expression is tried where its key, the longest token of its patterns, is in the text."""

    exact: tuple[tuple[str, re.Pattern[str]], ...]
    lower: tuple[tuple[str, re.Pattern[str]], ...]

    def may_match(self, text: str) -> bool:
        """False when no pattern of the ruler can match in ``text``."""
        if "Σ" in text:  # str.lower() lowers it by its context, a token alone by its own
            return True
        lowered = text.lower()
        return (any(key in text and found.search(text) for key, found in self.exact)
                or any(key in lowered and found.search(lowered) for key, found in self.lower))


@loaded_once
def ruler_clues(model: str = DEFAULT_MODEL) -> RulerClues:
    """The clues of the patterns of :func:`ruler_patterns`, tokenized by ``model``."""
    nlp = load_model(model)
    exact: dict[str, list[str]] = {}
    lower: dict[str, list[str]] = {}
    for entry in ruler_patterns():
        pattern = entry["pattern"]
        if isinstance(pattern, str):  # a name: the ruler compares lower-case tokens
            tokens = [t.lower_ for t in nlp.make_doc(pattern)]
            lower.setdefault(max(tokens, key=len), []).append(_joined(tokens))
        elif all(isinstance(t.get("TEXT"), str) for t in pattern):  # an acronym, as written
            tokens = [t["TEXT"] for t in pattern]
            exact.setdefault(max(tokens, key=len), []).append(_joined(tokens))
        elif pattern == [_DT_TOKEN]:
            exact.setdefault("D", []).append(_DT_CODE)
        else:
            raise ValueError(f"no clue for the ruler pattern {pattern!r}")
    return RulerClues(*(tuple((key, re.compile("|".join(found))) for key, found in d.items())
                        for d in (exact, lower)))


def _joined(tokens: list[str]) -> str:
    return " ?".join(re.escape(t) for t in tokens)


def entity_disabled(nlp: Language, ruler_only: bool = False) -> list[str]:
    """The components to disable for entities (all but the ruler and, unless
    ``ruler_only``, the NER)."""
    return others(nlp, ENTITY_COMPONENTS[:1] if ruler_only else ENTITY_COMPONENTS)


# Letters a mention holds at least (after its elided article).
MIN_LETTERS = 2


def _is_mention(text: str) -> bool:
    """False for fragments the statistical model sometimes labels ("d'", "jusqu'")."""
    core = re.sub(r"^(?:l|d|c|qu|jusqu|s)['’]", "", text.strip(), flags=re.IGNORECASE)
    return sum(c.isalpha() for c in core) >= MIN_LETTERS and not core.endswith(("'", "’"))


def _may_hold_mention(text: str) -> bool:
    """False for a block text with fewer letters than a mention needs (a page number, a
    date, a row of figures): its entities would all fail :func:`_is_mention`, so neither
    the ruler nor the NER reads it."""
    letters = (c for c in text if c.isalpha())
    return next(islice(letters, MIN_LETTERS - 1, None), None) is not None


def _canonical(ent: Mention) -> str:
    if ent.ent_id:
        return ent.ent_id
    text = re.sub(r"\s+", " ", ent.text).strip()
    return re.sub(r"^(?:l['’]|d['’])", "", text, flags=re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """What a parse leaves of one entity (kept in the cache instead of the spaCy Doc)."""

    start: int
    end: int
    label: str
    ent_id: str
    text: str


# Parses of block texts already seen in this process: PTSM documents share templates and
# whole paragraphs, and the model gives the same entities for the same text. Bounded (the
# oldest entries go first); keyed by model, ruler-only and text.
_PARSES: OrderedDict[tuple[str, bool, str], tuple[Mention, ...]] = OrderedDict()


def _parse(nlp: Language, texts: list[str], ruler_only: bool,
           settings: EntitySettings) -> dict[str, tuple[Mention, ...]]:
    """Mentions of each text: from the cache, else through ``nlp.pipe`` (in batches) with
    the components that can find something in it."""
    clues = ruler_clues(settings.model)
    out: dict[str, tuple[Mention, ...]] = {}
    todo: dict[tuple[str, ...], list[str]] = {}
    for text in texts:
        hit = _PARSES.get((settings.model, ruler_only, text))
        if hit is None:
            todo.setdefault(_components(clues.may_match(text), not ruler_only), []).append(text)
        else:
            _PARSES.move_to_end((settings.model, ruler_only, text))
            out[text] = hit
    for components, found in todo.items():
        for text, mentions in zip(found, _mentions(nlp, found, components, settings),
                                  strict=True):
            out[text] = mentions
            if settings.cache_size:
                _PARSES[settings.model, ruler_only, text] = mentions
    while len(_PARSES) > settings.cache_size:
        _PARSES.popitem(last=False)
    return out


def _mentions(nlp: Language, texts: list[str], components: tuple[str, ...],
              settings: EntitySettings) -> Iterator[tuple[Mention, ...]]:
    if not components:
        return (() for _ in texts)
    return (tuple(Mention(e.start_char, e.end_char, e.label_, e.ent_id_, e.text)
                  for e in doc_.ents)
            for doc_ in nlp.pipe(texts, batch_size=settings.batch_size,
                                 disable=others(nlp, components)))


def extract_entities(doc: Document, settings: EntitySettings | None = None) -> list[dict]:
    """Entity mentions of every block, with character offsets in the block text."""
    settings = settings or EntitySettings()
    nlp = entity_pipeline(settings.model)
    blocks = [b for b in doc.blocks if _may_hold_mention(b.text or "")]
    tabular = [not settings.ner_on_tables and _is_tabular(b) for b in blocks]
    parsed: dict[bool, dict[str, tuple[Mention, ...]]] = {}
    for ruler_only in (False, True):
        # Same-length normalisation keeps offsets: the French tokenizer splits elisions on "'".
        # A text repeated in the document is parsed once.
        texts = list(dict.fromkeys(_model_text(b, settings) for b, t in
                                   zip(blocks, tabular, strict=True) if t == ruler_only))
        parsed[ruler_only] = _parse(nlp, texts, ruler_only, settings)
    rows: list[dict] = []
    for block, ruler_only in zip(blocks, tabular, strict=True):
        for ent in parsed[ruler_only][_model_text(block, settings)]:
            if ent.label == "PER" and not settings.include_persons:
                continue
            if not _is_mention(ent.text):
                continue
            rows.append({"text": block.text[ent.start:ent.end], "label": ent.label,
                         "canonical": _canonical(ent), "start": ent.start,
                         "end": ent.end, "passage_seq": block.seq})
    return rows


def _components(ruler: bool, ner: bool) -> tuple[str, ...]:
    """The entity components to run on a block: the ruler where one of its patterns may
    match, the NER unless the block is tabular."""
    return tuple(name for name, on in zip(ENTITY_COMPONENTS, (ruler, ner), strict=True) if on)


def _model_text(block: Block, settings: EntitySettings) -> str:
    return block.text[: settings.max_block_chars].replace("’", "'")


def _is_tabular(block: Block) -> bool:
    text = block.text or ""
    return block.kind == "table" or text.count("\t") >= 2 or text.count(" | ") >= 2
