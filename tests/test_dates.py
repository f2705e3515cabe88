"""French date mentions: precision, spans, and years never invented."""

from datetime import date

import pytest

from extractors.dates import find_dates, parse_french_date


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("26 octobre 2020", date(2020, 10, 26), "day"),
        ("le 1er février 2019", date(2019, 2, 1), "day"),
        ("le 1^{er} février 2019", date(2019, 2, 1), "day"),
        ("lundi 3 décembre 2018", date(2018, 12, 3), "day"),
        ("le 09 juin 2021", date(2021, 6, 9), "day"),
        ("le 09/06/2021", date(2021, 6, 9), "day"),
        ("En 2020, les conseils", date(2020, 1, 1), "year"),
        ("de mars à juin 2018", date(2018, 3, 1), "month"),
        ("sur les mois d'avril, mai et juin 2018", date(2018, 4, 1), "month"),
        ("fin 2025", date(2025, 1, 1), "year"),
        ("décembre 2025", date(2025, 12, 1), "month"),
        ("Fevrier 2021", date(2021, 2, 1), "month"),
        ("au cours du deuxième trimestre 2019", date(2019, 4, 1), "month"),
        ("Second semestre 2020", date(2020, 7, 1), "month"),
    ],
)
def test_parse_french_date(text: str, expected: date, precision: str) -> None:
    found = parse_french_date(text)
    assert found is not None
    assert (found.date, found.precision) == (expected, precision)
    assert text[found.start:found.end] == found.text


def test_missing_year_is_not_invented() -> None:
    found = parse_french_date("Réunion le 3 mars, puis le 12 avril")
    assert found is not None and found.date is None and found.precision == "day"
    assert [d.date for d in find_dates("en mars et en avril")] == [None, None]


def test_ranges_keep_their_end() -> None:
    spring, = find_dates("de mars à juin 2018")
    assert spring.end_date == date(2018, 6, 1)
    winter, = find_dates("de novembre à février 2021")  # found by hypothesis
    assert (winter.date, winter.end_date) == (date(2020, 11, 1), date(2021, 2, 1))
    period, = find_dates("Feuille de route 2019-2024")
    assert (period.date, period.end_date, period.precision) == (
        date(2019, 1, 1), date(2024, 1, 1), "year")


def test_reference_numbers_are_not_dates() -> None:
    assert find_dates("Arrêté n° DOS 2020 / 2551 et DOS 2020-2551") == []
    assert find_dates("tranche d'âge 16-25 ans, 1h30") == []


def test_several_dates_in_order() -> None:
    text = ("Après validation de la CSSM le 9 octobre 2019, du CTS le 19 décembre 2019, "
            "signature de l'arrêté le 28 octobre 2020.")
    assert [d.date for d in find_dates(text)] == [
        date(2019, 10, 9), date(2019, 12, 19), date(2020, 10, 28)]
