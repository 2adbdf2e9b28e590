"""Article similarity on SemEval-2022 Task 8's scale: overall, geography, entities, time, narrative, 1 to 4
(**1 = most similar**, 4 = unrelated).

Each article becomes a `Profile` (content lemmas, named entities by kind, numbers, sentence embeddings from
`polybius.embed`); a pair becomes a short feature vector (TF-IDF cosine, embedding cosines of the whole text,
the lead and the best-matching sentences, entity and place overlaps, date distance, lengths); a small ridge
regression per dimension, fitted on the SemEval-2022 training pairs by `benchmarks/fit_similarity.py` and
shipped as `data/similarity_model.json`, maps the features to scores. Nothing is downloaded.

The TF-IDF weights come from the texts scored together (the batch), so no word list is shipped.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from polybius.link.vectors import cosine, tfidf

DIMENSIONS = ("overall", "geography", "entities", "time", "narrative")
MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "similarity_model.json"
LEAD_SENTENCES = 3
NUMBER = re.compile(r"\d[\d,.]*")
PERSON_KINDS = frozenset({"PERSON"})
ORG_KINDS = frozenset({"ORG"})
PLACE_KINDS = frozenset({"GPE", "LOC", "FAC"})
GROUP_KINDS = frozenset({"NORP"})
WHEN_KINDS = frozenset({"DATE", "TIME"})
NAME_KINDS = PERSON_KINDS | ORG_KINDS | PLACE_KINDS | GROUP_KINDS | frozenset({"EVENT", "PRODUCT", "LAW"})
CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})


class SimilarityError(ValueError):
    """A pair that cannot be scored (missing text, bad date)."""


@dataclass(frozen=True)
class Pair:
    id: str
    text1: str
    text2: str
    title1: str | None = None
    title2: str | None = None
    date1: str | None = None
    date2: str | None = None


@dataclass(frozen=True)
class Profile:
    """What similarity (and story clustering) compares of one article."""

    terms: Counter[str]  # content lemmas, lower case
    lead_terms: Counter[str]  # content lemmas of the title and first sentences
    people: frozenset[str]
    orgs: frozenset[str]
    places: frozenset[str]
    groups: frozenset[str]
    names: frozenset[str]  # every named entity of a name kind
    when: frozenset[str]  # DATE/TIME entity texts
    numbers: frozenset[str]
    vector: np.ndarray  # whole text embedding
    lead: np.ndarray  # title and first sentences
    title: np.ndarray  # the first sentence (the title when there is one)
    sentences: np.ndarray  # one row per sentence
    n_words: int
    day: date | None = None


@dataclass(frozen=True)
class Model:
    """Per-dimension ridge regressions over standardised features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: dict[str, np.ndarray]  # dimension -> coefficients (intercept last)
    low: np.ndarray  # the features' range in the fitted pairs: a linear model must not extrapolate far
    high: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> dict[str, np.ndarray]:
        x = np.clip(x, self.low, self.high)
        z = np.hstack([(x - self.mean) / self.scale, np.ones((x.shape[0], 1))])
        return {d: np.clip(z @ w, 1.0, 4.0) for d, w in self.weights.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": {d: w.round(6).tolist() for d, w in self.weights.items()},
            "low": self.low.round(6).tolist(),
            "high": self.high.round(6).tolist(),
            "meta": self.meta,
        }


def load_model(path: str | Path = MODEL_FILE) -> Model:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise SimilarityError(f"{path}: model features differ from this version's; rebuild it")
    return Model(
        tuple(data["features"]),
        np.asarray(data["mean"]),
        np.asarray(data["scale"]),
        {d: np.asarray(w) for d, w in data["weights"].items()},
        np.asarray(data["low"]),
        np.asarray(data["high"]),
        data.get("meta", {}),
    )


def full_text(text: str, title: str | None) -> str:
    text = (text or "").strip()
    if title and title.strip() and not text.startswith(title.strip()):
        return f"{title.strip()}\n{text}"
    return text


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise SimilarityError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _names(ents: Iterable[tuple[str, str]], kinds: frozenset[str]) -> frozenset[str]:
    return frozenset(text for text, label in ents if label in kinds)


