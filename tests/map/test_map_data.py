"""The map document: what it holds, and what it never holds (confidential places)."""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from directory.institutions.models import TAXONOMY_PROBLEMS, TAXONOMY_SERVICE_TYPES
from directory.map.data import (
    build_map_data,
    data_version,
    encode,
    public_region,
    schedule_window,
    utc_offset,
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

TODAY = date(2026, 11, 2)


def test_schedule_window_in_minutes_after_local_midnight() -> None:
    assert schedule_window("MO,TU", time(8), time(16, 30), None, None, TODAY) == (3, 480, 990)
    assert schedule_window("SA,SU", time(0), time(0), None, None, TODAY) == (96, 0, 0)
    assert schedule_window("FR", time(20), time(2), None, None, TODAY) == (16, 1200, 120)
    assert schedule_window("", time(8), time(9), None, None, TODAY) == (127, 480, 540)
    assert schedule_window("MO", time(8), None, None, None, TODAY) is None
    assert schedule_window("MO", time(8), time(9), date(2026, 12, 1), None, TODAY) is None
    assert schedule_window("MO", time(8), time(9), None, date(2026, 11, 1), TODAY) is None
    assert schedule_window("MO", time(8), time(9), None, date(2026, 11, 2), TODAY) == (1, 480, 540)


def test_utc_offset_follows_the_province_then_the_schedule() -> None:
    assert utc_offset("53.71", []) == 8  # Kota Kupang: WITA
    assert utc_offset("91.01", [7.0]) == 9  # Papua: WIT, whatever the schedule says
    assert utc_offset(None, [None, 9.0]) == 9
    assert utc_offset(None, [5.5]) == 7


def test_public_region_is_the_regency_or_the_province() -> None:
    assert public_region("73.71.01") == "73.71"
    assert public_region("73.71") == "73.71"
    assert public_region("73") == "73"
    assert public_region(None) is None


def _terms() -> tuple[object, object]:
    problems = TaxonomyFactory(id=TAXONOMY_PROBLEMS, name="Masalah")
    types = TaxonomyFactory(id=TAXONOMY_SERVICE_TYPES, name="Jenis layanan")
    violence = TaxonomyTermFactory(taxonomy=problems, name="Kekerasan dalam rumah tangga")
    counselling = TaxonomyTermFactory(taxonomy=types, name="Konseling")
    return violence, counselling


@pytest.mark.usefixtures("app")
def test_document_links_locations_services_terms_and_hours(db: object) -> None:
    session: Session = db.session  # type: ignore[attr-defined]
    violence, counselling = _terms()
    organization = OrganizationFactory(name="LK3 Kota Kupang")
    PhoneFactory(organization_id=organization.id, number="+62 380 555 0101")
    service = ServiceFactory(organization=organization, name="Konseling keluarga")
    paid = ServiceFactory(organization=organization, name="Tes psikologi")
    CostOptionFactory(service=paid, amount=Decimal("50000"))
    AttributeFactory(link_id=service.id, taxonomy_term=violence)
    AttributeFactory(link_id=service.id, taxonomy_term=counselling)
    office = LocationFactory(
        organization=organization,
        name="Kantor LK3",
        latitude=-10.1772301,
        longitude=123.6070279,
        region_code="53.71.02",
    )
    AddressFactory(location=office, address_1="Jl. El Tari No. 5", city="Kota Kupang")
    ServiceAtLocationFactory(service=service, location=office)
    ServiceAtLocationFactory(service=paid, location=office)
    ScheduleFactory(location_id=office.id, byday="MO,TU,WE,TH,FR", opens_at=time(8))
    session.flush()

    document = json.loads(encode(build_map_data(session, TODAY)))

    assert document["organizations"] == [[organization.id, "LK3 Kota Kupang"]]
    terms = {row[1]: (index, row[3]) for index, row in enumerate(document["terms"])}
    assert terms["Konseling"][1] == "service_type"
    assert terms["Kekerasan dalam rumah tangga"][1] == "problem"
    services = {row[1]: row for row in document["services"]}
    assert services["Konseling keluarga"][4] == 1  # free
    assert services["Tes psikologi"][4] == 0
    assert sorted(services["Konseling keluarga"][3]) == sorted(
        [terms["Konseling"][0], terms["Kekerasan dalam rumah tangga"][0]]
    )
    [row] = document["locations"]
    lat, lon, org, service_indexes, region, name, address, phone, offset, windows = row
    assert (lat, lon) == (-10.17723, 123.60703)
    assert org == 0
    assert sorted(document["services"][i][1] for i in service_indexes) == [
        "Konseling keluarga",
        "Tes psikologi",
    ]
    assert region == "53.71"
    assert document["regions"] == {"53": "Nusa Tenggara Timur", "53.71": "Kota Kupang"}
    assert name == "Kantor LK3"
    assert address == "Jl. El Tari No. 5, Kota Kupang"
    assert phone == "+62 380 555 0101"
    assert offset == 8
    assert windows == [[0b11111, 480, 960]]
    assert document["confidential"] == []


@pytest.mark.usefixtures("app")
def test_confidential_location_gives_no_coordinates_address_name_or_own_phone(
    db: object,
) -> None:
    session: Session = db.session  # type: ignore[attr-defined]
    organization = OrganizationFactory(name="UPTD PPA Kota Kupang")
    PhoneFactory(organization_id=organization.id, number="+62 380 555 0199")
    shelter = ServiceFactory(organization=organization, name="Rumah aman sementara")
    safe_house = LocationFactory(
        organization=organization,
        name="Rumah Aman Melati",
        latitude=-10.1911111,
        longitude=123.5922222,
        region_code="53.71.04",
        confidential=True,
    )
    AddressFactory(location=safe_house, address_1="Jl. Rahasia Sekali No. 7")
    PhoneFactory(location_id=safe_house.id, number="+62 812 0000 7777")
    ScheduleFactory(location_id=safe_house.id)
    ServiceAtLocationFactory(service=shelter, location=safe_house)
    session.flush()

    document = build_map_data(session, TODAY)
    body = encode(document).decode()

    assert document["locations"] == []
    assert document["confidential"] == [[0, [0], "53.71", "+62 380 555 0199"]]
    for secret in ("Rumah Aman Melati", "Rahasia Sekali", "-10.19", "123.59", "0000 7777"):
        assert secret not in body
    assert "53.71.04" not in body  # not even its district


@pytest.mark.usefixtures("app")
def test_only_active_services_and_their_locations_are_on_the_map(db: object) -> None:
    session: Session = db.session  # type: ignore[attr-defined]
    active = ServiceAtLocationFactory(service__name="Konseling")
    ServiceAtLocationFactory(service__name="Layanan lama", service__status="defunct")
    ServiceAtLocationFactory(service__name="Tutup dulu", service__status="temporarily closed")
    session.flush()

    document = build_map_data(session, TODAY)

    assert [row[1] for row in document["services"]] == ["Konseling"]
    assert len(document["locations"]) == 1
    assert document["organizations"] == [
        [active.service.organization.id, active.service.organization.name]
    ]


@pytest.mark.usefixtures("app")
def test_location_hours_come_from_the_service_at_the_location_first(db: object) -> None:
    session: Session = db.session  # type: ignore[attr-defined]
    at_location = ServiceAtLocationFactory()
    ScheduleFactory(location_id=at_location.location_id, byday="MO", opens_at=time(7))
    ScheduleFactory(service_id=at_location.service_id, byday="TU", opens_at=time(9))
    ScheduleFactory(service_at_location_id=at_location.id, byday="SA", opens_at=time(10))
    session.flush()

    [row] = build_map_data(session, TODAY)["locations"]

    assert row[9] == [(32, 600, 960)]


@pytest.mark.usefixtures("app")
def test_version_changes_when_the_directory_changes(db: object) -> None:
    session: Session = db.session  # type: ignore[attr-defined]
    at_location = ServiceAtLocationFactory()
    session.flush()
    before = data_version(session)
    assert data_version(session) == before
    PhoneFactory(location_id=at_location.location_id)
    session.flush()
    with_phone = data_version(session)
    assert with_phone != before
    at_location.service.name = "Nama baru"
    session.flush()
    assert data_version(session) != with_phone
