"""Spreadsheet onboarding, the pure parts: reading files, suggesting the column mapping,
checking rows, placing them in the gazetteer and finding duplicates. No app needed."""

from __future__ import annotations

import csv
import io
import zipfile
from functools import cache

import pytest
from openpyxl import Workbook

from directory.commands import SEED_DIR
from directory.geo.gazetteer import RegionEntry
from directory.sheets import reading
from directory.sheets.duplicates import SAME_EMAIL, SAME_PHONE, SIMILAR_NAME, Entry, Finder
from directory.sheets.mapping import (
    applied,
    header_key,
    looks_like_header,
    mapping_problems,
    suggest,
    to_saved,
)
from directory.sheets.places import AMBIGUOUS, CORRECTED, DISTRICT_NOT_FOUND, OK, UNKNOWN, Placer
from directory.sheets.reading import FORMULA, SheetUnreadable, read_sheet
from directory.sheets.rows import ERROR, WARNING, check_row, phone_digits


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode()


HEADER = ["No.", "Nama Lembaga", "Kecamatan", "Kab/Kota", "No. HP", "Email"]


# Reading


def test_an_xlsx_is_read_past_its_title_lines_with_row_numbers_as_shown():
    data = xlsx(
        [
            ["DAFTAR LEMBAGA LAYANAN KELUARGA"],
            [],
            HEADER,
            [1, "LK3 Kota Serang", "Cipocok Jaya", "Kota Serang", 81234567890, "a@example.org"],
            [],
            [2, "Puspaga Cilegon", "", "Cilegon", "", ""],
        ]
    )
    sheet = read_sheet(data, "daftar.xlsx", looks_like_header)
    assert sheet.headers == tuple(HEADER)
    assert [number for number, _ in sheet.rows] == [4, 6]
    # A whole number typed in a cell reads without ".0".
    assert sheet.rows[0][1][4] == "81234567890"


def test_a_csv_with_semicolons_and_a_bom_is_read():
    data = b"\xef\xbb\xbf" + csv_bytes([HEADER, ["1", "LK3", "", "Serang", "", ""]], ";")
    sheet = read_sheet(data, "daftar.csv", looks_like_header)
    assert sheet.headers[1] == "Nama Lembaga"
    assert sheet.rows[0][1][1] == "LK3"


def test_formula_cells_are_never_kept():
    data = xlsx([HEADER, [1, '=HYPERLINK("http://evil.example","Klik")', "", "Serang", "", ""]])
    sheet = read_sheet(data, "f.xlsx", looks_like_header)
    assert sheet.rows[0][1][1] == FORMULA
    data = csv_bytes([HEADER, ["1", '=HYPERLINK("x")', "", "Serang", "+62 812 3456", ""]])
    cells = read_sheet(data, "f.csv", looks_like_header).rows[0][1]
    assert cells[1] == FORMULA
    assert cells[4] == "+62 812 3456"  # a phone is not a formula
    # What our own export guarded reads back as the text it was.
    guarded = csv_bytes([HEADER, ["1", "'=LK3", "", "Serang", "", ""]])
    assert read_sheet(guarded, "g.csv", looks_like_header).rows[0][1][1] == "=LK3"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "kosong.csv", "empty"),
        (b"   \n\n", "kosong.csv", "empty"),
        (b"%PDF-1.4 bukan lembar kerja", "surat.pdf", "not_spreadsheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "foto.csv", "binary"),
        (b"PK\x03\x04 rusak", "rusak.xlsx", "not_xlsx"),
        (b"bukan zip", "palsu.xlsx", "not_xlsx"),
        (csv_bytes([HEADER]), "judul.csv", "no_rows"),
    ],
)
def test_what_cannot_be_read_says_why(data, name, code):
    with pytest.raises(SheetUnreadable) as caught:
        read_sheet(data, name, looks_like_header)
    assert caught.value.code == code


def test_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    data = csv_bytes([HEADER, *[[str(n), f"LK3 {n}", "", "Serang", "", ""] for n in range(6)]])
    with pytest.raises(SheetUnreadable) as caught:
        read_sheet(data, "besar.csv", looks_like_header)
    assert (caught.value.code, caught.value.limit) == ("too_many_rows", 5)


