"""The layout shows the flow: no module imports from a package above its own floor."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schemas", "extractors", "pipeline", "flows", "evaluation")

# Lowest first; a module may import from its own floor and the floors below it.
FLOORS: list[tuple[str, ...]] = [
    ("schemas",),
    ("extractors",),
    ("pipeline.config", "pipeline.ingest", "pipeline.readers"),
    ("pipeline.stages", "pipeline.dedup"),
    ("pipeline.dataset",),
    ("pipeline.analytics",),
    ("flows", "evaluation"),
    ("pipeline.cli",),
]


def floor_of(module: str) -> int:
    matches = [(len(prefix), level) for level, prefixes in enumerate(FLOORS)
               for prefix in prefixes if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} has no floor: add its package to FLOORS"
    return max(matches)[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in PACKAGES}


def _project_modules() -> list[Path]:
    return [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]


def test_no_module_imports_from_a_floor_above_it() -> None:
    upward = []
    for path in _project_modules():
        name = module_name(path)
        if name in ("pipeline", "extractors", "schemas", "flows", "evaluation"):
            continue  # package docstrings only
        own = floor_of(name)
        for target in imported(ast.parse(path.read_text(encoding="utf-8"))):
            if target in PACKAGES:
                continue
            if floor_of(target) > own:
                upward.append(f"{name} (floor {own}) imports {target} "
                              f"(floor {floor_of(target)})")
    assert upward == []


def test_every_module_has_a_floor() -> None:
    for path in _project_modules():
        name = module_name(path)
        if name not in PACKAGES:
            floor_of(name)


def test_only_the_code_that_makes_rows_is_fingerprinted() -> None:
    """Editing the report, exports, evaluation, the CLI or the flow's orchestration keeps
    cached documents and the nothing-changed fast path: they are not in the fingerprint."""
    from pipeline.config import DATASET_CODE, DOCUMENT_CODE, _fingerprinted_files

    dataset = {p.relative_to(ROOT).as_posix() for p in _fingerprinted_files(ROOT, DATASET_CODE)}
    document = {p.relative_to(ROOT).as_posix()
                for p in _fingerprinted_files(ROOT, DOCUMENT_CODE)}
    assert document <= dataset
    for path in ("pipeline/analytics/report.py", "pipeline/analytics/export.py",
                 "pipeline/analytics/dictionary.py", "pipeline/cli.py", "flows/run_flow.py",
                 "evaluation/evaluate.py", "README.md"):
        assert path not in dataset, path
    for path in ("extractors/fiches.py", "pipeline/readers/pdf.py", "schemas/tables.py"):
        assert path in document, path
    assert "pipeline/dedup/passages.py" in dataset - document
