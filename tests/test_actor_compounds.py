"""Compound modifiers, victims placed by the place named, nationality against residence (docs/actors.md).
Every sentence here was written for these tests."""

import pytest
from conftest import code_text


def actors(coder, text: str, when: str = "2021-03-15") -> set[str]:
    result = code_text(coder, text, date=when)
    return {a.code for e in result.events for a in (e.source, e.target) if a is not None}


@pytest.mark.parametrize(
    ("text", "wanted", "unwanted"),
    [
        # a member named by its own name is the actor, not the organisation in front of it
        ("NATO-member Denmark condemned the missile test.", "DNK", "IGOWSTNAT"),
        ("EU member Hungary criticised Brussels over the migration pact.", "HUN", "IGOEUREEC"),
        ("OPEC member Angola accused the cartel of ignoring small producers.", "AGO", "IGOBUSOPC"),
        ("NATO ally Turkey condemned the airstrike.", "TUR", "IGOWSTNAT"),
        # "X-backed Y" is Y: the backer does not become the actor
        ("Iran-backed fighters attacked a convoy near the border.", "UAF", "IRNUAF"),
        ("Saudi-funded militiamen attacked a checkpoint outside the port.", "UAF", "SAUUAF"),
        ("Turkish-backed Syrian rebels accused Kurdish forces of shelling.", "SYRREB", "TURREB"),
        # a language is no nationality: speakers of Russian living in Tallinn are Estonia's
        ("Russian-speaking residents of Tallinn criticised the language law.", "ESTCVL", "RUSCVL"),
        # the nearest nationality is the head's: a Turkish Cypriot is Cypriot
        ("The Turkish-Cypriot negotiator criticised the proposal.", "CYPGOV", "TURGOV"),
    ],
)
def test_compound_modifiers(coder, text, wanted, unwanted):
    found = actors(coder, text)
    assert wanted in found and unwanted not in found, found


def test_a_backer_alone_still_names_the_actor(coder):
    # nothing but the backer says who the group is: its code rather than no event at all
    assert "RUS" in actors(coder, "A Russia-aligned group denounced the election.")


def test_a_month_is_no_place_for_victims(coder):
    # "March" is also a town in England: a date never places anyone
    found = actors(coder, "In early March, gunmen killed two people near Juba.")
    assert "SSDCVL" in found and "GBRCVL" not in found, found


def test_member_states_of_an_organisation_stay_the_organisation(coder):
    # no member is named: the organisation's own code is the actor
    assert "IGOEUREEC" in actors(coder, "EU member states condemned the crackdown in Minsk.")


@pytest.mark.parametrize(
    ("text", "wanted", "unwanted"),
    [
        # the place's own country wins over the attacker's and the story's
        ("Russian troops shelled Mariupol, killing four people.", "UKRCVL", "RUSCVL"),
        ("Israeli aircraft struck Rafah overnight, wounding six people.", "PSECVL", "ISRCVL"),
        ("The Kremlin said its forces hit Zaporizhzhia, killing two people.", "UKRCVL", "RUSCVL"),
        # residents, villagers, people of or in a place are that place's
        ("Turkish jets bombed residents of Afrin.", "SYRCVL", "TURCVL"),
        ("Pakistani troops fired on villagers in Kunar province.", "AFGCVL", "PAKCVL"),
        ("Sudanese soldiers attacked people in Darfur.", "SDNCVL", None),
    ],
)
def test_victims_and_residents_are_placed_by_the_place(coder, text, wanted, unwanted):
    found = actors(coder, text)
    assert wanted in found and (unwanted is None or unwanted not in found), found


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # nationality stated: it wins over where the person is
        ("A Syrian refugee in Lebanon accused the police of beating him.", "SYRREF"),
        ("Iraqi protesters in Stockholm denounced the embassy.", "IRQOPP"),
        ("An Afghan migrant in Greece accused the coast guard of pushing boats back.", "AFGREF"),
        # no nationality: residence decides
        ("Residents of Mosul accused the militia of looting.", "IRQCVL"),
        ("Protesters in Caracas denounced the electoral council.", "VENOPP"),
        ("Villagers near Jalalabad accused the army of torching homes.", "AFGCVL"),
    ],
)
def test_nationality_wins_over_residence(coder, text, wanted):
    assert wanted in actors(coder, text)
