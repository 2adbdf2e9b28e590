"""Background events (issue 12, part 6): acts a sentence recalls as the time or cause of its news."""

import json

from conftest import code_text

from polybius.record import validate

DAY = "2024-05-10"


def events(coder, text):
    return code_text(coder, text, DAY).events


def test_event_noun_in_a_since_phrase_is_background_without_a_date(coder):
    (ev,) = events(coder, "Relations have soured since the Russian invasion of Ukraine.")
    assert ev.cameo_root in ("19", "17", "18", "20") and ev.background
    assert ev.date is None and ev.date_how == "unknown" and ev.date_precision is None
    assert ev.extra["features"]["background"] == 1.0
    record = ev.as_record()
    assert record["background"] is True
    validate(record)


def test_verb_after_since_is_background(coder):
    got = events(coder, "Since Russia invaded Ukraine, Poland has sheltered refugees.")
    invasion = [e for e in got if e.source.code == "RUS"]
    assert invasion and all(e.background for e in invasion)
    assert all(e.date is None for e in invasion)  # the clause states no time: no date, never the story's


def test_after_clause_with_its_own_past_time_is_background_with_that_date(coder):
    got = events(coder, "After troops withdrew from Gao last year, Mali asked Russia for help.")
    recalled = [e for e in got if e.background]
    current = [e for e in got if not e.background]
    assert recalled and current
    assert {e.date for e in recalled} == {"2023-01-01"} and {e.date_precision for e in recalled} == {"year"}
    assert all(e.date == DAY for e in current)
    # never the sentence's top event
    assert max(got, key=lambda e: e.confidence) in current
    assert max(e.confidence for e in recalled) < min(e.confidence for e in current)


def test_after_clause_of_the_same_days_is_news(coder):
    got = events(coder, "After the army shelled the village on Monday, rebels attacked a checkpoint.")
    assert got and not any(e.background for e in got)


def test_background_lowers_confidence(coder):
    (recalled,) = events(coder, "Relations have soured since the Russian invasion of Ukraine.")
    (current,) = [
        e
        for e in events(coder, "Officials confirmed the Russian invasion of Ukraine.")
        if e.cameo_root == recalled.cameo_root
    ]
    assert current.source.code == recalled.source.code == "RUS"
    assert not current.background and current.cameo == recalled.cameo
    assert recalled.confidence < current.confidence


def test_a_since_date_dates_the_recalled_act_not_the_clause(coder):
    got = events(coder, "Japan has sent aid to Kyiv since the Russian invasion in 2022.")
    assert got and all(e.date == DAY for e in got if not e.background)


def test_code_keeps_background_events_and_no_background_drops_them(tmp_path, capsys):
    from polybius.cli import main

    src = tmp_path / "a.jsonl"
    text = "Relations have soured since the Russian invasion of Ukraine."
    src.write_text(json.dumps({"id": "a", "text": text, "date": DAY}) + "\n", encoding="utf-8")
    assert main(["code", str(src), "--quiet"]) == 0
    kept = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert kept and all(r["background"] for r in kept)
    assert main(["code", str(src), "--quiet", "--no-background"]) == 0
    assert capsys.readouterr().out.strip() == ""


def test_stored_background_events_can_be_left_out_of_queries(tmp_path, capsys):
    from fastapi.testclient import TestClient

    from polybius.cli import main
    from polybius.query import EventFilter, event_rows
    from polybius.store import session
    from polybius.web.app import create_app

    src = tmp_path / "a.jsonl"
    lines = [
        {"id": "a", "text": "Relations have soured since the Russian invasion of Ukraine.", "date": DAY},
        {"id": "b", "text": "Poland sent tanks to Ukraine on Monday.", "date": DAY},
    ]
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(src), "--db", str(db), "--quiet"]) == 0
    with session(db, read_only=True) as con:
        every = event_rows(con, EventFilter())
        current = event_rows(con, EventFilter(current=True))
    assert {r["doc_id"] for r in every if r["background"]} == {"a"}
    assert current and not any(r["background"] for r in current) and len(current) < len(every)
    capsys.readouterr()
    assert main(["events", "--db", str(db), "--format", "jsonl", "--no-background"]) == 0
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(printed) == len(current) and not any(r["background"] for r in printed)
    from polybius.library import Store

    frame = Store(db).events(current=True)
    assert len(frame) == len(current) and not frame["background"].fillna(False).any()
    api = TestClient(create_app(db))
    got = api.get("/api/events", params={"background": "false"}).json()
    rows = got["events"] if isinstance(got, dict) else got
    assert len(rows) == len(current)


def test_a_participle_in_front_of_a_noun_is_a_recalled_state_with_the_noun_as_target(coder):
    got = events(coder, "Allies of the jailed opposition leader protested in Minsk.")
    (jailed,) = [e for e in got if e.cameo_root == "17"]
    assert jailed.background and jailed.date is None
    assert jailed.target is not None and jailed.target.code.endswith("OPP")
    # the act reported in the same sentence stays the story's act, ranked above the recalled state
    got = events(coder, "Uzbek police freed the detained reporter on Sunday.")
    current = [e for e in got if not e.background]
    assert current and all(e.date is not None for e in current)
    assert max(got, key=lambda e: e.confidence) in current
