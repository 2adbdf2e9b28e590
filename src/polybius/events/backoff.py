"""Frame back-off (issue 12, part 1): what a verb or event noun codes when none of its entries' frames fits.

A verb such as "impose" has entries for sanctions (163), bans and restrictions (172), curfews (1723), states of
emergency (1724) and blockades (191), and no entry of its own without an object. "Imposed an information
blackout" fits none of them. Instead of coding nothing, the extractor backs off in two documented steps:

1. `similar`: the entry whose listed objects are closest in meaning to the object used. The object is read
   with its modifiers ("information blackout", "tear gas canisters"); its score against an entry's listed object
   is the mean of two cosines (WordLlama, `polybius.embed`): the object phrase with the verb against the listed
   object with the verb ("impose travel curb" / "impose curfew"), and the bare phrase against the bare object.
   The entry phrases are embedded once per lexicon. The nearest entry wins only when it is near enough
   (`min_score`) and clearly nearer than the nearest entry of an unrelated code (`margin`; entries whose codes
   are one another's parent or child do not compete).
2. `default`: otherwise, the verb's own default code: the most specific CAMEO code that every entry of the verb
   falls under, when the entries span at least `MIN_FAMILY` codes ("seek" codes only appeals, 021 ... 028, so an
   unknown request is 020; "impose" spans 13, 16, 17 and 19 and has no default). A verb with an entry without
   objects never backs off: that entry is its default and matches as it always did.

Only objects that name a thing back off (a person or a body as object is another sense: "fired the minister").
Each step is named in the event's rule (`... backoff:similar`, `... backoff:default`), scored as a bare verb
(specificity 1) and marked by the confidence features `backoff_similar` / `backoff_default`, which lower it.
Event nouns back off the same way over the objects of their preposition ("the lifting of the blackout"). A
back-off is a last resort: the extractor keeps back-off events only in a sentence where no entry's frame fitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from polybius.embed import Embedder
from polybius.events.lexicon import OBJECT_TARGETS, LexEntry, Lexicon
from polybius.events.ontology import Ontology

SIMILAR = "similar"
DEFAULT = "default"
PLACEHOLDERS = ("@",)
MIN_FAMILY = 3  # a default code needs this many distinct codes under it: a family of frames, not one sense


@dataclass(frozen=True)
class Backoff:
    step: str  # SIMILAR or DEFAULT
    entry: LexEntry  # the entry coded, its origin naming the step
    score: float = 0.0  # cosine of the nearest entry phrase (SIMILAR)


def related(a: str, b: str) -> bool:
    """Two codes that agree: the same, or one under the other (023 and 0233)."""
    return a.startswith(b) or b.startswith(a)


def framed(entries: Sequence[LexEntry]) -> list[LexEntry]:
    return [e for e in entries if any(not o.startswith(PLACEHOLDERS) for o in e.objects)]


def default_code(entries: Sequence[LexEntry], ontology: Ontology) -> str | None:
    """The most specific valid CAMEO code every entry's code falls under: 0231 and 0233 give 023; 0211 and 024
    give 020 (the root's generic code); codes of two roots give none."""
    codes = {e.code for e in entries}
    if not codes:
        return None
    prefix = ""
    for chars in zip(*codes, strict=False):
        if len(set(chars)) > 1:
            break
        prefix += chars[0]
    if len(prefix) < 2:
        return None
    code = prefix if len(prefix) >= 3 else prefix + "0"
    return code if ontology.is_valid(code) else None


class FrameIndex:
    """The lexicon's entry phrases ("impose sanction", "impose curfew", ...), embedded once per lexicon."""

    def __init__(
        self,
        lexicon: Lexicon,
        ontology: Ontology,
        embedder: Embedder,
        min_score: float = 0.5,
        margin: float = 0.1,
        word_weight: float = 0.5,
    ) -> None:
        self.embedder = embedder
        self.ontology = ontology
        self.min_score = min_score
        self.margin = margin
        self.word_weight = word_weight  # share of the bare objects' similarity (no verb) in an entry's score
        self._rows: dict[tuple[str, str], tuple[list[LexEntry], np.ndarray, np.ndarray, np.ndarray]] = {}
        self._defaults: dict[tuple[str, str], LexEntry | None] = {}
        phrases: list[str] = []
        words: list[str] = []
        spans: list[tuple[tuple[str, str], list[LexEntry], list[int]]] = []
        for kind, table in (("verb", lexicon.by_verb), ("noun", lexicon.by_noun)):
            for head, entries in table.items():
                if any(not e.objects and not e.particles for e in entries):
                    continue  # a frame-less entry is the head's default already: no back-off
                with_objects = framed(entries)
                if not with_objects:
                    continue
                owners: list[int] = []
                for i, entry in enumerate(with_objects):
                    for obj in sorted(entry.objects):
                        if obj.startswith(PLACEHOLDERS):
                            continue
                        phrases.append(self.phrase(kind, head, obj, entry.object_prep))
                        words.append(obj)
                        owners.append(i)
                spans.append(((kind, head), with_objects, owners))
                self._defaults[(kind, head)] = self._default_entry(entries)
        vectors, word_vectors = embedder.embed(phrases), embedder.embed(words)
        at = 0
        for key, entries, owners in spans:
            end = at + len(owners)
            self._rows[key] = (entries, vectors[at:end], word_vectors[at:end], np.asarray(owners, dtype=np.int32))
            at += len(owners)

    @staticmethod
    def phrase(kind: str, head: str, obj: str, prep: str | None) -> str:
        """How an object is read: with its verb ("impose curfew"), or with its noun ("lifting of curfew")."""
        if kind == "noun":
            return f"{head} {prep or 'of'} {obj}"
        return f"{head} {prep} {obj}" if prep else f"{head} {obj}"

    def _default_entry(self, entries: Sequence[LexEntry]) -> LexEntry | None:
        if len({e.code for e in entries}) < MIN_FAMILY:
            return None  # one entry says what its object means, not what the verb means whatever its object
        code = default_code(entries, self.ontology)
        if code is None:
            return None
        first = entries[0]
        targets = {e.target for e in entries}
        return replace(
            first,
            code=code,
            objects=frozenset(),
            particles=(),
            object_prep=None,
            target=targets.pop() if len(targets) == 1 else OBJECT_TARGETS,
            intent=_shared([e.intent for e in entries]),
            threat=_shared([e.threat for e in entries]),
            alone=None,
            implied=_shared([e.implied for e in entries]) or "",
            plover="",
            mode="",
            context=_shared([e.context for e in entries]) or "",
            example="",
            origin=f"{first.origin} backoff:{DEFAULT}",
        )

    def knows(self, kind: str, head: str) -> bool:
        return (kind, head) in self._rows

    def similar(
        self, kind: str, head: str, obj: str, prep: str | None, allowed: Sequence[LexEntry] | None = None
    ) -> Backoff | None:
        """The entry of `head` whose objects are nearest to the object phrase `query` (step 1), if clearly so."""
        row = self._rows.get((kind, head))
        if row is None:
            return None
        entries, vectors, word_vectors, owners = row
        if not len(owners):
            return None
        q, w = self.embedder.embed([self.phrase(kind, head, obj, prep), obj])
        sims = (1 - self.word_weight) * (vectors @ q) + self.word_weight * (word_vectors @ w)
        best = np.full(len(entries), -1.0)
        np.maximum.at(best, owners, sims)
        if allowed is not None:
            keep = {id(e) for e in allowed}
            best = np.where([id(e) in keep for e in entries], best, -1.0)
        order = np.argsort(-best, kind="stable")
        top = int(order[0])
        if best[top] < self.min_score:
            return None
        rival = max(
            (float(best[i]) for i in order[1:] if not related(entries[i].code, entries[top].code)), default=-1.0
        )
        if best[top] - rival < self.margin:
            return None
        entry = entries[top]
        chosen = replace(entry, origin=f"{entry.origin} backoff:{SIMILAR}")
        return Backoff(SIMILAR, chosen, float(best[top]))

    def default(self, kind: str, head: str) -> Backoff | None:
        """The head's own default code (step 2), when all its entries fall under one code."""
        entry = self._defaults.get((kind, head))
        return Backoff(DEFAULT, entry) if entry is not None else None


def _shared(values: Sequence[str | None]) -> str | None:
    """The value every entry gives, else None."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None
