"""Reading with the mypyc-compiled layout modules against the Python ones.

Usage::

    .venv/bin/python benchmarks/compiled_layout.py --corpus /tmp/ptsm-bench [--rounds 3]
        [--instructions 4]

Each round reads every PDF of the corpus with ``read_pdf`` (one warm-up document first) in
a fresh process with the compiled modules, then in one with ``PTSM_COMPILED=0``, so that
both see the same moments of a shared machine; the table gives the CPU seconds per pass
(median and quickest), pages per CPU second and the ratio. ``--instructions N`` also
counts the instructions per page of reading N of the PDFs under valgrind (cachegrind), a
figure the machine's load does not move (minus the same process reading nothing).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

READ = """
import sys, time
from pathlib import Path
from pipeline.readers import compiled
from pipeline.readers.pdf import read_pdf
pdfs = sorted(Path(sys.argv[1]).rglob("*.pdf"))[: int(sys.argv[2]) or None]
read_pdf(pdfs[0], source_uri="warm-up", doc_id="warm-up")
start, pages = time.process_time(), 0
for path in pdfs[1:] if sys.argv[2] != "0" else pdfs:
    pages += read_pdf(path, source_uri=str(path), doc_id="x").n_pages
print(compiled.in_use(), pages, time.process_time() - start)
"""


def _env(compiled: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    if not compiled:
        env["PTSM_COMPILED"] = "0"
    return env


def one_pass(corpus: Path, compiled: bool) -> tuple[bool, int, float]:
    """(compiled modules in use, pages read, CPU seconds) of one pass in a fresh process."""
    out = subprocess.run([sys.executable, "-c", READ, str(corpus), "0"], env=_env(compiled),
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1]), float(out[2])


def instructions(corpus: Path, n_pdfs: int, compiled: bool) -> float:
    """Instructions per page of reading `n_pdfs` PDFs (after the warm-up one), valgrind."""
    def count(n: int) -> tuple[int, int]:
        with tempfile.NamedTemporaryFile() as out:
            done = subprocess.run(
                ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                 f"--cachegrind-out-file={out.name}", sys.executable, "-c", READ, str(corpus),
                 str(n)], env=_env(compiled), capture_output=True, text=True, check=True)
        refs = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        assert refs is not None, done.stderr[-500:]
        return int(refs.group(1).replace(",", "")), int(done.stdout.split()[1])
    base, _ = count(1)  # the warm-up document alone (imports, first use)
    total, pages = count(n_pdfs + 1)
    return (total - base) / pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/ptsm-bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instructions", type=int, default=0, metavar="N_PDFS")
    args = parser.parse_args(argv)
    if not any(args.corpus.rglob("*.pdf")):
        parser.error(f"no PDF under {args.corpus} (benchmarks/gen_corpus.py makes a corpus)")
    runs: dict[bool, list[float]] = {True: [], False: []}
    pages = 0
    for r in range(args.rounds):
        for compiled in (True, False):
            in_use, pages, cpu = one_pass(args.corpus, compiled)
            if in_use != compiled:
                parser.error("the compiled modules are not built for these sources: "
                             "run `python -m pipeline.readers.compile_layout`")
            runs[compiled].append(cpu)
            print(f"round {r + 1}: {'compiled' if compiled else 'python  '} {cpu:6.2f} CPU-s "
                  f"({pages / cpu:.0f} pages/CPU-s)", file=sys.stderr, flush=True)
    print(f"\n{pages} pages, {args.rounds} rounds\n")
    print("| modules | median CPU-s | pages/CPU-s (median) | quickest CPU-s | pages/CPU-s |")
    print("|---|---:|---:|---:|---:|")
    for compiled in (True, False):
        med, best = statistics.median(runs[compiled]), min(runs[compiled])
        print(f"| {'compiled' if compiled else 'python'} | {med:.2f} | {pages / med:.0f} | "
              f"{best:.2f} | {pages / best:.0f} |")
    ratio = statistics.median(runs[True]) / statistics.median(runs[False])
    print(f"\ncompiled / python (medians): {ratio:.2f}")
    if args.instructions:
        if shutil.which("valgrind") is None:
            print("instructions: valgrind is not installed (apt-get install valgrind)")
            return 0
        per_page = {c: instructions(args.corpus, args.instructions, c) for c in (True, False)}
        print(f"instructions per page ({args.instructions} PDFs): compiled "
              f"{per_page[True] / 1e6:.2f} M, python {per_page[False] / 1e6:.2f} M, "
              f"ratio {per_page[True] / per_page[False]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
