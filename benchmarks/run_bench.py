"""Benchmark runner: per-stage figures of the pipeline on the scale corpus, and baselines.

Usage::

    .venv/bin/python benchmarks/gen_corpus.py --small --out /tmp/ptsm-bench
    .venv/bin/python benchmarks/run_bench.py --corpus /tmp/ptsm-bench [--workers 2]
        [--no-flow] [--no-baselines] [--rss500]
    .venv/bin/python benchmarks/run_bench.py --pdf8 [--repeat 3]   # the small-corpus case
    .venv/bin/python benchmarks/run_bench.py --corpus DIR --reading   # reader and NER only

One process runs the stages one after the other by calling the stage functions directly
(``pipeline.stages.ingest_stage``, ``process_stage`` with the reader and each extractor
timed by wrappers around the names ``pipeline.stages`` calls, ``pipeline.dataset.assemble``,
``pipeline.dataset.publish``); a sampler thread records the peak RSS of each stage. Then, on the
same PDFs in the same run: bare pdfplumber (extract_words + extract_tables on every page,
single process) and bare pypdfium2 text extraction; then the real ``ptsm run --workers N``
in a subprocess for the whole-run figure, printed as a ratio to each baseline, and run
again with nothing changed (the incremental re-run, as a fraction of the cold run).
``--rss500`` also builds a 500-page PDF (the corpus' pages repeated) and measures the peak
RSS of ``read_pdf`` and of ``process_stage`` on it, each in a fresh subprocess.

``--pdf8`` is the small-corpus case, where start-up counts: 8 distinct feuille-de-route
PDFs of ~85 pages (``gen_corpus.py`` with 8 départements, the PDFs only). Each repeat
times bare single-process pdfplumber on them, a cold ``ptsm run`` (empty store and
output; start-up included: it is the whole command's wall time), the re-run with
nothing changed and bare pypdfium2 text extraction; the table gives the median of each,
the ratios of the medians and each repeat's own cold / pdfplumber ratio.

``--reading`` times ``read_pdf`` alone on the corpus' PDFs, fast path on and off (pages
per wall and per CPU second, fast-path pages counted), and NER tokens per CPU second for
several ``nlp.pipe`` batch sizes. On a shared machine only ratios and CPU seconds
measured in one run mean much.

``--ocr-pages N`` (default 4, 0 to skip) makes an image-only scan of the first N pages of
the sample feuille de route (scripts/make_scans.py, 150 dpi) and times ``read_pdf`` on it
without cache: the OCR pages per second. The corpus line says how many of the corpus'
(born-digital) pages were OCR'd: 0, so their figures do not include OCR.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- measuring


def rss_mb() -> float:
    """Current resident set size of this process (MB)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE_SIZE / 2**20


class PeakSampler:
    """A thread sampling the RSS every `interval` seconds; `peak` since the last reset."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_mb())

    def reset(self) -> None:
        self.peak = rss_mb()

    def stop(self) -> None:
        self._stop.set()


@dataclass
class StageFigure:
    """Wall time of one stage, what it processed, and the peak RSS while it ran."""

    name: str
    seconds: float = 0.0
    pages: int = 0
    passages: int = 0
    tokens: int = 0
    peak_mb: float = 0.0
    note: str = ""


@dataclass
class Timers:
    """Accumulated seconds per wrapped function name."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def wrap(self, module: Any, name: str, label: str) -> None:
        fn = getattr(module, name)

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0

        setattr(module, name, timed)


@contextmanager
def stage(fig: StageFigure, sampler: PeakSampler) -> Iterator[StageFigure]:
    sampler.reset()
    t0 = time.perf_counter()
    yield fig
    fig.seconds += time.perf_counter() - t0
    fig.peak_mb = max(fig.peak_mb, sampler.peak)


# ---------------------------------------------------------------- pipeline stages


