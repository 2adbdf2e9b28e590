"""Background events (issue 12, part 6): acts a sentence mentions as the time or cause of its news.

"Since Russia's full-scale invasion of Ukraine in 2022", "after last year's coup", "two years after the
bombing", "in the wake of the sanctions", "before the war": the event noun in such a phrase is history the
article recalls, not an act of its day. So is the verb of a subordinate clause that such a word introduces,
where the construction is clear: "since Russia invaded" (a past tense after `since`), "after troops withdrew
last year" (a past tense after `after` / `before` with a past time of its own, a week or more before the story).
A participle in front of a noun names the state an earlier act left ("the jailed opposition leader", "US-backed
forces"): its act is background too, with the noun it describes as the target.

Such events are still coded, with `background: true`, the date their own phrase states ("in 2022", "last
year's") or none (never the article's date), the confidence feature `background` (which lowers them) and a
rank below every other event of their sentence.
"""

from __future__ import annotations

from datetime import date, timedelta

from spacy.tokens import Token

from polybius.nlp import entity_at
from polybius.when import When, event_when, resolve_expression

# prepositions whose object is a time reference point: "since the invasion", "after the coup"
BACKGROUND_PREPS = frozenset({"since", "after", "before", "following"})
# two-word prepositions, by their second word and first: "prior to the war", "ahead of the vote"
BACKGROUND_PAIRS = frozenset({("prior", "to"), ("ahead", "of")})
# nouns of "in the wake of X", "in the aftermath of X"
BACKGROUND_NOUNS = frozenset({"wake", "aftermath"})
# subordinate clauses: "since Russia invaded" always; "after troops withdrew last year" with a past time of its own
SINCE = "since"
CLAUSE_MARKS = frozenset({"after", "before"})
PAST_TAGS = frozenset({"VBD", "VBN"})
RECENT = timedelta(days=7)  # an act up to a week before the story is news, not background
MAX_NESTING = 2  # "since the start of the invasion": the event noun may sit in an of-phrase of the object


def nominal_phrase(noun: Token) -> Token | None:
    """The head of the background phrase an event noun stands in ("since" in "since the invasion of X"), or None."""
    tok = noun
    for _ in range(MAX_NESTING + 1):
        while tok.dep_ == "conj" and tok.head is not tok:
            tok = tok.head  # "since the invasion and the annexation"
        head = tok.head
        if tok.dep_ in ("pobj", "dobj", "pcomp") and head.lower_ in BACKGROUND_PREPS:
            return head  # "following the coup" may be parsed as a verb with its object
        if tok.dep_ == "pobj" and (head.head.lower_, head.lower_) in BACKGROUND_PAIRS:
            return head.head
        if tok.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in BACKGROUND_NOUNS:
            wake = head.head
            return wake.head if wake.dep_ == "pobj" and wake.head.lower_ == "in" else wake
        if tok.dep_ == "pobj" and head.lower_ == "of" and head.head.pos_ == "NOUN" and head.head is not tok:
            tok = head.head  # "the start of the invasion": look at where "start" stands
            continue
        return None
    return None


def attributive(verb: Token) -> bool:
    """A participle in front of a noun, naming a state an earlier act left: "the jailed opposition leader",
    "the detained journalist", "US-backed forces". The act is recalled to describe the noun, not reported."""
    if verb.dep_ not in ("amod", "compound") or verb.i > verb.head.i or verb.head.pos_ not in ("NOUN", "PROPN"):
        return False
    return verb.tag_ in PAST_TAGS or (verb.tag_ == "JJ" and verb.lower_.endswith("ed"))


def clause_mark(verb: Token) -> Token | None:
    """The subordinating word of the adverbial clause a verb heads ("since", "after"), or None."""
    if verb.dep_ != "advcl":
        return None
    for child in verb.children:
        if child.dep_ == "mark" and child.lower_ in (SINCE, *CLAUSE_MARKS):
            return child
    return None


def verbal_phrase(verb: Token, doc_date: date | None) -> Token | None:
    """The mark of a background clause the verb heads, or None: "since Russia invaded" (past tense after
    since), "after troops withdrew last year" (past tense after after/before, with a past time of its own)."""
    mark = clause_mark(verb)
    if mark is None or verb.tag_ not in PAST_TAGS:
        return None
    if mark.lower_ == SINCE:
        return mark
    when = event_when(verb, doc_date)
    if when.how not in ("explicit", "relative") or when.date is None:
        return None  # "after troops withdrew, the town ...": no time of its own, likely the same news
    if doc_date is None:
        return mark if when.precision in ("month", "year") else None
    return mark if date.fromisoformat(when.date) <= doc_date - RECENT else None


def phrase_when(head: Token, predicate: Token, doc_date: date | None) -> When:
    """The date a background phrase states: a date expression inside it ("in 2022", "last year's"), else for a
    clause the clause's own date; never the story's date: (None, "unknown", None) when none is stated."""
    if head.dep_ == "mark":
        when = event_when(predicate, doc_date)
        return when if when.how in ("explicit", "relative") else When(None, "unknown", None)
    seen: set[int] = set()
    for tok in head.subtree:
        if tok.i in seen or tok.ent_type_ != "DATE":
            continue
        ent = entity_at(tok)
        if ent is None:
            continue
        seen.update(range(ent.start, ent.end))
        res = resolve_expression(ent.text, doc_date)
        if res is not None:
            return When(res.iso, res.how, res.precision_name)
    return When(None, "unknown", None)
