"""The HTTP API (polybius.web.app) through the ASGI test client, over a store coded from the bundled samples."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from polybius import query
from polybius.cli import SAMPLES, main
from polybius.ingest import read_paths
from polybius.models import DocumentError, DocumentResult
from polybius.pipeline import Coder, Options, run
from polybius.store import connect, write_batch
from polybius.web.app import create_app
from polybius.web.readers import Readers

HOSTILE = {
    "id": "hostile",
    "title": "<script>alert('title')</script> Russia <img src=x onerror=alert(1)>",
    "url": "javascript:alert('url')",
    "date": "2024-03-02",
    "text": "Russia condemned Ukraine on Friday for the attack on the port. The ministry said that "
    "<script>alert('x')</script> was found in a message and that it would not accept the <img src=x "
    "onerror=alert(2)> claims, and a spokesman shared a javascript:alert(3) link with the reporters.",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Path:
    path = tmp_path_factory.mktemp("web") / "store.duckdb"
    hostile = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n")
    results = [r for r in run(read_paths([str(SAMPLES), str(hostile)], "auto"), Options(), coder=coder)]
    con = connect(path)
    write_batch(
        con,
        [r for r in results if isinstance(r, DocumentResult)],
        [r for r in results if isinstance(r, DocumentError)],
    )
    con.close()
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> TestClient:
    return TestClient(create_app(db))


def cli_events(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["events", "--db", str(db), "--format", "jsonl", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def all_pages(client: TestClient, params: str, limit: int = 7) -> list[dict]:
    out, cursor = [], None
    while True:
        url = f"/api/events?{params}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json()
        out += body["events"]
        cursor = body["next"]
        if cursor is None:
            return out


@pytest.mark.parametrize(
    ("api", "cli"),
    [
        ("", ()),
        ("source=RUS", ("--source", "RUS")),
        ("source=USA&target=CHN", ("--source", "USA", "--target", "CHN")),
        ("since=2019-01-01&until=2022-12-31&cameo=1", ("--since", "2019-01-01", "--until", "2022-12-31", "--cameo", "1")),
        ("quad=4&min_confidence=0.7", ("--quad-class", "4", "--min-confidence", "0.7")),
    ],
)
def test_events_match_the_cli(client, db, capsys, api, cli):
    expected = cli_events(db, capsys, *cli)
    assert expected, "the filter should match some events of the samples"
    body = client.get(f"/api/events?{api}&limit=1000").json()
    assert body["events"] == expected
    assert body["total"] == len(expected)
    assert body["next"] is None
    assert all_pages(client, api) == expected


def test_filters_beyond_the_cli(client, db):
    con = connect(db, read_only=True)
    try:
        everything = query.events(con)
    finally:
        con.close()
    checks = {
        "root=19": lambda e: e["cameo_root"] == "19",
        "plover=assault": lambda e: e["plover"]["type"] == "ASSAULT",
        "country=ven": lambda e: (e["location"] or {}).get("country") == "VEN",
        "doc=hostile": lambda e: e["doc_id"] == "hostile",
    }
    for params, keep in checks.items():
        want = [e for e in everything if keep(e)]
        assert want, params
        got = client.get(f"/api/events?{params}&limit=1000").json()
        assert got["events"] == want, params


@pytest.mark.parametrize("sort", ["date", "-date", "confidence", "-confidence"])
def test_every_sort_pages_through_each_event_once_in_order(client, sort):
    events = all_pages(client, f"sort={sort}", limit=9)
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids)) == client.get("/api/summary").json()["events"]
    field = sort.lstrip("-")
    values = [e[field] for e in events if e[field] is not None]
    assert values == sorted(values, reverse=sort.startswith("-"))
    if field == "date":  # undated events come last in both directions
        dated = [e["date"] is not None for e in events]
        assert dated == sorted(dated, reverse=True)


def test_cursor_is_stable_while_events_are_stored(tmp_path, db):
    path = tmp_path / "growing.duckdb"
    path.write_bytes(db.read_bytes())
    client = TestClient(create_app(path))
    first = client.get("/api/events?limit=50").json()
    expected_rest = all_pages(client, "", limit=1000)[50:]
    client.app.state.readers.close()  # this process's reader, before this process writes
    con = connect(path)  # an earlier event arrives between two pages
    con.execute(
        "INSERT INTO events SELECT * REPLACE ('early-' || event_id AS event_id, DATE '1990-01-01' AS date) "
        "FROM events LIMIT 3"
    )
    con.close()
    rest, cursor = [], first["next"]
    while cursor:
        body = client.get(f"/api/events?limit=40&cursor={cursor}").json()
        rest += body["events"]
        cursor = body["next"]
    assert rest == expected_rest
    assert client.get("/api/events?limit=1").json()["total"] == first["total"] + 3


@pytest.mark.parametrize(
    ("url", "status", "names"),
    [
        ("/api/events?limit=1001", 422, "limit"),
        ("/api/events?limit=0", 422, "limit"),
        ("/api/events?since=2024-13-01", 422, "since"),
        ("/api/events?quad=5", 422, "quad"),
        ("/api/events?min_confidence=1.5", 422, "min_confidence"),
        ("/api/events?source=RUS;DROP", 422, "source"),
        ("/api/events?cameo=abc", 422, "cameo"),
        ("/api/events?country=RUSSIA", 422, "country"),
        ("/api/events?sort=goldstein", 422, "sort"),
        ("/api/events?cursor=not-a-cursor", 400, "cursor"),
        ("/api/events?since=2024-01-02&until=2024-01-01", 400, "since"),
        ("/api/series?interval=year", 422, "interval"),
        ("/api/dyads?limit=100000", 422, "limit"),
        ("/api/documents/no-such-document", 404, "doc_id"),
    ],
)
def test_bad_parameters_get_a_clear_error(client, url, status, names):
    r = client.get(url)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(names), detail


def test_a_cursor_belongs_to_its_sort(client):
    cursor = client.get("/api/events?limit=3&sort=-confidence").json()["next"]
    r = client.get(f"/api/events?limit=3&sort=date&cursor={cursor}")
    assert r.status_code == 400 and "sort=-confidence" in r.json()["detail"]


def test_series_counts_goldstein_and_quad_classes(client, db):
    con = connect(db, read_only=True)
    try:
        everything = query.events(con, query.EventFilter(source="USA"))
    finally:
        con.close()
    dated = [e for e in everything if e["date"]]
    for interval, period_of in (
        ("day", lambda d: d),
        ("month", lambda d: d[:8] + "01"),
    ):
        body = client.get(f"/api/series?source=USA&interval={interval}").json()
        assert body["interval"] == interval
        assert body["undated"] == len(everything) - len(dated)
        periods = [p["period"] for p in body["series"]]
        assert periods == sorted(set(periods))
        for p in body["series"]:
            mine = [e for e in dated if period_of(e["date"]) == p["period"]]
            assert p["count"] == len(mine) == sum(p["quad"].values())
            assert p["goldstein"] == pytest.approx(sum(e["goldstein"] for e in mine), abs=1e-3)
            assert p["quad"] == {str(q): sum(e["quad_class"] == q for e in mine) for q in (1, 2, 3, 4)}
        assert sum(p["count"] for p in body["series"]) == len(dated)
    weeks = client.get("/api/series?source=USA&interval=week").json()["series"]
    assert all(date.fromisoformat(p["period"]).weekday() == 0 for p in weeks)
    assert sum(p["count"] for p in weeks) == len(dated)


def test_dyads_actors_and_places_count_the_filtered_events(client, db):
    con = connect(db, read_only=True)
    try:
        everything = query.events(con, query.EventFilter(min_confidence=0.5))
    finally:
        con.close()
    dyads = client.get("/api/dyads?min_confidence=0.5&limit=1000").json()["dyads"]
    pairs = {}
    for e in everything:
        if e["target"]:
            key = (e["source"]["country"] or e["source"]["code"], e["target"]["country"] or e["target"]["code"])
            pairs[key] = pairs.get(key, 0) + 1
    assert {(d["source"], d["target"]): d["count"] for d in dyads} == pairs
    assert [d["count"] for d in dyads] == sorted(pairs.values(), reverse=True)
    top = dyads[0]
    mine = [
        e for e in everything
        if e["target"] and (e["source"]["country"] or e["source"]["code"], e["target"]["country"] or e["target"]["code"]) == (top["source"], top["target"])
    ]  # fmt: skip
    assert top["goldstein"] == pytest.approx(sum(e["goldstein"] for e in mine), abs=1e-3)

    actors = client.get("/api/actors?min_confidence=0.5&limit=1000").json()["actors"]
    assert sum(a["as_source"] for a in actors) == len(everything)
    assert sum(a["as_target"] for a in actors) == sum(1 for e in everything if e["target"])
    usa = [a for a in actors if a["code"] == "USAGOV"]
    assert sum(a["as_source"] for a in usa) == sum(e["source"]["code"] == "USAGOV" for e in everything)

    body = client.get("/api/places?min_confidence=0.5").json()
    located = [e for e in everything if e["location"]]
    assert sum(p["count"] for p in body["places"]) == len(located)
    by_country = {c["country"]: c["count"] for c in body["countries"]}
    for country in {e["location"]["country"] for e in located if e["location"]["country"]}:
        assert by_country[country] == sum((e["location"] or {}).get("country") == country for e in located)
    assert all(isinstance(p["lat"], float) and isinstance(p["lon"], float) for p in body["places"])


def test_document_text_and_evidence_offsets(client, db):
    con = connect(db, read_only=True)
    try:
        doc_id = query.events(con, query.EventFilter(source="RUS"))[0]["doc_id"]
    finally:
        con.close()
    doc = client.get(f"/api/documents/{doc_id}").json()
    assert doc["id"] == doc_id and doc["text"] and doc["events"]
    for e in doc["events"]:
        assert e["doc_id"] == doc_id
        assert doc["text"][e["evidence"]["start"] : e["evidence"]["end"]] == e["evidence"]["text"]
        src = e["source"]
        if src["start"] is not None:
            assert doc["text"][src["start"] : src["end"]] == src["text"]


def test_hostile_text_is_served_as_data_never_as_markup(client):
    r = client.get("/api/documents/hostile")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["x-content-type-options"] == "nosniff"
    doc = r.json()
    assert "<script>" in doc["text"] and doc["url"] == HOSTILE["url"]  # verbatim: escaping is the page's job
    assert doc["title"] == HOSTILE["title"]


def test_security_headers_everywhere(client):
    for url in ("/api/summary", "/docs", "/openapi.json", "/api/events?limit=1"):
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp, url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY"
    assert client.get("/api/summary").headers["cache-control"] == "no-store"


def test_nothing_writes(client, db):
    before = db.stat().st_mtime_ns
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/api/events").status_code == 405
    paths = client.get("/openapi.json").json()["paths"]
    assert {m for item in paths.values() for m in item} == {"get"}
    client.get("/api/events?limit=1000")
    assert db.stat().st_mtime_ns == before


def test_openapi_and_offline_docs(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/events", "/api/series", "/api/dyads", "/api/actors", "/api/places", "/api/summary",
                 "/api/documents/{doc_id}", "/api/actor"):  # fmt: skip
        assert path in spec["paths"], path
    names = {p["name"] for p in spec["paths"]["/api/events"]["get"]["parameters"]}
    assert {"source", "target", "cameo", "root", "plover", "quad", "since", "until", "country",
            "min_confidence", "doc", "limit", "cursor", "sort"} <= names  # fmt: skip
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/events" in page.text and "min_confidence" in page.text
    assert "<script" not in page.text
    external = re.findall(r'(?:src|href)="(?!/|#)([^"]*)"', page.text)
    assert external == []
    assert client.get("/docs.css").status_code == 200


def test_summary_counts(client, db):
    con = connect(db, read_only=True)
    try:
        s = query.summary(con)
    finally:
        con.close()
    body = client.get("/api/summary").json()
    assert (body["documents"], body["events"], body["errors"]) == (s["documents"], s["events"], s["errors"])
    assert body["dates"]["first"] <= body["dates"]["last"]


def test_missing_store_is_a_503(tmp_path):
    r = TestClient(create_app(tmp_path / "none.duckdb")).get("/api/summary")
    assert r.status_code == 503 and "no store" in r.json()["detail"]


def test_a_slow_query_is_interrupted(db, monkeypatch):
    def slow(con):
        return con.execute("SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3").fetchone()

    monkeypatch.setattr(query, "overview", slow)
    client = TestClient(create_app(db, request_timeout=0.3))
    start = time.monotonic()
    r = client.get("/api/summary")
    assert r.status_code == 503 and "longer than 0.3 s" in r.json()["detail"]
    assert time.monotonic() - start < 10


HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(float(sys.argv[2]))"


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_request_waits_for_a_brief_write(tmp_path, db):
    path = tmp_path / "busy.duckdb"
    path.write_bytes(db.read_bytes())
    proc = hold_write_lock(path, 0.8)
    try:
        r = TestClient(create_app(path, lock_wait=20)).get("/api/summary")
        assert r.status_code == 200 and r.json()["events"] > 0
    finally:
        proc.kill()
        proc.wait()


def test_a_writer_holding_too_long_is_a_503(tmp_path, db):
    path = tmp_path / "busy.duckdb"
    path.write_bytes(db.read_bytes())
    proc = hold_write_lock(path, 30)
    try:
        r = TestClient(create_app(path, lock_wait=0.3)).get("/api/summary")
        assert r.status_code == 503 and "lock" in r.json()["detail"]
    finally:
        proc.kill()
        proc.wait()


def live_documents(n: int) -> list[dict]:
    """n small documents made of the bundled samples' paragraphs (two each, in changing pairs)."""
    paragraphs = [
        p.strip()
        for path in sorted((SAMPLES / "text").glob("*.txt"))
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if len(p.strip()) > 80
    ]
    m = len(paragraphs)
    return [
        {
            "id": f"live-{i}",
            "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "text": paragraphs[i % m] + "\n\n" + paragraphs[(i * 7 + 3) % m],
        }
        for i in range(n)
    ]


