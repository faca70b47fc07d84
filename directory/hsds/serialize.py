"""Models to HSDS 3.0 dictionaries, shaped after ``shared/hsds-3.0/compiled/*.json``.

Used by the JSON API and by the HSDS export, so nothing here touches Flask's request.

Rules the output keeps:

- A key whose value is ``None`` is left out: the HSDS schemas type most fields as plain
  ``string``/``number`` (no ``null``). Empty lists stay.
- Our extension keys are always present, ``None`` included, so a consumer can rely on
  them: service ``accepting_referrals`` and ``capacity_note``; location ``region_code``
  and ``confidential``; taxonomy and term ``name_en``.
- ``public=True`` (the default) hides what must never be shown publicly, by the rules of
  :mod:`directory.geo.confidential`: a confidential location (safe house) loses its
  coordinates, addresses, directions, phones, web address and external identifiers, its
  region code is cut to its regency/city, its description says only that it is
  confidential, and a service offered there publishes no occupancy note.
- An organization's ``verified_at`` (HSDS has no field for it) travels in its
  ``metadata``: one entry per verification (``last_action_type`` "verify", ``field_name``
  "verified_at", the instant in ``replacement_value``), see :func:`verification_metadata`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from directory.audit.models import ACTION_VERIFY, MetadataEntry
from directory.audit.record import as_text
from directory.geo import confidential as confidentiality
from directory.institutions.hsds_fields import OBJECTS, order
from directory.institutions.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Funding,
    Language,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

# Shown in place of a confidential location's description.
CONFIDENTIAL_NOTE = "Lokasi dirahasiakan"
# Service areas carry their Kemendagri code as a URN.
KEMENDAGRI_URN_PREFIX = "urn:kemendagri:"

HsdsDict = dict[str, Any]

# The organization field HSDS lacks, carried in its metadata.
VERIFIED_AT = "verified_at"
# ``updated_by`` of a verification known only from ``verified_at`` (set by an import).
DIRECTORY_NAME = "Jejaring Rujukan"
_METADATA_NAMESPACE = uuid.UUID("5d0c7a52-8f0e-4a43-9d4c-3f6f1f0b8e21")


def _compact(**fields: Any) -> HsdsDict:
    return {key: value for key, value in fields.items() if value is not None}


def format_datetime(value: datetime | None) -> str | None:
    """RFC 3339 in UTC. SQLite hands back naive datetimes: those are UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _number(value: Decimal | float | int | None) -> int | float | None:
    """JSON numbers: whole amounts as integers (``50000``, not ``50000.00``)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _extension(value: str | None) -> int | None:
    """HSDS types ``phone.extension`` as a number; an extension that is not all digits
    cannot be carried there and is left out."""
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def kemendagri_uri(region_code: str) -> str:
    return f"{KEMENDAGRI_URN_PREFIX}{region_code}"


def _value(value: Any) -> Any:
    """A column's value as HSDS writes it."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _clock(value)
    if isinstance(value, Decimal):
        return _number(value)
    return value


def _own(name: str, record: Any, **given: Any) -> HsdsDict:
    """The scalar fields of ``record`` the HSDS table (``hsds.fields``) gives object
    ``name``, in its order; ``given`` replaces or supplies values. ``None`` is left out,
    but for our extensions, always present."""
    fields: HsdsDict = {}
    for field in OBJECTS[name].fields:
        if field.name in given:
            value = given[field.name]
        elif field.attribute is None:
            continue
        else:
            value = _value(getattr(record, field.attribute))
        if value is not None or field.extension:
            fields[field.name] = value
    return fields


def _all(serialize: Any, items: Iterable[Any]) -> list[HsdsDict]:
    return [serialize(item) for item in items]


# Small pieces


def language_to_hsds(language: Language) -> HsdsDict:
    return _own("language", language)


def phone_to_hsds(phone: Phone) -> HsdsDict:
    fields = _own("phone", phone, extension=_extension(phone.extension))
    fields["languages"] = _all(language_to_hsds, phone.languages)
    return fields


def schedule_to_hsds(schedule: Schedule) -> HsdsDict:
    """Opening hours; ``opens_at``/``closes_at`` as "HH:MM" in the location's local time."""
    return _own("schedule", schedule)


def cost_option_to_hsds(option: CostOption) -> HsdsDict:
    return _own("cost_option", option)


