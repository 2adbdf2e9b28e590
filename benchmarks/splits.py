"""The development sets, split into a tuning part and a check part fixed by a seed.

    python benchmarks/splits.py [--shared ../shared]      # prints the sizes of both parts

Rules are written and confidence is fitted looking at the tuning part only; the check part is kept to measure
whether a change generalizes (issue 12). A unit (a ConfliBERT sentence, an NGEC story) goes to the check part when
the SHA-1 of the seed and its key falls in the last CHECK_SHARE of the hash range: the split depends neither on
file order nor on the Python version. A ConfliBERT sentence's key is its letters and digits alone, lower-cased, so
the class file ("China's") and the CoNLL file ("China ’ s") put one sentence in the same part; an NGEC story's key
is its text (the stories carry no id; no two share a text).

The module also reads the development texts for `tests/test_devset_overlap.py` (`dev_texts`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

SEED = "polybius-issue-12"
CHECK_SHARE = 0.3
TUNE, CHECK = "tune", "check"
PARTS = (TUNE, CHECK)
CLASS_FILE = Path("devsets/conflibert/cameo_class_train.tsv")
NER_FILE = Path("devsets/conflibert/cameo_ner_train.txt")
NGEC_FILE = Path("devsets/ngec_synthetic/synthetic_events.csv")
WORD = re.compile(r"[^\W_]+")


def key(text: str) -> str:
    """What identifies a sentence however it was tokenised: its letters and digits, lower-cased."""
    return "".join(WORD.findall(text.lower()))


def part_of(unit_key: str, seed: str = SEED) -> str:
    digest = hashlib.sha1(f"{seed}\x00{unit_key}".encode()).digest()
    return CHECK if int.from_bytes(digest[:8], "big") / 2**64 >= 1 - CHECK_SHARE else TUNE


def sentence_part(text: str) -> str:
    return part_of(key(text))


def story_part(row: dict[str, str]) -> str:
    return part_of(key(row["text"]))


def read_classes(path: Path) -> list[tuple[str, str]]:
    """(sentence, PentaClass label) rows of the ConfliBERT class file."""
    rows = [
        ln.rstrip("\n").rsplit("\t", 1) for ln in path.read_text(encoding="utf-8").splitlines() if "\t" in ln
    ]
    return [(r[0], r[1].strip()) for r in rows]


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    sentences, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sentences.append(cur)
            cur = []
            continue
        token, _, tag = line.rpartition(" ")
        cur.append((token, tag))
    if cur:
        sentences.append(cur)
    return sentences


def read_ngec(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def dev_texts(shared: Path) -> Iterator[str]:
    """Every development text that may not be copied into the project: ConfliBERT sentences (both files), NGEC
    stories and their headlines. Files that are absent are skipped."""
    if (shared / CLASS_FILE).exists():
        yield from (text for text, _ in read_classes(shared / CLASS_FILE))
    if (shared / NER_FILE).exists():
        yield from (" ".join(tok for tok, _ in s) for s in read_conll(shared / NER_FILE))
    if (shared / NGEC_FILE).exists():
        for row in read_ngec(shared / NGEC_FILE):
            yield row["text"]
            yield row["prompt"]


def default_shared() -> Path:
    return Path(__file__).resolve().parents[2] / "shared"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(default_shared()))
    shared = Path(ap.parse_args().shared)
    print("| set | unit | tuning part | check part |")
    print("|---|---|---|---|")
    if (shared / CLASS_FILE).exists():
        parts = [sentence_part(t) for t, _ in read_classes(shared / CLASS_FILE)]
        print(f"| ConfliBERT classes | sentence | {parts.count(TUNE)} | {parts.count(CHECK)} |")
    if (shared / NER_FILE).exists():
        parts = [sentence_part(" ".join(t for t, _ in s)) for s in read_conll(shared / NER_FILE)]
        print(f"| ConfliBERT spans | sentence | {parts.count(TUNE)} | {parts.count(CHECK)} |")
    if (shared / NGEC_FILE).exists():
        parts = [story_part(r) for r in read_ngec(shared / NGEC_FILE)]
        print(f"| NGEC synthetic | story | {parts.count(TUNE)} | {parts.count(CHECK)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
