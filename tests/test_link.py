"""The link stage: duplicates found before parsing (in a run and across stored batches), event aggregation."""

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest

from polybius.cli import main
from polybius.ingest import read_paths
from polybius.link.aggregate import outlet_of
from polybius.link.dedup import (
    NUM_PERM,
    SEED,
    MemoryIndex,
    StoreIndex,
    lsh_params,
    minhash,
    signature,
    similarity,
)
from polybius.models import Actor, Document, DocumentError, DocumentResult, Event, Sentence
from polybius.pipeline import Options, run
from polybius.query import EventFilter, aggregated, mention_counts
from polybius.store import connect, write_batch

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "polybius" / "data" / "samples" / "text"
ORIGINAL = SAMPLES / "grain_deal.txt"
SYNDICATED = SAMPLES / "grain_deal_syndicated.txt"  # new headline, byline, tail; a paragraph cut, one moved, a typo

WIRE = (
    "The foreign ministers of Chile and Peru met in Lima on Tuesday to settle a long quarrel over fishing "
    "rights in the waters off their shared border, officials from both countries said after the talks ended.\n\n"
    "Chile agreed to pay for a joint patrol vessel, and Peru promised to release eleven fishing boats its navy "
    "had held since March. Both sides said a commission would meet again in Santiago before the end of the year.\n\n"
    "Fishermen in the port of Arica welcomed the news, saying the dispute had cost them most of a season."
)


class SpyCoder:
    """Wraps the real coder and records which documents were handed to the parser."""

    def __init__(self, coder):
        self.coder, self.parsed = coder, []

    def code(self, docs):
        self.parsed += [d.id for d in docs]
        return self.coder.code(docs)


def test_syndicated_copy_is_a_report_and_never_parsed(coder, tmp_path):
    spy = SpyCoder(coder)
    con = connect(tmp_path / "s.duckdb")
    index = StoreIndex(con)
    results = list(run(read_paths([str(ORIGINAL), str(SYNDICATED)], "auto"), Options(), coder=spy, index=index))
    original, copy = results
    assert isinstance(original, DocumentResult) and isinstance(copy, DocumentResult)
    assert copy.document.duplicate_of == original.document.id
    assert 0.5 <= copy.document.duplicate_score < 1.0
    assert spy.parsed == [original.document.id]  # the copy never reached the parser
    assert copy.events == [] and original.events
    write_batch(con, results)
    row = con.execute(
        "SELECT duplicate_of, n_events FROM documents WHERE id = ?", [copy.document.id]
    ).fetchall()
    assert row == [(original.document.id, 0)]
    assert con.execute("SELECT count(*) FROM events WHERE doc_id = ?", [copy.document.id]).fetchall() == [(0,)]
    # the copy's outlet is a source of the original's events
    records = aggregated(con)
    assert records and all(r["num_articles"] == 2 and r["num_sources"] == 2 for r in records)
    report = next(rep for rep in records[0]["reports"] if rep["doc_id"] == copy.document.id)
    assert report["duplicate_of"] == original.document.id
    text = con.execute("SELECT text FROM documents WHERE id = ?", [copy.document.id]).fetchall()[0][0]
    ev = report["evidence"]
    if ev["start"] is not None:  # the span as it stands in the copy's own text
        assert text[ev["start"] : ev["end"]] == ev["text"]


def test_incremental_second_batch_uses_stored_signatures_only(tmp_path, capsys):
    db = str(tmp_path / "n.duckdb")
    first = tmp_path / "first"
    first.mkdir()
    (first / "a.txt").write_text(ORIGINAL.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["ingest", str(first), "--db", db, "-q"]) == 0
    with duckdb.connect(db) as con:  # no text to re-read: the check must use the stored signatures
        con.execute("UPDATE documents SET text = NULL")
        assert con.execute("SELECT count(*) FROM link_signatures").fetchall() == [(1,)]
    second = tmp_path / "second"
    second.mkdir()
    (second / "b.txt").write_text(SYNDICATED.read_text(encoding="utf-8"), encoding="utf-8")
    (second / "c.txt").write_text(WIRE, encoding="utf-8")
    (second / "d.txt").write_text(WIRE.replace("Tuesday", "Tuesday,"), encoding="utf-8")  # an exact copy
    capsys.readouterr()
    assert main(["ingest", str(second), "--db", db, "-q"]) == 0
    assert "ingested 3 documents" in capsys.readouterr().err
    with duckdb.connect(db, read_only=True) as con:
        rows = dict(con.execute("SELECT source, duplicate_of FROM documents").fetchall())
        ids = dict(con.execute("SELECT source, id FROM documents").fetchall())
        scores = dict(con.execute("SELECT source, duplicate_score FROM documents").fetchall())
        signatures = con.execute("SELECT count(*) FROM link_signatures").fetchall()[0][0]
    by_name = {Path(k).name: v for k, v in rows.items()}
    names = {Path(k).name: v for k, v in ids.items()}
    assert by_name["b.txt"] == names["a.txt"]  # a near copy of a document stored by an earlier run
    assert by_name["c.txt"] is None
    assert by_name["d.txt"] == names["c.txt"] and scores[str(second / "d.txt")] == 1.0  # exact copy
    assert signatures == 2  # canonical documents only


