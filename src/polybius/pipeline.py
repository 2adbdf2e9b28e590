"""The pipeline: the one place that knows the order of the stages.

    ingest -> clean -> link (duplicates) -> parse -> actors -> events -> when/where -> store -> link (stories)

The link stage's duplicate check runs on cleaned documents before the parse, so a copy of a document already
seen costs no parse: it comes out as a `DocumentResult` without sentences or events, its `document.duplicate_of`
naming the canonical document (of which it is a report).

`Coder` holds what coding needs (spaCy model, knowledge base, ontology, lexicon, imported dictionaries),
built once per process.
`run` streams raw documents through it, in this process or in `workers` processes, and yields one
`DocumentResult` or `DocumentError` per document, in input order. `ingest_into` is the whole path into the
store (skip what is stored, code, write in transactions, count what was written), shared by `ingest`, `feeds`
and `watch`; each written batch is then clustered into story threads against the stored stories
(`store_stories`). `story_threads` is the same clustering without a store.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from multiprocessing.pool import AsyncResult
from pathlib import Path

import duckdb
from spacy.language import Language
from spacy.tokens import Doc

from polybius.actors.dictionaries import Discards, load_dictionaries
from polybius.actors.kb import KnowledgeBase, default_kb, load_kb, name_key
from polybius.actors.resolve import DocContext, Resolver, place_country
from polybius.clean import CleanError, clean
from polybius.embed import load_embedder
from polybius.events.background import phrase_when
from polybius.events.backoff import FrameIndex
from polybius.events.classify import load_classifier
from polybius.events.extract import TITLE_END, EventExtractor
from polybius.events.lexicon import load_lexicon
from polybius.events.modality import load_modality
from polybius.events.ontology import default_ontology
from polybius.events.petrarch_verbs import load_verb_matcher
from polybius.link.dedup import DEFAULT_THRESHOLD, DupIndex, MemoryIndex, StoreIndex, mark
from polybius.link.stories import Assignment, Params, StoryDoc, cluster, story_docs
from polybius.models import Document, DocumentError, DocumentResult, Event, RawDocument, Sentence
from polybius.nlp import (
    BATCH_SIZE,
    CHUNK_CHARS,
    DEFAULT_MODEL,
    TEXT_KEY,
    headline_case,
    load_model,
    parse_long,
)
from polybius.store import (
    content_hash,
    known_hashes,
    load_open_stories,
    session,
    write_results,
    write_stories,
)
from polybius.when import event_when
from polybius.where import default_gazetteer, event_location

Item = RawDocument | DocumentError
CITY_NAME_POPULATION = 100_000  # a one-word headline name the gazetteer knows keeps its capital from this size
Result = DocumentResult | DocumentError
MAX_CHARS = 2_000_000  # default --max-chars: longer cleaned texts are refused (about 3 minutes of coding)
RAW_FACTOR = 4  # a page before cleaning may be this many times --max-chars (HTML markup)
DOC_TIMEOUT = 300.0  # default --doc-timeout, seconds per document


class DocumentTimeout(Exception):
    """A document ran past its time budget."""


@dataclass
class Deadline:
    """A per-document time budget, checked between parse pieces and between sentences."""

    seconds: float
    start: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        if self.seconds > 0 and time.monotonic() - self.start > self.seconds:
            raise DocumentTimeout(f"took longer than the {self.seconds:g} s time budget (--doc-timeout); not coded")


@dataclass(frozen=True)
class Options:
    model: str = DEFAULT_MODEL
    workers: int = 1
    batch_size: int = BATCH_SIZE
    lexicons: tuple[str, ...] = field(default=())  # extra lexicon YAML files or folders
    builtin_lexicon: bool = True  # False: only the lexicons given (e.g. a user's own complete lexicon)
    actors: tuple[str, ...] = field(default=())  # TABARI/PETRARCH actor, agent, discard dictionaries
    builtin_kb: bool = True  # False: actors only from the `actors` dictionaries (PETRARCH's behaviour)
    verbs: tuple[str, ...] = field(default=())  # TABARI/PETRARCH/Phoenix verb pattern dictionaries
    strict_codes: bool = True  # False (--keep-unknown-codes): keep codes outside CAMEO (WEIS-style dictionaries)
    require_target: bool = False  # True (--require-target): only events with a target (PETRARCH's require_dyad)
    code_title: bool = False  # True: the title is coded too, as the text's first paragraph (sentence 0)
    dedup: bool = True  # False: every document is coded, copies too
    dup_threshold: float = DEFAULT_THRESHOLD  # estimated Jaccard similarity from which a text is a near copy
    max_chars: int = MAX_CHARS  # longer documents get an error instead of being coded
    doc_timeout: float = DOC_TIMEOUT  # seconds per document (0: no limit)
    date: str | None = None  # YYYY-MM-DD: publication date of documents that give none (--date; clean.publication_date)
    classifier: bool = True  # False: no statistical second opinion (events.classify): rules alone


class Coder:
    """Codes cleaned documents: parse, resolve actors, extract events, date and place them."""

    def __init__(self, options: Options, nlp: Language | None = None) -> None:
        self.options = options
        self.nlp = nlp if nlp is not None else load_model(options.model)
        ontology = default_ontology()
        self.discards = Discards()
        if options.actors or not options.builtin_kb:
            # a private knowledge base: the built-in one copied (or an empty one), imported names added
            self.kb = load_kb() if options.builtin_kb else KnowledgeBase()
            extra, self.discards = load_dictionaries(Path(p) for p in options.actors)
            self.kb.extend(extra)
        else:
            self.kb = default_kb()
        lexicon = load_lexicon(ontology, [Path(p) for p in options.lexicons], builtin=options.builtin_lexicon)
        matchers = (load_verb_matcher(options.verbs),) if options.verbs else ()
        self.extractor = EventExtractor(
            lexicon,
            ontology,
            Resolver(self.kb, locate=gazetteer_country if options.builtin_kb else None),
            load_modality(),
            discards=self.discards,
            matchers=matchers,
            strict_codes=options.strict_codes,
            classifier=load_classifier() if options.classifier and options.builtin_lexicon else None,
            frames=FrameIndex(lexicon, ontology, load_embedder()),  # phrases embedded once per Coder
        )

    def code(self, docs: list[Document]) -> list[Result]:
        """Code documents, in order. Short ones are parsed in one batch; long ones alone, piece by piece."""
        short = [d for d in docs if len(d.text) <= CHUNK_CHARS]
        try:
            texts = [self.parse_text(d) for d in short]
            parsed = dict(zip(map(id, short), self.nlp.pipe(texts, batch_size=self.options.batch_size), strict=True))
        except Exception:  # one bad text must not sink the batch: parse one by one to find it
            parsed = {}
        return [
            self._extract(d, parsed[id(d)], Deadline(self.options.doc_timeout))
            if id(d) in parsed
            else self._code_one(d)
            for d in docs
        ]

    def _code_one(self, doc: Document) -> Result:
        deadline = Deadline(self.options.doc_timeout)
        try:
            parsed = parse_long(self.nlp, self.parse_text(doc), between=deadline.check)
        except DocumentTimeout as exc:
            return DocumentError(doc.source, str(exc), doc.id)
        except Exception as exc:
            return DocumentError(doc.source, f"could not parse: {type(exc).__name__}: {exc}", doc.id)
        return self._extract(doc, parsed, deadline)

    def parse_text(self, doc: Document) -> str:
        """What the parser reads: the text, with a coded title-case headline put in sentence case (same length;
        sentences, evidence and actor texts are still taken from `doc.text`)."""
        if not doc.title_end:
            return doc.text
        return headline_case(doc.text[: doc.title_end], self.is_name) + doc.text[doc.title_end :]

    def is_name(self, phrase: str) -> bool:
        """Is a capitalised phrase a name (knowledge base, or a country, region or sizeable city)?"""
        key = name_key(phrase)
        if key in self.kb.names:
            return True
        if not self.options.builtin_kb or key in self.kb.sector_nouns:
            return False
        places = default_gazetteer().lookup(phrase)
        if " " in key:
            return bool(places)
        return any(p.feature == "country" or p.population >= CITY_NAME_POPULATION for p in places)

    def _extract(self, doc: Document, parsed: Doc, deadline: Deadline) -> Result:
        try:
            parsed.user_data[TEXT_KEY] = doc.text  # the words as written (the parse may differ in case)
            parsed.user_data[TITLE_END] = doc.title_end or 0  # headlinese is read apart ("Captives released")
            when = date.fromisoformat(doc.date) if doc.date else None
            ctx = DocContext(date=when, home_country=place_country(self.kb, doc.dateline))
            phrase = self.discards.matches(doc.text)
            story_discarded = phrase is not None and self.discards.is_story(phrase)
            sentences: list[Sentence] = []
            events = []
            for sent in parsed.sents:
                deadline.check()
                text = sent.text.strip()
                if not text:
                    continue
                index = len(sentences)
                sentences.append(
                    Sentence(doc.id, index, sent.start_char, sent.end_char, doc.text[sent.start_char : sent.end_char])
                )
                if not story_discarded:
                    found = self.extractor.sentence_events(sent, index, doc.id, doc.date, ctx)
                    events.extend(place_and_date(ev, parsed, when, doc.dateline, ctx) for ev in found)
            if self.options.require_target:
                events = [ev for ev in events if ev.target is not None]
            return DocumentResult(doc, sentences, distinct_events(events))
        except DocumentTimeout as exc:
            return DocumentError(doc.source, str(exc), doc.id)
        except Exception as exc:  # a bug on one document is reported for it; the batch goes on
            return DocumentError(
                doc.source, f"internal error while coding: {type(exc).__name__}: {exc}", doc.id
            )


def distinct_events(events: Sequence[Event]) -> list[Event]:
    """One event per `event_id` (document, sentence, evidence start, code, dyad), in text order: when two
    rules code the same act of the same actors twice, the more confident reading is kept (the first on a tie).
    So ids are unique by construction and stable from run to run, and every count is a count of rows."""
    best: dict[str, Event] = {}
    for ev in events:
        kept = best.get(ev.event_id)
        if kept is None or ev.confidence > kept.confidence:
            best[ev.event_id] = ev  # a dict keeps a key's first place when its value is replaced
    return list(best.values())


def gazetteer_country(name: str, doc_countries: Sequence[str] = ()) -> str | None:
    """The country of a place name, from the gazetteer (for actors named by a place: "shelled Kirkuk")."""
    place = default_gazetteer().resolve(name, doc_countries=doc_countries)
    return place.country if place is not None else None


def place_and_date(ev: Event, parsed: Doc, when: date | None, dateline: str | None, ctx: DocContext) -> Event:
    """The when/where stage: the event's own date and place, from the words of its clause."""
    predicate = parsed[ev.extra["predicate"]]
    background = ev.extra.get("background")  # a recalled act is dated by its own phrase, never by the story
    found = phrase_when(parsed[background], predicate, when) if background is not None else event_when(predicate, when)
    doc_countries = [c for c, _ in ctx.countries.most_common()]
    location = event_location(predicate, default_gazetteer(), doc_countries, dateline, ev.extra["actor_tokens"])
    return replace(ev, date=found.date, date_how=found.how, date_precision=found.precision, location=location)


