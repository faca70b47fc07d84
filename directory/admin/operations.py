"""What administrators do to the directory and to accounts, with the audit trail.

Every function checks its input against the database (that a region, term or organization
exists), changes the records, adds one ``metadata`` row per changed field (see
:mod:`directory.audit.record`) and flushes; the caller commits, or rolls back when
:class:`RecordInvalid` or :class:`StillReferenced` is raised, so nothing is half stored.

Records a referral points to are deactivated, never deleted: :func:`references` looks at
every foreign key of the schema, so a table added later also protects its records.
Nothing here reads the request: the acting account is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, func, select, update

from directory.audit.models import (
    ACTION_CREATE,
    ACTION_DEACTIVATE,
    ACTION_DELETE,
    ACTION_REACTIVATE,
    ACTION_UPDATE,
    MetadataEntry,
)
from directory.audit.record import as_text, record_changes, snapshot
from directory.auth.models import ORGANIZATION_ROLES, ROLES, ApiToken, User
from directory.auth.operations import (
    AccountInvalid,
    create_user,
    end_all_sessions,
    revoke_all_api_tokens,
)
from directory.auth.passwords import hash_password, password_problem
from directory.database import utcnow
from directory.extensions import db
from directory.geo.models import Region
from directory.institutions import operations as directory_writes
from directory.institutions.models import (
    SERVICE_STATUSES,
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    WEEKDAYS,
    Address,
    Attribute,
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

# Resource types of the audit trail.
ORGANIZATION = "organization"
SERVICE = "service"
LOCATION = "location"
TAXONOMY_TERM = "taxonomy_term"
ACCOUNT = "account"
RESOURCE_TYPES = (ORGANIZATION, SERVICE, LOCATION, TAXONOMY_TERM, ACCOUNT)

# Indonesia, with its outer islands and a margin of sea.
LATITUDE_RANGE = (-11.5, 6.5)
LONGITUDE_RANGE = (94.5, 141.5)

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
INACTIVE = "inactive"


class RecordInvalid(Exception):
    """Input the database refuses; ``fields`` maps each field to a problem code."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields = fields


class StillReferenced(Exception):
    """The record cannot be deleted: ``references`` counts the rows pointing to it."""

    def __init__(self, references: dict[str, int]) -> None:
        super().__init__(", ".join(f"{table}: {n}" for table, n in references.items()))
        self.references = references


def references(record: Any, *, ignore: Iterable[tuple[str, str]] = ()) -> dict[str, int]:
    """Rows of any table whose foreign key points to ``record``, by ``table.column``.

    ``ignore`` names (table, column) pairs the caller deletes or detaches itself.
    """
    target = record.__table__
    skipped = set(ignore)
    found: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is not target or (table.name, key.parent.name) in skipped:
                continue
            count = db.session.scalar(
                select(func.count()).select_from(table).where(key.parent == record.id)
            )
            if count:
                found[f"{table.name}.{key.parent.name}"] = count
    return found


def _audit(
    actor: User,
    resource_type: str,
    resource_id: str,
    before: dict[str, str],
    after: dict[str, str],
    action: str,
    organization_id: str | None,
) -> None:
    """Record the changes of one record in the audit trail, and flush."""
    record_changes(
        db.session,
        resource_type=resource_type,
        resource_id=resource_id,
        before=before,
        after=after,
        action=action,
        actor_email=actor.email,
        actor_id=actor.id,
        organization_id=organization_id,
    )
    db.session.flush()


def _refuse_if_referenced(record: Any, *, ignore: Iterable[tuple[str, str]] = ()) -> None:
    """Raise :class:`StillReferenced` while any row but those ``ignore`` names points to
    ``record``."""
    found = references(record, ignore=ignore)
    if found:
        raise StillReferenced(found)


def _delete_audited(
    actor: User,
    resource_type: str,
    record: Any,
    before: dict[str, str],
    organization_id: str | None,
) -> None:
    """Delete ``record`` (a directory record: with the parts it owns, through the write
    path) and record its deletion in the audit trail."""
    if type(record) in directory_writes.DIRECTORY_MODELS:
        directory_writes.remove_with_parts(db.session, resource_type, record)
    else:
        db.session.delete(record)
    db.session.flush()
    _audit(actor, resource_type, record.id, before, {}, ACTION_DELETE, organization_id)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _term_in(term_id: str | None, taxonomy_id: str) -> bool:
    if not term_id:
        return True
    term = db.session.get(TaxonomyTerm, term_id)
    return term is not None and term.taxonomy_id == taxonomy_id


