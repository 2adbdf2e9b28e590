"""Store: the embedded DuckDB database (documents, sentences, events, errors), written in batches.

Writes are idempotent by document id: a document already stored is skipped before it is parsed, and a batch
is one transaction, so an interrupted run leaves whole documents or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from polybius.link.stories import Clustering, Story, StoryDoc, headline
from polybius.models import DocumentError, DocumentResult, Event
from polybius.record import FLAT_COLUMNS, flat_from_event

DEFAULT_DB = "polybius.duckdb"
LOCK_WAIT = 30.0  # seconds a reader or writer waits for another process's lock on the store file
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS documents (
    id VARCHAR PRIMARY KEY,
    source VARCHAR,
    kind VARCHAR,
    url VARCHAR,
    title VARCHAR,
    date DATE,
    date_source VARCHAR,
    dateline VARCHAR,
    outlet VARCHAR,
    text VARCHAR,
    removed VARCHAR,              -- JSON list of what cleaning cut
    n_sentences INTEGER,
    n_events INTEGER,
    ingested_at TIMESTAMP,
    duplicate_of VARCHAR,         -- a copy of this document (link stage): stored as its report, not coded
    duplicate_score DOUBLE,       -- 1.0 exact copy, else estimated Jaccard similarity of word shingles
    content_hash VARCHAR          -- hash of the content as it arrived (text or html): a changed document shows
);
CREATE TABLE IF NOT EXISTS sentences (
    doc_id VARCHAR,
    idx INTEGER,
    start_char INTEGER,
    end_char INTEGER,
    text VARCHAR,
    PRIMARY KEY (doc_id, idx)
);
CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR PRIMARY KEY,
    doc_id VARCHAR,
    sentence_index INTEGER,
    sentence VARCHAR,
    source_text VARCHAR, source_code VARCHAR, source_country VARCHAR, source_sector VARCHAR, source_name VARCHAR,
    source_start INTEGER, source_end INTEGER,
    target_text VARCHAR, target_code VARCHAR, target_country VARCHAR, target_sector VARCHAR, target_name VARCHAR,
    target_start INTEGER, target_end INTEGER,
    cameo VARCHAR,
    cameo_root VARCHAR,
    quad_class TINYINT,
    goldstein DOUBLE,
    plover_type VARCHAR,
    plover_mode VARCHAR,
    plover_context VARCHAR,
    date DATE,
    date_how VARCHAR,
    date_precision VARCHAR,       -- day | week | month | year; NULL when the date is unknown
    location_name VARCHAR,
    location_country VARCHAR,
    location_lat DOUBLE,
    location_lon DOUBLE,
    location_feature VARCHAR,
    evidence_start INTEGER,
    evidence_end INTEGER,
    evidence_text VARCHAR,
    confidence DOUBLE,
    modality VARCHAR,
    rule VARCHAR,
    background BOOLEAN            -- recalled as the time or cause of the news, not an act of the story's day
);
CREATE TABLE IF NOT EXISTS errors (
    source VARCHAR,
    doc_id VARCHAR,
    reason VARCHAR,
    seen_at TIMESTAMP,
    PRIMARY KEY (source, reason)
);
-- following news as it arrives (polybius feeds / watch): what was seen, so a restart codes nothing twice
CREATE TABLE IF NOT EXISTS feeds (
    feed VARCHAR PRIMARY KEY,     -- the feed's URL, or its file path
    title VARCHAR,
    etag VARCHAR,
    last_modified VARCHAR,
    last_polled TIMESTAMP,
    last_ok TIMESTAMP,
    last_error VARCHAR,           -- NULL when the last poll worked
    entries INTEGER,              -- entries in the feed at the last poll
    new_entries INTEGER           -- of which not yet stored
);
CREATE TABLE IF NOT EXISTS pages (
    url VARCHAR PRIMARY KEY,      -- an article URL listed by a feed
    doc_id VARCHAR,
    feed VARCHAR,
    status VARCHAR,               -- 'stored' | 'error'
    reason VARCHAR,
    tries INTEGER,
    last_try TIMESTAMP
);
CREATE TABLE IF NOT EXISTS watched_files (
    path VARCHAR PRIMARY KEY,     -- absolute path of a file coded by polybius watch
    size BIGINT,
    mtime_ns BIGINT,
    sha1 VARCHAR,
    coded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS imported_shards (   -- tasks of a distributed run already imported (distributed.py)
    task_id VARCHAR PRIMARY KEY,
    folder VARCHAR,
    imported_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS link_signatures (  -- MinHash signatures of canonical documents (link/dedup.py)
    doc_id VARCHAR PRIMARY KEY,
    exact BIGINT,                 -- hash of the normalised word sequence
    minhash BLOB                  -- uint32 x NUM_PERM; NULL for texts shorter than a shingle
);
CREATE TABLE IF NOT EXISTS link_bands (hash BIGINT, doc_id VARCHAR);  -- LSH band hashes of link_signatures
-- story threads (link stage): each stored document's story features, the stories, and their merges
CREATE TABLE IF NOT EXISTS story_docs (
    doc_id VARCHAR PRIMARY KEY,
    story_id VARCHAR,
    day DATE,
    title VARCHAR,
    score DOUBLE,                 -- the score with which it joined its story (0 for a story's first article)
    terms VARCHAR,                -- JSON {word: count}
    names VARCHAR,                -- JSON {name: count}
    actors VARCHAR,               -- JSON list of actor codes
    event_types VARCHAR,          -- JSON list of "SOURCE:ROOT:TARGET"
    vector FLOAT[]                -- WordLlama embedding (L2-normalised)
);
CREATE TABLE IF NOT EXISTS stories (
    story_id VARCHAR PRIMARY KEY,
    headline VARCHAR,
    first_date DATE,
    last_date DATE,
    n_docs INTEGER,
    updated_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS story_merges (
    merged_id VARCHAR,
    into_id VARCHAR,
    doc_id VARCHAR,
    merged_at TIMESTAMP
);
CREATE INDEX IF NOT EXISTS story_docs_story ON story_docs (story_id);
CREATE INDEX IF NOT EXISTS events_date ON events (date);
CREATE INDEX IF NOT EXISTS events_source ON events (source_country, source_code);
CREATE INDEX IF NOT EXISTS events_target ON events (target_country, target_code);
CREATE INDEX IF NOT EXISTS events_cameo ON events (cameo_root, cameo);
CREATE INDEX IF NOT EXISTS events_doc ON events (doc_id);
"""

