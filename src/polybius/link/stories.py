"""Story threads: online clustering of articles, in time order, into stories (after Miranda et al. 2018).

Each coded article becomes a `StoryDoc`: its words (lower case, stop words out), its names (capitalised
phrases of the text, actor names and event places), the actor codes and event types of its events, and a
WordLlama vector. Articles are taken in date order; each is compared with the stories still open around its
date (`Params.window_days`): TF-IDF cosine of words and of names against the story's summed vectors, embedding
cosine against the story's mean vector, shared actors, all damped by the gap in days between the article and
the story's span. The best story above `Params.threshold` takes the article; otherwise the article starts a
story. When an article also scores above `Params.merge_threshold` with a second story, the two stories are
one: the younger is merged into the older and the merge is recorded.

Story ids are stable: a story is named after the article that founded it (`st-` and a hash of its id), so
the same articles give the same ids on every run, and a later batch is clustered against the stored stories
(late articles join them). IDF weights come from the articles compared (the open stories' and the batch's).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from polybius.actors.kb import KnowledgeBase, default_kb
from polybius.link.vectors import cosine, tfidf
from polybius.models import DocumentResult

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
NAME = re.compile(r"(?<![\w'’-])[A-Z][\w'’.-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'’.-]*)*")
HEADLINE_CHARS = 160
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    said says say told according monday tuesday wednesday thursday friday saturday sunday week weeks day days
    year years month months last next first second third one two three four five six seven eight nine ten
    new since across around still may might must shall us per cent percent mr mrs ms""".split()
)
NAME_STOP = frozenset(
    """The A An In On At For But And Or Of To From By With After Before As It Its He She They We His Her Their
    This That These Those There Here When While Since Under Over About Both Each Some Most Many No Not Two Three
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December""".split()
)


@dataclass(frozen=True)
class Params:
    """The clustering's knobs (defaults measured on benchmarks/data/stories.jsonl; see docs/benchmarks.md)."""

    threshold: float = 0.15  # an article joins the best story scoring at least this
    merge_threshold: float = 0.40  # a second story scoring this too is merged into the first
    window_days: int = 30  # stories whose span is further than this from the article are closed
    decay_days: float = 40.0  # the score is multiplied by exp(-gap / decay_days)
    undated_decay: float = 0.6  # factor when the article or the story has no date
    w_terms: float = 0.5  # TF-IDF cosine of words
    w_names: float = 0.45  # TF-IDF cosine of names (country names left to the actors)
    w_embed: float = 0.25  # WordLlama cosine, rescaled from [embed_floor, 1] to [0, 1]
    w_actors: float = 0.05  # share of the article's actor codes found in the story
    embed_floor: float = 0.5  # embedding cosines at or below this count as no similarity
    candidates: int = 20  # stories shortlisted by embedding before the full score
    max_open: int = 2000  # stored stories a batch is compared with: the most recently updated of those open
    max_members: int = 50  # members of a stored story loaded to compare with: its latest (by date, then id)


@dataclass(frozen=True)
class StoryDoc:
    """What story clustering compares of one article."""

    id: str
    day: date | None
    title: str
    terms: Counter[str]
    names: Counter[str]
    actors: frozenset[str]
    events: frozenset[str]  # "SOURCE_COUNTRY:ROOT:TARGET_COUNTRY"
    vector: np.ndarray
    duplicate_of: str | None = None


@dataclass
class Story:
    """A story being built: its members and their summed features (mutable while a batch is clustered)."""

    id: str
    first: date | None
    last: date | None
    members: list[StoryDoc] = field(default_factory=list)
    terms: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)
    actors: Counter[str] = field(default_factory=Counter)
    vector: np.ndarray | None = None
    hidden: int = 0  # stored members not loaded (beyond Params.max_members): counted, not compared with

    @property
    def n_docs(self) -> int:
        return len(self.members) + self.hidden

    def add(self, doc: StoryDoc) -> None:
        self.members.append(doc)
        self.terms.update(doc.terms)
        self.names.update(doc.names)
        self.actors.update(doc.actors)
        self.vector = doc.vector.astype(np.float64) if self.vector is None else self.vector + doc.vector
        if doc.day is not None:
            self.first = doc.day if self.first is None else min(self.first, doc.day)
            self.last = doc.day if self.last is None else max(self.last, doc.day)

    def absorb(self, other: Story) -> None:
        for doc in other.members:
            self.add(doc)
        self.hidden += other.hidden
        for day in (other.first, other.last):  # the span of its members not loaded
            if day is not None:
                self.first = day if self.first is None else min(self.first, day)
                self.last = day if self.last is None else max(self.last, day)

    @property
    def centroid(self) -> np.ndarray:
        assert self.vector is not None
        norm = float(np.linalg.norm(self.vector)) or 1.0
        return self.vector / norm


