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
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from spacy.tokens import Span, Token

from polybius.clean import CleanError, clean
from polybius.models import Document, DocumentResult, Event, RawDocument
from polybius.pipeline import Coder, Options

sys.path.insert(0, str(Path(__file__).resolve().parent))
from splits import (  # noqa: E402
    PARTS,
    key,
    read_classes,
    read_conll,
    read_ngec,
    sentence_part,
    story_part,
)

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
            Document(id=f"d{i + j}", text=t, source="bench", kind="text")
            for j, t in enumerate(texts[i : i + batch])
        ]
        for r in coder.code(docs):
            if not isinstance(r, DocumentResult):
                raise RuntimeError(str(r))
            out.append(r)
    return out


class CurrentOnly:
    """A Coder whose results leave out background events (`polybius code --no-background`)."""

    def __init__(self, coder: Coder) -> None:
        self.coder = coder

    def __getattr__(self, name: str) -> object:
        return getattr(self.coder, name)

    def code(self, docs: list[Document]) -> Iterable[DocumentResult | object]:
        for r in self.coder.code(docs):
            if isinstance(r, DocumentResult):
                r = replace(r, events=[e for e in r.events if not e.background])
            yield r


def top_event(events: Iterable[Event], min_conf: float) -> Event | None:
    kept = [e for e in events if e.confidence >= min_conf]
    return max(kept, key=lambda e: e.confidence) if kept else None


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def class_metrics(gold: list[str], pred: list[str], pred_quad: list[str]) -> dict[str, object]:
    confusion: Counter[tuple[str, str]] = Counter(zip(gold, pred, strict=True))
    rows, f1s = [], []
    for lab in LABELS:
        tp = confusion[(lab, lab)]
        fp = sum(n for (g, p), n in confusion.items() if p == lab and g != lab)
        fn = sum(n for (g, p), n in confusion.items() if g == lab and p != lab)
        score = f1(tp, fp, fn)
        if lab != "0":
            f1s.append(score)
        rows.append(
            (
                lab,
                tp + fn,
                tp + fp,
                tp / (tp + fp) if tp + fp else 0.0,
                tp / (tp + fn) if tp + fn else 0.0,
                score,
            )
        )
    coded = sum(p != "none" for p in pred)
    n = max(len(gold), 1)
    return {
        "rows": rows,
        "macro": sum(f1s) / 4,
        "macro_quad": macro_f1(gold, pred_quad),
        "acc": sum(g == p for g, p in zip(gold, pred, strict=True)) / n,
        "coverage": coded / n,
        "coded_acc": sum(g == p for g, p in zip(gold, pred, strict=True) if p != "none") / max(coded, 1),
        "confusion": confusion,
    }


