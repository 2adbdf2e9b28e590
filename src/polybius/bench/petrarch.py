"""Benchmark: polybius on PETRARCH's own unit-test records, with PETRARCH's validation dictionaries.

    python -m polybius.bench.petrarch PETR.UnitTest.records.xml --dictionaries DIR [--builtin] [--plain]
    polybius bench petrarch PETR.UnitTest.records.xml --dictionaries DIR [--builtin] [--plain]
        [--original-breaks] [--inputs DIR]

The records file (openeventdata/petrarch2, ``PETR.UnitTest.records.xml``) holds ``<Sentence id date category
sentence>`` records, each with zero or more ``<EventCoding sourcecode targetcode eventcode>`` (the gold events;
``noevents="True"`` marks a record that must code nothing, ``error="..."`` one that PETRARCH must refuse:
a bad dateline, a bad parse, a discarded story or sentence), the ``<Text>`` and PETRARCH's own ``<Parse>``
(ignored here: polybius parses the text itself). ``<Config option="require_dyad">`` records between them switch
PETRARCH's requirement that an event have a target; a ``<Stop>`` record ends the run.

The bench measures what a user can run: it writes the records as JSON lines (``{"id", "text", "date"}``, one
file per require_dyad setting, into ``--inputs DIR``, a new temporary folder by default) and codes them exactly
as ``polybius code`` does (read, clean, code; the same options), then prints the ``polybius code`` commands that
reproduce its main row. A record's text is one sentence whose line breaks are only layout: they are joined into
spaces by default; ``--original-breaks`` keeps the file's line breaks and leaves them to ``polybius code``
(``clean.rejoin_wrapped``). PETRARCH's ``require_dyad`` is ``--require-target``: the records coded while it is
on go to one file and command, the others to a second command without it. PETRARCH writes actors as composite codes (``ARN``, ``GONGOV``, ``---GOV`` for an agent with no
country, ``---`` for no target); polybius's codes are compared in the same way: (source, target, event code)
triples, per record as sets. Rows:

* polybius + the verb dictionary of DIR (``*.verbs.txt``), its actor, agent and discard dictionaries
  (``--dictionaries DIR --no-builtin-kb --no-builtin-lexicon``), codes outside CAMEO kept (the validation
  dictionary is WEIS-coded: ``--keep-unknown-codes``), ``--require-target`` where PETRARCH requires a dyad, and
  ``--no-dedup`` (several records are near copies of each other, which ``code`` would otherwise leave out);
* (``--builtin``) polybius with the built-in lexicon instead of the verb dictionary, same actors;
* (``--plain``) ``polybius code --dictionaries DIR`` and nothing else: the built-in knowledge base and lexicon
  beside the dictionaries, CAMEO codes only, events without a target kept, near copies left out;
* PETRARCH2 on the same records with its own parses, as reported (it crashes on 36 records).

Columns: exact (share of records whose predicted set is the gold set; an ``error`` record or one without any
coding expects nothing), micro precision / recall / F1 over triples, root agreement (share of gold triples
whose source and target match a predicted triple with the same two-digit root), false events (predicted
triples on the ``noevents`` records), crashes (records whose coding raised an error; the run goes on).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polybius.events.petrarch_verbs import dictionary_folder
from polybius.ingest.readers import read_paths
from polybius.models import Actor, Document, DocumentResult
from polybius.nlp import DEFAULT_MODEL
from polybius.pipeline import Coder, Options
from polybius.pipeline import run as run_pipeline

Triple = tuple[str, str, str]
NO_ACTOR = "---"


class RecordsError(ValueError):
    """The records file cannot be read."""


@dataclass(frozen=True)
class Record:
    id: str
    category: str
    date: str | None  # ISO date
    text: str  # line breaks joined into spaces
    gold: frozenset[Triple]
    no_events: bool  # noevents="True": any event is a false event
    error: str | None  # error="...": PETRARCH must not code it
    is_sentence: bool  # the record's sentence="..." attribute
    require_dyad: bool  # PETRARCH's require_dyad in force for this record
    raw_text: str = ""  # the <Text> as the file has it, line breaks kept


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
                raw_text=(item.findtext("Text") or "").strip(),
            )
        )
    return records


# -- coding ---------------------------------------------------------------------------------------------------
def petrarch_code(actor: Actor | Mapping[str, Any] | None) -> str:
    """An actor (or an event record's actor) as PETRARCH writes it: ---GOV for an agent without a country,
    --- for none."""
    if actor is None:
        return NO_ACTOR
    if isinstance(actor, Actor):
        actor = actor.as_dict()
    if actor.get("country") is None and actor.get("sector") and actor["code"] == actor["sector"]:
        return NO_ACTOR + actor["code"]
    return str(actor["code"])


def output_triples(records: Iterable[Mapping[str, Any]]) -> dict[str, frozenset[Triple]]:
    """(source, target, code) triples per document id, from event records (`polybius code` output lines)."""
    out: dict[str, set[Triple]] = {}
    for r in records:
        out.setdefault(str(r["doc_id"]), set()).add(
            (petrarch_code(r["source"]), petrarch_code(r["target"]), r["cameo"])
        )
    return {k: frozenset(v) for k, v in out.items()}


def code_records(coder: Coder, records: Sequence[Record], source: str) -> list[frozenset[Triple] | None]:
    """Predicted triples per record, each record's joined text coded directly as a document (no reading or
    cleaning; require_dyad applied to the triples); None for a record whose coding failed."""
    docs = [
        Document(id=doc_id(n, r), text=r.text, source=f"{source}#{r.id}", kind="text", date=r.date)
        for n, r in enumerate(records)
    ]
    out: list[frozenset[Triple] | None] = []
    for record, result in zip(records, coder.code(docs), strict=True):
        if not isinstance(result, DocumentResult):
            out.append(None)
            continue
        found = output_triples(ev.as_record() for ev in result.events).get(result.document.id, frozenset())
        out.append(frozenset(t for t in found if t[1] != NO_ACTOR or not record.require_dyad))
    return out


def doc_id(n: int, record: Record) -> str:
    """A record's document id: its place and id (two records of the file share an id)."""
    return f"{n:03d}:{record.id}"


