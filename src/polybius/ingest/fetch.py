"""Fetching pages and feeds over HTTP, politely: the only network code in polybius, used only for URLs a user gives.

A `Fetcher` sends a clear user agent, obeys robots.txt (and its crawl delay), keeps a per-host rate limit, sends
conditional requests (ETag / Last-Modified) when it is given what a previous fetch saw, follows redirects
(a bounded number), stops at a total time budget and at a size cap, and retries network failures, 429 and 5xx
answers with exponential back-off (honouring a short Retry-After). Everything it cannot fetch is a
`FetchError` with a one-line reason; it never raises anything else for a URL.

The fetcher holds its own per-host clocks and robots rules (one instance per run; nothing global).
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime

from polybius import __version__

USER_AGENT = f"polybius/{__version__} (open event-data coder; fetches only the URLs and feeds its user lists)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("xml", "rss", "atom", "rdf", "text/plain", "text/html")  # feeds are often served as text/html
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 30.0  # seconds: a longer Retry-After is an error for this run, not a wait


class FetchError(Exception):
    """A URL that could not be fetched; `str()` is the one-line reason."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = USER_AGENT
    timeout: float = 20.0  # seconds for one request, connect to last byte
    max_bytes: int = 5_000_000  # a larger body is refused
    retries: int = 3  # further tries after a network failure, 429 or 5xx
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    per_host_interval: float = 1.0  # at least this many seconds between two requests to one host
    obey_robots: bool = True


@dataclass(frozen=True)
class Fetched:
    """What a fetch brought back. `not_modified`: the server answered 304 to a conditional request."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    def text(self) -> str:
        """The body decoded: the declared charset, else UTF-8, else cp1252 (never raises)."""
        for encoding in (self.charset, "utf-8"):
            if not encoding:
                continue
            try:
                return self.body.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
        return self.body.decode("cp1252", errors="replace")


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def url_id(url: str) -> str:
    """A document id from a page's URL (scheme and host case, fragment and trailing slash do not matter)."""
    parts = urllib.parse.urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    canonical = urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:16]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by `Fetcher` itself, so that each hop is counted, rate-limited and checked."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


