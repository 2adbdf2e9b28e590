"""Read the actor, agent and discard dictionaries of TABARI / PETRARCH / Phoenix as extra knowledge.

Format, as these readers understand it (the reference is the PETRARCH dictionary documentation):

* Comments: ``#`` or ``;`` (legacy KEDS/TABARI) to the end of the line, wherever they stand; ``<!-- ... -->``
  (also over several lines); any line starting with ``<!``. Blank lines are skipped.
* Phrases: words joined by ``_`` or spaces. A trailing ``_`` (the word ends there) versus none (a stem) is
  not kept: the knowledge base matches whole words only, as PETRARCH 2 does.
* Actors: a primary phrase line, optional synonym lines starting with ``+``, and code groups, either on
  the primary line (``UNITED_NATIONS_ [IGOUNO]``) or on lines of their own (usually indented), several
  groups per line allowed: ``[CODE]`` (the default when no dated code applies), ``[CODE <DATE]`` (up to
  and including DATE), ``[CODE >DATE]`` (from DATE on), ``[CODE DATE-DATE]`` (both ends included).
  ``A/B`` codes an actor as two actors; ``---`` is the null code (known phrase, deliberately uncoded).
  Dates are YYYYMMDD or YYMMDD; two-digit years up to 30 are 20YY, the rest 19YY (KEDS/TABARI/PETRARCH).
* Agents: ``PHRASE {PLURAL} [~CODE]`` (or ``[CODE~]``); without ``{...}`` the regular plural of the last
  word is added, ``{}`` adds none; ``!NAME! = A, B, C`` defines a substitution set used as ``X!NAME!Y``,
  whose forms are taken as they are (no plurals added).
* Discards: one phrase a line; ``+`` before it discards the whole story, none only the sentence; a trailing
  ``_`` means the match must end at a word boundary, otherwise the phrase is a stem.

A line these readers cannot understand raises :class:`DictionaryError` (file name and line number). The
irregular lines found in the published Phoenix dictionaries are read in a stated way and reported, each with a
:class:`DictionaryWarning` naming file and line, never skipped silently:

* a code group whose date is not 6 or 8 digits or not a calendar date, or whose range ends before it
  starts, is left out; a bare date ``[CODE DATE]`` is read as ``[CODE >DATE]``; the TABARI special codes
  ``###`` (discard) and ``+++`` are left out; text after the code groups of a line is read as a comment;
* an actor record without any code takes the codes of the record that follows it directly (no blank line
  between): the Phoenix files list extra names, or several actors of one code, that way (PETRARCH would give
  them the null code). With a blank line after it, it is left out, as is a synonym with a stray bracket;
* agent lines that PETRARCH skips (no code group, bad braces, unknown substitution set) are left out.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from polybius.actors.kb import Entry, KnowledgeBase, name_key

NULL_CODE = "---"
TWO_DIGIT_PIVOT = 30  # YYMMDD: YY <= 30 -> 20YY, otherwise 19YY

# First three letters of a code that are not a country (or region): transnational actor types ...
TRANSNATIONAL = {"IGO": "IGO", "NGO": "NGO", "IMG": "IMG", "MNC": None, "NGM": None, "UIS": None}
# ... and CAMEO role and religion codes that can open a code of their own ([ELI], [MED], [HINRAD]).
ROLE_CODES = frozenset(
    "AGR BUS COP CRM CVL DEV EDU ELI ENV GOV HLH HRI JUD LAB".split()
    + "LEG MED MIL MOD OPP PTY RAD REB REF SEP SPY UAF".split()
)
RELIGION_CODES = frozenset("BAH BUD CHR CTH DOX HIN JAN JEW MOS SHI SIK ZRO".split())

SPECIAL_CODES = frozenset({"###", "+++"})  # TABARI "complex" and "discard": no meaning in PETRARCH
CODE_PART = re.compile(r"[A-Z0-9]+")
GROUP_AT = re.compile(r"\s*\[([^\[\]]*)\]")
RESTRICTION = re.compile(r"(?:(?P<op>[<>])\s*(?P<when>\d+)|(?P<start>\d+)\s*-\s*(?P<end>\d+)|(?P<bare>\d+))")
MARKER_DEF = re.compile(r"!([^!\s=]+)!\s*=\s*(.*)")
MARKER_USE = re.compile(r"!([^!\s]+)!")
AGENT_CODE = re.compile(r"~?[A-Z0-9]+~?")
SMALL_WORDS = frozenset(
    "of the and for in on at to by de du des la le el al bin ibn van von der da di y".split()
)
VOWELS = frozenset("AEIOUY")


class DictionaryError(ValueError):
    """A dictionary line that cannot be understood."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path.name}:{line}: {message}")
        self.path = path
        self.line = line


