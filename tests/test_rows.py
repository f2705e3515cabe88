"""Rows between stages are held to the published schemas at the document boundary."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.rows import RowError, check_rows


def _event(**extra: object) -> dict[str, object]:
    return {"event_id": "e1", "doc_id": "d1", "department_code": "53",
            "event_type": "ptsm_approved", "event_date": date(2020, 12, 3), **extra}


def test_rows_that_fit_pass() -> None:
    check_rows({"governance_events": [_event()], "facts": []})


def test_a_misspelt_column_is_named() -> None:
    with pytest.raises(RowError, match=r"governance_events: unknown column\(s\) \['evnt_date'\]"):
        check_rows({"governance_events": [_event(evnt_date=date(2020, 1, 1))]})


def test_a_value_of_the_wrong_type_is_named() -> None:
    with pytest.raises(RowError, match=r"governance_events\.event_date"):
        check_rows({"governance_events": [_event(event_date="le 3 décembre")]})


def test_an_unknown_table_is_named() -> None:
    with pytest.raises(RowError, match="unknown table 'fiche'"):
        check_rows({"fiche": [{}]})
