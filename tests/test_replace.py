"""A stored document id arriving again: same content skipped silently, other content warned about and kept,
or coded again in its place with --replace (issue 11 part 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polybius.cli import main
from polybius.ingest import read_paths
from polybius.pipeline import Options, ingest_into
from polybius.store import connect, session

FIRST = "Norway praised Chile for the new fisheries accord on Monday."
CHANGED = "Norway accused Chile of breaking the fisheries accord on Monday. Chilean officials rejected the claim."
OTHER = "Kenyan police arrested dozens of protesters in Nairobi on Tuesday."


def jsonl(path: Path, *docs: tuple[str, str]) -> Path:
    path.write_text(
        "".join(json.dumps({"id": i, "text": t, "date": "2021-03-01"}) + "\n" for i, t in docs), encoding="utf-8"
    )
    return path


def ingest(db: Path, path: Path, coder, replace: bool = False) -> tuple[object, list[str]]:
    said: list[str] = []
    counts = ingest_into(
        str(db), read_paths([str(path)], "jsonl"), Options(), coder=coder, replace=replace, warn=said.append
    )
    return counts, said


def rows(db: Path, sql: str) -> list[tuple]:
    with session(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_changed_content_is_warned_about_and_the_stored_version_kept(tmp_path, coder):
    db = tmp_path / "s.duckdb"
    counts, said = ingest(db, jsonl(tmp_path / "a.jsonl", ("a", FIRST), ("b", OTHER)), coder)
    assert counts.documents == 2 and said == []
    before = rows(db, "SELECT event_id, cameo FROM events ORDER BY 1")
    counts, said = ingest(db, jsonl(tmp_path / "b.jsonl", ("a", CHANGED), ("b", OTHER)), coder)
    assert (counts.documents, counts.skipped, counts.changed, counts.replaced) == (0, 2, 1, 0)
    assert len(said) == 1 and "document a is stored with different content" in said[0] and "--replace" in said[0]
    assert rows(db, "SELECT text FROM documents WHERE id = 'a'") == [(FIRST,)]
    assert rows(db, "SELECT event_id, cameo FROM events ORDER BY 1") == before
    # the same content again: skipped silently (idempotent)
    counts, said = ingest(db, tmp_path / "a.jsonl", coder)
    assert (counts.skipped, counts.changed, said) == (2, 0, [])


def test_replace_recodes_a_changed_document_in_one_transaction(tmp_path, coder):
    db = tmp_path / "s.duckdb"
    ingest(db, jsonl(tmp_path / "a.jsonl", ("a", FIRST), ("b", OTHER)), coder)
    with session(db) as con:  # an error once recorded for the document goes with it
        con.execute("INSERT INTO errors VALUES ('old.jsonl:1', 'a', 'an earlier failure', now())")
    old_events = {r[0] for r in rows(db, "SELECT event_id FROM events WHERE doc_id = 'a'")}
    b_before = rows(db, "SELECT event_id FROM events WHERE doc_id = 'b' ORDER BY 1")
    assert old_events
    counts, said = ingest(db, jsonl(tmp_path / "b.jsonl", ("a", CHANGED), ("b", OTHER)), coder, replace=True)
    assert (counts.documents, counts.replaced, counts.skipped, counts.changed, said) == (1, 1, 1, 0, [])
    assert rows(db, "SELECT text, n_sentences FROM documents WHERE id = 'a'") == [(CHANGED, 2)]
    assert rows(db, "SELECT count(*) FROM sentences WHERE doc_id = 'a'") == [(2,)]
    events = rows(db, "SELECT event_id, sentence FROM events WHERE doc_id = 'a'")
    assert events and all(FIRST not in s for _, s in events)
    assert rows(db, "SELECT n_events FROM documents WHERE id = 'a'") == [(len(events),)]
    assert rows(db, "SELECT count(*) FROM errors WHERE doc_id = 'a'") == [(0,)]
    assert rows(db, "SELECT event_id FROM events WHERE doc_id = 'b' ORDER BY 1") == b_before  # untouched
    assert rows(db, "SELECT count(*) FROM story_docs WHERE doc_id = 'a'") == [(1,)]
    assert rows(db, "SELECT sum(n_docs) FROM stories") == rows(db, "SELECT count(*) FROM story_docs")
    assert rows(db, "SELECT count(*) FROM link_signatures WHERE doc_id = 'a'") == [(1,)]
    assert rows(db, "SELECT duplicate_of FROM documents WHERE id = 'a'") == [(None,)]  # not a copy of itself
    # and again: now the same content, skipped silently
    counts, said = ingest(db, tmp_path / "b.jsonl", coder, replace=True)
    assert (counts.documents, counts.skipped, counts.replaced, said) == (0, 2, 0, [])


def test_an_id_twice_in_one_run_keeps_the_first(tmp_path, coder):
    db = tmp_path / "s.duckdb"
    counts, said = ingest(db, jsonl(tmp_path / "a.jsonl", ("a", FIRST), ("a", CHANGED), ("a", FIRST)), coder)
    assert (counts.documents, counts.skipped, counts.changed) == (1, 2, 1)
    assert len(said) == 1 and "arrived twice in this run" in said[0]
    assert rows(db, "SELECT text FROM documents") == [(FIRST,)]


def test_older_store_gains_the_hash_column_and_unhashed_documents_are_kept(tmp_path, coder):
    db = tmp_path / "s.duckdb"
    ingest(db, jsonl(tmp_path / "a.jsonl", ("a", FIRST)), coder)
    con = connect(db)
    con.execute("ALTER TABLE documents DROP COLUMN content_hash")  # as a store of an earlier polybius
    con.close()
    connect(db).close()  # opened for writing: migrated
    assert rows(db, "SELECT id, content_hash FROM documents") == [("a", None)]
    counts, said = ingest(db, jsonl(tmp_path / "b.jsonl", ("a", CHANGED)), coder, replace=True)
    assert (counts.skipped, counts.replaced, said) == (1, 0, [])  # nothing to compare with: kept, as before


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_ingest_warns_and_replaces(tmp_path, capsys):
    db = str(tmp_path / "s.duckdb")
    a = jsonl(tmp_path / "a.jsonl", ("a", FIRST), ("b", OTHER))
    b = jsonl(tmp_path / "b.jsonl", ("a", CHANGED), ("b", OTHER))
    assert run(capsys, "ingest", str(a), "--db", db)[0] == 0
    rc, _, err = run(capsys, "ingest", str(b), "--db", db)
    assert rc == 0
    assert "warning: " in err and "document a is stored with different content" in err
    assert "1 arrived with other content than stored" in err and "2 already stored" in err
    rc, _, err = run(capsys, "ingest", str(b), "--db", db, "--quiet")
    assert rc == 0 and "warning:" not in err
    rc, _, err = run(capsys, "ingest", str(b), "--db", db, "--replace")
    assert rc == 0 and "warning:" not in err
    assert "ingested 1 documents" in err and "1 of them replaced" in err
    rc, _, err = run(capsys, "ingest", str(a), "--db", db, "--replace", "--cluster", "local:1")
    assert rc == 2 and "--replace is not available" in err


@pytest.mark.parametrize("replace", [False, True])
def test_watch_once_treats_a_changed_json_line_like_ingest(tmp_path, capsys, replace):
    db = str(tmp_path / "s.duckdb")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    jsonl(inbox / "news.jsonl", ("a", FIRST))
    flags = ["--settle", "0.05", "--once", "--db", db] + (["--replace"] if replace else [])
    assert run(capsys, "watch", str(inbox), *flags)[0] == 0
    jsonl(inbox / "news.jsonl", ("a", CHANGED), ("b", OTHER))
    rc, _, err = run(capsys, "watch", str(inbox), *flags)
    assert rc == 0
    texts = dict(rows(Path(db), "SELECT id, text FROM documents"))
    if replace:
        assert "1 of them replaced" in err and texts == {"a": CHANGED, "b": OTHER}
    else:
        assert "document a is stored with different content" in err and texts == {"a": FIRST, "b": OTHER}
