"""The Python API: polybius in notebooks and in other people's code.

    import polybius
    coder = polybius.Coder()                       # loads the model and knowledge once
    coder.code("Russian jets bombed rebel positions near Aleppo on Tuesday.", date="2016-10-04")
    coder.code_frame(df, text="text", id="id", date="date")     # one row per event, flat columns
    store = polybius.Store("news.duckdb")
    store.ingest(df)                                # or paths, texts, dicts
    store.events(source="RUS", since="2016-01-01")  # a DataFrame
    store.summary()

`polybius.code(...)` and `polybius.code_frame(...)` build a Coder for the call; make one `Coder` and reuse it
when coding more than once. Everything here goes through the same pipeline, store and query layer as the CLI,
so the records are those of `polybius code` and the frames have the columns of the CSV export.

A document that cannot be coded is reported as a `DocumentWarning` (``errors="warn"``, the default), raised as
`DocumentFailed` (``errors="raise"``) or dropped (``errors="ignore"``); the other documents are coded either way.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from polybius.ingest.readers import content_id, read_jsonl, read_paths, sniff_kind
from polybius.models import DocumentError, DocumentResult, RawDocument

if TYPE_CHECKING:
    import pandas as pd

    from polybius import pipeline
    from polybius.query import EventFilter

Errors = Literal["warn", "raise", "ignore"]
Input = str | Path | Mapping[str, Any] | RawDocument


class DocumentWarning(UserWarning):
    """A document could not be coded (the others were)."""


class DocumentFailed(RuntimeError):
    """Raised with ``errors="raise"`` when a document could not be coded."""

    def __init__(self, error: DocumentError) -> None:
        super().__init__(str(error))
        self.error = error


# -- inputs -------------------------------------------------------------------------------------------------
def _iso(value: Any) -> str | None:
    """A date given as a string, date, datetime or pandas Timestamp, as YYYY-MM-DD; None for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ == "NaTType":
        return None
    if isinstance(value, datetime | date):  # pandas Timestamps are datetimes
        return value.isoformat()[:10]
    text = str(value).strip()
    return text or None


def _from_mapping(rec: Mapping[str, Any], where: str, date_default: str | None) -> Iterator[RawDocument | DocumentError]:
    """A dict ({id, text|html, date?, title?, url?}) read exactly as a JSON line is."""
    clean: dict[str, Any] = {}
    for key, value in rec.items():
        if key == "date":
            value = _iso(value)
        elif isinstance(value, float) and math.isnan(value):
            value = None
        if value is not None:
            clean[key] = value if key != "id" else str(value)
    for doc in read_jsonl(json.dumps(clean, ensure_ascii=False, default=str), where):
        yield _dated(doc, date_default)


def documents_from(
    inputs: Input | Iterable[Input], date: str | date | None = None, kind: str = "auto"
) -> Iterator[RawDocument | DocumentError]:
    """Raw documents from what a notebook has at hand: a text, a list of texts, dicts with the keys of a JSON
    line ({id, text or html, date, title, url}), RawDocuments, or paths (pathlib.Path: files, folders).

    `date` (YYYY-MM-DD) is the publication date of documents that give none of their own: a dict's "date", an
    HTML page's own date and a dated dateline win over it (as `polybius code --date`; clean.publication_date)."""
    default = _iso(date)
    if isinstance(inputs, str | Path | Mapping | RawDocument):
        inputs = [inputs]
    for n, item in enumerate(inputs):
        where = f"<input {n}>"
        if isinstance(item, RawDocument):
            yield item
        elif isinstance(item, Path):
            for doc in read_paths([str(item)], kind):
                yield _dated(doc, default)
        elif isinstance(item, Mapping):
            yield from _from_mapping(item, where, default)
        elif isinstance(item, str):
            if not item.strip():
                yield DocumentError(where, "empty document (no text)")
                continue
            this_kind = sniff_kind(item) if kind == "auto" else kind
            this_kind = "text" if this_kind == "jsonl" else this_kind
            yield RawDocument(content_id(item.encode("utf-8")), this_kind, item, where, default_date=default)
        else:
            yield DocumentError(where, f"cannot code a {type(item).__name__}: give text, a dict or a Path")


