"""Spreadsheet onboarding against the database: nothing stored before the admin confirms,
the saved mapping, places and duplicates as the admin chooses, the page flow (upload,
map, preview, confirm, progress), the command line, who may use it, and bad files."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from directory.audit.models import MetadataEntry
from directory.commands import SEED_DIR
from directory.extensions import db
from directory.institutions.models import (
    ChangeLogEntry,
    Location,
    Organization,
    Phone,
    Service,
)
from directory.search import follower
from directory.search.service import Query, find_services, state_of
from directory.sheets import operations as ops
from directory.sheets import reading
from directory.sheets.mapping import looks_like_header
from directory.sheets.models import DONE, PREVIEW, SheetImport, SheetMapping
from directory.sheets.reading import read_sheet
from tests.factories import LocationFactory, OrganizationFactory, PhoneFactory, UserFactory
from tests.support.referral_network import (
    ADMIN_ROLE,
    ANONYMOUS,
    OTHER_PARTNER,
    RECEIVER,
    SENDER,
    client_as,
    csrf_token,
)

HEADER = ["No.", "Nama Lembaga", "Kecamatan", "Kab/Kota", "No. HP", "Email", "Layanan"]
ROWS = [
    ["1", "LK3 Harapan Keluarga", "Cipocok Jaya", "Serang", "0812-1111-2222", "", "Konseling"],
    ["2", "Puspaga Kota Cilegon", "", "Cilegon", "", "puspaga@contoh.example.org", ""],
    ["3", "Yayasan Ambigu", "", "Serang", "0813 3333 4444", "", ""],
    ["4", "", "", "Kota Serang", "", "", ""],
    ["5", "LK3 Kota Serang Lama", "", "Kota Srang", "0254 200200", "", ""],
]


def csv_file(rows: list[list[str]], header: list[str] = HEADER, title: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerow(["DATA DEMONSTRASI: DAFTAR LEMBAGA (contoh)"])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_file(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def admin(app):
    user = UserFactory(role="admin", organization=None, email="admin.impor@example.org")
    db.session.commit()
    return user


@pytest.fixture
def existing(app):
    """An institution of the directory the sheet's row 5 repeats (same phone)."""
    organization = OrganizationFactory(name="LK3 Kota Serang", email="lk3@contoh.example.org")
    LocationFactory(organization=organization, region_code="36.73")
    PhoneFactory(organization_id=organization.id, number="+62 254 200200")
    db.session.commit()
    return organization


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def staged_from(admin, data: bytes, name: str = "daftar.csv") -> SheetImport:
    sheet = read_sheet(data, name, looks_like_header)
    staged = ops.stage(admin, sheet, name)
    ops.confirm_mapping(admin, staged, staged.mapping)
    db.session.commit()
    return staged


def row(staged: SheetImport, number: int) -> dict:
    return next(r for r in staged.analysis["rows"] if r["n"] == number)


def write(admin, staged: SheetImport) -> None:
    ops.start(staged)
    while ops.write_batch(admin, staged, limit=2):
        db.session.commit()
    db.session.commit()


# Operations


def test_nothing_is_stored_until_confirmed(app, admin, existing):
    organizations, changes = count(Organization), count(ChangeLogEntry)
    staged = staged_from(admin, csv_file(ROWS))
    assert staged.status == PREVIEW
    assert (count(Organization), count(ChangeLogEntry)) == (organizations, changes)
    assert count(MetadataEntry) == 0


def test_every_problem_is_reported_by_row_and_field(app, admin, existing):
    staged = staged_from(admin, csv_file(ROWS))
    problems = {(r["n"], p[0], p[1]) for r in staged.analysis["rows"] for p in r["problems"]}
    # The title line is row 1, the header row 2: data starts at row 3.
    assert (4, "phone", "missing") in problems
    assert (5, "regency", "place_ambiguous") in problems
    assert (6, "name", "required") in problems
    assert (7, "regency", "corrected") in problems
    assert (7, "name", "duplicate") in problems
    assert row(staged, 3)["problems"] == []


