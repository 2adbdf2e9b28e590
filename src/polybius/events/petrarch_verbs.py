"""Read TABARI / PETRARCH / Phoenix verb dictionaries and match their patterns on spaCy parses.

Format, as this reader understands it (references: the PETRARCH dictionary documentation and the comments of
PETRARCH's verb reader; the TABARI manual for the legacy parts):

* Comments: ``#`` and ``;`` to the end of the line, ``<!-- ... -->`` (also over several lines), lines starting
  with ``<!``; a ``#`` inside a code group is no comment (``[###]``).
* Synsets: a line ``&NAME`` followed by ``+PHRASE`` lines. A phrase is one or more words joined by spaces or
  ``_`` and always matches consecutive words. The regular plural of every phrase is added unless the name or
  the phrase ends with ``_``. A member ``+&OTHER`` takes in all of that synset (nested sets). A synset may be
  defined anywhere in the file.
* Verb blocks: ``--- NAME [CODE] ---`` opens a block; the block code is the code of its verbs unless a verb
  line has its own ``[CODE]``. Verb lines follow: ``SAY {SAID SAYING}`` (the forms in ``{...}`` are all the
  forms; without them the regular forms -S/-ES, -ED/-D, -ING are made), multi-word verbs with ``_`` and a ``+``
  before the word that is the verb: ``+CORDON_OFF {+CORDONED_OFF ...}``, ``WIRE_+TAP``. A verb listed in
  several blocks takes the patterns of all of them, and the code of the block listed last.
* Patterns: ``- BEFORE * AFTER [CODE]``. ``*`` is the verb; words before it must occur before the verb, words
  after it after the verb, in order. A space between two items lets other words come between them, ``_``
  does not (``IN_*``: "in" directly before the verb); ``WORD_`` before a space is an open match, as in TABARI.
  ``&NAME`` is any phrase of a synset; ``$`` marks the source, ``+`` the target, ``%`` a compound actor
  (``% HAVE *``: the coordinated actors act on each other; ``* WITH %``: a coordinated target), ``^`` skips a
  noun phrase. PETRARCH 2 (Phoenix CAMEO.2.0) groups: ``(PREP WORDS)`` is a prepositional phrase whose
  words hang below the preposition, ``{WORDS HEAD}`` a noun phrase whose head is its last word. A legacy
  TABARI ``{A B | C}`` is a set of alternative phrases.
* Codes: ``[CODE]`` codes an event from the source to the target. ``[A:B]`` codes A from the source to the
  target and B back from the target to the source (``LEFT [032:033]``: a visit and the hosting of it);
  ``[:B]`` only the event back. ``[---]`` (or no code) means no event: a pattern coded ``---`` that matches
  best stops the verb from coding. Codes outside CAMEO (the PETRARCH validation dictionary's WEIS-like
  ``075A``, ``903``) are returned as written.
* Verb transformations (``~ a (a b ATTACK) SAY = a b 015``, PETRARCH 2) are read and kept in
  :attr:`VerbDictionary.transformations`; the matcher, which codes one verb at a time, does not apply them.

A line this reader cannot understand raises :class:`VerbDictionaryError` naming the file and line. Lines that
PETRARCH itself tolerates are read in a stated way and reported with a :class:`VerbDictionaryWarning`: a second
code group on a block header is left out; the TABARI special codes ``+++`` and ``###`` (no meaning in
PETRARCH) are read as no code and their patterns left out; a pattern naming a synset that is never defined is
left out (it could never match); a multi-word verb written without ``+`` (``LASH OUT``) is read with its
first word as the verb; ``*`` written against a word (``*SCEPTICAL``) is read as ``* SCEPTICAL``; a pattern
with unbalanced brackets is left out. Commas between the forms in ``{...}`` are separators.

Matching (:class:`VerbPatternMatcher`): the verb token's text selects the verb forms (its lemma when no form
matches the text and the text is a correct inflection of it, or an irregular form); multi-word forms must
match the neighbouring words. Words before ``*`` are looked for before the verb within its clause (the
subtree of the clause the verb belongs to, climbing through xcomp/ccomp/advcl/conj, plus its subject);
words after ``*`` after the verb within its own subtree (without coordinated verbs). A word matches a token's
text, lower case; a word with a hyphen or apostrophe also matches the tokens spaCy splits it into
("peace-keeping", "did n't"). Slots match the head of a noun phrase (not a date or a time); ``%`` one that
has coordinated conjuncts. A pattern's specificity is the number of words it matched (the verb's own code: 0);
when the most specific match is coded ``---`` the verb codes nothing. Where the pattern does not mark them,
source and target are left to the extractor (None), except that a pattern ending in a preposition
(``* MEMOS FROM``, ``* (AGAINST)``) takes that preposition's object as the target, and a target marked before
the verb with no source (``NOTED + *``) takes the nearest subject before it as the source.

Results: one :class:`PatternMatch` per matching pattern and (source, target) pair the pattern fixes, most
specific pattern first, forward events before the events back of ``[A:B]``. The first result of the best
pattern is the one an extractor that uses a single match should take (it expands coordinated actors itself).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc, Token

from polybius.actors.dictionaries import (
    NULL_CODE,
    SPECIAL_CODES,
    DictionaryError,
    DictionaryWarning,
    content_lines,
    dictionary_files,
    dictionary_kind,
    plural,
)
from polybius.events.extract import (
    PATTERN_TARGETS,
    PatternMatch,
    conjuncts,
    direct_objects,
    prep_objects,
    subjects,
)

CODE_TEXT = re.compile(r"[A-Za-z0-9?!]+")
LEXEME = re.compile(r"[(){}|]|[^\s(){}|]+")
WORD_TEXT = re.compile(r"[A-Za-z0-9'.\-/,!?]+")
HEADER = re.compile(r"---\s*(?P<name>[^\[]*?)\s*(?P<codes>(?:\[[^\]]*\]\s*)*)[-\s]*")
GROUPS = re.compile(r"\[([^\]]*)\]")
PATTERN_CODE = re.compile(r"(?P<body>.*?)\s*\[(?P<code>[^\[\]]*)\]\s*")
VERB_LINE = re.compile(
    r"(?P<phrase>[^{}\[\]]+?)\s*(?:\{(?P<forms>[^{}]*)\})?\s*(?:\[(?P<code>[^\[\]]*)\])?\s*"
)

# Element kinds
WORDS, PREP, NOUN = "words", "prep", "noun"
SOURCE, TARGET, COMPOUND, SKIP = "source", "target", "compound", "skip"
SLOTS = {"$": SOURCE, "+": TARGET, "%": COMPOUND, "^": SKIP}

# Matching
CLIMB_DEPS = frozenset({"xcomp", "ccomp", "advcl", "conj", "acomp", "pcomp"})
MAX_CLIMB = 3
NP_POS = frozenset({"NOUN", "PROPN", "PRON"})
NOT_HEAD_DEPS = frozenset({"compound", "flat", "amod", "poss", "nmod", "det", "nummod", "case"})
TIME_ENTS = frozenset({"DATE", "TIME"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
VOWELS = frozenset("aeiou")


class VerbDictionaryError(DictionaryError):
    """A verb dictionary line that cannot be understood."""


class VerbDictionaryWarning(DictionaryWarning):
    """An irregular verb dictionary line that was read in a stated way."""


class _LeftOut(Exception):
    """A pattern PETRARCH would skip: warned about and left out."""


def _warn(path: Path, line: int, message: str) -> None:
    warnings.warn(VerbDictionaryWarning(f"{path.name}:{line}: {message}"), stacklevel=3)


# -- the dictionary ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Codes:
    """The codes of a pattern or verb: forward (source -> target) and back (target -> source)."""

    forward: str | None = None
    reverse: str | None = None

    @property
    def null(self) -> bool:
        return self.forward is None and self.reverse is None


NO_EVENT = Codes()


@dataclass(frozen=True)
class Element:
    """One item of a pattern: words (alternative phrases of consecutive words), a slot, or a group."""

    kind: str
    phrases: tuple[tuple[str, ...], ...] = ()  # WORDS: the alternatives, lower case
    parts: tuple[Element, ...] = ()  # PREP (the preposition first) and NOUN groups: what they hold
    glued: bool = False  # joined by "_" to the item before it (for the first item after "*": to the verb)


@dataclass(frozen=True)
class VerbPattern:
    before: tuple[Element, ...]
    after: tuple[Element, ...]
    verb_glued: bool  # "IN_*": the last item before the verb directly precedes it
    codes: Codes
    origin: str  # "file:line"

    @property
    def size(self) -> int:
        return len(self.before) + len(self.after)


@dataclass(frozen=True)
class VerbForm:
    """One form of a verb: the verb word and the words a multi-word verb needs directly around it."""

    word: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    codes: Codes
    block: int  # index in VerbDictionary.blocks
    origin: str


@dataclass
class VerbBlock:
    name: str
    codes: Codes
    origin: str
    patterns: list[VerbPattern] = field(default_factory=list)


@dataclass(frozen=True)
class Transformation:
    """A PETRARCH 2 verb transformation, kept as written (not applied)."""

    text: str
    line: int


@dataclass
class VerbDictionary:
    path: Path
    blocks: list[VerbBlock] = field(default_factory=list)
    forms: dict[str, list[VerbForm]] = field(default_factory=dict)  # by verb word, lower case
    synsets: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    transformations: list[Transformation] = field(default_factory=list)

    @property
    def patterns(self) -> int:
        return sum(len(b.patterns) for b in self.blocks)

    def add_form(self, form: VerbForm) -> None:
        self.forms.setdefault(form.word, []).append(form)


# -- reading: lines ----------------------------------------------------------------------------------------
def strip_comment_outside_codes(line: str) -> str:
    """``#`` or ``;`` to the end of the line, unless inside a [...] code group (TABARI's ``[###]``)."""
    depth = 0
    for i, c in enumerate(line):
        if c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        elif c in "#;" and depth == 0:
            return line[:i]
    return line