DOCUMENT_COLUMNS = (
    "id", "source", "kind", "url", "title", "date", "date_source", "dateline", "outlet", "text", "removed",
    "n_sentences", "n_events", "ingested_at", "duplicate_of", "duplicate_score", "content_hash",
)  # fmt: skip
MIGRATIONS = (  # columns added since schema 1: an older store gains them when opened for writing
    "ALTER TABLE documents ADD COLUMN IF NOT EXISTS duplicate_of VARCHAR",
    "ALTER TABLE documents ADD COLUMN IF NOT EXISTS duplicate_score DOUBLE",
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS date_precision VARCHAR",
    "ALTER TABLE documents ADD COLUMN IF NOT EXISTS content_hash VARCHAR",  # null for documents stored before
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS background BOOLEAN",
)
# event columns added since schema 1, with their types: a store opened read-only is not migrated, so a
# temporary view shows the events of an older store with these columns NULL (`read_older_store`)
ADDED_EVENT_COLUMNS = {"date_precision": "VARCHAR", "background": "BOOLEAN"}
# tables with rows of one stored document (besides `documents` itself): what replacing a document deletes.
# Story threads are handled apart (their stories' counts and dates follow). The duplicate check's signatures
# (`link_signatures`, `link_bands`) are the index's: it drops a replaced document's old signature before it
# checks the new text (`StoreIndex.forget`). `pages` and `watched_files` record what was fetched or read,
# not what was coded, and stay.
DOCUMENT_TABLES = ("sentences", "events", "errors")
SENTENCE_COLUMNS = ("doc_id", "idx", "start_char", "end_char", "text")
ERROR_COLUMNS = ("source", "doc_id", "reason", "seen_at")
# the contract's fields flattened (source_code, plover_type, ...), in the record's order; columns the store
# keeps beyond the contract go after them
EVENT_COLUMNS = [*FLAT_COLUMNS]


