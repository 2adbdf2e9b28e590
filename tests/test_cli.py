"""End to end through the command line: text in, stored events out, queried and exported."""

import io
import json
import sys
from pathlib import Path

import duckdb
import jsonschema
import pytest

from polybius.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schemas" / "event.schema.json").read_text())
ARTICLE = """Russia and America warm to each other

MOSCOW (Reuters) - Russian President Vladimir Putin on Monday praised U.S. President George W. Bush for his letter.

Secretary of State Condoleezza Rice met Putin in Moscow, and the two sides held talks with Chinese officials.

Check Also

Turkey's leader accuses Greece of provocations in the Aegean
"""
HTML = """<!DOCTYPE html><html><head><title>Iran criticizes Iraq</title>
<meta name="date" content="2019-05-02"></head><body><nav>Home | World | Sports</nav>
<article><h1>Iran criticizes Iraq</h1><p>Iran's foreign minister criticized the Iraqi government on Thursday over
the border dispute, officials in Tehran said.</p><p>The Iraqi government rejected the claims and accused Iran of
interfering in its affairs.</p></article><footer>Copyright 2019. All rights reserved.</footer></body></html>"""


def validate(record):
    jsonschema.validate(record, SCHEMA)


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (d / "sub" / "b.html").write_text(HTML, encoding="utf-8")
    (d / "c.jsonl").write_text(
        json.dumps({"id": "j1", "text": "Japan praised South Korea on Tuesday.", "date": "2023-03-14"})
        + "\n{broken json\n"
        + json.dumps({"id": "j3"})
        + "\n",
        encoding="utf-8",
    )
    (d / "d.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    (d / "e.txt").write_bytes(b"")
    return d


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_ingest_query_export(corpus, tmp_path, capsys):
    db = str(tmp_path / "news.duckdb")
    rc, out, err = run(capsys, "ingest", str(corpus), "--db", db)
    assert rc == 1  # some documents failed, the rest were stored
    error_lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(error_lines) == 4, err  # broken JSON line, line without text, binary, empty
    assert any("c.jsonl:2" in ln and "invalid JSON" in ln for ln in error_lines)
    assert any("d.txt" in ln and "binary" in ln for ln in error_lines)
    assert "ingested 3 documents" in err

    con = duckdb.connect(db, read_only=True)
    docs, events = con.execute(
        "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM events)"
    ).fetchone()
    text = con.execute("SELECT text FROM documents WHERE source LIKE '%a.txt'").fetchone()[0]
    con.close()
    assert docs == 3 and events >= 3
    assert "Check Also" not in text and "Greece" not in text

    rc, out, err = run(capsys, "ingest", str(corpus), "--db", db)  # idempotent
    assert rc == 1 and "ingested 0 documents" in err and "3 already stored" in err  # the bad ones fail again

    rc, out, _ = run(capsys, "events", "--db", db, "--format", "jsonl", "--source", "RUS")
    records = [json.loads(ln) for ln in out.splitlines()]
    assert records and all(r["source"]["country"] == "RUS" for r in records)
    for r in records:
        validate(r)
        assert text[r["evidence"]["start"] : r["evidence"]["end"]] == r["evidence"]["text"]
    assert any(r["target"] and r["target"]["code"] == "USAGOV" and r["cameo_root"] == "05" for r in records)

    rc, out, _ = run(capsys, "events", "--db", db, "--since", "2019-01-01", "--cameo", "11")
    assert rc == 0 and "IRNGOV" in out and "RUSGOV" not in out

    rc, out, _ = run(capsys, "events", "--db", db, "--format", "csv", "--target", "IRQ")
    assert out.splitlines()[0].startswith("event_id,doc_id")

    for fmt in ("jsonl", "csv", "parquet", "gdelt"):
        target = tmp_path / f"out.{fmt}"
        rc, _, err = run(capsys, "export", "--db", db, "--format", fmt, str(target))
        assert rc == 0 and target.exists() and target.stat().st_size > 0, fmt
    assert len((tmp_path / "out.gdelt").read_text().splitlines()[0].split("\t")) == 61

    rc, out, _ = run(capsys, "summary", "--db", db)
    assert "3 documents" in out and "4 documents with errors" in out


def test_code_writes_contract_lines(corpus, capsys):
    rc, out, err = run(capsys, "code", str(corpus / "a.txt"), str(corpus / "sub" / "b.html"))
    assert rc == 0
    records = [json.loads(ln) for ln in out.splitlines()]
    assert len(records) >= 3
    for r in records:
        validate(r)
    assert {r["doc_id"] for r in records} and "coded 2 documents" in err
    dyads = {(r["source"]["country"], (r["target"] or {}).get("country"), r["cameo_root"]) for r in records}
    assert ("RUS", "USA", "05") in dyads and ("IRN", "IRQ", "11") in dyads


def test_code_from_stdin_jsonl(monkeypatch, capsys):
    lines = "\n".join(
        json.dumps({"id": f"s{i}", "text": t, "date": "2020-01-0" + str(i + 1)})
        for i, t in enumerate(["France praised Germany.", "Israeli jets bombed Syria.", "not json"])
    ).replace(json.dumps({"id": "s2", "text": "not json", "date": "2020-01-03"}), "{not json")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
    rc, out, err = run(capsys, "code", "-", "--input", "jsonl")
    assert rc == 1  # the invalid line failed
    records = [json.loads(ln) for ln in out.splitlines()]
    assert {r["doc_id"] for r in records} == {"s0", "s1"}
    assert "invalid JSON" in err


def test_workers_give_the_same_events(corpus, capsys):
    paths = [str(corpus / "a.txt"), str(corpus / "sub" / "b.html"), str(corpus / "c.jsonl")]
    _, one, _ = run(capsys, "code", *paths, "--quiet")
    _, two, _ = run(capsys, "code", *paths, "--quiet", "--workers", "2", "--batch-size", "4")
    assert one == two and one


@pytest.mark.parametrize(
    "argv, message",
    [
        (["events", "--since", "yesterday"], "not a date"),
        (["events", "--min-confidence", "3"], "between 0 and 1"),
        (["code", "x.txt", "--workers", "0"], "at least 1"),
        (["export", "--format", "xml", "o.xml"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        (["code", "x.txt", "--input", "pdf"], "invalid choice"),
    ],
)
def test_bad_arguments_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_runtime_errors_are_one_line(tmp_path, capsys):
    rc, _, err = run(capsys, "events", "--db", str(tmp_path / "missing.duckdb"))
    assert rc == 2 and "no store" in err and len(err.strip().splitlines()) == 1
    f = tmp_path / "a.txt"
    f.write_text("Russia praised China.")
    rc, _, err = run(capsys, "code", str(f), "--model", "xx_no_such_model")
    assert rc == 2 and "not installed" in err
    rc, _, err = run(capsys, "code", str(f), "--no-builtin-lexicon")
    assert rc == 2 and "needs at least one --lexicon" in err


def test_help_explains_every_option(capsys):
    for cmd in ("ingest", "code", "events", "export", "summary", "demo"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        out = capsys.readouterr().out
        assert "usage:" in out
        for line in out.splitlines():
            if line.strip().startswith("--") and "  " in line.strip():
                assert len(line.strip().split("  ", 1)[1].strip()) > 3, line


PETRARCH = ROOT.parent / "shared" / "reference" / "petrarch"
needs_petrarch = pytest.mark.skipif(not PETRARCH.exists(), reason="../shared/reference/petrarch is absent")
SAMPLES = ROOT / "src" / "polybius" / "data" / "samples"


@needs_petrarch
def test_phoenix_dictionaries_code_the_samples(capsys):
    rc, out, err = run(
        capsys, "code", str(SAMPLES / "text"), str(SAMPLES / "articles.jsonl"),
        "--dictionaries", str(PETRARCH / "phoenix"),
    )  # fmt: skip
    assert rc == 0 and "coded 21 documents" in err and "0 errors" in err
    records = [json.loads(ln) for ln in out.splitlines()]
    assert len(records) > 50
    for r in records:
        validate(r)
    assert any(r["rule"].startswith("CAMEO.2.0.txt") for r in records)


@needs_petrarch
def test_bench_petrarch_prints_its_tables(capsys, tmp_path):
    rc, out, _ = run(
        capsys, "bench", "petrarch", str(PETRARCH / "PETR.UnitTest.records.xml"),
        "--dictionaries", str(PETRARCH / "validate"), "--inputs", str(tmp_path),
    )  # fmt: skip
    assert rc == 0
    assert "| polybius + PETR.Validate.verbs.txt | 284 |" in out and "| SYNSET |" in out
    commands = [line for line in out.splitlines() if line.startswith("polybius code ")]
    assert len(commands) == 2 and all("--keep-unknown-codes" in c and "--no-builtin-kb" in c for c in commands)
    assert "--require-target" in commands[0] and "--require-target" not in commands[1]


def test_only_imported_actors(tmp_path, capsys):
    (tmp_path / "mine.actors.txt").write_text("FREDONIA_ [FRD]\nSYLVANIA_ [SYL]\n", encoding="utf-8")
    f = tmp_path / "a.txt"
    f.write_text("Fredonia praised Sylvania. Russia praised China.", encoding="utf-8")
    rc, out, _ = run(capsys, "code", str(f), "--dictionaries", str(tmp_path), "--no-builtin-kb")
    codes = [(r["source"]["code"], r["target"]["code"]) for r in map(json.loads, out.splitlines())]
    assert rc == 0 and codes == [("FRD", "SYL")]
    rc, _, err = run(capsys, "code", str(f), "--no-builtin-kb")
    assert rc == 2 and "needs actor dictionaries" in err


def test_actor_explains_a_decision(capsys):
    rc, out, _ = run(capsys, "actor", "Dmitry Medvedev", "--date", "2009-03-03")
    assert rc == 0 and "RUSGOV" in out and "leaders.tsv" in out and "holds at the date" in out
    rc, out, _ = run(capsys, "actor", "Russian troops")
    assert rc == 0 and "RUSMIL" in out and "role noun" in out
    rc, out, _ = run(capsys, "actor", "Xyzzy Quux")
    assert rc == 1 and "no actor" in out


def test_actor_with_an_imported_dictionary(tmp_path, capsys):
    (tmp_path / "mine.actors.txt").write_text("BORIS_VELNAK_\n\t[ZRKGOV 080101-091231]\n", encoding="utf-8")
    rc, out, _ = run(capsys, "actor", "Boris Velnak", "--date", "2009-01-01", "--actors", str(tmp_path))
    assert rc == 0 and "ZRKGOV" in out and "imported dictionary mine.actors.txt" in out


def test_code_title_codes_the_headline_as_sentence_zero(tmp_path, capsys):
    f = tmp_path / "t.jsonl"
    f.write_text(
        json.dumps(
            {"id": "h1", "title": "Japan Criticizes China Over Island Dispute",
             "text": "Officials in Tokyo said talks would go on next week.", "date": "2023-03-14"}
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    rc, out, _ = run(capsys, "code", str(f), "--input", "jsonl", "--code-title", "-q")
    events = [json.loads(line) for line in out.splitlines()]
    assert rc == 0
    headline = [e for e in events if e["sentence_index"] == 0]
    assert [(e["source"]["code"], e["target"]["code"], e["cameo_root"]) for e in headline] == [("JPN", "CHN", "11")]
    (ev,) = headline
    assert ev["sentence"] == "Japan Criticizes China Over Island Dispute"  # as written, not as parsed
    assert ev["evidence"]["text"].startswith("Japan Criticizes China")
    for e in events:
        validate(e)
    rc, out, _ = run(capsys, "code", str(f), "--input", "jsonl", "-q")
    assert all("Criticizes" not in json.loads(line)["sentence"] for line in out.splitlines())