def test_serving_while_ingesting(tmp_path, db):
    """`polybius ingest` writes a few hundred documents into the store while the API is polled: every poll
    succeeds and the counts only grow, up to what the ingest says it stored."""
    path = tmp_path / "live.duckdb"
    path.write_bytes(db.read_bytes())
    docs = tmp_path / "live.jsonl"
    docs.write_text("".join(json.dumps(d) + "\n" for d in live_documents(320)))
    client = TestClient(create_app(path))
    start = client.get("/api/summary").json()
    proc = subprocess.Popen(
        [sys.executable, "-m", "polybius", "ingest", str(docs), "--db", str(path), "--quiet"],
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[tuple[int, int]] = []
    try:
        while proc.poll() is None:
            r = client.get("/api/summary")
            assert r.status_code == 200, r.text
            page = client.get("/api/events?limit=5&sort=-date")
            assert page.status_code == 200, page.text
            series = client.get("/api/series?interval=month")
            assert series.status_code == 200, series.text
            body = r.json()
            seen.append((body["documents"], body["events"]))
            assert page.json()["total"] >= body["events"]  # read after: never fewer
            time.sleep(0.05)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stored = re.search(r"ingested (\d+) documents \(\d+ sentences, (\d+) events\).* (\d+) with errors", err)
    assert stored, err
    assert proc.returncode == (1 if int(stored.group(3)) else 0), err  # 1: some documents failed (README)
    assert int(stored.group(1)) + int(stored.group(3)) == 320 and int(stored.group(1)) > 300
    end = client.get("/api/summary").json()
    assert end["documents"] == start["documents"] + int(stored.group(1))
    # (the ingest's event count can exceed the rows stored: two events with one id in a document are one row)
    assert start["events"] < end["events"] <= start["events"] + int(stored.group(2))
    assert seen == sorted(seen), "counts went down"
    assert seen[-1] <= (end["documents"], end["events"])
    assert len({d for d, _ in seen}) >= 3, f"no batch seen between start and end: {sorted(set(seen))}"


WRITE = "import sys; from polybius.store import connect_waiting; connect_waiting(sys.argv[1], wait=float(sys.argv[2])).close()"


def test_readers_leave_the_file_free(tmp_path, db):
    """The shared read-only connection closes when idle, and under continuous reading it is retired with a
    gap in which a waiting writer gets the file."""
    path = tmp_path / "shared.duckdb"
    path.write_bytes(db.read_bytes())
    readers = Readers(path, hold=0.1, max_age=0.5, gap=0.2)
    with readers.cursor() as con:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    time.sleep(0.4)
    idle = subprocess.run([sys.executable, "-c", WRITE, str(path), "0"], capture_output=True, text=True)
    assert idle.returncode == 0, idle.stderr  # no waiting at all: the idle connection is closed

    stop = threading.Event()

    def read_continuously() -> None:
        while not stop.is_set():
            with readers.cursor() as con:
                con.execute("SELECT count(*) FROM events").fetchone()

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        busy = subprocess.run([sys.executable, "-c", WRITE, str(path), "20"], capture_output=True, text=True)
    finally:
        stop.set()
        reader.join()
        readers.close()
    assert busy.returncode == 0, busy.stderr


def test_polybius_serve_answers_on_loopback(db):
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "polybius", "serve", "--db", str(db), "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = None
        for _ in range(300):
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/api/summary", timeout=5).json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        assert body is not None and body["events"] > 0
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5)
        assert docs.status_code == 200 and "/api/events" in docs.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_actor_explains_like_the_cli(db, coder):
    from polybius.actors.explain import explain

    client = TestClient(create_app(db, coder=coder))
    body = client.get("/api/actor?name=Dmitry+Medvedev&date=2009-03-03").json()
    expected = explain("Dmitry Medvedev", date(2009, 3, 3), coder.extractor.resolver, coder.nlp)
    assert expected.actor is not None
    assert body["actor"]["code"] == expected.actor.code and body["actor"]["name"] == expected.actor.name
    assert body["actor"]["decided"]
    assert [e["code"] for e in body["entries"]] == [e.code for e in expected.entries]
    assert any(e["holds"] for e in body["entries"])
    assert client.get("/api/actor?name=Zzyzx+Qwerty").json()["actor"] is None
    assert client.get("/api/actor").status_code == 422
    assert client.get("/api/actor?name=Putin&date=yesterday").status_code == 422


