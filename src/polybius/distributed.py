"""Scale-out: `polybius ingest --scheduler tcp://HOST:PORT` (or `--cluster local:N`) on Dask distributed.

    plan (client)          cut the input into coarse tasks: whole files, or byte ranges of big JSON lines
                           files cut at line ends, about `task_bytes` each
    code_task (worker)     read the task's bytes, run them through `pipeline.run` with the worker's one Coder
                           (built once per worker process by `CoderPlugin`, never per task), and write the
                           results as Parquet shards (documents, sentences, events, errors) in a folder named
                           by the task id, renamed into place only when complete, with the link stage's
                           rows: every document's duplicate signature and story features
    import (client)        in plan order: the task's documents are checked for copies against the store (so
                           across tasks, as a local run checks its whole input), its shards go into the
                           DuckDB store in one transaction (the task recorded as imported), and its
                           documents join the store's story threads

The shard folder holds `manifest.json` (the plan and each task's state) and one folder per finished task with a
`done.json`. A task id is a hash of its byte ranges, the files' sizes and modification times, and the coding
options, so a re-run of the same input finds the tasks already done and only imports what the store lacks; a
task lost with its worker is run again by Dask (`retries`), and a half-written shard is never seen, because
the folder appears in one rename. Documents the store already holds are skipped before they are parsed, as in
a local run, and each document is imported once (by id, in input order), so the store ends up with the same
documents, sentences, events and errors, in the same order, as `polybius ingest` in one process: the copies
too, with one exception. A document the worker found to copy another of its task is not parsed; if at import
that other document turns out to copy an earlier task's, the document stays a copy (of that earlier one)
even where a local run, comparing it with the earlier document alone, might have found it too different and
coded it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, get_worker

from polybius.ingest import discover, read_bytes
from polybius.ingest.readers import EXTENSIONS
from polybius.link.dedup import (
    SIGNATURE_COLUMNS,
    Match,
    MemoryIndex,
    StoreIndex,
    signature_of_row,
    signature_rows,
)
from polybius.models import DocumentError, DocumentResult
from polybius.pipeline import Coder, IngestCounts, Options, link_stories, run
from polybius.store import (
    STORY_DOC_COLUMNS,
    connect,
    content_hash,
    import_shard,
    imported_tasks,
    insert,
    insert_story_docs,
    known_ids,
    shard_tables,
    story_doc_from_row,
    story_doc_row,
    write_batch,
)

DEFAULT_TASK_BYTES = 32 * 2**20  # about 10k news articles of JSON lines: minutes of work, a few MB of shards
DONE = "done.json"
MANIFEST = "manifest.json"
RETRIES = 2  # a task that raises is tried again; a task whose worker dies is rescheduled by the scheduler
# BLAS/OpenMP pools of one thread per worker: the workers are the parallelism (Dask's nanny sets the same)
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


class DistributedError(RuntimeError):
    """The cluster cannot be reached or the input cannot be planned."""


# -- the plan ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    """A whole file (`end` None) or the byte range [start, end) of a JSON lines file, cut at line ends."""

    path: str
    start: int = 0
    end: int | None = None
    first_line: int = 1  # line number of the range's first line (sources read "file.jsonl:LINE")


@dataclass(frozen=True)
class Task:
    id: str
    index: int  # position in the plan: shards are imported in this order
    pieces: tuple[Piece, ...]
    size: int  # bytes


@dataclass(frozen=True)
class Plan:
    tasks: list[Task]
    errors: list[DocumentError]  # paths that match nothing


def options_key(options: Options, kind: str) -> str:
    """What makes coding results differ: every option but the process count and the batch size."""
    fields = {k: v for k, v in asdict(options).items() if k not in ("workers", "batch_size")}
    return json.dumps({"options": fields, "input": kind}, sort_keys=True, default=list)


def is_jsonl(path: str, kind: str) -> bool:
    return kind == "jsonl" or (kind == "auto" and EXTENSIONS.get(Path(path).suffix.lower()) == "jsonl")


def split_jsonl(path: str, size: int, task_bytes: int) -> Iterator[Piece]:
    """Byte ranges of about `task_bytes`, each ending at a line end, with the number of its first line
    (counted as the reader counts them: `str.splitlines` of the decoded text)."""
    line = 1
    with open(path, "rb") as f:
        start = 0
        while start < size:
            f.seek(min(start + task_bytes, size))
            if start + task_bytes < size:
                f.readline()  # to the end of the line the cut falls in
            end = min(f.tell(), size)
            f.seek(start)
            data = f.read(end - start)
            yield Piece(path, start, end, line)
            line += len(data.decode("utf-8", errors="replace").splitlines())
            start = end


def plan(paths: Sequence[str], kind: str = "auto", task_bytes: int = DEFAULT_TASK_BYTES,
         options: Options | None = None) -> Plan:  # fmt: skip
    """Cut the input into tasks of about `task_bytes`: small files are grouped, big JSON lines files are cut
    at line ends. The same files and options always give the same task ids."""
    options = options or Options()
    salt = options_key(options, kind)
    pieces: list[tuple[Piece, int, int]] = []  # piece, its size, the file's mtime
    errors: list[DocumentError] = []
    for spec in paths:
        if "://" in spec:
            raise DistributedError(f"{spec}: pages are fetched by a local ingest, not on a cluster")
        if spec == "-":
            raise DistributedError("standard input cannot be spread over a cluster: give files or folders")
    for path in discover(paths):
        if isinstance(path, DocumentError):
            errors.append(path)
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            errors.append(DocumentError(path, f"cannot read file: {exc.strerror or exc}"))
            continue
        if is_jsonl(path, kind) and st.st_size > task_bytes:
            pieces += [(p, (p.end or 0) - p.start, st.st_mtime_ns) for p in split_jsonl(path, st.st_size, task_bytes)]
        else:
            pieces.append((Piece(path), st.st_size, st.st_mtime_ns))
    tasks: list[Task] = []
    group: list[tuple[Piece, int, int]] = []

    def close() -> None:
        ident = json.dumps([salt, [(asdict(p), n, m) for p, n, m in group]], sort_keys=True)
        digest = hashlib.sha1(ident.encode("utf-8")).hexdigest()[:16]
        tasks.append(Task(digest, len(tasks), tuple(p for p, _, _ in group), sum(n for _, n, _ in group)))
        group.clear()

    for item in pieces:
        if group and sum(n for _, n, _ in group) + item[1] > task_bytes:
            close()
        group.append(item)
    if group:
        close()
    return Plan(tasks, errors)


def read_task(task: Task, kind: str) -> Iterator[Any]:
    """The raw documents (and read errors) of a task, exactly as `read_paths` gives them for whole files."""
    for piece in task.pieces:
        try:
            with open(piece.path, "rb") as f:
                f.seek(piece.start)
                data = f.read() if piece.end is None else f.read(piece.end - piece.start)
        except OSError as exc:
            yield DocumentError(piece.path, f"cannot read file: {exc.strerror or exc}")
            continue
        if piece.end is not None and not data.strip():
            continue  # blank lines between two cuts of a file that has text
        yield from read_bytes(data, piece.path, kind, first_line=piece.first_line)


# -- on the workers ---------------------------------------------------------------------------------------
class CoderPlugin(WorkerPlugin):
    """A Dask worker plugin: the worker's one Coder (model, knowledge base, lexicon, gazetteer) for one set of
    options, built when the plugin is registered or the worker joins, used by every task on that worker."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.coder: Coder | None = None
        self.lock = threading.Lock()  # a worker with several threads codes one task at a time
        self.startup_seconds = 0.0

    def __getstate__(self) -> dict[str, Any]:  # what is sent to the workers: the options only
        return {"options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["options"])  # type: ignore[misc]

    def setup(self, worker: Any = None) -> None:
        from polybius.where import default_gazetteer

        t0 = time.perf_counter()
        self.coder = Coder(self.options)
        default_gazetteer()  # loaded at start-up, not inside the first task
        self.startup_seconds = time.perf_counter() - t0

    def teardown(self, worker: Any = None) -> None:
        self.coder = None


def plugin_name(options: Options) -> str:
    return "polybius-coder-" + hashlib.sha1(options_key(options, "").encode()).hexdigest()[:12]


def worker_plugin(options: Options) -> CoderPlugin:
    """This worker's CoderPlugin for `options` (registered by the client; set up here if it is not yet)."""
    worker = get_worker()
    name = plugin_name(options)
    plugin = worker.plugins.get(name)
    if not isinstance(plugin, CoderPlugin):
        plugin = CoderPlugin(options)
        plugin.setup(worker)
        worker.plugins[name] = plugin
    if plugin.coder is None:
        plugin.setup(worker)
    return plugin


@dataclass
class TaskSummary:
    """What a worker sends back: counts and error lines, never the documents themselves."""

    task_id: str
    documents: int = 0
    sentences: int = 0
    events: int = 0
    skipped: int = 0  # documents the store already held
    errors: list[tuple[str, str, str | None]] = field(default_factory=list)  # source, reason, doc id
    seconds: float = 0.0
    worker: str = ""


def code_task(task: Task, options: Options, kind: str, shard_root: str, known: frozenset[str]) -> TaskSummary:
    """Code one task on this worker and write its shards; returns the summary (also its `done.json`)."""
    out = Path(shard_root) / task.id
    if is_complete_shard(out):  # an earlier attempt finished it (e.g. the client was restarted)
        return TaskSummary(**json.loads((out / DONE).read_text(encoding="utf-8"))["summary"])
    plugin = worker_plugin(options)
    assert plugin.coder is not None
    t0 = time.perf_counter()
    seen: set[str] = set()
    summary = TaskSummary(task.id, worker=f"{os.uname().nodename}:{os.getpid()}")

    def skip(doc_id: str) -> bool:
        if doc_id in known or doc_id in seen:
            summary.skipped += 1
            return True
        seen.add(doc_id)
        return False

    hashes: dict[str, str] = {}  # the content hash of each document id's first arrival (the one coded)

    def hashed(items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            if not isinstance(item, DocumentError) and item.id not in hashes:
                hashes[item.id] = content_hash(item.content)
            yield item

    results: list[DocumentResult] = []
    errors: list[DocumentError] = []
    index = MemoryIndex(options.dup_threshold, keep_signatures=True) if options.dedup else None
    with plugin.lock:
        for r in run(
            hashed(read_task(task, kind)), replace(options, workers=1), skip=skip, coder=plugin.coder, index=index
        ):
            if isinstance(r, DocumentError):
                errors.append(r)
            else:
                results.append(r)
        link = task_link_rows(results, index, plugin.coder)
    summary.documents = len(results)
    summary.sentences = sum(len(r.sentences) for r in results)
    summary.events = sum(len(r.events) for r in results)
    summary.errors = [(e.source, e.reason, e.doc_id) for e in errors]
    summary.seconds = round(time.perf_counter() - t0, 3)
    write_shards(out, task, results, errors, summary, hashes, link)
    return summary


def task_link_rows(
    results: list[DocumentResult], index: MemoryIndex | None, coder: Coder
) -> dict[str, list[tuple[Any, ...]]]:
    """What the client's link stage needs of a task, made on the worker: the duplicate signatures of its
    canonical documents (checked against the store, and so across tasks, at import) and the story features
    of every document (clustered into the store's stories at import)."""
    from polybius.embed import load_embedder
    from polybius.link.stories import story_docs

    link: dict[str, list[tuple[Any, ...]]] = {}
    if index is not None:
        link["link_signatures"] = signature_rows(index, [r.document.id for r in results])
    if results:
        link["story_docs"] = [story_doc_row(d) for d in story_docs(results, load_embedder(), kb=coder.kb)]
    return link


LINK_COLUMNS = {"link_signatures": SIGNATURE_COLUMNS, "story_docs": STORY_DOC_COLUMNS}


def write_shards(
    out: Path,
    task: Task,
    results: list[DocumentResult],
    errors: list[DocumentError],
    summary: TaskSummary,
    hashes: dict[str, str] | None = None,
    link: dict[str, list[tuple[Any, ...]]] | None = None,
) -> None:
    """The task's rows as Parquet files, written through an in-memory store (same schema, same row building
    as a local ingest) into a temporary folder that is renamed to `out` when complete; `link` holds the
    link stage's rows (`task_link_rows`), imported by the client's link step rather than copied."""
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir(parents=True)
    try:
        mem = connect(":memory:")
        try:
            write_batch(mem, results, errors, hashes=hashes)
            for table, rows in (link or {}).items():
                if table == "story_docs":
                    insert_story_docs(mem, rows)
                elif rows:
                    insert(mem, table, LINK_COLUMNS[table], rows)
            for table in dict.fromkeys([*shard_tables(mem), *(link or {})]):
                if table != "documents" and not mem.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    continue  # nothing of this table in the task (no errors, no feed state, ...)
                target = str(tmp / f"{table}.parquet").replace("'", "''")
                mem.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
        finally:
            mem.close()
        done = {"task": asdict(task), "summary": asdict(summary)}
        (tmp / DONE).write_text(json.dumps(done), encoding="utf-8")
        try:
            tmp.rename(out)
        except OSError:
            if is_complete_shard(out):  # a twin attempt finished first: its shards are as good as ours
                return
            if not (out / DONE).exists():  # not an emptied folder of an earlier, imported run: a real failure
                raise
            shutil.rmtree(out)  # only the summary of shards deleted after an import into another store
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# -- on the client ----------------------------------------------------------------------------------------
@dataclass
class ClusterCounts(IngestCounts):
    """What a distributed ingest stored (every count read back from the import), and what became of the tasks."""

    tasks: int = 0
    tasks_done_before: int = 0  # coded by an earlier run (resumed from the manifest)
    tasks_failed: int = 0


def parse_cluster(spec: str) -> int:
    """`local:N` -> N."""
    kind, _, n = spec.partition(":")
    if kind != "local" or not n.isdigit() or int(n) < 1:
        raise DistributedError(f"--cluster takes local:N (N workers on this machine), not {spec!r}")
    return int(n)


@contextlib.contextmanager
def dask_client(scheduler: str | None, local_workers: int | None) -> Iterator[Any]:
    """A client of the scheduler at `scheduler`, or of a LocalCluster of `local_workers` processes (one
    thread each, BLAS/OpenMP capped to one thread), closed on exit."""
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise DistributedError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=local_workers or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=THREAD_ENV,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def write_manifest(root: Path, tasks: Iterable[Task], state: dict[str, str], salt: str) -> None:
    doc = {
        "options": json.loads(salt),
        "tasks": [{"id": t.id, "pieces": [asdict(p) for p in t.pieces], "size": t.size, "state": state[t.id]}
                  for t in tasks],
    }  # fmt: skip
    tmp = root / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    tmp.replace(root / MANIFEST)


def shard_folder(db: str | Path, shards: str | Path | None) -> Path:
    """Where the shards go: `--shards DIR`, else next to the store (`news.duckdb.shards/`)."""
    return Path(shards) if shards else Path(f"{db}.shards")


def ingest(
    paths: Sequence[str],
    options: Options,
    db: str | Path,
    client: Any,
    kind: str = "auto",
    task_bytes: int = DEFAULT_TASK_BYTES,
    shards: str | Path | None = None,
    report: Callable[[DocumentError], None] = lambda e: None,
    on_task: Callable[[TaskSummary], None] = lambda s: None,
    planned: Plan | None = None,
    keep_shards: bool = False,
) -> ClusterCounts:
    """Plan, code on the cluster behind `client`, import into the store at `db`. Errors are passed to
    `report` as they are found; finished tasks to `on_task`. `planned`: the plan, when made beforehand.

    A task's Parquet files are deleted once the store holds them (its `done.json` stays: a re-run still counts
    what it stored), unless `keep_shards`: kept shards build another store without coding again."""
    the_plan = planned or plan(paths, kind, task_bytes, options)
    root = shard_folder(db, shards)
    root.mkdir(parents=True, exist_ok=True)
    salt = options_key(options, kind)
    counts = ClusterCounts(tasks=len(the_plan.tasks))
    con = connect(db)
    try:
        index = StoreIndex(con, options.dup_threshold) if options.dedup else None
        for err in the_plan.errors:
            report(err)
        if the_plan.errors:
            write_batch(con, [], the_plan.errors)
            counts.failures += the_plan.errors
        imported = imported_tasks(con)
        state = {t.id: "imported" if t.id in imported else "pending" for t in the_plan.tasks}
        done_before = {t.id for t in the_plan.tasks if is_complete_shard(root / t.id)}
        counts.tasks_done_before = len(done_before)
        for t in the_plan.tasks:
            if t.id in done_before and state[t.id] == "pending":
                state[t.id] = "coded"
        write_manifest(root, the_plan.tasks, state, salt)
        todo = [t for t in the_plan.tasks if t.id not in done_before and state[t.id] == "pending"]
        futures = {}
        if todo:
            client.register_plugin(CoderPlugin(options), name=plugin_name(options))
            (known,) = client.scatter([frozenset(known_ids(con))], broadcast=True, hash=False)  # sent once
            futures = {
                t.id: client.submit(code_task, t, options, kind, str(root), known, key=f"polybius-{t.id}",
                                    retries=RETRIES, pure=False)
                for t in todo
            }  # fmt: skip
        for t in the_plan.tasks:  # in plan order: the store's order is the input's order
            if state[t.id] == "imported":
                counts.skipped += _stored_count(root / t.id)
                continue
            if t.id in futures:
                try:
                    summary = futures.pop(t.id).result()
                except Exception as exc:  # the task failed on every try: its files are reported, not lost
                    counts.tasks_failed += 1
                    failed = [DocumentError(p.path, f"task {t.id} failed: {type(exc).__name__}: {exc}")
                              for p in t.pieces]  # fmt: skip
                    for err in failed:
                        report(err)
                    write_batch(con, [], failed)
                    counts.failures += failed
                    state[t.id] = "failed"
                    continue
            else:
                summary = TaskSummary(**json.loads((root / t.id / DONE).read_text(encoding="utf-8"))["summary"])
            task_errors = [DocumentError(source, reason, doc_id) for source, reason, doc_id in summary.errors]
            for err in task_errors:
                report(err)
            copies = link_copies(con, root / t.id, index) if index is not None else {}
            got = import_shard(con, root / t.id, t.id, copies)
            link_task_stories(con, root / t.id, got.doc_ids)
            counts.copies += got.copies
            counts.documents += got.documents
            counts.sentences += got.sentences
            counts.events += got.events
            counts.failures += task_errors
            counts.skipped += summary.skipped + (summary.documents - got.documents)
            state[t.id] = "imported"
            if not keep_shards:
                drop_shard_files(root / t.id)
            on_task(summary)
        write_manifest(root, the_plan.tasks, state, salt)
    finally:
        con.close()
    return counts


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def link_copies(con: Any, folder: Path, index: StoreIndex) -> dict[str, tuple[str, float]]:
    """The link stage's duplicate check for a task at import, as a local ingest makes it: each new document
    of the task, in input order, against the store (every task imported before, every earlier run) and the
    task's documents before it. The signatures of those that copy nothing are stored; the copies are
    returned (id -> canonical id, score). A document the worker found to copy another of its task (and so
    did not parse) stays a copy: of its best match, else of what its worker match copies."""
    sigs = folder / "link_signatures.parquet"
    if not sigs.exists():
        return {}
    rows = con.execute(
        f"SELECT s.doc_id, s.exact, s.minhash, d.duplicate_of, d.duplicate_score "
        f"FROM read_parquet('{_quoted(folder / 'documents.parquet')}', file_row_number = true) d "
        f"JOIN read_parquet('{_quoted(sigs)}') s ON s.doc_id = d.id "
        "WHERE d.id NOT IN (SELECT id FROM documents) ORDER BY d.file_row_number"
    ).fetchall()
    fallback = {r[0]: Match(r[3], float(r[4] or 0.0), "near") for r in rows if r[3] is not None}
    matches = index.check_signatures([(r[0], signature_of_row(r[1], r[2])) for r in rows], fallback)
    copies = {r[0]: (m.doc_id, round(m.score, 4)) for r, m in zip(rows, matches, strict=True) if m is not None}
    for doc_id, (canonical, score) in list(copies.items()):  # a copy never reports another copy
        if canonical in copies:
            copies[doc_id] = (copies[canonical][0], score)
    return copies


def link_task_stories(con: Any, folder: Path, doc_ids: list[str]) -> None:
    """The link stage's story threads for a task's newly stored documents, from the features its worker made."""
    features = folder / "story_docs.parquet"
    if not doc_ids or not features.exists():
        return
    cols = ", ".join(f"f.{c}" for c in STORY_DOC_COLUMNS)
    rows = con.execute(
        f"SELECT {cols}, d.duplicate_of FROM read_parquet('{_quoted(features)}') f JOIN documents d ON d.id = f.doc_id "
        "WHERE f.doc_id IN (SELECT unnest(?::VARCHAR[]))",
        [doc_ids],
    ).fetchall()
    by_id = {r[0]: replace(story_doc_from_row(r[:-1]), duplicate_of=r[-1]) for r in rows}
    link_stories(con, [by_id[d] for d in doc_ids if d in by_id])


def is_complete_shard(folder: Path) -> bool:
    """A task folder whose coding finished and whose rows are still there to import."""
    return (folder / DONE).exists() and (folder / "documents.parquet").exists()


def drop_shard_files(folder: Path) -> None:
    """Delete an imported task's Parquet files; its `done.json` summary stays."""
    for f in folder.glob("*.parquet"):
        f.unlink(missing_ok=True)


def _stored_count(folder: Path) -> int:
    """Documents of a task imported by an earlier run (now 'already stored')."""
    try:
        return int(json.loads((folder / DONE).read_text(encoding="utf-8"))["summary"]["documents"])
    except (OSError, ValueError, KeyError):
        return 0

