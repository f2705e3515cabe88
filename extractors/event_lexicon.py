"""The trigger lexicon of governance events (``data/events.toml``) and its object finder.

Objects (PTSM, diagnostic, contract, roadmap, elaboration process, …) are found by regular
expressions on accent-folded text and by acronyms matched case-sensitively; a document's
own acronyms whose expansion is an object join that object first (acronym resolution).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors.textfold import fold, fold_map

DATA_FILE = Path(__file__).resolve().parent / "data" / "events.toml"


@dataclass(frozen=True, eq=False)
class Trigger:
    """One entry of ``[[trigger]]``: lemmas that state an event about some objects."""

    id: str
    verbs: tuple[str, ...] = ()
    nouns: tuple[str, ...] = ()
    sequences: tuple[tuple[str, ...], ...] = ()
    types: dict[str, str] = field(default_factory=dict)
    needs_date: bool = False
    needs_body: bool = False
    actor_suffices: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    official: str | None = None
    sentence_needs: str | None = None

    @property
    def needs_object(self) -> bool:
        return "any" not in self.types


@dataclass(frozen=True)
class ObjectMention:
    """An object found in a sentence: its class and character span."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The whole lexicon: triggers, objects, actors and the clause word lists."""

    triggers: tuple[Trigger, ...]
    object_phrases: dict[str, tuple[str, ...]]
    object_acronyms: dict[str, tuple[str, ...]]
    approvers: frozenset[str]
    opinion_by_actor: dict[str, str]
    adoption_by_actor: dict[str, str]
    clause: dict[str, Any]

    def words(self, name: str) -> frozenset[str]:
        """A word list of ``[clause]`` as a set."""
        return frozenset(self.clause.get(name, ()))

    def trigger(self, trigger_id: str) -> Trigger:
        return next(t for t in self.triggers if t.id == trigger_id)

    def trigger_prefilters(self) -> tuple[tuple[Trigger, re.Pattern[str]], ...]:
        """Per trigger, a cheap test on folded text for its words."""
        return _trigger_prefilters(self)

    def any_trigger(self) -> re.Pattern[str]:
        """The words of all triggers: finds something in a folded text if and only if one
        of :meth:`trigger_prefilters` does."""
        return _any_trigger(self)


def _trigger(entry: dict[str, Any]) -> Trigger:
    return Trigger(
        id=entry["id"], verbs=tuple(entry.get("verbs", ())), nouns=tuple(entry.get("nouns", ())),
        sequences=tuple(tuple(s) for s in entry.get("sequences", ())),
        types=dict(entry.get("types", {})), needs_date=entry.get("needs_date", False),
        needs_body=entry.get("needs_body", False),
        actor_suffices=tuple(entry.get("actor_suffices", ())),
        recipients=tuple(entry.get("recipients", ())), official=entry.get("official"),
        sentence_needs=entry.get("sentence_needs"))