def test_threshold_option(tmp_path, capsys):
    db = str(tmp_path / "t.duckdb")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ORIGINAL.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.txt").write_text(SYNDICATED.read_text(encoding="utf-8"), encoding="utf-8")
    # 1: exact copies only, so the edited copy is coded as a document of its own
    assert main(["ingest", str(folder), "--db", db, "-q", "--dup-threshold", "1"]) == 0
    with duckdb.connect(db) as con:
        assert con.execute("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchall() == [(0,)]
        assert con.execute("SELECT count(DISTINCT doc_id) FROM events").fetchall() == [(2,)]
        assert con.execute("SELECT value FROM meta WHERE key = 'link_lsh'").fetchall()[0][0].endswith("2x64")
    # a later run at another threshold rebuilds the bands from the stored signatures
    (folder / "c.txt").write_text(SYNDICATED.read_text(encoding="utf-8") + "\nOne more line of tail.", encoding="utf-8")
    assert main(["ingest", str(folder / "c.txt"), "--db", db, "-q", "--dup-threshold", "0.6"]) == 0
    with duckdb.connect(db) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'link_lsh'").fetchall()[0][0].endswith("25x5")
        assert con.execute("SELECT count(*) FROM link_bands").fetchall() == [(2 * 25,)]
        assert con.execute(
            "SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL AND source LIKE '%c.txt'"
        ).fetchall() == [(1,)]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["ingest", str(folder), "--db", db, "--dup-threshold", "0"])
    assert exit_.value.code == 2
    assert "--dup-threshold" in capsys.readouterr().err
    with pytest.raises(ValueError):
        lsh_params(1.5)


