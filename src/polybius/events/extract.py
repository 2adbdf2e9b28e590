"""Events: find coded predicates in parsed sentences, with their source and target actors.

Generic over the lexicon: a verb (or event noun) is looked up, the most specific matching entry wins, then the
source comes from the subject (the by-agent in the passive; the governing verb's subject under control and
coordination; the modified noun in a relative clause) and the target from the slots the entry names; when no
slot names one, the first actor of the predicate's own phrase is the target, as in TABARI and PETRARCH (marked
for the confidence model). One event is made per (source, target) pair when either side is coordinated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from spacy.tokens import Span, Token

from polybius.actors.dictionaries import Discards
from polybius.actors.resolve import (
    STORY_COUNTRY,
    DocContext,
    Mention,
    Resolver,
    argument_tokens,
    doc_text,
    find_mentions,
)
from polybius.events.background import attributive, nominal_phrase, verbal_phrase
from polybius.events.backoff import FrameIndex
from polybius.events.classify import RULE as CLASSIFIER_RULE
from polybius.events.classify import Classifier, agreement_feature, is_candidate
from polybius.events.confidence import IMPLIED, ConfidenceModel, default_confidence, features
from polybius.events.lexicon import LexEntry, Lexicon
from polybius.events.modality import (
    ASSERTED,
    INTENT,
    POSSIBLE,
    REFUSED,
    THREAT,
    ModalityWords,
    Request,
    is_purpose,
    light_noun_governor,
    modality,
    request,
)
from polybius.events.ontology import CameoCode, Ontology
from polybius.models import Actor, Event
from polybius.nlp import span_ents

TITLE_END = "polybius_title_end"  # Doc.user_data key: where the coded headline ends (0: none)
SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
OBJECT_DEPS = frozenset({"dobj", "obj"})
STATEMENT_ROOT = "01"
PLACE_PREPS = frozenset({"in", "at", "near", "inside", "across", "throughout", "around"})
ACTOR_OBJECT = "@actor"  # in a lexicon entry's `objects`: any object that names people or a body
THING_OBJECT = "@thing"  # any object that is a thing: neither people nor a body, nor a place
NOT_THINGS = frozenset({"fire", "favor", "favour", "call", "visit", "home", "serve", "compliment", "gesture"})
ACTOR_ENTITIES = frozenset({"PERSON", "NORP", "ORG", "GPE"})
PASSIVE_SUBJECT = "nsubjpass"
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
SPEAKER_PRONOUNS = frozenset({"it", "they", "we"})  # in a reported clause, the speaker speaking of itself
INHERIT_SUBJECT_DEPS = frozenset({"xcomp", "conj", "advcl", "acl", "acomp"})
MAX_CLIMB = 4
OWNER_PREPS = frozenset({"of", "from", "by"})
PATTERN_TARGETS = ("dobj", "dative", "with", "to", "against", "on", "at", "for", "from")
# the clauses a fallback target is not sought in: other predications ("said that ...", "after X attacked Y"),
# modifiers of other nouns, and the subject
PHRASE_BLOCK_DEPS = frozenset(
    {"ccomp", "parataxis", "advcl", "relcl", "csubj", "nsubj", "nsubjpass", "punct", "cc", "mark", "agent"}
)
PHRASE_HEAD_DEPS = frozenset({"pobj", "dobj", "obj", "dative", "appos", "conj", "attr", "oprd", "npadvmod"})
FOREIGN_OBJECT_CODES = ("16", "174")  # reduce relations (expel diplomats, aid workers), deport
NON_STATE_COUNTRIES = frozenset({"IGO", "NGO", "IMG"})
RESPONSIBLE = frozenset({"responsible", "responsibility", "blame"})
CIVILIANS = "CVL"
THEME_ROOTS = frozenset({"06", "07", "15"})  # material cooperation, aid, force posture: objects are what is moved
NON_ACTOR_ENTITIES = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"})
PLACE_ENTITIES = frozenset({"GPE", "LOC", "FAC"})


@dataclass(frozen=True)
class Match:
    entry: LexEntry
    predicate: Token
    event_nouns: tuple[Token, ...]  # the object nouns the entry required ("sanctions" in "impose sanctions")
    source: Token | None = (
        None  # argument heads a pattern fixed itself (PETRARCH `$`, `+`); None: syntax decides
    )
    target: Token | None = None
    pattern: bool = False  # made by an imported verb pattern, not the lexicon
    backoff: str = ""  # no entry's frame fitted: the back-off step that chose the entry (events.backoff)


@dataclass(frozen=True)
class PatternMatch:
    """What an external verb-pattern matcher (e.g. an imported PETRARCH verb dictionary) found at a verb."""

    code: str  # CAMEO code, after the pattern's own transformations
    rule: str  # where the pattern came from ("CAMEO.2.0.txt:1234")
    specificity: int = 1  # more matched words: more specific
    source: Token | None = None  # head token at the pattern's source slot, None: the syntactic subject
    target: Token | None = None  # head token at the target slot, None: the syntactic object
    event_nouns: tuple[Token, ...] = ()  # pattern words that are the event's own nouns ("ties" in "cut ties")


class VerbMatcher(Protocol):
    def match(self, verb: Token) -> list[PatternMatch]: ...


def conjuncts(tok: Token) -> list[Token]:
    """The token and the tokens coordinated with it ("Rice and Gates")."""
    out = [tok]
    stack = [c for c in tok.children if c.dep_ == "conj"]
    while stack:
        c = stack.pop(0)
        out.append(c)
        stack.extend(cc for cc in c.children if cc.dep_ == "conj")
    return out


def is_passive(tok: Token) -> bool:
    return any(c.dep_ in (PASSIVE_SUBJECT, "auxpass") for c in tok.children) or is_passive_participle(tok)


def is_passive_participle(tok: Token) -> bool:
    """A past participle modifying a noun, with its agent: "forces backed by Russian warplanes"; or, in a
    headline whose root is that noun, without one: "Election observers allowed back into Togo"."""
    if tok.dep_ != "acl" or tok.tag_ != "VBN":
        return False
    if any(c.dep_ == "agent" for c in tok.children):
        return True
    headline = tok.idx < tok.doc.user_data.get(TITLE_END, 0)  # in body text "a report called for ..." is active
    return headline and tok.head.dep_ == "ROOT" and not any(c.dep_ in OBJECT_DEPS for c in tok.children)


def prep_objects(tok: Token, prep: str) -> list[Token]:
    """Objects of the preposition `prep` hanging off `tok` ("with" -> "Rice", "Gates")."""
    out: list[Token] = []
    for child in tok.children:
        if child.dep_ in ("prep", "agent", "dative") and child.lower_ == prep:
            for pobj in child.children:
                if pobj.dep_ in ("pobj", "pcomp"):
                    out.extend(conjuncts(pobj))
    return out


def owners(tok: Token, depth: int = 3) -> list[list[Token]]:
    """Who a non-actor argument belongs to, level by level: "a proposal from Bush", "Bush's letter"."""
    levels: list[list[Token]] = []
    frontier = [tok]
    for _ in range(depth):
        level: list[Token] = []
        for t in frontier:
            for child in t.children:
                if child.dep_ == "poss":
                    level.extend(conjuncts(child))
                elif child.dep_ == "compound" and child.ent_type_ in ("ORG", "NORP") and t.pos_ == "NOUN":
                    level.append(child)  # "the SDF headquarters", "a Hamas tunnel": whose thing it is
                elif child.dep_ in ("prep", "agent") and child.lower_ in OWNER_PREPS:
                    level.extend(c for c in child.children if c.dep_ == "pobj")
        if not level:
            break
        levels.append(level)
        frontier = level
    return levels


def is_place_pobj(tok: Token) -> bool:
    """The object of a locative preposition: "in Kashmir", "at the Grasberg mine"."""
    return tok.dep_ == "pobj" and tok.head.lower_ in PLACE_PREPS


def headline_list(head: Token) -> list[Token]:
    """Headlinese lists subjects with commas, which the parser reads as appositions: "Benin, Madagascar, Hold
    Joint Military Drills". Two place names in apposition in a headline are two actors (in body text "Paris,
    France" is one place)."""
    if head.idx >= head.doc.user_data.get(TITLE_END, 0) or head.ent_type_ != "GPE":
        return []
    return [c for c in head.children if c.dep_ == "appos" and c.ent_type_ == "GPE"]


