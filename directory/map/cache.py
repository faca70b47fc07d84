"""The map document, built once per change of the directory and kept in memory.

Building it reads every public location (about a second at 10,000 locations); serving
it from memory costs nothing. Each app process keeps its own copy, rebuilt when
:func:`directory.map.data.data_version` changes, and at the latest after ``max_age``
seconds (some edits, such as a changed street address, leave the fingerprint as it
was). The fingerprint itself (ten aggregate queries) is taken at most every
``recheck_after`` seconds, not for every request. The gzip form is made once per build
too: the document is most of what a phone downloads, and JSON of repeated names
compresses about five to one.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CachedDocument:
    version: str
    document: dict[str, Any]
    body: bytes
    gzipped: bytes
    etag: str
    built_at: float = field(default_factory=time.monotonic)


class MapDocumentCache:
    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._entry: CachedDocument | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def get(
        self,
        version: Callable[[], str],
        build: Callable[[], dict[str, Any]],
        encode: Callable[[dict[str, Any]], bytes],
        recheck_after: float = 0.0,
    ) -> CachedDocument:
        """The cached document while young enough and of the current ``version()``
        (asked at most every ``recheck_after`` seconds); else ``build()`` it (one thread
        at a time: the others wait and take its result)."""
        entry = self._entry
        if entry is not None and self._recent(entry, recheck_after):
            return entry
        with self._lock:
            entry = self._entry
            if entry is not None and self._recent(entry, recheck_after):
                return entry
            current = version()
            self._checked_at = time.monotonic()
            if entry is not None and entry.version == current and self._young(entry):
                return entry
            document = build()
            body = encode(document)
            entry = CachedDocument(
                version=current,
                document=document,
                body=body,
                gzipped=gzip.compress(body, compresslevel=9, mtime=0),
                etag=hashlib.sha256(body).hexdigest()[:32],
            )
            self._entry = entry
            return entry

    def _young(self, entry: CachedDocument) -> bool:
        return time.monotonic() - entry.built_at < self.max_age

    def _recent(self, entry: CachedDocument, recheck_after: float) -> bool:
        return self._young(entry) and time.monotonic() - self._checked_at < recheck_after