@dataclass
class _RawSynset:
    name: str
    line: int
    noplural: bool  # the name ends with "_"
    members: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _RawBlock:
    name: str
    line: int
    codes: Codes
    verbs: list[tuple[int, str]] = field(default_factory=list)
    patterns: list[tuple[int, str]] = field(default_factory=list)


def load_verb_dictionary(path: Path | str) -> VerbDictionary:
    """Read one verb dictionary file (PETRARCH 1 validation format or PETRARCH 2 / Phoenix CAMEO.2.0)."""
    path = Path(path)
    synsets, blocks, transformations = _read_lines(path)
    vdict = VerbDictionary(path, transformations=transformations)
    vdict.synsets = _resolve_synsets(synsets, path)
    for raw in blocks:
        index = len(vdict.blocks)
        block = VerbBlock(raw.name, raw.codes, f"{path.name}:{raw.line}")
        vdict.blocks.append(block)
        for lineno, text in raw.verbs:
            for form in _verb_forms(text, raw.codes, index, path, lineno):
                vdict.add_form(form)
        for lineno, text in raw.patterns:
            try:
                block.patterns.append(_pattern(text, vdict.synsets, path, lineno))
            except _LeftOut as exc:
                _warn(path, lineno, f"pattern left out: {exc}")
    if transformations:
        _warn(
            path,
            transformations[0].line,
            f"{len(transformations)} verb transformation(s) read but not applied (polybius codes one verb at "
            "a time)",
        )
    return vdict