def clean_items(
    items: Iterable[Item], code_title: bool = False, max_chars: int = MAX_CHARS, default_date: str | None = None
) -> Iterator[Document | DocumentError]:
    for item in items:
        if isinstance(item, DocumentError):
            yield item
            continue
        if len(item.content) > RAW_FACTOR * max_chars:
            yield DocumentError(item.source, too_long(len(item.content), max_chars), item.id)
            continue
        try:
            doc = clean(item, code_title=code_title, default_date=default_date)
        except CleanError as exc:
            yield DocumentError(item.source, str(exc), item.id)
            continue
        except Exception as exc:  # a parser crash inside trafilatura etc. stays this document's problem
            yield DocumentError(item.source, f"could not clean: {type(exc).__name__}: {exc}", item.id)
            continue
        if len(doc.text) > max_chars:
            yield DocumentError(item.source, too_long(len(doc.text), max_chars), item.id)
            continue
        yield doc


def too_long(n: int, max_chars: int) -> str:
    return f"document too long: {n:,} characters (limit {max_chars:,}; raise it with --max-chars)"


Chunk = list[Document | DocumentError | DocumentResult]


GROUP_SECONDS = 1.0  # a group of documents for the duplicate check is closed after this long


def chunks(
    items: Iterable[Document | DocumentError | DocumentResult], size: int, seconds: float | None = None
) -> Iterator[Chunk]:
    """Lists of `size` items (the last may be shorter); with `seconds`, also closed when an item arrives that
    long after the list was started."""
    chunk: Chunk = []
    started = 0.0
    for item in items:
        if not chunk:
            started = time.monotonic()
        chunk.append(item)
        if len(chunk) >= size or (seconds is not None and time.monotonic() - started >= seconds):
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def link_duplicates(chunks: Iterable[Chunk], index: DupIndex | None) -> Iterator[Chunk]:
    """The link stage's duplicate check: a copy of a document seen before becomes a finished result (a report of
    its canonical document, with nothing to parse)."""
    for chunk in chunks:
        docs = [d for d in chunk if isinstance(d, Document)]
        if index is None or not docs:
            yield chunk
            continue
        marked = iter(mark(index, docs))
        linked: Chunk = []
        for item in chunk:
            if isinstance(item, Document):
                doc = next(marked)
                linked.append(DocumentResult(doc, [], []) if doc.duplicate_of else doc)
            else:
                linked.append(item)
        yield linked


