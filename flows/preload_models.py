"""Imported by the worker processes' fork server before any worker is forked from it: the
spaCy models and the extractors' patterns are loaded here once, and every worker process
starts with them (shared copy-on-write).

What is loaded is then frozen out of the garbage collector's reach (``gc.freeze``): the
models' ~500,000 objects live as long as the process, and a worker's collections no
longer walk them (nor write to their pages, which keeps them shared)."""

import gc

from pipeline.stages import warm_up

warm_up()
gc.freeze()
