"""The map document of this process: built from the directory when it changed, else kept
(:mod:`directory.map.cache`). Read by the map page, the small maps and the warm-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from directory.extensions import db
from directory.geo.timezones import ZONES
from directory.map.blueprint import bp
from directory.map.cache import CachedDocument, MapDocumentCache
from directory.map.data import build_map_data, data_version, encode

# How long an edit the fingerprint cannot see (a changed street address, say) may go
# unseen; and how often the fingerprint is taken (config MAP_DOCUMENT_MAX_AGE and
# MAP_VERSION_RECHECK_SECONDS).
DEFAULT_DOCUMENT_MAX_AGE = 300
DEFAULT_VERSION_RECHECK = 5


@bp.record_once
def _create_caches(state: Any) -> None:
    max_age = state.app.config.get("MAP_DOCUMENT_MAX_AGE", DEFAULT_DOCUMENT_MAX_AGE)
    state.app.extensions["map_document_cache"] = MapDocumentCache(max_age=max_age)
    state.app.extensions["map_overview"] = {}


def map_document() -> CachedDocument:
    """The current map document, from this process's cache when still current.

    The date is part of the version: dated schedules (``valid_from``/``valid_to``) start
    and stop applying at midnight (WIB, near enough for a day's boundary).
    """
    cache: MapDocumentCache = current_app.extensions["map_document_cache"]
    today = datetime.now(ZONES["WIB"]).date()
    return cache.get(
        lambda: f"{data_version(db.session)}:{today.isoformat()}",
        lambda: build_map_data(db.session, today),
        encode,
        recheck_after=current_app.config.get(
            "MAP_VERSION_RECHECK_SECONDS", DEFAULT_VERSION_RECHECK
        ),
    )
