"""Property-based tests (hypothesis): the date and échéance parsers, the dedup match key
and the département detection never crash, and keep their invariants on generated input."""

from __future__ import annotations

import calendar
import os
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.dates import find_dates, parse_french_date
from extractors.departments import detect_department, load_departments
from extractors.echeances import parse_echeance
from extractors.textfold import fold
from pipeline.dedup.textnorm import match_key, numbers_in

# the same examples on every run, so CI never turns red on a new random draw; set
# PTSM_HYPOTHESIS_EXPLORE=1 to draw new ones (a failure found then becomes a unit test)
FAST = settings(max_examples=150, deadline=None,
                derandomize=not os.environ.get("PTSM_HYPOTHESIS_EXPLORE"),
                suppress_health_check=[HealthCheck.too_slow])
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
years = st.integers(min_value=1990, max_value=2099)
# Text made of the words the parsers look for, glued by spaces and punctuation, plus noise.
date_words = st.sampled_from([
    *MONTHS, "1er", "premier", "second", "deuxième", "semestre", "trimestre", "T1", "S2",
    "début", "fin", "mi-", "mi", "dès", "à partir de", "en", "de", "à", "et", "-", "–", "/",
    "lundi", "le", "3", "31", "29", "02", "12/13/2020", "2019-2024", "depuis", "jusqu'en",
])
noisy_text = st.lists(st.one_of(date_words, years.map(str), st.text(max_size=6)),
                      max_size=12).map(" ".join)


# ---------------------------------------------------------------- dates


@FAST
@given(noisy_text)
def test_find_dates_never_raises_and_spans_are_ordered(text: str) -> None:
    found = find_dates(text)
    for d in found:
        assert 0 <= d.start < d.end <= len(text)
        assert text[d.start:d.end] == d.text
        assert d.precision in {"day", "month", "year"}
        if d.date and d.end_date:
            assert d.date <= d.end_date
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start  # no overlap, in order


@FAST
@given(st.text(max_size=200))
def test_parse_french_date_never_raises_on_any_unicode(text: str) -> None:
    result = parse_french_date(text)
    assert result is None or result.text in text


@FAST
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_written_day_round_trips(day: date) -> None:
    written = f"le {1 if day.day == 1 else day.day}{'er' if day.day == 1 else ''} " \
              f"{MONTHS[day.month - 1]} {day.year}"
    parsed = parse_french_date(f"Réunion du comité {written}.")
    assert parsed is not None and (parsed.date, parsed.precision) == (day, "day")


@FAST
@given(years, st.integers(min_value=1, max_value=12))
def test_written_month_round_trips(year: int, month: int) -> None:
    parsed = parse_french_date(f"Prévu en {MONTHS[month - 1]} {year}")
    assert parsed is not None and parsed.date == date(year, month, 1)
    assert parsed.precision == "month"


# ---------------------------------------------------------------- échéances


@FAST
@given(noisy_text)
def test_parse_echeance_never_raises_and_start_before_end(text: str) -> None:
    start, end = parse_echeance(text)
    if start is not None and end is not None:
        assert start <= end
    if start is None:
        assert end is None


@FAST
@given(st.one_of(st.none(), st.text(max_size=120)))
def test_parse_echeance_on_any_unicode(text: str | None) -> None:
    start, end = parse_echeance(text)
    assert start is None or end is None or start <= end


@FAST
@given(years, st.sampled_from(["Premier", "1er", "S1", "Second", "Deuxième", "2nd", "S2"]))
def test_semester_round_trips(year: int, word: str) -> None:
    first = word in {"Premier", "1er", "S1"}
    text = f"{word} {'' if word in ('S1', 'S2') else 'semestre '}{year}"
    expected = (date(year, 1, 1), date(year, 6, 30)) if first else \
        (date(year, 7, 1), date(year, 12, 31))
    assert parse_echeance(text) == expected


@FAST
@given(years, st.integers(min_value=1, max_value=4))
def test_quarter_round_trips(year: int, quarter: int) -> None:
    first = 3 * (quarter - 1) + 1
    last = first + 2
    expected = (date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))
    assert parse_echeance(f"T{quarter} {year}") == expected


@FAST
@given(years, st.integers(min_value=1, max_value=12),
       st.sampled_from(["", "début ", "mi-", "fin "]))
def test_month_round_trips(year: int, month: int, qualifier: str) -> None:
    start, end = parse_echeance(f"{qualifier}{MONTHS[month - 1]} {year}")
    assert start is not None and end is not None and start <= end
    assert (start.year, start.month, end.year, end.month) == (year, month, year, month)


@FAST
@given(years, years)
def test_year_range_covers_both_years(a: int, b: int) -> None:
    start, end = parse_echeance(f"{a}-{b}")
    assert start == date(min(a, b), 1, 1) and end == date(max(a, b), 12, 31)


@FAST
@given(years)
def test_open_ended(year: int) -> None:
    assert parse_echeance(f"À partir de {year}") == (date(year, 1, 1), None)


# ---------------------------------------------------------------- dedup normalisation


@FAST
@given(st.text(max_size=300))
def test_match_key_idempotent_on_any_unicode(text: str) -> None:
    key = match_key(text)
    assert match_key(key) == key
    assert key == key.strip() and "  " not in key
    assert key == key.lower()
    numbers_in(key)


@FAST
@given(st.text(max_size=300))
def test_fold_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


FRENCH_LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿæœ"


@FAST
@given(st.text(alphabet=FRENCH_LETTERS + FRENCH_LETTERS.upper() + " 0123456789", max_size=80))
def test_match_key_ignores_case_and_spacing(text: str) -> None:
    # (Letters outside Latin script, e.g. "ß", are dropped from keys: fine for French.)
    assert match_key(f"  {text.upper()}  ") == match_key(text.lower())


# ---------------------------------------------------------------- départements


DEPARTMENTS = load_departments()


@FAST
@given(st.text(max_size=400), st.one_of(st.none(), st.text(max_size=60)),
       st.one_of(st.none(), st.text(max_size=60)))
def test_detect_department_never_raises(text: str, title: str | None, url: str | None) -> None:
    match = detect_department(text, title=title, url=url)
    assert match.scope in {"department", "region", "multi", "unknown"}
    assert (match.code is not None) == (match.scope == "department")


@FAST
@given(st.sampled_from(DEPARTMENTS),
       st.sampled_from(["Le projet territorial de santé mentale du département de {}.",
                        "PTSM du département de {} : feuille de route 2020-2025",
                        "Dans le département de {}, le comité de pilotage s'est réuni."]),
       st.sampled_from([str.lower, str.upper, lambda s: s]))
def test_departement_sentence_gives_its_code(dept, template: str, case) -> None:
    sentence = template.format(case(dept.with_article))
    assert detect_department(sentence).code == dept.code, sentence


def test_every_departement_is_detected_from_its_sentence() -> None:
    missed = [d.code for d in DEPARTMENTS
              if detect_department(f"PTSM du département de {d.with_article}.").code != d.code]
    assert missed == [] and len(DEPARTMENTS) == 101
