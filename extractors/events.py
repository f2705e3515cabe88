"""Governance events of a PTSM (dated milestones) read from spaCy's linguistic annotations.

The trigger lexicon (``data/events.toml``, :mod:`extractors.event_lexicon`) is matched with
spaCy's ``Matcher`` on written forms, then checked on the lemma (computed on demand), so
"signé", "a signé", "ont été signés", "signature" are one entry. Only sentences that could
state an event (a trigger's words with what it needs) are parsed. A trigger makes an event
when:

- it governs an object of its entry (a PTSM, a diagnostic, a contract, …), found in its
  subject, object or "de" complement, the noun a participle qualifies, or the antecedent
  of its relative clause (by word order when the parse misses it); the acting body can
  turn it into another type ("le CTS a approuvé le projet" → ``opinion_cts``);
- its own clause is realised: no future or conditional on it or its auxiliary, no negation,
  no modal or planning head ("doit être signé", "prévoit de lancer"), no purpose or
  condition ("pour engager", "si …"), no intent word ("signature prévue", "en vue de").
  A future elsewhere in the sentence does not matter;
- it has a date, or it is stated in a past tense ("ont signé récemment", "a eu lieu la
  signature"): then the event is undated, with any relative or year-less date kept as
  ``date_text``.

Each date goes to the trigger nearest to it in the dependency tree. A date without a year
takes one only when the same document states that day and month with a year; a date-only
line of a timeline dates the line that follows it. One event per (type, date) per document;
a less precise date of the same type and period is dropped.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from extractors.acronyms import extract_acronyms
from extractors.dates import FrenchDate, find_dates
from extractors.entities import entity_pipeline
from extractors.event_lexicon import (
    Lexicon,
    ObjectFinder,
    ObjectMention,
    Trigger,
    load_lexicon,
    participle_stem,
)
from extractors.institutions import Mention, find_institutions
from extractors.nlp import (
    DEFAULT_MODEL,
    PARSE_COMPONENTS,
    iter_sentences,
    loaded_once,
    others,
)
from extractors.textfold import fold, fold_map
from schemas.document import Document

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc, Token

# The lemmatizer is loaded but run lazily, on the few tokens the rules look at: lemmatizing
# every token of a parsed sentence costs more than the parse itself.
LAZY = ("lemmatizer",)
RUN_COMPONENTS = tuple(name for name in PARSE_COMPONENTS if name not in LAZY)
_ARGUMENT_DEPS = {"nsubj", "nsubj:pass", "obj", "obl:arg", "iobj", "nmod", "appos", "expl:subj"}
_CLIMB_DEPS = {"xcomp", "ccomp", "advcl", "csubj", "obj", "obl", "obl:arg", "obl:mod", "nmod",
               "nsubj", "nsubj:pass", "conj", "acl", "appos"}
_REFERENCE = re.compile(
    r"\b(?:arr[êe]t[ée]|d[ée]cision|d[ée]lib[ée]ration)\s+(?:(?:n\s*°|no\.?|num[ée]ro)\s*)?"
    r"(?P<ref>(?-i:(?:[A-Z]{2,10}|\d+)(?:\s*[/_.\-–]\s*(?:[A-Z]{1,10}|\d+)"
    r"|\s+(?:[A-Z]{2,10}|\d+))*))", re.IGNORECASE)
_CHAIN = re.compile(r"(?:[\s,]+|(?:et|puis|ainsi\s+que|du|de|des|par|le|la|les|officiel\w*"
                    r"|favorables?|\w+ement)\b|[ld]['’])*")
_DISCONNECTED = 99
_PRECISION_RANK = {"year": 1, "month": 2, "day": 3}


@dataclass(frozen=True)
class EventSettings:
    """Tuning of the event reader.

    ``model``: spaCy package; ``batch_size``: sentences per ``nlp.pipe`` batch;
    ``prefilter``: parse only the sentences that could state an event (:func:`worth_parsing`;
    off: every sentence, to measure what the parser costs);
    ``adjacent_gap``: most characters between a body and the date that is its own
    ("du CTS le 19 décembre 2019"); ``national_window``: characters looked back from a date
    for "décret/loi/…".
    """

    model: str = DEFAULT_MODEL
    batch_size: int = 64
    prefilter: bool = True
    adjacent_gap: int = 45
    national_window: int = 60


@dataclass(frozen=True)
class _Sentence:
    seq: int
    text: str
    context_date: FrenchDate | None  # the date line above, in a timeline


@loaded_once
def parse_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """The process' ``model`` (one load for all extractors, built by
    :func:`~extractors.entities.entity_pipeline`), which holds what the event rules read:
    morphology, dependencies (and the lemmatizer, run on demand by :func:`_lemma`)."""
    return entity_pipeline(model)


def _lemma(tok: Token) -> str:
    """The lemma of a token, computed on demand by the model's own lemmatizer."""
    if not tok.lemma_:
        lemmas = _lemmatizer().rule_lemmatize(tok)
        tok.lemma_ = lemmas[0] if lemmas else tok.lower_
    return tok.lemma_


@loaded_once
def _lemmatizer(model: str = DEFAULT_MODEL) -> Any:
    return parse_pipeline(model).get_pipe("lemmatizer")


