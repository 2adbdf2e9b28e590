import csv
import json

import duckdb
import pytest

from polybius.export import GDELT_COLUMNS, export, gdelt_id
from polybius.models import Actor, Document, DocumentError, DocumentResult, Event, Location, Sentence
from polybius.query import EventFilter, event_rows, events, summary, to_record
from polybius.store import StoreError, connect, known_ids, write_batch

RUS = Actor("RUSGOV", "RUS", "GOV", "Vladimir Putin", "Russian President Vladimir Putin", "kb:leaders", 0, 32)
USA = Actor("USAGOV", "USA", "GOV", "George W. Bush", "President Bush", "kb:leaders")
UN = Actor("IGOUNO", "IGO", None, "United Nations", "the UN", "kb:igos")


def event(doc_id, idx, source, target, cameo="051", root="05", quad=1, date="2008-04-07", loc=None):
    text = "Putin endorsed a proposal from President Bush."
    return Event(
        doc_id=doc_id, sentence_index=idx, sentence=text, source=source, target=target, cameo=cameo,
        cameo_root=root, quad_class=quad, goldstein=3.4, plover_type="SUPPORT" if root == "05" else "ASSAULT",
        plover_mode="", plover_context="", evidence_start=0, evidence_end=len(text), evidence_text=text,
        confidence=0.8, rule="test.yaml#1", date=date, date_how="document", location=loc,
    )  # fmt: skip


def result(doc_id, evs, date="2008-04-07"):
    doc = Document(
        id=doc_id,
        text="Putin endorsed a proposal from President Bush.",
        source=f"{doc_id}.txt",
        kind="text",
        title="T",
        date=date,
        date_source="given",
        url=f"http://example.org/{doc_id}",
    )
    return DocumentResult(doc, [Sentence(doc_id, 0, 0, len(doc.text), doc.text)], evs)


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "t.duckdb")
    madrid = Location("Madrid", "ESP", 40.4, -3.7, "city", "clause")
    write_batch(
        c,
        [
            result("a", [event("a", 0, RUS, USA)]),
            result(
                "b",
                [
                    event("b", 0, USA, RUS, "190", "19", 4, "2009-03-03", madrid),
                    event("b", 1, UN, None, date="2009-03-04"),
                ],
                date="2009-03-04",
            ),
        ],
        [DocumentError("bad.txt", "empty document (no text)")],
    )
    yield c
    c.close()


def test_write_is_idempotent(con):
    assert known_ids(con) == {"a", "b"}
    again = write_batch(
        con, [result("a", [event("a", 0, RUS, USA)])], [DocumentError("bad.txt", "empty document (no text)")]
    )
    assert again == 0
    s = summary(con)
    assert (s["documents"], s["sentences"], s["events"], s["errors"]) == (2, 2, 3, 1)


def test_duplicate_in_one_batch_written_once(tmp_path):
    c = connect(tmp_path / "d.duckdb")
    assert write_batch(c, [result("x", []), result("x", [])]) == 1


def test_filters(con):
    assert {r["doc_id"] for r in event_rows(con, EventFilter(source="RUS"))} == {"a"}
    assert len(event_rows(con, EventFilter(source="USAGOV", target="RUS"))) == 1
    assert len(event_rows(con, EventFilter(source="IGO"))) == 1
    assert len(event_rows(con, EventFilter(cameo="19"))) == 1
    assert len(event_rows(con, EventFilter(quad_class=1))) == 2
    from datetime import date

    assert len(event_rows(con, EventFilter(since=date(2009, 1, 1)))) == 2
    assert len(event_rows(con, EventFilter(until=date(2008, 12, 31)))) == 1
    assert len(event_rows(con, EventFilter(limit=1))) == 1


def test_roundtrip_matches_contract(con):
    stored = events(con, EventFilter(source="RUS"))[0]
    direct = event("a", 0, RUS, USA).as_record()
    assert stored == direct


def test_exports(con, tmp_path):
    n = export(con, "jsonl", tmp_path / "e.jsonl")
    lines = (tmp_path / "e.jsonl").read_text().splitlines()
    assert n == 3 and json.loads(lines[0])["cameo"] == "051"
    export(con, "csv", tmp_path / "e.csv")
    rows = list(csv.DictReader((tmp_path / "e.csv").open()))
    assert len(rows) == 3 and rows[0]["source_code"] == "RUSGOV"
    assert export(con, "parquet", tmp_path / "e.parquet", EventFilter(source="USA")) == 1
    assert duckdb.sql(f"SELECT cameo FROM '{tmp_path / 'e.parquet'}'").fetchall() == [("190",)]
    export(con, "gdelt", tmp_path / "e.tsv", header=True)
    table = list(csv.reader((tmp_path / "e.tsv").open(), delimiter="\t"))
    assert tuple(table[0]) == GDELT_COLUMNS and len(GDELT_COLUMNS) == 61
    rec = dict(zip(table[0], table[2], strict=True))  # ordered by date: the 2009 event with a location second
    assert rec["SQLDATE"] == "20090303" and rec["EventRootCode"] == "19" and rec["QuadClass"] == "4"
    assert (
        rec["Actor1Code"] == "USAGOV"
        and rec["Actor1CountryCode"] == "USA"
        and rec["Actor1Type1Code"] == "GOV"
    )
    assert rec["ActionGeo_FullName"].startswith("Madrid, ") and rec["ActionGeo_FullName"].endswith(", Spain")
    assert rec["ActionGeo_CountryCode"] == "SP"
    assert rec["ActionGeo_Type"] == "4" and rec["SOURCEURL"] == "http://example.org/b"
    assert rec["GLOBALEVENTID"] == str(gdelt_id(events(con, EventFilter(cameo="19"))[0]["event_id"]))
    un = dict(zip(table[0], table[3], strict=True))
    assert un["Actor1KnownGroupCode"] == "UNO" and un["Actor2Code"] == ""
    with pytest.raises(ValueError, match="unknown export format"):
        export(con, "xml", tmp_path / "e.xml")


def test_read_only_missing_store(tmp_path):
    with pytest.raises(StoreError, match="no store"):
        connect(tmp_path / "missing.duckdb", read_only=True)


def test_to_record_null_target(con):
    rows = event_rows(con, EventFilter(source="IGO"))
    assert to_record(rows[0])["target"] is None and to_record(rows[0])["location"] is None


def test_copy_exports_equal_the_python_records(con, tmp_path):
    """JSON lines and CSV are written by DuckDB COPY; they hold exactly what the query layer returns."""
    from polybius.export import write_csv

    export(con, "jsonl", tmp_path / "e.jsonl")
    copied = [json.loads(ln) for ln in (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()]
    assert copied == events(con)
    export(con, "csv", tmp_path / "e.csv")
    import io

    buf = io.StringIO()
    write_csv(event_rows(con), buf)
    assert list(csv.DictReader((tmp_path / "e.csv").open())) == list(csv.DictReader(io.StringIO(buf.getvalue())))
