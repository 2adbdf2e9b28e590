"""The actor knowledge base: countries, IGOs/NGOs, non-state groups, sector role nouns and dated leaders.

Everything is read from data files (src/polybius/data/*.tsv|yaml, described in data/README.md). Names are
indexed as lower-case token tuples so that the resolver can match them against parsed text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
# CAMEO's country-level codes for actors that belong to no one state: organisations and international
# militarized groups (Islamic State, al-Qaeda)
NON_STATE = ("IGO", "NGO", "IMG")
SPACES = re.compile(r"\s+")
HYPHEN = re.compile(r"\s*[-‐‑–]\s*")
FIRST_WORD = re.compile(r"[\s\-]")
INITIALS = re.compile(r"(?:[a-z]\.){2,}[a-z]?")  # "u.s.", "u.k", "t.p.l.f."


CACHED_KEY_CHARS = 100  # keys of strings up to this long are cached (names, not whole texts)


def name_key(text: str) -> str:
    """Normalised form for matching: lower case, straight quotes, single spaces, tight hyphens, no "the"."""
    return _cached_name_key(text) if len(text) <= CACHED_KEY_CHARS else _name_key(text)


@lru_cache(maxsize=1 << 16)
def _cached_name_key(text: str) -> str:
    return _name_key(text)  # a pure function of the string: the resolver asks for the same few names often


def _name_key(text: str) -> str:
    text = HYPHEN.sub("-", SPACES.sub(" ", text.replace("’", "'").lower())).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


def is_acronym(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return 1 < len(letters) <= 6 and all(ch.isupper() for ch in letters)


def first_word(key: str) -> str:
    return FIRST_WORD.split(key, maxsplit=1)[0]


def word_count(key: str) -> int:
    return len([w for w in FIRST_WORD.split(key) if w]) + key.count(".") + key.count("'")


@dataclass(frozen=True)
class Entry:
    """One thing a name can stand for."""

    kind: str  # country | adjective | metonym | igo | group | person
    code: str  # CAMEO actor code this entry gives (RUS, RUSGOV, IGOUNO, PSEREBHAM, ...)
    country: str | None  # ISO3, IGO, NGO or None
    sector: str | None
    name: str  # canonical name
    start: date | None = None  # for dated roles (people)
    end: date | None = None
    role: str | None = None
    origin: str = "kb"  # "kb:countries", "dict:Phoenix.Countries.actors.txt", ...
    # True: the name stands for this entry only between start and end ("EC" for the European Community until
    # 1993, "Bonn" for West Germany's government); a historical name otherwise holds whatever the date
    dated: bool = False

    def holds_on(self, when: date | None) -> bool:
        """May the name stand for this entry in a text of this date? Dated names need a date in their range."""
        return not self.dated or (when is not None and self.valid_on(when))

    def valid_on(self, when: date | None) -> bool:
        if when is None:
            return self.end is None  # no date known: prefer the current holder
        return (self.start is None or self.start <= when) and (self.end is None or when <= self.end)


@dataclass
class KnowledgeBase:
    names: dict[str, list[Entry]] = field(default_factory=dict)
    first_words: dict[str, int] = field(default_factory=dict)  # first word of a name -> most tokens it spans
    acronyms: set[str] = field(default_factory=set)  # keys written as acronyms ("WHO", "US")
    spelled: set[str] = field(default_factory=set)  # keys also written as ordinary names
    sector_nouns: dict[str, str] = field(default_factory=dict)
    sector_labels: dict[str, str] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)  # iso3 -> canonical name
    regions: set[str] = field(default_factory=set)  # region codes used as countries (EUR, WAF, MEA, ...)
    # Names that are also the first word of places the KB lacks ("Western Cape", "West Virginia", "Asian
    # Development Bank"): they only match when the next word is not capitalised.
    open_ended: set[str] = field(default_factory=set)
    needs_article: set[str] = field(default_factory=set)  # "the West": never a bare "West" (a surname)
    max_noun_len: int = 1
    # a modern country's names read as another code between two dates ("Moscow" in 1985 is the Soviet Union's
    # government): country -> [(start, end, code)], from history.tsv
    eras: dict[str, list[tuple[date, date, str]]] = field(default_factory=dict)

    def era_code(self, country: str | None, when: date | None) -> str | None:
        """The code a country's modern names stand for at the date, when history.tsv says it was another."""
        if when is None or country is None:
            return None
        for start, end, code in self.eras.get(country, ()):
            if start <= when <= end:
                return code
        return None

    def add(self, text: str, entry: Entry) -> None:
        key = name_key(text)
        if not key:
            return
        bucket = self.names.setdefault(key, [])
        if entry not in bucket:
            bucket.append(entry)
        first = first_word(key)
        self.first_words[first] = max(self.first_words.get(first, 1), word_count(key))
        if INITIALS.fullmatch(key):  # "U.K." may reach us as "U . K ." (one token per letter and dot)
            self.first_words[key[0]] = max(self.first_words.get(key[0], 1), 2 * key.count("."))
        if is_acronym(text.strip().removeprefix("the ")):
            self.acronyms.add(key)  # "WHO", "US", "IS": never the words "who", "us", "is"
        else:
            self.spelled.add(key)

    def allows(self, key: str, text: str) -> bool:
        """Does the text as written match? Acronyms must keep their capitals; names need one capital."""
        if key in self.acronyms and key not in self.spelled:
            letters = [ch for ch in text if ch.isalpha()]
            if len(letters) >= 4 and letters[0].isupper():
                return True  # long acronyms are also written as names: "Isis", "Nato", "Unicef"
            return bool(letters) and all(ch.isupper() for ch in letters)
        # a name of three words or more is unambiguous even when written in lower case ("the international
        # criminal court"); shorter ones need a capital ("Hamas", not "hamas"; "Congress", not "congress")
        return any(ch.isupper() for ch in text) or len(key.split()) >= 3

    def add_noun(self, text: str, sector: str) -> None:
        key = name_key(text)
        if key:
            self.sector_nouns.setdefault(key, sector)
            self.max_noun_len = max(self.max_noun_len, len(key.split()))

    def lookup(self, text: str) -> list[Entry]:
        return self.names.get(name_key(text), [])

    def extend(self, other: KnowledgeBase) -> None:
        """Add another knowledge base's names (imported dictionaries) after ours."""
        for key, entries in other.names.items():
            bucket = self.names.setdefault(key, [])
            bucket.extend(e for e in entries if e not in bucket)
        self.acronyms |= other.acronyms
        self.spelled |= other.spelled
        self.regions |= other.regions
        self.open_ended |= other.open_ended
        self.needs_article |= other.needs_article
        for first, n in other.first_words.items():
            self.first_words[first] = max(self.first_words.get(first, 1), n)
        for key, sector in other.sector_nouns.items():
            self.sector_nouns.setdefault(key, sector)
        self.sector_labels.update(
            {k: v for k, v in other.sector_labels.items() if k not in self.sector_labels}
        )
        self.countries.update({k: v for k, v in other.countries.items() if k not in self.countries})
        for country, spans in other.eras.items():
            self.eras.setdefault(country, []).extend(s for s in spans if s not in self.eras[country])
        self.max_noun_len = max(self.max_noun_len, other.max_noun_len)


