"""Explain an actor decision: what the resolver makes of a name at a date, and every entry it weighed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from spacy.language import Language

from polybius.actors.kb import Entry, KnowledgeBase, name_key
from polybius.actors.resolve import DocContext, Resolver, find_mentions
from polybius.models import Actor


@dataclass(frozen=True)
class Explanation:
    text: str
    when: date | None
    actor: Actor | None
    entries: tuple[Entry, ...]  # every knowledge-base / dictionary entry for the name (and its last word)


def explain(text: str, when: date | None, resolver: Resolver, nlp: Language) -> Explanation:
    """Resolve `text` as the subject of a sentence of its own ("Dmitry Medvedev spoke."), as the coder would."""
    doc = nlp(f"{text.strip()} spoke.")
    sent = next(doc.sents)
    ctx = DocContext(date=when)
    mentions = find_mentions(resolver.kb, sent)
    resolver.observe(sent, mentions, ctx)
    verb = next((t for t in doc if t.lower_ == "spoke"), doc[-1])
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    head = subjects[0] if subjects else doc[0]
    actor = resolver.resolve(head, ctx, mentions)
    return Explanation(text, when, actor, entries_for(resolver.kb, text))


def entries_for(kb: KnowledgeBase, text: str) -> tuple[Entry, ...]:
    seen: list[Entry] = []
    words = text.split()
    for key in (name_key(text), name_key(words[-1]) if words else ""):
        for entry in kb.names.get(key, ()):
            if entry not in seen:
                seen.append(entry)
    return tuple(seen)


def describe(e: Explanation, kb: KnowledgeBase) -> list[str]:
    """Lines for a person to read."""
    when = e.when.isoformat() if e.when else "no date (roles still held are preferred)"
    lines = [f"{e.text!r} at {when}:"]
    if e.actor is None:
        lines.append("  no actor: nothing in the knowledge base or imported dictionaries names it")
    else:
        a = e.actor
        sector = f"{a.sector} ({kb.sector_labels.get(a.sector, a.sector)})" if a.sector else "-"
        lines += [
            f"  code     {a.code}",
            f"  country  {a.country or '-'}",
            f"  sector   {sector}",
            f"  name     {a.name}",
            f"  decided  {how_text(a.how)}",
        ]
    if e.entries:
        lines.append("  entries weighed:")
        for entry in e.entries:
            span = ""
            if entry.start or entry.end:
                span = f" {entry.start.isoformat() if entry.start else '…'} to {entry.end.isoformat() if entry.end else 'now'}"
            held = (
                "  <- holds at the date"
                if e.when and (entry.start or entry.end) and entry.valid_on(e.when)
                else ""
            )
            role = f" {entry.role}" if entry.role else ""
            lines.append(
                f"    {entry.code:<10} {entry.kind:<9} {entry.name}{role}{span} [{entry.origin}]{held}"
            )
    return lines


def how_text(how: str) -> str:
    known = {
        "kb:leaders": "knowledge base: dated role in leaders.tsv",
        "kb:countries": "knowledge base: country name, adjective or seat of power (countries.tsv)",
        "kb:igos": "knowledge base: organisation (igos.tsv)",
        "kb:groups": "knowledge base: non-state group (groups.tsv)",
        "kb:former": "knowledge base: a former office holder (no role at the date: elite, ELI)",
        "text:role": "text clue: the role words around the name",
        "text:earlier": "text clue: learned earlier in the document",
        "text:main-country": "text clue: the story's main country",
        "gazetteer": "gazetteer: the place's country",
        "text": "text clue: the role words",
    }
    if how.endswith("+role"):
        return f"{how_text(how[:-5])}, with the role noun (sectors.yaml) for the sector"
    if how.startswith("dict:"):
        return f"imported dictionary {how[5:]}"
    return known.get(how, how)
