"""One plan, counted once: `ptsm_profiles`, the DuckDB views and the report agree.

On the published samples (the Mayenne PTSM as PDF and DOCX) and on eight copies of the
PDF (its rows published under eight doc_ids, as eight byte-different copies would be).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from lxml import html as lxml_html

from pipeline.analytics.duckdb_views import build_duckdb
from pipeline.analytics.plans import PlanMark, assign_plans, mark_documents
from pipeline.analytics.profiles import build_profiles
from pipeline.analytics.report import build_report
from pipeline.dataset.publish import publish, read_table, to_arrow
from schemas.tables import TABLES

ID_COLUMNS = {"documents": ("doc_id",), "passages": ("passage_id", "doc_id"),
              "fiches": ("fiche_id", "doc_id", "passage_id"),
              "fiche_objectives": ("fiche_id", "doc_id", "passage_id"),
              "governance_events": ("event_id", "doc_id", "passage_id"),
              "facts": ("fact_id", "doc_id", "passage_id"),
              "entities": ("doc_id", "passage_id"), "acronyms": ("doc_id", "passage_id"),
              "fiche_links": ("fiche_id", "target_fiche_id", "doc_id", "passage_id"),
              "people": ("doc_id", "passage_id")}


def _doc(doc_id: str, dept: str = "53", title: str = "PTSM", **extra: Any) -> dict[str, Any]:
    return {"doc_id": doc_id, "department_code": dept, "title": title, "status": "ok",
            "is_current": True, "media_type": "application/pdf", "source_id": doc_id,
            **extra}


def _fiche(doc_id: str, number: int, title: str) -> dict[str, Any]:
    return {"doc_id": doc_id, "number": number, "title": title}


TITLES = ["Créer un annuaire des ressources", "Former les professionnels au repérage",
          "Ouvrir une équipe mobile de crise", "Développer la pair-aidance",
          "Informer sur les droits des usagers"]


def test_a_pdf_and_its_word_version_are_one_plan() -> None:
    docs = [_doc("pdf", title="Feuille de route"),
            _doc("docx", title="PTSM de la Mayenne 2019-2024",
                 media_type="application/vnd.openxmlformats-officedocument"),
            _doc("other", dept="35")]
    fiches = [_fiche(d, n, t) for d in ("pdf", "docx", "other")
              for n, t in enumerate(TITLES, start=1)]
    fiches[5]["title"] = "Créer un annuaire départemental des ressources"  # a reworded title
    marks = assign_plans(docs, fiches)
    assert marks["pdf"].plan_id == marks["docx"].plan_id == "pdf"  # the PDF is primary
    assert marks["pdf"].is_primary and not marks["docx"].is_primary
    assert marks["other"].plan_id == "other" and marks["other"].is_primary  # other département


def test_two_plans_of_one_departement_stay_two() -> None:
    docs = [_doc("a", title="Feuille de route"), _doc("b", title="Feuille de route")]
    fiches = [_fiche("a", n, t) for n, t in enumerate(TITLES, start=1)]
    fiches += [_fiche("b", n, f"Action nouvelle {t[::-1]}") for n, t in enumerate(TITLES, 1)]
    marks = assign_plans(docs, fiches)
    assert marks["a"].is_primary and marks["b"].is_primary  # same title, different fiches


def test_web_pages_are_the_same_plan_only_when_their_text_is() -> None:
    docs = [_doc("page", title="PTSM 35", media_type="text/html"),
            _doc("mirror", title="Le PTSM 35", media_type="text/html"),
            _doc("news", title="PTSM 35", media_type="text/html")]
    passages = [{"doc_id": d, "cluster_id": f"c{i}"} for d in ("page", "mirror")
                for i in range(10)]
    passages += [{"doc_id": "news", "cluster_id": c} for c in ("c0", "n1", "n2", "n3")]
    marks = assign_plans(docs, passages=passages)
    assert marks["page"] == PlanMark("mirror", False)  # same text: one plan
    assert marks["mirror"] == PlanMark("mirror", True)
    assert marks["news"].plan_id == "news"  # same title, other text


def test_older_versions_follow_their_source_and_are_never_primary() -> None:
    docs = [_doc("v1", source_id="s", is_current=False), _doc("v2", source_id="s")]
    marks = assign_plans(docs)
    assert marks["v1"] == PlanMark("v2", False) and marks["v2"] == PlanMark("v2", True)


# --- agreement ---------------------------------------------------------------------------


def _counts(out: Path, report: Path) -> dict[str, dict[str, dict[str, int]]]:
    """Per source of numbers, département → counts of its plans."""
    profiles = pd.read_parquet(out / "ptsm_profiles").set_index("department_code")
    found: dict[str, dict[str, dict[str, int]]] = {"profiles": {}, "views": {}, "report": {}}
    for code, p in profiles.iterrows():
        found["profiles"][code] = {
            "fiches": int(p.n_fiches), "milestones": int(p.n_milestones),
            "plans": int(p.n_plans), "documents": int(p.n_documents),
            "by_priority": sum(int(p[f"n_fiches_priority_{i}"]) for i in range(1, 7))}
    with duckdb.connect(str(out / "ptsm.duckdb"), read_only=True) as con:
        for code, fiches, milestones, plans, documents in con.execute(
                "select department_code, n_fiches, n_milestones, n_plans, n_documents "
                "from department_overview").fetchall():
            per_priority = con.execute(
                "select coalesce(sum(n_fiches), 0) from fiches_per_priority "
                "where department_code = ? and priority is not null", [code]).fetchone()[0]
            listed = con.execute("select count(*) from fiche_overview "
                                 "where department_code = ?", [code]).fetchone()[0]
            assert listed == fiches, code
            found["views"][code] = {"fiches": fiches, "milestones": milestones,
                                    "plans": plans, "documents": documents,
                                    "by_priority": int(per_priority)}
        partners = con.execute("select max(n_fiches) from partner_organisations").fetchone()[0]
        n_fiches = con.execute("select count(*) from current_fiches").fetchone()[0]
        assert partners is None or partners <= n_fiches
    page = lxml_html.fromstring(report.read_text(encoding="utf-8"))
    head = [th.text_content() for th in page.xpath('//section[@id="synthese"]//th')]
    for row in page.xpath('//section[@id="synthese"]//tbody/tr'):
        cells = dict(zip(head, [td.text_content() for td in row.xpath("td")], strict=True))
        documents, plans = cells["Documents (plans)"].split(" (")
        found["report"][row.get("data-dept")] = {
            "fiches": int(cells["Fiches actions"]), "milestones": int(cells["Étapes"]),
            "plans": int(plans.split()[0]), "documents": int(documents)}
    milestone_rows = page.xpath('//section[@id="etapes"]//tbody/tr')
    for code, counts in found["report"].items():
        assert sum(r.get("data-dept") == code for r in milestone_rows) == counts["milestones"]
        fiche_rows = page.xpath(f'//section[@id="fiches"]//tbody/tr[@data-dept="{code}"]')
        assert len(fiche_rows) == counts["fiches"], code
    return found


def _assert_agree(found: dict[str, dict[str, dict[str, int]]]) -> None:
    for code, profile in found["profiles"].items():
        view, report = found["views"][code], found["report"][code]
        for key, value in profile.items():
            assert view[key] == value, (code, key, view[key], value)
            if key in report:
                assert report[key] == value, (code, key, report[key], value)


def test_counts_agree_on_the_published_samples(sample_run, tmp_path: Path) -> None:
    out = sample_run.out
    found = _counts(out, build_report(out, tmp_path / "report.html"))
    _assert_agree(found)
    mayenne = found["profiles"]["53"]
    assert mayenne["documents"] == 2 and mayenne["plans"] == 1  # PDF + DOCX, one plan
    assert mayenne["fiches"] == 30 == mayenne["by_priority"]
    documents = pd.read_parquet(out / "documents")
    assert documents.is_primary.sum() == len(documents) - 1  # the DOCX stays, marked


@pytest.fixture(scope="module")
def eight_copies(sample_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples plus seven more copies of the Mayenne PDF, published as a run would."""
    rows = {name: read_table(sample_run.out, name).to_pylist() for name in TABLES}
    pdf = next(d["doc_id"] for d in rows["documents"] if d["media_type"] == "application/pdf")
    for k in range(1, 8):
        def copy(value: Any, k: int = k) -> Any:
            return f"{value[:-2]}{k:02d}" if isinstance(value, str) else value
        for name, columns in ID_COLUMNS.items():
            rows[name] += [{**r, **{c: copy(r.get(c)) for c in columns if c in r},
                            **({"source_id": f"copy-{k}", "source_uri": f"copie-{k}.pdf"}
                               if name == "documents" else {})}
                           for r in list(rows[name]) if r["doc_id"] == pdf]
    mark_documents(rows)
    rows["ptsm_profiles"] = build_profiles(rows)
    out = tmp_path_factory.mktemp("copies") / "curated"
    publish({name: to_arrow(name, r) for name, r in rows.items()}, out,
            {"schema_version": "1", "run_id": "copies"})
    build_duckdb(out)
    return out


def test_counts_agree_on_eight_copies_of_one_pdf(eight_copies: Path, tmp_path: Path) -> None:
    found = _counts(eight_copies, build_report(eight_copies, tmp_path / "report.html"))
    _assert_agree(found)
    mayenne = found["views"]["53"]
    assert mayenne["documents"] == 9 and mayenne["plans"] == 1  # 8 PDFs + the DOCX
    assert mayenne["fiches"] == 30 and mayenne["milestones"] == 3
    with duckdb.connect(str(eight_copies / "ptsm.duckdb"), read_only=True) as con:
        plan = con.execute("select n_documents, n_duplicates from plans "
                           "where department_code = '53'").fetchall()
        top = con.execute("select max(n_fiches) from partner_organisations").fetchone()[0]
    assert plan == [(9, 8)]  # the duplicates stay visible as such
    assert top < 30
