"""pipeline/dataset."""
