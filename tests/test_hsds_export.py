"""HSDS 3.0 export (``directory.hsds.exporter``): shapes, privacy, round trips."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from directory.extensions import db as database
from directory.hsds.exporter import CSV_COLUMNS, export_path
from directory.hsds.importer import CSV_FILES, import_path
from directory.models import (
    Attribute,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    Taxonomy,
    TaxonomyTerm,
)
from tests.factories import (
    AddressFactory,
    LocationFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    TaxonomyTermFactory,
    full_service,
)

# The one confidential location's whereabouts, set apart from LocationFactory's.
SAFE_HOUSE = {"latitude": -6.987654, "longitude": 106.543219}
SAFE_HOUSE_STREET = "Jl. Rahasia No. 7"


def build_directory(db) -> Service:
    """A service with every nested piece, a second organization with a safe house, and
    taxonomy terms with a parent, one of them linked to nothing."""
    service = full_service(alternate_name="Konseling", accepting_referrals=False)
    shelter = OrganizationFactory(name="Rumah Aman Contoh")
    safe_house = LocationFactory(
        organization=shelter, confidential=True, description="Di belakang pasar", **SAFE_HOUSE
    )
    AddressFactory(location=safe_house, address_1=SAFE_HOUSE_STREET)
    ServiceAtLocationFactory(service__organization=shelter, location=safe_house)
    parent = TaxonomyTermFactory(name="Kekerasan", name_en="Violence")
    TaxonomyTermFactory(parent=parent, taxonomy=parent.taxonomy, name="KDRT", name_en="DV")
    db.session.commit()
    return service


def without_timestamps(value: Any) -> Any:
    """Export data minus ``last_modified``, which a fresh database sets anew."""
    if isinstance(value, dict):
        return {k: without_timestamps(v) for k, v in value.items() if k != "last_modified"}
    if isinstance(value, list):
        return [without_timestamps(item) for item in value]
    return value


def read_csv_folder(folder: Path) -> dict[str, list[dict[str, str]]]:
    tables = {}
    for kind in CSV_COLUMNS:
        with (folder / CSV_FILES[kind][0]).open(newline="", encoding="utf-8") as handle:
            rows = [
                {k: v for k, v in row.items() if k != "last_modified"}
                for row in csv.DictReader(handle)
            ]
        tables[kind] = sorted(rows, key=lambda row: row["id"])
    return tables


def exported_text(folder: Path) -> str:
    """Every JSON and CSV file written under ``folder``, as one text."""
    files = sorted(path for path in folder.rglob("*") if path.suffix in (".json", ".csv"))
    return "".join(path.read_text(encoding="utf-8") for path in files)


def row_counts() -> dict[str, int]:
    models = (Organization, Location, Service, Phone, Schedule, ServiceArea, Attribute)
    return {
        model.__tablename__: database.session.scalar(select(func.count()).select_from(model))
        for model in (*models, TaxonomyTerm, Taxonomy)
    }


# Shapes


def test_json_export_is_an_array_of_nested_organizations(db, tmp_path):
    service = build_directory(db)
    summary = export_path(db.session, tmp_path / "directory.json")

    data = json.loads((tmp_path / "directory.json").read_text(encoding="utf-8"))
    assert [organization["name"] for organization in data] == sorted(
        organization["name"] for organization in data
    )
    organization = next(item for item in data if item["id"] == service.organization_id)
    exported = organization["services"][0]
    assert exported["id"] == service.id
    assert (exported["accepting_referrals"], exported["capacity_note"]) == (
        False,
        "Antrean sekitar satu minggu.",
    )
    assert exported["service_areas"][0]["uri"] == "urn:kemendagri:36.73"
    assert exported["service_at_locations"][0]["location"]["region_code"] == "36.73"
    assert (len(exported["phones"]), len(exported["cost_options"])) == (1, 2)
    assert organization["locations"][0]["addresses"][0]["city"] == "Kota Serang"
    assert summary.counts["organization"] == len(data) == 2


def test_csv_export_writes_hsds_tables_with_our_columns(db, tmp_path):
    build_directory(db)
    summary = export_path(db.session, tmp_path / "csv")

    with (tmp_path / "csv" / "locations.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:3] == ["id", "location_type", "url"]
    assert header[-2:] == ["region_code", "confidential"]
    tables = read_csv_folder(tmp_path / "csv")
    assert {row["name"] for row in tables["taxonomy_term"]} >= {"Kekerasan", "KDRT"}
    assert summary.counts["taxonomy_term"] == len(tables["taxonomy_term"])
    assert all(row["link_entity"] in ("service", "organization") for row in tables["attribute"])


# Privacy


@pytest.mark.parametrize("name", ["directory.json", "csv"])
def test_confidential_whereabouts_are_left_out_by_default(db, tmp_path, name):
    build_directory(db)
    summary = export_path(db.session, tmp_path / name)

    text = exported_text(tmp_path)
    assert summary.confidential_hidden == 1
    assert SAFE_HOUSE_STREET not in text
    assert "Di belakang pasar" not in text
    for value in SAFE_HOUSE.values():
        assert str(value) not in text
    # The ordinary location keeps its address and coordinates.
    assert "106.15" in text and "Kota Serang" in text


@pytest.mark.parametrize("name", ["directory.json", "csv"])
def test_include_confidential_keeps_them_for_a_backup(db, tmp_path, name):
    build_directory(db)
    summary = export_path(db.session, tmp_path / name, include_confidential=True)

    text = exported_text(tmp_path)
    assert summary.confidential_included == 1
    assert SAFE_HOUSE_STREET in text
    assert str(SAFE_HOUSE["latitude"]) in text


def test_nothing_about_clients_or_referrals_is_exported(db, tmp_path):
    service = build_directory(db)
    referral = ReferralFactory(
        service=service,
        client_reference="KLIEN-RAHASIA-0042",
        reason="Alasan rujukan yang tidak boleh keluar.",
    )
    db.session.commit()
    export_path(db.session, tmp_path / "full.json", include_confidential=True)
    export_path(db.session, tmp_path / "csv", include_confidential=True)

    text = exported_text(tmp_path)
    assert referral.client_reference not in text
    assert referral.reason not in text
    assert referral.counsellor.email not in text
    assert "referral_" not in text and '"referrals"' not in text


# Round trips: export, import into an empty database, export again


def test_json_round_trip_into_an_empty_database(db, tmp_path, empty_app):
    build_directory(db)
    export_path(db.session, tmp_path / "first.json", include_confidential=True)

    with empty_app.app_context():
        report = import_path(database.session, tmp_path / "first.json")
        database.session.commit()
        export_path(database.session, tmp_path / "second.json", include_confidential=True)
        again = import_path(database.session, tmp_path / "second.json")
        database.session.commit()

    assert report.problems == []
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    first = json.loads((tmp_path / "first.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "second.json").read_text(encoding="utf-8"))
    assert len(first) == 2
    assert without_timestamps(second) == without_timestamps(first)


def test_csv_round_trip_into_an_empty_database_reproduces_the_directory(db, tmp_path, empty_app):
    build_directory(db)
    export_path(db.session, tmp_path / "first", include_confidential=True)
    counts = row_counts()

    with empty_app.app_context():
        assert row_counts()["organization"] == 0
        report = import_path(database.session, tmp_path / "first")
        database.session.commit()
        export_path(database.session, tmp_path / "second", include_confidential=True)
        assert row_counts() == counts
        child = database.session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.name == "KDRT"))
        assert child.one().parent.name_en == "Violence"

    assert report.problems == []
    assert read_csv_folder(tmp_path / "second") == read_csv_folder(tmp_path / "first")


def test_a_public_export_imported_back_changes_no_confidential_location(db, tmp_path):
    build_directory(db)
    safe_house = db.session.scalars(select(Location).where(Location.confidential)).one()
    stamp = safe_house.last_modified
    export_path(db.session, tmp_path / "public.json")

    report = import_path(db.session, tmp_path / "public.json")
    db.session.commit()

    assert report.counts["location"].unchanged == 2
    assert all(c.created == c.updated == 0 for c in report.counts.values())
    stored = db.session.get(Location, safe_house.id)
    assert (stored.description, stored.latitude) == ("Di belakang pasar", SAFE_HOUSE["latitude"])
    assert stored.addresses[0].address_1 == SAFE_HOUSE_STREET
    assert stored.last_modified == stamp