@dataclass(frozen=True)
class Input:
    """One JSON lines file of records and the options that code it (one per require_dyad setting)."""

    path: Path
    require_target: bool
    ids: tuple[str, ...]


def write_inputs(records: Sequence[Record], folder: Path, original_breaks: bool = False) -> list[Input]:
    """The records as JSON lines {id, text, date}: those coded under require_dyad in one file, the others in
    a second (written only when there are any)."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "-original-breaks" if original_breaks else ""
    inputs = []
    for require, name in ((True, "records-require-target"), (False, "records-any-target")):
        chosen = [(n, r) for n, r in enumerate(records) if r.require_dyad == require]
        if not chosen:
            continue
        path = folder / f"{name}{suffix}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for n, r in chosen:
                line: dict[str, str] = {"id": doc_id(n, r), "text": r.raw_text if original_breaks else r.text}
                if r.date:
                    line["date"] = r.date
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        inputs.append(Input(path, require, tuple(doc_id(n, r) for n, r in chosen)))
    return inputs


def main_options(files: Any, model: str, require_target: bool) -> Options:
    """The main row's options: what `polybius code --dictionaries DIR` plus `main_flags` gives."""
    return Options(
        model=model,
        actors=tuple(str(p) for p in files.actors),
        verbs=tuple(str(p) for p in files.verbs),
        builtin_lexicon=False,
        builtin_kb=False,
        strict_codes=False,
        require_target=require_target,
        dedup=False,
    )


def main_flags(require_target: bool) -> list[str]:
    """The `polybius code` options of the main row, besides --dictionaries (the same as `main_options`)."""
    flags = ["--no-builtin-kb", "--no-builtin-lexicon", "--keep-unknown-codes", "--no-dedup"]
    return flags + (["--require-target"] if require_target else [])


