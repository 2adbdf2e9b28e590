"""Honest counts and exit status: every printed count is a count of rows stored; the exit status tells a script
whether any document failed; a full disk or Ctrl-C ends with one line and leaves the store intact."""

from __future__ import annotations

import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from polybius import pipeline, store
from polybius.cli import EXIT_DOCUMENTS_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, main

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "polybius" / "data" / "samples"
ATTACK = "Russian troops attacked the Ukrainian positions near Kharkiv on Monday, and it was said that they would go on.\n"
GOOD = "Japan praised South Korea on Tuesday for its help after the storm.\n"


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def store_counts(db: str) -> dict[str, int]:
    con = duckdb.connect(db, read_only=True)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "documents": one("SELECT count(*) FROM documents"),
            "sentences": one("SELECT count(*) FROM sentences"),
            "events": one("SELECT count(*) FROM events"),
            "distinct_ids": one("SELECT count(DISTINCT event_id) FROM events"),
            "n_events": one("SELECT coalesce(sum(n_events), 0) FROM documents"),
            "n_sentences": one("SELECT coalesce(sum(n_sentences), 0) FROM documents"),
            "orphans": one("SELECT count(*) FROM events WHERE doc_id NOT IN (SELECT id FROM documents)"),
        }
    finally:
        con.close()


def assert_consistent(counts: dict[str, int]) -> None:
    assert counts["events"] == counts["distinct_ids"] == counts["n_events"]
    assert counts["sentences"] == counts["n_sentences"]
    assert counts["orphans"] == 0


# -- part 3: counts ---------------------------------------------------------------------------------------
def test_event_ids_unique_over_the_sample_corpus_and_demo_totals_are_the_store_totals(tmp_path, capsys):
    rc, out, err = run(capsys, "code", str(SAMPLES), "-q", "--dates", str(SAMPLES / "dates.tsv"))  # as the demo
    assert rc == EXIT_DOCUMENTS_FAILED  # the bad/ samples fail on purpose
    ids = [json.loads(line)["event_id"] for line in out.splitlines()]
    assert len(ids) > 200
    assert [i for i, n in Counter(ids).items() if n > 1] == []

    db = str(tmp_path / "demo.duckdb")
    rc, out, err = run(capsys, "demo", "--db", db)
    assert rc == EXIT_OK  # the demo's bad samples are there to show the error path
    counts = store_counts(db)
    assert_consistent(counts)
    ingested = re.search(r"ingested (\d+) documents \((\d+) sentences, (\d+) events\)", err)
    summary = re.search(r"(\d+) documents, (\d+) sentences, (\d+) events", out)
    assert ingested and summary, (out, err)
    expected = (counts["documents"], counts["sentences"], counts["events"])
    assert tuple(map(int, ingested.groups())) == expected
    assert tuple(map(int, summary.groups())) == expected
    # stable across runs: the stored ids are the ids `code` printed
    con = duckdb.connect(db, read_only=True)
    stored = {r[0] for r in con.execute("SELECT event_id FROM events").fetchall()}
    # the samples' publication dates (samples/dates.tsv) date every demo document, so every event of the news
    # (a background event, recalled as the time or cause of the news, has only the date its own phrase states)
    undated = con.execute(
        "SELECT count(*) FROM events WHERE (date IS NULL OR date_precision IS NULL) AND NOT background"
    ).fetchone()[0]
    sources = dict(con.execute("SELECT date_source, count(*) FROM documents GROUP BY 1").fetchall())
    con.close()
    assert stored == set(ids)
    assert undated == 0
    assert sources.get(None, 0) == 0 and sources["dateline"] >= 4  # yearless datelines took the hint's year


def test_distinct_events_keeps_the_more_confident_of_a_repeated_id(coder):
    from dataclasses import replace

    from conftest import code_text

    result = code_text(coder, ATTACK)
    ev = result.events[0]
    weaker, stronger = replace(ev, confidence=0.2, rule="a#1"), replace(ev, confidence=0.9, rule="b#2")
    code = "042" if ev.cameo != "042" else "043"
    other = replace(ev, cameo=code, cameo_root="04")
    kept = pipeline.distinct_events([weaker, other, stronger])
    assert [e.rule for e in kept] == ["b#2", ev.rule] and [e.cameo for e in kept] == [ev.cameo, code]


def test_store_counts_only_event_rows_it_stored(tmp_path, coder):
    from dataclasses import replace

    from conftest import code_text

    first = code_text(coder, ATTACK, doc_id="x")
    ev = first.events[0]
    # a second document whose event id collides with the first's (a hostile id can do that)
    clash = replace(first, document=replace(first.document, id="y"), sentences=[], events=[ev])
    con = store.connect(str(tmp_path / "s.duckdb"))
    written = store.write_results(con, [first, clash])
    assert [len(r.events) for r in written] == [len(first.events), 0]
    con.close()
    assert_consistent(store_counts(str(tmp_path / "s.duckdb")))


