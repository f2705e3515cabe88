"""Accent- and case-insensitive text for matching rules (the stored text never changes)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lowercase, accents removed, typographic apostrophe made straight.

    NFD decomposition keeps one character per character for Latin text, so offsets
    found in the folded text hold in the original.
    """
    decomposed = unicodedata.normalize("NFD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
