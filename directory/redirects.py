"""Where a redirect may go when the target comes from the visitor (``next=`` and the like).

One rule for every such redirect: a relative path on this site, nothing else. Pure: no
Flask, so the rule is tested on its own.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

# Percent-decoding is applied this many times at most: a browser or a proxy may decode
# once more than we do, so each layer must be as harmless as the first.
MAX_DECODING_ROUNDS = 3
MAX_LENGTH = 2000


def _harmful_character(char: str) -> bool:
    """Whitespace, control, format (zero-width, bidi) or unassigned characters, and the
    backslash, which browsers read as a slash."""
    if char == "\\" or char.isspace():
        return True
    return unicodedata.category(char)[0] in ("C", "Z")


def _is_relative_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//"):
        return False
    if any(_harmful_character(char) for char in text):
        return False
    # Look-alikes (fullwidth solidus, small reverse solidus...) fold to the real thing.
    folded = unicodedata.normalize("NFKC", text)
    return not folded.startswith("//") and "\\" not in folded


def safe_next(value: object) -> str | None:
    """``value`` when it is a path on this site (``/rujukan?x=1``), else None.

    Refused: anything not starting with exactly one ``/`` (so no scheme and no host:
    ``//evil``, ``https://evil``, ``javascript:``), backslashes, whitespace and control
    characters anywhere, in the value as given and after each round of percent-decoding
    (``/%09/evil`` would otherwise reach a browser that drops the tab: ``//evil``), and
    non-ASCII text in the value as given (a Location header is ASCII).
    """
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return None
    if not value.isascii() or not value.isprintable():
        return None
    text = value
    for _ in range(MAX_DECODING_ROUNDS + 1):
        if not _is_relative_path(text):
            return None
        try:
            decoded = unquote(text, errors="strict") if "%" in text else text
        except UnicodeDecodeError:
            return None
        if decoded == text:
            return value
        text = decoded
    # Still decoding after several rounds: nobody links like that.
    return None
