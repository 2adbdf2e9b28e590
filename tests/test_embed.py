import numpy as np

from polybius.embed import load_embedder, model_files


def test_model_ships_in_the_wheel():
    weights, tokenizer = model_files()
    assert weights.stat().st_size > 1_000_000 and tokenizer.exists()


def test_embeddings_are_normalised_and_related_texts_are_closer():
    emb = load_embedder()
    rows = emb.embed(["troops shelled the border town", "artillery fire hit the frontier village",
                      "the recipe needs two eggs"])
    assert rows.shape == (3, emb.dim)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    assert rows[0] @ rows[1] > rows[0] @ rows[2]
    assert emb.embed([]).shape == (0, emb.dim)