@lru_cache(maxsize=4)
def load_lexicon(path: str = str(DATA_FILE)) -> Lexicon:
    """Read and check the lexicon file."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    objects = data["objects"]
    triggers = tuple(_trigger(e) for e in data["trigger"])
    for t in triggers:
        unknown = set(t.types) - set(objects) - {"any"}
        if unknown:
            raise ValueError(f"{path}: trigger {t.id!r} names unknown objects {sorted(unknown)}")
    actors = data.get("actors", {})
    return Lexicon(
        triggers=triggers,
        object_phrases={k: tuple(v.get("phrases", ())) for k, v in objects.items()},
        object_acronyms={k: tuple(v.get("acronyms", ())) for k, v in objects.items()},
        approvers=frozenset(actors.get("approvers", ())),
        opinion_by_actor=dict(actors.get("opinion", {})),
        adoption_by_actor=dict(actors.get("adoption", {})),
        clause=data.get("clause", {}))


def participle_stem(verb: str) -> str:
    """"adopter" → "adopt", "transmettre" → "transm", "conclure" → "conclu"."""
    for ending, cut in (("ettre", 5), ("uire", 2), ("ure", 2), ("er", 2), ("ir", 2), ("re", 2)):
        if verb.endswith(ending):
            return verb[: len(verb) - cut]
    return verb


def _stem(lemma: str) -> str:
    """A prefix shared by the forms of a lemma, long enough to be worth a search."""
    stem = fold(participle_stem(lemma))
    return stem if len(stem) >= 4 else fold(lemma)


def _stems_pattern(triggers: tuple[Trigger, ...]) -> re.Pattern[str]:
    stems: set[str] = set()
    for t in triggers:
        stems.update(_stem(w) for w in (*t.verbs, *t.nouns))
        stems.update(_stem(s[-1]) for s in t.sequences)
    words = sorted(stems, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + ")")


@lru_cache(maxsize=4)
def _trigger_prefilters(lexicon: Lexicon) -> tuple[tuple[Trigger, re.Pattern[str]], ...]:
    return tuple((t, _stems_pattern((t,))) for t in lexicon.triggers)


@lru_cache(maxsize=4)
def _any_trigger(lexicon: Lexicon) -> re.Pattern[str]:
    return _stems_pattern(lexicon.triggers)


@lru_cache(maxsize=64)
def _object_pattern(lexicon: Lexicon, extra: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    parts = []
    for kind, phrases in lexicon.object_phrases.items():
        for i, phrase in enumerate(phrases):
            parts.append(f"(?P<{kind}__p{i}>{phrase})")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])")


def _acronym_pattern(acronyms: list[tuple[str, str]]) -> re.Pattern[str] | None:
    if not acronyms:
        return None
    parts = [f"(?P<{kind}__a{i}>{re.escape(acr)})" for i, (kind, acr) in enumerate(acronyms)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


class ObjectFinder:
    """Objects of one document's sentences (built-in acronyms plus the document's own)."""

    def __init__(self, lexicon: Lexicon, doc_acronyms: list[tuple[str, str]] = ()) -> None:
        self.lexicon = lexicon
        self.phrases = _object_pattern(lexicon, ())
        acronyms = [(k, a) for k, acrs in lexicon.object_acronyms.items() for a in acrs]
        known = {a for _, a in acronyms}
        for acr, expansion in doc_acronyms:
            kind = self.kind_of(expansion)
            if kind and acr not in known and re.fullmatch(r"[A-Z][A-Za-z0-9]{1,9}", acr):
                acronyms.append((kind, acr))
                known.add(acr)
        self.acronyms = _acronym_pattern(acronyms)
        self._found: dict[str, tuple[ObjectMention, ...]] = {}

    def kind_of(self, expansion: str) -> str | None:
        """The object an acronym's expansion names ("Contrat territorial de santé mentale de
        l'Aube" → contract), by its first words."""
        m = self.phrases.match(fold(expansion).strip())
        if not m:
            return None
        kind = _group_kind(m)
        return kind if kind not in ("project", "process", "sessions") else None

    def find(self, text: str) -> list[ObjectMention]:
        """Object mentions of ``text``, longest first where they overlap, in order."""
        found = self._found.get(text)
        if found is None:  # the prefilter and the reader of a sentence both ask
            found = self._found[text] = tuple(self._find(text))
        return list(found)

    def _find(self, text: str) -> list[ObjectMention]:
        folded = fold_map(text)
        found = [ObjectMention(_group_kind(m), *folded.span(m.start(), m.end()))
                 for m in self.phrases.finditer(folded.text)]
        if self.acronyms:
            found += [ObjectMention(_group_kind(m), m.start(), m.end())
                      for m in self.acronyms.finditer(text)]
        chosen: list[ObjectMention] = []
        for cand in sorted(found, key=lambda o: (-(o.end - o.start), o.start)):
            if all(cand.end <= o.start or cand.start >= o.end for o in chosen):
                chosen.append(cand)
        return sorted(chosen, key=lambda o: o.start)


def _group_kind(m: re.Match[str]) -> str:
    name = next(k for k, v in m.groupdict().items() if v is not None)
    return name.split("__")[0]
