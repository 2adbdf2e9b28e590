"""TABARI / PETRARCH / Phoenix verb dictionaries (events/petrarch_verbs.py) and the PETRARCH benchmark."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from polybius.bench.petrarch import (
    Record,
    Tally,
    code_records,
    petrarch_code,
    read_records,
    run,
    score,
)
from polybius.cli import build_parser, options_from
from polybius.events.petrarch_verbs import (
    NOUN,
    PREP,
    SOURCE,
    TARGET,
    WORDS,
    Codes,
    VerbDictionaryError,
    VerbDictionaryWarning,
    VerbPatternMatcher,
    dictionary_folder,
    load_verb_dictionary,
    plausible_form,
    regular_forms,
)
from polybius.models import Actor
from polybius.pipeline import Coder, Options

PETRARCH = Path(__file__).resolve().parents[2] / "shared" / "reference" / "petrarch"
needs_petrarch = pytest.mark.skipif(not PETRARCH.is_dir(), reason="shared/reference/petrarch is absent")

VERBS = """<!-- a test dictionary -->
&TIES
+MILITARY
+CULTURAL

&NEG_   # no plurals
+DID N'T
+WILL NOT

&MONEY
+SWISS FRANC
+DOLLAR_

&ALL
+&TIES
+POLITICAL

--- BREAK [1717] ---
BREAK {BREAKS BROKE BROKEN BREAKING}
+BREAK_OFF {+BREAKS_OFF +BROKE_OFF +BROKEN_OFF}
- * TREATY [161]
- * &TIES TIES [902]
- * NEW_&TIES_TIES [903]
- &NEG * RELATIONS [904]
- * CARD [---]
- + * IN $ [075]

--- LEAVE [032:033] ---
LEAVE {LEFT LEAVES LEAVING}

--- WELCOME [041] ---
WELCOME
- * MEMOS FROM [911]

