"""The fence around Whoosh's private internals: the pinned version, checked at start-up.

Two speed tricks read or write Whoosh's on-disk block format through attributes that are
not part of its API: :mod:`directory.search.bulk_writer` (a rebuild's one segment) and
:func:`read_blocks` (a whole posting list a block at a time). Both were written against
``whoosh.codec.whoosh3`` of the release below, pinned in requirements.txt. Another
release may change that format or those attributes silently, so :func:`check_whoosh`
refuses to start (app creation, and every index open) unless the installed Whoosh is
that release and the attributes are there. Nothing else in the project touches a
private name of Whoosh.
"""

from __future__ import annotations

from importlib import metadata

import numpy as np

# The distribution and release the private-API code was written for.
PINNED_DISTRIBUTION = "Whoosh-Reloaded"
PINNED_VERSION = "2.7.5"

# Private attributes the fenced code uses, by the public class that carries them.
_PRIVATE_METHODS = {
    "whoosh.codec.whoosh3.W3LeafMatcher": ("_read_data", "_next_block"),
    "whoosh.codec.whoosh3.W3PostingsWriter": ("_write_block",),
    "whoosh.codec.whoosh3.W3FieldWriter": ("start_field", "start_term", "finish_term"),
    "whoosh.codec.whoosh3.W3PerDocWriter": ("start_doc", "add_field", "finish_doc"),
    # Public, but a property in this release (a method in others): read as an attribute.
    "whoosh.reading.SegmentReader": ("deleted_docs_set",),
}


class WhooshVersionError(RuntimeError):
    """The installed Whoosh is not the release the fenced private-API code was written for."""


def installed_version() -> str | None:
    try:
        return metadata.version(PINNED_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


_checked = False


def check_whoosh() -> None:
    """Fail loudly unless the pinned Whoosh release, with the private names used, is installed.

    Checked once per process (then remembered): at app creation and at every index open.

    :raises WhooshVersionError: another release (or another distribution) is installed.
    """
    global _checked
    if not _checked:
        _check()
        _checked = True


def _check() -> None:
    import importlib

    import whoosh

    version = installed_version()
    imported = ".".join(str(part) for part in getattr(whoosh, "__version__", ()))
    if version != PINNED_VERSION or imported != PINNED_VERSION:
        raise WhooshVersionError(
            f"the search index needs {PINNED_DISTRIBUTION}=={PINNED_VERSION} (its bulk writer "
            f"and block reader use Whoosh's private block format); installed: "
            f"{PINNED_DISTRIBUTION} {version or 'absent'}, whoosh {imported or 'unknown'}. "
            "Install the pinned release (requirements.txt), or review "
            "directory/search/bulk_writer.py and directory/search/whoosh_pin.py against the "
            "new one and move the pin."
        )
    for dotted, names in _PRIVATE_METHODS.items():
        module_name, _, class_name = dotted.rpartition(".")
        owner = getattr(importlib.import_module(module_name), class_name, None)
        missing = [name for name in names if not hasattr(owner, name)]
        if owner is None or missing:
            raise WhooshVersionError(f"{dotted} lacks {', '.join(missing) or 'itself'}")


def read_blocks(matcher: object) -> tuple[np.ndarray, np.ndarray] | None:
    """A whole posting list a block at a time, decoded with numpy; None if the matcher
    is not of the pinned block format (the caller then reads it one posting at a time).

    Whoosh's matcher interface yields one posting per Python call, which made the first
    read of a common word cost tens of milliseconds at 100,000 services. Each block of
    Whoosh's own format (``whoosh.codec.whoosh3``) holds its document numbers as deltas
    and its weights as an array, a float, or None (all 1).
    """
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        return None
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    while matcher.is_active():
        matcher._read_data()
        deltas, block_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        ids.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        if block_weights is None:
            weights.append(np.ones(count, dtype=np.float32))
        elif isinstance(block_weights, float):
            weights.append(np.full(count, block_weights, dtype=np.float32))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float32))
        matcher._next_block()
    if not ids:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)
