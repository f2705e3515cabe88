"""Render text excerpts of web pages (first line "URL: …", then the page text) as HTML pages
with the chrome of real sites, so an evaluation reads them the way `ptsm run` reads the web.

Five site families, picked per page from its name (deterministic): a regional press site,
an institutional agency site, a hospital site, a WordPress blog (text in <div>s, widgets,
comments) and a document-transcription site. Every family has a <head> with the canonical
URL, a menu, a footer and distractors of its own (publication dates, cookie banners,
"à lire aussi" lists); the excerpt lines become headings, paragraphs and list items.

    python -m evaluation.dev_pages SRC_DIR OUT_DIR

The excerpts are evaluation data kept outside the repository; so are the pages.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

_BULLET = re.compile(r"^\s*(?:[•▪✓◦·]|[-–—](?=\s))\s*")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def read_excerpt(path: Path) -> tuple[str, list[str]]:
    """(URL, text lines) of an excerpt file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("URL:"):
        raise ValueError(f"{path}: the first line must be 'URL: …'")
    return lines[0].removeprefix("URL:").strip(), lines[1:]


def _is_heading(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= 90 and not re.search(r"[.;:,…»)]$", text) and not _BULLET.match(line)


def body_blocks(lines: list[str], paragraph: str = "p") -> tuple[str, list[str]]:
    """(title, HTML blocks): the first line is the title, short unpunctuated lines headings,
    bullet lines list items, the rest paragraphs (in ``paragraph`` elements)."""
    texts = [line for line in lines if line.strip()]
    title = texts[0].strip() if texts else "Sans titre"
    blocks: list[str] = []
    items: list[str] = []
    for line in texts[1:]:
        if _BULLET.match(line):
            items.append(f"<li>{esc(_BULLET.sub('', line).strip())}</li>")
            continue
        if items:
            blocks.append("<ul>\n" + "\n".join(items) + "\n</ul>")
            items = []
        tag = "h2" if _is_heading(line) else paragraph
        blocks.append(f"<{tag}>{esc(line.strip())}</{tag}>")
    if items:
        blocks.append("<ul>\n" + "\n".join(items) + "\n</ul>")
    return title, blocks


def _head(title: str, url: str, site: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)} | {esc(site)}</title>\n"
            f'<link rel="canonical" href="{esc(url)}">\n'
            f'<meta property="og:url" content="{esc(url)}">\n'
            f'<meta property="og:title" content="{esc(title)}">\n'
            f'<meta property="og:site_name" content="{esc(site)}">\n'
            f'<link rel="stylesheet" href="/assets/css/main.css">\n</head>\n')


def _cookie_banner() -> str:
    return ('<div class="cookie-consent" role="dialog"><p>Ce site utilise des cookies pour '
            "mesurer son audience. Vous pouvez les accepter ou les refuser à tout moment.</p>"
            "<button>Tout accepter</button> <button>Personnaliser</button></div>\n")


def press(title: str, blocks: list[str], url: str, site: str) -> str:
    menu = "".join(f'<li><a href="/{w.lower()}/">{w}</a></li>'
                   for w in ("Actualités", "Société", "Santé", "Économie", "Sports", "Agenda"))
    return (_head(title, url, site) + "<body>\n" + _cookie_banner()
            + f'<header class="masthead"><a class="logo" href="/">{esc(site)}</a>'
            f'<nav><ul class="rubriques">{menu}</ul></nav>'
            '<form class="search"><input name="q" placeholder="Rechercher"></form></header>\n'
            '<main><article class="article">\n<span class="rubrique">Santé</span>\n'
            f"<h1>{esc(title)}</h1>\n"
            '<p class="byline">Par la rédaction – Mis à jour le 2 février 2024 à 08h15</p>\n'
            '<div class="share"><a href="#">Partager sur Facebook</a> <a href="#">X</a> '
            '<a href="#">LinkedIn</a> <a href="#">Envoyer par courriel</a></div>\n'
            '<div class="article-body">\n' + "\n".join(blocks) + "\n</div>\n"
            '<aside class="read-also"><h3>À lire aussi</h3><ul>'
            "<li><a href='#'>Un nouveau marché couvert inauguré en centre-ville</a></li>"
            "<li><a href='#'>Les horaires d'été des piscines municipales</a></li>"
            "<li><a href='#'>Le club de handball accède à la finale régionale</a></li>"
            "</ul></aside>\n</article></main>\n"
            '<footer><p>Mentions légales – Politique de confidentialité – Contact</p>'
            f"<p>© {esc(site)} – Tous droits réservés</p></footer>\n"
            '<script src="/assets/js/app.js"></script>\n</body>\n</html>\n')


def agency(title: str, blocks: list[str], url: str, site: str) -> str:
    return (_head(title, url, site) + "<body>\n"
            '<a class="skip" href="#contenu">Aller au contenu</a>\n'
            '<header><div class="brand">République française<br>Agence régionale de santé</div>'
            '<nav class="main-menu"><ul><li><a href="/">Accueil</a></li>'
            "<li><a href='/ars'>L'ARS</a></li><li><a href='/votre-sante'>Votre santé</a></li>"
            "<li><a href='/professionnels'>Professionnels</a></li>"
            "<li><a href='/appels-projets'>Appels à projets</a></li></ul></nav></header>\n"
            '<nav class="breadcrumb">Accueil &gt; Offre de soins &gt; Santé mentale</nav>\n'
            '<div class="layout"><aside class="sidebar"><h3>Dans cette rubrique</h3><ul>'
            "<li><a href='#'>Psychiatrie</a></li><li><a href='#'>Prévention du suicide</a></li>"
            "<li><a href='#'>Addictions</a></li></ul></aside>\n"
            f'<main id="contenu"><h1>{esc(title)}</h1>\n'
            '<p class="date">Article publié le 5 mai 2023</p>\n'
            + "\n".join(blocks)
            + '\n<div class="download"><a href="#">Télécharger le document (PDF, 1,2 Mo)</a>'
            "</div>\n</main></div>\n"
            '<footer><ul><li>Plan du site</li><li>Accessibilité : partiellement conforme</li>'
            "<li>Données personnelles</li><li>Nous contacter</li></ul></footer>\n"
            "</body>\n</html>\n")