def is_mistagged_verb(tok: Token) -> bool:
    """A clause's root the tagger called a noun although it has a subject and an object, as in headlines
    ("Activists in Khartoum decry new government policy")."""
    if tok.pos_ not in ("NOUN", "PROPN") or tok.dep_ != "ROOT":
        return False
    deps = {c.dep_ for c in tok.children}
    return "nsubj" in deps and bool(deps & OBJECT_DEPS)


def modifier_key(tok: Token) -> str | None:
    """The noun with the word right in front of it, as a lexicon key: "cyber attack", "mediation effort"."""
    mods = [c for c in tok.lefts if c.dep_ in ("compound", "amod") and c.i == tok.i - 1]
    return f"{mods[0].lemma_.lower()} {tok.lemma_.lower()}" if mods else None


def is_object(tok: Token, lemmas: frozenset[str]) -> bool:
    """The noun is one of the lemmas, alone or with the noun in front of it: an entry's "mediation effort"
    matches "launched a mediation effort", "loan guarantee" "a $1-billion loan guarantee"."""
    if tok.lemma_.lower() in lemmas or tok.lower_ in lemmas:
        return True
    if any(c.dep_ == "nummod" and c.lemma_.lower() in lemmas for c in tok.children):
        return True  # "donated USD1 million": the currency code glued to the figure heads the phrase
    return modifier_key(tok) in lemmas


def names_object(tok: Token, lemmas: frozenset[str]) -> bool:
    """A named object described by one of the nouns: "released Al Jazeera journalist Mahmoud Hussein",
    "expelled Mark Smith, a British diplomat"."""
    return tok.pos_ == "PROPN" and any(
        c.dep_ in ("compound", "appos") and c.pos_ == "NOUN" and is_object(c, lemmas) for c in tok.children
    )


def object_phrase(tok: Token) -> str:
    """An object noun with the modifiers in front of it, as lemmas: "information blackout", "tear gas canister"."""
    mods = [c.lemma_.lower() for c in tok.lefts if c.dep_ in ("compound", "amod") and c.is_alpha]
    return " ".join([*mods, tok.lemma_.lower()])


def direct_objects(tok: Token) -> list[Token]:
    if is_passive_participle(tok):
        heads = [tok.head]  # "forces backed by Russia": the forces are what is backed
    elif is_passive(tok):
        heads = [c for c in tok.children if c.dep_ == PASSIVE_SUBJECT]
    else:
        heads = [c for c in tok.children if c.dep_ in OBJECT_DEPS]
    # a verb has one direct object; a second one is a parse error ("met Xi ..., the highest-level visit")
    return conjuncts(heads[0]) if heads else []


def subjects(tok: Token) -> list[Token]:
    """The actors doing the act: subject, by-agent in the passive, or inherited from the governing verb."""
    cur, prev = tok, None
    for _ in range(MAX_CLIMB):
        if is_passive(cur):
            agents = prep_objects(cur, "by")
            if agents:
                return agents
            if prev is not None and prev.dep_ == "xcomp":
                raised = [c for c in cur.children if c.dep_ == PASSIVE_SUBJECT]
                if raised:
                    return conjuncts(raised[0])  # "the rebels were reported to have attacked the town"
            if cur.dep_ == "advcl":
                return []  # "..., after a hobbit was reported in the pass": an agentless clause of its own
        else:
            subj = [c for c in cur.children if c.dep_ in SUBJECT_DEPS] or [
                # a subject the parser hung on the auxiliary: "The UK and France however have opposed ..."
                s
                for aux in cur.lefts
                if aux.dep_ in ("aux", "auxpass")
                for s in aux.children
                if s.dep_ in SUBJECT_DEPS
            ] or [
                # an acronym the tagger took for an adverb: "USAID provided food to ..."
                c
                for c in cur.lefts
                if c.dep_ in ("advmod", "npadvmod", "dep") and c.is_alpha and c.is_upper and len(c) >= 2
            ]
            if subj:
                # one subject per clause; several are a broken name ("Omar al - Bashir"): its last word heads it
                head = subj[-1] if all(t.pos_ == "PROPN" for t in subj) else subj[0]
                if head.lower_ in RELATIVE_PRONOUNS and cur.dep_ == "relcl":
                    return conjuncts(cur.head)
                if head.lower_ in SPEAKER_PRONOUNS and cur.dep_ == "ccomp" and cur.head.pos_ == "VERB":
                    # reported speech: "Russia said it had expelled diplomats" - "it" is the speaker
                    speaker = subjects(cur.head)
                    if speaker and speaker[0].lower_ not in SPEAKER_PRONOUNS:
                        return speaker
                return conjuncts(head) + headline_list(head)
        if cur.dep_ == "relcl" and not is_passive(cur):
            return []  # "the letter that Bush sent": the object is relativised, the subject was found above
        light = light_noun_governor(cur)
        if light is not None:
            prev, cur = cur, light  # "Canada began the process of withdrawing its troops"
            continue
        if cur.dep_ not in INHERIT_SUBJECT_DEPS or cur.head is cur:
            return []
        if cur.dep_ == "acl" and cur.head.pos_ in ("NOUN", "PROPN"):
            # "Trump's decision to recognize Jerusalem", "a request from the Times to visit": the noun's owner
            noun = cur.head
            poss = [c for c in noun.children if c.dep_ == "poss"]
            if poss and cur.tag_ != "VBN":
                return conjuncts(poss[0])
            return []  # reduced relative ("troops stationed in Syria"): no agent in the clause
        prev, cur = cur, cur.head
    return []


