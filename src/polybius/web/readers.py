"""Read-only access to the store for the web server, shared between requests but never for long.

Opening a DuckDB database costs tens of milliseconds, more than most queries, so concurrent and closely
following requests share one read-only connection (each request gets its own cursor). But while it is open no
other process can write the file, so the connection is closed `hold` seconds after the last request ends, and
under continuous load it is retired after `max_age` seconds: requests arriving then wait for the running ones
to finish and for a `gap` in which a waiting `polybius ingest` (retrying every <= 100 ms) takes the file.
Each reopening sees everything committed before it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from polybius.store import LOCK_WAIT, connect_waiting

HOLD = 0.25  # seconds an idle connection stays open for the next request
MAX_AGE = 5.0  # seconds a busy connection is reused before it is retired
GAP = 0.2  # seconds no connection is opened after a retirement: room for a waiting writer


class Readers:
    def __init__(
        self,
        db: str | Path,
        lock_wait: float = LOCK_WAIT,
        hold: float = HOLD,
        max_age: float = MAX_AGE,
        gap: float = GAP,
    ) -> None:
        self.db = Path(db)
        self.lock_wait, self.hold, self.max_age, self.gap = lock_wait, hold, max_age, gap
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._opened = 0.0
        self._retiring = False
        self._retired_at = float("-inf")
        self._released_at = 0.0
        self._timer: threading.Timer | None = None

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the shared read-only connection, for one request (StoreError when the store is missing
        or a writer holds it longer than `lock_wait`)."""
        con = self._acquire()
        try:
            cur = con.cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._release()

    def close(self) -> None:
        with self._cond:
            if self._timer is not None:
                self._timer.cancel()
            if self._con is not None and self._users == 0:
                self._close()

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        with self._cond:
            while True:
                now = time.monotonic()
                if self._con is not None and not self._retiring and now - self._opened > self.max_age:
                    self._retiring = True
                if self._con is not None and not self._retiring:
                    self._users += 1
                    return self._con
                if self._con is not None and self._users == 0:  # retiring and idle: close it now
                    self._close()
                    self._retired_at = now
                    continue
                if self._con is not None:  # retiring: its last request closes it
                    self._cond.wait(0.05)
                    continue
                pause = self._retired_at + self.gap - now
                if pause > 0:
                    self._cond.wait(pause)
                    continue
                self._con = connect_waiting(self.db, read_only=True, wait=self.lock_wait)
                self._opened = time.monotonic()
                self._retiring = False
                self._users = 1
                return self._con

    def _release(self) -> None:
        with self._cond:
            self._users -= 1
            if self._users > 0:
                return
            if self._retiring:
                self._close()
                self._retired_at = time.monotonic()
                self._cond.notify_all()
                return
            self._released_at = released = time.monotonic()
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.hold, self._close_idle, args=(released,))
            self._timer.daemon = True
            self._timer.start()

    def _close_idle(self, released: float) -> None:
        with self._cond:
            if self._con is not None and self._users == 0 and self._released_at == released:
                self._close()
                self._cond.notify_all()

    def _close(self) -> None:
        assert self._con is not None
        self._con.close()
        self._con = None
        self._retiring = False
