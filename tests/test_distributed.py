"""The Dask runner on a LocalCluster of 2 worker processes: the same store as a local ingest (documents,
sentences, events, errors; ids and order), a worker killed mid-run loses nothing, a re-run resumes from the
shards. One cluster for the module, always closed; small inputs (each worker loads the model once)."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import duckdb
import pytest

from polybius import pipeline
from polybius.cli import main as cli_main
from polybius.distributed import dask_client, ingest, plan, read_task
from polybius.ingest import read_paths
from polybius.pipeline import Options
from polybius.query import EventFilter, event_rows

TASK_BYTES = 1_200  # a handful of documents per task, so two workers share several tasks

COUNTRIES = [("Russia", "Moscow"), ("France", "Paris"), ("Japan", "Tokyo"), ("Egypt", "Cairo"), ("Peru", "Lima")]
PHRASES = [
    "{a} accused {b} of breaking the truce on {day}.",
    "The government of {a} signed a trade deal with {b} in {cap}.",
    "{a} sent food aid to {b} after the floods.",
    "Police in {cap} arrested dozens of protesters on {day}.",
    "{a} threatened to impose sanctions on {b}.",
]
DAYS = ["Monday", "Tuesday", "Friday"]
# The corpus repeats articles (article(i) == article(i + 15)), in other tasks than the first copy: most tests code
# every document; `test_copies_across_tasks_are_found_at_import` keeps the duplicate check on.
CODE_ALL = Options(dedup=False)


def article(i: int) -> str:
    lines = []
    for k in range(3):
        a, b = COUNTRIES[(i + k) % 5], COUNTRIES[(i + 2 * k + 1) % 5]
        lines.append(PHRASES[(i + k) % 5].format(a=a[0], b=b[0], cap=a[1], day=DAYS[(i + k) % 3]))
    return " ".join(lines)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    with open(root / "wire.jsonl", "w", encoding="utf-8") as f:
        for i in range(24):
            f.write(json.dumps({"id": f"w{i:02d}", "text": article(i), "date": "2009-03-04"}) + "\n")
            if i == 9:
                f.write("{not json\n")
            if i == 15:
                f.write(json.dumps({"id": "w03", "text": "A repeated id is stored once.", "date": "2009-03-04"}) + "\n")
    for i in range(5):
        (root / f"note{i}.txt").write_text(f"Headline {i}\n\n{article(30 + i)}\n", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> Path:
    """The same corpus ingested in one process."""
    db = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    # the corpus has failing documents: exit status 1
    assert cli_main(["ingest", str(corpus), "--db", str(db), "--quiet", "--no-dedup"]) == 1
    return db


@pytest.fixture(scope="module")
def client():
    with dask_client(None, 2) as c:
        yield c


def table(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def contents(db: Path) -> dict[str, list]:
    """Every stored row without the time of the run: documents and sentences in the store's own order (rowid),
    events as the query layer gives them (what `polybius events` prints)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        events = event_rows(con, EventFilter())
    finally:
        con.close()
    return {
        "documents": table(db, "SELECT * EXCLUDE (ingested_at) FROM documents ORDER BY rowid"),
        "sentences": table(db, "SELECT * FROM sentences ORDER BY rowid"),
        "events": events,
        "errors": table(db, "SELECT source, doc_id, reason FROM errors ORDER BY source, reason"),
    }


def test_plan_cuts_jsonl_at_line_ends_and_reads_like_a_local_run(corpus):
    the_plan = plan([str(corpus)], task_bytes=TASK_BYTES)
    assert len(the_plan.tasks) >= 4
    pieces = [p for t in the_plan.tasks for p in t.pieces if p.path.endswith(".jsonl")]
    assert len(pieces) > 1 and pieces[0].start == 0
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))
    data = (corpus / "wire.jsonl").read_bytes()
    assert pieces[-1].end == len(data) and all(data[p.end - 1 : p.end] == b"\n" for p in pieces)
    read = [x for t in the_plan.tasks for x in read_task(t, "auto")]
    local = list(read_paths([str(corpus)]))
    assert read == local  # same documents, sources ("wire.jsonl:11") and errors, in the same order
    again = plan([str(corpus)], task_bytes=TASK_BYTES)
    assert [t.id for t in again.tasks] == [t.id for t in the_plan.tasks]
    other = plan([str(corpus)], task_bytes=TASK_BYTES, options=Options(code_title=True))
    assert not {t.id for t in other.tasks} & {t.id for t in the_plan.tasks}