def _read_lines(path: Path) -> tuple[list[_RawSynset], list[_RawBlock], list[Transformation]]:
    synsets: list[_RawSynset] = []
    blocks: list[_RawBlock] = []
    transformations: list[Transformation] = []
    synset: _RawSynset | None = None  # the synset whose "+" members are being read
    for lineno, text in content_lines(path, strip_comment=strip_comment_outside_codes):
        line = text.strip()
        if synset is not None and line.startswith("+"):
            synset.members.append((lineno, line[1:].strip()))
            continue
        synset = None
        if line.startswith("---"):
            blocks.append(_header(line, path, lineno))
        elif line.startswith("&"):
            name, *rest = line.split()
            if rest:
                raise VerbDictionaryError(path, lineno, f"text after the synset name: {line!r}")
            synset = _RawSynset(_synset_key(name), lineno, name.endswith("_"))
            synsets.append(synset)
        elif line.startswith("~"):
            if "=" not in line:
                raise VerbDictionaryError(path, lineno, f"a verb transformation needs '=': {line!r}")
            transformations.append(Transformation(line[1:].strip(), lineno))
        elif not blocks:
            raise VerbDictionaryError(
                path, lineno, f"verb or pattern before any '--- VERB [CODE] ---' line: {line!r}"
            )
        elif line.startswith("-"):
            blocks[-1].patterns.append((lineno, line[1:]))
        else:
            blocks[-1].verbs.append((lineno, line))
    return synsets, blocks, transformations


def _header(line: str, path: Path, lineno: int) -> _RawBlock:
    m = HEADER.fullmatch(line)
    if m is None:
        raise VerbDictionaryError(path, lineno, f"not a verb block header: {line!r}")
    groups = GROUPS.findall(m["codes"])
    if len(groups) > 1:
        _warn(
            path, lineno, f"block header with {len(groups)} code groups: only [{groups[0].strip()}] is used"
        )
    codes = _codes(groups[0], path, lineno) if groups else NO_EVENT
    return _RawBlock(m["name"].strip(), lineno, codes)


def _synset_key(name: str) -> str:
    """&PREPOSIT1_ -> PREPOSIT1 (a final "_" only says: no plurals)."""
    return name.lstrip("&").rstrip("_").upper()


# -- reading: codes --------------------------------------------------------------------------------------
def _codes(text: str, path: Path, lineno: int) -> Codes:
    """The inside of a [...] group: CODE, A:B, :B, A:, --- ; the TABARI special codes warn and mean none."""
    inner = text.strip()
    if not inner:
        raise VerbDictionaryError(path, lineno, "empty code group []")
    if inner in SPECIAL_CODES:
        _warn(path, lineno, f"TABARI special code [{inner}] has no meaning in PETRARCH; read as no code")
        return NO_EVENT
    forward, colon, reverse = inner.partition(":")
    out = []
    for part in (forward.strip(), reverse.strip()):
        if not part or part == NULL_CODE:
            out.append(None)
        elif CODE_TEXT.fullmatch(part):
            out.append(part)
        else:
            raise VerbDictionaryError(path, lineno, f"not an event code: [{inner}]")
    if colon and out == [None, None] and inner != f"{NULL_CODE}:{NULL_CODE}":
        raise VerbDictionaryError(path, lineno, f"not an event code: [{inner}]")
    return Codes(out[0], out[1])


# -- reading: synsets ------------------------------------------------------------------------------------
def _member_phrases(member: str, noplural: bool) -> list[tuple[str, ...]]:
    bare = member.rstrip("_")
    words = tuple(w.lower() for w in bare.replace("_", " ").split())
    if not words:
        return []
    out = [words]
    if not noplural and not member.endswith("_"):
        last = plural(words[-1])
        if last != words[-1]:
            out.append((*words[:-1], last))
    return out


def _resolve_synsets(raw: list[_RawSynset], path: Path) -> dict[str, tuple[tuple[str, ...], ...]]:
    by_name: dict[str, _RawSynset] = {}
    for s in raw:
        if s.name in by_name:
            _warn(
                path, s.line, f"synset &{s.name} defined again: its members are added to the first definition"
            )
            by_name[s.name].members.extend(s.members)
            continue
        by_name[s.name] = s
    resolved: dict[str, tuple[tuple[str, ...], ...]] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        if name in resolved:
            return resolved[name]
        synset = by_name[name]
        if name in chain:
            raise VerbDictionaryError(path, synset.line, f"synset &{name} contains itself")
        phrases: list[tuple[str, ...]] = []
        for lineno, member in synset.members:
            if member.startswith("&"):
                key = _synset_key(member.split()[0])
                if key not in by_name or len(member.split()) > 1:
                    raise VerbDictionaryError(path, lineno, f"not a defined synset: {member!r}")
                phrases.extend(resolve(key, (*chain, name)))
            elif any(c in member for c in "[]{}()*$%^&"):
                raise VerbDictionaryError(path, lineno, f"a synset member holds words only: {member!r}")
            else:
                found = _member_phrases(member, synset.noplural)
                if not found:
                    raise VerbDictionaryError(path, lineno, "empty synset member")
                phrases.extend(found)
        if not phrases:
            raise VerbDictionaryError(path, synset.line, f"synset &{name} has no members")
        resolved[name] = tuple(dict.fromkeys(phrases))
        return resolved[name]

    for name in by_name:
        resolve(name, ())
    return resolved


