"""Rate limits per visitor address (Flask-Limiter), on what costs the server most or is
worth guessing at: signing in (the page and ``POST /api/v1/auth/token``, one shared
budget), searching (``/cari``, and ``GET /api/v1/services`` with a text or an origin),
the map data, partner links (``RATELIMIT_PARTNER_LINK``), and streaming a whole list
(``format=ndjson`` on the directory's lists, one shared budget).

The counts live in ``RATELIMIT_STORAGE_URI``: ``memory://`` (the embedded default) counts
per worker process; ``redis://host:port`` counts once across every worker and server.
If Redis cannot be reached, each process counts for itself until it is back (no request
fails for it). Each limit is a setting (``RATELIMIT_SIGN_IN``, ``RATELIMIT_SEARCH``,
``RATELIMIT_MAP``, ``RATELIMIT_BULK``, in the ``limits`` notation: ``"30 per minute"``);
``RATELIMIT_ENABLED`` turns them all off (``make load`` does: its 50 users share one address).

A request over a limit gets 429 with ``Retry-After``: the API's JSON error
(``rate_limited``), or the Indonesian error page.

The visitor's address is ``request.remote_addr``: behind proxies, set ``TRUSTED_PROXIES``
(directory.security), or every visitor counts as the proxy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address

from directory.errors import error_body, wants_json

EXTENSION = "rate_limits"
# Parameters that make GET /api/v1/services a search (text or distance ranking).
SEARCH_PARAMETERS = ("search", "latitude", "longitude", "near")


def _not_a_search() -> bool:
    return not any(request.args.get(name) for name in SEARCH_PARAMETERS)


# The directory's lists, which stream every result with ``format=ndjson``.
BULK_ENDPOINTS = (
    "api.list_services",
    "api.list_organizations",
    "api.list_taxonomies",
    "api.list_taxonomy_terms",
    "api.list_service_at_locations",
)


def _not_a_stream() -> bool:
    return (request.args.get("format") or "").strip().lower() != "ndjson"


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def _remember_reset(limit: RequestLimit) -> None:
    """Called by Flask-Limiter on a breach: when the visitor may try again."""
    g.rate_limit_reset_at = limit.reset_at


def rate_limited(error: RateLimitExceeded) -> Any:
    reset_at = g.get("rate_limit_reset_at") or time.time() + 60
    retry_after = str(max(1, math.ceil(reset_at - time.time())))
    headers = {"Retry-After": retry_after}
    if wants_json():
        message = f"{_('Terlalu banyak permintaan')}. {_('Silakan coba lagi beberapa saat lagi.')}"
        return jsonify(error_body("rate_limited", message)), 429, headers
    return render_template("errors/http.html", status=429), 429, headers


def init_rate_limits(app: Flask) -> Limiter:
    """One limiter per app (its counts and settings are its own); call after the
    blueprints are registered."""
    storage_uri = str(app.config["RATELIMIT_STORAGE_URI"])
    options: dict[str, str | int] = {}
    if storage_uri.startswith(("redis://", "rediss://")):
        # A Redis that does not answer must not hold up requests (each process then counts
        # for itself until it is back).
        options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    limiter = Limiter(
        get_remote_address,
        storage_uri=storage_uri,
        storage_options=options,
        strategy="fixed-window",
        headers_enabled=False,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        on_breach=_remember_reset,
        key_prefix=str(app.config.get("RATELIMIT_KEY_PREFIX") or "jejaring"),
        enabled=bool(app.config["RATELIMIT_ENABLED"]),
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, rate_limited)

    sign_in = limiter.shared_limit(_setting("RATELIMIT_SIGN_IN"), scope="sign-in", methods=["POST"])
    limits = {
        "auth.login": sign_in,
        "api.issue_token": sign_in,
        "finder.search": limiter.limit(_setting("RATELIMIT_SEARCH")),
        "api.list_services": limiter.limit(_setting("RATELIMIT_SEARCH"), exempt_when=_not_a_search),
        "map.map_data": limiter.limit(_setting("RATELIMIT_MAP")),
    }
    # A partner link's page and answers: one budget, whatever the token (guessing).
    partner_link = limiter.shared_limit(_setting("RATELIMIT_PARTNER_LINK"), scope="partner-link")
    limits["partner_links.page"] = partner_link
    limits["partner_links.answer"] = partner_link
    for endpoint, limit in limits.items():
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])  # type: ignore[assignment]
    bulk = limiter.shared_limit(_setting("RATELIMIT_BULK"), scope="bulk", exempt_when=_not_a_stream)
    for endpoint in BULK_ENDPOINTS:
        app.view_functions[endpoint] = bulk(app.view_functions[endpoint])  # type: ignore[assignment]
    return limiter
