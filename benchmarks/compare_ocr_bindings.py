"""Compare the two Python bindings of Tesseract on scanned pages: pytesseract (runs the
`tesseract` program per page, parses its TSV) and tesserocr (the C++ API in-process).

Both read the same page images (rendered at ``--dpi``, the scan's resolution) with the French
model and return words with boxes and confidences; the table shows seconds per page
(median of the runs), words found, mean confidence, and how many words the two agree on
(as a multiset).

Usage: ``python benchmarks/compare_ocr_bindings.py SCAN.pdf [--pages 1-4] [--runs 3]``
(make a scan with ``scripts/make_scans.py``). Timings on a shared machine are noisy: the
ratio between the bindings is the figure to read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.readers.ocr import TESSDATA, OcrSettings  # noqa: E402


def pytesseract_words(image, lang: str) -> list[tuple[str, float]]:
    import pytesseract

    data = pytesseract.image_to_data(image, lang=lang, output_type=pytesseract.Output.DICT)
    return [(t, float(c)) for t, c in zip(data["text"], data["conf"], strict=True)
            if t.strip() and float(c) >= 0]


def tesserocr_words(api, image) -> list[tuple[str, float]]:
    import tesserocr

    api.SetImage(image)
    api.Recognize()
    it = api.GetIterator()
    level = tesserocr.RIL.WORD
    out = []
    for word in tesserocr.iterate_level(it, level):
        text = word.GetUTF8Text(level)
        if text and text.strip():
            out.append((text, word.Confidence(level)))
    return out


def main(argv: list[str] | None = None) -> None:
    import tesserocr

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scan", type=Path)
    parser.add_argument("--pages", default="1-4")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=150, help="rendering resolution")
    args = parser.parse_args(argv)
    settings = OcrSettings()
    lo, _, hi = args.pages.partition("-")
    pdf = pdfium.PdfDocument(str(args.scan))
    images = [pdf[i].render(scale=args.dpi / 72, grayscale=True).to_pil().convert("L")
              for i in range(int(lo) - 1, int(hi or lo))]
    results: dict[str, tuple[list[float], list[list[tuple[str, float]]]]] = {}
    with tesserocr.PyTessBaseAPI(path=str(TESSDATA), lang=settings.lang) as api:
        runners = {"pytesseract": lambda im: pytesseract_words(im, settings.lang),
                   "tesserocr": lambda im: tesserocr_words(api, im)}
        for name, run in runners.items():
            times: list[float] = []
            words: list[list[tuple[str, float]]] = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                words = [run(im) for im in images]
                times.append((time.perf_counter() - t0) / len(images))
            results[name] = (times, words)
    print(f"{len(images)} pages at {args.dpi} dpi, {args.runs} runs")
    print(f"{'binding':<13}{'s/page':>8}{'words':>7}{'mean conf':>11}")
    for name, (times, words) in results.items():
        flat = [w for page in words for w in page]
        conf = statistics.fmean(c for _, c in flat) if flat else 0.0
        print(f"{name:<13}{statistics.median(times):>8.2f}{len(flat):>7}{conf:>11.1f}")
    a = Counter(t for page in results["pytesseract"][1] for t, _ in page)
    b = Counter(t for page in results["tesserocr"][1] for t, _ in page)
    same = sum((a & b).values())
    print(f"words both bindings read: {same} of {max(a.total(), b.total())}")


if __name__ == "__main__":
    main()
