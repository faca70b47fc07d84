"""``python -m bench``: every benchmark module present, each with a ``main() -> int``.

``BENCH_ONLY=search`` (or ``map``, ``relevance``, ``sheets``, ``ndjson``) runs one;
``BENCH_SIZES=10000`` makes the search and NDJSON benchmarks quick.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

BENCHMARKS = {
    "search": "bench.search_bench",
    "map": "bench.map_bench",
    "relevance": "bench.relevance_bench",
    "sheets": "bench.sheet_import_bench",
    "ndjson": "bench.ndjson_bench",
}


def main() -> int:
    only = os.environ.get("BENCH_ONLY")
    status = 0
    for name, module_name in BENCHMARKS.items():
        if only and name != only:
            continue
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        status = max(status, int(module.main() or 0))
        sys.stdout.flush()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
