"""Small JSON state files of the raw store (fetch validators, watched pages), written
atomically: a reader sees the previous state or the new one, never half of one."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any


def load_state(path: Path) -> dict[str, Any]:
    """The state stored at `path`; empty when missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write `state` through a temporary file of its own, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{uuid.uuid4().hex[:8]}.part")
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
