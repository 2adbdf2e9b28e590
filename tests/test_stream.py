"""News as it arrives: feeds polled into the store exactly once, pages fetched by URL, folders watched."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import duckdb
import pytest
from httpserver import LocalServer, Route

from polybius.cli import main
from polybius.ingest.feeds import FeedError, FeedSource, feed_specs, parse_feed, read_sources
from polybius.ingest.fetch import Fetcher, FetchSettings, url_id
from polybius.models import DocumentError, RawDocument
from polybius.pipeline import Coder, Options
from polybius.stream import Watcher, parse_duration, poll_feeds

ARTICLES = {
    "/news/talks": (
        "Envoys meet in Geneva",
        "GENEVA (Wire) - The foreign minister of Norway met the Iranian foreign minister in Geneva on "
        "Tuesday to discuss the release of detained aid workers. Both sides described the meeting as useful.",
    ),
    "/news/aid": (
        "Japan pledges relief",
        "TOKYO (Wire) - Japan promised emergency aid to the Philippines after a typhoon struck its northern "
        "provinces, the government said on Wednesday.",
    ),
    "/news/protest": (
        "Crowds march in the capital",
        "Thousands of students protested against the government of Serbia in Belgrade on Friday, demanding "
        "new elections.",
    ),
}


def page(title: str, body: str) -> bytes:
    paras = "".join(f"<p>{s}</p>" for s in body.split(". "))
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>{title}</h1>{paras}</article><footer>Subscribe now</footer></body></html>"
    ).encode()


def rss(server: LocalServer, paths: list[str], title: str = "World wire") -> bytes:
    items = "".join(
        f"<item><title>{ARTICLES.get(p, ('Gone', ''))[0]}</title><link>{server.url(p)}</link>"
        f"<guid>{p}</guid><pubDate>Tue, 05 Mar 2024 09:00:00 GMT</pubDate></item>"
        for p in paths
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'.encode()


def atom(server: LocalServer, paths: list[str]) -> bytes:
    entries = "".join(
        f'<entry><title>{ARTICLES[p][0]}</title><link rel="alternate" href="{server.url(p)}"/>'
        f"<id>{p}</id><updated>2024-03-06T10:00:00Z</updated></entry>"
        for p in paths
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom wire</title>{entries}</feed>'.encode()


def polite() -> Fetcher:
    return Fetcher(FetchSettings(timeout=5.0, retries=1, backoff=0.01, per_host_interval=0.0))


@pytest.fixture()
def server():
    with LocalServer() as srv:
        for path, (title, body) in ARTICLES.items():
            srv.routes[path] = Route(body=page(title, body))
        yield srv


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# -- feeds, parsed --------------------------------------------------------------------------------------------
def test_rss_and_atom_entries(server: LocalServer):
    feed = parse_feed(rss(server, ["/news/talks", "/news/aid"]))
    assert feed.title == "World wire"
    assert [e.url for e in feed.entries] == [server.url("/news/talks"), server.url("/news/aid")]
    assert feed.entries[0].date == "2024-03-05" and feed.entries[0].title == "Envoys meet in Geneva"
    entries = parse_feed(atom(server, ["/news/protest"])).entries
    assert entries[0].url == server.url("/news/protest") and entries[0].date == "2024-03-06"
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>not a feed</body></html>")


def test_feed_lists_opml_and_text(tmp_path: Path):
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/rss"/>'
        '<outline text="group"><outline text="B" xmlUrl="https://b.example/atom"/></outline></body></opml>'
    )
    listing = tmp_path / "feeds.txt"
    listing.write_text("# my feeds\nhttps://c.example/rss\n\nnot a url\n")
    local = tmp_path / "local.xml"
    local.write_text("<rss version='2.0'><channel><title>x</title></channel></rss>")
    got = list(feed_specs([str(opml), str(listing), str(local), "https://d.example/feed", str(tmp_path / "no")]))
    names = [g.name for g in got if isinstance(g, FeedSource)]
    assert names == ["https://a.example/rss", "https://b.example/atom", "https://c.example/rss", str(local),
                     "https://d.example/feed"]  # fmt: skip
    errors = [g for g in got if isinstance(g, DocumentError)]
    assert [e.source for e in errors] == [f"{listing}:4", str(tmp_path / "no")]


def test_durations():
    assert parse_duration("15m") == 900 and parse_duration("30") == 30 and parse_duration("2h") == 7200
    with pytest.raises(ValueError):
        parse_duration("soon")


# -- feeds, polled into the store -------------------------------------------------------------------------
def test_poll_codes_each_page_once_and_survives_restarts(server: LocalServer, tmp_path: Path, coder: Coder):
    db = str(tmp_path / "news.duckdb")
    server.routes["/feed.xml"] = Route(
        body=rss(server, ["/news/talks", "/news/aid", "/news/missing"]), ctype="application/rss+xml", etag='"a"'
    )
    server.routes["/atom.xml"] = Route(body=atom(server, ["/news/aid"]), ctype="application/atom+xml")
    sources = [FeedSource(server.url("/feed.xml")), FeedSource(server.url("/atom.xml"))]
    errors: list[DocumentError] = []
    first = poll_feeds(db, sources, polite(), Options(), coder=coder, report=errors.append)
    assert first.counts.documents == 2 and first.counts.failed == 1
    assert [r.new for r in first.feeds] == [3, 0]  # the Atom feed's page is already on its way
    assert len(server.hits["/news/aid"]) == 1  # listed by both feeds, fetched once
    assert "404" in errors[0].reason and errors[0].source == server.url("/news/missing")
    stored = rows(tmp_path / "news.duckdb", "SELECT id, url, title, date FROM documents ORDER BY title")
    assert stored[0] == (url_id(server.url("/news/talks")), server.url("/news/talks"), "Envoys meet in Geneva",
                         stored[0][3])  # fmt: skip
    assert str(stored[0][3]) == "2024-03-05"
    events = rows(tmp_path / "news.duckdb", "SELECT count(*) FROM events")[0][0]
    assert events > 0 and first.counts.events == events

    # a restart: the first feed answers 304 to the conditional request, the Atom feed lists only known pages
    second = poll_feeds(db, sources, polite(), Options(), coder=coder)
    assert second.feeds[0].not_modified and second.feeds[1].new == 0
    assert second.counts.documents == 0 and len(server.hits["/news/aid"]) == 1
    assert server.hits["/feed.xml"][-1]["If-None-Match"] == '"a"'

    # a new article appears; the failing page is tried again, up to its limit
    server.routes["/feed.xml"] = Route(
        body=rss(server, ["/news/protest", "/news/talks", "/news/missing"]), ctype="application/rss+xml",
        etag='"b"',
    )  # fmt: skip
    third = poll_feeds(db, sources, polite(), Options(), coder=coder, max_tries=2)
    assert third.counts.documents == 1 and third.feeds[0].new == 2
    fourth = poll_feeds(db, sources, polite(), Options(), coder=coder, max_tries=2)
    assert fourth.counts.documents == 0 and len(server.hits["/news/missing"]) == 2
    state = rows(tmp_path / "news.duckdb", "SELECT status, tries FROM pages WHERE url LIKE '%missing'")
    assert state == [("error", 2)]


def test_a_failing_feed_is_recorded_and_the_others_go_on(server: LocalServer, tmp_path: Path, coder: Coder):
    db = tmp_path / "news.duckdb"
    server.routes["/broken.xml"] = Route(status=500)
    server.routes["/html.xml"] = Route(body=b"<html><body><p>a web page</p></body></html>")
    server.routes["/ok.xml"] = Route(body=rss(server, ["/news/protest"]), ctype="text/xml")
    sources = [FeedSource(server.url(p)) for p in ("/broken.xml", "/html.xml", "/ok.xml")]
    result = poll_feeds(str(db), sources, polite(), Options(), coder=coder)
    assert [bool(r.error) for r in result.feeds] == [True, True, False]
    assert result.counts.documents == 1
    recorded = dict(rows(db, "SELECT feed, last_error FROM feeds"))
    assert "500" in recorded[server.url("/broken.xml")] and "not an RSS" in recorded[server.url("/html.xml")]
    assert recorded[server.url("/ok.xml")] is None


# -- URLs given to ingest and code ------------------------------------------------------------------------
def test_read_sources_mixes_paths_and_urls_in_order(server: LocalServer, tmp_path: Path):
    local = tmp_path / "a.txt"
    local.write_text("Kenya and Uganda signed a trade agreement on Monday.")
    items = list(read_sources([server.url("/news/aid"), str(local), server.url("/nope")], fetcher=polite()))
    assert isinstance(items[0], RawDocument) and items[0].kind == "html" and items[0].url == server.url("/news/aid")
    assert isinstance(items[1], RawDocument) and items[1].source == str(local)
    assert isinstance(items[2], DocumentError) and "404" in items[2].reason


def test_cli_ingest_and_code_urls(server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    db = tmp_path / "s.duckdb"
    assert main(["ingest", "--db", str(db), "--quiet", server.url("/news/talks"), server.url("/news/talks")]) == 0
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 1
    assert len(server.hits["/news/talks"]) == 2  # the second copy is fetched, then skipped as already stored
    capsys.readouterr()
    assert main(["code", "--quiet", server.url("/news/protest")]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events and all(e["doc_id"] == url_id(server.url("/news/protest")) for e in events)


def test_cli_feeds_once_reports_and_exit_status(server: LocalServer, tmp_path: Path, capsys):
    db = tmp_path / "f.duckdb"
    server.routes["/feed.xml"] = Route(body=rss(server, ["/news/talks"]), ctype="application/rss+xml")
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"{server.url('/feed.xml')}\n{server.url('/absent.xml')}\n")
    code = main(["feeds", str(listing), "--db", str(db), "--per-host", "0.001", "--retries", "0"])
    err = capsys.readouterr().err
    assert code == 1  # one feed failed
    assert "feed error" in err and "absent.xml" in err and "1 documents" in err
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 1


# -- watching a folder ------------------------------------------------------------------------------------
WATCHED = "Egypt hosted talks between Israeli and Palestinian officials in Cairo on Sunday."


def test_watch_once_codes_each_file_once(tmp_path: Path, coder: Coder):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "a.txt").write_text(WATCHED)
    (inbox / "sub" / "b.jsonl").write_text(json.dumps({"id": "b1", "text": ARTICLES["/news/aid"][1]}) + "\n")
    (inbox / ".hidden.txt").write_text(WATCHED)
    (inbox / "c.txt.part").write_text("half a download")
    db = str(tmp_path / "w.duckdb")
    watcher = Watcher(db, inbox, Options(), settle=0.0, coder=coder)
    assert watcher.run_once().documents == 2
    assert Watcher(db, inbox, Options(), settle=0.0, coder=coder).run_once().documents == 0  # a restart
    # the JSONL file grows: only its new document is coded
    with (inbox / "sub" / "b.jsonl").open("a") as f:
        f.write(json.dumps({"id": "b2", "text": ARTICLES["/news/protest"][1]}) + "\n")
    again = Watcher(db, inbox, Options(), settle=0.0, coder=coder).run_once()
    assert again.documents == 1 and again.skipped == 1
    assert rows(tmp_path / "w.duckdb", "SELECT count(*) FROM watched_files")[0][0] == 2


def test_watch_waits_for_a_file_to_settle(tmp_path: Path, coder: Coder):
    now = [0.0]
    watcher = Watcher(str(tmp_path / "w.duckdb"), tmp_path, Options(), settle=2.0, clock=lambda: now[0], coder=coder)
    f = tmp_path / "late.txt"
    f.write_text("Chile ")
    watcher.scan()
    assert watcher.ready() == []
    now[0] = 1.0
    f.write_text(WATCHED)
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert watcher.ready() == []  # changed: its clock starts again
    now[0] = 3.5
    assert watcher.ready() == [f]


def test_watch_loop_codes_a_file_that_lands_and_stops(tmp_path: Path, coder: Coder):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = Watcher(str(tmp_path / "w.duckdb"), inbox.resolve(), Options(), settle=0.1, coder=coder)
    stop = threading.Event()
    batches = []
    thread = threading.Thread(target=watcher.run, args=(stop, batches.append), kwargs={"tick": 0.1})
    thread.start()
    try:
        time.sleep(0.3)
        (inbox / "new.txt").write_text(WATCHED)
        deadline = time.monotonic() + 20
        while not any(b.documents for b in batches) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert sum(b.documents for b in batches) == 1


def test_follow_feeds_polls_until_stopped(server: LocalServer, tmp_path: Path, coder: Coder):
    from polybius.stream import follow_feeds

    server.routes["/feed.xml"] = Route(body=rss(server, ["/news/aid"]), ctype="application/rss+xml")
    stop = threading.Event()
    polls = []

    def on_poll(result) -> None:
        polls.append(result)
        if len(polls) == 3:
            stop.set()

    follow_feeds(str(tmp_path / "f.duckdb"), [FeedSource(server.url("/feed.xml"))], polite(), Options(), 0.05,
                 on_poll, stop, coder=coder)  # fmt: skip
    assert [p.counts.documents for p in polls] == [1, 0, 0]
    assert len(server.hits["/feed.xml"]) == 3 and len(server.hits["/news/aid"]) == 1
