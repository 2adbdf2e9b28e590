"""The command line for scale-out: `polybius ingest PATH... --scheduler tcp://HOST:PORT | --cluster local:N`.
Registered by `polybius.cli.build_parser`; the work is done by `polybius.distributed`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from polybius.models import DocumentError
from polybius.pipeline import Options


def megabytes(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if x <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
    return x


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("running on a Dask cluster (see docs/cluster.md)")
    where = g.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="code on the workers of this Dask scheduler; the input paths and --shards must be readable and "
        "writable by every worker at the same path",
    )
    where.add_argument(
        "--cluster",
        metavar="local:N",
        help="code on a Dask LocalCluster of N worker processes on this machine (one thread each)",
    )
    g.add_argument(
        "--task-mb",
        type=megabytes,
        default=32.0,
        metavar="MB",
        help="input per task: small files are grouped and JSON lines files cut at line ends to about this "
        "size (default: 32)",
    )
    g.add_argument(
        "--shards",
        metavar="DIR",
        help="folder for the workers' Parquet shards and the run's manifest.json; a re-run with the same "
        "input and options resumes from it (default: the store's path + .shards)",
    )
    g.add_argument(
        "--keep-shards",
        action="store_true",
        help="keep each task's Parquet files after they are imported (to build another store from the same "
        "run without coding again); by default they are deleted once the store holds them",
    )


def wants_cluster(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "scheduler", None) or getattr(args, "cluster", None))


def cmd_ingest_cluster(
    args: argparse.Namespace, options: Options, report: Callable[[DocumentError], None]
) -> int:
    from polybius.distributed import DistributedError, dask_client, ingest, parse_cluster, plan

    if options.workers > 1:
        print("polybius: error: --workers is for a local run; a cluster's size is its workers", file=sys.stderr)
        return 2
    try:
        local = parse_cluster(args.cluster) if args.cluster else None
        task_bytes = int(args.task_mb * 2**20)
        planned = plan(args.paths, args.input, task_bytes, options)  # bad paths fail before a cluster starts
        with dask_client(args.scheduler, local) as client:
            counts = ingest(
                args.paths,
                options,
                args.db,
                client,
                kind=args.input,
                task_bytes=task_bytes,
                shards=args.shards,
                report=report,
                planned=planned,
                keep_shards=args.keep_shards,
            )
    except DistributedError as exc:
        print(f"polybius: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"ingested {counts.documents} documents ({counts.sentences} sentences, {counts.events} events) into "
        f"{args.db}; {counts.copies} of them copies of another document (stored as its reports, not coded); "
        f"{counts.skipped} already stored; {counts.failed} with errors; "
        f"{counts.tasks} tasks ({counts.tasks_done_before} done by an earlier run, {counts.tasks_failed} failed)",
        file=sys.stderr,
    )
    return 1 if counts.tasks_failed or counts.failed else 0  # README "Exit status": 1 when any document failed