def service_area_to_hsds(area: ServiceArea, *, coarse: bool = False) -> HsdsDict:
    """The Kemendagri code travels as ``uri: urn:kemendagri:<code>``. ``coarse``: the
    area of a service offered only at safe houses, published no finer than its regency
    and without its own name, description or drawn extent."""
    if coarse:
        code = confidentiality.public_area_code(area.region_code, True)
        return _compact(
            id=area.id, service_id=area.service_id, uri=kemendagri_uri(code) if code else None
        )
    uri = kemendagri_uri(area.region_code) if area.region_code else area.uri
    return _own("service_area", area, uri=uri)


def contact_to_hsds(contact: Contact, *, with_phones: bool = True) -> HsdsDict:
    """A contact with its phones (``with_phones=False``: a contact of a service offered
    only at safe houses, whose lines are the safe house's)."""
    fields = _own("contact", contact)
    fields["phones"] = _all(phone_to_hsds, contact.phones) if with_phones else []
    return fields


def address_to_hsds(address: Address) -> HsdsDict:
    return _own("address", address)


def accessibility_to_hsds(accessibility: Accessibility, *, hidden: bool = False) -> HsdsDict:
    """What a location offers people with disabilities. At a confidential location
    (``hidden``) its description is kept (it does not locate) and the rest withheld."""
    fields = _own("accessibility", accessibility)
    if hidden:
        for withheld in confidentiality.WITHHELD_ACCESSIBILITY_FIELDS:
            fields.pop(withheld, None)
    return fields


def organization_identifier_to_hsds(identifier: OrganizationIdentifier) -> HsdsDict:
    return _own("organization_identifier", identifier)


def program_to_hsds(program: Program) -> HsdsDict:
    return _own("program", program)


def funding_to_hsds(funding: Funding) -> HsdsDict:
    return _own("funding", funding)


def required_document_to_hsds(document: RequiredDocument) -> HsdsDict:
    return _own("required_document", document)


# Taxonomies


def taxonomy_to_hsds(taxonomy: Taxonomy) -> HsdsDict:
    return _own("taxonomy", taxonomy)


def taxonomy_term_to_hsds(term: TaxonomyTerm) -> HsdsDict:
    taxonomy = term.taxonomy
    fields = _own(
        "taxonomy_term",
        term,
        taxonomy=taxonomy.name if taxonomy is not None else term.taxonomy_name,
    )
    if taxonomy is not None:
        fields["taxonomy_detail"] = taxonomy_to_hsds(taxonomy)
    return order("taxonomy_term", fields)


def attribute_to_hsds(attribute: Attribute) -> HsdsDict:
    fields = _own(
        "attribute", attribute, link_id=attribute.link_id, link_entity=attribute.link_entity
    )
    fields["taxonomy_term"] = taxonomy_term_to_hsds(attribute.taxonomy_term)
    return fields


# Locations


def is_hidden(location: Location, *, public: bool) -> bool:
    """Whether this location's whereabouts must be withheld from this output."""
    return public and location.confidential


def location_summary_to_hsds(location: Location, *, public: bool = True) -> HsdsDict:
    """The location's own fields (the ``service_at_location_list`` shape), no children."""
    hidden = is_hidden(location, public=public)
    fields = _own(
        "location",
        location,
        region_code=confidentiality.public_region_code(location.region_code, hidden),
    )
    if hidden:
        for withheld in confidentiality.WITHHELD_LOCATION_FIELDS:
            fields.pop(withheld, None)
        fields["description"] = CONFIDENTIAL_NOTE
    return order("location", fields)


def location_to_hsds(location: Location, *, public: bool = True) -> HsdsDict:
    fields = location_summary_to_hsds(location, public=public)
    hidden = is_hidden(location, public=public)
    fields["phones"] = [] if hidden else _all(phone_to_hsds, location.phones)
    fields["accessibility"] = [
        accessibility_to_hsds(item, hidden=hidden) for item in location.accessibility
    ]
    fields["contacts"] = [] if hidden else _all(contact_to_hsds, location.contacts)
    fields["schedules"] = _all(schedule_to_hsds, location.schedules)
    fields["languages"] = _all(language_to_hsds, location.languages)
    fields["addresses"] = [] if hidden else _all(address_to_hsds, location.addresses)
    return fields