@loaded_once
def _matcher(model: str = DEFAULT_MODEL) -> Matcher:
    from spacy.matcher import Matcher

    lexicon = load_lexicon()
    matcher = Matcher(parse_pipeline(model).vocab)
    for t in lexicon.triggers:
        if t.verbs:  # forms of the verbs; the lemma is checked on the match
            matcher.add(f"{t.id}|verb", [[{"LOWER": {"REGEX": _forms(t.verbs)}}]])
        if t.nouns:
            forms = [form for n in t.nouns for form in (n, n + "s")]
            matcher.add(f"{t.id}|noun", [[{"LOWER": {"IN": forms}}]])
        for i, seq in enumerate(t.sequences):  # any first word: its lemma is checked
            matcher.add(f"{t.id}|seq{i}", [[
                {"IS_ALPHA": True},
                {"LOWER": {"IN": ["le", "l'", "un", "une", "son", "leur", "leurs"]}, "OP": "?"},
                *({"LOWER": {"IN": [w, w + "s"] + (["d'", "d’"] if w == "de" else [])}}
                  for w in seq[1:])]])
    return matcher


def _forms(verbs: Iterable[str]) -> str:
    """A regex of the written forms of ``verbs``: their stem and a short ending."""
    stems = sorted({participle_stem(v) for v in verbs}, key=len, reverse=True)
    return r"^(?:" + "|".join(map(re.escape, stems)) + r")[a-zàâçéèêëîïôûùü]{0,7}$"


def _participles(verbs: Iterable[str]) -> str:
    """A regex of the past participles of ``verbs`` ("adoptée", "transmis", "conclu")."""
    stems = sorted({participle_stem(v) for v in verbs}, key=len, reverse=True)
    return (r"^(?:" + "|".join(map(re.escape, stems)) + r")(?:é|ée|és|ées|i|ie|is|ies|u|ue|us"
            r"|ues|it|ite|its|ites)?$")


def _as_participle(tok: Token, trigger: Trigger) -> None:
    """A participle the tagger took for a name ("Adoptée" at the start of a line)."""
    lemma = next((v for v in trigger.verbs if tok.lower_.startswith(participle_stem(v))), None)
    if lemma:
        tok.pos_, tok.lemma_ = "VERB", lemma
        tok.set_morph("Tense=Past|VerbForm=Part")


# ---------------------------------------------------------------------------------------
# The clause of a trigger: is it realised, is it in a past tense?

def _aux(tok: Token) -> list[Token]:
    return [c for c in tok.children if c.dep_.startswith("aux") or c.dep_ == "cop"]


def _morph(tok: Token, feature: str) -> str:
    values = tok.morph.get(feature)
    return values[0] if values else ""


def _future_or_conditional(tok: Token) -> bool:
    auxes = _aux(tok)
    if auxes:
        return any(_morph(a, "Tense") == "Fut" or _morph(a, "Mood") == "Cnd" for a in auxes)
    if _morph(tok, "VerbForm") != "Fin":
        return False
    return _morph(tok, "Tense") == "Fut" or _morph(tok, "Mood") == "Cnd"


def _negated(tok: Token, lexicon: Lexicon) -> bool:
    negations = lexicon.words("negations")
    for c in (*tok.children, *(x for a in _aux(tok) for x in a.children)):
        if c.lower_ in negations or (c.lower_ in ("ne", "n'") and c.dep_ == "advmod"):
            return True
    return False


def _has_mark(tok: Token, lexicon: Lexicon) -> bool:
    marks = lexicon.words("purpose_marks")
    return any(c.dep_ in ("mark", "case") and c.lower_ in marks
               or c.dep_ == "mark" and any(f.lower_ in marks for f in c.children)
               for c in tok.children)


def _intent(tok: Token, lexicon: Lexicon) -> bool:
    words = lexicon.words("intent_words")
    if any(c.lower_ in words or _lemma(c) in words for c in tok.children
           if c.dep_ not in ("nsubj", "nsubj:pass", "obj")):
        return True
    before = tok.doc[max(0, tok.i - 3): tok.i]
    return tok.pos_ in ("NOUN", "PROPN") and any(t.lower_ in ("vue", "attente") for t in before)


def _past(tok: Token) -> bool:
    """A past tense: "a signé", "a été signé", "s'est réuni", "avoir signé", "signa"."""
    for a in _aux(tok):
        if a.dep_ == "aux:tense":
            return True
        if a.lower_ == "avoir" and _morph(a, "VerbForm") == "Inf":
            return True
    return _morph(tok, "VerbForm") == "Fin" and _morph(tok, "Tense") in ("Past", "Imp")


def _blocked(tok: Token, lexicon: Lexicon) -> bool:
    """Future, conditional, negated, planned or hypothetical clause of ``tok``."""
    return (_future_or_conditional(tok) or _negated(tok, lexicon) or _has_mark(tok, lexicon)
            or _intent(tok, lexicon))


def _realised(tok: Token, lexicon: Lexicon) -> bool:
    """The trigger's clause states something that happened (or happens, with a date)."""
    if _blocked(tok, lexicon):
        return False
    modal = lexicon.words("modal_heads")
    infinitive = _morph(tok, "VerbForm") == "Inf" and not _past(tok)
    current = tok
    while current.dep_ in _CLIMB_DEPS and current.head.i != current.i:
        head = current.head
        if head.pos_ in ("VERB", "AUX") or head.pos_ == "ADJ" and _aux(head):
            if _blocked(head, lexicon):
                return False
            if _lemma(head) in modal and not _past(head):
                return False
            if infinitive and current.i == tok.i and not _after_infinitive_head(tok, lexicon):
                return False
            if current.dep_ in ("xcomp", "ccomp", "conj") or tok.pos_ in ("NOUN", "PROPN"):
                if current.dep_ == "conj" and _aux(current):
                    return True
                current = head
                continue
            return True
        current = head
    return not infinitive or _after_infinitive_head(tok, lexicon)


