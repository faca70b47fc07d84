"""Read queries of the directory: ``select()`` statements and their eager-loading options.

Pure SQLAlchemy: filters come in as the dataclasses of ``directory.api.params`` (or any
object with the same attributes), nothing reads the request. The loader options load a
page of nested records in a fixed number of queries, whatever the page size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, case, or_, select
from sqlalchemy.orm import joinedload, lazyload, load_only, raiseload, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from directory.geo import confidential as confidentiality
from directory.institutions.models import (
    Attribute,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

# Loader options


def _attributes(relationship: Any) -> _AbstractLoad:
    return (
        selectinload(relationship)
        .joinedload(Attribute.taxonomy_term)
        .joinedload(TaxonomyTerm.taxonomy)
    )


def _phones(path: _AbstractLoad) -> list[_AbstractLoad]:
    """Phones loaded at ``path``, with their languages."""
    return [path, path.selectinload(Phone.languages)]


def _contacts(path: _AbstractLoad) -> list[_AbstractLoad]:
    """Contacts loaded at ``path``, with their phones and the phones' languages."""
    return [path, *_phones(path.selectinload(Contact.phones))]


def _location_children(path: _AbstractLoad) -> list[_AbstractLoad]:
    return [
        path.selectinload(Location.addresses),
        *_phones(path.selectinload(Location.phones)),
        path.selectinload(Location.schedules),
        path.selectinload(Location.languages),
        path.selectinload(Location.accessibility),
        *_contacts(path.selectinload(Location.contacts)),
    ]


def service_full_options(*, with_organization: bool = True) -> list[_AbstractLoad]:
    """Everything ``service_to_hsds`` reads, for any number of services."""
    sal = selectinload(Service.service_at_locations)
    options = [
        *_phones(selectinload(Service.phones)),
        selectinload(Service.schedules),
        selectinload(Service.languages),
        selectinload(Service.cost_options),
        selectinload(Service.service_areas),
        *_contacts(selectinload(Service.contacts)),
        selectinload(Service.fundings),
        selectinload(Service.required_documents),
        selectinload(Service.program),
        _attributes(Service.attributes),
        *_phones(sal.selectinload(ServiceAtLocation.phones)),
        *_contacts(sal.selectinload(ServiceAtLocation.contacts)),
        sal.selectinload(ServiceAtLocation.schedules),
        *_location_children(sal.joinedload(ServiceAtLocation.location)),
    ]
    if with_organization:
        organization = joinedload(Service.organization)
        options.append(
            organization.selectinload(Organization.attributes)
            .joinedload(Attribute.taxonomy_term)
            .joinedload(TaxonomyTerm.taxonomy)
        )
    return options


def service_summary_options() -> list[_AbstractLoad]:
    """What ``service_summary_to_hsds`` reads: not the taxonomy attributes that the
    models load by default."""
    return [
        lazyload(Service.attributes),
        joinedload(Service.organization).lazyload(Organization.attributes),
        # Whether it is offered at a safe house decides its occupancy note.
        selectinload(Service.service_at_locations)
        .joinedload(ServiceAtLocation.location)
        .lazyload("*"),
    ]


def organization_full_options() -> list[_AbstractLoad]:
    """Everything ``organization_to_hsds`` reads, services included."""
    services = selectinload(Organization.services)
    return [
        *_phones(selectinload(Organization.phones)),
        *_contacts(selectinload(Organization.contacts)),
        selectinload(Organization.organization_identifiers),
        selectinload(Organization.programs),
        selectinload(Organization.fundings),
        _attributes(Organization.attributes),
        *_location_children(selectinload(Organization.locations)),
        *[services.options(option) for option in service_full_options(with_organization=False)],
    ]


def service_at_location_full_options() -> list[_AbstractLoad]:
    service = joinedload(ServiceAtLocation.service)
    return [
        *_phones(selectinload(ServiceAtLocation.phones)),
        *_contacts(selectinload(ServiceAtLocation.contacts)),
        selectinload(ServiceAtLocation.schedules),
        *_location_children(joinedload(ServiceAtLocation.location)),
        *[service.options(option) for option in service_full_options()],
    ]


def service_at_location_summary_options() -> list[_AbstractLoad]:
    service = joinedload(ServiceAtLocation.service)
    return [
        joinedload(ServiceAtLocation.location),
        # Whether the service is offered at a safe house decides its occupancy note.
        service.selectinload(Service.service_at_locations)
        .joinedload(ServiceAtLocation.location)
        .lazyload("*"),
    ]


