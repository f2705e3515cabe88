"""Compare HTML readers on the shipped web pages: what they keep and what they leak.

    .venv/bin/python benchmarks/compare_html_readers.py [--repeat 20]

Readers compared:
- ``ours (lxml)``: pipeline.readers.html (lxml parse + our chrome removal and selection);
- ``selectolax + selectors``: selectolax (lexbor) parse, the same chrome rules from
  pipeline.readers.html_selectors, <main>/<article>/body, text of the leaf blocks;
- ``selectolax naive``: the whole <body> text (scripts/styles removed), a baseline;
- ``trafilatura`` and ``trafilatura recall``: trafilatura.extract with tables, the default
  and ``favor_recall=True``.

For each (reader, sample): seed lines recovered (the page's seed text, line by line,
whitespace-normalised and bullets stripped, found with their multiplicity: a block that the
page repeats must come out twice), chrome lines leaked (lines of the page's navigation,
breadcrumb, cookie banner, share widget, related links and footer found as an output line),
list items kept (the <li> of the main content, with multiplicity) and the median time.
Ground truth (which elements are chrome) is given per sample below, by hand.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from pipeline.readers import html_selectors as sel  # noqa: E402
from pipeline.readers.html import html_to_document  # noqa: E402

SAMPLES = ROOT / "data" / "raw" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"
_BULLET = re.compile(r"^\s*[-–—•▪✓·*]\s+")
_SPACES = re.compile(r"\s+")

# The sample pages' chrome, by hand (CSS selectors), and where their main content is.
_SAMPLE_CHROME = "#cookie-banner, header.site-header, nav, .breadcrumb, aside, footer, .share"


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    seed: Path | None
    main: str  # CSS selector of the true main content (for the list items)
    chrome: str  # CSS selectors of the chrome elements


SAMPLE_SET: tuple[Sample, ...] = (
    Sample("ptsm35 (seed 000)", SAMPLES / "ptsm35-composition-du-ptsm.html",
           FIXTURES / "text" / "seed000.txt", "main", _SAMPLE_CHROME),
    Sample("ct-idf 77 (seed 001)", SAMPLES / "ct-sante-idf-arrete-ptsm77.html",
           FIXTURES / "text" / "seed001.txt", "main", _SAMPLE_CHROME),
    Sample("méthode (seed 002)", SAMPLES / "ptsm-methode-co-construction.html",
           FIXTURES / "text" / "seed002.txt", "main", _SAMPLE_CHROME),
    Sample("agency, no <main> (fixture)", FIXTURES / "html" / "agency_no_main.html", None,
           "#page-body", "#tarteaucitronRoot, .skip-link, #top-bar, .site-branding, "
           "#menu-principal, .fil-d-ariane, .col-left, .share-buttons, .related-content, "
           "#footer"),
)


def norm(text: str) -> str:
    return _SPACES.sub(" ", _BULLET.sub("", text)).strip()


# ---------------------------------------------------------------- readers: bytes -> lines


def ours(data: bytes) -> list[str]:
    doc = html_to_document(data, source_uri="bench", doc_id="bench")
    lines = [doc.title or ""]
    for block in doc.blocks:
        lines.extend(block.text.split("\n"))
    return lines


def _tokens(node) -> str:
    attrs = node.attributes
    raw = f"{attrs.get('id') or ''} {attrs.get('class') or ''}".lower()
    return " " + " ".join(t for t in re.split(r"[\s_-]+", raw) if t) + " "


def _selectolax_chrome(node) -> bool:
    tag = node.tag
    role = (node.attributes.get("role") or "").lower()
    if tag in sel.CHROME_TAGS or role in sel.CHROME_ROLES:
        return True
    if tag in sel.SITE_LEVEL_TAGS or role in sel.SITE_LEVEL_ROLES:
        return True
    if tag in ("html", "body", "main", "article"):
        return False
    tokens = _tokens(node)
    keywords = sel.CHROME_KEYWORDS + sel.SITE_LEVEL_KEYWORDS
    return any(f" {k.replace('-', ' ')} " in tokens for k in keywords)


def selectolax_selectors(data: bytes) -> list[str]:
    tree = LexborHTMLParser(data)
    tree.strip_tags(list(sel.JUNK_TAGS - {"head"}))
    title = tree.css_first("title")
    lines = [title.text(strip=True) if title else ""]
    for node in list(tree.body.traverse()) if tree.body else []:
        if node.is_element_node and node.parent is not None and _selectolax_chrome(node):
            node.decompose()
    main = (tree.css_first("main") or tree.css_first("[role=main]") or tree.css_first("article")
            or tree.body)
    for node in main.css("h1, h2, h3, h4, h5, h6, p, li, caption, figcaption, summary, dt, dd,"
                         " th, td"):
        lines.append(node.text(deep=True, separator=" "))
    return lines


def selectolax_naive(data: bytes) -> list[str]:
    tree = LexborHTMLParser(data)
    tree.strip_tags(["script", "style", "noscript"])
    return tree.body.text(separator="\n").split("\n") if tree.body else []


def _trafilatura(data: bytes, **options) -> list[str]:
    text = trafilatura.extract(data, include_tables=True, include_comments=False,
                               **options) or ""
    meta = trafilatura.extract_metadata(data)
    return [(meta.title if meta else "") or "", *text.split("\n")]


READERS: dict[str, Callable[[bytes], list[str]]] = {
    "ours (lxml)": ours,
    "selectolax + selectors": selectolax_selectors,
    "selectolax naive": selectolax_naive,
    "trafilatura": lambda data: _trafilatura(data),
    "trafilatura recall": lambda data: _trafilatura(data, favor_recall=True),
}


# ---------------------------------------------------------------- ground truth and scoring


def _own_text(li) -> str:
    """The text of an <li> without its nested lists."""
    clone = LexborHTMLParser(li.html).css_first("li")
    for nested in clone.css("ul, ol"):
        nested.decompose()
    return norm(clone.text(deep=True, separator=" "))


def ground_truth(sample: Sample) -> tuple[list[str], list[str], list[str]]:
    """(seed lines, chrome lines, main-content list items) of a sample."""
    seed = []
    if sample.seed is not None:
        seed = [norm(line) for line in sample.seed.read_text(encoding="utf-8").splitlines()]
        seed = [line for line in seed if line]
    tree = LexborHTMLParser(sample.path.read_bytes())
    tree.strip_tags(["script", "style"])
    title = tree.css_first("title")
    page_title = norm(title.text()) if title else ""
    chrome_lines: list[str] = []
    for node in tree.css(sample.chrome):
        for line in node.text(separator="\n").split("\n"):
            line = norm(line)
            if len(line) > 2 and line not in chrome_lines:
                chrome_lines.append(line)
        node.decompose()
    main = tree.css_first(sample.main)
    main_lines = {norm(t) for t in main.text(separator="\n").split("\n")}
    items = [_own_text(li) for li in main.css("li")
             if (li.attributes.get("role") or "") != "tab"]
    # A chrome line that is also main-content text (a menu entry named as the page's
    # title, a share link repeating the <title>) is not counted as a leak.
    chrome_lines = [c for c in chrome_lines if c not in main_lines and c != page_title]
    return seed, chrome_lines, [i for i in items if i]


def count_found(wanted: list[str], lines: list[str]) -> int:
    """How many of `wanted` (with multiplicity) are found, each inside a distinct line."""
    normalised = [norm(line) for line in lines]
    found = 0
    for text, need in Counter(wanted).items():
        have = sum(text in line for line in normalised)
        found += min(need, have)
    return found


def count_leaked(chrome: list[str], lines: list[str]) -> int:
    normalised = {norm(line) for line in lines}
    joined = "\n".join(normalised)
    return sum(1 for c in chrome if c in normalised or (len(c) >= 25 and c in joined))


def run(repeat: int) -> list[dict]:
    results = []
    for sample in SAMPLE_SET:
        data = sample.path.read_bytes()
        seed, chrome, items = ground_truth(sample)
        for name, reader in READERS.items():
            lines = reader(data)
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                reader(data)
                times.append(time.perf_counter() - start)
            results.append({
                "reader": name, "sample": sample.name,
                "seed": f"{count_found(seed, lines)}/{len(seed)}" if seed else "–",
                "chrome": f"{count_leaked(chrome, lines)}/{len(chrome)}",
                "lists": f"{count_found(items, lines)}/{len(items)}",
                "ms": statistics.median(times) * 1000,
            })
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per cell")
    args = parser.parse_args(argv)
    rows = run(args.repeat)
    print(f"trafilatura {trafilatura.__version__}")
    header = (f"{'reader':<24} {'sample':<28} {'seed lines':>10} {'chrome leaked':>13} "
              f"{'list items':>10} {'ms':>7}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['reader']:<24} {r['sample']:<28} {r['seed']:>10} {r['chrome']:>13} "
              f"{r['lists']:>10} {r['ms']:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
