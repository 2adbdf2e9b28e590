"""The `polybius` command's entry point: the CLI with its heavy imports (spaCy, DuckDB) loaded inside a guard,
so that Ctrl-C at any moment, even while they load, ends with one line and status 130, never a traceback."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> int:
    try:
        from polybius.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:  # the CLI handles it while a command runs; this is before and after
        print("polybius: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