# -- reading: verbs --------------------------------------------------------------------------------------
def regular_forms(word: str) -> list[str]:
    """The forms PETRARCH makes for a regular verb: -S/-ES/-IES, -ED/-D/-IED, -ING (upper or lower case)."""
    low = word.lower()
    third = (
        word[:-1] + "IES"
        if low.endswith("y") and len(low) > 1 and low[-2] not in VOWELS
        else word + "ES"
        if low.endswith(("s", "x", "z", "ch", "sh"))
        else word + "S"
    )
    if low.endswith("e"):
        past, ing = word + "D", (word + "ING" if low.endswith(("ee", "ye", "oe")) else word[:-1] + "ING")
    elif low.endswith("y") and len(low) > 1 and low[-2] not in VOWELS:
        past, ing = word[:-1] + "IED", word + "ING"
    else:
        past, ing = word + "ED", word + "ING"
    return [third, past, ing]


def _split_multi(text: str, path: Path, lineno: int) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """WIRE_+TAP -> (("wire",), "tap", ()); +CORDON_OFF -> ((), "cordon", ("off",))."""
    words = text.replace(" ", "_").split("_")
    words = [w for w in words if w]
    marked = [i for i, w in enumerate(words) if w.startswith("+")]
    if len(marked) > 1:
        raise VerbDictionaryError(path, lineno, f"more than one '+' in the verb {text!r}")
    if not marked:
        _warn(path, lineno, f"multi-word verb {text!r} has no '+': its first word is read as the verb")
        marked = [0]
    at = marked[0]
    verb = words[at].lstrip("+")
    if not verb:
        raise VerbDictionaryError(path, lineno, f"empty verb word in {text!r}")
    return tuple(w.lower() for w in words[:at]), verb, tuple(w.lower() for w in words[at + 1 :])


def _verb_forms(text: str, block_codes: Codes, block: int, path: Path, lineno: int) -> list[VerbForm]:
    m = VERB_LINE.fullmatch(text.strip())
    if m is None:
        raise VerbDictionaryError(path, lineno, f"not a verb line: {text.strip()!r}")
    phrase = m["phrase"].strip()
    codes = _codes(m["code"], path, lineno) if m["code"] is not None else block_codes
    if any(c in phrase for c in "*$%^&()|"):
        raise VerbDictionaryError(path, lineno, f"not a verb: {phrase!r}")
    origin = f"{path.name}:{lineno}"
    multi = "_" in phrase or "+" in phrase or " " in phrase
    if not multi:
        words = [
            phrase,
            *(m["forms"].replace(",", " ").split() if m["forms"] is not None else regular_forms(phrase)),
        ]
        if any("+" in w or "_" in w for w in words):
            raise VerbDictionaryError(path, lineno, f"multi-word form of a one-word verb in {text.strip()!r}")
        return [VerbForm(w.lower(), (), (), codes, block, origin) for w in dict.fromkeys(words)]
    if " " in phrase and "_" not in phrase and "+" not in phrase:
        _warn(path, lineno, f"verb {phrase!r} has spaces: read as +{phrase.replace(' ', '_')}")
        phrase = "+" + phrase.replace(" ", "_")
    before, verb, after = _split_multi(phrase, path, lineno)
    if m["forms"] is not None:
        variants = [(before, verb, after)] + [
            _split_multi(f, path, lineno) for f in m["forms"].replace(",", " ").split()
        ]
    else:
        variants = [(before, v, after) for v in [verb, *regular_forms(verb)]]
    return [VerbForm(v.lower(), b, a, codes, block, origin) for b, v, a in dict.fromkeys(variants)]


# -- reading: patterns -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Verb:
    glued: bool


def _pattern(
    text: str, synsets: dict[str, tuple[tuple[str, ...], ...]], path: Path, lineno: int
) -> VerbPattern:
    m = PATTERN_CODE.fullmatch(text.strip())
    if m is None:
        raise VerbDictionaryError(path, lineno, f"a pattern ends with a [CODE] group: {text.strip()!r}")
    inner = m["code"].strip()
    if inner in SPECIAL_CODES:
        raise _LeftOut(f"TABARI special code [{inner}] has no meaning in PETRARCH")
    codes = _codes(inner, path, lineno)
    body = m["body"].replace("_ ", " ").strip()
    body = body[:-1] if body.endswith("_") else body
    spaced = re.sub(r"(?<=[^\s_({])\*", " *", re.sub(r"\*(?=[^\s_)}])", "* ", body))
    if spaced != body:
        _warn(path, lineno, f"'*' written against a word in {body!r}: read as {spaced!r}")
        body = spaced
    if body.count("*") != 1:
        raise VerbDictionaryError(path, lineno, f"a pattern has exactly one '*' (the verb): {text.strip()!r}")
    items = _parse_items(LEXEME.findall(body), synsets, path, lineno)
    verb_at = [i for i, it in enumerate(items) if isinstance(it, _Verb)]
    if len(verb_at) != 1:
        raise VerbDictionaryError(path, lineno, f"the verb '*' cannot stand inside a group: {text.strip()!r}")
    at = verb_at[0]
    verb = items[at]
    assert isinstance(verb, _Verb)
    before = tuple(it for it in items[:at] if isinstance(it, Element))
    after = tuple(it for it in items[at + 1 :] if isinstance(it, Element))
    return VerbPattern(before, after, verb.glued, codes, f"{path.name}:{lineno}")