def test_rows_land_unverified_audited_in_the_change_log_and_in_search(app, admin, existing):
    staged = staged_from(admin, csv_file(ROWS))
    state = state_of(app)
    follower.rebuild(db.session, state.folder)
    write(admin, staged)
    assert staged.status == DONE
    outcomes = {int(n): r["outcome"] for n, r in staged.results.items()}
    # Row 5 is ambiguous (no choice made), row 6 has no name, row 7 repeats an institution.
    assert outcomes == {3: "created", 4: "created", 5: "error", 6: "error", 7: "skipped"}
    created = db.session.scalar(
        select(Organization).where(Organization.name == "LK3 Harapan Keluarga")
    )
    assert created is not None and created.verified_at is None
    assert [loc.region_code for loc in created.locations] == ["36.73.05"]
    assert [phone.number for phone in created.phones] == ["+62 812 1111 2222"]
    assert [service.name for service in created.services] == ["LK3 Harapan Keluarga"]
    logged = set(db.session.scalars(select(ChangeLogEntry.entity_id)))
    assert created.id in logged and created.services[0].id in logged
    audited = db.session.scalars(
        select(MetadataEntry.updated_by).where(MetadataEntry.resource_id == created.id)
    ).all()
    assert audited and set(audited) == {admin.email}
    follower.apply_pending(db.session, state.folder)
    state.reader.invalidate()
    found = find_services(Query(text="Harapan Keluarga"))
    assert not found.degraded
    assert created.services[0].id in [item.id for item in found.page.items]


def test_no_duplicate_is_created_without_a_choice_and_merge_adds_what_is_missing(
    app, admin, existing
):
    staged = staged_from(admin, csv_file(ROWS))
    duplicate = row(staged, 7)
    assert [d[0] for d in duplicate["duplicates"]] == [existing.id]
    assert ops.decision(staged, duplicate) == ("skip", "duplicate")
    assert ops.choose(staged, {}, {"7": f"{ops.MERGE}{existing.id}"}) == []
    # Only the offered choices are taken.
    assert ops.choose(staged, {}, {"7": "merge:00000000-0000-4000-8000-000000000000"}) == ["7"]
    assert ops.choose(staged, {}, {"3": ops.NEW}) == ["3"]
    organizations = count(Organization)
    write(admin, staged)
    assert staged.results["7"] == {"outcome": "merged", "organization_id": existing.id}
    assert count(Organization) == organizations + 2
    db.session.refresh(existing)
    # The phone was the same; the service is added as the organization had none.
    assert [phone.number for phone in existing.phones] == ["+62 254 200200"]
    assert [service.name for service in existing.services] == ["LK3 Kota Serang"]


def test_a_row_may_be_added_as_new_when_the_admin_says_so(app, admin, existing):
    staged = staged_from(admin, csv_file(ROWS))
    ops.choose(staged, {}, {"7": ops.NEW})
    write(admin, staged)
    assert staged.results["7"]["outcome"] == "created"
    names = db.session.scalars(select(Organization.name).order_by(Organization.name)).all()
    assert "LK3 Kota Serang Lama" in names


def test_an_ambiguous_place_is_chosen_once_for_every_row_that_writes_it(app, admin):
    rows = [
        ["1", "Yayasan Satu", "", "Serang", "0812 1", "", ""],
        ["2", "Yayasan Dua", "", "Serang", "0812 2222 3333", "", ""],
    ]
    staged = staged_from(admin, csv_file(rows))
    (key,) = staged.analysis["places"]
    assert ops.counts(staged)["error"] == 2
    assert ops.choose(staged, {key: "99.99"}, {}) == [key]
    assert ops.choose(staged, {key: "36.04"}, {}) == []
    write(admin, staged)
    regions = db.session.scalars(
        select(Location.region_code).join(Organization).where(Organization.name.like("Yayasan%"))
    ).all()
    # Row 3's phone is not a number: it is left out, reported; row 4 is placed.
    assert regions == ["36.04"]
    assert staged.results["3"]["outcome"] == "error"


