"""The link stage's benchmarks, one sub-benchmark per job (each is also a script of its own).

    python benchmarks/linking.py duplicates [ARGS...]   # copies found, false merges, check speed at 10k/100k stored
    python benchmarks/linking.py similarity [ARGS...]   # SemEval-2022 Task 8 training pairs, 5-fold CV
    python benchmarks/linking.py stories [ARGS...]      # the project's story set: pairwise same-story P/R/F1
    python benchmarks/linking.py all                    # every sub-benchmark with its defaults
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {"duplicates": "duplicates.py", "similarity": "similarity.py", "stories": "stories.py"}


def load(name: str):  # noqa: ANN201 - a module loaded from a file next to this one
    spec = importlib.util.spec_from_file_location(f"polybius_bench_{name}", HERE / BENCHMARKS[name])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in (*BENCHMARKS, "all"):
        print(__doc__.strip())
        return 2
    if argv[0] == "all":
        status = 0
        for name in BENCHMARKS:
            print(f"## {name}\n")
            status |= load(name).main([])
            print()
        return status
    return load(argv[0]).main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
