"""Échéance text → start/end dates (conventions documented in extractors/echeances.py)."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.echeances import parse_echeance, split_steps

CASES = [
    ("2019", date(2019, 1, 1), date(2019, 12, 31)),
    ("Second semestre 2020", date(2020, 7, 1), date(2020, 12, 31)),
    ("Premier semestre 2021", date(2021, 1, 1), date(2021, 6, 30)),
    ("Deuxième semestre 2019", date(2019, 7, 1), date(2019, 12, 31)),
    ("2019 second semestre", date(2019, 7, 1), date(2019, 12, 31)),
    ("2021 et premier semestre 2022", date(2021, 1, 1), date(2022, 6, 30)),
    ("2019-2020", date(2019, 1, 1), date(2020, 12, 31)),
    ("2023-2025", date(2023, 1, 1), date(2025, 12, 31)),
    ("2018-2019", date(2018, 1, 1), date(2019, 12, 31)),
    ("Début septembre 2020", date(2020, 9, 1), date(2020, 9, 10)),
    ("Second semestre 2020-début 2021", date(2020, 7, 1), date(2021, 3, 31)),
    ("2020 second semestre – début 2021", date(2020, 7, 1), date(2021, 3, 31)),
    ("2020 – premier semestre", date(2020, 1, 1), date(2020, 6, 30)),
    ("Second semestre 2020 - 2024", date(2020, 7, 1), date(2024, 12, 31)),
    ("2019-outil livré fin 2020", date(2019, 1, 1), date(2020, 12, 31)),
    ("Installation premier semestre 2021", date(2021, 1, 1), date(2021, 6, 30)),
    ("T3 2021", date(2021, 7, 1), date(2021, 9, 30)),
    ("1er trimestre 2022", date(2022, 1, 1), date(2022, 3, 31)),
    ("fin 2022", date(2022, 10, 1), date(2022, 12, 31)),
    ("septembre 2020", date(2020, 9, 1), date(2020, 9, 30)),
    ("fin février 2024", date(2024, 2, 21), date(2024, 2, 29)),
]


@pytest.mark.parametrize(("text", "start", "end"), CASES)
def test_parse_echeance(text: str, start: date, end: date) -> None:
    assert parse_echeance(text) == (start, end)


@pytest.mark.parametrize("text", ["En lien avec les décisions nationales", "", None, "--",
                                  "Financiers"])
def test_unparseable_echeance_gives_no_dates(text: str | None) -> None:
    assert parse_echeance(text) == (None, None)


def test_open_ended_echeance_has_no_end() -> None:
    assert parse_echeance("à partir de 2020") == (date(2020, 1, 1), None)


@pytest.mark.parametrize(("text", "steps"), [
    ("1) Créer un groupe — Échéance : second semestre 2021\n2) Diffuser — Échéance : 2022",
     [("1) Créer un groupe", "second semestre 2021"), ("2) Diffuser", "2022")]),
    ("Former les agents (2021-2022)", [("Former les agents", "2021-2022")]),
    ("Former les agents (CLSM)", [("Former les agents (CLSM)", "")]),
    ("Installer le comité — Échéance : 2019 Lancer l'appel à projets — Échéance : à partir de "
     "2020", [("Installer le comité", "2019"), ("Lancer l'appel à projets", "à partir de 2020")]),
    ("1. Rédiger la charte — Échéance : en lien avec les décisions nationales",
     [("1. Rédiger la charte", "en lien avec les décisions nationales")]),
])
def test_split_steps_with_inline_echeance(text: str, steps: list[tuple[str, str]]) -> None:
    assert split_steps(text) == steps