LINE_SUFFIX = re.compile(r":\d+$")


class StoreError(RuntimeError):
    pass


class StoreWriteError(StoreError):
    """A transaction could not be written (full disk, I/O error): it was rolled back, earlier ones are kept."""


def connect(path: str | Path = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = str(path)
    if read_only and path != ":memory:" and not Path(path).exists():
        raise StoreError(f"no store at {path} (run 'polybius ingest' first, or pass --db)")
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    if not read_only:
        con.execute(SCHEMA)
        for sql in MIGRATIONS:
            con.execute(sql)
        con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
            [str(SCHEMA_VERSION)],
        )
    else:
        read_older_store(con)
    return con


def read_older_store(con: duckdb.DuckDBPyConnection) -> None:
    """A store written before some event columns existed, opened read-only (so not migrated): a temporary
    view `events` over its table adds the missing columns as NULL, so every reader's query works unchanged."""
    have = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'events' AND schema_name = 'main' "
            "AND database_name = current_database()"
        ).fetchall()
    }
    missing = {c: t for c, t in ADDED_EVENT_COLUMNS.items() if c not in have}
    if not have or not missing:
        return
    extra = ", ".join(f"NULL::{t} AS {c}" for c, t in missing.items())
    db = con.execute("SELECT current_database()").fetchone()[0].replace('"', '""')
    con.execute(f'CREATE TEMP VIEW events AS SELECT *, {extra} FROM "{db}".main.events')


def is_lock_error(exc: BaseException | None) -> bool:
    """DuckDB's error when another process holds the file: one writing process or many reading ones."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def connect_waiting(
    path: str | Path = DEFAULT_DB, read_only: bool = False, wait: float = LOCK_WAIT
) -> duckdb.DuckDBPyConnection:
    """`connect`, retried with back-off (5 ms doubling to 100 ms) for up to `wait` seconds while another
    process holds the store's lock; then the lock error, as a StoreError."""
    deadline = time.monotonic() + wait
    delay = 0.005
    while True:
        try:
            return connect(path, read_only=read_only)
        except StoreError as exc:
            if not is_lock_error(exc.__cause__) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


