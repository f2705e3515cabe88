"""Make an image-only "scan" of a PDF: what a printed-then-scanned document looks like.

Each page is rasterised with pypdfium2, turned by a fraction of a degree, blurred a little,
sprinkled with noise (grey grain and dust specks), and saved as an image-only PDF with
Pillow (no text layer). Deterministic for a given seed.

Usage::

    python scripts/make_scans.py data/raw/samples/ptsm53-feuille-de-route.pdf out.pdf \
        [--dpi 150] [--angle 0.4] [--noise 12] [--specks 0.0005] [--pages 1-3,7] \
        [--quality 60] [--seed 0] [--bilevel]

``--angle`` is the largest turn in degrees; each page gets its own angle drawn in
[-angle, angle] (never exactly 0). ``--bilevel`` saves 1-bit pages (a fax-like scan,
much smaller files).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


def parse_pages(spec: str | None, n_pages: int) -> list[int]:
    """ "1-3,7" → [0, 1, 2, 6] (0-based); None → every page."""
    if not spec:
        return list(range(n_pages))
    out: list[int] = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo) - 1, int(hi or lo)))
    return [p for p in out if 0 <= p < n_pages]


def scan_page(image: Image.Image, rng: random.Random, *, angle: float, noise: float,
              specks: float, bilevel: bool) -> Image.Image:
    """One rasterised page made to look scanned (greyscale, or 1-bit with `bilevel`)."""
    img = image.convert("L")
    turn = rng.uniform(0.3, 1.0) * angle * rng.choice((-1, 1))
    img = img.rotate(turn, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    pixels = np.asarray(img, dtype=np.float32)
    gen = np.random.default_rng(rng.randrange(2**32))
    pixels = pixels + gen.normal(0.0, noise, pixels.shape)
    if specks:
        dust = gen.random(pixels.shape) < specks
        pixels[dust] = gen.uniform(0, 90, int(dust.sum()))
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    if bilevel:
        out = out.point(lambda v: 255 if v > 150 else 0).convert("1")
    return out


def make_scan(src: Path, dst: Path, *, dpi: int = 150, angle: float = 0.4, noise: float = 12.0,
              specks: float = 0.0005, pages: str | None = None, quality: int = 60,
              seed: int = 0, bilevel: bool = False) -> int:
    """Write the scan of `src` to `dst`; returns the number of pages."""
    rng = random.Random(seed)
    pdf = pdfium.PdfDocument(str(src))
    try:
        images = []
        for index in parse_pages(pages, len(pdf)):
            page = pdf[index]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            images.append(scan_page(bitmap.to_pil(), rng, angle=angle, noise=noise,
                                    specks=specks, bilevel=bilevel))
            page.close()
    finally:
        pdf.close()
    if not images:
        raise SystemExit(f"{src}: no page selected")
    dst.parent.mkdir(parents=True, exist_ok=True)
    extra = {} if bilevel else {"quality": quality}
    images[0].save(dst, "PDF", resolution=float(dpi), save_all=True,
                   append_images=images[1:], **extra)
    return len(images)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--angle", type=float, default=0.4)
    parser.add_argument("--noise", type=float, default=12.0)
    parser.add_argument("--specks", type=float, default=0.0005)
    parser.add_argument("--pages")
    parser.add_argument("--quality", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bilevel", action="store_true")
    args = parser.parse_args(argv)
    n = make_scan(args.src, args.dst, dpi=args.dpi, angle=args.angle, noise=args.noise,
                  specks=args.specks, pages=args.pages, quality=args.quality, seed=args.seed,
                  bilevel=args.bilevel)
    print(f"{args.dst}: {n} pages, {args.dst.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