def _after_infinitive_head(tok: Token, lexicon: Lexicon) -> bool:
    """"décident de s'engager": the verb just before the infinitive lets it count."""
    heads = lexicon.words("infinitive_heads")
    for t in reversed(tok.doc[max(0, tok.i - 4): tok.i]):
        if fold(t.lower_)[:5] in {fold(h)[:5] for h in heads} or _lemma(t) in heads:
            return True
        if t.pos_ not in ("ADP", "PRON", "SCONJ", "PART") and t.lower_ not in ("de", "d'", "s'"):
            return False
    return False


def _undated_allowed(tok: Token, lexicon: Lexicon) -> bool:
    """Without a date, only a past statement counts ("ont signé", "a eu lieu la signature")."""
    if tok.pos_ in ("NOUN", "PROPN"):
        realising = lexicon.words("realising_verbs")
        head = tok.head
        while head.head.i != head.i and head.pos_ not in ("VERB", "AUX"):
            head = head.head
        lieu = any(c.lower_ == "lieu" for c in head.children)
        return (_lemma(head) in realising or lieu and "avoir lieu" in realising) and _past(head)
    if _past(tok):
        return True
    if tok.dep_ == "conj" and not _aux(tok) and tok.head.pos_ == "VERB":
        return _past(tok.head)
    return False


# ---------------------------------------------------------------------------------------
# What a trigger governs: objects, acting bodies, recipients.

@dataclass(frozen=True)
class _Range:
    start: int
    end: int

    def holds(self, start: int) -> bool:
        return self.start <= start < self.end


def _subtree_range(tok: Token) -> _Range:
    return _Range(tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge))


def _subject_children(tok: Token) -> list[Token]:
    return [c for c in tok.children if c.dep_ in ("nsubj", "nsubj:pass", "expl:subj")]


_PHRASE_DEPS = {"nmod", "amod", "conj", "cc", "flat:name", "fixed", "compound", "det", "case",
                "nummod", "obl:arg", "acl", "acl:relcl", "nsubj", "nsubj:pass", "obj"}


def _phrase_ranges(tok: Token) -> list[_Range]:
    """The words of the phrase headed by ``tok``, not its parenthesised appositions
    ("lancement des invitations (réflexion sur …)" is not about a process)."""
    out, todo = [], [tok]
    while todo:
        t = todo.pop()
        out.append(_Range(t.idx, t.idx + len(t)))
        todo += [c for c in t.children if c.dep_ in _PHRASE_DEPS]
    return out


def _argument_ranges(tok: Token) -> list[_Range]:
    """Character ranges of what the trigger governs."""
    deps = _ARGUMENT_DEPS if tok.pos_ in ("NOUN", "PROPN") else _ARGUMENT_DEPS - {"nmod"}
    ranges = [r for c in tok.children if c.dep_ in deps for r in _phrase_ranges(c)]
    if tok.pos_ not in ("NOUN", "PROPN"):
        ranges += [_subtree_range(c) for c in tok.children
                   if c.dep_ in ("obl:mod", "obl") and any(
                       g.dep_ == "case" and g.lower_ in ("dans", "en", "à", "au", "de", "d'")
                       for g in c.children) and c.pos_ in ("NOUN", "PROPN")]
    head = tok.head
    if tok.dep_ in ("acl", "amod", "acl:relcl", "advcl") and head.i != tok.i:
        ranges.append(_Range(head.left_edge.idx, tok.left_edge.idx))
    if tok.dep_ in ("conj", "advcl") and not _subject_children(tok):
        ranges += [_subtree_range(c) for c in _subject_children(head)]
    antecedent = _antecedent_range(tok)
    if antecedent is not None:
        ranges.append(antecedent)
    if tok.dep_ == "xcomp" and not _subject_children(tok):
        ranges += [_subtree_range(c) for c in _subject_children(head)]
    if tok.pos_ in ("NOUN", "PROPN") and head.i != tok.i and head.pos_ in ("NOUN", "PROPN"):
        ranges.append(_Range(head.idx, head.idx + len(head)))
        ranges += [_subtree_range(c) for c in head.children
                   if c.dep_ == "nmod" and c.i < tok.i]
    return ranges


def _word_order_range(tok: Token) -> _Range:
    """The clause part before a passive trigger or after an active one, up to , ; : .
    (after the comma for a participle that opens the sentence)."""
    text = tok.doc.text
    auxes = _aux(tok)
    if any(a.dep_ == "aux:pass" for a in auxes):
        first = min([tok.idx, *(a.idx for a in auxes)])
        cut = max(text.rfind(ch, 0, first) for ch in ",;:")
        return _Range(cut + 1, first)
    end = tok.idx + len(tok)
    leading = all(t.is_punct for t in tok.doc[: tok.i])
    if leading and not auxes and _morph(tok, "VerbForm") == "Part":
        comma = text.find(",", end)  # "Validé par l'ARS en 2020, le PTSM compte …"
        if comma >= 0:
            end = comma + 1
    stops = [i for i in (text.find(ch, end) for ch in ",;:.") if i >= 0]
    return _Range(end, min(stops) if stops else len(text))


