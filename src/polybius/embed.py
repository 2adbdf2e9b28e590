"""Offline sentence embeddings: WordLlama's static token vectors, loaded from the installed wheel.

`wordllama` ships its weights (``weights/l2_supercat_256.safetensors``) and tokenizer
(``tokenizers/l2_supercat_tokenizer_config.json``) inside its own package folder. Its `WordLlama.load`
looks the tokenizer up under another name and then tries to download it, so polybius loads both files
from the package folder itself: nothing is fetched from a hub, ever.

`load_embedder()` is the one entry point (cached per process, since the model is read-only); the
`Embedder` it returns embeds lists of texts into L2-normalised float32 rows, so a dot product is a cosine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL = "l2_supercat"
DIM = 256


class EmbeddingError(RuntimeError):
    """The embedding model files are not where the installed `wordllama` package keeps them."""


def model_files(model: str = MODEL, dim: int = DIM) -> tuple[Path, Path]:
    """The weights and tokenizer files inside the installed `wordllama` package."""
    import wordllama

    root = Path(wordllama.__file__).parent
    weights = root / "weights" / f"{model}_{dim}.safetensors"
    tokenizer = root / "tokenizers" / f"{model}_tokenizer_config.json"
    missing = [str(p) for p in (weights, tokenizer) if not p.exists()]
    if missing:
        raise EmbeddingError(f"wordllama model files missing (reinstall wordllama): {', '.join(missing)}")
    return weights, tokenizer


@dataclass(frozen=True)
class Embedder:
    """A loaded static embedding model; `embed` returns one L2-normalised row per text."""

    inference: Any
    dim: int

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self.inference.embed(texts, norm=True, batch_size=batch_size), dtype=np.float32)
        return vectors.reshape(len(texts), self.dim)

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.embed([a, b])
        return float(np.dot(va, vb))


@lru_cache(maxsize=2)
def load_embedder(model: str = MODEL, dim: int = DIM) -> Embedder:
    """Load the model once per process (read-only thereafter)."""
    from safetensors import safe_open
    from wordllama import WordLlama
    from wordllama.inference import WordLlamaInference

    weights, tokenizer_file = model_files(model, dim)
    tokenizer = WordLlama.load_tokenizer(tokenizer_file)
    with safe_open(str(weights), framework="np", device="cpu") as f:
        embedding = f.get_tensor("embedding.weight")
    return Embedder(WordLlamaInference(embedding, tokenizer), dim)
