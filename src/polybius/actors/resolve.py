"""Resolve the actor behind a parsed argument: country, sector and person, at the document's date.

The resolver looks at the argument's own words (head noun, modifiers, possessives, "of"/"from" phrases and
appositions), matches them against the knowledge base, and keeps a per-document memory of the people it has
learned ("Jeffrey Feltman, the State Department's top Middle East diplomat" makes a later "Mr Feltman" USA GOV).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import yaml
from spacy.tokens import Doc, Span, Token

from polybius.actors.dictionaries import NULL_CODE  # TABARI/PETRARCH: a known name that is not an actor
from polybius.actors.kb import NON_STATE, Entry, KnowledgeBase, name_key
from polybius.models import Actor
from polybius.nlp import doc_text, entity_index, span_ents
from polybius.where import PLACE_OBJECT_LEMMAS  # verbs done to a place: "shelled Kirkuk", "attacked Borno"

# Children that are not part of the argument itself.
SKIP_DEPS = frozenset(
    {"conj", "cc", "relcl", "acl", "advcl", "ccomp", "xcomp", "parataxis", "punct", "advmod"}
)
KEEP_PREPS = frozenset({"of", "from", "by"})  # "officials of X", "envoy from X", "an attack by X"
OWNER_PREPS = KEEP_PREPS | {"for", "at"}  # a role noun's owner: "a spokesman for the Taliban", "workers at Gazprom"
# "police in Kirkuk", "a base in northeast Nigeria", "fighters across the border in Syria": the place a
# head is said to be at gives its country (PETRARCH/TABARI convention)
LOCATED_PREPS = frozenset({"in", "inside", "at", "near", "across", "throughout", "around", "outside"})
LOCATIVE_PREPS = LOCATED_PREPS | {"on", "from", "into", "to", "against"}  # "an assault against Idlib"
PLACE_ENTS = frozenset({"GPE", "LOC", "FAC"})
# Nouns for a piece of land: their "of" phrase and proper-noun modifiers name a place whatever the parser's
# entity label ("the province of Alta Verapaz", "parts of Kashmir", "the Deraa countryside", "Maungtaw district")
PLACE_NOUNS = frozenset(
    {"province", "region", "territory", "territories", "enclave", "district", "city", "town", "village", "area",
     "areas", "part", "parts", "countryside", "outskirts", "suburb", "suburbs", "state", "county", "governorate",
     "oblast", "prefecture", "municipality", "valley", "hills", "mountains", "zone", "heartland", "stronghold"}
)  # fmt: skip
# Happenings named by their place: "the Ghazni attacks", "victims of the Sabah earthquake"
PLACE_EVENT_NOUNS = frozenset(
    {"attack", "attacks", "bombing", "bombings", "blast", "explosion", "earthquake", "quake", "flood", "floods",
     "massacre", "riots", "violence", "clashes", "offensive", "siege", "unrest"}
)  # fmt: skip
ACTOR_WORDS = Path(__file__).resolve().parents[1] / "data" / "actor_words.yaml"
ROLE_ORDER = {
    "head_of_state_and_government": 0,
    "head_of_state": 1,
    "head_of_government": 2,
    "vice_president": 3,
    "foreign_minister": 4,
    "defence_minister": 5,
    "monarch": 6,
    "secretary_general": 7,
}
PRONOUN_REACH = 600  # characters back that a pronoun may look for its person
US_PARTY_TAG = re.compile(r"\((?:D|R|I)\s?-\s?[A-Z][A-Za-z.]{1,14}\)")  # "(D-Mich.)", "(R-Texas)"
STORY_COUNTRY = "text:main-country"  # how an actor got its country from the story, not its own words
SPLIT_LETTER = re.compile(r"(?<=\w) ([^\W\d_\x00-\x7f]) (?=\w)")  # "P é rez": a tokeniser split "Pérez"
SPACED_INITIALS = re.compile(r"(?:[a-z] ?\. ?)+[a-z](?: ?\.)?")  # "u . k", "t . p . l . f ."


@dataclass(frozen=True)
class ActorWords:
    titles: frozenset[str]
    person_pronouns: frozenset[str]
    person_possessives: frozenset[str]
    group_possessives: frozenset[str]
    country_nouns: frozenset[str]
    not_local: frozenset[str]
    partitives: frozenset[str]
    documents: frozenset[str]
    not_owner: frozenset[str]
    member_words: frozenset[str]


def load_actor_words(path: Path = ACTOR_WORDS) -> ActorWords:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    fields = ActorWords.__dataclass_fields__
    missing = [f for f in fields if not isinstance(data.get(f), list)]
    if missing:
        raise ValueError(f"{path}: missing lists {', '.join(missing)}")
    return ActorWords(**{f: frozenset(str(w).lower() for w in data[f]) for f in fields})


@dataclass(frozen=True)
class Mention:
    start: int  # token index in the Doc
    end: int  # exclusive
    text: str
    entries: tuple[Entry, ...]


@dataclass
class DocContext:
    """What the resolver has learned about one document so far."""

    date: date | None
    home_country: str | None = None  # the dateline's country: gives sector-only actors ("police") a country
    people: dict[str, Actor] = field(default_factory=dict)
    countries: Counter[str] = field(default_factory=Counter)  # country mentions so far

    def main_country(self) -> str | None:
        """The dateline's country, else the country that dominates the text so far (>= 60% of mentions)."""
        if self.home_country:
            return self.home_country
        if not self.countries:
            return None
        country, n = self.countries.most_common(1)[0]
        return (
            country if n / sum(self.countries.values()) >= 0.6 else None
        )  # full name / surname key -> actor

    seen_people: list[tuple[int, Actor]] = field(default_factory=list)  # (char offset, actor), in order