@contextmanager
def session(
    path: str | Path = DEFAULT_DB, read_only: bool = False, wait: float = LOCK_WAIT
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection held only for the block: writers that open one per batch leave the file free between
    batches, so readers (`polybius serve`, `polybius events`) get in while an ingest runs."""
    con = connect_waiting(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


def known_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT id FROM documents").fetchall()}


def known_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Stored document ids with the hash of the content each arrived with (None when stored without one: by
    an older polybius, a cluster run or the Python API's frames)."""
    return dict(con.execute("SELECT id, content_hash FROM documents").fetchall())


def content_hash(content: str) -> str:
    """The hash a document's content (text or html, as it arrived) is compared by when its id arrives again."""
    return hashlib.blake2b(content.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def delete_documents(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    """Delete stored documents with the rows keyed by them (sentences, events, errors, story membership; not
    the duplicate signatures, see DOCUMENT_TABLES), inside the caller's transaction. The stories they left keep their other documents, with
    counts and dates recomputed (a story left empty goes); copies stored as reports of them keep pointing to
    them."""
    if not ids:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _polybius_replaced AS SELECT unnest(?) AS id", [list(ids)])
    try:
        con.execute("DELETE FROM documents WHERE id IN (SELECT id FROM _polybius_replaced)")
        for table in DOCUMENT_TABLES:
            con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT id FROM _polybius_replaced)")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _polybius_left AS SELECT DISTINCT story_id FROM story_docs "
            "WHERE doc_id IN (SELECT id FROM _polybius_replaced)"
        )
        con.execute("DELETE FROM story_docs WHERE doc_id IN (SELECT id FROM _polybius_replaced)")
        con.execute(
            "UPDATE stories SET n_docs = c.n, first_date = c.first, last_date = c.last FROM ("
            "  SELECT l.story_id, count(d.doc_id) AS n, min(d.day) AS first, max(d.day) AS last"
            "  FROM _polybius_left l LEFT JOIN story_docs d ON d.story_id = l.story_id GROUP BY l.story_id"
            ") c WHERE stories.story_id = c.story_id"
        )
        con.execute("DELETE FROM stories WHERE n_docs = 0 AND story_id IN (SELECT story_id FROM _polybius_left)")
    finally:
        con.execute("DROP TABLE IF EXISTS _polybius_replaced")
        con.execute("DROP TABLE IF EXISTS _polybius_left")


def event_row(ev: Event) -> tuple[Any, ...]:
    flat = flat_from_event(ev)
    return tuple(flat.get(c) for c in EVENT_COLUMNS)


def insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    conflict: str = "",
    dtypes: dict[str, Any] | None = None,
    casts: Mapping[str, str] | None = None,
) -> None:
    """Insert many rows at once: the rows are handed to DuckDB as columns (numpy object arrays, or the
    `dtypes` given for some columns) and copied with one INSERT ... SELECT, far faster than a prepared
    statement per row. `casts` gives the SQL type a column's values are cast to on the way in (a list column
    travels as JSON text: numpy object arrays of lists are not a type DuckDB scans)."""
    if not rows:
        return
    view = f"_polybius_{table}_batch"
    data = {
        c: np.array([r[i] for r in rows], dtype=(dtypes or {}).get(c, object)) for i, c in enumerate(columns)
    }
    con.register(view, data)
    try:
        names = ", ".join(columns)
        values = ", ".join(f"CAST({c} AS {casts[c]})" if casts and c in casts else c for c in columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {values} FROM {view} {conflict}")
    finally:
        con.unregister(view)


def write_batch(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[DocumentResult],
    errors: Iterable[DocumentError] = (),
    hashes: Mapping[str, str] | None = None,
) -> int:
    """Write documents with their sentences and events in one transaction. Returns documents written."""
    return len(write_results(con, results, errors, hashes=hashes))


def write_failure(exc: BaseException) -> str:
    """One line for a failed write, with the operating system's reason first when there is one."""
    text = " ".join(str(exc).split())
    for reason in ("No space left on device", "Disk quota exceeded", "Read-only file system", "Input/output error"):
        if reason.lower() in text.lower():
            return f"could not write to the store: {reason} (this batch was rolled back; earlier batches are kept)"
    return f"could not write to the store: {text[:300]} (this batch was rolled back; earlier batches are kept)"


def resolved_source(source: str) -> str:
    """An error's key: a file's resolved path (with a JSON line's ":N"), so the same file named by a relative and
    an absolute path, or through a link, is one row of the errors table."""
    path, line = source, ""
    if (m := LINE_SUFFIX.search(source)) and not Path(source).exists():
        path, line = source[: m.start()], m.group()
    try:
        p = Path(path)
        return str(p.resolve()) + line if p.exists() else source
    except (OSError, RuntimeError, ValueError):
        return source


def new_events_only(con: duckdb.DuckDBPyConnection, results: list[DocumentResult]) -> list[DocumentResult]:
    """The results with only events whose id is not stored yet nor earlier in the batch, so that
    `documents.n_events`, and every count made from the results written, is the count of event rows stored.
    (Ids are unique within a document by construction; this guards ids that collide across documents.)"""
    ids = [e.event_id for r in results for e in r.events]
    if not ids:
        return results
    taken = {
        row[0]
        for row in con.execute("SELECT event_id FROM events WHERE event_id IN (SELECT unnest(?))", [ids]).fetchall()
    }
    out = []
    for r in results:
        kept = []
        for e in r.events:
            if e.event_id not in taken:
                taken.add(e.event_id)
                kept.append(e)
        out.append(r if len(kept) == len(r.events) else replace(r, events=kept))
    return out


def write_results(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[DocumentResult],
    errors: Iterable[DocumentError] = (),
    hashes: Mapping[str, str] | None = None,
    replace_ids: Collection[str] = (),
) -> list[DocumentResult]:
    """Write documents with their sentences and events in one transaction. Returns the results written
    (documents already stored, or twice in the batch, are not). `hashes` gives the content hash stored with each
    document id; the stored documents of `replace_ids` that are in the batch are deleted first, with all their
    rows (`delete_documents`), in the same transaction: a replaced document is its old version or its new one,
    never neither."""
    now = datetime.now(UTC).replace(tzinfo=None)
    ids = [r.document.id for r in results]
    replacing = sorted({i for i in ids if i in replace_ids})
    hashes = hashes or {}
    err_rows = [(resolved_source(e.source), e.doc_id, e.reason, now) for e in errors]
    con.execute("BEGIN TRANSACTION")
    try:
        delete_documents(con, replacing)
        query = "SELECT id FROM documents WHERE id IN (SELECT unnest(?))"  # one query a batch, not one a document
        stored = {row[0] for row in con.execute(query, [ids]).fetchall()} if ids else set()
        fresh = [r for r in results if r.document.id not in stored]
        seen: set[str] = set()
        unique = []
        for r in fresh:  # the same document twice in one batch
            if r.document.id not in seen:
                seen.add(r.document.id)
                unique.append(r)
        unique = new_events_only(con, unique)
        doc_rows = [
            (
                d.id, d.source, d.kind, d.url, d.title, d.date, d.date_source, d.dateline, d.outlet, d.text,
                json.dumps(list(d.removed)), len(r.sentences), len(r.events), now, d.duplicate_of,
                d.duplicate_score, hashes.get(d.id),
            )
            for r in unique
            for d in [r.document]
        ]  # fmt: skip
        sent_rows = [(s.doc_id, s.index, s.start, s.end, s.text) for r in unique for s in r.sentences]
        event_rows = [event_row(e) for r in unique for e in r.events]
        insert(con, "documents", DOCUMENT_COLUMNS, doc_rows)
        insert(con, "sentences", SENTENCE_COLUMNS, sent_rows)
        insert(con, "events", EVENT_COLUMNS, event_rows, "ON CONFLICT DO NOTHING")
        insert(
            con,
            "errors",
            ERROR_COLUMNS,
            err_rows,
            "ON CONFLICT (source, reason) DO UPDATE SET seen_at = excluded.seen_at",
        )
        con.execute("COMMIT")
    except BaseException as exc:  # an error, or Ctrl-C in the middle: the transaction is undone whole
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error | OSError):
            raise StoreWriteError(write_failure(exc)) from exc
        raise
    return unique


