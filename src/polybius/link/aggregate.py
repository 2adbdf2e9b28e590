"""Event aggregation with GDELT's semantics: one event, however many reports carry it.

Coded events that share (event day, source actor code, target actor code, CAMEO code) — and the place, when
`by_place` — are one aggregated event. Its reports are every document that carries it: the documents in which
it was coded, and the stored copies of those documents (`documents.duplicate_of`: a syndicated copy is a report
of its canonical document's events though it was never coded). As in GDELT 2.0:

- `num_mentions`: mentions in all reports (an event coded twice in one document counts twice; a copy repeats
  the mentions of its canonical document);
- `num_sources`: distinct outlets among the reports (`outlet_of`: the URL's host, else the source path);
- `num_articles`: distinct reporting documents.

Dates of different precision are never one day: the key holds the event's `date_precision` when it is coarser
than a day, so "in March" (2013-03-01, month) and "in 2013" (2013-01-01, year) are aggregated only with events
of the same month or year told as coarsely, never merged into the day bucket of their first day (nor a week's
date into that day). The aggregated record carries the precision; a day-precision event's key (and so its
`aggregate_id`) is what it was before precisions existed.

`first_seen` and `last_seen` are the earliest and latest publication date of the reports (the ingestion day
when a report has none). An event without a date is aggregated only with the mentions of its own document and
that document's copies: a missing day says nothing about whether two reports tell of the same event.

These are plain functions over rows; `query.py` reads the rows from the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Report:
    """A document that reports coded events: a coded document, or a stored copy of one (`duplicate_of`)."""

    doc_id: str
    outlet: str
    seen: str | None  # ISO publication date (else ingestion day)
    duplicate_of: str | None = None
    text: str | None = None  # a copy's own text, to place the evidence in it


@dataclass
class AggregatedEvent:
    key: tuple[Any, ...]
    first: dict[str, Any]  # the first mention's stored event row
    mentions: list[tuple[dict[str, Any], Report]] = field(default_factory=list)

    @property
    def aggregate_id(self) -> str:
        return hashlib.sha1("|".join("" if k is None else str(k) for k in self.key).encode()).hexdigest()[:16]

    @property
    def num_mentions(self) -> int:
        return len(self.mentions)

    @property
    def num_articles(self) -> int:
        return len({r.doc_id for _, r in self.mentions})

    @property
    def num_sources(self) -> int:
        return len({r.outlet for _, r in self.mentions})

    @property
    def first_seen(self) -> str | None:
        seen = [r.seen for _, r in self.mentions if r.seen]
        return min(seen) if seen else None

    @property
    def last_seen(self) -> str | None:
        seen = [r.seen for _, r in self.mentions if r.seen]
        return max(seen) if seen else None


def outlet_of(url: str | None, source: str | None) -> str:
    """Who published a report: the host of its URL (without `www.`), else its source path (a JSON-lines
    document's file, without the line number)."""
    if url:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
        if host:
            return host.removeprefix("www.")
    path = source or ""
    head, sep, line = path.rpartition("#")
    return head if sep and line.isdigit() else path


def seen_day(published: date | str | None, ingested: datetime | None) -> str | None:
    if published:
        return published.isoformat() if isinstance(published, date) else str(published)
    return ingested.date().isoformat() if ingested else None


def event_key(row: Mapping[str, Any], by_place: bool = False) -> tuple[Any, ...]:
    day = row["date"].isoformat() if isinstance(row["date"], date) else row["date"]
    key: tuple[Any, ...] = (day, row["source_code"], row["target_code"], row["cameo"])
    precision = row.get("date_precision")
    if day is not None and precision not in (None, "day"):
        key += (f"precision:{precision}",)  # a month or a year is not the day that stands for it
    if day is None:
        key += (row["doc_id"],)  # undated: only within the document (and its copies)
    if by_place:
        key += (row["location_name"], row["location_country"])
    return key


def aggregate(
    rows: Iterable[Mapping[str, Any]],
    reports: Mapping[str, Report],
    copies: Mapping[str, Sequence[Report]],
    by_place: bool = False,
) -> list[AggregatedEvent]:
    """Group event rows (store columns) into aggregated events. `reports` maps each coded document to its
    report; `copies` maps a coded document to the reports of its stored copies. Ordered by date (undated
    last), then source, target, CAMEO code."""
    groups: dict[tuple[Any, ...], AggregatedEvent] = {}
    for row in rows:
        doc_id = row["doc_id"]
        key = event_key(row, by_place)
        agg = groups.get(key)
        if agg is None:
            agg = groups[key] = AggregatedEvent(key, dict(row))
        own = reports.get(doc_id) or Report(doc_id, doc_id, None)
        agg.mentions.append((dict(row), own))
        for copy in copies.get(doc_id, ()):
            agg.mentions.append((dict(row), copy))
    return sorted(
        groups.values(),
        key=lambda a: (a.key[0] is None, a.key[0] or "", *("" if k is None else str(k) for k in a.key[1:])),
    )


def copy_evidence(row: Mapping[str, Any], report: Report) -> dict[str, Any]:
    """The mention's evidence span in the report's own text: a copy's text may be shifted or edited, so the
    span is looked up there (offsets null when the sentence was edited in the copy)."""
    text = row["evidence_text"]
    if report.duplicate_of is None:
        return {"start": row["evidence_start"], "end": row["evidence_end"], "text": text}
    start = report.text.find(text) if report.text and text else -1
    if start < 0:
        return {"start": None, "end": None, "text": text}
    return {"start": start, "end": start + len(text), "text": text}


def actor(row: Mapping[str, Any], side: str) -> dict[str, Any] | None:
    if row[f"{side}_code"] is None:
        return None
    return {k: row[f"{side}_{k}"] for k in ("code", "country", "sector", "name")}


def to_record(agg: AggregatedEvent) -> dict[str, Any]:
    """An aggregated event as JSON: the event's fields (from its first mention), the GDELT counts, and the
    reports with their evidence spans."""
    row = agg.first
    loc = None
    if row["location_name"] is not None:
        loc = {k: row[f"location_{k}"] for k in ("name", "country", "lat", "lon")}
    return {
        "aggregate_id": agg.aggregate_id,
        "date": agg.key[0],
        "date_precision": row.get("date_precision"),
        "source": actor(row, "source"),
        "target": actor(row, "target"),
        "cameo": row["cameo"],
        "cameo_root": row["cameo_root"],
        "quad_class": row["quad_class"],
        "goldstein": row["goldstein"],
        "plover": {"type": row["plover_type"], "mode": row["plover_mode"], "context": row["plover_context"]},
        "location": loc,
        "confidence": round(max(r["confidence"] for r, _ in agg.mentions), 3),
        "num_mentions": agg.num_mentions,
        "num_sources": agg.num_sources,
        "num_articles": agg.num_articles,
        "first_seen": agg.first_seen,
        "last_seen": agg.last_seen,
        "reports": [
            {
                "doc_id": rep.doc_id,
                "event_id": r["event_id"],
                "outlet": rep.outlet,
                "date": rep.seen,
                "duplicate_of": rep.duplicate_of,
                "sentence_index": r["sentence_index"],
                "evidence": copy_evidence(r, rep),
            }
            for r, rep in agg.mentions
        ],
    }
