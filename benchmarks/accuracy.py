"""Accuracy on the development sets: ConfliBERT CAMEO classes and spans, NGEC synthetic PLOVER stories.

    python benchmarks/accuracy.py [--shared ../shared] [--limit N] [--min-confidence X]

Each part reads its file from the shared folder and is skipped, with a message, when the file is absent.

1. ConfliBERT `cameo_class_train.tsv` (PentaClass gold, the Phoenix convention: 0 statements/appeals = CAMEO
   01-02, 1 verbal cooperation 03-05, 2 material cooperation 06-08, 3 verbal conflict 09-13 and 16 (reduce
   relations), 4 material conflict 14-15, 17-20): the top-confidence event of each sentence gives the prediction
   ("none" when no event), mapped into that label space; QuadClass macro-F1 over labels 1-4, accuracy over all
   five, coverage, and the confusion matrix. The macro-F1 under CAMEO's own QuadClass (16 in material conflict)
   is printed too.
2. ConfliBERT `cameo_ner_train.txt` (CoNLL; B/I-S source, B/I-T target): share of gold source and target spans
   that an event's source / target overlaps (any event of the sentence), and that the actor resolver turns into a
   country, IGO or NGO when asked about the gold span's head (the actors benchmark).
3. NGEC `synthetic_events.csv` (4,500 stories with a PLOVER type): per type, the share of stories whose type is
   among the coded events' PLOVER types. Each story is coded as the article it was generated as: its prompt
   (headline and "(Reuters) --" dateline) followed by its text, with the headline coded too (`--code-title`);
   `--no-title` codes the text alone.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from spacy.tokens import Span, Token

from polybius.clean import CleanError, clean
from polybius.models import Document, DocumentResult, Event, RawDocument
from polybius.pipeline import Coder, Options

LABELS = ["0", "1", "2", "3", "4"]


def penta(root: str, sixteen_verbal: bool = True) -> str:
    """The PentaClass label of a CAMEO root. PentaClass (Phoenix, and these labels: of the sentences whose top
    event polybius codes 16, 60 are labelled 3 and 1 is labelled 4) counts 16, reduce relations, as verbal
    conflict; CAMEO's QuadClass counts it as material conflict (`sixteen_verbal=False`)."""
    r = int(root)
    if sixteen_verbal and r == 16:
        return "3"
    return "0" if r <= 2 else "1" if r <= 5 else "2" if r <= 8 else "3" if r <= 13 else "4"


