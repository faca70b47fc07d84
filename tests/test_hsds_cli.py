"""``flask hsds import|export`` and ``flask seed load``, through the CLI runner."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from directory import commands as seed_commands
from directory.models import Location, Organization, Service, TaxonomyTerm
from tests.factories import TEST_PASSWORD, UserFactory, full_service


def new_id() -> str:
    return str(uuid.uuid4())


def organization_doc(*services: dict[str, Any]) -> dict[str, Any]:
    organization_id = new_id()
    return {
        "id": organization_id,
        "name": "LK3 Kota Serang",
        "description": "Konsultasi keluarga.",
        "services": [{"organization_id": organization_id, **service} for service in services],
    }


def service(**fields: Any) -> dict[str, Any]:
    return {"id": new_id(), "name": "Konseling keluarga", "status": "active"} | fields


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# hsds import


def test_import_prints_the_summary_and_each_problem_with_place_and_reason(runner, db, tmp_path):
    organization = organization_doc(service(), service(status="buka"))
    path = write_json(tmp_path / "organizations.json", [organization])

    result = runner.invoke(args=["hsds", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "organization: 1 created, 0 updated, 0 unchanged" in result.output
    assert "service: 1 created, 0 updated, 0 unchanged" in result.output
    assert (
        "problem: organizations.json[0].services[1].status: unknown status 'buka'" in result.output
    )
    assert db.session.get(Service, organization["services"][0]["id"]) is not None
    assert db.session.get(Service, organization["services"][1]["id"]) is None


def test_import_twice_through_the_cli_changes_nothing(runner, db, tmp_path):
    path = write_json(tmp_path / "organizations.json", [organization_doc(service())])
    runner.invoke(args=["hsds", "import", str(path)])

    result = runner.invoke(args=["hsds", "import", str(path)])

    assert "organization: 0 created, 0 updated, 1 unchanged" in result.output
    assert count(db, Organization) == 1


def test_import_exits_1_only_when_nothing_could_be_read(runner, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    all_bad = write_json(tmp_path / "organizations.json", [{"id": "x", "name": "Tanpa id"}])

    missing = runner.invoke(args=["hsds", "import", str(tmp_path / "missing.json")])
    unreadable = runner.invoke(args=["hsds", "import", str(broken)])
    rejected = runner.invoke(args=["hsds", "import", str(all_bad)])

    assert (missing.exit_code, unreadable.exit_code) == (1, 1)
    assert "no such file or folder" in missing.output
    assert "not valid JSON" in unreadable.output
    # Read, but every record refused: exit 0, the problems say why.
    assert rejected.exit_code == 0
    assert "organizations.json[0].id: not a valid UUID: 'x'" in rejected.output


def test_import_help_states_the_exit_status(runner):
    result = runner.invoke(args=["hsds", "import", "--help"])
    assert "Exit status: 0 when records were read" in " ".join(result.output.split())


# hsds export


def test_export_json_and_csv(runner, db, tmp_path):
    full_service(confidential=True)
    db.session.commit()

    as_json = runner.invoke(args=["hsds", "export", str(tmp_path / "directory.json")])
    as_csv = runner.invoke(args=["hsds", "export", str(tmp_path / "csv")])

    assert as_json.exit_code == 0, as_json.output
    assert "1 organization, 1 service, 1 location" in as_json.output
    assert "1 confidential location(s): written as the public sees them" in as_json.output
    exported = json.loads((tmp_path / "directory.json").read_text(encoding="utf-8"))
    location = exported[0]["locations"][0]
    assert "latitude" not in location
    assert location["region_code"].count(".") == 1
    assert location["phones"] == []
    assert as_csv.exit_code == 0, as_csv.output
    assert (tmp_path / "csv" / "organizations.csv").is_file()


def _export_with_safe_houses(runner, target: Path, *extra: str, password: str = TEST_PASSWORD):
    return runner.invoke(
        args=["hsds", "export", "--include-confidential", *extra, "--password-stdin", str(target)],
        input=password + "\n",
    )


def test_export_include_confidential_needs_an_admin(runner, db, tmp_path):
    full_service(confidential=True)
    UserFactory(email="konselor@example.org", role="counsellor")
    UserFactory(email="lama@example.org", role="admin", organization=None, active=False)
    UserFactory(email="admin@example.org", role="admin", organization=None)
    db.session.commit()
    target = tmp_path / "backup.json"

    refused = [
        _export_with_safe_houses(runner, target),
        _export_with_safe_houses(runner, target, "--admin", "konselor@example.org"),
        _export_with_safe_houses(runner, target, "--admin", "lama@example.org"),
        _export_with_safe_houses(runner, target, "--admin", "admin@example.org", password="x"),
        _export_with_safe_houses(runner, target, "--admin", "tidak.ada@example.org"),
    ]

    assert [result.exit_code for result in refused] == [2, 1, 1, 1, 1]
    assert not target.exists()


def test_export_include_confidential_warns_and_is_private(runner, db, tmp_path):
    full_service(confidential=True)
    UserFactory(email="admin@example.org", role="admin", organization=None)
    db.session.commit()
    json_target, csv_target = tmp_path / "backup.json", tmp_path / "csv"

    results = [
        _export_with_safe_houses(runner, target, "--admin", "Admin@Example.org")
        for target in (json_target, csv_target)
    ]

    for result in results:
        assert result.exit_code == 0, result.output
        assert "holds the real whereabouts" in result.stderr
    exported = json.loads(json_target.read_text(encoding="utf-8"))
    assert exported[0]["locations"][0]["latitude"] == -6.12
    assert json_target.stat().st_mode & 0o777 == 0o600
    assert csv_target.stat().st_mode & 0o777 == 0o700
    assert {file.stat().st_mode & 0o777 for file in csv_target.iterdir()} == {0o600}


def test_export_refuses_a_file_as_csv_folder(runner, tmp_path):
    target = tmp_path / "not-a-folder.csv"
    target.write_text("")
    result = runner.invoke(args=["hsds", "export", str(target)])
    assert result.exit_code == 2
    assert "needs a folder" in result.output


def test_exported_folder_imports_back_unchanged(runner, db, tmp_path):
    full_service()
    UserFactory(email="admin@example.org", role="admin", organization=None)
    db.session.commit()
    exported = _export_with_safe_houses(runner, tmp_path / "csv", "--admin", "admin@example.org")
    assert exported.exit_code == 0, exported.output

    result = runner.invoke(args=["hsds", "import", str(tmp_path / "csv")])

    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if " created, " in line]
    assert len(lines) > 5
    assert all(" 0 created, 0 updated, " in line for line in lines), lines


# seed load


@pytest.fixture
def seed_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A seed folder of our own: the real regions, small HSDS files."""
    folder = tmp_path / "seed"
    folder.mkdir()
    shutil.copyfile(seed_commands.SEED_DIR / "regions.csv", folder / "regions.csv")
    monkeypatch.setattr(seed_commands, "SEED_DIR", folder)
    return folder


