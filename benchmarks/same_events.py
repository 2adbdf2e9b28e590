"""Same events before and after a speed change: code fixed corpora and write every result as JSON lines.

    python benchmarks/same_events.py OUT.jsonl [--docs 300] [--shared ../shared] [--devset-limit 400]
                                     [--store [--workers 2]]
    git archive BASE | tar -x -C /tmp/base && PYTHONPATH=/tmp/base/src python benchmarks/same_events.py base.jsonl
    cmp base.jsonl OUT.jsonl

A refactoring for speed must not change what is coded. This script codes, in one process with one Coder:
  - the bundled sample corpus (`src/polybius/data/samples`: text, HTML, JSON lines and the bad inputs);
  - the generated wire-style corpus of `benchmarks/throughput.py` (`--docs` documents);
  - when the development sets are present (read from `--shared`, skipped cleanly when absent): the first
    `--devset-limit` NGEC synthetic stories with their titles, and as many ConfliBERT class-file sentences,
    eight to a document, with a fixed publication date (real news wording, dates and places);
and writes one line per document: its sentences, and every field of every event (`Event.extra` included:
token indices and confidence features), or its error. With `--store`, the same corpora are also ingested into
a fresh DuckDB store (one transaction per `WRITE_BATCH` documents, whatever the clock; `--workers N` for the
pool's path) and every table is written after them, row by row in a fixed order, without the columns that hold
the time of writing, then the ids of the documents in the order they were stored. Run it on the
code before and after a change and compare the two files byte for byte (`cmp`); the module printed first tells
which checkout was imported.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import polybius
from polybius.ingest.feeds import read_sources
from polybius.models import DocumentError, DocumentResult, RawDocument
from polybius.pipeline import Coder, Options, run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import make_corpus  # noqa: E402

SAMPLES = Path(polybius.__file__).resolve().parent / "data" / "samples"
DEVSET_DATE = "2019-03-14"


def generated(n_docs: int) -> Iterator[RawDocument]:
    for i, text in enumerate(make_corpus(n_docs)):
        yield RawDocument(f"gen{i:05d}", "text", text, f"generated/{i}", date=DEVSET_DATE if i % 2 else None)


def ngec(path: Path, limit: int) -> Iterator[RawDocument]:
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if i >= limit:
                return
            yield RawDocument(
                f"ngec{i:05d}", "text", row["text"], f"ngec/{i}", title=row.get("title") or None
            )


def conflibert(path: Path, limit: int) -> Iterator[RawDocument]:
    lines = [ln.rsplit("\t", 1)[0] for ln in path.read_text(encoding="utf-8").splitlines() if "\t" in ln][
        :limit
    ]
    for i in range(0, len(lines), 8):
        yield RawDocument(
            f"cb{i:05d}", "text", "\n\n".join(lines[i : i + 8]), f"conflibert/{i}", date=DEVSET_DATE
        )


def line(result: DocumentResult | DocumentError) -> str:
    if isinstance(result, DocumentError):
        return json.dumps({"error": str(result)}, ensure_ascii=False)
    out: dict[str, Any] = {
        "doc": asdict(result.document),
        "sentences": [asdict(s) for s in result.sentences],
        "events": [asdict(e) for e in result.events],
    }
    return json.dumps(out, ensure_ascii=False, sort_keys=True, default=repr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="JSON lines file to write")
    ap.add_argument("--docs", type=int, default=300, help="generated documents (default 300)")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--devset-limit", type=int, default=400, help="NGEC stories and ConfliBERT sentences")
    ap.add_argument("--store", action="store_true", help="also ingest into a store and write its tables")
    ap.add_argument(
        "--workers", type=int, default=1, help="worker processes of the --store ingest (default 1)"
    )
    args = ap.parse_args()
    print(f"polybius from {Path(polybius.__file__).parent}", file=sys.stderr)
    out_path = Path(args.out).resolve()
    devsets = Path(args.shared).resolve() / "devsets"
    os.chdir(SAMPLES)  # sources named relative to the samples folder: the same in any checkout
    coder = Coder(Options())

    def corpora() -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = [
            ("samples", read_sources(["text", "html", "articles.jsonl", "bad"], "auto")),
            ("generated", generated(args.docs)),
        ]
        for name, path, reader in (
            ("ngec", devsets / "ngec_synthetic" / "synthetic_events.csv", ngec),
            ("conflibert", devsets / "conflibert" / "cameo_class_train.tsv", conflibert),
        ):
            if path.exists():
                found.append((name, reader(path, args.devset_limit)))
            else:
                print(f"skipped {name}: {path} not found", file=sys.stderr)
        return found

    with out_path.open("w", encoding="utf-8") as out:
        for name, items in corpora():
            c0 = time.process_time()
            n_docs = n_events = 0
            for result in run(items, Options(), coder=coder):
                out.write(line(result) + "\n")
                n_docs += 1
                n_events += len(result.events) if isinstance(result, DocumentResult) else 0
            print(
                f"{name}: {n_docs} documents, {n_events} events, {time.process_time() - c0:.1f} CPU s",
                file=sys.stderr,
            )
        if args.store:
            c0 = time.process_time()
            for table, rows in store_tables(corpora(), coder, args.workers):
                for row in rows:
                    text = json.dumps([table, *row], ensure_ascii=False, default=repr)
                    out.write(text.replace(str(SAMPLES), "SAMPLES") + "\n")  # errors hold resolved paths
            print(f"store: {time.process_time() - c0:.1f} CPU s", file=sys.stderr)
    return 0


def store_tables(
    corpora: list[tuple[str, Any]], coder: Coder, workers: int = 1
) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """Ingest the corpora into a fresh store (`workers` processes) and read back every table, sorted, without
    time-of-writing columns; then the ids of the documents in the order they were stored."""
    import duckdb

    from polybius import pipeline

    pipeline.COMMIT_SECONDS = float("inf")  # transactions by count only: the same batches in every run
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "same.duckdb"
        for _, items in corpora:
            pipeline.ingest_into(db, items, Options(workers=workers), coder=coder)
        con = duckdb.connect(str(db), read_only=True)
        try:
            tables = [
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
            ]
            for table in tables:
                columns = [
                    r[0]
                    for r in con.execute(
                        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                        [table],
                    ).fetchall()
                    if not r[0].endswith("_at")
                ]
                names = ", ".join(f'"{c}"' for c in columns)
                rows = con.execute(f'SELECT {names} FROM "{table}" ORDER BY ALL').fetchall()
                yield table, [tuple(columns)] + rows
            # (events are inserted ON CONFLICT DO NOTHING, which DuckDB does not keep in order: no such line)
            ids = [r[0] for r in con.execute("SELECT id FROM documents ORDER BY rowid").fetchall()]
            yield "documents in stored order", [tuple(ids)]
        finally:
            con.close()


if __name__ == "__main__":
    sys.exit(main())
