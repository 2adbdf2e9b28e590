"""Export stored events: JSON lines (the contract), CSV (flat), Parquet and GDELT 2.0 TSV.

Every format is written by DuckDB `COPY` from one SQL query (`query.event_sql`, `record.record_sql`,
`gdelt.gdelt_sql`): no Python loop over the events, so memory stays flat at any store size. The file is
written under a temporary name in the target's folder and renamed when complete.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import duckdb

from polybius.gdelt import GDELT_COLUMNS, copy_gdelt, known_group
from polybius.query import EventFilter, event_sql
from polybius.record import record_sql
from polybius.store import EVENT_COLUMNS

FORMATS = ("jsonl", "csv", "parquet", "gdelt")
__all__ = ["FORMATS", "GDELT_COLUMNS", "ExportError", "export", "gdelt_id", "known_group", "write_csv"]


def gdelt_id(event_id: str) -> int:
    """GLOBALEVENTID: the first 60 bits of the event id's SHA-1 (what the SQL of gdelt.py computes)."""
    return int(hashlib.sha1(event_id.encode("utf-8")).hexdigest()[:15], 16)


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Flat rows as CSV to a text stream (`polybius events --format csv`), header first, one row at a time."""
    writer = csv.DictWriter(out, fieldnames=list(EVENT_COLUMNS), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        # booleans as DuckDB's COPY writes them (true/false), so both CSV paths give the same file
        writer.writerow({k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in row.items()})
        n += 1
    return n


def _copy(con: duckdb.DuckDBPyConnection, select: str, params: list[Any], path: Path, options: str) -> int:
    target = str(path).replace("'", "''")
    return con.execute(f"COPY ({select}) TO '{target}' ({options})", params).fetchone()[0]


class ExportError(ValueError):
    """An export refused before anything is written (it would overwrite the store or an existing file)."""


def store_paths(con: duckdb.DuckDBPyConnection) -> list[Path]:
    """The files of the open store (database and its write-ahead log), symlinks resolved."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal AND path IS NOT NULL").fetchall()
    out = []
    for (path,) in rows:
        db = Path(path).resolve()
        out += [db, db.with_name(db.name + ".wal")]
    return out


def check_target(con: duckdb.DuckDBPyConnection, path: Path, force: bool = False) -> Path:
    """The resolved output path, after refusing a path that is the store (in any form: relative, absolute,
    through a symlink), a folder, or an existing file without `force`."""
    resolved = path.resolve()
    for db in store_paths(con):
        same = resolved == db
        if not same and path.exists() and db.exists():
            same = path.samefile(db)
        if same:
            raise ExportError(f"refusing to export onto the store itself ({path} is {db})")
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name")
    if path.exists() and not force:
        raise ExportError(f"{path} exists; use --force to overwrite it")
    if not resolved.parent.is_dir():
        raise ExportError(f"folder {resolved.parent} does not exist")
    return resolved


def export(
    con: duckdb.DuckDBPyConnection,
    fmt: str,
    path: Path,
    f: EventFilter | None = None,
    force: bool = False,
    header: bool = False,
) -> int:
    """Write the events matching `f` to `path` in `fmt`. Returns the number of events written.

    The file is written under a temporary name in the same folder and renamed into place when complete, so a
    failed export leaves no partial file (and an existing file untouched). Refuses to write onto the store or,
    unless `force`, over an existing file. `header` adds a header row to the GDELT table (GDELT has none)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    f = f or EventFilter()
    target = check_target(con, Path(path), force)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        n = _write(con, fmt, tmp, f, header)
        if not force and target.exists():  # appeared while we were writing: still never overwrite
            raise ExportError(f"{path} exists; use --force to overwrite it")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _write(con: duckdb.DuckDBPyConnection, fmt: str, path: Path, f: EventFilter, header: bool = False) -> int:
    sql, params = event_sql(f)
    if fmt == "parquet":
        return _copy(con, sql, params, path, "FORMAT PARQUET")
    if fmt == "csv":
        return _copy(con, sql, params, path, "FORMAT CSV, HEADER true")
    if fmt == "jsonl":
        return _copy(con, f"SELECT {record_sql()} FROM ({sql})", params, path, "FORMAT JSON")
    return copy_gdelt(con, f, path, header=header)