def test_a_zip_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 1000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 100_000)
    with pytest.raises(SheetUnreadable) as caught:
        read_sheet(out.getvalue(), "bom.xlsx", looks_like_header)
    assert caught.value.code == "too_large"


def test_the_example_sheet_is_labelled_as_demonstration_data():
    data = (SEED_DIR / "contoh-impor-lembaga.xlsx").read_bytes()
    sheet = read_sheet(data, "contoh-impor-lembaga.xlsx", looks_like_header)
    note = sheet.headers.index("Keterangan")
    assert len(sheet.rows) >= 50
    assert all("Data demonstrasi" in cells[note] for _, cells in sheet.rows)
    assert all("example.org" in cells[9] for _, cells in sheet.rows if cells[9])


# Mapping


def test_the_mapping_is_suggested_from_indonesian_and_english_headers():
    assert suggest(["No.", "Nama Lembaga", "Kec.", "Kab/Kota", "No. HP", "E-mail", "Alamat"]) == {
        "Nama Lembaga": "name",
        "Kec.": "district",
        "Kab/Kota": "regency",
        "No. HP": "phone",
        "E-mail": "email",
        "Alamat": "address",
    }
    assert suggest(["Organization name", "Telepon", "City", "Province", "Layanan"]) == {
        "Organization name": "name",
        "Telepon": "phone",
        "City": "regency",
        "Province": "province",
        "Layanan": "services",
    }
    # Each field once, to the header that names it best (the first of equals).
    assert suggest(["Nama Kontak", "Nama Lembaga"]) == {"Nama Lembaga": "name"}
    assert suggest(["Nama", "Nama Lembaga"]) == {"Nama": "name"}


def test_a_title_line_is_not_a_header():
    assert not looks_like_header(("DAFTAR LEMBAGA KONSULTASI KESEJAHTERAAN KELUARGA",))
    assert looks_like_header(tuple(HEADER))


def test_a_saved_mapping_is_keyed_by_the_header_set_in_any_order():
    assert header_key(["Nama", "Kota"]) == header_key(["kota ", "NAMA"])
    assert header_key(["Nama", "Kota"]) != header_key(["Nama", "Kota", "Email"])
    saved = to_saved({"Nama Lembaga": "name", "Kab/Kota": "regency"})
    assert applied(saved, ["KAB / KOTA", "nama lembaga", "Lain"]) == {
        "KAB / KOTA": "regency",
        "nama lembaga": "name",
    }


def test_a_mapping_needs_a_name_and_a_place_and_each_field_once():
    headers = ["A", "B", "C"]
    assert mapping_problems({"A": "name", "B": "regency"}, headers) == []
    assert "missing_name" in mapping_problems({"B": "regency"}, headers)
    assert "missing_place" in mapping_problems({"A": "name"}, headers)
    assert "twice" in mapping_problems({"A": "name", "B": "name", "C": "regency"}, headers)
    assert "unknown" in mapping_problems({"A": "name", "Z": "regency"}, headers)
    assert "unknown" in mapping_problems({"A": "name", "B": "password"}, headers)


# Rows


def codes(row) -> set[tuple[str, str, str]]:
    return {(p.field, p.code, p.severity) for p in row.problems}


def test_a_good_row_is_cleaned():
    row = check_row(
        {
            "name": "  LK3   Kota Serang ",
            "phone": "0812-3456-7890 / (0254) 123456",
            "email": "Info@Example.org",
            "website": "lk3.example.org",
            "regency": "Kota Serang",
            "services": "Konseling; Rujukan",
        }
    )
    assert row.problems == []
    assert row.values["name"] == "LK3 Kota Serang"
    assert row.phones == ["+62 812 3456 7890", "+62 254 1234 56"]
    assert row.values["email"] == "info@example.org"
    assert row.values["website"] == "https://lk3.example.org"
    assert row.services == ["Konseling", "Rujukan"]


def test_errors_and_warnings_by_field():
    row = check_row(
        {
            "name": "-",
            "phone": "",
            "email": "bukan-email",
            "website": "bukan situs",
            "regency": "Serang",
            "latitude": "60",
            "longitude": "106",
        }
    )
    assert codes(row) == {
        ("name", "required", ERROR),
        ("phone", "missing", WARNING),
        ("email", "invalid", ERROR),
        ("website", "invalid", ERROR),
        ("latitude", "outside", ERROR),
    }
    assert row.has_errors


