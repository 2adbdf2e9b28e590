"""polybius: an open event-data engine (news in, CAMEO/PLOVER-coded events out)."""

__version__ = "0.1.0"