def _antecedent_range(tok: Token) -> _Range | None:
    """The noun phrase a relative pronoun among the trigger's arguments stands for."""
    rel = next((t for t in tok.subtree if _morph(t, "PronType") == "Rel"
                and t.i < tok.i), None)
    if rel is None or rel.i == 0:
        return None
    before = rel.doc[rel.i - 1]
    if before.is_punct and rel.i > 1:
        before = rel.doc[rel.i - 2]
    head = before
    while head.dep_ in ("nmod", "amod", "conj", "appos", "flat:name") and head.head.i < rel.i:
        head = head.head
    return _Range(head.left_edge.idx, rel.idx)


def _heads(tok: Token) -> list[Token]:
    """Head nouns of what the trigger governs, conjuncts included."""
    deps = _ARGUMENT_DEPS if tok.pos_ in ("NOUN", "PROPN") else _ARGUMENT_DEPS - {"nmod"}
    args = [c for c in tok.children if c.dep_ in deps]
    if tok.dep_ in ("acl", "amod", "acl:relcl") and tok.head.i != tok.i:
        args.append(tok.head)
    if tok.dep_ in ("conj", "advcl", "xcomp") and not _subject_children(tok):
        args += _subject_children(tok.head)
    return [t for a in args for t in (a, *a.conjuncts)]


def _actor_ranges(tok: Token) -> list[_Range]:
    """Where the acting body is: "par X", the active subject, "de X" after a noun."""
    ranges = [_subtree_range(c) for c in tok.children if c.dep_ in ("obl:agent", "nmod")
              or c.dep_ in ("nsubj", "expl:subj") and tok.pos_ != "NOUN"]
    if tok.dep_ == "conj" and not _subject_children(tok):
        ranges += [_subtree_range(c) for c in _subject_children(tok.head)]
    antecedent = _antecedent_range(tok)  # "présenté au CTS, qui a émis un avis"
    if antecedent is not None:
        ranges.append(antecedent)
    return ranges


def _base(mention: Mention) -> str:
    """"ARS Pays de la Loire" → "ARS": the kind of body a mention is."""
    return "ARS" if mention.canonical.startswith("ARS ") else mention.canonical


def _recipient(text: str, mention: Mention) -> bool:
    return bool(re.search(r"(?:\bà|\bau|\baux)\s+(?:l['’]\s*)?(?:\w+\s+){0,2}$",
                          text[max(0, mention.start - 30): mention.start], re.IGNORECASE))


# ---------------------------------------------------------------------------------------
# Dates of a sentence and which trigger each belongs to.

def _usable(text: str, d: FrenchDate, lexicon: Lexicon, settings: EventSettings) -> bool:
    if d.precision == "year" and d.end_date is not None:
        return False  # a span of years is a period, not a milestone
    before = fold(text[max(0, d.start - settings.national_window): d.start])
    if d.qualifier and fold(d.qualifier).startswith(tuple(
            fold(q) for q in lexicon.words("deadline_qualifiers"))):
        return False
    if re.search(r"\b(?:avant|d'ici|jusqu'(?:au|a|en))\s*(?:le\s+|la\s+)?$", before):
        return False
    national = "|".join(map(re.escape, (fold(w) for w in lexicon.words("national_texts"))))
    return not re.search(rf"\b(?:{national})\b[^,;.]*$", before)


def _date_anchor(doc: Doc, d: FrenchDate) -> Token | None:
    tokens = [t for t in doc if d.start <= t.idx < d.end]
    if not tokens:
        return None
    inside = {t.i for t in tokens}
    for t in tokens:
        if t.head.i not in inside or t.head.i == t.i:
            return t
    return tokens[0]


def _distance(a: Token, b: Token) -> int:
    up_a = [a, *a.ancestors]
    index = {t.i: n for n, t in enumerate(up_a)}
    for n, t in enumerate([b, *b.ancestors]):
        if t.i in index:
            return n + index[t.i]
    return _DISCONNECTED


def _since(doc: Doc, d: FrenchDate, lexicon: Lexicon) -> bool:
    before = fold(doc.text[max(0, d.start - 12): d.start])
    words = "|".join(map(re.escape, (fold(w) for w in lexicon.words("since_words"))))
    return bool(re.search(rf"\b(?:{words})\s+(?:(?:ce|le|la)\s+)?$", before))


# ---------------------------------------------------------------------------------------
# Events of one parsed sentence.

@dataclass
class _Found:
    trigger: Trigger
    token: Token


def _triggers(doc: Doc, matcher: Matcher, lexicon: Lexicon,
              date_spans: list[FrenchDate]) -> list[_Found]:
    by_id = {t.id: t for t in lexicon.triggers}
    seen: set[tuple[str, int]] = set()
    out = []
    for match_id, start, _ in matcher(doc):
        trigger_id, _, kind = doc.vocab.strings[match_id].partition("|")
        trigger = by_id[trigger_id]
        tok = doc[start]
        if (trigger.id, tok.i) in seen or any(d.start <= tok.idx < d.end for d in date_spans):
            continue
        if kind == "noun":
            noun = next(n for n in trigger.nouns if tok.lower_ in (n, n + "s"))
            tok.pos_, tok.lemma_ = "NOUN", noun  # "Journées de lancement" tagged as an adverb
        elif kind == "verb":
            if tok.pos_ in ("VERB", "ADJ", "AUX") and _lemma(tok) in trigger.verbs:
                pass
            elif tok.pos_ not in ("VERB", "NOUN") and re.match(_participles(trigger.verbs),
                                                                 tok.lower_):
                _as_participle(tok, trigger)  # "Adoptée" at the start of a line
            else:
                continue
        elif _lemma(tok) != trigger.sequences[int(kind[3:])][0]:
            continue
        seen.add((trigger.id, tok.i))
        out.append(_Found(trigger, tok))
    return out


