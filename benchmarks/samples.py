"""Recall and precision of the bundled sample corpus against its gold table (data/samples/expected.tsv).

    python benchmarks/samples.py [--show-misses]

A gold row is found when an event in the sentence containing the row's substring has the gold source and target
(country match; the sector must match too when the gold gives one) and the gold CAMEO root. Precision counts
events in gold sentences that match no gold row of that sentence.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

from polybius.ingest import read_paths
from polybius.models import DocumentResult
from polybius.pipeline import Options, run

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "polybius" / "data" / "samples"


def actor_ok(gold: str, code: str | None, country: str | None, sector: str | None) -> bool:
    if not gold:
        return code is None
    if code is None:
        return False
    if gold.startswith(("IGO", "NGO")):
        return code.startswith(gold)
    if country != gold[:3]:
        return False
    return len(gold) == 3 or sector == gold[3:6]


def evaluate(show_misses: bool = False) -> dict[str, float]:
    gold = list(csv.DictReader((SAMPLES / "expected.tsv").open(encoding="utf-8"), delimiter="\t"))
    results: dict[str, DocumentResult] = {}
    for r in run(read_paths([str(SAMPLES)]), Options()):
        if isinstance(r, DocumentResult):
            src = r.document.source
            key = str(Path(src.split(":")[0]).relative_to(SAMPLES)) if ":" not in src.split("/")[-1] else ""
            if src.endswith(".jsonl") or ".jsonl:" in src:
                key = f"articles.jsonl#{r.document.id}"
            results[key or str(Path(src).relative_to(SAMPLES))] = r
    found = 0
    by_sentence: dict[tuple[str, int], list[dict[str, str]]] = defaultdict(list)
    misses = []
    for row in gold:
        res = results.get(row["file"])
        sent_idx = None
        if res is not None:
            for s in res.sentences:
                if row["sentence"] in s.text:
                    sent_idx = s.index
        if sent_idx is None:
            misses.append((row, "sentence not found"))
            continue
        by_sentence[(row["file"], sent_idx)].append(row)
        evs = [e for e in res.events if e.sentence_index == sent_idx]
        ok = any(
            actor_ok(row["source"], e.source.code, e.source.country, e.source.sector)
            and actor_ok(row["target"], e.target.code if e.target else None,
                         e.target.country if e.target else None, e.target.sector if e.target else None)
            and e.cameo_root == row["cameo_root"]
            for e in evs
        )  # fmt: skip
        found += ok
        if not ok:
            got = [(e.source.code, e.target.code if e.target else None, e.cameo) for e in evs]
            misses.append((row, f"got {got}"))
    extra = total = 0
    for (file, idx), rows in by_sentence.items():
        for e in results[file].events:
            if e.sentence_index != idx:
                continue
            total += 1
            if not any(
                e.cameo_root == r["cameo_root"]
                and actor_ok(r["source"][:3], e.source.code, e.source.country, None)
                for r in rows
            ):
                extra += 1
    if show_misses:
        for row, why in misses:
            print(
                f"MISS {row['file']}: {row['sentence']!r} {row['source']}->{row['target'] or '-'} {row['cameo_root']}: {why}"
            )
    recall = found / len(gold)
    precision = (total - extra) / total if total else 0.0
    print("| gold rows | found | recall | events in gold sentences | precision |")
    print("|---|---|---|---|---|")
    print(f"| {len(gold)} | {found} | {recall:.2f} | {total} | {precision:.2f} |")
    return {"recall": recall, "precision": precision}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show-misses", action="store_true")
    evaluate(ap.parse_args().show_misses)
    sys.exit(0)
