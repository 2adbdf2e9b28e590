"""When: the date of an event, read from the date expressions in its predicate's clause.

The predicate's clause is the predicate and its dependents, without nested clauses that have a verb of their
own (relative clauses, complement clauses, adverbial clauses, open complements, coordinated verbs, ...): see
`clause_tokens`. When that clause holds no date expression, the clauses that govern it through `xcomp`,
`advcl` or a coordination without its own subject are read in turn ("Putin on Monday agreed to meet Rice":
"meet" takes Monday); a noun predicate first reads its own phrase, then the clause of its verb. Reported speech
(`ccomp`) and relative clauses are never climbed out of: "said on Tuesday that troops attacked" does not date
the attack.

Resolution rules (the document date is the base of everything relative):

- weekdays: the latest such day on or before the document date ("Wednesday" in a Wednesday's paper is that
  day); in a future clause ("will meet on Friday") the first on or after it. "last Monday" is strictly before.
- today, tonight, this morning -> the document date; yesterday, last night -> the day before; tomorrow -> after.
- this week -> the document date; last week -> 7 days before; next week -> 7 days after.
- periods resolve to their first day: "in October" -> YYYY-10-01, "last month" -> the first of the previous
  month, "in 2007" / "last year" -> January 1st; "within the past five days" (and "over the last two weeks")
  -> the document date minus that span, the first day the event can have happened on.
- a date without a year ("March 3", "October") takes the year that puts it nearest the document: in the past
  (up to 60 days after the document date are accepted as the same year), or in the future for future clauses.
- how: "explicit" when the expression names a month or a year ("on October 15, 2008", "in October"),
  "relative" when it only makes sense against the document date ("Tuesday", "last week", "two days ago"),
  "document" when the clause has no date expression, "unknown" when there is no document date to fall back on
  or to resolve a relative expression with. Never today's date, and never the machine's current year: a date
  without a year is read only against the document date (dateparser is always given it as RELATIVE_BASE).
- precision: how much of the date the words tell (`PRECISIONS`): "day" ("on Tuesday", "yesterday", "July 22",
  "two days ago", and the document date when it is the fallback), "week" ("last week", "this week", "the
  weekend", a window of up to seven days: "over the past five days"), "month" ("in March", "last month", "three
  months ago", windows up to 31 days), "year" ("in 2013", "last year", longer windows); None when the date is
  unknown. The date of a month or year is the period's first day ("in 2013" is 2013-01-01 with precision
  "year"); the date of a week is a day inside it (the document date for "this week", 7 days before it for "last
  week", the first day of a window), so `date_trunc('week', date)` gives its week.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from spacy.tokens import Span, Token

from polybius.nlp import entity_at

# Dependents that open a nested clause with its own predicate: their subtrees are not the predicate's clause.
CLAUSE_DEPS = frozenset({"relcl", "ccomp", "advcl", "csubj", "csubjpass", "parataxis", "xcomp"})
VERBAL_DEPS = frozenset({"acl", "conj", "pcomp"})  # nested clauses only when the dependent is a verb
VERBS = frozenset({"VERB", "AUX"})
NOUNS = frozenset({"NOUN", "PROPN"})
# How a predicate inherits the clause that governs it (when its own clause says nothing).
INHERIT_DEPS = frozenset({"xcomp", "advcl", "conj"})
NOUN_TO_VERB_DEPS = frozenset({"dobj", "obj", "nsubj", "nsubjpass", "attr", "pobj"})
MAX_CLIMB = 3

TEMPORAL_PREPS = frozenset({"on", "in", "at", "during", "within", "over", "around", "throughout"})
TEMPORAL_DEPS = frozenset({"npadvmod", "tmod", "advmod", "obl:tmod", "nmod:tmod"})
FUTURE_AUX = frozenset({"will", "'ll", "shall", "wo", "’ll"})
FUTURE_GOVERNORS = frozenset(
    {
        "plan",
        "expect",
        "schedule",
        "due",
        "set",
        "intend",
        "prepare",
        "aim",
        "promise",
        "pledge",
        "vow",
        "agree",
        "hope",
        "want",
        "seek",
        "go",
        "decide",
        "threaten",
    }
)
WEEKDAYS = {
    **{name.lower(): i for i, name in enumerate(calendar.day_name)},
    **{name.lower(): i for i, name in enumerate(calendar.day_abbr)},
}
MONTH_WORDS = frozenset(
    [m.lower() for m in calendar.month_name[1:]] + [m.lower() for m in calendar.month_abbr[1:]] + ["sept"]
)
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}  # fmt: skip
LONE_DATE_WORDS = frozenset({"yesterday", "today", "tonight", "tomorrow", *WEEKDAYS})

# Words around a date that do not change the day it resolves to.
HEDGES = re.compile(
    r"^(?:(?:the\s+)?(?:end|beginning|start|middle|first\s+half|second\s+half)\s+of\s+|early\s+|late\s+|"
    r"mid(?:-|\s+)|earlier\s+|later\s+|as\s+early\s+as\s+|as\s+late\s+as\s+|as\s+recently\s+as\s+)",
    re.IGNORECASE,
)
PARTS_OF_DAY = re.compile(r"\s+(?:morning|afternoon|evening|night|overnight)$")
SPAN_BACK = re.compile(
    r"^(?:the\s+)?(?:past|last|previous|preceding)\s+(?P<n>\d+|[a-z]+)\s+(?P<unit>day|week|month|year)s?$"
)
AGO = re.compile(r"^(?P<n>\d+|[a-z]+)\s+(?P<unit>day|week|month|year)s?\s+(?:ago|earlier|before)$")
DURATION = re.compile(
    r"^(?:(?:about|some|nearly|almost|more\s+than|over|the|a|an)\s+)?(?:\d+|a\s+few|few|several|many|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|hundreds\s+of|thousands\s+of)?\s*"
    r"(?:day|week|month|year|decade|hour|minute|century|centurie)s?(?:\s+(?:long|old))?$"
)
DECADE = re.compile(r"\b\d{2,4}'?s\b|\bdecades?\b|\bcentur(?:y|ies)\b")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
DAY_NUMBER = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\b")
NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\b")
FULL_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")  # "3/4/13": its year is written
SAME_DAY = frozenset(
    {
        "today",
        "tonight",
        "this morning",
        "this afternoon",
        "this evening",
        "now",
        "overnight",
        "earlier today",
    }
)
PAST_YEARLESS_AHEAD = 60  # days after the document date a yearless date may fall and stay in that year
FUTURE_YEARLESS_BEHIND = 30


@dataclass(frozen=True)
class DateExpr:
    """A date expression found in a clause."""

    text: str
    start: int  # token index of its first token
    depth: int  # distance in the tree from the clause head


PRECISIONS = ("day", "week", "month", "year")  # Resolved.precision indexes this: 0 day ... 3 year
UNIT_PRECISION = {"day": 0, "week": 1, "month": 2, "year": 3}


@dataclass(frozen=True)
class Resolved:
    iso: str
    how: str  # explicit | relative
    precision: int  # 0 day, 1 week or window, 2 month, 3 year (an index of PRECISIONS)

    @property
    def precision_name(self) -> str:
        return PRECISIONS[self.precision]


@dataclass(frozen=True)
class When:
    """An event's date: ISO day (None when unknown), how it was decided (DATE_HOW), precision (PRECISIONS or
    None when the date is unknown)."""

    date: str | None
    how: str
    precision: str | None


# -- clauses ------------------------------------------------------------------------------------------------
def opens_clause(child: Token) -> bool:
    """True when `child` starts a nested clause with a predicate of its own."""
    if child.dep_ in CLAUSE_DEPS:
        return True
    return child.dep_ in VERBAL_DEPS and child.pos_ in VERBS


def clause_tokens(head: Token) -> list[Token]:
    """The head and its dependents, without nested clauses (see `opens_clause`), in document order."""
    out = [head]
    stack = [head]
    while stack:
        tok = stack.pop()
        for child in tok.children:
            if opens_clause(child):
                continue
            out.append(child)
            stack.append(child)
    return sorted(out, key=lambda t: t.i)


def has_subject(tok: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in tok.children)


def governing_head(tok: Token) -> Token | None:
    """The head of the clause `tok` inherits from when its own clause says nothing, or None."""
    if tok.head == tok:
        return None
    if tok.pos_ in NOUNS:
        cur = tok
        while cur.dep_ in ("conj", "appos", "compound") and cur.head != cur:
            cur = cur.head
        if cur.dep_ == "pobj" and cur.head.head != cur.head and cur.head.head.pos_ in VERBS:
            return cur.head.head
        if cur.dep_ in NOUN_TO_VERB_DEPS and cur.head.pos_ in VERBS:
            return cur.head
        return None
    if tok.dep_ not in INHERIT_DEPS:
        return None
    if tok.dep_ == "conj" and (has_subject(tok) or tok.head.pos_ not in VERBS):
        return None
    if tok.dep_ == "advcl" and has_subject(tok):
        return None  # "after Rice arrived, Putin met her": the adverbial clause has its own subject
    return tok.head


def clause_chain(predicate: Token) -> list[Token]:
    """The predicate, then the heads of the clauses it inherits time and place from, nearest first."""
    chain = [predicate]
    cur = predicate
    for _ in range(MAX_CLIMB):
        nxt = governing_head(cur)
        if nxt is None or nxt in chain:
            break
        chain.append(nxt)
        cur = nxt
    return chain


def tree_distance(a: Token, b: Token) -> int:
    """Number of arcs between two tokens of the same sentence."""
    up_a = [a, *a.ancestors]
    pos = {t.i: n for n, t in enumerate(up_a)}
    for n, t in enumerate([b, *b.ancestors]):
        if t.i in pos:
            return n + pos[t.i]
    return len(up_a) + 50


def is_future(head: Token) -> bool:
    """A clause about what is to come: "will meet", "is to meet", "plans to meet", "said it would meet"."""
    for child in head.children:
        if child.dep_ == "aux" and child.lower_ in FUTURE_AUX:
            return True
        if child.dep_ == "aux" and child.lower_ == "would" and head.dep_ == "ccomp":
            return True
    if head.dep_ == "xcomp" and head.head != head:
        gov = head.head
        if gov.lemma_.lower() in FUTURE_GOVERNORS and not (gov.lemma_ == "go" and gov.tag_ != "VBG"):
            return True
        if gov.lemma_ == "be" and any(c.dep_ == "aux" and c.lower_ == "to" for c in head.children):
            return True
        return is_future(gov) if gov.dep_ == "ROOT" or gov.pos_ in VERBS else False
    return False


# -- finding expressions ----------------------------------------------------------------------------------
def _entity_of(tok: Token) -> Span | None:
    if tok.ent_type_ != "DATE":
        return None
    return entity_at(tok)


def is_temporal_attachment(root: Token, predicate: Token) -> bool:
    """Does a date phrase headed by `root` say when something happened (not "a two-day visit", "since 2014")?"""
    if root.dep_ in TEMPORAL_DEPS:
        return True
    if root.dep_ == "pobj":
        return root.head.lower_ in TEMPORAL_PREPS
    if root.dep_ == "poss":
        return root.head == predicate  # "Monday's attack" when "attack" is the predicate
    return root.lower_ == "ago"


def recalled(root: Token, head: Token) -> bool:
    """Is a date inside a `since` phrase below the clause head ("have soured since the invasion in 2022")? It
    dates what is recalled (a background event, issue 12 part 6), not the clause's own act."""
    tok = root
    while tok.i != head.i and tok.head.i != tok.i:  # spaCy makes a new Token per access: compare indices
        if tok.dep_ == "prep" and tok.lower_ == "since":
            return True
        tok = tok.head
    return False


