"""Public pages: what a client needs before going (required documents, accessibility)
and an organization's registration numbers; a safe house's accessibility without a
detail that could locate it."""

from __future__ import annotations

from tests.factories import (
    AccessibilityFactory,
    LocationFactory,
    OrganizationFactory,
    OrganizationIdentifierFactory,
    RequiredDocumentFactory,
    ServiceAtLocationFactory,
    full_service,
)


def test_a_service_page_lists_documents_to_bring_and_accessibility(db, client):
    service = full_service()
    db.session.commit()

    page = client.get(f"/layanan/{service.id}").get_data(as_text=True)

    assert "Dokumen yang perlu dibawa" in page
    assert "Kartu Tanda Penduduk (KTP)" in page and "Kartu Keluarga (KK)" in page
    assert "Aksesibilitas" in page
    assert "Akses kursi roda: Ramp di pintu depan." in page
    assert "Juru bahasa isyarat" in page


def test_a_service_page_without_them_has_no_empty_sections(db, client):
    sal = ServiceAtLocationFactory()
    db.session.commit()

    page = client.get(f"/layanan/{sal.service.id}").get_data(as_text=True)

    assert "Dokumen yang perlu dibawa" not in page
    assert "Aksesibilitas" not in page


def test_a_document_link_that_is_not_a_web_address_is_not_a_link(db, client):
    sal = ServiceAtLocationFactory()
    RequiredDocumentFactory(service_id=sal.service.id, document="Surat", uri="javascript:alert(1)")
    db.session.commit()

    page = client.get(f"/layanan/{sal.service.id}").get_data(as_text=True)

    assert "Surat" in page
    assert "javascript:alert" not in page


def test_a_safe_houses_accessibility_shows_no_name_detail_or_page(db, client):
    organization = OrganizationFactory()
    safe_house = LocationFactory(
        organization=organization, confidential=True, name="Wisma Melati Jl. Kenanga 4"
    )
    AccessibilityFactory(
        location_id=safe_house.id,
        description="Akses kursi roda",
        details="Pintu samping dekat Masjid Al-Ikhlas",
        url="https://wisma-melati.example.org/denah",
    )
    sal = ServiceAtLocationFactory(service__organization=organization, location=safe_house)
    db.session.commit()

    for path in (f"/layanan/{sal.service.id}", f"/lembaga/{organization.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Akses kursi roda" in page, path
        assert "Lokasi dirahasiakan" in page, path
        for secret in ("Masjid Al-Ikhlas", "wisma-melati", "Wisma Melati", "Kenanga"):
            assert secret not in page, (path, secret)


def test_an_organization_page_shows_its_registration_numbers(db, client):
    organization = OrganizationFactory()
    OrganizationIdentifierFactory(
        organization_id=organization.id,
        identifier_scheme="AHU",
        identifier_type="Pengesahan badan hukum",
        identifier="AHU-0012345.AH.01.04.Tahun 2020",
    )
    OrganizationIdentifierFactory(
        organization_id=organization.id,
        identifier_scheme="Dinas Sosial",
        identifier_type="Izin operasional",
        identifier="460/123/DINSOS/2024",
    )
    db.session.commit()

    page = client.get(f"/lembaga/{organization.id}").get_data(as_text=True)

    assert "Nomor registrasi" in page
    assert "AHU-0012345.AH.01.04.Tahun 2020" in page
    assert "Izin operasional" in page and "460/123/DINSOS/2024" in page