# -- part 4: exit status ----------------------------------------------------------------------------------
def test_exit_zero_when_every_document_is_coded(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text(GOOD)
    rc, out, _ = run(capsys, "code", str(f))
    assert rc == EXIT_OK and out
    rc, _, _ = run(capsys, "ingest", str(f), "--db", str(tmp_path / "s.duckdb"))
    assert rc == EXIT_OK


def test_binary_on_stdin_is_a_failed_document(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(sys.executable).read_bytes()[:200_000])))
    rc, out, err = run(capsys, "code", "-")
    assert rc == EXIT_DOCUMENTS_FAILED and out == ""
    assert "binary" in err


def test_ingest_in_which_documents_fail(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"")
    (bad / "b.txt").write_bytes(b"\x00\x01\x02" * 100)
    db = str(tmp_path / "s.duckdb")
    rc, _, err = run(capsys, "ingest", str(bad), "--db", db)
    assert rc == EXIT_DOCUMENTS_FAILED and "ingested 0 documents" in err and "2 with errors" in err
    (bad / "c.txt").write_text(GOOD)
    rc, _, err = run(capsys, "ingest", str(bad), "--db", db)
    assert rc == EXIT_DOCUMENTS_FAILED and "ingested 1 documents" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["code", "x.txt", "--workers", "0"], "at least 1"),
        (["code", "x.txt", "--doc-timeout", "soon"], "not a number of seconds"),
        (["code", "x.txt", "--max-chars", "-5"], "at least 1"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_USAGE and message in capsys.readouterr().err


def test_runtime_usage_errors_exit_2(tmp_path, capsys):
    rc, _, err = run(capsys, "events", "--db", str(tmp_path / "missing.duckdb"))
    assert rc == EXIT_USAGE and len(err.strip().splitlines()) == 1


# -- part 6: full disk and interrupts ---------------------------------------------------------------------
def test_full_disk_during_ingest_one_line_status_3_store_intact(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for i, name in enumerate(["Japan", "France", "Brazil", "Kenya", "Chile", "Norway"]):
        (src / f"{i}.txt").write_text(f"{name} praised South Korea on Tuesday for its help after storm {i}.\n")
    db = str(tmp_path / "s.duckdb")
    monkeypatch.setattr(pipeline, "WRITE_BATCH", 2)
    monkeypatch.setattr(pipeline, "COMMIT_SECONDS", 1e9)
    real_insert = store.insert
    calls = {"events": 0}

    def full_disk(con, table, columns, rows, conflict="", **kwargs):  # the double: the disk fills on the 2nd batch
        if table == "events":
            calls["events"] += 1
            if calls["events"] == 2:
                raise duckdb.IOException(
                    'IO Error: Could not write file "s.duckdb.wal": No space left on device'
                )
        return real_insert(con, table, columns, rows, conflict, **kwargs)

    monkeypatch.setattr(store, "insert", full_disk)
    rc, _, err = run(capsys, "ingest", str(src), "--db", db)
    lines = err.strip().splitlines()
    assert rc == EXIT_STOPPED
    assert lines[-1].startswith("polybius: error:") and "No space left on device" in lines[-1]
    assert "Traceback" not in err
    counts = store_counts(db)
    assert counts["documents"] == 2  # the first batch, whole; nothing of the second
    assert_consistent(counts)
    monkeypatch.setattr(store, "insert", real_insert)
    rc, _, err = run(capsys, "ingest", str(src), "--db", db)
    assert rc == EXIT_OK and "4 documents" in err and "2 already stored" in err
    assert store_counts(db)["documents"] == 6


def test_full_disk_on_stdout_one_line_status_3(tmp_path, capsys, monkeypatch):
    f = tmp_path / "a.txt"
    f.write_text(GOOD)

    class FullDisk(io.StringIO):
        def write(self, s: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def fileno(self) -> int:
            raise io.UnsupportedOperation("no fd")

    monkeypatch.setattr(sys, "stdout", FullDisk())
    rc = main(["code", str(f)])
    err = capsys.readouterr().err
    assert rc == EXIT_STOPPED and err.strip().splitlines()[-1] == "polybius: error: could not write: No space left on device"


def test_sigint_during_ingest_with_workers(tmp_path):
    """Ctrl-C at any moment of an ingest with two workers: one line, status 130, the store intact."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(60):
        (src / f"{i:03}.txt").write_text(
            f"Japan praised South Korea on Tuesday for its help after storm {i}.\n\n"
            f"Turkey accused Greece of violating its airspace near Rhodes for the {i}th time.\n"
        )
    db = str(tmp_path / "s.duckdb")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "polybius", "ingest", str(src), "--db", db, "--workers", "2", "--batch-size", "4"]
    for delay in (0.5, 2.5, 5.0):  # while the imports load, while the workers start, while batches commit
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        if proc.returncode == EXIT_OK:
            continue  # it finished before the signal: nothing to check this time
        assert "Traceback" not in err, err
        if proc.returncode == -signal.SIGINT:
            continue  # the signal came before Python had started: the default action, no output (shells say 130)
        assert proc.returncode == EXIT_INTERRUPTED, err
        assert err.strip().splitlines()[-1] == "polybius: interrupted", err
        if Path(db).exists():  # (interrupted before the store was created: nothing to check)
            assert_consistent(store_counts(db))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == EXIT_OK, done.stderr
    counts = store_counts(db)
    assert counts["documents"] == 60
    assert_consistent(counts)
