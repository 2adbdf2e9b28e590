"""One contract, one definition: records of `code`, `events`/`export` and the JSON Schema all derive from
polybius.record.EventRecord."""

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from conftest import code_text
from pydantic import ValidationError
from test_store import RUS, USA, event, result

from polybius.cli import main
from polybius.query import EventFilter, events
from polybius.record import (
    FLAT_COLUMNS,
    PLOVER_CONTEXTS,
    PLOVER_MODES,
    PLOVER_TYPES,
    SCHEMA_FILE,
    json_schema,
    schema_text,
    validate,
)
from polybius.store import EVENT_COLUMNS, connect, write_batch

ROOT = Path(__file__).resolve().parents[1]


def test_checked_in_schema_is_the_generated_one():
    assert (ROOT / "schemas" / "event.schema.json").read_text(encoding="utf-8") == schema_text(), (
        "regenerate with: polybius schema > schemas/event.schema.json"
    )
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "regenerate with: polybius schema > src/polybius/data/event.schema.json"
    )


def test_schema_command_prints_it(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


def test_required_fields_enums_and_descriptions():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"event_id", "date_how", "modality", "rule", "plover", "evidence"} <= set(schema["required"])
    plover = schema["$defs"]["PloverRecord"]["properties"]
    assert set(plover["type"]["enum"]) == {*PLOVER_TYPES, None} and "ASSAULT" in PLOVER_TYPES
    assert set(plover["mode"]["enum"]) == {*PLOVER_MODES, None} and "aerial" in PLOVER_MODES
    assert plover["context"]["x-enum-items"] == list(PLOVER_CONTEXTS)

    def walk(props, where):
        for name, prop in props.items():
            assert prop.get("description"), f"{where}.{name} has no description"

    walk(schema["properties"], "event")
    for name, sub in schema["$defs"].items():
        assert sub.get("description"), name
        walk(sub["properties"], name)


def test_context_pattern_accepts_joined_contexts_only():
    rec = event("a", 0, RUS, USA).as_record()
    for ok in ("military", "crime;corruption", None):
        rec["plover"]["context"] = ok
        jsonschema.validate(rec, json_schema())
        validate(rec)
    for bad in ("warfare", "military;", "military,crime", ""):
        rec["plover"]["context"] = bad
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(rec, json_schema())
        with pytest.raises(ValidationError):
            validate(rec)


def test_store_columns_are_the_contract_flattened():
    assert EVENT_COLUMNS[: len(FLAT_COLUMNS)] == list(FLAT_COLUMNS)
    assert {"source_code", "target_country", "plover_type", "location_lat", "evidence_text"} <= set(FLAT_COLUMNS)


def test_plover_type_is_null_in_code_and_in_the_store_alike(tmp_path):
    statement = replace(event("s", 0, RUS, USA, cameo="010", root="01"), plover_type="", plover_mode="")
    code_record = statement.as_record()
    assert code_record["plover"] == {"type": None, "mode": None, "context": None}
    con = connect(tmp_path / "s.duckdb")
    write_batch(con, [result("s", [statement])])
    (stored,) = events(con, EventFilter(doc_id="s"))
    con.close()
    assert stored == code_record


def test_coded_records_equal_stored_records_and_validate(coder, tmp_path):
    res = code_text(
        coder,
        "France urged Germany to cut taxes on Monday. Russian jets bombed rebel positions near Aleppo on "
        "Tuesday. The Chinese foreign minister visited Tokyo last week.",
        date="2014-05-07",
        doc_id="rec",
    )
    coded = [e.as_record() for e in res.events]
    assert len(coded) >= 3
    con = connect(tmp_path / "r.duckdb")
    write_batch(con, [res])
    stored = events(con, EventFilter(doc_id="rec"))
    con.close()
    key = lambda r: r["event_id"]  # noqa: E731
    assert sorted(stored, key=key) == sorted(coded, key=key)
    for rec in coded:
        validate(rec)
        jsonschema.validate(rec, json_schema())
    assert any(r["location"] and r["location"]["feature"] == "city" for r in coded)


def test_a_record_with_an_unknown_field_or_missing_required_fails_the_model():
    rec = event("a", 0, RUS, USA).as_record()
    validate(rec)
    with pytest.raises(ValidationError):
        validate({**rec, "surprise": 1})
    for required in ("event_id", "date_how", "modality", "rule"):
        broken = dict(rec)
        del broken[required]
        with pytest.raises(ValidationError):
            validate(broken)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, json_schema())