def _sorted_ids(ids: Iterable[str]) -> str:
    return ",".join(sorted(ids))


# Organizations

ORGANIZATION_FIELDS = ("name", "description", "email", "website", "legal_status", "active")


@dataclass(frozen=True)
class OrganizationData:
    name: str
    description: str = ""
    email: str | None = None
    website: str | None = None
    legal_status: str | None = None
    institution_type_id: str | None = None
    phones: tuple[str, ...] = ()


def institution_type_id(organization: Organization) -> str | None:
    types = [
        a.taxonomy_term_id
        for a in _attributes_of(ORGANIZATION, organization.id)
        if a.taxonomy_term.taxonomy_id == TAXONOMY_INSTITUTION_TYPES
    ]
    return types[0] if types else None


def _attributes_of(entity: str, record_id: str) -> list[Attribute]:
    return list(
        db.session.scalars(
            select(Attribute).where(Attribute.link_entity == entity, Attribute.link_id == record_id)
        )
    )


def _own_phones(organization_id: str) -> list[Phone]:
    return list(
        db.session.scalars(
            select(Phone)
            .where(
                Phone.organization_id == organization_id,
                Phone.service_id.is_(None),
                Phone.location_id.is_(None),
                Phone.contact_id.is_(None),
                Phone.service_at_location_id.is_(None),
            )
            .order_by(Phone.number)
        )
    )


def organization_state(organization: Organization) -> dict[str, str]:
    """The audited fields of an organization, its institution type and phones included."""
    state = snapshot(organization, ORGANIZATION_FIELDS)
    state["institution_type"] = as_text(institution_type_id(organization))
    state["phones"] = "; ".join(phone.number for phone in _own_phones(organization.id))
    return state


def _set_attributes(entity: str, record_id: str, taxonomy_id: str, wanted: Iterable[str]) -> None:
    """Make the record's terms of one taxonomy exactly ``wanted``."""
    directory_writes.set_terms(db.session, entity, record_id, taxonomy_id, wanted)


def save_organization(
    actor: User, data: OrganizationData, organization: Organization | None = None
) -> Organization:
    """Create (``organization`` None) or update an organization."""
    if not _term_in(data.institution_type_id, TAXONOMY_INSTITUTION_TYPES):
        raise RecordInvalid({"institution_type_id": "unknown"})
    creating = organization is None
    if organization is None:
        organization = Organization(name=data.name.strip())
        directory_writes.add(db.session, organization)
        db.session.flush()
        before: dict[str, str] = {}
    else:
        before = organization_state(organization)
    directory_writes.assign(
        organization,
        name=data.name.strip(),
        description=data.description.strip(),
        email=_clean(data.email),
        website=_clean(data.website),
        legal_status=_clean(data.legal_status),
    )
    _set_attributes(
        ORGANIZATION,
        organization.id,
        TAXONOMY_INSTITUTION_TYPES,
        [data.institution_type_id] if data.institution_type_id else [],
    )
    numbers = [number.strip() for number in data.phones if number.strip()]
    existing = _own_phones(organization.id)
    if [phone.number for phone in existing] != sorted(numbers):
        directory_writes.replace(
            db.session,
            existing,
            [
                Phone(organization_id=organization.id, number=number, type="voice")
                for number in numbers
            ],
        )
    db.session.flush()
    _audit(
        actor,
        ORGANIZATION,
        organization.id,
        before,
        organization_state(organization),
        ACTION_CREATE if creating else ACTION_UPDATE,
        organization.id,
    )
    return organization


def deactivate_organization(actor: User, organization: Organization) -> None:
    """Hide the organization from the public and make each of its services inactive."""
    before = organization_state(organization)
    directory_writes.assign(organization, active=False)
    for service in organization.services:
        if service.status != INACTIVE:
            _set_service_status(actor, service, INACTIVE, ACTION_DEACTIVATE)
    _audit(
        actor,
        ORGANIZATION,
        organization.id,
        before,
        organization_state(organization),
        ACTION_DEACTIVATE,
        organization.id,
    )


