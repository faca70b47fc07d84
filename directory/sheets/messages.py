"""The Indonesian (translatable) words for the codes of reading, mapping, checking,
placing and duplicate finding, shared by the admin pages and the command line."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "name": _l("Nama lembaga"),
    "alternate_name": _l("Nama lain/singkatan"),
    "institution_type": _l("Jenis lembaga"),
    "description": _l("Keterangan"),
    "phone": _l("Telepon"),
    "email": _l("Email"),
    "website": _l("Situs web"),
    "address": _l("Alamat"),
    "village": _l("Desa/kelurahan"),
    "district": _l("Kecamatan"),
    "regency": _l("Kabupaten/kota"),
    "province": _l("Provinsi"),
    "services": _l("Layanan"),
    "latitude": _l("Lintang"),
    "longitude": _l("Bujur"),
}

OUTCOME_LABELS = {
    "created": _l("dibuat"),
    "merged": _l("digabungkan"),
    "skipped": _l("dilewati"),
    "error": _l("tidak diimpor"),
}


def unreadable(code: str, limit: int | None = None) -> str:
    texts = {
        "empty": _l("Berkas kosong: tidak ada baris yang bisa dibaca."),
        "no_rows": _l("Berkas hanya berisi judul kolom, tanpa baris data."),
        "not_xlsx": _l("Berkas ini bukan lembar kerja Excel (.xlsx) yang bisa dibaca."),
        "not_spreadsheet": _l("Berkas ini bukan lembar kerja: unggah berkas .xlsx atau .csv."),
        "binary": _l("Berkas ini bukan teks CSV: unggah berkas .xlsx atau .csv."),
        "not_table": _l("Isi berkas tidak berbentuk tabel (kolom dan baris)."),
        "too_large": _l("Berkas terlalu besar untuk dibaca."),
        "no_file": _l("Pilih berkas .xlsx atau .csv untuk diunggah."),
    }
    if code == "too_many_rows":
        return _("Berkas terlalu besar: paling banyak %(n)d baris per impor.", n=limit or 0)
    return str(texts.get(code, texts["not_spreadsheet"]))


def mapping_problem(code: str) -> str:
    texts = {
        "unknown": _l("Pemetaan kolom tidak dikenal."),
        "twice": _l("Satu isian dipetakan ke lebih dari satu kolom."),
        "missing_name": _l("Pilih kolom yang berisi nama lembaga."),
        "missing_place": _l(
            "Pilih kolom wilayah: kecamatan, kabupaten/kota atau provinsi (atau lintang dan bujur)."
        ),
    }
    return str(texts.get(code, texts["unknown"]))


def problem(code: str, value: str = "") -> str:
    texts: dict[str, Any] = {
        "required": _l("wajib diisi"),
        "formula": _l("berisi rumus (mis. =HYPERLINK): tulis nilainya sebagai teks biasa"),
        "too_long": _l("terlalu panjang (paling banyak %(value)s karakter)"),
        "missing": _l("kosong: lembaga tetap diimpor tanpa nomor telepon"),
        "invalid": _l("tidak valid: %(value)s"),
        "leading_zero": _l("angka 0 di depan hilang (%(value)s): dibaca sebagai 0%(value)s"),
        "extra": _l("hanya alamat pertama yang dipakai; dilewati: %(value)s"),
        "too_many": _l("hanya %(value)s yang pertama dipakai"),
        "coordinates": _l("bukan angka: %(value)s"),
        "outside": _l("di luar wilayah Indonesia: %(value)s"),
        "place_required": _l("isi kecamatan, kabupaten/kota atau provinsi"),
        "place_unknown": _l("wilayah tidak ditemukan: %(value)s"),
        "place_ambiguous": _l("wilayah ambigu (%(value)s): pilih salah satu"),
        "corrected": _l("ejaan diperbaiki: dibaca sebagai %(value)s"),
        "district_not_found": _l("kecamatan tidak ditemukan; ditempatkan di %(value)s"),
        "regency_from_district": _l("kabupaten/kota tidak dikenali; dari kecamatan: %(value)s"),
        "province_mismatch": _l("provinsi tidak cocok; dipakai %(value)s"),
        "type_unknown": _l("jenis lembaga tidak dikenal: %(value)s (dikosongkan)"),
        "duplicate": _l("mungkin sama dengan %(value)s"),
        "refused": _l("ditolak saat disimpan"),
        "merge_target_gone": _l("lembaga tujuan penggabungan sudah tidak ada"),
        "problems": _l("ada galat pada baris ini"),
    }
    text = texts.get(code)
    if text is None:
        return code
    return str(text) % {"value": value} if "%(value)s" in str(text) else str(text)


def reasons(codes: list[str]) -> str:
    words = {
        "phone": _l("nomor telepon sama"),
        "email": _l("email sama"),
        "name": _l("nama mirip di kabupaten/kota yang sama"),
    }
    return ", ".join(str(words.get(code, code)) for code in codes)


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))