def place_country(kb: KnowledgeBase, place: str | None) -> str | None:
    """The country a place name (a dateline: "MOSCOW", "KYIV, Ukraine") belongs to, when the KB knows it."""
    if not place:
        return None
    for part in (place, *place.split(",")):
        for entry in kb.names.get(name_key(part), ()):
            if entry.kind in ("country", "metonym") and entry.country:
                return entry.country
    return None


def at_date(mentions: list[Mention], when: date | None) -> list[Mention]:
    """The mentions whose names hold at the text's date: a dated name ("EC", "Bonn") outside its range is no
    mention of that entry."""
    if not any(e.dated for m in mentions for e in m.entries):
        return mentions
    kept = []
    for m in mentions:
        entries = tuple(e for e in m.entries if e.holds_on(when))
        if entries:
            kept.append(m if len(entries) == len(m.entries) else replace(m, entries=entries))
    return kept


def find_mentions(kb: KnowledgeBase, sent: Span) -> list[Mention]:
    """Greedy longest matches of knowledge-base names in a sentence (capitalised text only)."""
    doc = sent.doc
    full = doc_text(doc)
    found: list[Mention] = []
    i = sent.start
    while i < sent.end:
        tok = doc[i]
        first = name_key(tok.text)
        if i + 2 < sent.end and _lone_letter(doc[i + 1].text):
            first = name_key(tok.text + doc[i + 1].text + doc[i + 2].text)  # "P é rez" is "Pérez"
        longest = kb.first_words.get(first) or (first.endswith("s") and kb.first_words.get(first[:-1]))
        if not longest or tok.is_space:
            i += 1
            continue
        for j in range(min(sent.end, i + longest + 2), i, -1):
            last = doc[j - 1]
            text = full[tok.idx : last.idx + len(last.text)]
            key, entries = _match(kb, text)
            if entries and kb.allows(key, text) and _fits(kb, key, text, doc, i, j):
                found.append(Mention(i, j, text, tuple(entries)))
                i = j
                break
        else:
            i += 1
    return found


def _lone_letter(text: str) -> bool:
    return len(text) == 1 and text.isalpha() and not text.isascii()


def _match(kb: KnowledgeBase, text: str) -> tuple[str, list[Entry] | None]:
    """The KB entries for a stretch of text, also when a tokeniser spaced out its initials ("U . K")."""
    key = name_key(text)
    entries = kb.names.get(key)
    if entries is None and SPLIT_LETTER.search(key):
        key = SPLIT_LETTER.sub(r"\1", key)
        entries = kb.names.get(key)
    if entries is None and SPACED_INITIALS.fullmatch(key):
        key = key.replace(" ", "")
        entries = kb.names.get(key) or kb.names.get(key + ".")
    if entries is None and key.endswith("s") and " " not in key and "'" not in key:
        # a possessive that lost its apostrophe: "Nepals government", "Israels border"
        bare = [e for e in kb.names.get(key[:-1], ()) if e.kind == "country" and name_key(e.name) == key[:-1]]
        if bare:
            return key[:-1], bare
    return key, entries


def _fits(kb: KnowledgeBase, key: str, text: str, doc: Doc, start: int, end: int) -> bool:
    """Region names match only as themselves: "the West" (not the surname West), "Western" not in "Western
    Cape" (a capitalised next word makes a longer name the KB lacks). A possessive without its apostrophe
    ("Nepals") needs a common noun after it: "Frances Fitzgerald" is no French actor."""
    if name_key(text) == key + "s":
        nxt = doc[end] if end < len(doc) else None
        if nxt is None or nxt.pos_ not in ("NOUN", "ADJ") or doc[start].ent_type_ == "PERSON":
            return False
    if key in kb.needs_article and (start == 0 or doc[start - 1].lower_ != "the"):
        return False
    if key in kb.open_ended and end < len(doc):
        nxt = doc[end].text
        return not (nxt[:1].isupper() and nxt[:1].isalpha())
    return True


def argument_tokens(head: Token, preps: frozenset[str] = KEEP_PREPS) -> list[Token]:
    """The head and the words that describe it, without clauses, conjuncts and other prepositions."""
    tokens = [head]
    for child in head.children:
        if child.dep_ in SKIP_DEPS:
            continue
        if child.dep_ == "prep" and child.lower_ not in preps:
            continue
        tokens.extend(child.subtree)
    return sorted(tokens, key=lambda t: t.i)


def title_words(head: Token) -> list[Token]:
    """Nouns that describe the head: its appositions and the compounds of its title, nearest first."""
    found: list[Token] = []
    frontier = [c for c in head.children if c.dep_ in ("appos", "compound", "nmod")]
    while frontier:
        frontier.sort(key=lambda t: -t.i if t.i < head.i else t.i)
        nxt = []
        for t in frontier:
            if t.pos_ in ("NOUN", "PROPN"):
                found.append(t)
            if t.dep_ in ("compound", "nmod"):
                nxt.extend(c for c in t.children if c.dep_ in ("compound", "nmod", "amod"))
        frontier = nxt
    return found


