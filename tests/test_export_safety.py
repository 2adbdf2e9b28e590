"""`polybius export` never destroys the store or an existing file, and never leaves half a file."""

import os

import pytest
from test_store import RUS, USA, event, result

from polybius import export as export_module
from polybius.cli import main
from polybius.export import ExportError, export
from polybius.store import connect, write_batch


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "news.duckdb"
    con = connect(path)
    write_batch(con, [result("a", [event("a", 0, RUS, USA)])])
    con.close()
    return path


def store_is_intact(path):
    con = connect(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    finally:
        con.close()


@pytest.mark.parametrize("form", ["relative", "absolute", "symlink", "dotted"])
def test_refuses_to_write_onto_the_store(store, tmp_path, monkeypatch, capsys, form):
    monkeypatch.chdir(tmp_path)
    link = tmp_path / "link.csv"
    link.symlink_to(store)
    out = {
        "relative": "news.duckdb",
        "absolute": str(store),
        "symlink": str(link),
        "dotted": f"./sub/../{store.name}",
    }[form]
    (tmp_path / "sub").mkdir()
    rc = main(["export", "--db", "news.duckdb", "--format", "csv", out, "--force"])
    err = capsys.readouterr().err
    assert rc != 0 and "onto the store" in err and len(err.strip().splitlines()) == 1
    assert store_is_intact(store)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_refuses_to_overwrite_without_force(store, tmp_path, capsys):
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    rc = main(["export", "--db", str(store), "--format", "csv", str(out)])
    err = capsys.readouterr().err
    assert rc != 0 and "--force" in err and out.read_text() == "precious\n"
    rc = main(["export", "--db", str(store), "--format", "csv", str(out), "--force"])
    assert rc == 0 and out.read_text().startswith("event_id,")


def test_refuses_a_folder(store, tmp_path):
    con = connect(store, read_only=True)
    with pytest.raises(ExportError, match="folder"):
        export(con, "jsonl", tmp_path, force=True)
    con.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "gdelt", "parquet"])
def test_failed_export_leaves_no_file(store, tmp_path, monkeypatch, fmt):
    out = tmp_path / f"out.{fmt}"
    real = export_module._write

    def half_then_fail(con, fmt, path, f, *rest):
        real(con, fmt, path, f, *rest)  # the temporary file is complete ...
        assert path.exists() and path.parent == out.parent and path != out
        raise OSError(28, "No space left on device")  # ... and then the disk fills up

    monkeypatch.setattr(export_module, "_write", half_then_fail)
    con = connect(store, read_only=True)
    with pytest.raises(OSError, match="No space left"):
        export(con, fmt, out)
    con.close()
    assert sorted(os.listdir(tmp_path)) == ["news.duckdb"]


def test_failed_export_keeps_the_old_file(store, tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")

    def fail(con, fmt, path, f, *rest):
        path.write_text("half a li")
        raise RuntimeError("boom")

    monkeypatch.setattr(export_module, "_write", fail)
    con = connect(store, read_only=True)
    with pytest.raises(RuntimeError):
        export(con, "jsonl", out, force=True)
    con.close()
    assert out.read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["news.duckdb", "out.jsonl"]
