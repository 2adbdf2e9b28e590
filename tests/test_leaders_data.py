"""Format and content checks for the people knowledge base (src/polybius/data/leaders.tsv)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

TSV = Path(__file__).parents[1] / "src/polybius/data/leaders.tsv"
HEADER = ["name", "aliases", "code", "country", "sector", "role", "start", "end"]
ROLES = {
    "head_of_state",
    "head_of_government",
    "head_of_state_and_government",
    "foreign_minister",
    "defence_minister",
    "vice_president",
    "secretary_general",
    "monarch",
    "other",
}
CODE_RE = re.compile(r"^[A-Z]{3}[A-Z]{3}")
ISO3_RE = re.compile(r"^[A-Z]{3}$")
FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True)
class Row:
    line_no: int
    name: str
    aliases: tuple[str, ...]
    code: str
    country: str
    sector: str
    role: str
    start: date
    end: date | None

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def _lines() -> list[str]:
    return TSV.read_text(encoding="utf-8").split("\n")


def _data_lines() -> list[tuple[int, str]]:
    lines = _lines()
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return list(enumerate(lines[1:], start=2))


@lru_cache(maxsize=1)
def _rows() -> tuple[Row, ...]:
    rows = []
    for line_no, line in _data_lines():
        name, aliases, code, country, sector, role, start, end = line.split("\t")
        rows.append(
            Row(
                line_no=line_no,
                name=name,
                aliases=tuple(a for a in aliases.split("|") if a),
                code=code,
                country=country,
                sector=sector,
                role=role,
                start=date.fromisoformat(start),
                end=date.fromisoformat(end) if end else None,
            )
        )
    return tuple(rows)


def _holders(name: str, role: str, code: str, day: date) -> list[Row]:
    return [r for r in _rows() if r.name == name and r.role == role and r.code == code and r.active_on(day)]


def test_file_is_utf8_with_exact_header() -> None:
    raw = TSV.read_bytes()
    raw.decode("utf-8")
    assert _lines()[0] == "\t".join(HEADER)


def test_no_blank_lines_comments_or_quotes() -> None:
    for line_no, line in _data_lines():
        assert line.strip(), f"blank line {line_no}"
        assert not line.startswith("#"), f"comment line {line_no}"
        assert '"' not in line, f"quote character on line {line_no}"
        assert "\r" not in line, f"carriage return on line {line_no}"


def test_every_row_has_eight_columns() -> None:
    for line_no, line in _data_lines():
        assert len(line.split("\t")) == 8, f"line {line_no}: {line!r}"


def test_dates_parse_and_are_ordered() -> None:
    date_re = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for line_no, line in _data_lines():
        start, end = line.split("\t")[6:8]
        assert date_re.match(start), f"line {line_no}: start {start!r}"
        assert end == "" or date_re.match(end), f"line {line_no}: end {end!r}"
    for row in _rows():
        assert row.end is None or row.start <= row.end, f"line {row.line_no}: start after end"
        # roles from 1930 on: news still names historic leaders (Gorbachev, Suharto, Thatcher)
        assert row.start >= date(1930, 1, 1), f"line {row.line_no}: starts before 1930"


def test_codes_countries_and_sectors_are_consistent() -> None:
    for row in _rows():
        assert CODE_RE.match(row.code) or row.code.startswith("IGO"), f"line {row.line_no}: {row.code}"
        if row.code.startswith("IGO"):
            assert row.country == "IGO", f"line {row.line_no}"
            assert row.sector == "", f"line {row.line_no}"
        else:
            assert ISO3_RE.match(row.country), f"line {row.line_no}"
            assert row.code[:3] == row.country, f"line {row.line_no}: {row.code} vs {row.country}"
            assert row.sector in {"GOV", "MIL", "LEG"}, f"line {row.line_no}: sector {row.sector!r}"
            assert row.code[3:6] == row.sector, f"line {row.line_no}: {row.code} vs {row.sector}"


def test_roles_are_allowed() -> None:
    for row in _rows():
        assert row.role in ROLES, f"line {row.line_no}: {row.role}"


def test_names_and_aliases_are_clean() -> None:
    aliases_by_name: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for row in _rows():
        assert row.name and row.name == row.name.strip(), f"line {row.line_no}"
        assert row.name not in row.aliases, f"line {row.line_no}: name repeated in aliases"
        assert len(set(row.aliases)) == len(row.aliases), f"line {row.line_no}: duplicate alias"
        for alias in row.aliases:
            assert alias == alias.strip() and alias, f"line {row.line_no}: alias {alias!r}"
        aliases_by_name[row.name].add(row.aliases)
    inconsistent = {n for n, variants in aliases_by_name.items() if len(variants) > 1}
    assert not inconsistent, f"aliases differ between rows of {sorted(inconsistent)[:5]}"


def test_no_duplicate_rows() -> None:
    seen: set[tuple[str, str, str, date]] = set()
    for row in _rows():
        key = (row.name, row.code, row.role, row.start)
        assert key not in seen, f"line {row.line_no}: duplicate {key}"
        seen.add(key)


def test_same_person_and_role_never_overlap() -> None:
    terms: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in _rows():
        terms[(row.name, row.role)].append(row)
    for key, rows in terms.items():
        rows.sort(key=lambda r: r.start)
        for earlier, later in zip(rows, rows[1:], strict=False):
            earlier_end = earlier.end or FAR_FUTURE
            assert earlier_end <= later.start, f"{key}: lines {earlier.line_no} and {later.line_no} overlap"


def test_surname_aliases_do_not_clash_within_a_country() -> None:
    owners: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in _rows():
        for alias in row.aliases:
            owners[(alias, row.country)].append(row)
    for (alias, country), rows in owners.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if a.name == b.name:
                    continue
                a_end, b_end = a.end or FAR_FUTURE, b.end or FAR_FUTURE
                overlap = a.start < b_end and b.start < a_end
                assert not overlap, f"alias {alias!r} ({country}) shared by {a.name} and {b.name}"


def test_coverage_is_broad() -> None:
    rows = _rows()
    assert len(rows) >= 2000
    countries = {r.country for r in rows}
    g20 = "ARG AUS BRA CAN CHN FRA DEU IND IDN ITA JPN KOR MEX RUS SAU ZAF TUR GBR USA".split()
    extra = "ISR IRN UKR SYR IRQ AFG PAK PRK EGY PSE IGO".split()
    assert set(g20 + extra) <= countries
    assert len(countries) >= 150


@pytest.mark.parametrize(
    ("name", "role", "code", "day"),
    [
        ("Vladimir Putin", "head_of_state", "RUSGOV", "2008-03-03"),
        ("Vladimir Putin", "head_of_government", "RUSGOV", "2008-06-01"),
        ("Dmitry Medvedev", "head_of_state", "RUSGOV", "2009-03-03"),
        ("Condoleezza Rice", "foreign_minister", "USAGOV", "2007-10-15"),
        ("Robert Gates", "defence_minister", "USAGOV", "2008-03-17"),
        ("Hillary Clinton", "foreign_minister", "USAGOV", "2009-03-03"),
        ("Barack Obama", "head_of_state_and_government", "USAGOV", "2009-03-03"),
        ("George W. Bush", "head_of_state_and_government", "USAGOV", "2008-03-17"),
        ("Xi Jinping", "head_of_state", "CHNGOV", "2020-01-01"),
        ("Recep Tayyip Erdogan", "head_of_government", "TURGOV", "2010-06-01"),
        ("Angela Merkel", "head_of_government", "DEUGOV", "2015-06-01"),
        ("Ban Ki-moon", "secretary_general", "IGOUNO", "2010-06-01"),
        ("Jens Stoltenberg", "secretary_general", "IGOWSTNAT", "2020-06-01"),
        ("Mohammed bin Salman", "defence_minister", "SAUGOV", "2018-06-01"),
        ("Mikhail Gorbachev", "head_of_state", "SUNGOV", "1991-06-01"),
        ("Boris Yeltsin", "head_of_state", "RUSGOV", "1995-06-01"),
        ("Suharto", "head_of_state_and_government", "IDNGOV", "1990-06-01"),
        ("Slobodan Milošević", "head_of_state", "SRBGOV", "1993-06-01"),
        ("Margaret Thatcher", "head_of_government", "GBRGOV", "1985-06-01"),
        ("Yitzhak Rabin", "head_of_government", "ISRGOV", "1994-06-01"),
        ("Nancy Pelosi", "other", "USALEG", "2008-06-01"),
        ("Mitch McConnell", "other", "USALEG", "2017-06-01"),
        ("Ibrahim Gambari", "other", "IGOUNO", "2007-10-15"),
        ("Staffan de Mistura", "other", "IGOUNO", "2016-02-01"),
        ("Filippo Grandi", "other", "IGOUNOREFHCR", "2020-06-01"),
    ],
)
def test_spot_checks(name: str, role: str, code: str, day: str) -> None:
    assert _holders(name, role, code, date.fromisoformat(day)), f"{name} not {role} {code} on {day}"


def test_putin_is_not_president_during_medvedev_term() -> None:
    assert not _holders("Vladimir Putin", "head_of_state", "RUSGOV", date(2010, 1, 1))


def test_expected_aliases() -> None:
    aliases = {r.name: set(r.aliases) for r in _rows()}
    assert "Putin" in aliases["Vladimir Putin"]
    assert "Medvedev" in aliases["Dmitry Medvedev"]
    assert "Rice" in aliases["Condoleezza Rice"]
    assert "Bush" in aliases["George W. Bush"]
    assert "Clinton" in aliases["Hillary Clinton"] and "Clinton" in aliases["Bill Clinton"]
    assert "Erdoğan" in aliases["Recep Tayyip Erdogan"]
    assert "MBS" in aliases["Mohammed bin Salman"]