# -- state of the streaming loops (feeds, pages, watched files) ----------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def feed_state(con: duckdb.DuckDBPyConnection, feed: str) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified of a feed's last good fetch, for a conditional request."""
    row = con.execute("SELECT etag, last_modified FROM feeds WHERE feed = ?", [feed]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def record_feed(
    con: duckdb.DuckDBPyConnection,
    feed: str,
    title: str | None,
    etag: str | None,
    last_modified: str | None,
    entries: int,
    new_entries: int,
    error: str | None,
) -> None:
    now = _now()
    con.execute(
        """INSERT INTO feeds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (feed) DO UPDATE SET
             title = COALESCE(excluded.title, feeds.title),
             etag = COALESCE(excluded.etag, feeds.etag),
             last_modified = COALESCE(excluded.last_modified, feeds.last_modified),
             last_polled = excluded.last_polled,
             last_ok = COALESCE(excluded.last_ok, feeds.last_ok),
             last_error = excluded.last_error,
             entries = excluded.entries,
             new_entries = excluded.new_entries""",
        [feed, title, etag, last_modified, now, None if error else now, error, entries, new_entries],
    )


def page_tries(con: duckdb.DuckDBPyConnection, url: str) -> int:
    """How often fetching or coding an article page has failed (0 when never tried)."""
    row = con.execute("SELECT tries FROM pages WHERE url = ? AND status = 'error'", [url]).fetchone()
    return int(row[0]) if row else 0


def record_pages(
    con: duckdb.DuckDBPyConnection, pages: Sequence[tuple[str, str, str]], failures: Iterable[DocumentError]
) -> None:
    """Record what became of the pages (url, feed, doc_id) fetched in one poll."""
    failed = {f.doc_id: f.reason for f in failures if f.doc_id}
    stored = known_ids(con)
    now = _now()
    for url, feed, doc_id in pages:
        if doc_id in stored:
            status, reason = "stored", None
        else:
            status, reason = "error", failed.get(doc_id, "not stored")
        con.execute(
            """INSERT INTO pages VALUES (?, ?, ?, ?, ?, 1, ?)
               ON CONFLICT (url) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                 tries = pages.tries + 1, last_try = excluded.last_try""",
            [url, doc_id, feed, status, reason, now],
        )


def file_state(con: duckdb.DuckDBPyConnection, path: str) -> str | None:
    """The content hash of a watched file when it was last coded."""
    row = con.execute("SELECT sha1 FROM watched_files WHERE path = ?", [path]).fetchone()
    return row[0] if row else None


def record_file(con: duckdb.DuckDBPyConnection, path: str, size: int, mtime_ns: int, sha1: str) -> None:
    con.execute(
        """INSERT INTO watched_files VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
             sha1 = excluded.sha1, coded_at = excluded.coded_at""",
        [path, size, mtime_ns, sha1, _now()],
    )


# -- shards of a distributed run (distributed.py) ------------------------------------------------------------
NOT_SHARDED = ("meta", "imported_shards", "story_docs", "stories", "story_merges")  # story threads: store-side state


LINK_TABLES = ("link_signatures", "link_bands", "story_docs")  # a shard's link rows: the client's link step's


@dataclass
class ShardCounts:
    documents: int = 0
    sentences: int = 0
    events: int = 0
    copies: int = 0  # documents stored as reports of another (duplicate_of), within the task or across
    doc_ids: list[str] = field(default_factory=list)  # the documents stored, in the shard's order


def shard_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables a batch writes, documents first: what a worker's shard holds."""
    query = "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' ORDER BY 1"
    names = [r[0] for r in con.execute(query).fetchall()]
    return sorted((n for n in names if n not in NOT_SHARDED), key=lambda n: n != "documents")


def imported_tasks(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT task_id FROM imported_shards").fetchall()}


def import_shard(
    con: duckdb.DuckDBPyConnection,
    folder: str | Path,
    task_id: str,
    copies: Mapping[str, tuple[str, float]] | None = None,
) -> ShardCounts:
    """Import one task's Parquet shards (`TABLE.parquet` files) in one transaction, idempotently: documents
    the store already holds are skipped with their sentences and events, rows keep the shard's order, errors
    are upserted as in `write_batch`, and the task is recorded so a second import does nothing.

    `copies` (doc id -> canonical doc id, score): documents the link stage found to copy a document stored
    before (another task's); they are stored as its reports, without sentences or events, as a local ingest
    stores a copy it never parsed. The link tables' rows (`LINK_TABLES`) are the link step's to store."""
    if con.execute("SELECT 1 FROM imported_shards WHERE task_id = ?", [task_id]).fetchone():
        return ShardCounts()
    folder = Path(folder)
    files = {f.stem: str(f).replace("'", "''") for f in folder.glob("*.parquet") if f.stem not in LINK_TABLES}
    if "documents" not in files:
        raise StoreError(f"{folder}: not a shard folder (no documents.parquet)")
    tables = set(shard_tables(con))
    unknown = sorted(set(files) - tables)
    if unknown:
        raise StoreError(f"{folder}: shard tables this store does not have: {', '.join(unknown)}")
    counts = ShardCounts()

    def scan(table: str) -> str:
        return f"read_parquet('{files[table]}', file_row_number = true)"

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _polybius_new_ids AS SELECT id, min(file_row_number) AS pos "
            f"FROM {scan('documents')} WHERE id NOT IN (SELECT id FROM documents) GROUP BY id"
        )
        if copies:
            _mark_copies(con, copies)
        for table in sorted(files, key=lambda n: n != "documents"):
            columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan(table)}").fetchall()}
            where = ""
            if table == "documents":
                where = "WHERE id IN (SELECT id FROM _polybius_new_ids)"
            elif "doc_id" in columns and table != "errors":
                where = "WHERE doc_id IN (SELECT id FROM _polybius_new_ids)"
                if copies and table in ("sentences", "events"):
                    where += " AND doc_id NOT IN (SELECT id FROM _polybius_copies)"
            # rows of new documents cannot conflict (and ON CONFLICT would lose the shard's order)
            conflict = "" if where else "ON CONFLICT DO NOTHING"
            if table == "errors":
                conflict = "ON CONFLICT (source, reason) DO UPDATE SET seen_at = excluded.seen_at"
            select = f"SELECT * EXCLUDE (file_row_number) FROM {scan(table)}"
            if table == "documents" and copies:  # a copy: the canonical document's report, nothing parsed
                select = (
                    "SELECT s.* EXCLUDE (file_row_number, duplicate_of, duplicate_score, n_sentences, n_events), "
                    "coalesce(c.canonical, c2.canonical, s.duplicate_of) AS duplicate_of, "
                    "coalesce(c.score, s.duplicate_score) AS duplicate_score, "
                    "CASE WHEN c.id IS NULL THEN s.n_sentences ELSE 0 END AS n_sentences, "
                    "CASE WHEN c.id IS NULL THEN s.n_events ELSE 0 END AS n_events, s.file_row_number "
                    f"FROM {scan(table)} s LEFT JOIN _polybius_copies c ON c.id = s.id "
                    "LEFT JOIN _polybius_copies c2 ON c2.id = s.duplicate_of"
                )
                select = f"SELECT * EXCLUDE (file_row_number) FROM ({select})"
            row = con.execute(
                f"INSERT INTO {table} BY NAME {select} {where} ORDER BY file_row_number {conflict}"
            ).fetchone()
            n = int(row[0]) if row else 0
            if table in ("documents", "sentences", "events"):
                setattr(counts, table, n)
        counts.doc_ids = [r[0] for r in con.execute("SELECT id FROM _polybius_new_ids ORDER BY pos").fetchall()]
        found = con.execute(
            "SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL AND id IN (SELECT id FROM _polybius_new_ids)"
        ).fetchone()
        counts.copies = int(found[0]) if found else 0
        con.execute(
            "INSERT INTO imported_shards VALUES (?, ?, ?)",
            [task_id, str(folder), datetime.now(UTC).replace(tzinfo=None)],
        )
        con.execute("DROP TABLE _polybius_new_ids")
        con.execute("DROP TABLE IF EXISTS _polybius_copies")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return counts


