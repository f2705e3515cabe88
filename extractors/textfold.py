"""The one fold of the project: text made comparable for matching rules.

Lower case, accents and other combining marks dropped, compatibility forms spelled out
("ﬁ" → "fi", "²" → "2"), every hyphen or dash "-", every apostrophe "'", every space " "
(line breaks and tabs are kept: they separate cells and lines),
ligatures spelled out ("œ" → "oe"), "º" → "°". The stored text never changes: `fold_map`
gives the folded text with the offset of each of its characters in the original, so a
match found in folded text is cut out of the original text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe63\uff0d"
_APOSTROPHES = "\u2018\u2019\u201b\u02bc\u2032\u00b4`"
_SPECIAL = {**dict.fromkeys(_HYPHENS, "-"), **dict.fromkeys(_APOSTROPHES, "'"),
            "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "º": "°", "\u200b": "", "\u00ad": ""}


class _FoldTable(dict[int, str]):
    """str.translate table filled lazily: a code point → its folded form (0–n chars)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in _SPECIAL:
            out = _SPECIAL[ch]
        elif ch.isspace() and ch not in "\n\t\r":
            out = " "
        else:
            out = _base(_base(ch).lower())  # lower case can bring accents back ("İ")
            if out != ch:  # what a decomposition gives is folded too ("℠" → "SM" → "sm")
                out = "".join(self[ord(c)] for c in out)
        self[code] = out
        return out


def _base(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """`text` folded for matching (see the module docstring)."""
    if len(text) <= _SHORT:
        return _fold_short(text)
    return text.translate(_TABLE)


_SHORT = 300  # lines, cells and sentences: the rules fold the same ones again and again


@lru_cache(maxsize=32768)
def _fold_short(text: str) -> str:
    return text.translate(_TABLE)


@dataclass(frozen=True)
class Folded:
    """A folded text and, for each of its characters, the offset it comes from."""

    original: str
    text: str
    _starts: tuple[int, ...] | None  # None: one folded character per original character

    def start(self, i: int) -> int:
        """Offset in the original of folded position `i` (len(text) → len(original))."""
        if self._starts is None:
            return i
        return self._starts[i] if i < len(self._starts) else len(self.original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span [start, end)."""
        if self._starts is None or start >= end:
            return self.start(start), self.start(end)
        return self.start(start), self.start(end - 1) + 1

    def cut(self, start: int, end: int | None = None) -> str:
        """The original text of the folded span [start, end)."""
        s, e = self.span(start, len(self.text) if end is None else end)
        return self.original[s:e]


def fold_map(text: str) -> Folded:
    """`fold(text)` with the offsets back into `text`."""
    if all(len(_TABLE[ord(c)]) == 1 for c in set(text)):  # one character for one: no map
        return Folded(text, text.translate(_TABLE), None)
    parts = [_TABLE[ord(c)] for c in text]
    folded = "".join(parts)
    if len(folded) == len(text) and all(len(p) == 1 for p in parts):
        return Folded(text, folded, None)
    starts = tuple(i for i, part in enumerate(parts) for _ in part)
    return Folded(text, folded, starts)


__all__ = ["Folded", "fold", "fold_map"]
