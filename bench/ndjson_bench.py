"""``format=ndjson`` at 10,000 and 100,000 services: memory stays flat, the first line
comes at once.

For each size (``BENCH_SIZES``, default ``10000,100000``) the synthetic directory of the
search benchmark (``bench.search_bench.build_directory``: the seed's listings copied to
random districts, in a temporary SQLite database) is streamed in full through the app
(``GET /api/v1/services?format=ndjson``, summaries and ``full=true``; ``minimal=true``),
read chunk by chunk as a client would. For each:

- time to the first line (median of ``FIRST_LINE_RUNS``, the stream closed after it);
- time to the last line, lines and bytes, and how much the process's resident memory
  grew while streaming (sampled from ``/proc/self/statm`` at each chunk);
- for summaries and ``minimal``, the peak of Python's allocations while streaming
  (tracemalloc, a second pass; too slow for the full records at 100,000);
- for comparison, the same for one ordinary JSON page of 100 full services.

Flat memory means the same growth and peak at 10,000 as at 100,000 services.

The machine has 2 cores shared with other work: times vary from run to run.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.search_bench import build_directory

QUERIES = {
    "summaries": "/api/v1/services?format=ndjson",
    "full": "/api/v1/services?format=ndjson&full=true",
    "minimal": "/api/v1/services?format=ndjson&minimal=true",
}
PAGE = "/api/v1/services?full=true&per_page=100"
# Also read under tracemalloc (the full records would take too long at 100,000).
TRACED = ("summaries", "minimal")
FIRST_LINE_RUNS = 5


@dataclass
class Stream:
    first_line: float
    total: float
    lines: int
    bytes: int
    # Growth of the resident set while streaming, MB.
    rss_growth: float


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 1e6


def first_line(client: Any, url: str) -> float:
    """Seconds until the first complete line has arrived; the stream is then closed."""
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    assert response.status_code == 200, response.status_code
    for chunk in response.response:
        if b"\n" in (chunk if isinstance(chunk, bytes) else chunk.encode()):
            break
    seconds = time.perf_counter() - started
    response.close()
    return seconds


def stream(client: Any, url: str) -> Stream:
    """Read the answer chunk by chunk; time the first complete line and the end."""
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    assert response.status_code == 200, response.status_code
    first_line = None
    lines = 0
    size = 0
    baseline = highest = resident_mb()
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        if first_line is None and b"\n" in data:
            first_line = time.perf_counter() - started
        lines += data.count(b"\n")
        size += len(data)
        highest = max(highest, resident_mb())
    response.close()
    return Stream(first_line or 0.0, time.perf_counter() - started, lines, size, highest - baseline)


def peak_of(client: Any, url: str, *, streamed: bool = True) -> tuple[float, int, float]:
    """Peak Python allocations (MB) while answering ``url`` (read as it comes), the lines
    read and the seconds taken (slowed by tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    lines = 0
    if streamed:
        response = client.get(url, buffered=False)
        for chunk in response.response:
            lines += (chunk if isinstance(chunk, bytes) else chunk.encode()).count(b"\n")
        response.close()
    else:
        client.get(url).get_data()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak / 1e6, lines, seconds


def run_size(size: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(size)
    folder = Path(tempfile.mkdtemp(prefix=f"bench-ndjson-{size}-"))
    peaks: dict[str, tuple[float, float]] = {}
    try:
        print(f"\n== {size:,} services ==", flush=True)
        started = time.perf_counter()
        app = build_directory(folder, size, rng)
        print(f"synthetic directory: {time.perf_counter() - started:.1f} s", flush=True)
        client = app.test_client()
        for label, url in QUERIES.items():
            first = statistics.median(first_line(client, url) for _ in range(FIRST_LINE_RUNS))
            figures = stream(client, url)
            assert figures.lines == size, (label, figures.lines)
            traced = float("nan")
            if label in TRACED:
                traced, lines, _seconds = peak_of(client, url)
                assert lines == size, (label, lines)
            peaks[label] = (figures.rss_growth, traced)
            print(
                f"  {label:9} first line {first * 1000:6.1f} ms   all {figures.lines:,} lines "
                f"{figures.total:6.1f} s, {figures.bytes / 1e6:6.1f} MB   resident memory "
                f"+{figures.rss_growth:5.1f} MB   peak Python allocations {traced:5.1f} MB",
                flush=True,
            )
        before = resident_mb()
        page_peak = peak_of(client, PAGE, streamed=False)[0]
        print(
            f"  one JSON page of 100 full services: peak Python allocations {page_peak:.1f} MB "
            f"(resident +{resident_mb() - before:.1f} MB)"
        )
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  process maximum resident set so far (building included): {maxrss:.0f} MB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return peaks


def main() -> int:
    sizes = [int(part) for part in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    print("NDJSON streaming benchmark (2 shared cores: times are noisy)")
    results = {size: run_size(size) for size in sizes}
    if len(sizes) > 1:
        small, large = results[min(sizes)], results[max(sizes)]
        print(f"\nflat memory ({min(sizes):,} -> {max(sizes):,} services):")
        for label in QUERIES:
            (small_rss, small_traced), (large_rss, large_traced) = small[label], large[label]
            print(
                f"  {label:9} resident growth +{small_rss:5.1f} MB -> +{large_rss:5.1f} MB; "
                f"peak Python allocations {small_traced:5.1f} MB -> {large_traced:5.1f} MB "
                f"({max(sizes) // min(sizes)}x the services)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