def _dated(doc: RawDocument | DocumentError, day: str | None) -> RawDocument | DocumentError:
    """The document with `day` as its default date (used only when it gives no date of its own)."""
    from dataclasses import replace

    if isinstance(doc, DocumentError) or not day:
        return doc
    return replace(doc, default_date=day)


def frame_documents(
    df: pd.DataFrame,
    text: str = "text",
    id: str | None = "id",  # noqa: A002 - the column's name, as the caller knows it
    date: str | None = "date",
    title: str | None = None,
    url: str | None = None,
    html: str | None = None,
) -> Iterator[RawDocument | DocumentError]:
    """Raw documents from a DataFrame's rows: the text (or `html`) column, and id/date/title/url columns
    when present (a missing id column gives content ids, as for JSON lines without one)."""
    missing = [c for c in (html or text,) if c not in df.columns]
    if missing:
        raise KeyError(f"no column {missing[0]!r} in the DataFrame (columns: {', '.join(map(str, df.columns))})")
    body_key = "html" if html else "text"
    body_col = html or text
    optional = {"id": id, "date": date, "title": title, "url": url}
    present = {key: col for key, col in optional.items() if col is not None and col in df.columns}
    for n, row in enumerate(df.to_dict("records")):
        rec = {body_key: row[body_col], **{key: row[col] for key, col in present.items()}}
        yield from _from_mapping(rec, f"<row {n}>", None)


# -- coding -------------------------------------------------------------------------------------------------
def _options(**options: Any) -> pipeline.Options:
    from polybius.pipeline import Options

    known = {f.name for f in fields(Options)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown option {unknown[0]!r}; options are {', '.join(sorted(known))}")
    for key in ("lexicons", "actors", "verbs"):
        if isinstance(options.get(key), str | Path):
            options[key] = (str(options[key]),)
        elif key in options:
            options[key] = tuple(str(p) for p in options[key])
    return Options(**options)


def _warner(errors: Errors) -> Callable[[str], None] | None:
    """The pipeline's per-document warnings (a changed document) as `DocumentWarning`s, unless ignored."""
    if errors == "ignore":
        return None
    return lambda message: warnings.warn(message, DocumentWarning, stacklevel=4)


def _progress_bar(enabled: bool, total: int | None) -> Any:
    """A tqdm.auto bar (a widget in Jupyter, text on standard error elsewhere), or None."""
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="doc", mininterval=0.5)


def _input_total(inputs: Any) -> int | None:
    """How many documents the inputs hold, when that is known before reading them."""
    from polybius.ingest.readers import count_documents

    if isinstance(inputs, str | Mapping | RawDocument):
        return 1
    if isinstance(inputs, Path):
        return count_documents([str(inputs)])
    if _is_frame(inputs) or isinstance(inputs, list | tuple):
        if any(isinstance(i, Path) for i in inputs):
            return None
        return len(inputs)
    return None


def _handle(err: DocumentError, errors: Errors) -> None:
    if errors == "raise":
        raise DocumentFailed(err)
    if errors == "warn":
        warnings.warn(str(err), DocumentWarning, stacklevel=3)


