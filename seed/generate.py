"""Generate the demonstration directory: ``seed/taxonomy_terms.json`` and
``seed/organizations.json``.

The institutions are DEMONSTRATION DATA: the kinds of places an LK3 counsellor refers
to (LK3, UPTD PPA, hospitals with an integrated service centre, police PPA units, legal
aid, religious courts, Puspaga, Puskesmas, KUA, ...) placed at real districts of all 38
provinces, with invented listings, phones, e-mails and addresses. See ``seed/README.md``.

Deterministic: every random choice comes from ``random.Random`` seeded with a fixed
string and the entity's stable key, every id is a ``uuid5`` of a stable name, so two runs
write byte-identical files. Every organization and service is checked against the HSDS
3.0 JSON schemas before anything is written; a failure stops the script.

    .venv/bin/python seed/generate.py [--output DIR] [--hsds DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from slugify import slugify

from directory.geo.regions import RegionRow, read_regions
from directory.geo.timezones import UTC_OFFSET_HOURS, zone_name
from directory.institutions.models import (
    TAXONOMY_DATA_STATUS,
    TAXONOMY_ELIGIBILITY,
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    TERM_DEMONSTRATION_DATA,
)

SEED_DIR = Path(__file__).resolve().parent
# The HSDS 3.0 schemas vendored for the tests (their source and licence: NOTICE.md there).
DEFAULT_HSDS_DIR = SEED_DIR.parent / "tests" / "vendor" / "hsds-3.0"

SEED = "jejaring-rujukan/seed/2025"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jejaring-rujukan.example.org/seed")

DEMO_NOTE = "(Data demonstrasi: lembaga contoh di tempat nyata, bukan layanan sungguhan.)"
# Area code 000 does not exist in Indonesia: these numbers reach nobody.
PHONE_PREFIX = "+62 000 5550 "
# RFC 2606 reserves example.org: no mail sent to these addresses can reach anyone.
MAIL_DOMAIN = "example.org"
# Locations sit at a district centroid moved by at most this much (metres).
MAX_JITTER_M = 400.0

# ---------------------------------------------------------------------------------------
# Taxonomies

TAXONOMIES: dict[str, dict[str, str]] = {
    "service_types": {
        "id": TAXONOMY_SERVICE_TYPES,
        "code": "jenis-layanan",
        "name": "Jenis layanan",
        "name_en": "Service types",
        "description": "Layanan LK3 menurut Kementerian Sosial dan layanan lembaga mitra "
        "dalam jejaring rujukan.",
    },
    "problems": {
        "id": TAXONOMY_PROBLEMS,
        "code": "masalah",
        "name": "Masalah dan situasi",
        "name_en": "Problems and situations",
        "description": "Masalah sosial psikologis keluarga yang ditangani atau dirujuk.",
    },
    "institution_types": {
        "id": TAXONOMY_INSTITUTION_TYPES,
        "code": "jenis-lembaga",
        "name": "Jenis lembaga",
        "name_en": "Institution types",
        "description": "Jenis lembaga dalam jejaring rujukan LK3.",
    },
    "data_status": {
        "id": TAXONOMY_DATA_STATUS,
        "code": "status-data",
        "name": "Status data",
        "name_en": "Data status",
        "description": "Keterangan tentang asal dan sifat data direktori.",
    },
    "eligibility": {
        "id": TAXONOMY_ELIGIBILITY,
        "code": "kelayakan",
        "name": "Kelayakan",
        "name_en": "Eligibility",
        "description": "Siapa yang dapat dilayani, bila layanan terbatas bagi sebagian orang. "
        "Layanan tanpa istilah ini melayani semua orang.",
    },
}
TAXONOMY_VERSION = "2025.1"

# (taxonomy, code, name, name_en, description)
# fmt: off
TERMS: tuple[tuple[str, str, str, str, str], ...] = (
    # The seven LK3 services (domain.md): keep these names exactly.
    ("service_types", "konseling", "Konseling", "Counselling",
     "Konseling bagi keluarga dan anggota keluarga dengan masalah psikososial."),
    ("service_types", "konsultasi", "Konsultasi", "Consultation",
     "Saran bagi keluarga, kelompok, masyarakat dan organisasi."),
    ("service_types", "pemberian_informasi", "Pemberian informasi", "Information",
     "Informasi tentang kesejahteraan keluarga dan cara ikut serta."),
    ("service_types", "penjangkauan", "Penjangkauan", "Outreach",
     "Menjangkau keluarga, bimbingan kelompok dan penemuan kasus."),
    ("service_types", "perlindungan", "Perlindungan", "Protection",
     "Upaya agar keluarga keluar dari kerentanannya."),
    ("service_types", "pendampingan", "Pendampingan", "Accompaniment",
     "Pendampingan dan layanan tindak lanjut."),
    ("service_types", "rujukan", "Rujukan", "Referral",
     "Merujuk klien ke lembaga yang sesuai dengan masalahnya."),
    # Partner services.
    ("service_types", "layanan_medis_visum", "Layanan medis dan visum",
     "Medical care and forensic examination (visum)",
     "Pemeriksaan dan perawatan medis korban, termasuk visum et repertum."),
    ("service_types", "layanan_psikologis", "Layanan psikologis", "Psychological care",
     "Asesmen, konseling dan terapi oleh psikolog."),
    ("service_types", "layanan_kesehatan_jiwa", "Layanan kesehatan jiwa", "Mental health care",
     "Pemeriksaan dan perawatan kesehatan jiwa oleh dokter atau psikiater."),
    ("service_types", "layanan_kesehatan_dasar", "Layanan kesehatan dasar", "Primary health care",
     "Pelayanan kesehatan tingkat pertama di puskesmas."),
    ("service_types", "bantuan_hukum", "Bantuan hukum", "Legal aid",
     "Konsultasi, pendampingan dan pembelaan hukum."),
    ("service_types", "pelaporan_polisi", "Pelaporan ke kepolisian", "Police reporting",
     "Penerimaan laporan tindak pidana dan penyidikan."),
    ("service_types", "penampungan_aman", "Rumah aman dan penampungan sementara",
     "Safe shelter", "Tempat tinggal sementara yang aman bagi korban."),
    ("service_types", "mediasi", "Mediasi", "Mediation",
     "Penyelesaian sengketa keluarga dengan bantuan mediator."),
    ("service_types", "bantuan_sosial", "Bantuan sosial", "Social assistance",
     "Bantuan dan jaminan sosial bagi keluarga miskin dan rentan."),
    ("service_types", "rehabilitasi_sosial", "Rehabilitasi sosial", "Social rehabilitation",
     "Pemulihan fungsi sosial pemerlu pelayanan kesejahteraan sosial."),
    ("service_types", "rehabilitasi_napza", "Rehabilitasi NAPZA", "Drug rehabilitation",
     "Rehabilitasi medis dan sosial pecandu dan korban penyalahgunaan NAPZA."),
    ("service_types", "bimbingan_perkawinan", "Bimbingan perkawinan", "Marriage guidance",
     "Bimbingan bagi calon pengantin dan pasangan."),
    ("service_types", "layanan_peradilan", "Layanan peradilan keluarga", "Family court services",
     "Perkara perceraian, hak asuh anak, nafkah dan dispensasi kawin."),
    ("service_types", "edukasi_pengasuhan", "Edukasi pengasuhan", "Parenting education",
     "Kelas dan bimbingan pengasuhan bagi orang tua."),
    ("service_types", "pembimbingan_kemasyarakatan", "Pembimbingan kemasyarakatan",
     "Probation and community supervision",
     "Penelitian kemasyarakatan, pendampingan dan pembimbingan klien Bapas."),
    ("service_types", "layanan_pengaduan", "Layanan pengaduan (hotline)",
     "Hotline and complaints", "Penerimaan pengaduan lewat telepon, pesan dan tatap muka."),
    # Problems and situations.
    ("problems", "kdrt", "Kekerasan dalam rumah tangga (KDRT)", "Domestic violence",
     "Kekerasan fisik, psikis, seksual atau penelantaran dalam rumah tangga."),
    ("problems", "kekerasan_seksual", "Kekerasan seksual", "Sexual violence",
     "Perkosaan, pelecehan dan bentuk kekerasan seksual lainnya."),
    ("problems", "kekerasan_anak", "Kekerasan terhadap anak", "Child abuse",
     "Kekerasan fisik, psikis atau seksual terhadap anak."),
    ("problems", "perceraian", "Perceraian dan konflik perkawinan",
     "Divorce and marital conflict", "Konflik suami-istri, perpisahan dan perceraian."),
    ("problems", "pengasuhan", "Pengasuhan anak", "Parenting",
     "Kesulitan orang tua dalam mengasuh dan mendidik anak."),
    ("problems", "penelantaran_anak", "Penelantaran anak", "Child neglect",
     "Anak yang tidak terpenuhi kebutuhan dasarnya."),
    ("problems", "abh", "Anak berhadapan dengan hukum (ABH)",
     "Children in conflict with the law", "Anak sebagai pelaku, korban atau saksi tindak pidana."),
    ("problems", "kenakalan_remaja", "Kenakalan remaja", "Juvenile delinquency",
     "Perilaku menyimpang remaja: tawuran, bolos, pergaulan berisiko."),
    ("problems", "kesehatan_jiwa", "Kesehatan jiwa (ODGJ)", "Mental health",
     "Gangguan jiwa, termasuk orang dengan gangguan jiwa (ODGJ)."),
    ("problems", "napza", "Penyalahgunaan NAPZA", "Drug abuse (NAPZA)",
     "Penyalahgunaan narkotika, psikotropika dan zat adiktif."),
    ("problems", "tppo", "Perdagangan orang (TPPO)", "Human trafficking",
     "Tindak pidana perdagangan orang dan eksploitasi."),
    ("problems", "pekerja_migran", "Pekerja migran bermasalah", "Migrant workers in distress",
     "Pekerja migran dan keluarganya yang menghadapi masalah."),
    ("problems", "disabilitas", "Disabilitas", "Disability",
     "Penyandang disabilitas dan keluarganya."),
    ("problems", "lansia", "Lanjut usia terlantar", "Neglected elderly",
     "Lansia tanpa pengasuh atau penghasilan."),
    ("problems", "kemiskinan", "Kemiskinan", "Poverty", "Keluarga fakir miskin dan rentan."),
    ("problems", "anak_jalanan", "Anak jalanan", "Street children",
     "Anak yang hidup atau bekerja di jalan."),
    ("problems", "masalah_psikososial", "Masalah psikososial", "Psychosocial distress",
     "Tekanan psikologis dan sosial, stres, duka dan trauma."),
    ("problems", "perkawinan_anak", "Perkawinan anak", "Child marriage",
     "Perkawinan di bawah usia 19 tahun dan pencegahannya."),
    ("problems", "keluarga_retak", "Keluarga retak (broken home)", "Broken homes",
     "Keluarga yang tercerai-berai dan dampaknya pada anak."),
    # Institution types.
    ("institution_types", "lk3", "LK3", "LK3 (family welfare consultation institution)",
     "Lembaga Konsultasi Kesejahteraan Keluarga, dibina Kemensos dan Dinas Sosial."),
    ("institution_types", "uptd_ppa", "UPTD PPA", "UPTD PPA (women and child protection unit)",
     "Unit Pelaksana Teknis Daerah Perlindungan Perempuan dan Anak (dahulu P2TP2A)."),
    ("institution_types", "puspaga", "Puspaga", "Puspaga (family learning centre)",
     "Pusat Pembelajaran Keluarga."),
    ("institution_types", "rumah_sakit", "Rumah Sakit / RSUD", "Hospital",
     "Rumah sakit, termasuk Pusat Pelayanan Terpadu (PPT) korban kekerasan."),
    ("institution_types", "puskesmas", "Puskesmas", "Community health centre",
     "Pusat kesehatan masyarakat tingkat kecamatan."),
    ("institution_types", "unit_ppa_polri", "Unit PPA Kepolisian",
     "Police women and children unit", "Unit Pelayanan Perempuan dan Anak di Polda atau Polres."),
    ("institution_types", "lbh", "LBH / Posbakum", "Legal aid organisation",
     "Lembaga bantuan hukum dan pos bantuan hukum."),
    ("institution_types", "pengadilan_agama", "Pengadilan Agama", "Religious court",
     "Pengadilan untuk perkara perkawinan warga beragama Islam."),
    ("institution_types", "kua", "KUA", "Office of Religious Affairs (KUA)",
     "Kantor Urusan Agama kecamatan."),
    ("institution_types", "dinas_sosial", "Dinas Sosial", "Social services office",
     "Perangkat daerah urusan sosial."),
    ("institution_types", "balai_kemensos", "Balai / Loka / Sentra Kemensos",
     "Ministry of Social Affairs rehabilitation centre",
     "Unit pelaksana teknis rehabilitasi sosial Kementerian Sosial."),
    ("institution_types", "lsm", "LSM / Orsos", "NGO / social organisation",
     "Lembaga swadaya masyarakat dan organisasi sosial."),
    ("institution_types", "psikolog", "Psikolog / Biro Psikologi", "Psychologist",
     "Praktik psikolog dan biro psikologi."),
    ("institution_types", "bapas", "Bapas", "Probation office (Bapas)",
     "Balai Pemasyarakatan: litmas dan pembimbingan klien, termasuk ABH."),
    ("institution_types", "rumah_aman", "Rumah Aman", "Safe house",
     "Rumah aman dan penampungan korban; lokasinya dirahasiakan."),
    ("institution_types", "bnn", "BNN / IPWL", "Narcotics board and drug rehabilitation",
     "Badan Narkotika Nasional dan Institusi Penerima Wajib Lapor."),
    # Data status.
    ("data_status", "data_demonstrasi", "Data demonstrasi", "Demonstration data",
     "Lembaga contoh di tempat nyata; daftar, telepon, surel dan alamat dikarang."),
    # Eligibility: who a limited service serves (the search leaves it out for others).
    ("eligibility", "khusus_perempuan", "Khusus perempuan", "Women only",
     "Layanan hanya bagi perempuan (termasuk anak perempuan)."),
    ("eligibility", "khusus_laki_laki", "Khusus laki-laki", "Men only",
     "Layanan hanya bagi laki-laki (termasuk anak laki-laki)."),
)
# fmt: on

# ---------------------------------------------------------------------------------------
# Places

# Regency/city (Kemendagri code) where each province's government sits. Jakarta has no
# single capital: its central city stands in. Maluku Utara's capital, Sofifi, lies in
# Kota Tidore Kepulauan.
CAPITALS: dict[str, str] = {
    "11": "11.71",  # Kota Banda Aceh
    "12": "12.71",  # Kota Medan
    "13": "13.71",  # Kota Padang
    "14": "14.71",  # Kota Pekanbaru
    "15": "15.71",  # Kota Jambi
    "16": "16.71",  # Kota Palembang
    "17": "17.71",  # Kota Bengkulu
    "18": "18.71",  # Kota Bandar Lampung
    "19": "19.71",  # Kota Pangkal Pinang
    "21": "21.72",  # Kota Tanjung Pinang
    "31": "31.71",  # Kota Administrasi Jakarta Pusat
    "32": "32.73",  # Kota Bandung
    "33": "33.74",  # Kota Semarang
    "34": "34.71",  # Kota Yogyakarta
    "35": "35.78",  # Kota Surabaya
    "36": "36.73",  # Kota Serang
    "51": "51.71",  # Kota Denpasar
    "52": "52.71",  # Kota Mataram
    "53": "53.71",  # Kota Kupang
    "61": "61.71",  # Kota Pontianak
    "62": "62.71",  # Kota Palangkaraya
    "63": "63.72",  # Kota Banjarbaru
    "64": "64.72",  # Kota Samarinda
    "65": "65.01",  # Kabupaten Bulungan (Tanjung Selor)
    "71": "71.71",  # Kota Manado
    "72": "72.71",  # Kota Palu
    "73": "73.71",  # Kota Makassar
    "74": "74.71",  # Kota Kendari
    "75": "75.71",  # Kota Gorontalo
    "76": "76.02",  # Kabupaten Mamuju
    "81": "81.71",  # Kota Ambon
    "82": "82.72",  # Kota Tidore Kepulauan (Sofifi)
    "91": "91.71",  # Kota Jayapura
    "92": "92.02",  # Kabupaten Manokwari
    "93": "93.01",  # Kabupaten Merauke
    "94": "94.01",  # Kabupaten Nabire
    "95": "95.01",  # Kabupaten Jayawijaya (Wamena)
    "96": "96.71",  # Kota Sorong
}

# The district holding a regency's seat where it is not named after the regency.
SEATS: dict[str, str] = {
    "36.04": "Ciruas",
    "36.73": "Cipocok Jaya",
    "65.01": "Tanjung Selor",
    "81.71": "Sirimau",
    "82.72": "Oba Utara",
    "92.02": "Manokwari Barat",
}

# Districts whose centroid lies in the sea, or within 500 m of it, by the GLOBE 1 km land
# mask (package global-land-mask 1.0.0, checked once; see README). Never used as a place.
_OFFSHORE = """
    11.07.09 11.09.07 11.10.01 11.10.16 12.01.07 12.05.15 12.14.05 12.14.26 12.14.28
    12.14.29 12.14.31 12.24.02 12.25.02 12.78.01 18.01.16 18.09.06 18.13.06 21.01.08
    21.01.09 21.01.14 21.02.05 21.02.09 21.02.11 21.02.14 21.03.04 21.03.06 21.03.08
    21.03.11 21.03.21 21.03.23 21.03.24 21.04.11 21.05.03 21.05.04 21.05.09 21.71.01
    31.01.01 31.01.02 32.74.01 32.74.02 32.74.04 33.20.10 33.74.16 35.09.08 35.15.05
    35.15.08 35.15.15 35.15.17 35.25.10 35.27.01 35.29.02 35.29.08 35.29.23 35.29.25
    35.78.25 35.78.26 35.78.29 36.01.06 52.06.11 53.01.19 53.05.09 53.07.05 53.07.15
    53.14.01 53.14.09 53.15.05 63.02.01 63.02.11 64.03.11 64.74.01 65.01.10 71.03.09
    71.03.14 71.03.19 71.03.25 71.04.05 71.04.13 71.06.04 71.06.07 71.09.02 71.09.04
    71.71.10 72.06.06 72.06.07 72.06.15 72.06.20 72.09.01 72.09.11 72.11.05 72.12.01
    73.01.08 73.02.02 73.05.10 73.07.09 73.10.01 73.10.02 73.10.03 73.10.13 73.71.15
    73.73.03 73.73.05 74.06.17 74.07.03 74.07.04 74.09.04 74.09.12 74.15.04 75.02.06
    75.05.08 76.02.16 81.01.09 81.02.14 81.03.04 81.03.05 81.05.04 81.06.04 81.07.08
    81.08.09 81.08.10 81.72.04 81.72.05 82.02.03 82.02.10 82.03.19 82.03.22 82.04.02
    82.04.11 82.04.12 82.04.20 82.04.26 82.04.28 82.71.05 82.71.07 91.05.10 91.05.14
    91.06.10 91.06.16 91.10.01 91.19.05 92.03.13 92.07.05 93.04.19 96.03.03 96.03.05
    96.03.11 96.03.12 96.03.14 96.03.16 96.03.18 96.03.23 96.71.04
