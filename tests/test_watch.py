"""Watched pages ([[watch]] in sources.toml): their linked documents found by themselves,
against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT, run_cli
from http_server import Static, TestServer, serve_folder

from pipeline.config import Settings
from pipeline.ingest.politeness import HostPacer
from pipeline.ingest.sources import SourcesError
from pipeline.ingest.watch import Watch, add_discovered, discover, link_source_id, load_watches
from pipeline.readers.html_links import link_kind, main_content_links

PDFS = {"ptsm/plan.pdf": "text_features.pdf", "docs/diagnostic.pdf": "toc.pdf",
        "contrat.pdf": "two_columns.pdf"}
MENU = ('<nav><ul><li><a href="/mentions.pdf">Mentions légales (PDF)</a></li>'
        '<li><a href="/accueil.html">Accueil</a></li></ul></nav>')
FOOTER = '<footer><a href="/plan-du-site.html">Plan du site</a></footer>'


def index_page(links: list[tuple[str, str]], intro: str = "") -> bytes:
    """An agency-like page: a menu, a main content listing `links` (href, text), a footer."""
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f"<!doctype html><html lang=fr><head><title>Les projets territoriaux de santé "
            f"mentale</title></head><body>{MENU}<main><h1>Les projets territoriaux de santé "
            "mentale</h1><p>L'agence publie ici les documents des projets territoriaux de "
            "santé mentale de la région, au fur et à mesure de leur adoption par les "
            f"acteurs des territoires.</p>{intro}<ul>{items}</ul></main>{FOOTER}"
            "</body></html>").encode()


PAGE = ("<html><head><title>Le PTSM de la Sarthe</title></head><body><main><h1>Le projet "
        "territorial de santé mentale de la Sarthe</h1><p>Le diagnostic territorial partagé "
        "a été validé par les acteurs du territoire, qui élaborent maintenant les fiches "
        "actions du projet.</p></main></body></html>")

LINKS = [("plan.pdf", "Feuille de route du PTSM (PDF, 40 ko)"),
         ("/docs/diagnostic.pdf", "Diagnostic territorial partagé"),
         ("ptsm-sarthe.html", "Le PTSM de la Sarthe"),
         ("/private/brouillon.pdf", "Brouillon du PTSM"),
         ("https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000035301120", "Décret PTSM"),
         ("mailto:ars@example.org", "Écrire à l'agence"),
         ("#haut", "Haut de page")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("site")
    for sub in ("docs", "private", "ptsm"):
        (folder / sub).mkdir()
    for path, fixture in PDFS.items():
        shutil.copy(FIXTURES / "pdf" / fixture, folder / path)
    shutil.copy(FIXTURES / "pdf" / "furniture.pdf", folder / "private" / "brouillon.pdf")
    (folder / "ptsm" / "ptsm-sarthe.html").write_text(PAGE, encoding="utf-8")
    routes = {"/robots.txt": Static(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
              "/ptsm/index.html": Static(index_page(LINKS), "text/html")}
    with serve_folder(folder, routes=routes) as server:
        yield server


def settings(tmp_path: Path) -> Settings:
    return Settings(raw_dir=tmp_path, store_dir=tmp_path / "store",
                    allowed_hosts=["127.0.0.1"])


def watch(server: TestServer, **kwargs) -> Watch:
    return Watch(**{"id": "ars-test", "uri": server.url("ptsm/index.html"), "delay_s": 0.0,
                    **kwargs})


# ---------------------------------------------------------------- links of a page


def test_links_come_from_the_main_content_resolved_and_typed() -> None:
    links = main_content_links(index_page(LINKS), "https://ars.example/ptsm/index.html")
    by_url = {link.url: link for link in links}
    assert list(by_url) == ["https://ars.example/ptsm/plan.pdf",
                            "https://ars.example/docs/diagnostic.pdf",
                            "https://ars.example/ptsm/ptsm-sarthe.html",
                            "https://ars.example/private/brouillon.pdf",
                            "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000035301120"]
    assert by_url["https://ars.example/ptsm/plan.pdf"].text.startswith("Feuille de route")
    assert [link.kind for link in links] == ["pdf", "pdf", "html", "pdf", "html"]


@pytest.mark.parametrize(("url", "text", "type_", "kind"), [
    ("https://a.fr/media/12/download?inline", "Télécharger le PTSM (PDF - 2 Mo)", "", "pdf"),
    ("https://a.fr/media/12/download?inline", "Télécharger le contrat", "", "file"),
    ("https://a.fr/sites/x/files/ctsm.docx", "Le contrat", "", "docx"),
    ("https://a.fr/get?id=4", "Le contrat", "application/pdf", "pdf"),
    ("https://a.fr/annexes.xlsx", "Annexes", "", "other"),
    ("https://a.fr/actualites/le-ptsm-est-signe", "Le PTSM est signé", "", "html"),
])
def test_link_kind(url: str, text: str, type_: str, kind: str) -> None:
    assert link_kind(url, text, type_) == kind


def test_link_source_id_is_the_url_without_scheme_or_fragment() -> None:
    assert link_source_id("https://WWW.ars.fr/media/1/download?inline#p2") == \
        "www.ars.fr/media/1/download?inline"


# ---------------------------------------------------------------- the [[watch]] contract


def test_watch_entries_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[[watch]]\nid = "w"\nuri = "https://ars.example/ptsm"\n'
                    'follow = ["pdf"]\nmatch = "ptsm|ctsm"\ndepth = 2\nsame_site = false\n'
                    'department = "85"\nmax_links = 50\ndelay_s = 2\n')
    [w] = load_watches(path)
    assert (w.follow, w.match, w.depth, w.same_site, w.department, w.max_links, w.delay_s) \
        == (("pdf",), "ptsm|ctsm", 2, False, "85", 50, 2.0)
    for bad, message in (('follow = ["xlsx"]', "'follow' must list"),
                         ("depth = 9", "'depth' must be an integer 0-3"),
                         ('match = "(ptsm"', "not a valid regular expression"),
                         ("folow = [\"pdf\"]", "unknown key(s) folow")):
        path.write_text(f'[[watch]]\nuri = "https://ars.example/ptsm"\n{bad}\n')
        with pytest.raises(SourcesError, match=re.escape(message)):
            load_watches(path)
    path.write_text('[[watch]]\nuri = "file:///etc/passwd"\n')
    with pytest.raises(SourcesError, match="must be an http"):
        load_watches(path)


def test_the_shipped_catalogue_is_valid_and_covers_france() -> None:
    path = ROOT / "data/raw/catalogue/france.toml"
    watches = load_watches(path)
    assert not tomllib.loads(path.read_text()).get("source")
    regions = {w.id for w in watches if w.id.startswith("ars-")}
    assert len(regions) >= 18  # every regional agency (13 + 5 overseas)
    assert len({w.department for w in watches if w.department}) >= 40
    assert len({w.uri for w in watches}) == len(watches)


# ---------------------------------------------------------------- discovery (no flow)


def test_discovery_takes_followed_links_obeys_robots_and_the_site(site: TestServer,
                                                                   tmp_path: Path) -> None:
    found = discover(watch(site), settings(tmp_path))
    assert sorted(s.uri for s in found.sources) == sorted(
        site.url(p) for p in ("ptsm/plan.pdf", "docs/diagnostic.pdf", "ptsm/ptsm-sarthe.html"))
    assert {s.discovered_from for s in found.sources} == {site.url("ptsm/index.html")}
    assert site.hits["/private/brouillon.pdf"] == 0  # robots.txt: Disallow /private/
    assert any("robots.txt disallows" in w for w in found.warnings)
    assert site.hits["/mentions.pdf"] == 0  # in the menu, not the main content
    assert not found.quarantine and not found.missing


def test_match_and_follow_filter_links(site: TestServer, tmp_path: Path) -> None:
    found = discover(watch(site, follow=("pdf",), match="diagnostic"), settings(tmp_path))
    assert [s.uri for s in found.sources] == [site.url("docs/diagnostic.pdf")]


def test_a_link_to_a_private_address_is_refused(tmp_path: Path) -> None:
    links = [("http://10.0.0.7/ptsm.pdf", "PTSM (intranet)"),
             ("http://127.0.0.2/ptsm.pdf", "PTSM (loopback)")]
    with serve_folder(routes={"/ptsm/index.html": Static(index_page(links), "text/html")}) \
            as server:
        found = discover(watch(server, same_site=False), settings(tmp_path))
    assert found.sources == []
    assert [q["error_type"] for q in found.quarantine] == ["private_address"] * 2
    assert all(q["stage"] == "watch" for q in found.quarantine)
    assert "refused to connect to 127.0.0.2" in found.quarantine[1]["message"]


def test_an_index_of_5000_links_stops_at_the_cap_with_a_warning(tmp_path: Path) -> None:
    links = [(f"/docs/ptsm-{i}.pdf", f"Document {i}") for i in range(5000)]
    with serve_folder(routes={"/ptsm/index.html": Static(index_page(links), "text/html")}) \
            as server:
        found = discover(watch(server, max_links=100), settings(tmp_path))
    assert len(found.sources) == 100
    assert found.sources[-1].uri.endswith("/docs/ptsm-99.pdf")
    assert any("has 5000 links to follow; only the first 100" in w for w in found.warnings)


def test_an_unreachable_page_is_reported_and_its_known_links_kept(site: TestServer,
                                                                   tmp_path: Path) -> None:
    first = discover(watch(site), settings(tmp_path))
    site.routes["/ptsm/index.html"] = Static(b"", "text/html")  # replaced below
    del site.routes["/ptsm/index.html"]  # now a 404
    try:
        again = discover(watch(site), settings(tmp_path))
    finally:
        site.routes["/ptsm/index.html"] = Static(index_page(LINKS), "text/html")
    assert [q["error_type"] for q in again.quarantine] == ["http_404"]
    assert "ptsm/index.html (ars-test) not read" in again.quarantine[0]["message"]
    assert sorted(s.id for s in again.sources) == sorted(s.id for s in first.sources)
    assert again.missing == []


def test_second_discovery_is_conditional_and_depth_follows_pages(site: TestServer,
                                                                  tmp_path: Path) -> None:
    discover(watch(site), settings(tmp_path))
    discover(watch(site), settings(tmp_path))
    index_requests = [r for r in site.requests if r.path == "/ptsm/index.html"]
    assert "If-None-Match" in index_requests[-1].headers
    site.set_content("ptsm/ptsm-sarthe.html", PAGE.replace(
        "</main>", '<p><a href="/contrat.pdf">Contrat territorial (PDF)</a></p></main>'
    ).encode(), "text/html")
    try:
        deep = discover(watch(site, depth=2), settings(tmp_path / "deep"))
    finally:
        del site.routes["/ptsm/ptsm-sarthe.html"]
    contract = next(s for s in deep.sources if s.uri.endswith("/contrat.pdf"))
    assert contract.discovered_from == site.url("ptsm/ptsm-sarthe.html")
    assert contract.link_text == "Contrat territorial (PDF)"


def test_pacer_spaces_requests_to_one_site() -> None:
    pacer = HostPacer()
    assert pacer.wait("http://a.example/1", 0.2) == 0
    assert pacer.wait("http://a.example/2", 0.2) == pytest.approx(0.2, abs=0.05)
    assert pacer.wait("http://b.example/1", 0.2) == 0


def test_discovered_links_are_added_once(site: TestServer, tmp_path: Path) -> None:
    found = discover(watch(site), settings(tmp_path))
    listed = [found.sources[0].__class__(id="plan", uri=site.url("ptsm/plan.pdf"))]
    watched = add_discovered(listed, [found, found])
    assert [s.id for s in watched.sources][0] == "plan"
    assert len(watched.sources) == 3 and watched.missing == []


# ---------------------------------------------------------------- runs of the pipeline


@pytest.fixture(scope="module")
def runs(site: TestServer, tmp_path_factory: pytest.TempPathFactory, prefect_home: Path):
    """Three `ptsm run`s of a watched page: first; a fourth link added; a link removed."""
    work = tmp_path_factory.mktemp("watch-runs")
    sources = work / "sources.toml"
    sources.write_text(f'[[watch]]\nid = "ars-test"\nuri = "{site.url("ptsm/index.html")}"\n'
                       'follow = ["pdf", "html"]\ndelay_s = 0\n')
    out = work / "curated"

    def run() -> dict:
        proc = run_cli("run", "--sources", str(sources), "--out", str(out), "--store",
                       str(work / "store"), "--allow-host", "127.0.0.1", home=prefect_home)
        return {"proc": proc, "manifest": json.loads((out / "_manifest.json").read_text()),
                "documents": pd.read_parquet(out / "documents"), "hits": dict(site.hits)}

    result = {"first": run()}
    site.routes["/ptsm/index.html"] = Static(
        index_page([*LINKS, ("/contrat.pdf", "Contrat territorial de santé mentale")]),
        "text/html")
    result["second"] = run()
    site.routes["/ptsm/index.html"] = Static(
        index_page([link for link in LINKS if link[0] != "/docs/diagnostic.pdf"]
                   + [("/contrat.pdf", "Contrat territorial de santé mentale")]), "text/html")
    result["third"] = run()
    site.routes["/ptsm/index.html"] = Static(index_page(LINKS), "text/html")
    return result


def _ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_run_ingests_the_three_linked_documents(runs: dict, site: TestServer) -> None:
    first = runs["first"]
    _ok(first["proc"])
    docs = first["documents"]
    assert sorted(docs["source_uri"]) == sorted(
        site.url(p) for p in ("docs/diagnostic.pdf", "ptsm/plan.pdf", "ptsm/ptsm-sarthe.html"))
    assert set(docs["discovered_from"]) == {site.url("ptsm/index.html")}
    plan = docs[docs["source_uri"] == site.url("ptsm/plan.pdf")].iloc[0]
    assert plan["link_text"] == "Feuille de route du PTSM (PDF, 40 ko)"
    assert plan["source_id"] == link_source_id(site.url("ptsm/plan.pdf"))
    assert len(first["manifest"]["new_documents"]) == 3
    assert "new            3 since the last run" in first["proc"].stdout


def test_the_next_run_ingests_only_the_link_added(runs: dict, site: TestServer) -> None:
    second = runs["second"]
    _ok(second["proc"])
    manifest = second["manifest"]
    assert [d["source_uri"] for d in manifest["new_documents"]] == [site.url("contrat.pdf")]
    assert manifest["new_documents"][0]["link_text"] == "Contrat territorial de santé mentale"
    assert manifest["documents_processed"] == 1
    assert len(second["documents"]) == 4
    plan = [r for r in site.requests if r.path == "/ptsm/plan.pdf"]
    # fetched in full once, then conditionally (304) at each run
    assert "If-None-Match" not in plan[0].headers
    assert len(plan) >= 2 and all("If-None-Match" in r.headers for r in plan[1:])
    assert f"+ {site.url('contrat.pdf')}" in second["proc"].stdout


def test_a_removed_link_keeps_its_document_as_missing(runs: dict, site: TestServer) -> None:
    third = runs["third"]
    _ok(third["proc"])
    docs = third["documents"].set_index("source_uri")
    assert len(docs) == 4
    assert docs.loc[site.url("docs/diagnostic.pdf"), "source_status"] == "missing"
    assert (docs.drop(site.url("docs/diagnostic.pdf"))["source_status"] == "ok").all()
    assert third["manifest"]["gone_from_watched_pages"] == [
        link_source_id(site.url("docs/diagnostic.pdf"))]
    # not fetched again once gone
    assert third["hits"]["/docs/diagnostic.pdf"] == runs["second"]["hits"]["/docs/diagnostic.pdf"]
