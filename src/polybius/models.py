"""The data model shared by every stage: small dataclasses, no behaviour beyond conversion."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RawDocument:
    """A document as read from a source, before cleaning."""

    id: str
    kind: str  # "text" | "html"
    content: str
    source: str  # file path, "<stdin>", or path#line for JSON lines
    title: str | None = None
    date: str | None = None  # ISO date given by the source (JSONL "date")
    url: str | None = None
    default_date: str | None = None  # ISO date to use when the document gives none of its own (--date)


@dataclass(frozen=True)
class DocumentError:
    """A document that could not be read or cleaned; the batch goes on without it."""

    source: str
    reason: str
    doc_id: str | None = None

    def __str__(self) -> str:
        ident = f" [{self.doc_id}]" if self.doc_id else ""
        return f"{self.source}{ident}: {self.reason}"


@dataclass(frozen=True)
class Document:
    """A cleaned document: `text` is what every offset (sentences, evidence) points into."""

    id: str
    text: str
    source: str
    kind: str
    title: str | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD) of publication, None when unknown
    date_source: str | None = None  # "given" | "html" | "dateline" | "default" (--date) | None
    url: str | None = None
    dateline: str | None = None  # place named in the dateline ("MOSCOW")
    outlet: str | None = None  # news agency or paper named in the text ("Reuters", "NEW YORK TIMES")
    removed: tuple[str, ...] = ()  # descriptions of what cleaning cut ("junk tail: Check Also ...")
    title_end: int = 0  # > 0 when the title is coded too: text[:title_end] is the title, its first paragraph
    duplicate_of: str | None = None  # a copy of this stored document (link stage): a report of it, not coded
    duplicate_score: float | None = None  # 1.0 exact copy, else estimated Jaccard similarity of word shingles


@dataclass(frozen=True)
class Sentence:
    doc_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Actor:
    """A resolved actor: CAMEO composite code plus its parts."""

    code: str  # e.g. RUSGOV, USAMIL, IGOUNO
    country: str | None  # ISO3, "IGO", "NGO", "IMG" or None when unknown
    sector: str | None  # CAMEO agent code (GOV, MIL, ...) or None
    name: str  # canonical name ("Russia", "Vladimir Putin", "United Nations")
    text: str = ""  # the words as matched in the sentence
    how: str = ""  # where the decision came from: "kb:country", "kb:leader", "text:role", "dict:phoenix", ...
    start: int | None = None  # offsets of `text` in the document text
    end: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "code": self.code,
            "country": self.country,
            "sector": self.sector,
            "name": self.name,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class Location:
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    feature: str | None = None  # "country" | "adm1" | "city"
    how: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "country": self.country, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True)
class Event:
    doc_id: str
    sentence_index: int
    sentence: str
    source: Actor
    target: Actor | None
    cameo: str
    cameo_root: str
    quad_class: int
    goldstein: float
    plover_type: str
    plover_mode: str
    plover_context: str
    evidence_start: int  # offsets into Document.text
    evidence_end: int
    evidence_text: str
    confidence: float
    rule: str  # the lexicon entry that fired
    date: str | None = None
    date_how: str = "unknown"  # explicit | relative | document | unknown
    date_precision: str | None = None  # day | week | month | year; None when the date is unknown
    location: Location | None = None
    modality: str = "asserted"  # asserted | intent | threat | conditional
    background: bool = False  # recalled as the time or cause of the news ("since the 2022 invasion")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        target = self.target.code if self.target else "-"
        return f"{self.doc_id}:{self.sentence_index}:{self.evidence_start}:{self.cameo}:{self.source.code}:{target}"

    def as_record(self) -> dict[str, Any]:
        """The output contract (polybius.record.EventRecord; schemas/event.schema.json)."""
        from polybius.record import record_from_event

        return record_from_event(self)


@dataclass
class DocumentResult:
    """What the pipeline produces for one document."""

    document: Document
    sentences: list[Sentence]
    events: list[Event]


def to_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)
