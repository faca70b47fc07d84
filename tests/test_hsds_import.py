"""HSDS 3.0 import (``directory.hsds.importer``): shapes, upserts, problems, savepoints."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from directory.hsds.importer import import_path, import_source, read_document, read_path
from directory.hsds.serialize import CONFIDENTIAL_NOTE
from directory.models import (
    Address,
    Attribute,
    ChangeLogEntry,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tests.factories import LocationFactory, OrganizationFactory, TaxonomyTermFactory

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "hsds-3.0" / "examples"
needs_examples = pytest.mark.skipif(
    not EXAMPLES.is_dir(), reason="shared/hsds-3.0 lies beside the repository"
)
TABLES = (
    Organization,
    Location,
    Address,
    Service,
    ServiceAtLocation,
    Phone,
    Schedule,
    Language,
    CostOption,
    ServiceArea,
    Attribute,
    TaxonomyTerm,
    Taxonomy,
)


# Small HSDS documents, built here.


def new_id() -> str:
    return str(uuid.uuid4())


def organization_doc(**fields: Any) -> dict[str, Any]:
    return {"id": new_id(), "name": "LK3 Kota Serang", "description": "Konsultasi keluarga."} | (
        fields
    )


def location_doc(organization_id: str, **fields: Any) -> dict[str, Any]:
    location_id = new_id()
    return {
        "id": location_id,
        "organization_id": organization_id,
        "location_type": "physical",
        "name": "Kantor LK3",
        "latitude": -6.12,
        "longitude": 106.15,
        "region_code": "36.73",
        "addresses": [
            {
                "id": new_id(),
                "location_id": location_id,
                "address_1": "Jl. Ahmad Yani No. 1",
                "city": "Kota Serang",
                "state_province": "Banten",
                "postal_code": "42111",
                "country": "ID",
                "address_type": "physical",
            }
        ],
        "phones": [{"id": new_id(), "number": "+62 254 000 001"}],
    } | fields


def service_doc(organization_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "organization_id": organization_id,
        "name": "Konseling keluarga",
        "status": "active",
    } | fields


def full_organization() -> dict[str, Any]:
    """An organization with one location and one service holding every kind of child."""
    organization = organization_doc()
    location = location_doc(organization["id"], confidential=True)
    service = service_doc(
        organization["id"],
        accepting_referrals=False,
        capacity_note="Antrean dua minggu.",
        schedules=[
            {
                "id": new_id(),
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR",
                "opens_at": "08:00",
                "closes_at": "16:00",
            }
        ],
        languages=[{"id": new_id(), "name": "Basa Jawa", "code": "jv"}],
        cost_options=[{"id": new_id(), "option": "Tes", "currency": "IDR", "amount": 12500.5}],
        service_areas=[{"id": new_id(), "name": "Kota Serang", "uri": "urn:kemendagri:36.73"}],
        service_at_locations=[{"id": new_id(), "location_id": location["id"]}],
        attributes=[
            {
                "id": new_id(),
                "taxonomy_term": {
                    "id": new_id(),
                    "code": "konseling",
                    "name": "Konseling",
                    "name_en": "Counselling",
                    "description": "Konseling keluarga",
                    "taxonomy_detail": {
                        "id": new_id(),
                        "name": "Jenis layanan",
                        "description": "Layanan",
                    },
                },
            }
        ],
    )
    organization.update(
        locations=[location],
        services=[service],
        phones=[{"id": new_id(), "number": "+62 254 000 000"}],
        contacts=[{"id": new_id(), "name": "Petugas", "email": "rujukan@example.org"}],
    )
    return organization


def run(db, data: Any, name: str = "organizations.json"):
    report = import_source(db.session, read_document(data, name))
    db.session.commit()
    return report


def row_counts(db) -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


def problem_at(report, where: str):
    matches = [problem for problem in report.problems if problem.where == where]
    assert matches, f"no problem at {where}: {[str(p) for p in report.problems]}"
    return matches[0]


# A good import


def test_nested_organization_creates_every_row(db):
    organization = full_organization()
    report = run(db, [organization])

    assert report.problems == []
    assert (report.records_found, report.records_loaded) == (1, 1)
    service_doc_ = organization["services"][0]
    service = db.session.get(Service, service_doc_["id"])
    assert service.organization_id == organization["id"]
    assert service.accepting_referrals is False
    assert service.capacity_note == "Antrean dua minggu."
    assert service.schedules[0].opens_at == time(8, 0)
    assert service.schedules[0].weekdays == ["MO", "TU", "WE", "TH", "FR"]
    assert service.languages[0].code == "jv"
    assert service.cost_options[0].amount == Decimal("12500.50")
    assert service.service_areas[0].region_code == "36.73"
    location = db.session.get(Location, organization["locations"][0]["id"])
    assert (location.region_code, location.confidential) == ("36.73", True)
    assert location.addresses[0].city == "Kota Serang"
    assert location.phones[0].number == "+62 254 000 001"
    assert [sal.location_id for sal in service.service_at_locations] == [location.id]
    term = service.attributes[0].taxonomy_term
    assert (term.code, term.name_en, term.taxonomy.name) == (
        "konseling",
        "Counselling",
        "Jenis layanan",
    )
    saved = db.session.get(Organization, organization["id"])
    assert [phone.number for phone in saved.phones] == ["+62 254 000 000"]
    assert saved.contacts[0].email == "rujukan@example.org"
    assert report.counts["service"].created == 1
    assert report.counts["phone"].created == 2


def test_missing_extension_keys_take_the_model_defaults(db):
    organization = organization_doc()
    location = location_doc(organization["id"])
    del location["region_code"]
    organization.update(locations=[location], services=[service_doc(organization["id"])])
    run(db, organization, "lk3.json")

    service = db.session.get(Service, organization["services"][0]["id"])
    assert (service.accepting_referrals, service.capacity_note) == (True, None)
    stored = db.session.get(Location, location["id"])
    # Coordinates but no code: the gazetteer, not the import, finds the region.
    assert (stored.confidential, stored.region_code, stored.latitude) == (False, None, -6.12)


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = tmp_path / "organizations.json"
    path.write_text(json.dumps([full_organization(), full_organization()]))
    first = import_path(db.session, path)
    db.session.commit()
    counts = row_counts(db)
    stamps = sorted(db.session.scalars(select(Service.last_modified)))
    changes = db.session.scalar(select(func.count()).select_from(ChangeLogEntry))

    second = import_path(db.session, path)
    db.session.commit()

    assert first.counts["service"].created == 2
    assert all(c.created == c.updated == 0 for c in second.counts.values())
    assert second.counts["service"].unchanged == 2
    assert row_counts(db) == counts
    assert sorted(db.session.scalars(select(Service.last_modified))) == stamps
    assert db.session.scalar(select(func.count()).select_from(ChangeLogEntry)) == changes


def test_a_changed_value_updates_that_row_only(db):
    organization = full_organization()
    run(db, [organization])
    service_id = organization["services"][0]["id"]
    before = db.session.get(Service, service_id).last_modified
    organization_stamp = db.session.get(Organization, organization["id"]).last_modified

    organization["services"][0]["name"] = "Konseling pasangan"
    report = run(db, [organization])

    assert report.counts["service"].updated == 1
    assert report.counts["organization"].unchanged == 1
    service = db.session.get(Service, service_id)
    assert service.name == "Konseling pasangan"
    assert service.last_modified > before
    assert db.session.get(Organization, organization["id"]).last_modified == organization_stamp


def test_absent_keys_leave_stored_values_and_null_clears_them(db):
    organization = organization_doc(alternate_name="LK3 Sakinah", email="lk3@example.org")
    run(db, organization)

    run(db, {"id": organization["id"], "name": "LK3 Kota Serang", "email": None})

    stored = db.session.get(Organization, organization["id"])
    assert (stored.alternate_name, stored.email) == ("LK3 Sakinah", None)


# Problems: place, reason, the rest still loads, nothing of the bad object stays


# Each spoils one object of an organization and says which rows must then be missing.


def _bad_service_id(doc):
    service = doc["services"][0]
    lost = [
        (Schedule, service["schedules"][0]["id"]),
        (CostOption, service["cost_options"][0]["id"]),
    ]
    service["id"] = "not-a-uuid"
    return lost


def _service_without_name(doc):
    service = doc["services"][0]
    del service["name"]
    return [(Service, service["id"]), (Schedule, service["schedules"][0]["id"])]


def _unknown_status(doc):
    service = doc["services"][0]
    service["status"] = "open"
    return [(Service, service["id"]), (ServiceArea, service["service_areas"][0]["id"])]


def _latitude_out_of_range(doc):
    location = doc["locations"][0]
    location["latitude"] = 100
    return [(Location, location["id"]), (Address, location["addresses"][0]["id"])]


def _dangling_location_id(doc):
    sal = doc["services"][0]["service_at_locations"][0]
    sal["location_id"] = new_id()
    return [(ServiceAtLocation, sal["id"])]


def _bad_opening_time(doc):
    schedule = doc["services"][0]["schedules"][0]
    schedule["opens_at"] = "pagi"
    return [(Schedule, schedule["id"])]


def _unknown_weekday(doc):
    schedule = doc["services"][0]["schedules"][0]
    schedule["byday"] = "MO,XX"
    return [(Schedule, schedule["id"])]


def _negative_amount(doc):
    option = doc["services"][0]["cost_options"][0]
    option["amount"] = -5
    return [(CostOption, option["id"])]


def _service_area_of_another_service(doc):
    area = doc["services"][0]["service_areas"][0]
    area["service_id"] = new_id()
    return [(ServiceArea, area["id"])]


@pytest.mark.parametrize(
    ("spoil", "where", "reason"),
    [
        (_bad_service_id, "[1].services[0].id", "not a valid UUID: 'not-a-uuid'"),
        (_service_without_name, "[1].services[0].name", "missing required field"),
        (_unknown_status, "[1].services[0].status", "unknown status 'open'"),
        (_latitude_out_of_range, "[1].locations[0].latitude", "latitude 100 out of range"),
        (
            _dangling_location_id,
            "[1].services[0].service_at_locations[0].location_id",
            "is neither in this import nor in the database",
        ),
        (_bad_opening_time, "[1].services[0].schedules[0].opens_at", "expected a time"),
        (_unknown_weekday, "[1].services[0].schedules[0].byday", "unknown weekday 'XX'"),
        (_negative_amount, "[1].services[0].cost_options[0].amount", "amount below zero"),
        (
            _service_area_of_another_service,
            "[1].services[0].service_areas[0].service_id",
            "does not match the enclosing service",
        ),
    ],
)
def test_a_bad_object_is_reported_skipped_and_the_rest_loads(db, spoil, where, reason):
    good, bad = full_organization(), full_organization()
    lost = spoil(bad)
    report = run(db, [good, bad])

    problem = problem_at(report, "organizations.json" + where)
    assert reason in problem.reason
    assert problem.skipped
    for model, record_id in lost:
        assert db.session.get(model, record_id) is None, model
    # The bad object's organization and everything of the good one still load.
    assert db.session.get(Organization, bad["id"]) is not None
    assert db.session.get(Service, good["services"][0]["id"]) is not None
    assert db.session.get(Location, good["locations"][0]["id"]) is not None
    assert report.records_loaded == 2


def test_a_bad_location_takes_its_services_at_location_with_it(db):
    organization = full_organization()
    organization["locations"][0]["longitude"] = 200
    report = run(db, [organization])

    sal = organization["services"][0]["service_at_locations"][0]
    problem = problem_at(
        report, "organizations.json[0].services[0].service_at_locations[0].location_id"
    )
    assert "could not be imported" in problem.reason
    assert db.session.get(ServiceAtLocation, sal["id"]) is None
    assert db.session.get(Service, organization["services"][0]["id"]) is not None


def test_a_bad_top_level_record_is_skipped_whole(db):
    good, bad = full_organization(), full_organization()
    del bad["name"]
    report = run(db, [good, bad])

    assert problem_at(report, "organizations.json[1].name").reason == "missing required field"
    assert (report.records_found, report.records_loaded, report.records_skipped) == (2, 1, 1)
    assert db.session.get(Organization, bad["id"]) is None
    assert db.session.get(Service, bad["services"][0]["id"]) is None
    assert db.session.get(Organization, good["id"]) is not None


def test_an_unknown_region_code_is_left_out_and_the_location_loads(db):
    organization = full_organization()
    organization["locations"][0]["region_code"] = "99.99"
    report = run(db, [organization])

    problem = problem_at(report, "organizations.json[0].locations[0].region_code")
    assert "unknown region code '99.99'" in problem.reason
    assert not problem.skipped
    location = db.session.get(Location, organization["locations"][0]["id"])
    assert (location.region_code, location.latitude) == (None, -6.12)


def test_an_unknown_parent_organization_is_left_out(db):
    organization = organization_doc(parent_organization_id=new_id())
    report = run(db, organization, "org.json")

    assert not problem_at(report, "org.json.parent_organization_id").skipped
    assert db.session.get(Organization, organization["id"]).parent_organization_id is None


def test_references_resolve_against_the_database(db):
    stored = LocationFactory()
    db.session.commit()
    service = service_doc(
        stored.organization_id,
        service_at_locations=[{"id": new_id(), "location_id": stored.id}],
    )
    report = run(db, service, "service.json")

    assert report.problems == []
    assert db.session.get(Service, service["id"]).locations == [stored]


def test_the_same_id_twice_in_a_file_is_reported(db):
    first = organization_doc()
    second = organization_doc(id=first["id"], name="Lain")
    report = run(db, [first, second])

    problem = problem_at(report, "organizations.json[1]")
    assert "already used at organizations.json[0]" in problem.reason
    assert db.session.get(Organization, first["id"]).name == "LK3 Kota Serang"


def test_a_phone_listed_under_two_owners_is_one_row_linked_to_both(db):
    organization = full_organization()
    shared_phone = {"id": new_id(), "number": "+62 254 000 009"}
    organization["locations"][0]["phones"] = [shared_phone]
    organization["services"][0]["phones"] = [dict(shared_phone)]
    report = run(db, [organization])

    assert report.counts["phone"].created == 2  # this one and the organization's
    phone = db.session.get(Phone, shared_phone["id"])
    assert phone.location_id == organization["locations"][0]["id"]
    assert phone.service_id == organization["services"][0]["id"]


REFUSE_SERVICE = {
    "sqlite": [
        "CREATE TRIGGER refuse_service BEFORE INSERT ON service WHEN NEW.name = 'Ditolak' "
        "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_service() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.name = 'Ditolak' THEN RAISE EXCEPTION 'refused by test'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse_service BEFORE INSERT ON service "
        "FOR EACH ROW EXECUTE FUNCTION refuse_service()",
    ],
}


def test_a_record_the_database_refuses_leaves_nothing_and_the_others_load(db):
    # A trigger stands for any refusal the checks cannot foresee.
    for statement in REFUSE_SERVICE[db.engine.dialect.name]:
        db.session.execute(text(statement))
    db.session.commit()
    good, refused, after = full_organization(), full_organization(), full_organization()
    refused["services"][0]["name"] = "Ditolak"
    report = run(db, [good, refused, after])

    problem = problem_at(report, "organizations.json[1]")
    assert "the database refused it: refused by test" in problem.reason
    assert db.session.get(Organization, refused["id"]) is None
    assert db.session.get(Location, refused["locations"][0]["id"]) is None
    assert db.session.get(Service, good["services"][0]["id"]) is not None
    assert db.session.get(Service, after["services"][0]["id"]) is not None
    assert report.records_loaded == 2


# Taxonomies


def test_terms_nested_in_attributes_are_created_when_unknown_never_updated(db):
    known = TaxonomyTermFactory(name="Konseling")
    db.session.commit()
    organization = full_organization()
    attributes = organization["services"][0]["attributes"]
    attributes.append(
        {"id": new_id(), "taxonomy_term": {"id": known.id, "name": "Nama lain", "description": "x"}}
    )
    run(db, [organization])

    assert db.session.get(TaxonomyTerm, known.id).name == "Konseling"
    new_term = db.session.get(TaxonomyTerm, attributes[0]["taxonomy_term"]["id"])
    assert new_term.name == "Konseling" and new_term.taxonomy is not None
    service = db.session.get(Service, organization["services"][0]["id"])
    assert {attribute.taxonomy_term_id for attribute in service.attributes} == {
        known.id,
        new_term.id,
    }


def test_term_records_update_terms_and_parents_come_first(db):
    taxonomy = {"id": new_id(), "name": "Masalah", "name_en": "Problems", "description": "x"}
    parent = {
        "id": new_id(),
        "code": "kekerasan",
        "name": "Kekerasan",
        "description": "x",
        "taxonomy_detail": taxonomy,
    }
    child = {
        "id": new_id(),
        "code": "kdrt",
        "name": "KDRT",
        "name_en": "Domestic violence",
        "description": "x",
        "parent_id": parent["id"],
        "taxonomy": "Masalah",
        "taxonomy_detail": taxonomy,
    }
    report = run(db, [child, parent], "taxonomy_terms.json")  # the child first

    assert report.problems == []
    stored = db.session.get(TaxonomyTerm, child["id"])
    assert (stored.parent_id, stored.taxonomy_id, stored.name_en) == (
        parent["id"],
        taxonomy["id"],
        "Domestic violence",
    )
    assert db.session.get(Taxonomy, taxonomy["id"]).name_en == "Problems"

    child["name_en"] = "Domestic abuse"
    again = run(db, [child, parent], "taxonomy_terms.json")
    assert again.counts["taxonomy_term"].updated == 1
    assert again.counts["taxonomy"].unchanged == 1


# Shapes and kinds


def test_page_wrapper_and_single_service(db):
    organization = OrganizationFactory()
    db.session.commit()
    service = service_doc(organization.id)
    report = run(db, {"total_items": 1, "contents": [service]}, "page.json")

    assert report.records_loaded == 1
    assert db.session.get(Service, service["id"]).organization_id == organization.id


def test_kind_from_keys_then_from_siblings_then_from_file_name(db):
    bare = organization_doc()  # id, name, description: any kind could have these
    by_siblings = [organization_doc(website="https://lk3.example.org"), organization_doc()]
    run(db, by_siblings, "data.json")
    run(db, [bare], "organizations.json")
    unknown = run(db, [organization_doc()], "data.json")

    assert all(db.session.get(Organization, doc["id"]) for doc in [*by_siblings, bare])
    assert "cannot tell what kind of record" in problem_at(unknown, "data.json[0]").reason
    assert unknown.records_found == 0


def test_a_confidential_placeholder_keeps_the_stored_description_and_district(db):
    location = LocationFactory(
        confidential=True, description="Rumah aman di belakang pasar", region_code="36.73.01"
    )
    db.session.commit()
    public_copy = {
        "id": location.id,
        "organization_id": location.organization_id,
        "description": CONFIDENTIAL_NOTE,
        "region_code": "36.73",
        "confidential": True,
    }
    report = run(db, public_copy, "location.json")

    assert report.counts["location"].unchanged == 1
    stored = db.session.get(Location, location.id)
    assert (stored.description, stored.latitude, stored.region_code) == (
        "Rumah aman di belakang pasar",
        -6.12,
        "36.73.01",
    )


def test_progress_is_reported_for_every_record(db):
    records = [organization_doc() for _ in range(3)]
    done: list[int] = []
    import_source(db.session, read_document(records, "organizations.json"), progress=done.append)
    assert sum(done) == 3


def test_unreadable_inputs_are_problems_not_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()

    assert "not valid JSON" in read_path(broken).problems[0].reason
    assert "no such file" in read_path(tmp_path / "missing.json").problems[0].reason
    assert "no HSDS CSV file" in read_path(empty_folder).problems[0].reason


# CSV folders


def write_csv(folder: Path, name: str, rows: list[dict[str, Any]]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_csv_folder_rows_nest_and_bad_rows_are_reported_by_row(db, tmp_path):
    organization_id, location_id = new_id(), new_id()
    good_service, bad_service, sal = new_id(), new_id(), new_id()
    write_csv(tmp_path, "organizations.csv", [{"id": organization_id, "name": "LK3 Kota Serang"}])
    write_csv(
        tmp_path,
        "locations.csv",
        [
            {
                "id": location_id,
                "organization_id": organization_id,
                "latitude": "-6.12",
                "longitude": "106.15",
                "region_code": "36.73",
                "confidential": "true",
            }
        ],
    )
    write_csv(
        tmp_path,
        "services.csv",
        [
            {
                "id": good_service,
                "organization_id": organization_id,
                "name": "A",
                "status": "active",
            },
            {"id": bad_service, "organization_id": organization_id, "name": "B", "status": "buka"},
        ],
    )
    write_csv(
        tmp_path,
        "service_at_location.csv",
        [{"id": sal, "service_id": good_service, "location_id": location_id}],
    )
    write_csv(
        tmp_path,
        "phones.csv",
        [
            {"id": new_id(), "service_id": good_service, "number": "+62 254 1"},
            {"id": new_id(), "service_id": bad_service, "number": "+62 254 2"},
            {"id": new_id(), "service_id": new_id(), "number": "+62 254 3"},
        ],
    )
    report = import_path(db.session, tmp_path)
    db.session.commit()

    status = problem_at(report, "services.csv row 3, column status")
    assert "unknown status 'buka'" in status.reason
    assert status.also_skipped == ["phones.csv row 3"]
    assert "names no row of this import" in problem_at(report, "phones.csv row 4").reason
    assert db.session.get(Service, bad_service) is None
    service = db.session.get(Service, good_service)
    assert [phone.number for phone in service.phones] == ["+62 254 1"]
    assert service.locations[0].confidential is True
    assert db.session.scalar(select(func.count()).select_from(Phone)) == 1


# The HSDS examples


EXAMPLE_ORGANIZATION = (Organization, "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
EXAMPLE_SERVICE = (Service, "ac148810-d857-441c-9679-408f346de14b")
EXAMPLE_TAXONOMY = (Taxonomy, "5c4d79d7-cc55-470e-9f1f-8cad074e4892")
EXAMPLE_TERM = (TaxonomyTerm, "3f7b145d-84af-42d7-8fae-eaca714b02b2")
EXAMPLE_OUTCOMES = {
    # file: (ids that load, a place reported)
    "organization_full.json": (
        [
            EXAMPLE_ORGANIZATION,
            EXAMPLE_SERVICE,
        ],
        "organization_full.json.locations[0].latitude",
    ),
    "service_full.json": (
        [EXAMPLE_SERVICE],
        "service_full.json.service_at_locations[0].location.latitude",
    ),
    "service_list.json": ([EXAMPLE_SERVICE], None),
    "organization_list.json": ([EXAMPLE_ORGANIZATION], None),
    "location.json": ([], "location.json.latitude"),
    "service_at_location_full.json": ([], "service_at_location_full.json.location.latitude"),
    "service_at_location_list.json": (
        [],
        "service_at_location_list.json.contents[0].location.latitude",
    ),
    "taxonomy.json": ([EXAMPLE_TAXONOMY], None),
    "taxonomy_list.json": ([EXAMPLE_TAXONOMY], None),
    "taxonomy_term.json": (
        [EXAMPLE_TERM],
        "taxonomy_term.json.parent_id",
    ),
    "taxonomy_term_list.json": ([EXAMPLE_TERM], None),
    "tabular.json": (
        [
            EXAMPLE_ORGANIZATION,
            EXAMPLE_TERM,
        ],
        'tabular.json["locations.csv"][0].latitude',
    ),
    "csv": (
        [
            EXAMPLE_ORGANIZATION,
            EXAMPLE_SERVICE,
            EXAMPLE_TERM,
        ],
        "locations.csv row 2, column latitude",
    ),
}


@needs_examples
def test_the_outcomes_cover_every_example():
    shipped = {path.name for path in EXAMPLES.iterdir()} - {"base.json"}
    assert shipped == set(EXAMPLE_OUTCOMES)


@needs_examples
@pytest.mark.parametrize("name", sorted(EXAMPLE_OUTCOMES))
def test_every_hsds_example_imports(db, name):
    loaded, reported = EXAMPLE_OUTCOMES[name]
    report = import_path(db.session, EXAMPLES / name)
    db.session.commit()
    counts = row_counts(db)

    assert report.records_found >= 1
    for model, record_id in loaded:
        assert db.session.get(model, record_id) is not None, (model, record_id)
    if reported:
        assert problem_at(report, reported).reason
    again = import_path(db.session, EXAMPLES / name)
    db.session.commit()
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    assert row_counts(db) == counts


@needs_examples
def test_the_api_root_example_is_not_a_record(db):
    report = import_path(db.session, EXAMPLES / "base.json")
    assert report.records_found == 0
    assert "cannot tell what kind of record" in problem_at(report, "base.json").reason
