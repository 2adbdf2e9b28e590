"""The lexicon as data: the loader's checks, and the built-in lexicon's own example sentences."""

import pytest
from conftest import code_text

from polybius.events.lexicon import LexiconError, load_file, load_lexicon
from polybius.events.ontology import default_ontology
from polybius.pipeline import Coder, Options

ONTOLOGY = default_ontology()


@pytest.fixture(scope="module")
def builtin():
    return load_lexicon(ONTOLOGY)


def test_reaches_all_twenty_roots_and_most_codes(builtin):
    codes = builtin.codes() | {e.intent for e in builtin.entries if e.intent} | {
        e.threat for e in builtin.entries if e.threat
    }
    roots = {c[:2] for c in codes}
    assert roots == {f"{i:02d}" for i in range(1, 21)}
    all_codes = set(ONTOLOGY.cameo)
    assert len(codes & all_codes) / len(all_codes) > 0.9


def test_every_entry_has_an_example(builtin):
    assert all(e.example for e in builtin.entries)


def test_examples_code_to_their_entry(coder, builtin):
    """Each entry's example sentence, coded with the full lexicon, yields the entry's code."""
    entries = builtin.entries
    text = "\n\n".join(e.example for e in entries)
    result = code_text(coder, "Examples\n\n" + text, date="2020-06-01")
    by_sentence: dict[str, set[str]] = {}
    for ev in result.events:
        by_sentence.setdefault(ev.sentence, set()).add(ev.cameo)
    misses = [e for e in entries if e.code not in by_sentence.get(e.example.strip(), set())]
    share = 1 - len(misses) / len(entries)
    assert share >= 0.9, [(m.origin, m.code, m.example) for m in misses[:20]]


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("- code: 42\n  verbs: [meet]\n", "quoted string"),
        ("- code: '999'\n  verbs: [meet]\n", "not a CAMEO code"),
        ("- code: '042'\n", "exactly one of"),
        ("- code: '042'\n  verbs: [meet]\n  nouns: [visit]\n", "exactly one of"),
        ("- code: '042'\n  verbs: [meet]\n  colour: red\n", "unknown key"),
        ("- code: '042'\n  verbs: [meet]\n  intent: '0999'\n", "not a CAMEO code"),
        ("- code: '042'\n  verbs: meet: [x]\n", "not valid YAML"),
        ("code: '042'\n", "YAML list"),
        ("- code: '042'\n  verbs: [meet]\n  object_prep: for\n", "needs 'objects'"),
        ("- code: '042'\n  verbs: [meet]\n  mode: teleport\n", "not a PLOVER mode"),
        ("- code: '042'\n  verbs: [meet]\n  context: gardening\n", "not a PLOVER context"),
        ("- code: '0871'\n  verbs: [observe]\n  plover: RETREATING\n", "not a PLOVER type"),
        ("- code: '062'\n  verbs: [drill]\n  alone: '1500'\n", "not a CAMEO code"),
        ("- code: '1723'\n  verbs: [impose]\n  implied: government\n", "sector code"),
        ("- code: '0871'\n  verbs: [observe]\n  plover: AID\n  mode: ceasefire\n", "not a PLOVER mode of AID"),
    ],
)
def test_loader_rejects_bad_entries_naming_them(tmp_path, yaml_text, message):
    f = tmp_path / "mine.yaml"
    f.write_text(yaml_text)
    with pytest.raises(LexiconError, match=message) as exc:
        load_file(f, ONTOLOGY)
    assert "mine.yaml" in str(exc.value)


def test_plover_names_are_normalised(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text("- code: '195'\n  verbs: [shell]\n  mode: heavy-weapons\n  context: Military\n")
    (entry,) = load_file(f, ONTOLOGY).entries
    assert (entry.mode, entry.context) == ("heavy_weapons", "military")


def test_entry_can_carry_its_own_plover_type(tmp_path, coder):
    """CAMEO 0871 (declare a ceasefire) is CONCEDE in the manual, but words that say the ceasefire is kept are
    RETREAT `ceasefire`: the entry decides; the same act stated as intent keeps the intent code's type."""
    f = tmp_path / "p.yaml"
    f.write_text(
        "- code: '0871'\n  verbs: [observe, respect]\n  objects: [ceasefire, truce]\n  target: []\n"
        "  intent: '0356'\n  plover: retreat\n  mode: ceasefire\n"
    )
    (entry,) = load_file(f, ONTOLOGY).entries
    assert (entry.plover, entry.mode) == ("RETREAT", "ceasefire")
    mine = Coder(Options(lexicons=(str(f),), builtin_lexicon=False), nlp=coder.nlp)
    (ev,) = code_text(mine, "Hamas observed the truce on Sunday.").events
    assert (ev.cameo, ev.plover_type, ev.plover_mode) == ("0871", "RETREAT", "ceasefire")
    (ev,) = code_text(mine, "Hamas will respect the truce.").events
    assert (ev.cameo, ev.plover_type, ev.plover_mode) == ("0356", "CONCEDE", "")


def test_yaml_words_on_and_off_stay_words(tmp_path):
    f = tmp_path / "w.yaml"
    f.write_text("- code: '0874'\n  verbs: [call]\n  particle: off\n  target: [on, against]\n")
    (entry,) = load_file(f, ONTOLOGY).entries
    assert entry.particles == ("off",) and entry.target == ("on", "against")


def test_user_lexicon_extends_or_replaces(tmp_path, builtin):
    f = tmp_path / "extra.yaml"
    f.write_text("- code: '051'\n  verbs: [frobnicate]\n")
    assert "frobnicate" in load_lexicon(ONTOLOGY, [f]).by_verb
    alone = load_lexicon(ONTOLOGY, [tmp_path], builtin=False)
    assert len(alone.entries) == 1 and len(builtin.entries) > 500
