"""Tests for the CAMEO/PLOVER ontology tables and their loader."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from polybius.events.ontology import (
    CAMEO_FILE,
    PLOVER_FILE,
    CameoCode,
    Ontology,
    default_data_dir,
    default_ontology,
    load_ontology,
    quad_class_of_root,
)

N_CAMEO_CODES = 315  # CAMEO 0.7b5: 20 roots, 147 three-digit and 148 four-digit codes
PLOVER_TYPES = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}  # fmt: skip
ROOTS = [f"{i:02d}" for i in range(1, 21)]


@pytest.fixture(scope="module")
def onto() -> Ontology:
    return default_ontology()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in (CAMEO_FILE, PLOVER_FILE):
        shutil.copy(default_data_dir() / name, tmp_path / name)
    return tmp_path


def _rewrite_cameo(data_dir: Path, code: str, column: str, value: str) -> int:
    """Set one cell of cameo.tsv in `data_dir`; returns the 1-based line number edited."""
    path = data_dir / CAMEO_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for i, line in enumerate(lines):
        fields = line.split("\t")
        if fields[0] == code:
            fields[header.index(column)] = value
            lines[i] = "\t".join(fields)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return i + 1
    raise AssertionError(f"{code} not in table")


# --- the shipped tables -----------------------------------------------------------------------------------


def test_code_count_and_roots(onto: Ontology) -> None:
    assert len(onto.cameo) == N_CAMEO_CODES
    assert [c for c in onto.cameo if len(c) == 2] == ROOTS
    assert sum(len(c) == 3 for c in onto.cameo) == 147
    assert sum(len(c) == 4 for c in onto.cameo) == 148


def test_table_is_in_code_order_with_exact_header() -> None:
    lines = (default_data_dir() / CAMEO_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code\tlabel\tgoldstein\tquad_class\tplover_type\tplover_mode\tplover_context"
    codes = [line.split("\t")[0] for line in lines[1:]]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes)) == N_CAMEO_CODES


def test_every_code_is_well_formed(onto: Ontology) -> None:
    for code, entry in onto.cameo.items():
        assert entry.code == code
        assert entry.root == code[:2] and entry.root in ROOTS
        assert entry.label and entry.label == entry.label.strip()
        assert -10.0 <= entry.goldstein <= 10.0
        assert entry.quad_class == quad_class_of_root(entry.root)
        parent = onto.parent(code)
        assert parent is None or parent in onto.cameo


@pytest.mark.parametrize(
    ("code", "label", "goldstein", "quad"),
    [
        ("190", "Use conventional military force", -10.0, 4),
        ("051", "Praise or endorse", 3.4, 1),
        ("0871", "Declare truce, ceasefire", 9.0, 2),
        ("042", "Make a visit", 1.9, 1),
        ("173", "Arrest, detain, or charge with legal action", -5.0, 4),
        ("145", "Protest violently, riot", -7.5, 4),
        ("010", "Make statement", 0.0, 1),
        ("018", "Make empathetic comment", 3.4, 1),
        ("112", "Accuse", -2.0, 3),
        ("0874", "Retreat or surrender militarily", 10.0, 2),
        ("2042", "Detonate nuclear weapons", -10.0, 4),
    ],
)
def test_spot_checks_cameo(onto: Ontology, code: str, label: str, goldstein: float, quad: int) -> None:
    entry = onto.code(code)
    assert (entry.label, entry.goldstein, entry.quad_class) == (label, goldstein, quad)


@pytest.mark.parametrize(
    ("code", "ptype", "mode", "context"),
    [
        ("042", "CONSULT", "visit", ""),
        ("044", "CONSULT", "third_party", ""),
        ("173", "COERCE", "arrest", "legal"),
        ("145", "PROTEST", "riot", ""),
        ("1453", "PROTEST", "riot", "rights_freedoms"),
        # the manual's CONCEDE: declared (not implemented) ceasefires, lifted curfews, promised concessions,
        # regret; the 2021 table's RETREAT / AGREE / SUPPORT are overridden
        ("0871", "CONCEDE", "", "military"),
        ("0813", "CONCEDE", "", "legal"),
        ("0356", "CONCEDE", "", "military"),
        ("055", "CONCEDE", "", "diplomatic"),
        ("0841", "RETREAT", "release", "legal"),
        ("0874", "RETREAT", "disarm", "military"),
        # convictions are SANCTION `convict` in the manual (the table's ACCUSE is overridden)
        ("116", "SANCTION", "convict", "legal"),
        ("0811", "CONCEDE", "", "pro_democracy"),
        ("091", "ACCUSE", "investigate", "crime;corruption"),
        ("1724", "COERCE", "martial_law", "pro_autocracy"),
        ("186", "ASSAULT", "targeted", ""),
        ("1712", "ASSAULT", "destroy", "human_security"),
        ("204", "ASSAULT", "unconventional", "cbrn"),
        ("010", "", "", ""),  # PLOVER dropped CAMEO 01 (statements)
        # appeals (02) are requests in PLOVER's own definition ("all requests, demands, and orders")
        ("0254", "REQUEST", "yield", "economic"),
        # sanctions are SANCTION in the manual (the 2021 table's COERCE is overridden)
        ("163", "SANCTION", "discontinue", "economic"),
    ],
)
def test_spot_checks_plover_mapping(onto: Ontology, code: str, ptype: str, mode: str, context: str) -> None:
    entry = onto.code(code)
    assert (entry.plover_type, entry.plover_mode, entry.plover_context) == (ptype, mode, context)


def test_filled_in_values_come_from_parent(onto: Ontology) -> None:
    # Goldstein table lacks 1213, 1214, 1951, 1952; the mapping lacks 1951, 1952.
    for code in ("1213", "1214", "1951", "1952"):
        assert onto.code(code).goldstein == onto.code(code[:3]).goldstein
    for code in ("1951", "1952"):
        child, parent = onto.code(code), onto.code(code[:3])
        assert (child.plover_type, child.plover_mode, child.plover_context) == (
            parent.plover_type,
            parent.plover_mode,
            parent.plover_context,
        )


def test_root_plover_type_is_majority_of_descendants(onto: Ontology) -> None:
    assert onto.code("01").plover_type == ""
    assert onto.code("02").plover_type == "REQUEST"
    assert onto.code("08").plover_type == "CONCEDE"  # 080-083, 0813, 0814, 0871 CONCEDE; 084-087 RETREAT
    assert onto.code("19").plover_type == "ASSAULT"  # 191, 192 are COERCE
    assert onto.code("16").plover_type == "SANCTION"  # 163 is COERCE
    for root in ROOTS[2:]:
        types = [onto.code(c).plover_type for c in onto.descendants(root)]
        assert types.count(onto.code(root).plover_type) > len(types) / 2


def test_multiple_contexts_split(onto: Ontology) -> None:
    assert onto.code("094").plover_contexts == ("military", "legal")
    assert onto.code("042").plover_contexts == ()


# --- PLOVER ----------------------------------------------------------------------------------------------


def test_plover_has_the_16_types(onto: Ontology) -> None:
    assert set(onto.plover) == PLOVER_TYPES
    for name, ptype in onto.plover.items():
        assert ptype.name == name
        assert ptype.definition
        assert all(mode == mode.lower() and "-" not in mode for mode in ptype.modes)


def test_plover_quad_and_recipient(onto: Ontology) -> None:
    quads = {name: t.quad_class for name, t in onto.plover.items()}
    assert [n for n, q in quads.items() if q == 1] == ["AGREE", "CONSULT", "SUPPORT", "CONCEDE"]
    assert [n for n, q in quads.items() if q == 2] == ["COOPERATE", "AID", "RETREAT"]
    assert [n for n, q in quads.items() if q == 3] == ["REQUEST", "ACCUSE", "REJECT", "THREATEN"]
    assert [n for n, q in quads.items() if q == 4] == ["PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]
    assert {n for n, t in onto.plover.items() if t.requires_recipient} == {"COOPERATE", "AID", "SANCTION"}


def test_plover_modes_spot_checks(onto: Ontology) -> None:
    assert set(onto.plover["CONSULT"].modes) == {"visit", "third_party", "multilateral", "phone"}
    shared = {"assist", "change", "yield", "meet"}
    assert set(onto.plover["REQUEST"].modes) == set(onto.plover["REJECT"].modes) == shared
    assert onto.plover["AGREE"].modes == {}
    assert "martial_law" in onto.plover["COERCE"].modes
    assert "heavy_weapons" in onto.plover["ASSAULT"].modes


def test_contexts(onto: Ontology) -> None:
    assert len(onto.contexts) == 37
    for name in ("military", "diplomatic", "pro_autocracy", "human_security", "cbrn", "illegal_drugs"):
        assert onto.contexts[name]


def test_every_type_mode_context_in_cameo_tsv_exists_in_plover_yaml(onto: Ontology) -> None:
    used_types = {c.plover_type for c in onto.cameo.values()} - {""}
    assert used_types == PLOVER_TYPES
    for entry in onto.cameo.values():
        if entry.plover_mode:
            assert entry.plover_mode in onto.plover[entry.plover_type].modes, entry.code
        for ctx in entry.plover_contexts:
            assert ctx in onto.contexts, entry.code


# --- navigation API ---------------------------------------------------------------------------------------


def test_root_parent_children(onto: Ontology) -> None:
    assert onto.root("0421") == "04"
    assert onto.root("0871") == "08"
    assert onto.parent("0421") == "042"
    assert onto.parent("042") == "04"
    assert onto.parent("04") is None
    assert onto.children("04") == ["040", "041", "042", "043", "044", "045", "046"]
    assert onto.children("195") == ["1951", "1952"]
    assert onto.children("042") == []
    assert onto.descendants("20") == ["200", "201", "202", "203", "204", "2041", "2042"]
    with pytest.raises(ValueError):
        onto.root("4")


def test_unknown_codes(onto: Ontology) -> None:
    for bad in ("42", "21", "0", "0421", "999", ""):
        assert not onto.is_valid(bad)
        with pytest.raises(KeyError, match="unknown CAMEO event code"):
            onto.code(bad)
    with pytest.raises(KeyError):
        onto.children("0421")
    assert onto.is_valid("042") and onto.is_valid("20")
    assert isinstance(onto.code("042"), CameoCode)


def test_codes_for_plover(onto: Ontology) -> None:
    assert onto.codes_for_plover("MOBILIZE") == ["15", "150", "151", "152", "153", "154"]


def test_immutable_and_cached(onto: Ontology) -> None:
    assert default_ontology() is onto
    with pytest.raises(TypeError):
        onto.cameo["999"] = onto.code("042")  # type: ignore[index]
    with pytest.raises(TypeError):
        onto.plover["CONSULT"].modes["new"] = "x"
    copy = pickle.loads(pickle.dumps(onto))
    assert copy.cameo == onto.cameo and copy.children("19") == onto.children("19")


# --- validation -------------------------------------------------------------------------------------------


def test_load_from_copy(data_copy: Path) -> None:
    assert load_ontology(data_copy).cameo == default_ontology().cameo


@pytest.mark.parametrize(
    ("code", "column", "value", "message"),
    [
        ("042", "plover_type", "MEET", "unknown PLOVER type 'MEET'"),
        ("042", "plover_mode", "lunch", "mode 'lunch' is not a mode of PLOVER type CONSULT"),
        ("042", "plover_context", "sports", "unknown PLOVER context 'sports'"),
        ("042", "quad_class", "5", "quad_class '5' must be 1, 2, 3 or 4"),
        ("042", "quad_class", "3", "disagrees with root 04"),
        ("042", "goldstein", "high", "goldstein 'high' is not a number"),
        ("042", "goldstein", "11", "outside -10..10"),
        ("042", "code", "2142", "no valid root"),
        ("042", "code", "4x", "bad code"),
        ("042", "label", "", "empty label"),
    ],
)
def test_bad_row_names_file_and_line(
    data_copy: Path, code: str, column: str, value: str, message: str
) -> None:
    lineno = _rewrite_cameo(data_copy, code, column, value)
    with pytest.raises(ValueError, match=message) as info:
        load_ontology(data_copy)
    assert f"{data_copy / CAMEO_FILE}:{lineno}:" in str(info.value)


def test_short_row_and_orphan_and_duplicate(data_copy: Path) -> None:
    path = data_copy / CAMEO_FILE
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "0999\tOrphan code\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{CAMEO_FILE}:{N_CAMEO_CODES + 2}: expected 7"):
        load_ontology(data_copy)
    path.write_text(original + "0999\tOrphan\t0.0\t3\t\t\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{CAMEO_FILE}:{N_CAMEO_CODES + 2}: .*parent '099'"):
        load_ontology(data_copy)
    path.write_text(original + "2042\tAgain\t-10.0\t4\tASSAULT\t\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{CAMEO_FILE}:{N_CAMEO_CODES + 2}: duplicate code '2042'"):
        load_ontology(data_copy)


def test_missing_root_and_bad_header(data_copy: Path) -> None:
    path = data_copy / CAMEO_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.split("\t")[0].startswith("20")]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing root codes: 20"):
        load_ontology(data_copy)
    path.write_text("code,label\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{CAMEO_FILE}:1: header"):
        load_ontology(data_copy)


def test_bad_plover_yaml(data_copy: Path) -> None:
    path = data_copy / PLOVER_FILE
    text = path.read_text(encoding="utf-8")
    broken = text.replace("  AGREE:\n    quad_class: 1", "  AGREE:\n    quad_class: 7")
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match=r"plover\.yaml: type 'AGREE': quad_class must be 1-4"):
        load_ontology(data_copy)
    path.write_text("types: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid YAML"):
        load_ontology(data_copy)
