"""The verb/phrase lexicon: YAML entries that say which words code which CAMEO event.

Format (data/lexicon/README.md has the full description):

    - code: "163"
      verbs: [impose, slap]          # or  nouns: [sanction]  for nominal events
      particle: up                    # optional phrasal particle
      objects: [sanction, embargo]    # optional direct-object lemmas
      object_prep: for                # optional: objects are the object of this preposition
      target: [on, against]           # where the target comes from (dobj, dative, or prepositions)
      intent: "0312"                  # optional code when stated as intent/future
      threat: "1312"                  # optional code when stated as a threat
      alone: "150"                    # optional code when the sentence names no recipient ("held drills")
      implied: GOV                    # optional sector of the agent an agentless passive or ownerless noun implies
      passive_source: from            # optional: in an agentless passive, this preposition's object is the agent
      plover: RETREAT                 # optional PLOVER type where the words decide it, not the code
      mode: ...  context: ...         # optional PLOVER mode / context
      example: "..."                  # a sentence this entry codes
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from polybius.events.ontology import Ontology

LEXICON_DIR = Path(__file__).resolve().parents[1] / "data" / "lexicon"
KEYS = frozenset(
    {"code", "verbs", "nouns", "particle", "objects", "object_prep", "target", "intent", "threat", "alone",
     "implied", "passive_source", "plover", "mode", "context", "example", "note"}
)  # fmt: skip
OBJECT_TARGETS = ("dative", "with", "to", "on", "against")


class LexiconLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it: ~10x faster
    """YAML without the 1.1 booleans: `on`, `off`, `yes`, `no` are words here ("target: [on, against]")."""


LexiconLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
LexiconLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class LexiconError(ValueError):
    """A lexicon file has an entry polybius cannot use."""


@dataclass(frozen=True)
class LexEntry:
    code: str
    verbs: tuple[str, ...] = ()
    nouns: tuple[str, ...] = ()
    particles: tuple[str, ...] = ()
    objects: frozenset[str] = frozenset()
    object_prep: str | None = None
    target: tuple[str, ...] = ("dobj",)
    intent: str | None = None
    threat: str | None = None
    alone: str | None = None  # the code when no recipient is named: one-sided "drills" are no cooperation
    implied: str = ""  # sector of the agent an agentless passive implies: only a state imposes a curfew (GOV)
    # the preposition whose object acts in an agentless passive: "diplomats were expelled from Mali" (Mali expels)
    passive_source: str | None = None
    plover: str = ""  # PLOVER type of the entry's own code when the words decide it ("observed the ceasefire")
    mode: str = ""
    context: str = ""
    example: str = ""
    origin: str = ""  # file:index, reported as the event's rule

    @property
    def specificity(self) -> int:
        return 1 + 2 * bool(self.objects) + bool(self.particles) + bool(self.object_prep)


@dataclass
class Lexicon:
    by_verb: dict[str, list[LexEntry]] = field(default_factory=dict)
    by_noun: dict[str, list[LexEntry]] = field(default_factory=dict)
    entries: list[LexEntry] = field(default_factory=list)

    def add(self, entry: LexEntry) -> None:
        self.entries.append(entry)
        for verb in entry.verbs:
            self.by_verb.setdefault(verb, []).append(entry)
        for noun in entry.nouns:
            self.by_noun.setdefault(noun, []).append(entry)

    def codes(self) -> set[str]:
        return {e.code for e in self.entries}


def _words(value: object, where: str, key: str) -> tuple[str, ...]:
    if value is None or value == []:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where}: '{key}' must be a word or a list of words")
    return tuple(v.strip().lower() for v in value)


def parse_entry(raw: object, where: str, ontology: Ontology) -> LexEntry:
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: an entry must be a mapping")
    unknown = set(raw) - KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    code = raw.get("code")
    if isinstance(code, int):
        raise LexiconError(f"{where}: code {code} must be a quoted string (leading zeros matter)")
    for key in ("code", "intent", "threat", "alone"):
        value = raw.get(key)
        if value is None and key != "code":
            continue
        if not isinstance(value, str) or not ontology.is_valid(value):
            raise LexiconError(f"{where}: '{key}' {value!r} is not a CAMEO code")
    verbs, nouns = _words(raw.get("verbs"), where, "verbs"), _words(raw.get("nouns"), where, "nouns")
    if bool(verbs) == bool(nouns):
        raise LexiconError(f"{where}: needs exactly one of 'verbs' or 'nouns'")
    target = _words(raw.get("target"), where, "target") if "target" in raw else ("dobj",)
    if raw.get("objects") and "target" not in raw:
        target = OBJECT_TARGETS  # the object is the event noun; the target hangs off a preposition
    prep = raw.get("object_prep")
    if prep is not None and not isinstance(prep, str):
        raise LexiconError(f"{where}: 'object_prep' must be a preposition")
    if prep and not raw.get("objects"):
        raise LexiconError(f"{where}: 'object_prep' needs 'objects'")
    # PLOVER names are lower case with underscores ("heavy_weapons"); hyphens are accepted and normalised
    mode = str(raw.get("mode") or "").strip().lower().replace("-", "_")
    context = ";".join(
        c.strip().lower().replace("-", "_") for c in str(raw.get("context") or "").split(";") if c.strip()
    )
    implied = str(raw.get("implied") or "").strip().upper()
    if implied and not re.fullmatch(r"[A-Z]{3}", implied):
        raise LexiconError(f"{where}: 'implied' must be a CAMEO sector code such as GOV, JUD, COP")
    passive_source = raw.get("passive_source")
    if passive_source is not None and not (isinstance(passive_source, str) and passive_source.isalpha()):
        raise LexiconError(f"{where}: 'passive_source' must be a preposition")
    plover = str(raw.get("plover") or "").strip().upper()
    if plover and plover not in ontology.plover:
        raise LexiconError(f"{where}: '{plover}' is not a PLOVER type")
    plover_types = [ontology.plover[plover]] if plover else ontology.plover.values()
    modes = {name for ptype in plover_types for name in ptype.modes}
    if mode and mode not in modes:
        raise LexiconError(f"{where}: '{mode}' is not a PLOVER mode" + (f" of {plover}" if plover else ""))
    unknown_contexts = [c for c in context.split(";") if c and c not in ontology.contexts]
    if unknown_contexts:
        raise LexiconError(f"{where}: '{unknown_contexts[0]}' is not a PLOVER context")
    return LexEntry(
        code=code,
        verbs=verbs,
        nouns=nouns,
        particles=_words(raw.get("particle"), where, "particle"),
        objects=frozenset(_words(raw.get("objects"), where, "objects")),
        object_prep=prep.lower() if prep else None,
        target=target,
        intent=raw.get("intent"),
        threat=raw.get("threat"),
        alone=raw.get("alone"),
        implied=implied,
        passive_source=passive_source.lower() if passive_source else None,
        plover=plover,
        mode=mode,
        context=context,
        example=str(raw.get("example") or ""),
        origin=where,
    )


def load_file(path: Path, ontology: Ontology, lexicon: Lexicon | None = None) -> Lexicon:
    lexicon = lexicon or Lexicon()
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LexiconLoader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML ({exc})") from exc
    if data is None:
        return lexicon
    if not isinstance(data, list):
        raise LexiconError(f"{path}: a lexicon file is a YAML list of entries")
    for i, raw in enumerate(data, start=1):
        lexicon.add(parse_entry(raw, f"{path.name}#{i}", ontology))
    return lexicon


def load_lexicon(ontology: Ontology, paths: Iterable[Path] | None = None, builtin: bool = True) -> Lexicon:
    """The built-in lexicon (every data/lexicon/*.yaml) plus any user files or folders, in order."""
    lexicon = Lexicon()
    files: list[Path] = sorted(LEXICON_DIR.glob("*.yaml")) if builtin else []
    for p in paths or ():
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    for path in files:
        load_file(path, ontology, lexicon)
    return lexicon
