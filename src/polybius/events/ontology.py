"""CAMEO and PLOVER event ontologies, loaded from the package's data files.

``data/cameo.tsv`` holds one row per CAMEO 0.7b5 code (2-digit roots, 3- and 4-digit codes) with its label,
Goldstein score, QuadClass (GDELT convention: roots 01-05 -> 1, 06-08 -> 2, 09-13 -> 3, 14-20 -> 4) and the
PLOVER type/mode/context it maps to. ``data/plover.yaml`` holds the 16 PLOVER event types with their modes,
and the PLOVER context codes.

Conventions:
- codes are strings with leading zeros ("042"); lookups are exact ("42" is not "042").
- ``plover_type`` is "" for CAMEO roots 01 and 02, which PLOVER dropped; mode and context are "" when none.
- a code can carry several PLOVER contexts, joined by ";" ("crime;corruption"); see
  ``CameoCode.plover_contexts``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

CAMEO_FILE = "cameo.tsv"
PLOVER_FILE = "plover.yaml"
CAMEO_HEADER = ("code", "label", "goldstein", "quad_class", "plover_type", "plover_mode", "plover_context")
CONTEXT_SEP = ";"
ROOTS = tuple(f"{i:02d}" for i in range(1, 21))
QUAD_NAMES = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}

_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrozenDict(dict):
    """A dict that refuses mutation, so a cached Ontology can be shared safely."""

    def _readonly(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("ontology tables are read-only")

    __setitem__ = __delitem__ = __ior__ = _readonly
    clear = pop = popitem = setdefault = update = _readonly

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


@dataclass(frozen=True)
class CameoCode:
    code: str
    label: str
    goldstein: float
    quad_class: int
    root: str
    plover_type: str
    plover_mode: str
    plover_context: str  # "" when none; several contexts are joined by ";"

    @property
    def plover_contexts(self) -> tuple[str, ...]:
        """The PLOVER contexts as a tuple (empty when none)."""
        return split_contexts(self.plover_context)


@dataclass(frozen=True)
class PloverType:
    name: str
    quad_class: int
    requires_recipient: bool
    definition: str
    modes: dict[str, str]


@dataclass(frozen=True)
class Ontology:
    cameo: dict[str, CameoCode]
    plover: dict[str, PloverType]
    contexts: dict[str, str]
    _children: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[str, list[str]] = {code: [] for code in self.cameo}
        for code in self.cameo:
            parent = _parent(code)
            if parent is not None and parent in children:
                children[parent].append(code)
        frozen = _FrozenDict((code, tuple(sorted(kids))) for code, kids in children.items())
        object.__setattr__(self, "_children", frozen)

    def code(self, code: str) -> CameoCode:
        """The CAMEO code `code` (exact string, e.g. "042"); KeyError if unknown."""
        try:
            return self.cameo[code]
        except (KeyError, TypeError):
            message = f"unknown CAMEO event code {code!r} (codes are exact strings such as '042')"
            raise KeyError(message) from None

    def root(self, code: str) -> str:
        """The 2-digit root of a code: "0421" -> "04". Structural; the code need not be in the table."""
        _check_format(code)
        return code[:2]

    def parent(self, code: str) -> str | None:
        """The parent code: "0421" -> "042", "042" -> "04", "04" -> None. Structural, like `root`."""
        _check_format(code)
        return _parent(code)

    def children(self, code: str) -> list[str]:
        """Direct children of a known code, in code order; KeyError if the code is unknown."""
        if not self.is_valid(code):
            self.code(code)  # raises the KeyError
        return list(self._children[code])

    def descendants(self, code: str) -> list[str]:
        """All codes below `code` (children, grandchildren), in code order."""
        out: list[str] = []
        for child in self.children(code):
            out.append(child)
            out.extend(self.descendants(child))
        return sorted(out)

    def is_valid(self, code: str) -> bool:
        return isinstance(code, str) and code in self.cameo

    def codes_for_plover(self, plover_type: str) -> list[str]:
        """CAMEO codes that map to a PLOVER type, in code order."""
        return sorted(c.code for c in self.cameo.values() if c.plover_type == plover_type)


def split_contexts(value: str) -> tuple[str, ...]:
    """Split a ";"-joined context field into its context codes."""
    return tuple(part for part in value.split(CONTEXT_SEP) if part)


def quad_class_of_root(root: str) -> int:
    """QuadClass of a CAMEO root (GDELT convention): 01-05 -> 1, 06-08 -> 2, 09-13 -> 3, 14-20 -> 4."""
    number = int(root)
    if not 1 <= number <= 20:
        raise ValueError(f"not a CAMEO root: {root!r}")
    return 1 if number <= 5 else 2 if number <= 8 else 3 if number <= 13 else 4


def default_data_dir() -> Path:
    return Path(__file__).parents[1] / "data"


def load_ontology(data_dir: Path | None = None) -> Ontology:
    """Load and validate ``cameo.tsv`` and ``plover.yaml`` from `data_dir` (default: the package data)."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    plover, contexts = _load_plover(data_dir / PLOVER_FILE)
    cameo = _load_cameo(data_dir / CAMEO_FILE, plover, contexts)
    return Ontology(cameo=cameo, plover=plover, contexts=contexts)


@functools.cache
def default_ontology() -> Ontology:
    """The package's ontology, loaded once (it is immutable)."""
    return load_ontology()


# --- helpers ---------------------------------------------------------------------------------------------


def _parent(code: str) -> str | None:
    return None if len(code) <= 2 else code[:-1]