def pipeline_stages(raw: Path, work: Path, sampler: PeakSampler) -> tuple[list[StageFigure],
                                                                         dict[str, Any]]:
    """Run ingest → read+extract → assemble → publish in this process, timing each part."""
    from extractors.entities import entity_pipeline
    from flows.run_flow import build_tables
    from pipeline import stages as st
    from pipeline.analytics.duckdb_views import build_duckdb
    from pipeline.config import Settings
    from pipeline.dataset.publish import publish
    from pipeline.ingest.raw_store import Ingested
    from pipeline.ingest.sources import sources_from_folder

    settings = Settings(raw_dir=raw, store_dir=work / "store", allowed_roots=[raw])
    timers = Timers()
    for name, label in (("read_document", "read"), ("extract_fiches", "fiches"),
                        ("extract_entities", "ner"), ("extract_events", "events"),
                        ("extract_facts", "other"), ("extract_acronyms", "other"),
                        ("extract_people", "other"), ("detect_department", "other")):
        timers.wrap(st, name, label)
    docs: list[Any] = []
    read_document = st.read_document

    def keep_doc(*args: Any, **kwargs: Any) -> Any:
        doc = read_document(*args, **kwargs)
        docs.append(doc)
        return doc

    st.read_document = keep_doc

    fetch = StageFigure("fetch (ingest)")
    with stage(fetch, sampler):
        sources = sources_from_folder(raw)
        ingested = [st.ingest_stage(s, settings) for s in sources]
    ingested = [i for i in ingested if isinstance(i, Ingested)]

    entity_pipeline()  # model load is a one-off cost, not part of the throughput
    process = StageFigure("read+extract")
    with stage(process, sampler):
        results = [st.process_stage(i) for i in ingested]
    pages = sum(d.n_pages or 0 for d in docs if d.media_type == "application/pdf")
    passages = sum(len(r.rows.get("passages", [])) for r in results)
    tokens = _count_tokens(docs)

    dedup = StageFigure("dedup (assemble)", passages=passages)
    with stage(dedup, sampler):
        tables = build_tables(results, [])
    out = work / "out-stages"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / ".out-stages.snapshots", ignore_errors=True)
    pub = StageFigure("publish", passages=passages)
    with stage(pub, sampler):
        publish(tables, out, manifest={"run_id": f"bench-{time.time_ns()}"}, finish=build_duckdb)

    s = timers.seconds
    figures = [
        fetch,
        StageFigure("read (all formats)", s["read"], pages, passages, peak_mb=process.peak_mb,
                    note="pdfplumber + fast path"),
        StageFigure("extract fiches", s["fiches"], pages, passages, peak_mb=process.peak_mb),
        StageFigure("NER + events", s["ner"] + s["events"], pages, passages, tokens,
                    peak_mb=process.peak_mb,
                    note=f"NER {s['ner']:.1f} s, events {s['events']:.1f} s"),
        StageFigure("other extractors", s["other"], pages, passages, peak_mb=process.peak_mb,
                    note="facts, acronyms, people, département"),
        StageFigure("read+extract (total)", process.seconds, pages, passages,
                    peak_mb=process.peak_mb),
        dedup,
        pub,
    ]
    info = {"documents": len(ingested), "pdfs": sum(d.media_type == "application/pdf"
                                                     for d in docs),
            "pages": pages, "passages": passages, "tokens": tokens,
            "fast_pages": sum(len(d.meta.get("fast_pages", [])) for d in docs),
            "ocr_pages": sum(len(d.meta.get("ocr_pages", [])) for d in docs),
            "rows": {k: v.num_rows for k, v in tables.items()}}
    return figures, info


def _count_tokens(docs: list[Any]) -> int:
    """spaCy tokens of the block texts the NER reads (tokenizer only, not timed)."""
    from extractors.entities import entity_pipeline

    tokenizer = entity_pipeline().tokenizer
    return sum(len(tokenizer(b.text)) for d in docs for b in d.blocks if (b.text or "").strip())


# ---------------------------------------------------------------- baselines


def bare_pdfplumber(pdfs: list[Path]) -> tuple[float, int]:
    import pdfplumber

    t0 = time.perf_counter()
    pages = 0
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_words()
                page.extract_tables()
                page.close()
                pages += 1
    return time.perf_counter() - t0, pages


def bare_pypdfium2(pdfs: list[Path]) -> tuple[float, int]:
    import pypdfium2 as pdfium

    t0 = time.perf_counter()
    pages = 0
    for path in pdfs:
        pdf = pdfium.PdfDocument(path)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                text_page = page.get_textpage()
                text_page.get_text_range()
                text_page.close()
                page.close()
                pages += 1
        finally:
            pdf.close()
    return time.perf_counter() - t0, pages


