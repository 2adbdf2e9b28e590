"""Duplicates: exact and near copies of a document already seen, found before the document is parsed.

A document's *text for comparison* is its cleaned body (without a coded title: a syndicated copy runs under
another headline), lower-cased and cut into words.

- **Exact copies**: the same words in the same order, whatever the spacing, case and punctuation: a 64-bit hash
  of the normalised word sequence.
- **Near copies** (the same wire story with another byline, tail, a paragraph moved or cut, a few typos):
  MinHash (datasketch 2's "affine32" scheme, `NUM_PERM` permutations, computed by `minhash`) over word `SHINGLE`-grams, with LSH banding to find candidates
  and the estimated Jaccard similarity of the signatures to decide. `threshold` (default `DEFAULT_THRESHOLD`,
  CLI `--dup-threshold`) is the estimated Jaccard similarity at or above which a document is a near copy;
  `threshold` 1 keeps only exact copies. The bands (how many, of how many rows) are chosen for the threshold.

The canonical document of a duplicate is the first of its copies seen. Only canonical documents are indexed
(a copy of a copy is compared with the original). Two indexes share one interface, `check(items)`:

- `MemoryIndex` keeps signatures in this process (stateless `polybius code`: no document of one run is coded
  twice).
- `StoreIndex` keeps them in the DuckDB store (tables `link_signatures`, `link_bands`), so a new batch is
  checked against every stored document without reading any text back; it writes the signatures of new
  canonical documents as it checks them. Its memory does not grow with the store: each check is one join of
  the batch's band hashes against the band table.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import lru_cache

import duckdb
import numpy as np

from polybius.models import Document
from polybius.store import insert

DEFAULT_THRESHOLD = 0.4
NUM_PERM = 128
SHINGLE = 3  # words per shingle
SEED = 1  # MinHash permutations: fixed, so stored signatures stay comparable across runs
FN_WEIGHT = 0.9  # band choice: missing a copy costs more than a candidate the signature check then rejects
BAND_MIX = np.uint64(0x9E3779B97F4A7C15)
WORD = re.compile(r"\w+")
SCHEME = "affine32"  # datasketch's MinHash scheme (32-bit hash values); part of what a stored signature means
SETTINGS = f"{NUM_PERM}:{SHINGLE}:{SCHEME}:{SEED}"  # what stored signatures were made with (meta `link_lsh`)


FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)  # MurmurHash3's 32-bit finalizer (shift, multiplier, ...)


@lru_cache(maxsize=1)
def permutations() -> tuple[np.ndarray, np.ndarray]:
    """The MinHash permutations h -> a * h + b (mod 2^32, `a` odd), drawn from SEED exactly as datasketch 2's
    `MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")` draws them; built once per process, read-only."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    a.flags.writeable = b.flags.writeable = False
    return a, b


def minhash(shingles: Iterable[bytes]) -> np.ndarray:
    """The MinHash signature (uint32[NUM_PERM]) of a non-empty set of shingles: datasketch 2's "affine32" scheme
    (SHA-1's first 4 bytes, little-endian, pre-mixed by MurmurHash3's finalizer, then each affine permutation;
    the minimum per permutation), value for value (tests/test_link.py checks it against datasketch). Computed
    here rather than by `datasketch.MinHash`: importing datasketch imports scipy for its LSH classes, about
    0.45 CPU s of start-up in every process that checks duplicates, for a dozen lines of numpy."""
    hv = np.array(
        [int.from_bytes(hashlib.sha1(s).digest()[:4], "little") for s in shingles], dtype=np.uint32
    ).reshape(-1, 1)
    s1, m1, s2, m2, s3 = (np.uint32(c) for c in FMIX32)
    hv ^= hv >> s1
    hv *= m1
    hv ^= hv >> s2
    hv *= m2
    hv ^= hv >> s3
    a, b = permutations()
    return (hv * a + b).min(axis=0)


class SignatureError(RuntimeError):
    """The store's signatures were made with settings this version cannot compare with."""


@dataclass(frozen=True)
class LshParams:
    threshold: float
    bands: int
    rows: int

    @property
    def key(self) -> str:
        return f"{SETTINGS}:{self.bands}x{self.rows}"


@dataclass(frozen=True)
class Signature:
    exact: int  # signed 64-bit hash of the normalised word sequence
    minhash: np.ndarray | None  # uint32[NUM_PERM]; None when the text has fewer than SHINGLE words


SIGNATURE_COLUMNS = ("doc_id", "exact", "minhash")  # the link_signatures table's