def place_tokens(tok: Token) -> list[Token]:
    """A place phrase and the places nested in it ("the border in north-eastern Syria"), without clauses."""
    tokens = [tok]
    for child in tok.children:
        if child.dep_ in SKIP_DEPS:
            continue
        if child.dep_ == "prep" and child.lower_ not in LOCATED_PREPS | {"of"}:
            continue
        tokens.extend(place_tokens(child))
    return sorted(tokens, key=lambda t: t.i)


def _is_place_noun(tok: Token) -> bool:
    return tok.pos_ == "NOUN" and (tok.lower_ in PLACE_NOUNS or tok.lower_ in PLACE_EVENT_NOUNS)


def name_tokens(head: Token) -> list[Token]:
    """The head with its compound/flat name parts ("Dmitry Medvedev", "Mr Feltman")."""
    parts = [c for c in head.lefts if c.dep_ in ("compound", "flat") and c.pos_ == "PROPN"]
    return sorted([*parts, head], key=lambda t: t.i)


class Resolver:
    def __init__(
        self,
        kb: KnowledgeBase,
        words: ActorWords | None = None,
        locate: Callable[[str, Sequence[str]], str | None] | None = None,
    ) -> None:
        self.kb = kb
        self.words = words or load_actor_words()
        # place name (and the story's countries) -> ISO3, from a gazetteer: "Kirkuk" is in Iraq
        self.locate = locate

    # -- sector words -------------------------------------------------------------------------------------
    def sector_of(self, head: Token) -> str | None:
        """Sector from the head noun, trying multi-word role nouns that end at it first."""
        compounds = [c for c in head.lefts if c.dep_ in ("compound", "amod") and c.i >= head.i - 3]
        for n in range(min(len(compounds), self.kb.max_noun_len - 1), -1, -1):
            words = compounds[len(compounds) - n :] if n else []
            for form in ("lemma_", "lower_"):
                key = name_key(" ".join([*(getattr(w, form) for w in words), getattr(head, form)]))
                if key in self.kb.sector_nouns:
                    return self.kb.sector_nouns[key]
                # a capitalised plural the tagger took for a name keeps its "s" in the lemma ("Both Ministers")
                if head.pos_ == "PROPN" and key.endswith("s") and key[:-1] in self.kb.sector_nouns:
                    return self.kb.sector_nouns[key[:-1]]
        return None

    # -- people -------------------------------------------------------------------------------------------
    def person_entry(self, entries: tuple[Entry, ...], when: date | None) -> tuple[Entry | None, bool]:
        """The person's role at the date (True), or any role they held (False) when none is current."""
        people = [e for e in entries if e.kind == "person"]
        if not people:
            return None, False
        if when is None:  # no date to decide by: a role still held, else the highest role, most recent first
            ranked = sorted(
                people,
                key=lambda e: (
                    e.end is not None,
                    ROLE_ORDER.get(e.role or "", 9),
                    -(e.start or date.min).toordinal(),
                ),
            )
            return ranked[0], True
        current = [e for e in people if e.valid_on(when)]
        if current:
            return min(current, key=lambda e: ROLE_ORDER.get(e.role or "", 9)), True
        return people[0], False

    def dict_entry(self, entries: tuple[Entry, ...], when: date | None) -> Entry | None:
        """An imported dictionary's code for a name at the date: a dated code that holds (the narrowest
        range first), else the undated default."""
        found = [e for e in entries if e.kind == "dict"]
        dated = [e for e in found if e.start or e.end]
        if when is not None:
            holding = [e for e in dated if e.valid_on(when)]
            if holding:
                return min(holding, key=lambda e: ((e.end or date.max) - (e.start or date.min)).days)
        if when is None:  # no date: a role that has not ended, else the default
            ongoing = [e for e in dated if e.end is None]
            if ongoing:
                return max(ongoing, key=lambda e: e.start or date.min)
        undated = [e for e in found if not (e.start or e.end)]
        return undated[0] if undated else None

    def observe(self, sent: Span, mentions: list[Mention], ctx: DocContext) -> None:
        """Record the countries and people named in the sentence (for surnames, pronouns and the
        story's main country later on)."""
        mentions = at_date(mentions, ctx.date)
        doc = sent.doc
        for m in mentions:
            if m.end + 1 < len(doc) and doc[m.end].text == "-" and doc[m.end + 1].lower_ in self.words.not_owner:
                continue  # "Iran-backed", "Russian-speaking": a backer or a language is not where the story is
            countries = {
                e.country
                for e in m.entries
                if e.kind in ("country", "adjective", "metonym")
                and e.country
                and e.country not in self.kb.regions
                and e.origin != "kb:companies"  # "according to Reuters" says nothing of where the story is
            }
            if len(countries) == 1:
                ctx.countries[countries.pop()] += 1
        for ent in span_ents(sent):
            if ent.label_ != "PERSON":
                continue
            actor = self.resolve(ent.root, ctx, mentions)
            if actor is not None:
                ctx.seen_people.append((ent.start_char, actor))

    # -- the argument --------------------------------------------------------------------------------------
    def resolve(self, head: Token, ctx: DocContext, mentions: list[Mention]) -> Actor | None:
        """The actor an argument head stands for, with the argument's words and offsets, or None."""
        head = self._past_title(head)
        actor = self._resolve(head, ctx, at_date(mentions, ctx.date))
        if actor is None:
            return None
        actor = self._in_era(actor, ctx.date)
        if head.lower_ in self.words.person_pronouns:
            tokens = [head]
        elif "located" in actor.how:
            # the place that gave the country is part of how the text names the actor: "people in Haiti"
            tokens = self._argument(head, LOCATED_PREPS)
        else:
            tokens = self._argument(head)
        while len(tokens) > 1 and tokens[0].is_punct:
            tokens.pop(0)
        while len(tokens) > 1 and tokens[-1].is_punct:
            tokens.pop()
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        return replace(actor, text=doc_text(head.doc)[start:end], start=start, end=end)

    def _in_era(self, actor: Actor, when: date | None) -> Actor:
        """A modern country's names at a date when it was part of another state (history.tsv `era` rows): "the
        Kremlin" in 1985 is SUNGOV. Dated people and imported dictionaries already carry their own codes."""
        era = self.kb.era_code(actor.country, when)
        if era is None or actor.country is None or actor.how.startswith(("kb:leaders", "dict:")):
            return actor
        old = actor.country
        code = era + actor.code[len(old) :] if actor.code.startswith(old) else actor.code
        old_name, new_name = self.kb.countries.get(old, old), self.kb.countries.get(era, era)
        name = new_name + actor.name[len(old_name) :] if actor.name.startswith(old_name) else actor.name
        return replace(actor, code=code, country=era, name=name, how=f"{actor.how}+era")

    def _argument(self, head: Token, more_preps: frozenset[str] = frozenset()) -> list[Token]:
        """The argument's words; a role noun keeps its "for" owner too ("a spokesman for the Taliban")."""
        return argument_tokens(head, (OWNER_PREPS if self.sector_of(head) else KEEP_PREPS) | more_preps)

    def _past_title(self, head: Token) -> Token:
        """A title parsed as the head ("Mr . Sisi", "Sen . Mitch McConnell"): the name after it."""
        if head.lower_ not in self.words.titles and head.lower_ + "." not in self.words.titles:
            return head
        doc = head.doc
        i = head.i + 1
        while i < len(doc) and doc[i].is_punct and doc[i].text == ".":
            i += 1
        if i >= len(doc) or doc[i].pos_ != "PROPN":
            return head
        name = doc[i]
        while name.dep_ in ("compound", "flat") and name.head.pos_ == "PROPN" and name.head.i > name.i:
            name = name.head
        return name

    def _resolve(self, head: Token, ctx: DocContext, mentions: list[Mention]) -> Actor | None:
        if head.lower_ in self.words.person_pronouns:
            return self._pronoun(head, ctx)
        if (
            head.lemma_.lower() in self.words.partitives
            or head.lower_ in self.words.partitives
            or head.pos_ == "NUM"
        ):
            inner = [
                p
                for c in head.children
                if c.dep_ == "prep" and c.lower_ == "of"
                for p in c.children
                if p.dep_ == "pobj"
            ]
            if inner:  # "dozens of protesters", "members of the ruling party"
                return self._resolve(inner[0], ctx, mentions)
        if head.lower_ in self.words.member_words:
            named = [c for c in head.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
            if named:  # "OPEC member Nigeria" (parsed with "member" as the head): Nigeria
                return self._resolve(named[0], ctx, mentions)
        actor = self._resolve_words(head, ctx, mentions)
        if (actor is None or not actor.country) and (legislator := self._us_legislator(head, actor)):
            return legislator
        if actor is None and head.ent_type_ == "ORG" and self.locate is not None:
            actor = self._named_after_place(head)
        if actor is None or not actor.country:  # "his Iranian counterpart" keeps its own country
            owned = self._owned_by_pronoun(head, ctx, mentions)
            if owned is not None:
                return owned
        local = not any(c.lower_ in self.words.not_local for c in head.children if c.dep_ in ("amod", "compound"))
        if actor is not None and actor.country is None and actor.sector == "CVL" and local:
            # civilians are placed by the place the sentence names, before the story's country: "Russian
            # forces shelled Kharkiv, killing three people" (UKRCVL, not the attacker's RUSCVL)
            country = self._sentence_place(head, mentions)
            if country:
                actor = replace(actor, code=country + actor.code, country=country, how="sentence-place")
        if actor is not None and actor.country is None and actor.sector and local:
            # "police fired tear gas" under a KHARTOUM dateline, or in a story about Sudan: Sudanese police
            # (but "foreign journalists" are not Sudanese)
            country = ctx.main_country()
            if country:
                actor = replace(actor, code=country + actor.code, country=country, how=STORY_COUNTRY)
        return actor

    def _sentence_place(self, head: Token, mentions: list[Mention]) -> str | None:
        """The country of the place named nearest the head in its sentence: a country's name or seat of power,
        else a place entity the gazetteer knows (demonyms are nationality, not place, and do not count)."""
        sent = head.sent
        places: list[tuple[int, str]] = []
        backers = self._backers(list(sent))
        for m in mentions:
            if not sent.start <= m.start < sent.end or m.start in backers:
                continue
            countries = {e.country for e in m.entries if e.kind in ("country", "metonym") and e.country}
            countries -= self.kb.regions | set(NON_STATE)
            if len(countries) == 1 and not any(e.origin == "kb:companies" for e in m.entries):
                places.append((abs(m.start - head.i), countries.pop()))
        if self.locate is not None:
            covered = {i for m in mentions for i in range(m.start, m.end)}
            for ent in span_ents(sent):
                if ent.start in covered:
                    continue
                if ent.label_ not in (*PLACE_ENTS, "ORG"):
                    # a place the parser took for a person: the object of a place verb ("struck Rafah")
                    country = self._bare_place(ent.root) if ent.label_ in ("PERSON", "NORP") else None
                    if country:
                        places.append((abs(ent.start - head.i), country))
                    continue
                if ent.label_ == "ORG" and self.kb.names.get(name_key(ent.text)):
                    continue
                country = self._locate(ent.text)
                if country:
                    places.append((abs(ent.start - head.i), country))
        return min(places)[1] if places else None

    def _named_after_place(self, head: Token) -> Actor | None:
        """An organisation the knowledge base lacks, named after its place ("the California Farm Bureau
        Federation", "the Karachi Chamber of Commerce"): that place's country."""
        country = self._modifier_place(head, any_label=True)
        if country is None:
            return None
        tokens = self._argument(head)
        text = doc_text(head.doc)[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]
        sector = self.sector_of(head)
        return Actor(country + (sector or ""), country, sector, text.removeprefix("the ").removeprefix("The "),
                     text, "gazetteer+org-name")  # fmt: skip

    def _us_legislator(self, head: Token, actor: Actor | None) -> Actor | None:
        """"Debbie Stabenow (D-Mich.)", "Sen. Ted Cruz (R-Texas)": the party-state tag marks a member of the US
        Congress."""
        if head.ent_type_ != "PERSON" and (actor is None or actor.sector != "LEG"):
            return None
        tokens = self._argument(head)
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        text = doc_text(head.doc)
        if not US_PARTY_TAG.search(text[start : end + 16]):
            return None
        name = actor.name if actor is not None and head.ent_type_ != "PERSON" else head.text
        return Actor("USALEG", "USA", "LEG", name, text[start:end], "text:party-tag")

    def _owned_by_pronoun(self, head: Token, ctx: DocContext, mentions: list[Mention]) -> Actor | None:
        """"Putin said his country ...", "Russia said its troops ...": a possessive pronoun gives the country
        of the person (last named) or of the country, organisation or group named before it in the sentence."""
        poss = [c for c in head.children if c.dep_ == "poss" and c.pos_ == "PRON"]
        if not poss:
            return None
        word = poss[0].lower_
        owner: Actor | None = None
        if word in self.words.person_possessives:
            owner = self._pronoun(poss[0], ctx)
        elif word in self.words.group_possessives:
            before = [m for m in mentions if m.end <= poss[0].i and m.start >= head.sent.start]
            for m in reversed(before):
                owner = self._resolve_words(head.doc[m.end - 1], ctx, mentions)
                if owner is not None and owner.country:
                    break
                owner = None
        if owner is None or not owner.country:
            return None
        text_start, text_end = poss[0].idx, head.idx + len(head.text)
        text = doc_text(head.doc)[text_start:text_end]
        how = f"{owner.how}+possessive"
        if owner.code != f"{owner.country}{owner.sector or ''}" and self.sector_of(head) is not None:
            return replace(owner, text=text, how=how)  # "Hamas said its fighters ...": Hamas's own
        if head.lemma_.lower() in self.words.country_nouns or head.lower_ in self.words.country_nouns:
            name = self.kb.countries.get(owner.country, owner.country)
            return Actor(owner.country, owner.country, None, name, text, how)
        sector = self.sector_of(head)
        if sector is None:
            return None
        label = self.kb.sector_labels.get(sector, sector)
        name = f"{self.kb.countries.get(owner.country, owner.country)} {label}"
        return Actor(owner.country + sector, owner.country, sector, name, text, how)

    def _resolve_words(self, head: Token, ctx: DocContext, mentions: list[Mention]) -> Actor | None:
        actor = self._words_actor(head, ctx, mentions)
        if actor is None and self._backers(self._argument(head)):
            # "an Iran-allied group": nothing but its backer says who it is; the backer's code rather than no
            # event (PETRARCH's reading)
            actor = self._words_actor(head, ctx, mentions, keep_backers=True)
        if actor is not None and actor.country:
            return actor
        return self._with_owner(head, actor, ctx, mentions)

    def _with_owner(
        self, head: Token, actor: Actor | None, ctx: DocContext, mentions: list[Mention]
    ) -> Actor | None:
        """A head without a country of its own takes its owner's: "Kim Jong-un's regime" (PRKGOV), "a
        request by Mr Erdogan" (TURGOV), "a spokesman for the Taliban" (the group itself)."""
        preps = OWNER_PREPS if actor is not None and actor.sector else KEEP_PREPS
        owners = [c for c in head.children if c.dep_ in ("poss", "appos")]
        if head.ent_type_ != "PERSON":  # "the Ne Win military government"
            owners += [c for c in head.children if c.dep_ == "compound" and c.ent_type_ == "PERSON"]
        owners += [
            p
            for c in head.children
            if c.dep_ == "prep" and c.lower_ in preps
            for p in c.children
            if p.dep_ == "pobj"
        ]
        for owner in owners:
            found = self._resolve_words(self._past_title(owner), ctx, mentions)
            if found is None or not found.country:
                continue
            if actor is None or not actor.sector:
                return replace(found, how=f"{found.how}+owner")
            if found.code != f"{found.country}{found.sector or ''}":
                return replace(found, how=f"{found.how}+owner")  # a named organisation or group wins
            name = actor.name
            if head.ent_type_ != "PERSON":
                label = self.kb.sector_labels.get(actor.sector, actor.sector)
                name = f"{self.kb.countries.get(found.country, found.country)} {label}"
            code = found.country + actor.sector
            return replace(actor, code=code, country=found.country, name=name, how=f"{found.how}+owner")
        return actor

    def _words_actor(
        self, head: Token, ctx: DocContext, mentions: list[Mention], keep_backers: bool = False
    ) -> Actor | None:
        tokens = self._argument(head)
        idx = {t.i for t in tokens}
        inside = [m for m in mentions if (m.start in idx and (m.end - 1) in idx) or m.start <= head.i < m.end]
        text = doc_text(head.doc)[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)].strip(" ,")
        backers = set() if keep_backers else self._backers(tokens)
        if backers:  # "Iran-backed militias": the militias, not Iran
            tokens = [t for t in tokens if t.i not in backers]
            inside = [m for m in inside if m.start not in backers]
        names = name_tokens(head)
        name_span = {t.i for t in names}
        is_person = head.ent_type_ == "PERSON" or any(t.ent_type_ == "PERSON" for t in names)

        # Knowledge-base people named by the head itself.
        own = self._own_name_entries(names)
        for m in inside:
            if not name_span & set(range(m.start, m.end)):
                continue
            entry, current = self.person_entry(own or m.entries, ctx.date)
            if entry is not None and not own and not (m.start <= head.i < m.end):
                continue  # a known name inside another person's name: "Gul Rahman" is not (Abdullah) Gül
            if entry is None:
                dict_entry = self.dict_entry(m.entries, ctx.date)
                if dict_entry is None:
                    continue
                if dict_entry.country and not dict_entry.sector and not (m.start <= head.i < m.end):
                    continue  # a place-like name modifying the head ("Calenardhon government"): words decide
                if dict_entry.code == NULL_CODE:
                    return None  # the dictionary knows this name and says it is no actor
                actor = Actor(
                    dict_entry.code,
                    dict_entry.country,
                    dict_entry.sector,
                    dict_entry.name,
                    text,
                    dict_entry.origin,
                )
                if is_person:
                    self._learn(names, actor, ctx)
                return actor
            others = [o for o in inside if o is not m]
            return self._person(head, tokens, others, m, text, names, (entry, current), ctx)
        if is_person and own:  # a name the tokeniser split so that no mention matched it ("P é rez Molina")
            return self._person(
                head, tokens, inside, None, text, names, self.person_entry(own, ctx.date), ctx
            )

        actor = self._from_text(head, tokens, inside, exclude=None, text=text, name=None)
        org = self._org(head, inside, text, None)
        # a country named by the head itself is the actor: "NATO-member Norway", "OPEC member Nigeria"
        head_country = any(
            m.start <= head.i < m.end and any(e.kind == "country" for e in m.entries) for m in inside
        )
        if org is not None and not head_country and not (actor is not None and actor.country and actor.sector):
            # organisations and groups, unless a country and a role say more: "Palestinian UN Ambassador"
            actor = org
        if is_person:
            person_name = " ".join(t.text for t in names if t.lower_ not in self.words.titles)
            if actor is not None:
                actor = Actor(actor.code, actor.country, actor.sector, person_name, text, "text:role")
                self._learn(names, actor, ctx)
                return actor
            learned = self._recall(names, ctx)
            if learned is not None:
                return Actor(
                    learned.code, learned.country, learned.sector, learned.name, text, "text:earlier"
                )
            return None
        return actor

    def _person(
        self,
        head: Token,
        tokens: list[Token],
        others: list[Mention],
        exclude: Mention | None,
        text: str,
        names: list[Token],
        found: tuple[Entry | None, bool],
        ctx: DocContext,
    ) -> Actor | None:
        """A knowledge-base person: the text's own role for them if it says one, else their role then."""
        entry, current = found
        if entry is None:
            return None
        text_actor = self._from_text(head, tokens, others, exclude=exclude, text=text, name=entry.name)
        org = self._org(head, others, text, entry.name)
        if text_actor is not None and text_actor.country and text_actor.sector:
            actor = text_actor  # the text says who they are now: it wins
        elif org is not None:
            actor = org  # "UN Secretary-General Antonio Guterres"
        elif current:
            actor = Actor(entry.code, entry.country, entry.sector, entry.name, text, entry.origin)
        else:
            actor = Actor(f"{entry.country or ''}ELI", entry.country, "ELI", entry.name, text, "kb:former")
        self._learn(names, actor, ctx)
        return actor

    def _own_name_entries(self, names: list[Token]) -> tuple[Entry, ...]:
        """Built-in people named by the head's own name ("Vladimir Putin", else "Putin"): the curated
        knowledge base is asked first, even when an imported dictionary matched a longer phrase around it."""
        parts = [t.text for t in names if t.lower_ not in self.words.titles]
        full = " ".join(parts)
        for text in (full, SPLIT_LETTER.sub(r"\1", full), parts[-1] if parts else ""):
            people = tuple(e for e in self.kb.names.get(name_key(text), ()) if e.kind == "person")
            if people:
                return people
        return ()

    def _backers(self, tokens: list[Token]) -> set[int]:
        """Token indices of modifiers such as "Iran-backed", "US-funded", "Russian-speaking": the name before the
        hyphen describes the head (its backer, its language), it is not its owner."""
        found: set[int] = set()
        for t in tokens:
            hyphen = t.text in ("-", "‐", "‑", "–") and 0 < t.i < len(t.doc) - 1
            if hyphen and t.doc[t.i + 1].lower_ in self.words.not_owner:
                j = t.i - 1
                while j >= 0 and (t.doc[j].pos_ in ("PROPN", "ADJ") or t.doc[j].text == "."):
                    found.add(j)
                    j -= 1
                    if t.doc[j + 1].pos_ == "ADJ":
                        break
                found |= {t.i, t.i + 1}
        return found

    def _org(self, head: Token, inside: list[Mention], text: str, name: str | None) -> Actor | None:
        """The IGO, NGO or armed group named in the argument, nearest the head."""
        orgs = [
            (m, e)
            for m in inside
            for e in m.entries
            if e.kind in ("igo", "group")
            or (e.kind == "dict" and e.code != NULL_CODE and e.country in (None, *NON_STATE))
        ]
        if not orgs:
            return None
        m, e = min(orgs, key=lambda me: abs(me[0].start - head.i))
        return Actor(e.code, e.country, e.sector, name or e.name, text, e.origin)

    def _from_text(
        self,
        head: Token,
        tokens: list[Token],
        inside: list[Mention],
        exclude: Mention | None,
        text: str,
        name: str | None,
    ) -> Actor | None:
        """Country and sector from the argument's own words."""
        places = [
            (m, e)
            for m in inside
            if m is not exclude
            for e in m.entries
            if e.kind in ("country", "adjective", "metonym")
            or (e.kind == "dict" and e.country and not e.sector and e.code != NULL_CODE)
        ]
        country = sector = None
        how = "text"
        if places:
            m, e = min(places, key=lambda me: (abs(me[0].start - head.i), me[1].kind != "metonym"))
            country = e.country
            if e.kind == "metonym":
                sector = e.sector
            how = e.origin
        if country is None and self.locate is not None:
            country = self._gazetteer_country(tokens)
            how = "gazetteer" if country else how
        # the head's own words decide the sector, unless the head is part of a place's name ("the Soviet
        # Union" is no labour union)
        own_place = any(m.start <= head.i < m.end for m, e in places if e.kind in ("country", "adjective"))
        head_sector = None if own_place else self.sector_of(head)
        if head_sector is None:
            # a title or apposition describing the head, nearest first: "Ambassador Riyad Mansour",
            # "Feltman, the ... diplomat", "Senate Majority Leader Mitch McConnell"
            for t in title_words(head):
                head_sector = self.sector_of(t)
                if head_sector:
                    break
        if head_sector:
            # "Moscow's envoy": envoy decides the sector; the capital just gives the country.
            sector = head_sector
            how = f"{how}+role"  # the role noun decided the sector
        if country is None and (sector or head.ent_type_ == "PERSON") and self.locate is not None:
            country = self._modifier_place(head)  # "West Bengal Chief Minister", "the Johor government"
            how = f"gazetteer+{how}" if country else how
        if country is None and self.locate is not None and _is_place_noun(head):
            # "the Deraa countryside", "Maungtaw district"
            country = self._modifier_place(head, any_label=True)
            how = f"gazetteer+{how}" if country else how
        if country is None:
            country = self._located_in(head)  # "police in Kabul", "a base in northeast Nigeria"
            how = f"located+{how}" if country else how
        if country is None and self.locate is not None:
            country = self._bare_place(head)  # "sanctions on Abkhazia" (tagged NORP by the parser)
            how = "gazetteer" if country else how
        if country is None and sector is None:
            return None
        code = f"{country or ''}{sector or ''}"
        if name is None:
            cname = self.kb.countries.get(country or "", country or "")
            label = self.kb.sector_labels.get(sector or "", sector or "")
            name = f"{cname} {label}".strip() if cname else label
        return Actor(code, country, sector, name, text, how)

    def _locate(self, text: str) -> str | None:
        assert self.locate is not None
        return self.locate(text, ())

    def _gazetteer_country(self, tokens: list[Token]) -> str | None:
        """The country of a place entity among the argument's words ("shelled Kirkuk", "parts of Sinai")."""
        by_token = entity_index(tokens[0].doc).by_token  # built once per document
        starting = (by_token.get(t.i) for t in tokens)
        for ent in (e for t, e in zip(tokens, starting, strict=True) if e is not None and e.start == t.i):
            if ent.label_ not in PLACE_ENTS:
                # a place the parser took for an organisation ("Nagorno-Karabakh began ..."): its whole name
                if ent.label_ != "ORG" or self.kb.names.get(name_key(ent.text)):
                    continue
                country = self._locate(ent.text)
                if country:
                    return country
                continue
            country = self._locate(ent.text)
            words = [t for t in ent if t.lower_ != "the"]
            while country is None and len(words) > 1 and words[-1].lower_ in PLACE_NOUNS:
                words.pop()  # "Mosul city", "Hama province" when only the bare name is known
                country = self._locate(" ".join(t.text for t in words))
            if country:
                return country
        return None

    def _modifier_place(self, head: Token, any_label: bool = False) -> str | None:
        """A place named by the proper nouns in front of a role noun or a person's name, outside any person
        entity: "West Bengal Chief Minister Mamata Banerjee", "the Alberta government". In front of a place
        noun (`any_label`) the parser's label does not count: "the Ladakh region", "the Deraa countryside"."""
        doc = head.doc
        # an organisation's name may begin with its place ("The Florida Legislature", "the Louisville Metro
        # Police Department"); a person's own name is skipped, not a place the parser took for one ("Tamil Nadu
        # Chief Minister J Jayalalithaa")
        person_head = not any_label and head.ent_type_ == "PERSON"
        own = {t.i for t in name_tokens(head)} if person_head else set()
        run: list[Token] = []
        backers = self._backers(list(doc[head.left_edge.i : head.i]))
        for tok in doc[head.left_edge.i : head.i]:
            if tok.i in backers:
                if run:
                    break
                continue
            named = tok.ent_type_ == "PERSON" and not person_head and not any_label  # "Kim Jong-un's regime"
            if tok.pos_ == "PROPN" and tok.i not in own and not named and tok.head.i <= head.i:
                run.append(tok)
            elif run:
                break
        for n in range(len(run), 0, -1):
            text = doc_text(doc)[run[0].idx : run[n - 1].idx + len(run[n - 1].text)]
            if text.lower() in self.words.titles or self.kb.sector_nouns.get(name_key(text)):
                continue
            if any_label and self._known_person(text):
                continue
            country = self._locate(text)
            if country:
                return country
        return None

    def _known_person(self, text: str) -> bool:
        return any(e.kind == "person" for e in self.kb.names.get(name_key(text), ()))

    def _bare_place(self, head: Token) -> str | None:
        """A proper-noun head that a locative preposition governs is a place even when the parser calls it
        an organisation: "peacekeepers from Sinai", "forces in Crimea", "sanctions on Abkhazia"; so is the
        "of" phrase of a place noun ("the province of Alta Verapaz", "parts of Kashmir") and the object of a
        verb done to a place ("attacked Borno"), whatever the parser's entity label."""
        if head.pos_ != "PROPN":
            return None
        prep = head.head
        of_place = head.dep_ == "pobj" and prep.lower_ == "of" and _is_place_noun(prep.head)
        place_object = head.dep_ in ("dobj", "obj") and head.head.lemma_.lower() in PLACE_OBJECT_LEMMAS
        if not (of_place or place_object or (head.dep_ == "pobj" and prep.lower_ in LOCATIVE_PREPS)):
            return None
        names = name_tokens(head)
        for part in ([t for t in names if t.ent_type_ != "PERSON"], names):  # "police in Camarines Norte"
            if not part:
                continue
            text = doc_text(head.doc)[part[0].idx : part[-1].idx + len(part[-1].text)]
            country = None if self._known_person(text) else self._locate(text)
            if country:
                return country
        return None

    def _located_in(self, head: Token) -> str | None:
        """The country of the place the head is said to be in, at or near ("residents in Gaza City", "prison
        guards in Amirabad Prison in Gorgan", "people living in Greek refugee camps", "troops stationed in
        Syria"): a country name or seat of power, else a gazetteer place."""
        # a reduced relative of place ("living in", "stationed in", "held in") says where the head is
        described = [c for c in head.children if c.dep_ == "acl" and c.tag_ in ("VBG", "VBN")]
        for child in [*head.children, *(p for a in described for p in a.children)]:
            if child.dep_ != "prep" or child.lower_ not in LOCATED_PREPS:
                continue
            for pobj in (c for c in child.children if c.dep_ == "pobj"):
                tokens = place_tokens(pobj)
                idx = {t.i for t in tokens}
                span = head.doc[min(idx) : max(idx) + 1]
                for m in find_mentions(self.kb, span):
                    if m.start not in idx:
                        continue
                    for e in m.entries:
                        if e.kind in ("country", "metonym", "adjective") and e.country:
                            return e.country
                if self.locate is not None:
                    country = self._gazetteer_country(tokens) or self._bare_place(pobj)
                    if country:
                        return country
        return None

    # -- memory --------------------------------------------------------------------------------------------
    def _learn(self, names: list[Token], actor: Actor, ctx: DocContext) -> None:
        parts = [t.text for t in names if t.lower_ not in self.words.titles]
        if not parts:
            return
        ctx.people[name_key(" ".join(parts))] = actor
        ctx.people.setdefault(name_key(parts[-1]), actor)

    def _recall(self, names: list[Token], ctx: DocContext) -> Actor | None:
        parts = [t.text for t in names if t.lower_ not in self.words.titles]
        if not parts:
            return None
        return ctx.people.get(name_key(" ".join(parts))) or ctx.people.get(name_key(parts[-1]))

    def _pronoun(self, head: Token, ctx: DocContext) -> Actor | None:
        # seen_people is in text order: a bisect finds the reach, whatever the length of the document
        lo = bisect_left(ctx.seen_people, head.idx - PRONOUN_REACH, key=lambda pa: pa[0])
        hi = bisect_left(ctx.seen_people, head.idx, key=lambda pa: pa[0])
        before = ctx.seen_people[lo:hi]
        if not before:
            return None
        pos, latest = before[-1]
        if pos >= head.sent.start_char:
            return latest  # named earlier in the same sentence: "When asked, Mr Obama said he ..."
        # Across sentences only when unambiguous: the last two people named are the same person.
        distinct = {a.name for _, a in before[-2:]}
        return latest if len(distinct) == 1 else None
