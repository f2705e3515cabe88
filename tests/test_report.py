"""`build_report`: one offline HTML file with inline SVG charts, rendered in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures.synthetic_dataset import make_synthetic_dataset
from PIL import Image

from pipeline.analytics.duckdb_views import build_duckdb
from pipeline.analytics.report import build_report
from pipeline.dataset.publish import publish

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
INSTALL = ROOT / "scripts" / "install_chromium.sh"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]

# Anything that would make a browser fetch something: a resource attribute whose value is
# not an in-page anchor or a data: URI, a CSS url()/@import, or an element that loads.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|xlink:href|action|poster|srcset)\s*=\s*(?!["']?(?:#|data:)))"""
    r"|url\s*\(|@import|<\s*(?:script|link|iframe|object|embed|img)\b",
    re.I)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = make_synthetic_dataset(tmp_path_factory.mktemp("report") / "curated")
    return build_report(out)


def test_report_is_self_contained_with_inline_svg_charts(report: Path) -> None:
    assert report.name == "report.html"
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") >= 5  # stacked bars, heat map, timeline, partners, missing
    assert EXTERNAL.search('<a href="https://x.org">') and EXTERNAL.search("url(x.png)")
    assert EXTERNAL.findall(html) == []
    assert html.count('href="#') == 7  # the table of contents, in-page only
    for section in ("overview", "profiles", "priorities", "coverage", "milestones",
                    "partners", "quality"):
        assert f'<section id="{section}">' in html


def test_report_compares_the_departements(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    for name in ("Mayenne", "Ille-et-Vilaine", "Corse-du-Sud"):
        assert name in html
    assert "n_fiches_priority_6" in html  # the ptsm_profiles table
    assert "Soins somatiques" in html and "Priority unknown" in html
    assert "<title>53 Mayenne — 2. Parcours sans rupture, rétablissement, inclusion: 2" in html
    assert "Roadmap adopted" in html and "10 décembre 2019" in html
    assert "UNAFAM: 3 fiche(s) in 35, 53" in html
    assert "the dataset satisfies its contract" in html
    assert "PDF chiffré : fournir une version sans mot de passe." in html  # quarantine
    assert "page 7: image sans texte" in html  # partial document
    assert "fiches.moyens" in html  # fields missing


def test_report_on_the_published_samples(sample_run, tmp_path: Path) -> None:
    """The real `ptsm run` output (session fixture shared with the end-to-end tests)."""
    html = build_report(sample_run.out, tmp_path / "samples.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and EXTERNAL.findall(html) == []
    assert "Mayenne" in html and "the dataset satisfies its contract" in html


def test_report_on_an_empty_dataset(tmp_path: Path) -> None:
    out = publish({}, tmp_path / "empty", {"schema_version": "1"}, finish=build_duckdb)
    html = build_report(out, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No fiche action in this dataset yet." in html
    assert "No governance milestone in this dataset yet." in html


def _chromium() -> Path:
    if not CHROMIUM.exists():
        proc = subprocess.run(["sh", str(INSTALL)], capture_output=True, text=True,
                              timeout=900)
        if proc.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(f"Chromium is absent and could not be installed with {INSTALL.name}: "
                        f"{(proc.stderr or proc.stdout).strip()[-500:]}")
    return CHROMIUM


def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    shot = tmp_path / "report.png"
    proc = subprocess.run(
        [str(chromium), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         f"--screenshot={shot}", "--window-size=1280,2000", report.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1280, 2000)
        small = rgb.resize((320, 500))
        raw = small.tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    non_white = sum(1 for p in pixels if min(p) < 235) / len(pixels)
    colours = {p for p in pixels if max(p) - min(p) > 60}  # saturated: the charts
    assert non_white > 0.03, f"screenshot is nearly blank ({non_white:.1%} ink)"
    assert len(colours) > 20, "no coloured chart visible in the screenshot"
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
