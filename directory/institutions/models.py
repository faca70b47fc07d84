"""The directory, shaped after Open Referral HSDS 3.0 (``shared/hsds-3.0/simple/schema.csv``).

Tables and columns keep HSDS names so that import, export and the API map one to one.
What Indonesia needs beyond HSDS is added in columns of our own: a Kemendagri region code
and a ``confidential`` flag on every location; ``accepting_referrals`` and a capacity
note on every service; English names on taxonomy terms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    and_,
    true,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from directory.database import new_id, utcnow
from directory.extensions import Model
from directory.geo.models import Region
from directory.sqltypes import UTCDateTime

ID = Uuid(as_uuid=False)

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# Identifiers of the taxonomies the app relies on. Fixed UUIDs, so that the seed, an
# export and a fresh database all agree on them.
TAXONOMY_SERVICE_TYPES = "5f6a0a53-7c2b-4e0e-9d0c-1a1b2c3d4e01"
TAXONOMY_PROBLEMS = "5f6a0a53-7c2b-4e0e-9d0c-1a1b2c3d4e02"
TAXONOMY_INSTITUTION_TYPES = "5f6a0a53-7c2b-4e0e-9d0c-1a1b2c3d4e03"
TAXONOMY_DATA_STATUS = "5f6a0a53-7c2b-4e0e-9d0c-1a1b2c3d4e04"
# Who a service is limited to ("khusus perempuan", "khusus laki-laki"): terms a service
# carries as attributes (``directory.search.eligibility``); none serves everyone.
TAXONOMY_ELIGIBILITY = "5f6a0a53-7c2b-4e0e-9d0c-1a1b2c3d4e05"
# The term that marks demonstration data ("data demonstrasi") on an organization.
TERM_DEMONSTRATION_DATA = "5f6a0a53-7c2b-4e0e-9d0c-1a1b2c3d4f01"


def _attributes_of(entity: str, owner: Callable[[], type[Any]]) -> Any:
    """A relationship to the HSDS attributes (taxonomy links) of one kind of record."""
    return relationship(
        "Attribute",
        primaryjoin=lambda: and_(
            owner().id == foreign(Attribute.link_id), Attribute.link_entity == entity
        ),
        viewonly=True,
        lazy="selectin",
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_modified: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True
    )


class Taxonomy(Model):
    __tablename__ = "taxonomy"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str | None] = mapped_column(String(500), default=None)
    version: Mapped[str | None] = mapped_column(String(50), default=None)

    terms: Mapped[list[TaxonomyTerm]] = relationship(
        back_populates="taxonomy", order_by="TaxonomyTerm.name"
    )


class TaxonomyTerm(Model):
    __tablename__ = "taxonomy_term"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    code: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("taxonomy_term.id"), index=True, default=None
    )
    taxonomy_id: Mapped[str | None] = mapped_column(
        ForeignKey("taxonomy.id"), index=True, default=None
    )
    # Free-text taxonomy name, for terms imported from taxonomies we do not hold.
    taxonomy_name: Mapped[str | None] = mapped_column(String(200), default=None)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    term_uri: Mapped[str | None] = mapped_column(String(500), default=None)
    # Deactivated terms stay on the referrals that carry them but leave the pickers.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    taxonomy: Mapped[Taxonomy | None] = relationship(back_populates="terms")
    parent: Mapped[TaxonomyTerm | None] = relationship(remote_side=[id])


class TaxonomyTermWord(Model):
    """A word people use for a term (colloquial, regional, slang, English, inflected):
    ``dipukul``, ``KDRT``, ``bullying``. Search understands a query through these
    (``directory.search.lexicon``); they come from ``seed/lay_words.csv``."""

    __tablename__ = "taxonomy_term_word"
    __table_args__ = (UniqueConstraint("taxonomy_term_id", "word"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taxonomy_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id"), index=True)
    word: Mapped[str] = mapped_column(String(200))


class Attribute(Model):
    """Links a record (``link_entity`` + ``link_id``) to a taxonomy term."""

    __tablename__ = "attribute"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    link_id: Mapped[str] = mapped_column(ID, index=True)
    link_entity: Mapped[str] = mapped_column(String(40), default="service")
    link_type: Mapped[str | None] = mapped_column(String(100), default=None)
    taxonomy_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id"), index=True)
    value: Mapped[str | None] = mapped_column(Text, default=None)

    taxonomy_term: Mapped[TaxonomyTerm] = relationship(lazy="joined")


class Organization(Timestamped, Model):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300), index=True)
    alternate_name: Mapped[str | None] = mapped_column(String(300), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    website: Mapped[str | None] = mapped_column(String(500), default=None)
    year_incorporated: Mapped[int | None] = mapped_column(Integer, default=None)
    legal_status: Mapped[str | None] = mapped_column(String(200), default=None)
    logo: Mapped[str | None] = mapped_column(String(500), default=None)
    uri: Mapped[str | None] = mapped_column(String(500), default=None)
    # Deactivated rather than deleted when referrals point to it; hidden from the public.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # When a partner or an admin last confirmed the whole listing true, and when its
    # staff were last reminded that it had gone unverified too long.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    stale_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    parent_organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), default=None
    )

    services: Mapped[list[Service]] = relationship(
        back_populates="organization", order_by="Service.name"
    )
    locations: Mapped[list[Location]] = relationship(
        back_populates="organization", order_by="Location.name"
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Organization.id == Phone.organization_id, Phone.service_id.is_(None),"
        " Phone.location_id.is_(None), Phone.contact_id.is_(None))",
        viewonly=True,
    )
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="and_(Organization.id == Contact.organization_id,"
        " Contact.service_id.is_(None))",
        viewonly=True,
    )
    organization_identifiers: Mapped[list[OrganizationIdentifier]] = relationship(
        order_by="OrganizationIdentifier.identifier_type", viewonly=True
    )
    programs: Mapped[list[Program]] = relationship(order_by="Program.name", viewonly=True)
    fundings: Mapped[list[Funding]] = relationship(
        primaryjoin="and_(Organization.id == Funding.organization_id,"
        " Funding.service_id.is_(None))",
        order_by="Funding.source",
        viewonly=True,
    )
    attributes: Mapped[list[Attribute]] = _attributes_of("organization", lambda: Organization)

    @property
    def is_demonstration(self) -> bool:
        return any(a.taxonomy_term_id == TERM_DEMONSTRATION_DATA for a in self.attributes)

    @property
    def institution_types(self) -> list[TaxonomyTerm]:
        return [
            a.taxonomy_term
            for a in self.attributes
            if a.taxonomy_term.taxonomy_id == TAXONOMY_INSTITUTION_TYPES
        ]


class Service(Timestamped, Model):
    __tablename__ = "service"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    program_id: Mapped[str | None] = mapped_column(
        ForeignKey("program.id"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(300), index=True)
    alternate_name: Mapped[str | None] = mapped_column(String(300), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    interpretation_services: Mapped[str | None] = mapped_column(Text, default=None)
    application_process: Mapped[str | None] = mapped_column(Text, default=None)
    fees_description: Mapped[str | None] = mapped_column(Text, default=None)
    wait_time: Mapped[str | None] = mapped_column(Text, default=None)
    accreditations: Mapped[str | None] = mapped_column(Text, default=None)
    eligibility_description: Mapped[str | None] = mapped_column(Text, default=None)
    minimum_age: Mapped[int | None] = mapped_column(Integer, default=None)
    maximum_age: Mapped[int | None] = mapped_column(Integer, default=None)
    assured_date: Mapped[date | None] = mapped_column(Date, default=None)
    assurer_email: Mapped[str | None] = mapped_column(String(254), default=None)
    alert: Mapped[str | None] = mapped_column(Text, default=None)
    # Ours, beyond HSDS:
    accepting_referrals: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    capacity_note: Mapped[str | None] = mapped_column(Text, default=None)

    organization: Mapped[Organization] = relationship(back_populates="services")
    program: Mapped[Program | None] = relationship(viewonly=True)
    fundings: Mapped[list[Funding]] = relationship(
        primaryjoin="Service.id == Funding.service_id", order_by="Funding.source", viewonly=True
    )
    required_documents: Mapped[list[RequiredDocument]] = relationship(
        order_by="RequiredDocument.document", viewonly=True
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="Service.id == Phone.service_id", viewonly=True
    )
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="and_(Service.id == Schedule.service_id,"
        " Schedule.service_at_location_id.is_(None))",
        viewonly=True,
    )
    languages: Mapped[list[Language]] = relationship(
        primaryjoin="Service.id == Language.service_id", viewonly=True
    )
    cost_options: Mapped[list[CostOption]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="Service.id == Contact.service_id", viewonly=True
    )
    attributes: Mapped[list[Attribute]] = _attributes_of("service", lambda: Service)

    @property
    def is_free(self) -> bool:
        """Free unless some cost option asks for money."""
        return not any((option.amount or 0) > 0 for option in self.cost_options)

    @property
    def taxonomy_terms(self) -> list[TaxonomyTerm]:
        return [a.taxonomy_term for a in self.attributes]

    @property
    def locations(self) -> list[Location]:
        return [sal.location for sal in self.service_at_locations]

    @property
    def served_region_codes(self) -> list[str]:
        return [area.region_code for area in self.service_areas if area.region_code]


class Location(Timestamped, Model):
    __tablename__ = "location"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=None
    )
    location_type: Mapped[str] = mapped_column(String(20), default="physical")
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    name: Mapped[str | None] = mapped_column(String(300), default=None)
    alternate_name: Mapped[str | None] = mapped_column(String(300), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    transportation: Mapped[str | None] = mapped_column(Text, default=None)
    latitude: Mapped[float | None] = mapped_column(Float, index=True, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, index=True, default=None)
    external_identifier: Mapped[str | None] = mapped_column(String(200), default=None)
    external_identifier_type: Mapped[str | None] = mapped_column(String(200), default=None)
    # Ours: the Kemendagri code of the smallest region holding it (district if known).
    region_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"), index=True, default=None
    )
    # Safe houses and shelters: address and coordinates are never shown publicly.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    addresses: Mapped[list[Address]] = relationship(
        back_populates="location", cascade="all, delete-orphan"
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Location.id == Phone.location_id, Phone.service_id.is_(None))",
        viewonly=True,
    )
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="and_(Location.id == Schedule.location_id, Schedule.service_id.is_(None),"
        " Schedule.service_at_location_id.is_(None))",
        viewonly=True,
    )
    languages: Mapped[list[Language]] = relationship(
        primaryjoin="Location.id == Language.location_id", viewonly=True
    )
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="Location.id == Contact.location_id", viewonly=True
    )
    accessibility: Mapped[list[Accessibility]] = relationship(
        order_by="Accessibility.description", viewonly=True
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(back_populates="location")
    region: Mapped[Region | None] = relationship(lazy="joined")


class ServiceAtLocation(Timestamped, Model):
    __tablename__ = "service_at_location"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship(back_populates="service_at_locations")
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="ServiceAtLocation.id == Schedule.service_at_location_id", viewonly=True
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="ServiceAtLocation.id == Phone.service_at_location_id", viewonly=True
    )
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="ServiceAtLocation.id == Contact.service_at_location_id", viewonly=True
    )


class Address(Model):
    __tablename__ = "address"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    attention: Mapped[str | None] = mapped_column(String(300), default=None)
    address_1: Mapped[str] = mapped_column(String(500))
    address_2: Mapped[str | None] = mapped_column(String(500), default=None)
    city: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200), default=None)
    state_province: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="ID")
    address_type: Mapped[str] = mapped_column(String(20), default="physical")

    location: Mapped[Location] = relationship(back_populates="addresses")


class Phone(Model):
    __tablename__ = "phone"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=None
    )
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id"), index=True, default=None
    )
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("location.id"), index=True, default=None
    )
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contact.id"), index=True, default=None
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("service_at_location.id"), index=True, default=None
    )
    number: Mapped[str] = mapped_column(String(50))
    extension: Mapped[str | None] = mapped_column(String(20), default=None)
    type: Mapped[str | None] = mapped_column(String(20), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)

    languages: Mapped[list[Language]] = relationship(
        primaryjoin="Phone.id == Language.phone_id", viewonly=True
    )


class Schedule(Model):
    """Opening hours, in the local time of the location (WIB, WITA or WIT)."""

    __tablename__ = "schedule"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id"), index=True, default=None
    )
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("location.id"), index=True, default=None
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("service_at_location.id"), index=True, default=None
    )
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    dtstart: Mapped[date | None] = mapped_column(Date, default=None)
    timezone: Mapped[float | None] = mapped_column(Float, default=None)
    until: Mapped[date | None] = mapped_column(Date, default=None)
    count: Mapped[int | None] = mapped_column(Integer, default=None)
    wkst: Mapped[str | None] = mapped_column(String(2), default=None)
    freq: Mapped[str | None] = mapped_column(String(10), default="WEEKLY")
    interval: Mapped[int | None] = mapped_column(Integer, default=None)
    # Comma-separated RRULE weekdays: "MO,TU,WE,TH,FR".
    byday: Mapped[str | None] = mapped_column(String(40), default=None)
    byweekno: Mapped[str | None] = mapped_column(String(200), default=None)
    bymonthday: Mapped[str | None] = mapped_column(String(200), default=None)
    byyearday: Mapped[str | None] = mapped_column(String(200), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    opens_at: Mapped[time | None] = mapped_column(Time, default=None)
    closes_at: Mapped[time | None] = mapped_column(Time, default=None)
    schedule_link: Mapped[str | None] = mapped_column(String(500), default=None)
    attending_type: Mapped[str | None] = mapped_column(String(200), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)

    @property
    def weekdays(self) -> list[str]:
        return [day.strip() for day in (self.byday or "").split(",") if day.strip()]


class Language(Model):
    __tablename__ = "language"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id"), index=True, default=None
    )
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("location.id"), index=True, default=None
    )
    phone_id: Mapped[str | None] = mapped_column(ForeignKey("phone.id"), index=True, default=None)
    name: Mapped[str | None] = mapped_column(String(100), default=None)
    # ISO 639 code: "id" (Bahasa Indonesia), "jv" (Javanese), "su" (Sundanese)...
    code: Mapped[str | None] = mapped_column(String(10), index=True, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class CostOption(Model):
    __tablename__ = "cost_option"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    option: Mapped[str | None] = mapped_column(String(300), default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default="IDR")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    amount_description: Mapped[str | None] = mapped_column(Text, default=None)

    service: Mapped[Service] = relationship(back_populates="cost_options")


class ServiceArea(Model):
    """A region a service declares it serves. ``region_code`` is ours; HSDS carries it
    in ``uri`` as ``urn:kemendagri:<code>``."""

    __tablename__ = "service_area"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(300), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    extent: Mapped[str | None] = mapped_column(Text, default=None)
    extent_type: Mapped[str | None] = mapped_column(String(20), default=None)
    uri: Mapped[str | None] = mapped_column(String(500), default=None)
    region_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"), index=True, default=None
    )

    service: Mapped[Service] = relationship(back_populates="service_areas")


class Contact(Model):
    __tablename__ = "contact"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=None
    )
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id"), index=True, default=None
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("service_at_location.id"), index=True, default=None
    )
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("location.id"), index=True, default=None
    )
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    department: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)

    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="Contact.id == Phone.contact_id", viewonly=True
    )


class OrganizationIdentifier(Model):
    """A number an organization is registered under: its SIKS-NG id (Kemensos), its AHU
    registration (legal entity, Kemenkumham), its izin operasional (Dinas Sosial)..."""

    __tablename__ = "organization_identifier"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    identifier_scheme: Mapped[str | None] = mapped_column(String(100), default=None)
    identifier_type: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(200))


class Program(Model):
    """A set of services an organization runs under one name (HSDS ``program``)."""

    __tablename__ = "program"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    alternate_name: Mapped[str | None] = mapped_column(String(300), default=None)
    description: Mapped[str] = mapped_column(Text, default="")


class Funding(Model):
    """Where an organization's or a service's money comes from (APBD, APBN, a donor...)."""

    __tablename__ = "funding"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=None
    )
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id"), index=True, default=None
    )
    source: Mapped[str | None] = mapped_column(Text, default=None)


class RequiredDocument(Model):
    """A document a client must bring to use a service (KTP, Kartu Keluarga, a letter)."""

    __tablename__ = "required_document"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    document: Mapped[str | None] = mapped_column(Text, default=None)
    uri: Mapped[str | None] = mapped_column(String(500), default=None)


class Accessibility(Model):
    """What a location offers people with disabilities: wheelchair access, sign
    language, braille, interpreters."""

    __tablename__ = "accessibility"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    details: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str | None] = mapped_column(String(500), default=None)


class ChangeLogEntry(Model):
    """One change to the directory, appended in the same transaction as the change.

    The search index follows this log by a cursor of its own (the last id applied); the
    log is never consumed, so each app server can keep its own index.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    operation: Mapped[str] = mapped_column(String(10))  # "upsert" or "delete"
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    details: Mapped[dict | None] = mapped_column(JSON, default=None)
