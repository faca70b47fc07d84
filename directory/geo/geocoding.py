"""Geocoding: the offline gazetteer first, geopy's Nominatim only when configured.

:class:`GazetteerGeocoder` is a geopy geocoder of our own over the region table, so the
same interface (``geocode``, ``reverse``, :class:`geopy.location.Location`, geopy's
``RateLimiter``) works with no network. Nominatim is used only when
``GEOCODER_NOMINATIM_USER_AGENT`` is set (Nominatim's policy asks for an identifying user
agent and at most one request a second): it is rate-limited by ``RateLimiter`` and its
answers are cached for the life of the process. It is off by default.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Flask, current_app
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point
from sqlalchemy import select

from directory.extensions import db
from directory.geo import models
from directory.geo.gazetteer import Gazetteer, RegionEntry, Resolution

ONLINE_CACHE_SIZE = 1024


class GazetteerGeocoder(Geocoder):
    """Place names to coordinates from the region table; never touches the network."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        super().__init__(user_agent="jejaring-rujukan-gazetteer")
        self.gazetteer = gazetteer

    @staticmethod
    def _location(region: RegionEntry, label: str) -> Location:
        return Location(
            label,
            Point(region.latitude, region.longitude),
            {"code": region.code, "level": region.level, "name": region.name},
        )

    def geocode(
        self, query: str, *, exactly_one: bool = True, timeout: Any = None
    ) -> Location | list[Location] | None:
        if exactly_one:
            resolution = self.gazetteer.resolve(query)
            if resolution.place is None:
                return None
            return self._location(resolution.place, resolution.candidates[0].label)
        found = [self._location(c.region, c.label) for c in self.gazetteer.search(query)]
        return found or None

    def reverse(
        self, query: Any, *, exactly_one: bool = True, timeout: Any = None
    ) -> Location | list[Location] | None:
        point = Point(query)
        code = self.gazetteer.district_at(point.latitude, point.longitude)
        if code is None:
            return None
        region = self.gazetteer.regions[code]
        location = self._location(region, ", ".join((region.name, *self.gazetteer.context(region))))
        return location if exactly_one else [location]


def regions_from_database() -> list[RegionEntry]:
    rows = db.session.execute(
        select(
            models.Region.code,
            models.Region.name,
            models.Region.level,
            models.Region.parent_code,
            models.Region.latitude,
            models.Region.longitude,
        )
    )
    return [RegionEntry(*row) for row in rows]


def gazetteer(app: Flask | None = None) -> Gazetteer:
    """The process's gazetteer, loaded from the region table on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("gazetteer")
    if found is None or not found.regions:
        found = Gazetteer(regions_from_database())
        app.extensions["gazetteer"] = found
    return found


@lru_cache(maxsize=8)
def _online(user_agent: str) -> Callable[[str], Location | None]:
    nominatim = Nominatim(user_agent=user_agent, timeout=5)
    limited = RateLimiter(
        nominatim.geocode, min_delay_seconds=1.0, max_retries=1, swallow_exceptions=True
    )

    @lru_cache(maxsize=ONLINE_CACHE_SIZE)
    def lookup(text: str) -> Location | None:
        return limited(text, exactly_one=True, country_codes="id")

    return lookup


def online_geocoder(app: Flask | None = None) -> Callable[[str], Location | None] | None:
    """Nominatim, rate-limited and cached, or None when not configured."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    user_agent = app.config.get("GEOCODER_NOMINATIM_USER_AGENT")
    return _online(str(user_agent)) if user_agent else None


def resolve_place(text: str) -> tuple[Resolution, Location | None]:
    """A place name for ``near``: the gazetteer's answer, and Nominatim's when the
    gazetteer knows nothing and Nominatim is configured."""
    resolution = gazetteer().resolve(text)
    if resolution.place is not None or resolution.candidates:
        return resolution, None
    online = online_geocoder()
    return resolution, online(text) if online else None
