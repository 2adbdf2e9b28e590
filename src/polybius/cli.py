"""The command line: `polybius ingest | code | events | export | summary | demo | actor | bench`."""

from __future__ import annotations

import argparse
import contextlib
import errno
import itertools
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import duckdb

from polybius import __version__
from polybius.bench import petrarch as petrarch_bench
from polybius.cli_cluster import add_cluster_options, cmd_ingest_cluster, wants_cluster
from polybius.cli_link import add_commands as add_link_commands
from polybius.cli_link import print_stories
from polybius.cli_stream import add_commands as add_stream_commands
from polybius.cli_stream import add_fetch_options, fetcher_from
from polybius.events.petrarch_verbs import dictionary_folder
from polybius.export import FORMATS, export
from polybius.ingest import KINDS
from polybius.ingest.feeds import read_sources
from polybius.ingest.readers import count_documents, read_date_hints, with_date_hints
from polybius.link.aggregate import to_record as to_aggregate_record
from polybius.link.dedup import DEFAULT_THRESHOLD
from polybius.models import DocumentError, DocumentResult
from polybius.nlp import BATCH_SIZE, DEFAULT_MODEL, ModelError, check_model
from polybius.pipeline import DOC_TIMEOUT, MAX_CHARS, Options, ingest_into, run
from polybius.query import (
    EventFilter,
    aggregated,
    aggregated_events,
    event_rows,
    iter_event_rows,
    stories,
    summary,
    to_record,
)
from polybius.store import DEFAULT_DB, StoreError, StoreWriteError, connect_waiting

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
TABLE_COLUMNS = ("date", "source_code", "cameo", "target_code", "confidence", "evidence_text")


# Exit status (README "Exit status"): what a script needs to tell apart.
EXIT_OK = 0  # every document coded (or nothing to code)
EXIT_DOCUMENTS_FAILED = 1  # one or more documents failed (reported one line each); the rest were processed
EXIT_USAGE = 2  # usage error: bad arguments, options, paths, model or store; nothing was processed
EXIT_STOPPED = 3  # the run stopped part way: the store or the output could not be written (full disk, I/O)
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGINT; the store keeps every batch committed before it


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return n


