"""Readers for plain text, HTML and JSON lines.

Every reader yields `RawDocument`s and, for input it cannot use, `DocumentError`s: a bad document never stops
the batch. Kind is taken from `--input` when given, else from the extension, then from the content.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from polybius.models import DocumentError, RawDocument

KINDS = ("auto", "text", "html", "jsonl")
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".htm": "html",
    ".html": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
SNIFF_BYTES = 8192

Item = RawDocument | DocumentError


def content_id(data: bytes) -> str:
    """A stable id from the content: the same bytes always give the same id."""
    return hashlib.sha1(data).hexdigest()[:16]


def discover(paths: Iterable[str]) -> Iterator[str | DocumentError]:
    """Expand files, folders (recursive, known extensions only) and globs into file paths, in sorted order."""
    for spec in paths:
        if spec == "-":
            yield "-"
            continue
        p = Path(spec)
        if p.is_file():
            yield str(p)
        elif p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and (f.suffix.lower() in EXTENSIONS)
            )
            yield from (str(f) for f in found)
        elif glob.has_magic(spec):
            matches = sorted(m for m in glob.glob(spec, recursive=True) if os.path.isfile(m))
            if not matches:
                yield DocumentError(spec, "no file matches this pattern")
            yield from matches
        else:
            yield DocumentError(spec, "no such file or folder")


def looks_binary(data: bytes) -> bool:
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and control / len(head) > 0.05


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, falling back to cp1252 for plausible Western text. Raises ValueError."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    text = data.decode("cp1252", errors="replace")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if text and non_ascii / len(text) < 0.05 and "\ufffd" not in text:
        return text, "cp1252"
    raise ValueError(
        f"undecodable bytes: not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
        "and not plausible cp1252 text"
    )


def sniff_kind(text: str) -> str:
    head = text.lstrip()[:2048].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head or "<p>" in head:
        return "html"
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if lines and all(ln.lstrip().startswith("{") for ln in lines):
        return "jsonl"
    return "text"


def read_bytes(data: bytes, source: str, kind: str = "auto", first_line: int = 1) -> Iterator[Item]:
    """Turn the bytes of one file (or stdin) into documents. `first_line`: the line number of the first line
    of `data` when it is a slice of a JSON lines file (the distributed runner cuts big files at line ends)."""
    if kind not in KINDS:
        raise ValueError(f"unknown input kind {kind!r}; choose one of {', '.join(KINDS)}")
    if not data.strip():
        yield DocumentError(source, "empty document (no text)")
        return
    if looks_binary(data):
        yield DocumentError(source, "binary content, not text (NUL or control bytes)")
        return
    try:
        text, _encoding = decode(data)
    except ValueError as exc:
        yield DocumentError(source, str(exc))
        return
    if kind == "auto":
        by_extension = EXTENSIONS.get(Path(source).suffix.lower())
        kind = by_extension if by_extension in ("html", "jsonl") else sniff_kind(text)
    if kind == "jsonl":
        yield from read_jsonl(text, source, first_line)
    else:
        yield RawDocument(id=content_id(data), kind=kind, content=text, source=source)


def read_jsonl(text: str, source: str, first_line: int = 1) -> Iterator[Item]:
    for lineno, line in enumerate(text.splitlines(), start=first_line):
        if not line.strip():
            continue
        where = f"{source}:{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield DocumentError(where, f"invalid JSON line ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(rec, dict):
            yield DocumentError(where, "JSON line is not an object")
            continue
        doc_id = rec.get("id")
        doc_id = None if doc_id is None else str(doc_id)
        keys = [k for k in ("html", "text") if rec.get(k) is not None]
        if not keys:
            yield DocumentError(where, 'JSON line needs a "text" or "html" string', doc_id)
            continue
        key = keys[0]
        body, kind = rec[key], key
        if not isinstance(body, str):
            yield DocumentError(where, f'"{key}" must be a string', doc_id)
            continue
        if not body.strip():
            yield DocumentError(where, f'empty "{key}"', doc_id)
            continue
        meta = {k: rec.get(k) for k in ("title", "date", "url")}
        bad = [k for k, v in meta.items() if v is not None and not isinstance(v, str)]
        if bad:
            yield DocumentError(where, f'"{bad[0]}" must be a string', doc_id)
            continue
        yield RawDocument(
            id=doc_id or content_id(body.encode("utf-8")),
            kind=kind,
            content=body,
            source=where,
            title=meta["title"],
            date=meta["date"],
            url=meta["url"],
        )


def read_stream(stream: BinaryIO, kind: str = "auto") -> Iterator[Item]:
    yield from read_bytes(stream.read(), "<stdin>", kind)


def read_paths(paths: Iterable[str], kind: str = "auto", stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Read every document named by `paths` (files, folders, globs, "-")."""
    for path in discover(paths):
        if isinstance(path, DocumentError):
            yield path
            continue
        if path == "-":
            if stdin is None:
                yield DocumentError("<stdin>", "standard input is not available")
            else:
                yield from read_stream(stdin, kind)
            continue
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            yield DocumentError(path, f"cannot read file: {exc.strerror or exc}")
            continue
        yield from read_bytes(data, path, kind)