def code_chunk(coder: Coder, chunk: Chunk) -> list[Result]:
    docs = [d for d in chunk if isinstance(d, Document)]
    coded = iter(coder.code(docs)) if docs else iter(())
    return [item if not isinstance(item, Document) else next(coded) for item in chunk]


CHUNKS_AHEAD = 4  # chunks queued per worker process


@dataclass(frozen=True)
class StoryFeatures:
    """A document's story features (`link.stories.story_doc`), made where it was coded, and the number of events
    they were made from: the store may keep fewer (an event id stored already), and then they are made again."""

    doc: StoryDoc
    n_events: int


@dataclass(frozen=True)
class WorkerState:
    """What a worker process holds: its Coder, and whether (with which knowledge base: None for the built-in one)
    it also makes the story features of what it codes, so the parent does not."""

    coder: Coder
    stories: bool = False
    story_kb: KnowledgeBase | None = None


# One per worker process, set by the pool initializer (spaCy models cannot be shared between processes): the
# Coder inherited from the parent when the pool forks, built in the worker when it spawns.
_WORKER: WorkerState | None = None


def _init_worker(
    options: Options, coder: Coder | None, stories: bool = False, story_kb: KnowledgeBase | None = None
) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: no worker tracebacks
    _WORKER = WorkerState(coder if coder is not None else Coder(options), stories, story_kb)


