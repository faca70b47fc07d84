"""Verification dates in the HSDS exchange: services' ``assured_date``/``assurer_email``
and organizations' ``verified_at`` (carried in HSDS ``metadata``), exported as JSON and
CSV, valid against the compiled schemas, and read back by the importer."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from directory.audit.models import ACTION_UPDATE, ACTION_VERIFY
from directory.audit.record import as_text, record_changes
from directory.extensions import db as database
from directory.hsds.exporter import export_path
from directory.hsds.importer import import_path, import_source, read_document
from directory.models import Organization, Service
from tests.factories import OrganizationFactory, UserFactory, full_service
from tests.test_hsds_import import problem_at
from tests.test_hsds_serialize import assert_valid

VERIFIED = datetime(2026, 10, 3, 2, 15, 30, 123456, tzinfo=UTC)
ASSURED = date(2026, 10, 3)


def verified_directory(db) -> tuple[Service, Organization]:
    """A service assured and its organization verified through the audit trail (as
    listing verification records it), and a second organization verified with no audit
    row (as after an import)."""
    service = full_service(assured_date=ASSURED, assurer_email="mitra@example.org")
    organization = service.organization
    actor = UserFactory(role="partner", organization=organization, email="mitra@example.org")
    earlier = VERIFIED - timedelta(days=200)
    for when, before in ((earlier, None), (VERIFIED, earlier)):
        record_changes(
            db.session,
            resource_type="organization",
            resource_id=organization.id,
            before={"verified_at": as_text(before)},
            after={"verified_at": as_text(when)},
            action=ACTION_VERIFY,
            actor_email=actor.email,
            actor_id=actor.id,
            organization_id=organization.id,
            when=when,
        )
    record_changes(
        db.session,
        resource_type="organization",
        resource_id=organization.id,
        before={"name": "Nama lama"},
        after={"name": organization.name},
        action=ACTION_UPDATE,
        actor_email=actor.email,
    )
    organization.verified_at = VERIFIED
    imported = OrganizationFactory(name="Zulu LK3 (diimpor)", verified_at=VERIFIED)
    db.session.commit()
    return service, imported


def exported(folder: Path, name: str = "directory.json") -> dict[str, dict]:
    return {item["id"]: item for item in json.loads((folder / name).read_text("utf-8"))}


def csv_rows(folder: Path, file_name: str) -> list[dict[str, str]]:
    with (folder / file_name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# Export


def test_json_export_carries_verifications_in_metadata(db, tmp_path):
    service, _imported = verified_directory(db)
    export_path(db.session, tmp_path / "directory.json")
    organizations = exported(tmp_path)

    organization = organizations[service.organization_id]
    assert_valid("organization", organization)
    metadata = organization["metadata"]
    assert [entry["replacement_value"] for entry in metadata] == [
        as_text(VERIFIED - timedelta(days=200)),
        as_text(VERIFIED),
    ]
    latest = metadata[-1]
    assert latest["last_action_type"] == "verify"
    assert latest["field_name"] == "verified_at"
    assert latest["last_action_date"] == "2026-10-03"
    assert latest["updated_by"] == "mitra@example.org"
    assert latest["resource_id"] == service.organization_id
    assert latest["previous_value"] == metadata[0]["replacement_value"]
    # The name change is audit history, not a verification.
    assert all(entry["field_name"] == "verified_at" for entry in metadata)

    exported_service = organization["services"][0]
    assert (exported_service["assured_date"], exported_service["assurer_email"]) == (
        "2026-10-03",
        "mitra@example.org",
    )


def test_a_verification_without_audit_row_is_written_with_a_stable_id(db, tmp_path):
    _service, imported = verified_directory(db)
    export_path(db.session, tmp_path / "first.json")
    export_path(db.session, tmp_path / "second.json")
    first = exported(tmp_path, "first.json")[imported.id]
    assert_valid("organization", first)
    [entry] = first["metadata"]
    assert entry["replacement_value"] == as_text(VERIFIED)
    assert entry["updated_by"] == "Jejaring Rujukan"
    assert exported(tmp_path, "second.json")[imported.id]["metadata"] == [entry]


def test_an_unverified_organization_has_empty_metadata(db, tmp_path):
    organization = OrganizationFactory()
    db.session.commit()
    export_path(db.session, tmp_path / "directory.json")
    assert exported(tmp_path)[organization.id]["metadata"] == []


def test_csv_export_writes_metadata_csv(db, tmp_path):
    service, imported = verified_directory(db)
    export_path(db.session, tmp_path / "csv")
    rows = csv_rows(tmp_path / "csv", "metadata.csv")
    assert list(rows[0]) == [
        "id",
        "resource_id",
        "resource_type",
        "last_action_date",
        "last_action_type",
        "field_name",
        "previous_value",
        "replacement_value",
        "updated_by",
    ]
    assert sorted((row["resource_id"], row["replacement_value"]) for row in rows) == sorted(
        [
            (service.organization_id, as_text(VERIFIED - timedelta(days=200))),
            (service.organization_id, as_text(VERIFIED)),
            (imported.id, as_text(VERIFIED)),
        ]
    )
    assert {row["resource_type"] for row in rows} == {"organization"}
    [service_row] = [
        row for row in csv_rows(tmp_path / "csv", "services.csv") if row["id"] == service.id
    ]
    assert (service_row["assured_date"], service_row["assurer_email"]) == (
        "2026-10-03",
        "mitra@example.org",
    )


# Round trips


def _dates(session) -> dict[str, object]:
    found: dict[str, object] = {
        organization.id: organization.verified_at
        for organization in session.scalars(select(Organization))
    }
    for service in session.scalars(select(Service)):
        found[service.id] = (service.assured_date, service.assurer_email)
    return found


@pytest.mark.parametrize("name", ["directory.json", "csv"])
def test_export_then_import_keeps_verification_dates(db, tmp_path, empty_app, name):  # noqa: F811
    verified_directory(db)
    expected = _dates(db.session)
    export_path(db.session, tmp_path / name)

    with empty_app.app_context():
        report = import_path(database.session, tmp_path / name)
        database.session.commit()
        assert report.problems == []
        assert _dates(database.session) == expected
        again = import_path(database.session, tmp_path / name)
        database.session.commit()
        assert all(c.created == c.updated == 0 for c in again.counts.values())


# Import


def _organization(organization_id: str, metadata: object) -> dict:
    return {
        "id": organization_id,
        "name": "LK3 Uji Verifikasi",
        "description": "Uji",
        "website": "https://lk3.example.org",
        "metadata": metadata,
    }


def _verification(value: str, **fields: str) -> dict[str, str]:
    entry = {
        "id": "7f6f2a4e-0b7c-4d0e-9a3e-6c1f0d6b9a11",
        "last_action_date": value[:10],
        "last_action_type": "verify",
        "field_name": "verified_at",
        "previous_value": "",
        "replacement_value": value,
        "updated_by": "Dinas Sosial",
    }
    entry.update(fields)
    return entry


def _import(db, organization: dict):
    report = import_source(db.session, read_document(organization, "organisasi.json"))
    db.session.commit()
    return report


def test_the_latest_verification_wins_and_other_metadata_is_ignored(db):
    organization_id = "0d7a3d4f-7d7e-4f36-8f56-3c7a0f3b2e10"
    metadata = [
        _verification("2026-05-01T08:00:00+07:00"),
        _verification("2026-09-30"),
        _verification("2027-01-01T00:00:00Z", field_name="name"),
        _verification("2027-02-01T00:00:00Z", last_action_type="update"),
        _verification("2027-03-01T00:00:00Z", resource_id="11111111-2222-4333-8444-555555555555"),
    ]
    report = _import(db, _organization(organization_id, metadata))
    assert report.problems == []
    stored = db.session.get(Organization, organization_id)
    assert stored.verified_at == datetime(2026, 9, 30, tzinfo=UTC)


def test_no_verification_leaves_the_stored_date(db):
    organization = OrganizationFactory(verified_at=VERIFIED)
    db.session.commit()
    report = _import(db, _organization(organization.id, []))
    assert report.problems == []
    db.session.refresh(organization)
    assert organization.verified_at == VERIFIED


def test_a_bad_verification_date_is_reported_and_skips_the_organization(db):
    organization_id = "0d7a3d4f-7d7e-4f36-8f56-3c7a0f3b2e11"
    report = _import(db, _organization(organization_id, [_verification("kemarin sore")]))
    problem = problem_at(report, "organisasi.json.metadata[0].replacement_value")
    assert "ISO 8601" in problem.reason
    assert db.session.get(Organization, organization_id) is None


def test_metadata_that_is_not_a_list_is_reported(db):
    organization_id = "0d7a3d4f-7d7e-4f36-8f56-3c7a0f3b2e12"
    report = _import(db, _organization(organization_id, {"id": "x"}))
    assert "expected a list" in problem_at(report, "organisasi.json.metadata").reason


def test_a_csv_metadata_row_naming_nothing_is_reported(db, tmp_path):
    verified_directory(db)
    export_path(db.session, tmp_path / "csv")
    path = tmp_path / "csv" / "metadata.csv"
    rows = csv_rows(tmp_path / "csv", "metadata.csv")
    rows[0]["resource_id"] = "99999999-9999-4999-8999-999999999999"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    report = import_path(db.session, tmp_path / "csv")
    problem = problem_at(report, "metadata.csv row 2")
    assert "resource_id" in problem.reason
