"""Duplicates: recall of copies, false merges and the speed of the duplicate check (link/dedup.py).

    python benchmarks/linking.py duplicates [--generated 600] [--sizes 10000 100000] [--seed 13]

1. Accuracy. The distinct articles are the bundled sample corpus (its syndicated copy left out) and
   `--generated` articles written here from sentence templates (random countries, people, places, numbers,
   days). Each article gets one copy (a fifth of them two) as another paper would run it: a new headline, a
   byline, a junk tail, paragraphs moved or one cut, typo-level edits. Every document goes, raw, through
   `clean` and then the store-backed check (`StoreIndex`, in groups as the pipeline sends them), in a shuffled
   order, so a copy may arrive before its original. A document linked to another (`duplicate_of`) joins its
   cluster. Recall: the share of same-article pairs that end in one cluster. False merges: pairs of different
   articles in one cluster, as a share of all pairs of different articles (and the links that point to another
   article). One line per threshold; the default is marked.
2. Speed and state. A store is filled with N synthetic signatures (random MinHash values: their bands never
   collide with a real text's, so every lookup is a miss, the common case), then 1,024 new articles are
   checked: documents per second of the whole check (signature + lookups + storing the new signatures),
   the store's size per stored document, and the process's resident memory after the check.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import psutil

from polybius.ingest import read_paths
from polybius.link.dedup import (
    DEFAULT_THRESHOLD,
    NUM_PERM,
    SHINGLE,
    StoreIndex,
    band_hashes,
    comparison_text,
    insert_rows,
    lsh_params,
)
from polybius.models import Document, RawDocument
from polybius.pipeline import clean_items
from polybius.store import connect

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "polybius" / "data" / "samples"
SAMPLE_COPY = "grain_deal_syndicated.txt"  # already a copy of a sample: not a distinct article
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)

COUNTRIES = [
    ("Brazil", "Brazilian", "Brasilia"), ("Kenya", "Kenyan", "Nairobi"), ("Vietnam", "Vietnamese", "Hanoi"),
    ("Poland", "Polish", "Warsaw"), ("Chile", "Chilean", "Santiago"), ("Egypt", "Egyptian", "Cairo"),
    ("Indonesia", "Indonesian", "Jakarta"), ("Nigeria", "Nigerian", "Abuja"), ("Canada", "Canadian", "Ottawa"),
    ("Mexico", "Mexican", "Mexico City"), ("Norway", "Norwegian", "Oslo"), ("Ethiopia", "Ethiopian", "Addis Ababa"),
    ("Thailand", "Thai", "Bangkok"), ("Morocco", "Moroccan", "Rabat"), ("Peru", "Peruvian", "Lima"),
    ("Ghana", "Ghanaian", "Accra"), ("Greece", "Greek", "Athens"), ("Jordan", "Jordanian", "Amman"),
    ("Colombia", "Colombian", "Bogota"), ("Malaysia", "Malaysian", "Kuala Lumpur"), ("Senegal", "Senegalese", "Dakar"),
    ("Sweden", "Swedish", "Stockholm"), ("Pakistan", "Pakistani", "Islamabad"), ("Argentina", "Argentine", "Buenos Aires"),
]  # fmt: skip
FIRST = ["Amara", "Tomas", "Lena", "Rafael", "Mei", "Jonas", "Farida", "Ivo", "Nadia", "Oscar", "Sani", "Elif",
         "Marek", "Ana", "Kwame", "Hiro", "Leila", "Pablo", "Ingrid", "Yusuf"]  # fmt: skip
LAST = ["Okafor", "Lindqvist", "Moreau", "Castillo", "Tanaka", "Kowalski", "Haddad", "Mensah", "Ferreira",
        "Novak", "Osei", "Demir", "Silva", "Nguyen", "Petrov", "Abebe", "Rossi", "Karimi", "Olsen", "Duarte"]  # fmt: skip
ROLES = ["foreign minister", "defence minister", "prime minister", "president", "trade minister",
         "interior minister", "finance minister", "opposition leader", "army chief", "central bank governor"]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
THINGS = ["a port expansion", "grain exports", "a border crossing", "fishing rights", "a gas pipeline",
          "visa rules", "a rail link", "water sharing", "customs duties", "a power line", "debt payments",
          "refugee returns", "airspace rules", "a mining licence", "vaccine supplies"]  # fmt: skip
SENTENCES = [
    "{A2} {role} {P} met {B2} officials in {capB} on {day} to discuss {thing}.",
    "The two sides agreed to set up a joint committee on {thing} that will meet every {n} months.",
    "{A} accused {B} of breaking a {year} agreement on {thing}, a charge officials in {capB} denied.",
    "Police in {capA} said {n} people were detained after a protest over {thing} turned violent on {day}.",
    "{A} will send {n} tonnes of food aid to {B} next week, {A2} officials said.",
    "{P}, who took office in {month} {year}, has made {thing} a priority of his government.",
    "Talks in {capA} ended without a deal late on {day}, and both delegations left without comment.",
    "Analysts in {capB} said the dispute over {thing} could cost the region {n} million dollars a year.",
    "{B2} troops fired on a patrol near the border on {day}, killing {n} soldiers, the army said.",
    "{A} recalled its ambassador from {capB} for consultations after the incident.",
    "The {A2} parliament voted {n} to {m} to approve the measure on {day}.",
    "{P} told reporters in {capA} that {A} was ready to resume talks on {thing} at any time.",
    "{B} imposed new tariffs on {A2} goods in {month}, raising duties on {thing} by {n} percent.",
    "The United Nations urged {A} and {B} to settle their dispute over {thing} through dialogue.",
    "Thousands of people marched through {capB} on {day} to demand the resignation of the {B2} {role}.",
    "{A2} officials said the new rules on {thing} would take effect on {month} {n}.",
    "A {B2} court sentenced {n} opposition activists to prison on {day} over the {year} protests.",
    "{A} and {B} signed a memorandum on {thing} during a visit by {P} to {capB}.",
    "The {A2} central bank raised its main interest rate to {n} percent on {day}.",
    "Flooding in the north of {A} has forced {n} thousand people from their homes since {month}.",
    "{P} said {B} had not kept its promises on {thing} and warned of consequences.",
    "Diplomats expect a further round of talks in {capA} before the end of {month}.",
    "{B2} state media reported that {n} drones were shot down over the capital overnight.",
    "Both governments said the accord on {thing} would be reviewed after {n} years.",
    "Opposition leaders in {capA} called the deal a betrayal and vowed to challenge it in court.",
    "The {A2} {role}, {P}, arrived in {capB} on {day} for a {n}-day visit.",
    "Officials from {A} and {B} will meet again in {month} to review progress on {thing}.",
    "{A} expelled {n} {B2} diplomats on {day}, accusing them of spying.",
    "The agreement on {thing} was welcomed by business groups in both countries.",
    "{B2} fishermen say the dispute over {thing} has cut their catch by {n} percent.",
]
HEADLINE_WORDS = ["talks", "deal", "dispute", "row", "visit", "protest", "aid", "tariffs", "border", "accord",
                  "tensions", "summit", "envoy", "vote", "clash"]  # fmt: skip
OUTLETS = ["The Morning Ledger", "Harbour Times", "Daily Courier", "The Evening Post", "Metro Herald", "Valley News",
           "The Northern Star", "Capital Gazette"]  # fmt: skip
TAILS = [
    "Share this:\nClick to share on Twitter (Opens in new window)\nClick to share on Facebook (Opens in new window)",
    "Copyright {year} {outlet}. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
    "Related\n{h1}\n{h2}\nRead more: {h3}",
    "Subscribe to our newsletter\nEnter your email address\nSign up",
    "Most popular\n{h1}\n{h2}\n{h3}",
    "{n} Comments\nLeave a comment",
]


def fill(rng: random.Random, template: str, a: tuple[str, str, str], b: tuple[str, str, str], person: str) -> str:
    return template.format(
        A=a[0], A2=a[1], capA=a[2], B=b[0], B2=b[1], capB=b[2], P=person, role=rng.choice(ROLES),
        day=rng.choice(DAYS), month=rng.choice(MONTHS), year=rng.randint(1995, 2024), n=rng.randint(2, 90),
        m=rng.randint(2, 90), thing=rng.choice(THINGS),
    )  # fmt: skip


def generated_article(rng: random.Random) -> tuple[str, list[str]]:
    """(headline, paragraphs) of a new article."""
    a, b = rng.sample(COUNTRIES, 2)
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    picks = rng.sample(SENTENCES, rng.randint(9, 14))
    sentences = [fill(rng, s, a, b, person) for s in picks]
    paragraphs, i = [], 0
    while i < len(sentences):
        k = rng.randint(1, 3)
        paragraphs.append(" ".join(sentences[i : i + k]))
        i += k
    return headline(rng, a[1], b[1]), paragraphs


def headline(rng: random.Random, a: str, b: str) -> str:
    return f"{a} and {b} {rng.choice(['hold', 'deepen', 'end', 'resume', 'trade barbs in'])} {rng.choice(HEADLINE_WORDS)}"


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters
    if kind == 1:
        return word[:i] + word[i + 1 :]  # drop one
    return word[:i] + word[i] + word[i:]  # double one


def copy_of(rng: random.Random, paragraphs: list[str]) -> str:
    """The raw text of another paper's copy: new headline, byline, edits, junk tail."""
    paras = list(paragraphs)
    if len(paras) >= 3 and rng.random() < 0.5:  # two paragraphs change places
        i = rng.randrange(len(paras) - 1)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
    if len(paras) >= 5 and rng.random() < 0.5:  # one paragraph cut (not the lead)
        del paras[rng.randrange(1, len(paras))]
    elif rng.random() < 0.5:  # the last sentence cut
        last = paras[-1].rsplit(". ", 1)
        if len(last) == 2:
            paras[-1] = last[0] + "."
    paras = [" ".join(typo(rng, w) if rng.random() < 0.015 else w for w in p.split(" ")) for p in paras]
    outlet = rng.choice(OUTLETS)
    tail = rng.choice(TAILS).format(
        year=rng.randint(2019, 2025), outlet=outlet, n=rng.randint(2, 80),
        h1=headline(rng, *rng.sample([c[1] for c in COUNTRIES], 2)),
        h2=headline(rng, *rng.sample([c[1] for c in COUNTRIES], 2)),
        h3=headline(rng, *rng.sample([c[1] for c in COUNTRIES], 2)),
    )  # fmt: skip
    head = headline(rng, *rng.sample([c[1] for c in COUNTRIES], 2)).capitalize()
    byline = f"By {rng.choice(FIRST)} {rng.choice(LAST)}, {outlet}"
    return "\n\n".join([head, byline, *paras, tail]) + "\n"


