"""Actor resolution: how many actor mentions polybius turns into a country, IGO or NGO.

    python benchmarks/actors.py [--shared ../shared]

1. ConfliBERT `cameo_ner_train.txt`: share of gold source and target spans the resolver turns into a country,
   IGO or NGO (see benchmarks/accuracy.py --only spans, which prints the same table with event hit rates).
2. PETRARCH unit records with the PETR.Validate dictionaries: actor agreement, the share of gold
   (source, target) pairs that some coded event has, whatever its code.
3. The bundled sample corpus: share of named mentions (spaCy PERSON, ORG, GPE, NORP entities) that resolve to an
   actor with a country, IGO or NGO; with the built-in knowledge base alone and with the Phoenix dictionaries too.
Parts whose files are absent are skipped with a message.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import conflibert_spans, key, read_classes  # noqa: E402

from polybius.actors.resolve import DocContext, find_mentions, place_country  # noqa: E402
from polybius.bench.petrarch import code_records, read_records  # noqa: E402
from polybius.events.petrarch_verbs import dictionary_folder  # noqa: E402
from polybius.ingest import read_paths  # noqa: E402
from polybius.models import Document  # noqa: E402
from polybius.pipeline import Coder, Options, clean_items  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "polybius" / "data" / "samples"
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "NORP")


def petrarch_agreement(shared: Path) -> None:
    records_path = shared / "reference" / "petrarch" / "PETR.UnitTest.records.xml"
    folder = shared / "reference" / "petrarch" / "validate"
    if not records_path.exists():
        print(f"skipped PETRARCH actor agreement: {records_path} not found\n")
        return
    files = dictionary_folder(folder)
    options = Options(
        actors=tuple(map(str, files.actors)),
        verbs=tuple(map(str, files.verbs)),
        strict_codes=False,
        builtin_lexicon=False,
        builtin_kb=False,
    )
    records = read_records(records_path)
    predicted = code_records(Coder(options), records, records_path.name)
    gold_pairs = found = 0
    for record, triples in zip(records, predicted, strict=True):
        pairs = {(s, t) for s, t, _ in triples or ()}
        for s, t, _ in record.gold:
            gold_pairs += 1
            found += (s, t) in pairs
    print("### PETRARCH unit records, Validate dictionaries: actor agreement\n")
    print("| gold (source, target) pairs | found by a coded event | agreement |")
    print("|---|---|---|")
    print(f"| {gold_pairs} | {found} | {found / gold_pairs:.3f} |\n")


def sample_coverage(coder: Coder) -> tuple[int, int]:
    docs = [d for d in clean_items(read_paths([str(SAMPLES)])) if isinstance(d, Document)]
    resolver = coder.extractor.resolver
    total = resolved = 0
    for doc, parsed in zip(docs, coder.nlp.pipe([d.text for d in docs]), strict=True):
        ctx = DocContext(date=None, home_country=place_country(resolver.kb, doc.dateline))
        for sent in parsed.sents:
            mentions = find_mentions(resolver.kb, sent)
            resolver.observe(sent, mentions, ctx)
            for ent in sent.ents:
                if ent.label_ not in ENTITY_LABELS:
                    continue
                total += 1
                actor = resolver.resolve(ent.root, ctx, mentions)
                resolved += actor is not None and actor.country is not None
    return total, resolved


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    args = ap.parse_args()
    shared = Path(args.shared)
    coder = Coder(Options())
    conll = shared / "devsets" / "conflibert" / "cameo_ner_train.txt"
    if conll.exists():
        class_file = conll.with_name("cameo_class_train.tsv")
        classes = {key(t): lab for t, lab in read_classes(class_file)} if class_file.exists() else {}
        conflibert_spans(coder, conll, None, classes, 0.0)
    else:
        print(f"skipped ConfliBERT spans: {conll} not found\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # irregular dictionary lines are reported by `polybius code`
        petrarch_agreement(shared)
        print("### Sample corpus: named mentions resolved to a country, IGO or NGO\n")
        print("| knowledge | named mentions | resolved | coverage |")
        print("|---|---|---|---|")
        total, resolved = sample_coverage(coder)
        print(f"| built-in knowledge base | {total} | {resolved} | {resolved / total:.3f} |")
        phoenix = shared / "reference" / "petrarch" / "phoenix"
        if phoenix.exists():
            files = dictionary_folder(phoenix)
            with_phoenix = Coder(Options(actors=tuple(map(str, files.actors))), nlp=coder.nlp)
            total, resolved = sample_coverage(with_phoenix)
            print(f"| built-in + Phoenix actors, agents | {total} | {resolved} | {resolved / total:.3f} |")
        else:
            print(f"(Phoenix row skipped: {phoenix} not found)")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
