"""Export stored events: JSON lines (the contract), CSV (flat), Parquet (DuckDB COPY) and GDELT 2.0-style TSV."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import duckdb

from polybius.actors.kb import NON_STATE
from polybius.query import EventFilter, _where, event_rows, to_record
from polybius.store import EVENT_COLUMNS

FORMATS = ("jsonl", "csv", "parquet", "gdelt")
GDELT_COLUMNS = tuple(
    (Path(__file__).resolve().parent / "data" / "gdelt_columns.txt").read_text(encoding="utf-8").split()
)
GEO_TYPES = {"country": 1, "adm1": 5, "region": 5, "city": 4}


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(to_record(row), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=list(EVENT_COLUMNS), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n


def gdelt_id(event_id: str) -> int:
    return int(hashlib.sha1(event_id.encode("utf-8")).hexdigest()[:15], 16)


def known_group(code: str | None) -> str:
    return code[3:6] if code and code[:3] in NON_STATE else ""


def gdelt_row(row: dict[str, Any], doc: dict[str, Any]) -> list[Any]:
    """One event as GDELT 2.0's 61 columns; fields polybius has no counterpart for are left empty."""
    d: date | None = row["date"]
    rec: dict[str, Any] = dict.fromkeys(GDELT_COLUMNS, "")
    rec["GLOBALEVENTID"] = gdelt_id(row["event_id"])
    if d:
        rec["SQLDATE"] = d.strftime("%Y%m%d")
        rec["MonthYear"] = d.strftime("%Y%m")
        rec["Year"] = d.year
        rec["FractionDate"] = f"{d.year + (d.timetuple().tm_yday - 1) / 365:.4f}"
    for n, side in (("1", "source"), ("2", "target")):
        if row[f"{side}_code"] is None:
            continue
        rec[f"Actor{n}Code"] = row[f"{side}_code"]
        rec[f"Actor{n}Name"] = (row[f"{side}_name"] or "").upper()
        rec[f"Actor{n}CountryCode"] = (
            row[f"{side}_country"] if row[f"{side}_country"] not in NON_STATE else ""
        )
        rec[f"Actor{n}KnownGroupCode"] = known_group(row[f"{side}_code"])
        rec[f"Actor{n}Type1Code"] = row[f"{side}_sector"] or ""
    rec["IsRootEvent"] = 1 if row["sentence_index"] == 0 else 0
    rec["EventCode"] = row["cameo"]
    rec["EventBaseCode"] = row["cameo"][:3]
    rec["EventRootCode"] = row["cameo_root"]
    rec["QuadClass"] = row["quad_class"]
    rec["GoldsteinScale"] = row["goldstein"]
    rec["NumMentions"] = rec["NumSources"] = rec["NumArticles"] = 1
    if row["location_name"] is not None:
        rec["ActionGeo_Type"] = GEO_TYPES.get(row["location_feature"] or "", 4)
        rec["ActionGeo_FullName"] = row["location_name"]
        rec["ActionGeo_CountryCode"] = row["location_country"] or ""
        rec["ActionGeo_Lat"] = row["location_lat"] if row["location_lat"] is not None else ""
        rec["ActionGeo_Long"] = row["location_lon"] if row["location_lon"] is not None else ""
    added: datetime | None = doc.get("ingested_at")
    rec["DATEADDED"] = added.strftime("%Y%m%d%H%M%S") if added else ""
    rec["SOURCEURL"] = doc.get("url") or doc.get("source") or ""
    return [rec[c] for c in GDELT_COLUMNS]


def write_gdelt(con: duckdb.DuckDBPyConnection, rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    docs = {
        r[0]: {"url": r[1], "source": r[2], "ingested_at": r[3]}
        for r in con.execute("SELECT id, url, source, ingested_at FROM documents").fetchall()
    }
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(GDELT_COLUMNS)
    n = 0
    for row in rows:
        writer.writerow(gdelt_row(row, docs.get(row["doc_id"], {})))
        n += 1
    return n


def write_parquet(con: duckdb.DuckDBPyConnection, f: EventFilter, path: Path) -> int:
    where, params = _where(f)
    target = str(path).replace("'", "''")
    con.execute(
        f"COPY (SELECT {', '.join(EVENT_COLUMNS)} FROM events{where} "
        f"ORDER BY date NULLS LAST, doc_id, sentence_index, evidence_start, event_id) "
        f"TO '{target}' (FORMAT PARQUET)",
        params,
    )
    return con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]


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
    con: duckdb.DuckDBPyConnection, fmt: str, path: Path, f: EventFilter | None = None, force: bool = False
) -> int:
    """Write the events matching `f` to `path` in `fmt`. Returns the number of events written.

    The file is written under a temporary name in the same folder and renamed into place when complete, so a
    failed export leaves no partial file (and an existing file untouched). Refuses to write onto the store or,
    unless `force`, over an existing file."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    f = f or EventFilter()
    target = check_target(con, Path(path), force)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        n = _write(con, fmt, tmp, f)
        if not force and target.exists():  # appeared while we were writing: still never overwrite
            raise ExportError(f"{path} exists; use --force to overwrite it")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _write(con: duckdb.DuckDBPyConnection, fmt: str, path: Path, f: EventFilter) -> int:
    if fmt == "parquet":
        return write_parquet(con, f, path)
    rows = event_rows(con, f)
    with path.open("w", encoding="utf-8", newline="") as out:
        if fmt == "jsonl":
            return write_jsonl(rows, out)
        if fmt == "csv":
            return write_csv(rows, out)
        return write_gdelt(con, rows, out)