def test_duplicates_of_a_document(tmp_path, db):
    path = tmp_path / "copies.duckdb"
    path.write_bytes(db.read_bytes())
    con = connect(path)  # the link stage's columns, and one stored copy of the hostile document
    con.execute(
        "INSERT INTO documents (id, title, url, date, text, duplicate_of, duplicate_score) "
        "SELECT 'hostile-copy', title, 'https://example.org/copy', date, text, id, 0.93 FROM documents WHERE id = 'hostile'"
    )
    con.close()
    client = TestClient(create_app(path))
    canonical = client.get("/api/duplicates/hostile").json()
    assert canonical["duplicate_of"] is None and canonical["canonical"] == "hostile"
    assert [(c["id"], c["score"]) for c in canonical["copies"]] == [("hostile-copy", 0.93)]
    copy = client.get("/api/duplicates/hostile-copy").json()
    assert copy["duplicate_of"] == "hostile" and copy["score"] == 0.93
    assert [c["id"] for c in copy["copies"]] == ["hostile-copy"]
    assert client.get("/api/duplicates/nothing-here").status_code == 404
    alone = client.get("/api/events?limit=1").json()["events"][0]["doc_id"]
    assert client.get(f"/api/duplicates/{alone}").json()["copies"] == []


def test_stories_of_an_ingested_corpus(tmp_path: Path, coder: Coder, client: TestClient):
    from polybius.pipeline import ingest_into

    assert client.get("/api/stories").json() == {"stories": []}  # a store without stories
    path = tmp_path / "stories.duckdb"
    ingest_into(path, read_paths([str(SAMPLES)], "auto"), Options(), coder=coder)
    with_stories = TestClient(create_app(path))
    listed = with_stories.get("/api/stories?limit=1000").json()["stories"]
    con = connect(path, read_only=True)
    try:
        assert listed == query.stories(con, limit=1000) and listed
        biggest = max(listed, key=lambda s: s["n_docs"])
        one = with_stories.get(f"/api/stories/{biggest['story_id']}").json()
        assert one == query.story(con, biggest["story_id"])
    finally:
        con.close()
    assert len(one["documents"]) == biggest["n_docs"]
    assert all(s["n_docs"] >= 2 for s in with_stories.get("/api/stories?min_docs=2").json()["stories"])
    assert with_stories.get("/api/stories/st-unknown").status_code == 404
    assert with_stories.get("/api/stories?min_docs=0").status_code == 422