def test_cluster_gives_the_local_store_and_resumes(corpus, reference, client, tmp_path):
    db, shards = tmp_path / "dist.duckdb", tmp_path / "shards"
    errors = []
    counts = ingest(
        [str(corpus)], CODE_ALL, db, client, task_bytes=TASK_BYTES, shards=shards, report=errors.append,
        keep_shards=True,
    )  # fmt: skip
    want = contents(reference)
    assert contents(db) == want
    assert want["events"] and len(want["documents"]) == 29
    assert counts.documents == len(want["documents"]) and counts.events == len(want["events"])
    assert counts.tasks_failed == 0 and counts.tasks_done_before == 0
    assert {e.source for e in errors} == {r[0] for r in want["errors"]}
    manifest = json.loads((shards / "manifest.json").read_text())
    assert {t["state"] for t in manifest["tasks"]} == {"imported"}

    # the same run again: every task is done and imported, nothing is coded or stored twice
    again = ingest([str(corpus)], CODE_ALL, db, client, task_bytes=TASK_BYTES, shards=shards)
    assert again.tasks_done_before == again.tasks and again.documents == 0
    assert again.skipped == counts.documents + counts.skipped  # as a local re-run counts them
    assert contents(db) == want

    # a new store from the same shards, with one task's shards lost: only that task is coded again
    lost = manifest["tasks"][1]["id"]
    shutil.rmtree(shards / lost)
    fresh = tmp_path / "fresh.duckdb"
    resumed = ingest([str(corpus)], CODE_ALL, fresh, client, task_bytes=TASK_BYTES, shards=shards)
    assert resumed.tasks_done_before == resumed.tasks - 1
    assert (shards / lost / "done.json").exists()
    assert contents(fresh) == want

    # without --keep-shards the imported Parquet files are gone, each task's summary stays
    assert not list(shards.glob("*/*.parquet"))
    assert len(list(shards.glob("*/done.json"))) == resumed.tasks
    again = ingest([str(corpus)], CODE_ALL, fresh, client, task_bytes=TASK_BYTES, shards=shards)
    assert again.documents == 0 and again.skipped == resumed.documents + resumed.skipped
    # a third store from the emptied shard folder codes every task again rather than failing
    third = tmp_path / "third.duckdb"
    recoded = ingest([str(corpus)], CODE_ALL, third, client, task_bytes=TASK_BYTES, shards=shards)
    assert recoded.tasks_done_before == 0 and recoded.tasks_failed == 0
    assert contents(third) == want


