"""Story threads: online clustering, stable ids, late articles, merges, the store tables, the CLI."""

import io
import json
import random
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np

from polybius.cli import main
from polybius.ingest import read_paths
from polybius.link.stories import (
    Params,
    Story,
    StoryDoc,
    cluster,
    headline,
    story_id,
    text_names,
    text_terms,
)
from polybius.pipeline import Options, ingest_into
from polybius.query import similar, stories, story, story_of
from polybius.store import connect, insert_story_docs, load_open_stories, story_doc_row, write_stories

ROOT = Path(__file__).resolve().parents[1]
STORY_SET = ROOT / "benchmarks" / "data" / "stories.jsonl"
DAY0 = date(2024, 3, 1)


def unit(*axes: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[list(axes)] = 1.0
    return v / np.linalg.norm(v)


def doc(doc_id: str, day: int | None, words: str, names: str = "", vec: np.ndarray | None = None) -> StoryDoc:
    return StoryDoc(
        id=doc_id,
        day=DAY0 + timedelta(days=day) if day is not None else None,
        title=f"title of {doc_id}",
        terms=Counter(words.split()),
        names=Counter(n for n in names.split(",") if n),
        actors=frozenset(),
        events=frozenset(),
        vector=vec if vec is not None else unit(0),
    )


FLOOD = "river flood village rescue boat water relief camp"
STRIKE = "miner strike union wage copper mine talks output"


def test_articles_of_one_story_join_and_others_do_not():
    docs = [
        doc("f1", 0, FLOOD, "assam", unit(0)),
        doc("s1", 1, STRIKE, "cerro alto", unit(1)),
        doc("f2", 2, FLOOD + " flood", "assam", unit(0)),
        doc("s2", 3, STRIKE + " union", "cerro alto", unit(1)),
    ]
    result = cluster(docs)
    by_doc = {a.doc_id: a.story_id for a in result.assignments}
    assert by_doc["f1"] == by_doc["f2"] == story_id("f1")
    assert by_doc["s1"] == by_doc["s2"] == story_id("s1")
    assert by_doc["f1"] != by_doc["s1"]
    assert not result.merges
    spans = {s.id: (s.first, s.last, len(s.members)) for s in result.stories}
    assert spans[story_id("f1")] == (DAY0, DAY0 + timedelta(days=2), 2)


def test_time_decay_keeps_distant_articles_apart():
    near = cluster([doc("a", 0, FLOOD, "assam"), doc("b", 5, FLOOD, "assam")])
    far = cluster([doc("a", 0, FLOOD, "assam"), doc("b", 200, FLOOD, "assam")])
    assert len({a.story_id for a in near.assignments}) == 1
    assert len({a.story_id for a in far.assignments}) == 2  # outside the window: a new story


def test_ids_are_stable_whatever_the_input_order():
    docs = [doc(f"f{i}", i, FLOOD, "assam", unit(0)) for i in range(4)]
    docs += [doc(f"s{i}", i, STRIKE, "cerro alto", unit(1)) for i in range(4)]
    first = {a.doc_id: a.story_id for a in cluster(docs).assignments}
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    assert {a.doc_id: a.story_id for a in cluster(shuffled).assignments} == first
    assert set(first.values()) == {story_id("f0"), story_id("s0")}


def test_late_article_joins_an_existing_story():
    old = cluster([doc("f1", 10, FLOOD, "assam"), doc("f2", 11, FLOOD, "assam")])
    late = cluster([doc("f0", 8, FLOOD, "assam")], old.stories)  # dated before the story began
    (a,) = late.assignments
    assert a.story_id == story_id("f1") and a.score > 0
    (grown,) = late.stories
    assert grown.first == DAY0 + timedelta(days=8) and len(grown.members) == 3


def test_an_article_that_bridges_two_stories_merges_them_into_the_older():
    a = doc("a1", 0, "alpha beta gamma", "north", unit(0))
    b = doc("b1", 1, "delta epsilon zeta", "south", unit(1))
    bridge = doc("c1", 2, "alpha beta gamma delta epsilon zeta", "north,south", unit(0, 1))
    result = cluster([a, b, bridge], params=Params(merge_threshold=0.4))
    ids = {x.doc_id: x.story_id for x in result.assignments}
    assert ids == dict.fromkeys(("a1", "b1", "c1"), story_id("a1"))
    (merge,) = result.merges
    assert (merge.merged, merge.into, merge.doc_id) == (story_id("b1"), story_id("a1"), "c1")
    assert [s.id for s in result.stories] == [story_id("a1")]


def test_headline_is_the_most_central_title():
    s = Story("x", None, None)
    s.add(doc("a", 0, FLOOD, vec=unit(0)))
    s.add(doc("b", 1, FLOOD, vec=unit(0, 1)))
    s.add(doc("c", 2, FLOOD, vec=unit(0, 1, 2)))
    assert headline(s) == "title of b"


def test_words_and_names():
    assert text_terms("The miners' unions said strikes will continue") == Counter(
        {"miner": 1, "union": 1, "strike": 1, "continue": 1}
    )
    names = text_names("After talks in Second Thomas Shoal, the Philippine Coast Guard said. The boat left.")
    assert names["second thomas shoal"] == 1 and names["philippine coast guard"] == 1
    assert "after" not in names and "the boat" not in names and "boat" not in names


# -- through the pipeline and the store -------------------------------------------------------------------
def story_set() -> list[dict]:
    return [json.loads(line) for line in STORY_SET.read_text(encoding="utf-8").splitlines()]


def test_story_set_is_big_enough_for_the_benchmark():
    rows = story_set()
    sizes = Counter(r["story"] for r in rows)
    assert len(rows) >= 60 and sum(1 for n in sizes.values() if n >= 3) >= 12
    assert sum(1 for s in sizes if s.startswith("x-")) >= 5  # unrelated articles
    assert len({r["id"] for r in rows}) == len(rows)
    days = sorted(r["date"] for r in rows)
    assert (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days >= 28


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_batches_in_the_store_keep_ids_and_late_articles_join(tmp_path, coder):
    rows = {r["id"]: r for r in story_set()}
    db = tmp_path / "s.duckdb"
    first = write_jsonl(tmp_path / "a.jsonl", [rows[i] for i in ("ferry-1", "ferry-2", "mine-1", "mine-2")])
    second = write_jsonl(tmp_path / "b.jsonl", [rows[i] for i in ("ferry-3", "mine-3", "x-chess")])
    con = connect(db)
    ingest_into(con, read_paths([str(first)], "jsonl"), Options(), coder=coder)
    ingest_into(con, read_paths([str(second)], "jsonl"), Options(), coder=coder)
    listed = {s["story_id"]: s for s in stories(con)}
    ferry, mine = story_id("ferry-1"), story_id("mine-1")
    assert set(listed) == {ferry, mine, story_id("x-chess")}
    assert listed[ferry]["n_docs"] == 3 and listed[ferry]["first_date"] == "2024-03-02"
    assert listed[ferry]["last_date"] == "2024-03-04"
    assert listed[mine]["n_docs"] == 3 and "Cerro Alto" in listed[mine]["headline"]
    assert story_of(con, "ferry-3") == ferry
    shown = story(con, ferry)
    assert [d["doc_id"] for d in shown["documents"]] == ["ferry-1", "ferry-2", "ferry-3"]
    assert [s["story_id"] for s in stories(con, min_docs=2, since=date(2024, 3, 10))] == [mine]
    assert stories(con, min_docs=2, since=date(2024, 3, 16)) == []
    assert len(load_open_stories(con, date(2024, 3, 5), date(2024, 3, 5))) == 3
    # bounded: the most recently updated open stories only (an undated batch would otherwise see them all)
    latest = con.execute("SELECT story_id FROM stories ORDER BY updated_at DESC, story_id LIMIT 2").fetchall()
    assert {s.id for s in load_open_stories(con, max_open=2)} == {r[0] for r in latest}
    assert len(load_open_stories(con, max_open=None)) == 3
    related = similar(con, "ferry-1", k=3)
    assert [r["doc_id"] for r in related[:2]] == ["ferry-2", "ferry-3"] or {
        r["doc_id"] for r in related[:2]
    } == {"ferry-2", "ferry-3"}
    assert related[0]["same_story"] and "ferry" in related[0]["shared"]["words"]
    assert similar(con, "no-such-doc") is None
    con.close()


def test_story_rows_go_in_whole_with_exact_vectors_and_the_first_row_of_a_document_kept():
    rng = np.random.default_rng(3)
    vectors = [rng.standard_normal(256).astype(np.float32) for _ in range(3)]
    docs = [doc(f"d{i}", i, FLOOD, "Ayr", vec=v / np.linalg.norm(v)) for i, v in enumerate(vectors)]
    con = connect(":memory:")
    insert_story_docs(con, [story_doc_row(docs[0], "st-a", 0.0)])
    # d0 is stored already (left as it is); d1 comes twice in one call (the first kept)
    insert_story_docs(
        con,
        [story_doc_row(docs[0], "st-b", 0.5), story_doc_row(docs[1], "st-a", 0.7), story_doc_row(docs[1], "st-c", 0.9)],
    )
    insert_story_docs(con, [])
    rows = con.execute("SELECT doc_id, story_id, score, day, names, vector FROM story_docs ORDER BY doc_id").fetchall()
    assert [r[:4] for r in rows] == [("d0", "st-a", 0.0, docs[0].day), ("d1", "st-a", 0.7, docs[1].day)]
    assert json.loads(rows[0][4]) == {"Ayr": 1}
    for (_, *_rest, vector), d in zip(rows, docs, strict=False):
        assert np.array_equal(np.asarray(vector, dtype=np.float32), d.vector)  # bit for bit, all 256 floats
    con.close()


def test_write_stories_stores_every_story_touched_once():
    con = connect(":memory:")
    docs = [doc("a1", 0, FLOOD), doc("a2", 1, FLOOD), doc("b1", 0, STRIKE, vec=unit(1))]
    write_stories(con, cluster(docs, (), Params()), docs)
    late = [doc("a3", 2, FLOOD)]
    write_stories(con, cluster(late, load_open_stories(con), Params()), late)
    stored = con.execute("SELECT story_id, n_docs, first_date, last_date FROM stories ORDER BY story_id").fetchall()
    assert sorted(stored) == sorted(
        [(story_id("a1"), 3, DAY0, DAY0 + timedelta(days=2)), (story_id("b1"), 1, DAY0, DAY0)]
    )
    members = con.execute("SELECT doc_id, story_id FROM story_docs ORDER BY doc_id").fetchall()
    assert members == [("a1", story_id("a1")), ("a2", story_id("a1")), ("a3", story_id("a1")), ("b1", story_id("b1"))]
    con.close()


def test_an_older_store_without_story_tables_still_opens(tmp_path):
    db = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(db))
    raw.execute("CREATE TABLE documents (id VARCHAR PRIMARY KEY)")
    raw.close()
    con = connect(db, read_only=True)
    assert stories(con) == [] and story(con, "st-x") is None and similar(con, "d") is None
    con.close()
    connect(db).close()  # opened for writing, the new tables are added
    con = connect(db, read_only=True)
    assert stories(con) == []
    con.close()


def test_cli_stateless_threads_documents(monkeypatch, capsys):
    rows = {r["id"]: r for r in story_set()}
    lines = [json.dumps(rows[i]) for i in ("kaduna-1", "kaduna-2", "x-whale")]
    lines.insert(1, json.dumps({"id": "empty", "text": ""}))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(("\n".join(lines) + "\n").encode())))
    assert main(["stories", "--input", "jsonl", "-"]) == 1  # one document failed
    out, err = capsys.readouterr()
    got = [json.loads(line) for line in out.splitlines()]
    assert [g["id"] for g in got] == ["kaduna-1", "kaduna-2", "x-whale"]
    assert set(got[0]) == {"id", "story_id", "duplicate_of"}
    assert got[0]["story_id"] == got[1]["story_id"] == story_id("kaduna-1")
    assert got[2]["story_id"] == story_id("x-whale")
    assert "empty" in err and "threaded 3 documents" in err


