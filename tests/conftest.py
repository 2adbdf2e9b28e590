"""Shared fixtures: one spaCy model and one Coder per test process (they are slow to build)."""

from __future__ import annotations

from pathlib import Path

import pytest

from polybius.clean import clean
from polybius.models import DocumentResult, RawDocument
from polybius.pipeline import Coder, Options

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURE_LEXICON = Path(__file__).resolve().parent / "fixtures" / "lexicon.yaml"


@pytest.fixture(scope="session")
def coder() -> Coder:
    """The real thing: built-in lexicon and knowledge base."""
    return Coder(Options())


@pytest.fixture(scope="session")
def syntax_coder(coder: Coder) -> Coder:
    """Same model and knowledge base, but only the small lexicon in tests/fixtures: syntax tests stay
    independent of how the built-in lexicon grows."""
    return Coder(Options(lexicons=(str(FIXTURE_LEXICON),), builtin_lexicon=False), nlp=coder.nlp)


def code_text(coder: Coder, text: str, date: str | None = "2009-03-04", doc_id: str = "t") -> DocumentResult:
    doc = clean(RawDocument(id=doc_id, kind="text", content=text, source="test", date=date))
    (result,) = coder.code([doc])
    assert isinstance(result, DocumentResult), result
    return result


def triples(result: DocumentResult) -> set[tuple[str, str | None, str]]:
    return {(e.source.code, e.target.code if e.target else None, e.cameo) for e in result.events}
