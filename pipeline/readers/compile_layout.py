"""Compile the PDF layout modules with mypyc when this machine can (see
:mod:`pipeline.readers.compiled`): ``python -m pipeline.readers.compile_layout``."""

from __future__ import annotations

import os
import sys

from pipeline.readers import compiled


def main() -> int:
    """Build when possible and say what the reader will use; 0 unless a build failed."""
    if os.environ.get("PTSM_COMPILED") == "0":
        print("compiled layout modules: off (PTSM_COMPILED=0)")
        return 0
    reason = compiled.cannot_build()
    if reason is not None:
        print(f"compiled layout modules: not built ({reason}); the Python modules are used")
        return 0
    if not (compiled.build_folder() / compiled.DONE).exists():
        print("compiling the PDF layout modules with mypyc (once per change of their sources, "
              "about a minute)…", flush=True)
    try:
        folder = compiled.build()
    except compiled.BuildError as exc:
        print(f"compiled layout modules: build failed, the Python modules are used\n{exc}",
              file=sys.stderr)
        return 1
    print(f"compiled layout modules: ready in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