"""
OFFSHORE_DISTRICTS = frozenset(_OFFSHORE.split())

PROVINCE_DISPLAY = {"31": "DKI Jakarta", "34": "DI Yogyakarta"}
POLDA = {"31": "Polda Metro Jaya"}
# Cities whose police resort is a Polrestabes.
POLRESTABES = frozenset({"12.71", "16.71", "32.73", "33.74", "35.78", "73.71"})
POLICE_NAMES = {"36.73": "Polresta Serang Kota", "36.04": "Polres Serang"}

LANGUAGE_NAMES = {
    "id": "Bahasa Indonesia",
    "en": "Bahasa Inggris",
    "ace": "Bahasa Aceh",
    "bbc": "Bahasa Batak Toba",
    "min": "Bahasa Minangkabau",
    "ms": "Bahasa Melayu",
    "jax": "Bahasa Melayu Jambi",
    "mui": "Bahasa Palembang (Musi)",
    "ljp": "Bahasa Lampung",
    "bew": "Bahasa Betawi",
    "su": "Bahasa Sunda",
    "jv": "Bahasa Jawa",
    "mad": "Bahasa Madura",
    "ban": "Bahasa Bali",
    "sas": "Bahasa Sasak",
    "smw": "Bahasa Sumbawa",
    "bhp": "Bahasa Bima",
    "mkn": "Bahasa Melayu Kupang",
    "nij": "Bahasa Dayak Ngaju",
    "bjn": "Bahasa Banjar",
    "xmm": "Bahasa Melayu Manado",
    "lew": "Bahasa Kaili",
    "bug": "Bahasa Bugis",
    "mak": "Bahasa Makassar",
    "lbw": "Bahasa Tolaki",
    "gor": "Bahasa Gorontalo",
    "mdr": "Bahasa Mandar",
    "abs": "Bahasa Melayu Ambon",
    "max": "Bahasa Melayu Maluku Utara",
    "pmy": "Bahasa Melayu Papua",
}
# Regional languages (ISO 639) by province, then by regency where they differ.
PROVINCE_LANGUAGES: dict[str, tuple[str, ...]] = {
    "11": ("ace",),
    "12": ("bbc",),
    "13": ("min",),
    "14": ("ms",),
    "15": ("jax",),
    "16": ("mui",),
    "18": ("ljp",),
    "21": ("ms",),
    "31": ("bew",),
    "32": ("su",),
    "33": ("jv",),
    "34": ("jv",),
    "35": ("jv",),
    "36": ("su",),
    "51": ("ban",),
    "52": ("sas",),
    "61": ("ms",),
    "62": ("nij",),
    "63": ("bjn",),
    "64": ("bjn",),
    "71": ("xmm",),
    "72": ("lew",),
    "73": ("bug",),
    "74": ("lbw",),
    "75": ("gor",),
    "76": ("mdr",),
    "81": ("abs",),
    "82": ("max",),
    "91": ("pmy",),
    "92": ("pmy",),
    "93": ("pmy",),
    "94": ("pmy",),
    "95": ("pmy",),
    "96": ("pmy",),
}
REGENCY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "35.26": ("mad",),  # Bangkalan
    "35.27": ("mad",),  # Sampang
    "35.28": ("mad",),  # Pamekasan
    "35.29": ("mad",),  # Sumenep
    "35.78": ("jv", "mad"),  # Surabaya
    "36.04": ("jv", "su"),  # Kabupaten Serang: Jawa Serang and Sunda
    "36.72": ("jv", "su"),  # Cilegon
    "36.73": ("jv", "su"),  # Kota Serang
    "52.04": ("smw",),
    "52.05": ("bhp",),
    "52.06": ("bhp",),
    "52.07": ("smw",),
    "52.72": ("bhp",),
    "53.71": ("mkn",),
    "73.71": ("mak", "bug"),
}
# Where English is offered more often (tourism, international organisations).
ENGLISH_PROVINCES = frozenset({"31", "34", "51"})

# Plausible postal code prefixes (two digits) by province, then by regency.
POSTAL_PREFIXES: dict[str, tuple[str, ...]] = {
    "11": ("23", "24"), "12": ("20", "21", "22"), "13": ("25", "26", "27"),
    "14": ("28", "29"), "15": ("36", "37"), "16": ("30", "31", "32"), "17": ("38", "39"),
    "18": ("34", "35"), "19": ("33",), "21": ("29",), "31": ("10", "11", "12", "13", "14"),
    "32": ("40", "41", "43", "44", "45", "46"), "33": ("50", "51", "52", "53", "56", "57"),
    "34": ("55",), "35": ("60", "61", "62", "63", "64", "65", "66", "67", "68", "69"),
    "36": ("42",), "51": ("80", "81", "82"), "52": ("83", "84"), "53": ("85", "86", "87"),
    "61": ("78", "79"), "62": ("73", "74"), "63": ("70", "71", "72"), "64": ("75", "76"),
    "65": ("77",), "71": ("95",), "72": ("94",), "73": ("90", "91", "92"), "74": ("93",),
    "75": ("96",), "76": ("91",), "81": ("97",), "82": ("97",), "91": ("99",),
    "92": ("98",), "93": ("99",), "94": ("98",), "95": ("99",), "96": ("98",),
}  # fmt: skip
REGENCY_POSTAL_PREFIXES = {
    "31.71": "10", "31.72": "14", "31.73": "11", "31.74": "12", "31.75": "13",
    "32.01": "16", "32.71": "16", "32.76": "16", "32.16": "17", "32.75": "17",
    "36.03": "15", "36.71": "15", "36.74": "15",
}  # fmt: skip

STREETS = (
    "Jl. Jenderal Sudirman", "Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Gatot Subroto",
    "Jl. Pahlawan", "Jl. Merdeka", "Jl. Veteran", "Jl. Pemuda", "Jl. Imam Bonjol",
    "Jl. RA Kartini", "Jl. Gajah Mada", "Jl. Hayam Wuruk", "Jl. Teuku Umar",
    "Jl. Cut Nyak Dhien", "Jl. KH Ahmad Dahlan", "Jl. Dr. Sutomo", "Jl. MH Thamrin",
    "Jl. Pattimura", "Jl. Sultan Hasanuddin", "Jl. Yos Sudarso", "Jl. Ki Hajar Dewantara",
    "Jl. Slamet Riyadi", "Jl. Ir. H. Juanda", "Jl. Urip Sumoharjo", "Jl. S. Parman",
    "Jl. Pangeran Diponegoro", "Jl. Kesehatan", "Jl. Bhayangkara", "Jl. Pendidikan",
    "Jl. Perintis Kemerdekaan", "Jl. Soekarno-Hatta", "Jl. Letjen Suprapto",
)  # fmt: skip
SIDE_STREETS = ("Jl. Melati", "Jl. Kenanga", "Jl. Mawar", "Gg. Flamboyan", "Jl. Cempaka",
                "Gg. Anggrek", "Jl. Dahlia", "Gg. Seroja")  # fmt: skip


# ---------------------------------------------------------------------------------------
# Catalogue: services by kind of institution


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    service_types: tuple[str, ...]
    problems: tuple[str, ...]
    descriptions: tuple[str, ...]
    hours: str | tuple[str, ...] = "kantor"  # a key of SCHEDULES, or keys to choose from
    fees: str = "gratis"
    eligibility: str | None = None
    application: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    accepting_referrals: bool = True
    phone: str | None = None  # "hotline" or "whatsapp": the service has its own line
    # Eligibility terms (``khusus_perempuan``, ``khusus_laki_laki``): whom it is limited to.
    eligibility_terms: tuple[str, ...] = ()


SCHEDULES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "kantor": (("MO,TU,WE,TH,FR", "08:00", "16:00"),),
    "kantor_jumat": (("MO,TU,WE,TH", "07:30", "16:00"), ("FR", "07:30", "16:30")),
    "kantor_sabtu": (("MO,TU,WE,TH,FR", "08:00", "16:00"), ("SA", "08:00", "12:00")),
    "puskesmas": (
        ("MO,TU,WE,TH", "07:30", "14:00"),
        ("FR", "07:30", "11:00"),
        ("SA", "07:30", "12:30"),
    ),
    "poli": (("MO,TU,WE,TH,FR", "08:00", "14:00"), ("SA", "08:00", "12:00")),
    "24jam": (("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),),
    "malam": (("MO,TU,WE,TH,FR,SA,SU", "18:00", "02:00"),),
    "praktik": (("MO,TU,WE,TH,FR", "09:00", "17:00"), ("SA", "09:00", "14:00")),
    "praktik_sore": (("MO,WE,FR", "16:00", "20:00"), ("SA", "09:00", "13:00")),
    "kunjungan": (("TU,TH", "09:00", "15:00"),),
}
DAY_NAMES = {"MO": "Senin", "TU": "Selasa", "WE": "Rabu", "TH": "Kamis", "FR": "Jumat",
             "SA": "Sabtu", "SU": "Minggu"}  # fmt: skip

# Lines a description may end with, chosen per service.
EXTRA_SENTENCES = (
    "Kerahasiaan data klien dijaga dan hanya dibagikan dengan persetujuan klien.",
    "Ruang layanan dapat diakses pengguna kursi roda.",
    "Klien boleh didampingi anggota keluarga atau pendamping pilihannya.",
    "Petugas perempuan tersedia bila klien memintanya.",
    "Layanan juga dapat dimulai lewat telepon atau WhatsApp.",
    "Untuk keadaan darurat di luar jam layanan, hubungi SAPA 129 atau 112.",
    "Setiap kasus dicatat dan ditindaklanjuti oleh petugas yang sama sampai selesai.",
)
CAPACITY_NOTES = (
    "Daftar tunggu 2 minggu untuk klien baru.",
    "Kuota 10 klien baru per minggu.",
    "Petugas terbatas; buat janji lewat telepon terlebih dahulu.",
    "Daftar tunggu sekitar 1 bulan, kecuali kasus darurat.",
    "Hanya 2 petugas layanan; kasus darurat didahulukan.",
)
# Kinds of institution whose services never close for a while (courts, police, hospitals),
# and kinds that may keep a waiting list.
# What a client brings, by institution kind ("bila ada": nobody is turned away for
# lacking one; a person fleeing violence often has none). Safe houses ask for nothing.
IDENTITY = "KTP atau identitas lain, bila ada"
HEALTH = (IDENTITY, "Kartu BPJS Kesehatan/KIS, bila ada", "Surat rujukan dari puskesmas, bila ada")
REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "lk3": (IDENTITY, "Kartu Keluarga (KK), bila ada"),
    "uptd_ppa": (IDENTITY, "Bukti pendukung (foto, pesan, hasil visum), bila ada"),
    "rsud": HEALTH,
    "rs_jiwa": HEALTH,
    "rs_bhayangkara": (IDENTITY, "Surat permintaan visum dari kepolisian, bila ada"),
    "puskesmas": (IDENTITY, "Kartu BPJS Kesehatan/KIS, bila ada"),
    "polisi": (IDENTITY, "Bukti pendukung (foto, pesan, nama saksi), bila ada"),
    "lbh": (
        IDENTITY,
        "Dokumen terkait perkara, bila ada",
        "Surat keterangan tidak mampu (SKTM), bila ada",
    ),
    "pengadilan_agama": ("KTP", "Buku nikah atau akta nikah", "Kartu Keluarga (KK)"),
    "puspaga": (IDENTITY,),
    "kua": ("KTP", "Kartu Keluarga (KK)", "Buku nikah"),
    "dinas_sosial": ("KTP", "Kartu Keluarga (KK)", "Surat keterangan dari kelurahan atau desa"),
    "balai": (IDENTITY, "Surat rujukan dari Dinas Sosial"),
    "psikolog": (IDENTITY,),
    "bapas": ("KTP", "Salinan putusan atau penetapan pengadilan"),
    "bnn": (IDENTITY,),
    "lsm": (IDENTITY,),
}
REQUIRED_DOCUMENTS_SHARE = 0.6
# What a location offers people with disabilities: (description, details).
ACCESSIBILITY: tuple[tuple[str, str | None], ...] = (
    ("Akses kursi roda", "Jalur landai (ramp) di pintu masuk."),
    ("Toilet ramah disabilitas", None),
    ("Juru bahasa isyarat", "Dengan perjanjian sebelumnya."),
    ("Materi informasi dalam huruf braille", None),
    ("Penerjemah bahasa daerah", "Dengan perjanjian sebelumnya."),
)
ACCESSIBILITY_SHARE = 0.5
ALWAYS_OPEN_KINDS = frozenset({"pengadilan_agama", "polisi", "rsud", "rs_jiwa", "rs_bhayangkara"})
WAITING_LIST_KINDS = frozenset({"lk3", "uptd_ppa", "puspaga", "psikolog", "lsm", "lbh", "bnn"})
CLOSED_ALERTS = (
    "Ditutup sementara karena renovasi gedung; layanan dialihkan ke kantor induk.",
    "Ditutup sementara selama konselor mengikuti pelatihan; hubungi SAPA 129 bila darurat.",
)
INACTIVE_ALERT = (
    "Layanan tidak aktif karena belum ada tenaga yang bertugas; pengaduan dialihkan ke "
    "UPTD PPA setempat."
)

APPLY_WALK_IN = (
    "Datang langsung pada jam layanan dengan membawa KTP atau KK, menelepon untuk membuat "
    "janji, atau melalui surat rujukan lembaga lain."
)
APPLY_REFERRAL_ONLY = (
    "Hanya melalui rujukan UPTD PPA, kepolisian, LK3 atau rumah sakit; tidak menerima "
    "kedatangan langsung."
)

LK3_SERVICES = (
    ServiceSpec(
        "lk3-konseling",
        "Konseling keluarga",
        ("konseling",),
        ("perceraian", "kdrt", "keluarga_retak", "masalah_psikososial", "pengasuhan"),
        (
            "Konseling tatap muka bagi pasangan suami-istri dan anggota keluarga yang "
            "mengalami konflik, ancaman perceraian atau KDRT. Sesi dipandu konselor terlatih.",
            "Sesi konseling individu, pasangan atau keluarga untuk masalah relasi, komunikasi, "
            "pengasuhan dan tekanan psikososial. Konselor membantu keluarga menemukan akar "
            "masalah dan menyusun langkah penyelesaian.",
            "Konseling keluarga oleh pekerja sosial dan konselor LK3: asesmen awal, rencana "
            "intervensi yang disepakati bersama klien, pelaksanaan dan evaluasi.",
        ),
        eligibility="Keluarga atau anggota keluarga yang tinggal di {area}; tanpa syarat "
        "penghasilan.",
        application=APPLY_WALK_IN,
        hours=("kantor", "kantor", "kantor_jumat", "kantor_sabtu"),
    ),
    ServiceSpec(
        "lk3-konsultasi",
        "Konsultasi keluarga",
        ("konsultasi",),
        ("pengasuhan", "kenakalan_remaja", "perceraian", "kemiskinan"),
        (
            "Konsultasi bagi keluarga, kelompok, masyarakat dan organisasi yang memerlukan "
            "saran tentang masalah keluarga, misalnya pengasuhan anak, kenakalan remaja atau "
            "pengelolaan ekonomi rumah tangga.",
            "Tempat bertanya dan berdiskusi tentang persoalan keluarga, secara tatap muka, "
            "lewat telepon atau pesan singkat pada jam kerja.",
        ),
        application=APPLY_WALK_IN,
        hours=("kantor", "kantor_jumat", "kantor_sabtu"),
    ),
    ServiceSpec(
        "lk3-informasi",
        "Pemberian informasi kesejahteraan keluarga",
        ("pemberian_informasi",),
        ("pengasuhan", "kemiskinan", "disabilitas", "lansia"),
        (
            "Informasi tentang program kesejahteraan sosial, bantuan sosial, jaminan kesehatan "
            "dan layanan perlindungan yang tersedia di {area}, serta cara mengaksesnya.",
            "Penyuluhan tentang ketahanan keluarga, hak anak, pencegahan KDRT dan perkawinan "
            "anak, di kantor maupun di forum warga dan majelis taklim.",
        ),
    ),
    ServiceSpec(
        "lk3-penjangkauan",
        "Penjangkauan dan bimbingan kelompok",
        ("penjangkauan",),
        ("penelantaran_anak", "anak_jalanan", "lansia", "kemiskinan", "keluarga_retak"),
        (
            "Petugas menjangkau keluarga rentan di kelurahan dan desa, menemukan kasus yang "
            "belum terlaporkan, dan mengadakan bimbingan kelompok bagi orang tua dan remaja.",
            "Kunjungan rumah dan penjangkauan ke permukiman padat untuk menemukan anak "
            "terlantar, lansia tanpa pengasuh dan keluarga dengan masalah psikososial.",
        ),
        hours="kunjungan",
    ),
    ServiceSpec(
        "lk3-perlindungan",
        "Perlindungan keluarga rentan",
        ("perlindungan",),
        ("kdrt", "penelantaran_anak", "kekerasan_anak", "tppo"),
        (
            "Perlindungan bagi keluarga dalam situasi rentan, bekerja sama dengan UPTD PPA, "
            "kepolisian dan aparat kelurahan, termasuk pengamanan sementara korban KDRT.",
            "Koordinasi perlindungan bagi anggota keluarga yang terancam kekerasan atau "
            "penelantaran, termasuk rujukan ke rumah aman bila diperlukan.",
        ),
    ),
    ServiceSpec(
        "lk3-pendampingan",
        "Pendampingan dan tindak lanjut kasus",
        ("pendampingan",),
        ("kdrt", "abh", "kekerasan_anak", "perceraian"),
        (
            "Pendampingan klien selama penanganan: ke rumah sakit untuk visum, ke kepolisian "
            "saat membuat laporan, ke pengadilan agama, lalu kunjungan tindak lanjut.",
            "Pekerja sosial mendampingi keluarga dan anak berhadapan dengan hukum (ABH) "
            "selama diversi, persidangan dan reintegrasi ke keluarga.",
        ),
    ),
    ServiceSpec(
        "lk3-rujukan",
        "Rujukan ke lembaga mitra",
        ("rujukan",),
        ("kdrt", "kekerasan_seksual", "kesehatan_jiwa", "napza", "abh"),
        (
            "Bila masalah klien memerlukan penanganan lain, LK3 merujuk ke lembaga yang "
            "sesuai (rumah sakit, psikolog, LBH, UPTD PPA, Bapas, rehabilitasi NAPZA) dan "
            "memantau hasil rujukan.",
            "Rujukan terencana ke jejaring mitra LK3 di {area}, dengan surat rujukan dan "
            "persetujuan klien. Konselor menindaklanjuti sampai rujukan diterima.",
        ),
        hours=("kantor", "kantor_jumat"),
    ),
)

UPTD_PPA_SERVICES = (
    ServiceSpec(
        "uptd-pendampingan",
        "Pendampingan korban",
        ("pendampingan", "bantuan_hukum"),
        ("kdrt", "kekerasan_seksual", "kekerasan_anak", "tppo", "abh"),
        (
            "Pendampingan hukum dan psikososial selama proses di kepolisian, kejaksaan dan "
            "pengadilan, termasuk saat pemeriksaan visum et repertum.",
            "Pendamping hukum dan pekerja sosial menemani korban sejak laporan polisi sampai "
            "putusan, dan membantu restitusi bagi korban TPPO.",
        ),
    ),
    ServiceSpec(
        "uptd-penampungan",
        "Penampungan sementara",
        ("penampungan_aman", "perlindungan"),
        ("kdrt", "kekerasan_seksual", "tppo"),
        (
            "Penampungan sementara yang aman bagi perempuan dan anak yang tidak dapat pulang. "
            "Lokasi tidak diumumkan; penerimaan melalui asesmen petugas.",
            "Tempat tinggal sementara bagi korban beserta anaknya selama proses penanganan, "
            "dengan pengamanan dan kebutuhan dasar ditanggung.",
        ),
        hours="24jam",
        application=APPLY_REFERRAL_ONLY,
    ),
    ServiceSpec(
        "uptd-psikologis",
        "Layanan psikologis korban",
        ("layanan_psikologis",),
        ("masalah_psikososial", "kekerasan_seksual", "kdrt"),
        (
            "Asesmen dan konseling psikologis oleh psikolog klinis untuk memulihkan trauma "
            "korban kekerasan.",
            "Pemulihan psikologis korban dan keluarganya: asesmen, konseling berkala dan "
            "rujukan ke psikiater bila diperlukan.",
        ),
    ),
    ServiceSpec(
        "uptd-pengaduan",
        "Pengaduan masyarakat",
        ("layanan_pengaduan", "pemberian_informasi"),
        ("kdrt", "kekerasan_seksual", "kekerasan_anak", "tppo"),
        (
            "Pengaduan kekerasan terhadap perempuan dan anak diterima langsung, lewat telepon, "
            "WhatsApp atau SAPA 129. Setiap pengaduan dicatat dan diikuti asesmen awal.",
            "Layanan pengaduan untuk korban, keluarga dan saksi kekerasan. Petugas piket "
            "menilai tingkat bahaya dan menentukan langkah penanganan.",
        ),
        hours="24jam",
        phone="hotline",
    ),
    ServiceSpec(
        "uptd-penjangkauan",
        "Penjangkauan korban",
        ("penjangkauan",),
        ("kdrt", "kekerasan_seksual", "kekerasan_anak", "perkawinan_anak"),
        (
            "Tim reaksi cepat mendatangi korban yang tidak dapat datang sendiri, bersama "
            "aparat kelurahan atau kepolisian bila diperlukan.",
            "Penjangkauan ke rumah, sekolah atau fasilitas kesehatan untuk menemui korban, "
            "menilai keselamatannya dan membawanya ke layanan yang dibutuhkan.",
        ),
    ),
    ServiceSpec(
        "uptd-mediasi",
        "Mediasi keluarga",
        ("mediasi",),
        ("kdrt", "perceraian", "pengasuhan"),
        (
            "Mediasi bagi keluarga yang berselisih, misalnya soal hak asuh atau nafkah anak, "
            "bila korban menghendakinya dan keselamatannya terjamin.",
        ),
    ),
)

RSUD_SERVICES = (
    ServiceSpec(
        "rs-ppt",
        "Pusat Pelayanan Terpadu (PPT) korban kekerasan",
        ("layanan_medis_visum", "layanan_psikologis", "rujukan"),
        ("kdrt", "kekerasan_seksual", "kekerasan_anak", "tppo"),
        (
            "Pemeriksaan medis, perawatan luka, visum et repertum atas permintaan penyidik, "
            "pencegahan kehamilan dan infeksi menular seksual setelah kekerasan seksual, serta "
            "konseling awal.",
            "PPT di lingkungan IGD menangani korban kekerasan dalam satu atap: dokter, "
            "perawat, psikolog dan pekerja sosial medis, dengan jalur cepat ke kepolisian.",
        ),
        hours="24jam",
        fees="visum",
    ),
    ServiceSpec(
        "rs-igd",
        "Instalasi Gawat Darurat (IGD)",
        ("layanan_medis_visum",),
        ("kdrt", "kekerasan_seksual", "kekerasan_anak"),
        (
            "IGD 24 jam untuk keadaan gawat darurat, termasuk korban kekerasan yang terluka. "
            "Petugas triase mengarahkan korban kekerasan ke PPT.",
        ),
        hours="24jam",
        fees="rumah_sakit",
        phone="hotline",
    ),
    ServiceSpec(
        "rs-psikologi",
        "Poliklinik psikologi",
        ("layanan_psikologis",),
        ("masalah_psikososial", "kesehatan_jiwa", "kdrt", "pengasuhan"),
        (
            "Konsultasi dan terapi oleh psikolog klinis untuk anak, remaja dan dewasa, "
            "termasuk pemulihan trauma dan masalah tumbuh kembang.",
            "Poli psikologi melayani asesmen psikologis, konseling dan psikoterapi dengan "
            "rujukan dari faskes pertama atau dari PPT.",
        ),
        hours="poli",
        fees="rumah_sakit",
    ),
    ServiceSpec(
        "rs-jiwa",
        "Poliklinik jiwa",
        ("layanan_kesehatan_jiwa",),
        ("kesehatan_jiwa", "napza", "masalah_psikososial"),
        (
            "Pemeriksaan dan pengobatan gangguan jiwa oleh psikiater, termasuk kontrol rutin "
            "ODGJ dan terapi rumatan bagi pengguna NAPZA.",
        ),
        hours="poli",
        fees="rumah_sakit",
    ),
)

RS_JIWA_SERVICES = (
    ServiceSpec(
        "rsj-poli",
        "Poliklinik jiwa dewasa dan anak",
        ("layanan_kesehatan_jiwa",),
        ("kesehatan_jiwa", "masalah_psikososial"),
        (
            "Pemeriksaan, diagnosis dan pengobatan gangguan jiwa bagi anak, remaja dan dewasa, "
            "termasuk psikoterapi dan kontrol rutin.",
        ),
        hours="poli",
        fees="rumah_sakit",
    ),
    ServiceSpec(
        "rsj-igd",
        "IGD psikiatri 24 jam",
        ("layanan_kesehatan_jiwa",),
        ("kesehatan_jiwa", "napza"),
        (
            "Penanganan kedaruratan psikiatri: gaduh gelisah, percobaan bunuh diri, intoksikasi "
            "NAPZA. ODGJ terlantar diterima bersama petugas Dinas Sosial.",
        ),
        hours="24jam",
        fees="rumah_sakit",
        phone="hotline",
    ),
    ServiceSpec(
        "rsj-napza",
        "Rehabilitasi NAPZA",
        ("rehabilitasi_napza",),
        ("napza",),
        (
            "Rehabilitasi medis rawat jalan dan rawat inap bagi pecandu NAPZA, sebagai "
            "Institusi Penerima Wajib Lapor (IPWL).",
        ),
        fees="rumah_sakit",
        minimum_age=13,
    ),
)

BHAYANGKARA_SERVICES = (
    ServiceSpec(
        "rsb-forensik",
        "PPT dan kedokteran forensik (visum)",
        ("layanan_medis_visum",),
        ("kekerasan_seksual", "kdrt", "kekerasan_anak", "tppo"),
        (
            "Pemeriksaan forensik klinik dan visum et repertum atas permintaan penyidik, "
            "dengan ruang pemeriksaan khusus bagi korban kekerasan seksual.",
        ),
        hours="24jam",
        fees="visum",
    ),
    RSUD_SERVICES[1],
)

PUSKESMAS_SERVICES = (
    ServiceSpec(
        "pkm-ktpa",
        "Pemeriksaan dan penanganan awal korban kekerasan",
        ("layanan_kesehatan_dasar", "layanan_medis_visum", "rujukan"),
        ("kdrt", "kekerasan_seksual", "kekerasan_anak"),
        (
            "Puskesmas mampu tata laksana kekerasan terhadap perempuan dan anak: pemeriksaan "
            "awal, pencatatan temuan, lalu rujukan ke RSUD untuk visum dan ke UPTD PPA.",
            "Penanganan medis awal korban kekerasan oleh dokter dan bidan terlatih, "
            "dilanjutkan rujukan ke rumah sakit dan layanan perlindungan.",
        ),
        hours="puskesmas",
        fees="puskesmas",
    ),
    ServiceSpec(
        "pkm-pkpr",
        "Pelayanan Kesehatan Peduli Remaja (PKPR)",
        ("konseling", "layanan_kesehatan_dasar"),
        ("kenakalan_remaja", "napza", "perkawinan_anak", "kesehatan_jiwa"),
        (
            "Konseling remaja tentang kesehatan reproduksi, pergaulan, NAPZA dan pencegahan "
            "perkawinan anak, di puskesmas dan di sekolah.",
            "Layanan ramah remaja: konseling sebaya, pemeriksaan kesehatan dan rujukan bila "
            "ada masalah kejiwaan atau penyalahgunaan NAPZA.",
        ),
        hours="puskesmas",
        minimum_age=10,
        maximum_age=18,
    ),
    ServiceSpec(
        "pkm-jiwa",
        "Kesehatan jiwa dasar dan kunjungan rumah ODGJ",
        ("layanan_kesehatan_jiwa", "penjangkauan"),
        ("kesehatan_jiwa",),
        (
            "Deteksi dini, pengobatan lanjutan dan kunjungan rumah bagi ODGJ, termasuk upaya "
            "bebas pasung bersama keluarga dan kader kesehatan jiwa.",
        ),
        hours="puskesmas",
    ),
)

POLICE_SERVICES = (
    ServiceSpec(
        "polisi-laporan",
        "Penerimaan laporan dan pengaduan",
        ("pelaporan_polisi",),
        ("kdrt", "kekerasan_seksual", "kekerasan_anak", "tppo"),
        (
            "Laporan dapat dibuat 24 jam melalui SPKT lalu diteruskan ke Unit PPA. Penyidik "
            "meminta visum et repertum ke rumah sakit dan memberi surat tanda penerimaan "
            "laporan.",
            "Pelaporan tindak pidana terhadap perempuan dan anak, termasuk KDRT, kekerasan "
            "seksual dan TPPO. Korban dapat melapor didampingi pendamping pilihannya.",
        ),
        hours="24jam",
        phone="hotline",
        application="Datang ke SPKT dengan membawa identitas; laporan juga dapat dijemput "
        "petugas bila korban tidak dapat datang.",
    ),
    ServiceSpec(
        "polisi-rpk",
        "Pemeriksaan di Ruang Pelayanan Khusus (RPK)",
        ("pelaporan_polisi", "perlindungan"),
        ("kekerasan_seksual", "kekerasan_anak", "abh"),
        (
            "Pemeriksaan korban dan saksi di ruang tertutup oleh penyidik perempuan; anak "
            "diperiksa dengan didampingi orang tua, pekerja sosial atau pendamping.",
        ),
    ),
    ServiceSpec(
        "polisi-abh",
        "Penanganan anak berhadapan dengan hukum (diversi)",
        ("pelaporan_polisi", "rujukan"),
        ("abh", "kenakalan_remaja"),
        (
            "Penyidikan perkara anak menurut UU Sistem Peradilan Pidana Anak, dengan upaya "
            "diversi bersama Bapas, pekerja sosial dan keluarga.",
        ),
        minimum_age=12,
        maximum_age=17,
    ),
)

LBH_SERVICES = (
    ServiceSpec(
        "lbh-konsultasi",
        "Konsultasi hukum gratis",
        ("bantuan_hukum", "konsultasi"),
        ("kdrt", "perceraian", "kekerasan_seksual", "tppo", "pekerja_migran"),
        (
            "Konsultasi hukum tanpa biaya tentang KDRT, perceraian, hak asuh, warisan dan "
            "ketenagakerjaan, tatap muka atau lewat telepon.",
            "Advokat dan paralegal menjelaskan hak klien, pilihan penyelesaian dan dokumen "
            "yang perlu disiapkan sebelum melapor atau menggugat.",
        ),
        hours=("kantor", "kantor_sabtu"),
    ),
    ServiceSpec(
        "lbh-mediasi",
        "Mediasi sengketa keluarga",
        ("mediasi",),
        ("perceraian", "pengasuhan"),
        (
            "Mediasi di luar pengadilan untuk sengketa nafkah, hak asuh dan harta bersama, "
            "dipandu mediator bersertifikat.",
        ),
    ),
    ServiceSpec(
        "lbh-litigasi",
        "Pendampingan hukum litigasi",
        ("bantuan_hukum", "pendampingan"),
        ("kdrt", "kekerasan_seksual", "abh", "perceraian"),
        (
            "Pendampingan di kepolisian, kejaksaan dan pengadilan, termasuk pembelaan anak "
            "berhadapan dengan hukum, sesuai UU No. 16 Tahun 2011 tentang Bantuan Hukum.",
            "Advokat mendampingi korban sejak pelaporan sampai putusan dan memantau "
            "pelaksanaan putusan.",
        ),
        eligibility="Warga tidak mampu dengan surat keterangan tidak mampu (SKTM) dari "
        "kelurahan/desa; korban kekerasan didahulukan.",
    ),
    ServiceSpec(
        "lbh-penyuluhan",
        "Penyuluhan hukum",
        ("pemberian_informasi",),
        ("kdrt", "perkawinan_anak", "tppo"),
        (
            "Penyuluhan hukum keliling ke desa dan sekolah tentang pencegahan KDRT, "
            "perkawinan anak dan perdagangan orang.",
        ),
        hours="kunjungan",
    ),
)

PA_SERVICES = (
    ServiceSpec(
        "pa-perkara",
        "Pendaftaran perkara perceraian dan hak asuh",
        ("layanan_peradilan",),
        ("perceraian", "pengasuhan", "kdrt"),
        (
            "Pendaftaran cerai gugat, cerai talak, hak asuh anak dan nafkah di PTSP atau "
            "melalui e-Court. Petugas meja informasi membantu menyusun gugatan.",
            "Layanan pendaftaran perkara perkawinan bagi warga beragama Islam; pihak yang "
            "tidak mampu dapat mengajukan perkara prodeo.",
        ),
        hours="kantor_jumat",
        fees="pengadilan",
        accepting_referrals=False,
        application="Datang ke Pelayanan Terpadu Satu Pintu (PTSP) dengan KTP, buku nikah "
        "dan KK, atau mendaftar lewat e-Court.",
    ),
    ServiceSpec(
        "pa-mediasi",
        "Mediasi perkara keluarga",
        ("mediasi", "layanan_peradilan"),
        ("perceraian", "pengasuhan"),
        (
            "Setiap perkara perceraian wajib menempuh mediasi lebih dahulu. Mediator hakim "
            "membantu para pihak berdamai atau menyepakati hak asuh dan nafkah anak.",
        ),
        hours="kantor_jumat",
    ),
    ServiceSpec(
        "pa-posbakum",
        "Pos Bantuan Hukum (Posbakum)",
        ("bantuan_hukum", "konsultasi"),
        ("perceraian", "kdrt"),
        (
            "Advokat piket memberi informasi, konsultasi hukum dan bantuan membuat surat "
            "gugatan bagi pencari keadilan yang tidak mampu.",
        ),
        hours="kantor_jumat",
        eligibility="Pencari keadilan yang tidak mampu membayar jasa advokat.",
    ),
    ServiceSpec(
        "pa-dispensasi",
        "Dispensasi kawin",
        ("layanan_peradilan",),
        ("perkawinan_anak",),
        (
            "Permohonan dispensasi kawin bagi calon mempelai di bawah 19 tahun. Hakim wajib "
            "mendengar anak dan mempertimbangkan rekomendasi psikolog atau UPTD PPA.",
        ),
        hours="kantor_jumat",
        fees="pengadilan",
        accepting_referrals=False,
    ),
)

PUSPAGA_SERVICES = (
    ServiceSpec(
        "puspaga-konseling",
        "Konseling keluarga dan pengasuhan",
        ("konseling",),
        ("pengasuhan", "perceraian", "kenakalan_remaja", "keluarga_retak"),
        (
            "Konseling bagi orang tua, anak dan pasangan oleh konselor dan psikolog Puspaga, "
            "untuk masalah pengasuhan, komunikasi dan relasi keluarga.",
            "Layanan konseling keluarga tanpa biaya; orang tua boleh datang bersama anak atau "
            "sendiri.",
        ),
        hours=("kantor", "kantor_sabtu", "kantor_sabtu"),
    ),
    ServiceSpec(
        "puspaga-kelas",
        "Kelas pengasuhan dan edukasi calon pengantin",
        ("edukasi_pengasuhan", "pemberian_informasi"),
        ("pengasuhan", "perkawinan_anak"),
        (
            "Kelas pengasuhan positif, pengasuhan anak usia dini dan remaja, serta edukasi "
            "pranikah bagi calon pengantin.",
            "Sesi kelompok tentang disiplin tanpa kekerasan, pengasuhan di era digital dan "
            "pencegahan perkawinan anak.",
        ),
        hours="kunjungan",
    ),
    ServiceSpec(
        "puspaga-psikologi",
        "Konsultasi psikologi keluarga",
        ("layanan_psikologis", "konsultasi"),
        ("masalah_psikososial", "pengasuhan"),
        ("Konsultasi dengan psikolog untuk masalah emosi anak, stres pengasuhan dan duka.",),
    ),
)

KUA_SERVICES = (
    ServiceSpec(
        "kua-bimwin",
        "Bimbingan perkawinan calon pengantin",
        ("bimbingan_perkawinan", "edukasi_pengasuhan"),
        ("perkawinan_anak", "perceraian"),
        (
            "Bimbingan perkawinan bagi calon pengantin: membangun keluarga sakinah, "
            "komunikasi pasangan, kesehatan reproduksi dan pengelolaan keuangan.",
        ),
        minimum_age=19,
    ),
    ServiceSpec(
        "kua-bp4",
        "Konsultasi keluarga dan mediasi BP4",
        ("konsultasi", "mediasi"),
        ("perceraian", "kdrt", "keluarga_retak"),
        (
            "Konsultasi perkawinan dan mediasi bagi pasangan yang berselisih, oleh penghulu "
            "dan penasihat BP4, sebelum perkara dibawa ke pengadilan agama.",
        ),
        hours="kantor_jumat",
    ),
)

DINSOS_SERVICES = (
    ServiceSpec(
        "dinsos-bansos",
        "Bantuan sosial dan pendataan DTSEN",
        ("bantuan_sosial", "pemberian_informasi"),
        ("kemiskinan", "lansia", "disabilitas"),
        (
            "Pendaftaran dan pemutakhiran data keluarga miskin, informasi PKH, bantuan pangan "
            "dan PBI jaminan kesehatan.",
            "Layanan usulan bantuan sosial bagi keluarga rentan, lansia dan penyandang "
            "disabilitas, dengan verifikasi oleh pendamping sosial.",
        ),
        eligibility="Warga {area} yang terdaftar dalam kartu keluarga setempat.",
        hours=("kantor", "kantor_jumat"),
    ),
    ServiceSpec(
        "dinsos-rehsos",
        "Rehabilitasi sosial dasar",
        ("rehabilitasi_sosial", "penjangkauan"),
        ("anak_jalanan", "kesehatan_jiwa", "lansia", "disabilitas", "penelantaran_anak"),
        (
            "Penjangkauan dan rehabilitasi sosial dasar bagi anak terlantar, gelandangan, ODGJ "
            "terlantar, lansia dan penyandang disabilitas.",
        ),
    ),
    ServiceSpec(
        "dinsos-abh",
        "Pendampingan sosial anak berhadapan dengan hukum",
        ("pendampingan",),
        ("abh",),
        (
            "Pekerja sosial profesional mendampingi ABH dalam diversi dan persidangan serta "
            "menyiapkan laporan sosial.",
        ),
        minimum_age=12,
        maximum_age=17,
    ),
)

BALAI_SERVICES = (
    ServiceSpec(
        "balai-atensi",
        "Asistensi rehabilitasi sosial (ATENSI)",
        ("rehabilitasi_sosial", "pendampingan"),
        ("penelantaran_anak", "abh", "anak_jalanan", "disabilitas"),
        (
            "Rehabilitasi sosial berbasis keluarga dan komunitas: dukungan pengasuhan, terapi, "
            "bantuan kebutuhan dasar dan vokasional.",
        ),
        application="Melalui rujukan Dinas Sosial, LK3, UPTD PPA, Bapas atau pengadilan.",
    ),
    ServiceSpec(
        "balai-napza",
        "Rehabilitasi sosial korban NAPZA",
        ("rehabilitasi_napza", "rehabilitasi_sosial"),
        ("napza",),
        ("Rehabilitasi sosial rawat inap dan rawat jalan bagi korban penyalahgunaan NAPZA.",),
        minimum_age=13,
    ),
    ServiceSpec(
        "balai-tppo",
        "Perlindungan dan rehabilitasi korban TPPO",
        ("perlindungan", "penampungan_aman"),
        ("tppo", "pekerja_migran"),
        (
            "Penampungan sementara, pemulihan dan pemulangan korban perdagangan orang dan "
            "pekerja migran bermasalah.",
        ),
        hours="24jam",
        application=APPLY_REFERRAL_ONLY,
    ),
)

LSM_SERVICES = {
    "perempuan": (
        ServiceSpec(
            "lsm-pendampingan",
            "Pendampingan korban kekerasan berbasis komunitas",
            ("pendampingan", "penjangkauan"),
            ("kdrt", "kekerasan_seksual", "perkawinan_anak"),
            (
                "Pendamping komunitas menemani perempuan korban kekerasan melapor, berobat dan "
                "bersidang, serta membentuk kelompok dukungan sebaya.",
            ),
            eligibility="Khusus perempuan dan anak perempuan korban kekerasan.",
            eligibility_terms=("khusus_perempuan",),
        ),
        ServiceSpec(
            "lsm-konseling",
            "Konseling perempuan",
            ("konseling",),
            ("kdrt", "masalah_psikososial", "perceraian"),
            ("Konseling oleh konselor perempuan terlatih, tatap muka atau lewat telepon.",),
            hours="kantor_sabtu",
            eligibility="Khusus perempuan.",
            eligibility_terms=("khusus_perempuan",),
        ),
        # Last, so that the services above draw the same random numbers as before.
        ServiceSpec(
            "lsm-konseling-laki-laki",
            "Konseling bagi laki-laki (berhenti dari kekerasan)",
            ("konseling",),
            ("kdrt", "keluarga_retak"),
            (
                "Konseling perorangan dan kelompok bagi suami dan ayah yang ingin berhenti "
                "berlaku kasar kepada pasangan atau anaknya, termasuk pelaku KDRT yang dirujuk "
                "pengadilan atau kepolisian.",
            ),
            hours="kantor_sabtu",
            eligibility="Khusus laki-laki dewasa.",
            minimum_age=18,
            eligibility_terms=("khusus_laki_laki",),
        ),
    ),
    "hotline": (
        ServiceSpec(
            "lsm-hotline",
            "Layanan dengar malam (hotline)",
            ("layanan_pengaduan", "konseling"),
            ("masalah_psikososial", "kdrt", "kesehatan_jiwa"),
            (
                "Relawan terlatih mendengarkan dan menenangkan penelepon yang sedang tertekan, "
                "mulai pukul 18.00 sampai 02.00 dini hari, lalu menghubungkan ke layanan "
                "lanjutan.",
            ),
            hours="malam",
            phone="hotline",
        ),
        ServiceSpec(
            "lsm-kelompok",
            "Kelompok dukungan sebaya",
            ("konseling", "penjangkauan"),
            ("masalah_psikososial", "keluarga_retak"),
            ("Pertemuan kelompok mingguan bagi penyintas kekerasan dan keluarga yang berduka.",),
            hours="kunjungan",
        ),
    ),
    "anak": (
        ServiceSpec(
            "lsm-singgah",
            "Rumah singgah anak jalanan",
            ("penjangkauan", "rehabilitasi_sosial"),
            ("anak_jalanan", "penelantaran_anak"),
            (
                "Penjangkauan anak jalanan, tempat singgah, makan, belajar dan reunifikasi "
                "dengan keluarga.",
            ),
            hours="kantor_sabtu",
            maximum_age=17,
        ),
        ServiceSpec(
            "lsm-abh",
            "Pendampingan anak berhadapan dengan hukum",
            ("pendampingan",),
            ("abh", "kenakalan_remaja"),
            ("Pendampingan ABH dan keluarganya selama diversi dan setelah putusan.",),
            minimum_age=12,
            maximum_age=17,
        ),
    ),
    "migran": (
        ServiceSpec(
            "lsm-migran",
            "Pendampingan pekerja migran dan korban TPPO",
            ("pendampingan", "bantuan_hukum"),
            ("tppo", "pekerja_migran"),
            (
                "Pengaduan dan pendampingan pekerja migran bermasalah dan korban perdagangan "
                "orang, termasuk pemulangan dan pemulihan.",
            ),
            phone="whatsapp",
        ),
        ServiceSpec(
            "lsm-migran-info",
            "Informasi migrasi aman",
            ("pemberian_informasi",),
            ("tppo", "pekerja_migran"),
            ("Penyuluhan migrasi aman dan pengecekan agen penyalur di desa-desa asal.",),
            hours="kunjungan",
        ),
    ),
}

PSIKOLOG_SERVICES = (
    ServiceSpec(
        "psi-konseling",
        "Konseling psikologis individu dan pasangan",
        ("layanan_psikologis", "konseling"),
        ("masalah_psikososial", "perceraian", "kdrt"),
        (
            "Konseling oleh psikolog klinis berizin (SIPP) untuk kecemasan, depresi, masalah "
            "pernikahan dan pemulihan setelah kekerasan.",
            "Sesi konseling 60 menit bagi individu atau pasangan; jadwal fleksibel, termasuk "
            "sore hari.",
        ),
        hours=("praktik", "praktik", "praktik_sore"),
        fees="psikolog",
    ),
    ServiceSpec(
        "psi-trauma",
        "Psikoterapi trauma",
        ("layanan_psikologis",),
        ("kekerasan_seksual", "kdrt", "masalah_psikososial"),
        (
            "Psikoterapi terfokus trauma bagi korban kekerasan seksual dan KDRT, anak maupun "
            "dewasa.",
        ),
        hours="praktik_sore",
        fees="psikolog",
    ),
    ServiceSpec(
        "psi-anak",
        "Asesmen psikologis anak dan remaja",
        ("layanan_psikologis",),
        ("kenakalan_remaja", "abh", "pengasuhan", "disabilitas"),
        (
            "Asesmen tumbuh kembang, kecerdasan dan kondisi emosi anak, termasuk asesmen untuk "
            "perkara ABH dan dispensasi kawin atas permintaan lembaga.",
        ),
        hours="praktik",
        fees="psikolog",
        minimum_age=4,
        maximum_age=18,
    ),
)

BAPAS_SERVICES = (
    ServiceSpec(
        "bapas-litmas",
        "Penelitian kemasyarakatan (litmas) dan pendampingan ABH",
        ("pembimbingan_kemasyarakatan", "pendampingan"),
        ("abh",),
        (
            "Pembimbing kemasyarakatan menyusun litmas, mendampingi anak sejak penyidikan dan "
            "mengupayakan diversi.",
        ),
        accepting_referrals=False,
        minimum_age=12,
        maximum_age=17,
        application="Atas permintaan penyidik, penuntut umum atau hakim.",
    ),
    ServiceSpec(
        "bapas-bimbingan",
        "Pembimbingan klien dan reintegrasi sosial",
        ("pembimbingan_kemasyarakatan", "rehabilitasi_sosial"),
        ("abh", "napza", "kenakalan_remaja"),
        (
            "Pembimbingan klien pemasyarakatan, termasuk anak selepas pidana, agar kembali ke "
            "keluarga, sekolah atau pekerjaan.",
        ),
    ),
)

BNN_SERVICES = (
    ServiceSpec(
        "bnn-ipwl",
        "Rehabilitasi rawat jalan (IPWL)",
        ("rehabilitasi_napza", "konseling"),
        ("napza",),
        (
            "Wajib lapor dan rehabilitasi rawat jalan bagi pecandu dan penyalah guna NAPZA: "
            "asesmen oleh dokter, konseling adiksi dan tes urine berkala. Identitas klien "
            "dirahasiakan.",
        ),
    ),
    ServiceSpec(
        "bnn-keluarga",
        "Konseling adiksi remaja dan keluarga",
        ("konseling", "edukasi_pengasuhan"),
        ("napza", "kenakalan_remaja"),
        ("Konseling bagi remaja pengguna NAPZA dan orang tuanya, serta kelas keluarga pemulihan.",),
        minimum_age=12,
    ),
)

SAFE_HOUSE_SERVICES = (
    ServiceSpec(
        "aman-penampungan",
        "Rumah aman (penampungan sementara)",
        ("penampungan_aman", "perlindungan"),
        ("kdrt", "kekerasan_seksual", "tppo", "kekerasan_anak"),
        (
            "Tempat tinggal sementara yang aman dan dirahasiakan bagi perempuan dan anak korban "
            "kekerasan dan perdagangan orang, dengan pendamping 24 jam.",
            "Rumah aman dengan pengamanan, kebutuhan dasar dan pendampingan bagi korban beserta "
            "anaknya selama proses hukum dan pemulihan.",
        ),
        hours="24jam",
        application=APPLY_REFERRAL_ONLY,
        phone="hotline",
    ),
    ServiceSpec(
        "aman-pemulihan",
        "Pemulihan psikososial penghuni",
        ("layanan_psikologis", "pendampingan"),
        ("masalah_psikososial", "kdrt"),
        ("Konseling, kegiatan kelompok dan persiapan kembali ke keluarga atau masyarakat.",),
        application=APPLY_REFERRAL_ONLY,
    ),
)


@dataclass(frozen=True)
class Kind:
    """A kind of institution: its taxonomy term, its services and how it describes itself."""

    term: str
    legal_status: str
    founded: tuple[int, int]
    descriptions: tuple[str, ...]
    services: tuple[ServiceSpec, ...]
    required: int  # the first `required` services always; the rest by chance
    optional_share: float = 0.2


KINDS: dict[str, Kind] = {
    "lk3": Kind(
        "lk3",
        "Lembaga kesejahteraan sosial di bawah pembinaan Dinas Sosial",
        (2005, 2019),
        (
            "{name} adalah Lembaga Konsultasi Kesejahteraan Keluarga yang dibina Dinas Sosial "
            "{area}. LK3 membantu keluarga menyelesaikan masalah sosial psikologis melalui "
            "konseling, konsultasi, pemberian informasi dan pendampingan, termasuk merujuk "
            "klien ke lembaga layanan lain.",
            "Lembaga di bawah pembinaan Dinas Sosial {area} yang melayani keluarga dengan "
            "masalah relasi suami-istri, pengasuhan anak, kenakalan remaja dan KDRT. Konselor "
            "dan pekerja sosial menerima klien yang datang sendiri maupun rujukan dari "
            "kelurahan, sekolah dan puskesmas.",
            "{name} melayani konsultasi kesejahteraan keluarga di {area}. Keluarga dibantu "
            "mengenali akar masalahnya, menyusun rencana bersama konselor, lalu dirujuk bila "
            "perlu ke rumah sakit, kepolisian, LBH atau UPTD PPA.",
        ),
        LK3_SERVICES,
        required=3,
        optional_share=0.15,
    ),
    "uptd_ppa": Kind(
        "uptd_ppa",
        "Unit Pelaksana Teknis Daerah",
        (2018, 2023),
        (
            "Unit Pelaksana Teknis Daerah Perlindungan Perempuan dan Anak {scope}, penerus "
            "P2TP2A. Menerima pengaduan, menjangkau korban, menyediakan penampungan sementara, "
            "mediasi dan pendampingan bagi perempuan dan anak korban kekerasan.",
            "{name} menangani kekerasan terhadap perempuan dan anak, termasuk KDRT, kekerasan "
            "seksual dan TPPO, dengan tim konselor, psikolog, pekerja sosial dan pendamping "
            "hukum.",
        ),
        UPTD_PPA_SERVICES,
        required=3,
    ),
    "rsud": Kind(
        "rumah_sakit",
        "Badan Layanan Umum Daerah (BLUD)",
        (1950, 2012),
        (
            "Rumah sakit umum daerah milik pemerintah {area}. Pusat Pelayanan Terpadu (PPT) di "
            "instalasi gawat darurat menangani korban kekerasan terhadap perempuan dan anak "
            "secara medis, psikologis dan medikolegal.",
            "{name} adalah rumah sakit rujukan di {area} dengan IGD 24 jam, poliklinik "
            "spesialis, dan Pusat Pelayanan Terpadu bagi korban kekerasan.",
        ),
        RSUD_SERVICES,
        required=2,
    ),
    "rs_jiwa": Kind(
        "rumah_sakit",
        "Badan Layanan Umum Daerah (BLUD)",
        (1923, 1985),
        (
            "Rumah sakit jiwa rujukan {scope} untuk gangguan jiwa anak, remaja dan dewasa, "
            "termasuk rehabilitasi NAPZA dan penanganan ODGJ terlantar.",
        ),
        RS_JIWA_SERVICES,
        required=2,
    ),
    "rs_bhayangkara": Kind(
        "rumah_sakit",
        "Rumah sakit Kepolisian Negara Republik Indonesia",
        (1960, 1995),
        (
            "Rumah sakit milik Polri yang menjadi rujukan pemeriksaan forensik dan visum et "
            "repertum bagi penyidik di {scope}, sekaligus melayani masyarakat umum.",
        ),
        BHAYANGKARA_SERVICES,
        required=2,
    ),
    "puskesmas": Kind(
        "puskesmas",
        "Unit Pelaksana Teknis Dinas Kesehatan",
        (1975, 2015),
        (
            "Pusat kesehatan masyarakat di Kecamatan {district}. Sebagai puskesmas mampu tata "
            "laksana kasus kekerasan terhadap perempuan dan anak, petugas memeriksa, mencatat "
            "temuan, lalu merujuk ke RSUD untuk visum dan ke UPTD PPA.",
            "{name} melayani kesehatan dasar warga Kecamatan {district}, termasuk Pelayanan "
            "Kesehatan Peduli Remaja, kesehatan jiwa dasar dan pemeriksaan awal korban "
            "kekerasan.",
        ),
        PUSKESMAS_SERVICES,
        required=1,
    ),
    "polisi": Kind(
        "unit_ppa_polri",
        "Kepolisian Negara Republik Indonesia",
        (2008, 2012),
        (
            "Unit Pelayanan Perempuan dan Anak (PPA) pada {police}. Menerima laporan tindak "
            "pidana yang melibatkan perempuan dan anak, sebagai korban maupun pelaku, di Ruang "
            "Pelayanan Khusus yang ramah anak.",
            "{name} menangani laporan KDRT, kekerasan seksual, kekerasan terhadap anak dan "
            "perdagangan orang. Penyidik perempuan tersedia, dan korban dapat didampingi "
            "petugas UPTD PPA atau LK3.",
        ),
        POLICE_SERVICES,
        required=1,
        optional_share=0.4,
    ),
    "lbh": Kind(
        "lbh",
        "Yayasan berbadan hukum, organisasi bantuan hukum terakreditasi",
        (1995, 2020),
        (
            "Lembaga bantuan hukum yang memberi bantuan hukum cuma-cuma bagi warga tidak "
            "mampu, khususnya perempuan dan anak korban kekerasan, sesuai UU No. 16 Tahun 2011 "
            "tentang Bantuan Hukum.",
            "{name} adalah organisasi bantuan hukum di {area} yang melayani konsultasi hukum, "
            "pendampingan di kepolisian dan pengadilan, serta penyelesaian sengketa keluarga di "
            "luar pengadilan.",
        ),
        LBH_SERVICES,
        required=2,
    ),
    "pengadilan_agama": Kind(
        "pengadilan_agama",
        "Badan peradilan di bawah Mahkamah Agung",
        (1957, 1995),
        (
            "Pengadilan tingkat pertama di lingkungan peradilan agama yang memeriksa perkara "
            "perkawinan, termasuk cerai gugat, cerai talak, hak asuh anak, nafkah dan "
            "dispensasi kawin, bagi warga beragama Islam di {area}.",
            "{name} melayani pendaftaran perkara secara langsung dan lewat e-Court. Setiap "
            "perkara perceraian wajib menempuh mediasi lebih dahulu, dan Posbakum tersedia bagi "
            "pihak yang tidak mampu.",
        ),
        PA_SERVICES,
        required=2,
    ),
    "puspaga": Kind(
        "puspaga",
        "Layanan Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
        (2016, 2023),
        (
            "Pusat Pembelajaran Keluarga {area}: layanan satu pintu Dinas Pemberdayaan "
            "Perempuan dan Perlindungan Anak untuk meningkatkan kualitas kehidupan keluarga "
            "melalui konseling, edukasi pengasuhan dan pemberian informasi.",
            "{name} adalah tempat belajar bagi orang tua, calon pengantin dan remaja: kelas "
            "pengasuhan, konseling keluarga oleh psikolog, dan informasi tentang hak anak.",
        ),
        PUSPAGA_SERVICES,
        required=1,
    ),
    "kua": Kind(
        "kua",
        "Instansi vertikal Kementerian Agama",
        (1960, 1995),
        (
            "Kantor Urusan Agama Kecamatan {district}, unit pelaksana Kementerian Agama yang "
            "melayani pencatatan nikah, bimbingan perkawinan dan konsultasi keluarga sakinah.",
            "{name} melayani warga Kecamatan {district}: pendaftaran dan pencatatan nikah, "
            "bimbingan perkawinan bagi calon pengantin, serta konsultasi dan mediasi keluarga "
            "melalui BP4.",
        ),
        KUA_SERVICES,
        required=1,
    ),
    "dinas_sosial": Kind(
        "dinas_sosial",
        "Perangkat daerah",
        (2000, 2017),
        (
            "Perangkat daerah yang menyelenggarakan urusan sosial di {area}: rehabilitasi "
            "sosial, perlindungan dan jaminan sosial, pemberdayaan sosial dan penanganan fakir "
            "miskin. Dinas Sosial membina LK3 dan pekerja sosial masyarakat.",
            "{name} menangani pemerlu pelayanan kesejahteraan sosial (PPKS): anak terlantar, "
            "lansia, penyandang disabilitas, ODGJ terlantar, gelandangan dan korban bencana.",
        ),
        DINSOS_SERVICES,
        required=2,
    ),
    "balai": Kind(
        "balai_kemensos",
        "Unit Pelaksana Teknis Kementerian Sosial",
        (1979, 2020),
        (
            "Sentra rehabilitasi sosial Kementerian Sosial yang melayani anak, penyandang "
            "disabilitas, korban NAPZA dan korban perdagangan orang dari beberapa provinsi.",
        ),
        BALAI_SERVICES,
        required=1,
        optional_share=0.7,
    ),
    "psikolog": Kind(
        "psikolog",
        "Praktik psikologi swasta (CV)",
        (2005, 2022),
        (
            "Biro psikologi swasta dengan psikolog klinis berizin praktik yang melayani "
            "konseling, psikoterapi dan asesmen psikologis bagi anak, remaja dan dewasa.",
            "{name} menerima klien pribadi maupun rujukan LK3, UPTD PPA dan sekolah; tarif "
            "sosial tersedia bagi klien tidak mampu.",
        ),
        PSIKOLOG_SERVICES,
        required=1,
        optional_share=0.6,
    ),
    "bapas": Kind(
        "bapas",
        "Unit Pelaksana Teknis Pemasyarakatan",
        (1970, 2005),
        (
            "Balai Pemasyarakatan yang melakukan penelitian kemasyarakatan, pendampingan dan "
            "pembimbingan klien, termasuk anak berhadapan dengan hukum, di wilayah {area} dan "
            "sekitarnya.",
        ),
        BAPAS_SERVICES,
        required=2,
    ),
    "bnn": Kind(
        "bnn",
        "Instansi vertikal Badan Narkotika Nasional",
        (2011, 2019),
        (
            "Klinik pratama di lingkungan Badan Narkotika Nasional yang menjadi Institusi "
            "Penerima Wajib Lapor (IPWL) bagi pecandu NAPZA di {area}.",
        ),
        BNN_SERVICES,
        required=1,
    ),
    # Descriptions and services of NGOs follow their theme: LSM_DESCRIPTIONS, LSM_SERVICES.
    "lsm": Kind("lsm", "Yayasan atau perkumpulan berbadan hukum", (1998, 2020), (), (), 0),
    "rumah_aman": Kind(
        "rumah_aman",
        "Yayasan berbadan hukum",
        (2008, 2021),
        (
            "Rumah aman bagi perempuan dan anak korban kekerasan dan perdagangan orang di "
            "{province}. Alamat dan lokasinya dirahasiakan demi keselamatan penghuni; "
            "penerimaan hanya melalui rujukan.",
        ),
        SAFE_HOUSE_SERVICES,
        required=1,
    ),
}

LSM_DESCRIPTIONS = {
    "perempuan": "Organisasi masyarakat sipil yang mendampingi perempuan korban kekerasan di "
    "{area} sejak lebih dari satu dasawarsa, dengan jaringan pendamping di tingkat desa.",
    "hotline": "Perkumpulan relawan yang menyediakan layanan dengar dan dukungan psikologis "
    "awal bagi warga {area} yang sedang tertekan.",
    "anak": "Yayasan yang bekerja untuk anak jalanan, anak terlantar dan anak berhadapan "
    "dengan hukum di {area}.",
    "migran": "Organisasi yang mendampingi pekerja migran, keluarganya dan korban perdagangan "
    "orang dari {area} dan sekitarnya.",
}
LSM_NAMES = {
    "perempuan": ("Yayasan Sahabat Perempuan", "Perkumpulan Suara Perempuan",
                  "Yayasan Pelita Perempuan"),
    "hotline": ("Perkumpulan Teman Dengar", "Yayasan Ruang Pulih", "Komunitas Sandaran Hati"),
    "anak": ("Yayasan Rumah Singgah Harapan", "Yayasan Peduli Anak Negeri",
             "Yayasan Tunas Bangsa Mandiri"),
    "migran": ("Yayasan Migran Berdaya", "Perkumpulan Jejak Pulang",
               "Yayasan Mitra Pekerja Migran"),
}  # fmt: skip
LBH_NAMES = ("LBH Cahaya Keadilan", "LBH Nurani Keluarga", "LBH Jembatan Keadilan",
             "LBH Pena Keadilan", "LBH Rumah Keadilan", "LBH Suara Keluarga")  # fmt: skip
PSIKOLOG_NAMES = ("Biro Psikologi Lentera", "Biro Psikologi Cakrawala", "Biro Psikologi Harmoni",
                  "Biro Psikologi Insan Cita", "Biro Psikologi Pelangi")  # fmt: skip
LK3_MOTTOS = ("Sakinah", "Harapan Keluarga", "Bina Keluarga", "Cahaya Keluarga", "Pelita",
              "Keluarga Harmonis", "Mitra Keluarga", "Rumah Kita", "Mentari")  # fmt: skip
BALAI_NAMES = ("Bina Insani", "Mulya Jaya", "Pangudi Karya", "Tumbuh Bersama", "Asih Mandiri")

# ---------------------------------------------------------------------------------------
# Which institutions go where

# Extra institutions in the big cities, besides the capital's standard set.
BIG_CITIES: dict[str, tuple[str, ...]] = {
    "31.71": ("polisi", "psikolog", "rs_bhayangkara"),
    "31.72": ("lk3", "lsm:migran"),
    "31.74": ("lk3", "lsm:hotline"),
    "31.75": ("lk3", "bapas", "balai"),
    "35.78": ("polisi", "uptd_ppa_kota", "psikolog", "rs_jiwa", "lsm:hotline"),
    "32.73": ("polisi", "uptd_ppa_kota", "lsm:perempuan", "rs_jiwa"),
    "12.71": ("polisi", "lsm:anak", "bnn"),
    "33.74": ("polisi", "psikolog", "lsm:perempuan"),
    "73.71": ("polisi", "lsm:anak", "balai", "lsm:hotline"),
    "16.71": ("polisi", "puskesmas"),
    "34.71": ("polisi", "psikolog", "lsm:hotline"),
    "51.71": ("polisi", "psikolog", "bnn"),
    "21.71": ("lk3", "lsm:migran"),
    # The test examples: Kota Serang and Kabupaten Serang, with a full mix.
    "36.73": ("polisi", "uptd_ppa_kota", "dinas_sosial", "puskesmas@Cipocok Jaya",
              "kua@Cipocok Jaya", "puskesmas@Serang", "psikolog", "bapas", "bnn",
              "lsm:perempuan"),
    "36.04": ("lk3", "uptd_ppa_kota", "rsud", "polisi", "dinas_sosial", "puspaga",
              "puskesmas@Ciruas", "puskesmas@Kragilan", "kua@Ciruas", "kua@Kramatwatu"),
}  # fmt: skip
# Provinces a Kemensos sentra serves, by the city it sits in.
BALAI_AREAS = {
    "31.75": ("31", "32", "36"),
    "32.73": ("32", "36"),
    "73.71": ("73", "72", "74", "76"),
}
# Where the Pengadilan Agama of a city also serves the surrounding regency.
COURT_AREAS = {"36.73": ("36.73", "36.04")}
# Provinces with a confidential safe house, and the regency or city it is in.
SAFE_HOUSES: dict[str, str] = {
    "36": "36.73", "31": "31.75", "32": "32.73", "33": "33.74", "34": "34.71",
    "35": "35.78", "51": "51.71", "73": "73.71", "53": "53.71", "21": "21.71",
}  # fmt: skip
# Chance that another regency of the province gets each kind of institution.
REGENCY_MIX = (
    ("polisi", 0.4),
    ("puskesmas", 0.3),
    ("kua", 0.2),
    ("rsud", 0.1),
    ("uptd_ppa_kota", 0.1),
    ("dinas_sosial", 0.05),
    ("pengadilan_agama", 0.05),
    ("puspaga", 0.05),
)
CAPITAL_SET = ("lk3", "uptd_ppa_provinsi", "rsud", "polda", "lbh", "pengadilan_agama", "puspaga")


# ---------------------------------------------------------------------------------------
# Geography helpers


def distance_km(a: RegionRow, b: RegionRow) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def short_name(regency: RegionRow) -> str:
    """``Kabupaten Serang`` -> ``Serang``; ``Kota Administrasi Jakarta Pusat`` -> ``Jakarta
    Pusat``."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        if regency.name.startswith(prefix):
            return regency.name[len(prefix) :]
    return regency.name


