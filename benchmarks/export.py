"""Export at scale: DuckDB COPY (what `polybius export` does) against a Python loop over rows, per format.

    python benchmarks/export.py [--events 100000] [--store PATH]

Builds a large store by coding the bundled sample corpus once and repeating its events with shifted ids and
dates (SQL), then, each in a fresh process: `export` with COPY for jsonl, csv, parquet, gdelt; the Python loop
(rows fetched, records built and written one by one) for jsonl and csv; `polybius events --format jsonl` to
/dev/null (streamed). Prints wall seconds and peak RSS of each. Record the table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "polybius" / "data" / "samples"

CHILD = r"""
import json, sys, time, resource
from pathlib import Path
from polybius.store import connect
from polybius.query import iter_event_rows, to_record
from polybius.export import export, write_csv
mode, fmt, db, out = sys.argv[1:5]
con = connect(db, read_only=True)
t = time.perf_counter()
if mode == "copy":
    n = export(con, fmt, Path(out), force=True)
else:
    rows = list(iter_event_rows(con))  # the old path: every row in memory, then a Python loop
    with open(out, "w", encoding="utf-8") as fh:
        if fmt == "csv":
            n = write_csv(rows, fh)
        else:
            n = 0
            for r in rows:
                fh.write(json.dumps(to_record(r), ensure_ascii=False) + "\n"); n += 1
print(json.dumps({"n": n, "s": time.perf_counter() - t,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(db: Path, events: int) -> int:
    from polybius.cli import main
    from polybius.store import connect

    main(["ingest", str(SAMPLES), "--db", str(db), "--quiet"])
    con = connect(db)
    base = con.execute("SELECT count(*) FROM events").fetchone()[0]
    copies = max(1, -(-events // base) - 1)
    cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'events' ORDER BY ordinal_position").fetchall()]
    select = ", ".join(
        "event_id || ':r' || k" if c == "event_id" else "date + CAST(k AS INTEGER)" if c == "date" else c
        for c in cols
    )
    con.execute(f"INSERT INTO events SELECT {select} FROM events, range(1, {copies + 1}) t(k) "
                f"WHERE NOT contains(event_id, ':r')")
    n = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    return n


def measure(mode: str, fmt: str, db: Path, out: Path) -> dict[str, float]:
    res = subprocess.run([sys.executable, "-c", CHILD, mode, fmt, str(db), str(out)],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def stream(db: Path) -> dict[str, float]:
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open("/dev/null", "w") as null:
        subprocess.run([sys.executable, "-m", "polybius", "events", "--db", str(db), "--format", "jsonl"],
                       stdout=null, check=True)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"s": time.perf_counter() - t, "rss": max(rss, before) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--store", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.store or Path(tmp) / "big.duckdb"
        n = build(db, args.events) if not db.exists() else None
        print(f"store: {n or 'existing'} events\n")
        print("| format | method | events | seconds | peak RSS MB |\n|---|---|---:|---:|---:|")
        for fmt, mode in (("jsonl", "copy"), ("jsonl", "loop"), ("csv", "copy"), ("csv", "loop"),
                          ("parquet", "copy"), ("gdelt", "copy")):
            r = measure(mode, fmt, db, Path(tmp) / f"out.{fmt}")
            label = "DuckDB COPY" if mode == "copy" else "Python loop (before)"
            print(f"| {fmt} | {label} | {r['n']} | {r['s']:.2f} | {r['rss']:.0f} |", flush=True)
        s = stream(db)
        print(f"| jsonl | `polybius events` streamed to /dev/null (whole command) | - | {s['s']:.2f} | {s['rss']:.0f} |")


if __name__ == "__main__":
    main()
