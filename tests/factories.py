"""factory_boy factories: tests build their data here, not from copied literals."""

from __future__ import annotations

from datetime import time

import factory
from factory.alchemy import SQLAlchemyModelFactory

from directory.extensions import db
from directory.models import (
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(BaseFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"LK3 Contoh {n}")
    description = "Lembaga konsultasi kesejahteraan keluarga (data demonstrasi)."
    email = factory.Sequence(lambda n: f"lk3-{n}@example.org")


class LocationFactory(BaseFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Kantor {n}")
    # Kota Serang, Banten (WIB).
    latitude = -6.12
    longitude = 106.15
    region_code = "36.73"
    confidential = False


class AddressFactory(BaseFactory):
    class Meta:
        model = Address

    location = factory.SubFactory(LocationFactory)
    address_1 = factory.Sequence(lambda n: f"Jl. Contoh No. {n}")
    city = "Kota Serang"
    state_province = "Banten"
    postal_code = "42111"


class ServiceFactory(BaseFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Layanan Konseling {n}")
    description = "Konseling keluarga dan pendampingan korban kekerasan dalam rumah tangga."
    status = "active"
    accepting_referrals = True


class ServiceAtLocationFactory(BaseFactory):
    class Meta:
        model = ServiceAtLocation

    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(
        LocationFactory, organization=factory.SelfAttribute("..service.organization")
    )


class PhoneFactory(BaseFactory):
    class Meta:
        model = Phone

    number = factory.Sequence(lambda n: f"+62 21 5550 {n:04d}")
    type = "voice"


class ScheduleFactory(BaseFactory):
    class Meta:
        model = Schedule

    freq = "WEEKLY"
    byday = "MO,TU,WE,TH,FR"
    opens_at = time(8, 0)
    closes_at = time(16, 0)


class LanguageFactory(BaseFactory):
    class Meta:
        model = Language

    name = "Bahasa Indonesia"
    code = "id"


class CostOptionFactory(BaseFactory):
    class Meta:
        model = CostOption

    service = factory.SubFactory(ServiceFactory)
    option = "Gratis"
    currency = "IDR"
    amount = 0


class TaxonomyFactory(BaseFactory):
    class Meta:
        model = Taxonomy

    name = factory.Sequence(lambda n: f"Taksonomi {n}")
    description = "Taksonomi uji"


class TaxonomyTermFactory(BaseFactory):
    class Meta:
        model = TaxonomyTerm

    taxonomy = factory.SubFactory(TaxonomyFactory)
    code = factory.Sequence(lambda n: f"term-{n}")
    name = factory.Sequence(lambda n: f"Istilah {n}")
    name_en = factory.Sequence(lambda n: f"Term {n}")
    description = "Istilah uji"


class AttributeFactory(BaseFactory):
    class Meta:
        model = Attribute

    link_entity = "service"
    taxonomy_term = factory.SubFactory(TaxonomyTermFactory)
