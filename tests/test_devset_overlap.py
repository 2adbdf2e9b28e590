"""Development sets measure, they do not teach: no line of the tests and no lexicon example may repeat eight
consecutive words of a development text (ConfliBERT sentences, NGEC stories and headlines).

Words are runs of letters and digits, lower-cased, so tokenisation ("China ’ s" / "China's") and punctuation do
not hide a copy. Our own 8-word shingles (a few tens of thousands) are hashed into a set; the development texts
are then scanned once, looking a window up only when its first word begins one of ours. Skipped when the
development sets are absent (a fresh clone without ../shared)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from splits import dev_texts  # noqa: E402

N = 8
WORD = re.compile(r"[^\W_]+")
LEXICON = ROOT / "src" / "polybius" / "data" / "lexicon"
DEVSETS = [p for p in (ROOT.parent / "shared", Path("/work/shared")) if (p / "devsets").is_dir()]


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def shingles(ws: list[str]) -> Iterator[tuple[int, tuple[str, ...]]]:
    for i in range(len(ws) - N + 1):
        yield i, tuple(ws[i : i + N])


def our_texts() -> Iterator[tuple[str, str]]:
    """(where, text): every test file line by line (a sentence may run over lines: each file's text is also
    read whole), and every lexicon example."""
    for path in sorted((ROOT / "tests").rglob("*")):
        if path.suffix not in (".py", ".yaml", ".txt", ".json", ".jsonl", ".html", ".tsv") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        yield str(path.relative_to(ROOT)), text
    for path in sorted(LEXICON.glob("*.yaml")):
        for n, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or [], 1):
            for ex in (entry.get("example"), *(entry.get("examples") or ())):
                if ex:
                    yield f"{path.relative_to(ROOT)} entry {n}", str(ex)


def find_copies(ours: Iterable[tuple[str, str]], dev: Iterable[str]) -> list[str]:
    index: dict[tuple[str, ...], str] = {}
    for where, text in ours:
        for _, sh in shingles(words(text)):
            index.setdefault(sh, where)
    firsts = {sh[0] for sh in index}
    found: set[tuple[str, str]] = set()
    for text in dev:
        ws = words(text)
        for i in range(len(ws) - N + 1):
            if ws[i] in firsts and (sh := tuple(ws[i : i + N])) in index:
                found.add((index[sh], " ".join(sh)))
    return [f"{where}: '{run}'" for where, run in sorted(found)]


def test_the_check_finds_a_copied_run() -> None:
    dev = ["Rebels in the northern hills burned three villages to the ground on Sunday, officials said."]
    ours = [("copy", "x = 'rebels in the northern hills burned three villages to the ground'"),
            ("own", "Militia fighters set fire to two hamlets near the river.")]  # fmt: skip
    hits = find_copies(ours, dev)
    assert hits and all(h.startswith("copy:") for h in hits)


@pytest.mark.skipif(not DEVSETS, reason="development sets (../shared/devsets) not present")
def test_no_test_line_or_lexicon_example_copies_a_development_text() -> None:
    copies = find_copies(our_texts(), dev_texts(DEVSETS[0]))
    assert not copies, "8-word runs shared with a development text:\n" + "\n".join(copies)