def _mark_copies(con: duckdb.DuckDBPyConnection, copies: Mapping[str, tuple[str, float]]) -> None:
    """The temporary `_polybius_copies` table: each copy with its canonical document. A document of the task
    that the worker found to copy one of these copies reports that copy's canonical document instead (the
    duplicate check never points at a copy)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _polybius_copies (id VARCHAR, canonical VARCHAR, score DOUBLE)")
    con.executemany("INSERT INTO _polybius_copies VALUES (?, ?, ?)", [(d, c, s) for d, (c, s) in copies.items()])


# -- story threads ----------------------------------------------------------------------------------------
STORY_DOC_COLUMNS = (
    "doc_id", "story_id", "day", "title", "score", "terms", "names", "actors", "event_types", "vector",
)  # fmt: skip


STORY_COLUMNS = ("story_id", "headline", "first_date", "last_date", "n_docs", "updated_at")


def story_doc_row(d: StoryDoc, story_id: str | None = None, score: float | None = None) -> tuple[Any, ...]:
    """A `story_docs` row (STORY_DOC_COLUMNS) of a document's story features (the vector a list of floats)."""
    return (
        d.id, story_id, d.day, d.title, score, json.dumps(dict(d.terms)), json.dumps(dict(d.names)),
        json.dumps(sorted(d.actors)), json.dumps(sorted(d.events)), np.asarray(d.vector, dtype=np.float32).tolist(),
    )  # fmt: skip


