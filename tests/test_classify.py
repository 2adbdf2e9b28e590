"""The statistical second opinion (events.classify), its training script and the confidence model it feeds.

Every sentence here is written for these tests."""

from __future__ import annotations

import csv
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import code_text

from polybius.events.classify import (
    RULE,
    ClassifierError,
    event_classes,
    is_candidate,
    load_classifier,
    main_predicate,
    penta_of_root,
)
from polybius.events.confidence import FEATURES, ConfidenceModel, default_confidence, load_confidence
from polybius.events.ontology import default_ontology
from polybius.pipeline import Coder, Options

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import calibrate  # noqa: E402
import train_classifier  # noqa: E402
from splits import TUNE, sentence_part, story_part  # noqa: E402

# a verb no lexicon entry codes, between two actors the knowledge base knows
UNCODED_VERB = "The Egyptian government showered Sudanese refugees with blankets, tents and cooked meals."


def test_classes_cover_the_ontology_pairs():
    classes = event_classes(default_ontology())
    assert ("18", "ASSAULT", "180") in classes
    assert all(len(code) >= 3 and code.startswith(root) for root, _, code in classes)
    assert len({(r, t) for r, t, _ in classes}) == len(classes)


def test_classifier_loads_and_types_a_sentence(coder):
    clf = load_classifier()
    assert len(clf.roots) == len(clf.codes) == len(clf.plover_types) and 0.0 < clf.threshold < 1.0
    sentence = "Rebel gunmen ambushed an army convoy on the mountain road and shot dead six soldiers."
    doc = coder.nlp(sentence)
    pred = main_predicate(list(doc))
    assert pred is not None and pred.lemma_ == "ambush"
    probs = clf.probabilities([sentence], [pred])[0]
    assert probs.shape == (len(clf.roots),) and abs(float(probs.sum()) - 1.0) < 1e-4
    k, p = clf.best(probs)
    assert penta_of_root(clf.roots[k]) == 4, (clf.codes[k], p)  # material conflict
    assert clf.agreement(probs, "19") > clf.agreement(probs, "04")


def test_reported_speech_is_typed_by_what_is_reported(coder):
    doc = coder.nlp("The minister said the coastguard had seized two fishing boats.")
    pred = main_predicate(list(doc))
    assert pred is not None and pred.lemma_ == "seize"


def test_load_rejects_a_broken_file(tmp_path):
    bad = tmp_path / "c.npz"
    bad.write_bytes(b"not numpy")
    with pytest.raises(ClassifierError):
        load_classifier(bad)


def test_fallback_types_an_uncoded_verb_between_actors(coder):
    (tok,) = [t for t in coder.nlp(UNCODED_VERB) if t.lemma_ == "shower"]
    assert is_candidate(tok)
    assert not coder.extractor.lexicon.by_verb.get("shower")
    eager = replace(coder.extractor.classifier, threshold=0.0)  # whatever its probability, to test the hook
    fallback = Coder(Options(), nlp=coder.nlp)
    fallback.extractor.classifier = eager
    events = code_text(fallback, UNCODED_VERB).events
    typed = [e for e in events if e.rule == RULE]
    assert typed, events
    ev = typed[0]
    assert ev.source.country == "EGY" and ev.target is not None and ev.target.country == "SDN"
    assert ev.extra["features"]["classifier"] == 1.0
    assert ev.cameo in eager.codes and 0.0 <= ev.confidence <= 1.0
    rules_alone = Coder(Options(classifier=False), nlp=coder.nlp)
    assert not any(e.rule == RULE for e in code_text(rules_alone, UNCODED_VERB).events)


def test_rule_events_carry_the_agreement_feature(coder):
    events = code_text(coder, "Turkish jets bombed Kurdish militant camps in northern Iraq on Sunday.").events
    attacks = [e for e in events if e.cameo_root in ("18", "19")]
    assert attacks
    assert all(-1.0 <= e.extra["features"]["classifier_agreement"] <= 1.0 for e in attacks)
    assert max(e.extra["features"]["classifier_agreement"] for e in attacks) > 0.0  # it agrees: an attack


@pytest.mark.parametrize(
    "base",
    [
        {},
        {"source_country": 1.0, "target": 1.0, "target_country": 1.0, "specificity": 2.0},
        {"statement": 1.0, "source_inferred": 1.0},
        {"classifier": 1.0, "source_country": 1.0, "target": 1.0},
    ],
)
def test_confidence_is_a_probability_monotone_in_agreement(base):
    model = default_confidence()
    assert model.weights.get("classifier_agreement", 0.0) >= 0.0
    scores = []
    for agree in np.linspace(-1.0, 1.0, 21):
        feats = {f: 0.0 for f in FEATURES} | base | {"classifier_agreement": float(agree)}
        scores.append(model.score(feats))
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(b >= a for a, b in zip(scores, scores[1:], strict=False))


def test_unknown_features_weigh_nothing():
    model = default_confidence()
    feats = {f: 0.0 for f in FEATURES}
    assert model.score(feats | {"a_feature_from_elsewhere": 5.0}) == model.score(feats)


