"""The event record: the output contract, defined once.

`EventRecord` (a pydantic model) is the one definition of what an event looks like outside polybius. From it
derive:

- the JSON Schema (`json_schema()`; checked in as ``schemas/event.schema.json``, installed with the package as
  ``polybius/data/event.schema.json`` and printed by ``polybius schema``);
- the flat columns of the store's ``events`` table and of the CSV/Parquet exports (`FLAT_COLUMNS`: a nested
  object's fields are written ``{object}_{field}``, e.g. ``source_code``, ``plover_type``);
- the nested records of ``polybius code``, ``polybius events --format jsonl`` and the JSON lines export
  (`record_from_flat`, which builds a record from a flat row by walking the model's fields, so a field added
  to the model appears everywhere at once).

Records are plain dicts built without pydantic validation (fast at millions of events); the tests validate
them against the model and the schema.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from polybius.events.ontology import CONTEXT_SEP, default_ontology

if TYPE_CHECKING:
    from polybius.models import Event

SCHEMA_ID = "https://polybius.invalid/schemas/event.schema.json"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "event.schema.json"

_ONTOLOGY = default_ontology()
PLOVER_TYPES = tuple(_ONTOLOGY.plover)
PLOVER_MODES = tuple(sorted({m for t in _ONTOLOGY.plover.values() for m in t.modes}))
PLOVER_CONTEXTS = tuple(_ONTOLOGY.contexts)
DATE_HOW = ("explicit", "relative", "document", "unknown")
DATE_PRECISIONS = ("day", "week", "month", "year")  # polybius.when.PRECISIONS
MODALITIES = ("asserted", "intent", "threat", "refused")
LOCATION_FEATURES = ("country", "adm1", "region", "city")

PloverTypeName = Literal[PLOVER_TYPES]  # type: ignore[valid-type]
PloverModeName = Literal[PLOVER_MODES]  # type: ignore[valid-type]
DateHow = Literal[DATE_HOW]  # type: ignore[valid-type]
DatePrecision = Literal[DATE_PRECISIONS]  # type: ignore[valid-type]
Modality = Literal[MODALITIES]  # type: ignore[valid-type]
LocationFeature = Literal[LOCATION_FEATURES]  # type: ignore[valid-type]

_CONTEXT = "(" + "|".join(PLOVER_CONTEXTS) + ")"
CONTEXT_PATTERN = f"^{_CONTEXT}({CONTEXT_SEP}{_CONTEXT})*$"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActorRecord(_Part):
    """An actor: who acted (source) or who was acted on (target)."""

    text: str = Field(
        description="The words as they stand in the sentence; empty when no words name the actor and the act "
        'implies it (an agentless passive: "a curfew was imposed in Kashmir" gives the state of the place, '
        "with start and end null)."
    )
    code: str = Field(
        pattern="^[A-Z]{3,}$",
        description="CAMEO composite actor code: RUS, RUSGOV, USAMIL, IGOUNO, ...",
    )
    country: str | None = Field(
        pattern="^([A-Z]{3})$",
        description="ISO3 country, or IGO / NGO / IMG (international militarized group, e.g. Islamic State), "
        "or a CAMEO region (EUR, WAF, MEA, WST, ...) or former state (SUN, YUG, CSK, DDR: ISO 3166-3); null for "
        "a sector-only actor.",
    )
    sector: str | None = Field(
        pattern="^([A-Z]{3})+$",
        description="CAMEO agent code (GOV, MIL, REB, ...); imported dictionaries may give several (GOVFRM).",
    )
    name: str = Field(description='Canonical name ("Vladimir Putin", "Russia", "United Nations").')
    start: int | None = Field(default=None, ge=0, description="Offset of `text` in the cleaned document text.")
    end: int | None = Field(default=None, ge=0, description="End offset of `text` in the cleaned document text.")


class PloverRecord(_Part):
    """The event in the PLOVER ontology."""

    type: PloverTypeName | None = Field(  # type: ignore[valid-type]
        description="PLOVER event type (AGREE ... ASSAULT); null for CAMEO 01/02 codes PLOVER does not cover."
    )
    mode: PloverModeName | None = Field(  # type: ignore[valid-type]
        description="PLOVER mode of the type (e.g. CONSULT `visit`, ASSAULT `aerial`); null when none."
    )
    context: str | None = Field(
        pattern=CONTEXT_PATTERN,
        json_schema_extra={"x-enum-items": list(PLOVER_CONTEXTS)},
        description="One or more PLOVER contexts (listed in x-enum-items), separated by ';'; null when none.",
    )


class LocationRecord(_Part):
    """Where the event happened."""

    name: str = Field(description="The place's name as the gazetteer knows it.")
    country: str | None = Field(description="ISO3 country of the place.")
    lat: float | None = Field(ge=-90, le=90, description="Latitude (WGS84 degrees).")
    lon: float | None = Field(ge=-180, le=180, description="Longitude (WGS84 degrees).")
    feature: LocationFeature | None = Field(  # type: ignore[valid-type]
        default=None, description="What kind of place: a country, a first-level division (adm1), a region or a city."
    )


class EvidenceRecord(_Part):
    """Character offsets into the cleaned document text (documents.text in the store) and the text between them."""

    start: int = Field(ge=0, description="Start offset of the evidence span in the cleaned document text.")
    end: int = Field(ge=0, description="End offset of the evidence span in the cleaned document text.")
    text: str = Field(min_length=1, description="The evidence span: the words that coded the event.")


class EventRecord(_Part):
    """One coded event, as written by `polybius code` (one JSON object per line) and by `polybius events
    --format jsonl` / `polybius export --format jsonl`. Fields may be added in later versions; none will be
    renamed or removed."""

    model_config = ConfigDict(extra="forbid", title="polybius event")

    event_id: str = Field(
        description="Stable id: document, sentence, evidence offset, code and source; unique in a store."
    )
    doc_id: str = Field(description="The document's id: the JSONL id when given, else a hash of its content.")
    sentence_index: int = Field(ge=0, description="0-based index of the sentence in the cleaned document text.")
    sentence: str = Field(min_length=1, description="The sentence the event was coded from.")
    source: ActorRecord = Field(description="Who acted (PLOVER: actor).")
    target: ActorRecord | None = Field(
        description="Who was acted on (PLOVER: recipient); null for single-actor events. When no slot of the "
        "matched lexicon entry names it, it is the first actor named in the predicate's own phrase (the "
        "TABARI/PETRARCH rule), with less confidence; a place in the source's own country stands for that "
        'country ("Indian police imposed a curfew in Kashmir": IND).'
    )
    cameo: str = Field(pattern="^[0-2][0-9]{1,3}$", description="CAMEO event code (2-4 digits).")
    cameo_root: str = Field(pattern="^(0[1-9]|1[0-9]|20)$", description="CAMEO root code (01-20).")
    quad_class: Literal[1, 2, 3, 4] = Field(
        description="1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict."
    )
    goldstein: float = Field(ge=-10, le=10, description="Goldstein scale score of the CAMEO code (-10 to 10).")
    plover: PloverRecord = Field(description="The event in the PLOVER ontology: type, mode, context.")
    date: str | None = Field(
        pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        json_schema_extra={"format": "date"},
        description="When the event happened (ISO date), null when unknown.",
    )
    date_how: DateHow = Field(  # type: ignore[valid-type]
        description="How the date was decided: a date in the event's clause (explicit), a relative expression "
        "resolved against the story's date (relative), the story's date (document), or no date (unknown)."
    )
    date_precision: DatePrecision | None = Field(  # type: ignore[valid-type]
        default=None,
        description="How much of `date` the text tells: day (\"on Tuesday\", \"July 22\", \"yesterday\", and the "
        "story's date when it is the fallback), week (\"last week\", \"this week\"; `date` is a day of that week), "
        "month (\"in March\", \"last month\"; `date` is the month's first day) or year (\"in 2013\", \"last "
        "year\"; `date` is January 1st); null when the date is unknown. Count by day only the events of day "
        "precision: a month or year is not the day its first day stands for.",
    )
    location: LocationRecord | None = Field(
        description="Where the event happened (from its clause, else the dateline); null when unknown."
    )
    evidence: EvidenceRecord = Field(description="The span of the document that coded the event.")
    confidence: float = Field(
        ge=0, le=1, description="Logistic score fitted on the development data (0-1), rounded to 3 places."
    )
    modality: Modality = Field(  # type: ignore[valid-type]
        description="asserted act, stated intention (CAMEO 03x), threat (13x) or refusal of a cooperative act (12x)."
    )
    rule: str = Field(description="The lexicon entry or dictionary pattern that fired (file#index).")
    background: bool = Field(
        default=False,
        description="True for an act the sentence recalls as the time or cause of its news, not as an act of "
        'the story\'s day: an event noun in "since the invasion of ...", "after last year\'s coup", "in the wake '
        'of the sanctions", "before the war", or a verb in "since Russia invaded", "after troops withdrew last '
        'year". Its `date` is the one its own phrase states ("in 2022"), else null; it ranks below the '
        "sentence's other events, with lower confidence. False in stores written before this field existed.",
    )


# -- derived: flat columns and records ----------------------------------------------------------------------
def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The nested model of a field (ActorRecord for `ActorRecord | None`), or None for a scalar field."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, Optional) or type(annotation).__name__ == "UnionType":
        for arg in get_args(annotation):
            found = _submodel(arg)
            if found is not None:
                return found
    return None


@functools.cache
def _layout() -> tuple[tuple[str, tuple[str, ...] | None, bool], ...]:
    """(field, its sub-fields or None, nullable) for each field of EventRecord, in order."""
    out = []
    for name, info in EventRecord.model_fields.items():
        sub = _submodel(info.annotation)
        nullable = type(None) in get_args(info.annotation)
        out.append((name, tuple(sub.model_fields) if sub else None, nullable))
    return tuple(out)


FLAT_COLUMNS: tuple[str, ...] = tuple(
    col for name, subs, _ in _layout() for col in ([f"{name}_{s}" for s in subs] if subs else [name])
)


def record_from_flat(row: dict[str, Any]) -> dict[str, Any]:
    """A record of the contract from a flat row (store columns: ``source_code``, ``plover_type``, ...).

    A nullable object (target, location) is null when its first field is null; an empty string in a nullable
    scalar of PLOVER is null; dates are ISO strings; confidence has 3 decimals."""
    rec: dict[str, Any] = {}
    for name, subs, nullable in _layout():
        if subs is None:
            rec[name] = row[name]
        elif nullable and row.get(f"{name}_{subs[0]}") is None:
            rec[name] = None
        else:
            rec[name] = {s: row.get(f"{name}_{s}") for s in subs}
    plover = rec["plover"]
    for key in ("type", "mode", "context"):
        plover[key] = plover[key] or None
    if isinstance(rec["date"], date):
        rec["date"] = rec["date"].isoformat()
    if rec["confidence"] is not None:
        rec["confidence"] = round(float(rec["confidence"]), 3)
    rec["background"] = bool(rec.get("background"))  # NULL in stores written before the column existed
    return rec


def flat_from_event(ev: Event) -> dict[str, Any]:
    """An Event as a flat row (FLAT_COLUMNS), the shape stored and exported."""
    s, t, loc = ev.source, ev.target, ev.location
    row: dict[str, Any] = {
        "event_id": ev.event_id,
        "doc_id": ev.doc_id,
        "sentence_index": ev.sentence_index,
        "sentence": ev.sentence,
        "cameo": ev.cameo,
        "cameo_root": ev.cameo_root,
        "quad_class": ev.quad_class,
        "goldstein": ev.goldstein,
        "plover_type": ev.plover_type or None,
        "plover_mode": ev.plover_mode or None,
        "plover_context": ev.plover_context or None,
        "date": ev.date,
        "date_how": ev.date_how,
        "date_precision": ev.date_precision,
        "location_name": loc.name if loc else None,
        "location_country": loc.country if loc else None,
        "location_lat": loc.lat if loc else None,
        "location_lon": loc.lon if loc else None,
        "location_feature": loc.feature if loc else None,
        "evidence_start": ev.evidence_start,
        "evidence_end": ev.evidence_end,
        "evidence_text": ev.evidence_text,
        "confidence": ev.confidence,
        "modality": ev.modality,
        "rule": ev.rule,
        "background": ev.background,
    }
    for side, actor in (("source", s), ("target", t)):
        for key in ActorRecord.model_fields:
            row[f"{side}_{key}"] = getattr(actor, key) if actor is not None else None
    return {c: row.get(c) for c in FLAT_COLUMNS}


def record_from_event(ev: Event) -> dict[str, Any]:
    return record_from_flat(flat_from_event(ev))


def validate(record: dict[str, Any]) -> EventRecord:
    """Check a record against the model (raises pydantic.ValidationError)."""
    return EventRecord.model_validate(record)


# -- the JSON Schema ----------------------------------------------------------------------------------------
def _tidy(node: Any) -> Any:
    """Pydantic's schema made readable: `anyOf [X, null]` of scalars written as `type: [X, "null"]`, titles dropped."""
    if isinstance(node, list):
        return [_tidy(n) for n in node]
    if not isinstance(node, dict):
        return node
    # titles repeat the names; additionalProperties stays open so that records of later versions (which may
    # add fields, never rename or remove them) still validate against this schema
    node = {k: _tidy(v) for k, v in node.items() if k not in ("title", "additionalProperties")}
    any_of = node.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
        other = next(x for x in any_of if x != {"type": "null"})
        if "$ref" not in other and isinstance(other.get("type"), str):
            del node["anyOf"]
            merged = dict(other)
            merged["type"] = [other["type"], "null"]
            if "enum" in merged:
                merged["enum"] = [*merged["enum"], None]
            node = {**merged, **node}
    return node