def _event_types(found: _Found, objects: list[ObjectMention], actors: list[Mention],
                 lexicon: Lexicon) -> list[tuple[str, Mention | None]]:
    """(event type, actor) pairs a trigger states, from its objects and acting bodies."""
    trigger = found.trigger
    kinds = {o.kind for o in objects}
    bodies = [a for a in actors if a.canonical in lexicon.opinion_by_actor]
    adopters = [a for a in actors if a.canonical in lexicon.adoption_by_actor]
    approvers = [a for a in actors if _base(a) in lexicon.approvers]
    if trigger.needs_body:
        return _opinions(bodies, lexicon)
    out: list[tuple[str, Mention | None]] = []
    if "any" in trigger.types:
        out.append((trigger.types["any"], (approvers or actors or [None])[0]))
    for kind in sorted(kinds & set(trigger.types)):
        event_type = trigger.types[kind]
        if kind == "project" and not (bodies or adopters or approvers):
            continue
        if event_type == "ptsm_approved" and not approvers:
            if bodies:
                out += _opinions(bodies, lexicon)
                continue
            if adopters:
                out.append((lexicon.adoption_by_actor[adopters[0].canonical], adopters[0]))
                continue
        actor = (approvers or adopters or bodies or [None])[0]
        out.append((event_type, actor))
    if not out and trigger.actor_suffices:
        actor = next((a for a in actors if _base(a) in trigger.actor_suffices), None)
        if actor is not None:
            out.append((next(iter(trigger.types.values())), actor))
    if not out and "ptsm_approved" in trigger.types.values() and not kinds & set(trigger.types):
        if bodies:
            out += _opinions(bodies, lexicon)
        elif adopters:
            out.append((lexicon.adoption_by_actor[adopters[0].canonical], adopters[0]))
    return list(dict.fromkeys(out))


def _opinions(bodies: list[Mention], lexicon: Lexicon) -> list[tuple[str, Mention | None]]:
    out: dict[str, Mention] = {}
    for body in bodies:
        out.setdefault(lexicon.opinion_by_actor[body.canonical], body)
    return list(out.items())


def _official(tok: Token) -> bool:
    """"lancé officiellement", "lancement officiel"."""
    near = [*tok.children, *tok.doc[max(0, tok.i - 2): tok.i + 3]]
    return any(fold(t.lower_).startswith("officiel") for t in near)


