"""A bounded memo for look-ups that depend only on an object that never changes (a
gazetteer, a search index snapshot), kept on that object."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


def remembered(
    store: dict[Key, Value], key: Key, compute: Callable[[], Value], limit: int
) -> Value:
    """``store[key]``, computed by ``compute()`` and kept on first use.

    The keys are what users type, so the store is bounded: when it holds ``limit``
    answers it starts again empty, which costs less than keeping a recency order on every
    hit. Threads may share a store: at worst two compute the same answer.
    """
    found = store.get(key)
    if found is None:
        found = compute()
        if len(store) >= limit:
            store.clear()
        store[key] = found
    return found
