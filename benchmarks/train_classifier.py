"""Train the event classifier (polybius.events.classify) on the TUNING part of the development sets.

    python benchmarks/train_classifier.py [--shared ../shared] [--out src/polybius/data/classifier.npz]

Examples, each a (sentence, predicate) pair with the classes its label allows:
- the lexicon's own example sentences (the entry's verb or noun; its (root, PLOVER type) class);
- ConfliBERT `cameo_class_train.tsv`, tuning part only (benchmarks/splits.py): the sentence's main predicate,
  every class of its PentaClass;
- NGEC synthetic stories, tuning part only: the first sentence of the story and its main predicate, every class
  of the story's PLOVER type.
The check part of each set is never read into the training data. A fifth of the tuning examples (by a hash of
the text) is held out to choose the fallback threshold: the lowest probability at which the held-out
ConfliBERT and NGEC examples the classifier types are right at least `--min-precision` of the time. The model
is then refitted on every tuning example and written with that threshold.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from splits import (  # noqa: E402
    CLASS_FILE,
    NGEC_FILE,
    TUNE,
    default_shared,
    read_classes,
    read_ngec,
    sentence_part,
    story_part,
)

from polybius.events.classify import (  # noqa: E402
    CLASSIFIER_FILE,
    HASH_DIM,
    Classifier,
    event_classes,
    featurize,
    fit,
    main_predicate,
    penta_of_root,
    softmax,
)
from polybius.events.lexicon import load_lexicon  # noqa: E402
from polybius.events.ontology import default_ontology  # noqa: E402
from polybius.nlp import load_model  # noqa: E402

HOLDOUT_SEED = "polybius-classifier-holdout"
HOLDOUT_SHARE = 0.2
SOURCES = ("lexicon", "conflibert", "ngec")
NGEC_CHARS = 600
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


DEFAULT_SHARE = "lexicon=0.3,conflibert=0.4,ngec=0.3"


def parse_share(value: str) -> dict[str, float]:
    return {k: float(v) for k, v in (kv.split("=") for kv in value.split(","))}


def held_out(text: str) -> bool:
    digest = hashlib.sha1(f"{HOLDOUT_SEED}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < HOLDOUT_SHARE


def collect(
    shared: Path, classes: list[tuple[str, str, str]], use_lexicon: bool = True
) -> list[tuple[str, str, np.ndarray, str]]:
    """(source, text, allowed classes, predicate lemma or "") of every tuning example."""
    ontology = default_ontology()
    index = {(root, ptype): k for k, (root, ptype, _) in enumerate(classes)}
    k = len(classes)
    out: list[tuple[str, str, np.ndarray, str]] = []
    if use_lexicon:
        for entry in load_lexicon(ontology).entries:
            if not entry.example or not ontology.is_valid(entry.code):
                continue
            info = ontology.code(entry.code)
            cls = index.get(
                (info.root, entry.plover or info.plover_type), index.get((info.root, info.plover_type))
            )
            if cls is None:
                continue
            allowed = np.zeros(k, dtype=bool)
            allowed[cls] = True
            out.append(("lexicon", entry.example, allowed, "|".join(entry.verbs or entry.nouns)))
    if (shared / CLASS_FILE).exists():
        for text, label in read_classes(shared / CLASS_FILE):
            if sentence_part(text) != TUNE or not label.isdigit():
                continue
            allowed = np.array([penta_of_root(root) == int(label) for root, _, _ in classes])
            out.append(("conflibert", text, allowed, ""))
    if (shared / NGEC_FILE).exists():
        for row in read_ngec(shared / NGEC_FILE):
            if story_part(row) != TUNE:
                continue
            label = row["label"].strip().upper()
            allowed = np.array([ptype == label for _, ptype, _ in classes])
            if allowed.any():
                out.append(("ngec", row["text"][:NGEC_CHARS], allowed, ""))  # the first sentence is enough
    return out


def parse_examples(
    examples: list[tuple[str, str, np.ndarray, str]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Features, allowed classes, source index and text of every example whose predicate is found."""
    nlp = load_model()
    sentences, preds, allowed, source, texts = [], [], [], [], []
    for (src, text, allow, lemmas), doc in zip(
        examples, nlp.pipe([e[1] for e in examples], batch_size=64), strict=True
    ):
        sent = next(iter(doc.sents), None)
        if sent is None:
            continue
        if lemmas:
            wanted = set(lemmas.split("|"))
            pred = next((t for t in doc if t.lemma_.lower() in wanted), None) or main_predicate(sent)
        else:
            pred = main_predicate(sent)
        if pred is None:
            continue
        sentences.append(sent.text)
        preds.append(pred)
        allowed.append(allow)
        source.append(SOURCES.index(src))
        texts.append(text)
    x = featurize(sentences, preds)
    return x, np.array(allowed), np.array(source), texts