class _SentenceReader:
    """Events of one parsed sentence of a document."""

    def __init__(self, doc: Doc, finder: ObjectFinder, lexicon: Lexicon,
                 settings: EventSettings, context_date: FrenchDate | None = None,
                 text: str | None = None) -> None:
        self.doc, self.text = doc, text or doc.text
        self.lexicon, self.settings = lexicon, settings
        self.objects = finder.find(self.text)
        self.mentions = find_institutions(self.text)
        ref = _REFERENCE.search(self.text)
        masked = self.text
        if ref:
            masked = (self.text[: ref.start("ref")] + " " * len(ref["ref"])
                      + self.text[ref.end("ref"):])
        self.reference = re.sub(r"\s+", " ", ref["ref"]).strip() if ref else None
        self.all_dates = find_dates(masked)
        self.dates = [d for d in self.all_dates if _usable(masked, d, lexicon, settings)]
        chain = re.sub(r"\([A-Z]{2,8}\)", lambda m: " " * len(m.group(0)), self.text)
        for d in self.all_dates:
            chain = chain[: d.start] + " " * (d.end - d.start) + chain[d.end:]
        self.chain_text = chain
        self.context_date = context_date
        self.objects_of: dict[int, list[ObjectMention]] = {}

    def events(self, matcher: Matcher) -> list[dict[str, Any]]:
        found = _triggers(self.doc, matcher, self.lexicon, self.all_dates)
        candidates = [(f, c) for f in found if (c := self._candidate(f))]
        rows: list[dict[str, Any]] = []
        if candidates:
            owners = self._date_owners([f for f, _ in candidates])
            for i, (f, pairs) in enumerate(candidates):
                rows += self._trigger_events(f, pairs,
                                             [self.dates[j] for j in owners.get(i, [])])
        return rows + self._since_events()

    def _date_owners(self, found: list[_Found]) -> dict[int, list[int]]:
        """The date of each trigger: pairs taken nearest first in the dependency tree; a
        trigger takes one date, a date goes to one trigger (or to several at one distance,
        "ont enclenché, fin 2017, … et initié")."""
        limit = self.lexicon.clause.get("max_date_distance", 6)
        pairs = []
        for j, d in enumerate(self.dates):
            anchor = _date_anchor(self.doc, d)
            if anchor is None:
                continue
            for i, f in enumerate(found):
                dist = _distance(f.token, anchor)
                if dist == _DISCONNECTED:  # the parser split the sentence: word order only
                    dist = limit
                pairs.append((dist, abs(f.token.i - anchor.i), i, j))
        owners: dict[int, list[int]] = {}
        taken: dict[int, int] = {}  # date → distance at which it was taken
        for dist, _, i, j in sorted(pairs):
            if dist > limit or i in owners or taken.get(j, dist) != dist:
                continue
            owners[i] = [j]
            taken[j] = dist
        return owners

    def _objects_of(self, f: _Found) -> list[ObjectMention]:
        tok = f.token
        ranges = _argument_ranges(tok)
        inside = [o for o in self.objects if any(r.holds(o.start) for r in ranges)
                  and not tok.idx <= o.start < tok.idx + len(tok)]
        heads = [o for o in inside if any(o.start <= h.idx < o.end for h in _heads(tok))]
        if heads:  # "le plan d'actions du PTSM" is about the plan
            return heads
        if inside or tok.pos_ not in ("VERB", "ADJ"):
            return inside
        # The parse missed the argument: its usual place in the clause (before a passive
        # verb, after an active one).
        fallback = _word_order_range(tok)
        return [o for o in self.objects if fallback.holds(o.start)]

    def _actors_of(self, f: _Found) -> list[Mention]:
        ranges = _actor_ranges(f.token)
        return [m for m in self.mentions if any(r.holds(m.start) for r in ranges)]

    def _adjacent_date(self, mention: Mention | ObjectMention) -> FrenchDate | None:
        """The date written right after a body ("du CTS le 19 décembre 2019")."""
        end = mention.end
        tail = re.match(r"\s*\([A-Z]{2,8}\)", self.text[end:])
        end += tail.end() if tail else 0
        for d in self.dates:
            if d.start < end:
                continue
            gap = self.text[end:d.start]
            if len(gap) <= self.settings.adjacent_gap and not re.search(r"[,;:()]", gap):
                return d
            return None
        return None

    def _chained(self, start: int, items: list[Any]) -> list[Any]:
        """Items listed right after a nominal trigger: "validation de la CSSM le …, du CTS
        le …", "adoption du diagnostic … et du projet territorial …"."""
        out = []
        pos = start
        for item in sorted(items, key=lambda x: x.start):
            if item.start < pos:
                continue
            if not _CHAIN.fullmatch(self.chain_text[pos:item.start]):
                break
            out.append(item)
            pos = item.end
        return out

    def _candidate(self, f: _Found) -> list[tuple[str, Mention | None]]:
        """The (type, actor) pairs a realised trigger states, before its date is known."""
        tok, trigger = f.token, f.trigger
        if trigger.sentence_needs and not any(o.kind == trigger.sentence_needs
                                              for o in self.objects):
            return []
        if not _realised(tok, self.lexicon):
            return []
        if trigger.needs_body and tok.pos_ in ("NOUN", "PROPN") and (
                _lemma(tok.head) in self.lexicon.words("request_verbs")):
            return []
        actors = self._actors_of(f)
        objects = self._objects_of(f)
        if tok.pos_ in ("NOUN", "PROPN"):
            end = tok.idx + len(tok)
            actors = list(dict.fromkeys([*actors, *self._chained(end, self.mentions)]))
            objects = list(dict.fromkeys([*objects, *self._chained(end, self.objects)]))
        self.objects_of[tok.i] = objects
        if trigger.recipients:
            actors = [m for m in self.mentions if _base(m) in trigger.recipients
                      and m.start >= tok.left_edge.idx and _recipient(self.text, m)]
            if not actors:
                return []
        return _event_types(f, objects, actors, self.lexicon)

    def _trigger_events(self, f: _Found, pairs: list[tuple[str, Mention | None]],
                        dates: list[FrenchDate]) -> list[dict[str, Any]]:
        tok, trigger = f.token, f.trigger
        date = dates[0] if dates else None
        if date is None and self.context_date is not None and not self.dates:
            date = self.context_date
        undated_ok = not trigger.needs_date and _undated_allowed(tok, self.lexicon)
        relative = self._relative_date()
        launch_object = any(o.kind == "ptsm" for o in self._objects_of(f))
        rows = []
        objects = self.objects_of.get(tok.i, [])
        for event_type, actor in pairs:
            obj = next((o for o in objects if trigger.types.get(o.kind) == event_type or (
                event_type.startswith("opinion") and o.kind in ("ptsm", "project"))), None)
            # A date written right after the object or the body is theirs ("validé le
            # diagnostic le 4 juillet 2019 puis le PTSM le 10 juin 2020").
            own = next((d for d in (self._adjacent_date(x) for x in (obj, actor)
                                    if x is not None and x.start > tok.idx)
                         if d is not None), None)
            when = own or date
            if when is None and not undated_ok:
                continue
            if event_type == "diagnostic_launched" and _official(tok):
                event_type = trigger.official or event_type
            rows.append(self._row(event_type, when, actor, relative, trigger, launch_object))
        return rows

    def _relative_date(self) -> str | None:
        words = self.lexicon.words("relative_dates")
        folded = fold_map(self.text)
        for w in words:
            m = re.search(rf"(?<!\w){re.escape(fold(w))}(?!\w)", folded.text)
            if m:
                return folded.cut(m.start(), m.end())
        return None

    def _row(self, event_type: str, when: FrenchDate | None, actor: Mention | None,
             relative: str | None, trigger: Trigger, launch_object: bool) -> dict[str, Any]:
        return {"event_type": event_type, "event_date": when.date if when else None,
                "date_precision": when.precision if when and when.date else None,
                "date_text": when.text if when else relative,
                "actor": actor.text if actor else None,
                "reference": self.reference if trigger.id == "approval" else None,
                "evidence": self.text, "launch_object": launch_object}

    def _since_events(self) -> list[dict[str, Any]]:
        """"… l'élaboration … depuis mars 2019": the start of the elaboration."""
        clause = self.lexicon.clause
        rows = []
        for d in self.dates:
            if d.date is None or not _since(self.doc, d, self.lexicon):
                continue
            anchor = _date_anchor(self.doc, d)
            if anchor is None:
                continue
            for verb in anchor.ancestors:
                if verb.pos_ not in ("VERB", "AUX"):
                    continue
                ranges = [_subtree_range(c) for c in verb.children
                          if c.dep_ in ("nsubj", "nsubj:pass", "obj")]
                kinds = {o.kind for o in self.objects if any(r.holds(o.start) for r in ranges)}
                if kinds & set(clause.get("since_objects", ())):
                    if _realised(verb, self.lexicon):
                        rows.append({"event_type": clause["since_type"], "event_date": d.date,
                                     "date_precision": d.precision, "date_text": d.text,
                                     "actor": None, "reference": None, "evidence": self.text,
                                     "launch_object": False})
                    break
        return rows


