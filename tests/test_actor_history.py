"""Historical states and organisations (data/history.tsv), read by the text's date; generic groups without a
country. Every sentence here was written for these tests."""

from datetime import date
from pathlib import Path

import pytest
from conftest import code_text

from polybius.actors.kb import DATA_DIR, KnowledgeBase, default_kb, load_history, name_key

HEADER = "code\tname\taliases\tadjectives\tmetonyms\tkind\tmodern\tvalid_from\tvalid_to\tsuccessor\tdated\n"


def sources(coder, text: str, when: str | None) -> list[str]:
    return [e.source.code for e in code_text(coder, text, date=when).events]


@pytest.mark.parametrize(
    ("text", "when", "code"),
    [
        # names that are themselves historical: their code whatever the date
        ("The European Community lifted its ban on British beef exports.", "1988-02-11", "IGOEUREEC"),
        ("The European Community lifted its ban on British beef exports.", "2021-02-11", "IGOEUREEC"),
        ("The EEC protested to Washington about steel quotas.", None, "IGOEUREEC"),
        ("The Soviet Union signed a grain deal with Canada.", "2015-06-01", "SUN"),
        ("The Organization of African Unity condemned the raid on Lusaka.", "1979-06-01", "IGOAFROAU"),
        ("The Warsaw Pact held manoeuvres near the Czech border.", "1968-07-20", "IGOEEUWTO"),
        ("Comecon signed a cooperation accord with Finland.", "1973-05-16", "IGOEEUCMA"),
        ("SEATO condemned the incursion into Laos.", "1961-03-01", "IGOSEASTO"),
        ("Zaire expelled two Angolan diplomats.", "1993-08-02", "COD"),
        ("Rhodesia closed its border with Zambia.", "1973-01-10", "ZWE"),
        ("Ceylon recalled its envoy to London.", "1962-01-10", "LKA"),
        ("Czechoslovakia protested to Austria over the fence.", None, "CSK"),
        ("East Germany expelled a West German reporter.", "1979-04-20", "DDR"),
        ("West Germany recalled its ambassador to Chile.", "1976-04-20", "DEU"),
        # a modern country's names at a date when it was part of another state
        ("Moscow accused Washington of spying.", "1984-10-02", "SUNGOV"),
        ("Moscow accused Washington of spying.", "2014-10-02", "RUSGOV"),
        ("Moscow accused Washington of spying.", None, "RUSGOV"),
        ("Russian troops attacked rebel positions near Herat.", "1980-01-03", "SUNMIL"),
        ("Prague protested to Vienna over the fence.", "1987-05-05", "CSKGOV"),
        ("Prague protested to Vienna over the fence.", "2007-05-05", "CZEGOV"),
        ("Belgrade protested to Tirana over the radio broadcasts.", "1981-05-05", "YUGGOV"),
        ("Yugoslavia protested to Tirana over the radio broadcasts.", "1998-05-05", "SCG"),
        ("Yugoslavia protested to Tirana over the radio broadcasts.", "1981-05-05", "YUG"),
    ],
)
def test_historical_names_and_eras(coder, text, when, code):
    assert code in sources(coder, text, when)


@pytest.mark.parametrize(
    ("text", "inside", "outside", "code"),
    [
        ("The EC imposed duties on Japanese cameras.", "1989-03-01", "2015-03-01", "IGOEUREEC"),
        ("Bonn accused Tehran of harbouring the hijackers.", "1984-03-01", "2015-03-01", "DEUGOV"),
        ("Rangoon accused Bangkok of sheltering rebels.", "1986-03-01", "2015-03-01", "MMRGOV"),
    ],
)
def test_dated_names_hold_only_in_their_range(coder, text, inside, outside, code):
    assert code in sources(coder, text, inside)
    assert code not in sources(coder, text, outside)
    assert code not in sources(coder, text, None)  # no date: the name is read as it is today


def test_leaders_keep_their_own_codes_in_an_era(coder):
    # a dated person from leaders.tsv is not re-read: Gorbachev is SUNGOV by his own row
    assert "SUNGOV" in sources(coder, "Gorbachev met Reagan in Geneva.", "1985-11-19")


def test_history_rows_load_with_dates():
    kb = default_kb()
    (ec,) = [e for e in kb.names[name_key("European Community")] if e.origin == "kb:history"]
    assert ec.code == "IGOEUREEC" and ec.start == date(1958, 1, 1) and not ec.dated
    assert all(e.dated for e in kb.names[name_key("EC")] if e.origin == "kb:history")
    assert kb.era_code("RUS", date(1990, 1, 1)) == "SUN"
    assert kb.era_code("RUS", date(1992, 1, 1)) is None
    assert kb.era_code("RUS", None) is None
    assert kb.countries["SUN"] == "Soviet Union"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("XYZ\tNowhere\t\t\t\tstate\t\t1990-01-01\t1980-01-01\t\t\n", "valid_from <= valid_to"),
        ("XYZ\tNowhere\t\t\t\tkingdom\t\t1970-01-01\t1980-01-01\t\t\n", "needs kind"),
        ("XYZ\tNowhere\t\t\t\tera\t\t1970-01-01\t1980-01-01\t\t\n", "modern country"),
        ("ABCDEF\tNowhere\t\t\t\tigo\t\t1970-01-01\t1980-01-01\t\t\n", "IGO or NGO"),
    ],
)
def test_bad_history_rows_are_reported(tmp_path: Path, row: str, message: str):
    path = tmp_path / "history.tsv"
    path.write_text(HEADER + row, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_history(KnowledgeBase(), path)


def test_history_file_format():
    lines = (DATA_DIR / "history.tsv").read_text(encoding="utf-8").split("\n")
    assert lines[0] + "\n" == HEADER and lines[-1] == ""
    for n, line in enumerate(lines[1:-1], start=2):
        assert len(line.split("\t")) == HEADER.count("\t") + 1, f"history.tsv:{n}"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A group of ethnic leaders criticised the governor.", "CVL"),
        ("Members of a neighbourhood association accused the council of negligence.", "CVL"),
        ("The association accused the council of negligence.", "CVL"),
    ],
)
def test_generic_groups_keep_the_event(coder, text, code):
    # an unnamed group with no country still codes the event, with its sector alone
    assert code in sources(coder, text, "2020-02-02")
