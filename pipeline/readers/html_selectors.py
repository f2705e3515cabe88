"""What is page chrome and what is main content, kept as data (no logic here).

The HTML reader removes site furniture (navigation, breadcrumb, cookie banner, share
buttons, related links, footer) before it turns the main content into blocks. The rules
are deliberately data so that a new site's quirk is one line here, not a code change.

Keywords are matched against *tokens* of an element's ``id`` and ``class`` (split on
spaces, ``-`` and ``_``), lower-cased, so ``cookie`` matches ``cookie-banner`` and
``gdpr_cookie`` but not ``cookiecutter-content``. Multi-token keywords (``fil-d-ariane``)
match a run of consecutive tokens.
"""

from __future__ import annotations

# Never content: removed wherever they are.
JUNK_TAGS: frozenset[str] = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "button", "input", "select", "textarea", "option", "link", "meta", "base", "map", "area",
    "audio", "video", "source", "track", "picture", "img", "head",
})

# Site chrome by tag: always removed.
CHROME_TAGS: frozenset[str] = frozenset({"nav", "menu"})

# Site chrome by tag, removed only when *outside* an <article>/<main> (inside one, an
# HTML5 <header>/<footer>/<aside> belongs to the article: its title, date, info box).
SITE_LEVEL_TAGS: frozenset[str] = frozenset({"header", "footer", "aside"})

# ARIA landmark roles that are chrome.
CHROME_ROLES: frozenset[str] = frozenset({
    "navigation", "banner", "contentinfo", "search", "dialog", "alertdialog", "menubar",
    "menu", "toolbar",
})
# Landmark roles removed only outside <article>/<main> (as SITE_LEVEL_TAGS).
SITE_LEVEL_ROLES: frozenset[str] = frozenset({"complementary"})

# id/class keywords (English and French) of chrome blocks, removed wherever they are.
CHROME_KEYWORDS: tuple[str, ...] = (
    # cookie / consent banners
    "cookie", "cookies", "consent", "gdpr", "rgpd", "tarteaucitron", "axeptio", "didomi",
    "onetrust",
    # navigation
    "nav", "navbar", "navigation", "menu", "megamenu", "submenu", "sous-menu", "skip-link",
    "skiplinks", "evitement", "pagination", "pager", "breadcrumb", "breadcrumbs", "ariane",
    "fil-d-ariane", "filariane",
    # share / social / print widgets
    "share", "sharing", "partage", "partager", "social", "socials", "reseaux-sociaux",
    "sharedaddy", "addthis", "imprimer",
    # related content, newsletter
    "related", "relatedposts", "related-posts", "articles-lies", "liens-associes",
    "a-lire-aussi", "voir-aussi", "see-also", "newsletter",
)
# id/class keywords of site-level chrome, removed only outside <article>/<main> (inside,
# "entry-header" or "article-footer" belong to the article).
SITE_LEVEL_KEYWORDS: tuple[str, ...] = (
    "header", "footer", "site-header", "site-footer", "pied-de-page", "masthead", "banner",
    "topbar", "top-bar", "sidebar", "widget-area", "search", "recherche", "searchform",
    "login", "account",
)

# Containers of the main content, tried in this order before the density fallback.
MAIN_SELECTORS: tuple[str, ...] = (
    "//main",
    "//*[@role='main']",
    "//article",
)
# id/class keywords of the main content container (second chance before density).
MAIN_KEYWORDS: tuple[str, ...] = (
    "content", "contenu", "main-content", "maincontent", "contenu-principal", "entry-content",
    "post-content", "article-content", "article-body", "page-content", "field-body", "texte",
    "rte", "corps",
)

# Block-level tags: they start a new block in the text flow.
BLOCK_TAGS: frozenset[str] = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "legend",
})
HEADING_TAGS: dict[str, int] = {f"h{n}": n for n in range(1, 7)}
LIST_TAGS: frozenset[str] = frozenset({"ul", "ol", "menu"})
PARAGRAPH_TAGS: frozenset[str] = frozenset({"p", "pre", "address", "dt", "dd", "legend"})
CAPTION_TAGS: frozenset[str] = frozenset({"caption", "figcaption"})
BOLD_TAGS: frozenset[str] = frozenset({"b", "strong"})