def _parse_items(
    lexemes: list[str], synsets: dict[str, tuple[tuple[str, ...], ...]], path: Path, lineno: int
) -> list[Element | _Verb]:
    """Lexemes -> items; groups ( ... ) and { ... } become one Element each."""
    out: list[Element | _Verb] = []
    i = 0
    while i < len(lexemes):
        lex = lexemes[i]
        if lex in ("(", "{"):
            close = ")" if lex == "(" else "}"
            depth, j = 0, i
            while j < len(lexemes):
                depth += lexemes[j] in ("(", "{")
                depth -= lexemes[j] in (")", "}")
                if depth == 0:
                    break
                j += 1
            if j >= len(lexemes) or lexemes[j] != close:
                raise _LeftOut(f"unbalanced {lex!r}")
            out.append(_group(lex, lexemes[i + 1 : j], synsets, path, lineno))
            i = j + 1
        elif lex in (")", "}", "|"):
            raise _LeftOut(f"stray {lex!r}")
        else:
            out.extend(_word_items(lex, synsets, path, lineno))
            i += 1
    return out


def _group(
    opener: str, inner: list[str], synsets: dict[str, tuple[tuple[str, ...], ...]], path: Path, lineno: int
) -> Element:
    if opener == "{" and "|" in inner:  # TABARI alternatives {A B | C}
        alternatives: list[tuple[str, ...]] = []
        current: list[str] = []
        for lex in [*inner, "|"]:
            if lex != "|":
                current.append(lex)
                continue
            items = _parse_items(current, synsets, path, lineno)
            if not items or not all(isinstance(it, Element) and it.kind == WORDS for it in items):
                raise VerbDictionaryError(path, lineno, "an alternative in {... | ...} holds words only")
            alternatives.extend(_product([it for it in items if isinstance(it, Element)]))
            current = []
        return Element(WORDS, tuple(dict.fromkeys(alternatives)))
    items = _parse_items(inner, synsets, path, lineno)
    if not items:
        raise VerbDictionaryError(path, lineno, f"empty group {opener}{')' if opener == '(' else '}'}")
    if any(isinstance(it, _Verb) for it in items):
        raise VerbDictionaryError(path, lineno, "the verb '*' cannot stand inside a group")
    parts = tuple(it for it in items if isinstance(it, Element))
    if opener == "(":
        if parts[0].kind != WORDS:
            raise VerbDictionaryError(path, lineno, "a (...) group starts with its preposition")
        return Element(PREP, parts=parts)
    return Element(NOUN, parts=parts)


def _product(items: list[Element]) -> list[tuple[str, ...]]:
    phrases: list[tuple[str, ...]] = [()]
    for it in items:
        phrases = [p + q for p in phrases for q in it.phrases]
    return phrases


def _word_items(
    lexeme: str, synsets: dict[str, tuple[tuple[str, ...], ...]], path: Path, lineno: int
) -> list[Element | _Verb]:
    """One space-delimited lexeme: parts joined by "_" (a synset name may itself hold "_")."""
    parts = lexeme.split("_")
    out: list[Element | _Verb] = []
    glued = False
    i = 0
    if parts and parts[0] == "":  # "_WORD": joined to the item before
        glued, i = True, 1
    while i < len(parts):
        part = parts[i]
        if not part:
            raise VerbDictionaryError(path, lineno, f"empty word in {lexeme!r}")
        if part == "*":
            out.append(_Verb(glued))
        elif part in SLOTS:
            out.append(Element(SLOTS[part], glued=glued))
        elif part.startswith("&"):
            taken = 0
            for n in range(len(parts) - i, 0, -1):  # the longest defined name
                if _synset_key("_".join(parts[i : i + n])) in synsets:
                    taken = n
                    break
            if not taken:
                raise _LeftOut(f"synset {part} is not defined")
            key = _synset_key("_".join(parts[i : i + taken]))
            out.append(Element(WORDS, synsets[key], glued=glued))
            i += taken
            glued = True
            continue
        elif WORD_TEXT.fullmatch(part):
            out.append(Element(WORDS, ((part.lower(),),), glued=glued))
        else:
            raise VerbDictionaryError(path, lineno, f"not a pattern word: {part!r}")
        glued = True
        i += 1
    return out


# -- folders -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DictionaryFiles:
    actors: tuple[Path, ...]  # *.actors.txt, *.agents.txt, *.discards.txt
    verbs: tuple[Path, ...]  # *.verbs.txt, CAMEO*.txt
    ignored: tuple[Path, ...]  # anything else in the folder