def reactivate_organization(actor: User, organization: Organization) -> None:
    """List the organization again; its services stay as they are, to be reopened one by one."""
    before = organization_state(organization)
    directory_writes.assign(organization, active=True)
    _audit(
        actor,
        ORGANIZATION,
        organization.id,
        before,
        organization_state(organization),
        ACTION_REACTIVATE,
        organization.id,
    )


def delete_organization(actor: User, organization: Organization) -> None:
    """Delete an organization nothing refers to but its own phones and contacts.

    Its earlier audit rows keep their ``resource_id`` but lose the link to the
    organization (the foreign key would forbid the deletion otherwise).
    """
    found = references(
        organization,
        ignore=[*directory_writes.owned_references(ORGANIZATION), ("metadata", "organization_id")],
    )
    owned_phones = db.session.scalars(
        select(Phone).where(Phone.organization_id == organization.id)
    ).all()
    owned_contacts = db.session.scalars(
        select(Contact).where(Contact.organization_id == organization.id)
    ).all()
    shared = [
        row
        for row in [*owned_phones, *owned_contacts]
        if row.service_id or row.location_id or row.service_at_location_id  # type: ignore[attr-defined]
    ]
    if shared:
        found["phone/contact"] = len(shared)
    if found:
        raise StillReferenced(found)
    before = organization_state(organization)
    db.session.execute(
        update(MetadataEntry)
        .where(MetadataEntry.organization_id == organization.id)
        .values(organization_id=None)
    )
    _delete_audited(actor, ORGANIZATION, organization, before, None)


# Services

SERVICE_FIELDS = (
    "organization_id",
    "name",
    "description",
    "status",
    "fees_description",
    "accepting_referrals",
    "capacity_note",
)


@dataclass(frozen=True)
class WeekdayHours:
    """One weekday's hours, local time of the location."""

    day: str
    opens_at: time
    closes_at: time


@dataclass(frozen=True)
class ServiceData:
    organization_id: str
    name: str
    description: str = ""
    status: str = "active"
    fees_description: str | None = None
    languages: tuple[str, ...] = ()
    accepting_referrals: bool = True
    capacity_note: str | None = None
    service_type_ids: tuple[str, ...] = ()
    problem_ids: tuple[str, ...] = ()
    region_codes: tuple[str, ...] = ()
    hours: tuple[WeekdayHours, ...] = ()
    # Locations of the service's organization where it is offered.
    location_ids: tuple[str, ...] = ()


def _service_schedules(service_id: str) -> list[Schedule]:
    return list(
        db.session.scalars(
            select(Schedule).where(
                Schedule.service_id == service_id,
                Schedule.service_at_location_id.is_(None),
                Schedule.location_id.is_(None),
            )
        )
    )


def weekly_hours(service: Service) -> dict[str, tuple[time, time]]:
    """The service's own weekly hours, by weekday (what the simple editor shows)."""
    hours: dict[str, tuple[time, time]] = {}
    for schedule in _service_schedules(service.id):
        if schedule.opens_at is None or schedule.closes_at is None:
            continue
        for day in schedule.weekdays:
            if day in WEEKDAYS:
                hours.setdefault(day, (schedule.opens_at, schedule.closes_at))
    return hours


def _hours_text(hours: dict[str, tuple[time, time]]) -> str:
    return "; ".join(
        f"{day} {hours[day][0]:%H:%M}-{hours[day][1]:%H:%M}" for day in WEEKDAYS if day in hours
    )


def service_state(service: Service) -> dict[str, str]:
    """The audited fields of a service and the pieces the admin form edits."""
    state = snapshot(service, SERVICE_FIELDS)
    terms = _attributes_of(SERVICE, service.id)
    for name, taxonomy_id in (
        ("service_types", TAXONOMY_SERVICE_TYPES),
        ("problems", TAXONOMY_PROBLEMS),
    ):
        state[name] = _sorted_ids(
            a.taxonomy_term_id for a in terms if a.taxonomy_term.taxonomy_id == taxonomy_id
        )
    state["languages"] = _sorted_ids(
        code
        for code in db.session.scalars(
            select(Language.code).where(Language.service_id == service.id)
        )
        if code
    )
    state["service_areas"] = _sorted_ids(
        code
        for code in db.session.scalars(
            select(ServiceArea.region_code).where(ServiceArea.service_id == service.id)
        )
        if code
    )
    state["hours"] = _hours_text(weekly_hours(service))
    state["locations"] = _sorted_ids(
        db.session.scalars(
            select(ServiceAtLocation.location_id).where(ServiceAtLocation.service_id == service.id)
        )
    )
    return state


