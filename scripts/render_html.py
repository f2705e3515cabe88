"""Render the three web seeds as realistic HTML pages of the sites they come from.

Every page has a <head> (title, meta, canonical/og:url for the pages whose URL is known), a
site header with a <nav> menu, a breadcrumb, a cookie banner, the content in <main><article>,
an "Articles liés" aside, a footer and a script tag. Every line of the seed text appears in
the main content; list lines become <ul><li> (their "–"/"•" marker is the list bullet).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

COOKIE_BANNER = """\
<div id="cookie-banner" class="cookie-banner" role="dialog" aria-live="polite">
  <p>Nous utilisons des cookies pour mesurer l’audience de ce site et améliorer votre
  expérience de navigation. Vous pouvez accepter ou refuser ces cookies.</p>
  <button type="button" class="btn-accept">Accepter</button>
  <button type="button" class="btn-refuse">Refuser</button>
  <a href="/politique-de-confidentialite/">En savoir plus</a>
</div>"""

SCRIPT = """\
<script>
  document.querySelectorAll('#cookie-banner button').forEach(function (b) {
    b.addEventListener('click', function () {
      document.getElementById('cookie-banner').hidden = true;
    });
  });
</script>"""


@dataclass(frozen=True)
class Site:
    """The chrome of one site: name, menu, footer links."""

    name: str
    base: str
    nav: tuple[tuple[str, str], ...]
    footer_org: str
    copyright: str


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def _p(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def _list(items: list[str], marker: str) -> str:
    lis = "\n".join(f"  <li>{esc(i)}</li>" for i in items)
    return f'<ul class="liste {marker}">\n{lis}\n</ul>'


def lines_to_html(lines: list[str]) -> str:
    """Seed lines to block HTML: "– "/"• " lines grouped into <ul>, question lines as <h3>."""
    out: list[str] = []
    items: list[str] = []
    for line in lines:
        m = re.match(r"^\s*[–•]\s+(.*)$", line)
        if m:
            items.append(m.group(1))
            continue
        if items:
            out.append(_list(items, "tirets"))
            items = []
        if not line.strip():
            continue
        if line.strip().endswith("?") and len(line) < 60:
            out.append(f"<h3>{esc(line.strip())}</h3>")
        else:
            out.append(_p(line.strip()))
    if items:
        out.append(_list(items, "tirets"))
    return "\n".join(out)


def page(
    site: Site,
    title: str,
    canonical: str | None,
    breadcrumb: list[tuple[str, str | None]],
    article: str,
    related: list[tuple[str, str]],
    description: str,
) -> str:
    """A whole HTML page around ``article`` (already HTML)."""
    nav = "\n".join(f'      <li><a href="{href}">{esc(label)}</a></li>' for label, href in site.nav)
    crumbs = " <span>›</span> ".join(
        f'<a href="{href}">{esc(label)}</a>' if href else f"<span>{esc(label)}</span>"
        for label, href in breadcrumb
    )
    rel = "\n".join(f'    <li><a href="{href}">{esc(label)}</a></li>' for label, href in related)
    canon = ""
    if canonical:
        canon = (
            f'<link rel="canonical" href="{canonical}">\n'
            f'<meta property="og:url" content="{canonical}">\n'
        )
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta name="description" content="{html.escape(description)}">
{canon}<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="{html.escape(site.name)}">
<meta property="og:type" content="article">
<link rel="stylesheet" href="{site.base}/wp-content/themes/site/style.css">
</head>
<body>
{COOKIE_BANNER}
<header class="site-header">
  <a class="logo" href="{site.base}/">{esc(site.name)}</a>
  <nav class="main-nav" aria-label="Menu principal">
    <ul>
{nav}
    </ul>
  </nav>
</header>
<div class="breadcrumb" aria-label="Fil d’Ariane">{crumbs}</div>
<main id="contenu">
<article>
{article}
</article>
</main>
<aside class="related">
  <h2>Articles liés</h2>
  <ul>
{rel}
  </ul>
</aside>
<footer class="site-footer">
  <p>{esc(site.footer_org)}</p>
  <ul>
    <li><a href="/mentions-legales/">Mentions légales</a></li>
    <li><a href="/plan-du-site/">Plan du site</a></li>
    <li><a href="/contact/">Contact</a></li>
    <li><a href="/accessibilite/">Accessibilité : non conforme</a></li>
  </ul>
  <p>{esc(site.copyright)}</p>
</footer>
{SCRIPT}
</body>
</html>
"""


