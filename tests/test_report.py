"""`build_report`: one offline French HTML page with Plotly charts, checked in headless
Chromium (no network, no console error, every chart drawn, the filters work)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures.synthetic_dataset import make_synthetic_dataset, synthetic_rows
from lxml import html as lxml_html
from PIL import Image

from pipeline.analytics.duckdb_views import build_duckdb
from pipeline.analytics.export import exports_dir
from pipeline.analytics.report import build_report
from pipeline.dataset.publish import publish, to_arrow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
INSTALL = ROOT / "scripts" / "install_chromium.sh"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: no name resolves
                  "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]
N_CHARTS = 6  # map, priorities, coverage, milestones, partners, missing fields

# Anything that would make a browser fetch something: a resource attribute whose value is
# not an in-page anchor or a data: URI, a CSS url()/@import, an element that loads, or a
# script with a src.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|xlink:href|action|poster|srcset)\s*=\s*(?!["']?(?:#|data:)))"""
    r"|@import|<\s*(?:link|iframe|object|embed|img)\b", re.I)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = make_synthetic_dataset(tmp_path_factory.mktemp("report") / "curated")
    return build_report(out)


def _page(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(path.read_text(encoding="utf-8"))


def test_report_is_written_outside_the_snapshots_and_is_self_contained(report: Path) -> None:
    assert report == exports_dir(report.parent.parent / "curated") / "report.html"
    assert report.parent.name == "exports"  # next to the dataset, not in a snapshot
    html = report.read_text(encoding="utf-8")
    page = _page(report)
    scripts = page.xpath("//script")
    assert all(s.get("src") is None for s in scripts)
    outside_scripts = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    assert EXTERNAL.search('<a href="https://x.org">') and not EXTERNAL.findall(outside_scripts)
    assert html.count("Plotly.newPlot(") == N_CHARTS
    assert html.count("/*! For license information please see plotly.min.js") <= 1
    assert len(page.xpath('//div[@class="chart" or starts-with(@class, "chart")]')) == N_CHARTS
    for section in ("carte", "synthese", "departements", "priorites", "etapes",
                    "partenaires", "fiches", "qualite"):
        assert page.xpath(f'//section[@id="{section}"]'), section
        assert page.xpath(f'//nav/a[@href="#{section}"]'), section


def test_report_compares_the_departements_in_french(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    page = _page(report)
    assert '<html lang="fr">' in html
    assert page.find(".//title").text == "PTSM — comparaison des départements"
    synthese = {tr.get("data-dept"): [td.text_content() for td in tr.xpath("td")]
                for tr in page.xpath('//section[@id="synthese"]//tbody/tr')}
    assert synthese["53"][0] == "53 Mayenne"
    assert synthese["53"][2] == "PTSM arrêté par l'ARS"  # status: furthest milestone
    assert synthese["53"][5] == "30 juin 2020" and synthese["53"][8] == "4"
    assert synthese["35"][2] == "Contrat territorial signé"
    fiches = page.xpath('//section[@id="fiches"]//tbody/tr')
    assert len(fiches) == 9 and {f.get("data-prio") for f in fiches} >= {"1", "inconnue"}
    first = [td.text_content() for td in fiches[0].xpath("td")]
    assert first[4] == "Coordinatrice PTSM" and "Second semestre 2020" in first[6]
    assert "juillet 2020 – décembre 2020" in first[6]
    card = page.xpath('//article[@data-dept="53"]')[0].text_content()
    assert "Feuille de route adoptée : 10 décembre 2019" in card
    assert "UNAFAM (2)" in card
    assert "Soins somatiques" in html and "Priorité inconnue" in html
    assert "le jeu de données respecte son contrat" in html
    assert "PDF chiffré : fournir une version sans mot de passe." in html  # quarantine
    assert "page 7: image sans texte" in html  # partial document
    missing = page.xpath('//script[@id="graphique-manquants-donnees"]')[0].text
    assert "Opérateur" in missing and "Pilotes" in missing  # fields missing, in French


def test_fiche_candidates_not_read_are_listed(tmp_path: Path) -> None:
    rows = synthetic_rows()
    rows["documents"][0].update(fiche_headings_rejected=1, fiche_tables_rejected=13)
    out = publish({name: to_arrow(name, r) for name, r in rows.items()}, tmp_path / "c",
                  {"schema_version": "1"}, finish=build_duckdb)
    page = _page(build_report(out, tmp_path / "r.html"))
    quality = page.xpath('//section[@id="qualite"]')[0]
    table = quality.xpath('.//h3[starts-with(., "Candidats fiches non lus")]'
                          '/following-sibling::table[1]//tbody/tr/td')
    assert [td.text_content() for td in table][2:] == ["1", "13"]


def test_report_on_an_empty_dataset(tmp_path: Path) -> None:
    out = publish({}, tmp_path / "empty", {"schema_version": "1"}, finish=build_duckdb)
    html = build_report(out, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Aucune fiche action dans ce jeu de données." in html
    assert "Aucune étape de gouvernance dans ce jeu de données." in html


def _chromium() -> Path:
    """Chromium, installed with scripts/install_chromium.sh where possible; else a skip
    that says why."""
    if not CHROMIUM.exists():
        proc = subprocess.run(["sh", str(INSTALL)], capture_output=True, text=True,
                              timeout=900)
        if proc.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(f"Chromium is absent and could not be installed with {INSTALL.name}: "
                        f"{(proc.stderr or proc.stdout).strip()[-500:]}")
    return CHROMIUM


def _open(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(_chromium()), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           *extra, url], capture_output=True, text=True, timeout=180)


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_report_opens_offline_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    proc = _open(report.resolve().as_uri(), tmp_path / "profile", "--dump-dom")
    assert "<body" in proc.stdout, proc.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", proc.stdout).group(1)
    assert f'data-charts="{N_CHARTS}/{N_CHARTS}"' in body, body  # every chart drawn
    assert "data-errors" not in body
    assert _console(proc.stderr) == []  # no console message at all, errors included
    shot = tmp_path / "report.png"
    _open(report.resolve().as_uri(), tmp_path / "profile", f"--screenshot={shot}",
          "--window-size=1280,2000")
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1280, 2000)
        raw = rgb.resize((320, 500)).tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    non_white = sum(1 for p in pixels if min(p) < 235) / len(pixels)
    colours = {p for p in pixels if max(p) - min(p) > 60}  # saturated: the charts
    assert non_white > 0.03, f"screenshot is nearly blank ({non_white:.1%} ink)"
    assert len(colours) > 20, "no coloured chart visible in the screenshot"
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def test_the_filters_hide_other_departements(report: Path, tmp_path: Path) -> None:
    proc = _open(report.resolve().as_uri() + "#departement=53&priorite=2",
                 tmp_path / "profile", "--dump-dom")
    page = lxml_html.fromstring(proc.stdout)
    rows = page.xpath('//section[@id="fiches"]//tbody/tr')
    shown = [(r.get("data-dept"), r.get("data-prio")) for r in rows if r.get("hidden") is None]
    assert shown == [("53", "2"), ("53", "2")], shown
    cards = [a.get("data-dept") for a in page.xpath("//article") if a.get("hidden") is None]
    assert cards == ["53"]
    assert _console(proc.stderr) == []
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