def _check_service(data: ServiceData) -> None:
    problems: dict[str, str] = {}
    organization = db.session.get(Organization, data.organization_id)
    if organization is None:
        problems["organization_id"] = "unknown"
    if data.status not in SERVICE_STATUSES:
        problems["status"] = "unknown"
    for name, ids, taxonomy_id in (
        ("service_type_ids", data.service_type_ids, TAXONOMY_SERVICE_TYPES),
        ("problem_ids", data.problem_ids, TAXONOMY_PROBLEMS),
    ):
        if not all(_term_in(term_id, taxonomy_id) for term_id in ids):
            problems[name] = "unknown"
    if not all(LANGUAGE_CODE.match(code) for code in data.languages):
        problems["languages"] = "invalid"
    if unknown_regions(data.region_codes):
        problems["region_codes"] = "unknown"
    days = [entry.day for entry in data.hours]
    if len(set(days)) != len(days) or not set(days) <= set(WEEKDAYS):
        problems["hours"] = "invalid"
    elif any(entry.opens_at >= entry.closes_at for entry in data.hours):
        problems["hours"] = "order"
    if data.location_ids:
        owners = set(
            db.session.scalars(
                select(Location.organization_id).where(Location.id.in_(set(data.location_ids)))
            )
        )
        found = db.session.scalar(
            select(func.count(Location.id)).where(Location.id.in_(set(data.location_ids)))
        )
        if found != len(set(data.location_ids)) or owners != {data.organization_id}:
            problems["location_ids"] = "unknown"
    if problems:
        raise RecordInvalid(problems)


def unknown_regions(codes: Iterable[str]) -> list[str]:
    """Those of ``codes`` that are not in the gazetteer."""
    wanted = set(codes)
    if not wanted:
        return []
    known = set(db.session.scalars(select(Region.code).where(Region.code.in_(wanted))))
    return sorted(wanted - known)


def _replace_hours(service: Service, hours: tuple[WeekdayHours, ...]) -> None:
    """The service's own schedules become one row per distinct opening time (keeping the
    time zone they had; their free-text description would no longer be true)."""
    old = _service_schedules(service.id)
    zone = next((s.timezone for s in old if s.timezone is not None), None)
    new: list[Schedule] = []
    grouped: dict[tuple[time, time], list[str]] = {}
    for entry in sorted(hours, key=lambda e: WEEKDAYS.index(e.day)):
        grouped.setdefault((entry.opens_at, entry.closes_at), []).append(entry.day)
    for (opens_at, closes_at), days in grouped.items():
        new.append(
            Schedule(
                service_id=service.id,
                freq="WEEKLY",
                byday=",".join(days),
                timezone=zone,
                opens_at=opens_at,
                closes_at=closes_at,
            )
        )
    directory_writes.replace(db.session, old, new)


def _set_locations(service: Service, wanted: set[str]) -> None:
    """Offer the service at exactly ``wanted``; a link carrying its own phones or hours
    stays, and is reported."""
    for sal in list(service.service_at_locations):
        if sal.location_id in wanted:
            wanted.discard(sal.location_id)
        elif references(sal):
            raise RecordInvalid({"location_ids": "in_use"})
        else:
            directory_writes.stop_offering(service, sal)
    for location_id in sorted(wanted):
        directory_writes.offer_at(service, location_id)