def area_name(regency: RegionRow) -> str:
    """How an institution names the regency or city it serves: ``Kota Serang``."""
    return regency.name.replace("Kota Administrasi ", "").replace("Kabupaten Administrasi ", "")


# A demonstration safe house lies at least this far from every published region point.
HIDDEN_CLEARANCE_M = 1_200.0


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres (enough to keep invented points apart)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


class Gazetteer:
    def __init__(self, rows: Iterable[RegionRow]) -> None:
        self.regions: dict[str, RegionRow] = {}
        self.children: dict[str, list[RegionRow]] = defaultdict(list)
        for row in rows:
            self.regions[row.code] = row
            if row.parent_code:
                self.children[row.parent_code].append(row)
        self._towns: dict[str, list[RegionRow]] = {}

    def provinces(self) -> list[RegionRow]:
        return sorted(
            (r for r in self.regions.values() if r.level == "provinsi"), key=lambda r: r.code
        )

    def province_of(self, code: str) -> RegionRow:
        return self.regions[code.split(".")[0]]

    def town_districts(self, regency_code: str) -> list[RegionRow]:
        """The regency's districts on land, nearest its seat (or the districts' medoid) first."""
        if regency_code not in self._towns:
            regency = self.regions[regency_code]
            districts = [d for d in self.children[regency_code] if d.code not in OFFSHORE_DISTRICTS]
            seat_name = SEATS.get(regency_code, short_name(regency))
            centre = next((d for d in districts if d.name == seat_name), None)
            if centre is None and districts:
                centre = min(
                    districts,
                    key=lambda d: (sum(distance_km(d, other) for other in districts), d.code),
                )
            self._towns[regency_code] = sorted(
                districts, key=lambda d: (distance_km(centre, d), d.code)
            )
        return self._towns[regency_code]

    def district_named(self, regency_code: str, name: str) -> RegionRow:
        for district in self.town_districts(regency_code):
            if district.name == name:
                return district
        raise KeyError(f"no district {name!r} on land in {regency_code}")


