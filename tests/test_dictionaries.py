"""Reading TABARI / PETRARCH / Phoenix actor, agent and discard dictionaries (actors/dictionaries.py)."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import pytest

from polybius.actors.dictionaries import (
    NULL_CODE,
    DictionaryError,
    DictionaryWarning,
    Discards,
    code_fields,
    load_actor_dictionary,
    load_agent_dictionary,
    load_dictionaries,
    load_discards,
    parse_date,
    plural,
    read_actors,
    readable,
)
from polybius.actors.kb import Entry, KnowledgeBase

PETRARCH = Path(__file__).resolve().parents[2] / "shared" / "reference" / "petrarch"
PHOENIX = PETRARCH / "phoenix"
VALIDATE = PETRARCH / "validate"
needs_petrarch = pytest.mark.skipif(not PETRARCH.is_dir(), reason="shared/reference/petrarch is absent")
PHOENIX_ACTORS = (
    "Phoenix.Countries.actors.txt",
    "Phoenix.International.actors.txt",
    "Phoenix.MilNonState.actors.txt",
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def codes(kb: KnowledgeBase, text: str) -> set[tuple[str, date | None, date | None]]:
    return {(e.code, e.start, e.end) for e in kb.lookup(text)}


def load_quietly(loader, path: Path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = loader(path)
    assert all(issubclass(w.category, DictionaryWarning) for w in caught)
    return result, [str(w.message) for w in caught]


def warned_lines(messages: list[str]) -> list[int]:
    return sorted(int(m.split(":")[1]) for m in messages)


# -- actors: snippets -------------------------------------------------------------------------------------
ACTORS = """\
<!-- a test dictionary -->
# a comment line
DMITRY_MEDVEDEV_  # president, then prime minister
+DMITRI_MEDVEDEV_
+PRESIDENT_MEDVEDEV
\t[RUSGOV 080507-120507]
\t[RUSGOV >20120508]
\t[RUSELI <651231]
\t[RUSELI]