def test_calibration_map_interpolates_and_must_rise(tmp_path):
    model = ConfidenceModel(0.0, {"target": 2.0}, ((0.2, 0.1), (0.6, 0.5), (0.9, 0.7)))
    assert model.calibrate(0.0) == 0.1 and model.calibrate(1.0) == 0.7
    assert abs(model.calibrate(0.4) - 0.3) < 1e-9
    path = tmp_path / "c.json"
    path.write_text(model.to_json(), encoding="utf-8")
    assert load_confidence(path) == model
    path.write_text('{"bias": 0, "weights": {}, "calibration": [[0.2, 0.5], [0.6, 0.4]]}', encoding="utf-8")
    with pytest.raises(ValueError, match="must rise"):
        load_confidence(path)


def test_platt_map_rises_and_corrects_overconfidence():
    rng = np.random.default_rng(3)
    raw = rng.uniform(0.05, 0.95, size=2000)
    right = (rng.uniform(size=2000) < 0.5 + 0.5 * (raw - 0.5)).astype(float)  # claims more than it shows
    a, b = calibrate.platt(raw, right)
    points = calibrate.calibration_points(a, b)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert xs == sorted(xs) and ys == sorted(ys)
    assert 0.0 < a < 1.0  # flattened
    model = ConfidenceModel(0.0, {}, points)
    assert abs(model.calibrate(0.9) - 0.7) < 0.05 and abs(model.calibrate(0.1) - 0.3) < 0.05


CLASS_ROWS = [
    ("Army units shelled rebel positions outside the provincial capital overnight.", "4"),
    ("The two foreign ministers met in Oslo to discuss fishing quotas.", "1"),
    ("Parliament voted to send medical supplies and engineers to the flooded region.", "2"),
    ("The opposition leader accused the cabinet of rigging the tender for the new port.", "3"),
    ("A government spokeswoman said the talks would resume next month.", "0"),
    ("Police fired tear gas at students who had blocked the main bridge.", "4"),
    ("The neighbouring states signed a pact on sharing water from the river.", "1"),
    ("The central bank wired emergency loans to the struggling island economy.", "2"),
    ("The ruling party rejected calls for an early election.", "3"),
    ("Coastguard boats rammed a trawler fishing inside the exclusion zone.", "4"),
    ("The prime minister praised the mediators for their patience.", "1"),
    ("Unions threatened a general strike if wages stay frozen.", "3"),
]
NGEC_ROWS = [
    ("Troops stormed the rebel-held village at dawn, burning homes as families fled.", "ASSAULT"),
    ("Thousands of nurses marched on the health ministry demanding better pay.", "PROTEST"),
    ("The junta freed forty political prisoners on Friday after months of pressure.", "CONCEDE"),
    ("Donor nations pledged grain and clean water to the drought-hit districts.", "AID"),
    ("The foreign minister flew to the capital for talks with her counterpart.", "CONSULT"),
    ("The president imposed a freeze on the assets of the banned militia's leaders.", "SANCTION"),
    ("The militia pulled its fighters back from the contested ridge.", "RETREAT"),
    ("The governor warned that any further rallies would be broken up by force.", "THREATEN"),
]


def write_fixture(shared: Path) -> None:
    classes = shared / "devsets" / "conflibert" / "cameo_class_train.tsv"
    classes.parent.mkdir(parents=True)
    classes.write_text("".join(f"{t}\t{lab}\n" for t, lab in CLASS_ROWS), encoding="utf-8")
    ngec = shared / "devsets" / "ngec_synthetic" / "synthetic_events.csv"
    ngec.parent.mkdir(parents=True)
    with ngec.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["text", "title", "prompt", "label", "mode"])
        w.writeheader()
        for text, label in NGEC_ROWS:
            w.writerow(
                {"text": text, "title": "", "prompt": "Headline\n\n(Reuters) --", "label": label, "mode": ""}
            )


def test_training_script_uses_the_tuning_part_only(tmp_path):
    shared = tmp_path / "shared"
    write_fixture(shared)
    classes = event_classes(default_ontology())
    got = train_classifier.collect(shared, classes, use_lexicon=False)
    want_tune = [t for t, _ in CLASS_ROWS if sentence_part(t) == TUNE]
    want_tune += [t for t, _ in NGEC_ROWS if story_part({"text": t}) == TUNE]
    assert sorted(t for _, t, _, _ in got) == sorted(want_tune)
    assert len(want_tune) < len(CLASS_ROWS) + len(NGEC_ROWS)  # some rows are in the check part: left out
    assert all(allowed.any() for _, _, allowed, _ in got)
    with_lexicon = train_classifier.collect(shared, classes, use_lexicon=True)
    assert sum(src == "lexicon" for src, _, _, _ in with_lexicon) > 100


def test_training_script_writes_a_loadable_classifier(tmp_path, coder):
    shared = tmp_path / "shared"
    write_fixture(shared)
    out = tmp_path / "classifier.npz"
    assert (
        train_classifier.main(["--shared", str(shared), "--out", str(out), "--steps", "40", "--no-lexicon"])
        == 0
    )
    clf = load_classifier(out)
    assert clf.weights.shape[1] == len(event_classes(default_ontology()))
    sentence = "Soldiers opened fire on the crowd near the border post."
    pred = main_predicate(list(coder.nlp(sentence)))
    assert pred is not None
    assert clf.probabilities([sentence], [pred]).shape == (1, len(clf.roots))