# ---------------------------------------------------------------------------------------
# Plans: which institution, where


@dataclass
class Plan:
    key: str
    kind: str  # a key of KINDS
    name: str
    regency: RegionRow
    district: RegionRow | None = None  # None: near the town centre, chosen by chance
    scope: str = "regency"  # "regency", "province" or "district": what it serves
    alternate_name: str | None = None
    variant: str | None = None  # LSM theme
    area_codes: tuple[str, ...] = ()  # explicit service areas
    second_location: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def police_name(regency: RegionRow) -> str:
    if regency.code in POLICE_NAMES:
        return POLICE_NAMES[regency.code]
    name = short_name(regency)
    if regency.code.startswith("31."):
        return f"Polres Metro {name}"
    if regency.code in POLRESTABES:
        return f"Polrestabes {name}"
    return f"Polresta {name}" if regency.level == "kota" else f"Polres {name}"


def province_display(province: RegionRow) -> str:
    return PROVINCE_DISPLAY.get(province.code, province.name)


def regency_plan(gaz: Gazetteer, regency: RegionRow, item: str, rng: random.Random) -> Plan:
    """One institution of kind ``item`` (e.g. ``polisi``, ``kua@Ciruas``) in a regency."""
    kind, _, where = item.partition("@")
    kind, _, variant = kind.partition(":")
    area = area_name(regency)
    short = short_name(regency)
    code = regency.code
    province = gaz.province_of(code)
    if kind in ("puskesmas", "kua"):
        district = (
            gaz.district_named(code, where) if where else rng.choice(gaz.town_districts(code)[:6])
        )
        label = "Puskesmas" if kind == "puskesmas" else "KUA Kecamatan"
        return Plan(
            f"{kind}:{district.code}", kind, f"{label} {district.name}", regency,
            district=district, scope="district",
        )  # fmt: skip
    if kind == "lk3":
        motto = rng.choice(LK3_MOTTOS)
        return Plan(f"lk3:{code}", "lk3", f"LK3 {area}", regency, alternate_name=f"LK3 {motto}")
    if kind == "uptd_ppa_kota":
        return Plan(
            f"uptd_ppa:{code}", "uptd_ppa", f"UPTD PPA {area}", regency,
            alternate_name=f"UPTD Perlindungan Perempuan dan Anak {area}",
        )  # fmt: skip
    if kind == "rsud":
        return Plan(f"rsud:{code}", "rsud", f"RSUD {area}", regency)
    if kind == "polisi":
        return Plan(
            f"polisi:{code}", "polisi", f"Unit PPA Satreskrim {police_name(regency)}", regency,
            extra={"police": f"Satuan Reserse Kriminal {police_name(regency)}"},
        )  # fmt: skip
    if kind == "pengadilan_agama":
        return Plan(
            f"pengadilan_agama:{code}", kind, f"Pengadilan Agama {short}", regency,
            area_codes=COURT_AREAS.get(code, (code,)),
        )  # fmt: skip
    if kind == "puspaga":
        return Plan(f"puspaga:{code}", kind, f"Puspaga {area}", regency,
                    alternate_name=f"Pusat Pembelajaran Keluarga {area}")  # fmt: skip
    if kind == "dinas_sosial":
        return Plan(f"dinas_sosial:{code}", kind, f"Dinas Sosial {area}", regency)
    if kind == "lbh":
        return Plan(f"lbh:{code}", kind, f"{rng.choice(LBH_NAMES)} {short}", regency)
    if kind == "psikolog":
        return Plan(f"psikolog:{code}", kind, f"{rng.choice(PSIKOLOG_NAMES)} {short}", regency)
    if kind == "lsm":
        return Plan(
            f"lsm:{variant}:{code}", "lsm", f"{rng.choice(LSM_NAMES[variant])} {short}", regency,
            variant=variant,
        )  # fmt: skip
    if kind == "bapas":
        grade = "I" if regency.code in POLRESTABES or code.startswith("31.") else "II"
        return Plan(f"bapas:{code}", kind, f"Bapas Kelas {grade} {short}", regency)
    if kind == "bnn":
        return Plan(f"bnn:{code}", kind, f"Klinik Pratama BNN {area}", regency,
                    alternate_name=f"IPWL BNN {area}")  # fmt: skip
    if kind == "balai":
        return Plan(
            f"balai:{code}", kind, f"Sentra {rng.choice(BALAI_NAMES)} di {short}", regency,
            scope="province", area_codes=BALAI_AREAS.get(code, (province.code,)),
        )  # fmt: skip
    if kind == "rs_jiwa":
        return Plan(
            f"rs_jiwa:{province.code}", kind, f"RS Jiwa Daerah {province_display(province)}",
            regency, scope="province",
        )  # fmt: skip
    if kind == "rs_bhayangkara":
        polda = POLDA.get(province.code, f"Polda {province_display(province)}")
        return Plan(f"rs_bhayangkara:{province.code}", kind, f"RS Bhayangkara {polda}", regency,
                    scope="province")  # fmt: skip
    raise ValueError(f"unknown institution kind {item!r}")


