"""The directory the browser tests look at, built with the factories, and what it should
show: every expected figure is counted from what was built, never written down."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    TaxonomyTerm,
)
from tests.factories import (
    AddressFactory,
    AttributeFactory,
    CostOptionFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)

# City: (region code, latitude, longitude, places, problem, service type, paid, hours).
CITIES = {
    "Kota Serang": ("36.73.01", -6.1203, 106.1503, 12, "kdrt", "konseling", False, True),
    "Kota Kupang": ("53.71.02", -10.1772, 123.6070, 8, "cerai", "hukum", True, False),
    "Kota Pontianak": ("61.71.03", -0.0263, 109.3425, 6, "cerai", "konseling", False, False),
}
POPUP_ORGANIZATION = "LBH Pontianak Terang"


@dataclass
class Place:
    organization_id: str
    organization: str
    latitude: float
    longitude: float
    problems: set[str]
    free: bool
    always_open: bool


@dataclass
class Confidential:
    organization_id: str
    organization: str
    organization_phone: str
    # Strings that must appear nowhere: name, street, coordinates, its own phone, district.
    secrets: list[str]


@dataclass
class BrowserSeed:
    terms: dict[str, str] = field(default_factory=dict)  # key -> term id
    term_names: dict[str, str] = field(default_factory=dict)  # key -> name
    places: list[Place] = field(default_factory=list)
    confidential: Confidential | None = None
    organization_id: str = ""
    service_id: str = ""

    def count(self, problem: str | None = None, free: bool = False, open_now: bool = False) -> int:
        return sum(
            1
            for place in self.places
            if (problem is None or problem in place.problems)
            and (not free or place.free)
            and (not open_now or place.always_open)
        )


def seed_browser_directory() -> BrowserSeed:
    """About thirty public places in three cities, one organization with a safe house."""
    seed = BrowserSeed()
    terms: dict[str, TaxonomyTerm] = {}
    problems = TaxonomyFactory(id=TAXONOMY_PROBLEMS, name="Masalah", name_en="Problems")
    types = TaxonomyFactory(id=TAXONOMY_SERVICE_TYPES, name="Jenis layanan", name_en="Services")
    for key, taxonomy, name, name_en in (
        ("kdrt", problems, "Kekerasan dalam rumah tangga", "Domestic violence"),
        ("cerai", problems, "Perceraian", "Divorce"),
        ("konseling", types, "Konseling", "Counselling"),
        ("hukum", types, "Bantuan hukum", "Legal aid"),
    ):
        term = TaxonomyTermFactory(taxonomy=taxonomy, name=name, name_en=name_en)
        terms[key] = term
        seed.terms[key] = term.id
        seed.term_names[key] = name

    for city, (code, lat, lon, count, problem, kind, paid, hours) in CITIES.items():
        for n in range(count):
            name = POPUP_ORGANIZATION if city == "Kota Pontianak" and n == 0 else f"LK3 {city} {n}"
            place = _place(
                seed,
                terms,
                name,
                city,
                code,
                # Spread over a few kilometres, so that clusters split when zooming in.
                lat + (n % 4) * 0.012,
                lon + (n // 4) * 0.015,
                problem,
                kind,
                paid=paid and n % 2 == 0,
                always_open=hours and n % 2 == 0,
            )
            if n == 0 and city == "Kota Serang":
                seed.organization_id = place.organization_id

    # UPTD PPA Kota Kupang: a public office, and a safe house that must stay hidden.
    organization = OrganizationFactory(name="UPTD PPA Kota Kupang")
    organization_phone = "+62 380 555 0100"
    PhoneFactory(organization_id=organization.id, number=organization_phone)
    service = ServiceFactory(organization=organization, name="Perlindungan perempuan dan anak")
    seed.service_id = service.id
    AttributeFactory(link_id=service.id, taxonomy_term=terms["kdrt"])
    office = LocationFactory(
        organization=organization,
        name="Kantor UPTD PPA",
        latitude=-10.1631,
        longitude=123.5791,
        region_code="53.71.01",
    )
    AddressFactory(location=office, address_1="Jl. Timor Raya No. 12", city="Kota Kupang")
    ServiceAtLocationFactory(service=service, location=office)
    seed.places.append(
        Place(organization.id, organization.name, -10.1631, 123.5791, {"kdrt"}, True, False)
    )
    safe_house = LocationFactory(
        organization=organization,
        name="Rumah Aman Cendana",
        latitude=-10.2049,
        longitude=123.5851,
        region_code="53.71.04",
        confidential=True,
    )
    AddressFactory(location=safe_house, address_1="Jl. Rahasia Cendana No. 9", city="Kota Kupang")
    PhoneFactory(location_id=safe_house.id, number="+62 812 3456 0009")
    ServiceAtLocationFactory(service=service, location=safe_house)
    seed.confidential = Confidential(
        organization_id=organization.id,
        organization=organization.name,
        organization_phone=organization_phone,
        secrets=[
            "Rumah Aman Cendana",
            "Rahasia Cendana",
            "-10.2049",
            "123.5851",
            "3456 0009",
            "53.71.04",
        ],
    )
    return seed


def _place(
    seed: BrowserSeed,
    terms: dict[str, TaxonomyTerm],
    name: str,
    city: str,
    region_code: str,
    latitude: float,
    longitude: float,
    problem: str,
    kind: str,
    paid: bool,
    always_open: bool,
) -> Place:
    organization = OrganizationFactory(name=name)
    PhoneFactory(organization_id=organization.id)
    service = ServiceFactory(organization=organization, name=f"{seed.term_names[kind]} {name}")
    for key in (problem, kind):
        AttributeFactory(link_id=service.id, taxonomy_term=terms[key])
    if paid:
        CostOptionFactory(service=service, amount=Decimal("75000"))
    location = LocationFactory(
        organization=organization,
        name=f"Kantor {name}",
        latitude=latitude,
        longitude=longitude,
        region_code=region_code,
    )
    AddressFactory(location=location, address_1=f"Jl. Contoh {name}", city=city)
    at_location = ServiceAtLocationFactory(service=service, location=location)
    if always_open:
        ScheduleFactory(
            service_at_location_id=at_location.id,
            byday="MO,TU,WE,TH,FR,SA,SU",
            # Opening and closing at the same time: the whole day (directory.geo.hours).
            opens_at=time(0, 0),
            closes_at=time(0, 0),
        )
    place = Place(organization.id, name, latitude, longitude, {problem}, not paid, always_open)
    seed.places.append(place)
    return place
