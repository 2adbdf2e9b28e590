"""The link stage: reports become stories.

It runs between the events stage and the store, and relates documents to each other rather than coding them:

- `dedup`: exact copies (a hash of the normalised text) and near copies (MinHash LSH over word shingles) of a
  document already seen; a duplicate is stored as a report of its canonical document
  (`documents.duplicate_of`), is never parsed or coded, and its outlet counts as a source of the canonical
  document's events. The check runs on cleaned documents before the parse, against signatures persisted in
  the store, so a new batch is checked against everything stored without re-reading the texts.
- `aggregate`: the same (event day, source code, target code, CAMEO code[, place]) reported by several
  documents becomes one aggregated event with GDELT's mention, source and article counts (served by `query.py`).
- `stories`: online clustering of articles, in time order, into story threads with stable ids.
- `similarity`: how related two articles are (overall, geography, entities, time, narrative).

`pipeline.py` decides where these run; the modules here are plain functions and small dataclasses.
"""
