"""`polybius events` streams, filters by --limit/--min-confidence/--country/--doc, and ends quietly on a closed pipe."""

import json
import subprocess
import sys
from dataclasses import replace

import pytest
from test_store import RUS, USA, event, result

from polybius.cli import EXIT_STOPPED, main
from polybius.models import Location
from polybius.store import connect, write_batch

MADRID = Location("Madrid", "ESP", 40.4, -3.7, "city")


@pytest.fixture
def big_store(tmp_path):
    path = tmp_path / "big.duckdb"
    con = connect(path)
    docs = []
    for d in range(400):
        evs = [
            replace(event(f"d{d}", i, RUS, USA, loc=MADRID if i % 2 else None), confidence=0.5 + (i % 5) / 10)
            for i in range(10)
        ]
        docs.append(result(f"d{d}", evs))
    write_batch(con, docs)
    con.close()
    return path


def test_filters(big_store, capsys):
    def records(*argv):
        assert main(["events", "--db", str(big_store), "--format", "jsonl", *argv]) == 0
        return [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]

    assert len(records("--limit", "7")) == 7
    assert {r["doc_id"] for r in records("--doc", "d17")} == {"d17"} and len(records("--doc", "d17")) == 10
    located = records("--country", "esp", "--doc", "d3")
    assert len(located) == 5 and all(r["location"]["country"] == "ESP" for r in located)
    assert all(r["confidence"] >= 0.8 for r in records("--min-confidence", "0.8", "--doc", "d5"))
    assert len(records("--min-confidence", "0.8", "--doc", "d5")) == 4
    assert main(["events", "--db", str(big_store), "--doc", "d9", "--limit", "3"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["date", "source_code", "cameo", "target_code", "confidence", "evidence_text"]
    assert len(table) == 4


def test_broken_pipe_ends_quietly(big_store):
    proc = subprocess.Popen(
        [sys.executable, "-m", "polybius", "events", "--db", str(big_store), "--format", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    _, err = proc.communicate(timeout=120)
    assert json.loads(first)["doc_id"]
    assert proc.returncode == EXIT_STOPPED and err.decode().strip() == ""  # no traceback, no message
