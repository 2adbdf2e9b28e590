"""The Python API: polybius.code / code_frame / Coder / Store, and the README's Python section as written."""

import json
import re
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import polybius
from polybius.library import Coder, DocumentFailed, DocumentWarning, Store
from polybius.record import FLAT_COLUMNS, validate

ROOT = Path(__file__).resolve().parents[1]
TEXT = (
    "Israeli aircraft struck targets in the Gaza Strip on Sunday after militants fired rockets into "
    "southern Israel, the army said."
)


@pytest.fixture(scope="module")
def lib_coder(coder):
    """A library Coder around the session's pipeline Coder (no second model load). These tests code one-word
    variants of a text as separate documents, so the duplicate check (which would leave the copies out) is off."""
    lib = Coder.from_pipeline(coder)
    lib.options = replace(lib.options, dedup=False)
    return lib


def test_import_is_fast_and_lazy():
    code = "import sys, polybius; print(sorted(m for m in ('spacy', 'pandas', 'duckdb', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert callable(polybius.code) and polybius.Store is Store


def test_code_gives_contract_records(lib_coder):
    records = lib_coder.code([TEXT, {"id": "k", "text": TEXT.replace("Sunday", "Monday")}], date="2009-03-04")
    assert records
    for rec in records:
        validate(rec)
    assert {r["doc_id"] for r in records} >= {"k"}
    assert any(r["source"]["country"] == "ISR" and r["cameo_root"] == "19" and r["date"] == "2009-03-01" for r in records)


def test_code_matches_the_cli(lib_coder, tmp_path, capsys):
    from polybius.cli import main

    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"id": "x", "text": TEXT, "date": "2009-03-04"}) + "\n")
    main(["code", str(f), "--quiet"])
    cli = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    lib = lib_coder.code({"id": "x", "text": TEXT, "date": "2009-03-04"})
    assert lib == cli and lib


def test_bad_documents_warn_raise_or_are_ignored(lib_coder):
    with pytest.warns(DocumentWarning, match="empty"):
        assert lib_coder.code(["", TEXT], date="2009-03-04")
    with pytest.raises(DocumentFailed, match="empty"):
        lib_coder.code(["  "], errors="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lib_coder.code([" ", 42], errors="ignore") == []


def test_code_frame_has_the_csv_columns_and_store_types(lib_coder, tmp_path):
    df = pd.DataFrame(
        {"id": ["a", "b", "c"], "text": [TEXT, TEXT.replace("Israeli", "Egyptian"), None],
         "date": pd.to_datetime(["2009-03-04", "2010-01-05", None])}
    )  # fmt: skip
    with pytest.warns(DocumentWarning):
        frame = lib_coder.code_frame(df)
    assert list(frame.columns) == list(FLAT_COLUMNS)
    assert set(frame["doc_id"]) == {"a", "b"}
    assert str(frame["date"].dtype).startswith("datetime64")
    store = Store(tmp_path / "f.duckdb", coder=lib_coder)
    with pytest.warns(DocumentWarning):
        report = store.ingest(df)
    assert (report.documents, report.failed, report.events) == (2, 1, len(frame))
    stored = store.events()
    assert stored.dtypes.to_dict() == frame.dtypes.to_dict()
    assert stored.drop(columns="confidence").equals(frame.drop(columns="confidence"))


def test_store_ingest_events_summary(lib_coder, tmp_path):
    store = Store(tmp_path / "s.duckdb", coder=lib_coder)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(TEXT)
    report = store.ingest(tmp_path / "in", date="2009-03-04")
    assert report.documents == 1 and report.events >= 1
    again = store.ingest(str(tmp_path / "in"))
    assert again.documents == 0 and again.skipped == 1
    assert store.ingest(["Egypt praised Jordan on Monday for its help with the talks, officials said."], date="2011-02-02").documents == 1
    s = store.summary()
    assert s["documents"] == 2 and s["events"] == len(store.events())
    isr = store.events(source="ISR", since="2009-01-01", until="2009-12-31")
    assert len(isr) >= 1 and set(isr["source_country"]) == {"ISR"}
    assert store.events(source="ISR", since="2010-01-01").empty
    assert all(validate(r) for r in store.records(limit=3))
    with pytest.raises(TypeError, match="unknown filter"):
        store.events(sauce="ISR")


def test_readme_python_section_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README has no ```python block under ## Python"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile("\n".join(blocks), "README.md#python", "exec"), namespace)  # noqa: S102
    events, frame, report = namespace["events"], namespace["frame"], namespace["report"]
    shown = [(e["source"]["code"], e["cameo"], e["target"]["code"], e["date"]) for e in events][:2]
    expected = re.search(r"# (\[\('RUSGOV'.*\])\n", section).group(1)
    assert repr(shown) == expected
    assert len(frame) >= 3 and report.documents == 2 and report.failed == 0
    assert (tmp_path / "notebook.duckdb").exists()