def capital_plans(gaz: Gazetteer, province: RegionRow, rng: random.Random) -> list[Plan]:
    capital = gaz.regions[CAPITALS[province.code]]
    display = province_display(province)
    plans = []
    for item in CAPITAL_SET:
        if item == "uptd_ppa_provinsi":
            plans.append(
                Plan(
                    f"uptd_ppa:{province.code}", "uptd_ppa", f"UPTD PPA Provinsi {display}",
                    capital, scope="province", second_location=True,
                    alternate_name=f"UPTD Perlindungan Perempuan dan Anak Provinsi {display}",
                )
            )  # fmt: skip
        elif item == "polda":
            polda = POLDA.get(province.code, f"Polda {display}")
            plans.append(
                Plan(
                    f"polisi:{province.code}", "polisi", f"Unit PPA Ditreskrimum {polda}",
                    capital, scope="province",
                    extra={"police": f"Direktorat Reserse Kriminal Umum {polda}"},
                )
            )  # fmt: skip
        else:
            plan = regency_plan(gaz, capital, item, rng)
            if item == "lk3":
                plan.second_location = capital.level == "kota"
            plans.append(plan)
    return plans


def other_regencies(gaz: Gazetteer, province: RegionRow, rng: random.Random) -> list[RegionRow]:
    """One regency besides the capital (none in a province without another)."""
    regencies = [
        r
        for r in gaz.children[province.code]
        if r.code != CAPITALS[province.code] and r.code not in BIG_CITIES
        and gaz.town_districts(r.code)
    ]  # fmt: skip
    return [rng.choice(regencies)] if regencies else []