class EventExtractor:
    def __init__(
        self,
        lexicon: Lexicon,
        ontology: Ontology,
        resolver: Resolver,
        modality_words: ModalityWords,
        discards: Discards | None = None,
        matchers: Sequence[VerbMatcher] = (),
        strict_codes: bool = True,
        confidence: ConfidenceModel | None = None,
        classifier: Classifier | None = None,
        frames: FrameIndex | None = None,
    ) -> None:
        self.classifier = classifier  # the statistical second opinion (events.classify), or none
        self.frames = frames  # the frame back-off (events.backoff); None: a verb whose frames do not fit is no event
        self.discards = discards or Discards()
        self.matchers = tuple(matchers)
        self.strict_codes = strict_codes  # False: keep codes outside CAMEO (WEIS-style test dictionaries)
        self.confidence = confidence or default_confidence()
        self.lexicon = lexicon
        self.ontology = ontology
        self.resolver = resolver
        self.words = modality_words

    # -- matching -----------------------------------------------------------------------------------------
    def match_verb(self, tok: Token) -> Match | None:
        entries = self.lexicon.by_verb.get(tok.lemma_.lower())
        if not entries:
            return None
        particles = {c.lower_ for c in tok.children if c.dep_ == "prt"}
        # the small model often attaches "stepped down", "pulled out of" as advmod/prep, not as a particle
        loose = particles | {c.lower_ for c in tok.children if c.dep_ in ("advmod", "prep") and c.i > tok.i}
        loose |= {  # "let free activists": the parser makes "free" the object's adjective
            a.lower_
            for o in tok.children
            if o.dep_ in OBJECT_DEPS
            for a in o.lefts
            if a.dep_ == "amod" and a.i == tok.i + 1 and a.pos_ == "ADJ"
        }
        best: Match | None = None
        best_score = 0
        for entry in entries:
            if entry.particles and not loose & set(entry.particles):
                continue
            if not entry.particles and particles and not entry.objects:
                continue  # "call off" is not "call"
            nouns: tuple[Token, ...] = ()
            if entry.objects:
                if entry.object_prep:
                    # "pushed the Congress for updates": the phrase may hang off the verb's object
                    pool = prep_objects(tok, entry.object_prep) or [
                        t for o in direct_objects(tok) for t in prep_objects(o, entry.object_prep)
                    ]
                else:
                    pool = direct_objects(tok)
                pool = [inner for t in pool for inner in self.through_partitive(t)]
                nouns = tuple(
                    t
                    for t in pool
                    if is_object(t, entry.objects)
                    or names_object(t, entry.objects)
                    or (ACTOR_OBJECT in entry.objects and self.is_actor_like(t))
                    or (THING_OBJECT in entry.objects and self.is_thing(t))
                )
                if not nouns:
                    continue
            # two words matched ("launched a cyber attack") are more specific than one ("launched an attack")
            score = entry.specificity + any(modifier_key(n) in entry.objects for n in nouns)
            if best is None or score > best_score:
                best, best_score = Match(entry, tok, nouns), score
        if best is None:
            usable = [e for e in entries if e.objects and (not e.particles or loose & set(e.particles))]
            return self.back_off(tok, "verb", usable)
        return best

    def back_off(self, tok: Token, kind: str, entries: list[LexEntry], head: str | None = None) -> Match | None:
        """No entry's frame fits the words: the entry with the nearest objects, else the default code
        (events.backoff), for an object that names a thing ("imposed an information blackout")."""
        head = head or tok.lemma_.lower()
        if self.frames is None or not entries or not self.frames.knows(kind, head):
            return None
        things: list[Token] = []
        for prep in dict.fromkeys(e.object_prep for e in entries):
            if kind == "noun":
                pool = prep_objects(tok, prep or "of")
            elif prep:
                pool = prep_objects(tok, prep) or [t for o in direct_objects(tok) for t in prep_objects(o, prep)]
            else:
                pool = direct_objects(tok)
            for noun in (i for t in pool for i in self.through_partitive(t)):
                if not self.is_thing(noun):
                    continue
                things.append(noun)
                allowed = [e for e in entries if e.object_prep == prep]
                found = self.frames.similar(kind, head, object_phrase(noun), prep, allowed)
                if found is not None:
                    return Match(found.entry, tok, (tok, noun) if kind == "noun" else (noun,), backoff=found.step)
        if things:
            fallback = self.frames.default(kind, head)
            if fallback is not None:
                nouns = (tok, things[0]) if kind == "noun" else (things[0],)
                return Match(fallback.entry, tok, nouns, backoff=fallback.step)
        return None

    def implied_actor(self, sector: str, predicate: Token, ctx: DocContext, mentions: list[Mention]) -> Actor | None:
        """The agent an agentless passive implies: `sector` of the country of a place in the predicate's clause,
        else of the story's main country, else the sector alone."""
        kb = self.resolver.kb
        clause = {t.i for t in predicate.subtree}
        country = None
        for mention in mentions:
            if mention.start in clause:
                found = {e.country for e in mention.entries if e.kind in ("country", "adjective", "metonym")}
                if len(found) == 1 and (c := found.pop()) and c in kb.countries and c not in kb.regions:
                    country = c
                    break
        if country is None and self.resolver.locate is not None:
            for ent in span_ents(predicate.sent):
                if ent.start in clause and ent.label_ in ("GPE", "LOC", "FAC"):
                    country = self.resolver.locate(ent.text, ())
                    if country:
                        break
        country = country or ctx.main_country()
        label = kb.sector_labels.get(sector, sector)
        name = f"{kb.countries.get(country, country)} {label}" if country else label
        return Actor(f"{country or ''}{sector}", country, sector, name, "", IMPLIED)

    def is_actor_like(self, tok: Token) -> bool:
        """Does an object name people or a body rather than a thing: a name ("Pablo Emilio Moncayo"), a
        nationality ("a Cuban physician"), or a sector noun ("21 UN peacekeepers", "two soldiers")?"""
        if tok.ent_type_ in ACTOR_ENTITIES or tok.pos_ == "PROPN":
            return True
        if any(c.ent_type_ == "NORP" and c.dep_ in ("amod", "compound") for c in tok.children):
            return True
        sectors = self.resolver.kb.sector_nouns
        return tok.lemma_.lower() in sectors or tok.lower_ in sectors

    def is_thing(self, tok: Token) -> bool:
        """A common noun that names neither people nor a body nor a place: "the wild monkeys", "a manuscript"."""
        return (
            tok.pos_ == "NOUN"
            and not self.is_actor_like(tok)
            and tok.ent_type_ not in PLACE_ENTITIES
            and tok.lemma_.lower() not in NOT_THINGS
        )

    def through_partitive(self, tok: Token) -> list[Token]:
        """The noun itself, or what it counts: "released dozens of activists" releases activists."""
        partitives = self.resolver.words.partitives
        if tok.lemma_.lower() in partitives or tok.lower_ in partitives or tok.pos_ == "NUM":
            inner = prep_objects(tok, "of")  # "three of the dozens of hostages" counts hostages
            if inner:
                return [t for i in inner for t in self.through_partitive(i)]
        return [tok]

    def match_patterns(self, tok: Token) -> list[Match]:
        """The imported verb patterns' matches at this verb: every match of the most specific pattern (a
        pattern may code both directions, `[A:B]`, or several compound actors), as lexicon-like Matches."""
        found = [pm for matcher in self.matchers for pm in matcher.match(tok)]
        if not found:
            return []
        top = max(found, key=lambda p: p.specificity)
        best = [pm for pm in found if pm.rule == top.rule and pm.specificity == top.specificity]
        return [
            Match(
                LexEntry(code=pm.code, verbs=(tok.lemma_.lower(),), target=PATTERN_TARGETS, origin=pm.rule),
                tok,
                pm.event_nouns,
                pm.source,
                pm.target,
                pattern=True,
            )
            for pm in best
        ]

    def match_noun(self, tok: Token) -> Match | None:
        """A nominal event; an entry with `objects` needs them after its preposition (default "of"): "a
        suspension of aid", "the lifting of sanctions"."""
        # the noun with the one in front of it first: "a cyber attack" is no plain attack
        mod = modifier_key(tok)
        head = next(
            (k for k in (mod, tok.lemma_.lower(), tok.lower_) if k and self.lexicon.by_noun.get(k)), None
        )
        entries = self.lexicon.by_noun.get(head) if head else None
        best: Match | None = None
        for entry in entries or ():
            nouns: tuple[Token, ...] = (tok,)
            if entry.objects:
                pool = [i for t in prep_objects(tok, entry.object_prep or "of") for i in self.through_partitive(t)]
                found = tuple(t for t in pool if is_object(t, entry.objects))
                if not found:
                    continue
                nouns = (tok, *found)
            if best is None or entry.specificity > best.entry.specificity:
                best = Match(entry, tok, nouns)
        if best is None and entries and head:
            return self.back_off(tok, "noun", [e for e in entries if e.objects], head)
        return best

    # -- arguments -----------------------------------------------------------------------------------------
    def target_slots(self, m: Match, nominal: bool = False) -> Iterator[list[Token]]:
        """Candidate target heads, slot by slot in the entry's order ("dobj", "dative", prepositions)."""
        tok, entry = m.predicate, m.entry
        anchors = [tok, *m.event_nouns]
        if nominal and tok.dep_ in OBJECT_DEPS:
            anchors.append(tok.head)  # "held talks on Monday with Rice": the preposition hangs off the verb
        # "lifted the ban imposed on the LTTE": the preposition hangs off a participle describing the object;
        # "sent vehicles and paratroopers to Lebanon": or off the object's last conjunct
        themes = [*m.event_nouns]
        themes += [c for n in themes for c in conjuncts(n) if c not in themes]
        themes += [i for n in themes for i in self.through_partitive(n) if i not in themes]  # "a team of doctors"
        anchors.extend(c for c in themes if c not in anchors)
        nouns = [*themes, *(c for c in tok.children if c.dep_ in OBJECT_DEPS)]
        anchors.extend(c for n in nouns for c in n.children if c.dep_ == "acl" and c.tag_ == "VBN")
        for slot in entry.target:
            if slot == "dobj":
                found = [t for t in direct_objects(tok) if t not in m.event_nouns]
            elif slot == "dative":
                found = [t for c in tok.children if c.dep_ in ("dative", "iobj") for t in conjuncts(c)]
                found = [t for t in found if t.pos_ != "ADP"] + [
                    t
                    for c in tok.children
                    if c.dep_ == "dative" and c.pos_ == "ADP"
                    for t in prep_objects(tok, c.lower_)
                ]
            else:
                found = [t for a in anchors for t in prep_objects(a, slot)]
            found = [t for t in found if t.ent_type_ not in ("DATE", "TIME")]  # "on Monday" is no target
            if found:
                yield found

    def phrase_targets(
        self,
        m: Match,
        source_heads: list[Token],
        source_codes: set[str],
        source_countries: set[str],
        ctx: DocContext,
        mentions: list[Mention],
    ) -> list[tuple[Token, Actor]]:
        """The first actor named in the predicate's own phrase after it, as TABARI and PETRARCH take the
        target when no slot names one: "called for sanctions against Myanmar's military-run companies",
        "is considering sending aid to North Korea", "imposed a curfew in parts of Kashmir". Reported
        clauses, adverbial clauses, relative clauses and coordinated predicates are other events' phrases."""
        pred = m.predicate
        own_phrase = {t.i for t in pred.subtree}
        skip = {t.i for h in source_heads for t in h.subtree if t.i not in own_phrase}
        ranked: list[tuple[tuple[int, int], Token]] = []
        if pred.dep_ == "xcomp":
            # "ordered all Pakistani newspapers to suspend publications": the controlling verb's object
            ranked.extend(((-1, 0), c) for c in pred.head.children if c.dep_ in OBJECT_DEPS and c.i not in skip)
        elif pred.dep_ == "advcl" and is_purpose(pred):
            # "sent seven experts to Saudi Arabia to investigate the attacks": where the act was sent
            ranked.extend(((-1, 0), t) for p in ("to", "into") for t in prep_objects(pred.head, p) if t.i not in skip)
        statement = m.entry.code.startswith(STATEMENT_ROOT)
        theme = m.entry.code[:2] in THEME_ROOTS
        stack = [pred]
        while stack:
            tok = stack.pop()
            for child in tok.children:
                if child.i in skip:
                    continue
                embedded_subject = child.dep_ in (*SUBJECT_DEPS, PASSIVE_SUBJECT) and tok is not pred
                if child.dep_ in PHRASE_BLOCK_DEPS and not (
                    # what a statement is about: "expressed hope that the Croatian government will change"
                    (statement and (child.dep_ == "ccomp" or embedded_subject))
                    # an act's purpose: "earmarked aid to help Haiti cope", "funding to fight Ebola in West Africa"
                    or (child.dep_ == "advcl" and is_purpose(child))
                    or (child.dep_ == "ccomp" and tok.dep_ in ("advcl", "acl", "xcomp") and is_purpose(tok))
                    or (embedded_subject and tok.dep_ == "ccomp" and is_purpose(tok.head))
                ):
                    continue
                if child.dep_ == "conj" and child.pos_ in ("VERB", "AUX"):
                    continue  # "... and then attacked Y": a predicate of its own
                stack.append(child)
                if child.i < pred.i or child.ent_type_ in NON_ACTOR_ENTITIES:
                    continue
                if child in m.event_nouns or (child.dep_ in OBJECT_DEPS and child.head is pred):
                    named = child.pos_ == "PROPN" or child.ent_type_ in ACTOR_ENTITIES
                    if not (named or (not theme and self.is_actor_like(child))):
                        # what aid and force posture move ("sent 200 troops in Syria") and things ("signed the
                        # Paris agreement") are no recipients; people and bodies are ("outlawed opposition
                        # parties", "held 2000 people"), and so is what is named ("the Zairian Association")
                        continue
                if child.dep_ in PHRASE_HEAD_DEPS or child.dep_ == "poss" or child.dep_ in SUBJECT_DEPS | {
                    PASSIVE_SUBJECT
                }:
                    if child.pos_ in ("NOUN", "PROPN"):
                        ranked.append(((child.i, 0), child))
                elif (
                    child.dep_ in ("compound", "amod")
                    and child.ent_type_ in ("ORG", "NORP", "GPE")
                    and not child.head.ent_type_
                ):
                    ranked.append(((child.head.i, 1), child))  # "Amazon warehouses", "Palestinian machinery"
        for _, tok in sorted(ranked, key=lambda kt: kt[0]):
            found = self.resolve_all([tok], ctx, mentions)
            if not found or not (found[0][1].country or found[0][1].sector) or found[0][1].code in source_codes:
                continue
            actor = found[0][1]
            state = actor.country not in NON_STATE_COUNTRIES  # two IGOs are not one country
            if state and actor.country in source_countries and not actor.sector and not is_place_pobj(tok):
                continue  # "halting Turkey's incursion": the source's own country is no target
            more = [c for c in conjuncts(tok)[1:] if c.i not in skip]
            return [(t, unguess(a, source_countries, m.entry.code)) for t, a in found + self.resolve_all(more, ctx, mentions)]
        return []

    def document_sources(self, verb: Token) -> list[Token]:
        """A document's verb speaks for whoever issued the document: "Amnesty put out a report accusing the
        army" (the issuing verb's subject), "a U.S. congressional report called for sanctions" (its owner);
        and a root noun's verb is that noun's: the parser's reading of a sentence it could not attach."""
        doc_noun = verb.head
        if verb.dep_ != "acl" or is_passive_participle(verb):
            return []
        if doc_noun.dep_ == "ROOT" and doc_noun.pos_ in ("NOUN", "PROPN"):
            # the parser made the subject the sentence's root and its verb a modifier: "The Iraqi air force
            # carried out three air strikes", "A U.S. congressional report called for sanctions"
            return [doc_noun]
        # a participle describes the document ("a report published in May")
        if verb.tag_ == "VBN" or doc_noun.lemma_.lower() not in self.resolver.words.documents:
            return []
        if doc_noun.dep_ in OBJECT_DEPS and doc_noun.head.pos_ in ("VERB", "AUX"):
            return subjects(doc_noun.head)
        return [doc_noun]

    def noun_sources(self, noun: Token) -> list[Token]:
        poss = [c for c in noun.children if c.dep_ == "poss"]
        if poss and poss[0].pos_ != "PRON":
            return conjuncts(poss[0])
        # "the rebels began their assault": a possessive pronoun is the light verb's subject
        by = prep_objects(noun, "by")
        if by:
            return by
        agents = self.noun_modifier_agents(noun)
        named = [c for c in agents if c.ent_type_ in ("NORP", "ORG")]
        if named:
            return named  # the noun's own named agent wins: "Kyiv repelled the Russian offensive"
        if noun.dep_ in OBJECT_DEPS and noun.head.pos_ in ("VERB", "AUX"):
            if noun.head.lemma_.lower() in self.words.observer_governors:
                return agents  # "officials confirmed the invasion": the subject reports it, does not do it
            return subjects(noun.head)  # a light verb: "X held talks with Y", "X launched an attack on Y"
        if agents:
            return agents
        if noun.dep_ == "pobj" and noun.head.lower_ == "for" and noun.head.head.lemma_.lower() in RESPONSIBLE:
            # "Britain was responsible for the killing of ...", "the FLN claimed responsibility for attacks"
            holder = noun.head.head
            return subjects(holder.head if holder.dep_ in ("acomp", "dobj") else holder)
        return []

    def noun_modifier_agents(self, noun: Token) -> list[Token]:
        """A nationality, an organisation or a role in front of an event noun: "Israeli airstrikes", "NATO strikes
        on ...", "a police crackdown", "the Syria military withdrawal" (not a place: "the Gaza airstrike" is
        where, not who)."""
        sectors = self.resolver.kb.sector_nouns
        return [
            c
            for c in noun.lefts
            if c.dep_ in ("amod", "compound")
            and (c.ent_type_ in ("NORP", "ORG") or sectors.get(c.lemma_.lower(), CIVILIANS) != CIVILIANS)
            # civilians in front of an event noun suffer it: "child abductions", "civilian deaths"
        ]

    def resolve_all(
        self, heads: Iterable[Token], ctx: DocContext, mentions: list[Mention]
    ) -> list[tuple[Token, Actor]]:
        out = []
        for h in heads:
            actor = self.resolver.resolve(h, ctx, mentions)
            if actor is not None:
                out.append((h, actor))
        return out

    # -- events --------------------------------------------------------------------------------------------
    def sentence_events(
        self,
        sent: Span,
        sent_index: int,
        doc_id: str,
        doc_date: str | None,
        ctx: DocContext,
    ) -> list[Event]:
        if sent.text.rstrip(" \"'”’)").endswith("?") or self.discards.matches(sent.text):
            self.resolver.observe(sent, find_mentions(self.resolver.kb, sent), ctx)
            return []  # questions and sentences with a discard phrase are not coded
        mentions = find_mentions(self.resolver.kb, sent)
        self.resolver.observe(sent, mentions, ctx)
        events: list[Event] = []
        consumed: set[int] = set()
        untyped: list[Token] = []  # verbs the rules did not code, for the classifier
        for tok in sent:
            if tok.pos_ == "VERB" or is_mistagged_verb(tok):
                matches = self.match_patterns(tok) if self.matchers else []
                if not matches:
                    lexical = self.match_verb(tok)
                    matches = [lexical] if lexical is not None else []
                if not matches:
                    untyped.append(tok)
                    continue
                # nouns the matched verb governs are its arguments, not events of their own: "rejected talks
                # with Y" is a rejection, not talks; but what a statement announces is an event too ("announced
                # a suspension of aid")
                if not all(m.entry.code.startswith(STATEMENT_ROOT) for m in matches):
                    consumed.update(t.i for m in matches for t in m.event_nouns)
                    consumed.update(t.i for t in direct_objects(tok))
                    consumed.update(
                        p.i for c in tok.children if c.dep_ == "prep" for p in prep_objects(tok, c.lower_)
                    )
                for m in matches:
                    events.extend(
                        self._code(m, sent, sent_index, doc_id, doc_date, ctx, mentions, nominal=False)
                    )
        for tok in sent:
            if tok.pos_ == "NOUN" and tok.i not in consumed:
                m = self.match_noun(tok)
                if m is not None:
                    events.extend(
                        self._code(m, sent, sent_index, doc_id, doc_date, ctx, mentions, nominal=True)
                    )
        events, asked = self.uncoded_requests(events, sent, sent_index, doc_id, doc_date, ctx, mentions)
        untyped = [t for t in untyped if t.i not in asked]
        events = last_resort(events)
        if self.classifier is not None:
            if events and all(backed_off(e) for e in events):
                # a back-off is a guess: the classifier, where it types the sentence's verbs, is the better one
                verbs = [*untyped, *(sent.doc[i] for i in sorted({e.extra["predicate"] for e in events}))]
                typed = self.second_opinion(
                    self.classifier, [], verbs, sent, sent_index, doc_id, doc_date, ctx, mentions
                )
                events = typed or self.second_opinion(
                    self.classifier, events, [], sent, sent_index, doc_id, doc_date, ctx, mentions
                )
            else:
                events = self.second_opinion(
                    self.classifier, events, untyped, sent, sent_index, doc_id, doc_date, ctx, mentions
                )
        return dedupe(rank_background(rank_statements(events, sent, self.confidence)))

    def second_opinion(
        self,
        clf: Classifier,
        events: list[Event],
        untyped: list[Token],
        sent: Span,
        sent_index: int,
        doc_id: str,
        doc_date: str | None,
        ctx: DocContext,
        mentions: list[Mention],
    ) -> list[Event]:
        """The classifier (issue 12, part 2): its agreement with each rule-coded event's class is a confidence
        feature; a verb the rules did not code, whose subject and object are actors, gets the classifier's class
        when it is probable enough (rule "classifier")."""
        doc = sent.doc
        preds = sorted({e.extra["predicate"] for e in events if "predicate" in e.extra})
        candidates = [t for t in untyped if is_candidate(t)]
        tokens = [doc[i] for i in preds] + candidates
        if not tokens:
            return events
        probs = clf.probabilities([sent.text] * len(tokens), tokens)
        row = {t.i: p for t, p in zip(tokens, probs, strict=True)}
        out = []
        for ev in events:
            p = row.get(ev.extra.get("predicate", -1))
            if p is not None:
                ev.extra["features"]["classifier_agreement"] = agreement_feature(clf.agreement(p, ev.cameo_root))
                ev = replace(ev, confidence=self.confidence.score(ev.extra["features"]))
            out.append(ev)
        for tok in candidates:
            k, prob = clf.best(row[tok.i])
            if prob < clf.threshold:
                continue
            entry = LexEntry(
                code=clf.codes[k], verbs=(tok.lemma_.lower(),), target=PATTERN_TARGETS, plover=clf.plover_types[k],
                origin=CLASSIFIER_RULE,
            )  # fmt: skip
            for ev in self._code(Match(entry, tok, ()), sent, sent_index, doc_id, doc_date, ctx, mentions, nominal=False):
                if ev.target is None:
                    continue  # the classifier types events between two actors only
                ev.extra["features"]["classifier"] = 1.0
                ev.extra["features"]["classifier_agreement"] = agreement_feature(prob)
                out.append(replace(ev, confidence=self.confidence.score(ev.extra["features"])))
        return out

    def _code(
        self,
        m: Match,
        sent: Span,
        sent_index: int,
        doc_id: str,
        doc_date: str | None,
        ctx: DocContext,
        mentions: list[Mention],
        nominal: bool,
        asked: Request | None = None,
    ) -> Iterator[Event]:
        entry = m.entry
        governing = m.predicate
        if nominal:
            noun = m.predicate
            governing = noun.head if noun.dep_ in OBJECT_DEPS else noun
        if asked is None and not nominal and not m.pattern:
            req = request(m.predicate, self.words)
            if req is not None:
                # an act asked for is not done: the speaker's appeal or demand, to whom is asked to act
                yield from self._request(m, req, sent, sent_index, doc_id, doc_date, ctx, mentions)
                return
        if m.pattern or asked is not None:
            state = ASSERTED  # imported patterns carry their own negation and modal words, as in PETRARCH
        else:
            state = modality(governing, self.words) if governing.pos_ in ("VERB", "AUX") else ASSERTED
        code = entry.code
        if state == INTENT:
            if self.words.announced(entry.code):
                pass  # "will investigate the killings": announcing this act is the act
            elif entry.intent:
                code = entry.intent
            elif entry.threat:
                # a conflictual act announced for the future ("will strike", "Government to detain
                # journalists") is a threat: PLOVER codes ASSAULT + future as THREATEN
                code, state = entry.threat, THREAT
            elif entry.code[:2] != "03":
                return  # a plan to act that the lexicon gives no intent code for: not an event yet
        elif state == THREAT:
            if not entry.threat:
                return
            code = entry.threat
        elif state == POSSIBLE:
            if not entry.threat:
                return  # "could help": a possibility, no event
            # "could suspend relations", "may ban the party": PLOVER codes a possible conflictual act as THREATEN
            code, state = entry.threat, THREAT
        elif state == REFUSED:
            refusal = self.words.refusal_code(entry.code)
            if refusal is None:
                return  # refusing to attack is no event
            code = refusal
        elif state != ASSERTED:
            return  # negated, hypothetical or conditional: no event
        if asked is not None:
            anchor = None  # an act asked for is not recalled
        elif nominal:
            anchor = nominal_phrase(m.predicate)  # "since the invasion of ...": history, not the story's act
        elif attributive(m.predicate):
            anchor = m.predicate  # "the jailed opposition leader": a state an earlier act left, recalled
        else:
            anchor = verbal_phrase(m.predicate, iso_day(doc_date))  # "since Russia invaded"
        if m.source is not None:
            source_heads = conjuncts(m.source)
        else:
            source_heads = self.noun_sources(m.predicate) if nominal else subjects(m.predicate)
        expelled: list[Token] = []  # the passive subject, when the passive's preposition named the agent
        if not source_heads and not nominal and m.source is None and entry.passive_source and is_passive(m.predicate):
            # "three diplomats were expelled from Mali": the place they leave is the one that expels them
            source_heads = prep_objects(m.predicate, entry.passive_source)
            if source_heads:
                expelled = [t for c in m.predicate.children if c.dep_ == PASSIVE_SUBJECT for t in conjuncts(c)]
        if not source_heads and not nominal and m.source is None:
            source_heads = self.document_sources(m.predicate)
        between = prep_objects(m.predicate, "between") if nominal else []
        if nominal and not source_heads and len(between) >= 2:
            source_heads = between
        sources = self.resolve_all(source_heads, ctx, mentions)
        if not sources and source_heads:
            # "the missiles fired by the Israeli military struck a depot": a weapon's user is the source
            users = [a for h in source_heads for c in h.children if is_passive_participle(c) for a in prep_objects(c, "by")]
            source_heads = users or source_heads
            sources = self.resolve_all(users, ctx, mentions)
        if not sources and not source_heads and entry.implied and (nominal or m.predicate.tag_ == "VBN"):
            # "Curfew imposed in Kashmir", "Five sentenced to death in Cairo", "protests erupted in Minsk": an
            # agentless passive or an ownerless event noun whose act only one kind of actor performs; that actor
            # of the place (or of the story), with the confidence an inferred source earns
            clause = m.predicate.head if nominal and m.predicate.dep_ in SUBJECT_DEPS | OBJECT_DEPS else m.predicate
            implied = self.implied_actor(entry.implied, clause, ctx, mentions)
            sources = [(m.predicate, implied)] if implied is not None else []
        if not sources:
            return
        own_countries = {a.country for _, a in sources if a.country}
        target_heads, targets = self._targets(m, nominal, source_heads, own_countries, ctx, mentions)
        if expelled:
            target_heads, targets = expelled, self.resolve_all(expelled, ctx, mentions)
        if not targets and anchor is m.predicate and "dobj" in entry.target:
            # "the jailed opposition leader": the participle's object is the noun it describes
            target_heads = [h for h in conjuncts(m.predicate.head) if h not in source_heads]
            targets = self.resolve_all(target_heads, ctx, mentions)
        reciprocal = nominal and len(between) >= 2 and source_heads == between
        phrase: list[tuple[Token, Actor]] = []
        # a person the slot names but the knowledge base does not know is the target, uncoded: no stand-in
        # from the phrase ("Ingabire was arrested in Rwanda" did not arrest Rwanda)
        unknown_person = any(h.ent_type_ == "PERSON" for h in target_heads)
        if not targets and not reciprocal and not unknown_person:
            own = {a.code for _, a in sources}
            phrase = self.phrase_targets(m, source_heads, own, own_countries, ctx, mentions)
        if not targets and not phrase and len(sources) >= 2 and entry.target and self._needs_recipient(code):
            reciprocal = True  # "Egypt and Jordan joined forces": each side acts with the other
        if reciprocal:
            pairs = [(s, t) for s in sources for t in sources if s[0] is not t[0]]
        else:
            pairs = [(s, t) for s in sources for t in (targets or phrase or [None])]
            named = [h for h in target_heads if h not in m.event_nouns]
            if not targets and not named and entry.alone and code == entry.code:
                code = entry.alone  # "Iran held military drills": alone, a show of force, not cooperation
                # "drills in the Gulf": a region says where, not to whom; "a ceasefire in Yemen" is Yemen's
                regions = self.resolver.kb.regions
                phrase = [(t, a) for t, a in phrase if a.country not in regions]
                pairs = [(s, t) for s in sources for t in (phrase or [None])]
        from_phrase = bool(phrase) and not reciprocal
        info = self.code_info(code)
        if info is None:
            return
        ptype, pmode = info.plover_type, info.plover_mode
        if entry.plover and code == entry.code:  # the words, not the code, decide the PLOVER type
            ptype, pmode = entry.plover, ""
        known = self.ontology.plover.get(ptype)
        if entry.mode and known is not None and entry.mode in known.modes:
            pmode = entry.mode  # the words' mode, where it belongs to the type coded (not to an intent code's)
        for (s_tok, source), tgt in pairs:
            t_tok, target = tgt if tgt else (None, None)
            in_place = t_tok is not None and is_place_pobj(t_tok)
            if target is not None and in_place:
                if target.sector and t_tok.ent_type_ in PLACE_ENTITIES and target.country:
                    # "on alert in Manila": the place, not the government its name may stand for
                    name = self.resolver.kb.countries.get(target.country, target.country)
                    target = replace(target, code=target.country, sector=None, name=name)
                if target.code == source.code:
                    # "Thailand imposed a curfew in Bangkok": a place of the actor's own country says where;
                    # "Thai police imposed a curfew in Bangkok" codes the police acting on the country
                    t_tok, target = None, None
            # a recipient the type needs and the sentence does not name ("the UN sent aid") keeps the event,
            # with target null and the confidence that goes with it
            unnamed = target is None and bool(entry.target) and self._needs_recipient(code) and not target_heads
            acts_on_own_country = (  # "Army attacks on Lebanon": the army is not Lebanon's, whatever the story
                target is not None
                and not in_place  # "opposition supporters marched in Caracas" are the story's own
                and source.how == STORY_COUNTRY
                and not target.sector
                and target.country == source.country
            )
            if target is not None and (target.code == source.code or acts_on_own_country):
                # the story's main country given to an unnamed actor ("the two Cabinet members traveled to
                # Moscow" in a Moscow story) is wrong when that actor acts on that very country: drop the guess
                if source.how == STORY_COUNTRY:
                    source = uninfer(source)
                elif target.how == STORY_COUNTRY:
                    target = uninfer(target)
            if target is not None and target.code == source.code and target.name == source.name:
                if t_tok is not None and t_tok.ent_type_ in PLACE_ENTITIES and t_tok.dep_ == "pobj":
                    # "Sudan is willing to withdraw its troops from Abyei": a place of its own says where
                    t_tok, target = None, None
                else:
                    # an actor acting on itself is not an event between actors; two people of one code are
                    # ("President Rivlin eased parole restrictions on ex-prime minister Olmert")
                    continue
            feats = features(
                code, 1 if m.backoff else entry.specificity, source, target, state, nominal, m.pattern, unnamed,
                from_phrase, m.backoff, anchor is not None,
            )  # fmt: skip
            span_tokens = [m.predicate, *m.event_nouns, *argument_tokens(s_tok)]
            if t_tok is not None:
                span_tokens.extend(argument_tokens(t_tok))
            span_tokens = [t for t in span_tokens if not t.is_space] or span_tokens
            start = min(t.idx for t in span_tokens)
            end = max(t.idx + len(t.text) for t in span_tokens)
            yield Event(
                doc_id=doc_id,
                sentence_index=sent_index,
                sentence=doc_text(sent.doc)[sent.start_char : sent.end_char].strip(),
                source=source,
                target=target,
                cameo=code,
                cameo_root=info.root,
                quad_class=info.quad_class,
                goldstein=info.goldstein,
                plover_type=ptype,
                plover_mode=pmode,
                plover_context=entry.context or info.plover_context,
                evidence_start=start,
                evidence_end=end,
                evidence_text=doc_text(sent.doc)[start:end],
                confidence=self.confidence.score(feats),
                rule=entry.origin,
                date=doc_date,
                date_how="document" if doc_date else "unknown",
                date_precision="day" if doc_date else None,
                modality=state,
                background=anchor is not None,
                extra={
                    "features": feats,
                    "predicate": m.predicate.i,  # for the when/where stage
                    **({"background": anchor.i} if anchor is not None else {}),  # the phrase that dates it
                    "actor_tokens": [
                        t.i for t in span_tokens if t is not m.predicate and t not in m.event_nouns
                    ],
                },
            )

    def uncoded_requests(
        self,
        events: list[Event],
        sent: Span,
        sent_index: int,
        doc_id: str,
        doc_date: str | None,
        ctx: DocContext,
        mentions: list[Mention],
    ) -> tuple[list[Event], set[int]]:
        """A statement whose reported clause asks for an act the lexicon does not code is that request, not a
        plain statement (issue 12 part 4, CAMEO's own convention: "X said Y must ..." is a demand, 100; "should",
        "ought to": an appeal, 020): "the minister said the army must do more to protect civilians". The demand
        for a coded act is coded by `_request` with its own code (1053 for "must release ..."). Returns the
        events and the clause verbs now coded."""
        coded = {e.extra.get("predicate") for e in events} | {e.extra.get("request_of") for e in events}
        out: list[Event] = []
        asked: set[int] = set()
        for ev in events:
            say = sent.doc[ev.extra["predicate"]]
            replaced = False
            if ev.cameo == "010" and not ev.extra.get("features", {}).get("nominal"):
                for clause in say.children:
                    if clause.dep_ != "ccomp" or clause.i in coded or clause.i in asked:
                        continue
                    req = request(clause, self.words)
                    if req is None or req.speaker_verb is None or req.speaker_verb.i != say.i:
                        continue
                    if req.addressee is None or req.addressee.pos_ not in ("NOUN", "PROPN"):
                        continue  # "said it must ...": the speaker's own obligation, a statement
                    speaker = subjects(say)
                    if not speaker:
                        continue
                    entry = LexEntry(code="100" if req.demand else "020", origin=f"{ev.rule} request:{req.how}")
                    m = Match(entry, clause, (), speaker[0], req.addressee)
                    made = list(self._code(m, sent, sent_index, doc_id, doc_date, ctx, mentions, False, asked=req))
                    for new in made:
                        new.extra["request_of"] = say.i
                    if made:
                        out.extend(made)
                        asked.add(clause.i)
                        replaced = True
                        break
            if not replaced:
                out.append(ev)
        return out, asked

    def _request(
        self,
        m: Match,
        req: Request,
        sent: Span,
        sent_index: int,
        doc_id: str,
        doc_date: str | None,
        ctx: DocContext,
        mentions: list[Mention],
    ) -> Iterator[Event]:
        """The appeal or demand for the act `m` matched: by the speaker, to the addressee (issue 12, part 4)."""
        if req.speaker_verb is None:
            return  # "Turkey must return the helicopter": no one named asks, and nothing was done
        if modality(req.speaker_verb, self.words) not in (ASSERTED, INTENT):
            return  # "did not demand that ...", "if they insist that ..."
        speaker = subjects(req.speaker_verb)
        if not speaker:
            return
        code = self.words.request_code(m.entry.code, req.demand)
        if not self.ontology.is_valid(code):
            code = "100" if req.demand else "020"
        entry = replace(
            m.entry, code=code, target=(), intent=None, threat=None, alone=None, implied="", plover="", mode="",
            context="", origin=f"{m.entry.origin} request:{req.how}",
        )  # fmt: skip
        asked = Match(entry, m.predicate, m.event_nouns, speaker[0], req.addressee, backoff=m.backoff)
        for ev in self._code(asked, sent, sent_index, doc_id, doc_date, ctx, mentions, False, asked=req):
            ev.extra["request_of"] = req.governor.i if req.governor is not None else req.speaker_verb.i
            yield ev

    def _targets(
        self,
        m: Match,
        nominal: bool,
        source_heads: list[Token],
        source_countries: set[str],
        ctx: DocContext,
        mentions: list[Mention],
    ) -> tuple[list[Token], list[tuple[Token, Actor]]]:
        """The target candidates the sentence names, and the actors among them (possibly none)."""
        entry = m.entry
        slots = [conjuncts(m.target)] if m.target is not None else self.target_slots(m, nominal)
        target_heads: list[Token] = []
        targets: list[tuple[Token, Actor]] = []
        own: tuple[list[Token], list[tuple[Token, Actor]]] | None = None
        for slot in slots:  # the first slot that names an actor; "met on Monday with Rice" skips "on Monday"
            heads = [t for t in slot if t not in source_heads]
            if not heads:
                continue
            target_heads = target_heads or heads  # the first candidates, for the fallbacks below
            targets = self.resolve_all(heads, ctx, mentions)
            if targets and source_countries and all(a.country in source_countries for _, a in targets):
                # "authorized U.S. military aid to Egypt", "withdrew its envoy from Paris": the source's own
                # people or things, where a later slot names another country's actor, are no recipient
                own = own or (heads, targets)
                targets = []
                continue
            if targets:
                target_heads = heads
                break
        if not targets and own is not None:
            target_heads, targets = own  # only the source's own country is named: a domestic event
        if not targets and target_heads:
            # "endorsed parts of a proposal from Bush": the object is a thing; its owner is the target
            for h in target_heads:
                for level in owners(h):
                    targets = self.resolve_all([o for o in level if o not in source_heads], ctx, mentions)
                    if targets:
                        break
                if targets:
                    break
        if not targets and target_heads:
            # "assistance to populations in Mozambique": a named actor inside the target's own phrase
            for h in target_heads:
                inner = [mm for mm in mentions if h.left_edge.i <= mm.start and mm.end - 1 <= h.right_edge.i]
                inner.sort(key=lambda mm: abs(mm.start - h.i))
                for mm in inner:
                    tok = h.doc[mm.end - 1]
                    if tok.dep_ == "compound" and tok.head.ent_type_ == "PERSON" and tok.ent_type_ == "PERSON":
                        continue  # part of a longer name: "Gul Rahman" is not (Abdullah) Gül
                    if tok not in source_heads and (found := self.resolve_all([tok], ctx, mentions)):
                        targets = found
                        break
                if targets:
                    break
        if not targets and m.event_nouns and entry.objects and entry.target:  # `target: []`: no recipient
            # "expelled the UN mission", "expelled Russian diplomats": the recipient is the object itself, when
            # it names people or a body ("a curfew in Kashmir" is a thing in a place)
            targets = [
                (n, unguess(a, source_countries, entry.code))
                for n, a in self.resolve_all([n for n in m.event_nouns if self.is_actor_like(n)], ctx, mentions)
                # what aid and force posture move ("sent 200 troops") is the source's own, not a recipient
                if entry.code[:2] not in THEME_ROOTS or (a.country and a.country not in source_countries)
            ]
            target_heads = target_heads or list(m.event_nouns)  # named, even when not resolved
        return target_heads, targets

    def code_info(self, code: str) -> CameoCode | None:
        """The ontology row for a code; outside CAMEO, its root's row when codes need not be strict."""
        if self.ontology.is_valid(code):
            return self.ontology.code(code)
        if self.strict_codes:
            return None  # an imported dictionary's non-CAMEO code cannot honour the output contract
        root = code[:2]
        if self.ontology.is_valid(root):
            return self.ontology.code(root)
        return CameoCode(code, "outside CAMEO", 0.0, 0, root, "", "", "")

    def _needs_recipient(self, code: str) -> bool:
        """Whether an event of this code needs a target: PLOVER says so per type; CAMEO's statements and
        appeals (01, 02), which PLOVER leaves out, can stand alone ("Germany expressed concern")."""
        info = self.code_info(code)
        if info is None or not info.plover_type:
            return False
        ptype = self.ontology.plover.get(info.plover_type)
        return ptype.requires_recipient if ptype is not None else True


