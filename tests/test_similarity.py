"""Article similarity: features, the shipped model, and `polybius similarity`."""

import io
import json
import sys

import numpy as np
import pytest

from polybius.cli import main
from polybius.embed import load_embedder
from polybius.link.similarity import (
    DIMENSIONS,
    FEATURES,
    Pair,
    SimilarityError,
    feature_matrix,
    fit,
    load_model,
    pair_from_record,
    score,
)

FLOOD_A = (
    "Flooding closes the port of Linden",
    "Heavy rain flooded the river port of Linden on Monday, and the harbour authority closed the docks until "
    "further notice. Barges were moved upstream while engineers checked the quays for damage. Mayor Clara Voss "
    "said the water had risen by two metres overnight and that no one was hurt. Freight companies warned of "
    "delays to grain shipments. The authority expects to reopen the port by Thursday if the rain stops.",
)
FLOOD_B = (
    "Linden docks shut after river floods",
    "The port of Linden shut its docks on Monday after the river burst its banks following days of heavy "
    "rain. The harbour authority said barges had been moved upstream and the quays would be inspected. "
    "Mayor Clara Voss told reporters that nobody was injured as the water rose overnight. Grain traders said "
    "shipments would be delayed. Officials hope to reopen the docks later in the week.",
)
CUP = (
    "Harbour Town win the cup",
    "A striker scored twice as Harbour Town beat Millbrook 3-1 in the cup final on Saturday. The captain "
    "lifted the trophy in front of a sold-out stadium. Millbrook had led at half time after a header from a "
    "corner. The coach praised the young squad and said the club would celebrate with a parade on Sunday. "
    "It is the club's first trophy in eleven years.",
)


@pytest.fixture(scope="module")
def tools(coder):
    return coder.nlp, load_embedder()


def test_shipped_model_matches_the_features_and_scale():
    model = load_model()
    assert model.features == FEATURES
    assert set(model.weights) == set(DIMENSIONS)
    assert model.meta["pairs"] > 100
    x = np.zeros((1, len(FEATURES)))
    assert all(1.0 <= v[0] <= 4.0 for v in model.predict(x).values())


def test_same_event_scores_closer_than_unrelated(tools):
    nlp, emb = tools
    pairs = [
        Pair("same", FLOOD_A[1], FLOOD_B[1], FLOOD_A[0], FLOOD_B[0], "2024-03-04", "2024-03-04"),
        Pair("other", FLOOD_A[1], CUP[1], FLOOD_A[0], CUP[0]),
    ]
    same, other = score(pairs, load_model(), nlp, emb)
    assert same["id"] == "same" and set(same) == {"id", *DIMENSIONS}
    assert same["overall"] < other["overall"] - 0.8  # 1 = most similar
    assert same["geography"] < other["geography"]
    x = feature_matrix(pairs, nlp, emb)
    names = {f: i for i, f in enumerate(FEATURES)}
    assert x[0, names["places_overlap"]] == 1.0 and x[1, names["places_overlap"]] == 0.0
    assert x[0, names["days_unknown"]] == 0.0 and x[1, names["days_unknown"]] == 1.0


def test_fit_recovers_a_linear_target():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(FEATURES)))
    y = 2.5 + 0.4 * x[:, 0] - 0.3 * x[:, 1]
    model = fit(x, {"overall": y}, alpha=0.01)
    assert np.allclose(model.predict(x)["overall"], np.clip(y, 1, 4), atol=0.01)


@pytest.mark.parametrize(
    "record, message",
    [
        ({"id": "x", "text1": "a"}, "text2 is missing"),
        ({"id": "x", "text1": " ", "text2": "b"}, "text1 is missing"),
        ({"id": "x", "text1": "a", "text2": "b", "date2": "last week"}, "not a date"),
        (["a", "b"], "JSON object"),
    ],
)
def test_bad_pairs_are_refused(record, message):
    with pytest.raises(SimilarityError, match=message):
        pair_from_record(record, 1)


def test_cli_scores_good_pairs_and_reports_bad_ones(monkeypatch, capsys):
    lines = [
        {"id": "p1", "title1": FLOOD_A[0], "text1": FLOOD_A[1], "title2": FLOOD_B[0], "text2": FLOOD_B[1]},
        {"id": "p2", "text1": FLOOD_A[1]},
        {"id": "p3", "text1": FLOOD_A[1], "text2": CUP[1]},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert main(["similarity", "--input", "jsonl", "-"]) == 1  # some pairs failed
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["p1", "p3"]
    assert all(1.0 <= r[d] <= 4.0 for r in rows for d in DIMENSIONS)
    assert rows[0]["overall"] < rows[1]["overall"]
    assert "p2: text2 is missing" in err and "not JSON" in err and "scored 2 pairs, 2 errors" in err
