"""News as it arrives: follow RSS/Atom feeds, watch a folder, and code what is new, exactly once.

Both loops end in the same place as `polybius ingest`: documents go through `pipeline.ingest_into` into the
store. What makes them exactly-once across restarts lives in the store too:

- `feeds`: each feed's ETag / Last-Modified and last result (`feeds` table), and each article URL with its tries
  (`pages` table). A page's document id comes from its URL, so a page listed by many feeds, or by the same feed
  on every poll, is fetched and coded once; a page that failed is tried again on later polls, at most
  `max_tries` times.
- `watch`: each file's path, size, modification time and content hash (`watched_files` table). A file is coded
  once it has stopped changing for `settle` seconds; a file seen before with the same content is skipped,
  a changed one is read again (its documents keep content ids, so only new documents are coded). A JSON line
  whose id is stored with other content is a changed document: a warning, and with `replace` (`watch
  --replace`) it is coded again in place of the stored one.

The store is opened only for short sessions (feed state, each written batch, file state) and closed between
them, so readers (`polybius serve`) get their turn while a poll or a folder is being coded.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from polybius.ingest.feeds import FeedEntry, FeedError, FeedSource, fetch_page, read_feed
from polybius.ingest.fetch import Fetcher, url_id
from polybius.ingest.readers import EXTENSIONS, read_paths
from polybius.models import DocumentError, RawDocument
from polybius.pipeline import Coder, IngestCounts, Options, ingest_into
from polybius.store import (
    feed_state,
    file_state,
    known_ids,
    page_tries,
    record_feed,
    record_file,
    record_pages,
    session,
)

Item = RawDocument | DocumentError
Report = Callable[[DocumentError], None]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(value: str) -> float:
    """'15m' -> 900.0; plain numbers are seconds; s, m, h, d suffixes. Raises ValueError."""
    m = _DURATION.match(value)
    if not m:
        raise ValueError(f"not a duration: {value!r} (e.g. 30s, 15m, 2h)")
    seconds = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"a duration must be positive: {value!r}")
    return seconds


# -- feeds --------------------------------------------------------------------------------------------------
@dataclass
class FeedReport:
    """One feed's result in one poll."""

    feed: str
    entries: int = 0
    new: int = 0
    not_modified: bool = False
    error: str | None = None


@dataclass
class PollResult:
    feeds: list[FeedReport] = field(default_factory=list)
    counts: IngestCounts = field(default_factory=IngestCounts)


def poll_feeds(
    db: str,
    sources: Iterable[FeedSource],
    fetcher: Fetcher,
    options: Options,
    coder: Coder | None = None,
    report: Report | None = None,
    max_tries: int = 3,
) -> PollResult:
    """Poll each feed once, fetch its new article pages, code and store them. A failing feed is recorded
    (`feeds.last_error`) and the others go on; a failing page is an error of that page."""
    result = PollResult()
    pages: list[tuple[str, str, str]] = []  # (url, feed, doc_id) of the pages to fetch in this poll
    listed: list[FeedEntry] = []
    with session(db) as con:  # first the feeds (their state is written here, in one short session)
        stored = known_ids(con)
        for source in sources:
            rep = FeedReport(source.name)
            result.feeds.append(rep)
            etag, modified = feed_state(con, source.name)
            try:
                feed, got = read_feed(fetcher, source, etag, modified)
            except FeedError as exc:
                rep.error = str(exc)
                record_feed(con, source.name, None, etag, modified, 0, 0, rep.error)
                continue
            if feed is None:
                rep.not_modified = True
                record_feed(con, source.name, None, etag, modified, 0, 0, None)
                continue
            fresh = [e for e in feed.entries if url_id(e.url) not in stored and page_tries(con, e.url) < max_tries]
            rep.entries, rep.new = len(feed.entries), len(fresh)
            record_feed(
                con, source.name, feed.title, got.etag if got else None,
                got.last_modified if got else None, rep.entries, rep.new, None,
            )  # fmt: skip
            for entry in fresh:
                doc_id = url_id(entry.url)
                stored.add(doc_id)  # listed twice (two feeds, or twice in one): fetched once
                pages.append((entry.url, source.name, doc_id))
                listed.append(entry)
    # then the pages, fetched as the coder asks for them; the store is open only while a batch is written
    fetched = (fetch_page(fetcher, e.url, e.title, e.date) for e in listed)
    result.counts = ingest_into(db, fetched, options, coder=coder, report=report)
    if pages:
        with session(db) as con:
            record_pages(con, pages, result.counts.failures)
    return result


