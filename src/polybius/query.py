"""Query: the one read API over the store. The CLI (and later the HTTP API and dashboard) use only this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from polybius.store import EVENT_COLUMNS


@dataclass(frozen=True)
class EventFilter:
    source: str | None = None  # actor code prefix or ISO3 country ("RUS", "RUSGOV", "IGOUNO")
    target: str | None = None
    since: date | None = None
    until: date | None = None
    cameo: str | None = None  # code prefix: "04" (root), "042", "0421"
    quad_class: int | None = None
    doc_id: str | None = None
    min_confidence: float = 0.0
    limit: int | None = None


def _where(f: EventFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for side, value in (("source", f.source), ("target", f.target)):
        if value:
            clauses.append(f"({side}_country = ? OR starts_with({side}_code, ?))")
            params += [value.upper(), value.upper()]
    simple = (
        ("date >= ?", f.since),
        ("date <= ?", f.until),
        ("starts_with(cameo, ?)", f.cameo),
        ("quad_class = ?", f.quad_class),
        ("doc_id = ?", f.doc_id),
        ("confidence >= ?", f.min_confidence or None),
    )
    for sql, value in simple:
        if value is not None and value != "":
            clauses.append(sql)
            params.append(value)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def event_rows(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter()) -> list[dict[str, Any]]:
    """Flat rows (store columns), ordered by date, document, sentence."""
    where, params = _where(f)
    sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events{where} ORDER BY date NULLS LAST, doc_id, sentence_index, evidence_start, event_id"
    if f.limit:
        sql += f" LIMIT {int(f.limit)}"
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _actor(row: dict[str, Any], side: str) -> dict[str, Any] | None:
    if row[f"{side}_code"] is None:
        return None
    return {k: row[f"{side}_{k}"] for k in ("text", "code", "country", "sector", "name", "start", "end")}


def to_record(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row in the output contract's shape (schemas/event.schema.json)."""
    loc = None
    if row["location_name"] is not None:
        loc = {k: row[f"location_{k}"] for k in ("name", "country", "lat", "lon")}
    return {
        "event_id": row["event_id"],
        "doc_id": row["doc_id"],
        "sentence_index": row["sentence_index"],
        "sentence": row["sentence"],
        "source": _actor(row, "source"),
        "target": _actor(row, "target"),
        "cameo": row["cameo"],
        "cameo_root": row["cameo_root"],
        "quad_class": row["quad_class"],
        "goldstein": row["goldstein"],
        "plover": {"type": row["plover_type"], "mode": row["plover_mode"], "context": row["plover_context"]},
        "date": row["date"].isoformat() if row["date"] else None,
        "date_how": row["date_how"],
        "location": loc,
        "evidence": {
            "start": row["evidence_start"],
            "end": row["evidence_end"],
            "text": row["evidence_text"],
        },
        "confidence": round(row["confidence"], 3),
        "modality": row["modality"],
        "rule": row["rule"],
    }


def events(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter()) -> list[dict[str, Any]]:
    return [to_record(r) for r in event_rows(con, f)]


def documents(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id, source, kind, title, date, dateline, outlet, n_sentences, n_events FROM documents ORDER BY date NULLS LAST, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def summary(con: duckdb.DuckDBPyConnection, top: int = 8) -> dict[str, Any]:
    """Counts for the store: documents, sentences, events, errors, events by root and top dyads."""
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    by_root = con.execute("SELECT cameo_root, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    dyads = con.execute(
        "SELECT coalesce(source_country, source_code), coalesce(target_country, target_code, '-'), count(*) "
        "FROM events GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?",
        [top],
    ).fetchall()
    return {
        "documents": one("SELECT count(*) FROM documents"),
        "sentences": one("SELECT count(*) FROM sentences"),
        "events": one("SELECT count(*) FROM events"),
        "errors": one("SELECT count(*) FROM errors"),
        "by_root": by_root,
        "top_dyads": dyads,
        "quad_classes": con.execute(
            "SELECT quad_class, count(*) FROM events GROUP BY 1 ORDER BY 1"
        ).fetchall(),
    }


def errors(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None, str]]:
    return con.execute("SELECT source, doc_id, reason FROM errors ORDER BY source").fetchall()
