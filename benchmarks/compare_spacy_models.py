"""Compare spaCy French models for the entities extractor: speed and NER quality.

    .venv/bin/python benchmarks/compare_spacy_models.py [--repeat 20] [--models a,b]

Speed: tokens/s of ``nlp.pipe`` (NER only, institutions ruler included) over the seed texts
(tests/fixtures/text, one block per line), repeated ``--repeat`` times; and of the whole
governance pass (entities + events + facts) per document. Quality: share of the gold
organisations (tests/fixtures/gold/governance.json) found as an ORG entity, with the ruler
and with the statistical NER alone. Models that are not installed are skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from governance_helpers import SEEDS, governance_gold, seed_document  # noqa: E402

from extractors.entities import (  # noqa: E402
    EntitySettings,
    entity_disabled,
    entity_pipeline,
    extract_entities,
)
from extractors.events import extract_events  # noqa: E402
from extractors.facts import extract_facts  # noqa: E402
from extractors.nlp import load_model  # noqa: E402


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _core(name: str) -> str:
    """'Caisse Primaire d'Assurance Maladie (CPAM)' → 'caisse primaire d'assurance maladie'."""
    return _fold(name.split("(")[0]).strip()


def org_recall(nlp, gold: dict) -> dict:
    found, total, missed = 0, 0, []
    for doc_gold in gold["documents"]:
        orgs = doc_gold.get("organisations", [])
        if not orgs:
            continue
        doc = seed_document(SEEDS[doc_gold["seed"]])
        texts = (b.text.replace("’", "'") for b in doc.blocks)
        ents = [_fold(e.text) for parsed in nlp.pipe(texts, disable=entity_disabled(nlp))
                for e in parsed.ents if e.label_ == "ORG"]
        for org in orgs:
            total += 1
            core = _core(org)
            if any(core in e or (len(e) > 3 and e in core) for e in ents):
                found += 1
            else:
                missed.append(org)
    return {"found": found, "total": total, "recall": found / total if total else 0.0,
            "missed": missed}


def speed(model: str, repeat: int) -> dict:
    nlp = entity_pipeline(model)
    docs = [seed_document(name) for name in SEEDS.values()]
    texts = [b.text for d in docs for b in d.blocks] * repeat
    n_tokens = sum(len(d) for d in nlp.tokenizer.pipe(texts))
    disable = entity_disabled(nlp)
    list(nlp.pipe(texts[:200], disable=disable))  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=EntitySettings().batch_size, disable=disable):
        pass
    ner_wall, ner_cpu = time.perf_counter() - t0, time.process_time() - c0
    settings = EntitySettings(model=model)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(repeat):
        for doc in docs:
            extract_entities(doc, settings)
            extract_events(doc)
            extract_facts(doc)
    full_wall, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"tokens": n_tokens,
            "ner_all_blocks_tokens_per_s": {"wall": n_tokens / ner_wall, "cpu": n_tokens / ner_cpu},
            "entities_events_facts_tokens_per_s": {"wall": n_tokens / full_wall,
                                                   "cpu": n_tokens / full_cpu},
            "load_average": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--models", default="fr_core_news_sm,fr_core_news_md")
    args = parser.parse_args(argv)
    gold = governance_gold()
    results = {}
    for model in args.models.split(","):
        if importlib.util.find_spec(model) is None:
            print(f"{model}: not installed, skipped", file=sys.stderr)
            continue
        load_model.cache_clear()
        bare = load_model(model, ("ner",))  # statistical NER alone
        ner_only = org_recall(bare, gold)
        load_model.cache_clear()
        results[model] = {
            "org_recall_with_ruler": org_recall(entity_pipeline(model), gold),
            "org_recall_ner_only": ner_only,
            **speed(model, args.repeat),
        }
    print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