def unguess(actor: Actor, source_countries: set[str], code: str) -> Actor:
    """Whom a state expels or deports is foreign: their country, when only the story gave it and it is the
    source's own, is a guess against sense ("Russia said it had expelled diplomats"); the sector alone stays.
    (Whom a state bans or arrests is mostly its own: "the authorities outlawed opposition parties".)"""
    if code.startswith(FOREIGN_OBJECT_CODES) and actor.how == STORY_COUNTRY and actor.country in source_countries:
        return uninfer(actor)
    return actor


def uninfer(actor: Actor) -> Actor:
    """The actor without the country the story's context gave it."""
    sector = actor.sector or ""
    return replace(actor, code=sector, country=None, how="text")


def rank_statements(events: list[Event], sent: Span, model: ConfidenceModel) -> list[Event]:
    """A sentence's acts outrank the statements that report them (issue 12, part 3): a statement (CAMEO 01)
    whose complement holds a coded act or request stays (its speaker is the source of what is said), but below
    that act, marked by the confidence feature `reports_act`; and the generic appeal of a verb whose complement
    was coded as a specific request ("demanded that Y release ...": 1053, not 100) gives way to it."""
    doc = sent.doc
    acts = [e for e in events if e.cameo_root != STATEMENT_ROOT and "predicate" in e.extra]
    asking = {e.extra["request_of"] for e in events if "request_of" in e.extra}
    out = []
    for ev in events:
        pred = ev.extra.get("predicate")
        if pred is None or "request_of" in ev.extra:
            out.append(ev)
            continue
        if pred in asking and ev.cameo in ("020", "100"):
            continue
        if ev.cameo_root == STATEMENT_ROOT:
            verb = doc[pred]
            inner = {t.i for c in verb.children if c.dep_ in ("ccomp", "parataxis") for t in c.subtree}
            reported = [a for a in acts if a.extra["predicate"] in inner]
            if reported:
                ev.extra["features"]["reports_act"] = 1.0
                below = min(a.confidence for a in reported) * 0.9
                ev = replace(ev, confidence=min(below, model.score(ev.extra["features"])))
        out.append(ev)
    return out