def service_minimal_options() -> list[_AbstractLoad]:
    """What ``service_minimal_to_hsds`` reads (HSDS ``minimal``): four columns."""
    return [
        load_only(Service.id, Service.name, Service.status, Service.last_modified),
        raiseload("*"),
    ]


def taxonomy_term_options() -> list[_AbstractLoad]:
    return [joinedload(TaxonomyTerm.taxonomy)]


# Filters


class ServiceFilterSet(Protocol):
    taxonomy_term_ids: tuple[str, ...]
    organization_id: str | None
    region: str | None
    modified_after: datetime | None
    statuses: tuple[str, ...]
    accepting_referrals: bool | None
    free: bool | None
    language: str | None


def region_matches(column: Any, code: str) -> ColumnElement[bool]:
    """The region itself or any region inside it: ``36.04`` holds ``36.04.01``, not
    ``36.040``."""
    return or_(column == code, column.like(f"{code}.%"))


def location_in_region(code: str) -> ColumnElement[bool]:
    """A location in the region, as the public may know it: a filter finer than a
    regency/city never finds a safe house (``directory.geo.confidential``)."""
    condition = region_matches(Location.region_code, code)
    if confidentiality.finer_than_regency(code):
        condition = and_(condition, Location.confidential.is_(False))
    return condition


# Each condition takes the column holding a service id and tests it against the ids of a
# subquery that does not depend on the outer row: the database runs it once, where a
# correlated EXISTS let SQLite pick the wrong index (the language code) and scan it per
# service.


def has_term(service_id: Any, term_id: str) -> ColumnElement[bool]:
    return service_id.in_(
        select(Attribute.link_id).where(
            Attribute.link_entity == "service", Attribute.taxonomy_term_id == term_id
        )
    )


def in_taxonomy(service_id: Any, taxonomy_id: str) -> ColumnElement[bool]:
    """The service carries some term of the taxonomy (HSDS ``taxonomy_id``)."""
    return service_id.in_(
        select(Attribute.link_id)
        .join(TaxonomyTerm, Attribute.taxonomy_term_id == TaxonomyTerm.id)
        .where(Attribute.link_entity == "service", TaxonomyTerm.taxonomy_id == taxonomy_id)
    )


# Words of a ``search`` on the lists the search index does not rank (all but services).
MAX_SEARCH_WORDS = 10


def text_matches(text: str | None, *columns: Any) -> list[ColumnElement[bool]]:
    """HSDS ``search`` as SQL: every word appears, in any letter case, in one of the
    columns. ``%`` and ``_`` are plain characters; at most ``MAX_SEARCH_WORDS`` words."""
    words = (text or "").split()[:MAX_SEARCH_WORDS]
    return [or_(*(column.icontains(word, autoescape=True) for column in columns)) for word in words]


def located_in(service_id: Any, region: str) -> ColumnElement[bool]:
    """The service has a location in the region (by the location's Kemendagri code)."""
    return service_id.in_(
        select(ServiceAtLocation.service_id)
        .join(Location, ServiceAtLocation.location_id == Location.id)
        .where(location_in_region(region))
    )


def charges_money(service_id: Any) -> ColumnElement[bool]:
    """Some cost option asks for money (``Service.is_free``, as SQL)."""
    return service_id.in_(select(CostOption.service_id).where(CostOption.amount > 0))


def speaks(service_id: Any, code: str) -> ColumnElement[bool]:
    """The language is offered by the service itself or at one of its locations."""
    at_service = select(Language.service_id).where(
        Language.code == code, Language.service_id.is_not(None)
    )
    at_location = (
        select(ServiceAtLocation.service_id)
        .join(Language, Language.location_id == ServiceAtLocation.location_id)
        .where(Language.code == code)
    )
    return service_id.in_(at_service.union(at_location))