def date_expressions(head: Token, predicate: Token) -> list[DateExpr]:
    """DATE entities and lone date words ("Tuesday", "yesterday") that time the clause of `head`."""
    tokens = clause_tokens(head)
    inside = {t.i for t in tokens}
    found: list[DateExpr] = []
    seen: set[int] = set()
    for tok in tokens:
        if tok.i in seen:
            continue
        ent = _entity_of(tok)
        if ent is not None:
            seen.update(range(ent.start, ent.end))
            root = ent.root
            if root.i not in inside or not is_temporal_attachment(root, predicate) or recalled(root, head):
                continue
            found.append(DateExpr(ent.text, ent.start, tree_distance(root, head)))
        elif tok.lower_ in LONE_DATE_WORDS and is_temporal_attachment(tok, predicate):
            found.append(DateExpr(tok.text, tok.i, tree_distance(tok, head)))
    return found


# -- resolving expressions -----------------------------------------------------------------------------------
def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _back(base: date, n: int, unit: str) -> date:
    if unit == "day":
        return base - timedelta(days=n)
    if unit == "week":
        return base - timedelta(weeks=n)
    months = n if unit == "month" else 12 * n
    first = _shift_months(base, -months)
    return first.replace(day=min(base.day, calendar.monthrange(first.year, first.month)[1]))


