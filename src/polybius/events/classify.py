"""A statistical second opinion: which kind of event a predicate in a sentence reports (issue 12, part 2).

A softmax regression (numpy) over three blocks of features of a (sentence, predicate) pair:

1. the WordLlama embedding of the whole sentence (`polybius.embed`, 256-d, L2-normalised);
2. the embedding of a predicate-centred window: the predicate with its particles, negation, objects and the
   objects of its prepositions (with their compounds and adjectives), in sentence order;
3. hashed lemma features of the predicate (its lemma; lemma + particle, + each object, + each preposition and
   its object; negation, passive, modal), `HASH_DIM` buckets, CRC32 so the buckets do not depend on Python's
   string hash seed.

Its classes are the (CAMEO root, PLOVER type) pairs of the ontology (26: "08:RETREAT", "18:ASSAULT", "01:" for
statements...), each standing for its most general CAMEO code. The training script
(`benchmarks/train_classifier.py`) fits it on the tuning part of the development sets with partial labels: a
ConfliBERT sentence's PentaClass allows every class of its roots, an NGEC story's PLOVER type every class of
that type, a lexicon example its entry's own class. Weights and the fallback threshold ship in
data/classifier.npz.

Two uses in the event extractor: a verb the lexicon does not code but whose subject and object are actors gets
the classifier's class when its probability clears the threshold (`rule` "classifier"), and every rule-coded
event gets the probability the classifier gives its PentaClass as a confidence feature.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.tokens import Token

from polybius.events.ontology import Ontology

CLASSIFIER_FILE = Path(__file__).resolve().parents[1] / "data" / "classifier.npz"
RULE = "classifier"
HASH_DIM = 2048
EMBED_DIM = 256
WINDOW_DEPS = frozenset(
    {"prt", "neg", "dobj", "obj", "dative", "prep", "agent", "attr", "acomp", "oprd", "xcomp"}
)
MODIFIER_DEPS = frozenset({"compound", "amod", "nummod"})
REPORTING = frozenset(
    {"say", "tell", "announce", "state", "declare", "report", "add", "claim", "note", "warn"}
)


def penta_of_root(root: str) -> int:
    """PentaClass of a CAMEO root (the ConfliBERT labels): 0 statements and appeals (01-02), 1 verbal
    cooperation (03-05), 2 material cooperation (06-08), 3 verbal conflict (09-13 and 16), 4 material conflict."""
    r = int(root)
    if r == 16:
        return 3
    return 0 if r <= 2 else 1 if r <= 5 else 2 if r <= 8 else 3 if r <= 13 else 4


def event_classes(ontology: Ontology) -> list[tuple[str, str, str]]:
    """(root, PLOVER type, representative code) for every (root, type) pair of the ontology, in code order. The
    representative is the pair's shortest code of three digits or more, a code ending in 0 first."""
    members: dict[tuple[str, str], list[str]] = {}
    for c in ontology.cameo.values():
        if len(c.code) >= 3:
            members.setdefault((c.root, c.plover_type), []).append(c.code)
    out = []
    for (root, ptype), codes in sorted(members.items()):
        rep = min(codes, key=lambda code: (len(code), not code.endswith("0"), code))
        out.append((root, ptype, rep))
    return out


def main_predicate(tokens: Sequence[Token]) -> Token | None:
    """The predicate a sentence is about: its root verb, or, when that verb reports speech ("X said Y attacked
    Z"), the verb of what is reported."""
    roots = [t for t in tokens if t.dep_ == "ROOT"]
    if not roots:
        return None
    root = roots[0]
    if root.lemma_.lower() in REPORTING:
        inner = [c for c in root.children if c.dep_ in ("ccomp", "parataxis") and c.pos_ in ("VERB", "AUX")]
        if inner:
            return inner[0]
    return root


def _phrase(tok: Token) -> list[Token]:
    return [m for m in tok.lefts if m.dep_ in MODIFIER_DEPS] + [tok]


def window_tokens(pred: Token) -> list[Token]:
    """The predicate with its particles, negation, objects and prepositional objects (with their modifiers)."""
    out = [pred]
    for c in pred.children:
        if c.dep_ not in WINDOW_DEPS:
            continue
        if c.dep_ in ("prep", "agent"):
            out.append(c)
            for p in c.children:
                if p.dep_ == "pobj":
                    out.extend(_phrase(p))
        elif c.dep_ == "xcomp":
            out.append(c)
            out.extend(t for o in c.children if o.dep_ in ("dobj", "obj") for t in _phrase(o))
        elif c.dep_ in ("dobj", "obj", "dative", "attr", "oprd"):
            out.extend(_phrase(c))
        else:
            out.append(c)
    return sorted(set(out), key=lambda t: t.i)


def hashed_names(pred: Token) -> list[str]:
    """The lemma features of a predicate, as strings (hashed into buckets by `hash_index`)."""
    lemma = pred.lemma_.lower()
    names = [f"v={lemma}", f"pos={pred.pos_}"]
    for c in pred.children:
        dep = c.dep_
        if dep == "prt":
            names.append(f"v={lemma}|prt={c.lower_}")
        elif dep == "neg":
            names.append("neg")
        elif dep in ("aux", "auxpass"):
            if c.tag_ == "MD":
                names.append(f"md={c.lower_}")
            if dep == "auxpass":
                names.append("passive")
        elif dep in ("dobj", "obj", "dative", "attr"):
            obj = c.lemma_.lower()
            names += [f"obj={obj}", f"v={lemma}|obj={obj}"]
        elif dep in ("prep", "agent"):
            names.append(f"v={lemma}|prep={c.lower_}")
            for p in c.children:
                if p.dep_ == "pobj":
                    names += [
                        f"prep={c.lower_}|pobj={p.lemma_.lower()}",
                        f"v={lemma}|{c.lower_}|{p.lemma_.lower()}",
                    ]
        elif dep == "xcomp":
            names.append(f"v={lemma}|x={c.lemma_.lower()}")
    return names