def hospital(title: str, blocks: list[str], url: str, site: str) -> str:
    return (_head(title, url, site) + "<body>\n" + _cookie_banner()
            + '<div class="topbar">Urgences : composez le 15 – Standard : 03 00 00 00 00</div>\n'
            f'<header><a class="logo" href="/">{esc(site)}</a>'
            '<nav class="mega"><ul><li>Patients et visiteurs<ul><li>Préparer mon séjour</li>'
            "<li>Droits des patients</li></ul></li><li>Nos services<ul><li>Pôles adultes</li>"
            "<li>Pédopsychiatrie</li></ul></li><li>Professionnels</li>"
            "<li>Offres d'emploi</li><li>Partenaires</li></ul></nav></header>\n"
            '<div class="tiles"><a href="#">Prendre rendez-vous</a> <a href="#">Nous trouver'
            '</a> <a href="#">Recrutement</a></div>\n'
            f'<main><section class="content"><h1>{esc(title)}</h1>\n'
            + "\n".join(blocks) + "\n</section></main>\n"
            '<footer><p>Suivez-nous</p><p>Plan d\'accès – Mentions légales – Plan du site</p>'
            "</footer>\n</body>\n</html>\n")


def blog(title: str, blocks: list[str], url: str, site: str) -> str:
    return (_head(title, url, site) + '<body class="post-template-default single">\n'
            f'<div id="page" class="site"><header id="masthead"><p class="site-title">'
            f'<a href="/">{esc(site)}</a></p><p class="site-description">Le réseau des '
            "acteurs du territoire</p></header>\n"
            '<div id="content"><div id="primary"><article class="post type-post">\n'
            f'<header class="entry-header"><h1 class="entry-title">{esc(title)}</h1>'
            '<div class="entry-meta">Publié le <time>14 juin 2021</time> par admin</div>'
            "</header>\n<div class=\"entry-content\">\n" + "\n".join(blocks)
            + '\n</div>\n<footer class="entry-footer">Catégories : Actualités, Santé '
            "mentale</footer></article>\n"
            '<div id="comments"><h3>Laisser un commentaire</h3><form><textarea></textarea>'
            "<button>Publier</button></form></div></div>\n"
            '<aside id="secondary" class="widget-area"><section class="widget"><h2>Articles '
            "récents</h2><ul><li>Assemblée générale de l'association</li><li>Formation aux "
            "premiers secours en santé mentale</li></ul></section><section class=\"widget\">"
            "<h2>Nuage d'étiquettes</h2><p>coordination parcours prévention usagers</p>"
            "</section></aside></div>\n<footer id=\"colophon\">Fièrement propulsé par "
            "WordPress</footer></div>\n</body>\n</html>\n")


def transcription(title: str, blocks: list[str], url: str, site: str) -> str:
    return (_head(title, url, site) + "<body>\n"
            f'<header><a href="/">{esc(site)}</a> <a href="/upload">Publier un document</a>'
            "</header>\n"
            f'<main><h1>{esc(title)}</h1>\n<div class="pager">Page suivante</div>\n'
            '<section class="transcript">\n' + "\n".join(blocks)
            + "\n</section>\n<div class=\"related\"><h3>Documents similaires</h3><ul>"
            "<li>Rapport annuel d'activité</li><li>Guide des aides sociales</li></ul></div>\n"
            "</main>\n<footer>Conditions d'utilisation – Signaler un contenu</footer>\n"
            "</body>\n</html>\n")


FAMILIES: tuple[tuple[str, Callable[..., str], str], ...] = (
    ("press", press, "p"),
    ("agency", agency, "p"),
    ("hospital", hospital, "p"),
    ("blog", blog, "div"),
    ("transcription", transcription, "p"),
)


def family_of(name: str) -> int:
    """A stable family index per page name."""
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(FAMILIES)


def render_page(path: Path) -> str:
    """The HTML page of one excerpt file."""
    url, lines = read_excerpt(path)
    _, render, paragraph = FAMILIES[family_of(path.stem)]
    title, blocks = body_blocks(lines, paragraph)
    site = urlparse(url).hostname or "site"
    return render(title, blocks, url, site.removeprefix("www."))


def render_all(src: Path, out: Path) -> list[Path]:
    """Every ``*.txt`` excerpt of ``src`` rendered as ``out/<name>.html``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(src.glob("*.txt")):
        target = out / f"{path.stem}.html"
        target.write_text(render_page(path), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="folder of excerpts (*.txt, first line URL)")
    parser.add_argument("out", type=Path, help="folder for the HTML pages")
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        print(f"dev_pages: {args.src} is not a folder of excerpts", file=sys.stderr)
        return 2
    pages = render_all(args.src, args.out)
    print(f"{len(pages)} pages rendered into {args.out}")
    return 0 if pages else 2


if __name__ == "__main__":
    sys.exit(main())