def _weekday(base: date, weekday: int, future: bool, strict: bool) -> date:
    if future:
        ahead = (weekday - base.weekday()) % 7
        return base + timedelta(days=ahead or (7 if strict else 0))
    behind = (base.weekday() - weekday) % 7
    return base - timedelta(days=behind or (7 if strict else 0))


def normalize_expression(text: str) -> str:
    text = text.lower().replace("’", "'").strip(" ,.")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"^(?:on|in|at|during|within|over|around|throughout)\s+", "", text)
    for _ in range(2):
        text = HEDGES.sub("", text).strip()
    text = re.sub(r"^the\s+", "", text)
    return text


def is_explicit(text: str) -> bool:
    words = set(re.findall(r"[a-z]+", text))
    return bool(words & MONTH_WORDS or YEAR.search(text) or NUMERIC_DATE.search(text))


def resolve_relative(text: str, base: date, future: bool) -> Resolved | None:
    """The expressions that only the document date anchors, handled without dateparser."""
    if text in SAME_DAY:
        return Resolved(base.isoformat(), "relative", 0)
    if text in ("yesterday", "last night", "last evening"):
        return Resolved((base - timedelta(days=1)).isoformat(), "relative", 0)
    text = PARTS_OF_DAY.sub("", text)
    if text == "this week":
        return Resolved(base.isoformat(), "relative", 1)
    if text == "tomorrow":
        return Resolved((base + timedelta(days=1)).isoformat(), "relative", 0)
    words = text.split()
    if (
        len(words) <= 2
        and words[-1] in WEEKDAYS
        and (len(words) == 1 or words[0] in ("last", "next", "this"))
    ):
        strict = len(words) == 2 and words[0] in ("last", "next")
        ahead = future or (len(words) == 2 and words[0] == "next")
        if len(words) == 2 and words[0] == "last":
            ahead = False
        return Resolved(_weekday(base, WEEKDAYS[words[-1]], ahead, strict).isoformat(), "relative", 0)
    if text in ("weekend", "last weekend", "this weekend", "next weekend"):
        ahead = text == "next weekend" or (future and text != "last weekend")
        return Resolved(
            _weekday(base, 5, ahead, strict=text != "this weekend" and text != "weekend").isoformat(),
            "relative",
            1,
        )
    if text in ("last week", "next week", "previous week"):
        days = 7 if text == "next week" else -7
        return Resolved((base + timedelta(days=days)).isoformat(), "relative", 1)
    if text in ("last month", "this month", "next month", "previous month"):
        shift = {"last": -1, "previous": -1, "this": 0, "next": 1}[words[0]]
        return Resolved(_shift_months(base, shift).isoformat(), "relative", 2)
    if text in ("last year", "this year", "next year", "previous year"):
        shift = {"last": -1, "previous": -1, "this": 0, "next": 1}[words[0]]
        return Resolved(date(base.year + shift, 1, 1).isoformat(), "relative", 3)
    m = SPAN_BACK.match(text) or AGO.match(text)
    if m:
        n = _number(m.group("n"))
        if n is None:
            return None
        unit = m.group("unit")
        if m.re is AGO:  # "two days ago" is a day, "three months ago" a month
            precision = UNIT_PRECISION[unit]
        else:  # "over the past five days": a window from the day given, as precise as its length
            span = n * {"day": 1, "week": 7, "month": 31, "year": 366}[unit]
            precision = 0 if span <= 1 else 1 if span <= 7 else 2 if span <= 31 else 3
        return Resolved(_back(base, n, unit).isoformat(), "relative", precision)
    return None