class Coder:
    """Codes documents into events. Building one loads the spaCy model, knowledge base and lexicon (a few
    seconds); coding with it afterwards costs only the coding. Options are those of `polybius code`:
    ``model``, ``lexicons``, ``builtin_lexicon``, ``actors``, ``verbs``, ``builtin_kb``, ``code_title``,
    ``strict_codes`` (False: ``--keep-unknown-codes``), ``require_target`` (``--require-target``),
    ``batch_size``, ``workers``, ``dedup`` and ``dup_threshold`` (see `polybius.pipeline.Options`). Like
    `polybius code`, a near or exact copy of a document coded earlier in the same call is left out
    (``dedup=False`` codes every document)."""

    def __init__(self, **options: Any) -> None:
        from polybius.pipeline import Coder as PipelineCoder

        self.options = _options(**options)
        self._coder = PipelineCoder(self.options)

    @classmethod
    def from_pipeline(cls, coder: pipeline.Coder) -> Coder:
        """A Coder around an already built `polybius.pipeline.Coder` (shares its model and knowledge)."""
        self = cls.__new__(cls)
        self.options = coder.options
        self._coder = coder
        return self

    def results(
        self,
        inputs: Iterable[RawDocument | DocumentError],
        errors: Errors = "warn",
        progress: bool = False,
        total: int | None = None,
    ) -> Iterator[DocumentResult]:
        """Coded documents (Document, sentences, Events), in input order. `progress`: a progress bar (tqdm.auto: a
        widget in Jupyter, a text bar elsewhere) over `total` documents when known."""
        from polybius.pipeline import run

        bar = _progress_bar(progress, total)
        try:
            for result in run(inputs, self.options, coder=self._coder if self.options.workers <= 1 else None):
                if bar is not None:
                    bar.update(1)
                if isinstance(result, DocumentError):
                    _handle(result, errors)
                else:
                    yield result
        finally:
            if bar is not None:
                bar.close()

    def code(
        self,
        texts_or_documents: Input | Iterable[Input],
        *,
        date: str | date | None = None,
        min_confidence: float = 0.0,
        errors: Errors = "warn",
        progress: bool = False,
    ) -> list[dict[str, Any]]:
        """Events as records of the output contract (`polybius schema`), in document order. `progress`: show a
        progress bar (with a total when the inputs are a text, a list or paths).

        `texts_or_documents`: a text, a list of texts, dicts ({id, text or html, date, title, url}), or paths.
        `date`: publication date for inputs that give none of their own (relative dates such as "on Tuesday"
        need one); as `polybius code --date`: a dict's "date", an HTML page's own date and a dated dateline win."""
        return [
            ev.as_record()
            for result in self.results(
                documents_from(texts_or_documents, date), errors, progress, _input_total(texts_or_documents)
            )
            for ev in result.events
            if ev.confidence >= min_confidence
        ]

    def code_frame(
        self,
        df: pd.DataFrame,
        text: str = "text",
        id: str | None = "id",  # noqa: A002
        date: str | None = "date",
        *,
        title: str | None = None,
        url: str | None = None,
        html: str | None = None,
        min_confidence: float = 0.0,
        errors: Errors = "warn",
        progress: bool = False,
    ) -> pd.DataFrame:
        """One row per event, the flat columns of the CSV export (and of `Store.events`), with the same types.
        `doc_id` is the row's `id` column (a content hash when there is none). `progress`: a progress bar over
        the frame's rows."""
        from polybius.store import connect, write_batch

        docs = frame_documents(df, text=text, id=id, date=date, title=title, url=url, html=html)
        results = list(self.results(docs, errors, progress, len(df)))
        con = connect(":memory:")
        try:
            write_batch(con, results)
            from polybius.query import EventFilter, event_frame

            return event_frame(con, EventFilter(min_confidence=min_confidence))
        finally:
            con.close()


def code(
    texts_or_documents: Input | Iterable[Input],
    *,
    date: str | date | None = None,
    min_confidence: float = 0.0,
    errors: Errors = "warn",
    progress: bool = False,
    **options: Any,
) -> list[dict[str, Any]]:
    """Code with a Coder built for this call (see `Coder.code`); to code more than once, make a `Coder`."""
    return Coder(**options).code(
        texts_or_documents, date=date, min_confidence=min_confidence, errors=errors, progress=progress
    )


def code_frame(
    df: pd.DataFrame,
    text: str = "text",
    id: str | None = "id",  # noqa: A002
    date: str | None = "date",
    *,
    min_confidence: float = 0.0,
    errors: Errors = "warn",
    progress: bool = False,
    **options: Any,
) -> pd.DataFrame:
    """`Coder.code_frame` with a Coder built for this call; to code more than once, make a `Coder`."""
    return Coder(**options).code_frame(
        df, text, id, date, min_confidence=min_confidence, errors=errors, progress=progress
    )


# -- the store ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IngestReport:
    """What one `Store.ingest` stored: counts of rows written, and the documents that failed."""

    documents: int
    sentences: int
    events: int
    skipped: int
    failures: tuple[DocumentError, ...]
    changed: int = 0  # of `skipped`: stored with other content, the stored version kept
    replaced: int = 0  # of `documents`: stored with other content and coded again (``replace=True``)

    @property
    def failed(self) -> int:
        return len(self.failures)