def make_plans(gaz: Gazetteer) -> list[Plan]:
    plans: dict[str, Plan] = {}

    def add(plan: Plan) -> None:
        plans.setdefault(plan.key, plan)

    for province in gaz.provinces():
        rng = random.Random(f"{SEED}/province/{province.code}")
        for plan in capital_plans(gaz, province, rng):
            add(plan)
        for regency in other_regencies(gaz, province, rng):
            add(regency_plan(gaz, regency, "lk3", rng))
            for item, share in REGENCY_MIX:
                if rng.random() < share:
                    add(regency_plan(gaz, regency, item, rng))
    for code, items in BIG_CITIES.items():
        rng = random.Random(f"{SEED}/city/{code}")
        for item in items:
            add(regency_plan(gaz, gaz.regions[code], item, rng))
    for province_code, code in SAFE_HOUSES.items():
        province = gaz.regions[province_code]
        add(
            Plan(
                f"rumah_aman:{province_code}", "rumah_aman",
                f"Rumah Aman {province_display(province)}", gaz.regions[code], scope="province",
                alternate_name="Rumah Perlindungan Sementara",
            )
        )  # fmt: skip
    return list(plans.values())


# ---------------------------------------------------------------------------------------
# Building HSDS objects


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def compact(**fields: Any) -> dict[str, Any]:
    """HSDS types optional fields as plain strings and numbers: leave out what is None."""
    return {key: value for key, value in fields.items() if value is not None}


