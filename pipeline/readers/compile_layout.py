"""Compile the PDF layout modules with mypyc when this machine can.

``python -m pipeline.readers.compile_layout [--retry]`` (``make compiled``; see
:mod:`pipeline.readers.compiled`)."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.readers import compiled


def main(argv: list[str] | None = None) -> int:
    """Build when possible and say what the reader will use; 0 unless a build failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retry", action="store_true",
                        help="build again sources whose build failed before")
    args = parser.parse_args(argv)
    if os.environ.get("PTSM_COMPILED") == "0":
        print("compiled layout modules: off (PTSM_COMPILED=0)")
        return 0
    reason = compiled.cannot_build()
    if reason is not None:
        print(f"compiled layout modules: not built ({reason}); the Python modules are used")
        return 0
    try:
        failed = compiled.failed_marker()
        if failed.exists() and not args.retry:
            print(f"compiled layout modules: the build of these sources failed before ({failed}"
                  "); the Python modules are used (--retry builds again)", file=sys.stderr)
            return 1
        if not (compiled.build_folder() / compiled.DONE).exists():
            print("compiling the PDF layout modules with mypyc (once per change of their "
                  "sources, about a minute)…", flush=True)
        folder = compiled.build()
    except (compiled.BuildError, OSError, RuntimeError) as exc:
        print(f"compiled layout modules: not built, the Python modules are used\n{exc}",
              file=sys.stderr)
        return 1
    print(f"compiled layout modules: ready in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
