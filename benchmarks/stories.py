"""Story threads on the project's own story set (benchmarks/data/stories.jsonl, written for polybius).

    python benchmarks/stories.py [--data PATH] [--batches N] [--show]

The set holds short news articles, each labelled with its story (`story`; stories named `x-...` are
unrelated single articles). The articles are coded by the pipeline and clustered in time order; reported are
pairwise same-story precision, recall and F1 (a pair of articles counts when both the gold and the clustering
put them in one story), the number of stories made, and the same figures when the articles arrive in N
batches, each clustered against the stories of the batches before (`--batches`, default 3).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from polybius.embed import load_embedder
from polybius.ingest import read_paths
from polybius.link.stories import Params, Story, cluster, story_docs
from polybius.models import DocumentResult
from polybius.pipeline import Options, run

DATA = Path(__file__).resolve().parent / "data" / "stories.jsonl"


def pairwise(gold: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, float]:
    ids = sorted(gold)
    tp = fp = fn = 0
    for a, b in combinations(ids, 2):
        same_gold = gold[a] == gold[b]
        same_pred = predicted[a] == predicted[b]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def in_batches(docs: list, n: int, params: Params) -> dict[str, str]:
    """Cluster the articles in `n` batches by date, each against the stories left by the ones before."""
    ordered = sorted(docs, key=lambda d: (d.day, d.id))
    size = -(-len(ordered) // n)
    stories: dict[str, Story] = {}
    assigned: dict[str, str] = {}
    for start in range(0, len(ordered), size):
        result = cluster(ordered[start : start + size], list(stories.values()), params)
        for m in result.merges:
            stories.pop(m.merged, None)
        for s in result.stories:
            stories[s.id] = s
        redirect = {m.merged: m.into for m in result.merges}
        assigned = {k: redirect.get(v, v) for k, v in assigned.items()}
        assigned.update({a.doc_id: a.story_id for a in result.assignments})
    return assigned


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--show", action="store_true", help="print the stories made")
    args = ap.parse_args(argv)
    gold = {r["id"]: r["story"] for r in map(json.loads, args.data.read_text(encoding="utf-8").splitlines())}
    t0 = time.perf_counter()
    results = [r for r in run(read_paths([str(args.data)], "jsonl"), Options()) if isinstance(r, DocumentResult)]
    t1 = time.perf_counter()
    docs = story_docs(results, load_embedder())
    params = Params()
    one = cluster(docs, (), params)
    t2 = time.perf_counter()
    predicted = {a.doc_id: a.story_id for a in one.assignments}
    batched = in_batches(docs, args.batches, params)
    n_gold = len(set(gold.values()))
    multi = sum(1 for s in set(gold.values()) if list(gold.values()).count(s) > 1)
    print(f"{len(gold)} articles in {n_gold} gold stories ({multi} with several articles); coded in "
          f"{t1 - t0:.1f} s, clustered in {t2 - t1:.2f} s")  # fmt: skip
    print()
    print("| run | stories made | pairwise precision | recall | F1 | merges |")
    print("|---|---:|---:|---:|---:|---:|")
    p, r, f = pairwise(gold, predicted)
    print(f"| one batch | {len(set(predicted.values()))} | {p:.3f} | {r:.3f} | {f:.3f} | {len(one.merges)} |")
    p, r, f = pairwise(gold, batched)
    print(f"| {args.batches} batches | {len(set(batched.values()))} | {p:.3f} | {r:.3f} | {f:.3f} | - |")
    if args.show:
        by_story = defaultdict(list)
        for doc_id, sid in predicted.items():
            by_story[sid].append(f"{doc_id}({gold[doc_id]})")
        for sid, members in sorted(by_story.items(), key=lambda x: x[1]):
            print(sid, " ".join(members))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