def threshold_value(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 < x <= 1.0:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1: {value!r}")
    return x


def seconds_value(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not x >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {value!r}")
    return x


def confidence_value(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {value!r}")
    return x


# -- shared option groups ---------------------------------------------------------------------------------
NAME_OPTIONS = frozenset({"--model", "--actors", "--dictionaries", "--no-builtin-kb"})  # what `actor` reads


def add_coding_options(p: argparse.ArgumentParser, names_only: bool = False, progress: bool = True) -> None:
    """The coding options; `names_only`: just those that change how a name resolves (for `actor`); `progress`:
    the command shows a progress bar (not `feeds` and `watch`, which run until stopped)."""
    g = p.add_argument_group("knowledge" if names_only else "coding")

    def add(*flags: str, **kwargs: Any) -> None:
        if not names_only or flags[0] in NAME_OPTIONS:
            g.add_argument(*flags, **kwargs)

    add(
        "--input",
        choices=KINDS,
        default="auto",
        help="kind of input: plain text, HTML, JSON lines ({id, text|html, date?, title?, url?}); "
        "'auto' decides by file extension, then by content (default: auto)",
    )
    add(
        "--model",
        default=DEFAULT_MODEL,
        help=f"installed spaCy model to parse with (default: {DEFAULT_MODEL})",
    )
    add(
        "--workers",
        type=positive_int,
        default=1,
        help="processes that parse and code in parallel (default: 1)",
    )
    add(
        "--batch-size",
        type=positive_int,
        default=BATCH_SIZE,
        help=f"texts per spaCy batch (default: {BATCH_SIZE})",
    )
    add(
        "--lexicon",
        action="append",
        default=[],
        metavar="PATH",
        help="extra verb/phrase lexicon YAML file or folder, added to the built-in one (repeatable)",
    )
    add(
        "--actors",
        action="append",
        default=[],
        metavar="PATH",
        help="TABARI/PETRARCH/Phoenix dictionary file or folder (*.actors.txt, *.agents.txt, *.discards.txt) "
        "added to the built-in knowledge base (repeatable)",
    )
    add(
        "--verbs",
        action="append",
        default=[],
        metavar="PATH",
        help="TABARI/PETRARCH/Phoenix verb pattern dictionary (*.verbs.txt, CAMEO*.txt) or a folder of them; "
        "its patterns code a verb before the lexicon does (repeatable)",
    )
    add(
        "--dictionaries",
        metavar="DIR",
        help="a TABARI/PETRARCH/Phoenix dictionary folder: its *.actors.txt, *.agents.txt, *.discards.txt "
        "are read as --actors, its *.verbs.txt and CAMEO*.txt as --verbs",
    )
    add(
        "--no-builtin-kb",
        action="store_true",
        help="resolve actors with the --actors/--dictionaries files only, without the built-in knowledge base",
    )
    add(
        "--no-builtin-lexicon",
        action="store_true",
        help="code with the --lexicon files only, without the built-in lexicon",
    )
    add(
        "--keep-unknown-codes",
        action="store_true",
        help="keep events whose code (from --verbs/--dictionaries patterns) is not in the CAMEO table, instead "
        "of dropping them; such records fall outside the output contract (they take the QuadClass, Goldstein "
        "score and PLOVER type of their CAMEO root where there is one, else quad_class 0): for comparing "
        "with WEIS-era dictionaries such as PETRARCH's validation set",
    )
    add(
        "--require-target",
        action="store_true",
        help="only events with a target: an event whose target is unknown is dropped (PETRARCH's "
        "require_dyad); by default such events are kept with target null",
    )
    add(
        "--code-title",
        action="store_true",
        help="code each document's title (JSONL title, HTML <title>, a text's first line) as sentence 0; "
        "title-case headlines are parsed in sentence case",
    )
    add(
        "--dup-threshold",
        type=threshold_value,
        default=DEFAULT_THRESHOLD,
        metavar="X",
        help="a document whose word 3-gram set has estimated Jaccard similarity >= X (0-1] with a document "
        "already seen is a near copy: stored as a report of that document and not coded again; 1 keeps "
        f"only exact copies (same words after case, spacing and punctuation are normalised) (default: {DEFAULT_THRESHOLD})",
    )
    add(
        "--no-dedup", action="store_true", help="no duplicate check: every document is coded, copies too"
    )
    add(
        "--max-chars",
        type=positive_int,
        default=MAX_CHARS,
        metavar="N",
        help=f"refuse documents whose cleaned text is longer than N characters, with an error for that document "
        f"(HTML pages may be 4x this before cleaning); texts over 50,000 characters are parsed in pieces cut at "
        f"paragraph or sentence ends (default: {MAX_CHARS:,})",
    )
    add(
        "--doc-timeout",
        type=seconds_value,
        default=DOC_TIMEOUT,
        metavar="SECONDS",
        help=f"time budget per document: one that runs past it is reported as an error and the batch goes on; "
        f"checked between sentences and parse pieces; 0 for no limit (default: {DOC_TIMEOUT:g})",
    )
    add_message_options(p, names_only, progress)


def add_message_options(p: argparse.ArgumentParser, names_only: bool = False, progress: bool = True) -> None:
    g = p.add_argument_group("messages")
    if not names_only:
        g.add_argument(
            "--quiet",
            "-q",
            action="store_true",
            help="no progress bar, no warnings and no per-document error lines (the exit status still tells)",
        )
    if not names_only and progress:
        g.add_argument(
            "--progress",
            action="store_true",
            help="show the progress bar (documents done of the total counted before coding, with an ETA) even "
            "when standard error is not a terminal; on a terminal it shows by default (never with --quiet)",
        )
    g.add_argument(
        "--no-warnings",
        action="store_true",
        help="no warning lines (irregular dictionary lines, documents stored with other content); per-document "
        "errors are still shown",
    )
    g.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="every warning on its own line (by default the irregular lines of imported dictionaries are "
        "counted in one line)",
    )


def add_date_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--date",
        dest="default_date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="publication date of documents that give none of their own: plain texts, and JSON lines without "
        "a \"date\"; a JSON line's date, an HTML page's own date (htmldate) and a dated dateline win over it. "
        "Relative dates (\"on Tuesday\") are read against it, and a dateline without a year "
        "(\"ISTANBUL, July 22 (Reuters) -\") takes the year that puts it on or before it",
    )
    p.add_argument(
        "--dates",
        metavar="TSV",
        help="a table of publication dates, one 'FILE<TAB>YYYY-MM-DD' line per file (a JSON line as FILE#ID; "
        "names relative to the table's folder; # comments): each file's --date",
    )


def add_replace_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--replace",
        action="store_true",
        help="a document whose id is stored but whose content (text or html) differs is coded again: its stored "
        "document, sentences, events, errors and story membership are deleted in the transaction that writes "
        "the new version (default: the stored version is kept, with a warning)",
    )


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB store file (default: ./{DEFAULT_DB})")