def test_rows_repeating_each_other_in_the_sheet_are_caught(app, admin):
    rows = [
        ["1", "LK3 Kembar", "", "Kota Serang", "0812 5555 6666", "", ""],
        ["2", "LK3 Kembar", "", "Kota Serang", "0812 5555 6666", "", ""],
    ]
    staged = staged_from(admin, csv_file(rows))
    assert [d[0] for d in row(staged, 4)["duplicates"]] == ["row:3"]
    write(admin, staged)
    assert count(Organization) == 1


def test_the_mapping_is_saved_for_the_next_sheet_with_the_same_headers(app, admin):
    header = ["Lembaga X", "Wilayah Y", "Kontak"]
    data = csv_file([["LK3 Baru", "Kota Serang", "0812 7777 8888"]], header, title=False)
    sheet = read_sheet(data, "a.csv", looks_like_header)
    first = ops.stage(admin, sheet, "a.csv")
    assert "Wilayah Y" not in first.mapping  # no header name says it
    wanted = {"Lembaga X": "name", "Wilayah Y": "regency", "Kontak": "phone"}
    ops.confirm_mapping(admin, first, wanted)
    db.session.commit()
    assert count(SheetMapping) == 1
    # The same headers, in another order and case: the saved mapping is proposed.
    reordered = csv_file(
        [["Kota Serang", "LK3 Lain", ""]], ["wilayah y", "LEMBAGA X", "Kontak"], title=False
    )
    second = ops.stage(admin, read_sheet(reordered, "b.csv", looks_like_header), "b.csv")
    assert second.mapping == {"wilayah y": "regency", "LEMBAGA X": "name", "Kontak": "phone"}


def test_a_bad_mapping_is_refused_and_checks_nothing(app, admin):
    sheet = read_sheet(csv_file(ROWS), "a.csv", looks_like_header)
    staged = ops.stage(admin, sheet, "a.csv")
    with pytest.raises(ops.MappingInvalid) as caught:
        ops.confirm_mapping(admin, staged, {"Kab/Kota": "regency"})
    assert caught.value.codes == ["missing_name"]
    assert staged.analysis is None


def test_the_example_sheet_imports_as_demonstration_data(app, admin):
    from directory.demonstration import find_demo_data
    from directory.institutions.models import TERM_DEMONSTRATION_DATA, TaxonomyTerm

    db.session.add(TaxonomyTerm(id=TERM_DEMONSTRATION_DATA, name="Data demonstrasi"))
    db.session.commit()
    data = (SEED_DIR / "contoh-impor-lembaga.xlsx").read_bytes()
    staged = staged_from(admin, data, "contoh-impor-lembaga.xlsx")
    write(admin, staged)
    created = ops.result_counts(staged)["created"]
    assert created > 30
    # Every institution it created is found as demonstration data.
    assert len(find_demo_data().organizations) == created


# The pages


def post(client, url, data, token_page="/admin/impor", **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_page)}, **kwargs)