def sample_articles() -> list[Document]:
    paths = [str(SAMPLES / "text"), str(SAMPLES / "html"), str(SAMPLES / "articles.jsonl")]
    return [
        d for d in clean_items(read_paths(paths, "auto"))
        if isinstance(d, Document) and not d.source.endswith(SAMPLE_COPY)
    ]  # fmt: skip


def corpus(n_generated: int, seed: int) -> tuple[list[Document], list[int]]:
    """Cleaned documents (shuffled) and the article each copies (its family)."""
    rng = random.Random(seed)
    articles: list[tuple[str, list[str]]] = [(d.title or "", d.text.split("\n\n")) for d in sample_articles()]
    articles += [generated_article(rng) for _ in range(n_generated)]
    raw: list[tuple[RawDocument, int]] = []
    for family, (title, paragraphs) in enumerate(articles):
        raw.append((RawDocument(f"a{family}", "text", "\n\n".join([title, *paragraphs]) + "\n", f"a{family}.txt"), family))
        for c in range(2 if rng.random() < 0.2 else 1):
            raw.append((RawDocument(f"a{family}c{c}", "text", copy_of(rng, paragraphs), f"a{family}c{c}.txt"), family))
    rng.shuffle(raw)
    family_of = {r.id: f for r, f in raw}
    docs = [d for d in clean_items(r for r, _ in raw) if isinstance(d, Document)]
    if len(docs) != len(raw):
        raise SystemExit(f"cleaning rejected {len(raw) - len(docs)} generated documents")
    return docs, [family_of[d.id] for d in docs]