def _fix_year(day: date, base: date, future: bool) -> date:
    """Put a yearless date in the year nearest the document date (past by default)."""
    candidates = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            candidates.append(day.replace(year=year))
        except ValueError:  # February 29th
            continue
    if future:
        ok = [c for c in candidates if c >= base - timedelta(days=FUTURE_YEARLESS_BEHIND)]
    else:
        ok = [c for c in candidates if c <= base + timedelta(days=PAST_YEARLESS_AHEAD)]
    pool = ok or candidates
    return min(pool, key=lambda c: abs((c - base).days))


def _dateparser(text: str, base: date | None, future: bool) -> datetime | None:
    import dateparser  # slow to import; only needed when there is an expression to read

    settings: dict[str, object] = {
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DATES_FROM": "future" if future else "past",
    }
    if base is not None:
        settings["RELATIVE_BASE"] = datetime.combine(base, datetime.min.time())
    try:
        return dateparser.parse(text, languages=["en"], settings=settings)
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=4096)
def resolve_expression(text: str, base: date | None, future: bool = False) -> Resolved | None:
    """The date an expression stands for, or None when it cannot be read (or needs a base that is missing)."""
    norm = normalize_expression(text)
    if not norm or DECADE.search(norm) or DURATION.match(norm):
        return None
    explicit = is_explicit(norm)
    if not explicit:
        return resolve_relative(norm, base, future) if base is not None else None
    has_year = YEAR.search(norm) is not None or FULL_NUMERIC_DATE.search(norm) is not None
    if not has_year and base is None:
        return None  # "March 3" with nothing to anchor it
    parsed = _dateparser(norm, base, future)
    if parsed is None:
        return None
    day = parsed.date()
    words = set(re.findall(r"[a-z]+", norm))
    numeric = NUMERIC_DATE.search(norm)
    has_month = bool(words & MONTH_WORDS) or numeric is not None
    numeric_day = numeric is not None and (
        FULL_NUMERIC_DATE.search(norm) is not None or not re.match(r"\d{4}", numeric.group())
    )  # "3/4" and "3/4/2013" name a day, "2013-07" a month
    has_day = numeric_day if numeric is not None else has_month and DAY_NUMBER.search(YEAR.sub("", norm)) is not None
    year = YEAR.search(norm)
    if year is not None and not has_month:
        return Resolved(date(int(year.group(1)), 1, 1).isoformat(), "explicit", 3)
    if not has_day:
        day = day.replace(day=1)
    if not has_year and base is not None:
        day = _fix_year(day, base, future)
    return Resolved(day.isoformat(), "explicit", 0 if has_day else 2)