class Builder:
    def __init__(self, gaz: Gazetteer, terms: dict[str, dict[str, Any]]) -> None:
        self.gaz = gaz
        self.terms = terms
        self.next_phone = 0
        self.slugs: set[str] = set()

    # -- small pieces ---------------------------------------------------------------

    def phone(self, owner_field: str, owner_id: str, n: int, **fields: Any) -> dict[str, Any]:
        if self.next_phone > 9999:
            raise RuntimeError("out of demonstration phone numbers")
        number = f"{PHONE_PREFIX}{self.next_phone:04d}"
        self.next_phone += 1
        phone_id = stable_id(owner_id, "phone", str(n))
        return compact(id=phone_id, **{owner_field: owner_id}, number=number, **fields)

    def attribute(self, entity: str, link_id: str, code: str) -> dict[str, Any]:
        term = self.terms[code]
        return {
            "id": stable_id(link_id, "attribute", code),
            "link_id": link_id,
            "link_entity": entity,
            "taxonomy_term_id": term["id"],
            "taxonomy_term": {
                "id": term["id"],
                "name": term["name"],
                "description": term["description"],
            },
        }

    def slug_for(self, name: str, regency: RegionRow) -> str:
        slug = slugify(name, max_length=60, word_boundary=True)
        if slug in self.slugs:
            slug = slugify(f"{name} {regency.code}", max_length=60, word_boundary=True)
        if slug in self.slugs:
            raise RuntimeError(f"duplicate slug {slug}")
        self.slugs.add(slug)
        return slug

    @staticmethod
    def languages(regency: RegionRow, english: bool) -> list[str]:
        province = regency.code.split(".")[0]
        regional = REGENCY_LANGUAGES.get(regency.code, PROVINCE_LANGUAGES.get(province, ()))
        return ["id", *regional, *(["en"] if english else [])]

    @staticmethod
    def postal_code(regency: RegionRow, district: RegionRow, rng: random.Random) -> str:
        province = regency.code.split(".")[0]
        prefix = REGENCY_POSTAL_PREFIXES.get(regency.code)
        if prefix is None:
            prefixes = POSTAL_PREFIXES[province]
            prefix = prefixes[int(regency.code.split(".")[1]) % len(prefixes)]
        # Regency, then district, then kelurahan: nearby places share their first digits.
        regency_digit = int(regency.code.split(".")[1]) % 9 + 1
        district_digit = int(district.code.split(".")[2]) % 10
        return f"{prefix}{regency_digit}{district_digit}{rng.randint(1, 9)}"

    @staticmethod
    def jitter(district: RegionRow, rng: random.Random) -> tuple[float, float]:
        """The district centroid moved 50-400 m in a random direction."""
        distance = rng.uniform(50.0, MAX_JITTER_M)
        bearing = rng.uniform(0.0, 2 * math.pi)
        dlat = distance * math.cos(bearing) / 111_320.0
        metres_per_degree_lon = 111_320.0 * math.cos(math.radians(district.latitude))
        dlon = distance * math.sin(bearing) / metres_per_degree_lon
        return round(district.latitude + dlat, 6), round(district.longitude + dlon, 6)

    def hidden_point(
        self, district: RegionRow, regency: RegionRow, location_id: str
    ) -> tuple[float, float]:
        """A safe house's invented position: 1.5-5 km from its district's point, and at
        least ``HIDDEN_CLEARANCE_M`` from every published point of the gazetteer (its
        regency's at least twice that), so that no published point gives it away. Drawn
        from its own generator (seeded by its id): the other listings stay as they were."""
        own = random.Random(location_id)
        for _ in range(200):
            distance = own.uniform(1_500.0, 5_000.0)
            bearing = own.uniform(0.0, 2 * math.pi)
            latitude = district.latitude + distance * math.cos(bearing) / 111_320.0
            longitude = district.longitude + distance * math.sin(bearing) / (
                111_320.0 * math.cos(math.radians(district.latitude))
            )
            nearest = min(
                metres_between(latitude, longitude, row.latitude, row.longitude)
                for row in self.gaz.regions.values()
            )
            from_regency = metres_between(latitude, longitude, regency.latitude, regency.longitude)
            if nearest >= HIDDEN_CLEARANCE_M and from_regency >= 2 * HIDDEN_CLEARANCE_M:
                return round(latitude, 6), round(longitude, 6)
        raise RuntimeError(f"no hidden point found near {district.code}")

    def schedules(self, service_id: str, hours: str, regency: RegionRow) -> list[dict[str, Any]]:
        zone = zone_name(regency.code)
        rows = []
        for n, (byday, opens, closes) in enumerate(SCHEDULES[hours]):
            rows.append(
                {
                    "id": stable_id(service_id, "schedule", str(n)),
                    "service_id": service_id,
                    "timezone": UTC_OFFSET_HOURS[zone],
                    "freq": "WEEKLY",
                    "byday": byday,
                    "opens_at": opens,
                    "closes_at": closes,
                    "description": describe_hours(byday, opens, closes, zone),
                }
            )
        return rows

    @staticmethod
    def cost_options(
        service_id: str, fees: str, area: str, rng: random.Random
    ) -> tuple[str, list[dict[str, Any]]]:
        """(fees_description, cost_options) for a kind of fee."""
        options: list[tuple[str, int, str]]
        if fees == "gratis":
            text = rng.choice(
                (
                    "Gratis.",
                    f"Gratis, dibiayai APBD {area}.",
                    "Tidak dipungut biaya apa pun.",
                )
            )
            options = [("Gratis", 0, "Tidak dipungut biaya.")]
        elif fees == "visum":
            text = "Gratis bagi korban kekerasan; biaya visum et repertum ditanggung pemerintah."
            options = [("Gratis", 0, "Bagi korban kekerasan, dengan atau tanpa laporan polisi.")]
        elif fees == "rumah_sakit":
            amount = rng.choice((75_000, 100_000, 125_000, 150_000, 200_000))
            text = "Peserta JKN (BPJS Kesehatan) tidak membayar; pasien umum sesuai tarif Perda."
            options = [
                ("Peserta BPJS Kesehatan (JKN)", 0, "Dengan rujukan faskes tingkat pertama."),
                ("Pasien umum", amount, "Tarif sekali pemeriksaan, belum termasuk obat."),
            ]
        elif fees == "puskesmas":
            amount = rng.choice((10_000, 15_000, 20_000, 25_000))
            text = "Gratis bagi peserta JKN; pasien umum membayar retribusi."
            options = [
                ("Peserta BPJS Kesehatan (JKN)", 0, "Terdaftar di puskesmas ini."),
                ("Pasien umum", amount, "Retribusi pendaftaran dan pemeriksaan."),
            ]
        elif fees == "psikolog":
            amount = rng.choice((200_000, 250_000, 300_000, 350_000, 400_000))
            social = rng.choice((50_000, 75_000, 100_000))
            text = "Berbayar per sesi; tarif sosial bagi klien rujukan yang tidak mampu."
            options = [
                ("Sesi 60 menit", amount, "Tarif umum per sesi."),
                ("Tarif sosial", social, "Dengan surat rujukan LK3 atau UPTD PPA dan SKTM."),
            ]
        elif fees == "pengadilan":
            amount = rng.randrange(450_000, 1_250_000, 50_000)
            text = "Panjar biaya perkara dibayar lewat bank; warga tidak mampu dapat berperkara "
            text += "secara prodeo."
            options = [
                ("Panjar biaya perkara", amount, "Besarnya mengikuti radius pemanggilan."),
                ("Prodeo", 0, "Pembebasan biaya perkara bagi warga tidak mampu."),
            ]
        else:
            raise ValueError(f"unknown fee kind {fees!r}")
        return text, [
            {
                "id": stable_id(service_id, "cost_option", str(n)),
                "service_id": service_id,
                "option": option,
                "currency": "IDR",
                "amount": amount,
                "amount_description": description,
            }
            for n, (option, amount, description) in enumerate(options)
        ]

    # -- locations ------------------------------------------------------------------

    def location(
        self,
        plan: Plan,
        org_id: str,
        district: RegionRow,
        n: int,
        name: str,
        languages: Sequence[str],
        rng: random.Random,
    ) -> dict[str, Any]:
        location_id = stable_id(org_id, "location", str(n))
        latitude, longitude = self.jitter(district, rng)
        province = self.gaz.province_of(district.code)
        confidential = plan.kind == "rumah_aman"
        if confidential:
            latitude, longitude = self.hidden_point(district, plan.regency, location_id)
        if confidential:
            address_1 = (
                f"{rng.choice(SIDE_STREETS)} {rng.choice(('II', 'III', 'IV'))} "
                f"No. {rng.randint(1, 40)}, RT {rng.randint(1, 9):03d}/RW {rng.randint(1, 12):03d}"
            )
        else:
            street = rng.choice((*STREETS, f"Jl. Raya {district.name}"))
            address_1 = f"{street} No. {rng.randint(1, 250)}"
        address = {
            "id": stable_id(location_id, "address"),
            "location_id": location_id,
            "address_1": address_1,
            "city": plan.regency.name,
            "region": f"Kecamatan {district.name}",
            "state_province": province.name,
            "postal_code": self.postal_code(plan.regency, district, rng),
            "country": "ID",
            "address_type": "physical",
        }
        return compact(
            id=location_id,
            organization_id=org_id,
            location_type="physical",
            name=name,
            description=(
                None
                if confidential
                else f"Kantor di Kecamatan {district.name}, {area_name(plan.regency)}."
            ),
            latitude=latitude,
            longitude=longitude,
            addresses=[address],
            phones=[self.phone("location_id", location_id, 0, type="voice")],
            languages=[
                {
                    "id": stable_id(location_id, "language", code),
                    "location_id": location_id,
                    "name": LANGUAGE_NAMES[code],
                    "code": code,
                }
                for code in languages
            ],
            accessibility=self.accessibility(location_id, confidential),
            region_code=district.code,
            confidential=confidential,
        )

    def accessibility(self, location_id: str, confidential: bool) -> list[dict[str, Any]] | None:
        """Half the locations list what they offer people with disabilities; a safe
        house only what (no details). Drawn from a generator of the location's own, so
        the rest of the seed stays as it was."""
        rng = random.Random(f"{location_id}/accessibility")
        if rng.random() >= ACCESSIBILITY_SHARE:
            return None
        chosen = sorted(rng.sample(range(len(ACCESSIBILITY)), rng.randint(1, 3)))
        return [
            compact(
                id=stable_id(location_id, "accessibility", str(index)),
                location_id=location_id,
                description=ACCESSIBILITY[index][0],
                details=None if confidential else ACCESSIBILITY[index][1],
            )
            for index in chosen
        ]

    # -- services -------------------------------------------------------------------

    def service(
        self,
        plan: Plan,
        org: dict[str, Any],
        slug: str,
        spec: ServiceSpec,
        languages: Sequence[str],
        rng: random.Random,
    ) -> dict[str, Any]:
        org_id = org["id"]
        service_id = stable_id(org_id, "service", spec.code)
        area = area_name(plan.regency)
        province = self.gaz.province_of(plan.regency.code)
        context = {"area": area, "province": province_display(province)}
        description = rng.choice(spec.descriptions).format(**context)
        if rng.random() < 0.45:
            description += " " + rng.choice(EXTRA_SENTENCES)
        hours = spec.hours if isinstance(spec.hours, str) else rng.choice(spec.hours)
        fees = spec.fees
        if fees == "puskesmas" and int(org_id[-1], 16) % 2 == 0:
            fees = "gratis"  # about half the puskesmas charge nothing, JKN member or not
        fees_description, cost_options = self.cost_options(service_id, fees, area, rng)

        status, alert = "active", None
        roll = rng.random() if plan.kind not in ALWAYS_OPEN_KINDS else 1.0
        if roll < 0.015:
            status, alert = "temporarily closed", rng.choice(CLOSED_ALERTS)
        elif roll < 0.022:
            status, alert = "inactive", INACTIVE_ALERT
        accepting = spec.accepting_referrals and status == "active" and rng.random() >= 0.015
        capacity_note = None
        if plan.kind == "rumah_aman" and spec.code == "aman-penampungan":
            places = rng.randint(8, 20)
            free = rng.randint(0, 4)
            capacity_note = f"Kapasitas {places} orang; sisa {free} tempat."
            if free == 0:
                capacity_note = f"Kapasitas {places} orang; saat ini penuh, rujukan masuk daftar "
                capacity_note += "tunggu."
                accepting = False
        elif plan.kind in WAITING_LIST_KINDS and rng.random() < 0.15:
            capacity_note = rng.choice(CAPACITY_NOTES)

        phones = []
        if spec.phone == "hotline":
            phones.append(self.phone("service_id", service_id, 0, type="voice",
                                     description="Saluran langsung layanan"))  # fmt: skip
        if spec.phone == "whatsapp" or (spec.phone == "hotline" and rng.random() < 0.5):
            phones.append(self.phone("service_id", service_id, 1, type="text",
                                     description="WhatsApp, pesan teks"))  # fmt: skip

        areas = self.service_areas(plan)
        # The first two problems always, the others as this institution happens to list them.
        problems = [*spec.problems[:2], *(p for p in spec.problems[2:] if rng.random() < 0.25)]
        attributes = [self.attribute("service", service_id, c) for c in spec.service_types]
        attributes += [self.attribute("service", service_id, c) for c in problems]
        attributes += [self.attribute("service", service_id, c) for c in spec.eligibility_terms]
        locations = org["locations"]
        at = [locations[0]]
        if len(locations) > 1 and rng.random() < 0.5:
            at.append(locations[1])
        service_slug = slugify(spec.name, max_length=40, word_boundary=True)
        return compact(
            id=service_id,
            organization_id=org_id,
            name=spec.name,
            description=description,
            url=(
                f"https://{slug}.{MAIL_DOMAIN}/layanan/{service_slug}"
                if rng.random() < 0.3
                else None
            ),
            email=(
                f"{service_slug.split('-')[0]}@{slug}.{MAIL_DOMAIN}" if rng.random() < 0.3 else None
            ),
            status=status,
            alert=alert,
            application_process=spec.application,
            fees_description=fees_description,
            eligibility_description=(spec.eligibility or "").format(**context) or None,
            minimum_age=spec.minimum_age,
            maximum_age=spec.maximum_age,
            phones=phones,
            schedules=self.schedules(service_id, hours, plan.regency),
            service_areas=[
                {
                    "id": stable_id(service_id, "service_area", code),
                    "service_id": service_id,
                    "name": self.gaz.regions[code].name,
                    "uri": f"urn:kemendagri:{code}",
                }
                for code in areas
            ],
            languages=[
                {
                    "id": stable_id(service_id, "language", code),
                    "service_id": service_id,
                    "name": LANGUAGE_NAMES[code],
                    "code": code,
                }
                for code in languages
            ],
            cost_options=cost_options,
            required_documents=self.required_documents(plan, service_id),
            attributes=attributes,
            service_at_locations=[
                {
                    "id": stable_id(service_id, "service_at_location", location["id"]),
                    "service_id": service_id,
                    "location_id": location["id"],
                }
                for location in at
            ],
        ) | {
            # Ours, always present (None included), as the exporter writes them.
            "accepting_referrals": accepting,
            "capacity_note": capacity_note,
        }

    def required_documents(self, plan: Plan, service_id: str) -> list[dict[str, Any]] | None:
        """What a client brings, for a fair share of services (not safe houses); drawn
        from a generator of the service's own, so the rest of the seed stays as it was."""
        documents = REQUIRED_DOCUMENTS.get(plan.kind, ())
        rng = random.Random(f"{service_id}/required_documents")
        if not documents or rng.random() >= REQUIRED_DOCUMENTS_SHARE:
            return None
        return [
            {
                "id": stable_id(service_id, "required_document", str(index)),
                "service_id": service_id,
                "document": document,
            }
            for index, document in enumerate(documents)
        ]

    def service_areas(self, plan: Plan) -> tuple[str, ...]:
        """Kemendagri codes the service declares it serves."""
        if plan.area_codes:
            return plan.area_codes
        if plan.kind in ("lsm", "psikolog", "rsud", "rs_bhayangkara", "rumah_aman", "lbh"):
            return ()  # open to anyone who comes
        if plan.scope == "province":
            return (plan.regency.code.split(".")[0],)
        if plan.scope == "district" and plan.district is not None:
            return (plan.district.code,)
        return (plan.regency.code,)

    # -- organizations --------------------------------------------------------------

    def organization(self, plan: Plan) -> dict[str, Any]:
        rng = random.Random(f"{SEED}/organization/{plan.key}")
        kind = KINDS[plan.kind]
        org_id = stable_id("organization", plan.key)
        slug = self.slug_for(plan.name, plan.regency)
        province = self.gaz.province_of(plan.regency.code)
        towns = self.gaz.town_districts(plan.regency.code)
        district = plan.district or towns[min(rng.choice((0, 0, 1, 1, 2)), len(towns) - 1)]
        context = {
            "name": plan.name,
            "area": area_name(plan.regency),
            "province": province_display(province),
            "district": district.name,
            "scope": (
                f"Provinsi {province_display(province)}"
                if plan.scope == "province"
                else area_name(plan.regency)
            ),
            "police": plan.extra.get("police", ""),
        }
        if plan.kind == "lsm" and plan.variant:
            description = LSM_DESCRIPTIONS[plan.variant].format(**context)
        else:
            description = rng.choice(kind.descriptions).format(**context)
        english = rng.random() < (0.5 if province.code in ENGLISH_PROVINCES else 0.08)
        if plan.kind in ("psikolog", "lbh", "rs_bhayangkara"):
            english = english or rng.random() < 0.3
        languages = self.languages(plan.regency, english)

        org: dict[str, Any] = compact(
            id=org_id,
            name=plan.name,
            alternate_name=plan.alternate_name,
            description=f"{description} {DEMO_NOTE}",
            email=f"info@{slug}.{MAIL_DOMAIN}",
            website=f"https://{slug}.{MAIL_DOMAIN}",
            legal_status=kind.legal_status,
            year_incorporated=rng.randint(*kind.founded),
        )
        org["phones"] = [
            self.phone("organization_id", org_id, 0, type="voice", description="Kantor")
        ]
        org["contacts"] = [
            {
                "id": stable_id(org_id, "contact", "0"),
                "organization_id": org_id,
                "title": "Koordinator layanan",
                "department": "Layanan dan rujukan",
                "email": f"rujukan@{slug}.{MAIL_DOMAIN}",
            }
        ]
        # A safe house's name must not give it away: the app hides its address, not its name.
        location_name = "Lokasi layanan perlindungan" if plan.kind == "rumah_aman" else plan.name
        org["locations"] = [self.location(plan, org_id, district, 0, location_name, languages, rng)]
        if plan.second_location:
            others = [d for d in towns[1:8] if d.code != district.code]
            if others:
                post = rng.choice(others)
                org["locations"].append(
                    self.location(plan, org_id, post, 1, f"Pos layanan {post.name}", languages, rng)
                )
        specs = kind.services
        if plan.kind == "lsm" and plan.variant:
            chosen = list(LSM_SERVICES[plan.variant])
        elif plan.kind == "lk3" and plan.regency.code == CAPITALS[province.code]:
            chosen = list(specs)  # a capital's LK3 offers all seven services
        else:
            chosen = [*specs[: kind.required]]
            chosen += [
                spec for spec in specs[kind.required :] if rng.random() < kind.optional_share
            ]
        org["services"] = [self.service(plan, org, slug, spec, languages, rng) for spec in chosen]
        org["attributes"] = [
            self.attribute("organization", org_id, kind.term),
            self.attribute("organization", org_id, "data_demonstrasi"),
        ]
        return org


