"""Sparse TF-IDF vectors shared by the link stage's similarity and story threads."""

from __future__ import annotations

import math
from collections import Counter


def tfidf(counts: Counter[str], df: Counter[str], n_docs: int) -> dict[str, float]:
    """Sublinear TF times smoothed IDF, L2-normalised. Smoothed: a word in every document still counts (a batch
    of two articles has no rare words); terms counted zero or less are left out."""
    vec = {
        t: (1.0 + math.log(c)) * (1.0 + math.log((1 + n_docs) / (1 + df.get(t, 0))))
        for t, c in counts.items()
        if c > 0
    }
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product of two L2-normalised sparse vectors (iterating the shorter one)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())