# -- the API ------------------------------------------------------------------------------------------------
def _candidates(predicate: Token) -> Iterator[tuple[Token, list[DateExpr]]]:
    for head in clause_chain(predicate):
        yield head, date_expressions(head, predicate)


def event_date(predicate: Token, doc_date: date | None) -> tuple[str | None, str]:
    """ISO date of the event whose predicate is `predicate`, and how it was decided (`event_when` without the
    precision)."""
    found = event_when(predicate, doc_date)
    return found.date, found.how


def event_when(predicate: Token, doc_date: date | None) -> When:
    """The date of the event whose predicate is `predicate`: ISO date, how it was decided, its precision.

    ("2009-03-03", "relative", "day") for "on Tuesday" in an article dated 2009-03-04; ("2008-10-15",
    "explicit", "day") for "on October 15, 2008"; ("2008-10-01", "explicit", "month") for "in October 2008";
    ("2013-01-01", "explicit", "year") for "in 2013"; (doc_date, "document", "day") when the clause has no
    date expression; (None, "unknown", None) when there is no document date and the clause has no date that
    can be read without one.
    """
    for head, exprs in _candidates(predicate):
        if not exprs:
            continue
        future = is_future(head)
        best: tuple[tuple[int, int, int], Resolved] | None = None
        unanchored = False
        for expr in exprs:
            res = resolve_expression(expr.text, doc_date, future)
            if res is None:
                unanchored = unanchored or (
                    doc_date is None and not is_explicit(normalize_expression(expr.text))
                )
                continue
            key = (res.precision, expr.depth, expr.start)
            if best is None or key < best[0]:
                best = (key, res)
        if best is not None:
            return When(best[1].iso, best[1].how, best[1].precision_name)
        if unanchored:
            return When(None, "unknown", None)  # "on Tuesday" with no document date: never guess
    if doc_date is not None:
        return When(doc_date.isoformat(), "document", "day")
    return When(None, "unknown", None)