UNITED_NATIONS_ [IGOUNO]
+U.N._ ; legacy TABARI comment
WORLD_HEALTH_ORGANIZATION_\t[IGOUNOWHO] [---]  # a null default after the code
NORTH_ATLANTIC_TREATY_ORGANIZATION [IGOWSTNAT]
BENELUX_COUNTRIES [BEL/NLD/LUX]
<!-- a comment
over two lines -->
SOVIET_UNION
\t[USR < 911226]
\t[--- > 19911226]
"""


def test_actor_blocks_dates_synonyms_and_defaults(tmp_path: Path) -> None:
    kb = load_actor_dictionary(write(tmp_path, "mine.actors.txt", ACTORS))
    expected = {
        ("RUSGOV", date(2008, 5, 7), date(2012, 5, 7)),
        ("RUSGOV", date(2012, 5, 8), None),
        ("RUSELI", None, date(1965, 12, 31)),
        ("RUSELI", None, None),
    }
    for phrase in ("Dmitry Medvedev", "dmitri medvedev", "President Medvedev"):
        assert codes(kb, phrase) == expected
    entry = kb.lookup("president medvedev")[0]
    assert entry == Entry(
        "dict",
        "RUSGOV",
        "RUS",
        "GOV",
        "Dmitry Medvedev",
        date(2008, 5, 7),
        date(2012, 5, 7),
        None,
        "dict:mine.actors.txt",
    )
    assert {e.kind for e in kb.lookup("dmitry medvedev")} == {"dict"}


def test_actor_one_line_entries_groups_and_null_code(tmp_path: Path) -> None:
    kb = load_actor_dictionary(write(tmp_path, "mine.actors.txt", ACTORS))
    (un,) = kb.lookup("the United Nations")
    assert (un.code, un.country, un.sector, un.name, un.start, un.end) == (
        "IGOUNO",
        "IGO",
        None,
        "United Nations",
        None,
        None,
    )
    assert kb.lookup("U.N.") == [un]
    assert codes(kb, "world health organization") == {("IGOUNOWHO", None, None), (NULL_CODE, None, None)}
    null = next(e for e in kb.lookup("world health organization") if e.code == NULL_CODE)
    assert (null.country, null.sector) == (None, None)
    assert {e.code for e in kb.lookup("benelux countries")} == {"BEL", "NLD", "LUX"}
    assert codes(kb, "soviet union") == {
        ("USR", None, date(1991, 12, 26)),
        (NULL_CODE, date(1991, 12, 26), None),
    }
    assert kb.lookup("a test dictionary") == [] and kb.lookup("over two lines") == []
    assert kb.first_words["north"] >= 4


def test_code_fields() -> None:
    assert code_fields("RUSGOV") == ("RUS", "GOV")
    assert code_fields("PSEREBHMS") == ("PSE", "REB")
    assert code_fields("RUS") == ("RUS", None)
    assert code_fields("IGOUNO") == ("IGO", None)
    assert code_fields("NGOHRIAMN") == ("NGO", None)
    assert code_fields("IMGMOSALQ") == ("IMG", None)  # international militarized group
    assert code_fields("MNCUSA") == (None, None)
    assert code_fields("ELI") == (None, "ELI")
    assert code_fields("HINRAD") == (None, "HIN")
    assert code_fields("MEAREB") == ("MEA", "REB")  # CAMEO regions stand where a country does
    assert code_fields(NULL_CODE) == (None, None)


def test_dates_and_pivot() -> None:
    assert parse_date("991231") == date(1999, 12, 31)
    assert parse_date("300101") == date(2030, 1, 1)
    assert parse_date("310101") == date(1931, 1, 1)
    assert parse_date("19270101") == date(1927, 1, 1)
    assert parse_date("000229") == date(2000, 2, 29)
    assert parse_date("010229") is None  # not a calendar date
    assert parse_date("9008223") is None  # neither 6 nor 8 digits


def test_readable_names() -> None:
    assert readable("VLADIMIR PUTIN") == "Vladimir Putin"
    assert readable("THE UNITED NATIONS") == "United Nations"
    assert readable("SECRETARY-GENERAL OF THE UNITED NATIONS") == "Secretary-General of the United Nations"
    assert readable("U.N. SECURITY COUNCIL") == "U.N. Security Council"
    assert readable("ADEN ABYAN ISLAMIC ARMY (AAIA)") == "Aden Abyan Islamic Army (AAIA)"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("+ORPHAN_SYNONYM\nSOMEONE [USA]\n", 1, "before any actor phrase"),
        ("# header\n\t[USAGOV]\n", 2, "before any actor phrase"),
        ("SOMEONE [USA GOV]\n", 1, "not a date restriction"),
        ("SOMEONE [US$]\n", 1, "not an actor code"),
        ("SOMEONE []\n", 1, "empty code group"),
        ("SOMEONE\n\t[USA\n", 2, "cannot read a code group"),
        ("SOMEONE [USA 990101-]\n", 1, "not a date restriction"),
    ],
)
def test_actor_lines_not_understood_raise(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, "bad.actors.txt", text)
    with pytest.raises(DictionaryError, match=message) as info:
        load_actor_dictionary(path)
    assert str(info.value).startswith(f"bad.actors.txt:{line}:")
    assert info.value.line == line and isinstance(info.value, ValueError)


def test_irregular_actor_lines_are_warned_about(tmp_path: Path) -> None:
    text = (
        "ALPHA_ [AAA 9901011-991231] [AAB >990101]\n"  # 7-digit date: that group left out
        "BETA_ [BBB 20120101]\n"  # bare date: read as >20120101
        "GAMMA_ [CCC 20120101-20110101]\n"  # reversed range: left out
        "DELTA_ [+++]\n"  # TABARI special code: left out
        "EPSILON_\n"  # no code, directly followed: takes the next record's codes
        "EPSILON_ALIAS_\n"
        "\t[EEE]\n"
        "ZETA_\n"  # no code, then a blank line: left out
        "\n"
        "ETA_ [HHH]\tcomment without its hash\n"
        "+THETA]_\n"  # stray bracket: synonym left out
    )
    path = write(tmp_path, "odd.actors.txt", text)
    kb, messages = load_quietly(load_actor_dictionary, path)
    assert warned_lines(messages) == [1, 2, 3, 4, 5, 8, 10, 11]
    assert codes(kb, "alpha") == {("AAB", date(1999, 1, 1), None)}
    assert codes(kb, "beta") == {("BBB", date(2012, 1, 1), None)}
    assert kb.lookup("gamma") == [] and kb.lookup("delta") == [] and kb.lookup("zeta") == []
    assert codes(kb, "epsilon") == codes(kb, "epsilon alias") == {("EEE", None, None)}
    assert kb.lookup("epsilon")[0].name == "Epsilon"
    assert codes(kb, "eta") == {("HHH", None, None)}
    assert kb.lookup("theta]") == []


def test_a_warning_can_be_made_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.actors.txt", "BETA_ [BBB 20120101]\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DictionaryWarning)
        with pytest.raises(DictionaryWarning, match="odd.actors.txt:1: bare date"):
            load_actor_dictionary(path)


def test_adds_to_an_existing_kb(tmp_path: Path) -> None:
    kb = KnowledgeBase()
    kb.add("United Nations", Entry("igo", "IGOUNO", "IGO", None, "United Nations", origin="kb:igos"))
    out = load_actor_dictionary(write(tmp_path, "mine.actors.txt", ACTORS), kb)
    assert out is kb
    assert [e.kind for e in kb.lookup("united nations")] == ["igo", "dict"]


# -- agents: snippets -------------------------------------------------------------------------------------
AGENTS = """\
<!-- agents for a test -->
!PERSON! = MAN, MEN, WOMAN, WOMEN
!MINST! = MINISTER, MINISTERS, MINISTRY, MINISTRIES