def test_a_phone_that_lost_its_zero_is_a_warning_and_garbage_an_error():
    row = check_row({"name": "LK3", "phone": "81234567890", "regency": "Serang"})
    assert codes(row) == {("phone", "leading_zero", WARNING)}
    assert row.phones == ["+62 812 3456 7890"]
    row = check_row({"name": "LK3", "phone": "belum tahu", "regency": "Serang"})
    assert ("phone", "invalid", ERROR) in codes(row)
    assert phone_digits("+62 000 5550 0001") == "6200055500001"


def test_a_formula_and_no_place_are_errors():
    row = check_row({"name": FORMULA, "regency": ""})
    assert codes(row) == {
        ("name", "formula", ERROR),
        ("regency", "place_required", ERROR),
        ("phone", "missing", WARNING),
    }


# Places


@cache
def placer() -> Placer:
    with (SEED_DIR / "regions.csv").open(encoding="utf-8") as handle:
        regions = [
            RegionEntry(
                r["code"],
                r["name"],
                r["level"],
                r["parent_code"] or None,
                float(r["latitude"]),
                float(r["longitude"]),
            )
            for r in csv.DictReader(handle)
        ]
    return Placer(regions)


@pytest.mark.parametrize(
    ("district", "regency", "province", "code"),
    [
        ("", "Kab. Serang", "", "36.04"),
        ("", "Serang Kab", "", "36.04"),
        ("", "KABUPATEN SERANG", "Banten", "36.04"),
        ("", "Kota Srang", "", "36.73"),
        ("", "Cilegon", "", "36.72"),
        ("", "Kodya Serang", "", "36.73"),
        ("Cipocok Jaya", "Serang", "", "36.73.05"),  # the district settles Serang
        ("Kec. Cipocok", "Serang", "Banten", "36.73.05"),
        ("Kramatwatu", "Kab Serang", "", "36.04.05"),
        ("Cipocok Jaya", "", "", "36.73.05"),
        ("", "Kab. Bandung", "Jabar", "32.04"),
        ("", "Jakarta Selatan", "", "31.74"),
    ],
)
def test_places_are_found_as_people_write_them(district, regency, province, code):
    found = placer().place(district, regency, province)
    assert (found.status, found.code) == (OK, code)


def test_an_ambiguous_name_offers_the_candidates():
    found = placer().place("", "Serang", "")
    assert found.status == AMBIGUOUS and found.code is None
    assert [code for code, _ in found.candidates] == ["36.04", "36.73"]
    assert found.candidates[1][1] == "Kota Serang, Banten"


def test_corrections_and_misses_are_noted():
    assert CORRECTED in placer().place("", "Kota Srang", "").notes
    found = placer().place("Tidakada", "Kota Serang", "")
    assert (found.status, found.code, found.notes) == (OK, "36.73", (DISTRICT_NOT_FOUND,))
    assert placer().place("", "Xyzzyqua", "").status == UNKNOWN


# Duplicates


def test_duplicates_by_phone_email_or_similar_name_in_the_same_regency():
    finder = Finder(
        [
            Entry("a", "LK3 Kota Serang", frozenset({"36.73"}), frozenset({"622541"}), frozenset()),
            Entry("b", "Puspaga Cilegon", frozenset({"36.72"}), frozenset(), frozenset({"p@x.id"})),
        ]
    )
    by_name = finder.find("LK3 KOTA SERANG.", ["36.73"], [], [])
    assert [(m.id, m.reasons) for m in by_name] == [("a", (SIMILAR_NAME,))]
    # The same name in another regency is another institution.
    assert finder.find("LK3 Kota Serang", ["36.04"], [], []) == []
    assert [m.reasons for m in finder.find("Lain", [], ["622541"], [])] == [(SAME_PHONE,)]
    assert [m.id for m in finder.find("Lain", [], [], ["p@x.id"])] == ["b"]
    assert finder.find("Lain", [], [], ["p@x.id"])[0].reasons == (SAME_EMAIL,)
    assert finder.find("Yayasan Lain Sekali", ["36.73"], ["620000"], ["z@x.id"]) == []
