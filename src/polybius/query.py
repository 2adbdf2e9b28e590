"""Query: the one read API over the store. The CLI (and later the HTTP API and dashboard) use only this."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from polybius.link import aggregate as agg
from polybius.record import record_from_flat
from polybius.store import EVENT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd


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
    root: str | None = None  # CAMEO root, two digits ("19")
    plover: str | None = None  # PLOVER type ("ASSAULT")
    country: str | None = None  # ISO3 of the event's location
    current: bool = False  # True: no background events (acts recalled as the time or cause of the news)


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
        ("cameo_root = ?", f.root),
        ("plover_type = ?", f.plover.upper() if f.plover else None),
        ("location_country = ?", f.country.upper() if f.country else None),
    )
    for sql, value in simple:
        if value is not None and value != "":
            clauses.append(sql)
            params.append(value)
    if f.current:
        clauses.append("NOT coalesce(background, false)")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


EVENT_ORDER = "date NULLS LAST, doc_id, sentence_index, evidence_start, event_id"


def event_sql(f: EventFilter = EventFilter(), columns: Sequence[str] = EVENT_COLUMNS) -> tuple[str, list[Any]]:
    """The SELECT (and its parameters) of the events matching `f`, in the one order every reader uses: by
    date, document, sentence. Exports wrap it in DuckDB COPY; readers stream it."""
    where, params = _where(f)
    sql = f"SELECT {', '.join(columns)} FROM events{where} ORDER BY {EVENT_ORDER}"
    if f.limit:
        sql += f" LIMIT {int(f.limit)}"
    return sql, params


def iter_event_rows(
    con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), chunk: int = 2048
) -> Iterator[dict[str, Any]]:
    """The flat rows of `event_rows`, fetched `chunk` at a time: memory stays flat at any store size."""
    sql, params = event_sql(f)
    cur = con.cursor()  # its own cursor: the caller may query `con` while this runs
    try:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        while rows := cur.fetchmany(chunk):
            for row in rows:
                yield dict(zip(names, row, strict=True))
    finally:
        cur.close()


def event_rows(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter()) -> list[dict[str, Any]]:
    """Flat rows (store columns), ordered by date, document, sentence."""
    sql, params = event_sql(f)
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def event_frame(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter()) -> pd.DataFrame:
    """The flat rows as a pandas DataFrame (DuckDB's types: nullable integers, datetime64 dates)."""
    sql, params = event_sql(f)
    return con.execute(sql, params).df()


def to_record(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row in the output contract's shape (polybius.record.EventRecord)."""
    return record_from_flat(row)


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


# -- pages, aggregates and documents for the HTTP API and dashboard (and any other caller) ----------------
MAX_PAGE = 1000  # the most events one page may hold
INTERVALS = ("day", "week", "month")
COARSER = {"day": ("week", "month", "year"), "week": ("month", "year"), "month": ("year",)}  # date_precision
# sort name -> the leading sort key (column, descending?); events without a date sort last either way
SORTS: dict[str, tuple[str, bool]] = {
    "date": ("date", False),
    "-date": ("date", True),
    "confidence": ("confidence", False),
    "-confidence": ("confidence", True),
}
TIEBREAK = ("doc_id", "sentence_index", "evidence_start", "event_id")  # event_id is unique: the order is total


@dataclass(frozen=True)
class EventPage:
    events: list[dict[str, Any]]
    next: str | None  # cursor of the page after this one; None on the last page
    total: int  # events matching the filter (all pages)


def _and(where: str, clause: str) -> str:
    return f"{where} AND {clause}" if where else f" WHERE {clause}"


def _encode_cursor(sort: str, key: tuple[Any, ...]) -> str:
    values = [v.isoformat() if isinstance(v, date) else v for v in key]
    raw = json.dumps([sort, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("cursor: not a cursor this API gave out") from None
    if not isinstance(decoded, list) or len(decoded) != 2 + len(TIEBREAK) or decoded[0] not in SORTS:
        raise ValueError("cursor: not a cursor this API gave out")
    if decoded[0] != sort:
        raise ValueError(f"cursor: it belongs to sort={decoded[0]}, not sort={sort}")
    values = decoded[1:]
    if sort.endswith("date") and values[0] is not None:
        try:
            values[0] = date.fromisoformat(values[0])
        except (TypeError, ValueError):
            raise ValueError("cursor: not a cursor this API gave out") from None
    return values


def _after(keys: list[tuple[str, bool]], values: list[Any]) -> tuple[str, list[Any]]:
    """SQL for "sorts after the row with these key values" in ORDER BY key1, key2, ... NULLS LAST:
    key1 sorts after, or key1 ties and key2 sorts after, and so on. A NULL sorts after every value."""
    ors: list[str] = []
    params: list[Any] = []
    ties: list[str] = []
    tie_params: list[Any] = []
    for (expr, desc), value in zip(keys, values, strict=True):
        if value is None:
            strict, eq, eq_params = "", f"{expr} IS NULL", []
        else:
            strict = f"({expr} {'<' if desc else '>'} ? OR {expr} IS NULL)"
            eq, eq_params = f"{expr} = ?", [value]
        if strict:
            ors.append("(" + " AND ".join([*ties, strict]) + ")")
            params += [*tie_params, value]
        ties.append(eq)
        tie_params += eq_params
    return "(" + (" OR ".join(ors) or "FALSE") + ")", params


def event_page(
    con: duckdb.DuckDBPyConnection,
    f: EventFilter = EventFilter(),
    limit: int = 100,
    cursor: str | None = None,
    sort: str = "date",
) -> EventPage:
    """One page of event records in a total order (the sort key, then document, sentence, evidence start,
    event id), continued by keyset: the cursor holds the last row's key, so events stored while a reader
    pages through never shift or repeat the pages it has not read yet. With sort="date" the order is the one
    `event_rows` (and so `polybius events`) uses."""
    if sort not in SORTS:
        raise ValueError(f"sort: one of {', '.join(SORTS)}, not {sort!r}")
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit: between 1 and {MAX_PAGE}, not {limit}")
    lead, desc = SORTS[sort]
    keys = [(lead, desc), *((c, False) for c in TIEBREAK)]
    where, params = _where(f)
    total = con.execute(f"SELECT count(*) FROM events{where}", params).fetchone()[0]
    page_where, page_params = where, list(params)
    if cursor:
        after, after_params = _after(keys, _decode_cursor(cursor, sort))
        page_where = _and(where, after)
        page_params += after_params
    order = ", ".join(f"{e} {'DESC' if d else 'ASC'} NULLS LAST" for e, d in keys)
    key_cols = ", ".join(f"{e} AS _k{i}" for i, (e, _) in enumerate(keys))
    cur = con.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)}, {key_cols} FROM events{page_where} ORDER BY {order} LIMIT ?",
        [*page_params, limit + 1],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = _encode_cursor(sort, tuple(rows[-1][f"_k{i}"] for i in range(len(keys))))
    return EventPage([to_record(r) for r in rows], nxt, total)


def series(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), interval: str = "week") -> dict[str, Any]:
    """Events per day, week (starting Monday) or month: count, Goldstein sum and count by QuadClass. Events
    without a date are left out and counted in `undated`. Events whose date is coarser than the interval ("in
    March" in a daily series: `date_precision` month, dated the 1st) are counted in their date's period and
    also in `coarser`, so a reader can tell a spike on the 1st from one of events told to the day."""
    if interval not in INTERVALS:
        raise ValueError(f"interval: one of {', '.join(INTERVALS)}, not {interval!r}")
    where, params = _where(f)
    rows = con.execute(
        f"SELECT date_trunc('{interval}', date)::DATE AS period, count(*), sum(goldstein), "
        + ", ".join(f"count(*) FILTER (WHERE quad_class = {q})" for q in (1, 2, 3, 4))
        + f" FROM events{_and(where, 'date IS NOT NULL')} GROUP BY 1 ORDER BY 1",
        params,
    ).fetchall()
    undated = con.execute(f"SELECT count(*) FROM events{_and(where, 'date IS NULL')}", params).fetchone()[0]
    coarser = ", ".join(f"'{p}'" for p in COARSER[interval])
    vague = con.execute(
        f"SELECT count(*) FROM events{_and(where, f'date IS NOT NULL AND date_precision IN ({coarser})')}", params
    ).fetchone()[0]
    return {
        "interval": interval,
        "series": [
            {
                "period": period.isoformat(),
                "count": n,
                "goldstein": round(g or 0.0, 3),
                "quad": {str(q): c for q, c in zip((1, 2, 3, 4), quads, strict=True)},
            }
            for period, n, g, *quads in rows
        ],
        "undated": undated,
        "coarser": vague,
    }


def dyads(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), limit: int = 20) -> list[dict[str, Any]]:
    """(source, target) pairs by country (the actor code when it has no country), most events first; events
    without a target are no dyad and left out."""
    where, params = _where(f)
    rows = con.execute(
        "SELECT coalesce(source_country, source_code) AS s, coalesce(target_country, target_code) AS t, "
        f"count(*) AS n, sum(goldstein), avg(goldstein) FROM events{_and(where, 'target_code IS NOT NULL')} "
        "GROUP BY 1, 2 ORDER BY n DESC, s, t LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [
        {"source": s, "target": t, "count": n, "goldstein": round(g or 0.0, 3), "mean_goldstein": round(m or 0.0, 3)}
        for s, t, n, g, m in rows
    ]