def dictionary_folder(folder: Path | str) -> DictionaryFiles:
    """Sort the files of a TABARI/PETRARCH dictionary folder (or a single file) by what reads them."""
    actors: list[Path] = []
    verbs: list[Path] = []
    ignored: list[Path] = []
    for path in dictionary_files([Path(folder)]):
        try:
            kind = dictionary_kind(path)
        except ValueError:
            ignored.append(path)
            continue
        (verbs if kind is None else actors).append(path)
    return DictionaryFiles(tuple(actors), tuple(verbs), tuple(ignored))


# -- matching -------------------------------------------------------------------------------------------------
def proper_inflections(lemma: str) -> set[str]:
    """Correct regular forms of an English verb (both spellings where consonant doubling depends on stress)."""
    low = lemma.lower()
    out = {low, low + "ing"}
    consonant_y = len(low) > 1 and low.endswith("y") and low[-2] not in VOWELS
    if consonant_y:
        out |= {low[:-1] + "ies", low[:-1] + "ied"}
    elif low.endswith(("s", "x", "z", "ch", "sh")):
        out |= {low + "es", low + "ed"}
    elif low.endswith("o"):
        out |= {low + "es", low + "s", low + "ed"}
    elif low.endswith("e"):
        out |= {low + "s", low + "d"}
    else:
        out |= {low + "s", low + "ed"}
    if low.endswith("ie"):
        out.discard(low + "ing")
        out.add(low[:-2] + "ying")
    elif low.endswith("e") and not low.endswith(("ee", "ye", "oe")):
        out.discard(low + "ing")
        out.add(low[:-1] + "ing")
    if low.endswith("c"):  # panic: panicked, panicking
        out -= {low + "ed", low + "ing"}
        out |= {low + "ked", low + "king"}
    if (
        len(low) > 2
        and low[-1] not in VOWELS | {"c", "w", "x", "y"}
        and low[-2] in VOWELS
        and low[-3] not in VOWELS
    ):
        out |= {low + low[-1] + "ed", low + low[-1] + "ing"}
    return out


def plausible_form(text: str, lemma: str) -> bool:
    """True when text is lemma, a correct regular inflection of it, or an irregular form ("fought"); False for
    a misspelt regular one ("departes")."""
    text, lemma = text.lower(), lemma.lower()
    if text in proper_inflections(lemma):
        return True
    stems = {lemma, lemma[:-1], lemma + lemma[-1:]}
    suffixes = ("s", "es", "d", "ed", "ing", "ies", "ied")
    return not any(text == s + suf for s in stems for suf in suffixes)


def noun_head(tok: Token) -> Token | None:
    """The noun a matched word belongs to: itself, or the noun it modifies ("diplomatic" -> "ties")."""
    for _ in range(3):
        if tok.pos_ in ("NOUN", "PROPN") and tok.dep_ not in ("compound", "amod"):
            return tok
        if tok.dep_ not in ("amod", "compound", "nummod", "advmod") or tok.head is tok:
            break
        tok = tok.head
    return tok if tok.pos_ in ("NOUN", "PROPN") else None


def is_np_head(tok: Token) -> bool:
    return tok.pos_ in NP_POS and tok.dep_ not in NOT_HEAD_DEPS and tok.ent_type_ not in TIME_ENTS


@dataclass(frozen=True)
class _Found:
    """What a (partial) pattern match bound."""

    words: int = 0
    slots: tuple[tuple[str, Token], ...] = ()
    literal: tuple[Token, ...] = ()

    def plus(self, other: _Found) -> _Found:
        return _Found(self.words + other.words, self.slots + other.slots, self.literal + other.literal)


@dataclass(frozen=True)
class _Hit:
    pattern: VerbPattern | None  # None: the verb's own code
    codes: Codes
    found: _Found
    order: int
    origin: str


