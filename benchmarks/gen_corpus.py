"""Deterministic scale corpus for the benchmarks: one set of documents per département.

Each département gets, rendered with the sample renderers of ``scripts/`` from the seed
texts: a feuille de route PDF (the Mayenne seed with the département's name and number
substituted, a sample of the fiches kept, a few phrasings perturbed; one in four rendered
with the variant layout: no ruling lines, inline labels), the DOCX of the same text, and
the three web pages (their département substituted too). The documents repeat each other
a lot, as real PTSM documents do (shared templates, shared paragraphs).

Usage::

    .venv/bin/python benchmarks/gen_corpus.py [--out /tmp/ptsm-bench] [--small | --n N]
        [--seed 7]

Writes ``<out>/raw/<code>/...`` and never touches the repository. Same seed → same bytes.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import render_docx  # noqa: E402
from render_html import PAGES, render_web_pages  # noqa: E402
from render_pdf import AGENCY_LAYOUT, VARIANT_LAYOUT, Layout, render_pdf  # noqa: E402
from seed_model import FICHE_HEADING, Element, Heading, parse_mayenne  # noqa: E402

SEEDS = ROOT / "scripts" / "seeds"
MAYENNE_SEED = "004_48fd6f0d08ee10f1.txt"
DEPARTMENTS_CSV = ROOT / "extractors" / "data" / "departements.csv"
DEFAULT_OUT = Path("/tmp/ptsm-bench")

# Phrasings swapped at random in the feuille de route (text perturbation).
PERTURBATIONS = (
    ("mettre en place", "déployer"),
    ("Mettre en place", "Déployer"),
    ("développer", "renforcer"),
    ("favoriser", "encourager"),
    ("professionnels", "acteurs professionnels"),
    ("partenaires", "acteurs partenaires"),
)


@dataclass(frozen=True)
class CorpusSettings:
    """Size and variation of the corpus.

    - n_departments: how many départements (40 full size, 4 with ``--small``).
    - keep_fiches: range of the share of fiches kept per département (page count varies).
    - variant_every: every n-th département uses the variant layout (no ruling lines).
    - perturb_rate: probability that each phrasing of PERTURBATIONS is swapped.
    """

    n_departments: int = 40
    seed: int = 7
    keep_fiches: tuple[float, float] = (0.85, 1.0)
    variant_every: int = 4
    perturb_rate: float = 0.5


@dataclass(frozen=True)
class Departement:
    code: str
    name: str


def departements(n: int, seed: int) -> list[Departement]:
    """`n` metropolitan départements other than the samples' own, chosen by `seed`."""
    with DEPARTMENTS_CSV.open(encoding="utf-8") as fh:
        rows = [Departement(r["code"], r["name"]) for r in csv.DictReader(fh)]
    pool = [d for d in rows if d.code not in {"53", "35", "77"} and len(d.code) == 2]
    return sorted(random.Random(seed).sample(pool, n), key=lambda d: d.code)


def substitute(text: str, old_name: str, old_code: str, dept: Departement) -> str:
    """The seed text as if written for `dept` (name and number replaced)."""
    text = text.replace(old_name, dept.name)
    return re.sub(rf"(?<![\d,.]){old_code}(?![\d,])", dept.code, text)


def perturb(text: str, rng: random.Random, rate: float) -> str:
    for old, new in PERTURBATIONS:
        if rng.random() < rate:
            text = text.replace(old, new)
    return text


def sample_fiches(elements: list[Element], rng: random.Random,
                  keep: tuple[float, float]) -> list[Element]:
    """Drop a random subset of the fiches (each fiche runs from its heading to the next)."""
    starts = [i for i, e in enumerate(elements)
              if isinstance(e, Heading) and FICHE_HEADING.match(e.text)]
    if not starts:
        return elements
    share = rng.uniform(*keep)
    kept = set(rng.sample(range(len(starts)), max(1, round(share * len(starts)))))
    out: list[Element] = elements[:starts[0]]
    bounds = starts + [_fiche_section_end(elements, starts[-1])]
    for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        if k in kept:
            out.extend(elements[a:b])
    out.extend(elements[bounds[-1]:])
    return out


