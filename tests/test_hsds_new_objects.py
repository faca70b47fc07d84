"""Programs, funding, required documents, accessibility and organization identifiers:
served, exported, imported back, and kept from giving a safe house away."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from directory.extensions import db as database
from directory.hsds.exporter import export_path
from directory.hsds.importer import import_path, import_source, read_document
from directory.hsds.serialize import organization_to_hsds, service_to_hsds
from directory.models import (
    Accessibility,
    Contact,
    Funding,
    Language,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Service,
)
from tests.factories import (
    AccessibilityFactory,
    ContactFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ServiceAtLocationFactory,
    full_service,
)

NEW = (OrganizationIdentifier, Program, Funding, RequiredDocument, Accessibility)


def stored() -> dict[str, set[tuple]]:
    """The new objects' rows (and contact phones, phone languages) by content."""
    session = database.session
    return {
        "identifiers": {
            (i.organization_id, i.identifier_scheme, i.identifier_type, i.identifier)
            for i in session.scalars(select(OrganizationIdentifier))
        },
        "programs": {(p.id, p.organization_id, p.name) for p in session.scalars(select(Program))},
        "service_programs": {
            (s.id, s.program_id) for s in session.scalars(select(Service)) if s.program_id
        },
        "funding": {
            (f.organization_id, f.service_id, f.source) for f in session.scalars(select(Funding))
        },
        "documents": {
            (d.service_id, d.document) for d in session.scalars(select(RequiredDocument))
        },
        "accessibility": {
            (a.location_id, a.description, a.details)
            for a in session.scalars(select(Accessibility))
        },
        "contact_phones": {
            (p.contact_id, p.number) for p in session.scalars(select(Phone)) if p.contact_id
        },
        "location_contacts": {
            (c.location_id, c.name) for c in session.scalars(select(Contact)) if c.location_id
        },
        "phone_languages": {
            (lang.phone_id, lang.code)
            for lang in session.scalars(select(Language))
            if lang.phone_id
        },
    }


@pytest.mark.parametrize("name", ["directory.json", "directory"])
def test_the_new_objects_survive_export_and_import(db, tmp_path, empty_app, name):
    full_service()
    db.session.commit()
    before = stored()
    assert all(before.values()), before
    export_path(db.session, tmp_path / name, include_confidential=True)

    with empty_app.app_context():
        report = import_path(database.session, tmp_path / name)
        database.session.commit()
        after = stored()
        again = import_path(database.session, tmp_path / name)

    assert report.problems == []
    assert after == before
    assert all(c.created == c.updated == 0 for c in again.counts.values())


def test_the_csv_export_writes_the_standards_files_for_them(db, tmp_path):
    full_service()
    db.session.commit()
    export_path(db.session, tmp_path / "csv")
    for file in (
        "organization_identifiers.csv",
        "programs.csv",
        "funding.csv",
        "required_documents.csv",
        "accessibility.csv",
    ):
        lines = (tmp_path / "csv" / file).read_text(encoding="utf-8").splitlines()
        assert len(lines) >= 2, file


def test_a_record_of_the_standard_with_them_imports(db):
    """A record as another HSDS directory writes it, with the new objects nested."""
    organization = OrganizationFactory()
    db.session.commit()
    service_id = "0b0f1a52-21d4-4a2e-8f11-3a0a5c1f0001"
    location_id = "0b0f1a52-21d4-4a2e-8f11-3a0a5c1f0002"
    record = {
        "id": organization.id,
        "name": organization.name,
        "description": organization.description,
        "organization_identifiers": [
            {
                "id": "0b0f1a52-21d4-4a2e-8f11-3a0a5c1f0003",
                "identifier_scheme": "AHU",
                "identifier_type": "Pengesahan badan hukum",
                "identifier": "AHU-0012345.AH.01.04.Tahun 2020",
            }
        ],
        "locations": [
            {
                "id": location_id,
                "location_type": "physical",
                "name": "Kantor",
                "accessibility": [
                    {"id": "0b0f1a52-21d4-4a2e-8f11-3a0a5c1f0004", "description": "Huruf braille"}
                ],
            }
        ],
        "services": [
            {
                "id": service_id,
                "name": "Konseling",
                "description": "Konseling keluarga.",
                "status": "active",
                "required_documents": [
                    {"id": "0b0f1a52-21d4-4a2e-8f11-3a0a5c1f0005", "document": "Surat rujukan"}
                ],
                "funding": [{"id": "0b0f1a52-21d4-4a2e-8f11-3a0a5c1f0006", "source": "APBN"}],
            }
        ],
    }
    report = import_source(db.session, read_document([record], "organizations.json"))
    db.session.commit()

    assert report.problems == []
    identifier = db.session.scalars(select(OrganizationIdentifier)).one()
    assert (identifier.organization_id, identifier.identifier_scheme) == (organization.id, "AHU")
    document = db.session.scalars(select(RequiredDocument)).one()
    assert (document.service_id, document.document) == (service_id, "Surat rujukan")
    assert db.session.scalars(select(Funding)).one().service_id == service_id
    assert db.session.scalars(select(Accessibility)).one().location_id == location_id


def test_an_identifier_without_its_number_is_refused_and_reported(db):
    organization = OrganizationFactory()
    db.session.commit()
    record = {
        "id": organization.id,
        "name": organization.name,
        "description": organization.description,
        "website": "https://example.org",
        "organization_identifiers": [
            {"id": "0b0f1a52-21d4-4a2e-8f11-3a0a5c1f0007", "identifier_type": "SIKS-NG"}
        ],
    }
    report = import_source(db.session, read_document([record], "organizations.json"))
    db.session.commit()

    assert db.session.scalars(select(OrganizationIdentifier)).all() == []
    assert [(problem.where, problem.reason) for problem in report.problems] == [
        ("organizations.json[0].organization_identifiers[0].identifier", "missing required field")
    ]


# Safe houses


def test_a_safe_houses_accessibility_is_shown_but_not_its_details(db):
    service = full_service(confidential=True)
    location = service.locations[0]
    db.session.commit()

    answer = service_to_hsds(service)
    nested = answer["service_at_locations"][0]["location"]
    assert {item["description"] for item in nested["accessibility"]} == {
        "Akses kursi roda",
        "Juru bahasa isyarat",
    }
    text = json.dumps(answer)
    assert "Ramp di pintu depan" not in text
    assert nested["contacts"] == [] and nested["addresses"] == []
    assert location.contacts, "the safe house has a contact of its own, withheld"
    private = service_to_hsds(service, public=False)
    assert "Ramp di pintu depan" in json.dumps(private)


def test_a_service_only_at_a_safe_house_gives_no_line_through_its_contacts(db):
    organization = OrganizationFactory()
    safe_house = LocationFactory(organization=organization, confidential=True)
    sal = ServiceAtLocationFactory(service__organization=organization, location=safe_house)
    contact = ContactFactory(service_id=sal.service.id)
    PhoneFactory(contact_id=contact.id, number="+62 21 5550 7777")
    AccessibilityFactory(location_id=safe_house.id, url="https://rumah-aman.example.org/denah")
    db.session.commit()

    texts = [
        json.dumps(service_to_hsds(sal.service)),
        json.dumps(organization_to_hsds(organization, metadata=[])),
    ]
    for text in texts:
        assert "5550 7777" not in text
        assert "rumah-aman.example.org" not in text
        assert safe_house.latitude is None or str(safe_house.latitude) not in text