def follow_feeds(
    db: str,
    sources: list[FeedSource],
    fetcher: Fetcher,
    options: Options,
    every: float,
    on_poll: Callable[[PollResult], None],
    stop: threading.Event,
    report: Report | None = None,
    coder: Coder | None = None,
) -> None:
    """Poll every `every` seconds until `stop` is set; the model is loaded once."""
    coder = coder or Coder(options)
    while not stop.is_set():
        on_poll(poll_feeds(db, sources, fetcher, options, coder=coder, report=report))
        stop.wait(every)


# -- watching a folder --------------------------------------------------------------------------------------
def candidate(path: Path, root: Path) -> bool:
    """A file the watcher reads: a known extension, not hidden, not a partial download or editor backup."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return False
    if any(part.startswith(".") for part in rel.parts) or path.name.endswith(("~", ".part", ".tmp", ".crdownload")):
        return False
    return path.suffix.lower() in EXTENSIONS


def file_hash(path: Path) -> str:
    h = hashlib.sha1()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Watcher:
    """Codes the files of a folder that are new or changed, once each, when they have stopped changing."""

    db: str
    root: Path
    options: Options
    kind: str = "auto"
    settle: float = 1.0  # seconds a file's size and time must stay the same before it is read
    report: Report | None = None
    clock: Callable[[], float] = time.monotonic
    coder: Coder | None = None
    replace: bool = False  # a document stored with other content is coded again (see `ingest_into`)
    warn: Callable[[str], None] | None = None
    _pending: dict[Path, tuple[int, int, float]] = field(default_factory=dict)

    def scan(self) -> None:
        """Note every candidate file under the folder (at start, and when the watcher reports changes)."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and candidate(path, self.root):
                self.note(path)

    def note(self, path: Path) -> None:
        try:
            st = path.stat()
        except OSError:
            self._pending.pop(path, None)
            return
        key = (st.st_size, st.st_mtime_ns)
        old = self._pending.get(path)
        if old is None or old[:2] != key:
            self._pending[path] = (*key, self.clock())

    def ready(self) -> list[Path]:
        """Pending files unchanged for `settle` seconds (re-checked on disk now)."""
        now = self.clock()
        out = []
        for path, (size, mtime, since) in sorted(self._pending.items()):
            try:
                st = path.stat()
            except OSError:
                del self._pending[path]
                continue
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                self._pending[path] = (st.st_size, st.st_mtime_ns, now)
            elif now - since >= self.settle:
                out.append(path)
        return out

    def process(self, paths: list[Path]) -> IngestCounts:
        """Code the given files into the store, skipping those already coded with the same content."""
        counts = IngestCounts()
        if not paths:
            return counts
        if self.coder is None:
            self.coder = Coder(self.options)
        todo: list[tuple[Path, str, int, int]] = []
        with session(self.db) as con:
            for path in paths:
                size, mtime, _ = self._pending.pop(path)
                try:
                    digest = file_hash(path)
                except OSError as exc:
                    err = DocumentError(str(path), f"cannot read file: {exc.strerror or exc}")
                    if self.report:
                        self.report(err)
                    counts.failures.append(err)
                    continue
                if file_state(con, str(path.resolve())) != digest:
                    todo.append((path, digest, size, mtime))
        if todo:  # coded with the store open only while a batch is written (readers get in between)
            items = read_paths([str(p) for p, *_ in todo], self.kind)
            counts = counts + ingest_into(
                self.db, items, self.options, coder=self.coder, report=self.report, replace=self.replace,
                warn=self.warn,
            )  # fmt: skip
            with session(self.db) as con:
                for path, digest, size, mtime in todo:
                    record_file(con, str(path.resolve()), size, mtime, digest)
        return counts

    def run(self, stop: threading.Event, on_batch: Callable[[IngestCounts], None], tick: float = 0.5) -> None:
        """Watch until `stop` is set: an initial scan, then every change the file system reports."""
        from watchfiles import watch

        self.scan()
        self._flush(on_batch)
        for changes in watch(
            self.root, stop_event=stop, yield_on_timeout=True, rust_timeout=int(tick * 1000), debounce=200
        ):
            for _change, name in changes:
                path = Path(name)
                if candidate(path, self.root):
                    self.note(path)
            self._flush(on_batch)

    def run_once(self) -> IngestCounts:
        """Code what the folder holds now (files still being written are given `settle` seconds)."""
        self.scan()
        total = IngestCounts()
        while self._pending:
            total = total + self.process(self.ready())
            if self._pending:
                time.sleep(min(self.settle, 0.2))
        return total

    def _flush(self, on_batch: Callable[[IngestCounts], None]) -> None:
        ready = self.ready()
        if ready:
            on_batch(self.process(ready))