def insert_story_docs(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert `story_doc_row` rows, the first of a document kept (stored documents are left as they are), with
    one INSERT (a statement per row cost about 2 ms, the largest part of a store transaction). The vector
    travels as JSON text, cast to FLOAT[] exactly (a float32 written as the shortest repr of its double)."""
    first: dict[str, tuple[Any, ...]] = {}
    for r in rows:
        if r[0] not in first:
            first[r[0]] = (*r[:-1], json.dumps(r[-1]))
    insert(
        con, "story_docs", STORY_DOC_COLUMNS, list(first.values()), "ON CONFLICT DO NOTHING", casts={"vector": "FLOAT[]"}
    )


def story_doc_from_row(row: Sequence[Any]) -> StoryDoc:
    from collections import Counter

    doc_id, _, day, title, _, terms, names, actors, events, vector = row
    return StoryDoc(
        id=doc_id,
        day=day,
        title=title or "",
        terms=Counter(json.loads(terms)),
        names=Counter(json.loads(names)),
        actors=frozenset(json.loads(actors)),
        events=frozenset(json.loads(events)),
        vector=np.asarray(vector, dtype=np.float32),
    )


def load_open_stories(
    con: duckdb.DuckDBPyConnection,
    since: Any = None,
    until: Any = None,
    window_days: int = 30,
    max_open: int | None = 2000,
    max_members: int | None = 50,
) -> list[Story]:
    """The stored stories a batch dated `since`..`until` may join: those whose span comes within
    `window_days` of it, and undated ones (all stories when the batch has no dates); of those, the
    `max_open` most recently updated (None: all), each with its `max_members` latest members (by date, then
    id; None: all) and the count, first and last date of all of them. Both bounds keep the cost of a batch flat
    as the store grows: without them an undated stream compares every batch with every story stored before,
    and a long story loads every article it ever had (quadratic time)."""
    sql = "SELECT story_id, first_date, last_date, n_docs FROM stories"
    params: list[Any] = []
    if since is not None and until is not None:
        sql += (
            " WHERE last_date IS NULL OR (last_date >= ?::DATE - to_days(?) AND first_date <= ?::DATE + to_days(?))"
        )
        params = [since, window_days, until, window_days]
    if max_open is not None:
        sql += " ORDER BY updated_at DESC, story_id LIMIT ?"
        params.append(max_open)
    spans = {r[0]: r[1:] for r in con.execute(sql, params).fetchall()}
    if not spans:
        return []
    latest = ""
    if max_members is not None:
        latest = (
            " QUALIFY row_number() OVER (PARTITION BY story_id ORDER BY day DESC NULLS LAST, doc_id DESC) "
            f"<= {int(max_members)}"
        )
    rows = con.execute(
        f"SELECT {', '.join(STORY_DOC_COLUMNS)} FROM story_docs WHERE list_contains(?, story_id){latest} "
        "ORDER BY day NULLS LAST, doc_id",
        [list(spans)],
    ).fetchall()
    stories: dict[str, Story] = {}
    for row in rows:
        story = stories.setdefault(row[1], Story(row[1], None, None))
        story.add(story_doc_from_row(row))
    for story in stories.values():
        first, last, n_docs = spans[story.id]
        story.hidden = max(0, int(n_docs or 0) - len(story.members))
        if story.hidden:  # the span of every member, loaded or not
            story.first = min((d for d in (first, story.first) if d is not None), default=None)
            story.last = max((d for d in (last, story.last) if d is not None), default=None)
    return list(stories.values())


def write_stories(con: duckdb.DuckDBPyConnection, clustering: Clustering, docs: Sequence[StoryDoc]) -> None:
    """Store a clustering of new documents: their features and stories, the stories touched, the merges."""
    now = _now()
    by_id = {d.id: d for d in docs}
    rows = [story_doc_row(by_id[a.doc_id], a.story_id, a.score) for a in clustering.assignments]
    con.execute("BEGIN TRANSACTION")
    try:
        insert_story_docs(con, rows)
        for m in clustering.merges:
            con.execute("UPDATE story_docs SET story_id = ? WHERE story_id = ?", [m.into, m.merged])
            con.execute("DELETE FROM stories WHERE story_id = ?", [m.merged])
            con.execute("INSERT INTO story_merges VALUES (?, ?, ?, ?)", [m.merged, m.into, m.doc_id, now])
        # one upsert for the stories touched, one row a story (the last kept, as an upsert per story did)
        stories = {s.id: (s.id, headline(s), s.first, s.last, s.n_docs, now) for s in clustering.stories}
        insert(
            con, "stories", STORY_COLUMNS, list(stories.values()),
            "ON CONFLICT (story_id) DO UPDATE SET headline = excluded.headline, first_date = excluded.first_date, "
            "last_date = excluded.last_date, n_docs = excluded.n_docs, updated_at = excluded.updated_at",
        )  # fmt: skip
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
