"""Benchmark: polybius on PETRARCH's own unit-test records, with PETRARCH's validation dictionaries.

    python -m polybius.bench.petrarch PETR.UnitTest.records.xml --dictionaries DIR [--builtin]
    polybius bench petrarch PETR.UnitTest.records.xml --dictionaries DIR [--builtin]

The records file (openeventdata/petrarch2, ``PETR.UnitTest.records.xml``) holds ``<Sentence id date category
sentence>`` records, each with zero or more ``<EventCoding sourcecode targetcode eventcode>`` (the gold events;
``noevents="True"`` marks a record that must code nothing, ``error="..."`` one that PETRARCH must refuse:
a bad dateline, a bad parse, a discarded story or sentence), the ``<Text>`` and PETRARCH's own ``<Parse>``
(ignored here: polybius parses the text itself). ``<Config option="require_dyad">`` records between them switch
PETRARCH's requirement that an event have a target; a ``<Stop>`` record ends the run.

Each record's text (one sentence; its line breaks are only layout) is coded as a document dated with the
record's date. PETRARCH writes actors as composite codes (``ARN``, ``GONGOV``, ``---GOV`` for an agent with no
country, ``---`` for no target); polybius's codes are compared in the same way: (source, target, event code)
triples, per record as sets. Rows:

* polybius + the verb dictionary of DIR (``*.verbs.txt``), its actor, agent and discard dictionaries, codes
  outside CAMEO kept (the validation dictionary is WEIS-coded), no built-in lexicon;
* (``--builtin``) polybius with the built-in lexicon instead of the verb dictionary, same actors;
* PETRARCH2 on the same records with its own parses, as reported (it crashes on 36 records).

Columns: exact (share of records whose predicted set is the gold set; an ``error`` record or one without any
coding expects nothing), micro precision / recall / F1 over triples, root agreement (share of gold triples
whose source and target match a predicted triple with the same two-digit root), false events (predicted
triples on the ``noevents`` records), crashes (records whose coding raised an error; the run goes on).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from polybius.events.petrarch_verbs import dictionary_folder
from polybius.models import Actor, Document, DocumentResult, Event
from polybius.nlp import DEFAULT_MODEL
from polybius.pipeline import Coder, Options

Triple = tuple[str, str, str]
NO_ACTOR = "---"


class RecordsError(ValueError):
    """The records file cannot be read."""


@dataclass(frozen=True)
class Record:
    id: str
    category: str
    date: str | None  # ISO date
    text: str
    gold: frozenset[Triple]
    no_events: bool  # noevents="True": any event is a false event
    error: str | None  # error="...": PETRARCH must not code it
    is_sentence: bool  # the record's sentence="..." attribute
    require_dyad: bool  # PETRARCH's require_dyad in force for this record


@dataclass(frozen=True)
class Row:
    name: str
    records: int
    exact: float
    precision: float
    recall: float
    f1: float
    root: float | None
    false_events: int
    crashes: int


REFERENCE = Row("PETRARCH2 (its own CoreNLP parses; reported)", 284, 91 / 284, 0.54, 0.33, 0.41, None, 0, 36)


# -- records --------------------------------------------------------------------------------------------------
def iso_date(text: str | None) -> str | None:
    if not text or len(text.strip()) != 8 or not text.strip().isdigit():
        return None
    t = text.strip()
    return f"{t[:4]}-{t[4:6]}-{t[6:]}"


def read_records(path: Path) -> list[Record]:
    """The records in file order, up to a <Stop> record, with the require_dyad setting of each."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise RecordsError(f"{path}: not well-formed XML ({exc})") from exc
    container = root.find("Sentences")
    items = list(container) if container is not None else list(root.iter("Sentence"))
    records: list[Record] = []
    require_dyad = True  # PETRARCH's default
    for item in items:
        if item.tag == "Stop":
            break
        if item.tag == "Config":
            if item.get("option") == "require_dyad":
                require_dyad = (item.get("value") or "").strip().lower() != "false"
            continue
        if item.tag != "Sentence":
            continue
        gold: set[Triple] = set()
        no_events = False
        error = None
        for coding in item.iter("EventCoding"):
            if (coding.get("noevents") or "").strip().lower() == "true":
                no_events = True
            elif coding.get("error"):
                error = coding.get("error")
            elif coding.get("eventcode"):
                gold.add(
                    (
                        coding.get("sourcecode") or NO_ACTOR,
                        coding.get("targetcode") or NO_ACTOR,
                        coding.get("eventcode") or "",
                    )
                )
        records.append(
            Record(
                id=item.get("id", f"record-{len(records) + 1}"),
                category=item.get("category", ""),
                date=iso_date(item.get("date")),
                text=" ".join((item.findtext("Text") or "").split()),
                gold=frozenset(gold),
                no_events=no_events,
                error=error,
                is_sentence=(item.get("sentence") or "true").strip().lower() != "false",
                require_dyad=require_dyad,
            )
        )
    return records


# -- coding ---------------------------------------------------------------------------------------------------
def petrarch_code(actor: Actor | None) -> str:
    """An actor as PETRARCH writes it: ---GOV for an agent without a country, --- for none."""
    if actor is None:
        return NO_ACTOR
    if actor.country is None and actor.sector and actor.code == actor.sector:
        return NO_ACTOR + actor.code
    return actor.code


def triples(events: Iterable[Event], require_dyad: bool) -> frozenset[Triple]:
    return frozenset(
        (petrarch_code(e.source), petrarch_code(e.target), e.cameo)
        for e in events
        if e.target is not None or not require_dyad
    )


