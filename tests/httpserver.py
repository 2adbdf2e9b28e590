"""A local HTTP server for fetch, feed and ingest tests: routes with status, headers, ETags, delays, failures.

Bound to 127.0.0.1 on a free port, run in a thread, stopped when the `with` block ends. Each request's headers
are kept in `hits[path]`, so tests can count fetches and check what was sent.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    ctype: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # when set, a request with If-None-Match equal to it gets 304
    delay: float = 0.0  # seconds before the body is sent
    chunked: bool = False  # no Content-Length; the body comes in chunks
    fail_first: int = 0  # the first N requests get `fail_status`
    fail_status: int = 503


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, list[dict[str, str]]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                path = self.path.split("?")[0]
                seen = server.hits.setdefault(path, [])
                seen.append(dict(self.headers.items()))
                route = server.routes.get(path)
                if route is None:
                    self._send(404, b"not found", "text/plain", {})
                    return
                if len(seen) <= route.fail_first:
                    self._send(route.fail_status, b"try later", "text/plain", {})
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self._send(304, b"", route.ctype, {"ETag": route.etag})
                    return
                headers = dict(route.headers)
                if route.etag:
                    headers["ETag"] = route.etag
                if route.delay:
                    time.sleep(route.delay)
                self._send(route.status, route.body, route.ctype, headers, route.chunked)

            def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str], chunked: bool = False):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for k, v in headers.items():
                    self.send_header(k, v)
                if status == 304:
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for i in range(0, len(body), 4096):
                            part = body[i : i + 4096]
                            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
