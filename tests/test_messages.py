"""What the command line says while it works (issue 14 part 6): a description for every command, only the
options that apply, progress bars with a total, warnings apart from per-document errors."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from polybius.cli import build_parser, main
from polybius.ingest.readers import count_documents
from polybius.library import Coder

ODD_AGENTS = "GOOD [~GOV]\nNO_CODE_HERE\nNO_TILDE [GOV]\n"  # lines 2 and 3 are irregular: two warnings
TEXTS = [
    {"id": "d1", "text": "Norway praised Chile for the new fisheries accord on Monday.", "date": "2021-03-01"},
    {"id": "d2", "text": "", "date": "2021-03-01"},  # fails: an error line, whatever the warnings
    {"id": "d3", "text": "Kenyan police arrested dozens of protesters in Nairobi.", "date": "2021-03-02"},
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def subcommands(parser: argparse.ArgumentParser, prefix: str = "polybius"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", helps.get(name), sub
                yield from subcommands(sub, f"{prefix} {name}")


def test_every_command_has_a_help_line_and_a_description():
    found = list(subcommands(build_parser()))
    assert {"polybius summary", "polybius actor", "polybius bench petrarch"} <= {n for n, _, _ in found}
    for name, help_line, sub in found:
        assert help_line and len(help_line) > 10, f"{name}: no help line in 'polybius --help'"
        assert sub.description and len(sub.description) > 30, f"{name}: no description in '{name} --help'"


def test_actor_help_lists_only_what_applies_to_a_name(capsys):
    with pytest.raises(SystemExit):
        main(["actor", "--help"])
    text = capsys.readouterr().out
    for option in ("--date", "--model", "--actors", "--dictionaries", "--no-builtin-kb"):
        assert option in text
    for option in ("--workers", "--batch-size", "--input", "--max-chars", "--doc-timeout", "--dup-threshold",
                   "--code-title", "--lexicon", "--progress", "--require-target"):  # fmt: skip
        assert option not in text, option


def test_feeds_and_watch_offer_no_progress_bar(capsys):
    for command in ("watch", "feeds"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--progress" not in capsys.readouterr().out


def setup(tmp_path: Path, name: str) -> tuple[Path, Path]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "odd.agents.txt").write_text(ODD_AGENTS, encoding="utf-8")
    docs = folder / "docs.jsonl"
    docs.write_text("".join(json.dumps(d) + "\n" for d in TEXTS), encoding="utf-8")
    return folder / "odd.agents.txt", docs


def test_dictionary_warnings_grouped_listed_or_silenced_and_errors_always_shown(tmp_path, capsys):
    agents, docs = setup(tmp_path, "grouped")
    rc, _, err = run(capsys, "code", str(docs), "--actors", str(agents))
    assert rc == 1 and "error: " in err and 'empty "text"' in err
    warning_lines = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert warning_lines == [
        "warning: 2 irregular dictionary lines left out or read differently (odd.agents.txt: 2); --verbose lists them"
    ]
    agents, docs = setup(tmp_path, "each")
    rc, _, err = run(capsys, "code", str(docs), "--actors", str(agents), "--verbose")
    assert rc == 1 and "error: " in err
    assert [ln.split(":")[1:3] for ln in err.splitlines() if ln.startswith("warning:")] == [
        [" odd.agents.txt", "2"], [" odd.agents.txt", "3"],
    ]  # fmt: skip
    agents, docs = setup(tmp_path, "silent")
    rc, _, err = run(capsys, "code", str(docs), "--actors", str(agents), "--no-warnings")
    assert rc == 1 and "warning:" not in err
    assert 'error: ' in err and 'empty "text"' in err  # per-document errors are not warnings


def test_progress_bar_with_a_total_when_asked_and_never_with_quiet(tmp_path, capsys):
    _, docs = setup(tmp_path, "bar")
    db = str(tmp_path / "s.duckdb")
    rc, _, err = run(capsys, "ingest", str(docs), "--db", db, "--progress")
    assert rc == 1 and re.search(r"100%\|.*\| 3/3 \[", err), err  # a total, counted before coding
    assert "error: " in err
    rc, _, err = run(capsys, "code", str(docs), "--progress", "--quiet")
    assert rc == 1 and err == ""  # --quiet: no bar, no lines at all
    rc, _, err = run(capsys, "code", str(docs))  # stderr is no terminal here: no bar unless asked
    assert rc == 1 and "3/3" not in err and "%|" not in err
    rc, _, err = run(capsys, "code", str(docs), "--progress")
    assert re.search(r"\| 3/3 \[", err) and "doc/s" in err


def test_count_documents(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "x"}\n{"id": 2, "text": "y"}\n{"id": 3, "text": "z"}')
    (tmp_path / "b.txt").write_text("A text.\n\nAnother paragraph.\n")
    (tmp_path / "c.dat").write_text('{"id": 4, "text": "x"}\n{"id": 5, "text": "y"}\n')  # JSON lines by content
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.html").write_text("<html><body><p>Page.</p></body></html>")
    assert count_documents([str(tmp_path / "a.jsonl")]) == 3
    assert count_documents([str(tmp_path)]) == 3 + 1 + 1  # a folder: known extensions only
    assert count_documents([str(tmp_path / "c.dat")]) == 2
    assert count_documents([str(tmp_path / "c.dat")], "text") == 1
    assert count_documents([str(tmp_path / "b.txt"), "-"]) is None  # standard input: unknown
    assert count_documents([str(tmp_path / "missing.txt")]) == 1  # one error


def test_python_api_progress_bar(coder, capsys):
    api = Coder.from_pipeline(coder)
    texts = [d["text"] for d in TEXTS if d["text"]]
    assert api.code(texts, date="2021-03-01", progress=True)
    assert re.search(r"\| 2/2 \[", capsys.readouterr().err)
    api.code(texts, date="2021-03-01")
    assert capsys.readouterr().err == ""
