"""What event extraction costs next to the NER, on one core.

Usage::

    .venv/bin/python benchmarks/bench_events.py [FILE_OR_FOLDER ...] [--runs 3]

Reads the documents (default: the shipped samples and the four seed texts), then times,
``--runs`` times each (median kept; the machine may be shared, so compare the ratios):
the NER (``extract_entities``), event extraction as the pipeline runs it (only sentences
holding a trigger's words and what it needs are parsed), and event extraction parsing every
sentence (what enabling the parser, lemmatizer and morphologizer on all text would cost).
Tokens are spaCy tokens of the block texts (tokenizer only, not timed). Models are loaded
before timing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_INPUTS = [ROOT / "data" / "raw" / "samples", ROOT / "tests" / "fixtures" / "text"]


def read_all(inputs: list[Path]) -> list[Any]:
    from pipeline.ingest.sniff import sniff_media_type
    from pipeline.readers import read_document

    files = [p for i in inputs for p in (sorted(i.iterdir()) if i.is_dir() else [i])
             if p.is_file() and p.suffix.lower() in (".pdf", ".docx", ".html", ".txt")]
    docs = []
    for path in files:
        media = sniff_media_type(path.read_bytes()) or "text/plain"
        docs.append(read_document(path, media, source_uri=str(path), doc_id=path.stem))
    return docs


def median_seconds(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path, default=DEFAULT_INPUTS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from extractors.entities import entity_pipeline, extract_entities
    from extractors.event_lexicon import ObjectFinder, load_lexicon
    from extractors.events import EventSettings, extract_events, warm_up_events, worth_parsing
    from extractors.nlp import iter_sentences

    docs = read_all(args.inputs)
    nlp = entity_pipeline()
    warm_up_events()
    tokens = sum(len(nlp.tokenizer(b.text or "")) for d in docs for b in d.blocks)
    sentences = [s for d in docs for _, s in iter_sentences(d.blocks)]
    lexicon = load_lexicon()
    finder = ObjectFinder(lexicon)
    parsed = sum(1 for s in sentences if worth_parsing(s, lexicon, finder))
    every = EventSettings(prefilter=False)

    ner = median_seconds(lambda: [extract_entities(d) for d in docs], args.runs)
    events = median_seconds(lambda: [extract_events(d) for d in docs], args.runs)
    events_all = median_seconds(lambda: [extract_events(d, every) for d in docs], args.runs)

    print(f"{len(docs)} documents, {tokens:,} tokens, {len(sentences):,} sentences "
          f"({parsed:,} parsed by the event rules, {parsed / max(1, len(sentences)):.0%}); "
          f"median of {args.runs} runs")
    print(f"{'stage':<42}{'seconds':>9}{'tokens/s':>11}{'× NER':>7}")
    rows = [("NER", ner), ("events (sentences that could state one)", events),
            ("NER + events", ner + events),
            ("events, every sentence parsed", events_all),
            ("NER + events, every sentence parsed", ner + events_all)]
    for name, seconds in rows:
        print(f"{name:<42}{seconds:>9.2f}{tokens / seconds:>11,.0f}{seconds / ner:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