class _Scope:
    """The tokens a pattern side may use, and matching over them."""

    def __init__(self, doc: Doc, allowed: set[int]) -> None:
        self.doc = doc
        self.allowed = allowed

    def word_forward(self, i: int, word: str) -> int | None:
        text = ""
        j = i
        while j in self.allowed:
            text += self.doc[j].lower_
            if text == word:
                return j
            if not word.startswith(text) or self.doc[j].whitespace_:
                return None
            j += 1
        return None

    def phrase_at(self, i: int, phrase: tuple[str, ...]) -> tuple[int, tuple[Token, ...]] | None:
        """The phrase starting at token i: (index of its last token, its tokens)."""
        pos, toks = i, []
        for n, word in enumerate(phrase):
            if n and pos not in self.allowed:
                return None
            end = self.word_forward(pos, word)
            if end is None:
                return None
            toks.extend(self.doc[k] for k in range(pos, end + 1))
            pos = end + 1
        return pos - 1, tuple(toks)

    def candidates(self, anchor: int, step: int, adjacent: bool) -> list[int]:
        if adjacent:
            return [anchor + step] if anchor + step in self.allowed else []
        if step > 0:
            return sorted(i for i in self.allowed if i > anchor)
        return sorted((i for i in self.allowed if i < anchor), reverse=True)

    # one element, text order inside; yields (index past which the next element goes, what it bound)
    def element(self, el: Element, anchor: int, step: int, adjacent: bool) -> Iterator[tuple[int, _Found]]:
        if step < 0:
            # right to left: try start positions nearest the anchor first, match forwards, end before the anchor
            for start in sorted((i for i in self.allowed if i < anchor), reverse=True):
                for end, found, first in self._forward(el, start):
                    if (end == anchor - 1) if adjacent else (end < anchor):
                        yield first, found
            return
        for start in self.candidates(anchor, 1, adjacent):
            for end, found, _ in self._forward(el, start):
                yield end, found

    def _forward(self, el: Element, start: int) -> Iterator[tuple[int, _Found, int]]:
        """Matches of el beginning exactly at token `start`: (last index, found, first index)."""
        if el.kind == WORDS:
            for phrase in sorted(el.phrases, key=len, reverse=True):
                got = self.phrase_at(start, phrase)
                if got is not None:
                    yield got[0], _Found(len(phrase), (), got[1]), start
        elif el.kind in (SOURCE, TARGET, SKIP, COMPOUND):
            tok = self.doc[start]
            if not is_np_head(tok):
                return
            if el.kind == COMPOUND and len(conjuncts(tok)) < 2:
                return
            yield start, _Found(0, ((el.kind, tok),)), start
        elif el.kind == PREP:
            prep, rest = el.parts[0], el.parts[1:]
            for end, found, _ in self._forward(prep, start):
                below = _Scope(self.doc, self.allowed & {t.i for t in self.doc[start].subtree})
                for last, inner in below.sequence(rest, end, 1):
                    yield last, found.plus(inner), start
        elif el.kind == NOUN:
            first = Element(el.parts[0].kind, el.parts[0].phrases, el.parts[0].parts, glued=False)
            for end, found, _ in self._forward(first, start):
                for last, inner in self.sequence(el.parts[1:], end, 1):
                    head = {t.i for t in self.doc[last].subtree}
                    total = found.plus(inner)
                    if all(t.i in head for t in total.literal):
                        yield last, total, start

    def sequence(self, elements: Sequence[Element], anchor: int, step: int, verb_glued: bool = False):
        """Match elements in order away from the anchor (step 1: rightwards in text order; step -1: the
        elements are given in text order and matched from the last one leftwards)."""
        order = list(elements) if step > 0 else list(reversed(elements))
        if step > 0:
            adjacency = [el.glued for el in order]
        else:  # the glue of an element joins it to the one before it: read it from its right neighbour
            adjacency = [verb_glued, *(el.glued for el in reversed(elements[1:]))]

        def walk(k: int, pos: int, acc: _Found) -> Iterator[tuple[int, _Found]]:
            if k == len(order):
                yield pos, acc
                return
            for nxt, found in self.element(order[k], pos, step, adjacency[k]):
                yield from walk(k + 1, nxt, acc.plus(found))

        yield from walk(0, anchor, _Found())


def clause_top(verb: Token) -> Token:
    top = verb
    for _ in range(MAX_CLIMB):
        if top.dep_ not in CLIMB_DEPS or top.head is top:
            break
        top = top.head
    return top


def regions(verb: Token) -> tuple[set[int], set[int]]:
    """Token indices a pattern may use before the verb (its clause and subject) and after it (its subtree,
    without coordinated verbs)."""
    before = {t.i for t in clause_top(verb).subtree if t.i < verb.i and not t.is_space}
    before |= {t.i for s in subjects(verb) for t in s.subtree if t.i < verb.i and not t.is_space}
    cut: set[int] = set()
    for child in verb.children:
        if child.dep_ == "conj" and child.pos_ in ("VERB", "AUX"):
            cut |= {t.i for t in child.subtree}
            cut |= {c.i for c in verb.children if c.dep_ == "cc" and c.i < child.i}
    after = {t.i for t in verb.subtree if t.i > verb.i and not t.is_space and t.i not in cut}
    return before, after


def syntactic_targets(verb: Token, event_nouns: Sequence[Token]) -> list[Token]:
    """Where the extractor looks for a pattern's target when the pattern leaves it to syntax (dates and times
    left out): the targets of the events a [A:B] code makes back."""
    anchors = [verb, *event_nouns]
    for slot in PATTERN_TARGETS:
        if slot == "dobj":
            found = [t for t in direct_objects(verb) if t not in event_nouns]
        elif slot == "dative":
            found = [
                t
                for c in verb.children
                if c.dep_ in ("dative", "iobj") and c.pos_ != "ADP"
                for t in conjuncts(c)
            ]
        else:
            found = [t for a in anchors for t in prep_objects(a, slot)]
        found = [t for t in found if t.ent_type_ not in TIME_ENTS]
        if found:
            return found
    return []