class DictionaryWarning(UserWarning):
    """An irregular dictionary line that was read in a stated way (usually: a code group left out)."""


def _warn(path: Path, line: int, message: str) -> None:
    warnings.warn(DictionaryWarning(f"{path.name}:{line}: {message}"), stacklevel=2)


# -- lines ------------------------------------------------------------------------------------------------
def content_lines(
    path: Path, keep_blank: bool = False, strip_comment: Callable[[str], str] | None = None
) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line with content once comments are removed (``<!-- ... -->``, also over
    several lines; lines starting with ``<!``; and end-of-line comments, by default ``#`` or ``;``, or as
    `strip_comment` says); with keep_blank, also (line number, "") for each blank line (lines holding only a
    comment are not blank)."""
    strip_comment = strip_comment or _strip_line_comment
    in_comment = False
    latin1 = False
    with path.open("rb") as fh:
        for lineno, data in enumerate(fh, start=1):
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError:
                line = data.decode("latin-1")
                if not latin1:
                    _warn(path, lineno, "not UTF-8: read as Latin-1 from here on where needed")
                    latin1 = True
            line = line.rstrip("\r\n")
            if not line.strip():
                if keep_blank and not in_comment:
                    yield lineno, ""
                continue
            if in_comment:
                end = line.find("-->")
                if end < 0:
                    continue
                line, in_comment = line[end + 3 :], False
            line, in_comment = _strip_xml_comments(line)
            if line.lstrip().startswith("<!"):
                continue
            line = strip_comment(line)
            if line.strip():
                yield lineno, line


def _strip_xml_comments(line: str) -> tuple[str, bool]:
    while (start := line.find("<!--")) >= 0:
        end = line.find("-->", start + 4)
        if end < 0:
            return line[:start], True
        line = line[:start] + " " + line[end + 3 :]
    return line, False


def _strip_line_comment(line: str) -> str:
    cut = [i for i in (line.find("#"), line.find(";")) if i >= 0]
    return line[: min(cut)] if cut else line


def phrase_words(text: str) -> str:
    """Dictionary phrase -> its words joined by single spaces (underscores are word joins)."""
    return " ".join(text.replace("_", " ").split())


def readable(words: str) -> str:
    """VLADIMIR PUTIN -> Vladimir Putin; THE UNITED NATIONS -> United Nations; keeps bracketed words and
    acronyms with dots or without vowels as they are."""
    split = words.split()
    if len(split) > 1 and split[0].lower() == "the":
        split = split[1:]
    out = []
    for i, word in enumerate(split):
        if word.startswith("(") or "." in word or not (VOWELS & set(word.upper())) or word.isdigit():
            out.append(word)
            continue
        parts = []
        for j, part in enumerate(word.split("-")):
            low = part.lower()
            if (i or j) and low in SMALL_WORDS:
                parts.append(low)
            else:
                parts.append(low[:1].upper() + low[1:])
        out.append("-".join(parts))
    return " ".join(out)


# -- codes and dates --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeSpec:
    """One code of an actor with its date restriction (both ends included)."""

    code: str
    start: date | None = None
    end: date | None = None


def code_fields(code: str) -> tuple[str | None, str | None]:
    """(country, sector) of an actor code: RUSGOV -> (RUS, GOV), IGOUNO -> (IGO, None), ELI -> (None, ELI)."""
    head = code[:3]
    if code == NULL_CODE or len(code) < 3 or not head.isalpha():
        return None, None
    if head in TRANSNATIONAL:
        return TRANSNATIONAL[head], None
    if head in ROLE_CODES or head in RELIGION_CODES:
        return None, head
    return head, code[3:6] or None


def parse_date(text: str) -> date | None:
    """YYYYMMDD or YYMMDD; None when it is neither (wrong length or not a calendar date)."""
    if len(text) == 8:
        year, rest = int(text[:4]), text[4:]
    elif len(text) == 6:
        yy = int(text[:2])
        year, rest = (2000 + yy if yy <= TWO_DIGIT_PIVOT else 1900 + yy), text[2:]
    else:
        return None
    try:
        return date(year, int(rest[:2]), int(rest[2:]))
    except ValueError:
        return None


def parse_group(inner: str, path: Path, lineno: int) -> list[CodeSpec]:
    """The inside of one [...] group -> one CodeSpec per code ([] when left out with a warning)."""
    parts = inner.split(None, 1)
    if not parts:
        raise DictionaryError(path, lineno, "empty code group []")
    code_text = parts[0].upper()
    restriction = parts[1].strip() if len(parts) > 1 else ""
    if code_text in SPECIAL_CODES:
        _warn(path, lineno, f"TABARI special code {code_text} has no meaning here; left out")
        return []
    codes = code_text.split("/")
    if not all(c == NULL_CODE or CODE_PART.fullmatch(c) for c in codes):
        raise DictionaryError(path, lineno, f"not an actor code: [{inner.strip()}]")
    start = end = None
    if restriction:
        m = RESTRICTION.fullmatch(restriction)
        if m is None:
            raise DictionaryError(path, lineno, f"not a date restriction: [{inner.strip()}]")
        texts = [t for t in (m["when"], m["start"], m["end"], m["bare"]) if t]
        dates = [parse_date(t) for t in texts]
        if any(d is None for d in dates):
            _warn(path, lineno, f"bad date in [{inner.strip()}]; code group left out")
            return []
        if m["op"] == "<":
            end = dates[0]
        elif m["op"] == ">":
            start = dates[0]
        elif m["bare"]:
            _warn(path, lineno, f"bare date in [{inner.strip()}] read as >{m['bare']}")
            start = dates[0]
        else:
            start, end = dates
            if start > end:
                _warn(path, lineno, f"date range ends before it starts in [{inner.strip()}]; left out")
                return []
    return [CodeSpec(c, start, end) for c in codes]


def parse_groups(text: str, path: Path, lineno: int) -> list[CodeSpec]:
    """The [...] groups that open text; text after them (a comment missing its '#') is warned about."""
    specs: list[CodeSpec] = []
    pos = 0
    while (m := GROUP_AT.match(text, pos)) is not None:
        specs += parse_group(m[1], path, lineno)
        pos = m.end()
    if pos == 0:
        raise DictionaryError(path, lineno, f"cannot read a code group in {text.strip()!r}")
    if text[pos:].strip():
        _warn(path, lineno, f"text after the code group read as a comment: {text[pos:].strip()!r}")
    return specs


# -- actors -----------------------------------------------------------------------------------------------
class _Defect(Exception):
    """A recognisable record with a defective part: warned about and left out (as PETRARCH skips it)."""


@dataclass
class _Actor:
    line: int
    phrases: list[str]
    codes: list[CodeSpec] = field(default_factory=list)
    coded: bool = False  # a code group was seen (even one left out with a warning)
    defect: str | None = None  # the primary phrase could not be read: the record is left out
    gap: bool = False  # a blank line follows the record's start


def read_actors(path: Path) -> Iterator[_Actor]:
    """The actor records of an actor dictionary, in file order, each with its codes.

    A record without any code group that is directly followed (no blank line between) by another record
    takes that record's codes: the Phoenix files list several names of one actor, or several actors of one
    code, that way. Warned about, as are records left out (no code and a blank line after them)."""
    pending: list[_Actor] = []
    current: _Actor | None = None
    for lineno, text in content_lines(path, keep_blank=True):
        line = text.strip()
        if not line:
            if current is not None:
                current.gap = True
            continue
        if line[0] in "[+" and current is None:
            raise DictionaryError(path, lineno, "code or synonym line before any actor phrase")
        if line[0] == "[":
            assert current is not None
            current.codes += parse_groups(line, path, lineno)
            current.coded = True
        elif line[0] == "+":
            assert current is not None
            try:
                current.phrases.append(_phrase(line[1:]))
            except _Defect as exc:
                _warn(path, lineno, f"synonym left out: {exc}")
        else:
            if current is not None:
                yield from _finish(current, pending, path)
            head, bracket, rest = line.partition("[")
            try:
                current = _Actor(lineno, [_phrase(head)])
            except _Defect as exc:
                current = _Actor(lineno, [head.strip()], defect=str(exc))
            if bracket:
                current.codes += parse_groups(bracket + rest, path, lineno)
                current.coded = True
    if current is not None:
        current.gap = True
        yield from _finish(current, pending, path)


def _finish(actor: _Actor, pending: list[_Actor], path: Path) -> Iterator[_Actor]:
    """Yield actor (and the uncoded records waiting for its codes), or keep it waiting for the next."""
    if actor.defect:
        _warn(path, actor.line, f"actor left out: {actor.defect}")
    elif actor.coded:
        for earlier in pending:
            _warn(
                path,
                earlier.line,
                f"actor {earlier.phrases[0]!r} has no code: given those of {actor.phrases[0]!r} "
                f"(line {actor.line}), which follows it",
            )
            earlier.codes = actor.codes
            yield earlier
        pending.clear()
        yield actor
        return
    else:
        pending.append(actor)
        if not actor.gap:
            return
    for earlier in pending:
        _warn(path, earlier.line, f"actor {earlier.phrases[0]!r} has no code; left out")
    pending.clear()


def _phrase(text: str) -> str:
    if any(c in text for c in "[]{}"):
        raise _Defect(f"stray bracket in phrase {text.strip()!r}")
    words = phrase_words(text)
    if not words:
        raise _Defect("empty phrase")
    return words


def load_actor_dictionary(path: Path, kb: KnowledgeBase | None = None) -> KnowledgeBase:
    """Add every phrase of an actor dictionary to kb (a new one if None): one Entry per code and phrase."""
    path = Path(path)
    kb = KnowledgeBase() if kb is None else kb
    origin = f"dict:{path.name}"
    for actor in read_actors(path):
        name = readable(actor.phrases[0])
        entries = [
            Entry("dict", spec.code, *code_fields(spec.code), name, spec.start, spec.end, None, origin)
            for spec in actor.codes
        ]
        for phrase in actor.phrases:
            for entry in entries:
                kb.add(phrase, entry)
    return kb


# -- agents -----------------------------------------------------------------------------------------------
def plural(words: str) -> str:
    """Regular English plural of the last word: DEPUTY -> DEPUTIES, BOSS -> BOSSES, ENVOY -> ENVOYS."""
    head, _, last = words.rpartition(" ")
    up = last.upper()
    if up.endswith("Y") and len(up) > 1 and up[-2] not in "AEIOU":
        last = last[:-1] + ("IES" if last.isupper() else "ies")
    elif up.endswith(("S", "X", "Z", "CH", "SH")):
        last += "ES" if last.isupper() else "es"
    else:
        last += "S" if last.isupper() else "s"
    return f"{head} {last}" if head else last


def _expand_markers(text: str, markers: dict[str, list[str]]) -> list[str]:
    m = MARKER_USE.search(text)
    if m is None:
        if "!" in text:
            raise _Defect(f"unclosed substitution marker in {text.strip()!r}")
        return [text]
    if m[1] not in markers:
        raise _Defect(f"substitution set !{m[1]}! is not defined before its use")
    forms = [text[: m.start()] + item + text[m.end() :] for item in markers[m[1]]]
    return [out for form in forms for out in _expand_markers(form, markers)]


def agent_forms(text: str, markers: dict[str, list[str]], path: Path, lineno: int) -> tuple[list[str], str]:
    """One agents line -> (its phrases, singular and plural, words joined by spaces; its sector code).

    Raises _Defect for the lines PETRARCH skips with a warning (no code, bad braces or markers)."""
    head, bracket, rest = text.partition("[")
    code, close, tail = rest.partition("]")
    code = code.strip().upper()
    if not bracket or not close or tail.strip() or not AGENT_CODE.fullmatch(code) or code.count("~") != 1:
        raise _Defect(f"no [~CODE] or [CODE~] group ends {text.strip()!r}")
    phrase, brace, plural_text = head.partition("{")
    plurals: list[str] | None = None
    if brace:
        plural_text, closed, after = plural_text.partition("}")
        if not closed or after.strip():
            raise _Defect(f"unclosed or misplaced {{...}} in {text.strip()!r}")
        plurals = [plural_text] if plural_text.strip() else []
    singulars = _expand_markers(phrase, markers)
    forms = [phrase_words(s) for s in singulars]
    if plurals is not None:
        forms += [phrase_words(p) for pl in plurals for p in _expand_markers(pl, markers)]
    elif "!" not in phrase:
        forms += [plural(f) for f in forms if f]
    if not all(forms):
        raise DictionaryError(path, lineno, f"empty agent phrase in {text.strip()!r}")
    return forms, code.replace("~", "")


def load_agent_dictionary(path: Path, kb: KnowledgeBase | None = None) -> KnowledgeBase:
    """Add every agent phrase (with plurals and substitution sets expanded) as a sector noun."""
    path = Path(path)
    kb = KnowledgeBase() if kb is None else kb
    markers: dict[str, list[str]] = {}
    for lineno, text in content_lines(path):
        if (m := MARKER_DEF.fullmatch(text.strip())) is not None:
            items = [item.strip() for item in m[2].split(",") if item.strip()]
            if not items:
                raise DictionaryError(path, lineno, f"substitution set !{m[1]}! is empty")
            markers[m[1]] = items
            continue
        try:
            forms, sector = agent_forms(text, markers, path, lineno)
        except _Defect as exc:
            _warn(path, lineno, f"agent left out: {exc}")
            continue
        for form in forms:
            kb.add_noun(form, sector)
    return kb


# -- discards ---------------------------------------------------------------------------------------------
def discard_key(text: str) -> str:
    """name_key without its dropping of a leading "the" (a discard phrase keeps all its words)."""
    return name_key("_ " + text)[2:]


@dataclass(frozen=True)
class Discards:
    """Phrases that discard a sentence or a whole story, normalised as discard_key (name_key) strings.

    A phrase matches from the start of a word (not inside a hyphenated one); it is a stem unless it is in
    `whole_words`, where it must also end at a word boundary."""

    sentence: frozenset[str] = frozenset()
    story: frozenset[str] = frozenset()
    whole_words: frozenset[str] = frozenset()

    def union(self, other: Discards) -> Discards:
        return Discards(
            self.sentence | other.sentence, self.story | other.story, self.whole_words | other.whole_words
        )

    def is_story(self, phrase: str) -> bool:
        return phrase in self.story

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        return self._compile(self.story), self._compile(self.sentence)

    def _compile(self, phrases: frozenset[str]) -> re.Pattern[str] | None:
        if not phrases:
            return None
        ordered = sorted(phrases, key=lambda p: (-len(p), p))
        alts = [re.escape(p) + (r"(?!\w)" if p in self.whole_words else "") for p in ordered]
        return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + ")")

    def matches(self, text: str) -> str | None:
        """The discard phrase found in text (story phrases first), or None."""
        key = discard_key(text)
        for pattern in self._patterns:
            if pattern is not None and (m := pattern.search(key)) is not None:
                return m[0]
        return None


def load_discards(path: Path) -> Discards:
    path = Path(path)
    sentence: set[str] = set()
    story: set[str] = set()
    whole: set[str] = set()
    for lineno, text in content_lines(path):
        line = text.strip()
        target = story if line.startswith("+") else sentence
        body = line[1:] if line.startswith("+") else line
        if any(c in body for c in "[]{}"):
            raise DictionaryError(path, lineno, f"a discard line holds a phrase only: {line!r}")
        key = discard_key(phrase_words(body))
        if not key:
            raise DictionaryError(path, lineno, "empty discard phrase")
        target.add(key)
        if body.rstrip().endswith("_"):
            whole.add(key)
    return Discards(frozenset(sentence), frozenset(story), frozenset(whole))


# -- many files -------------------------------------------------------------------------------------------
def dictionary_kind(path: Path) -> str | None:
    """actors | agents | discards, None for files handled elsewhere (verbs, CAMEO); ValueError otherwise."""
    name = path.name
    parts = name.lower().split(".")
    if parts[-1] == "txt" and ("verbs" in parts or name.upper().startswith("CAMEO")):
        return None
    kinds = [k for k in ("actors", "agents", "discards") if k in parts[1:-1]]
    if parts[-1] != "txt" or len(kinds) != 1:
        raise ValueError(f"{path}: not a dictionary file name (*.actors.txt, *.agents.txt, *.discards.txt)")
    return kinds[0]


def dictionary_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            yield path
        else:
            raise ValueError(f"{path}: no such file or folder")


def load_dictionaries(paths: Iterable[Path]) -> tuple[KnowledgeBase, Discards]:
    """Actors and agents of every file (folders: the files in them) in one KB, and all discards."""
    kb = KnowledgeBase()
    discards = Discards()
    for path in dictionary_files(paths):
        kind = dictionary_kind(path)
        if kind == "actors":
            load_actor_dictionary(path, kb)
        elif kind == "agents":
            load_agent_dictionary(path, kb)
        elif kind == "discards":
            discards = discards.union(load_discards(path))
    return kb, discards
