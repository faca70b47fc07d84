"""A rebuild on two cores: a worker process writes the segment while this one reads.

A full rebuild spends about half its time reading the records from the database and
making their documents, and half analysing them and writing Whoosh's files. With
``parallel`` (the setting ``SEARCH_PARALLEL_BUILD``, on by default, for directories of
at least :data:`MIN_SERVICES` services), :func:`directory.search.index.build` hands its
documents to :func:`write_segment_in_worker`: a child process
(:mod:`directory.search.segment_worker`, started without the app) runs
:func:`directory.search.index.write_segment` on them, the very function a build without
a worker runs in-process, while this process goes on reading.
``tests/test_search_parallel_build.py`` checks that both give the same index.

The fence:

- the child is a fresh interpreter (``subprocess``, never ``fork``): it inherits no
  thread, lock or database connection, imports neither Flask nor SQLAlchemy (a test
  checks) and touches no database; it reads documents
  (plain tuples of strings, pickled a batch at a time) on its standard input and writes
  one pickled answer (the vocabulary, or the error) on its standard output;
- a pipe holds a few batches: when the child is behind, this process waits (memory
  stays flat);
- on any error or cancel here (the database failing, ``KeyboardInterrupt``), the child
  is killed and reaped before the error goes on; an error in the child comes back as
  :class:`WorkerFailed`; if this process dies, the child reads the end of its input
  before the last batch and exits without committing. The build's folder is removed by
  the caller either way;
- a worker that cannot start (:class:`WorkerUnavailable`) has read nothing: the caller
  writes the segment itself, and logs it.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

# Below this many services a worker's start-up (a new interpreter, about a second of
# CPU) costs more than it saves: the build runs in-process.
MIN_SERVICES = 5000
# Documents per pickled batch.
BATCH = 500
# The document's keys, in the order the tuples carry them ("words" is added by the child).
FIELDS = ("id", "names", "terms", "description", "places", "card")
# The folder holding the ``directory`` package.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
# The worker's start: the package ``directory`` as a bare namespace (its ``__init__`` is
# the app factory, which would import Flask, SQLAlchemy and every feature: a second of
# CPU the worker has no use for), then the search modules it runs.
_BOOTSTRAP = """\
import sys, types
package = types.ModuleType("directory")
package.__path__ = [sys.argv[1]]
sys.modules["directory"] = package
from directory.search.segment_worker import main
raise SystemExit(main(sys.argv[2:]))
"""


class WorkerFailed(RuntimeError):
    """The worker process failed to write the segment."""


class WorkerUnavailable(WorkerFailed):
    """No worker process could be started; no document was read yet (the caller may
    write the segment itself)."""


def worth_a_worker(services: int) -> bool:
    return services >= MIN_SERVICES


def write_segment_in_worker(
    path: Path, documents: Iterable[dict[str, str]], *, bulk: bool = True
) -> Counter[str]:
    """What :func:`directory.search.index.write_segment` returns, computed by a child
    process fed with ``documents`` from this one."""
    try:
        process = start_worker(path, bulk=bulk)
    except OSError as error:
        raise WorkerUnavailable(f"no index worker: {error}") from error
    try:
        stdin = process.stdin
        assert stdin is not None
        batch: list[tuple[str, ...]] = []
        for values in documents:
            batch.append(tuple(values[name] for name in FIELDS))
            if len(batch) >= BATCH:
                _send(process, stdin, batch)
                batch = []
        if batch:
            _send(process, stdin, batch)
        _send(process, stdin, None)
        stdin.close()
        words = _answer(process)
    except BaseException:
        stop_worker(process)
        raise
    stop_worker(process)  # ended already: closes its pipes
    return words


def start_worker(path: Path, *, bulk: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _BOOTSTRAP,
            str(_PACKAGE_ROOT / "directory"),
            str(path),
            "bulk" if bulk else "public",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Kill the worker if it still runs, reap it and close its pipes."""
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):  # a broken pipe: closed all the same
                stream.close()


def _send(
    process: subprocess.Popen[bytes], stdin: IO[bytes], batch: list[tuple[str, ...]] | None
) -> None:
    try:
        pickle.dump(batch, stdin, protocol=pickle.HIGHEST_PROTOCOL)
    except BrokenPipeError:  # the worker stopped early: its answer says why
        raise WorkerFailed(_failure(process)) from None


def _answer(process: subprocess.Popen[bytes]) -> Counter[str]:
    stdout = process.stdout
    assert stdout is not None
    try:
        status, value = pickle.load(stdout)
    except (EOFError, pickle.UnpicklingError, ValueError):
        process.wait()
        raise WorkerFailed(
            f"the index worker ended without an answer ({process.returncode})"
        ) from None
    process.wait()
    if status != "ok" or process.returncode != 0:
        raise WorkerFailed(f"the index worker failed: {value}")
    return Counter(value)


def _failure(process: subprocess.Popen[bytes]) -> str:
    stdout = process.stdout
    try:
        status, value = pickle.load(stdout)  # type: ignore[arg-type]
    except Exception:  # no answer at all: the exit status is all there is
        process.wait()
        return f"the index worker ended early ({process.returncode})"
    return f"the index worker failed: {value}" if status != "ok" else "the index worker ended"


def run_worker(
    stdin: IO[bytes],
    stdout: IO[bytes],
    path: Path,
    *,
    bulk: bool,
    write_segment: Callable[..., Counter[str]],
) -> int:
    """The child's side: documents from ``stdin`` through ``write_segment``, the answer
    to ``stdout``. Called by :mod:`directory.search.segment_worker`."""

    def documents() -> Iterable[dict[str, str]]:
        while True:
            batch = pickle.load(stdin)  # EOFError: the parent went away, nothing commits
            if batch is None:
                return
            for values in batch:
                yield dict(zip(FIELDS, values, strict=True))

    try:
        words = write_segment(path, documents(), bulk=bulk)
    except BaseException as error:
        traceback.print_exc()  # to the build's own standard error
        answer: tuple[str, object] = ("error", f"{type(error).__name__}: {error}")
        code = 1
    else:
        answer, code = ("ok", dict(words)), 0
    try:
        pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()
    except BrokenPipeError:  # the parent went away
        return 1
    return code