def actors(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), limit: int = 20) -> list[dict[str, Any]]:
    """Actors (code, country, canonical name) of the matching events with how often each is the source and
    the target, most events first."""
    where, params = _where(f)
    rows = con.execute(
        f"WITH e AS (SELECT source_code, source_country, source_name, target_code, target_country, target_name "
        f"FROM events{where}) "
        "SELECT code, country, name, sum(s) AS as_source, sum(t) AS as_target FROM ("
        "SELECT source_code AS code, source_country AS country, source_name AS name, 1 AS s, 0 AS t FROM e "
        "UNION ALL SELECT target_code, target_country, target_name, 0, 1 FROM e WHERE target_code IS NOT NULL"
        ") GROUP BY code, country, name ORDER BY as_source + as_target DESC, code, name NULLS FIRST LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [
        {"code": c, "country": k, "name": n, "as_source": int(s), "as_target": int(t)}
        for c, k, n, s, t in rows
    ]


def places(con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), limit: int = 500) -> dict[str, Any]:
    """Where the matching events happened: places with coordinates and counts (most first), and counts by
    country of the location."""
    where, params = _where(f)
    rows = con.execute(
        "SELECT location_name, location_country, location_lat, location_lon, count(*) AS n "
        f"FROM events{_and(where, 'location_name IS NOT NULL')} "
        "GROUP BY ALL ORDER BY n DESC, location_name, location_country LIMIT ?",
        [*params, limit],
    ).fetchall()
    countries = con.execute(
        f"SELECT location_country, count(*) AS n FROM events{_and(where, 'location_country IS NOT NULL')} "
        "GROUP BY 1 ORDER BY n DESC, 1",
        params,
    ).fetchall()
    return {
        "places": [
            {"name": name, "country": c, "lat": lat, "lon": lon, "count": n} for name, c, lat, lon, n in rows
        ],
        "countries": [{"country": c, "count": n} for c, n in countries],
    }


