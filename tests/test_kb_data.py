"""Integrity checks for the actor knowledge-base data files (countries, IGOs/NGOs, groups, sectors)."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pycountry
import pytest
import yaml

DATA = Path(__file__).parents[1] / "src/polybius/data"

COUNTRY_COLUMNS = ["iso3", "iso2", "name", "aliases", "adjectives", "capital", "metonyms", "status"]
IGO_COLUMNS = ["code", "name", "aliases", "country", "sector"]
GROUP_COLUMNS = ["code", "name", "aliases", "country", "sector", "type"]
STATUSES = {"member", "observer", "territory", "disputed"}
GROUP_TYPES = frozenset(
    "armed_group terrorist_group militia separatist party mercenary cartel movement indigenous_nation".split()
)
REQUIRED_SECTORS = frozenset(
    "GOV MIL REB INS SEP OPP PTY COP JUD SPY MED EDU BUS CRM CVL LAB LEG HLH REF ELI REL HRI AGR ENV DEV UAF".split()
)

# The 193 member states of the United Nations (ISO 3166-1 alpha-3).
UN_MEMBERS = frozenset(
    """
    AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA BRA BRN BGR BFA
    BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE PRK COD DNK DJI DMA DOM ECU EGY SLV
    GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN IRQ
    IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL
    MRT MUS MEX FSM MCO MNG MNE MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER
    PHL POL PRT QAT KOR MDA ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM ZAF SSD
    ESP LKA SDN SUR SWE CHE SYR TJK THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR TZA USA URY UZB VUT VEN
    VNM YEM ZMB ZWE
    """.split()
)

SPACES = re.compile(r"\s+")
HYPHEN = re.compile(r"\s*[-‐‑–]\s*")


def key(text: str) -> str:
    """Matching form of a name, as the loader computes it: lower case, tidy spaces and hyphens, no leading "the"."""
    text = HYPHEN.sub("-", SPACES.sub(" ", text.replace("’", "'").lower())).strip()
    return text[4:] if text.startswith("the ") else text


def split_multi(cell: str) -> list[str]:
    return cell.split("|") if cell else []


def read_lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").split("\n")


@cache
def read_tsv(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header, *body = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in body]


def countries() -> list[dict[str, str]]:
    return read_tsv("countries.tsv")[1]


def igos() -> list[dict[str, str]]:
    return read_tsv("igos.tsv")[1]


def groups() -> list[dict[str, str]]:
    return read_tsv("groups.tsv")[1]


@cache
def sectors() -> dict[str, dict]:
    data = yaml.safe_load((DATA / "sectors.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def metonym_parts(value: str) -> tuple[str, str]:
    place, _, sector = value.partition(":")
    return place, sector or "GOV"


def country_strings(row: dict[str, str]) -> list[str]:
    places = [metonym_parts(m)[0] for m in split_multi(row["metonyms"])]
    capital = [row["capital"]] if row["capital"] else []
    return [row["name"], *split_multi(row["aliases"]), *split_multi(row["adjectives"]), *capital, *places]


def country_by_string() -> dict[str, set[str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for row in countries():
        for s in country_strings(row):
            index[key(s)].add(row["iso3"])
    return index


def org_by_string() -> dict[str, set[str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for row in [*igos(), *groups()]:
        for s in [row["name"], *split_multi(row["aliases"])]:
            index[key(s)].add(row["code"])
    return index


# --- file format ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "columns"),
    [("countries.tsv", COUNTRY_COLUMNS), ("igos.tsv", IGO_COLUMNS), ("groups.tsv", GROUP_COLUMNS)],
)
def test_tsv_format(name: str, columns: list[str]) -> None:
    lines = read_lines(name)
    assert lines[-1] == "", f"{name} must end with a newline"
    lines = lines[:-1]
    assert lines[0].split("\t") == columns
    for n, line in enumerate(lines, start=1):
        assert line.strip(), f"{name}:{n}: empty line"
        assert not line.startswith("#"), f"{name}:{n}: comment line"
        assert "\r" not in line, f"{name}:{n}: carriage return"
        cells = line.split("\t")
        assert len(cells) == len(columns), f"{name}:{n}: {len(cells)} cells"
        for cell in cells:
            assert cell == cell.strip(), f"{name}:{n}: stray whitespace in {cell!r}"
            assert not cell.startswith('"'), f"{name}:{n}: quoted cell {cell!r}"
            if cell:
                values = cell.split("|")
                assert all(v and v == v.strip() for v in values), (
                    f"{name}:{n}: empty or padded value in {cell!r}"
                )
                assert len(values) == len({key(v) for v in values}), f"{name}:{n}: repeated value in {cell!r}"


# --- countries ------------------------------------------------------------------------------------------------


def test_iso3_codes() -> None:
    codes = [row["iso3"] for row in countries()]
    assert len(codes) == len(set(codes))
    for row in countries():
        iso3 = row["iso3"]
        assert re.fullmatch(r"[A-Z]{3}", iso3), iso3
        if iso3 == "XKX":
            continue
        found = pycountry.countries.get(alpha_3=iso3)
        assert found is not None, f"{iso3} is not an ISO 3166 alpha-3 code"
        assert found.alpha_2 == row["iso2"], iso3


def test_iso2_codes() -> None:
    codes = [row["iso2"] for row in countries()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes)


def test_status_values() -> None:
    assert {row["status"] for row in countries()} <= STATUSES


def test_every_un_member_present() -> None:
    members = {row["iso3"] for row in countries() if row["status"] == "member"}
    assert len(members) == 193
    assert members == UN_MEMBERS
    observers = {row["iso3"] for row in countries() if row["status"] == "observer"}
    assert observers == {"VAT", "PSE"}


def test_names_not_repeated() -> None:
    for row in countries():
        name = key(row["name"])
        assert name not in {key(a) for a in split_multi(row["aliases"])}, row["iso3"]
        if row["capital"]:
            places = {key(metonym_parts(m)[0]) for m in split_multi(row["metonyms"])}
            assert key(row["capital"]) not in places, row["iso3"]


def test_no_string_maps_to_two_countries() -> None:
    clashes = {s: codes for s, codes in country_by_string().items() if len(codes) > 1}
    assert not clashes


def test_metonym_sectors_are_known() -> None:
    known = set(sectors())
    for row in countries():
        for metonym in split_multi(row["metonyms"]):
            place, _, sector = metonym.partition(":")
            assert place, row["iso3"]
            if sector:
                assert sector in known, f"{row['iso3']}: {metonym}"


def test_country_spot_checks() -> None:
    index = country_by_string()
    assert index[key("Moscow")] == {"RUS"}
    assert index[key("the Kremlin")] == {"RUS"}
    assert index[key("American")] == {"USA"}
    assert index[key("U.S.")] == {"USA"}
    assert index[key("Kiev")] == {"UKR"}
    assert index[key("Burma")] == {"MMR"}
    usa = next(row for row in countries() if row["iso3"] == "USA")
    assert "the Pentagon:MIL" in split_multi(usa["metonyms"])
    kosovo = next(row for row in countries() if row["iso3"] == "XKX")
    assert kosovo["status"] == "disputed"


# --- IGOs, NGOs and groups -----------------------------------------------------------------------------------


def test_igo_rows() -> None:
    codes = [row["code"] for row in igos()]
    assert len(codes) == len(set(codes))
    known = set(sectors())
    for row in igos():
        assert re.fullmatch(r"(IGO|NGO)[A-Z]{3,9}", row["code"]), row["code"]
        assert row["country"] in ("IGO", "NGO"), row["code"]
        assert row["code"].startswith(row["country"]), row["code"]
        assert not row["sector"] or row["sector"] in known, row["code"]


def test_group_rows() -> None:
    codes = [row["code"] for row in groups()]
    assert len(codes) == len(set(codes))
    iso3 = {row["iso3"] for row in countries()}
    known = set(sectors())
    for row in groups():
        code = row["code"]
        assert re.fullmatch(r"[A-Z]{6}[A-Z0-9]{3}", code), code
        assert row["sector"] in known, code
        assert code[3:6] == row["sector"], code
        assert row["type"] in GROUP_TYPES, code
        if row["country"]:
            assert row["country"] in iso3, code
            assert code[:3] == row["country"], code
        else:
            assert code.startswith("IMG"), code


def test_codes_unique_across_orgs() -> None:
    codes = [row["code"] for row in [*igos(), *groups()]]
    assert len(codes) == len(set(codes))


def test_no_org_name_maps_to_two_codes() -> None:
    clashes = {s: codes for s, codes in org_by_string().items() if len(codes) > 1}
    assert not clashes


def test_org_names_do_not_clash_with_countries() -> None:
    clashes = set(org_by_string()) & set(country_by_string())
    assert not clashes


def test_org_spot_checks() -> None:
    index = org_by_string()
    assert index[key("NATO")] == {"IGOWSTNAT"}
    assert index[key("the United Nations")] == {"IGOUNO"}
    assert index[key("UN Security Council")] == {"IGOUNOUSC"}
    assert index[key("European Union")] == {"IGOEUREEC"}
    assert index[key("Daesh")] == {"IMGINSISL"}
    hamas = next(row for row in groups() if row["name"] == "Hamas")
    assert hamas["country"] == "PSE"
    assert hamas["sector"] == "REB"
    by_code = {row["code"]: row for row in igos()}
    assert by_code["IGOUNOHLHWHO"]["sector"] == "HLH"
    assert by_code["IGOJUDICC"]["sector"] == "JUD"


# --- sectors --------------------------------------------------------------------------------------------------


def test_sector_entries() -> None:
    data = sectors()
    assert set(data) >= REQUIRED_SECTORS
    for code, entry in data.items():
        assert re.fullmatch(r"[A-Z]{3}", code), code
        assert isinstance(entry, dict) and set(entry) == {"label", "nouns"}, code
        assert isinstance(entry["label"], str) and entry["label"], code
        assert isinstance(entry["nouns"], list) and entry["nouns"], code
        for noun in entry["nouns"]:
            assert isinstance(noun, str) and noun == noun.strip().lower() and noun, f"{code}: {noun!r}"


def test_no_noun_in_two_sectors() -> None:
    seen: dict[str, str] = {}
    for code, entry in sectors().items():
        for noun in entry["nouns"]:
            assert key(noun) not in seen, f"{noun!r} under {seen.get(key(noun))} and {code}"
            seen[key(noun)] = code


def test_nouns_are_not_names() -> None:
    nouns = {key(n) for entry in sectors().values() for n in entry["nouns"]}
    clashes = nouns & (set(country_by_string()) | set(org_by_string()))
    assert not clashes


def test_sector_spot_checks() -> None:
    where = {noun: code for code, entry in sectors().items() for noun in entry["nouns"]}
    assert where["president"] == "GOV"
    assert where["soldier"] == "MIL"
    assert where["police"] == "COP"
    assert where["lawmaker"] == "LEG"
    assert where["journalist"] == "MED"
    assert where["gunman"] == "UAF"


# --- companies and media outlets --------------------------------------------------------------------------------


def companies() -> list[dict[str, str]]:
    header, rows = read_tsv("companies.tsv")
    assert header == ["name", "aliases", "country", "sector"]
    return rows


def test_company_rows() -> None:
    iso3 = {row["iso3"] for row in countries()}
    for row in companies():
        assert row["name"] and row["name"] == row["name"].strip(), row
        assert row["country"] in iso3, row["name"]
        assert row["sector"] in ("BUS", "MED"), row["name"]
        aliases = split_multi(row["aliases"])
        assert all(a and a == a.strip() for a in aliases), row["name"]
        assert row["name"] not in aliases, row["name"]


def test_company_names_are_unique_and_clash_with_nothing() -> None:
    seen: dict[str, str] = {}
    for row in companies():
        for s in [row["name"], *split_multi(row["aliases"])]:
            assert key(s) not in seen, f"{s!r} in {seen.get(key(s))} and {row['name']}"
            seen[key(s)] = row["name"]
    nouns = {key(n) for entry in sectors().values() for n in entry["nouns"]}
    assert not set(seen) & (set(country_by_string()) | set(org_by_string()) | nouns)


def test_companies_load_as_metonyms() -> None:
    from polybius.actors.kb import load_kb

    kb = load_kb()

    def codes(text: str) -> set[str]:
        return {e.code for e in kb.lookup(text) if e.origin == "kb:companies"}

    assert codes("Alibaba Group") == {"CHNBUS"}
    assert codes("The New York Times") == {"USAMED"}
    assert codes("Al Jazeera") == {"QATMED"}
    assert codes("Reuters") == {"GBRMED"}
    assert codes("Freeport-McMoRan") == {"USABUS"}
    assert codes("Deutsche Bank") == {"DEUBUS"}
    assert codes("Reliance Jio") == codes("Reliance Industries") == {"INDBUS"}
    assert codes("GE") == codes("General Electric") == {"USABUS"}
    assert codes("IAG") == {"GBRBUS"}
    assert codes("Rusal") == {"RUSBUS"}
    assert codes("Gazprom") == {"RUSBUS"}
    entry = kb.lookup("Gazprom")[0]
    assert (entry.kind, entry.country, entry.sector) == ("metonym", "RUS", "BUS")
    # acronyms keep their capitals; ambiguous short names are left out
    assert kb.allows("ge", "GE") and not kb.allows("ge", "Ge")
    assert not kb.lookup("Meta") and not kb.lookup("Apple") and not kb.lookup("X")


def test_bad_company_row_is_reported(tmp_path: Path) -> None:
    from polybius.actors.kb import KnowledgeBase, load_companies, load_countries

    kb = KnowledgeBase()
    load_countries(kb, DATA / "countries.tsv")
    bad = tmp_path / "companies.tsv"
    bad.write_text("name\taliases\tcountry\tsector\nAcme\t\tUSA\tGOV\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Acme"):
        load_companies(kb, bad)


@pytest.mark.parametrize(
    ("sentence", "phrase", "code", "when"),
    [
        (
            "Chinese regulators opened a formal inquiry into Alibaba Group.",
            "Alibaba Group",
            "CHNBUS",
            None,
        ),
        (
            "The embassy turned down a request from The New York Times.",
            "a request from The New York Times",
            "USAMED",
            None,
        ),
        ("The Deutsche Bank's mission expressed optimism.", "The Deutsche Bank's mission", "DEUBUS", None),
        ("IAG chief Willie Walsh sounded gloomy about summer bookings.", "IAG chief Willie Walsh", "GBRBUS", None),
        ("The U.S. Treasury removed the sanctions on Rusal.", "Rusal", "RUSBUS", None),
        ("Sen. Mitch McConnell told reporters he expects a long debate.", "Sen. Mitch McConnell", "USALEG", None),
        ("UN diplomats said they hoped that Gambari would be in Myanmar.", "Gambari", "IGOUNO", "2007-10-15"),
        ("A sniper shot a Chechen volunteer near the front.", "a Chechen volunteer", "RUS", None),
        ("Thousands of Rohingya refugees crossed the border.", "Rohingya refugees", "MMRREF", None),
    ],
)
def test_company_and_people_resolution(
    coder, sentence: str, phrase: str, code: str, when: str | None
) -> None:
    from datetime import date

    from polybius.actors.resolve import DocContext, find_mentions

    resolver = coder.extractor.resolver
    doc = coder.nlp(sentence)
    sent = doc[:]
    ctx = DocContext(date=date.fromisoformat(when) if when else None)
    mentions = find_mentions(resolver.kb, sent)
    resolver.observe(sent, mentions, ctx)
    start = sentence.index(phrase)
    span = doc.char_span(start, start + len(phrase), alignment_mode="expand")
    actor = resolver.resolve(span.root, ctx, mentions)
    assert actor is not None and actor.code == code, actor
