"""The command line for news as it arrives: `polybius feeds` and `polybius watch`, and the fetch options that
`ingest` and `code` take for URLs. Registered by `polybius.cli.build_parser`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from polybius.ingest.feeds import FeedSource, feed_specs
from polybius.ingest.fetch import USER_AGENT, Fetcher, FetchSettings
from polybius.models import DocumentError
from polybius.pipeline import IngestCounts
from polybius.stream import PollResult, Watcher, follow_feeds, parse_duration, poll_feeds


def duration(value: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_fetch_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fetching (for http(s) URLs)")
    g.add_argument("--timeout", type=duration, default=20.0, help="seconds for one request (default: 20s)")
    g.add_argument(
        "--max-bytes", type=int, default=5_000_000, help="largest page or feed fetched, in bytes (default: 5000000)"
    )
    g.add_argument("--retries", type=int, default=3, help="tries after a network error, 429 or 5xx (default: 3)")
    g.add_argument(
        "--per-host",
        type=duration,
        default=1.0,
        metavar="SECONDS",
        help="at least this long between two requests to one host; robots.txt's crawl delay wins when longer "
        "(default: 1s)",
    )
    g.add_argument("--user-agent", default=USER_AGENT, help="the User-Agent sent (default: polybius/VERSION ...)")
    g.add_argument(
        "--ignore-robots", action="store_true", help="fetch pages that robots.txt disallows (your responsibility)"
    )


def fetcher_from(args: argparse.Namespace) -> Fetcher:
    if args.max_bytes <= 0 or args.retries < 0:
        raise ValueError("--max-bytes must be positive and --retries not negative")
    return Fetcher(
        FetchSettings(
            user_agent=args.user_agent,
            timeout=args.timeout,
            max_bytes=args.max_bytes,
            retries=args.retries,
            per_host_interval=args.per_host,
            obey_robots=not args.ignore_robots,
        )
    )


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT/SIGTERM, so a loop ends between cycles with the store closed."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def counts_line(counts: IngestCounts) -> str:
    from polybius.cli import changed_note

    return (
        f"{counts.documents} documents ({counts.sentences} sentences, {counts.events} events) stored; "
        f"{counts.skipped} already stored; {counts.failed} with errors"
        f"{changed_note(counts.changed, counts.replaced)}"
    )


def flush_warnings(args: argparse.Namespace) -> None:
    """Show the warnings grouped so far (the dictionaries' irregular lines, once the coder is loaded)."""
    sink = getattr(args, "warning_sink", None)
    if sink is not None:
        sink.flush()


def cmd_feeds(args: argparse.Namespace) -> int:
    from polybius.cli import options_from, report

    sources: list[FeedSource] = []
    bad = 0
    for spec in feed_specs(args.feeds):
        if isinstance(spec, DocumentError):
            report(spec, args.quiet)
            bad += 1
        else:
            sources.append(spec)
    if not sources:
        raise ValueError("no feed to follow")
    options = options_from(args)
    fetcher = fetcher_from(args)
    failed = bad

    def show(poll: PollResult) -> None:
        nonlocal failed
        for rep in poll.feeds:
            if rep.error:
                print(f"feed error: {rep.feed}: {rep.error}", file=sys.stderr)
            elif not args.quiet:
                state = "not modified" if rep.not_modified else f"{rep.entries} entries, {rep.new} new"
                print(f"feed: {rep.feed}: {state}", file=sys.stderr)
        failed += sum(1 for rep in poll.feeds if rep.error) + poll.counts.failed
        flush_warnings(args)
        print(f"polled {len(poll.feeds)} feeds: {counts_line(poll.counts)}", file=sys.stderr)

    def on_error(err: DocumentError) -> None:
        report(err, args.quiet)

    if args.every is None:
        show(poll_feeds(args.db, sources, fetcher, options, report=on_error))
        return 1 if failed else 0
    follow_feeds(args.db, sources, fetcher, options, args.every, show, stop_on_signals(), report=on_error)
    print("polybius: stopped", file=sys.stderr)
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from polybius.cli import options_from, report, warner

    root = Path(args.folder)
    if not root.is_dir():
        raise ValueError(f"{args.folder}: not a folder")
    watcher = Watcher(
        args.db, root.resolve(), options_from(args), kind=args.input, settle=args.settle,
        report=lambda err: report(err, args.quiet), replace=args.replace, warn=warner(args),
    )  # fmt: skip
    if args.once:
        counts = watcher.run_once()
        print(f"watch {root}: {counts_line(counts)}", file=sys.stderr)
        return 1 if counts.failed else 0

    def show(counts: IngestCounts) -> None:
        flush_warnings(args)
        print(f"watch {root}: {counts_line(counts)}", file=sys.stderr)

    print(f"watching {root} (Ctrl-C to stop) ...", file=sys.stderr)
    watcher.run(stop_on_signals(), show)
    print("polybius: stopped", file=sys.stderr)
    return 0


def add_commands(sub: Any) -> None:
    """Register `feeds` and `watch` on the main parser's subcommands."""
    from polybius.cli import add_coding_options, add_db_option, add_replace_option

    p = sub.add_parser(
        "feeds",
        help="follow RSS/Atom feeds: fetch new article pages, code and store them",
        description="Poll RSS/Atom feeds, fetch each new article page (timeouts, size cap, retries with "
        "back-off, conditional GET, robots.txt, a per-host rate limit, a clear user agent), then clean, code "
        "and store it. A page is coded once, whichever feeds list it and however often; a failing feed is "
        "reported and recorded (table 'feeds') and the others go on. FEED is a feed URL, a feed file, an "
        "OPML subscription list, or a text file of feed URLs (one a line). Without --every: poll once; exit "
        "status 1 when any feed or page failed.",
    )
    p.add_argument("feeds", nargs="+", metavar="FEED", help="feed URL, feed file, OPML file, or list of URLs")
    p.add_argument("--every", type=duration, help="poll again at this interval (e.g. 15m) until interrupted")
    add_db_option(p)
    add_fetch_options(p)
    add_coding_options(p, progress=False)
    p.set_defaults(func=cmd_feeds)

    p = sub.add_parser(
        "watch",
        help="code files as they land in a folder, exactly once",
        description="Watch FOLDER (recursively) and code every text, HTML or JSON-lines file that lands in it "
        "once it has stopped changing. What was coded is kept in the store (table 'watched_files'), so a "
        "restart codes nothing twice; a changed file is read again and only its new documents are coded (a "
        "JSON line whose id is stored with other content: a warning, or coded again with --replace).",
    )
    p.add_argument("folder", metavar="FOLDER", help="the folder to watch")
    add_replace_option(p)
    p.add_argument("--settle", type=duration, default=1.0, help="seconds a file must stay unchanged (default: 1s)")
    p.add_argument("--once", action="store_true", help="code what the folder holds now, then exit")
    add_db_option(p)
    add_coding_options(p, progress=False)
    p.set_defaults(func=cmd_watch)
