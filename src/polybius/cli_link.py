"""The command line for the link stage's story threads and related articles: `polybius stories` and
`polybius similar`. Registered by `polybius.cli.build_parser`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from polybius.models import DocumentError
from polybius.query import similar, stories, story
from polybius.store import connect_waiting


def print_stories(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("no stories")
        return
    for r in rows:
        span = f"{r['first_date'] or '?'} .. {r['last_date'] or '?'}"
        print(f"{r['story_id']}  {span}  {r['n_docs']:>3} article{'s' if r['n_docs'] != 1 else ' '}  {r['headline']}")


def cmd_stories(args: argparse.Namespace) -> int:
    if args.paths:
        return stateless_stories(args)
    con = connect_waiting(args.db, read_only=True)  # waits out a commit of a running ingest
    try:
        if args.show:
            found = story(con, args.show)
            if found is None:
                print(f"polybius: error: no story {args.show!r} in {args.db}", file=sys.stderr)
                return 1
            if args.format == "jsonl":
                print(json.dumps(found, ensure_ascii=False))
                return 0
            print_stories([found])
            for d in found["documents"]:
                print(f"    {d['date'] or '?':10}  {d['doc_id']}  {d['title'] or ''}")
            for m in found["merged"]:
                print(f"    merged: {m['story_id']} (joined by {m['doc_id']})")
            return 0
        rows = stories(con, since=args.since, until=args.until, min_docs=args.min_docs, limit=args.limit)
    finally:
        con.close()
    if args.format == "jsonl":
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
    else:
        print_stories(rows)
    return 0


def stateless_stories(args: argparse.Namespace) -> int:
    from polybius.cli import options_from, report
    from polybius.ingest import read_paths
    from polybius.pipeline import story_threads

    items = read_paths(args.paths, args.input, stdin=sys.stdin.buffer)
    n_docs = n_errors = 0
    for item in story_threads(items, options_from(args)):
        if isinstance(item, DocumentError):
            report(item, args.quiet)
            n_errors += 1
            continue
        n_docs += 1
        sys.stdout.write(
            json.dumps({"id": item.doc_id, "story_id": item.story_id, "duplicate_of": item.duplicate_of}) + "\n"
        )
    if not args.quiet:
        print(f"threaded {n_docs} documents into stories, {n_errors} errors", file=sys.stderr)
    return 1 if n_errors else 0


def cmd_similar(args: argparse.Namespace) -> int:
    con = connect_waiting(args.db, read_only=True)  # waits out a commit of a running ingest
    try:
        rows = similar(con, args.doc_id, args.k)
    finally:
        con.close()
    if rows is None:
        print(f"polybius: error: no stored document {args.doc_id!r} with story features in {args.db}", file=sys.stderr)
        return 1
    if args.format == "jsonl":
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return 0
    if not rows:
        print("no other articles")
    for r in rows:
        same = "  (same story)" if r["same_story"] else ""
        print(f"{r['score']:.3f}  {r['date'] or '?':10}  {r['doc_id']}  {r['title'] or ''}{same}")
        why = r["shared"]
        parts = [
            ("actors", ", ".join(f"{a['name']} ({a['code']})" for a in why["actors"])),
            ("events", ", ".join(why["events"])),
            ("places", ", ".join(why["places"])),
            ("words", ", ".join(why["words"])),
        ]
        for label, text in parts:
            if text:
                print(f"       shared {label}: {text}")
    return 0


def add_commands(sub: Any) -> None:
    """Register `stories` and `similar` on the main parser's subcommands."""
    from polybius.cli import add_coding_options, add_db_option, iso_date, positive_int

    p = sub.add_parser(
        "stories",
        help="story threads: list the stored stories, or thread documents into stories without a store",
        description="Without PATH: list the stored stories (latest first) with their date span, number of "
        "articles and canonical headline; --show ID lists one story's articles and the stories merged into it. "
        "With PATH (files, folders, or - for standard input): stateless, like 'code': the documents are coded, "
        "clustered into stories in date order, and one JSON line {id, story_id, duplicate_of} is written per "
        "document, in input order; exit status 1 when any document failed.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="documents to thread (stateless); none: list the store's")
    add_db_option(p)
    p.add_argument("--show", metavar="STORY_ID", help="one stored story with its articles")
    p.add_argument("--since", type=iso_date, help="stories still running on or after this date")
    p.add_argument("--until", type=iso_date, help="stories begun on or before this date")
    p.add_argument("--min-docs", type=positive_int, default=1, help="stories with at least this many articles")
    p.add_argument("--limit", type=positive_int, help="at most this many stories")
    p.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    add_coding_options(p, progress=False)
    p.set_defaults(func=cmd_stories)

    p = sub.add_parser(
        "similar",
        help="the stored articles most related to one, and why",
        description="List the K stored articles most related to DOC_ID (nearest by WordLlama vector, re-ranked "
        "with shared words), each with what they share: actors, event types (source:CAMEO root:target), "
        "places and words, and whether it is in the same story. Exit status 1 when DOC_ID is not stored.",
    )
    p.add_argument("doc_id", metavar="DOC_ID", help="a stored document's id")
    add_db_option(p)
    p.add_argument("-k", type=positive_int, default=10, help="how many articles (default: 10)")
    p.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    p.set_defaults(func=cmd_similar)
