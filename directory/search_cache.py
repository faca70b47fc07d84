"""A per-process cache of public search answers, for ``GET /api/v1/services`` and ``/cari``.

Counsellors search for the same few problems in the same few places all day, and one
search costs tens of milliseconds of CPU (resolving the place, ranking, loading and
serializing the page). Each worker process keeps its latest answers in a bounded LRU,
keyed by the normalized parameters and the directory's *version*:

- the id of the newest ``change_log`` entry: every directory edit appends one in its own
  transaction, so the first search after the commit misses and shows the edit at once;
- the generation of the process's search index snapshot: when the index applies that
  edit a moment later, the ranking may change, so the answers computed before go too.

A version change empties the cache (old answers can never be asked for again). Answers
given from the database because the index is unusable (``degraded``) are not kept.

A page that is not kept yet is mostly made of parts that are: the same services come up
in many searches. :func:`cached_parts` keeps such parts (each service's serialized
entry) in a second, larger LRU at the same version, so a new search loads from the
database only the services no recent answer showed.

Only public directory data is stored: callers key by parameters that say nothing about
who asks, and store nothing that depends on the user, the language or a session. The
views still build each response (headers, cookies, language) per request.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import func, select

from directory.extensions import db
from directory.institutions.models import ChangeLogEntry
from directory.search.service import state_of

T = TypeVar("T")

EXTENSION = "search_result_cache"
PARTS_EXTENSION = "search_part_cache"
# Parts kept per answer kept: a page shows up to 20 services, and answers share many.
PARTS_PER_ANSWER = 20

# The directory version of the answer :func:`cached` is computing now, if any.
_computing_version: ContextVar[Hashable | None] = ContextVar("computing_version", default=None)


class ResultCache:
    """A thread-safe LRU of at most ``max_entries`` answers, all of one directory version."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._version: Hashable = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: Hashable, key: Hashable) -> tuple[bool, Any]:
        """``(True, answer)`` when ``key`` is cached for ``version``, else ``(False, None)``."""
        with self._lock:
            if version == self._version and key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return True, self._entries[key]
            self.misses += 1
            return False, None

    def put(self, version: Hashable, key: Hashable, answer: Any) -> None:
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def items(self) -> list[tuple[Hashable, Any]]:
        """The keys and answers kept now, least recently used first."""
        with self._lock:
            return list(self._entries.items())

    def __len__(self) -> int:
        return len(self._entries)


def cache_of(app: Flask, extension: str = EXTENSION) -> ResultCache | None:
    """The app's answer cache (or, with ``PARTS_EXTENSION``, its parts cache) in this
    process; None when ``SEARCH_RESULT_CACHE_ENTRIES`` is 0."""
    cache = app.extensions.get(extension)
    if cache is None:
        entries = int(app.config["SEARCH_RESULT_CACHE_ENTRIES"])
        if entries <= 0:
            return None
        if extension == PARTS_EXTENSION:
            entries *= PARTS_PER_ANSWER
        cache = app.extensions.setdefault(extension, ResultCache(entries))
    return cache


def directory_version(app: Flask) -> Hashable | None:
    """The newest change-log id, the index snapshot's generation and the index's files
    (name, size, time of change); None when the index is unusable (the search answers
    from the database, which is not cached).

    With the files, a file changed in place (restored, damaged) drops the answers ranked
    from it: the next search reads the index, and a failed read asks for a rebuild.
    """
    head = db.session.scalar(select(func.max(ChangeLogEntry.id)))
    try:
        state = state_of(app)
        generation = state.reader.snapshot().generation
        build = state.folder.root / generation[0]
        with os.scandir(build) as entries:
            files = tuple(
                sorted(
                    (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
                    for entry in entries
                )
            )
    except Exception:  # unusable now: find_services reports and heals it
        return None
    return (head or 0, generation, files)


def current_minute(now: datetime | None = None) -> datetime:
    """``now`` (default: the clock) to the minute: the grain of opening hours, so answers
    that depend on the time are shared within a minute."""
    return (now or datetime.now(UTC)).replace(second=0, microsecond=0)


def cached(key: Hashable, compute: Callable[[], T], keep: Callable[[T], bool]) -> T:
    """The cached answer for ``key`` at the directory's current version, or ``compute()``,
    stored when ``keep(answer)``.

    ``key`` must hold everything the answer depends on except the directory itself:
    normalized parameters and, for answers that show opening hours, the minute.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = cache_of(app)
    version = directory_version(app) if cache is not None else None
    if cache is None or version is None:
        return compute()
    found, answer = cache.get(version, key)
    if found:
        # As after any search: the keeper looks whether the index is behind or broken
        # (a search that failed to read it asked for a rebuild).
        state_of(app).poke()
        return answer
    computing = _computing_version.set(version)
    try:
        answer = compute()
    finally:
        _computing_version.reset(computing)
    if keep(answer):
        cache.put(version, key, answer)
    return answer


def cached_parts(
    kind: str, ids: Sequence[str], load: Callable[[list[str]], dict[str, T]]
) -> dict[str, T]:
    """Parts of the answer :func:`cached` is computing (``kind``: what they are, such as
    ``"service_summary"``), by id: those kept at the answer's directory version, and
    ``load(missing ids)`` for the others, kept in turn. Outside such a computation (no
    cache, an unusable index) everything is loaded.

    Parts are shared between requests and threads: callers copy before changing one.
    An id ``load`` does not return (deleted since the index saw it) is not in the answer.
    """
    version = _computing_version.get()
    cache = cache_of(current_app._get_current_object(), PARTS_EXTENSION)  # type: ignore[attr-defined]
    if version is None or cache is None:
        return load(list(ids))
    found: dict[str, T] = {}
    missing = []
    for part_id in ids:
        kept, part = cache.get(version, (kind, part_id))
        if kept:
            found[part_id] = part
        else:
            missing.append(part_id)
    if missing:
        for part_id, part in load(missing).items():
            cache.put(version, (kind, part_id), part)
            found[part_id] = part
    return found
