"""Compiled regular expressions kept on disk, for the few patterns that take seconds to compile.

spaCy's French tokenizer compiles a 1.4 MB pattern (``token_match``: words such as
"saut-de-ski", written with large Unicode classes) when its module is imported, which costs
~4 s of CPU in every worker process. :func:`preload` compiles such a pattern once per machine,
stores the program CPython's regex compiler makes of it (``code``, group names), and in the
next processes rebuilds the same compiled pattern from that program and puts it in ``re``'s
cache, where the ``re.compile`` of the same pattern finds it.

This uses the internals of CPython's ``re`` (``_sre.compile``, ``re._cache``): a stored program
is named by the pattern, the flags and the interpreter's version and regex engine, and is
checked by ``_sre.compile``; anything unexpected falls back to the ordinary compile.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
import tempfile
from pathlib import Path

try:
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # another interpreter: patterns compile the ordinary way
    _sre = None


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/ptsm/regex`` (``~/.cache/ptsm/regex``)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "ptsm" / "regex"


def preload(patterns: list[str], folder: Path | None = None) -> None:
    """Put each pattern (compiled with flags 0) in ``re``'s cache: from its stored program,
    else compiled now and stored. Never raises."""
    cache = getattr(re, "_cache", None)
    if _sre is None or not isinstance(cache, dict):
        return
    folder = folder or cache_folder()
    for pattern in patterns:
        key = (str, pattern, 0)
        if key in cache:
            continue
        try:
            cache[key] = _load(pattern, folder) or _compile_and_store(pattern, folder)
        except Exception:  # noqa: BLE001 - a cache: the ordinary compile does the work
            continue


def _file(pattern: str, folder: Path) -> Path:
    name = hashlib.sha256("\0".join((
        sys.version, str(_sre.MAGIC), str(_sre.CODESIZE), pattern)).encode()).hexdigest()
    return folder / f"{name[:32]}.marshal"


def _load(pattern: str, folder: Path) -> re.Pattern[str] | None:
    try:
        flags, code, groups, groupindex, indexgroup = marshal.loads(
            _file(pattern, folder).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return _sre.compile(pattern, flags, code, groups, groupindex, indexgroup)


def _compile_and_store(pattern: str, folder: Path) -> re.Pattern[str]:
    """What ``re._compiler.compile`` does, keeping the program to store it."""
    parsed = _parser.parse(pattern, 0)
    code = [int(op) for op in _compiler._code(parsed, 0)]  # plain ints (opcodes are named)
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    program = (parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
    compiled = _sre.compile(pattern, *program)
    tmp = None
    try:  # written whole or not at all: processes starting together may all store it
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as tmp:
            tmp.write(marshal.dumps(program))
        os.replace(tmp.name, _file(pattern, folder))
    except (OSError, ValueError):  # a read-only home: the next process compiles again
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
    return compiled
