"""polybius: an open event-data engine (news in, CAMEO/PLOVER-coded events out).

The Python API (`polybius.library`) is imported on first use, so `import polybius` stays fast:

    import polybius
    coder = polybius.Coder()
    events = coder.code("Russian jets bombed rebel positions near Aleppo on Tuesday.", date="2016-10-04")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Coder", "DocumentFailed", "DocumentWarning", "Store", "code", "code_frame", "schema"]

if TYPE_CHECKING:
    from polybius.library import Coder, DocumentFailed, DocumentWarning, Store, code, code_frame


def schema() -> dict[str, Any]:
    """The JSON Schema of an event record (as printed by `polybius schema`)."""
    from polybius.record import json_schema

    return json_schema()


def __getattr__(name: str) -> Any:
    if name in __all__:
        from polybius import library

        return getattr(library, name)
    raise AttributeError(f"module 'polybius' has no attribute {name!r}")
