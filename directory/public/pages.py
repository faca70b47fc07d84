"""What the public pages show, shaped from the models. Pure: the locale comes in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from directory.geo import confidential as confidentiality
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    WEEKDAYS,
    Location,
    Organization,
    Schedule,
    Service,
    TaxonomyTerm,
)
from directory.public.formatting import HoursRow, hours_row, zone_for

# Kemendagri codes are fixed width: "73" province, "73.71" regency/city, "73.71.01" district.
PROVINCE_CODE_LENGTH = 2
REGENCY_CODE_LENGTH = 5


def regency_code(region_code: str | None) -> str | None:
    """``73.71.01`` -> ``73.71``; ``None`` for a province code or no code."""
    if not region_code or len(region_code) < REGENCY_CODE_LENGTH:
        return None
    return region_code[:REGENCY_CODE_LENGTH]


@dataclass
class OrganizationEntry:
    organization: Organization
    services: list[Service] = field(default_factory=list)


@dataclass
class InstitutionGroup:
    """Organizations of one institution type; ``term`` is ``None`` for those of no type."""

    term: TaxonomyTerm | None
    entries: list[OrganizationEntry] = field(default_factory=list)


def group_by_institution_type(
    organizations: Iterable[Organization],
    services: Iterable[Service],
    term_label: Callable[[TaxonomyTerm], str],
) -> list[InstitutionGroup]:
    """Organizations with their services, grouped by institution type (an organization of
    two types appears in both groups), groups ordered by ``term_label``, untyped last."""
    by_organization: dict[str, list[Service]] = {}
    for service in services:
        by_organization.setdefault(service.organization_id, []).append(service)
    groups: dict[str | None, InstitutionGroup] = {}
    for organization in organizations:
        entry = OrganizationEntry(organization, by_organization.get(organization.id, []))
        types: Sequence[TaxonomyTerm | None] = organization.institution_types or [None]
        for term in types:
            key = term.id if term else None
            groups.setdefault(key, InstitutionGroup(term)).entries.append(entry)
    typed = sorted(
        (group for key, group in groups.items() if key is not None),
        key=lambda group: term_label(group.term).casefold(),  # type: ignore[arg-type]
    )
    untyped = [groups[None]] if None in groups else []
    return typed + untyped


@dataclass(frozen=True)
class ServiceTerms:
    service_types: list[TaxonomyTerm]
    problems: list[TaxonomyTerm]
    others: list[TaxonomyTerm]


def service_terms(service: Service) -> ServiceTerms:
    service_types, problems, others = [], [], []
    for term in service.taxonomy_terms:
        if term.taxonomy_id == TAXONOMY_SERVICE_TYPES:
            service_types.append(term)
        elif term.taxonomy_id == TAXONOMY_PROBLEMS:
            problems.append(term)
        else:
            others.append(term)
    return ServiceTerms(service_types, problems, others)


@dataclass(frozen=True)
class LocationHours:
    """Opening hours at one location, in its local time; ``zone`` is WIB, WITA or WIT.
    ``location`` is ``None`` for a service with hours but no location."""

    location: Location | None
    zone: str | None
    rows: list[HoursRow]


def _first_day(schedule: Schedule) -> int:
    days = [WEEKDAYS.index(day) for day in schedule.weekdays if day in WEEKDAYS]
    return min(days, default=len(WEEKDAYS))


def _rows(schedules: Sequence[Schedule], locale: str) -> list[HoursRow]:
    return [
        hours_row(s.byday, s.opens_at, s.closes_at, s.description or s.notes, locale)
        for s in sorted(schedules, key=_first_day)
    ]


def service_hours(service: Service, locale: str) -> list[LocationHours]:
    """Hours per location: the location's own schedule for this service if it has one,
    else the service's, else the location's general opening hours."""
    result = []
    for at_location in service.service_at_locations:
        location = at_location.location
        schedules = at_location.schedules or service.schedules or location.schedules
        if schedules:
            zone = zone_for(location.region_code, schedules[0].timezone)
            result.append(LocationHours(location, zone, _rows(schedules, locale)))
    if not service.service_at_locations and service.schedules:
        zone = zone_for(None, service.schedules[0].timezone)
        result.append(LocationHours(None, zone, _rows(service.schedules, locale)))
    return result


@dataclass(frozen=True)
class AccessibilityItem:
    description: str
    # Withheld at a confidential location (``confidential.WITHHELD_ACCESSIBILITY_FIELDS``).
    details: str | None
    url: str | None


@dataclass(frozen=True)
class LocationAccessibility:
    """What one location offers people with disabilities, as the public may see it."""

    location: Location
    items: list[AccessibilityItem]

    @property
    def confidential(self) -> bool:
        return self.location.confidential


def accessibility_of(locations: Iterable[Location]) -> list[LocationAccessibility]:
    """Each location's accessibility (wheelchair access, sign language, braille,
    interpreters); a safe house's descriptions are shown (they do not locate it), its
    details and web pages are not."""
    withheld = confidentiality.WITHHELD_ACCESSIBILITY_FIELDS
    found = []
    for location in locations:
        hidden = location.confidential
        items = [
            AccessibilityItem(
                description=item.description or "",
                details=None if hidden and "details" in withheld else item.details,
                url=None if hidden and "url" in withheld else item.url,
            )
            for item in location.accessibility
            if item.description or (item.details and not hidden)
        ]
        if items:
            found.append(LocationAccessibility(location, items))
    return found