def hash_index(name: str, dim: int = HASH_DIM) -> int:
    return zlib.crc32(name.encode("utf-8")) % dim


def featurize(sentences: Sequence[str], predicates: Sequence[Token], hash_dim: int = HASH_DIM) -> np.ndarray:
    """One row per (sentence text, predicate token): [sentence embedding | window embedding | hashed lemmas]."""
    from polybius.embed import load_embedder

    n = len(sentences)
    if n == 0:
        return np.zeros((0, 2 * EMBED_DIM + hash_dim), dtype=np.float32)
    embedder = load_embedder()
    windows = [" ".join(t.text for t in window_tokens(p)) for p in predicates]
    emb = embedder.embed([*sentences, *windows])
    lemmas = np.zeros((n, hash_dim), dtype=np.float32)
    for i, p in enumerate(predicates):
        idx = sorted({hash_index(name, hash_dim) for name in hashed_names(p)})
        lemmas[i, idx] = 1.0 / np.sqrt(len(idx))
    return np.hstack([emb[:n], emb[n:], lemmas]).astype(np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Classifier:
    roots: tuple[str, ...]  # per class
    plover_types: tuple[str, ...]
    codes: tuple[str, ...]
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)
    threshold: float  # the fallback types a verb only at this probability or above
    hash_dim: int = HASH_DIM

    def probabilities(self, sentences: Sequence[str], predicates: Sequence[Token]) -> np.ndarray:
        x = featurize(sentences, predicates, self.hash_dim)
        return softmax(x @ self.weights + self.bias)

    def best(self, probs: np.ndarray) -> tuple[int, float]:
        """The most probable class of one row of probabilities, and its probability."""
        k = int(np.argmax(probs))
        return k, float(probs[k])

    def agreement(self, probs: np.ndarray, root: str) -> float:
        """The probability the classifier gives the PentaClass of a CAMEO root (a rule-coded event's class)."""
        want = penta_of_root(root)
        return float(sum(p for r, p in zip(self.roots, probs, strict=True) if penta_of_root(r) == want))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            roots=np.array(self.roots),
            plover_types=np.array(self.plover_types),
            codes=np.array(self.codes),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            threshold=np.array(self.threshold),
            hash_dim=np.array(self.hash_dim),
        )


class ClassifierError(ValueError):
    """The classifier's data file is missing or does not fit its own feature layout."""


def load_classifier(path: Path = CLASSIFIER_FILE) -> Classifier:
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ClassifierError(f"cannot read the event classifier {path}: {exc}") from None
    hash_dim = int(data["hash_dim"])
    weights = data["weights"].astype(np.float32)
    roots = tuple(str(r) for r in data["roots"])
    if weights.shape != (2 * EMBED_DIM + hash_dim, len(roots)):
        raise ClassifierError(f"{path}: weights of shape {weights.shape} do not fit {len(roots)} classes")
    return Classifier(
        roots=roots,
        plover_types=tuple(str(t) for t in data["plover_types"]),
        codes=tuple(str(c) for c in data["codes"]),
        weights=weights,
        bias=data["bias"].astype(np.float32),
        threshold=float(data["threshold"]),
        hash_dim=hash_dim,
    )


def fit(
    x: np.ndarray,
    allowed: np.ndarray,
    sample_weight: np.ndarray | None = None,
    l2: float = 1e-4,
    steps: int = 300,
    lr: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression with partial labels, by full-batch Adam: each row's loss is -log of the probability of
    its allowed classes (`allowed`, a boolean row per example). Returns (weights, bias)."""
    n, d = x.shape
    k = allowed.shape[1]
    sw = np.ones(n, dtype=np.float32) if sample_weight is None else sample_weight.astype(np.float32)
    sw = sw / sw.sum()
    w = np.zeros((d, k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    mask = allowed.astype(np.float32)
    for step in range(1, steps + 1):
        p = softmax(x @ w + b)
        q = p * mask
        q /= np.maximum(q.sum(axis=1, keepdims=True), 1e-12)
        g = (p - q) * sw[:, None]  # d(-log sum_allowed p)/d logits
        gw = x.T @ g + l2 * w
        gb = g.sum(axis=0)
        mw = beta1 * mw + (1 - beta1) * gw
        vw = beta2 * vw + (1 - beta2) * gw * gw
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb * gb
        c1, c2 = 1 - beta1**step, 1 - beta2**step
        w -= lr * (mw / c1) / (np.sqrt(vw / c2) + eps)
        b -= lr * (mb / c1) / (np.sqrt(vb / c2) + eps)
    return w, b


OPINION_SKIP = frozenset({"be", "have", "do", "say", "tell", "become", "seem", "remain", "get", "go", "come"})
OPINION_DEPS = frozenset({"dobj", "obj", "dative", "prep"})


def is_candidate(tok: Token) -> bool:
    """A verb the rules did not code that could still relate two actors: it has a subject, and an object or a
    prepositional phrase (the resolver decides later whether they are actors)."""
    if tok.lemma_.lower() in OPINION_SKIP:
        return False
    deps = {c.dep_ for c in tok.children}
    return bool(deps & {"nsubj", "nsubjpass", "agent"}) and bool(deps & OPINION_DEPS)


def agreement_feature(probability: float) -> float:
    """The confidence feature `classifier_agreement`: the classifier's probability of the event's PentaClass,
    centred (-1: sure it is another class, 0: no opinion, as when no classifier is loaded, 1: sure it is)."""
    return 2.0 * probability - 1.0
