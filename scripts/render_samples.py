"""Render the sample input documents of data/raw/samples/ from the seed texts in scripts/seeds/.

Usage: ``.venv/bin/python scripts/render_samples.py [--only pdf|docx|html|variant|toml]``

Outputs (deterministic: fixed metadata, reportlab ``invariant=1``, fixed zip timestamps):

- data/raw/samples/ptsm53-feuille-de-route.pdf   (seed 004, agency layout)
- data/raw/samples/ptsm53-feuille-de-route.docx  (seed 004)
- data/raw/samples/ptsm35-composition-du-ptsm.html (seed 000)
- data/raw/samples/ct-sante-idf-arrete-ptsm77.html (seed 001)
- data/raw/samples/ptsm-methode-co-construction.html (seed 002)
- data/raw/sources.toml
- tests/fixtures/variant/ptsm53-variant.pdf      (seed 004, variant layout)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_docx import render_docx  # noqa: E402
from render_html import render_web_pages  # noqa: E402
from render_pdf import AGENCY_LAYOUT, VARIANT_LAYOUT, render_pdf  # noqa: E402
from seed_model import parse_mayenne  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "seeds"
SAMPLES = ROOT / "data" / "raw" / "samples"
VARIANT = ROOT / "tests" / "fixtures" / "variant"
MAYENNE_SEED = "004_48fd6f0d08ee10f1.txt"

SOURCES_TOML = """\
# Sample sources shipped with the repository (rendered by scripts/render_samples.py).
# `uri` is a path relative to this file (or an http(s) URL); `url` is the public page a
# sample represents. `department = "NN"` is an optional hint: none is given here on
# purpose, the pipeline must infer the département from the content.

[[source]]
id = "ptsm53-feuille-de-route-pdf"
uri = "samples/ptsm53-feuille-de-route.pdf"
title = "Projet territorial en santé mentale – Mayenne – Feuille de route 2019-2024"
note = "PDF as published by the agency: cover, TOC, 30 fiches actions in ruled tables"

[[source]]
id = "ptsm53-feuille-de-route-docx"
uri = "samples/ptsm53-feuille-de-route.docx"
title = "Projet territorial en santé mentale – Mayenne – Feuille de route 2019-2024"
note = "Word version of the same feuille de route"

[[source]]
id = "ptsm35-composition-du-ptsm"
uri = "samples/ptsm35-composition-du-ptsm.html"
url = "https://ptsm35.fr/composition-du-ptsm-35"
title = "Composition du PTSM 35"
note = "web page built from tabs/accordions: whole blocks are repeated"

[[source]]
id = "ct-sante-idf-arrete-ptsm77"
uri = "samples/ct-sante-idf-arrete-ptsm77.html"
url = "http://ct.sante-iledefrance.fr/actualites-publications/arrete-et-perspectives-du-projet-territorial-de-sante-mentale-ptsm-de-seine-et-marne/"
title = "Arrêté et perspectives du PTSM de Seine-et-Marne"

[[source]]
id = "ptsm-methode-co-construction"
uri = "samples/ptsm-methode-co-construction.html"
title = "La co-construction du projet"
note = "method page of a PTSM site; the département is not named"
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["pdf", "docx", "html", "variant", "toml"])
    args = parser.parse_args(argv)
    SAMPLES.mkdir(parents=True, exist_ok=True)
    VARIANT.mkdir(parents=True, exist_ok=True)
    model = parse_mayenne((SEEDS / MAYENNE_SEED).read_text(encoding="utf-8"))
    todo = {args.only} if args.only else {"pdf", "docx", "html", "variant", "toml"}
    if "pdf" in todo:
        n = render_pdf(model, SAMPLES / "ptsm53-feuille-de-route.pdf", AGENCY_LAYOUT)
        print(f"ptsm53-feuille-de-route.pdf: {n} pages")
    if "variant" in todo:
        n = render_pdf(model, VARIANT / "ptsm53-variant.pdf", VARIANT_LAYOUT)
        print(f"ptsm53-variant.pdf: {n} pages")
    if "docx" in todo:
        render_docx(model, SAMPLES / "ptsm53-feuille-de-route.docx")
        print("ptsm53-feuille-de-route.docx")
    if "html" in todo:
        for name in render_web_pages(SEEDS, SAMPLES):
            print(name)
    if "toml" in todo:
        (ROOT / "data" / "raw" / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
        print("sources.toml")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