def code_records(coder: Coder, records: Sequence[Record], source: str) -> list[frozenset[Triple] | None]:
    """Predicted triples per record; None for a record whose coding failed."""
    docs = [
        Document(id=f"{n}:{r.id}", text=r.text, source=f"{source}#{r.id}", kind="text", date=r.date)
        for n, r in enumerate(records)
    ]
    out: list[frozenset[Triple] | None] = []
    for record, result in zip(records, coder.code(docs), strict=True):
        out.append(
            triples(result.events, record.require_dyad) if isinstance(result, DocumentResult) else None
        )
    return out


# -- scores ---------------------------------------------------------------------------------------------------
@dataclass
class Tally:
    records: int = 0
    exact: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    gold: int = 0
    root: int = 0
    false_events: int = 0
    crashes: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, record: Record, predicted: frozenset[Triple] | None) -> None:
        self.records += 1
        if predicted is None:
            self.crashes += 1
            predicted = frozenset()
        gold = record.gold
        self.exact += predicted == gold
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)
        self.gold += len(gold)
        self.root += sum(
            any(p[0] == g[0] and p[1] == g[1] and p[2][:2] == g[2][:2] for p in predicted) for g in gold
        )
        if record.no_events:
            self.false_events += len(predicted)
        if predicted != gold:
            self.misses.append(f"{record.id}: gold {sorted(gold)} predicted {sorted(predicted)}")

    def row(self, name: str) -> Row:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        root = self.root / self.gold if self.gold else 0.0
        exact = self.exact / self.records if self.records else 0.0
        return Row(name, self.records, exact, p, r, f1, root, self.false_events, self.crashes)


def score(
    records: Sequence[Record], predicted: Sequence[frozenset[Triple] | None]
) -> tuple[Tally, dict[str, Tally]]:
    total = Tally()
    by_category: dict[str, Tally] = {}
    for record, pred in zip(records, predicted, strict=True):
        total.add(record, pred)
        by_category.setdefault(record.category, Tally()).add(record, pred)
    return total, by_category


# -- tables ---------------------------------------------------------------------------------------------------
def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| run | records | exact | micro P | micro R | micro F1 | root agreement | false events (no-event records) | crashes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        root = f"{r.root:.2f}" if r.root is not None else "n/a"
        lines.append(
            f"| {r.name} | {r.records} | {r.exact:.0%} | {r.precision:.2f} | {r.recall:.2f} | {r.f1:.2f} "
            f"| {root} | {r.false_events} | {r.crashes} |"
        )
    return "\n".join(lines)


def category_table(by_category: dict[str, Tally]) -> str:
    lines = ["| category | records | exact | micro F1 |", "|---|---:|---:|---:|"]
    for name, tally in sorted(by_category.items()):
        row = tally.row(name)
        lines.append(f"| {name or '(none)'} | {row.records} | {row.exact:.0%} | {row.f1:.2f} |")
    return "\n".join(lines)


# -- run ------------------------------------------------------------------------------------------------------
def run(
    records_path: Path,
    dictionaries: Path,
    builtin: bool = False,
    model: str = DEFAULT_MODEL,
    misses: bool = False,
) -> int:
    if not records_path.is_file():
        print(f"skipped: records file {records_path} not found", file=sys.stderr)
        return 0
    files = dictionary_folder(dictionaries)
    if not files.verbs:
        raise RecordsError(f"{dictionaries}: no verb dictionary (*.verbs.txt, CAMEO*.txt)")
    records = read_records(records_path)
    started = time.monotonic()
    actors = tuple(str(p) for p in files.actors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dictionaries' irregular lines are reported by their readers
        main = Coder(
            Options(
                model=model,
                actors=actors,
                verbs=tuple(str(p) for p in files.verbs),
                strict_codes=False,
                builtin_lexicon=False,
                builtin_kb=False,
            )
        )
        lexicon_coder = (
            Coder(Options(model=model, actors=actors, builtin_kb=False), nlp=main.nlp) if builtin else None
        )
    verbs_name = ", ".join(p.name for p in files.verbs)
    total, by_category = score(records, code_records(main, records, records_path.name))
    rows = [total.row(f"polybius + {verbs_name}")]
    if lexicon_coder is not None:
        lex_total, _ = score(records, code_records(lexicon_coder, records, records_path.name))
        rows.append(lex_total.row("polybius, built-in lexicon"))
    rows.append(REFERENCE)
    print(
        f"PETRARCH unit-test records: {records_path.name}, {len(records)} records; dictionaries: {dictionaries}"
    )
    print()
    print(markdown_table(rows))
    print()
    print(f"By category (polybius + {verbs_name}):")
    print()
    print(category_table(by_category))
    print()
    print(f"({time.monotonic() - started:.0f} s)")
    if misses:
        print()
        print("\n".join(total.misses))
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "records", metavar="RECORDS.xml", help="PETRARCH unit-test records (PETR.UnitTest.records.xml)"
    )
    p.add_argument(
        "--dictionaries",
        required=True,
        metavar="DIR",
        help="folder with the PETRARCH validation dictionaries (*.verbs.txt, *.actors.txt, *.agents.txt, "
        "*.discards.txt)",
    )
    p.add_argument("--builtin", action="store_true", help="also run polybius with its built-in lexicon")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"spaCy model (default: {DEFAULT_MODEL})")
    p.add_argument("--misses", action="store_true", help="list the records coded differently from the gold")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m polybius.bench.petrarch", description=__doc__.splitlines()[0])
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        return run(Path(args.records), Path(args.dictionaries), args.builtin, args.model, args.misses)
    except (RecordsError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