# ---------------------------------------------------------------- seed 000: ptsm35.fr

PTSM35 = Site(
    name="PTSM 35 – Projet Territorial de Santé Mentale d’Ille-et-Vilaine",
    base="https://ptsm35.fr",
    nav=(
        ("Accueil", "https://ptsm35.fr/"),
        ("Le PTSM 35", "https://ptsm35.fr/le-ptsm-35"),
        ("Composition du PTSM 35", "https://ptsm35.fr/composition-du-ptsm-35"),
        ("Les 23 actions", "https://ptsm35.fr/les-actions"),
        ("Actualités", "https://ptsm35.fr/actualites"),
        ("Ressources", "https://ptsm35.fr/ressources"),
        ("Agenda", "https://ptsm35.fr/agenda"),
        ("Contact", "https://ptsm35.fr/contact"),
    ),
    footer_org="PTSM 35 – Chefferie de projet, Rennes",
    copyright="© 2023 PTSM 35 – Tous droits réservés",
)


def _tabs_block(block_id: str, tab_label: str, lines: list[str], repeat: list[str]) -> str:
    """A tab panel (desktop) and an accordion (mobile) each holding the same block."""
    return f"""<div class="tabs" id="tabs-{block_id}">
  <ul class="tab-list" role="tablist">
    <li role="tab" aria-selected="true" aria-controls="panel-{block_id}">{esc(tab_label)}</li>
  </ul>
  <div class="tab-panel" role="tabpanel" id="panel-{block_id}">
{lines_to_html(lines)}
  </div>
</div>
<div class="accordion d-mobile" id="accordion-{block_id}">
  <details class="accordion-item">
    <summary>{esc(tab_label)}</summary>
    <div class="accordion-body">
{lines_to_html(repeat)}
    </div>
  </details>
</div>"""


def render_ptsm35(text: str) -> str:
    lines = text.split("\n")
    # the page repeats whole blocks (tab panel + mobile accordion); indices found by hand
    intro_a, a, a2 = lines[0], lines[1:14], lines[14:27]
    intro_b, b, b2 = lines[27], lines[28:35], lines[35:42]
    intro_c, c, c2 = lines[42], lines[43:57], lines[57:71]
    assert a == a2 and b == b2 and c == c2, "seed 000 blocks moved"
    article = "\n".join(
        [
            "<h1>Composition du PTSM 35</h1>",
            "<h2>Historique du PTSM 35</h2>",
            _p(intro_a),
            _tabs_block("historique", "Du diagnostic aux 23 actions", a, a2),
            "<h2>Le Contrat Territorial de Santé Mentale</h2>",
            _p(intro_b),
            _tabs_block("contrat", "Le contrat et la gouvernance", b, b2),
            "<h2>Gouvernance et organisation</h2>",
            lines_to_html([intro_c]),
            _tabs_block("gouvernance", "Les instances du PTSM 35", c, c2),
        ]
    )
    return page(
        PTSM35,
        "Composition du PTSM 35 – PTSM 35",
        "https://ptsm35.fr/composition-du-ptsm-35",
        [
            ("Accueil", "https://ptsm35.fr/"),
            ("Le PTSM 35", "https://ptsm35.fr/le-ptsm-35"),
            ("Composition du PTSM 35", None),
        ],
        article,
        [
            ("Les 23 fiches actions du PTSM 35", "https://ptsm35.fr/les-actions"),
            ("Le Contrat Territorial de Santé Mentale signé", "https://ptsm35.fr/actualites/ctsm"),
            ("Les Conseils Locaux de Santé Mentale", "https://ptsm35.fr/ressources/clsm"),
        ],
        "Historique, contrat territorial et gouvernance du PTSM d’Ille-et-Vilaine.",
    )