def command(inp: Input, dictionaries: Path, model: str, flags: Sequence[str] | None = None) -> list[str]:
    """The `polybius code` command line (argv) that codes one input file as a row does."""
    argv = ["polybius", "code", str(inp.path), "--dictionaries", str(dictionaries)]
    argv += main_flags(inp.require_target) if flags is None else list(flags)
    if model != DEFAULT_MODEL:
        argv += ["--model", model]
    return argv


def format_commands(commands: Sequence[Sequence[str]], out: str = "events.jsonl") -> str:
    """Shell lines running the commands, their events collected in `out`."""
    return "\n".join(
        f"{shlex.join(argv)} {'>' if i == 0 else '>>'} {shlex.quote(out)}" for i, argv in enumerate(commands)
    )


def code_inputs(
    inputs: Sequence[Input], options: Sequence[Options], nlp: Any = None
) -> dict[str, frozenset[Triple] | None]:
    """Triples per document id, coded as `polybius code` codes the input files (read, clean, the duplicate check
    when on, code), one Coder per input built with its options (`nlp`, a loaded spaCy model, shared); None for
    a document that failed."""
    out: dict[str, frozenset[Triple] | None] = {}
    for inp, opts in zip(inputs, options, strict=True):
        coder = Coder(opts, nlp=nlp)
        nlp = coder.nlp
        found: dict[str, frozenset[Triple] | None] = dict.fromkeys(inp.ids, frozenset())
        for result in run_pipeline(read_paths([str(inp.path)], "jsonl"), opts, coder=coder):
            if isinstance(result, DocumentResult):
                if result.document.duplicate_of is None:  # a copy left out codes nothing
                    by_doc = output_triples(ev.as_record() for ev in result.events)
                    found[result.document.id] = by_doc.get(result.document.id, frozenset())
            elif result.doc_id:
                found[result.doc_id] = None
        out.update(found)
    return out


def in_record_order(
    records: Sequence[Record], by_id: Mapping[str, frozenset[Triple] | None]
) -> list[frozenset[Triple] | None]:
    return [by_id.get(doc_id(n, r), frozenset()) for n, r in enumerate(records)]


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
@dataclass(frozen=True)
class Variant:
    """One way of coding the input files: its `polybius code` flags and the Options they give, per file."""

    name: str
    flags: Any  # Callable[[bool], list[str]]: flags for a file coded with require_dyad on / off
    options: Any  # Callable[[bool], Options]: the same as Options


def variants(files: Any, dictionaries: Path, model: str) -> dict[str, Variant]:
    verbs_name = ", ".join(p.name for p in files.verbs)
    actors = tuple(str(p) for p in files.actors)
    verbs = tuple(str(p) for p in files.verbs)
    return {
        "main": Variant(
            f"polybius + {verbs_name}", main_flags, lambda require: main_options(files, model, require)
        ),
        "builtin": Variant(
            "polybius, built-in lexicon",
            lambda require: (
                [x for a in actors for x in ("--actors", a)]
                + ["--no-builtin-kb", "--no-dedup"]
                + (["--require-target"] if require else [])
            ),
            lambda require: Options(
                model=model, actors=actors, builtin_kb=False, require_target=require, dedup=False
            ),
        ),
        "plain": Variant(
            f"polybius code --dictionaries {dictionaries.name} (nothing else)",
            lambda require: [],
            lambda require: Options(model=model, actors=actors, verbs=verbs),
        ),
    }


