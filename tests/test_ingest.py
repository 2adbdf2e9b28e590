import io
import json

from polybius.ingest import discover, read_bytes, read_paths
from polybius.ingest.readers import content_id, decode, sniff_kind
from polybius.models import DocumentError, RawDocument

ARTICLE = "Russia and China signed a trade agreement on Monday, officials in Moscow said.\n"


def docs(items):
    return [i for i in items if isinstance(i, RawDocument)]


def errors(items):
    return [i for i in items if isinstance(i, DocumentError)]


def test_text_file_gets_content_id(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE)
    (doc,) = list(read_paths([str(f)]))
    assert doc.kind == "text" and doc.content == ARTICLE
    assert doc.id == content_id(ARTICLE.encode()) and len(doc.id) == 16


def test_same_content_same_id_different_path(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.txt").write_text(ARTICLE)
    a, b = docs(read_paths([str(tmp_path)]))
    assert a.id == b.id and a.source != b.source


def test_folder_recursive_sorted_known_extensions_only(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "z.html").write_text("<html><body><p>x</p></body></html>")
    (tmp_path / "b.txt").write_text(ARTICLE)
    (tmp_path / "notes.md").write_text("# not news")
    (tmp_path / ".hidden.txt").write_text(ARTICLE)
    found = list(discover([str(tmp_path)]))
    assert [p.split("/")[-1] for p in found] == ["b.txt", "z.html"]


def test_glob_and_missing_paths(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.txt").write_text(ARTICLE + " more")
    found = list(discover([str(tmp_path / "*.txt"), str(tmp_path / "nope.txt"), str(tmp_path / "*.xml")]))
    assert len([p for p in found if isinstance(p, str)]) == 2
    reasons = [e.reason for e in found if isinstance(e, DocumentError)]
    assert reasons == ["no such file or folder", "no file matches this pattern"]


def test_stdin_text_and_jsonl():
    stdin = io.BytesIO(ARTICLE.encode())
    (doc,) = list(read_paths(["-"], stdin=stdin))
    assert doc.source == "<stdin>" and doc.kind == "text"
    lines = "\n".join(json.dumps({"id": f"d{i}", "text": ARTICLE}) for i in range(3))
    got = list(read_paths(["-"], stdin=io.BytesIO(lines.encode())))
    assert [d.id for d in got] == ["d0", "d1", "d2"]


def test_jsonl_fields_and_errors_batch_goes_on():
    lines = [
        json.dumps({"id": 7, "text": ARTICLE, "date": "2009-03-04", "title": "T", "url": "http://x"}),
        '{"id": "broken", "text": ',
        json.dumps({"id": "neither"}),
        json.dumps({"id": "num", "text": 42}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"html": "<html><body><p>Hello there</p></body></html>"}),
        json.dumps({"id": "blank", "text": "   "}),
        json.dumps({"id": "d", "text": ARTICLE, "date": 20090304}),
    ]
    items = list(read_bytes("\n".join(lines).encode(), "feed.jsonl"))
    good = docs(items)
    assert good[0].id == "7" and good[0].date == "2009-03-04" and good[0].url == "http://x"
    assert good[1].kind == "html" and len(good[1].id) == 16
    bad = {e.source: e.reason for e in errors(items)}
    assert "invalid JSON" in bad["feed.jsonl:2"]
    assert 'needs a "text" or "html"' in bad["feed.jsonl:3"]
    assert "must be a string" in bad["feed.jsonl:4"]
    assert "not an object" in bad["feed.jsonl:5"]
    assert "empty" in bad["feed.jsonl:7"]
    assert '"date" must be a string' in bad["feed.jsonl:8"]
    assert len(good) == 2 and len(bad) == 6


def test_empty_binary_and_undecodable_are_errors():
    assert "empty" in errors(read_bytes(b"", "e.txt"))[0].reason
    assert "empty" in errors(read_bytes(b"\n  \n", "w.txt"))[0].reason
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert "binary" in errors(read_bytes(png, "image.txt"))[0].reason
    garbage = bytes((0x80 + (i * 37) % 127) for i in range(2000))
    (err,) = errors(read_bytes(garbage, "u.txt"))
    assert "undecodable" in err.reason and "UTF-8" in err.reason


def test_cp1252_fallback_for_plausible_text():
    data = "The minister said \u201cno\u201d to talks with Bogot\u00e1 officials on Monday.".encode("cp1252")
    text, enc = decode(data)
    assert enc == "cp1252" and "\u201cno\u201d" in text and "Bogot\u00e1" in text


def test_kind_by_extension_then_content():
    html = b"<!DOCTYPE html><html><body><p>Russia said.</p></body></html>"
    assert docs(read_bytes(html, "page.txt"))[0].kind == "html"
    assert docs(read_bytes(b"Plain words here.", "x.html"))[0].kind == "html"
    assert sniff_kind('{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}') == "jsonl"
    assert docs(read_bytes(html, "page.txt", kind="text"))[0].kind == "text"


def test_unreadable_file_is_reported(tmp_path):
    d = tmp_path / "dir.txt"
    d.mkdir()
    items = list(read_paths([str(tmp_path / "missing.txt")]))
    assert "no such file" in items[0].reason
