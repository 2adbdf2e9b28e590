"""Long documents: parsed in pieces with offsets kept, a hard length cap, a per-document time budget."""

from __future__ import annotations

from dataclasses import replace

from polybius.clean import clean
from polybius.models import DocumentError, DocumentResult, RawDocument
from polybius.nlp import entity_index, parse_long, span_ents, split_text
from polybius.pipeline import Coder, run

PARAGRAPHS = [
    "Russian President Vladimir Putin met Chinese leader Xi Jinping in Moscow on Monday.",
    "Turkey accused Greece of violating its airspace near the island of Rhodes.",
    "The Kenyan police arrested dozens of protesters in Nairobi after the rally.",
    "Germany will send humanitarian aid to Sudan next week, officials said.",
]


def long_text(n_chars: int) -> str:
    out, size, i = [], 0, 0
    while size < n_chars:
        p = PARAGRAPHS[i % len(PARAGRAPHS)]
        out.append(p)
        size += len(p) + 2
        i += 1
    return "\n\n".join(out) + "\n"


def test_split_text_joins_back_and_cuts_at_paragraphs():
    text = long_text(12_000)
    pieces = split_text(text, 3000)
    assert "".join(pieces) == text
    assert all(len(p) <= 3000 for p in pieces) and len(pieces) >= 4
    assert all(p.endswith("\n\n") for p in pieces[:-1])  # cut after a blank line, never inside a sentence


def test_split_text_without_breaks_cuts_at_sentence_ends_then_spaces_then_hard():
    sentences = "Spain praised Italy. " * 200
    pieces = split_text(sentences, 500)
    assert "".join(pieces) == sentences and all(p.endswith(". ") for p in pieces[:-1])
    words = "word " * 300
    assert all(p.endswith(" ") for p in split_text(words, 100)[:-1])
    blob = "x" * 1000
    assert split_text(blob, 300) == ["x" * 300] * 3 + ["x" * 100]


def test_parse_long_equals_the_whole_parse(coder: Coder):
    text = long_text(9000)
    whole = coder.nlp(text)
    pieced = parse_long_with(coder, text, 2000)
    assert pieced.text == text
    assert [(s.start_char, s.end_char) for s in pieced.sents] == [(s.start_char, s.end_char) for s in whole.sents]
    assert [(e.start_char, e.end_char, e.label_) for e in pieced.ents] == [
        (e.start_char, e.end_char, e.label_) for e in whole.ents
    ]


def parse_long_with(coder: Coder, text: str, size: int):
    nlp = coder.nlp
    old = nlp.max_length
    nlp.max_length = size  # parse_long cuts at min(CHUNK_CHARS, max_length)
    try:
        return parse_long(nlp, text)
    finally:
        nlp.max_length = old


def test_entity_index_agrees_with_spacy(coder: Coder):
    doc = coder.nlp(long_text(2000))
    index = entity_index(doc)
    assert list(index.ents) == list(doc.ents)
    for sent in doc.sents:
        assert list(span_ents(sent)) == list(sent.ents)


def test_a_long_document_is_coded_in_pieces_with_offsets_into_its_text(coder: Coder):
    text = long_text(120_000)  # over CHUNK_CHARS: parsed in three pieces
    doc = clean(RawDocument("long", "text", text, "long.txt", date="2023-05-02"))
    (result,) = coder.code([doc])
    assert isinstance(result, DocumentResult)
    assert len(result.sentences) >= 1400
    for s in result.sentences:
        assert doc.text[s.start : s.end] == s.text
    assert len(result.events) > 100
    for ev in result.events:
        assert doc.text[ev.evidence_start : ev.evidence_end] == ev.evidence_text
        assert doc.text[ev.source.start : ev.source.end] == ev.source.text
    # the same paragraph codes to the same events wherever it stands, across the piece boundaries
    by_text: dict[str, set[frozenset[tuple[str, str | None, str]]]] = {}
    sentence_text = {s.index: s.text.strip() for s in result.sentences}
    coded: dict[int, set[tuple[str, str | None, str]]] = {}
    for e in result.events:
        coded.setdefault(e.sentence_index, set()).add((e.source.code, e.target.code if e.target else None, e.cameo))
    for s in result.sentences:
        by_text.setdefault(sentence_text[s.index], set()).add(frozenset(coded.get(s.index, set())))
    assert len(by_text) == len(PARAGRAPHS) and all(len(v) == 1 for v in by_text.values())


def test_max_chars_gives_one_error_and_the_batch_goes_on(coder: Coder):
    options = replace(coder.options, max_chars=5000, dedup=False)
    raws = [
        RawDocument("big", "text", long_text(8000), "big.txt"),
        RawDocument("small", "text", PARAGRAPHS[0], "small.txt"),
        RawDocument("huge", "html", "<p>" + "a " * 20_000 + "</p>", "huge.html"),
    ]
    results = list(run(raws, options, coder=coder))
    assert isinstance(results[0], DocumentError) and "too long" in results[0].reason
    assert "--max-chars" in results[0].reason and "\n" not in results[0].reason
    assert isinstance(results[1], DocumentResult) and results[1].events
    assert isinstance(results[2], DocumentError) and "too long" in results[2].reason


def test_doc_timeout_reports_the_document_and_the_batch_goes_on(coder: Coder):
    slow = Coder(replace(coder.options, doc_timeout=1e-9, dedup=False), nlp=coder.nlp)
    raws = [RawDocument("a", "text", long_text(3000), "a.txt"), RawDocument("b", "text", long_text(60_000), "b.txt")]
    results = list(run(raws, slow.options, coder=slow))
    assert all(isinstance(r, DocumentError) and "--doc-timeout" in r.reason for r in results)
    relaxed = list(run(raws[:1], coder.options, coder=coder))
    assert isinstance(relaxed[0], DocumentResult)