def split_multi(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def read_tsv(path: Path, columns: Iterable[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)}")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                raise ValueError(f"{path}:{lineno}: wrong number of columns")
            rows.append(row)
        return rows


def parse_date(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{where}: bad date {value!r}") from exc


def load_countries(kb: KnowledgeBase, path: Path) -> None:
    cols = ("iso3", "iso2", "name", "aliases", "adjectives", "capital", "metonyms", "status")
    for row in read_tsv(path, cols):
        iso3, name = row["iso3"], row["name"]
        kb.countries[iso3] = name
        country = Entry("country", iso3, iso3, None, name, origin="kb:countries")
        for alias in [name, *split_multi(row["aliases"])]:
            kb.add(alias, country)
        adjective = Entry("adjective", iso3, iso3, None, name, origin="kb:countries")
        for adj in split_multi(row["adjectives"]):
            kb.add(adj, adjective)
        places = [row["capital"]] if row["capital"] else []
        for metonym in places + split_multi(row["metonyms"]):
            place, _, sector = metonym.partition(":")
            sector = sector.strip() or "GOV"
            kb.add(place, Entry("metonym", iso3 + sector, iso3, sector, name, origin="kb:countries"))


def load_orgs(kb: KnowledgeBase, path: Path, kind: str) -> None:
    cols = ["code", "name", "aliases", "country", "sector"]
    for row in read_tsv(path, cols):
        country = row["country"] or None
        if country is None and row["code"][:3] in NON_STATE:
            country = row["code"][:3]
        if kind == "igo" and country not in ("IGO", "NGO"):
            raise ValueError(f"{path}: {row['code']}: country must be IGO or NGO")
        entry = Entry(
            kind, row["code"], country, row["sector"] or None, row["name"], origin=f"kb:{path.stem}"
        )
        for alias in [row["name"], *split_multi(row["aliases"])]:
            kb.add(alias, entry)


def load_agencies(kb: KnowledgeBase, path: Path) -> None:
    """Named state agencies ("ICE", "USAID", "the DFID"): they stand for their state in a sector, like the
    seats of power in countries.tsv (a metonym entry: "ICE officers" are USACOP)."""
    for row in read_tsv(path, ("name", "aliases", "country", "sector")):
        country, sector = row["country"], row["sector"]
        if country not in kb.countries or not sector:
            raise ValueError(f"{path}: {row['name']}: needs a known country and a sector")
        entry = Entry("metonym", country + sector, country, sector, row["name"], origin="kb:agencies")
        for alias in [row["name"], *split_multi(row["aliases"])]:
            kb.add(alias, entry)


COMPANY_SECTORS = ("BUS", "MED")


def load_companies(kb: KnowledgeBase, path: Path) -> None:
    """Companies and media outlets ("Gazprom", "Deutsche Bank", "Al Jazeera", "Reuters"): each stands for
    its home country in the business (BUS) or media (MED) sector, like a named agency ("Gazprom" is RUSBUS,
    "a request from The New York Times" USAMED)."""
    for row in read_tsv(path, ("name", "aliases", "country", "sector")):
        country, sector = row["country"], row["sector"]
        if country not in kb.countries or sector not in COMPANY_SECTORS:
            raise ValueError(f"{path}: {row['name']}: needs a known country and sector BUS or MED")
        entry = Entry("metonym", country + sector, country, sector, row["name"], origin="kb:companies")
        for alias in [row["name"], *split_multi(row["aliases"])]:
            kb.add(alias, entry)


def load_regions(kb: KnowledgeBase, path: Path) -> None:
    """World regions that CAMEO codes as a country ("Europe" EUR, "West Africa" WAF, "the West" WST) and
    former states (the Soviet Union SUN, Yugoslavia YUG: their ISO 3166-3 codes)."""
    for row in read_tsv(path, ("code", "name", "aliases", "adjectives", "kind")):
        code, name, kind = row["code"], row["name"], row["kind"]
        if kind not in ("region", "former_state") or not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"{path}: {code}: needs a three-letter code and kind region or former_state")
        kb.countries[code] = name.removeprefix("the ")
        if kind == "region":
            kb.regions.add(code)
        for alias in [name, *split_multi(row["aliases"])]:
            _add_region_name(kb, alias, Entry("country", code, code, None, name, origin="kb:regions"))
        for adj in split_multi(row["adjectives"]):
            _add_region_name(kb, adj, Entry("adjective", code, code, None, name, origin="kb:regions"))


def _add_region_name(kb: KnowledgeBase, text: str, entry: Entry) -> None:
    kb.add(text, entry)
    key = name_key(text)
    kb.open_ended.add(key)
    if text.startswith("the ") and " " not in key:
        kb.needs_article.add(key)


HISTORY_KINDS = ("state", "name", "igo", "era")


def load_history(kb: KnowledgeBase, path: Path) -> None:
    """Former states, former names of states and historical organisations, with the dates they held
    (history.tsv). A historical name stands for its code whatever the text's date ("the Soviet Union" is SUN,
    "Zaire" COD, "the European Community" the EU's code), except the names listed as `dated`, which are
    ambiguous outside their range ("EC", "Bonn"); an `era` row makes a modern country's own names stand for
    the historical code between its dates (the Kremlin in 1985 is SUNGOV)."""
    cols = ("code", "name", "aliases", "adjectives", "metonyms", "kind", "modern", "valid_from", "valid_to",
            "successor", "dated")  # fmt: skip
    for lineno, row in enumerate(read_tsv(path, cols), start=2):
        where = f"{path}:{lineno}"
        code, name, kind = row["code"], row["name"], row["kind"]
        start, end = parse_date(row["valid_from"], where), parse_date(row["valid_to"], where)
        if kind not in HISTORY_KINDS or start is None or end is None or end < start:
            raise ValueError(f"{where}: {code}: needs kind {'/'.join(HISTORY_KINDS)} and valid_from <= valid_to")
        if kind == "era":
            if not re.fullmatch(r"[A-Z]{3}", code) or not re.fullmatch(r"[A-Z]{3}", row["modern"]):
                raise ValueError(f"{where}: {code}: an era row needs a state code and a modern country code")
            kb.eras.setdefault(row["modern"], []).append((start, end, code))
            continue
        if kind == "igo" and not re.fullmatch(r"(IGO|NGO)[A-Z]{3,9}", code):
            raise ValueError(f"{where}: {code}: an organisation's code starts with IGO or NGO")
        if kind != "igo" and not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"{where}: {code}: a state's code has three letters")
        dated = {name_key(n) for n in split_multi(row["dated"])}
        country = code[:3] if kind == "igo" else code
        if kind == "state":
            kb.countries[code] = name
        main = "igo" if kind == "igo" else "country"
        names = [(n, main, code, None) for n in [name, *split_multi(row["aliases"])]]
        names += [(n, "adjective", code, None) for n in split_multi(row["adjectives"])]
        for metonym in split_multi(row["metonyms"]):
            place, _, sector = metonym.partition(":")
            names.append((place, "metonym", code + (sector.strip() or "GOV"), sector.strip() or "GOV"))
        listed = {name_key(n) for n, *_ in names}
        names += [(n, main, code, None) for n in split_multi(row["dated"]) if name_key(n) not in listed]
        for text, kind_, code_, sector in names:
            entry = Entry(kind_, code_, country, sector, name, start=start, end=end, origin=f"kb:{path.stem}",
                          dated=name_key(text) in dated)  # fmt: skip
            kb.add(text, entry)