# Organizations and services


def organization_summary_to_hsds(organization: Organization) -> HsdsDict:
    """The organization's own fields (the ``organization_list`` shape)."""
    return _own("organization", organization)


def at_confidential_location(service: Service) -> bool:
    return any(sal.location.confidential for sal in service.service_at_locations)


def service_summary_to_hsds(
    service: Service, *, include_organization: bool = True, public: bool = True
) -> HsdsDict:
    """The service's one-to-one fields (the ``service_list`` shape) and our extensions."""
    fields = _own(
        "service",
        service,
        last_modified=format_datetime(service.last_modified),
        capacity_note=(
            confidentiality.public_capacity_note(
                service.capacity_note, at_confidential_location(service)
            )
            if public
            else service.capacity_note
        ),
    )
    if include_organization:
        fields["organization"] = organization_summary_to_hsds(service.organization)
    return fields


def service_at_location_to_hsds(
    sal: ServiceAtLocation, *, public: bool = True, include_service: bool = True
) -> HsdsDict:
    """A service at one location, with the location nested; with the service nested too
    unless it is the service that holds this one."""
    hidden = is_hidden(sal.location, public=public)
    fields = _own("service_at_location", sal, description=None if hidden else sal.description)
    fields["phones"] = [] if hidden else _all(phone_to_hsds, sal.phones)
    fields["location"] = location_to_hsds(sal.location, public=public)
    fields["contacts"] = [] if hidden else _all(contact_to_hsds, sal.contacts)
    fields["schedules"] = _all(schedule_to_hsds, sal.schedules)
    if include_service:
        fields["service"] = service_to_hsds(
            sal.service, public=public, include_service_at_locations=False
        )
    return fields


def service_at_location_summary_to_hsds(sal: ServiceAtLocation, *, public: bool = True) -> HsdsDict:
    """The ``service_at_location_list`` shape: own fields, location and service summaries."""
    fields = _own(
        "service_at_location",
        sal,
        description=None if is_hidden(sal.location, public=public) else sal.description,
    )
    fields["location"] = location_summary_to_hsds(sal.location, public=public)
    fields["service"] = service_summary_to_hsds(
        sal.service, include_organization=False, public=public
    )
    return fields


def service_to_hsds(
    service: Service,
    *,
    public: bool = True,
    include_organization: bool = True,
    include_service_at_locations: bool = True,
) -> HsdsDict:
    """The whole nested service (``compiled/service.json``)."""
    fields = service_summary_to_hsds(service, include_organization=False, public=public)
    safe_house_only = public and confidentiality.is_offered_only_at_confidential(
        sal.location.confidential for sal in service.service_at_locations
    )
    fields["schedules"] = _all(schedule_to_hsds, service.schedules)
    fields["languages"] = _all(language_to_hsds, service.languages)
    if service.program is not None:
        fields["program"] = program_to_hsds(service.program)
    fields["funding"] = _all(funding_to_hsds, service.fundings)
    fields["required_documents"] = _all(required_document_to_hsds, service.required_documents)
    if include_service_at_locations:
        fields["service_at_locations"] = [
            service_at_location_to_hsds(sal, public=public, include_service=False)
            for sal in service.service_at_locations
        ]
    fields["phones"] = [] if safe_house_only else _all(phone_to_hsds, service.phones)
    if include_organization:
        organization = organization_summary_to_hsds(service.organization)
        organization["attributes"] = _all(attribute_to_hsds, service.organization.attributes)
        fields["organization"] = organization
    fields["contacts"] = [
        contact_to_hsds(contact, with_phones=not safe_house_only) for contact in service.contacts
    ]
    fields["cost_options"] = _all(cost_option_to_hsds, service.cost_options)
    fields["service_areas"] = [
        service_area_to_hsds(area, coarse=safe_house_only) for area in service.service_areas
    ]
    fields["attributes"] = _all(attribute_to_hsds, service.attributes)
    return fields


def metadata_to_hsds(entry: MetadataEntry) -> HsdsDict:
    """An audit row as HSDS ``metadata`` (``last_action_date`` a date, as HSDS types it)."""
    return {
        "id": entry.id,
        "resource_id": entry.resource_id,
        "resource_type": entry.resource_type,
        "last_action_date": entry.last_action_date.date().isoformat(),
        "last_action_type": entry.last_action_type,
        "field_name": entry.field_name,
        "previous_value": entry.previous_value,
        "replacement_value": entry.replacement_value,
        "updated_by": entry.updated_by,
    }