def save_service(actor: User, data: ServiceData, service: Service | None = None) -> Service:
    """Create (``service`` None) or update a service with its terms, areas and hours."""
    _check_service(data)
    creating = service is None
    if service is None:
        service = Service(organization_id=data.organization_id, name=data.name.strip())
        directory_writes.add(db.session, service)
        db.session.flush()
        before: dict[str, str] = {}
    else:
        before = service_state(service)
    directory_writes.assign(
        service,
        organization_id=data.organization_id,
        name=data.name.strip(),
        description=data.description.strip(),
        status=data.status,
        fees_description=_clean(data.fees_description),
        accepting_referrals=data.accepting_referrals,
        capacity_note=_clean(data.capacity_note),
    )
    _set_attributes(SERVICE, service.id, TAXONOMY_SERVICE_TYPES, data.service_type_ids)
    _set_attributes(SERVICE, service.id, TAXONOMY_PROBLEMS, data.problem_ids)
    languages = sorted(set(data.languages))
    if before.get("languages", "") != ",".join(languages):
        directory_writes.replace(
            db.session,
            db.session.scalars(select(Language).where(Language.service_id == service.id)),
            [Language(service_id=service.id, code=code) for code in languages],
        )
    areas = sorted(set(data.region_codes))
    if before.get("service_areas", "") != ",".join(areas):
        regions = {
            r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(areas)))
        }
        directory_writes.replace(
            db.session,
            list(service.service_areas),
            [
                ServiceArea(
                    service_id=service.id,
                    region_code=code,
                    name=regions[code].name,
                    uri=f"urn:kemendagri:{code}",
                )
                for code in areas
            ],
        )
    _set_locations(service, set(data.location_ids))
    wanted_hours = {entry.day: (entry.opens_at, entry.closes_at) for entry in data.hours}
    if creating or _hours_text(weekly_hours(service)) != _hours_text(wanted_hours):
        _replace_hours(service, data.hours)
    db.session.flush()
    db.session.expire(service)
    _audit(
        actor,
        SERVICE,
        service.id,
        before,
        service_state(service),
        ACTION_CREATE if creating else ACTION_UPDATE,
        service.organization_id,
    )
    return service


def _set_service_status(actor: User, service: Service, status: str, action: str) -> None:
    before = service_state(service)
    directory_writes.assign(service, status=status)
    db.session.flush()
    _audit(
        actor, SERVICE, service.id, before, service_state(service), action, service.organization_id
    )


def deactivate_service(actor: User, service: Service) -> None:
    _set_service_status(actor, service, INACTIVE, ACTION_DEACTIVATE)


def reactivate_service(actor: User, service: Service) -> None:
    _set_service_status(actor, service, "active", ACTION_REACTIVATE)


def delete_service(actor: User, service: Service) -> None:
    """Delete a service no referral (or anything else but its own parts) refers to; its
    parts are those the HSDS table says it owns."""
    _refuse_if_referenced(service, ignore=directory_writes.owned_references(SERVICE))
    before = service_state(service)
    organization_id = service.organization_id
    _delete_audited(actor, SERVICE, service, before, organization_id)


# Locations

LOCATION_FIELDS = (
    "organization_id",
    "name",
    "region_code",
    "latitude",
    "longitude",
    "confidential",
)


@dataclass(frozen=True)
class LocationData:
    organization_id: str
    name: str
    address: str
    region_code: str
    latitude: float | None = None
    longitude: float | None = None
    confidential: bool = False


def location_state(location: Location) -> dict[str, str]:
    state = snapshot(location, LOCATION_FIELDS)
    state["address"] = location.addresses[0].address_1 if location.addresses else ""
    return state


def inside_indonesia(latitude: float, longitude: float) -> bool:
    return (
        LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]
        and LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]
    )


def _region_names(code: str) -> tuple[str, str]:
    """The regency/city and the province holding a region, by name."""
    parts = code.split(".")
    province = db.session.get(Region, parts[0])
    regency = db.session.get(Region, ".".join(parts[:2])) if len(parts) > 1 else None
    province_name = province.name if province else ""
    return (regency.name if regency else province_name), province_name


