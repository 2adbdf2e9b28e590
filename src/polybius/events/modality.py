"""Modality: is a predicate asserted, intended, threatened, negated or hypothetical?

The words come from data/modality.yaml; this module only reads the dependency structure around the predicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from spacy.tokens import Token

MODALITY_FILE = Path(__file__).resolve().parents[1] / "data" / "modality.yaml"
EMBEDDING_DEPS = frozenset({"xcomp", "ccomp", "advcl", "pcomp", "conj"})
MAX_CLIMB = 4

ASSERTED, INTENT, THREAT, NEGATED, HYPOTHETICAL, CONDITIONAL, REFUSED, POSSIBLE = (
    "asserted",
    "intent",
    "threat",
    "negated",
    "hypothetical",
    "conditional",
    "refused",
    "possible",  # "could suspend relations", "raised the possibility of sanctions": a threat if conflictual
)


@dataclass(frozen=True)
class ModalityWords:
    future_aux: frozenset[str]
    would_aux: frozenset[str]
    possibility_aux: frozenset[str]
    intent_governors: frozenset[str]
    intent_adjectives: frozenset[str]
    threat_governors: frozenset[str]
    negating_governors: frozenset[str]
    hypothetical_governors: frozenset[str]
    condition_marks: frozenset[str]
    refusal_governors: frozenset[str]
    announced_acts: frozenset[str]  # code prefixes whose intended form is the act ("will investigate")
    refusal_codes: dict[str, str]
    demand_aux: frozenset[str] = frozenset()
    appeal_aux: frozenset[str] = frozenset()
    obligation_verbs: frozenset[str] = frozenset()
    demand_governors: frozenset[str] = frozenset()
    appeal_governors: frozenset[str] = frozenset()
    observer_governors: frozenset[str] = frozenset()  # their subject is not the agent of their object's event
    request_codes: dict[str, str] = field(default_factory=dict)

    def announced(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.announced_acts)

    def refusal_code(self, code: str) -> str | None:
        """The CAMEO 12x code for refusing the act `code`, or None when refusing it is no event."""
        for n in range(len(code), 1, -1):
            if code[:n] in self.refusal_codes:
                return self.refusal_codes[code[:n]]
        return None

    def request_code(self, code: str, demand: bool) -> str:
        """The CAMEO code for asking for the act `code`: an appeal (02x) or a demand (the parallel 10x)."""
        appeal = "020"
        for n in range(len(code), 1, -1):
            if code[:n] in self.request_codes:
                appeal = self.request_codes[code[:n]]
                break
        return "10" + appeal[2:] if demand else appeal


def load_modality(path: Path = MODALITY_FILE) -> ModalityWords:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    fields = ModalityWords.__dataclass_fields__
    missing = [f for f in fields if f not in data]
    if missing:
        raise ValueError(f"{path}: missing lists {', '.join(missing)}")
    mappings = ("refusal_codes", "request_codes")
    words = {f: frozenset(str(w).lower() for w in data[f]) for f in fields if f not in mappings}
    codes = {m: {str(k): str(v) for k, v in (data[m] or {}).items()} for m in mappings}
    return ModalityWords(**words, **codes)


def is_purpose(clause: Token) -> bool:
    """An infinitival clause of purpose: "to investigate", "in order to help"."""
    return clause.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in clause.children)


def is_negated(tok: Token) -> bool:
    return any(c.dep_ == "neg" for c in tok.children)


def own_modality(tok: Token, words: ModalityWords) -> str:
    """What the predicate's own auxiliaries and negation say."""
    if is_negated(tok):
        future = any(
            c.dep_ == "aux" and (c.lower_ in words.future_aux or c.lemma_.lower() in words.future_aux
                                 or c.lower_ in words.would_aux)
            for c in tok.children
        )  # fmt: skip
        return REFUSED if future else NEGATED  # "will not lift the ban" refuses; "did not lift" only denies
    for aux in (c for c in tok.children if c.dep_ in ("aux", "auxpass")):
        lemma = aux.lemma_.lower()
        lower = aux.lower_
        if lemma in words.future_aux or lower in words.future_aux:
            return INTENT
        if lower in words.would_aux:
            return INTENT
        if lower in words.possibility_aux:
            if any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in tok.children):
                return HYPOTHETICAL  # "may have attacked": a guess about the past, no threat
            return POSSIBLE
    if any(c.dep_ == "mark" and c.lower_ in words.condition_marks for c in tok.children):
        return CONDITIONAL
    return ASSERTED


# "began the process of withdrawing": a gerund after one of these nouns, itself the object of a verb, is
# that verb's complement (its subject, auxiliaries and governors apply)
LIGHT_NOUNS = frozenset({"process", "task", "work", "job", "business"})
# "raised the possibility of suspending talks": the gerund is possible, not done (and may be a threat)
POSSIBILITY_NOUNS = frozenset({"possibility", "potential", "prospect", "option", "spectre", "specter"})


def light_noun_governor(tok: Token) -> Token | None:
    """The verb of "X began the process of withdrawing", for the gerund "withdrawing"; else None."""
    if tok.dep_ != "pcomp" or tok.head.lower_ != "of":
        return None
    noun = tok.head.head
    lemma = noun.lemma_.lower()
    if lemma in LIGHT_NOUNS | POSSIBILITY_NOUNS and noun.dep_ in ("dobj", "obj") and noun.head.pos_ in ("VERB", "AUX"):
        return noun.head
    return None


def under_possibility_noun(tok: Token) -> bool:
    return tok.dep_ == "pcomp" and tok.head.lower_ == "of" and tok.head.head.lemma_.lower() in POSSIBILITY_NOUNS


