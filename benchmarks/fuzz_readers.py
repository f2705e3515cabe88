"""Fuzz the readers: mutate the sample PDF, DOCX and HTML and read them back.

    .venv/bin/python benchmarks/fuzz_readers.py --iterations 10000 --seed 1 [--workers 2]
    .venv/bin/python benchmarks/fuzz_readers.py --seed 1 --reproduce 4242   # one iteration
    .venv/bin/python benchmarks/fuzz_readers.py --make-seeds                # refresh inputs

Each iteration derives its own random generator from (seed, iteration), picks an input,
applies 1-4 byte mutations (bit flips, interesting bytes, truncation, chunk duplication or
removal, splice from another input) to the file, or, for most DOCX iterations, to one XML
part inside the zip (re-zipped, so the reader gets past the zip); then sniffs the real type
like ingest does and calls `pipeline.readers.read_document` with it. A Document or a
ReaderError is a handled outcome; any other exception is an *unhandled exception*
(reported with its iteration, to replay with --reproduce); an iteration longer than
--time-limit seconds is a *timeout*.
Exit status 1 when there was any unhandled exception or timeout.

Inputs (tests/fixtures/fuzz/, made by --make-seeds): two pages of the sample PDF (the
cover and a fiche action with its table; the full 93 pages take ~10 s to read), the
sample DOCX and a sample web page.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest.sniff import EXTENSIONS, sniff_media_type  # noqa: E402
from pipeline.readers import ReaderError, read_document  # noqa: E402

SAMPLES = ROOT / "data" / "raw" / "samples"
FUZZ = ROOT / "tests" / "fixtures" / "fuzz"
INPUTS = {
    "pdf": FUZZ / "ptsm53-2-pages.pdf",
    "docx": FUZZ / "ptsm53-feuille-de-route.docx",
    "html": FUZZ / "ptsm35-composition-du-ptsm.html",
}
PDF_PAGES = [0, 10]  # cover, fiche action n°1 with its table
INTERESTING = [0x00, 0xFF, 0x7F, 0x80, ord("<"), ord(">"), ord("/"), ord("("), ord(")"),
               ord("0"), ord("9"), ord("\n")]


@dataclass
class Outcome:
    iteration: int
    input: str
    mutations: list[str]
    sniffed: str | None
    result: str  # ok | partial | failed | reader_error:<type> | unsniffed | crash | timeout
    seconds: float
    detail: str = ""


class IterationTimeout(Exception):
    pass


# ---------------------------------------------------------------- mutations


def _chunk(rng: random.Random, data: bytes) -> tuple[int, int]:
    start = rng.randrange(len(data))
    size = min(len(data) - start, int(rng.expovariate(1 / 256)) + 1)
    return start, start + size


def mutate(rng: random.Random, data: bytes, others: list[bytes]) -> tuple[bytes, list[str]]:
    """Apply 1-4 random mutations; return the bytes and a description of each."""
    out = bytearray(data)
    done = []
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        op = rng.choice(["bitflip", "bitflip", "interesting", "truncate", "duplicate",
                         "remove", "splice"])
        if op == "bitflip":
            n = rng.randint(1, 16)
            for _ in range(n):
                i = rng.randrange(len(out))
                out[i] ^= 1 << rng.randrange(8)
            done.append(f"bitflip x{n}")
        elif op == "interesting":
            i = rng.randrange(len(out))
            out[i] = rng.choice(INTERESTING)
            done.append(f"byte {i}")
        elif op == "truncate":
            cut = rng.randrange(1, len(out) + 1)
            del out[cut:]
            done.append(f"truncate {cut}")
        elif op == "duplicate":
            a, b = _chunk(rng, bytes(out))
            at = rng.randrange(len(out) + 1)
            out[at:at] = out[a:b]
            done.append(f"duplicate {a}:{b}@{at}")
        elif op == "remove":
            a, b = _chunk(rng, bytes(out))
            del out[a:b]
            done.append(f"remove {a}:{b}")
        else:
            other = rng.choice(others)
            a, b = _chunk(rng, other)
            at = rng.randrange(len(out) + 1)
            out[at:at] = other[a:b]
            done.append(f"splice {b - a}@{at}")
    return bytes(out), done


def mutate_docx_part(rng: random.Random, data: bytes,
                     others: list[bytes]) -> tuple[bytes, list[str]]:
    """Mutate one XML part of a DOCX (mostly word/document.xml) and re-zip it, so that
    the reader gets past the zip and meets broken XML / structure."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    xml = sorted(n for n in parts if n.endswith((".xml", ".rels")))
    target = "word/document.xml" if rng.random() < 0.6 else rng.choice(xml)
    parts[target], done = mutate(rng, parts[target], [parts[target], *others])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), content,
                        compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue(), [f"{target}: {m}" for m in done]


# ---------------------------------------------------------------- one iteration


_CACHE: dict[str, bytes] = {}


def _inputs() -> dict[str, bytes]:
    if not _CACHE:
        _CACHE.update({name: path.read_bytes() for name, path in INPUTS.items()})
    return _CACHE


def _on_alarm(_signum: int, _frame: object) -> None:
    raise IterationTimeout