def _parse_instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def verification_metadata(
    organization: Organization, entries: Sequence[MetadataEntry], *, anonymous: bool = False
) -> list[HsdsDict]:
    """The organization's verifications as HSDS ``metadata``, oldest first.

    ``entries``: its audit rows; those recording a verification are kept. When its
    ``verified_at`` is in none of them (it came from an import), an entry is made for it,
    with an id derived from the organization and the instant, the same in every export.
    """
    kept = [
        entry
        for entry in entries
        if entry.resource_id == organization.id
        and entry.last_action_type == ACTION_VERIFY
        and entry.field_name == VERIFIED_AT
    ]
    kept.sort(key=lambda entry: (entry.last_action_date, entry.id))
    metadata = [metadata_to_hsds(entry) for entry in kept]
    if anonymous:
        # Who verified stays with the directory: a staff member's e-mail address is not
        # for anyone who asks the API.
        for entry in metadata:
            entry["updated_by"] = DIRECTORY_NAME
    verified_at = organization.verified_at
    if verified_at is not None and all(
        _parse_instant(entry.replacement_value) != verified_at for entry in kept
    ):
        instant = as_text(verified_at)
        metadata.append(
            {
                "id": str(uuid.uuid5(_METADATA_NAMESPACE, f"{organization.id}/{instant}")),
                "resource_id": organization.id,
                "resource_type": "organization",
                "last_action_date": verified_at.date().isoformat(),
                "last_action_type": ACTION_VERIFY,
                "field_name": VERIFIED_AT,
                "previous_value": "",
                "replacement_value": instant,
                "updated_by": DIRECTORY_NAME,
            }
        )
    return metadata


def organization_to_hsds(
    organization: Organization,
    *,
    public: bool = True,
    include_services: bool = True,
    metadata: Sequence[MetadataEntry] | None = None,
    anonymous_metadata: bool = False,
) -> HsdsDict:
    """The whole nested organization (``compiled/organization.json``), with its services
    nested in full (each without the organization again). Given its audit rows
    (``metadata``), its verifications too (:func:`verification_metadata`)."""
    fields = organization_summary_to_hsds(organization)
    fields["organization_identifiers"] = _all(
        organization_identifier_to_hsds, organization.organization_identifiers
    )
    fields["programs"] = _all(program_to_hsds, organization.programs)
    fields["contacts"] = _all(contact_to_hsds, organization.contacts)
    fields["locations"] = [
        location_to_hsds(location, public=public) for location in organization.locations
    ]
    fields["funding"] = _all(funding_to_hsds, organization.fundings)
    fields["phones"] = _all(phone_to_hsds, organization.phones)
    fields["attributes"] = _all(attribute_to_hsds, organization.attributes)
    if metadata is not None:
        fields["metadata"] = verification_metadata(
            organization, metadata, anonymous=anonymous_metadata
        )
    if include_services:
        fields["services"] = [
            service_to_hsds(service, public=public, include_organization=False)
            for service in organization.services
        ]
    return fields


def service_minimal_to_hsds(service: Service) -> HsdsDict:
    """HSDS ``minimal``: the service's id and last modification (what the parameter
    names), with its name and status (what the standard's ``service_list`` schema
    requires of every item)."""
    return _compact(
        id=service.id,
        name=service.name,
        status=service.status,
        last_modified=format_datetime(service.last_modified),
    )


def organization_with_service_summaries(
    organization: Organization,
    *,
    public: bool = True,
    metadata: Sequence[MetadataEntry] | None = None,
    anonymous_metadata: bool = False,
) -> HsdsDict:
    """The nested organization with its services as summaries (HSDS ``full_service``
    false): each service's one-to-one fields, not its children; ``metadata`` stays last."""
    fields = organization_to_hsds(
        organization,
        public=public,
        include_services=False,
        metadata=metadata,
        anonymous_metadata=anonymous_metadata,
    )
    entries = fields.pop("metadata", None)
    fields["services"] = [
        service_summary_to_hsds(service, include_organization=False, public=public)
        for service in organization.services
    ]
    if entries is not None:
        fields["metadata"] = entries
    return fields
