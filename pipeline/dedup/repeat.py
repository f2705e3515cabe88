"""Repetition *inside* one passage: "… dispositif Assure un appui … dispositif", "23 23 actions".

A passage has an internal repeat when a run of words is immediately followed by the same
run again (compared case- and accent-insensitively). The cleaned text keeps the first copy
and drops the second. Single repeated words count only when they are numbers or are not
legitimate French doublings ("nous nous", "vous vous").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.textfold import fold_map

# A run of words (group 1) on one line, starting after a space (or at the start), followed by
# spaces and the same run again. Tabs and newlines (table cells, lines) never separate copies.
_REPEAT = re.compile(r"(?:(?<=[ (\"'])|^)(\w(?:[^\t\n]{0,2000}?\w)?) +\1(?![\w'-])")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class RepeatSettings:
    """Settings of the internal-repeat detector."""

    #: single words that may legitimately be doubled in French ("nous nous réunissons").
    allowed_doublings: frozenset[str] = frozenset({"nous", "vous", "que", "si"})
    #: a single repeated word counts only if it is a number or has at least this many letters.
    min_single_word_chars: int = 2


def _may_repeat(folded: str) -> bool:
    """Necessary condition for a repeat: the word sequence holds a run of words
    immediately followed by the same run (a doubled word, or a bigram seen twice whose
    gap repeats)."""
    words = _WORD.findall(folded)
    if len(words) < 2:
        return False
    following = words[1:]
    if any(map(str.__eq__, words, following)):
        return True
    bigrams = list(zip(words, following, strict=False))
    if len(set(bigrams)) == len(bigrams):
        return False
    seen: dict[tuple[str, str], list[int]] = {}
    for q, bigram in enumerate(bigrams):
        for p in seen.get(bigram, ()):
            k = q - p
            if words[p:q] == words[q : q + k]:
                return True
        seen.setdefault(bigram, []).append(q)
    return False


def _counts(run: str, settings: RepeatSettings) -> bool:
    words = _WORD.findall(run)
    if len(words) >= 2:
        return True
    word = words[0] if words else run
    if word.isdigit():
        return True
    return len(word) >= settings.min_single_word_chars and word not in settings.allowed_doublings


def find_internal_repeats(
    text: str, settings: RepeatSettings | None = None
) -> list[tuple[int, int]]:
    """Character spans (start, end) of the *second* copies of immediately repeated runs."""
    settings = settings or RepeatSettings()
    mapped = fold_map(text)
    folded = mapped.text
    spans: list[tuple[int, int]] = []
    if not _may_repeat(folded):
        return spans
    pos = 0
    while True:
        m = _REPEAT.search(folded, pos)
        if m is None:
            return spans
        if _counts(m.group(1), settings):
            spans.append(mapped.span(m.end(1), m.end()))  # separator + second copy
            pos = m.end()
        else:
            pos = m.start() + 1


def clean_internal_repeats(
    text: str, settings: RepeatSettings | None = None
) -> tuple[bool, str]:
    """(has_internal_repeat, text with the repeated copies removed)."""
    spans = find_internal_repeats(text, settings)
    if not spans:
        return False, text
    parts = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        last = end
    parts.append(text[last:])
    return True, "".join(parts)
