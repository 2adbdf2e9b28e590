"""Readers for plain text, HTML and JSON lines.

Every reader yields `RawDocument`s and, for input it cannot use, `DocumentError`s: a bad document never stops
the batch. Kind is taken from `--input` when given, else from the extension, then from the content.
"""

from __future__ import annotations

import codecs
import errno
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
MAX_ID_CHARS = 256  # a document id longer than this is refused (every event id carries it)
BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

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
            found: list[Path] = []
            for f in sorted(p.rglob("*")):
                if any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if f.is_symlink() and (problem := link_problem(f)):
                    yield DocumentError(str(f), problem)  # reported like any unreadable input
                elif f.is_file() and f.suffix.lower() in EXTENSIONS:
                    found.append(f)
            yield from (str(f) for f in found)
        elif glob.has_magic(spec):
            matches = sorted(m for m in glob.glob(spec, recursive=True) if os.path.isfile(m))
            if not matches:
                yield DocumentError(spec, "no file matches this pattern")
            yield from matches
        elif p.is_symlink() and (problem := link_problem(p)):
            yield DocumentError(spec, problem)
        else:
            yield DocumentError(spec, "no such file or folder")


def link_problem(link: Path) -> str | None:
    """Why a symbolic link cannot be read (a loop, a missing target), or None when it can."""
    try:
        link.resolve(strict=True)
    except RuntimeError:
        return "cannot read: symbolic link loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "cannot read: symbolic link loop"
        return f"cannot read: broken symbolic link ({exc.strerror or exc})"
    return None


def bom_encoding(data: bytes) -> str | None:
    return next((enc for bom, enc in BOMS if data.startswith(bom)), None)


def looks_binary(data: bytes) -> bool:
    """NUL or control bytes in the first 8 KB (after a byte-order mark, UTF-16/32 text is not binary)."""
    if bom_encoding(data) in ("utf-16", "utf-32"):
        return False
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and control / len(head) > 0.05


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes: by their byte-order mark (UTF-8/16/32), else as UTF-8, else as plausible cp1252 Western text,
    else by charset detection (charset-normalizer) for other legacy encodings. Raises ValueError."""
    declared = bom_encoding(data)
    if declared is not None:
        try:
            return data.decode(declared), declared.removesuffix("-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"undecodable bytes: invalid {declared} after its byte-order mark ({exc.reason})") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    text = data.decode("cp1252", errors="replace")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if text and non_ascii / len(text) < 0.05 and "\ufffd" not in text:
        return text, "cp1252"
    detected = detect_charset(data)
    if detected is not None:
        return detected
    raise ValueError(
        f"undecodable bytes: not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
        "and not plausible cp1252 text"
    )


def detect_charset(data: bytes) -> tuple[str, str] | None:
    """A legacy encoding found by charset-normalizer, when its reading is clean text (few odd characters)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding in ("utf_8", "ascii") or best.chaos > 0.1:
        return None
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    letters = sum(ch.isalpha() for ch in text)
    return (text, best.encoding) if text and letters / len(text) > 0.5 else None


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
    if "\x00" in text:  # past the first 8 KB, or inside UTF-16/32: not text, and never stored
        yield DocumentError(source, f"binary content, not text (NUL at character {text.index(chr(0)):,})")
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
        if doc_id is not None and (len(doc_id) > MAX_ID_CHARS or not doc_id.strip()):
            why = f"is {len(doc_id):,} characters (limit {MAX_ID_CHARS})" if doc_id.strip() else "is blank"
            yield DocumentError(where, f'"id" {why}; every event id carries it')
            continue
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
        if "\x00" in body:
            yield DocumentError(where, f'"{key}" holds a NUL character: binary content, not text', doc_id)
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


def count_documents(paths: Iterable[str], kind: str = "auto") -> int | None:
    """How many documents (or per-document errors) `read_paths` will give, counted without decoding: a file is
    one, a JSON lines file one per line break (a last line without one counts too), an error one; None when
    standard input is among the paths (its length is not known before it is read). For progress totals."""
    total = 0
    for path in discover(paths):
        if isinstance(path, DocumentError):
            total += 1
            continue
        if path == "-":
            return None
        try:
            total += _count_file(Path(path), kind)
        except OSError:
            total += 1  # read_paths reports it as one error
    return total


def _count_file(path: Path, kind: str) -> int:
    this = kind
    if kind == "auto":
        this = EXTENSIONS.get(path.suffix.lower()) or "text"
        if this == "text":
            with path.open("rb") as f:
                head = f.read(SNIFF_BYTES)
            if not looks_binary(head) and sniff_kind(head.decode("utf-8", "replace")) == "jsonl":
                this = "jsonl"
    if this != "jsonl":
        return 1
    lines, last = 0, b""
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
            last = block
    return max(1, lines + (0 if not last or last.endswith(b"\n") else 1))


def read_date_hints(path: Path) -> dict[tuple[str, str | None], str]:
    """A table of default publication dates (`file<TAB>YYYY-MM-DD` lines, `#` comments; a JSON line is named
    `file#id`), file names relative to the table's folder: {(resolved file path, JSON line id or None): date}.
    `polybius demo` reads the samples' `dates.tsv` with it."""
    hints: dict[tuple[str, str | None], str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, day = line.partition("\t")
        if not sep:
            raise ValueError(f"{path}:{lineno}: expected 'file<TAB>YYYY-MM-DD'")
        file, _, doc_id = name.strip().partition("#")
        hints[(str((path.parent / file).resolve()), doc_id or None)] = date_text(day.strip(), f"{path}:{lineno}")
    return hints


def date_text(value: str, where: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from None


def with_date_hints(items: Iterable[Item], hints: dict[tuple[str, str | None], str]) -> Iterator[Item]:
    """The documents, each with its hinted default date (`read_date_hints`) when the table names it."""
    from dataclasses import replace

    for item in items:
        if isinstance(item, RawDocument) and hints:
            file, sep, line = item.source.rpartition(":")
            key = (str(Path(file).resolve()), item.id) if sep and line.isdigit() else (str(Path(item.source).resolve()), None)
            day = hints.get(key)
            if day is not None:
                item = replace(item, default_date=day)
        yield item