def document(con: duckdb.DuckDBPyConnection, doc_id: str) -> dict[str, Any] | None:
    """A stored document with its text and every event coded from it (offsets point into `text`); None when
    no document has this id."""
    cur = con.execute(
        "SELECT id, title, date, url, source, kind, outlet, dateline, text, n_sentences, n_events "
        "FROM documents WHERE id = ?",
        [doc_id],
    )
    row = cur.fetchone()
    if row is None:
        return None
    doc = dict(zip([d[0] for d in cur.description], row, strict=True))
    doc["date"] = doc["date"].isoformat() if doc["date"] else None
    doc["events"] = [
        to_record(r)
        for r in event_rows(con, EventFilter(doc_id=doc_id))
    ]
    return doc


def overview(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the store holds, in plain JSON types: counts, the events' date range, the last ingest."""
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    first, last, undated = one("SELECT min(date), max(date), count(*) FILTER (WHERE date IS NULL) FROM events")
    ingested = one("SELECT max(ingested_at) FROM documents")[0]
    return {
        "documents": one("SELECT count(*) FROM documents")[0],
        "sentences": one("SELECT count(*) FROM sentences")[0],
        "events": one("SELECT count(*) FROM events")[0],
        "errors": one("SELECT count(*) FROM errors")[0],
        "dates": {"first": first.isoformat() if first else None, "last": last.isoformat() if last else None},
        "undated_events": undated,
        "last_ingest": ingested.isoformat() if ingested else None,
    }


# -- aggregated events (link stage: one event however many reports carry it) ----------------------------
def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Stores written before a column existed (opened read-only, so not migrated) lack it."""
    return bool(
        con.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = ? AND column_name = ?", [table, column]
        ).fetchall()
    )


def reports(
    con: duckdb.DuckDBPyConnection, doc_ids: set[str]
) -> tuple[dict[str, agg.Report], dict[str, list[agg.Report]]]:
    """The reports of coded documents: each document's own, and those of its stored copies."""
    if not doc_ids:
        return {}, {}
    dup = has_column(con, "documents", "duplicate_of")
    view = "_polybius_report_ids"
    con.register(view, {"id": np.array(sorted(doc_ids), dtype=object)})
    try:
        own = con.execute(
            f"SELECT d.id, d.url, d.source, d.date, d.ingested_at FROM documents d JOIN {view} q ON q.id = d.id"
        ).fetchall()
        copies = []
        if dup:
            copies = con.execute(
                "SELECT d.id, d.url, d.source, d.date, d.ingested_at, d.duplicate_of, d.text FROM documents d "
                f"JOIN {view} q ON q.id = d.duplicate_of ORDER BY d.date NULLS LAST, d.id"
            ).fetchall()
    finally:
        con.unregister(view)
    by_id = {i: agg.Report(i, agg.outlet_of(url, src), agg.seen_day(d, at)) for i, url, src, d, at in own}
    by_canonical: dict[str, list[agg.Report]] = {}
    for i, url, src, d, at, of, text in copies:
        by_canonical.setdefault(of, []).append(agg.Report(i, agg.outlet_of(url, src), agg.seen_day(d, at), of, text))
    return by_id, by_canonical


def aggregated_events(
    con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), by_place: bool = False
) -> list[agg.AggregatedEvent]:
    """Events matching `f` aggregated over their reports (GDELT's NumMentions, NumSources, NumArticles);
    `f.limit` counts aggregated events."""
    found = aggregate_rows(con, event_rows(con, replace(f, limit=None)), by_place)
    return found[: f.limit] if f.limit else found