@dataclass(frozen=True)
class Assignment:
    doc_id: str
    story_id: str
    score: float  # the winning score (1.0 for a duplicate, 0.0 for a story's founder)
    duplicate_of: str | None = None  # the canonical document, when this one is a copy of it


@dataclass(frozen=True)
class Merge:
    merged: str  # the story id that ceased to exist
    into: str
    doc_id: str  # the article that joined them


@dataclass(frozen=True)
class Clustering:
    assignments: list[Assignment]
    merges: list[Merge]
    stories: list[Story]  # every story touched (new, grown or surviving a merge)


def story_id(founder_doc_id: str) -> str:
    return "st-" + hashlib.sha1(founder_doc_id.encode("utf-8")).hexdigest()[:12]


def normalise_word(word: str) -> str:
    w = word.lower().replace("’", "'").removesuffix("'s").strip("'-")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def text_terms(text: str) -> Counter[str]:
    words = (normalise_word(m.group()) for m in WORD.finditer(text))
    return Counter(w for w in words if len(w) > 2 and w not in STOP_WORDS)


def text_names(text: str) -> Counter[str]:
    """Capitalised phrases, less sentence-initial function words ("The", "After")."""
    names: Counter[str] = Counter()
    for m in NAME.finditer(text):
        words = m.group().split()
        while words and words[0] in NAME_STOP:
            words = words[1:]
        phrase = " ".join(words).rstrip(".").removesuffix("'s").removesuffix("’s")
        if len(phrase) > 1:
            names[phrase.lower()] += 1
    return names


def country_words(kb: KnowledgeBase) -> Callable[[str], bool]:
    """Is a name a country, its adjective or its capital ("China", "Chinese", "Beijing")? Those are shared by
    every story about a country; the actor codes carry them, the names do not."""

    def generic(name: str) -> bool:
        return any(
            e.kind in ("country", "adjective") or e.kind == "metonym" and e.sector == "GOV" for e in kb.lookup(name)
        )

    return generic


def story_doc(
    result: DocumentResult,
    vector: np.ndarray,
    duplicate_of: str | None = None,
    generic: Callable[[str], bool] | None = None,
) -> StoryDoc:
    doc = result.document
    title = (doc.title or "").strip()
    body = doc.text if not title or doc.text.startswith(title) else f"{title}\n{doc.text}"
    names = text_names(body)
    actors: set[str] = set()
    events: set[str] = set()
    for ev in result.events:
        for actor in (ev.source, ev.target):
            if actor is not None:
                actors.add(actor.code)
                if actor.name:
                    names[actor.name.lower()] += 1
        if ev.location is not None and ev.location.name:
            names[ev.location.name.lower()] += 1
        src = ev.source.country or ev.source.code
        tgt = (ev.target.country or ev.target.code) if ev.target else "-"
        events.add(f"{src}:{ev.cameo_root}:{tgt}")
    terms = text_terms(body)
    if generic is not None:
        names = Counter({n: c for n, c in names.items() if not generic(n)})
        terms = Counter({t: c for t, c in terms.items() if not generic(t)})
    day = date.fromisoformat(doc.date) if doc.date else None
    return StoryDoc(
        id=doc.id,
        day=day,
        title=title or first_line(doc.text),
        terms=terms,
        names=names,
        actors=frozenset(actors),
        events=frozenset(events),
        vector=np.asarray(vector, dtype=np.float32),
        duplicate_of=duplicate_of,
    )


def first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= HEADLINE_CHARS else line[: HEADLINE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def story_docs(
    results: Sequence[DocumentResult],
    embedder: Any,
    kb: KnowledgeBase | None = None,
) -> list[StoryDoc]:
    """Story features of coded documents (one embedding batch for all of them); `kb` tells country names
    (the built-in knowledge base when not given)."""
    texts = [
        f"{r.document.title}\n{r.document.text}" if r.document.title and not r.document.text.startswith(
            r.document.title) else r.document.text
        for r in results
    ]
    vectors = embedder.embed(texts)
    generic = country_words(kb if kb is not None else default_kb())
    return [
        story_doc(r, v, r.document.duplicate_of, generic) for r, v in zip(results, vectors, strict=True)
    ]  # a copy (duplicate_of set by the link stage's duplicate check) joins its canonical document's story


# -- scoring ----------------------------------------------------------------------------------------------
def gap_days(day: date | None, story: Story) -> int | None:
    if day is None or story.first is None or story.last is None:
        return None
    if day < story.first:
        return (story.first - day).days
    if day > story.last:
        return (day - story.last).days
    return 0


@dataclass
class Corpus:
    """Document frequencies of words and names over the articles compared (grows as articles arrive)."""

    terms: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)
    n: int = 0

    def add(self, doc: StoryDoc) -> None:
        self.terms.update(doc.terms.keys())
        self.names.update(doc.names.keys())
        self.n += 1


