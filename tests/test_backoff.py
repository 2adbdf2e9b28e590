"""Frame back-off (issue 12, part 1): a verb whose entries' frames do not fit the object used."""

import numpy as np
import pytest
from conftest import code_text

from polybius.events.backoff import DEFAULT, SIMILAR, FrameIndex, default_code
from polybius.events.confidence import FEATURES, default_confidence
from polybius.events.lexicon import Lexicon, parse_entry
from polybius.events.ontology import default_ontology
from polybius.pipeline import Coder, Options

# a toy embedding: each word a direction; a text is the normalised sum of its words
AXES = {"sanction": 0, "ban": 1, "curfew": 2, "impose": 3, "seek": 3, "aid": 4, "support": 5, "talk": 6}
BLENDS = {
    "embargo": {"sanction": 1.0, "ban": 0.1},  # near one entry's objects
    "restriction": {"sanction": 1.0, "ban": 1.0},  # as near two unrelated entries (163, 172): no winner
    "lockdown": {"ban": 1.0, "curfew": 1.0},  # near 172 and 1723, which agree: 172 is as good as 1723
    "levy": {"sanction": 0.3, "ban": 0.3, "curfew": 0.3},  # near nothing
}


class ToyEmbedder:
    dim = 8

    def embed(self, texts):
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.split():
                for axis, weight in BLENDS.get(word, {word: 1.0}).items():
                    if axis in AXES:
                        rows[i, AXES[axis]] += weight
            norm = np.linalg.norm(rows[i])
            rows[i] /= norm if norm else 1.0
        return rows


def toy_lexicon(entries):
    ontology = default_ontology()
    lexicon = Lexicon()
    for i, raw in enumerate(entries):
        lexicon.add(parse_entry(raw, f"toy.yaml#{i + 1}", ontology))
    return lexicon


IMPOSE = [
    {"code": "163", "verbs": ["impose"], "objects": ["sanction"]},
    {"code": "172", "verbs": ["impose"], "objects": ["ban"]},
    {"code": "1723", "verbs": ["impose"], "objects": ["curfew"]},
]
SEEK = [
    {"code": "021", "verbs": ["seek"], "objects": ["talk"]},
    {"code": "022", "verbs": ["seek"], "objects": ["support"]},
    {"code": "023", "verbs": ["seek"], "objects": ["aid"]},
]


@pytest.fixture
def toy_index():
    return FrameIndex(toy_lexicon(IMPOSE + SEEK), default_ontology(), ToyEmbedder(), min_score=0.5, margin=0.1)


def test_similar_step_takes_the_nearest_entry(toy_index):
    found = toy_index.similar("verb", "impose", "embargo", None)
    assert found is not None and found.step == SIMILAR
    assert found.entry.code == "163"
    assert found.entry.origin.endswith("backoff:similar")


def test_similar_step_needs_a_margin_and_a_minimum(toy_index):
    assert toy_index.similar("verb", "impose", "restriction", None) is None  # ban and curfew tie
    assert toy_index.similar("verb", "impose", "levy", None) is None
    found = toy_index.similar("verb", "impose", "lockdown", None)  # a code and its parent do not compete
    assert found is not None and found.entry.code in ("172", "1723")


def test_default_step_is_the_code_every_entry_falls_under(toy_index):
    fallback = toy_index.default("verb", "seek")
    assert fallback is not None and fallback.step == DEFAULT
    assert fallback.entry.code == "020" and not fallback.entry.objects
    assert fallback.entry.origin.endswith("backoff:default")
    assert toy_index.default("verb", "impose") is None  # 16, 17: no common code


def test_default_code_rules():
    ontology = default_ontology()
    lex = toy_lexicon(
        [
            {"code": "0231", "verbs": ["ask"], "objects": ["loan"]},
            {"code": "0233", "verbs": ["ask"], "objects": ["food"]},
        ]
    )
    assert default_code(lex.by_verb["ask"], ontology) == "023"
    assert default_code(toy_lexicon(SEEK).by_verb["seek"], ontology) == "020"
    assert default_code(toy_lexicon(IMPOSE).by_verb["impose"], ontology) is None


def test_verb_with_a_frame_less_entry_never_backs_off():
    lex = toy_lexicon([*SEEK, {"code": "020", "verbs": ["seek"]}])
    index = FrameIndex(lex, default_ontology(), ToyEmbedder())
    assert not index.knows("verb", "seek")


def test_backoff_features_are_known_and_lower_confidence():
    assert {"backoff_similar", "backoff_default"} <= set(FEATURES)
    model = default_confidence()
    base = dict.fromkeys(FEATURES, 0.0) | {"source_country": 1.0, "target": 1.0}
    assert model.score(base | {"backoff_similar": 1.0}) < model.score(base)
    assert model.score(base | {"backoff_default": 1.0}) < model.score(base | {"backoff_similar": 1.0})


# end to end, with the built-in lexicon and the WordLlama embeddings; the rules alone (the classifier, where it
# types a sentence's verbs, is preferred to a back-off)


@pytest.fixture(scope="module")
def rules(coder):
    return Coder(Options(classifier=False), nlp=coder.nlp)


def events(chosen, text):
    return code_text(chosen, text).events


def test_unlisted_object_backs_off_to_a_similar_entry(rules):
    (backed,) = events(rules, "The junta imposed travel curbs on opposition leaders.")
    assert backed.rule.endswith("backoff:similar")
    assert backed.cameo.startswith("172") and backed.target is not None
    assert backed.extra["features"]["backoff_similar"] == 1.0
    (listed,) = events(rules, "The junta imposed a curfew on opposition leaders.")
    assert "backoff" not in listed.rule
    assert backed.confidence < listed.confidence


def test_unlisted_object_backs_off_to_the_verb_default(rules):
    (ev,) = events(rules, "Sudanese families sought refuge in Chad.")
    assert ev.rule.endswith("backoff:default")
    assert ev.cameo == "020" and ev.source.country == "SDN"
    assert ev.extra["features"]["backoff_default"] == 1.0


def test_people_as_object_are_another_sense(rules):
    # "fire" codes weapons; firing officials is no use of force, and no back-off guesses one
    assert events(rules, "The mayor fired two police chiefs.") == []


def test_backoff_is_a_last_resort(rules):
    # the curfew fits an entry's frame; the refuge only backs off, so it gives way
    got = events(rules, "Sudanese families sought refuge in Chad as Khartoum imposed a curfew on Darfur.")
    assert [e.cameo for e in got] == ["1723"]
    assert all("backoff" not in e.rule for e in got)