def load_sectors(kb: KnowledgeBase, path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping from sector code to entry")
    for sector, spec in data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("nouns", []), list):
            raise ValueError(f"{path}: sector {sector}: needs a mapping with a 'nouns' list")
        kb.sector_labels[str(sector)] = str(spec.get("label", sector))
        for noun in spec.get("nouns", []):
            kb.add_noun(str(noun), str(sector))


def load_leaders(kb: KnowledgeBase, path: Path) -> None:
    cols = ("name", "aliases", "code", "country", "sector", "role", "start", "end")
    for lineno, row in enumerate(read_tsv(path, cols), start=2):
        where = f"{path}:{lineno}"
        entry = Entry(
            "person",
            row["code"],
            row["country"] or None,
            row["sector"] or None,
            row["name"],
            start=parse_date(row["start"], where),
            end=parse_date(row["end"], where),
            role=row["role"] or None,
            origin="kb:leaders",
        )
        for alias in [row["name"], *split_multi(row["aliases"])]:
            kb.add(alias, entry)


def load_kb(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    kb = KnowledgeBase()
    load_countries(kb, data_dir / "countries.tsv")
    load_orgs(kb, data_dir / "igos.tsv", "igo")
    load_orgs(kb, data_dir / "groups.tsv", "group")
    load_agencies(kb, data_dir / "agencies.tsv")
    load_companies(kb, data_dir / "companies.tsv")
    load_regions(kb, data_dir / "regions.tsv")
    load_history(kb, data_dir / "history.tsv")
    load_sectors(kb, data_dir / "sectors.yaml")
    load_leaders(kb, data_dir / "leaders.tsv")
    return kb


@cache
def default_kb() -> KnowledgeBase:
    """The built-in knowledge base, loaded once per process. Callers must not mutate it; copy to extend."""
    return load_kb()