def rank_background(events: list[Event]) -> list[Event]:
    """A recalled act (issue 12, part 6) is never a sentence's top event: it ranks below every other one."""
    current = [e.confidence for e in events if not e.background]
    if not current or len(current) == len(events):
        return events
    below = min(current) * 0.9
    return [replace(e, confidence=min(e.confidence, below)) if e.background else e for e in events]


def iso_day(value: str | None) -> date | None:
    """The document's date as a date (None when absent or not ISO)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def backed_off(ev: Event) -> bool:
    feats = ev.extra.get("features", {})
    return bool(feats.get("backoff_similar") or feats.get("backoff_default"))


def last_resort(events: list[Event]) -> list[Event]:
    """A back-off is the last resort: a sentence where some entry's frame fitted keeps only those events."""
    if all(backed_off(ev) for ev in events):
        return events
    return [ev for ev in events if not backed_off(ev)]


def dedupe(events: list[Event]) -> list[Event]:
    """One event per (source, target, code) in a sentence, the most confident; two actors that share a code
    stay apart ("The White House and the State Department declined to comment": both declined)."""

    def key(ev: Event) -> tuple[str, str, str | None, str | None, str]:
        target = ev.target
        return (ev.source.code, ev.source.text, target and target.code, target and target.text, ev.cameo)

    best: dict[tuple[str, str, str | None, str | None, str], Event] = {}
    for ev in events:
        k = key(ev)
        if k not in best or ev.confidence > best[k].confidence:
            best[k] = ev
    return [ev for ev in events if best[key(ev)] is ev]