@dataclass(frozen=True)
class Match:
    """The canonical document a checked document copies."""

    doc_id: str
    score: float  # 1.0 for an exact copy, else the estimated Jaccard similarity of the shingle sets
    how: str  # "exact" | "near"


@lru_cache(maxsize=16)
def lsh_params(threshold: float = DEFAULT_THRESHOLD) -> LshParams:
    """Bands x rows (<= NUM_PERM) whose S-curve best separates similarities below and above `threshold`
    (weighted false positives and negatives, integrated over similarity)."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"duplicate threshold must be in (0, 1]: {threshold}")
    t = min(threshold, 0.99)
    below, above = np.linspace(0.0, t, 200), np.linspace(t, 1.0, 200)
    best: tuple[float, int, int] | None = None
    for bands in range(1, NUM_PERM + 1):
        for rows in range(1, NUM_PERM // bands + 1):
            fp = np.trapezoid(1 - (1 - below**rows) ** bands, below)
            fn = np.trapezoid((1 - above**rows) ** bands, above)
            cost = (1 - FN_WEIGHT) * fp + FN_WEIGHT * fn
            if best is None or cost < best[0]:
                best = (cost, bands, rows)
    assert best is not None
    return LshParams(threshold, best[1], best[2])


def comparison_text(doc: Document) -> str:
    return doc.text[doc.title_end :] if doc.title_end else doc.text


def words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def signature(text: str) -> Signature:
    tokens = words(text)
    digest = hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=8).digest()
    exact = int.from_bytes(digest, "big", signed=True)
    if len(tokens) < SHINGLE:
        return Signature(exact, None)
    shingles = {" ".join(tokens[i : i + SHINGLE]).encode("utf-8") for i in range(len(tokens) - SHINGLE + 1)}
    return Signature(exact, minhash(shingles))


def band_hashes(minhash: np.ndarray, params: LshParams) -> np.ndarray:
    """One signed 64-bit hash per band (the band's number mixed in), stable across processes and runs."""
    rows = minhash[: params.bands * params.rows].astype(np.uint64).reshape(params.bands, params.rows)
    h = np.arange(1, params.bands + 1, dtype=np.uint64) * BAND_MIX
    with np.errstate(over="ignore"):
        for j in range(params.rows):
            h = (h ^ rows[:, j]) * BAND_MIX
            h ^= h >> np.uint64(29)
    return h.view(np.int64)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


def best(candidates: Sequence[tuple[str, float]], threshold: float) -> Match | None:
    kept = [(score, doc_id) for doc_id, score in candidates if score >= threshold]
    if not kept:
        return None
    score, doc_id = min(kept, key=lambda c: (-c[0], c[1]))
    return Match(doc_id, score, "near")


class MemoryIndex:
    """Signatures of canonical documents held in this process."""

    group = 1  # documents worth checking together (lookups are per document)

    def __init__(
        self, threshold: float = DEFAULT_THRESHOLD, params: LshParams | None = None, keep_signatures: bool = False
    ) -> None:
        self.params = params or lsh_params(threshold)
        self.exact: dict[int, str] = {}
        self.minhashes: dict[str, np.ndarray] = {}
        self.buckets: dict[int, list[str]] = {}
        # with `keep_signatures`, every checked document's signature, copies too (`signature_rows`)
        self.signatures: dict[str, Signature] | None = {} if keep_signatures else None

    def check(self, items: Sequence[tuple[str, str]]) -> list[Match | None]:
        """(doc id, text) in order -> the canonical document each copies, or None (then it is indexed)."""
        return [self.check_signature(doc_id, signature(text)) for doc_id, text in items]

    def check_signature(self, doc_id: str, sig: Signature, add: bool = True) -> Match | None:
        """The canonical document `sig` copies, or None; then it is indexed, unless not `add`."""
        if self.signatures is not None:
            self.signatures[doc_id] = sig
        found = self.exact.get(sig.exact)
        if found is not None and found != doc_id:
            return Match(found, 1.0, "exact")
        if sig.minhash is not None and self.params.threshold < 1.0:
            hashes = band_hashes(sig.minhash, self.params).tolist()
            seen = {c for h in hashes for c in self.buckets.get(h, ()) if c != doc_id}
            match = best([(c, similarity(sig.minhash, self.minhashes[c])) for c in sorted(seen)], self.params.threshold)
            if match is not None:
                return match
        if add:
            self.add(doc_id, sig)
        return None

    def add(self, doc_id: str, sig: Signature) -> None:
        self.exact.setdefault(sig.exact, doc_id)
        if sig.minhash is None:
            return
        self.minhashes[doc_id] = sig.minhash
        for h in band_hashes(sig.minhash, self.params).tolist():
            self.buckets.setdefault(h, []).append(doc_id)

    def forget(self, doc_id: str) -> None:
        """A canonical document that was not stored after all (coding failed): later copies must not point to it."""
        if self.signatures is not None:
            self.signatures.pop(doc_id, None)
        self.minhashes.pop(doc_id, None)
        for h, ids in list(self.exact.items()):
            if ids == doc_id:
                del self.exact[h]
        for ids in self.buckets.values():
            if doc_id in ids:
                ids.remove(doc_id)


Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


class StoreIndex:
    """Signatures of the stored canonical documents, in the store's `link_signatures` and `link_bands` tables.

    `store` is a connection, or a function that opens the store for one block (so the file stays free between
    batches for readers). `check` may run in another thread than the one that writes documents (the worker
    pool's feeder): it works on its own cursor. Signatures of documents that never reached the `documents`
    table (an interrupted run) are dropped when the index opens; when the threshold changes the bands, the band
    table is rebuilt from the stored signatures (no text is read again)."""

    group = 256  # documents checked together: a lookup scans the band table once for the whole group
    # stored documents scored per new one: those sharing the most bands (a near copy shares nearly all of them).
    # Without a bound, boilerplate that many stored documents share makes each check cost grow with the store.
    max_candidates = 50

    def __init__(
        self, store: duckdb.DuckDBPyConnection | Opener, threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        self.params = lsh_params(threshold)
        self.open: Opener = store if callable(store) else (lambda: nullcontext(store))
        with self.open() as con:
            con.execute("DELETE FROM link_signatures WHERE doc_id NOT IN (SELECT id FROM documents)")
            con.execute("DELETE FROM link_bands WHERE doc_id NOT IN (SELECT id FROM documents)")
            rows = con.execute("SELECT value FROM meta WHERE key = 'link_lsh'").fetchall()
            if not rows or rows[0][0] != self.params.key:
                if rows and not rows[0][0].startswith(f"{SETTINGS}:"):
                    raise SignatureError(f"the store's duplicate signatures use other settings ({rows[0][0]})")
                self.rebuild(con)

    def rebuild(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM link_bands")
            signatures = con.cursor()
            cur = signatures.execute("SELECT doc_id, minhash FROM link_signatures WHERE minhash IS NOT NULL")
            while chunk := cur.fetchmany(10_000):
                rows = [
                    (h, doc_id)
                    for doc_id, blob in chunk
                    for h in band_hashes(np.frombuffer(blob, dtype=np.uint32), self.params).tolist()
                ]
                insert_rows(con, "link_bands", ("hash", "doc_id"), rows)
            signatures.close()
            con.execute(
                "INSERT INTO meta VALUES ('link_lsh', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [self.params.key],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def check(self, items: Sequence[tuple[str, str]]) -> list[Match | None]:
        """(doc id, text) in order -> the canonical document each copies (stored, or earlier in `items`), or
        None; the signatures of the new canonical documents are stored."""
        return self.check_signatures([(doc_id, signature(text)) for doc_id, text in items])

    def check_signatures(
        self, items: Sequence[tuple[str, Signature]], fallback: Mapping[str, Match] | None = None
    ) -> list[Match | None]:
        """`check` with the signatures already made (a distributed run's workers make them). A document in
        `fallback` is known to be a copy: it gets its best match here, else its fallback, and never becomes
        canonical."""
        fallback = fallback or {}
        sigs = [sig for _, sig in items]
        ids = [doc_id for doc_id, _ in items]
        found: list[Match | None] = [None] * len(items)
        with self.open() as con:
            cur = con.cursor()
            try:
                if items:
                    self._lookup(cur, ids, sigs, found)
                local = MemoryIndex(params=self.params)  # the batch's own new documents, checked in order
                new: list[int] = []
                for i, (doc_id, sig) in enumerate(zip(ids, sigs, strict=True)):
                    if found[i] is None:
                        found[i] = local.check_signature(doc_id, sig, add=doc_id not in fallback)
                        if found[i] is None and doc_id in fallback:
                            found[i] = fallback[doc_id]
                        elif found[i] is None:
                            new.append(i)
                self._store(cur, [(ids[i], sigs[i]) for i in new])
            finally:
                cur.close()
        return found

    def _lookup(
        self, cur: duckdb.DuckDBPyConnection, ids: list[str], sigs: list[Signature], found: list[Match | None]
    ) -> None:
        exact = query_with(
            cur,
            {"i": np.arange(len(sigs), dtype=np.int64), "exact": np.array([s.exact for s in sigs], dtype=np.int64)},
            "SELECT q.i, min(s.doc_id) FROM {view} q JOIN link_signatures s ON s.exact = q.exact GROUP BY q.i",
        )
        for i, doc_id in exact:
            if doc_id != ids[i]:
                found[i] = Match(doc_id, 1.0, "exact")
        if self.params.threshold >= 1.0:
            return
        pending = [i for i, s in enumerate(sigs) if found[i] is None and s.minhash is not None]
        if not pending:
            return
        bands = [band_hashes(sigs[i].minhash, self.params) for i in pending]  # type: ignore[arg-type]
        pairs = query_with(
            cur,
            {
                "i": np.repeat(np.array(pending, dtype=np.int64), self.params.bands),
                "hash": np.concatenate(bands),
            },
            "SELECT i, doc_id FROM (SELECT q.i, b.doc_id, count(*) AS shared FROM {view} q "
            "JOIN link_bands b ON b.hash = q.hash GROUP BY q.i, b.doc_id) "
            f"QUALIFY row_number() OVER (PARTITION BY i ORDER BY shared DESC, doc_id) <= {int(self.max_candidates)}",
        )
        candidates: dict[int, list[str]] = {}
        for i, doc_id in pairs:
            if doc_id != ids[i]:
                candidates.setdefault(i, []).append(doc_id)
        if not candidates:
            return
        wanted = sorted({c for cs in candidates.values() for c in cs})
        stored = dict(
            query_with(
                cur,
                {"doc_id": np.array(wanted, dtype=object)},
                "SELECT s.doc_id, s.minhash FROM link_signatures s JOIN {view} q ON q.doc_id = s.doc_id",
            )
        )
        for i, cs in candidates.items():
            sig = sigs[i].minhash
            assert sig is not None
            scored = [(c, similarity(sig, np.frombuffer(stored[c], dtype=np.uint32))) for c in sorted(cs) if c in stored]
            found[i] = best(scored, self.params.threshold)

    def _store(self, cur: duckdb.DuckDBPyConnection, new: list[tuple[str, Signature]]) -> None:
        if not new:
            return
        sig_rows = [(doc_id, s.exact, s.minhash.tobytes() if s.minhash is not None else None) for doc_id, s in new]
        band_rows = [
            (h, doc_id)
            for doc_id, s in new
            if s.minhash is not None
            for h in band_hashes(s.minhash, self.params).tolist()
        ]
        cur.execute("BEGIN TRANSACTION")
        try:
            insert_rows(cur, "link_signatures", SIGNATURE_COLUMNS, sig_rows, "ON CONFLICT DO NOTHING")
            insert_rows(cur, "link_bands", ("hash", "doc_id"), band_rows)
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise

    def forget(self, doc_id: str) -> None:
        """A canonical document that was not stored after all (coding failed): later copies must not point to it."""
        with self.open() as con:
            con.execute("DELETE FROM link_bands WHERE doc_id = ?", [doc_id])
            con.execute("DELETE FROM link_signatures WHERE doc_id = ?", [doc_id])


DupIndex = MemoryIndex | StoreIndex



def signature_rows(index: MemoryIndex, doc_ids: Sequence[str]) -> list[tuple[str, int, bytes | None]]:
    """`link_signatures` rows of these documents, as `index` (made with `keep_signatures`) made them."""
    kept = index.signatures or {}
    return [
        (d, s.exact, s.minhash.tobytes() if s.minhash is not None else None)
        for d in doc_ids
        if (s := kept.get(d)) is not None
    ]


def signature_of_row(exact: int, minhash: bytes | None) -> Signature:
    return Signature(int(exact), np.frombuffer(minhash, dtype=np.uint32) if minhash is not None else None)


def mark(index: DupIndex, docs: Sequence[Document]) -> list[Document]:
    """The documents, each copy marked with its canonical document (`duplicate_of`, `duplicate_score`)."""
    matches = index.check([(d.id, comparison_text(d)) for d in docs])
    return [
        d if m is None else replace(d, duplicate_of=m.doc_id, duplicate_score=round(m.score, 4))
        for d, m in zip(docs, matches, strict=True)
    ]


def query_with(
    con: duckdb.DuckDBPyConnection, columns: dict[str, np.ndarray], sql: str
) -> list[tuple[object, ...]]:
    """Run `sql` with `{view}` standing for a temporary view of `columns` (numpy arrays)."""
    view = f"_link_q_{id(columns):x}"
    con.register(view, columns)
    try:
        return con.execute(sql.format(view=view)).fetchall()
    finally:
        con.unregister(view)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[object, ...]],
    conflict: str = "",
) -> None:
    """`store.insert`, with LSH band hashes as 64-bit integers."""
    insert(con, table, columns, rows, conflict, dtypes={"hash": np.int64})
