"""The worker process of a parallel rebuild, started by
:mod:`directory.search.parallel_build` (its bootstrap loads the search modules without
the app factory; ``python -m directory.search.segment_worker FOLDER bulk|public`` works
too, with it): it reads documents on its standard input, writes the segment into FOLDER
with :func:`directory.search.index.write_segment`, and answers on its standard output."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from directory.search import index
from directory.search.parallel_build import run_worker


def main(arguments: list[str]) -> int:
    folder, writer = arguments
    # This process only builds: what exists now lives to its end, and a build makes
    # millions of small objects, few of them in cycles. Fewer collections save time.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to the log, not into the answer
    return run_worker(
        stdin, stdout, Path(folder), bulk=writer == "bulk", write_segment=index.write_segment
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