def test_seed_load_imports_terms_then_organizations_and_is_idempotent(runner, db, seed_dir):
    taxonomy = {"id": new_id(), "name": "Jenis layanan", "description": "Layanan"}
    term = {
        "id": new_id(),
        "code": "konseling",
        "name": "Konseling",
        "name_en": "Counselling",
        "description": "Konseling keluarga",
        "taxonomy_id": taxonomy["id"],
        "taxonomy_detail": taxonomy,
    }
    organization = organization_doc(
        service(attributes=[{"id": new_id(), "taxonomy_term_id": term["id"]}])
    )
    location = {"id": new_id(), "latitude": -6.12, "longitude": 106.15, "region_code": "36.73"}
    organization["locations"] = [location]
    write_json(seed_dir / "taxonomy_terms.json", [term])
    write_json(seed_dir / "organizations.json", [organization])

    first = runner.invoke(args=["seed", "load", "--no-demo", "--demo-institutions"])
    second = runner.invoke(args=["seed", "load", "--no-demo", "--demo-institutions"])

    assert first.exit_code == 0, first.output
    # taxonomy, term; organization, location, service, attribute
    assert "taxonomy_terms.json: 1 of 1 records imported: rows 2 created, 0 updated" in (
        first.output
    )
    assert "organizations.json: 1 of 1 records imported: rows 4 created, 0 updated" in (
        first.output
    )
    assert "taxonomy_terms.json: 1 of 1 records imported: rows 0 created, 0 updated, 2 " in (
        second.output
    )
    assert "organizations.json: 1 of 1 records imported: rows 0 created, 0 updated, 4 " in (
        second.output
    )
    assert (count(db, Organization), count(db, Location), count(db, TaxonomyTerm)) == (1, 1, 1)
    stored = db.session.get(Service, organization["services"][0]["id"])
    assert stored.taxonomy_terms[0].name_en == "Counselling"


def test_seed_load_skips_missing_hsds_files(runner, seed_dir):
    result = runner.invoke(args=["seed", "load", "--no-demo", "--demo-institutions"])

    assert result.exit_code == 0, result.output
    assert "taxonomy_terms.json: not found, skipped" in result.output
    assert "organizations.json: not found, skipped" in result.output