# ---------------------------------------------------------------------------------------
# Documents.

def _date_only(text: str) -> FrenchDate | None:
    """The date a block consists of ("Septembre 2018", "Juillet - septembre 2019")."""
    stripped = text.strip(" \t:–—-•▪*")
    if not stripped or len(stripped) > 40:
        return None
    dates = find_dates(stripped)
    if len(dates) == 1 and dates[0].date and not re.sub(
            r"[\s:–—\-/.,]", "", stripped[: dates[0].start] + stripped[dates[0].end:]):
        return dates[0]
    if len(dates) == 2 and all(d.date for d in dates) and not re.sub(
            r"[\s:–—\-/.,à]|au", "", stripped[dates[0].end: dates[1].start]):
        return dates[0]
    m = re.fullmatch(r"((?:19|20)\d\d)", stripped)
    if m:
        return FrenchDate(date(int(m[1]), 1, 1), "year", m[1], 0, 4)
    return None


def _sentences(doc: Document) -> list[_Sentence]:
    """Sentences in reading order; in a timeline (several date-only lines) the line after a
    date-only line carries that date."""
    date_lines = {b.seq: _date_only(b.text or "") for b in doc.blocks}
    timeline = sum(d is not None for d in date_lines.values()) >= 2
    out: list[_Sentence] = []
    previous: FrenchDate | None = None
    for block in doc.blocks:
        context = previous if timeline else None
        for seq, text in iter_sentences([block]):
            out.append(_Sentence(seq, text, context))
        previous = date_lines.get(block.seq)
    return out


def _years_by_day(sentences: Iterable[_Sentence]) -> dict[tuple[int, int], set[int]]:
    years: dict[tuple[int, int], set[int]] = {}
    for s in sentences:
        for d in find_dates(s.text):
            if d.date and d.precision == "day":
                years.setdefault((d.date.month, d.date.day), set()).add(d.date.year)
    return years


def _with_year(row: dict[str, Any], years: dict[tuple[int, int], set[int]]) -> dict[str, Any]:
    """A year-less day takes the year the document states for that same day and month."""
    if row["event_date"] is not None or not row.get("date_text"):
        return row
    found = find_dates(row["date_text"])
    if not found or found[0].precision != "day":
        return row
    m = re.search(r"(\d{1,2})\s*(?:er|ᵉʳ)?\s+([^\s\d]+)", fold(found[0].text))
    if not m:
        return row
    from extractors.dates import month_number

    month = month_number(m[2])
    candidates = years.get((month, int(m[1])), set()) if month else set()
    if len(candidates) != 1:
        return row
    return {**row, "event_date": date(candidates.pop(), month, int(m[1])),
            "date_precision": "day"}


def _covers(fine: dict[str, Any], coarse: dict[str, Any]) -> bool:
    """``fine`` states the same event as ``coarse`` with a more precise date."""
    if coarse["event_date"] is None:
        return fine["event_date"] is not None
    if fine["event_date"] is None:
        return False
    rank_fine = _PRECISION_RANK[fine["date_precision"]]
    rank_coarse = _PRECISION_RANK[coarse["date_precision"]]
    if rank_fine <= rank_coarse:
        return False
    a, b = fine["event_date"], coarse["event_date"]
    return a.year == b.year and (coarse["date_precision"] == "year" or a.month == b.month)


