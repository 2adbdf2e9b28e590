"""RSS/Atom feeds and web pages as documents: the ingest stage for news as it arrives.

`feed_specs` turns what a user lists (feed URLs, local feed files, OPML subscription lists, text files of feed
URLs) into `FeedSource`s; `parse_feed` reads a feed's entries (feedparser); `page_document` turns a fetched
article page into a `RawDocument` whose id comes from its URL, so one page is coded once however often a feed
lists it. `read_sources` reads what `ingest` and `code` are given: paths as `read_paths` reads them, and URLs fetched
as article pages the same way.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from polybius.ingest.fetch import FEED_TYPES, Fetched, Fetcher, FetchError, is_url, url_id
from polybius.ingest.readers import read_paths
from polybius.models import DocumentError, RawDocument

Item = RawDocument | DocumentError


@dataclass(frozen=True)
class FeedSource:
    """One feed to poll: a URL, or a feed file on disk (`path`)."""

    name: str  # the URL or the file path, as the user gave it; the key of its state in the store
    path: str | None = None


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    date: str | None  # ISO date (YYYY-MM-DD) the feed gives for the entry
    entry_id: str | None


@dataclass(frozen=True)
class Feed:
    title: str | None
    entries: tuple[FeedEntry, ...]


class FeedError(Exception):
    """A feed that could not be read or parsed; `str()` is the one-line reason."""


def feed_specs(specs: Iterable[str]) -> Iterator[FeedSource | DocumentError]:
    """Feed URLs as given; a file is a feed itself, an OPML list, or a text list of feed URLs (one a line)."""
    for spec in specs:
        if is_url(spec):
            yield FeedSource(spec)
            continue
        path = Path(spec)
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield DocumentError(spec, f"cannot read feed list: {exc.strerror or exc}")
            continue
        head = data.lstrip()[:2048].lower()
        if b"<opml" in head:
            try:
                urls = opml_urls(data)
            except ET.ParseError as exc:
                yield DocumentError(spec, f"invalid OPML: {exc}")
                continue
            yield from (FeedSource(u) for u in urls)
        elif head.startswith(b"<"):
            yield FeedSource(str(path), path=str(path))
        else:
            text = data.decode("utf-8", errors="replace")
            for lineno, line in enumerate(text.splitlines(), start=1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if is_url(line):
                    yield FeedSource(line)
                else:
                    yield DocumentError(f"{spec}:{lineno}", "not a feed URL (http:// or https://)")


def opml_urls(data: bytes) -> list[str]:
    """The feed URLs of an OPML subscription list (`xmlUrl` of each outline), in order, once each."""
    root = ET.fromstring(data)
    seen: list[str] = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if url and is_url(url) and url not in seen:
            seen.append(url)
    return seen


def parse_feed(data: bytes, base_url: str | None = None) -> Feed:
    """Entries of an RSS or Atom feed; raises `FeedError` when the bytes are not a feed."""
    import feedparser

    parsed = feedparser.parse(data, response_headers={"content-location": base_url} if base_url else None)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"not an RSS or Atom feed{f' ({problem})' if problem else ''}")
    entries: list[FeedEntry] = []
    for raw in parsed.entries:
        link = raw.get("link") or next(
            (ln.get("href") for ln in raw.get("links", []) if ln.get("rel", "alternate") == "alternate"), None
        )
        if not link or not is_url(link):
            continue
        stamp = raw.get("published_parsed") or raw.get("updated_parsed")
        day = datetime(*stamp[:6], tzinfo=UTC).date().isoformat() if stamp else None
        entries.append(FeedEntry(link, (raw.get("title") or "").strip() or None, day, raw.get("id")))
    return Feed((parsed.feed.get("title") or "").strip() or None, tuple(entries))


def page_document(fetched: Fetched, title: str | None = None, day: str | None = None) -> Item:
    """A fetched page as a document (HTML, or plain text), its id from the URL asked for."""
    text = fetched.text()
    if not text.strip():
        return DocumentError(fetched.url, "empty page (no text)", url_id(fetched.url))
    kind = "text" if fetched.content_type == "text/plain" else "html"
    return RawDocument(
        id=url_id(fetched.url),
        kind=kind,
        content=text,
        source=fetched.url,
        title=title,
        date=day,
        url=fetched.final_url,
    )


def fetch_page(fetcher: Fetcher, url: str, title: str | None = None, day: str | None = None) -> Item:
    """Fetch one article page; a failure is this page's `DocumentError`."""
    try:
        return page_document(fetcher.fetch(url), title, day)
    except FetchError as exc:
        return DocumentError(url, f"cannot fetch: {exc.reason}", url_id(url))


def read_feed(
    fetcher: Fetcher, source: FeedSource, etag: str | None = None, last_modified: str | None = None
) -> tuple[Feed | None, Fetched | None]:
    """A feed's current entries; `(None, fetched)` when the server says it has not changed (304).
    Raises `FeedError` (unreachable, not a feed)."""
    if source.path is not None:
        try:
            return parse_feed(Path(source.path).read_bytes()), None
        except OSError as exc:
            raise FeedError(f"cannot read feed file: {exc.strerror or exc}") from None
    try:
        got = fetcher.fetch(source.name, etag=etag, last_modified=last_modified, accept=FEED_TYPES)
    except FetchError as exc:
        raise FeedError(f"cannot fetch feed: {exc.reason}") from None
    if got.not_modified:
        return None, got
    return parse_feed(got.body, got.final_url), got


def read_sources(
    specs: Iterable[str], kind: str = "auto", stdin: BinaryIO | None = None, fetcher: Fetcher | None = None
) -> Iterator[Item]:
    """What `ingest` and `code` read: files, folders, globs and "-" as `read_paths` reads them, and http(s)
    URLs fetched as article pages (in the order given)."""
    paths: list[str] = []
    for spec in specs:
        if is_url(spec):
            if paths:
                yield from read_paths(paths, kind, stdin=stdin)
                paths = []
            if fetcher is None:
                yield DocumentError(spec, "URLs are not fetched here", url_id(spec))
            else:
                yield fetch_page(fetcher, spec)
        else:
            paths.append(spec)
    if paths:
        yield from read_paths(paths, kind, stdin=stdin)
