"""pipeline/analytics."""