class Store:
    """A polybius store (DuckDB file): `ingest` documents, read `events` as DataFrames, `summary` counts.

    A connection is opened for each call and closed after it, so the CLI, `polybius serve` or another
    notebook can use the same file in between."""

    def __init__(self, path: str | Path = "polybius.duckdb", coder: Coder | None = None) -> None:
        self.path = Path(path)
        self._coder = coder

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def coder(self) -> Coder:
        """The Coder used by `ingest` (built on first use with default options unless one was given)."""
        if self._coder is None:
            self._coder = Coder()
        return self._coder

    def ingest(
        self,
        inputs: Input | Iterable[Input] | pd.DataFrame,
        *,
        date: str | date | None = None,
        errors: Errors = "warn",
        text: str = "text",
        id: str | None = "id",  # noqa: A002
        date_column: str | None = "date",
        replace: bool = False,
        progress: bool = False,
    ) -> IngestReport:
        """Code and store documents: paths (as `polybius ingest`), texts, dicts, or a DataFrame (columns
        `text`, `id`, `date_column`). Documents already stored (same id, same content) are skipped; a stored
        id arriving with other content is skipped with a `DocumentWarning`, or coded again in place of the
        stored version with ``replace=True`` (as `polybius ingest --replace`). Failures are reported (see
        `errors`) and recorded in the store's `errors` table. `progress`: show a progress bar."""
        from polybius.pipeline import ingest_into
        from polybius.store import session

        if _is_frame(inputs):
            items: Iterable[RawDocument | DocumentError] = frame_documents(
                inputs, text=text, id=id, date=date_column  # type: ignore[arg-type]
            )
            total = len(inputs)  # type: ignore[arg-type]
        elif isinstance(inputs, str) and len(inputs) < 4096 and "\n" not in inputs and Path(inputs).exists():
            items = documents_from(Path(inputs), date)
            total = _input_total(Path(inputs))
        else:
            items = documents_from(inputs, date)  # type: ignore[arg-type]
            total = _input_total(inputs)
        coder = self.coder
        bar = _progress_bar(progress, total)
        try:
            with session(self.path) as con:
                counts = ingest_into(
                    con, items, coder.options, coder=coder._coder, replace=replace, warn=_warner(errors),
                    progress=bar.update if bar is not None else None,
                )  # fmt: skip
        finally:
            if bar is not None:
                bar.close()
        for err in counts.failures:
            _handle(err, errors)
        return IngestReport(
            counts.documents, counts.sentences, counts.events, counts.skipped, tuple(counts.failures),
            counts.changed, counts.replaced,
        )  # fmt: skip

    def _filter(self, filters: dict[str, Any]) -> EventFilter:
        from polybius.query import EventFilter

        known = {f.name for f in fields(EventFilter)}
        unknown = sorted(set(filters) - known)
        if unknown:
            raise TypeError(f"unknown filter {unknown[0]!r}; filters are {', '.join(sorted(known))}")
        for key in ("since", "until"):
            if isinstance(filters.get(key), str):
                filters[key] = date.fromisoformat(filters[key])
            elif isinstance(filters.get(key), datetime):
                filters[key] = filters[key].date()
        return EventFilter(**filters)

    def events(self, **filters: Any) -> pd.DataFrame:
        """Stored events as a DataFrame, one row per event, the columns of the CSV export. Filters are those of
        `polybius events`: source, target (country or code prefix), since, until (dates or YYYY-MM-DD), cameo
        (code prefix), root, quad_class, plover, country (of the location), doc_id, min_confidence, limit, and
        current=True to leave out background events."""
        from polybius.query import event_frame
        from polybius.store import session

        f = self._filter(filters)
        with session(self.path, read_only=True) as con:
            return event_frame(con, f)

    def records(self, **filters: Any) -> list[dict[str, Any]]:
        """Stored events as records of the output contract (as `polybius events --format jsonl`)."""
        from polybius.query import events
        from polybius.store import session

        f = self._filter(filters)
        with session(self.path, read_only=True) as con:
            return events(con, f)

    def summary(self) -> dict[str, Any]:
        """Counts: documents, sentences, events, errors, events by CAMEO root and QuadClass, top dyads."""
        from polybius.query import summary
        from polybius.store import session

        with session(self.path, read_only=True) as con:
            return summary(con)


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_dict")