FOREIGN_MINISTER [~GOVFRM] # regular plural
POLICE {} [~COP]
ATTORNEY_GENERAL {ATTORNEYS_GENERAL} [~JUD]
DEPUTY [~GOV]
ENVOY [~GOV]
WITNESS [~CVL]
CONGRESS!PERSON! [~LEG]
!MINST!_OF_DEFENCE [~GOVMIL]
HUMAN_RIGHTS_BODY  [NGO~]
ARMED_FORCES {} [ ~MIL]
"""


def test_agents_become_sector_nouns(tmp_path: Path) -> None:
    kb = load_agent_dictionary(write(tmp_path, "mine.agents.txt", AGENTS))
    nouns = kb.sector_nouns
    assert nouns["foreign minister"] == nouns["foreign ministers"] == "GOVFRM"
    assert nouns["police"] == "COP" and "polices" not in nouns
    assert nouns["attorney general"] == nouns["attorneys general"] == "JUD"
    assert "attorney generals" not in nouns
    assert nouns["deputies"] == "GOV" and nouns["envoys"] == "GOV" and nouns["witnesses"] == "CVL"
    for form in ("congressman", "congressmen", "congresswoman", "congresswomen"):
        assert nouns[form] == "LEG"
    assert "congressmans" not in nouns and "congress!person!" not in nouns
    for form in ("minister", "ministers", "ministry", "ministries"):
        assert nouns[f"{form} of defence"] == "GOVMIL"
    assert nouns["human rights body"] == nouns["human rights bodies"] == "NGO"
    assert nouns["armed forces"] == "MIL"
    assert kb.max_noun_len == 3 and kb.names == {}


def test_plural() -> None:
    assert plural("FOREIGN MINISTER") == "FOREIGN MINISTERS"
    assert plural("SECRETARY") == "SECRETARIES"
    assert plural("ATTORNEY") == "ATTORNEYS"
    assert plural("BOSS") == "BOSSES"
    assert plural("church") == "churches"


def test_agent_lines_petrarch_skips_are_warned_about(tmp_path: Path) -> None:
    text = (
        "GOOD [~GOV]\nNO_CODE_HERE\nBAD_CLOSE [~ENV}\n!UNKNOWN!_MAN [~CVL]\nNO_TILDE [GOV]\n"
        "OPEN {PLURAL [~GOV]\n"
    )
    kb, messages = load_quietly(load_agent_dictionary, write(tmp_path, "odd.agents.txt", text))
    assert warned_lines(messages) == [2, 3, 4, 5, 6]
    assert kb.sector_nouns == {"good": "GOV", "goods": "GOV"}


def test_agent_line_without_phrase_raises(tmp_path: Path) -> None:
    with pytest.raises(DictionaryError, match="bad.agents.txt:2: empty agent phrase"):
        load_agent_dictionary(write(tmp_path, "bad.agents.txt", "GOOD [~GOV]\n  [~GOV]\n"))


# -- discards: snippets -----------------------------------------------------------------------------------
DISCARDS = """\
# Story-level discards start with '+'
+WORLD_CUP  # sport
+ Grand Prix
BASEBALL
GROUP A_
YEARS LATER
"""


def test_discards(tmp_path: Path) -> None:
    discards = load_discards(write(tmp_path, "mine.discards.txt", DISCARDS))
    assert discards.story == {"world cup", "grand prix"}
    assert discards.sentence == {"baseball", "group a", "years later"}
    assert discards.whole_words == {"group a"}
    assert discards.matches("France won the World Cup final.") == "world cup"
    assert discards.is_story("world cup") and not discards.is_story("baseball")
    assert discards.matches("Baseballs were thrown at the police") == "baseball"  # a stem
    assert discards.matches("the ABC-baseball league") is None  # a match starts a word
    assert discards.matches("Group A met in Geneva") == "group a"
    assert discards.matches("Group Alpha met in Geneva") is None  # GROUP A_ must end the word
    assert discards.matches("Russia  and Ukraine signed a deal") is None
    assert discards.matches("World Cup: Five years later, baseball") == "world cup"  # story first


def test_discards_union_and_empty() -> None:
    empty = Discards()
    assert empty.matches("anything at all") is None
    merged = empty.union(Discards(sentence=frozenset({"cricket"})))
    assert merged.matches("A cricket match") == "cricket"


# -- several files ----------------------------------------------------------------------------------------
def test_load_dictionaries_files_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "dicts"
    folder.mkdir()
    write(folder, "mine.actors.txt", ACTORS)
    write(folder, "mine.agents.txt", AGENTS)
    write(folder, "mine.discards.txt", DISCARDS)
    write(folder, "mine.verbs.txt", "--- not read here ---\n")
    write(folder, "CAMEO.2.0.txt", "not read here either\n")
    extra = write(tmp_path, "more.discards.txt", "+CRICKET\n")
    kb, discards = load_dictionaries([folder, extra])
    assert kb.lookup("dmitry medvedev") and kb.sector_nouns["foreign ministers"] == "GOVFRM"
    assert discards.story == {"world cup", "grand prix", "cricket"}


def test_load_dictionaries_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="notes.txt"):
        load_dictionaries([write(tmp_path, "notes.txt", "hello\n")])
    with pytest.raises(ValueError, match="missing.actors.txt"):
        load_dictionaries([tmp_path / "missing.actors.txt"])
    folder = tmp_path / "d"
    folder.mkdir()
    write(folder, "README.md", "about these dictionaries\n")
    with pytest.raises(ValueError, match="README.md"):
        load_dictionaries([folder])


# -- the published dictionaries ---------------------------------------------------------------------------
@needs_petrarch
def test_phoenix_actor_files_load_together() -> None:
    # (load time is measured in benchmarks, not asserted here)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DictionaryWarning)
        kb = KnowledgeBase()
        for name in PHOENIX_ACTORS:
            load_actor_dictionary(PHOENIX / name, kb)
    assert len(kb.names) > 30_000


@needs_petrarch
@pytest.mark.parametrize(
    ("name", "records", "phrases", "code_groups", "irregular", "shared"),
    [
        # irregular: line numbers of the warnings other than "takes the codes of the next record".
        (
            "Phoenix.Countries.actors.txt",
            18388,
            25910,
            28495,
            [2039, 14190, 15346, 18010, 22508, 22519, 31715, 43613, 50802, 50839, 51384],
            35,
        ),
        ("Phoenix.International.actors.txt", 7840, 7906, 7897, [22, 40, 3696, 3726, 6605], 2),
        ("Phoenix.MilNonState.actors.txt", 1021, 1793, 1021, [], 0),
    ],
)
def test_every_line_of_the_phoenix_actor_files_is_understood(
    name: str, records: int, phrases: int, code_groups: int, irregular: list[int], shared: int
) -> None:
    path = PHOENIX / name
    actors, messages = load_quietly(lambda p: list(read_actors(p)), path)
    assert len(actors) == records
    assert sum(len(a.phrases) for a in actors) == phrases
    assert sum(len(a.codes) for a in actors) == code_groups
    given = [m for m in messages if "has no code: given those of" in m]
    assert len(given) == shared
    assert warned_lines([m for m in messages if m not in given]) == irregular


@needs_petrarch
def test_phoenix_putin_and_the_un() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DictionaryWarning)
        kb = load_actor_dictionary(PHOENIX / "Phoenix.Countries.actors.txt")
        load_actor_dictionary(PHOENIX / "Phoenix.International.actors.txt", kb)
    putin = {
        ("RUSELI", date(1970, 1, 1), date(1999, 8, 9)),
        ("RUSGOV", date(1999, 8, 9), date(2000, 5, 7)),
        ("RUSGOV", date(1999, 12, 31), date(2008, 5, 7)),
        ("RUSGOV", date(2008, 5, 8), None),
        ("RUSELI", None, None),
    }
    assert codes(kb, "Vladimir Putin") == codes(kb, "President Vladimir Putin") == putin
    assert {e.name for e in kb.lookup("putin")} == {"Vladimir Putin"}
    assert {(e.country, e.sector) for e in kb.lookup("vladimir putin")} == {("RUS", "ELI"), ("RUS", "GOV")}
    assert {e.origin for e in kb.lookup("vladimir putin")} == {"dict:Phoenix.Countries.actors.txt"}
    # names listed without '+' before a coded record take its codes
    assert {e.code for e in kb.lookup("Mikhail Gorbachev")} == {"RUSELI", "RUSGOV"}
    (un,) = {(e.code, e.country, e.sector, e.start, e.end) for e in kb.lookup("United Nations")}
    assert un == ("IGOUNO", "IGO", None, None, None)
    assert {e.code for e in kb.lookup("UN")} == {"IGOUNO"}


@needs_petrarch
def test_phoenix_agents_and_discards() -> None:
    kb, messages = load_quietly(load_agent_dictionary, PHOENIX / "Phoenix.agents.txt")
    assert warned_lines(messages) == [544, 1927]
    assert len(kb.sector_nouns) == 5180
    assert kb.sector_nouns["farmers"] == "AGR"
    assert kb.sector_nouns["police"] == "COP"
    assert kb.sector_nouns["congresswoman"] == "LEG"
    discards, messages = load_quietly(load_discards, PHOENIX / "Phoenix.discards.txt")
    assert messages == []
    assert (len(discards.sentence), len(discards.story), len(discards.whole_words)) == (442, 64, 8)
    assert discards.is_story(discards.matches("Manchester United beat Chelsea") or "")
    assert discards.matches("Rebels attacked the town on Monday") is None


@needs_petrarch
def test_petrarch_validation_dictionaries() -> None:
    kb, messages = load_quietly(load_actor_dictionary, VALIDATE / "PETR.Validate.actors.txt")
    assert warned_lines(messages) == [112]  # ISILDUR [+++]
    assert {e.code for e in kb.lookup("Lorien")} == {"ELR", "GAL"}
    assert codes(kb, "Smeagol") == {
        ("HOB", None, date(1995, 6, 1)),
        ("HOBGOV", date(1995, 6, 1), date(1999, 8, 15)),
        ("HOBREB", date(1999, 8, 16), None),
    }
    assert codes(kb, "Hamfast Gamgee") == {
        ("HOB", None, None),
        ("HOBGOV", date(2012, 11, 9), date(2013, 1, 19)),
    }
    assert [e.code for e in kb.lookup("Boromir")] == [NULL_CODE]
    assert kb.lookup("Palestinian")[0].code == "PSE"  # lower-case codes are read upper-case
    agents, messages = load_quietly(load_agent_dictionary, VALIDATE / "PETR.Validate.agents.txt")
    assert messages == [] and agents.sector_nouns["ministries of silly walks"] == "GOV"
    assert agents.sector_nouns["golden geese"] == "GGS" and agents.sector_nouns["msf"] == "NGO"
    discards, messages = load_quietly(load_discards, VALIDATE / "PETR.Validate.discards.txt")
    assert messages == [] and discards.story == {
        "world golf championships",
        "manchester united",
        "typhoon",
        "espn2",
    }


@needs_petrarch
def test_load_the_phoenix_folder() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DictionaryWarning)
        kb, discards = load_dictionaries([PHOENIX])  # CAMEO.2.0.txt (verbs) is passed over
    assert kb.lookup("Vladimir Putin") and kb.lookup("Hamas") and kb.sector_nouns["farmer"] == "AGR"
    assert len(discards.story) == 64
