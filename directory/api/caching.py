"""Who may keep an API answer: the public directory for a minute in any cache, an answer
that reveals where the person asking is in none."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

# The directory is public and changes rarely: shared caches may keep an answer briefly.
PUBLIC_MAX_AGE = 60


def public_json(payload: Any) -> Response:
    """JSON of public directory data, cacheable for a minute."""
    response = jsonify(payload)
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    return response


def private_answer(response: Response) -> None:
    """An answer that reveals where the person asking is (or looks): no shared cache may
    keep it, and no cache at all need."""
    response.cache_control.public = False
    response.cache_control.max_age = None
    response.cache_control.private = True
    response.cache_control.no_store = True
