"""docs/data-dictionary.md lists every column of every export and of every store table."""

import re
from pathlib import Path

from polybius.export import GDELT_COLUMNS
from polybius.record import FLAT_COLUMNS
from polybius.store import connect

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"


def documented() -> dict[str, set[str]]:
    """Section heading (`### table` or `## ...`) -> the backquoted names in its table rows."""
    out: dict[str, set[str]] = {}
    section = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            section = line.strip("# ").split()[0].strip("`")
            out.setdefault(section, set())
        elif line.startswith("| `"):
            out[section].update(re.findall(r"`([A-Za-z0-9_]+)`", line.split("|")[1]))
    return out


def test_every_store_table_and_column_is_documented():
    con = connect(":memory:")
    tables = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    con.close()
    doc = documented()
    flat = doc["CSV"]
    for table, column in tables:
        where = flat if table == "events" else doc.get(table, set())
        assert column in where, f"document {table}.{column} in docs/data-dictionary.md"


def test_every_export_column_is_documented():
    doc = documented()
    assert set(FLAT_COLUMNS) <= doc["CSV"]
    assert set(GDELT_COLUMNS) <= doc["GDELT"], set(GDELT_COLUMNS) - doc["GDELT"]