def test_copies_across_tasks_are_found_at_import(corpus, client, tmp_path):
    local = tmp_path / "local.duckdb"
    assert cli_main(["ingest", str(corpus), "--db", str(local), "--quiet"]) == 1  # the corpus has failing documents
    db = tmp_path / "linked.duckdb"
    counts = ingest([str(corpus)], Options(), db, client, task_bytes=TASK_BYTES, shards=tmp_path / "s")
    assert counts.tasks > 3
    want = contents(local)
    copies = table(local, "SELECT id, duplicate_of FROM documents WHERE duplicate_of IS NOT NULL")
    assert len(copies) >= 8, "the corpus's repeated articles were not found as copies by the local run"
    assert contents(db) == want  # copies in other tasks found, stored as reports, never with sentences or events
    assert counts.copies == len(copies)
    n_sig = table(db, "SELECT count(*) FROM link_signatures")[0][0]
    assert n_sig == len(want["documents"]) - len(copies)  # canonical documents only, as a local ingest keeps

    # story threads are made at import: every document in a story, each copy in its canonical document's story
    story = dict(table(db, "SELECT doc_id, story_id FROM story_docs"))
    assert set(story) == {d[0] for d in want["documents"]}
    for copy, canonical in copies:
        assert story[copy] == story[canonical]
    partition = {tuple(sorted(d for d, s in story.items() if s == sid)) for sid in set(story.values())}
    local_story = dict(table(local, "SELECT doc_id, story_id FROM story_docs"))
    local_partition = {tuple(sorted(d for d, s in local_story.items() if s == sid)) for sid in set(local_story.values())}
    assert partition == local_partition

    # a later local ingest checks against the signatures the import stored
    later = tmp_path / "later"
    later.mkdir()
    canonical, text = table(db, "SELECT id, text FROM documents WHERE duplicate_of IS NULL ORDER BY rowid DESC")[0]
    (later / "copy.txt").write_text(text + "\n", encoding="utf-8")
    assert cli_main(["ingest", str(later), "--db", str(db), "--quiet"]) == 0
    assert table(db, "SELECT duplicate_of FROM documents WHERE source LIKE '%copy.txt'") == [(canonical,)]


def test_a_worker_killed_mid_run_loses_nothing(corpus, reference, client, tmp_path):
    pids = client.run(os.getpid)  # worker address -> process id
    killed: list[int] = []

    def kill_a_busy_worker(_summary) -> None:
        if killed:
            return
        busy = [addr for addr, keys in client.processing().items() if keys and addr in pids]
        if busy:
            killed.append(pids[busy[0]])
            os.kill(pids[busy[0]], signal.SIGKILL)

    db = tmp_path / "killed.duckdb"
    counts = ingest(
        [str(corpus)], CODE_ALL, db, client, task_bytes=TASK_BYTES, shards=tmp_path / "s", on_task=kill_a_busy_worker
    )
    assert killed, "no worker was busy after the first task: nothing was tested"
    assert counts.tasks_failed == 0
    assert contents(db) == contents(reference)


def test_cli_cluster_option_errors(tmp_path, capsys):
    assert cli_main(["ingest", "-", "--cluster", "local:2", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "standard input" in capsys.readouterr().err
    assert cli_main(["ingest", "x.txt", "--cluster", "remote", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "local:N" in capsys.readouterr().err


def test_forked_workers_give_the_one_process_store(corpus, tmp_path, monkeypatch):
    """--workers 2 (a forked pool fed from the calling thread, the duplicate check on) stores what one process
    does, story threads included; the workers make the documents' story features, the parent none."""
    monkeypatch.setattr(pipeline, "COMMIT_SECONDS", 1e9)  # the same transactions (so the same story batches)
    made_here: list[str] = []  # documents whose story features this process made
    real_story_docs = pipeline.story_docs

    def counting(results, *args, **kwargs):
        made_here.extend(r.document.id for r in results)
        return real_story_docs(results, *args, **kwargs)

    monkeypatch.setattr(pipeline, "story_docs", counting)
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    assert cli_main(["ingest", str(corpus), "--db", str(one), "--quiet"]) == 1  # the corpus has bad documents
    n_docs = table(one, "SELECT count(*) FROM documents")[0][0]
    assert len(made_here) == n_docs
    made_here.clear()
    assert cli_main(["ingest", str(corpus), "--db", str(two), "--quiet", "--workers", "2", "--batch-size", "8"]) == 1
    assert made_here == []
    assert contents(two) == contents(one)
    assert table(one, "SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL")[0][0] > 0
    stories = "SELECT * EXCLUDE (updated_at) FROM stories ORDER BY story_id"
    assert table(two, stories) == table(one, stories) and table(one, stories)
    story_docs = "SELECT * FROM story_docs ORDER BY doc_id"
    assert table(two, story_docs) == table(one, story_docs) and len(table(one, story_docs)) == n_docs
