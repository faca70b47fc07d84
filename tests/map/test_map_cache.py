"""The in-memory map document cache: rebuilt on a new version or when too old."""

from __future__ import annotations

import gzip
import json
from typing import Any

from directory.map.cache import MapDocumentCache


class Counter:
    def __init__(self, *values: str) -> None:
        self.calls = 0
        self.values = values

    def version(self) -> str:
        self.calls += 1
        return self.values[min(self.calls, len(self.values)) - 1]


class Builder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return {"build": self.calls}


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def test_same_version_is_built_once() -> None:
    cache, build, versions = MapDocumentCache(max_age=300), Builder(), Counter("v1")
    first = cache.get(versions.version, build, encode)
    second = cache.get(versions.version, build, encode)
    assert (versions.calls, build.calls) == (2, 1)
    assert second is first
    assert gzip.decompress(first.gzipped) == first.body == b'{"build": 1}'


def test_new_version_is_rebuilt_with_a_new_etag() -> None:
    cache, build, versions = MapDocumentCache(max_age=300), Builder(), Counter("v1", "v2")
    first = cache.get(versions.version, build, encode)
    second = cache.get(versions.version, build, encode)
    assert build.calls == 2
    assert second.document == {"build": 2}
    assert second.etag != first.etag


def test_version_is_asked_at_most_every_recheck_interval() -> None:
    cache, build, versions = MapDocumentCache(max_age=300), Builder(), Counter("v1", "v2")
    cache.get(versions.version, build, encode, recheck_after=300)
    again = cache.get(versions.version, build, encode, recheck_after=300)
    assert (versions.calls, build.calls) == (1, 1)
    assert again.version == "v1"


def test_too_old_is_rebuilt_even_at_the_same_version() -> None:
    cache, build, versions = MapDocumentCache(max_age=0), Builder(), Counter("v1")
    cache.get(versions.version, build, encode, recheck_after=300)
    cache.get(versions.version, build, encode, recheck_after=300)
    assert build.calls == 2