def test_stateless_code_leaves_copies_out(tmp_path, capsys):
    lines = [
        {"id": "one", "text": WIRE, "date": "2023-05-02"},
        {"id": "two", "text": "By a staff writer\n\n" + WIRE.replace("eleven", "11"), "date": "2023-05-02"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    assert main(["code", str(path)]) == 0
    out, err = capsys.readouterr()
    docs = {json.loads(ln)["doc_id"] for ln in out.splitlines()}
    assert docs == {"one"} and "coded 1 documents" in err and "1 copies" in err
    assert main(["code", str(path), "--no-dedup"]) == 0
    out, err = capsys.readouterr()
    assert {json.loads(ln)["doc_id"] for ln in out.splitlines()} == {"one", "two"}


def test_memory_index_near_copy_and_distinct_text():
    index = MemoryIndex()
    edited = WIRE.replace("quarrel", "quarel").replace("Fishermen", "Fishers") + "\n\nRead more: fishing news"
    other = "Kenya and Uganda signed a trade pact in Nairobi on Monday, cutting tariffs on sugar and milk."
    found = index.check([("a", WIRE), ("b", edited), ("c", other), ("a", WIRE)])
    assert found[0] is None and found[2] is None
    assert found[1] is not None and found[1].doc_id == "a" and found[1].how == "near"
    assert found[3] is None  # the same document again is not a copy of itself
    assert similarity(signature(WIRE).minhash, signature(other).minhash) < 0.1
    assert signature("Tuesday,  TUESDAY!").exact == signature("tuesday tuesday").exact


RUS = Actor("RUSGOV", "RUS", "GOV", "Vladimir Putin", "Putin", "kb", 0, 5)
USA = Actor("USAGOV", "USA", "GOV", "Joe Biden", "Biden", "kb", 20, 25)
SENTENCE = "Putin criticised US President Biden on Monday."


def mention(doc_id, idx=0, date="2024-03-04", cameo="111", target=USA):
    return Event(
        doc_id=doc_id, sentence_index=idx, sentence=SENTENCE, source=RUS, target=target, cameo=cameo,
        cameo_root=cameo[:2], quad_class=3, goldstein=-2.0, plover_type="DISAPPROVE", plover_mode="",
        plover_context="", evidence_start=0, evidence_end=25, evidence_text=SENTENCE[:25], confidence=0.9,
        rule="t.yaml#1", date=date, date_how="document",
    )  # fmt: skip


def stored(doc_id, events, url, date, text=SENTENCE, duplicate_of=None):
    doc = Document(
        id=doc_id, text=text, source=f"{doc_id}.txt", kind="text", date=date, url=url, duplicate_of=duplicate_of,
        duplicate_score=0.8 if duplicate_of else None,
    )  # fmt: skip
    sentences = [] if duplicate_of else [Sentence(doc_id, 0, 0, len(text), text)]
    return DocumentResult(doc, sentences, events)


def test_aggregated_event_counts(tmp_path):
    con = connect(tmp_path / "a.duckdb")
    write_batch(
        con,
        [
            # the same criticism, reported by three documents of two outlets, twice in one of them
            stored("a", [mention("a")], "https://www.wire.example/a", "2024-03-04"),
            stored("b", [mention("b", 0), mention("b", 1)], "https://paper.example/b", "2024-03-05"),
            # a syndicated copy of a (another outlet): a report of a's events, never coded
            stored("c", [], "https://daily.example/c", "2024-03-06", "By staff. " + SENTENCE, duplicate_of="a"),
            # another event: another day, another code
            stored("d", [mention("d", date="2024-03-05"), mention("d", cameo="112")], None, "2024-03-05"),
        ],
        [DocumentError("bad.txt", "empty")],
    )
    records = aggregated(con)
    key = {(r["date"], r["cameo"]): r for r in records}
    top = key[("2024-03-04", "111")]
    assert (top["num_mentions"], top["num_sources"], top["num_articles"]) == (4, 3, 3)
    assert (top["first_seen"], top["last_seen"]) == ("2024-03-04", "2024-03-06")
    assert sorted(r["doc_id"] for r in top["reports"]) == ["a", "b", "b", "c"]
    copy = next(r for r in top["reports"] if r["doc_id"] == "c")
    assert copy["duplicate_of"] == "a" and copy["outlet"] == "daily.example"
    assert copy["evidence"]["start"] == len("By staff. ")  # the span in the copy's own text
    assert (key[("2024-03-05", "111")]["num_articles"], key[("2024-03-04", "112")]["num_mentions"]) == (1, 1)
    assert key[("2024-03-05", "111")]["reports"][0]["outlet"] == "d.txt"
    assert [r["date"] for r in records] == sorted(r["date"] for r in records)
    assert len(aggregated(con, EventFilter(limit=1))) == 1
    assert len(aggregated(con, EventFilter(cameo="112"))) == 1
    counts = mention_counts(con)
    assert counts["b:1:0:111:RUSGOV:USAGOV"] == (4, 3, 3) and counts["d:0:0:112:RUSGOV:USAGOV"] == (1, 1, 1)


def test_events_aggregate_command(tmp_path, capsys):
    db = tmp_path / "c.duckdb"
    con = connect(db)
    write_batch(con, [stored("a", [mention("a")], "https://x.example/a", "2024-03-04"),
                      stored("b", [mention("b")], "https://y.example/b", "2024-03-04")])  # fmt: skip
    con.close()
    capsys.readouterr()
    assert main(["events", "--db", str(db), "--aggregate", "--format", "jsonl"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["num_sources"] == 2
    assert main(["events", "--db", str(db), "--aggregate"]) == 0
    assert "num_articles" in capsys.readouterr().out
    assert main(["events", "--db", str(db), "--aggregate", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split(",")[-1] == "a b"


def test_outlet_of():
    assert outlet_of("https://www.reuters.com/world/x", "f.jsonl#3") == "reuters.com"
    assert outlet_of(None, "feeds/wire.jsonl#12") == "feeds/wire.jsonl"
    assert outlet_of("", "a/b.txt") == "a/b.txt"


def test_older_store_gains_link_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    connect(path).close()
    with duckdb.connect(str(path)) as con:  # made a store of schema 1, before the link stage
        con.execute("ALTER TABLE documents DROP COLUMN duplicate_of")
        con.execute("ALTER TABLE documents DROP COLUMN duplicate_score")
        con.execute("DROP TABLE link_signatures")
        con.execute("DROP TABLE link_bands")
        con.execute("INSERT INTO documents (id, source, kind, text) VALUES ('old', 'o.txt', 'text', 'x')")
    con = connect(path, read_only=True)  # read-only: not migrated, and aggregation still answers
    assert aggregated(con) == []
    con.close()
    con = connect(path)
    write_batch(con, [stored("new", [mention("new")], None, "2024-03-04")])
    assert con.execute("SELECT count(*) FROM documents WHERE duplicate_of IS NULL").fetchall() == [(2,)]
    StoreIndex(con)  # documents stored before the link stage have no signatures: they are simply not matched
    assert con.execute("SELECT count(*) FROM link_signatures").fetchall() == [(0,)]


def test_gdelt_export_carries_the_aggregated_counts(tmp_path):
    import csv

    from polybius.export import export

    con = connect(tmp_path / "g.duckdb")
    write_batch(
        con,
        [
            stored("a", [mention("a")], "https://wire.example/a", "2024-03-04"),
            stored("b", [mention("b", 0), mention("b", 1)], "https://paper.example/b", "2024-03-05"),
            stored("c", [], "https://daily.example/c", "2024-03-06", "By staff. " + SENTENCE, duplicate_of="a"),
            stored("d", [mention("d", cameo="112")], None, "2024-03-05"),
        ],
    )
    export(con, "gdelt", tmp_path / "e.tsv")
    from polybius.gdelt import GDELT_COLUMNS

    rows = csv.reader((tmp_path / "e.tsv").open(), delimiter="\t")  # no header, as GDELT's files
    table = [dict(zip(GDELT_COLUMNS, r, strict=True)) for r in rows]
    counts = {(r["EventCode"], r["NumMentions"], r["NumSources"], r["NumArticles"]) for r in table}
    assert counts == {("111", "4", "3", "3"), ("112", "1", "1", "1")}


def test_minhash_is_datasketchs_affine32_value_for_value():
    """Signatures are stored and compared across runs and versions: the numpy MinHash must give exactly what
    datasketch 2's MinHash (scheme "affine32", the same seed) gives, for small and large sets."""
    import random

    from datasketch import MinHash

    rnd = random.Random(11)
    vocabulary = [f"w{i}" for i in range(300)] + ["é", "naïve", "北京", ""]
    for size in (1, 2, 5, 40, 700):
        shingles = {" ".join(rnd.choices(vocabulary, k=3)).encode("utf-8") for _ in range(size)}
        reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
        reference.update_batch(shingles)
        ours = minhash(shingles)
        assert ours.dtype == np.uint32 and ours.shape == (NUM_PERM,)
        assert np.array_equal(ours, reference.hashvalues)
    text = "Rescue teams reached the flooded villages on Tuesday after the river burst its banks overnight."
    assert signature(text).minhash is not None and np.array_equal(signature(text).minhash, signature(text).minhash)


def test_a_copy_is_found_among_stored_documents_that_share_boilerplate_with_a_bound_on_candidates(tmp_path):
    rng = np.random.default_rng(5)
    vocab = [f"w{i}" for i in range(3000)]
    unique = [" ".join(rng.choice(vocab, 160)) for _ in range(12)]
    texts = [f"{WIRE}\n\n{u}" for u in unique]  # the same long boilerplate, each with a text of its own
    con = connect(tmp_path / "s.duckdb")
    con.execute("INSERT INTO documents (id) SELECT unnest(?)", [[f"d{i}" for i in range(12)]])
    index = StoreIndex(con)
    assert index.check([(f"d{i}", t) for i, t in enumerate(texts)]) == [None] * 12  # related, not copies
    index.max_candidates = 3  # fewer than the stored documents the boilerplate makes candidates
    copy = texts[7].replace("Fishermen", "Fisherman", 1) + " w1 w2"
    (match,) = index.check([("copy", copy)])
    assert match is not None and match.doc_id == "d7"