def describe_hours(byday: str, opens: str, closes: str, zone: str) -> str:
    """``MO,TU,WE,TH,FR`` 08:00-16:00 -> ``Senin-Jumat 08.00-16.00 WIB``."""
    days = byday.split(",")
    order = list(DAY_NAMES)
    if len(days) == 7:
        when = "Setiap hari"
    elif len(days) > 2 and order.index(days[-1]) - order.index(days[0]) == len(days) - 1:
        when = f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    else:
        when = ", ".join(DAY_NAMES[d] for d in days)
    if (opens, closes) == ("00:00", "23:59"):
        return f"{when}, 24 jam"
    text = f"{when} {opens.replace(':', '.')}-{closes.replace(':', '.')} {zone}"
    if closes < opens:
        text += " (sampai dini hari)"
    return text


# ---------------------------------------------------------------------------------------
# Taxonomy terms


def build_terms() -> list[dict[str, Any]]:
    terms = []
    for taxonomy_key, code, name, name_en, description in TERMS:
        taxonomy = TAXONOMIES[taxonomy_key]
        term_id = TERM_DEMONSTRATION_DATA if code == "data_demonstrasi" else stable_id("term", code)
        terms.append(
            {
                "id": term_id,
                "code": code,
                "name": name,
                "name_en": name_en,
                "description": description,
                "taxonomy": taxonomy["name"],
                "taxonomy_id": taxonomy["id"],
                "taxonomy_detail": {
                    "id": taxonomy["id"],
                    "name": taxonomy["name"],
                    "name_en": taxonomy["name_en"],
                    "description": taxonomy["description"],
                    "uri": f"urn:jejaring-rujukan:taxonomy:{taxonomy['code']}",
                    "version": TAXONOMY_VERSION,
                },
                "language": "id",
                "term_uri": f"urn:jejaring-rujukan:term:{taxonomy['code']}:{code}",
            }
        )
    return terms


# ---------------------------------------------------------------------------------------
# Validation and output


def validators(hsds_dir: Path) -> dict[str, jsonschema.protocols.Validator]:
    """Validators of the HSDS 3.0 schemas, with format checks (``uuid``, ``email``)."""
    registry: Registry = Registry()
    for path in sorted(hsds_dir.glob("*.json")):
        registry = registry.with_resource(
            path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")),
                                              default_specification=DRAFT202012)
        )  # fmt: skip
    result = {}
    for name, path in (
        ("organization", hsds_dir / "compiled" / "organization.json"),
        ("service", hsds_dir / "compiled" / "service.json"),
        ("taxonomy_term", hsds_dir / "taxonomy_term.json"),
    ):
        schema = json.loads(path.read_text(encoding="utf-8"))
        # No check_schema(): the published schemas are taken as they are (and checking the
        # compiled ones against the meta-schema takes seconds).
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        result[name] = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
    return result


def validate(
    organizations: list[dict[str, Any]],
    terms: list[dict[str, Any]],
    hsds_dir: Path,
) -> None:
    """Raise if any organization, service or term breaks its HSDS schema."""
    checks = validators(hsds_dir)
    problems = []
    for term in terms:
        errors = list(checks["taxonomy_term"].iter_errors(term))
        problems += [f"term {term['code']}: {e.json_path}: {e.message}" for e in errors]
    for org in organizations:
        errors = list(checks["organization"].iter_errors(org))
        problems += [f"organization {org['name']}: {e.json_path}: {e.message}" for e in errors]
        for service in org["services"]:
            errors = list(checks["service"].iter_errors(service))
            problems += [f"service {service['id']}: {e.json_path}: {e.message}" for e in errors]
    if problems:
        raise SystemExit("HSDS schema validation failed:\n" + "\n".join(problems[:50]))


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"


def generate(regions_csv: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(taxonomy terms, organizations), in a stable order."""
    gaz = Gazetteer(read_regions(regions_csv))
    terms = build_terms()
    builder = Builder(gaz, {term["code"]: term for term in terms})
    plans = sorted(make_plans(gaz), key=lambda plan: (plan.regency.code, plan.key))
    organizations = [builder.organization(plan) for plan in plans]
    return terms, organizations


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=SEED_DIR, help="folder to write to")
    parser.add_argument(
        "--hsds", type=Path, default=DEFAULT_HSDS_DIR, help="folder of the HSDS 3.0 schemas"
    )
    parser.add_argument(
        "--regions", type=Path, default=SEED_DIR / "regions.csv", help="the gazetteer"
    )
    args = parser.parse_args(argv)

    terms, organizations = generate(args.regions)
    validate(organizations, terms, args.hsds)
    args.output.mkdir(parents=True, exist_ok=True)
    for name, value in (("taxonomy_terms.json", terms), ("organizations.json", organizations)):
        (args.output / name).write_text(dump(value), encoding="utf-8", newline="\n")
    services = sum(len(org["services"]) for org in organizations)
    size = (args.output / "organizations.json").stat().st_size
    print(
        f"{len(terms)} taxonomy terms, {len(organizations)} organizations, {services} services "
        f"({size / 1e6:.1f} MB) written to {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