def ptsm_run(raw: Path, out: Path, store: Path, workers: int) -> tuple[float, float]:
    """Wall time and CPU time (user + system, of every process of the run: `ptsm`, its
    Prefect server, its fork server and worker processes, sampled every 0.1 s: the fork
    server's processes are not children this process could wait for) of one real
    `ptsm run` (this interpreter, this checkout's code)."""
    import tempfile

    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cpu: dict[int, float] = {}
    with tempfile.TemporaryFile("w+") as log:  # a pipe could fill up while we sample
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw),
                                 "--out", str(out), "--store", str(store), "--workers",
                                 str(workers)], stdout=log, stderr=subprocess.STDOUT,
                                text=True, cwd=ROOT, env=env)
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in tree:
                try:
                    times = p.cpu_times()
                    cpu[p.pid] = times.user + times.system
                except psutil.Error:
                    pass
            time.sleep(0.1)
        proc.wait()
        seconds = time.perf_counter() - t0
        if proc.returncode not in (0, 3):
            log.seek(0)
            raise RuntimeError(f"ptsm run failed ({proc.returncode}): {log.read()[-2000:]}")
    return seconds, sum(cpu.values())


def pdf8_corpus(work: Path, n: int = 8) -> list[Path]:
    """`n` distinct 85-91-page feuille-de-route PDFs (agency layout) under
    `work/pdf{n}/raw` (made once)."""
    raw = work / f"pdf{n}" / "raw"
    if not raw.is_dir() or len(list(raw.glob("*.pdf"))) < n:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from gen_corpus import CorpusSettings, generate

        full = work / f"pdf{n}" / "full"
        generate(full, CorpusSettings(n_departments=n, variant_every=0))  # 85-91 pages
        raw.mkdir(parents=True, exist_ok=True)
        for pdf in sorted((full / "raw").rglob("*.pdf")):
            shutil.copy2(pdf, raw / pdf.name)
    return sorted(raw.glob("*.pdf"))