def score(doc: StoryDoc, story: Story, corpus: Corpus, params: Params) -> float:
    gap = gap_days(doc.day, story)
    decay = params.undated_decay if gap is None else math.exp(-gap / params.decay_days)
    terms = cosine(tfidf(doc.terms, corpus.terms, corpus.n), tfidf(story.terms, corpus.terms, corpus.n))
    names = cosine(tfidf(doc.names, corpus.names, corpus.n), tfidf(story.names, corpus.names, corpus.n))
    emb = float(doc.vector @ story.centroid)
    emb = max(0.0, (emb - params.embed_floor) / (1.0 - params.embed_floor))
    shared = len(doc.actors & set(story.actors))
    actors = shared / len(doc.actors) if doc.actors else 0.0
    raw = params.w_terms * terms + params.w_names * names + params.w_embed * emb + params.w_actors * actors
    return decay * raw


def time_order(docs: Iterable[StoryDoc]) -> list[StoryDoc]:
    """Dated articles by date (then id), undated ones after them in input order."""
    docs = list(docs)
    dated = sorted((d for d in docs if d.day is not None), key=lambda d: (d.day, d.id))
    return dated + [d for d in docs if d.day is None]


def is_open(story: Story, day: date | None, params: Params) -> bool:
    gap = gap_days(day, story)
    return gap is None or gap <= params.window_days


def cluster(docs: Sequence[StoryDoc], existing: Sequence[Story] = (), params: Params = Params()) -> Clustering:
    """Assign articles to stories in time order; `existing` stories (loaded from the store) are joined and
    may be merged. Returns one assignment per article, in time order."""
    stories: dict[str, Story] = {s.id: s for s in existing}
    corpus = Corpus()
    for s in existing:
        for m in s.members:
            corpus.add(m)
    for d in docs:
        corpus.add(d)
    of_doc: dict[str, str] = {m.id: s.id for s in existing for m in s.members}
    redirect: dict[str, str] = {}
    touched: set[str] = set()
    assignments: list[Assignment] = []
    merges: list[Merge] = []
    for doc in time_order(docs):
        canonical = doc.duplicate_of and of_doc.get(doc.duplicate_of)
        if canonical:
            target = resolve(canonical, redirect)
            stories[target].add(doc)
            of_doc[doc.id] = target
            touched.add(target)
            assignments.append(Assignment(doc.id, target, 1.0, doc.duplicate_of))
            continue
        open_stories = [s for s in stories.values() if is_open(s, doc.day, params)]
        if len(open_stories) > params.candidates:
            sims = np.array([float(doc.vector @ s.centroid) for s in open_stories])
            keep = np.argsort(-sims, kind="stable")[: params.candidates]
            open_stories = [open_stories[i] for i in keep]
        scored = sorted(
            ((score(doc, s, corpus, params), s.id) for s in open_stories), key=lambda x: (-x[0], x[1])
        )
        if not scored or scored[0][0] < params.threshold:
            new = Story(story_id(doc.id), None, None)
            new.add(doc)
            stories[new.id] = new
            of_doc[doc.id] = new.id
            touched.add(new.id)
            assignments.append(Assignment(doc.id, new.id, 0.0, doc.duplicate_of))
            continue
        best_score, best = scored[0]
        joined = [sid for sc, sid in scored[1:] if sc >= params.merge_threshold]
        stories[best].add(doc)
        for other in joined:
            older, younger = sorted((stories[best], stories[other]), key=story_age)
            older.absorb(younger)
            del stories[younger.id]
            redirect[younger.id] = older.id
            merges.append(Merge(younger.id, older.id, doc.id))
            touched.discard(younger.id)
            best = older.id
        of_doc[doc.id] = best
        touched.add(best)
        assignments.append(Assignment(doc.id, best, round(best_score, 4), doc.duplicate_of))
    final = [replace(a, story_id=resolve(a.story_id, redirect)) for a in assignments]
    return Clustering(final, merges, [stories[sid] for sid in sorted(touched) if sid in stories])


def story_age(story: Story) -> tuple[date, str]:
    return (story.first or date.max, story.id)


def resolve(story: str, redirect: dict[str, str]) -> str:
    while story in redirect:
        story = redirect[story]
    return story


def headline(story: Story) -> str:
    """The title of the member closest to the story's mean vector (the earliest on a tie)."""
    centroid = story.centroid
    best = max(story.members, key=lambda m: (round(float(m.vector @ centroid), 6), -(m.day or date.max).toordinal()))
    return best.title