def service_conditions(filters: ServiceFilterSet) -> list[ColumnElement[bool]]:
    """One SQL condition per filter given; every one must hold."""
    conditions: list[ColumnElement[bool]] = [
        has_term(Service.id, term_id) for term_id in filters.taxonomy_term_ids
    ]
    if filters.organization_id:
        conditions.append(Service.organization_id == filters.organization_id)
    if filters.region:
        conditions.append(located_in(Service.id, filters.region))
    if filters.modified_after is not None:
        conditions.append(Service.last_modified >= filters.modified_after)
    if filters.statuses:
        conditions.append(Service.status.in_(filters.statuses))
    if filters.accepting_referrals is not None:
        conditions.append(Service.accepting_referrals.is_(filters.accepting_referrals))
    if filters.free is not None:
        money = charges_money(Service.id)
        conditions.append(~money if filters.free else money)
    if filters.language:
        conditions.append(speaks(Service.id, filters.language))
    taxonomy_id = getattr(filters, "taxonomy_id", None)
    if taxonomy_id:
        conditions.append(in_taxonomy(Service.id, taxonomy_id))
    return conditions


def select_by_id(model: type[Any], record_id: str) -> Select[Any]:
    return select(model).where(model.id == record_id)


def services_query(filters: ServiceFilterSet) -> Select[Service]:
    """Services matching every filter, by name."""
    return select(Service).where(*service_conditions(filters)).order_by(Service.name, Service.id)


def organizations_query(search: str | None = None) -> Select[Organization]:
    """Listed organizations: deactivated ones are hidden from the public. ``search``:
    words in the name, other name or description."""
    return (
        select(Organization)
        .where(
            Organization.active.is_(True),
            *text_matches(
                search, Organization.name, Organization.alternate_name, Organization.description
            ),
        )
        .order_by(Organization.name, Organization.id)
    )


def taxonomies_query(search: str | None = None) -> Select[Taxonomy]:
    """``search``: words in the name (Indonesian or English) or description."""
    return (
        select(Taxonomy)
        .where(*text_matches(search, Taxonomy.name, Taxonomy.name_en, Taxonomy.description))
        .order_by(Taxonomy.name, Taxonomy.id)
    )


class TaxonomyTermFilterSet(Protocol):
    taxonomy_id: str | None
    parent_id: str | None
    top_only: bool


def taxonomy_terms_query(filters: TaxonomyTermFilterSet) -> Select[TaxonomyTerm]:
    conditions: list[ColumnElement[bool]] = []
    if filters.taxonomy_id:
        conditions.append(TaxonomyTerm.taxonomy_id == filters.taxonomy_id)
    if filters.parent_id:
        conditions.append(TaxonomyTerm.parent_id == filters.parent_id)
    if filters.top_only:
        conditions.append(TaxonomyTerm.parent_id.is_(None))
    conditions.extend(
        text_matches(
            getattr(filters, "search", None),
            TaxonomyTerm.name,
            TaxonomyTerm.name_en,
            TaxonomyTerm.code,
            TaxonomyTerm.description,
        )
    )
    return (
        select(TaxonomyTerm)
        .where(*conditions)
        .order_by(TaxonomyTerm.taxonomy_id, TaxonomyTerm.name, TaxonomyTerm.id)
    )


class ServiceAtLocationFilterSet(Protocol):
    taxonomy_term_ids: tuple[str, ...]
    organization_id: str | None
    region: str | None


def service_at_locations_query(
    filters: ServiceAtLocationFilterSet,
) -> Select[ServiceAtLocation]:
    conditions: list[ColumnElement[bool]] = [
        has_term(ServiceAtLocation.service_id, term_id) for term_id in filters.taxonomy_term_ids
    ]
    if filters.organization_id:
        conditions.append(Service.organization_id == filters.organization_id)
    if filters.region:
        conditions.append(location_in_region(filters.region))
    taxonomy_id = getattr(filters, "taxonomy_id", None)
    if taxonomy_id:
        conditions.append(in_taxonomy(ServiceAtLocation.service_id, taxonomy_id))
    modified_after = getattr(filters, "modified_after", None)
    if modified_after is not None:
        # What the answer shows changed: the pairing, its service or its location.
        conditions.append(
            or_(
                ServiceAtLocation.last_modified >= modified_after,
                Service.last_modified >= modified_after,
                Location.last_modified >= modified_after,
            )
        )
    # A safe house's name is withheld from the public: never searched either.
    public_location_name = case((Location.confidential.is_(False), Location.name), else_="")
    conditions.extend(
        text_matches(
            getattr(filters, "search", None),
            Service.name,
            Service.alternate_name,
            Service.description,
            public_location_name,
        )
    )
    return (
        select(ServiceAtLocation)
        .join(ServiceAtLocation.service)
        .join(ServiceAtLocation.location)
        .where(*conditions)
        .order_by(Service.name, Location.name, ServiceAtLocation.id)
    )
