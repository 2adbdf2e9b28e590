"""Hostile and unusual inputs (issue 11 part 5): each ends as a document or a one-line error."""

from __future__ import annotations

import json
import os

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polybius.clean import CleanError, clean, extract_html
from polybius.cli import EXIT_USAGE, main
from polybius.ingest.readers import MAX_ID_CHARS, read_bytes, read_paths
from polybius.models import DocumentError, RawDocument

TEXT = "Russia accused Ukraine of shelling the town of Donetsk on Monday, officials said in a statement.\n"


def only(items):
    (item,) = list(items)
    return item


def test_utf16_and_utf32_with_a_bom_are_decoded():
    for encoding in ("utf-16", "utf-16-be", "utf-32", "utf-8-sig"):
        data = TEXT.encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data
        doc = only(read_bytes(data, "x.txt"))
        assert isinstance(doc, RawDocument), (encoding, doc)
        assert doc.content.lstrip("\ufeff") == TEXT


def test_legacy_encoding_is_detected_and_binary_stays_binary():
    russian = ("Министр иностранных дел России заявил в понедельник, что переговоры продолжатся. " * 5).encode("cp1251")
    doc = only(read_bytes(russian, "ru.txt"))
    assert isinstance(doc, RawDocument) and "Министр" in doc.content
    err = only(read_bytes(bytes(range(256)) * 8, "b.txt"))
    assert isinstance(err, DocumentError) and "binary" in err.reason


def test_nul_anywhere_is_refused():
    err = only(read_bytes(TEXT.encode() * 200 + b"\x00" + TEXT.encode(), "late.txt"))
    assert isinstance(err, DocumentError) and "NUL" in err.reason
    line = json.dumps({"id": "n", "text": "Russia praised China.\u0000"}).encode()
    err = only(read_bytes(line, "n.jsonl"))
    assert isinstance(err, DocumentError) and "NUL" in err.reason


def test_deeply_nested_html_keeps_its_text():
    html = "<html><body>" + "<div>" * 300 + f"<p>{TEXT}</p><script>var x = 1;</script>" + "</div>" * 300
    text, _, _ = extract_html(html + "</body></html>", None)
    assert text.strip() == TEXT.strip()
    assert "var x" not in clean(RawDocument("d", "html", html, "d.html")).text


def test_ids_are_bounded():
    long_id = json.dumps({"id": "x" * 1_000_000, "text": TEXT}).encode()
    err = only(read_bytes(long_id, "big.jsonl"))
    assert isinstance(err, DocumentError) and f"limit {MAX_ID_CHARS}" in err.reason and len(str(err)) < 200
    ok = only(read_bytes(json.dumps({"id": "x" * MAX_ID_CHARS, "text": TEXT}).encode(), "ok.jsonl"))
    assert isinstance(ok, RawDocument)


def test_symlink_loops_are_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    os.symlink(folder / "loop.txt", folder / "loop.txt")
    os.symlink(folder / "missing.txt", folder / "dangling.txt")
    items = list(read_paths([str(folder), str(folder / "loop.txt")]))
    errors = [i for i in items if isinstance(i, DocumentError)]
    assert sum("symbolic link loop" in e.reason for e in errors) == 2
    assert any("broken symbolic link" in e.reason for e in errors)
    assert sum(isinstance(i, RawDocument) for i in items) == 1


def test_errors_are_keyed_by_the_resolved_source(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad.txt").write_bytes(b"\x00\x01" * 50)
    (folder / "good.txt").write_text(TEXT)
    db = str(tmp_path / "s.duckdb")
    monkeypatch.chdir(tmp_path)
    main(["ingest", "in", "--db", db, "-q"])
    main(["ingest", str(folder), "--db", db, "-q"])
    capsys.readouterr()
    con = duckdb.connect(db, read_only=True)
    (n,) = con.execute("SELECT count(*) FROM errors").fetchone()
    con.close()
    assert n == 1


def test_a_bad_model_creates_no_store(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text(TEXT)
    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(f), "--db", str(db), "--model", "xx_no_such_model"]) == EXIT_USAGE
    assert "not installed" in capsys.readouterr().err and not db.exists()


# -- fuzzing (part 9): bounded examples, every input ends as a document or a one-line error -----------------
FUZZ = settings(max_examples=40, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def one_line_errors(items) -> None:
    for item in items:
        if isinstance(item, DocumentError):
            assert "\n" not in str(item) and len(str(item)) < 2000
        else:
            assert isinstance(item, RawDocument)
            assert "\x00" not in item.content
            try:
                doc = clean(item)
            except CleanError as exc:
                assert "\n" not in str(exc)
                continue
            assert "\x00" not in doc.text


@FUZZ
@given(st.binary(max_size=4000))
def test_fuzz_random_bytes(data):
    one_line_errors(read_bytes(data, "fuzz.bin"))


@FUZZ
@given(st.text(max_size=2000))
def test_fuzz_random_unicode(text):
    one_line_errors(read_bytes(text.encode("utf-8", errors="surrogatepass"), "fuzz.txt"))


TAGS = st.sampled_from(["div", "p", "span", "article", "section", "b", "script", "style", "table", "td", "li"])


@st.composite
def nested_html(draw):
    depth = draw(st.integers(min_value=0, max_value=400))
    tags = [draw(TAGS) for _ in range(min(depth, 20))] or ["div"]
    opened = [tags[i % len(tags)] for i in range(depth)]
    words = draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
    closing = draw(st.booleans())
    return (
        "<html><body>"
        + "".join(f"<{t}>" for t in opened)
        + f"<p>{TEXT} {words}</p>"
        + ("".join(f"</{t}>" for t in reversed(opened)) if closing else "")
    )


@FUZZ
@given(nested_html())
def test_fuzz_nested_html(html):
    one_line_errors(read_bytes(html.encode("utf-8", errors="surrogatepass"), "fuzz.html", "html"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=200),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={"id": JSON_VALUES, "text": JSON_VALUES, "html": JSON_VALUES, "date": JSON_VALUES,
                      "title": JSON_VALUES},  # fmt: skip
        )
        | JSON_VALUES,
        max_size=5,
    )
)
def test_fuzz_json_lines(records):
    data = "\n".join(json.dumps(r) for r in records).encode()
    one_line_errors(read_bytes(data, "fuzz.jsonl", "jsonl"))


WORDS = st.sampled_from(
    "Russia Ukraine police troops attacked praised met said the of in on Monday . , ; \n \n\n - ( ) \" "
    "killed signed accused officials President Putin Kyiv 2023 ÿ 中国 ﷽ \u200b".split(" ")
)


@settings(max_examples=15, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS | st.text(max_size=12), min_size=3, max_size=400))
def test_fuzz_code_random_word_salad(coder, words):
    """ingest -> clean -> code on random text: events with offsets into the text, or a one-line error."""
    from dataclasses import replace

    from polybius.pipeline import run

    raw = RawDocument("fuzz", "text", " ".join(words), "fuzz.txt")
    (result,) = list(run([raw], replace(coder.options, dedup=False), coder=coder))
    if isinstance(result, DocumentError):
        assert "\n" not in str(result)
        return
    text = result.document.text
    for ev in result.events:
        assert text[ev.evidence_start : ev.evidence_end] == ev.evidence_text