def code_variant(
    variant: Variant, inputs: Sequence[Input], dictionaries: Path, model: str, nlp: Any = None
) -> tuple[dict[str, frozenset[Triple] | None], list[list[str]], Any]:
    """Triples per document id, the commands that give them, and the spaCy model (to share with the next)."""
    options = [variant.options(inp.require_target) for inp in inputs]
    commands = []
    for inp in inputs:
        flags = variant.flags(inp.require_target)
        if flags[:1] == ["--actors"]:  # the built-in lexicon row names the actor files, not the folder
            argv = ["polybius", "code", str(inp.path), *flags] + (
                ["--model", model] if model != DEFAULT_MODEL else []
            )
        else:
            argv = command(inp, dictionaries, model, flags)
        commands.append(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dictionaries' irregular lines are reported by their readers
        if nlp is None:
            from polybius.nlp import load_model

            nlp = load_model(model)
        return code_inputs(inputs, options, nlp=nlp), commands, nlp


def run(
    records_path: Path,
    dictionaries: Path,
    builtin: bool = False,
    model: str = DEFAULT_MODEL,
    misses: bool = False,
    plain: bool = False,
    original_breaks: bool = False,
    inputs_dir: Path | None = None,
) -> int:
    if not records_path.is_file():
        print(f"skipped: records file {records_path} not found", file=sys.stderr)
        return 0
    files = dictionary_folder(dictionaries)
    if not files.verbs:
        raise RecordsError(f"{dictionaries}: no verb dictionary (*.verbs.txt, CAMEO*.txt)")
    records = read_records(records_path)
    started = time.monotonic()
    folder = inputs_dir if inputs_dir is not None else Path(tempfile.mkdtemp(prefix="polybius-petrarch-"))
    inputs = write_inputs(records, folder, original_breaks)
    chosen = variants(files, dictionaries, model)
    by_id, commands, nlp = code_variant(chosen["main"], inputs, dictionaries, model)
    total, by_category = score(records, in_record_order(records, by_id))
    rows = [total.row(chosen["main"].name)]
    extra_commands = []
    for key, wanted in (("builtin", builtin), ("plain", plain)):
        if wanted:
            other, other_commands, nlp = code_variant(chosen[key], inputs, dictionaries, model, nlp)
            rows.append(score(records, in_record_order(records, other))[0].row(chosen[key].name))
            extra_commands.append((chosen[key].name, other_commands))
    rows.append(REFERENCE)
    breaks = "original line breaks" if original_breaks else "line breaks joined"
    print(
        f"PETRARCH unit-test records: {records_path.name}, {len(records)} records ({breaks}); "
        f"dictionaries: {dictionaries}"
    )
    print()
    print(markdown_table(rows))
    print()
    print(f"By category ({chosen['main'].name}):")
    print()
    print(category_table(by_category))
    print()
    print(f"The main row, as a user runs it (the records written as JSON lines in {folder}; PETRARCH's")
    print("require_dyad is on for the records of the first file, off for the second):")
    print()
    print(format_commands(commands))
    for name, cmds in extra_commands:
        print()
        print(f"{name}:")
        print()
        print(format_commands(cmds))
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
    p.add_argument(
        "--plain",
        action="store_true",
        help="also run plain 'polybius code --dictionaries DIR' (built-in knowledge and lexicon on, CAMEO codes "
        "only, events without a target kept, near copies left out)",
    )
    p.add_argument(
        "--original-breaks",
        action="store_true",
        help="code the records' text with the line breaks of the file (left to polybius's rejoining of "
        "wrapped lines) instead of joined into spaces",
    )
    p.add_argument(
        "--inputs",
        metavar="DIR",
        help="folder for the JSON lines files the printed commands read (default: a new temporary folder)",
    )
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"spaCy model (default: {DEFAULT_MODEL})")
    p.add_argument("--misses", action="store_true", help="list the records coded differently from the gold")


def run_args(args: argparse.Namespace) -> int:
    return run(
        Path(args.records),
        Path(args.dictionaries),
        builtin=args.builtin,
        model=args.model,
        misses=args.misses,
        plain=args.plain,
        original_breaks=args.original_breaks,
        inputs_dir=Path(args.inputs) if args.inputs else None,
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m polybius.bench.petrarch", description=__doc__.splitlines()[0])
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        return run_args(args)
    except (RecordsError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
