"""The HTTP API and the dashboard: a thin ASGI layer over `polybius.query` (no SQL here).

Requests read through a read-only connection that is opened on demand, shared by the requests that overlap
or follow closely, and closed soon after (`readers.Readers`), waiting a bounded time (with back-off) while
`polybius ingest` holds the file for a write. DuckDB allows one writing process or many reading ones on a
file, never both at once; ingest writes in short connect-write-close cycles, so a dashboard left open sees new
events as each batch commits (see docs/serving.md).

The server never writes: there is no endpoint that changes the store.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from polybius import __version__, query
from polybius.store import DEFAULT_DB, LOCK_WAIT, StoreError
from polybius.web.docs import render_docs
from polybius.web.readers import Readers

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
REQUEST_TIMEOUT = 10.0  # seconds a query may run before it is interrupted (HTTP 503)

# Strict: nothing but this origin's own scripts, styles, images and API; no inline script, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

API_DESCRIPTION = """\
Read-only JSON over a polybius store: the same query layer (`polybius.query`) that the command line uses.

**Filters** (all optional, the same on every endpoint that takes them): `source`, `target` (country ISO3 or
actor code prefix: RUS, USAGOV, IGOUNO), `cameo` (CAMEO code prefix), `root` (CAMEO root, two digits),
`plover` (PLOVER type), `quad` (QuadClass 1-4), `since`, `until` (YYYY-MM-DD, inclusive), `country` (ISO3 of
the event's location), `min_confidence` (0-1), `doc` (document id).

**Errors** are JSON `{"detail": "..."}` naming the parameter: 422 for a malformed value, 400 for values that
do not fit together, 404 for an unknown document, 503 when the store is missing, held by a writer longer than
the server waits, or a query runs longer than the request time limit.

**Pages**: `/api/events` gives at most 1000 events per page (`limit`, default 100) in a stable total order and a
`next` cursor; events stored while you page never shift the pages still to come.
"""


@dataclass(frozen=True)
class Settings:
    db: Path
    request_timeout: float = REQUEST_TIMEOUT  # seconds before a running query is interrupted
    lock_wait: float = LOCK_WAIT  # seconds to wait for a writer's lock before answering 503
    static: Path = STATIC


@dataclass
class ActorExplainer:
    """The coder's resolver, built on the first /api/actor request (loading spaCy takes seconds)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    coder: Any = None

    def get(self) -> Any:
        with self.lock:
            if self.coder is None:
                from polybius.pipeline import Coder, Options

                self.coder = Coder(Options())
            return self.coder


# -- request plumbing ---------------------------------------------------------------------------------------
def store(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor for one request, interrupted when the request time limit passes."""
    settings: Settings = request.app.state.settings
    with request.app.state.readers.cursor() as con:
        timer = threading.Timer(settings.request_timeout, con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            yield con
        finally:
            timer.cancel()


Store = Annotated[duckdb.DuckDBPyConnection, Depends(store)]

CODE = r"^[A-Za-z0-9]{1,24}$"


def filters(
    source: Annotated[str | None, Query(pattern=CODE, description="source: country ISO3 or actor code prefix")] = None,
    target: Annotated[str | None, Query(pattern=CODE, description="target: country ISO3 or actor code prefix")] = None,
    cameo: Annotated[str | None, Query(pattern=r"^[0-9]{1,4}$", description="CAMEO code prefix (1, 04, 042, 0421)")] = None,
    root: Annotated[str | None, Query(pattern=r"^[0-9]{2}$", description="CAMEO root (two digits)")] = None,
    plover: Annotated[str | None, Query(pattern=r"^[A-Za-z_-]{1,32}$", description="PLOVER type (ASSAULT)")] = None,
    quad: Annotated[int | None, Query(ge=1, le=4, description="QuadClass 1-4")] = None,
    since: Annotated[date | None, Query(description="events on or after this date (YYYY-MM-DD)")] = None,
    until: Annotated[date | None, Query(description="events on or before this date (YYYY-MM-DD)")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO3 of the event's location")] = None,
    min_confidence: Annotated[float, Query(ge=0.0, le=1.0, description="confidence floor (0-1)")] = 0.0,
    doc: Annotated[str | None, Query(min_length=1, max_length=200, description="document id")] = None,
    background: Annotated[
        bool, Query(description="false: leave out background events (acts recalled as the time or cause of the news)")
    ] = True,
) -> query.EventFilter:
    if since and until and since > until:
        raise HTTPException(400, f"since: {since} is after until: {until}")
    return query.EventFilter(
        source=source, target=target, since=since, until=until, cameo=cameo, quad_class=quad, doc_id=doc,
        min_confidence=min_confidence, root=root, plover=plover, country=country, current=not background,
    )  # fmt: skip


Filters = Annotated[query.EventFilter, Depends(filters)]


def checked(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the query layer; a ValueError (a parameter it refuses) is the client's: HTTP 400."""
    try:
        return fn(*args, **kwargs)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body")]
        parts.append(f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}")
    return JSONResponse({"detail": "; ".join(parts)}, status_code=422)


def interrupted(request: Request, _: Exception) -> JSONResponse:
    limit = request.app.state.settings.request_timeout
    return JSONResponse({"detail": f"query interrupted: it ran longer than {limit:g} s"}, status_code=503)


def store_error(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503)


# -- the app ------------------------------------------------------------------------------------------------
def create_app(
    db: str | Path = DEFAULT_DB,
    request_timeout: float = REQUEST_TIMEOUT,
    lock_wait: float = LOCK_WAIT,
    static: Path = STATIC,
    coder: Any = None,
) -> FastAPI:
    """The ASGI app over the store at `db`. `coder` (a pipeline.Coder) serves /api/actor; without one, the
    first /api/actor request builds it."""
    readers = Readers(db, lock_wait=lock_wait)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        readers.close()

    app = FastAPI(
        title="polybius",
        version=__version__,
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = Settings(Path(db), request_timeout, lock_wait, static)
    app.state.readers = readers
    app.state.explainer = ActorExplainer(coder=coder)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(duckdb.InterruptException, interrupted)
    app.add_exception_handler(StoreError, store_error)

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.mount("/static", StaticFiles(directory=static, check_dir=False), name="static")

    @app.get("/", include_in_schema=False)
    def dashboard() -> Response:
        index = static / "index.html"
        if not index.is_file():
            return JSONResponse({"detail": f"dashboard assets missing: {index}"}, status_code=404)
        return FileResponse(index, media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    @app.get("/docs.css", include_in_schema=False)
    def docs_css() -> FileResponse:
        return FileResponse(HERE / "docs.css", media_type="text/css")

    @app.get("/api/events", tags=["events"])
    def api_events(
        con: Store,
        f: Filters,
        limit: Annotated[int, Query(ge=1, le=query.MAX_PAGE, description="events per page (at most 1000)")] = 100,
        cursor: Annotated[str | None, Query(max_length=2000, description="the `next` of the page before")] = None,
        sort: Annotated[Literal["date", "-date", "confidence", "-confidence"], Query(description="sort key")] = "date",
    ) -> dict[str, Any]:
        """Event records (the `polybius events --format jsonl` contract), one page at a time. Order: the sort
        key (undated events last), then document, sentence, evidence start, event id."""
        page = checked(query.event_page, con, f, limit=limit, cursor=cursor, sort=sort)
        return {"events": page.events, "next": page.next, "total": page.total}

    @app.get("/api/series", tags=["aggregates"])
    def api_series(
        con: Store,
        f: Filters,
        interval: Annotated[Literal["day", "week", "month"], Query(description="weeks start on Monday")] = "week",
    ) -> dict[str, Any]:
        """Per period: event count, Goldstein sum and events by QuadClass; periods ascending. Events without
        a date are counted in `undated`; `coarser` counts the events (included in the periods, at their date)
        whose `date_precision` is coarser than the interval ("in March" in a daily series)."""
        return checked(query.series, con, f, interval)

    @app.get("/api/dyads", tags=["aggregates"])
    def api_dyads(
        con: Store, f: Filters, limit: Annotated[int, Query(ge=1, le=1000)] = 20
    ) -> dict[str, Any]:
        """Source-target pairs by country (actor code when it has none), most events first; events without a
        target are left out."""
        return {"dyads": query.dyads(con, f, limit)}

    @app.get("/api/actors", tags=["aggregates"])
    def api_actors(
        con: Store, f: Filters, limit: Annotated[int, Query(ge=1, le=1000)] = 20
    ) -> dict[str, Any]:
        """Actors (code, country, canonical name) with their counts as source and as target."""
        return {"actors": query.actors(con, f, limit)}

    @app.get("/api/places", tags=["aggregates"])
    def api_places(
        con: Store, f: Filters, limit: Annotated[int, Query(ge=1, le=5000)] = 500
    ) -> dict[str, Any]:
        """Event locations with coordinates and counts, and counts by the location's country."""
        return query.places(con, f, limit)

    @app.get("/api/documents/{doc_id}", tags=["documents"])
    def api_document(con: Store, doc_id: str) -> dict[str, Any]:
        """A document's cleaned text and every event coded from it; evidence and actor offsets point into
        `text`."""
        doc = query.document(con, doc_id)
        if doc is None:
            raise HTTPException(404, f"doc_id: no document {doc_id!r} in the store")
        return doc

    @app.get("/api/duplicates/{doc_id}", tags=["documents"])
    def api_duplicates(con: Store, doc_id: str) -> dict[str, Any]:
        """The canonical document this one is a copy of (when it is one) and every stored copy of that
        canonical document (the link stage stores copies as reports, uncoded)."""
        found = query.duplicates(con, doc_id)
        if found is None:
            raise HTTPException(404, f"doc_id: no document {doc_id!r} in the store")
        return found

    @app.get("/api/stories", tags=["stories"])
    def api_stories(
        con: Store,
        since: Annotated[date | None, Query(description="stories still running on or after this day")] = None,
        until: Annotated[date | None, Query(description="stories begun on or before this day")] = None,
        min_docs: Annotated[int, Query(ge=1, le=100_000, description="at least this many articles")] = 1,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Story threads (the link stage's clustering of articles), latest first: canonical headline, date
        span, number of articles. An empty list when the store holds no stories."""
        return {"stories": query.stories(con, since=since, until=until, min_docs=min_docs, limit=limit)}

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def api_story(con: Store, story_id: str) -> dict[str, Any]:
        """One story with its articles in date order and the stories merged into it (a merged story's id
        leads to the story it joined)."""
        found = query.story(con, story_id)
        if found is None:
            raise HTTPException(404, f"story_id: no story {story_id!r} in the store")
        return found

    @app.get("/api/summary", tags=["store"])
    def api_summary(con: Store) -> dict[str, Any]:
        """Counts of what the store holds, the events' date range and the last ingest time."""
        return query.overview(con)

    @app.get("/api/actor", tags=["actors"])
    def api_actor(
        request: Request,
        name: Annotated[str, Query(min_length=1, max_length=200, description="a name or phrase")],
        date_: Annotated[date | None, Query(alias="date", description="the article's date")] = None,
    ) -> dict[str, Any]:
        """How a name resolves to an actor at a date, and every knowledge-base entry weighed (what `polybius
        actor` prints). The first call loads the language model (seconds)."""
        from polybius.actors.explain import explain, how_text

        coder = request.app.state.explainer.get()
        result = explain(name, date_, coder.extractor.resolver, coder.nlp)
        actor = None
        if result.actor is not None:
            a = result.actor
            actor = {
                "code": a.code, "country": a.country, "sector": a.sector, "name": a.name, "how": a.how,
                "decided": how_text(a.how),
                "sector_label": coder.kb.sector_labels.get(a.sector, a.sector) if a.sector else None,
            }  # fmt: skip
        entries = [
            {
                "code": e.code, "kind": e.kind, "name": e.name, "role": e.role or None, "origin": e.origin,
                "start": e.start.isoformat() if e.start else None, "end": e.end.isoformat() if e.end else None,
                "holds": bool(date_ and (e.start or e.end) and e.valid_on(date_)),
            }  # fmt: skip
            for e in result.entries
        ]
        return {"name": name, "date": date_.isoformat() if date_ else None, "actor": actor, "entries": entries}

    return app