def clusters(ids: list[str], links: dict[str, str]) -> dict[str, str]:
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links.items():
        parent[root(a)] = root(b)
    return {i: root(i) for i in ids}


def accuracy(docs: list[Document], families: list[int], threshold: float, tmp: Path) -> dict[str, float]:
    con = connect(tmp / f"acc-{threshold}.duckdb")
    index = StoreIndex(con, threshold)
    links: dict[str, str] = {}
    for start in range(0, len(docs), StoreIndex.group):
        group = docs[start : start + StoreIndex.group]
        for d, m in zip(group, index.check([(d.id, comparison_text(d)) for d in group]), strict=True):
            if m is not None:
                links[d.id] = m.doc_id
    con.close()
    family = {d.id: f for d, f in zip(docs, families, strict=True)}
    cluster = clusters([d.id for d in docs], links)
    sizes = Counter(families)
    same_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    all_pairs = len(docs) * (len(docs) - 1) // 2
    together: Counter[tuple[str, int]] = Counter((cluster[d.id], family[d.id]) for d in docs)
    found_same = sum(n * (n - 1) // 2 for n in together.values())
    by_cluster = Counter(cluster[d.id] for d in docs)
    clustered_pairs = sum(n * (n - 1) // 2 for n in by_cluster.values())
    wrong_links = sum(family[a] != family[b] for a, b in links.items())
    return {
        "recall": found_same / same_pairs,
        "false_merges": (clustered_pairs - found_same) / (all_pairs - same_pairs),
        "wrong_links": wrong_links,
        "links": len(links),
    }


def fill_store(con, n: int, params, rng: np.random.Generator) -> None:  # noqa: ANN001
    step = 50_000
    for start in range(0, n, step):
        k = min(step, n - start)
        sigs = rng.integers(0, 2**32 - 1, size=(k, NUM_PERM), dtype=np.uint64).astype(np.uint32)
        ids = [f"s{start + i:09d}" for i in range(k)]
        exact = rng.integers(-(2**62), 2**62, size=k)
        insert_rows(con, "link_signatures", ("doc_id", "exact", "minhash"),
                    [(i, int(e), s.tobytes()) for i, e, s in zip(ids, exact, sigs, strict=True)])  # fmt: skip
        insert_rows(con, "link_bands", ("hash", "doc_id"),
                    [(h, i) for i, s in zip(ids, sigs, strict=True) for h in band_hashes(s, params).tolist()])  # fmt: skip
        insert_rows(con, "documents", ("id",), [(i,) for i in ids])


def speed(n: int, probes: list[Document], tmp: Path, seed: int) -> dict[str, float]:
    path = tmp / f"speed-{n}.duckdb"
    con = connect(path)
    params = lsh_params(DEFAULT_THRESHOLD)
    t0 = time.perf_counter()
    fill_store(con, n, params, np.random.default_rng(seed))
    fill_s = time.perf_counter() - t0
    con.execute("CHECKPOINT")
    index = StoreIndex(con, DEFAULT_THRESHOLD)
    t0 = time.perf_counter()
    copies = 0
    for start in range(0, len(probes), StoreIndex.group):
        group = probes[start : start + StoreIndex.group]
        copies += sum(m is not None for m in index.check([(d.id, comparison_text(d)) for d in group]))
    check_s = time.perf_counter() - t0
    con.execute("CHECKPOINT")
    con.close()
    return {
        "docs_per_s": len(probes) / check_s,
        "fill_s": fill_s,
        "bytes_per_doc": path.stat().st_size / (n + len(probes)),
        "rss_mb": psutil.Process().memory_info().rss / 1e6,
        "copies": copies,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generated", type=int, default=600, help="generated articles (default 600)")
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="stored signatures")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)

    docs, families = corpus(args.generated, args.seed)
    n_articles = len(set(families))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"MinHash: {NUM_PERM} permutations over word {SHINGLE}-grams; default threshold {DEFAULT_THRESHOLD}\n")
    print(f"corpus: {n_articles} distinct articles ({n_articles - args.generated} samples, {args.generated} "
          f"generated) and {len(docs) - n_articles} copies: {len(docs)} documents\n")  # fmt: skip
    print("| threshold | bands x rows | recall of copies | false merges (share of distinct pairs) | links to another article | links |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for t in THRESHOLDS:
            r = accuracy(docs, families, t, Path(tmp))
            p = lsh_params(t)
            mark = " (default)" if t == DEFAULT_THRESHOLD else ""
            print(f"| {t}{mark} | {p.bands} x {p.rows} | {r['recall']:.4f} | {r['false_merges']:.5%} | "
                  f"{r['wrong_links']} | {r['links']} |")  # fmt: skip
        rng = random.Random(args.seed + 1)
        probe_raw = []
        for i in range(1024):
            title, paragraphs = generated_article(rng)
            probe_raw.append(RawDocument(f"p{i}", "text", "\n\n".join([title, *paragraphs]) + "\n", f"p{i}.txt"))
        probes = [d for d in clean_items(probe_raw) if isinstance(d, Document)]
        print(f"\nduplicate check of {len(probes)} new articles against N stored signatures "
              f"(groups of {StoreIndex.group}, threshold {DEFAULT_THRESHOLD}):\n")  # fmt: skip
        print("| stored signatures N | check: documents/s | store bytes per document | process RSS after (MB) | fill time (s) |")
        print("|---|---|---|---|---|")
        for n in args.sizes:
            s = speed(n, probes, Path(tmp), args.seed)
            print(f"| {n:,} | {s['docs_per_s']:.0f} | {s['bytes_per_doc']:.0f} | {s['rss_mb']:.0f} | {s['fill_s']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