@functools.cache
def _schema_text() -> str:
    raw = EventRecord.model_json_schema(mode="serialization")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": raw.get("title", "polybius event"),
        **{k: v for k, v in _tidy(raw).items() if k not in ("title",)},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one event record, generated from EventRecord."""
    return json.loads(_schema_text())


def schema_text() -> str:
    """The JSON Schema as the text checked in at schemas/event.schema.json."""
    return _schema_text()


def record_sql() -> str:
    """The SELECT list that builds records of the contract from the flat store columns in SQL (DuckDB structs),
    walking the model as `record_from_flat` does: exports write JSON lines with DuckDB COPY, no Python loop."""
    parts = []
    for name, subs, nullable in _layout():
        if subs is None:
            expr = {
                "date": "strftime(date, '%Y-%m-%d')",
                "confidence": "round(confidence, 3)",
                "background": "coalesce(background, false)",
            }.get(name, f'"{name}"')
        else:
            values = []
            for s in subs:
                col = f'"{name}_{s}"'
                value = f"nullif({col}, '')" if name == "plover" else col
                values.append(f'"{s}" := {value}')
            expr = f"struct_pack({', '.join(values)})"
            if nullable:
                expr = f'CASE WHEN "{name}_{subs[0]}" IS NULL THEN NULL ELSE {expr} END'
        parts.append(f'{expr} AS "{name}"')
    return ", ".join(parts)
