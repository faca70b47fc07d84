"""What anyone outside a safe house may learn of where it is: its regency or city, nothing finer.

A confidential location (``Location.confidential``: a safe house, a shelter) is where a
person fleeing violence sleeps; the person searching the directory may be the one she
fled. The rule (``docs/threat-model.md``): nothing public or counsellor-facing reveals
more than the regency/city (kabupaten/kota) a confidential location is in. Its street
address and position reach the referred person only through the accepted referral, from
the safe house itself.

This module owns that rule; every surface calls it:

- **One stand-in point.** Whatever computes with a confidential location for anyone but
  its own staff and the coordinators (ranking, the radius filter, ordering, the distance
  shown, ``near=``, the relevance blend, the search index, the map) uses its regency's
  published reference point (:func:`public_position`), never its own coordinates. An
  answer built from the stand-in can reveal only the stand-in, which the gazetteer
  publishes anyway.
- **Region codes to the regency.** A confidential location's code is published as its
  regency's (``73.71``, never ``73.71.06``: :func:`public_region_code`), and a filter finer
  than a regency never matches it (:func:`matches_region`), so ``region=<district>``
  cannot tell which district holds it.
- **Its own lines and words stay home.** Its name, phones, address, directions, web
  address, external identifiers and description are withheld
  (:data:`WITHHELD_LOCATION_FIELDS`); a service offered only at safe houses
  (:func:`is_offered_only_at_confidential`) withholds its own phones (a fixed line is
  listed at the address it rings) and publishes its service areas no finer than regencies
  (:func:`public_area_code`: a district it serves hints at the district it is in); people
  reach it through its organization's hotline or SAPA 129. A service offered at a
  confidential location publishes no occupancy note (:func:`public_capacity_note`): free
  text written in a hurry is where an address slips out.

Pure: no Flask, no database. Callers pass the reference points in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# ``73`` province, ``73.71`` regency/city, ``73.71.06`` district: parts of a Kemendagri code.
REGENCY_PARTS = 2

# Location fields a confidential location never publishes (HSDS names).
WITHHELD_LOCATION_FIELDS = frozenset(
    {
        "latitude",
        "longitude",
        "addresses",
        "phones",
        "contacts",
        "transportation",
        "url",
        "external_identifier",
        "external_identifier_type",
        "description",
        "name",
        "alternate_name",
    }
)

# Accessibility fields of a confidential location that are withheld: its description
# (wheelchair access, sign language, braille, interpreters) does not locate it and is
# shown; free-text details and a web page are where an address slips out.
WITHHELD_ACCESSIBILITY_FIELDS = frozenset({"details", "url"})

ReferencePoint = Callable[[str], "tuple[float, float] | None"]


@dataclass(frozen=True)
class PublicPosition:
    """Where the public may compute a location to be, and the region code it may see."""

    latitude: float | None
    longitude: float | None
    region_code: str | None

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def depth(code: str) -> int:
    """``73`` -> 1, ``73.71`` -> 2, ``73.71.06`` -> 3."""
    return len(code.split("."))


def coarsen(code: str | None) -> str | None:
    """A code cut to its regency/city (a province code stays as it is)."""
    if not code:
        return None
    return ".".join(code.split(".")[:REGENCY_PARTS])


def public_region_code(code: str | None, confidential: bool) -> str | None:
    """The region code anyone may see for a location."""
    return coarsen(code) if confidential else code


def finer_than_regency(code: str) -> bool:
    """Whether a region filter names something smaller than a regency/city."""
    return depth(code) > REGENCY_PARTS


def matches_region(location_code: str | None, confidential: bool, wanted: str) -> bool:
    """Whether a location answers a ``region`` filter (the region itself or inside it),
    judged on the code the public may see."""
    code = public_region_code(location_code, confidential)
    if not code:
        return False
    return code == wanted or code.startswith(f"{wanted}.")


def public_position(
    latitude: float | None,
    longitude: float | None,
    region_code: str | None,
    confidential: bool,
    reference_point: ReferencePoint,
) -> PublicPosition:
    """A public location as it is; a confidential one at its regency's reference point
    (no coordinates at all when its regency is unknown, so it takes part in no distance
    computation rather than in one that could give it away)."""
    if not confidential:
        return PublicPosition(latitude, longitude, region_code)
    code = coarsen(region_code)
    point = reference_point(code) if code else None
    if point is None:
        return PublicPosition(None, None, code)
    return PublicPosition(point[0], point[1], code)


def is_offered_only_at_confidential(location_confidential_flags: Iterable[bool]) -> bool:
    """Whether every location a service is offered at is confidential: its own lines and
    areas are then the safe house's."""
    flags = list(location_confidential_flags)
    return bool(flags) and all(flags)


def public_area_code(code: str | None, only_at_confidential: bool) -> str | None:
    """A service area's code as published: no finer than a regency for a service offered
    only at safe houses."""
    return coarsen(code) if only_at_confidential else code


def public_capacity_note(note: str | None, at_confidential_location: bool) -> str | None:
    """A service's occupancy note as published: none for a service at a safe house."""
    return None if at_confidential_location else note