def modality(tok: Token, words: ModalityWords) -> str:
    """The predicate's modality, looking up through the verbs that embed it ("agreed to send")."""
    state = own_modality(tok, words)
    if state not in (ASSERTED, INTENT):
        return state
    if under_possibility_noun(tok):
        return POSSIBLE
    cur = tok
    for _ in range(MAX_CLIMB):
        light = light_noun_governor(cur)
        if light is None and (cur.dep_ not in EMBEDDING_DEPS or cur.head is cur):
            break
        gov = light or cur.head
        lemma = gov.lemma_.lower()
        relation = "xcomp" if light is not None else cur.dep_
        if relation == "conj":
            # coordinated predicates share the first one's auxiliaries and governor ("will meet and sign")
            inherited = own_modality(gov, words)
            if inherited in (NEGATED, CONDITIONAL, HYPOTHETICAL, REFUSED):
                return inherited
            state = INTENT if inherited == INTENT else state
            cur = gov
            continue
        if relation == "advcl":
            if any(c.dep_ == "mark" and c.lower_ in words.condition_marks for c in cur.children):
                return CONDITIONAL
            if not is_purpose(cur):
                break  # an adverbial clause stands on its own ("..., killing 10")
            # a purpose shares its act's fate: "is considering sending aid to help North Korea" is hypothetical
            gov_state = own_modality(gov, words)
            if gov_state in (NEGATED, CONDITIONAL, HYPOTHETICAL, REFUSED):
                return gov_state
            cur = gov
            continue
        if lemma in words.refusal_governors and own_modality(gov, words) != NEGATED:
            return REFUSED  # "refused to sign"; "did not refuse to sign" stays unknown: no event
        if lemma in words.negating_governors:
            return NEGATED
        if lemma in words.threat_governors:
            return THREAT
        if lemma in words.hypothetical_governors:
            return HYPOTHETICAL
        if lemma in words.intent_governors or lemma in words.intent_adjectives:
            gov_state = own_modality(gov, words)
            return gov_state if gov_state in (NEGATED, REFUSED) else INTENT  # "did not agree to", "won't agree to"
        gov_state = own_modality(gov, words)
        if relation in ("xcomp",) and gov_state in (NEGATED, CONDITIONAL, HYPOTHETICAL, REFUSED):
            return gov_state
        if relation == "xcomp" and gov_state == INTENT:
            state = INTENT  # "will begin withdrawing": the governing verb's future is the act's
        if relation == "ccomp" and gov_state == CONDITIONAL:
            return CONDITIONAL
        cur = gov
    return state


@dataclass(frozen=True)
class Request:
    """An act asked for, not done: who asks (the speaker's verb), of whom (the addressee's head), how."""

    demand: bool  # a demand (CAMEO 10x) rather than an appeal (02x)
    speaker_verb: Token | None  # the verb whose subject asks ("said", "demanded"); None: no one named asks
    addressee: Token | None  # who is asked: the embedded subject, or the governor's object ("urged Y to")
    governor: Token | None  # the asking verb when it is a lexicon event of its own ("demanded", "called on")
    how: str  # "must", "should", "demand-that", "appeal-to" ...: named in the event's rule


def _embedded_subject(tok: Token) -> Token | None:
    return next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)


def _reporter(clause: Token) -> Token | None:
    """The verb reporting the clause: "the minister said [Israel should withdraw]"."""
    if clause.dep_ in ("ccomp", "parataxis") and clause.head.pos_ in ("VERB", "AUX") and clause.head is not clause:
        return clause.head
    return None


def request(tok: Token, words: ModalityWords) -> Request | None:
    """Whether the predicate is an act that someone asks for rather than an act done (issue 12): an obligation
    ("must", "should", "ought to", "has to"), the complement of a demanding verb ("demanded that Y cancel"), or
    the infinitive of an appealing verb ("urged Y to withdraw", "called on Y to release")."""
    if is_negated(tok):
        return None
    for aux in (c for c in tok.children if c.dep_ in ("aux", "auxpass")):
        lower = aux.lower_
        if lower in words.demand_aux or lower in words.appeal_aux:
            return Request(lower in words.demand_aux, _reporter(tok), _embedded_subject(tok), None, lower)
    head = tok.head
    has_to = any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)
    if tok.dep_ == "xcomp" and has_to and head.lemma_.lower() in words.obligation_verbs and not is_negated(head):
        lemma = head.lemma_.lower()
        return Request(lemma not in words.appeal_aux, _reporter(head), _embedded_subject(head), None, f"{lemma} to")
    if tok.dep_ == "ccomp" and head is not tok:
        lemma = head.lemma_.lower()
        if lemma in words.demand_governors or lemma in words.appeal_governors:
            return Request(lemma in words.demand_governors, head, _embedded_subject(tok), head, f"{lemma} that")
    if tok.dep_ in ("xcomp", "advcl") and has_to and head.lemma_.lower() in words.appeal_governors:
        # "urged China to halt", "called on Syria to release", "appealed to the rebels to lay down arms"
        addressee = next((c for c in head.children if c.dep_ in ("dobj", "obj")), None)
        if addressee is None:
            addressee = next(
                (p for c in head.children if c.dep_ == "prep" and c.lower_ in ("on", "upon", "to")
                 for p in c.children if p.dep_ == "pobj"),
                None,
            )  # fmt: skip
        if addressee is not None:
            return Request(False, head, addressee, head, f"{head.lemma_.lower()} to")
    return None