def _check_format(code: str) -> None:
    if not (isinstance(code, str) and 2 <= len(code) <= 4 and code.isascii() and code.isdigit()):
        raise ValueError(f"not a CAMEO event code: {code!r} (expected 2 to 4 digits)")


def _fail(path: Path, where: int | str, message: str) -> NoReturn:
    raise ValueError(f"{path}:{where}: {message}")


def _load_plover(path: Path) -> tuple[dict[str, PloverType], dict[str, str]]:
    try:
        with path.open(encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(doc, Mapping) or not isinstance(doc.get("types"), Mapping):
        raise ValueError(f"{path}: expected a mapping with 'types' and 'contexts'")
    raw_contexts = doc.get("contexts")
    if not isinstance(raw_contexts, Mapping) or not raw_contexts:
        raise ValueError(f"{path}: 'contexts' must be a non-empty mapping of name -> description")
    contexts = _FrozenDict()
    for name, text in raw_contexts.items():
        if not _is_name(name, str.islower) or not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}: context {name!r}: needs a lower-case name and a description")
        dict.__setitem__(contexts, name, text.strip())
    types = _FrozenDict()
    for name, entry in doc["types"].items():
        dict.__setitem__(types, name, _plover_type(path, name, entry))
    return types, contexts


def _plover_type(path: Path, name: Any, entry: Any) -> PloverType:
    where = f"type {name!r}"
    if not _is_name(name, str.isupper) or not isinstance(entry, Mapping):
        raise ValueError(f"{path}: {where}: needs an upper-case name and a mapping")
    quad = entry.get("quad_class")
    if type(quad) is not int or not 1 <= quad <= 4:
        raise ValueError(f"{path}: {where}: quad_class must be 1-4, got {quad!r}")
    recipient = entry.get("requires_recipient")
    if not isinstance(recipient, bool):
        raise ValueError(f"{path}: {where}: requires_recipient must be true or false")
    definition = entry.get("definition")
    if not isinstance(definition, str) or not definition.strip():
        raise ValueError(f"{path}: {where}: definition is missing")
    modes = entry.get("modes") or {}
    if not isinstance(modes, Mapping) or not all(
        _is_name(m, str.islower) and isinstance(d, str) and d.strip() for m, d in modes.items()
    ):
        raise ValueError(f"{path}: {where}: modes must map lower-case names to descriptions")
    return PloverType(
        name=name,
        quad_class=quad,
        requires_recipient=recipient,
        definition=" ".join(definition.split()),
        modes=_FrozenDict((m, d.strip()) for m, d in modes.items()),
    )


def _is_name(value: Any, case: Any) -> bool:
    return isinstance(value, str) and value.replace("_", "").isalpha() and case(value)


def _load_cameo(
    path: Path, plover: Mapping[str, PloverType], contexts: Mapping[str, str]
) -> dict[str, CameoCode]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from exc
    if not lines or tuple(lines[0].split("\t")) != CAMEO_HEADER:
        _fail(path, 1, f"header must be {' '.join(CAMEO_HEADER)!r} (tab-separated)")
    codes: dict[str, CameoCode] = {}
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        entry = _cameo_row(path, lineno, line, plover, contexts)
        if entry.code in codes:
            _fail(path, lineno, f"duplicate code {entry.code!r}")
        parent = _parent(entry.code)
        if parent is not None and parent not in codes:
            _fail(path, lineno, f"code {entry.code!r} comes before (or without) its parent {parent!r}")
        codes[entry.code] = entry
    missing = [root for root in ROOTS if root not in codes]
    if missing:
        raise ValueError(f"{path}: missing root codes: {', '.join(missing)}")
    return _FrozenDict(codes)


def _cameo_row(
    path: Path, lineno: int, line: str, plover: Mapping[str, PloverType], contexts: Mapping[str, str]
) -> CameoCode:
    fields = line.split("\t")
    if len(fields) != len(CAMEO_HEADER):
        _fail(path, lineno, f"expected {len(CAMEO_HEADER)} tab-separated fields, got {len(fields)}")
    code, label, goldstein, quad, ptype, mode, context = fields
    if not (2 <= len(code) <= 4 and code.isascii() and code.isdigit()):
        _fail(path, lineno, f"bad code {code!r}: expected 2 to 4 digits")
    if code[:2] not in ROOTS:
        _fail(path, lineno, f"code {code!r} has no valid root (roots are 01-20)")
    if not label.strip():
        _fail(path, lineno, f"code {code!r} has an empty label")
    try:
        score = float(goldstein)
    except ValueError:
        _fail(path, lineno, f"goldstein {goldstein!r} is not a number")
    if not -10.0 <= score <= 10.0:
        _fail(path, lineno, f"goldstein {score} outside -10..10")
    if quad not in ("1", "2", "3", "4"):
        _fail(path, lineno, f"quad_class {quad!r} must be 1, 2, 3 or 4")
    expected_quad = quad_class_of_root(code[:2])
    if int(quad) != expected_quad:
        _fail(path, lineno, f"quad_class {quad} disagrees with root {code[:2]} (expected {expected_quad})")
    if ptype and ptype not in plover:
        _fail(path, lineno, f"unknown PLOVER type {ptype!r}")
    if mode and (not ptype or mode not in plover[ptype].modes):
        _fail(path, lineno, f"mode {mode!r} is not a mode of PLOVER type {ptype or '(none)'}")
    for ctx in split_contexts(context):
        if ctx not in contexts:
            _fail(path, lineno, f"unknown PLOVER context {ctx!r}")
    return CameoCode(
        code=code,
        label=label.strip(),
        goldstein=score,
        quad_class=int(quad),
        root=code[:2],
        plover_type=ptype,
        plover_mode=mode,
        plover_context=context,
    )