def add_filter_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters")
    g.add_argument("--source", help="source actor: country ISO3 or code prefix (RUS, RUSGOV, IGOUNO)")
    g.add_argument("--target", help="target actor: country ISO3 or code prefix")
    g.add_argument("--since", type=iso_date, help="events on or after this date (YYYY-MM-DD)")
    g.add_argument("--until", type=iso_date, help="events on or before this date (YYYY-MM-DD)")
    g.add_argument("--cameo", help="CAMEO code prefix: a root (04), a code (042) or a sub-code (0421)")
    g.add_argument(
        "--quad-class",
        type=int,
        choices=(1, 2, 3, 4),
        help="1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict",
    )
    g.add_argument(
        "--min-confidence", type=confidence_value, default=0.0, help="drop events below this confidence (0-1)"
    )
    g.add_argument("--country", help="events located in this country (ISO3 of the event's location)")
    g.add_argument(
        "--no-background",
        action="store_true",
        help="leave out background events (acts a sentence recalls as the time or cause of its news)",
    )
    g.add_argument("--doc", metavar="DOC_ID", help="events of this document id")
    g.add_argument("--limit", type=positive_int, help="at most this many events")


def event_filter(args: argparse.Namespace) -> EventFilter:
    return EventFilter(
        source=args.source,
        target=args.target,
        since=args.since,
        until=args.until,
        cameo=args.cameo,
        quad_class=args.quad_class,
        min_confidence=args.min_confidence,
        limit=args.limit,
        country=getattr(args, "country", None),
        doc_id=getattr(args, "doc", None),
        current=getattr(args, "no_background", False),
    )


def dictionary_options(args: argparse.Namespace) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(actor files, verb files): --actors and --verbs plus what the --dictionaries folder holds."""
    actors, verbs = list(args.actors), list(args.verbs)
    if args.dictionaries:
        found = dictionary_folder(args.dictionaries)
        if not found.actors and not found.verbs:
            raise CliError(
                f"{args.dictionaries}: no *.actors.txt, *.agents.txt, *.discards.txt, *.verbs.txt or CAMEO*.txt"
            )
        actors += [str(p) for p in found.actors]
        verbs += [str(p) for p in found.verbs]
    return tuple(actors), tuple(verbs)


def options_from(args: argparse.Namespace) -> Options:
    actors, verbs = dictionary_options(args)
    if args.no_builtin_kb and not actors:
        raise CliError("--no-builtin-kb needs actor dictionaries (--actors or --dictionaries)")
    if args.no_builtin_lexicon and not args.lexicon and not verbs:
        raise CliError("--no-builtin-lexicon needs at least one --lexicon or verb dictionary")
    return Options(
        model=args.model,
        workers=args.workers,
        batch_size=args.batch_size,
        lexicons=tuple(args.lexicon),
        builtin_lexicon=not args.no_builtin_lexicon,
        actors=actors,
        verbs=verbs,
        builtin_kb=not args.no_builtin_kb,
        strict_codes=not args.keep_unknown_codes,
        require_target=args.require_target,
        code_title=args.code_title,
        dedup=not args.no_dedup,
        dup_threshold=args.dup_threshold,
        max_chars=args.max_chars,
        doc_timeout=args.doc_timeout,
        date=default.isoformat() if (default := getattr(args, "default_date", None)) else None,
    )


class Progress:
    """Progress of a run, fed by the pipeline's callback: a bar (tqdm.auto: a terminal bar, or a widget in Jupyter)
    with the total counted before coding and an ETA, on standard error, when it is a terminal or --progress asks
    (never with --quiet); and the grouped warnings of loading, shown once the first document is done."""

    def __init__(self, args: argparse.Namespace, total: int | None, unit: str = "doc") -> None:
        self.sink: WarningSink | None = getattr(args, "warning_sink", None)
        self.bar: Any = None
        quiet = getattr(args, "quiet", False)
        if not quiet and (getattr(args, "progress", False) or sys.stderr.isatty()):
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, mininterval=0.5)

    def __call__(self, n: int = 1) -> None:
        if self.sink is not None:
            self.sink.flush()
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def input_total(args: argparse.Namespace) -> int | None:
    """Documents in the inputs, counted before coding (None for standard input; URLs count one each)."""
    from polybius.ingest.fetch import is_url

    urls = [p for p in args.paths if is_url(p)]
    local = count_documents([p for p in args.paths if not is_url(p)], args.input)
    return None if local is None else local + len(urls)


def say(line: str) -> None:
    """One line on standard error, above a progress bar when one is showing (tqdm redraws it below)."""
    if "tqdm" in sys.modules:
        from tqdm import tqdm

        tqdm.write(line, file=sys.stderr)
    else:
        print(line, file=sys.stderr)


def report(err: DocumentError, quiet: bool) -> None:
    if not quiet:
        say(f"error: {err}")


def warner(args: argparse.Namespace) -> Callable[[str], None]:
    """Where the pipeline's per-document warnings go: one `warning:` line each on stderr (none with --quiet or
    --no-warnings)."""

    def warn(message: str) -> None:
        if warning_mode(args) != "none":
            say(f"warning: {message}")

    return warn


def changed_note(changed: int, replaced: int) -> str:
    """The ingest line's part about stored documents that arrived with other content."""
    parts = []
    if replaced:
        parts.append(f"{replaced} of them replaced (stored with other content, coded again)")
    if changed:
        parts.append(f"{changed} arrived with other content than stored, the stored version kept (--replace)")
    return "".join(f"; {p}" for p in parts)


