"""The public facts of a service that the search index holds: pure dataclasses.

:class:`ServiceRecord` is the privacy allowlist in code: the index is built from these
records only, and they have no field for anything but public directory data (names,
descriptions, taxonomy terms, regions, coordinates, opening hours, flags). The ranking
facts travel in the index as a compact JSON "card" (:func:`to_card`, :func:`from_card`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, time

from directory.geo.hours import OpeningHours


@dataclass(frozen=True)
class Place:
    """One location of a service: where it is and when it is open there."""

    latitude: float | None
    longitude: float | None
    region_code: str | None
    confidential: bool
    hours: tuple[OpeningHours, ...] = ()

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class ServiceRecord:
    """The public facts of one service that search and ranking use."""

    id: str
    organization_id: str
    name: str
    organization_name: str
    description: str = ""
    status: str = "active"
    accepting_referrals: bool = True
    free: bool = True
    last_modified: float = 0.0
    languages: tuple[str, ...] = ()
    term_ids: tuple[str, ...] = ()
    term_names: tuple[str, ...] = ()
    area_codes: tuple[str, ...] = ()
    places: tuple[Place, ...] = ()
    region_names: tuple[str, ...] = field(default=())
    # The organization's taxonomy terms (its institution type: the ranking policy's key).
    organization_term_ids: tuple[str, ...] = ()
    minimum_age: int | None = None
    maximum_age: int | None = None
    # The one sex the service is limited to (``female``, ``male``: its eligibility terms,
    # ``directory.search.eligibility``); None: it serves everyone.
    sex_limit: str | None = None


def _hours_to_list(hours: OpeningHours) -> list[object]:
    return [
        hours.days,
        hours.opens.strftime("%H:%M"),
        hours.closes.strftime("%H:%M"),
        hours.zone,
        hours.valid_from.isoformat() if hours.valid_from else None,
        hours.valid_to.isoformat() if hours.valid_to else None,
    ]


def _hours_from_list(item: list) -> OpeningHours:  # type: ignore[type-arg]
    days, opens, closes, zone, valid_from, valid_to = item
    return OpeningHours(
        days=days,
        opens=time.fromisoformat(opens),
        closes=time.fromisoformat(closes),
        zone=zone,
        valid_from=date.fromisoformat(valid_from) if valid_from else None,
        valid_to=date.fromisoformat(valid_to) if valid_to else None,
    )


def to_card(record: ServiceRecord) -> str:
    """The ranking facts of a record (no text: the index holds that in its fields)."""
    return json.dumps(
        [
            record.id,
            record.organization_id,
            record.status,
            record.accepting_referrals,
            record.free,
            record.last_modified,
            record.languages,
            record.term_ids,
            record.area_codes,
            [
                [
                    place.latitude,
                    place.longitude,
                    place.region_code,
                    place.confidential,
                    [_hours_to_list(hours) for hours in place.hours],
                ]
                for place in record.places
            ],
            record.organization_term_ids,
            record.minimum_age,
            record.maximum_age,
            record.sex_limit,
        ],
        separators=(",", ":"),
    )


def from_card(card: str) -> ServiceRecord:
    """A record from :func:`to_card`; its text fields are empty."""
    (
        service_id,
        organization_id,
        status,
        accepting,
        free,
        modified,
        languages,
        term_ids,
        area_codes,
        places,
        organization_term_ids,
        minimum_age,
        maximum_age,
        sex_limit,
    ) = json.loads(card)
    return ServiceRecord(
        id=service_id,
        organization_id=organization_id,
        name="",
        organization_name="",
        status=status,
        accepting_referrals=accepting,
        free=free,
        last_modified=modified,
        languages=tuple(languages),
        term_ids=tuple(term_ids),
        area_codes=tuple(area_codes),
        places=tuple(
            Place(
                latitude=latitude,
                longitude=longitude,
                region_code=region_code,
                confidential=confidential,
                hours=tuple(_hours_from_list(item) for item in hours),
            )
            for latitude, longitude, region_code, confidential, hours in places
        ),
        organization_term_ids=tuple(organization_term_ids),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        sex_limit=sex_limit,
    )
