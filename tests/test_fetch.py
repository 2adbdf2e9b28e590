"""The fetcher against a local HTTP server on 127.0.0.1: redirects, size caps, slow, failing and polite cases."""

from __future__ import annotations

import pytest
from httpserver import LocalServer, Route

from polybius.ingest.fetch import Fetcher, FetchError, FetchSettings, is_url, url_id

PAGE = b"<html><head><title>Talks</title></head><body><p>Ministers met in Vienna on Monday.</p></body></html>"


def fast(**kw: object) -> FetchSettings:
    base = dict(timeout=2.0, retries=2, backoff=0.01, per_host_interval=0.0)
    base.update(kw)
    return FetchSettings(**base)  # type: ignore[arg-type]


@pytest.fixture()
def server():
    with LocalServer() as srv:
        yield srv


def test_page_fetched_with_user_agent_and_charset(server: LocalServer):
    server.routes["/a"] = Route(body="<p>Zürich talks</p>".encode("latin-1"), ctype="text/html; charset=iso-8859-1")
    got = Fetcher(fast()).fetch(server.url("/a"))
    assert got.status == 200 and got.text() == "<p>Zürich talks</p>"
    assert "polybius/" in server.hits["/a"][0]["User-Agent"]


def test_redirects_are_followed_and_bounded(server: LocalServer):
    server.routes["/old"] = Route(status=301, headers={"Location": "/new"})
    server.routes["/new"] = Route(body=PAGE)
    got = Fetcher(fast()).fetch(server.url("/old"))
    assert got.final_url.endswith("/new") and got.url.endswith("/old")
    server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="redirects"):
        Fetcher(fast()).fetch(server.url("/loop"))


def test_size_cap_with_and_without_content_length(server: LocalServer):
    server.routes["/big"] = Route(body=b"x" * 50_000)
    server.routes["/big-chunked"] = Route(body=b"y" * 50_000, chunked=True)
    fetcher = Fetcher(fast(max_bytes=10_000))
    with pytest.raises(FetchError, match="cap"):
        fetcher.fetch(server.url("/big"))
    with pytest.raises(FetchError, match="cap"):
        fetcher.fetch(server.url("/big-chunked"))


def test_slow_page_times_out(server: LocalServer):
    server.routes["/slow"] = Route(body=PAGE, delay=1.5)
    with pytest.raises(FetchError, match="network error|longer"):
        Fetcher(fast(timeout=0.3, retries=0)).fetch(server.url("/slow"))


def test_server_errors_are_retried_with_backoff_and_client_errors_are_not(server: LocalServer):
    server.routes["/flaky"] = Route(body=PAGE, fail_first=2, fail_status=503)
    waits: list[float] = []
    got = Fetcher(fast(backoff=0.5), sleep=waits.append).fetch(server.url("/flaky"))
    assert got.status == 200 and len(server.hits["/flaky"]) == 3
    assert waits[:2] == [0.5, 1.0]  # doubling back-off
    server.routes["/gone"] = Route(status=404)
    with pytest.raises(FetchError, match="404"):
        Fetcher(fast()).fetch(server.url("/gone"))
    assert len(server.hits["/gone"]) == 1
    server.routes["/down"] = Route(status=500)
    with pytest.raises(FetchError, match=r"500.*after 3 tries"):
        Fetcher(fast(), sleep=lambda s: None).fetch(server.url("/down"))


def test_long_retry_after_is_an_error_not_a_wait(server: LocalServer):
    server.routes["/busy"] = Route(status=429, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="retry after"):
        Fetcher(fast(), sleep=lambda s: None).fetch(server.url("/busy"))


def test_robots_txt_is_obeyed_unless_told_otherwise(server: LocalServer):
    server.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    server.routes["/private/p"] = Route(body=PAGE)
    server.routes["/public/p"] = Route(body=PAGE)
    fetcher = Fetcher(fast())
    with pytest.raises(FetchError, match="robots"):
        fetcher.fetch(server.url("/private/p"))
    assert "/private/p" not in server.hits
    assert fetcher.fetch(server.url("/public/p")).status == 200
    assert Fetcher(fast(obey_robots=False)).fetch(server.url("/private/p")).status == 200


def test_per_host_rate_limit_and_crawl_delay(server: LocalServer):
    server.routes["/robots.txt"] = Route(body=b"User-agent: *\nCrawl-delay: 5\n", ctype="text/plain")
    server.routes["/p"] = Route(body=PAGE)
    now = [100.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    fetcher = Fetcher(fast(per_host_interval=1.0), sleep=sleep, clock=lambda: now[0])
    fetcher.fetch(server.url("/p"))
    fetcher.fetch(server.url("/p"))
    assert waits and waits[-1] == pytest.approx(5.0)  # robots.txt's crawl delay beats the 1 s interval


def test_conditional_get_gives_not_modified(server: LocalServer):
    server.routes["/feed"] = Route(body=b"<rss/>", ctype="application/rss+xml", etag='"v1"')
    fetcher = Fetcher(fast())
    first = fetcher.fetch(server.url("/feed"), accept=("xml",))
    assert first.etag == '"v1"'
    again = fetcher.fetch(server.url("/feed"), etag=first.etag, accept=("xml",))
    assert again.not_modified and again.status == 304
    assert server.hits["/feed"][1]["If-None-Match"] == '"v1"'


def test_wrong_content_type_and_bad_urls(server: LocalServer):
    server.routes["/img"] = Route(body=b"\x89PNG", ctype="image/png")
    with pytest.raises(FetchError, match="content type"):
        Fetcher(fast()).fetch(server.url("/img"))
    with pytest.raises(FetchError, match="http"):
        Fetcher(fast()).fetch("ftp://127.0.0.1/x")
    with pytest.raises(FetchError, match="network error"):
        Fetcher(fast(retries=0)).fetch("http://127.0.0.1:9/nothing-listens-here")


def test_url_ids_ignore_fragment_case_and_trailing_slash():
    assert url_id("HTTP://Example.org/a/#top") == url_id("http://example.org/a")
    assert url_id("http://example.org/a?x=1") != url_id("http://example.org/a?x=2")
    assert is_url("https://x.org") and not is_url("x.org/page.html")