# -- commands ---------------------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    options = options_from(args)
    check_model(options.model)  # a bad --model is a usage error before any store file is created
    if wants_cluster(args):
        if getattr(args, "dates", None):
            raise CliError("--dates is for a local run (a cluster's workers read the files); use --date")
        if getattr(args, "replace", False):
            raise CliError("--replace is not available with --cluster or --scheduler (run it without them)")
        return cmd_ingest_cluster(args, options, lambda e: report(e, args.quiet))
    items = read_sources(args.paths, args.input, stdin=sys.stdin.buffer, fetcher=fetcher_from(args))
    items = with_date_hints(items, date_hints(args))
    # the store path, not a connection: each transaction opens and closes the store, so readers
    # (polybius serve, polybius events) can read it while the ingest runs
    bar = Progress(args, input_total(args))
    try:
        counts = ingest_into(
            args.db,
            items,
            options,
            report=lambda e: report(e, args.quiet),
            replace=getattr(args, "replace", False),
            warn=warner(args),
            progress=bar,
        )
    finally:
        bar.close()
    print(
        f"ingested {counts.documents} documents ({counts.sentences} sentences, {counts.events} events) into "
        f"{args.db}; {counts.copies} of them copies of another document (stored as its reports, not coded); "
        f"{counts.skipped} already stored; {counts.failed} with errors{changed_note(counts.changed, counts.replaced)}",
        file=sys.stderr,
    )
    return EXIT_DOCUMENTS_FAILED if counts.failed else EXIT_OK