def macro_f1(gold: list[str], pred: list[str]) -> float:
    scores = []
    for lab in LABELS[1:]:
        tp = sum(g == p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(p == lab != g for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab != p for g, p in zip(gold, pred, strict=True))
        scores.append(f1(tp, fp, fn))
    return sum(scores) / len(scores)


def code_texts(coder: Coder, texts: list[str], batch: int = 64) -> list[DocumentResult]:
    out: list[DocumentResult] = []
    for i in range(0, len(texts), batch):
        docs = [
            Document(id=f"d{i + j}", text=t, source="bench", kind="text") for j, t in enumerate(texts[i : i + batch])
        ]
        for r in coder.code(docs):
            if not isinstance(r, DocumentResult):
                raise RuntimeError(str(r))
            out.append(r)
    return out


def top_event(events: Iterable[Event], min_conf: float) -> Event | None:
    kept = [e for e in events if e.confidence >= min_conf]
    return max(kept, key=lambda e: e.confidence) if kept else None


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def conflibert_classes(coder: Coder, path: Path, limit: int | None, min_conf: float) -> None:
    rows = [ln.rstrip("\n").rsplit("\t", 1) for ln in path.read_text(encoding="utf-8").splitlines() if "\t" in ln]
    rows = rows[:limit] if limit else rows
    t0 = time.perf_counter()
    results = code_texts(coder, [r[0] for r in rows])
    secs = time.perf_counter() - t0
    gold = [r[1].strip() for r in rows]
    pred, pred_quad = [], []
    for r in results:
        ev = top_event(r.events, min_conf)
        pred.append(penta(ev.cameo_root) if ev else "none")
        pred_quad.append(penta(ev.cameo_root, sixteen_verbal=False) if ev else "none")
    confusion: Counter[tuple[str, str]] = Counter(zip(gold, pred, strict=True))
    print(f"### ConfliBERT CAMEO classes ({len(rows)} sentences, {secs:.0f} s, min confidence {min_conf})\n")
    print("| class | gold | predicted | precision | recall | F1 |")
    print("|---|---|---|---|---|---|")
    f1s = []
    for lab in LABELS:
        tp = confusion[(lab, lab)]
        fp = sum(n for (g, p), n in confusion.items() if p == lab and g != lab)
        fn = sum(n for (g, p), n in confusion.items() if g == lab and p != lab)
        score = f1(tp, fp, fn)
        if lab != "0":
            f1s.append(score)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        print(f"| {lab} | {tp + fn} | {tp + fp} | {prec:.2f} | {rec:.2f} | {score:.2f} |")
    coded = sum(p != "none" for p in pred)
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    coded_acc = sum(g == p for g, p in zip(gold, pred, strict=True) if p != "none") / max(coded, 1)
    print(f"\nQuadClass macro-F1 (labels 1-4): **{sum(f1s) / 4:.3f}**; accuracy (5 labels): {acc:.3f}; "
          f"coverage: {coded / len(gold):.3f}; accuracy where coded: {coded_acc:.3f}\n")  # fmt: skip
    print(
        "PentaClass (these labels) puts CAMEO 16 (reduce relations: expel, suspend aid, sanctions) in class 3;\n"
        f"with CAMEO's QuadClass instead (16 in class 4), macro-F1 would be {macro_f1(gold, pred_quad):.3f}.\n"
    )
    print("confusion (rows gold, columns predicted):\n")
    cols = [*LABELS, "none"]
    print("| gold \\ pred | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for g in LABELS:
        print(f"| {g} | " + " | ".join(str(confusion[(g, p)]) for p in cols) + " |")
    print()


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    sentences, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sentences.append(cur)
            cur = []
            continue
        token, _, tag = line.rpartition(" ")
        cur.append((token, tag))
    if cur:
        sentences.append(cur)
    return sentences


NO_SPACE_BEFORE = frozenset({".", ",", ")", "%", ":", ";", "”", "!", "?"})
NO_SPACE_AFTER = frozenset({"(", "$", "€", "£", "“"})
APOSTROPHES = frozenset({"’", "'"})


def tight(prev: str, tok: str, nxt: str) -> bool:
    """Whether `tok` was written without a space after `prev`: the CoNLL file spaces out every token
    ("China ’ s", "3 , 000", "rebel - held", "P é rez", "U . K"); the coder should read the sentence as written."""
    if tok in NO_SPACE_BEFORE:
        return True
    if prev in NO_SPACE_AFTER or prev == "-" or tok == "-":
        return True
    if tok in APOSTROPHES and nxt.lower() in ("s", "t", "re", "ve", "ll", "d", "m"):
        return True
    if prev in APOSTROPHES and tok.lower() in ("s", "t", "re", "ve", "ll", "d", "m"):
        return True
    if prev == "," and tok[:1].isdigit() and len(tok) == 3:
        return True  # "3 , 000"
    if any(len(w) == 1 and w.isalpha() and not w.isascii() for w in (prev, tok)):
        return True  # "P é rez": a letter the tokeniser split off
    return prev == "." and len(tok) == 1 and tok.isupper()  # "U . K"


def spans(tokens: list[tuple[str, str]]) -> tuple[str, dict[str, list[tuple[int, int]]]]:
    """Sentence text (the tokens as they were written, see `tight`) and the character spans of S/T/R entities."""
    text, offsets = "", []
    words = [tok for tok, _ in tokens]
    for i, tok in enumerate(words):
        prev, nxt = (words[i - 1] if i else ""), (words[i + 1] if i + 1 < len(words) else "")
        if text and not tight(prev, tok, nxt):
            text += " "
        offsets.append((len(text), len(text) + len(tok)))
        text += tok
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, (_, tag) in enumerate(tokens):
        if tag.startswith("B-"):
            kind, end = tag[2:], i
            while end + 1 < len(tokens) and tokens[end + 1][1] == f"I-{kind}":
                end += 1
            found[kind].append((offsets[i][0], offsets[end][1]))
    return text, found


def overlaps(a: tuple[int, int], b: tuple[int | None, int | None]) -> bool:
    return b[0] is not None and b[1] is not None and a[0] < b[1] and b[0] < a[1]


def span_head(span: Span) -> Token:
    """The gold span's head: its parse root, unless the parser made a preposition, a verb or an article of it
    ("Hackers linked to the Iranian government" rooted at "linked"): then its object, or first noun or name."""
    root = span.root
    if root.pos_ == "ADP":  # "on veteran leader Silvio Berlusconi": the phrase hangs from its preposition
        return next((c for c in root.children if c.dep_ == "pobj" and c in span), root)
    if root.pos_ not in ("VERB", "AUX", "DET"):
        return root
    return next((t for t in span if t.pos_ in ("NOUN", "PROPN", "ADJ")), root)


def conflibert_spans(coder: Coder, path: Path, limit: int | None) -> None:
    from polybius.actors.resolve import DocContext, find_mentions

    sentences = read_conll(path)
    sentences = sentences[:limit] if limit else sentences
    prepared = [spans(s) for s in sentences]
    results = code_texts(coder, [t for t, _ in prepared])
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    resolver = coder.extractor.resolver
    for (text, gold), result in zip(prepared, results, strict=True):
        parsed = coder.nlp(text)
        sent = parsed[:]
        mentions = find_mentions(resolver.kb, sent)
        ctx = DocContext(date=None)
        resolver.observe(sent, mentions, ctx)  # as the pipeline does before it resolves arguments
        for kind, side in (("S", "source"), ("T", "target")):
            for span in gold.get(kind, []):
                totals[kind] += 1
                if any(overlaps(span, ((a := getattr(e, side)) and a.start, a and a.end)) for e in result.events):
                    hits[kind] += 1
                cspan = parsed.char_span(span[0], span[1], alignment_mode="expand")
                if cspan is not None:
                    actor = resolver.resolve(span_head(cspan), ctx, mentions)
                    if actor is not None and actor.country:
                        resolved[kind] += 1
    print(f"### ConfliBERT source/target spans ({len(sentences)} sentences)\n")
    print("| span | gold spans | hit by a coded event | resolved to country/IGO/NGO |")
    print("|---|---|---|---|")
    for kind, label in (("S", "source"), ("T", "target")):
        n = totals[kind]
        print(f"| {label} | {n} | {hits[kind] / n:.3f} | {resolved[kind] / n:.3f} |")
    both = totals["S"] + totals["T"]
    print(f"| both | {both} | {(hits['S'] + hits['T']) / both:.3f} | {(resolved['S'] + resolved['T']) / both:.3f} |\n")


def code_articles(coder: Coder, rows: list[dict[str, str]], with_title: bool, batch: int = 32) -> list[list[Event]]:
    """The events of each story as an article: prompt (headline, dateline) and text, cleaned as `polybius code`
    cleans them; a story cleaning rejects (a few are only URLs, or not English) has no events."""
    out: list[list[Event]] = []
    for i in range(0, len(rows), batch):
        docs: list[Document | None] = []
        for j, r in enumerate(rows[i : i + batch]):
            content = f"{r['prompt'].strip()} {r['text']}" if with_title else r["text"]
            raw = RawDocument(id=f"n{i + j}", kind="text", content=content, source="bench")
            try:
                docs.append(clean(raw, code_title=with_title))
            except CleanError:
                docs.append(None)
        coded = iter(coder.code([d for d in docs if d is not None]))
        for d in docs:
            res = next(coded) if d is not None else None
            if res is not None and not isinstance(res, DocumentResult):
                raise RuntimeError(str(res))
            out.append(res.events if res is not None else [])
    return out


def ngec(coder: Coder, path: Path, limit: int | None, min_conf: float, with_title: bool) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if limit:
        # keep every type represented: the first `limit` stories of each type, in file order
        per: Counter[str] = Counter()
        kept = []
        for r in rows:
            if per[r["label"]] < limit:
                per[r["label"]] += 1
                kept.append(r)
        rows = kept
    t0 = time.perf_counter()
    results = code_articles(coder, rows, with_title)
    secs = time.perf_counter() - t0
    found: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    coded_any = 0
    for row, events in zip(rows, results, strict=True):
        label = row["label"].strip().upper()
        totals[label] += 1
        types = {e.plover_type for e in events if e.confidence >= min_conf}
        coded_any += bool(types)
        found[label] += label in types
    what = "headline, dateline and text; headline coded" if with_title else "text only"
    print(f"### NGEC synthetic stories ({len(rows)} stories, {what}, {secs:.0f} s)\n")
    print("| PLOVER type | stories | label among coded types |")
    print("|---|---|---|")
    for label in sorted(totals):
        print(f"| {label} | {totals[label]} | {found[label] / totals[label]:.2f} |")
    macro = sum(found[k] / totals[k] for k in totals) / len(totals)
    micro = sum(found.values()) / sum(totals.values())
    print(f"\nrecall: macro over types **{macro:.3f}**, micro {micro:.3f}; stories with any event {coded_any / len(rows):.3f}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--limit", type=int, help="at most N sentences (NGEC: N stories per type)")
    ap.add_argument("--min-confidence", type=float, default=0.0)
    ap.add_argument("--only", choices=("classes", "spans", "ngec"), action="append")
    ap.add_argument("--no-title", action="store_true", help="NGEC: code the story text alone, without headline")
    args = ap.parse_args()
    shared = Path(args.shared)
    coder = Coder(Options())
    parts = args.only or ["classes", "spans", "ngec"]
    files = {
        "classes": shared / "devsets" / "conflibert" / "cameo_class_train.tsv",
        "spans": shared / "devsets" / "conflibert" / "cameo_ner_train.txt",
        "ngec": shared / "devsets" / "ngec_synthetic" / "synthetic_events.csv",
    }
    for part in parts:
        path = files[part]
        if not path.exists():
            print(f"skipped {part}: {path} not found\n")
            continue
        if part == "classes":
            conflibert_classes(coder, path, args.limit, args.min_confidence)
        elif part == "spans":
            conflibert_spans(coder, path, args.limit)
        else:
            ngec(coder, path, args.limit, args.min_confidence, with_title=not args.no_title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
