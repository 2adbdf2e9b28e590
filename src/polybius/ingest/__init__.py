"""Ingest: find documents in files, folders, globs and stdin, and read them into RawDocuments."""

from polybius.ingest.readers import (
    KINDS,
    discover,
    read_bytes,
    read_paths,
    read_stream,
)

__all__ = ["KINDS", "discover", "read_bytes", "read_paths", "read_stream"]