def _relaunch(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The launch of a PTSM dated after its diagnostic was approved, or after a year in which
    its elaboration had already started, is the launch of an already elaborated PTSM
    (``other_milestone``)."""
    def before(e: dict[str, Any], r: dict[str, Any]) -> bool:
        a, b = e["event_date"], r["event_date"]
        if e["event_type"] == "diagnostic_approved":
            return a.year < b.year or a.year == b.year and (
                r["date_precision"] == "year" or a <= b)
        return e["event_type"] == "diagnostic_launched" and a.year < b.year

    dated = [r for r in rows if r["event_date"] is not None]
    out = []
    for r in rows:
        if (r["event_type"] == "diagnostic_launched" and r.get("launch_object")
                and r["event_date"] is not None and any(before(e, r) for e in dated)):
            r = {**r, "event_type": "other_milestone"}
        out.append(r)
    return out


def event_key(event_type: str, event_date: date | None, date_text: str | None) -> str:
    """Stable identity of an event within a document."""
    return f"{event_type}|{event_date.isoformat() if event_date else 'undated'}"


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One event per (type, date), first evidence kept; less precise duplicates dropped."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in rows:
        key = event_key(row["event_type"], row["event_date"], row["date_text"])
        if key in seen:
            continue
        seen.add(key)
        out.append({**row, "key": key})
    return [r for r in out if not any(o["event_type"] == r["event_type"] and _covers(o, r)
                                      for o in out)]


_MAY_HOLD_DATE = re.compile(r"\d|janv|f[ée]v|mars|avril|mai\b|juin|juil|ao[uû]t|sept|oct|nov|d[ée]c"
                            r"|semestre|trimestre", re.IGNORECASE)


def worth_parsing(text: str, lexicon: Lexicon, finder: ObjectFinder) -> bool:
    """Could this sentence state an event? A trigger's words with what that trigger needs
    (one of its objects, or a body for an opinion or an approval; a date when it needs
    one): only such sentences go through the parser."""
    folded = fold(text)
    hits = [t for t, words in lexicon.trigger_prefilters() if words.search(folded)] if (
        lexicon.any_trigger().search(folded)) else []
    since = _since_words(lexicon).search(folded) and _MAY_HOLD_DATE.search(text)
    if not hits and not since:
        return False
    kinds = {o.kind for o in finder.find(text)} - {"project"}
    if since and kinds & set(lexicon.clause.get("since_objects", ())):
        return True
    bodies: list[Mention] | None = None
    for t in hits:
        if t.sentence_needs and t.sentence_needs not in kinds:
            continue
        if t.needs_date and not _MAY_HOLD_DATE.search(text):
            continue
        if kinds & set(t.types):
            return True
        if t.needs_body or t.recipients or t.actor_suffices or "any" in t.types or (
                "ptsm_approved" in t.types.values()):
            bodies = find_institutions(text) if bodies is None else bodies
            if bodies:
                return True
    return False


@loaded_once
def _since_words(lexicon: Lexicon) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(fold(w) for w in lexicon.words("since_words"))
                      + r")\b")


def warm_up_events(model: str = DEFAULT_MODEL) -> None:
    """Load the parsing pipeline, build the matcher and compile the finders' patterns
    before the first document."""
    _matcher(model)
    lexicon = load_lexicon()
    worth_parsing("Le PTSM a été signé en 2020.", lexicon, ObjectFinder(lexicon))
    find_institutions("ARS")


def _parse(texts: list[str], settings: EventSettings) -> Iterator[Doc]:
    nlp = parse_pipeline(settings.model)
    return nlp.pipe((_for_parser(t) for t in texts), batch_size=settings.batch_size,
                    disable=others(nlp, RUN_COMPONENTS))


def _for_parser(text: str) -> str:
    """Typographic apostrophes made straight (same offsets): the tokenizer splits on "'"."""
    return text.replace("’", "'").replace("ʼ", "'")


def extract_events(doc: Document, settings: EventSettings | None = None) -> list[dict]:
    """Governance events of a document, one per (event_type, event_date)."""
    settings = settings or EventSettings()
    lexicon = load_lexicon()
    sentences = _sentences(doc)
    finder = ObjectFinder(lexicon, [(a["acronym"], a["expansion"])
                                    for a in extract_acronyms(doc)])
    candidates = [s for s in sentences
                  if not settings.prefilter or worth_parsing(s.text, lexicon, finder)]
    if not candidates:
        return []
    years = _years_by_day(sentences)
    keys = [_SentenceKey(lexicon, settings, s.text, s.context_date, tuple(finder.find(s.text)))
            for s in candidates]
    read = _read(keys, finder)
    rows: list[dict[str, Any]] = []
    for s, key in zip(candidates, keys, strict=True):
        for row in read[key]:
            rows.append({**_with_year(row, years), "passage_seq": s.seq})
    rows = _dedupe(_relaunch(rows))
    return [_public(r) for r in rows]


@dataclass(frozen=True)
class _SentenceKey:
    """What the events of a sentence depend on: its text, the date line above it, the
    objects found in it (the document's acronyms count), the rules and their settings."""

    lexicon: Lexicon
    settings: EventSettings
    text: str
    context_date: FrenchDate | None
    objects: tuple[ObjectMention, ...]


# Events of the sentences already read in this process (documents share templates and
# whole paragraphs): bounded, the oldest go first.
_READ: OrderedDict[_SentenceKey, tuple[dict[str, Any], ...]] = OrderedDict()
READ_CACHE_SIZE = 20000
_READING = threading.Lock()


def _read(keys: list[_SentenceKey],
          finder: ObjectFinder) -> dict[_SentenceKey, tuple[dict[str, Any], ...]]:
    """The events of each sentence of ``keys``: kept, or parsed and read now (each parse is
    read once: the reader retags tokens)."""
    out: dict[_SentenceKey, tuple[dict[str, Any], ...]] = {}
    for key in keys:
        hit = _READ.get(key)
        if hit is not None:
            out[key] = hit
    todo = [key for key in dict.fromkeys(keys) if key not in out]
    if todo:
        settings = todo[0].settings
        matcher = _matcher(settings.model)
        for key, parsed in zip(todo, _parse([k.text for k in todo], settings), strict=True):
            reader = _SentenceReader(parsed, finder, key.lexicon, key.settings,
                                     key.context_date, key.text)
            out[key] = tuple(reader.events(matcher))
    with _READING:  # threads of one process share the cache
        for key, rows in out.items():
            _READ[key] = rows
            _READ.move_to_end(key)
        while len(_READ) > READ_CACHE_SIZE:
            _READ.popitem(last=False)
    return out


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("trigger", "launch_object")}


def events_in_sentence(text: str, settings: EventSettings | None = None) -> list[dict]:
    """Events stated in one sentence, without document context (no dedup, no passage)."""
    settings = settings or EventSettings()
    lexicon = load_lexicon()
    finder = ObjectFinder(lexicon)
    if settings.prefilter and not worth_parsing(text, lexicon, finder):
        return []
    parsed = next(_parse([text], settings))
    reader = _SentenceReader(parsed, finder, lexicon, settings, text=text)
    return [_public(r) for r in reader.events(_matcher(settings.model))]