@dataclass
class Fetcher:
    settings: FetchSettings = field(default_factory=FetchSettings)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last_request: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoRedirect)

    # -- public ---------------------------------------------------------------------------------------------
    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: tuple[str, ...] = PAGE_TYPES,
    ) -> Fetched:
        """Fetch one URL (following redirects); raise `FetchError` with a reason when it cannot be had."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(url, f"not an http(s) URL: {current}")
            if self.settings.obey_robots and not self.allowed(current):
                raise FetchError(url, f"robots.txt of {parts.hostname} disallows {current}")
            result = self._request(current, url, etag, last_modified)
            if isinstance(result, str):  # a redirect
                current = urllib.parse.urljoin(current, result)
                continue
            if result.not_modified:
                return result
            kind = result.content_type
            if kind and not any(a in kind for a in accept):
                raise FetchError(url, f"unexpected content type {kind!r}", result.status)
            return result
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def allowed(self, url: str) -> bool:
        """robots.txt says this user agent may fetch `url` (a missing or unreadable robots.txt allows all)."""
        rules = self._robots_for(url)
        return rules is None or rules.can_fetch(self.settings.user_agent, url)

    # -- internals ------------------------------------------------------------------------------------------
    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._robots:
            return self._robots[origin]
        self._robots[origin] = None  # while fetching robots.txt itself
        rules: urllib.robotparser.RobotFileParser | None = None
        try:
            got = self._request(origin + "/robots.txt", origin + "/robots.txt", None, None, retries=0)
        except FetchError as exc:
            # 401/403 on robots.txt means "keep out" (RFC 9309 §2.3.1.3 treats 4xx as allow-all, 5xx as
            # disallow-all; we follow it: unreachable robots.txt on a failing server blocks the host).
            if exc.status is not None and exc.status >= 500:
                rules = urllib.robotparser.RobotFileParser()
                rules.parse(["User-agent: *", "Disallow: /"])
        else:
            if isinstance(got, Fetched) and got.status == 200:
                rules = urllib.robotparser.RobotFileParser()
                rules.parse(got.text().splitlines())
        self._robots[origin] = rules
        return rules

    def _wait_turn(self, origin: str) -> None:
        """Keep the per-host interval (or robots.txt's longer crawl delay) between two requests to a host."""
        interval = self.settings.per_host_interval
        rules = self._robots.get(origin)
        delay = rules.crawl_delay(self.settings.user_agent) if rules is not None else None
        if delay:
            interval = max(interval, float(delay))
        last = self._last_request.get(origin)
        if last is not None and interval > 0:
            wait = last + interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_request[origin] = self.clock()

    def _request(
        self,
        current: str,
        asked: str,
        etag: str | None,
        last_modified: str | None,
        retries: int | None = None,
    ) -> Fetched | str:
        """One URL, with retries. Returns `Fetched`, or the Location of a redirect."""
        parts = urllib.parse.urlsplit(current)
        origin = f"{parts.scheme}://{parts.netloc}"
        tries = 1 + (self.settings.retries if retries is None else retries)
        delay = self.settings.backoff
        last_error = FetchError(asked, "not fetched")
        for attempt in range(tries):
            if attempt:
                self.sleep(delay)
                delay *= 2
            self._wait_turn(origin)
            try:
                return self._once(current, asked, etag, last_modified)
            except _Retryable as exc:
                last_error = exc.error
                if exc.wait is not None:
                    if exc.wait > MAX_RETRY_AFTER:
                        raise FetchError(
                            asked, f"server asks to retry after {exc.wait:.0f} s (over {MAX_RETRY_AFTER:.0f} s)",
                            exc.error.status,
                        ) from None
                    delay = max(delay, exc.wait)
        raise FetchError(asked, f"{last_error.reason} (after {tries} tries)", last_error.status)

    def _once(self, current: str, asked: str, etag: str | None, last_modified: str | None) -> Fetched | str:
        headers = {"User-Agent": self.settings.user_agent, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = urllib.request.Request(current, headers=headers)
        started = self.clock()
        try:
            response = self._opener.open(request, timeout=self.settings.timeout)
        except urllib.error.HTTPError as exc:
            status = exc.code
            if status in (301, 302, 303, 307, 308):
                location = exc.headers.get("Location")
                exc.close()
                if not location:
                    raise FetchError(asked, f"HTTP {status} redirect without a Location", status) from None
                return location
            if status == 304:
                exc.close()
                return Fetched(asked, current, 304, etag=etag, last_modified=last_modified, not_modified=True)
            reason = f"HTTP {status} {exc.reason}".strip()
            wait = retry_after(exc.headers)
            exc.close()
            if status == 429 or status >= 500:
                raise _Retryable(FetchError(asked, reason, status), wait) from None
            raise FetchError(asked, reason, status) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise _Retryable(FetchError(asked, f"network error: {reason}"), None) from None
        with response:
            status = response.status
            info: Message = response.headers
            length = info.get("Content-Length")
            if length and length.isdigit() and int(length) > self.settings.max_bytes:
                raise FetchError(asked, f"body of {int(length):,} bytes is over the {self.settings.max_bytes:,}-byte cap")
            chunks: list[bytes] = []
            size = 0
            try:
                while True:
                    if self.clock() - started > self.settings.timeout:
                        raise FetchError(asked, f"took longer than {self.settings.timeout:g} s")
                    chunk = response.read(65536)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > self.settings.max_bytes:
                        raise FetchError(asked, f"body is over the {self.settings.max_bytes:,}-byte cap")
                    chunks.append(chunk)
            except (TimeoutError, ConnectionError, OSError) as exc:
                raise _Retryable(FetchError(asked, f"network error while reading: {exc}"), None) from None
            return Fetched(
                url=asked,
                final_url=current,
                status=status,
                body=b"".join(chunks),
                content_type=(info.get_content_type() or "").lower(),
                charset=info.get_content_charset(),
                etag=info.get("ETag"),
                last_modified=info.get("Last-Modified"),
            )


class _Retryable(Exception):
    def __init__(self, error: FetchError, wait: float | None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.wait = wait


def retry_after(headers: Message | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if any."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