def run_iteration(seed: int, iteration: int, time_limit: float,
                  keep_traceback: bool = False) -> Outcome:
    rng = random.Random(f"{seed}:{iteration}")
    inputs = _inputs()
    name = rng.choice(sorted(inputs))
    if name == "docx" and rng.random() < 0.7:  # keep the zip valid, break a part inside
        data, mutations = mutate_docx_part(rng, inputs[name], list(inputs.values()))
    else:
        data, mutations = mutate(rng, inputs[name], list(inputs.values()))
    media_type = sniff_media_type(data) if data else None
    outcome = Outcome(iteration, name, mutations, media_type, "unsniffed", 0.0)
    if media_type is None:
        return outcome
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        path = Path(tmp) / f"input.{EXTENSIONS[media_type]}"
        path.write_bytes(data)
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, time_limit)
        started = time.perf_counter()
        try:
            doc = read_document(path, media_type, source_uri=str(path), doc_id="fuzz")
            outcome.result = doc.status
        except ReaderError as exc:
            outcome.result = f"reader_error:{exc.error_type}"
        except IterationTimeout:
            outcome.result = "timeout"
        except Exception as exc:  # noqa: BLE001 - this is what we are looking for
            where = traceback.extract_tb(exc.__traceback__)[-1]
            outcome.result = "crash"
            outcome.detail = (traceback.format_exc() if keep_traceback else
                              f"{type(exc).__name__}: {str(exc)[:200]} "
                              f"(at {Path(where.filename).name}:{where.lineno})")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            outcome.seconds = round(time.perf_counter() - started, 4)
    return outcome


def _work(args: tuple[int, int, float]) -> Outcome:
    return run_iteration(*args)


# ---------------------------------------------------------------- report


def report(outcomes: list[Outcome], seconds: float, seed: int, time_limit: float) -> dict:
    timed = [o.seconds for o in outcomes if o.sniffed]
    crashes = [o for o in outcomes if o.result == "crash"]
    timeouts = [o for o in outcomes if o.result == "timeout"]
    slowest = max(outcomes, key=lambda o: o.seconds)
    by_input: dict[str, Counter] = {}
    for o in outcomes:
        key = o.result.split(":")[0] if o.result.startswith("reader_error") else o.result
        by_input.setdefault(o.input, Counter())[key] += 1
    times_by_input = {name: [o.seconds for o in outcomes if o.input == name and o.sniffed]
                      for name in INPUTS}
    return {
        "seed": seed,
        "iterations": len(outcomes),
        "wall_seconds": round(seconds, 1),
        "time_limit_s": time_limit,
        "unhandled_exceptions": len(crashes),
        "timeouts": len(timeouts),
        "outcomes": dict(Counter(o.result for o in outcomes).most_common()),
        "outcomes_by_input": {k: dict(v) for k, v in sorted(by_input.items())},
        "seconds_per_read": {
            "median": round(statistics.median(timed), 4) if timed else None,
            "p99": round(sorted(timed)[int(0.99 * (len(timed) - 1))], 4) if timed else None,
            "max": slowest.seconds,
            "slowest_iteration": slowest.iteration,
            "slowest_input": slowest.input,
        },
        "median_seconds_by_input": {k: round(statistics.median(v), 4) if v else None
                                    for k, v in times_by_input.items()},
        "crashes": [asdict(o) for o in crashes[:50]],
        "timeouts_list": [asdict(o) for o in timeouts[:50]],
    }


def print_report(summary: dict) -> None:
    print(json.dumps({k: v for k, v in summary.items() if k not in ("crashes", "timeouts_list")},
                     indent=2, ensure_ascii=False))
    for o in summary["crashes"] + summary["timeouts_list"]:
        print(f"{o['result'].upper()} iteration {o['iteration']} ({o['input']}, {o['sniffed']}, "
              f"{', '.join(o['mutations'])}): {o['detail']}")
        print(f"  reproduce: .venv/bin/python benchmarks/fuzz_readers.py --seed "
              f"{summary['seed']} --reproduce {o['iteration']}")


# ---------------------------------------------------------------- seeds and main


def make_seeds() -> None:
    """Write the fuzz inputs: two pages of the sample PDF, the sample DOCX and web page."""
    import shutil

    import pypdfium2 as pdfium

    FUZZ.mkdir(parents=True, exist_ok=True)
    source = pdfium.PdfDocument(SAMPLES / "ptsm53-feuille-de-route.pdf")
    small = pdfium.PdfDocument.new()
    small.import_pages(source, PDF_PAGES)
    small.save(INPUTS["pdf"])
    shutil.copy(SAMPLES / INPUTS["docx"].name, INPUTS["docx"])
    shutil.copy(SAMPLES / INPUTS["html"].name, INPUTS["html"])
    for path in INPUTS.values():
        print(f"{path.stat().st_size:>8}  {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--time-limit", type=float, default=10.0,
                        help="seconds allowed per iteration (default 10)")
    parser.add_argument("--reproduce", type=int, metavar="ITERATION",
                        help="replay one iteration in this process and print its traceback")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--make-seeds", action="store_true", help="(re)write the inputs")
    args = parser.parse_args(argv)
    if args.make_seeds:
        make_seeds()
        return 0
    if args.reproduce is not None:
        outcome = run_iteration(args.seed, args.reproduce, args.time_limit, keep_traceback=True)
        print(json.dumps(asdict(outcome), indent=2, ensure_ascii=False))
        return int(outcome.result in ("crash", "timeout"))
    jobs = [(args.seed, i, args.time_limit) for i in range(args.iterations)]
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    with multiprocessing.get_context("fork").Pool(args.workers, maxtasksperchild=500) as pool:
        for n, outcome in enumerate(pool.imap_unordered(_work, jobs, chunksize=8), 1):
            outcomes.append(outcome)
            if n % 500 == 0:
                bad = sum(o.result in ("crash", "timeout") for o in outcomes)
                print(f"  {n}/{args.iterations} iterations, {bad} problems, "
                      f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    outcomes.sort(key=lambda o: o.iteration)
    summary = report(outcomes, time.perf_counter() - started, args.seed, args.time_limit)
    print_report(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return int(bool(summary["unhandled_exceptions"] or summary["timeouts"]))


if __name__ == "__main__":
    sys.exit(main())