def pdf8_case(work: Path, workers: int, repeats: int) -> list[StageFigure]:
    """Bare pdfplumber, cold `ptsm run` and no-change re-run on 8 PDFs: medians of the
    wall times, and of the CPU times (what a loaded machine does not blur: on an idle
    machine the wall time of a single process is its CPU time)."""
    import statistics

    pdfs = pdf8_corpus(work)
    raw = pdfs[0].parent
    runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    pages = 0
    for i in range(repeats):
        cpu0, t0 = time.process_time(), time.perf_counter()
        _, pages = bare_pdfplumber(pdfs)
        runs["bare"].append((time.perf_counter() - t0, time.process_time() - cpu0))
        run_dir = work / "pdf8" / f"run{i}"
        shutil.rmtree(run_dir, ignore_errors=True)
        out, store = run_dir / "curated", run_dir / "store"
        runs["cold"].append(ptsm_run(raw, out, store, workers))
        runs["again"].append(ptsm_run(raw, out, store, workers))
        shutil.rmtree(run_dir, ignore_errors=True)
        cpu0, t0 = time.process_time(), time.perf_counter()
        bare_pypdfium2(pdfs)
        runs["pdfium"].append((time.perf_counter() - t0, time.process_time() - cpu0))
        print(f"  repeat {i + 1}: " + ", ".join(
            f"{name} {v[-1][0]:.1f} s (CPU {v[-1][1]:.1f} s)" for name, v in runs.items())
            + f"; cold / bare {runs['cold'][-1][0] / runs['bare'][-1][0]:.3f}", flush=True)
    (bare, bare_cpu), (cold, cold_cpu), (again, again_cpu), (pdfium, _) = (
        (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
        for v in runs.values())
    ratios = ", ".join(f"{c / b:.3f}"
                       for (c, _), (b, _) in zip(runs["cold"], runs["bare"], strict=True))
    note = f"median of {repeats}"
    return [StageFigure(f"bare pdfplumber ({len(pdfs)} PDFs)", bare, pages,
                        note=f"{note}; CPU {bare_cpu:.1f} s"),
            StageFigure(f"bare pypdfium2 ({len(pdfs)} PDFs)", pdfium, pages, note=note),
            StageFigure(f"cold ptsm run -w{workers}", cold, pages,
                        note=f"{note}; {cold / bare:.2f} × pdfplumber (each repeat: {ratios}), "
                             f"{cold / pdfium:.0f} × pypdfium2, start-up included; "
                             f"CPU {cold_cpu:.1f} s, all processes"),
            StageFigure("re-run, nothing changed", again, pages,
                        note=f"{note}; {again / cold:.1%} of the cold run; "
                             f"CPU {again_cpu:.1f} s")]


def reading(pdfs: list[Path], fast: bool) -> tuple[float, float, int, int]:
    """Wall and CPU seconds of ``read_pdf`` over the PDFs in this process, the pages read
    and how many of them took the fast path (``fast=False``: pdfplumber reads every page)."""
    from pipeline.readers.pdf import PdfSettings, read_pdf
    from pipeline.readers.pdf_fast import FastSettings

    settings = PdfSettings(fast=FastSettings(enabled=fast))
    t0, c0 = time.perf_counter(), time.process_time()
    pages = fast_pages = 0
    for path in pdfs:
        doc = read_pdf(path, source_uri=str(path), doc_id=path.stem, settings=settings)
        pages += doc.n_pages or 0
        fast_pages += len(doc.meta.get("fast_pages", []))
    return time.perf_counter() - t0, time.process_time() - c0, pages, fast_pages


def ner_batches(pdfs: list[Path], sizes: tuple[int, ...] = (16, 64, 256, 1000),
                max_texts: int = 3000) -> list[tuple[int, float, int]]:
    """NER tokens per CPU second for each ``nlp.pipe`` batch size, on the (distinct) block
    texts the statistical NER reads in the PDFs (the entity cache is not involved)."""
    from extractors.entities import (
        EntitySettings,
        _is_tabular,
        _model_text,
        entity_disabled,
        entity_pipeline,
    )
    from pipeline.readers.pdf import read_pdf

    nlp = entity_pipeline()
    settings = EntitySettings()
    texts: dict[str, None] = {}
    for path in pdfs:
        doc = read_pdf(path, source_uri=str(path), doc_id=path.stem)
        texts.update((_model_text(b, settings), None) for b in doc.blocks
                     if (b.text or "").strip() and not _is_tabular(b))
        if len(texts) >= max_texts:
            break
    sample = list(texts)[:max_texts]
    tokens = sum(len(nlp.tokenizer(t)) for t in sample)
    out = []
    for size in sizes:
        c0 = time.process_time()
        for _ in nlp.pipe(sample, batch_size=size, disable=entity_disabled(nlp)):
            pass
        out.append((size, time.process_time() - c0, tokens))
    return out


def reading_figures(pdfs: list[Path], repeats: int) -> list[StageFigure]:
    """``read_pdf`` with the fast path (median of `repeats`) and with pdfplumber only, in
    pages per wall and per CPU second (median; and the quickest repeat's, as timeit reports:
    a shared host's noise only ever adds time); NER tokens per CPU second per batch size."""
    figures = []
    for fast in (True, False):
        runs = sorted((reading(pdfs, fast) for _ in range(repeats if fast else 1)),
                      key=lambda r: r[1])
        wall, cpu, n, n_fast = runs[len(runs) // 2]
        name = "read_pdf, fast path" if fast else "read_pdf, pdfplumber"
        best = f", best of {len(runs)} {n / runs[0][1]:,.0f}" if len(runs) > 1 else ""
        figures.append(StageFigure(name, wall, n, note=f"{n_fast}/{n} pages fast; "
                                   f"{n / cpu:,.0f} pages per CPU-second{best}"))
    for size, cpu, tokens in ner_batches(pdfs):
        figures.append(StageFigure(f"NER, batch {size}", cpu, tokens=tokens,
                                   note="CPU seconds, distinct block texts"))
    return figures


def whole_run(raw: Path, work: Path, workers: int) -> list[tuple[float, float, str]]:
    """Wall time, peak RSS (MB, the whole process tree) and status of the real `ptsm run`: a cold
    run (empty store and output), then a re-run with nothing changed."""
    from pipeline.dataset.publish import snapshots_dir

    out, store = work / "out-flow", work / "store-flow"
    for leftover in (store, snapshots_dir(out)):  # a cold run: no store, no dataset
        shutil.rmtree(leftover, ignore_errors=True)
    out.unlink(missing_ok=True)  # the link to the current snapshot
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--out", str(out),
           "--store", str(store), "--workers", str(workers)]
    runs = []
    for _ in ("cold", "no change"):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        peaks: list[float] = []
        sampler = threading.Thread(target=_tree_peak, args=(proc, peaks), daemon=True)
        sampler.start()
        output = proc.communicate()[0]
        seconds = time.perf_counter() - t0
        sampler.join()
        tail = output.strip().splitlines()[-1:] or [""]
        runs.append((seconds, max(peaks, default=0.0), f"exit {proc.returncode}: {tail[0][:90]}"))
    return runs


def _tree_peak(proc: subprocess.Popen, peaks: list[float], interval: float = 0.2) -> None:
    """Append the peak RSS (MB) summed over `proc` and its descendants (the temporary
    Prefect server and the worker processes included) while it runs."""
    import psutil

    root = psutil.Process(proc.pid)
    peak = 0.0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                total += p.memory_info().rss
        except psutil.Error:  # a process ended while being read
            pass
        peak = max(peak, total / 2**20)
        time.sleep(interval)
    peaks.append(peak)


# ---------------------------------------------------------------- 500 pages


RSS_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
t0 = time.perf_counter()
if {mode!r} == "read":
    from pipeline.readers.pdf import read_pdf
    doc = read_pdf(Path({path!r}), source_uri="bench", doc_id="bench")
    n = len(doc.blocks)
else:
    from pipeline.ingest.raw_store import Ingested
    from pipeline.stages import process_stage
    ing = Ingested(source_id="bench", source_uri={path!r}, raw_path={path!r}, sha256="0",
                   doc_id="bench", media_type="application/pdf", size=0,
                   fetched_at="2024-01-01T00:00:00+00:00")
    r = process_stage(ing)
    n = len(r.rows.get("passages", []))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over execve from the forking parent
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(n, time.perf_counter() - t0, int(hwm.split()[1]) / 1024)
"""


def make_long_pdf(pdfs: list[Path], dest: Path, n_pages: int = 500) -> Path:
    """A PDF of `n_pages` pages: the corpus' pages repeated (pypdfium2 page import)."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    while len(out) < n_pages:
        for path in pdfs:
            src = pdfium.PdfDocument(path)
            take = min(len(src), n_pages - len(out))
            out.import_pages(src, list(range(take)))
            src.close()
            if len(out) >= n_pages:
                break
    out.save(dest)
    out.close()
    return dest


def rss_of(path: Path, mode: str) -> tuple[int, float, float]:
    code = RSS_CHILD.format(root=str(ROOT), mode=mode, path=str(path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    n, seconds, peak = proc.stdout.split()[-3:]
    return int(n), float(seconds), float(peak)


# ---------------------------------------------------------------- report


def table(figures: list[StageFigure]) -> str:
    head = (f"| {'stage':<22} | {'wall s':>7} | {'pages/s':>8} | {'passages/s':>10} | "
            f"{'tokens/s':>8} | {'peak RSS MB':>11} | note")
    lines = [head, "|" + "|".join(["-" * 24, "-" * 9, "-" * 10, "-" * 12, "-" * 10, "-" * 13,
                                   "------"]) + "|"]
    for f in figures:
        def rate(n: int, seconds: float = f.seconds) -> str:
            if not n or seconds <= 0:
                return ""
            return f"{n / seconds:,.0f}" if n / seconds >= 10 else f"{n / seconds:.2f}"
        lines.append(f"| {f.name:<22} | {f.seconds:>7.1f} | {rate(f.pages):>8} | "
                     f"{rate(f.passages):>10} | {rate(f.tokens):>8} | {f.peak_mb:>11.0f} | "
                     f"{f.note}")
    return "\n".join(lines)


def ocr_read(work: Path, n_pages: int) -> StageFigure:
    """read_pdf on an image-only scan of the sample's first `n_pages` pages (no cache)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_scans import make_scan

    from pipeline.readers.pdf import read_pdf

    scan = work / f"scan-{n_pages}.pdf"
    if not scan.exists():
        make_scan(ROOT / "data/raw/samples/ptsm53-feuille-de-route.pdf", scan,
                  pages=f"1-{n_pages}")
    t0, c0 = time.perf_counter(), time.process_time()
    doc = read_pdf(scan, source_uri=str(scan), doc_id="scan")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = len(doc.meta["ocr_pages"])
    return StageFigure("OCR read (150 dpi scan)", seconds, n, len(doc.blocks),
                       note=f"{n} OCR pages, {n / seconds:.2f} pages/s, single process, "
                            f"{cpu / max(n, 1):.2f} CPU s/page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/ptsm-bench"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-flow", action="store_true", help="skip the real `ptsm run`")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-stages", action="store_true")
    parser.add_argument("--rss500", action="store_true", help="measure a 500-page PDF")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--pdf8", action="store_true",
                        help="only the small-corpus case: 8 distinct ~85-page PDFs")
    parser.add_argument("--repeat", type=int, default=3,
                        help="repeats of --pdf8 and of --reading (medians)")
    parser.add_argument("--reading", action="store_true",
                        help="only read_pdf (fast path and pdfplumber apart) and NER batch sizes")
    parser.add_argument("--ocr-pages", type=int, default=4,
                        help="pages of a scan to OCR for the OCR pages/s (0: skip)")
    args = parser.parse_args(argv)
    raw, work = args.corpus / "raw", args.corpus / "work"
    work.mkdir(parents=True, exist_ok=True)
    if args.pdf8:
        print(table(pdf8_case(work, args.workers, args.repeat)))
        return 0
    if args.reading:
        print(table(reading_figures(sorted(raw.rglob("*.pdf")), args.repeat)))
        return 0
    pdfs = sorted(raw.rglob("*.pdf"))
    sampler = PeakSampler()
    figures: list[StageFigure] = []
    info: dict[str, Any] = {"pdfs": len(pdfs)}
    if not args.no_stages:
        figures, info = pipeline_stages(raw, work, sampler)
    pages = info.get("pages") or 0
    report: dict[str, Any] = {"info": info}
    if not args.no_baselines:
        for name, fn in (("bare pdfplumber", bare_pdfplumber), ("bare pypdfium2", bare_pypdfium2)):
            fig = StageFigure(name, note="same PDFs, single process")
            with stage(fig, sampler):
                _, fig.pages = fn(pdfs)
            figures.append(fig)
            report[name] = fig.pages / fig.seconds
            pages = pages or fig.pages
    if args.ocr_pages:
        fig = StageFigure("OCR read")
        with stage(fig, sampler):
            ocr_fig = ocr_read(work, args.ocr_pages)
        ocr_fig.peak_mb = fig.peak_mb
        figures.append(ocr_fig)
        report["ocr_pages_per_s"] = ocr_fig.pages / ocr_fig.seconds
    if not args.no_flow:
        (seconds, peak, status), (again, peak2, status2) = whole_run(raw, work, args.workers)
        figures.append(StageFigure(f"whole run (ptsm run -w{args.workers})", seconds, pages,
                                   info.get("passages", 0), peak_mb=peak, note=status))
        figures.append(StageFigure("re-run, nothing changed", again, pages,
                                   info.get("passages", 0), peak_mb=peak2,
                                   note=status2))
        report["whole run"] = pages / seconds
        report["rerun_fraction"] = again / seconds
    sampler.stop()
    print(f"corpus: {raw} — {info.get('documents', '?')} documents, {len(pdfs)} PDFs, "
          f"{pages} PDF pages, {info.get('passages', '?')} passages, "
          f"{info.get('tokens', '?')} tokens; fast-path pages: {info.get('fast_pages', '?')}; "
          f"OCR pages: {info.get('ocr_pages', '?')}")
    print(table(figures))
    if "whole run" in report:
        for base in ("bare pdfplumber", "bare pypdfium2"):
            if base in report:
                print(f"whole run / {base}: {report['whole run'] / report[base]:.2f}×")
        print(f"no-change re-run / cold run: {report['rerun_fraction']:.1%}")
    if args.rss500:
        long_pdf = make_long_pdf(pdfs, work / "long-500.pdf")
        for mode in ("read", "process"):
            n, seconds, peak = rss_of(long_pdf, mode)
            print(f"500-page PDF, {mode}_{'pdf' if mode == 'read' else 'stage'}: {seconds:.1f} s, "
                  f"peak RSS {peak:.0f} MB ({n} blocks/passages)")
            report[f"rss500_{mode}_mb"] = peak
    if args.json:
        report["figures"] = [f.__dict__ for f in figures]
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