def test_cli_lists_shows_and_relates(tmp_path, capsys, coder):
    rows = {r["id"]: r for r in story_set()}
    path = write_jsonl(tmp_path / "in.jsonl", [rows[i] for i in ("rail-1", "rail-2", "x-bank")])
    db = str(tmp_path / "s.duckdb")
    con = connect(db)
    ingest_into(con, read_paths([str(path)], "jsonl"), Options(), coder=coder)
    con.close()
    capsys.readouterr()
    assert main(["stories", "--db", db]) == 0
    out = capsys.readouterr().out
    assert story_id("rail-1") in out and "2 articles" in out
    assert main(["stories", "--db", db, "--show", story_id("rail-1")]) == 0
    assert "rail-2" in capsys.readouterr().out
    assert main(["stories", "--db", db, "--show", "st-nothing"]) == 1
    assert main(["similar", "rail-1", "--db", db, "-k", "1"]) == 0
    out = capsys.readouterr().out
    assert "rail-2" in out and "(same story)" in out and "shared words" in out
    assert main(["similar", "nope", "--db", db]) == 1


def test_a_syndicated_copy_joins_its_canonical_story(monkeypatch, capsys):
    rows = {r["id"]: r for r in story_set()}
    copy = dict(rows["kaduna-1"], id="kaduna-1-copy", title="Students seized in Kaduna school raid")
    copy["text"] = "By a staff reporter\n\n" + copy["text"] + "\n\nRead more: subscribe to our newsletter."
    lines = [json.dumps(x) for x in (rows["kaduna-1"], rows["x-whale"], copy)]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(("\n".join(lines) + "\n").encode())))
    assert main(["stories", "--input", "jsonl", "-"]) == 0
    got = {g["id"]: g for g in map(json.loads, capsys.readouterr().out.splitlines())}
    assert got["kaduna-1-copy"]["duplicate_of"] == "kaduna-1"
    assert got["kaduna-1-copy"]["story_id"] == got["kaduna-1"]["story_id"] == story_id("kaduna-1")
    assert got["kaduna-1"]["duplicate_of"] is None


def test_a_long_stored_story_is_compared_by_its_latest_members_and_keeps_its_counts(tmp_path):
    from polybius.pipeline import link_stories

    con = connect(tmp_path / "s.duckdb")
    params = Params(max_members=2)
    link_stories(con, [doc(f"flood-{i}", i, FLOOD, vec=unit(0, dim=256)) for i in range(1, 4)], params)
    (loaded,) = load_open_stories(con, max_members=2)
    assert [m.id for m in loaded.members] == ["flood-2", "flood-3"]  # the latest two, in date order
    assert loaded.hidden == 1 and loaded.n_docs == 3 and loaded.first == DAY0 + timedelta(days=1)
    (everything,) = load_open_stories(con, max_members=None)
    assert everything.hidden == 0 and len(everything.members) == 3
    # a late article joins it; the stored counts and span cover the members that were not loaded
    link_stories(con, [doc("flood-4", 4, FLOOD, vec=unit(0, dim=256))], params)
    (row,) = con.execute("SELECT n_docs, first_date, last_date FROM stories").fetchall()
    assert row == (4, DAY0 + timedelta(days=1), DAY0 + timedelta(days=4))
    assert con.execute("SELECT count(DISTINCT story_id) FROM story_docs").fetchone() == (1,)