class VerbPatternMatcher:
    """A polybius VerbMatcher over one or more verb dictionaries."""

    def __init__(self, dictionaries: Sequence[VerbDictionary]) -> None:
        self.dictionaries = tuple(dictionaries)

    # -- which verb ----------------------------------------------------------------------------------------
    def forms(self, verb: Token) -> list[tuple[VerbDictionary, VerbForm]]:
        """The dictionary forms this token is: by text, else by lemma; the longest multi-word forms win."""
        text, lemma = verb.lower_, verb.lemma_.lower()
        for key, ok in ((text, True), (lemma, plausible_form(text, lemma))):
            if not ok:
                continue
            found = [
                (d, f) for d in self.dictionaries for f in d.forms.get(key, ()) if self._neighbours(verb, f)
            ]
            if found:
                most = max(len(f.before) + len(f.after) for _, f in found)
                return [(d, f) for d, f in found if len(f.before) + len(f.after) == most]
        return []

    @staticmethod
    def _neighbours(verb: Token, form: VerbForm) -> bool:
        doc = verb.doc
        for n, word in enumerate(form.after, start=1):
            if verb.i + n >= len(doc) or doc[verb.i + n].lower_ != word:
                return False
        for n, word in enumerate(reversed(form.before), start=1):
            if verb.i - n < 0 or doc[verb.i - n].lower_ != word:
                return False
        return True

    # -- matching ------------------------------------------------------------------------------------------
    def match(self, verb: Token) -> list[PatternMatch]:
        forms = self.forms(verb)
        if not forms:
            return []
        doc = verb.doc
        before, after = regions(verb)
        left, right = _Scope(doc, before), _Scope(doc, after)
        # multi-word verbs: their own words are not pattern words
        start = verb.i - max(len(f.before) for _, f in forms)
        end = verb.i + max(len(f.after) for _, f in forms)
        hits: list[_Hit] = []
        seen: set[int] = set()
        for d, form in forms:
            for pattern in d.blocks[form.block].patterns:
                if id(pattern) in seen:
                    continue
                seen.add(id(pattern))
                found = self._match_pattern(pattern, left, right, start, end)
                if found is not None:
                    hits.append(_Hit(pattern, pattern.codes, found, len(hits), pattern.origin))
        own = forms[-1][1]
        hits.append(_Hit(None, own.codes, _Found(), len(hits), own.origin))
        hits.sort(key=lambda h: (-h.found.words, -(h.pattern.size if h.pattern else -1), h.order))
        if hits[0].codes.null:
            return []  # the best pattern says: no event
        return [pm for h in hits if not h.codes.null for pm in self._results(verb, h)]

    @staticmethod
    def _match_pattern(
        pattern: VerbPattern, left: _Scope, right: _Scope, start: int, end: int
    ) -> _Found | None:
        found_after = next((f for _, f in right.sequence(pattern.after, end, 1)), None)
        if found_after is None:
            return None
        found_before = next(
            (f for _, f in left.sequence(pattern.before, start, -1, pattern.verb_glued)), None
        )
        return None if found_before is None else found_before.plus(found_after)

    def _results(self, verb: Token, hit: _Hit) -> list[PatternMatch]:
        """One PatternMatch per (source, target) pair the hit fixes, forward events first; the first one is
        what an extractor that takes a single match should use (it expands coordinated actors itself)."""
        found = hit.found
        slots: dict[str, Token] = {}
        for kind, tok in found.slots:
            slots.setdefault(kind, tok)
        nouns = tuple(
            dict.fromkeys(h for t in found.literal if t.i > verb.i if (h := noun_head(t)) is not None)
        )
        source, target = slots.get(SOURCE), slots.get(TARGET)
        compound = slots.get(COMPOUND)
        if target is None and compound is None and hit.pattern is not None:
            target = self._closing_preposition(verb, hit.pattern, found)
        pairs: list[tuple[Token | None, Token | None]]
        if compound is not None and compound.i < verb.i and source is None and target is None:
            members = conjuncts(compound)
            ordered = sorted(members, key=lambda t: t.i)
            pairs = [(ordered[-1], ordered[0])]
            pairs += [(s, t) for s in ordered for t in ordered if s is not t and (s, t) != pairs[0]]
        else:
            if compound is not None:
                if source is None and (target is not None or compound.i < verb.i):
                    source = compound
                else:
                    target = compound
            if target is not None and source is None and target.i < verb.i:
                source = self._subject_before(verb, target)
            sources = conjuncts(source) if source is not None else [None]
            targets = conjuncts(target) if target is not None else [None]
            pairs = [(s, t) for s in sources for t in targets]
        out: list[PatternMatch] = []
        if hit.codes.forward is not None:
            out += [PatternMatch(hit.codes.forward, hit.origin, found.words, s, t, nouns) for s, t in pairs]
        if hit.codes.reverse is not None:
            back = []
            for s, t in pairs:
                ss = [s] if s is not None else subjects(verb)
                ts = [t] if t is not None else syntactic_targets(verb, nouns)
                back += [(b, a) for a in ss for b in ts if a is not b]
            out += [PatternMatch(hit.codes.reverse, hit.origin, found.words, s, t, nouns) for s, t in back]
        return out

    @staticmethod
    def _closing_preposition(verb: Token, pattern: VerbPattern, found: _Found) -> Token | None:
        """A pattern that ends in a preposition ("* &TIETYPES_MEMOS FROM", "* (AGAINST)") names where its
        target is: the object of that preposition."""
        if not pattern.after or pattern.after[-1].kind not in (WORDS, PREP) or pattern.after[-1].parts[1:]:
            return None
        after = [t for t in found.literal if t.i > verb.i]
        if not after:
            return None
        last = max(after, key=lambda t: t.i)
        if last.pos_ != "ADP":
            return None
        return next((c for c in last.children if c.dep_ in ("pobj", "pcomp") and is_np_head(c)), None)

    @staticmethod
    def _subject_before(verb: Token, target: Token) -> Token | None:
        """A target fixed before the verb ("NOTED + *"): the source is the nearest subject before it."""
        before, _ = regions(verb)
        subj = [verb.doc[i] for i in sorted(before, reverse=True) if i < target.i]
        return next((t for t in subj if t.dep_ in SUBJECT_DEPS and is_np_head(t)), None)


def load_verb_matcher(paths: Iterable[Path | str]) -> VerbPatternMatcher:
    """One matcher over every verb dictionary file given (folders: their *.verbs.txt and CAMEO*.txt)."""
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(dictionary_folder(p).verbs if p.is_dir() else [p])
    return VerbPatternMatcher([load_verb_dictionary(f) for f in files])
