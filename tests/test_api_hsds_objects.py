"""The HSDS API serves the objects the directory lacked, contacts and phone languages,
and an organization's verifications as ``metadata`` (without who verified)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jsonschema import Draft202012Validator, FormatChecker

from directory.audit.models import ACTION_VERIFY
from directory.audit.record import as_text, record_changes
from directory.hsds.serialize import DIRECTORY_NAME
from tests.factories import UserFactory, full_service
from tests.support.hsds import COMPILED


def assert_valid(name: str, document: dict) -> None:
    schema = json.loads((COMPILED / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(document)


def test_a_service_answer_holds_documents_funding_program_and_accessibility(db, client):
    service = full_service()
    db.session.commit()

    answer = client.get(f"/api/v1/services/{service.id}").json

    assert_valid("service", answer)
    assert {d["document"] for d in answer["required_documents"]} == {
        "Kartu Tanda Penduduk (KTP)",
        "Kartu Keluarga (KK)",
    }
    assert [f["source"] for f in answer["funding"]] == ["APBD Kota Serang"]
    assert answer["program"]["id"] == service.program_id
    location = answer["service_at_locations"][0]["location"]
    assert {a["description"] for a in location["accessibility"]} == {
        "Akses kursi roda",
        "Juru bahasa isyarat",
    }
    assert len(location["contacts"]) == 1
    assert [len(c["phones"]) for c in answer["contacts"]] == [1]


def test_an_organization_answer_holds_identifiers_programs_languages_and_metadata(db, client):
    service = full_service()
    organization = service.organization
    staff = UserFactory(role="partner", organization=organization, email="staf.rahasia@example.org")
    when = datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC)
    record_changes(
        db.session,
        resource_type="organization",
        resource_id=organization.id,
        before={"verified_at": ""},
        after={"verified_at": as_text(when)},
        action=ACTION_VERIFY,
        actor_email=staff.email,
        actor_id=staff.id,
        organization_id=organization.id,
        when=when,
    )
    db.session.commit()

    response = client.get(f"/api/v1/organizations/{organization.id}")
    answer = response.json

    assert_valid("organization", answer)
    assert [i["identifier_scheme"] for i in answer["organization_identifiers"]] == ["SIKS-NG"]
    assert [p["id"] for p in answer["programs"]] == [service.program_id]
    assert [f["source"] for f in answer["funding"]] == ["Hibah Kementerian Sosial"]
    languages = [lang["code"] for phone in answer["phones"] for lang in phone["languages"]]
    assert languages == ["su"]
    assert [m["last_action_type"] for m in answer["metadata"]] == ["verify"]
    assert answer["metadata"][0]["updated_by"] == DIRECTORY_NAME
    assert "staf.rahasia" not in response.get_data(as_text=True)