--- APPEAR [---] ---
APPEAR
- * (BEFORE COURT) [:173]
- * {MOCK ATTACK} [150]
- * {REAL | HUGE THREAT} [012]
"""


def write(tmp_path: Path, text: str, name: str = "test.verbs.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def vdict(tmp_path):
    return load_verb_dictionary(write(tmp_path, VERBS))


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    path = write(tmp_path_factory.mktemp("verbs"), VERBS)
    return VerbPatternMatcher([load_verb_dictionary(path)])


# -- reader ---------------------------------------------------------------------------------------------------
def test_synsets_plurals_nesting(vdict):
    assert vdict.synsets["TIES"] == (("military",), ("militaries",), ("cultural",), ("culturals",))
    assert vdict.synsets["NEG"] == (("did", "n't"), ("will", "not"))  # "&NEG_": no plurals
    assert ("swiss", "francs") in vdict.synsets["MONEY"] and ("dollars",) not in vdict.synsets["MONEY"]
    assert set(vdict.synsets["TIES"]) < set(vdict.synsets["ALL"]) and ("political",) in vdict.synsets["ALL"]


def test_blocks_forms_and_codes(vdict):
    assert [b.name for b in vdict.blocks] == ["BREAK", "LEAVE", "WELCOME", "APPEAR"]
    assert vdict.blocks[0].codes == Codes("1717")
    assert [f.codes for f in vdict.forms["left"]] == [Codes("032", "033")]
    assert {f.after for f in vdict.forms["broke"]} == {(), ("off",)}
    assert "welcomed" in vdict.forms and "welcoming" in vdict.forms  # regular forms made
    assert "breaked" not in vdict.forms  # {...} lists all the forms
    assert len(vdict.blocks[0].patterns) == 6


def test_regular_forms():
    assert regular_forms("CARRY") == ["CARRIES", "CARRIED", "CARRYING"]
    assert regular_forms("ARRIVE") == ["ARRIVES", "ARRIVED", "ARRIVING"]
    assert regular_forms("PUSH") == ["PUSHES", "PUSHED", "PUSHING"]


def test_pattern_structure(vdict):
    by_code = {p.codes.forward or p.codes.reverse: p for b in vdict.blocks for p in b.patterns}
    new = by_code["903"]
    assert [e.glued for e in new.after] == [False, True, True]  # NEW_&TIES_TIES
    assert new.after[1].phrases == vdict.synsets["TIES"]
    slots = by_code["075"]
    assert [e.kind for e in slots.before] == [TARGET] and [e.kind for e in slots.after] == [WORDS, SOURCE]
    court = by_code["173"]
    assert court.codes == Codes(None, "173") and court.after[0].kind == PREP
    assert by_code["150"].after[0].kind == NOUN
    assert by_code["012"].after[0].phrases == (("real",), ("huge", "threat"))
    assert [p.codes.null for p in vdict.blocks[0].patterns].count(True) == 1  # "* CARD [---]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("--- X [010] ---\nX\n- TREATY [161]\n", "test.verbs.txt:3: a pattern has exactly one '*'"),
        ("--- X [010] ---\nX\n- * * TREATY [161]\n", "test.verbs.txt:3"),
        ("--- X [010] ---\nX\n- * TREATY\n", "test.verbs.txt:3: a pattern ends with a [CODE] group"),
        ("--- X [010] ---\nX\n- * TREATY [16 1]\n", "test.verbs.txt:3: not an event code"),
        ("--- X [010] ---\nX\n- * TRE@TY [161]\n", "test.verbs.txt:3: not a pattern word"),
        ("X\n", "test.verbs.txt:1: verb or pattern before any"),
        ("&A\n+&B\n", "test.verbs.txt:2: not a defined synset"),
        ("--- X [010] ---\nX {XES\n", "test.verbs.txt:2: not a verb line"),
        ("--- X [010] ---\n+X_+Y_+Z\n", "test.verbs.txt:2: more than one '+'"),
    ],
)
def test_unknown_syntax_is_an_error_naming_file_and_line(tmp_path, text, message):
    with pytest.raises(VerbDictionaryError, match=re.escape(message)):
        load_verb_dictionary(write(tmp_path, text))


def test_tolerated_oddities_warn_with_the_line(tmp_path):
    text = (
        "--- X [120] [031:031] ---\nX\nLASH OUT\n- * Y [+++]\n- * Z [###]\n- * &NOPE [010]\n"
        "- *SCEPTICAL [012]\n- * (WITH VISIT) VISIT) [042]\n~ a (a b ATTACK) SAY = a b 015\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vdict = load_verb_dictionary(write(tmp_path, text))
    messages = [str(w.message) for w in caught if issubclass(w.category, VerbDictionaryWarning)]
    for line in (1, 3, 4, 5, 6, 7, 8, 9):
        assert any(m.startswith(f"test.verbs.txt:{line}:") for m in messages), (line, messages)
    assert vdict.blocks[0].codes == Codes("120")
    assert [p.codes.forward for p in vdict.blocks[0].patterns] == ["012"]  # the others are left out
    assert vdict.forms["lash"][0].after == ("out",)
    assert len(vdict.transformations) == 1


def test_hash_inside_a_code_group_is_no_comment(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_verb_dictionary(write(tmp_path, "--- X [010] ---\nX\n- * Y [###]  # comment\n"))
    assert any("special code [###]" in str(w.message) for w in caught)


def test_dictionary_folder(tmp_path):
    for name in (
        "a.actors.txt",
        "b.agents.txt",
        "c.discards.txt",
        "d.verbs.txt",
        "CAMEO.2.0.txt",
        "README.md",
    ):
        (tmp_path / name).write_text("", encoding="utf-8")
    found = dictionary_folder(tmp_path)
    assert [p.name for p in found.actors] == ["a.actors.txt", "b.agents.txt", "c.discards.txt"]
    assert [p.name for p in found.verbs] == ["CAMEO.2.0.txt", "d.verbs.txt"]
    assert [p.name for p in found.ignored] == ["README.md"]


# -- matcher --------------------------------------------------------------------------------------------------
def verb(coder: Coder, text: str, word: str):
    return next(t for t in coder.nlp(text) if t.text == word)


def best(matches):
    return max(matches, key=lambda m: m.specificity) if matches else None


def test_most_specific_pattern_wins(coder, matcher):
    m = best(matcher.match(verb(coder, "Ethiopia broke military ties with Libya.", "broke")))
    assert (m.code, m.specificity) == ("902", 2)
    assert [t.text for t in m.event_nouns] == ["ties"]
    m = best(matcher.match(verb(coder, "Ethiopia broke new military ties with Libya.", "broke")))
    assert m.code == "903"  # NEW_&TIES_TIES: consecutive words
    m = best(matcher.match(verb(coder, "Ethiopia broke new strong military ties with Libya.", "broke")))
    assert m.code == "902"  # "strong" breaks the "_" chain; spaces allow words in between


def test_default_code_and_no_event(coder, matcher):
    m = best(matcher.match(verb(coder, "Ethiopia broke the rules.", "broke")))
    assert (m.code, m.specificity, m.rule) == ("1717", 0, "test.verbs.txt:19")
    assert matcher.match(verb(coder, "Ethiopia broke the card.", "broke")) == []  # [---] matches best


def test_words_before_the_verb_and_split_tokens(coder, matcher):
    m = best(matcher.match(verb(coder, "Ethiopia didn't break relations with Libya.", "break")))
    assert m.code == "904"  # &NEG "DID N'T" against spaCy's "did" + "n't"


def test_slots_give_source_and_target(coder, matcher):
    m = best(matcher.match(verb(coder, "Arnor broke in Gondor.", "broke")))
    assert (m.code, m.source.text, m.target.text) == ("075", "Gondor", "Arnor")


def test_paired_code_gives_the_event_back(coder, matcher):
    found = matcher.match(verb(coder, "Sam left Gondor.", "left"))
    assert (found[0].code, found[0].source, found[0].target) == ("032", None, None)
    back = [m for m in found if m.code == "033"]
    assert [(m.source.text, m.target.text) for m in back] == [("Gondor", "Sam")]


def test_closing_preposition_names_the_target(coder, matcher):
    m = best(matcher.match(verb(coder, "Canada welcomed memos from Brazil.", "welcomed")))
    assert (m.code, m.target.text) == ("911", "Brazil")


def test_multi_word_verb(coder, matcher):
    forms = matcher.forms(verb(coder, "Ethiopia broke off relations.", "broke"))
    assert [f.after for _, f in forms] == [("off",)]


def test_lemma_matching_only_for_correct_forms():
    assert plausible_form("departs", "depart") and plausible_form("stopped", "stop")
    assert plausible_form("fought", "fight") and plausible_form("said", "say")
    assert not plausible_form("departes", "depart") and not plausible_form("carrys", "carry")


def test_coder_with_verbs(coder, tmp_path):
    path = str(write(tmp_path, VERBS))
    loose = Coder(Options(verbs=(path,), strict_codes=False, builtin_lexicon=False), nlp=coder.nlp)
    strict = Coder(Options(verbs=(path,), builtin_lexicon=False), nlp=coder.nlp)
    docs = code_records(loose, [record("Ethiopia broke military ties with Libya.")], "t")
    assert docs == [frozenset({("ETH", "LBY", "902")})]
    assert code_records(strict, [record("Ethiopia broke military ties with Libya.")], "t") == [frozenset()]
    assert code_records(strict, [record("Ethiopia broke a treaty with Libya.")], "t") == [
        frozenset({("ETH", "LBY", "161")})
    ]


@needs_petrarch
@pytest.mark.parametrize(
    ("path", "blocks", "patterns"),
    [("validate/PETR.Validate.verbs.txt", 261, 472), ("phoenix/CAMEO.2.0.txt", 397, 4664)],
)
def test_real_dictionaries_load(path, blocks, patterns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vdict = load_verb_dictionary(PETRARCH / path)
    assert (len(vdict.blocks), vdict.patterns) == (blocks, patterns)
    assert all(issubclass(w.category, VerbDictionaryWarning) for w in caught)
    assert all(str(w.message).startswith(Path(path).name + ":") for w in caught)


# -- benchmark ------------------------------------------------------------------------------------------------
RECORDS = """<Validation><Sentences>
<!-- a comment -->
<Sentence date="19950101" id="T-1" category="DEMO" sentence="true">
<EventCoding sourcecode="ETH" targetcode="LBY" eventcode="161"></EventCoding>
<Text>
Ethiopia broke a
treaty with Libya.
</Text>
<Parse>(ROOT)</Parse>
</Sentence>
<Config option="require_dyad" value="false"></Config>
<Sentence date="19950102" id="T-2" category="VERB" sentence="false">
<EventCoding noevents = "True"></EventCoding>
<Text>It rained.</Text>
</Sentence>
<Sentence date="19950103" id="T-3" category="ERROR" sentence="true">
<EventCoding error="sentencediscard"></EventCoding>
<Text>Baseball.</Text>
</Sentence>
<Stop></Stop>
<Sentence date="19950104" id="T-4" category="DEMO" sentence="true"><Text>Not read.</Text></Sentence>
</Sentences></Validation>
"""


def record(text: str, gold=frozenset(), no_events: bool = False, category: str = "DEMO") -> Record:
    return Record("r", category, "1995-01-01", text, frozenset(gold), no_events, None, True, True)


def test_read_records(tmp_path):
    recs = read_records(write(tmp_path, RECORDS, "records.xml"))
    assert [r.id for r in recs] == ["T-1", "T-2", "T-3"]  # <Stop> ends the run
    first, second, third = recs
    assert first.text == "Ethiopia broke a treaty with Libya." and first.date == "1995-01-01"
    assert first.gold == {("ETH", "LBY", "161")} and first.require_dyad
    assert second.no_events and not second.require_dyad and not second.is_sentence
    assert third.error == "sentencediscard" and third.gold == frozenset()


def test_scores():
    gold = {("A", "B", "0421"), ("A", "C", "190")}
    recs = [record("x", gold), record("y", no_events=True, category="VERB"), record("z", {("A", "B", "010")})]
    predicted = [frozenset({("A", "B", "0431"), ("A", "C", "190")}), frozenset({("Q", "R", "010")}), None]
    total, by_category = score(recs, predicted)
    row = total.row("t")
    assert (row.records, row.exact, row.false_events, row.crashes) == (3, 0.0, 1, 1)
    assert (total.tp, total.fp, total.fn) == (1, 2, 2)
    assert row.root == pytest.approx(2 / 3)  # A-B 04 and A-C 19 found at the root; A-B 010 missed
    assert set(by_category) == {"DEMO", "VERB"} and by_category["VERB"].false_events == 1
    assert Tally().row("empty").f1 == 0.0


def test_petrarch_codes():
    assert petrarch_code(None) == "---"
    assert petrarch_code(Actor("GOV", None, "GOV", "Government")) == "---GOV"
    assert petrarch_code(Actor("RUSGOV", "RUS", "GOV", "Russia")) == "RUSGOV"


def test_benchmark_skips_without_records(tmp_path, capsys):
    assert run(tmp_path / "absent.xml", tmp_path) == 0
    assert "skipped" in capsys.readouterr().err


def test_cli_dictionaries_folder(tmp_path):
    write(tmp_path, VERBS)
    write(tmp_path, "ARNOR_ [ARN]\n", "t.actors.txt")
    args = build_parser().parse_args(
        ["code", "in.txt", "--dictionaries", str(tmp_path), "--no-builtin-lexicon"]
    )
    options = options_from(args)
    assert [Path(p).name for p in options.verbs] == ["test.verbs.txt"]
    assert [Path(p).name for p in options.actors] == ["t.actors.txt"]
    assert not options.builtin_lexicon
    args = build_parser().parse_args(
        ["bench", "petrarch", str(tmp_path / "absent.xml"), "--dictionaries", "x"]
    )
    assert args.func(args) == 0


def test_keep_unknown_codes_and_require_target_options(tmp_path, capsys):
    from polybius.cli import main

    write(tmp_path, VERBS)
    text = tmp_path / "in.txt"
    text.write_text(
        "Ethiopia broke military ties with Libya.\n\nEthiopian troops fired rockets across the frontier.\n",
        encoding="utf-8",
    )

    def coded(*flags: str) -> set[tuple[str, str | None]]:
        assert main(["code", str(text), "--verbs", str(tmp_path / "test.verbs.txt"), "-q", *flags]) == 0
        records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return {(r["cameo"], r["target"] and r["target"]["code"]) for r in records}

    plain = coded()
    assert ("902", "LBY") not in plain and ("194", None) in plain  # 902 is no CAMEO code: dropped by default
    assert ("902", "LBY") in coded("--keep-unknown-codes")
    assert coded("--require-target") == {c for c in plain if c[1] is not None}
    assert coded("--keep-unknown-codes", "--require-target") == {("902", "LBY")} | {
        c for c in plain if c[1] is not None
    }
    args = build_parser().parse_args(["code", "x", "--keep-unknown-codes", "--require-target"])
    options = options_from(args)
    assert not options.strict_codes and options.require_target


@needs_petrarch
def test_bench_main_row_is_what_the_printed_commands_give(tmp_path, capsys):
    """The bench's triples and those of the `polybius code` commands it prints are the same, record by record."""
    import shlex

    from polybius.bench.petrarch import code_variant, format_commands, output_triples, variants, write_inputs
    from polybius.cli import main
    from polybius.nlp import DEFAULT_MODEL

    folder = PETRARCH / "validate"
    records = read_records(PETRARCH / "PETR.UnitTest.records.xml")
    inputs = write_inputs(records, tmp_path / "inputs")
    assert [i.require_target for i in inputs] == [True, False]  # the records are split by require_dyad
    main_row = variants(dictionary_folder(folder), folder, DEFAULT_MODEL)["main"]
    bench, commands, _ = code_variant(main_row, inputs, folder, DEFAULT_MODEL)
    lines = []
    for shell_line in format_commands(commands).splitlines():
        argv = shlex.split(shell_line)
        assert argv[0] == "polybius" and argv[-2] in (">", ">>")
        assert main(argv[1:-2]) == 0
        lines += [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    cli = output_triples(lines)
    assert len(bench) == len(records)
    assert {k: v or frozenset() for k, v in bench.items()} == {k: cli.get(k, frozenset()) for k in bench}
    assert sum(bool(v) for v in bench.values()) > 150  # most records code something
    required = {i for inp in inputs if inp.require_target for i in inp.ids}
    assert not any(t[1] == "---" for k in required for t in cli.get(k, ()))