def aggregate_rows(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], by_place: bool = False
) -> list[agg.AggregatedEvent]:
    """Event rows already read (store columns) aggregated over their reports, with the store's copies."""
    own, copies = reports(con, {r["doc_id"] for r in rows})
    return agg.aggregate(rows, own, copies, by_place=by_place)


def aggregated(
    con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), by_place: bool = False
) -> list[dict[str, Any]]:
    """Aggregated events as JSON records (`polybius events --aggregate --format jsonl`)."""
    return [agg.to_record(a) for a in aggregated_events(con, f, by_place)]


def mention_counts(
    con: duckdb.DuckDBPyConnection, f: EventFilter = EventFilter(), by_place: bool = False
) -> dict[str, tuple[int, int, int]]:
    """For every stored event matching `f`: (num_mentions, num_sources, num_articles) of the aggregated event
    it is a mention of (what a GDELT export row carries)."""
    counts: dict[str, tuple[int, int, int]] = {}
    for a in aggregated_events(con, replace(f, limit=None), by_place):
        value = (a.num_mentions, a.num_sources, a.num_articles)
        for row, _ in a.mentions:
            counts[row["event_id"]] = value
    return counts


def duplicates(con: duckdb.DuckDBPyConnection, doc_id: str) -> dict[str, Any] | None:
    """A document's place among copies (link stage): the canonical document it is a copy of (if it is one)
    and every stored copy of that canonical document, with similarity scores. None when no document has this
    id; no copies in a store written before the link stage."""
    dup = has_column(con, "documents", "duplicate_of")
    row = con.execute(
        f"SELECT id, {'duplicate_of, duplicate_score' if dup else 'NULL, NULL'} FROM documents WHERE id = ?",
        [doc_id],
    ).fetchone()
    if row is None:
        return None
    _, of, score = row
    canonical = of or doc_id
    copies = []
    if dup:
        copies = con.execute(
            "SELECT id, title, url, date, outlet, duplicate_score FROM documents WHERE duplicate_of = ? "
            "ORDER BY date NULLS LAST, id",
            [canonical],
        ).fetchall()
    return {
        "doc_id": doc_id,
        "duplicate_of": of,
        "score": score,
        "canonical": canonical,
        "copies": [
            {"id": i, "title": t, "url": u, "date": d.isoformat() if d else None, "outlet": o, "score": s}
            for i, t, u, d, o, s in copies
        ],
    }