def save_location(actor: User, data: LocationData, location: Location | None = None) -> Location:
    problems: dict[str, str] = {}
    if db.session.get(Organization, data.organization_id) is None:
        problems["organization_id"] = "unknown"
    if db.session.get(Region, data.region_code) is None:
        problems["region_code"] = "unknown"
    if (data.latitude is None) != (data.longitude is None):
        problems["latitude"] = "pair"
    elif (
        data.latitude is not None
        and data.longitude is not None
        and not inside_indonesia(data.latitude, data.longitude)
    ):
        problems["latitude"] = "outside"
    if problems:
        raise RecordInvalid(problems)
    creating = location is None
    if location is None:
        location = Location()
        directory_writes.add(db.session, location)
        before: dict[str, str] = {}
    else:
        before = location_state(location)
    directory_writes.assign(
        location,
        organization_id=data.organization_id,
        name=data.name.strip(),
        region_code=data.region_code,
        latitude=data.latitude,
        longitude=data.longitude,
        confidential=data.confidential,
    )
    city, province = _region_names(data.region_code)
    if location.addresses:
        address = location.addresses[0]
    else:
        address = Address(address_1="", city=city, state_province=province, location=location)
        directory_writes.add(db.session, address)
    directory_writes.assign(
        address, address_1=data.address.strip(), city=city, state_province=province
    )
    db.session.flush()
    _audit(
        actor,
        LOCATION,
        location.id,
        before,
        location_state(location),
        ACTION_CREATE if creating else ACTION_UPDATE,
        location.organization_id,
    )
    return location


def delete_location(actor: User, location: Location) -> None:
    """Delete a location no service is offered at any more; its parts are those the
    HSDS table says it owns."""
    _refuse_if_referenced(location, ignore=directory_writes.owned_references(LOCATION))
    before = location_state(location)
    _delete_audited(actor, LOCATION, location, before, location.organization_id)


# Taxonomy terms

TERM_FIELDS = ("taxonomy_id", "parent_id", "code", "name", "name_en", "active")


@dataclass(frozen=True)
class TermData:
    taxonomy_id: str
    name: str
    name_en: str | None = None
    code: str | None = None
    parent_id: str | None = None


def _ancestors(term_id: str | None) -> list[str]:
    seen: list[str] = []
    while term_id and term_id not in seen:
        seen.append(term_id)
        term = db.session.get(TaxonomyTerm, term_id)
        term_id = term.parent_id if term else None
    return seen


def save_term(actor: User, data: TermData, term: TaxonomyTerm | None = None) -> TaxonomyTerm:
    problems: dict[str, str] = {}
    if db.session.get(Taxonomy, data.taxonomy_id) is None:
        problems["taxonomy_id"] = "unknown"
    if data.parent_id:
        parent = db.session.get(TaxonomyTerm, data.parent_id)
        if parent is None or parent.taxonomy_id != data.taxonomy_id:
            problems["parent_id"] = "unknown"
        elif term is not None and term.id in _ancestors(data.parent_id):
            problems["parent_id"] = "cycle"
    code = _clean(data.code)
    if code:
        clash = select(TaxonomyTerm.id).where(
            TaxonomyTerm.taxonomy_id == data.taxonomy_id, TaxonomyTerm.code == code
        )
        if term is not None:
            clash = clash.where(TaxonomyTerm.id != term.id)
        if db.session.scalar(clash):
            problems["code"] = "taken"
    if problems:
        raise RecordInvalid(problems)
    creating = term is None
    if term is None:
        term = TaxonomyTerm(name=data.name.strip())
        directory_writes.add(db.session, term)
        before: dict[str, str] = {}
    else:
        before = snapshot(term, TERM_FIELDS)
    directory_writes.assign(
        term,
        taxonomy_id=data.taxonomy_id,
        parent_id=data.parent_id or None,
        code=code,
        name=data.name.strip(),
        name_en=_clean(data.name_en),
    )
    db.session.flush()
    _audit(
        actor,
        TAXONOMY_TERM,
        term.id,
        before,
        snapshot(term, TERM_FIELDS),
        ACTION_CREATE if creating else ACTION_UPDATE,
        None,
    )
    return term


def set_term_active(actor: User, term: TaxonomyTerm, active: bool) -> None:
    before = snapshot(term, TERM_FIELDS)
    directory_writes.assign(term, active=active)
    db.session.flush()
    action = ACTION_REACTIVATE if active else ACTION_DEACTIVATE
    _audit(actor, TAXONOMY_TERM, term.id, before, snapshot(term, TERM_FIELDS), action, None)


