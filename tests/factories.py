"""factory_boy factories: tests build their data here, not from copied literals."""

from __future__ import annotations

import functools
from datetime import time, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from directory.database import utcnow
from directory.extensions import db
from directory.models import (
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
    Referral,
    ReferralEvent,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    User,
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


class ServiceAreaFactory(BaseFactory):
    class Meta:
        model = ServiceArea

    service = factory.SubFactory(ServiceFactory)
    name = "Kota Serang"
    region_code = "36.73"


class ContactFactory(BaseFactory):
    class Meta:
        model = Contact

    name = factory.Sequence(lambda n: f"Petugas {n}")
    title = "Konselor"
    email = factory.Sequence(lambda n: f"petugas-{n}@example.org")


class OrganizationIdentifierFactory(BaseFactory):
    class Meta:
        model = OrganizationIdentifier

    organization_id = factory.LazyFunction(lambda: OrganizationFactory().id)
    identifier_scheme = "SIKS-NG"
    identifier_type = "ID SIKS-NG"
    identifier = factory.Sequence(lambda n: f"3673{n:08d}")


class ProgramFactory(BaseFactory):
    class Meta:
        model = Program

    organization_id = factory.LazyFunction(lambda: OrganizationFactory().id)
    name = factory.Sequence(lambda n: f"Program Ketahanan Keluarga {n}")
    description = "Pendampingan keluarga rentan."


class FundingFactory(BaseFactory):
    class Meta:
        model = Funding

    source = "APBD Kota Serang"


class RequiredDocumentFactory(BaseFactory):
    class Meta:
        model = RequiredDocument

    document = "KTP"


class AccessibilityFactory(BaseFactory):
    class Meta:
        model = Accessibility

    location_id = factory.LazyFunction(lambda: LocationFactory().id)
    description = "Akses kursi roda"
    details = "Ramp di pintu depan."


def full_service(*, confidential: bool = False, **service_fields: object) -> Service:
    """A service with every nested piece the HSDS serializer writes, at one location."""
    from decimal import Decimal

    service = ServiceFactory(
        url="https://lk3.example.org/konseling",
        email="layanan@example.org",
        capacity_note="Antrean sekitar satu minggu.",
        minimum_age=12,
        **service_fields,
    )
    organization = service.organization
    location = LocationFactory(
        organization=organization,
        confidential=confidential,
        transportation="Angkot jurusan Pasar Rau, turun di depan masjid.",
    )
    AddressFactory(location=location)
    sal = ServiceAtLocationFactory(service=service, location=location)
    PhoneFactory(service_id=service.id, extension="12")
    PhoneFactory(location_id=location.id)
    PhoneFactory(organization_id=organization.id)
    ScheduleFactory(service_id=service.id)
    ScheduleFactory(service_at_location_id=sal.id, byday="SA", opens_at=time(9, 30))
    ScheduleFactory(location_id=location.id)
    LanguageFactory(service_id=service.id)
    LanguageFactory(location_id=location.id, name="Basa Jawa", code="jv")
    CostOptionFactory(service=service, option="Konsultasi", amount=Decimal("50000.00"))
    CostOptionFactory(service=service, option="Tes psikologi", amount=Decimal("12500.50"))
    ServiceAreaFactory(service=service)
    contact = ContactFactory(service_id=service.id)
    PhoneFactory(contact_id=contact.id)
    ContactFactory(organization_id=organization.id)
    ContactFactory(location_id=location.id)
    phone = PhoneFactory(organization_id=organization.id, type="text")
    LanguageFactory(phone_id=phone.id, name="Basa Sunda", code="su")
    OrganizationIdentifierFactory(organization_id=organization.id)
    program = ProgramFactory(organization_id=organization.id)
    service.program_id = program.id
    FundingFactory(organization_id=organization.id, source="Hibah Kementerian Sosial")
    FundingFactory(service_id=service.id)
    RequiredDocumentFactory(service_id=service.id, document="Kartu Tanda Penduduk (KTP)")
    RequiredDocumentFactory(service_id=service.id, document="Kartu Keluarga (KK)")
    AccessibilityFactory(location_id=location.id)
    AccessibilityFactory(location_id=location.id, description="Juru bahasa isyarat", details=None)
    AttributeFactory(link_id=service.id, link_entity="service")
    AttributeFactory(link_id=organization.id, link_entity="organization")
    return service


# Accounts and referrals.

TEST_PASSWORD = "kata sandi uji yang cukup panjang"


@functools.cache
def shared_password_hash() -> str:
    """One real argon2 hash for every test account: hashing costs tens of milliseconds."""
    from directory.auth.passwords import hash_password

    return hash_password(TEST_PASSWORD)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"petugas-{n}@example.org")
    name = factory.Sequence(lambda n: f"Petugas {n}")
    role = "counsellor"
    organization = factory.SubFactory(OrganizationFactory)
    password_hash = factory.LazyFunction(shared_password_hash)


class ReferralFactory(BaseFactory):
    """A referral just sent (status ``sent``, with its ``send`` event), built without the
    operation so that tests can set any field; use the operations to move it on."""

    class Meta:
        model = Referral

    counsellor = factory.SubFactory(UserFactory)
    sending_organization = factory.SelfAttribute("counsellor.organization")
    service = factory.SubFactory(ServiceFactory)
    receiving_organization = factory.SelfAttribute("service.organization")
    status = "sent"
    urgency = "normal"
    reason = "Klien membutuhkan pendampingan hukum setelah kekerasan dalam rumah tangga."
    client_reference = factory.Sequence(lambda n: f"LK3-2025-{n:04d}")
    client_initials = "S.R."
    client_age_group = "25-59"
    client_sex = "female"
    consent_given = True
    consent_method = "written"
    consent_recorded_at = factory.LazyFunction(utcnow)
    sent_at = factory.LazyFunction(utcnow)
    status_changed_at = factory.SelfAttribute("sent_at")
    due_at = factory.LazyAttribute(lambda referral: referral.sent_at + timedelta(days=3))

    @factory.post_generation
    def sent_event(referral: Referral, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            db.session.add(
                ReferralEvent(
                    referral=referral,
                    action="send",
                    to_status="sent",
                    actor_id=referral.counsellor.id,
                    actor_organization_id=referral.sending_organization.id,
                    occurred_at=referral.sent_at,
                )
            )
            db.session.flush()


def eligibility_term(code: str) -> TaxonomyTerm:
    """The term ``khusus_perempuan`` or ``khusus_laki_laki`` of the eligibility taxonomy
    (its fixed id, as the seed has it), made once per test database."""
    from directory.institutions.models import TAXONOMY_ELIGIBILITY

    found = db.session.scalar(
        select(TaxonomyTerm).where(
            TaxonomyTerm.taxonomy_id == TAXONOMY_ELIGIBILITY, TaxonomyTerm.code == code
        )
    )
    if found is not None:
        return found
    taxonomy = db.session.get(Taxonomy, TAXONOMY_ELIGIBILITY) or TaxonomyFactory(
        id=TAXONOMY_ELIGIBILITY, name="Kelayakan", name_en="Eligibility"
    )
    names = {
        "khusus_perempuan": ("Khusus perempuan", "Women only"),
        "khusus_laki_laki": ("Khusus laki-laki", "Men only"),
    }
    name, name_en = names[code]
    return TaxonomyTermFactory(taxonomy=taxonomy, code=code, name=name, name_en=name_en)