def conflibert_classes(
    coder: Coder, path: Path, limit: int | None, min_conf: float
) -> dict[str, dict[str, object]]:
    rows = read_classes(path)
    rows = rows[:limit] if limit else rows
    t0 = time.perf_counter()
    results = code_texts(coder, [r[0] for r in rows])
    secs = time.perf_counter() - t0
    by_part: dict[str, tuple[list[str], list[str], list[str]]] = {p: ([], [], []) for p in PARTS}
    for (text, gold), r in zip(rows, results, strict=True):
        ev = top_event(r.events, min_conf)
        g, p, q = by_part[sentence_part(text)]
        g.append(gold)
        p.append(penta(ev.cameo_root) if ev else "none")
        q.append(penta(ev.cameo_root, sixteen_verbal=False) if ev else "none")
    metrics = {part: class_metrics(*by_part[part]) for part in PARTS}
    print(f"### ConfliBERT CAMEO classes ({len(rows)} sentences, {secs:.0f} s, min confidence {min_conf})\n")
    print("| part | sentences | QuadClass macro-F1 (labels 1-4) | macro-F1, 16 as material | accuracy (5 labels) "
          "| coverage | accuracy where coded |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for part in PARTS:
        m = metrics[part]
        print(f"| {part} | {len(by_part[part][0])} | **{m['macro']:.3f}** | {m['macro_quad']:.3f} | {m['acc']:.3f} "
              f"| {m['coverage']:.3f} | {m['coded_acc']:.3f} |")  # fmt: skip
    print()
    for part in PARTS:
        m = metrics[part]
        print(f"{part} part, per class:\n")
        print("| class | gold | predicted | precision | recall | F1 |")
        print("|---|---|---|---|---|---|")
        for lab, ngold, npred, prec, rec, score in m["rows"]:  # type: ignore[attr-defined]
            print(f"| {lab} | {ngold} | {npred} | {prec:.2f} | {rec:.2f} | {score:.2f} |")
        print(f"\n{part} part, confusion (rows gold, columns predicted):\n")
        cols = [*LABELS, "none"]
        print("| gold \\ pred | " + " | ".join(cols) + " |")
        print("|---" * (len(cols) + 1) + "|")
        confusion = m["confusion"]
        for g in LABELS:
            print(f"| {g} | " + " | ".join(str(confusion[(g, p)]) for p in cols) + " |")  # type: ignore[index]
        print()
    return metrics


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


def conflibert_spans(
    coder: Coder, path: Path, limit: int | None, classes: dict[str, str], min_conf: float
) -> None:
    """Span hits per part, and the (source, target, class) triple F1 where the sentence is also in the class file:
    a coded event is a right triple when its source overlaps a gold source span, its target a gold target span
    (or it has none where the sentence marks none) and its root's PentaClass is the sentence's label. Each
    sentence has one gold triple (its labelled event); precision is over all events coded in those sentences."""
    from polybius.actors.resolve import DocContext, find_mentions

    sentences = read_conll(path)
    sentences = sentences[:limit] if limit else sentences
    prepared = [spans(s) for s in sentences]
    results = code_texts(coder, [t for t, _ in prepared])
    hits: Counter[tuple[str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    resolved: Counter[tuple[str, str]] = Counter()
    triple: dict[str, Counter[str]] = {p: Counter() for p in PARTS}
    resolver = coder.extractor.resolver
    for (text, gold), result in zip(prepared, results, strict=True):
        part = sentence_part(text)
        parsed = coder.nlp(text)
        sent = parsed[:]
        mentions = find_mentions(resolver.kb, sent)
        ctx = DocContext(date=None)
        resolver.observe(sent, mentions, ctx)  # as the pipeline does before it resolves arguments
        for kind, side in (("S", "source"), ("T", "target")):
            for span in gold.get(kind, []):
                totals[part, kind] += 1
                if any(
                    overlaps(span, ((a := getattr(e, side)) and a.start, a and a.end)) for e in result.events
                ):
                    hits[part, kind] += 1
                cspan = parsed.char_span(span[0], span[1], alignment_mode="expand")
                if cspan is not None:
                    actor = resolver.resolve(span_head(cspan), ctx, mentions)
                    if actor is not None and actor.country:
                        resolved[part, kind] += 1
        label = classes.get(key(text))
        if label is None or not gold.get("S"):
            continue
        events = [e for e in result.events if e.confidence >= min_conf]
        right = [e for e in events if is_right_triple(e, gold, label)]
        triple[part]["gold"] += 1
        triple[part]["predicted"] += len(events)
        triple[part]["right_events"] += len(right)
        triple[part]["found"] += bool(right)
    print(f"### ConfliBERT source/target spans ({len(sentences)} sentences)\n")
    print("| part | span | gold spans | hit by a coded event | resolved to country/IGO/NGO |")
    print("|---|---|---|---|---|")
    for part in PARTS:
        for kind, label in (("S", "source"), ("T", "target")):
            n = totals[part, kind]
            print(
                f"| {part} | {label} | {n} | {hits[part, kind] / max(n, 1):.3f} | {resolved[part, kind] / max(n, 1):.3f} |"
            )
        both = totals[part, "S"] + totals[part, "T"]
        h = hits[part, "S"] + hits[part, "T"]
        r = resolved[part, "S"] + resolved[part, "T"]
        print(f"| {part} | both | {both} | **{h / max(both, 1):.3f}** | {r / max(both, 1):.3f} |")
    print("\n(source, target, PentaClass) triples, sentences in both ConfliBERT files:\n")
    print("| part | sentences | events | precision | recall | triple F1 |")
    print("|---|---|---|---|---|---|")
    for part in PARTS:
        c = triple[part]
        prec = c["right_events"] / max(c["predicted"], 1)
        rec = c["found"] / max(c["gold"], 1)
        score = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(f"| {part} | {c['gold']} | {c['predicted']} | {prec:.3f} | {rec:.3f} | **{score:.3f}** |")
    print()


def is_right_triple(ev: Event, gold: dict[str, list[tuple[int, int]]], label: str) -> bool:
    if penta(ev.cameo_root) != label:
        return False
    src = ev.source
    if not any(overlaps(span, (src.start, src.end)) for span in gold.get("S", [])):
        return False
    tgt = ev.target
    if not gold.get("T"):
        return tgt is None
    return tgt is not None and any(overlaps(span, (tgt.start, tgt.end)) for span in gold["T"])


def code_articles(
    coder: Coder, rows: list[dict[str, str]], with_title: bool, batch: int = 32
) -> list[list[Event]]:
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


def ngec(
    coder: Coder, path: Path, limit: int | None, min_conf: float, with_title: bool, only_part: str | None = None
) -> None:
    """Per part and type: the share of stories whose label is among the coded PLOVER types (any), and whose
    label is the type of the story's top event (top-1: the most confident event with a PLOVER type, the
    earliest sentence first among equals). `only_part`: the stories of one part alone."""
    rows = read_ngec(path)
    parts = (only_part,) if only_part else PARTS
    if only_part:
        rows = [r for r in rows if story_part(r) == only_part]
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
    found: Counter[tuple[str, str]] = Counter()
    top1: Counter[tuple[str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    coded_any: Counter[str] = Counter()
    labels: set[str] = set()
    for row, events in zip(rows, results, strict=True):
        part = story_part(row)
        label = row["label"].strip().upper()
        labels.add(label)
        totals[part, label] += 1
        typed = [e for e in events if e.confidence >= min_conf and e.plover_type]
        coded_any[part] += bool(typed)
        found[part, label] += label in {e.plover_type for e in typed}
        if typed:
            top = max(typed, key=lambda e: (e.confidence, -e.sentence_index))
            top1[part, label] += top.plover_type == label
    what = "headline, dateline and text; headline coded" if with_title else "text only"
    print(f"### NGEC synthetic stories ({len(rows)} stories, {what}, {secs:.0f} s)\n")
    print("| PLOVER type | " + " | ".join(f"{p} stories | {p} any | {p} top-1" for p in parts) + " |")
    print("|---" * (1 + 3 * len(parts)) + "|")
    for label in sorted(labels):
        cells = []
        for p in parts:
            n = totals[p, label]
            cells.append(f"{n} | {found[p, label] / max(n, 1):.2f} | {top1[p, label] / max(n, 1):.2f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print(
        "| part | stories | type any: macro | micro | type top-1: macro | micro | stories with a typed event |"
    )
    print("|---|---|---|---|---|---|---|")
    for p in parts:
        n = sum(totals[p, lab] for lab in labels)
        types = [lab for lab in labels if totals[p, lab]]
        macro = sum(found[p, lab] / totals[p, lab] for lab in types) / max(len(types), 1)
        macro1 = sum(top1[p, lab] / totals[p, lab] for lab in types) / max(len(types), 1)
        micro = sum(found[p, lab] for lab in types) / max(n, 1)
        micro1 = sum(top1[p, lab] for lab in types) / max(n, 1)
        print(
            f"| {p} | {n} | **{macro:.3f}** | {micro:.3f} | **{macro1:.3f}** | {micro1:.3f} | {coded_any[p] / max(n, 1):.3f} |"
        )
    print()


def classifier_alone(coder: Coder, classes_path: Path, ngec_path: Path) -> None:
    """The classifier with no rules: the class it gives each ConfliBERT sentence's main predicate (QuadClass
    macro-F1 over every sentence), and the PLOVER type it gives the first sentence of each NGEC story."""
    from polybius.events.classify import load_classifier, main_predicate, penta_of_root

    clf = coder.extractor.classifier or load_classifier()
    print("### Classifier alone (main predicate of each sentence; NGEC: of the story's first sentence)\n")
    print("| set | part | units | QuadClass macro-F1 / PLOVER type accuracy | accuracy |")
    print("|---|---|---|---|---|")

    def predict(texts: list[str]) -> list[int]:
        out = []
        for doc in coder.nlp.pipe(texts, batch_size=64):
            sent = next(iter(doc.sents), None)
            pred = main_predicate(sent) if sent is not None else None
            out.append(-1 if pred is None else clf.best(clf.probabilities([sent.text], [pred])[0])[0])
        return out

    if classes_path.exists():
        rows = read_classes(classes_path)
        ks = predict([t for t, _ in rows])
        for part in PARTS:
            gold = [g for (t, g), _ in zip(rows, ks, strict=True) if sentence_part(t) == part]
            pred = [
                str(penta_of_root(clf.roots[k])) if k >= 0 else "none"
                for (t, _), k in zip(rows, ks, strict=True)
                if sentence_part(t) == part
            ]
            acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / max(len(gold), 1)
            print(f"| ConfliBERT | {part} | {len(gold)} | {macro_f1(gold, pred):.3f} | {acc:.3f} |")
    if ngec_path.exists():
        rows = read_ngec(ngec_path)
        ks = predict([r["text"][:600] for r in rows])
        for part in PARTS:
            pairs = [
                (r["label"].strip().upper(), clf.plover_types[k] if k >= 0 else "")
                for r, k in zip(rows, ks, strict=True)
                if story_part(r) == part
            ]
            labels = sorted({g for g, _ in pairs})
            macro = sum(
                sum(p == g for gg, p in pairs if gg == g) / sum(gg == g for gg, _ in pairs) for g in labels
            ) / max(len(labels), 1)
            acc = sum(g == p for g, p in pairs) / max(len(pairs), 1)
            print(f"| NGEC (type of first sentence) | {part} | {len(pairs)} | {macro:.3f} (macro) | {acc:.3f} |")
    print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--limit", type=int, help="at most N sentences (NGEC: N stories per type)")
    ap.add_argument("--min-confidence", type=float, default=0.0)
    ap.add_argument("--only", choices=("classes", "spans", "ngec", "alone"), action="append")
    ap.add_argument("--part", choices=PARTS, help="NGEC: code only the stories of this part (the run is slow)")
    ap.add_argument(
        "--no-background", action="store_true", help="score without background events (code --no-background)"
    )
    ap.add_argument("--no-classifier", action="store_true", help="rules alone: no classifier fallback/feature")
    ap.add_argument(
        "--no-title", action="store_true", help="NGEC: code the story text alone, without headline"
    )
    args = ap.parse_args()
    shared = Path(args.shared)
    coder = Coder(Options(classifier=not args.no_classifier))
    if args.no_background:
        coder = CurrentOnly(coder)  # type: ignore[assignment]
    parts = args.only or ["classes", "spans", "ngec"]
    files: dict[str, Path] = {
        "classes": shared / "devsets" / "conflibert" / "cameo_class_train.tsv",
        "spans": shared / "devsets" / "conflibert" / "cameo_ner_train.txt",
        "ngec": shared / "devsets" / "ngec_synthetic" / "synthetic_events.csv",
    }
    for part in parts:
        if part == "alone":
            continue
        path = files[part]
        if not path.exists():
            print(f"skipped {part}: {path} not found\n")
            continue
        if part == "classes":
            conflibert_classes(coder, path, args.limit, args.min_confidence)
        elif part == "spans":
            classes = (
                {key(t): lab for t, lab in read_classes(files["classes"])}
                if files["classes"].exists()
                else {}
            )
            conflibert_spans(coder, path, args.limit, classes, args.min_confidence)
        elif part == "ngec":
            ngec(coder, path, args.limit, args.min_confidence, with_title=not args.no_title, only_part=args.part)
    if "alone" in parts:
        classifier_alone(coder, files["classes"], files["ngec"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
