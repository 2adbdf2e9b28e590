"""The dashboard in a real browser: Debian's chromium, driven by Playwright, over `polybius serve` on the demo store.

The demo store is built once for this module (the bundled samples `polybius demo` codes, plus one hostile document
whose title, URL and text carry `<script>`, `<img onerror>` and `javascript:` payloads). What the page shows is
checked against `polybius events --format jsonl` for the same filter, run before the server starts. Screenshots
go to tests/output/browser/ (git-ignored). Skipped when chromium or Playwright is missing.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from polybius import cli

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
OUTPUT = Path(__file__).resolve().parent / "output" / "browser"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"
    ),
    pytest.mark.xdist_group("dashboard-browser"),  # one store, one server, one browser for the whole module
]
sync_api = pytest.importorskip("playwright.sync_api")

XSS_DOC = {
    "id": "xss-probe",
    "title": "Moscow rebukes Washington <img src=x onerror=\"window.__xss='title'\"><script>window.__xss='title-script'</script>",
    "url": "javascript:window.__xss='url'",
    "date": "2024-03-04",
    "text": (
        "Russian President Vladimir Putin condemned the United States <script>window.__xss='text'</script> on Monday.\n\n"
        "The Kremlin said <img src=x onerror=\"window.__xss='img'\"> Washington had no right to interfere. "
        "Read more at <a href=\"javascript:window.__xss='link'\">javascript:window.__xss='href'</a>.\n\n"
        "Russia accused the United States <b onmouseover=\"window.__xss='hover'\">of meddling</b> in Ukraine."
    ),
}

# filters the tests use, as the CLI spells them; their answers are read before the server starts
CLI_QUERIES: dict[str, list[str]] = {
    "all": [],
    "CHN>USA": ["--source", "CHN", "--target", "USA"],
    "USA>CHN": ["--source", "USA", "--target", "CHN"],
    "quad4-since2022": ["--quad-class", "4", "--since", "2022-01-01", "--min-confidence", "0.5"],
    "RUS>USA-2024-03-04": [
        "--source",
        "RUS",
        "--target",
        "USA",
        "--since",
        "2024-03-04",
        "--until",
        "2024-03-04",
    ],
}


def polybius(*args: str, cwd: Path) -> str:
    """Run the CLI in a child process (coding loads spaCy; the test process stays small)."""
    done = subprocess.run(
        [sys.executable, "-m", "polybius", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode in (0, 1), f"polybius {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done.stdout


def cli_events(db: Path, *args: str) -> list[dict[str, Any]]:
    """`polybius events --format jsonl` for a filter, run in this process (it only reads the store)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["events", "--db", str(db), "--format", "jsonl", *args]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"polybius serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"polybius serve did not answer {url} within {seconds} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo store plus the hostile document, the CLI's answers for CLI_QUERIES, and a running server."""
    tmp = tmp_path_factory.mktemp("dashboard")
    db = tmp / "demo.duckdb"
    (tmp / "xss.jsonl").write_text(json.dumps(XSS_DOC) + "\n", encoding="utf-8")
    # what `polybius demo` codes (the bundled samples), plus the hostile document, in one run
    polybius("ingest", str(cli.SAMPLES), str(tmp / "xss.jsonl"), "--db", str(db), "--quiet", cwd=tmp)
    expected = {name: cli_events(db, *args) for name, args in CLI_QUERIES.items()}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "polybius", "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(f"{base}/api/summary", proc)
        yield {"base": base, "db": db, "expected": expected}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# collects CSP violations and dialogs from the first moment of every page (init scripts are not subject to CSP)
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));
"""


@pytest.fixture
def page(browser: Any, site: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=site["base"])
    context.add_init_script(WATCH)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on(
        "console",
        lambda m: (
            m.type == "error" and "status of 422" not in m.text and problems.append(f"console: {m.text}")
        ),
    )
    pg.on(
        "request",
        lambda r: (
            r.url.startswith(site["base"])
            or r.url.startswith("data:")
            or problems.append(f"off-site request: {r.url}")
        ),
    )
    try:
        yield pg
        violations = pg.evaluate("window.__violations || []")
        assert violations == [], f"Content-Security-Policy violations: {violations}"
        assert pg.evaluate("typeof window.__xss") == "undefined", "a hostile payload ran"
        assert problems == []
    finally:
        context.close()


def settle(pg: Any) -> None:
    """Wait until the page has drawn every panel for its current URL."""
    pg.wait_for_selector("body:not([data-state=loading])", state="attached", timeout=15000)
    state = pg.get_attribute("body", "data-state")
    assert state == "ready", f"dashboard reports: {pg.text_content('#status')}"


def shot(pg: Any, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(OUTPUT / f"{name}.png"))


def month(day: str) -> str:
    return date.fromisoformat(day).replace(day=1).isoformat()


def monthly(events: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    counts: dict[str, int] = defaultdict(int)
    sums: dict[str, float] = defaultdict(float)
    for e in events:
        if e["date"]:
            counts[month(e["date"])] += 1
            sums[month(e["date"])] += e["goldstein"]
    return {p: (counts[p], round(sums[p], 3)) for p in counts}


def chart_points(pg: Any, kind: str) -> dict[str, dict[str, tuple[int, float]]]:
    rows = pg.eval_on_selector_all(
        f"#timeline rect.bar.{kind}",
        "els => els.map(e => [e.dataset.series, e.dataset.period, +e.dataset.count, +e.dataset.goldstein])",
    )
    out: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
    for series, period, count, goldstein in rows:
        out[series][period] = (count, round(goldstein, 3))
    return out


def table_ids(pg: Any) -> list[str]:
    return pg.eval_on_selector_all(
        "#events tbody tr[data-event-id]", "els => els.map(e => e.dataset.eventId)"
    )


def test_page_is_served_with_a_strict_content_security_policy(site: dict[str, Any]) -> None:
    with urllib.request.urlopen(site["base"] + "/", timeout=10) as r:
        csp = r.headers.get("Content-Security-Policy", "")
        body = r.read().decode()
    assert "script-src" in csp or "default-src" in csp, csp
    assert "unsafe-inline" not in csp.split("style-src")[0] and "unsafe-eval" not in csp, csp
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "inline script in index.html"
    assert not re.search(r"\son[a-z]+=", body), "inline event handler in index.html"
    assert "http://" not in body and "https://" not in body, "the page must not load anything off-site"


def test_dyad_timeline_and_table_match_polybius_events(page: Any, site: dict[str, Any]) -> None:
    exp = site["expected"]
    page.goto("/")
    settle(page)
    # every event of the store, page after page, in the CLI's order
    assert len(exp["all"]) > 100 and page.locator("#events tbody tr[data-event-id]").count() == 100
    while page.is_visible("#more"):
        n = page.locator("#events tbody tr[data-event-id]").count()
        page.click("#more")
        page.wait_for_selector(f"#events tbody tr[data-event-id]:nth-child({n + 1})", state="attached")
    assert table_ids(page) == [e["event_id"] for e in exp["all"]]
    page.click("#dyads tr[data-source='CHN'][data-target='USA']")  # pick a dyad from the top dyads
    settle(page)
    assert "source=CHN" in page.url and "target=USA" in page.url
    assert page.input_value("input[name=source]") == "CHN" and page.input_value("input[name=target]") == "USA"

    # the timeline: both directions side by side, per month, equal to the CLI's events for each direction
    counts = chart_points(page, "count")
    assert set(counts) == {"CHN→USA", "USA→CHN"}
    assert counts["CHN→USA"] == monthly(exp["CHN>USA"])
    assert counts["USA→CHN"] == monthly(exp["USA>CHN"])
    assert chart_points(page, "goldstein") == counts
    assert sum(c for c, _ in counts["CHN→USA"].values()) == sum(1 for e in exp["CHN>USA"] if e["date"])

    # the table: the same events as `polybius events --source CHN --target USA`, cell by cell
    cli = {e["event_id"]: e for e in exp["CHN>USA"]}
    ids = table_ids(page)
    assert ids == [e["event_id"] for e in exp["CHN>USA"]]
    assert page.get_attribute("#events", "data-total") == str(len(cli))
    for i, row in enumerate(page.locator("#events tbody tr[data-event-id]").all()):
        e = cli[ids[i]]
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == (e["date"] or "—")
        assert cells[1] == e["source"]["code"] and cells[2] == e["cameo"]
        assert cells[4] == (e["target"]["code"] if e["target"] else "—")
        assert cells[8] == e["evidence"]["text"]
    shot(page, "dyad-CHN-USA")

    # sortable: confidence descending, then back to date
    page.click("#events th[data-sort=confidence]")
    settle(page)
    page.click("#events th[data-sort=confidence]")
    settle(page)
    assert "sort=-confidence" in page.url
    conf = [cli[i]["confidence"] for i in table_ids(page)]
    assert conf == sorted(conf, reverse=True)
    page.click("#events th[data-sort=source]")
    settle(page)
    src = [cli[i]["source"]["code"] for i in table_ids(page)]
    assert src == sorted(src)


def test_article_opens_with_the_evidence_highlighted(page: Any, site: dict[str, Any]) -> None:
    events = site["expected"]["CHN>USA"]
    page.goto("/?source=CHN&target=USA")
    settle(page)
    for e in events:
        page.click(f"#events tbody tr[data-event-id='{e['event_id']}']")
        settle(page)
        assert page.is_visible("#article")
        mark = page.locator("#article-text mark.evidence")
        assert mark.count() == 1
        assert mark.get_attribute("data-event-id") == e["event_id"]
        assert mark.text_content() == e["evidence"]["text"]
        for side in ("source", "target"):
            actor = e[side]
            spans = page.locator(f"#article-text .actor.{side}")
            if (
                actor
                and actor["start"] is not None
                and e["evidence"]["start"] <= actor["start"] < actor["end"] <= e["evidence"]["end"]
            ):
                assert "".join(spans.all_text_contents()) == actor["text"]
            elif not actor:
                assert spans.count() == 0
    shot(page, "article")
    # the open article is part of the URL: a reload shows it again
    last = events[-1]
    page.reload()
    settle(page)
    assert page.locator("#article-text mark.evidence").text_content() == last["evidence"]["text"]
    page.click("#article-close")
    settle(page)
    assert page.is_hidden("#article") and "doc=" not in page.url


def test_map_draws_the_sample_countries_and_filters_by_click(page: Any, site: dict[str, Any]) -> None:
    located = [e for e in site["expected"]["all"] if e["location"] and e["location"]["country"]]
    countries = {e["location"]["country"] for e in located}
    page.goto("/")
    settle(page)
    assert page.locator("#map path.country").count() >= 170  # Natural Earth 110m: 177 countries
    drawn = set(
        page.eval_on_selector_all("#map path.country.has-events", "els => els.map(e => e.dataset.iso3)")
    )
    on_atlas = set(page.eval_on_selector_all("#map path.country", "els => els.map(e => e.dataset.iso3)"))
    assert drawn == countries & on_atlas
    assert len(drawn) >= 10 and {"CHN", "USA", "UKR"} <= drawn
    for iso3 in drawn:
        n = sum(1 for e in located if e["location"]["country"] == iso3)
        assert page.get_attribute(f"#map path.country[data-iso3='{iso3}']", "data-count") == str(n)
    points = page.eval_on_selector_all(
        "#map circle.place", "els => els.map(e => [e.dataset.country, +e.dataset.count])"
    )
    assert points and {c for c, _ in points} <= countries
    assert sum(n for _, n in points) == sum(1 for e in located if e["location"]["lat"] is not None)
    shot(page, "map")

    page.click("#map path.country[data-iso3='CHN']")
    settle(page)
    assert "country=CHN" in page.url and page.input_value("input[name=country]") == "CHN"
    in_china = {e["event_id"] for e in located if e["location"]["country"] == "CHN"}
    assert set(table_ids(page)) == in_china
    assert set(
        page.eval_on_selector_all("#map path.country.has-events", "els => els.map(e => e.dataset.iso3)")
    ) == {"CHN"}


def test_filters_live_in_the_url(page: Any, site: dict[str, Any]) -> None:
    want = site["expected"]["quad4-since2022"]
    page.goto("/?quad=4&since=2022-01-01&min_confidence=0.5")
    settle(page)
    assert page.input_value("select[name=quad]") == "4"
    assert page.input_value("input[name=since]") == "2022-01-01"
    assert page.input_value("input[name=min_confidence]") == "0.5"
    assert sorted(table_ids(page)) == sorted(e["event_id"] for e in want)
    # the form writes the URL; the browser's back button restores the previous view
    page.fill("input[name=source]", "rus")
    page.click("#filters button[type=submit]")
    settle(page)
    assert "source=RUS" in page.url and "quad=4" in page.url
    assert all(page.locator("#events tbody tr[data-event-id] td:nth-child(2)").all_inner_texts()[i].startswith("RUS")
               for i in range(page.locator("#events tbody tr[data-event-id]").count()))  # fmt: skip
    page.go_back()
    settle(page)
    assert "source=" not in page.url and page.input_value("input[name=source]") == ""
    assert sorted(table_ids(page)) == sorted(e["event_id"] for e in want)
    # a bad value is refused with the API's message, not a broken page
    page.goto("/?min_confidence=7")
    page.wait_for_selector("body:not([data-state=loading])", state="attached")
    assert page.get_attribute("body", "data-state") == "error"
    assert "min_confidence" in page.text_content("#status")


def test_hostile_document_is_shown_as_text_and_runs_nothing(page: Any, site: dict[str, Any]) -> None:
    hostile = site["expected"]["RUS>USA-2024-03-04"]
    assert hostile and all(e["doc_id"] == XSS_DOC["id"] for e in hostile)
    assert any("<script>" in e["evidence"]["text"] for e in hostile), "the payload must reach the store"
    page.goto("/?source=RUS&target=USA&since=2024-03-04&until=2024-03-04")
    settle(page)
    assert sorted(table_ids(page)) == sorted(e["event_id"] for e in hostile)
    shown = page.locator("#events tbody td.evidence-cell").all_text_contents()
    assert any("<script>window.__xss='text'</script" in t for t in shown)
    for e in hostile:
        page.click(f"#events tbody tr[data-event-id='{e['event_id']}']")
        settle(page)
        assert page.locator("#article-text mark.evidence").text_content() == e["evidence"]["text"]
    assert page.text_content("#article-title") == XSS_DOC["title"]
    assert "<script>window.__xss='text'</script>" in page.text_content("#article-text")
    assert "javascript:window.__xss='url'" in page.text_content("#article-meta")
    # nothing from the document became markup: no script, image, handler or javascript: link anywhere
    assert page.locator("body script:not([src])").count() == 0
    assert page.locator("body img").count() == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert (
        page.eval_on_selector_all(
            "body *", "els => els.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length"
        )
        == 0
    )
    page.hover("#article-text")
    for link in page.locator("#article a").all():
        assert link.get_attribute("href", timeout=1000).startswith(("http://", "https://"))
    shot(page, "hostile-document")