# ---------------------------------------------------------------- seed 001: CTS Île-de-France

CTS_IDF = Site(
    name="Conseils territoriaux de santé d'Île-de-France",
    base="http://ct.sante-iledefrance.fr",
    nav=(
        ("Accueil", "http://ct.sante-iledefrance.fr/"),
        ("Les CTS", "http://ct.sante-iledefrance.fr/les-cts/"),
        ("Démocratie en santé", "http://ct.sante-iledefrance.fr/democratie-en-sante/"),
        ("Santé mentale", "http://ct.sante-iledefrance.fr/sante-mentale/"),
        ("Actualités / publications", "http://ct.sante-iledefrance.fr/actualites-publications/"),
        ("Agenda", "http://ct.sante-iledefrance.fr/agenda/"),
        ("Contact", "http://ct.sante-iledefrance.fr/contact/"),
    ),
    footer_org="Agence régionale de santé Île-de-France – Conseils territoriaux de santé",
    copyright="© 2021 ARS Île-de-France",
)
CTS_URL = (
    "http://ct.sante-iledefrance.fr/actualites-publications/"
    "arrete-et-perspectives-du-projet-territorial-de-sante-mentale-ptsm-de-seine-et-marne/"
)


def render_cts77(text: str) -> str:
    lines = [ln.strip("\u00a0 ") for ln in text.split("\n")]
    title_line = lines[0]
    body = [ln for ln in lines[1:]]
    out: list[str] = []
    items: list[str] = []
    h2 = {
        "Approbation par arrêté du DGARS",
        "La relance du PTSM – mise en œuvre et contractualisation",
        "La perspective 2021 : la stratégie de relance de mise en œuvre du PTSM",
    }
    for raw in body:
        line = raw.strip().strip("\u00a0").strip()
        m = re.match(r"^•\s+(.*)$", line)
        if m:
            items.append(m.group(1))
            continue
        if items:
            out.append(_list(items, "puces"))
            items = []
            if not line:
                out.append("<p>&nbsp;</p>")
        if not line:
            continue
        if line.startswith("Retour à la liste"):
            out.append(
                '<p class="back"><a href="http://ct.sante-iledefrance.fr/actualites-publications/">'
                f"{esc(line)}</a></p>"
            )
        elif line.isupper() and len(line) > 40:
            out.append(f"<h1>{esc(line)}</h1>")
        elif line.startswith("Arrêté DOS"):
            out.append(
                '<p class="download"><a href="/wp-content/uploads/2020/11/'
                f'Arrete-DOS-2020-2551-PTSM-77-signe.pdf">{esc(line)}</a> (PDF, 1,2 Mo)</p>'
            )
        elif line in h2:
            out.append(f"<h2>{esc(line)}</h2>")
        elif re.fullmatch(r"0\d", line):
            out.append(f'<p class="step-number"><span>{line}</span></p>')
        elif line.startswith("La perspective 2021 : une contractualisation"):
            label, num = line.rsplit(" ", 1)
            out.append(f'<h2>{esc(label)} <span class="step-number">{esc(num)}</span></h2>')
        else:
            out.append(_p(line))
    if items:
        out.append(_list(items, "puces"))
    share = (
        '<div class="share">Partager : <a href="mailto:?subject='
        f'{html.escape(title_line)}">{esc(title_line)}</a></div>'
    )
    article = '<p class="date">Publié le 12 janvier 2021</p>\n' + "\n".join(out) + "\n" + share
    return page(
        CTS_IDF,
        title_line,
        CTS_URL,
        [
            ("Accueil", "http://ct.sante-iledefrance.fr/"),
            (
                "Actualités / publications",
                "http://ct.sante-iledefrance.fr/actualites-publications/",
            ),
            ("Arrêté et perspectives du PTSM de Seine-et-Marne", None),
        ],
        article,
        [
            (
                "Projets territoriaux de santé mentale en Île-de-France",
                "http://ct.sante-iledefrance.fr/sante-mentale/ptsm/",
            ),
            (
                "Commission spécialisée santé mentale du CTS 77",
                "http://ct.sante-iledefrance.fr/les-cts/cts-77/",
            ),
            ("Rapport annuel des CTS 2020", "http://ct.sante-iledefrance.fr/rapport-2020/"),
        ],
        "Arrêté portant adoption du PTSM de Seine-et-Marne et perspectives 2021.",
    )