def upload(client, data: bytes, name: str):
    return post(
        client,
        "/admin/impor",
        {"berkas": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_page_flow_upload_map_preview_choose_confirm(app, network, existing):
    app.config["SHEET_IMPORT_BACKGROUND"] = False
    client = client_as(app, network, ADMIN_ROLE)
    assert "Impor dari lembar kerja" in client.get("/admin").get_data(as_text=True)
    response = upload(client, xlsx_file(ROWS), "daftar.xlsx")
    assert response.status_code == 303
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert 'value="name" selected' in page and "Cipocok Jaya" in page
    # Unmapping the name column is refused, in Indonesian, and nothing is checked.
    fields = {f"kolom-{i}": "" for i in range(len(HEADER))}
    refused = post(client, mapping_url, {**fields, "kolom-3": "regency"}, mapping_url)
    assert refused.status_code == 400
    assert "Pilih kolom yang berisi nama lembaga." in refused.get_data(as_text=True)
    chosen = {**fields, "kolom-1": "name", "kolom-2": "district", "kolom-3": "regency"}
    chosen.update({"kolom-4": "phone", "kolom-5": "email", "kolom-6": "services"})
    response = post(client, mapping_url, chosen, mapping_url)
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    page = client.get(preview_url + "?tampil=semua").get_data(as_text=True)
    assert "wilayah ambigu (Serang): pilih salah satu" in page
    assert "wajib diisi" in page
    assert f'value="merge:{existing.id}"' in page
    assert count(Organization) == 1 + 4  # the network's four and the existing one
    staged = db.session.scalars(select(SheetImport)).one()
    (key,) = staged.analysis["places"].keys() - {
        k for k, p in staged.analysis["places"].items() if p["status"] != "ambiguous"
    }
    response = post(
        client,
        f"{preview_url}/pilihan",
        {f"wilayah-{key}": "36.73", "baris-6": f"merge:{existing.id}"},
        preview_url,
    )
    assert response.status_code == 303
    response = post(client, f"{preview_url}/simpan", {}, preview_url)
    assert response.status_code == 303
    progress = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Selesai: 3 dibuat, 1 digabungkan, 0 dilewati, 1 tidak diimpor." in progress
    assert count(Organization) == 5 + 3
    state = client.get(f"{preview_url}/kemajuan.json").json
    assert state["status"] == "done" and state["processed"] == state["total"] == 5
    # Confirming twice writes nothing more.
    assert post(client, f"{preview_url}/simpan", {}, "/keluar").status_code == 409
    assert count(Organization) == 8


def test_the_page_shows_progress_while_the_rows_are_written_in_the_background(
    app, network, existing
):
    client = client_as(app, network, ADMIN_ROLE)
    response = upload(client, csv_file(ROWS), "daftar.csv")
    mapping_url = response.headers["Location"]
    staged = db.session.scalars(select(SheetImport)).one()
    fields = {
        f"kolom-{i}": staged.mapping.get(header, "") for i, header in enumerate(staged.headers)
    }
    preview_url = post(client, mapping_url, fields, mapping_url).headers["Location"]
    response = post(client, f"{preview_url}/simpan", {}, preview_url)
    # Requests share the test's session here: let the worker have the database.
    db.session.rollback()
    for thread in app.extensions.get("sheet_import_threads", []):
        thread.join(timeout=60)
    db.session.expire_all()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 dibuat" in page and 'http-equiv="refresh"' not in page
    assert count(Organization) == 5 + 2


def test_a_stalled_import_is_resumed_from_its_next_row(app, network, admin, existing):
    from datetime import timedelta

    from directory.database import utcnow

    app.config["SHEET_IMPORT_BACKGROUND"] = False
    staged = staged_from(admin, csv_file(ROWS))
    ops.start(staged)
    ops.write_batch(admin, staged, limit=1)  # then the worker died
    staged.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    client = client_as(app, network, ADMIN_ROLE)
    url = f"/admin/impor/{staged.id}"
    page = client.get(f"{url}/kemajuan").get_data(as_text=True)
    assert "Impor terhenti." in page and "1 dari 5 baris diproses" in page
    assert post(client, f"{url}/simpan", {}, f"{url}/kemajuan").status_code == 303
    db.session.expire_all()
    resumed = db.session.get(SheetImport, staged.id)
    assert resumed.status == DONE
    assert ops.result_counts(resumed) == {"created": 2, "merged": 0, "skipped": 1, "error": 2}
    assert count(Organization) == 5 + 2


@pytest.mark.parametrize("role", [SENDER, RECEIVER, OTHER_PARTNER])
def test_only_admins_may_import(app, network, role):
    client = client_as(app, network, role)
    assert client.get("/admin/impor").status_code == 403
    token = csrf_token(client, "/keluar")
    response = client.post(
        "/admin/impor",
        data={"csrf_token": token, "berkas": (io.BytesIO(csv_file(ROWS)), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert count(SheetImport) == 0
    anonymous = client_as(app, network, ANONYMOUS)
    assert anonymous.get("/admin/impor").headers["Location"].startswith("/masuk")


def test_another_admins_import_is_reachable_but_an_unknown_one_is_404(app, network, admin):
    staged = staged_from(admin, csv_file(ROWS))
    client = client_as(app, network, ADMIN_ROLE)
    assert client.get(f"/admin/impor/{staged.id}").status_code == 200
    assert client.get("/admin/impor/00000000-0000-4000-8000-000000000001").status_code == 404
    assert client.get("/admin/impor/bukan-uuid").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "kosong.csv", "Berkas kosong"),
        (b"\n\n", "kosong.csv", "Berkas kosong"),
        (b"%PDF-1.4\n%%EOF", "surat.pdf", "Berkas ini bukan lembar kerja"),
        (b"PK\x03\x04 rusak", "rusak.xlsx", "bukan lembar kerja Excel (.xlsx)"),
        (b"\x00\x01\x02\x03", "data.csv", "Berkas ini bukan teks CSV"),
    ],
)
def test_bad_files_answer_a_clear_indonesian_error(app, network, data, name, message):
    client = client_as(app, network, ADMIN_ROLE)
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(SheetImport) == 0


def test_a_form_without_a_file_is_asked_for_one(app, network):
    client = client_as(app, network, ADMIN_ROLE)
    response = post(client, "/admin/impor", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Pilih berkas .xlsx atau .csv untuk diunggah." in response.get_data(as_text=True)


def test_a_huge_upload_is_413_and_too_many_rows_a_400(app, network, monkeypatch):
    client = client_as(app, network, ADMIN_ROLE)
    # (A smaller limit than the real 1 MiB: the test client would spool a large body to
    # a temporary file that it never closes.)
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    big = b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert upload(client, big, "besar.csv").status_code == 413
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    response = upload(client, csv_file(ROWS), "banyak.csv")
    assert response.status_code == 400
    assert "paling banyak 3 baris" in response.get_data(as_text=True)


def test_a_formula_cell_is_an_error_of_its_row_and_column(app, network, admin):
    rows = [[1, '=HYPERLINK("http://evil.example","Klik")', "", "Kota Serang", "", "", ""]]
    staged = staged_from(admin, xlsx_file(rows), "f.xlsx")
    organizations = count(Organization)
    client = client_as(app, network, ADMIN_ROLE)
    page = client.get(f"/admin/impor/{staged.id}").get_data(as_text=True)
    assert "Nama Lembaga: berisi rumus (mis. =HYPERLINK)" in page
    assert "evil.example" not in page
    write(admin, staged)
    assert staged.results["2"]["outcome"] == "error"
    assert count(Organization) == organizations


def test_a_choice_for_every_duplicate_at_once(app, network, admin, existing):
    rows = [*ROWS, ["6", "LK3 KOTA SERANG", "", "Kab Serang", "", "lk3@contoh.example.org", ""]]
    staged = staged_from(admin, csv_file(rows))
    client = client_as(app, network, ADMIN_ROLE)
    url = f"/admin/impor/{staged.id}"
    # Row 7 changed on this page to "new"; every other duplicate follows the choice for all.
    response = post(client, f"{url}/pilihan", {"baris-7": "new", "semua_duplikat": "merge"}, url)
    assert response.status_code == 303
    db.session.expire_all()
    chosen = db.session.get(SheetImport, staged.id).choices["rows"]
    assert chosen == {"7": "new", "8": f"merge:{existing.id}"}


def test_forged_choices_are_refused(app, network, admin):
    staged = staged_from(admin, csv_file(ROWS))
    client = client_as(app, network, ADMIN_ROLE)
    url = f"/admin/impor/{staged.id}"
    response = post(client, f"{url}/pilihan", {"baris-3": "new", "wilayah-x": "36.73"}, url)
    assert response.status_code == 400
    assert db.session.get(SheetImport, staged.id).choices == {"places": {}, "rows": {}}


# The command line


def test_the_command_line_checks_asks_and_imports(app, runner, existing, tmp_path):
    path = tmp_path / "daftar.csv"
    path.write_bytes(csv_file(ROWS))
    organizations = count(Organization)
    result = runner.invoke(args=["directory", "import-sheet", str(path)], input="n\n")
    assert result.exit_code == 0, result.output
    assert "baris 6, kolom 'Nama Lembaga': galat: wajib diisi" in result.output
    assert "baris 5, kolom 'Kab/Kota': galat: wilayah ambigu (Serang): pilih salah satu" in (
        result.output
    )
    assert "Dibatalkan: tidak ada yang disimpan." in result.output
    assert count(Organization) == organizations
    result = runner.invoke(
        args=["directory", "import-sheet", str(path), "--ask-places", "--yes"], input="2\n"
    )
    assert result.exit_code == 0, result.output
    assert "Selesai: 3 dibuat, 0 digabungkan, 1 dilewati, 1 tidak diimpor" in result.output
    assert count(Organization) == organizations + 3
    assert db.session.scalar(select(func.count()).select_from(Phone)) >= 3
    audited = set(db.session.scalars(select(MetadataEntry.updated_by)))
    assert audited == {"command: flask directory import-sheet"}


def test_the_command_line_refuses_what_it_cannot_read(app, runner, tmp_path):
    path = tmp_path / "foto.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = runner.invoke(args=["directory", "import-sheet", str(path)])
    assert result.exit_code == 1
    assert "Berkas ini bukan lembar kerja: unggah berkas .xlsx atau .csv." in result.output
    path = tmp_path / "a.csv"
    path.write_bytes(csv_file(ROWS))
    result = runner.invoke(args=["directory", "import-sheet", str(path), "--map", "Nama Lembaga="])
    assert result.exit_code == 1
    assert "Pilih kolom yang berisi nama lembaga." in result.output
    assert count(SheetImport) == 0


def test_the_command_line_merges_when_told(app, runner, existing, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_file([ROWS[4]]))
    result = runner.invoke(
        args=["directory", "import-sheet", str(path), "--duplicates", "merge", "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"Selesai: 0 dibuat, 1 digabungkan", result.output)
    assert count(Service) == 1


def test_staged_sheets_are_forgotten_after_their_retention_unless_still_being_written(app, admin):
    """A staged sheet keeps contact persons' details as typed: the worker forgets it 30
    days on, but never one whose rows are being written right now."""
    from datetime import timedelta

    from directory.database import utcnow
    from directory.sheets.models import RUNNING
    from directory.worker import worker_round

    now = utcnow()
    finished, recent, writing = (staged_from(admin, csv_file(ROWS)) for _ in range(3))
    finished.created_at = now - timedelta(days=31)
    writing.created_at = now - timedelta(days=31)
    writing.status = RUNNING
    writing.heartbeat_at = now - timedelta(seconds=10)
    recent.created_at = now - timedelta(days=29)
    db.session.commit()
    kept = {recent.id, writing.id}

    assert ops.forget_old_imports(now) == 1
    db.session.commit()
    assert set(db.session.scalars(select(SheetImport.id))) == kept

    # Stalled (no heartbeat for minutes): forgotten too, by the worker's round.
    writing.heartbeat_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    lines = worker_round()
    assert "spreadsheets: forgot 1 staged import(s) older than 30 days" in lines
    assert set(db.session.scalars(select(SheetImport.id))) == {recent.id}