def profiles(texts: Sequence[str], nlp: Any, embedder: Any, days: Sequence[date | None] | None = None,
             batch_size: int = 32) -> list[Profile]:
    """Parse and embed articles (spaCy NER and lemmas; WordLlama vectors of the text, lead and sentences)."""
    days = list(days) if days is not None else [None] * len(texts)
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    sentence_texts = [[s.text.strip() for s in d.sents if s.text.strip()] or [d.text or " "] for d in docs]
    leads = [" ".join(s[:LEAD_SENTENCES]) for s in sentence_texts]
    flat = [s for ss in sentence_texts for s in ss]
    whole = embedder.embed([t or " " for t in texts])
    lead = embedder.embed(leads)
    titles = embedder.embed([s[0] for s in sentence_texts])
    sent_vecs = embedder.embed(flat)
    out: list[Profile] = []
    start = 0
    for i, doc in enumerate(docs):
        n = len(sentence_texts[i])
        ents = [(" ".join(e.text.lower().split()).removeprefix("the "), e.label_) for e in doc.ents]
        content = [
            t for t in doc if t.pos_ in CONTENT_POS and not t.is_stop and t.is_alpha and len(t) > 1
        ]
        sents = list(doc.sents)
        lead_end = sents[min(LEAD_SENTENCES, len(sents)) - 1].end if sents else 0
        terms = Counter(t.lemma_.lower() for t in content)
        lead_terms = Counter(t.lemma_.lower() for t in content if t.i < lead_end)
        out.append(
            Profile(
                terms=terms,
                lead_terms=lead_terms,
                people=_names(ents, PERSON_KINDS),
                orgs=_names(ents, ORG_KINDS),
                places=_names(ents, PLACE_KINDS),
                groups=_names(ents, GROUP_KINDS),
                names=_names(ents, NAME_KINDS),
                when=_names(ents, WHEN_KINDS),
                numbers=frozenset(m.group().rstrip(".,") for m in NUMBER.finditer(doc.text)),
                vector=whole[i],
                lead=lead[i],
                title=titles[i],
                sentences=sent_vecs[start : start + n],
                n_words=sum(1 for t in doc if t.is_alpha),
                day=days[i],
            )
        )
        start += n
    return out