# ---------------------------------------------------------------- seed 002: method page

METHOD_SITE = Site(
    name="Projet territorial de santé mentale – la démarche",
    base="https://www.projet-sante-mentale.fr",
    nav=(
        ("Accueil", "/"),
        ("Le projet", "/le-projet/"),
        ("La co-construction", "/la-co-construction-du-projet/"),
        ("Les groupes de travail", "/les-groupes-de-travail/"),
        ("Documents", "/documents/"),
        ("Actualités", "/actualites/"),
        ("Contact", "/contact/"),
    ),
    footer_org="Projet territorial de santé mentale – comité de pilotage",
    copyright="© 2018 Projet territorial de santé mentale",
)


def render_method(text: str) -> str:
    lines = [ln.strip() for ln in text.split("\n")]
    title = lines[0]
    out: list[str] = [f"<h1>{esc(title)}</h1>"]
    steps: list[str] = []
    in_steps = False
    for line in lines[1:]:
        if in_steps and line:
            steps.append(line)
            continue
        if in_steps and not line and steps:
            out.append(
                '<ul class="etapes">\n'
                + "\n".join(f"  <li>{esc(s)}</li>" for s in steps)
                + "\n</ul>"
            )
            in_steps, steps = False, []
            continue
        if not line:
            continue
        if line.startswith("Le projet comprend trois grandes étapes"):
            out.append(_p(line))
            in_steps = True
        elif re.match(r"^Etape \d : ", line):
            out.append(f"<h2>{esc(line)}</h2>")
        elif line.endswith("cliquez-ici"):
            head = line[: -len("cliquez-ici")]
            out.append(f'<p>{esc(head)}<a href="/documents/anap/">cliquez-ici</a></p>')
        elif line.endswith("en cliquant ici."):
            head = line[: -len("en cliquant ici.")]
            out.append(
                f'<p>{esc(head)}<a href="/documents/feuille-de-route/">en cliquant ici.</a></p>'
            )
        else:
            out.append(_p(line))
    return page(
        METHOD_SITE,
        f"{title} – Projet territorial de santé mentale",
        None,
        [("Accueil", "/"), ("Le projet", "/le-projet/"), (title, None)],
        "\n".join(out),
        [
            ("Les groupes de travail", "/les-groupes-de-travail/"),
            ("Le diagnostic territorial partagé", "/le-projet/diagnostic/"),
            ("La boîte à outils de l’ANAP", "/documents/anap/"),
        ],
        "La méthode de co-construction du projet territorial de santé mentale.",
    )


PAGES = (
    ("000_e1345697ca92cb41.txt", "ptsm35-composition-du-ptsm.html", render_ptsm35),
    ("001_64674333845bad9d.txt", "ct-sante-idf-arrete-ptsm77.html", render_cts77),
    ("002_11d7c87225259de2.txt", "ptsm-methode-co-construction.html", render_method),
)


def render_web_pages(seeds: Path, out: Path) -> list[str]:
    """Write the three HTML samples; returns their file names."""
    names = []
    for seed, name, render in PAGES:
        text = (seeds / seed).read_text(encoding="utf-8")
        (out / name).write_text(render(text), encoding="utf-8")
        names.append(name)
    return names