def date_hints(args: argparse.Namespace) -> dict[tuple[str, str | None], str]:
    """The --dates table, read before anything is coded (a bad table is a usage error)."""
    if not getattr(args, "dates", None):
        return {}
    try:
        return read_date_hints(Path(args.dates))
    except OSError as exc:
        raise CliError(f"--dates: cannot read {args.dates}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"--dates: {exc}") from None


def cmd_code(args: argparse.Namespace) -> int:
    items = read_sources(args.paths, args.input, stdin=sys.stdin.buffer, fetcher=fetcher_from(args))
    items = with_date_hints(items, date_hints(args))
    out = sys.stdout
    n_docs = n_events = n_errors = n_copies = 0
    options = options_from(args)
    bar = Progress(args, input_total(args))
    try:
        n_docs, n_events, n_errors, n_copies = write_events(run(items, options), args, out, bar)
    finally:
        bar.close()
    if not args.quiet:
        print(
            f"coded {n_docs} documents: {n_events} events, {n_errors} errors; "
            f"{n_copies} copies of documents coded above left out",
            file=sys.stderr,
        )
    return EXIT_DOCUMENTS_FAILED if n_errors else EXIT_OK


def write_events(
    results: Iterable[DocumentResult | DocumentError], args: argparse.Namespace, out: Any, bar: Progress
) -> tuple[int, int, int, int]:
    """`code`'s output: each coded document's events as JSON lines; (documents, events, errors, copies)."""
    n_docs = n_events = n_errors = n_copies = 0
    for result in results:
        bar(1)
        if isinstance(result, DocumentError):
            report(result, args.quiet)
            n_errors += 1
            continue
        if result.document.duplicate_of is not None:
            n_copies += 1  # a copy of a document coded earlier in this run: not coded twice
            continue
        n_docs += 1
        for ev in result.events:
            if ev.confidence >= args.min_confidence and not (ev.background and args.no_background):
                out.write(json.dumps(ev.as_record(), ensure_ascii=False) + "\n")
                n_events += 1
        out.flush()
    return n_docs, n_events, n_errors, n_copies


TABLE_SAMPLE = 500  # rows that set the table's column widths; later rows stream with the same widths


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[str] = TABLE_COLUMNS) -> None:
    """A table on stdout, streamed: widths come from the first TABLE_SAMPLE rows."""

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    def cells(row: dict[str, Any]) -> list[str]:
        out = [cell(row[c]) if c != "date" else shown_date(row[c], row.get("date_precision")) for c in columns]
        out[-1] = out[-1][:70]
        return out

    it = iter(rows)
    head = [cells(r) for r in itertools.islice(it, TABLE_SAMPLE)]
    if not head:
        print("no events")
        return
    widths = [max(len(c), *(len(row[i]) for row in head)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in itertools.chain(head, (cells(r) for r in it)):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def shown_date(value: Any, precision: str | None) -> str:
    """A date in a table as precise as it is: 2013-05-07, 2013-W19 (a week), 2013-05 (a month), 2013 (a year)."""
    if value is None:
        return "-"
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    if precision == "year":
        return f"{day.year}"
    if precision == "month":
        return f"{day.year}-{day.month:02d}"
    if precision == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


AGGREGATE_COLUMNS = (
    "date", "source_code", "cameo", "target_code", "num_mentions", "num_sources", "num_articles", "evidence_text",
)  # fmt: skip
AGGREGATE_CSV = (
    "aggregate_id", "date", "date_precision", "source_code", "target_code", "cameo", "quad_class", "goldstein", "location_name",
    "location_country", "num_mentions", "num_sources", "num_articles", "first_seen", "last_seen", "doc_ids",
)  # fmt: skip


def aggregate_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Aggregated events flattened for the table and CSV."""
    return [
        {
            **{k: r[k] for k in ("aggregate_id", "date", "date_precision", "cameo", "quad_class", "goldstein", "first_seen", "last_seen")},
            **{k: r[k] for k in ("num_mentions", "num_sources", "num_articles")},
            "source_code": r["source"]["code"] if r["source"] else None,
            "target_code": r["target"]["code"] if r["target"] else None,
            "location_name": r["location"]["name"] if r["location"] else None,
            "location_country": r["location"]["country"] if r["location"] else None,
            "evidence_text": r["reports"][0]["evidence"]["text"],
            "doc_ids": " ".join(dict.fromkeys(rep["doc_id"] for rep in r["reports"])),
        }
        for r in records
    ]


def cmd_events(args: argparse.Namespace) -> int:
    con = connect_waiting(args.db, read_only=True)  # waits out a commit of a running ingest
    if args.aggregate or args.by_place:
        records = aggregated(con, event_filter(args), by_place=args.by_place)
        if args.format == "jsonl":
            for record in records:
                print(json.dumps(record, ensure_ascii=False))
        elif args.format == "csv":
            import csv

            writer = csv.DictWriter(sys.stdout, fieldnames=AGGREGATE_CSV, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(aggregate_rows(records))
        else:
            print_table(aggregate_rows(records), AGGREGATE_COLUMNS)
        return 0
    rows = iter_event_rows(con, event_filter(args))  # streamed: memory stays flat at any store size
    if args.format == "jsonl":
        out = sys.stdout
        for row in rows:
            out.write(json.dumps(to_record(row), ensure_ascii=False) + "\n")
    elif args.format == "csv":
        from polybius.export import write_csv

        write_csv(rows, sys.stdout)
    else:
        print_table(rows)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    con = connect_waiting(args.db, read_only=True)  # waits out a commit of a running ingest
    n = export(con, args.format, Path(args.out), event_filter(args), force=args.force, header=args.header)
    print(f"wrote {n} events to {args.out} ({args.format})", file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from polybius.record import schema_text

    sys.stdout.write(schema_text())
    return 0


def print_summary(db: str) -> None:
    con = connect_waiting(db, read_only=True)
    s = summary(con)
    print(
        f"store {db}: {s['documents']} documents, {s['sentences']} sentences, {s['events']} events, "
        f"{s['errors']} documents with errors"
    )
    if s["by_root"]:
        print("events by CAMEO root: " + ", ".join(f"{root}:{n}" for root, n in s["by_root"]))
        print("events by QuadClass:  " + ", ".join(f"{q}:{n}" for q, n in s["quad_classes"]))
        print("top dyads:            " + ", ".join(f"{a}->{b} ({n})" for a, b, n in s["top_dyads"]))
    con.close()


def cmd_summary(args: argparse.Namespace) -> int:
    print_summary(args.db)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    print(f"coding the bundled sample articles in {SAMPLES} into {args.db} ...", file=sys.stderr)
    args.paths = [str(SAMPLES)]
    args.dates = str(SAMPLES / "dates.tsv")  # the samples' publication dates (their default dates)
    cmd_ingest(args)  # the samples' bad/ documents fail on purpose (they show the error path): exit 0
    print_summary(args.db)
    con = connect_waiting(args.db, read_only=True)  # waits out a commit of a running ingest
    print()
    print_table(event_rows(con, EventFilter(limit=15, min_confidence=0.6)))
    reported = sorted(
        (a for a in aggregated_events(con, EventFilter(min_confidence=0.6)) if a.num_articles > 1),
        key=lambda a: (-a.num_articles, -a.num_mentions, a.key[0] or ""),
    )
    copies = con.execute("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchall()[0][0]
    print(
        f"\naggregated events reported by more than one document ({len(reported)}; "
        f"{copies} stored documents are copies of another, counted as its reports):"
    )
    print_table(aggregate_rows([to_aggregate_record(a) for a in reported[:10]]), AGGREGATE_COLUMNS)
    threads = stories(con, min_docs=2)
    con.close()
    print(f"\nstories with several articles ({len(threads)}):")
    print_stories(threads)
    print(
        f"\nnext: polybius events --db {args.db} --source RUS   |   polybius events --db {args.db} --aggregate"
        f"   |   polybius export --db {args.db} --format csv out.csv"
    )
    return 0


def cmd_actor(args: argparse.Namespace) -> int:
    from polybius.actors.explain import describe, explain
    from polybius.pipeline import Coder

    actors = list(args.actors)
    if args.dictionaries:
        actors += [str(p) for p in dictionary_folder(args.dictionaries).actors]
    if args.no_builtin_kb and not actors:
        raise CliError("--no-builtin-kb needs actor dictionaries (--actors or --dictionaries)")
    coder = Coder(Options(model=args.model, actors=tuple(actors), builtin_kb=not args.no_builtin_kb))
    result = explain(args.name, args.date, coder.extractor.resolver, coder.nlp)
    print("\n".join(describe(result, coder.kb)))
    return 0 if result.actor is not None else 1


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from polybius.web.app import create_app

    app = create_app(args.db, request_timeout=args.request_timeout)
    where = "" if Path(args.db).exists() else " (no store there yet: the API answers 503 until an ingest creates it)"
    print(
        f"serving {args.db}{where} read-only at http://{args.host}:{args.port}/ "
        f"(API docs at /docs); Ctrl-C stops",
        file=sys.stderr,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def read_json_lines(paths: Sequence[str]) -> Iterator[tuple[str, int, Any]]:
    """(source, line number, parsed object or the JSON error) for every non-blank line of the inputs."""
    for path in paths:
        name = "<stdin>" if path == "-" else path
        lines = sys.stdin.read().splitlines() if path == "-" else Path(path).read_text("utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield name, n, json.loads(line)
            except json.JSONDecodeError as exc:
                yield name, n, exc


def cmd_similarity(args: argparse.Namespace) -> int:
    from polybius.embed import load_embedder
    from polybius.link.similarity import Pair, SimilarityError, load_model, pair_from_record, score
    from polybius.nlp import load_model as load_nlp

    model = load_model(args.model_file) if args.model_file else load_model()
    pairs: list[Pair] = []
    n_errors = 0
    for source, line, record in read_json_lines(args.paths):
        try:
            if isinstance(record, Exception):
                raise SimilarityError(f"not JSON: {record}")
            pairs.append(pair_from_record(record, line))
        except SimilarityError as exc:
            n_errors += 1
            report(DocumentError(f"{source}:{line}", str(exc)), args.quiet)
    nlp, embedder = load_nlp(args.model), load_embedder()
    for start in range(0, len(pairs), args.batch):  # the TF-IDF weights come from each batch's texts
        for row in score(pairs[start : start + args.batch], model, nlp, embedder):
            sys.stdout.write(json.dumps(row) + "\n")
        sys.stdout.flush()
    if not args.quiet:
        print(f"scored {len(pairs)} pairs, {n_errors} errors", file=sys.stderr)
    return 1 if n_errors else 0


def cmd_bench_petrarch(args: argparse.Namespace) -> int:
    return petrarch_bench.run_args(args)


# -- parser -----------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="polybius",
        description="Open event-data engine: news in; CAMEO/PLOVER-coded who-did-what-to-whom events out.",
    )
    parser.add_argument("--version", action="version", version=f"polybius {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    p = sub.add_parser(
        "ingest",
        help="read, clean, parse and code documents into the store (idempotent)",
        description="Read documents (files, folders recursively, globs, or - for stdin), code "
        "them and store documents, sentences and events. Documents already stored (same id, same content) are "
        "skipped; a stored id arriving with other content is skipped with a warning, or coded again with "
        "--replace. Bad documents are reported one per line and the batch goes on.",
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="file, folder, glob, http(s) URL of a page, or - for standard input"
    )
    add_replace_option(p)
    add_db_option(p)
    add_coding_options(p)
    add_date_option(p)
    add_fetch_options(p)
    add_cluster_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "code",
        help="code documents and write events as JSON lines to stdout (no store)",
        description="Stateless coding: one JSON object per event on stdout "
        "(schemas/event.schema.json); per-document errors on stderr.",
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="file, folder, glob, http(s) URL of a page, or - for standard input"
    )
    add_coding_options(p)
    add_date_option(p)
    add_fetch_options(p)
    p.add_argument(
        "--min-confidence", type=confidence_value, default=0.0, help="drop events below this confidence"
    )
    p.add_argument(
        "--no-background",
        action="store_true",
        help="drop background events: acts a sentence recalls as the time or cause of its news (\"since the "
        "2022 invasion\", \"after last year's coup\"); by default they are written with background: true",
    )
    p.set_defaults(func=cmd_code)

    p = sub.add_parser("events", help="query stored events", description="Query stored events with filters.")
    add_db_option(p)
    add_filter_options(p)
    p.add_argument(
        "--format", choices=("table", "csv", "jsonl"), default="table", help="output format (default: table)"
    )
    p.add_argument(
        "--aggregate",
        action="store_true",
        help="one line per aggregated event: the same (day, source code, target code, CAMEO code) in several "
        "documents, with GDELT's num_mentions, num_sources (outlets: URL host, else source path), "
        "num_articles (copies stored as reports count), first/last seen and, in jsonl, every report with its "
        "evidence span; --limit counts aggregated events",
    )
    p.add_argument("--by-place", action="store_true", help="with --aggregate: the event's place is part of the key")
    p.set_defaults(func=cmd_events)

    p = sub.add_parser(
        "export",
        help="export stored events to a file",
        description="Export events: jsonl (the event contract), csv (flat columns), parquet, or "
        "gdelt (the GDELT 2.0 event table: 61 tab-separated columns, no header row unless --header, FIPS "
        "country codes, GDELT's geography types). Written by DuckDB COPY into a temporary file that is renamed "
        "when complete; never onto the store, never over a file without --force. Columns: "
        "docs/data-dictionary.md.",
    )
    add_db_option(p)
    p.add_argument("--format", choices=FORMATS, required=True, help="file format")
    p.add_argument("out", metavar="OUT", help="output file (written whole or not at all; never the store)")
    p.add_argument("--force", action="store_true", help="overwrite OUT when it exists")
    p.add_argument("--header", action="store_true", help="gdelt: write a header row of GDELT's column names")
    add_filter_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of an event record",
        description="Print the JSON Schema (draft 2020-12) of the event records written by 'code', "
        "'events --format jsonl' and 'export --format jsonl'; the same file is installed with the package "
        "(polybius/data/event.schema.json) and checked in as schemas/event.schema.json.",
    )
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "summary",
        help="counts of what the store holds",
        description="Print what the store holds: documents, sentences, events and documents with errors (each "
        "a count of stored rows), events by CAMEO root and by QuadClass, and the top dyads.",
    )
    add_db_option(p)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "demo",
        help="code the bundled sample articles into the store and show what came out",
        description="Ingest the sample articles bundled with polybius (polybius/data/samples: text, HTML and JSON "
        "lines, with a few bad documents that show the error path) into the store, then print the summary, "
        "the first events, the events reported by several documents and the story threads. Exit status 0 "
        "although the bad samples fail.",
    )
    add_db_option(p)
    add_coding_options(p)
    add_fetch_options(p)  # the demo runs `ingest`, which reads them (the samples are local files)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "actor",
        help="explain how a name resolves to an actor at a date",
        description="Resolve NAME as the coder would (built-in knowledge base plus any --actors dictionaries) "
        "and print the code, country, sector, canonical name and where the decision came from, with every "
        "entry weighed. Exit status 1 when the name resolves to no actor.",
    )
    p.add_argument("name", metavar="NAME", help='a name or phrase, e.g. "Dmitry Medvedev" or "Russian troops"')
    p.add_argument("--date", type=iso_date, help="the article's date (YYYY-MM-DD); roles change with it")
    add_coding_options(p, names_only=True)
    p.set_defaults(func=cmd_actor)

    add_stream_commands(sub)
    add_link_commands(sub)

    p = sub.add_parser(
        "serve",
        help="the HTTP API and browser dashboard over the store (read-only)",
        description="Serve the JSON API (/api/..., docs at /docs, OpenAPI at /openapi.json) and the dashboard (/) "
        "over the store. The server only reads: every request opens the store read-only and closes it, so "
        "'polybius ingest' can write to the same store while it runs (each side waits briefly for the other's "
        "lock). Binds to loopback unless --host says otherwise.",
    )
    add_db_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=positive_int, default=8000, help="TCP port (default: 8000)")
    p.add_argument(
        "--request-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="interrupt a query that runs longer than this and answer 503 (default: 10)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "similarity",
        help="how similar pairs of articles are (SemEval-2022 Task 8 scale, 1 = most similar)",
        description="Read pairs as JSON lines {id, text1, text2, title1?, title2?, date1?, date2?} and write "
        "{id, overall, geography, entities, time, narrative} per pair on SemEval-2022 Task 8's 1-4 scale "
        "(1 = most similar, 4 = unrelated). A bad pair is reported on stderr and the rest are scored; exit "
        "status 1 when any pair failed.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="JSON lines file, or - for standard input")
    p.add_argument("--input", choices=("jsonl",), default="jsonl", help="input kind (JSON lines)")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"spaCy model (default: {DEFAULT_MODEL})")
    p.add_argument("--model-file", help="similarity model JSON (default: the bundled one)")
    p.add_argument(
        "--batch", type=positive_int, default=1000, help="pairs scored together; TF-IDF weights come from them"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no summary and no per-pair error lines")
    p.set_defaults(func=cmd_similarity)

    p = sub.add_parser(
        "bench",
        help="benchmarks on published test sets",
        description="Benchmarks on published test sets, printed as Markdown tables (docs/benchmarks.md keeps "
        "the latest); the other benchmarks are scripts in the repository's benchmarks/ folder.",
    )
    bench = p.add_subparsers(dest="benchmark", required=True, parser_class=Parser, metavar="BENCHMARK")
    b = bench.add_parser(
        "petrarch",
        help="PETRARCH's unit-test records coded with its validation dictionaries",
        description="Code PETRARCH's unit-test records (PETR.UnitTest.records.xml) with the dictionaries of DIR "
        "and print Markdown tables: exact share, micro P/R/F1 over (source, target, code) triples, root "
        "agreement, false events, crashes; and by category. Skips with a message when RECORDS is absent.",
    )
    petrarch_bench.add_arguments(b)
    b.set_defaults(func=cmd_bench_petrarch)
    return parser


class WarningSink:
    """Where Python warnings go while a command runs: one `warning:` line each, except the irregular lines of
    imported dictionaries (DictionaryWarning), which are counted per file and shown as one line (`flush`: when
    the first document is done, and at the end) unless --verbose asks for each. --no-warnings and --quiet
    show none; per-document errors are not warnings and are not affected."""

    def __init__(self, mode: str) -> None:
        self.mode = mode  # "none" | "grouped" | "each"
        self.grouped: dict[str, int] = {}

    def show(self, message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        from polybius.actors.dictionaries import DictionaryWarning

        if self.mode == "none":
            return
        if self.mode == "grouped" and issubclass(category, DictionaryWarning):
            file = str(message).split(":", 1)[0]
            self.grouped[file] = self.grouped.get(file, 0) + 1
            return
        say(f"warning: {message}")

    def flush(self) -> None:
        if not self.grouped:
            return
        n = sum(self.grouped.values())
        files = ", ".join(f"{name}: {count}" for name, count in self.grouped.items())
        say(
            f"warning: {n} irregular dictionary line{'s' if n != 1 else ''} left out or read differently "
            f"({files}); --verbose lists them"
        )
        self.grouped.clear()


def warning_mode(args: argparse.Namespace) -> str:
    if getattr(args, "quiet", False) or getattr(args, "no_warnings", False):
        return "none"
    return "each" if getattr(args, "verbose", False) else "grouped"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    sink = WarningSink(warning_mode(args))
    args.warning_sink = sink
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if sink.mode == "none" else "default")
        warnings.showwarning = sink.show  # restored when the block ends
        try:
            return run_command(handler, args)
        finally:
            sink.flush()


STOPPING_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG})


def run_command(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        status = handler(args)
        sys.stdout.flush()  # a full disk behind a redirected stdout shows here, not at interpreter exit
        return status
    except StoreWriteError as exc:
        return fail(str(exc), EXIT_STOPPED)
    except OSError as exc:
        if exc.errno in STOPPING_ERRNOS:
            where = f" ({exc.filename})" if exc.filename else ""
            return silence_stdout(fail(f"could not write: {exc.strerror or exc}{where}", EXIT_STOPPED))
        if isinstance(exc, BrokenPipeError):  # `polybius code ... | head`: the reader has gone
            return silence_stdout(EXIT_STOPPED)
        return fail(str(exc), EXIT_USAGE)
    except (CliError, StoreError, ModelError, ValueError) as exc:
        return fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED, prefix="polybius: ")
    except (duckdb.InterruptException, RuntimeError) as exc:
        # Ctrl-C while DuckDB runs a statement: DuckDB swallows the KeyboardInterrupt and raises its own
        # "Query interrupted" (as InterruptException, or a RuntimeError from executemany)
        if isinstance(exc, duckdb.InterruptException) or "interrupted" in str(exc).lower():
            return fail("interrupted", EXIT_INTERRUPTED, prefix="polybius: ")
        raise


def fail(message: str, status: int, prefix: str = "polybius: error: ") -> int:
    print(f"{prefix}{' '.join(message.split())}", file=sys.stderr)
    return status


def silence_stdout(status: int) -> int:
    """Point stdout at /dev/null, so that the interpreter's last flush of a broken or full output cannot
    print a second error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return status


if __name__ == "__main__":
    sys.exit(main())