def document_frequencies(items: Iterable[Profile]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for p in items:
        df.update(p.terms.keys())
        n += 1
    return df, n


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared items over the smaller set (0 when either is empty)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def alignment(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Best-match sentence similarity: mean over both sides of each sentence's best cosine, and the maximum."""
    sims = a @ b.T
    if sims.size == 0:
        return 0.0, 0.0
    mean = 0.5 * (float(sims.max(axis=1).mean()) + float(sims.max(axis=0).mean()))
    return mean, float(sims.max())


FEATURES = (
    "tfidf_cos",
    "embed_cos",
    "lead_cos",
    "align_mean",
    "align_max",
    "title_cos",
    "lead_tfidf_cos",
    "names_jaccard",
    "people_overlap",
    "orgs_overlap",
    "places_jaccard",
    "places_overlap",
    "groups_overlap",
    "when_overlap",
    "numbers_jaccard",
    "days_apart_log",
    "days_unknown",
    "length_ratio_log",
    "min_words_log",
    "tfidf_cos_sq",
    "embed_cos_sq",
    "lead_cos_sq",
    "align_mean_sq",
    "align_max_sq",
)  # the squares let a linear model bend: scores saturate at both ends of the scale


def pair_features(a: Profile, b: Profile, df: Counter[str], n_docs: int) -> np.ndarray:
    if a.day and b.day:
        days_apart, unknown = math.log1p(abs((a.day - b.day).days)), 0.0
    else:
        days_apart, unknown = 0.0, 1.0
    align_mean, align_max = alignment(a.sentences, b.sentences)
    values = {
        "tfidf_cos": cosine(tfidf(a.terms, df, n_docs), tfidf(b.terms, df, n_docs)),
        "embed_cos": float(a.vector @ b.vector),
        "lead_cos": float(a.lead @ b.lead),
        "align_mean": align_mean,
        "align_max": align_max,
        "title_cos": float(a.title @ b.title),
        "lead_tfidf_cos": cosine(tfidf(a.lead_terms, df, n_docs), tfidf(b.lead_terms, df, n_docs)),
        "names_jaccard": jaccard(a.names, b.names),
        "people_overlap": overlap(a.people, b.people),
        "orgs_overlap": overlap(a.orgs, b.orgs),
        "places_jaccard": jaccard(a.places, b.places),
        "places_overlap": overlap(a.places, b.places),
        "groups_overlap": overlap(a.groups, b.groups),
        "when_overlap": overlap(a.when, b.when),
        "numbers_jaccard": jaccard(a.numbers, b.numbers),
        "days_apart_log": days_apart,
        "days_unknown": unknown,
        "length_ratio_log": abs(math.log((a.n_words + 1) / (b.n_words + 1))),
        "min_words_log": math.log1p(min(a.n_words, b.n_words)),
    }
    for name in ("tfidf_cos", "embed_cos", "lead_cos", "align_mean", "align_max"):
        values[f"{name}_sq"] = values[name] ** 2
    return np.array([values[f] for f in FEATURES], dtype=np.float64)


def feature_matrix(pairs: Sequence[Pair], nlp: Any, embedder: Any) -> np.ndarray:
    """Features of many pairs; TF-IDF weights come from all the texts of the batch."""
    texts: list[str] = []
    days: list[date | None] = []
    for p in pairs:
        texts += [full_text(p.text1, p.title1), full_text(p.text2, p.title2)]
        days += [parse_day(p.date1), parse_day(p.date2)]
    profs = profiles(texts, nlp, embedder, days)
    df, n = document_frequencies(profs)
    if not pairs:
        return np.zeros((0, len(FEATURES)))
    return np.vstack([pair_features(profs[2 * i], profs[2 * i + 1], df, n) for i in range(len(pairs))])


def fit(
    x: np.ndarray,
    targets: dict[str, np.ndarray],
    alpha: float | dict[str, float] = 1.0,
    meta: dict[str, Any] | None = None,
) -> Model:
    """Ridge regression per dimension on standardised features (the intercept is not penalised); `alpha` is
    one penalty or one per dimension."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((x.shape[0], 1))])
    eye = np.eye(z.shape[1])
    eye[-1, -1] = 0.0
    alphas = alpha if isinstance(alpha, dict) else dict.fromkeys(targets, alpha)
    weights = {d: np.linalg.solve(z.T @ z + alphas[d] * eye, z.T @ y) for d, y in targets.items()}
    return Model(FEATURES, mean, scale, weights, x.min(axis=0), x.max(axis=0), meta or {})


def pair_from_record(record: dict[str, Any], line: int) -> Pair:
    """A pair from a JSON object `{"id", "text1", "text2", "title1"?, "title2"?, "date1"?, "date2"?}`."""
    if not isinstance(record, dict):
        raise SimilarityError("a pair must be a JSON object")
    pid = record.get("id", line)
    texts = [record.get("text1"), record.get("text2")]
    for i, t in enumerate(texts, 1):
        if not isinstance(t, str) or not t.strip():
            raise SimilarityError(f"pair {pid}: text{i} is missing or empty")
    for key in ("date1", "date2"):
        parse_day(record.get(key))
    return Pair(
        str(pid), texts[0], texts[1], record.get("title1"), record.get("title2"), record.get("date1"),
        record.get("date2"),
    )


def score(pairs: Sequence[Pair], model: Model, nlp: Any, embedder: Any) -> list[dict[str, Any]]:
    """Scores of each pair on the five dimensions (1 = most similar, 4 = unrelated), rounded to 3 places."""
    if not pairs:
        return []
    predicted = model.predict(feature_matrix(pairs, nlp, embedder))
    return [
        {"id": p.id, **{d: round(float(predicted[d][i]), 3) for d in DIMENSIONS}} for i, p in enumerate(pairs)
    ]
