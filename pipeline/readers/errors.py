"""The one exception readers raise for an input they cannot read at all."""

from __future__ import annotations


class ReaderError(Exception):
    """An unreadable input: the caller turns it into a quarantine row.

    `error_type` is a short machine-readable reason, e.g. "pdf_syntax", "encrypted",
    "too_many_pages", "empty_file", "no_pages", "unsupported_type".
    """

    def __init__(self, message: str, error_type: str = "reader_error") -> None:
        super().__init__(message)
        self.error_type = error_type
