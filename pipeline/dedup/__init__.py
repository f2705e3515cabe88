"""pipeline/dedup."""