def _work(chunk: Chunk) -> tuple[list[Result], list[StoryFeatures]]:
    """A worker's share: cleaned documents in, results out without `Event.extra` (token indices and confidence
    features, which mean nothing outside the worker's parse, and a third of the pickled bytes); with the story
    features of the documents (copies included), when the worker makes them."""
    assert _WORKER is not None, "worker not initialised"
    results = code_chunk(_WORKER.coder, chunk)
    features: list[StoryFeatures] = []
    if _WORKER.stories:
        coded = [r for r in results if isinstance(r, DocumentResult)]
        docs = story_docs(coded, load_embedder(), kb=_WORKER.story_kb)
        features = [StoryFeatures(d, len(r.events)) for r, d in zip(coded, docs, strict=True)]
    stripped = [
        replace(r, events=[replace(e, extra={}) for e in r.events]) if isinstance(r, DocumentResult) else r
        for r in results
    ]
    return stripped, features


def run(
    items: Iterable[Item],
    options: Options,
    skip: Callable[[str], bool] | None = None,
    coder: Coder | None = None,
    index: DupIndex | None = None,
    features: dict[str, StoryFeatures] | None = None,
    story_kb: KnowledgeBase | None = None,
) -> Iterator[Result]:
    """Stream raw documents through clean, the duplicate check, parse, actors and events. `skip(id)` drops
    known documents. `index` holds the documents already seen (a `StoreIndex` checks against the store);
    without one, a `MemoryIndex` finds copies within this run (unless `options.dedup` is off).

    Given a `features` dict, forked workers also make each document's story features (with `story_kb`, None
    for the built-in knowledge base) and put them in it by document id before the document is yielded: the
    link stage's work done beside the parse instead of in the parent (`ingest_into`). A single process and
    spawned workers leave it empty."""
    if skip is not None:
        items = (i for i in items if isinstance(i, DocumentError) or not skip(i.id))
    if index is None and options.dedup:
        index = MemoryIndex(options.dup_threshold)
    cleaned = clean_items(items, code_title=options.code_title, max_chars=options.max_chars, default_date=options.date)
    size = max(1, options.batch_size // 4)  # documents per chunk; a document has several sentences
    index = index if options.dedup else None
    # the duplicate check looks up a whole group at once (a store lookup costs one scan of its band table);
    # a slow source (feeds, stdin) does not wait for a full group: it goes on after GROUP_SECONDS
    group = max(size, index.group if index is not None else 0)
    groups = chunks(cleaned, group, GROUP_SECONDS)
    linked = (c for g in link_duplicates(groups, index) for c in chunks(g, size))
    if options.workers <= 1:
        coder = coder or Coder(options)
        for chunk in linked:
            yield from _forget_failed(code_chunk(coder, chunk), index)
        return
    fork = sys.platform.startswith("linux")
    if fork:  # start-up paid once: the workers inherit the model, knowledge base, lexicon and gazetteer
        coder = coder or Coder(options)
        default_gazetteer()
    stories = fork and features is not None  # a forked worker inherits the knowledge base; a spawned one would not
    pool = mp.get_context("fork" if fork else "spawn").Pool(
        options.workers,
        initializer=_init_worker,
        initargs=(options, coder if fork else None, stories, story_kb if stories else None),
    )

    def collected(done: AsyncResult[tuple[list[Result], list[StoryFeatures]]]) -> list[Result]:
        results, made = done.get()
        if features is not None:
            features.update((f.doc.id, f) for f in made)
        return _forget_failed(results, index)

    # Chunks are handed out from this thread, a few per worker ahead: `pool.imap` would read the whole input
    # in its own thread (all of it in memory, and the duplicate check's store reads racing this thread's writes).
    pending: deque[AsyncResult[tuple[list[Result], list[StoryFeatures]]]] = deque()
    with pool:
        for chunk in linked:
            pending.append(pool.apply_async(_work, (chunk,)))
            if len(pending) >= CHUNKS_AHEAD * options.workers:
                yield from collected(pending.popleft())
        while pending:
            yield from collected(pending.popleft())


WRITE_BATCH = 200  # documents per store transaction
COMMIT_SECONDS = 2.0  # ... or fewer, when coding them took this long: readers see new events within seconds


@dataclass
class IngestCounts:
    """What one ingest stored: every count is of rows written, not of rows attempted."""

    documents: int = 0
    sentences: int = 0
    events: int = 0
    skipped: int = 0  # already stored (same id)
    failures: list[DocumentError] = field(default_factory=list)
    copies: int = 0  # of `documents`: copies of another document, stored as its reports and not coded
    changed: int = 0  # of `skipped`: stored with other content; the stored version kept (no `replace`)
    replaced: int = 0  # of `documents`: stored with other content, deleted and coded again (`replace`)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def __add__(self, other: IngestCounts) -> IngestCounts:
        return IngestCounts(
            self.documents + other.documents,
            self.sentences + other.sentences,
            self.events + other.events,
            self.skipped + other.skipped,
            self.failures + other.failures,
            self.copies + other.copies,
            self.changed + other.changed,
            self.replaced + other.replaced,
        )


def ingest_into(
    con: duckdb.DuckDBPyConnection | str | Path,
    items: Iterable[Item],
    options: Options,
    coder: Coder | None = None,
    report: Callable[[DocumentError], None] | None = None,
    replace: bool = False,
    warn: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestCounts:
    """The whole path into the store: documents already stored are skipped before parsing, copies of stored
    documents are linked to them (checked against the signatures in the store) and not parsed, the rest are
    coded; all are written in transactions of `WRITE_BATCH` documents, or of what `COMMIT_SECONDS` brought; errors are
    reported and recorded.

    A stored id arriving with the same content is skipped silently (ingesting twice changes nothing). Arriving
    with other content (compared by `store.content_hash`), it is skipped with a `warn` line and counted as
    `changed`, unless `replace`: then it is coded again and its stored rows are deleted in the transaction that
    writes the new ones (`store.write_results`). An id that arrives twice in one run keeps its first version
    (a warning when the second differs). Documents stored without a hash (older stores) are skipped as before.

    Given a store path instead of a connection, every transaction opens the store, writes and closes it
    (waiting out a reader's lock): between transactions the file is free, so `polybius serve` and other
    read-only processes read it while the ingest runs and see each batch as it commits.

    `progress(n)` is called as documents are done (skipped, coded or failed), for a progress bar: the pipeline
    itself prints nothing."""
    counts = IngestCounts()
    with writing(con) as c:
        stored = known_hashes(c)
    index = StoreIndex(lambda: writing(con), options.dup_threshold) if options.dedup else None
    seen: dict[str, str] = {}  # ids read in this run -> content hash
    hashes: dict[str, str] = {}  # ids on their way to the store -> content hash (written with them)
    replacing: set[str] = set()

    def fresh(items: Iterable[Item]) -> Iterator[Item]:
        for item in items:
            if isinstance(item, DocumentError) or not already(item):
                yield item
            elif progress is not None:
                progress(1)

    def already(doc: RawDocument) -> bool:
        digest = content_hash(doc.content)
        if doc.id in seen:
            counts.skipped += 1
            if seen[doc.id] != digest:
                counts.changed += 1
                if warn is not None:
                    warn(f"{doc.source}: document {doc.id} arrived twice in this run with different content; "
                         "the first is kept")  # fmt: skip
            return True
        seen[doc.id] = digest
        if doc.id not in stored:
            hashes[doc.id] = digest
            return False
        if stored[doc.id] is None or stored[doc.id] == digest:
            counts.skipped += 1
            return True
        if replace:
            replacing.add(doc.id)
            hashes[doc.id] = digest
            if index is not None:
                index.forget(doc.id)  # its old text must not make the new one a copy of itself
            return False
        counts.skipped += 1
        counts.changed += 1
        if warn is not None:
            warn(f"{doc.source}: document {doc.id} is stored with different content; the stored version is kept "
                 "(--replace codes it again)")  # fmt: skip
        return True

    batch: list[DocumentResult] = []
    errors: list[DocumentError] = []
    story_kb = coder.kb if coder is not None else None
    features: dict[str, StoryFeatures] = {}  # made by the workers, if any (`run`)

    last_commit = time.monotonic()

    def flush() -> None:
        nonlocal last_commit
        if batch or errors:
            with writing(con) as c:
                written = write_results(c, batch, errors, hashes=hashes, replace_ids=replacing)
                store_stories(c, written, story_kb, made=features)
        else:
            written = []
        last_commit = time.monotonic()
        counts.documents += len(written)
        counts.sentences += sum(len(r.sentences) for r in written)
        counts.events += sum(len(r.events) for r in written)
        counts.copies += sum(r.document.duplicate_of is not None for r in written)
        counts.replaced += sum(r.document.id in replacing for r in written)
        for r in batch:
            hashes.pop(r.document.id, None)
            replacing.discard(r.document.id)
            features.pop(r.document.id, None)
        for e in errors:
            if e.doc_id:
                hashes.pop(e.doc_id, None)
                replacing.discard(e.doc_id)
        batch.clear()
        errors.clear()

    for result in run(fresh(items), options, coder=coder, index=index, features=features, story_kb=story_kb):
        if progress is not None:
            progress(1)
        if isinstance(result, DocumentError):
            if report is not None:
                report(result)
            errors.append(result)
            counts.failures.append(result)
        else:
            batch.append(result)
        if len(batch) >= WRITE_BATCH or (batch and time.monotonic() - last_commit >= COMMIT_SECONDS):
            flush()
    flush()
    return counts


@contextmanager
def writing(store: duckdb.DuckDBPyConnection | str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection itself, or one opened on the store path for the block (closed after it)."""
    if isinstance(store, duckdb.DuckDBPyConnection):
        yield store
    else:
        with session(store) as con:
            yield con


def _forget_failed(results: list[Result], index: DupIndex | None) -> list[Result]:
    """A document that failed in coding is not stored, so it must not be the canonical document of a later copy."""
    if index is not None:
        for r in results:
            if isinstance(r, DocumentError) and r.doc_id:
                index.forget(r.doc_id)
    return results


def store_stories(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[DocumentResult],
    kb: KnowledgeBase | None = None,
    params: Params | None = None,
    made: Mapping[str, StoryFeatures] | None = None,
) -> None:
    """The link stage's story threads for newly stored documents: clustered against the stored stories open
    around their dates (late articles join them), then stored. The features of a document in `made` (made by
    a worker from the same events) are used as they are; the others are made here."""
    if not results:
        return
    made = made or {}

    def ready(r: DocumentResult) -> bool:
        return r.document.id in made and made[r.document.id].n_events == len(r.events)

    todo = [r for r in results if not ready(r)]
    fresh = iter(story_docs(todo, load_embedder(), kb=kb) if todo else [])
    link_stories(con, [made[r.document.id].doc if ready(r) else next(fresh) for r in results], params)


def link_stories(con: duckdb.DuckDBPyConnection, docs: Sequence[StoryDoc], params: Params | None = None) -> None:
    """Cluster the story features of newly stored documents against the stored stories open around their
    dates, and store the result (a distributed run's import gets the features from its workers)."""
    if not docs:
        return
    params = params or Params()
    days = [d.day for d in docs if d.day is not None]
    existing = load_open_stories(
        con, min(days, default=None), max(days, default=None), params.window_days, params.max_open,
        params.max_members,
    )  # fmt: skip
    write_stories(con, cluster(docs, existing, params), docs)


def story_threads(
    items: Iterable[Item], options: Options, coder: Coder | None = None, params: Params | None = None
) -> Iterator[Assignment | DocumentError]:
    """Stateless story threads: code the documents, cluster them in time order, and yield one assignment
    (or error) per input document, in input order."""
    results: list[Result] = list(run(items, options, coder=coder))
    coded = [r for r in results if isinstance(r, DocumentResult)]
    from polybius.embed import load_embedder

    docs = story_docs(coded, load_embedder(), kb=coder.kb if coder is not None else None)
    assigned = {a.doc_id: a for a in cluster(docs, (), params or Params()).assignments}
    for r in results:
        yield r if isinstance(r, DocumentError) else assigned[r.document.id]