# -- story threads and related articles -------------------------------------------------------------------
SIMILAR_CANDIDATES = 50  # nearest by embedding, re-ranked with shared words
SHARED_WORDS = 6


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Older stores (opened read-only) may lack the newer tables."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [name]
        ).fetchone()[0]
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def stories(
    con: duckdb.DuckDBPyConnection,
    since: date | None = None,
    until: date | None = None,
    min_docs: int = 1,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored stories, latest first: id, canonical headline, date span and number of articles."""
    if not _has_table(con, "stories"):
        return []
    sql = "SELECT story_id, headline, first_date, last_date, n_docs FROM stories WHERE n_docs >= ?"
    params: list[Any] = [min_docs]
    if since is not None:
        sql += " AND (last_date IS NULL OR last_date >= ?)"
        params.append(since)
    if until is not None:
        sql += " AND (first_date IS NULL OR first_date <= ?)"
        params.append(until)
    sql += " ORDER BY last_date DESC NULLS LAST, n_docs DESC, story_id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [{k: _iso(v) for k, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def story(con: duckdb.DuckDBPyConnection, story_id: str) -> dict[str, Any] | None:
    """One story with its articles (in date order) and the stories merged into it; a merged story's id
    leads to the story it was merged into. None when unknown."""
    if not _has_table(con, "stories"):
        return None
    seen = {story_id}
    row = None
    while row is None:
        row = con.execute(
            "SELECT story_id, headline, first_date, last_date, n_docs FROM stories WHERE story_id = ?", [story_id]
        ).fetchone()
        if row is None:
            into = con.execute("SELECT into_id FROM story_merges WHERE merged_id = ?", [story_id]).fetchone()
            if into is None or into[0] in seen:
                return None
            story_id = into[0]
            seen.add(story_id)
    out = dict(zip(("story_id", "headline", "first_date", "last_date", "n_docs"), map(_iso, row), strict=True))
    members = con.execute(
        "SELECT s.doc_id, coalesce(d.title, s.title), s.day, d.outlet, s.score FROM story_docs s "
        "LEFT JOIN documents d ON d.id = s.doc_id WHERE s.story_id = ? ORDER BY s.day NULLS LAST, s.doc_id",
        [story_id],
    ).fetchall()
    out["documents"] = [
        {"doc_id": d, "title": t, "date": _iso(day), "outlet": o, "score": sc} for d, t, day, o, sc in members
    ]
    out["merged"] = [
        {"story_id": m, "doc_id": d, "merged_at": _iso(at)}
        for m, d, at in con.execute(
            "SELECT merged_id, doc_id, merged_at FROM story_merges WHERE into_id = ? ORDER BY merged_at, merged_id",
            [story_id],
        ).fetchall()
    ]
    return out


def story_of(con: duckdb.DuckDBPyConnection, doc_id: str) -> str | None:
    if not _has_table(con, "story_docs"):
        return None
    row = con.execute("SELECT story_id FROM story_docs WHERE doc_id = ?", [doc_id]).fetchone()
    return row[0] if row else None


def _doc_places(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {d: set() for d in doc_ids}
    for doc_id, place in con.execute(
        "SELECT DISTINCT doc_id, location_name FROM events WHERE list_contains(?, doc_id) AND location_name IS NOT NULL",
        [doc_ids],
    ).fetchall():
        out[doc_id].add(place)
    return out


def _doc_actor_names(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, dict[str, str]]:
    """code -> a readable name, per document, from its events."""
    out: dict[str, dict[str, str]] = {d: {} for d in doc_ids}
    rows = con.execute(
        "SELECT doc_id, source_code, source_name FROM events WHERE list_contains(?, doc_id) "
        "UNION SELECT doc_id, target_code, target_name FROM events WHERE list_contains(?, doc_id) "
        "AND target_code IS NOT NULL",
        [doc_ids, doc_ids],
    ).fetchall()
    for doc_id, code, name in rows:
        out[doc_id].setdefault(code, name or code)
    return out


def _term_cosine(a: dict[str, int], b: dict[str, int]) -> float:
    import math

    wa = {t: 1.0 + math.log(c) for t, c in a.items()}
    wb = {t: 1.0 + math.log(c) for t, c in b.items()}
    dot = sum(v * wb.get(t, 0.0) for t, v in wa.items())
    na = math.sqrt(sum(v * v for v in wa.values())) or 1.0
    nb = math.sqrt(sum(v * v for v in wb.values())) or 1.0
    return dot / (na * nb)


def similar(con: duckdb.DuckDBPyConnection, doc_id: str, k: int = 10) -> list[dict[str, Any]] | None:
    """The k stored articles most related to `doc_id`, each with why: shared actors, event types, places
    and words. Candidates are the nearest by embedding (computed in DuckDB over the stored vectors), re-ranked
    by the mean of the embedding cosine and the cosine of their word counts. None when the document has no
    stored vector."""
    if not _has_table(con, "story_docs"):
        return None
    me = con.execute(
        "SELECT vector, terms, actors, event_types, story_id FROM story_docs WHERE doc_id = ?", [doc_id]
    ).fetchone()
    if me is None:
        return None
    vector, terms, actors, events, my_story = me
    rows = con.execute(
        "SELECT s.doc_id, coalesce(d.title, s.title), s.day, s.story_id, s.terms, s.actors, s.event_types, "
        "list_cosine_similarity(s.vector, ?::FLOAT[]) AS cos FROM story_docs s LEFT JOIN documents d ON d.id = s.doc_id "
        "WHERE s.doc_id <> ? ORDER BY cos DESC, s.doc_id LIMIT ?",
        [vector, doc_id, SIMILAR_CANDIDATES],
    ).fetchall()
    my_terms = json.loads(terms)
    scored = []
    for other, title, day, sid, o_terms, o_actors, o_events, cos in rows:
        o_terms = json.loads(o_terms)
        scored.append((0.5 * float(cos or 0.0) + 0.5 * _term_cosine(my_terms, o_terms), other, title, day, sid,
                       o_terms, o_actors, o_events, cos))  # fmt: skip
    scored.sort(key=lambda x: (-x[0], x[1]))
    top = scored[:k]
    ids = [doc_id] + [x[1] for x in top]
    places = _doc_places(con, ids)
    names = _doc_actor_names(con, ids)
    my_actors, my_events = set(json.loads(actors)), set(json.loads(events))
    out = []
    for score, other, title, day, sid, o_terms, o_actors, o_events, cos in top:
        shared_words = sorted(set(my_terms) & set(o_terms), key=lambda t: (-min(my_terms[t], o_terms[t]), t))
        shared_actors = sorted(my_actors & set(json.loads(o_actors)))
        out.append(
            {
                "doc_id": other,
                "title": title,
                "date": _iso(day),
                "score": round(score, 4),
                "embedding_cosine": round(float(cos or 0.0), 4),
                "same_story": sid == my_story,
                "story_id": sid,
                "shared": {
                    "actors": [{"code": c, "name": names[other].get(c) or names[doc_id].get(c) or c}
                               for c in shared_actors],  # fmt: skip
                    "events": sorted(my_events & set(json.loads(o_events))),
                    "places": sorted(places[doc_id] & places[other]),
                    "words": shared_words[:SHARED_WORDS],
                },
            }
        )
    return out