def _fiche_section_end(elements: list[Element], last_start: int) -> int:
    """Index of the first heading after the last fiche at a level above a fiche heading."""
    level = elements[last_start].level
    for i in range(last_start + 1, len(elements)):
        e = elements[i]
        if isinstance(e, Heading) and e.level < level:
            return i
    return len(elements)


def layout_for(dept: Departement, variant: bool) -> Layout:
    base = VARIANT_LAYOUT if variant else AGENCY_LAYOUT
    return dataclasses.replace(
        base,
        header_text=substitute(base.header_text, "Mayenne", "53", dept),
        header_right=substitute(base.header_right, "Mayenne", "53", dept),
        footer_left=substitute(base.footer_left, "Mayenne", "53", dept),
        title=substitute(base.title, "Mayenne", "53", dept))


def generate_department(dept: Departement, index: int, out: Path,
                        settings: CorpusSettings) -> dict[str, int]:
    """Render the four kinds of documents of one département; returns the PDF's pages."""
    rng = random.Random(f"{settings.seed}-{dept.code}")
    folder = out / dept.code
    folder.mkdir(parents=True, exist_ok=True)
    seed = (SEEDS / MAYENNE_SEED).read_text(encoding="utf-8")
    text = perturb(substitute(seed, "Mayenne", "53", dept), rng, settings.perturb_rate)
    model = sample_fiches(parse_mayenne(text), rng, settings.keep_fiches)
    variant = settings.variant_every > 0 and index % settings.variant_every == \
        settings.variant_every - 1
    pages = render_pdf(model, folder / f"ptsm{dept.code}-feuille-de-route.pdf",
                       layout_for(dept, variant))
    render_docx.HEADER_TEXT = f"PTSM {dept.code} – Feuille de route 2019-2024"
    render_docx.FOOTER_TEXT = f"Projet Territorial en Santé Mentale – {dept.name} – Page "
    render_docx.render_docx(model, folder / f"ptsm{dept.code}-feuille-de-route.docx")
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp)
        for name, old_name, old_code in ((PAGES[0][0], "Ille-et-Vilaine", "35"),
                                         (PAGES[1][0], "Seine-et-Marne", "77"),
                                         (PAGES[2][0], "\0", "\0")):
            raw = (SEEDS / name).read_text(encoding="utf-8")
            if old_name == "\0":  # the method page names no département: vary it a little
                raw = perturb(raw, rng, settings.perturb_rate) + \
                    f"\nContact : groupe projet ({dept.code}).\n"
            (seeds / name).write_text(substitute(raw, old_name, old_code, dept),
                                      encoding="utf-8")
        render_web_pages(seeds, folder)
    return {"pages": pages, "variant": int(variant)}


def generate(out: Path, settings: CorpusSettings) -> list[dict]:
    """Render the whole corpus under ``out/raw``; returns one summary row per département."""
    raw = out / "raw"
    rows = []
    for i, dept in enumerate(departements(settings.n_departments, settings.seed)):
        info = generate_department(dept, i, raw, settings)
        rows.append({"code": dept.code, "name": dept.name, **info})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true", help="4 départements")
    size.add_argument("--n", type=int, help="number of départements (default 40)")
    parser.add_argument("--seed", type=int, default=CorpusSettings.seed)
    args = parser.parse_args(argv)
    n = 4 if args.small else args.n or CorpusSettings.n_departments
    started = time.perf_counter()
    rows = generate(args.out, CorpusSettings(n_departments=n, seed=args.seed))
    pages = sum(r["pages"] for r in rows)
    print(f"{len(rows)} départements, {pages} PDF pages "
          f"({min(r['pages'] for r in rows)}–{max(r['pages'] for r in rows)} per PDF), "
          f"{len(rows) * 5} documents → {args.out / 'raw'} "
          f"in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