def delete_term(actor: User, term: TaxonomyTerm) -> None:
    """Delete a term no record, referral or child term uses."""
    _refuse_if_referenced(term)
    before = snapshot(term, TERM_FIELDS)
    _delete_audited(actor, TAXONOMY_TERM, term, before, None)


# Accounts

ACCOUNT_FIELDS = ("email", "name", "role", "organization_id", "active", "password_changed_at")


def _check_role(role: str, organization_id: str | None) -> dict[str, str]:
    if role not in ROLES:
        return {"role": "unknown"}
    if role in ORGANIZATION_ROLES and not organization_id:
        return {"organization_id": "required"}
    if organization_id and db.session.get(Organization, organization_id) is None:
        return {"organization_id": "unknown"}
    return {}


def create_account(
    actor: User,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    organization_id: str | None,
) -> User:
    """A new account (see :func:`directory.auth.operations.create_user`); admins belong to
    no organization, whatever was chosen."""
    organization_id = None if role not in ORGANIZATION_ROLES else organization_id
    try:
        user = create_user(
            email=email, name=name, role=role, password=password, organization_id=organization_id
        )
    except AccountInvalid as error:
        raise RecordInvalid(
            {("organization_id" if k == "organization" else k): v for k, v in error.fields.items()}
        ) from error
    _audit(
        actor, ACCOUNT, user.id, {}, snapshot(user, ACCOUNT_FIELDS), ACTION_CREATE, organization_id
    )
    return user


def update_account(
    actor: User, user: User, *, name: str, role: str, organization_id: str | None
) -> None:
    """Change name, role and organization. A changed role or organization ends the
    account's sessions and tokens: what it may see has changed."""
    organization_id = None if role not in ORGANIZATION_ROLES else organization_id
    problems = _check_role(role, organization_id)
    if user.id == actor.id and role != user.role:
        problems["role"] = "self"
    if problems:
        raise RecordInvalid(problems)
    before = snapshot(user, ACCOUNT_FIELDS)
    moved = (role, organization_id) != (user.role, user.organization_id)
    user.name = name.strip()
    user.role = role
    user.organization_id = organization_id
    if moved:
        end_all_sessions(user)
        revoke_all_api_tokens(user)
    db.session.flush()
    _audit(
        actor,
        ACCOUNT,
        user.id,
        before,
        snapshot(user, ACCOUNT_FIELDS),
        ACTION_UPDATE,
        organization_id,
    )


def set_account_active(actor: User, user: User, active: bool) -> None:
    """Deactivating ends every session and revokes every API token at once."""
    if user.id == actor.id and not active:
        raise RecordInvalid({"active": "self"})
    before = snapshot(user, ACCOUNT_FIELDS)
    user.active = active
    if not active:
        end_all_sessions(user)
        revoke_all_api_tokens(user)
    db.session.flush()
    action = ACTION_REACTIVATE if active else ACTION_DEACTIVATE
    _audit(
        actor,
        ACCOUNT,
        user.id,
        before,
        snapshot(user, ACCOUNT_FIELDS),
        action,
        user.organization_id,
    )


def reset_password(
    actor: User, user: User, password: str, *, minimum_length: int, now: datetime | None = None
) -> None:
    """Set a new password chosen by an admin; the account's sessions and tokens end. The
    audit trail records when, never the password or its hash."""
    problem = password_problem(password, minimum_length)
    if problem:
        raise RecordInvalid({"password": problem})
    before = snapshot(user, ACCOUNT_FIELDS)
    user.password_hash = hash_password(password)
    user.password_changed_at = now or utcnow()
    end_all_sessions(user)
    revoke_all_api_tokens(user, now)
    _audit(
        actor,
        ACCOUNT,
        user.id,
        before,
        snapshot(user, ACCOUNT_FIELDS),
        ACTION_UPDATE,
        user.organization_id,
    )


def delete_account(actor: User, user: User) -> None:
    """Delete an account that never did anything recorded (its API tokens go with it)."""
    if user.id == actor.id:
        raise RecordInvalid({"active": "self"})
    _refuse_if_referenced(user, ignore=[("api_token", "user_id")])
    before = snapshot(user, ACCOUNT_FIELDS)
    organization_id = user.organization_id
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    _delete_audited(actor, ACCOUNT, user, before, organization_id)
