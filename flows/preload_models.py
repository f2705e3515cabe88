"""Imported by the worker processes' fork server before any worker is forked from it: the
spaCy models and the extractors' patterns are loaded here once, and every worker process
starts with them (shared copy-on-write)."""

from pipeline.stages import warm_up

warm_up()
