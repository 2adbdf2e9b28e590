"""API latency of `polybius serve` on a big store, and the dashboard's first load.

Builds (or reuses) a store of >= --events events: the bundled samples are coded once, then their documents
and events are repeated with SQL, each copy with new ids and its dates shifted by 3 days per copy. Then starts
`polybius serve` on a free loopback port, times the common requests over HTTP (median and p95 of --runs runs
after warm-up, each a new request: a read-only connection is opened and closed per request) and prints a
Markdown table. Also times one ingest transaction into the big store (the connect-write-close cycle that
lets readers in between batches).

    python benchmarks/api_latency.py [--events 500000] [--db /tmp/polybius-bench.duckdb] [--runs 30]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx

from polybius.cli import SAMPLES
from polybius.ingest import read_paths
from polybius.models import DocumentResult
from polybius.pipeline import Options, ingest_into, run
from polybius.store import connect, session, write_results


def build(db: Path, events: int) -> tuple[int, float]:
    """Code the samples into `db`, then repeat them until it holds >= `events` events. Returns the event count
    and the seconds the SQL took."""
    ingest_into(db, read_paths([str(SAMPLES)], "auto"), Options())
    with session(db) as con:
        seed = con.execute("SELECT count(*) FROM events").fetchone()[0]
        copies = -(-events // seed)
        start = time.perf_counter()
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO documents SELECT d.* REPLACE (id || '~' || r.range AS id, "
            "date + (r.range * 3)::INTEGER AS date) FROM documents d, range(1, ?) r",
            [copies],
        )
        con.execute(
            "INSERT INTO events SELECT e.* REPLACE (event_id || '~' || r.range AS event_id, "
            "doc_id || '~' || r.range AS doc_id, date + (r.range * 3)::INTEGER AS date) FROM events e, range(1, ?) r",
            [copies],
        )
        con.execute("COMMIT")
        seconds = time.perf_counter() - start
        return con.execute("SELECT count(*) FROM events").fetchone()[0], seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(client: httpx.Client, url: str, runs: int, warm: int = 3) -> tuple[float, float, int]:
    times = []
    size = 0
    for i in range(warm + runs):
        start = time.perf_counter()
        r = client.get(url)
        elapsed = time.perf_counter() - start
        r.raise_for_status()
        size = len(r.content)
        if i >= warm:
            times.append(elapsed * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], size


def dashboard_assets(client: httpx.Client) -> list[str]:
    html = client.get("/").text
    return ["/" + u.lstrip("./") for u in re.findall(r'(?:src|href)="((?:\./|/)?static/[^"]+)"', html)]


def first_load(client: httpx.Client, runs: int) -> tuple[float, float, int]:
    """The dashboard page and every asset it names, fetched one after another (a browser overlaps them)."""
    assets = dashboard_assets(client)
    times = []
    size = 0
    for i in range(3 + runs):
        start = time.perf_counter()
        size = len(client.get("/").content) + sum(len(client.get(url).content) for url in assets)
        if i >= 3:
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--db", default="/tmp/polybius-bench-api.duckdb")
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    db = Path(args.db)
    if db.exists():
        con = connect(db, read_only=True)
        n = con.execute("SELECT count(*) FROM events").fetchone()[0]
        con.close()
        made = "reused"
    else:
        n, seconds = build(db, args.events)
        made = f"built in {seconds:.1f} s of SQL"
    if n < args.events:
        print(f"{db} holds {n} events, fewer than --events {args.events}: remove it to rebuild", file=sys.stderr)
        return 1
    con = connect(db, read_only=True)
    doc_id, src, tgt = con.execute(
        "SELECT doc_id, source_country, target_country FROM events WHERE target_country IS NOT NULL "
        "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    last = con.execute("SELECT max(date) FROM events").fetchone()[0]
    con.close()
    year_ago = last.replace(year=last.year - 1).isoformat()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "polybius", "serve", "--db", str(db), "--port", str(port)],
        stderr=subprocess.DEVNULL,
    )
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        for _ in range(200):
            try:
                client.get("/api/summary")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        cursor = client.get("/api/events?limit=100").json()["next"]
        queries = [
            ("summary", "/api/summary"),
            ("events, first page (100)", "/api/events?limit=100"),
            ("events, next page (cursor)", f"/api/events?limit=100&cursor={cursor}"),
            ("events, 1000 per page", "/api/events?limit=1000"),
            ("events, source filter", f"/api/events?source={src}&limit=100"),
            ("events, dyad + last year", f"/api/events?source={src}&target={tgt}&since={year_ago}&limit=100"),
            ("events, by confidence", "/api/events?sort=-confidence&limit=100"),
            ("events, root + country", "/api/events?root=19&country=UKR&limit=100"),
            ("series, week, all", "/api/series?interval=week"),
            ("series, day, all", "/api/series?interval=day"),
            ("series, month, dyad", f"/api/series?interval=month&source={src}&target={tgt}"),
            ("dyads, top 20", "/api/dyads?limit=20"),
            ("actors, top 20", "/api/actors?limit=20"),
            ("places and countries", "/api/places"),
            ("document with its events", f"/api/documents/{doc_id}"),
        ]
        rows = [(name, url, *timed(client, url, args.runs)) for name, url in queries]
        load = first_load(client, args.runs) if client.get("/").status_code == 200 else None
    finally:
        server.terminate()
        server.wait(timeout=30)

    # one ingest transaction into the big store, opened and closed around the write: the longest a reader
    # waits per batch (the coding in between leaves the file free)
    docs = [r for r in run(read_paths([str(SAMPLES / "text")], "auto"), Options()) if isinstance(r, DocumentResult)]
    stamp = time.time_ns()
    batch = [
        replace(
            r,
            document=replace(r.document, id=f"{r.document.id}~bench{stamp}"),
            sentences=[replace(x, doc_id=f"{x.doc_id}~bench{stamp}") for x in r.sentences],
            events=[replace(e, doc_id=f"{e.doc_id}~bench{stamp}") for e in r.events],
        )
        for r in docs
    ]
    start = time.perf_counter()
    with session(db) as con:
        written = write_results(con, batch)
    write_ms = (time.perf_counter() - start) * 1000

    print(f"store: {db} ({n} events; {made}); {args.runs} timed runs per request after 3 warm-up runs\n")
    print("| request | median ms | p95 ms | response bytes |")
    print("|---|---:|---:|---:|")
    for name, url, med, p95, size in rows:
        print(f"| {name} (`{url.split('?')[0]}`) | {med:.1f} | {p95:.1f} | {size} |")
    if load:
        print(f"| dashboard first load: page + every asset, one after another | {load[0]:.1f} | {load[1]:.1f} | {load[2]} |")
    print(
        f"\none ingest transaction ({len(written)} documents, "
        f"{sum(len(r.events) for r in written)} events) as connect-write-close: {write_ms:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