def weights_for(source: np.ndarray, share: dict[str, float]) -> np.ndarray:
    """Per-example weights giving each source its `share` of the total weight."""
    w = np.zeros(len(source), dtype=np.float32)
    for i, name in enumerate(SOURCES):
        sel = source == i
        if sel.any():
            w[sel] = share[name] / sel.sum()
    return w


def evaluate(
    probs: np.ndarray, allowed: np.ndarray, source: np.ndarray, classes: list[tuple[str, str, str]]
) -> None:
    """Print held-out accuracy per source and the classifier-alone QuadClass macro-F1 on ConfliBERT."""
    best = probs.argmax(axis=1)
    right = allowed[np.arange(len(best)), best]
    print("| held-out source | examples | right (argmax class allowed) |")
    print("|---|---|---|")
    for i, name in enumerate(SOURCES):
        sel = source == i
        if sel.any():
            print(f"| {name} | {int(sel.sum())} | {right[sel].mean():.3f} |")
    gold_penta = np.array(
        [
            next(penta_of_root(classes[j][0]) for j in np.flatnonzero(row)) if row.any() else -1
            for row in allowed
        ]
    )
    pred_penta = np.array([penta_of_root(classes[j][0]) for j in best])
    conf = source == SOURCES.index("conflibert")
    if conf.any():
        f1s = []
        for lab in (1, 2, 3, 4):
            tp = int(((pred_penta == lab) & (gold_penta == lab) & conf).sum())
            fp = int(((pred_penta == lab) & (gold_penta != lab) & conf).sum())
            fn = int(((pred_penta != lab) & (gold_penta == lab) & conf).sum())
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        print(
            f"\nheld-out ConfliBERT QuadClass macro-F1 (classifier alone, every sentence typed): {np.mean(f1s):.3f}"
        )


def threshold_table(
    probs: np.ndarray, allowed: np.ndarray, source: np.ndarray, min_precision: float
) -> float:
    best = probs.argmax(axis=1)
    top = probs.max(axis=1)
    right = allowed[np.arange(len(best)), best]
    sel_src = source != SOURCES.index("lexicon")
    print("\n| threshold | held-out ConfliBERT + NGEC typed | precision |")
    print("|---|---|---|")
    chosen = THRESHOLDS[-1]
    for t in THRESHOLDS:
        sel = sel_src & (top >= t)
        prec = float(right[sel].mean()) if sel.any() else 0.0
        print(f"| {t:.1f} | {int(sel.sum())} | {prec:.3f} |")
        if sel.any() and prec >= min_precision and chosen == THRESHOLDS[-1] and t < chosen:
            chosen = t
    return chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(default_shared()))
    ap.add_argument("--out", default=str(CLASSIFIER_FILE))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument(
        "--min-precision", type=float, default=0.75, help="held-out precision the threshold must reach"
    )
    ap.add_argument(
        "--share", default="lexicon=0.3,conflibert=0.4,ngec=0.3", help="each source's share of weight"
    )
    ap.add_argument("--no-lexicon", action="store_true", help="leave the lexicon's examples out")
    args = ap.parse_args(argv)
    share = parse_share(args.share)
    t0 = time.perf_counter()
    classes = event_classes(default_ontology())
    examples = collect(Path(args.shared), classes, use_lexicon=not args.no_lexicon)
    if not examples:
        print(f"no training examples under {args.shared}")
        return 1
    x, allowed, source, texts = parse_examples(examples)
    counts = {name: int((source == i).sum()) for i, name in enumerate(SOURCES)}
    print(f"training examples (tuning part only): {counts}, {x.shape[1]} features, {len(classes)} classes\n")
    hold = np.array([held_out(t) for t in texts])
    if hold.any() and (~hold).any():
        w, b = fit(x[~hold], allowed[~hold], weights_for(source[~hold], share), l2=args.l2, steps=args.steps)
        probs = softmax(x[hold] @ w + b)
        evaluate(probs, allowed[hold], source[hold], classes)
        threshold = threshold_table(probs, allowed[hold], source[hold], args.min_precision)
    else:
        threshold = THRESHOLDS[-1]
    w, b = fit(x, allowed, weights_for(source, share), l2=args.l2, steps=args.steps)
    model = Classifier(
        roots=tuple(r for r, _, _ in classes),
        plover_types=tuple(p for _, p, _ in classes),
        codes=tuple(c for _, _, c in classes),
        weights=w,
        bias=b,
        threshold=threshold,
        hash_dim=HASH_DIM,
    )
    model.save(Path(args.out))
    print(
        f"\nwrote {args.out} ({Path(args.out).stat().st_size} bytes; fallback threshold {threshold:.1f}; {time.perf_counter() - t0:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
