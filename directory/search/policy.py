"""The counsellor's ranking policy: which institution types answer which problem first.

Pure data and two small functions; no Flask, no database. A counsellor referring a
client for a problem does not want the nearest service first: the law or practice
designates who answers it (the UPTD PPA for violence against women and children, the
police's PPA unit to report it, the hospital's integrated service centre for a visum,
the religious court for a divorce, BNN/IPWL for drugs, Bapas for a child in conflict
with the law, ...). :data:`POLICY` is that table: for each problem term (by code), the
institution types (by code), the first answering first.

:func:`directory.search.ranking.rank` with ``sort="policy"`` orders services by, in turn:

1. *jurisdiction* at all: a service whose declared area, or (declaring none) whose
   location, is in the origin's regency/city or province comes before every other;
2. the *designation* (:func:`tiers`): the position of the service's institution type in
   the row of the problem it serves (several problems chosen: the best position over
   them); a type the row does not name comes after those it names;
3. the *jurisdiction level*: the origin's regency/city before its province;
4. how many of the chosen problems the service is tagged with (more first);
5. the distance.

So, for domestic violence near Kota Serang: UPTD PPA Kota Serang (the agency responsible
for the regency), UPTD PPA Provinsi Banten, the Polresta's PPA unit, the Polda's, the
RSUD's integrated centre, ...; the counsellor's own organization is left out by the
caller (``Criteria.exclude_organization_ids``), and the client's age filters by the
services' minimum and maximum age (``Criteria.client_age``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Designation:
    """One row: a problem and the institution types that answer it, first first."""

    problem: str
    institution_types: tuple[str, ...]
    # Why this order (for the README and the reader of the table; not shown to users).
    basis: str


POLICY: tuple[Designation, ...] = (
    Designation(
        "kdrt",
        (
            "uptd_ppa",
            "unit_ppa_polri",
            "rumah_sakit",
            "puskesmas",
            "lbh",
            "rumah_aman",
            "lk3",
            "puspaga",
            "psikolog",
            "lsm",
            "dinas_sosial",
        ),
        "UU 23/2004 (PKDRT) and Permen PPPA 4/2018: the UPTD PPA handles the case; the "
        "police's PPA unit takes the report; the RSUD's PPT or a puskesmas does the visum; "
        "legal aid and a safe house follow.",
    ),
    Designation(
        "kekerasan_seksual",
        (
            "uptd_ppa",
            "unit_ppa_polri",
            "rumah_sakit",
            "puskesmas",
            "rumah_aman",
            "lbh",
            "psikolog",
            "lsm",
            "lk3",
        ),
        "UU 12/2022 (TPKS): the UPTD PPA must accompany the victim; report to the PPA "
        "unit; medical care and visum first at the RSUD's PPT.",
    ),
    Designation(
        "kekerasan_anak",
        (
            "uptd_ppa",
            "unit_ppa_polri",
            "rumah_sakit",
            "puskesmas",
            "dinas_sosial",
            "psikolog",
            "lk3",
            "puspaga",
            "lsm",
        ),
        "UU 35/2014 (child protection): the UPTD PPA, the PPA unit, the hospital.",
    ),
    Designation(
        "tppo",
        (
            "uptd_ppa",
            "unit_ppa_polri",
            "rumah_aman",
            "dinas_sosial",
            "balai_kemensos",
            "lsm",
            "lbh",
        ),
        "UU 21/2007 (TPPO): the integrated service (UPTD PPA), the police, shelter.",
    ),
    Designation(
        "perceraian",
        ("pengadilan_agama", "kua", "lbh", "lk3", "puspaga", "psikolog"),
        "A divorce is filed and mediated at the Pengadilan Agama; the KUA advises couples.",
    ),
    Designation(
        "perkawinan_anak",
        ("kua", "pengadilan_agama", "uptd_ppa", "puspaga", "lk3", "dinas_sosial"),
        "UU 16/2019: the KUA refuses under 19, the Pengadilan Agama decides dispensations; "
        "the UPTD PPA protects the child.",
    ),
    Designation(
        "keluarga_retak",
        ("lk3", "puspaga", "psikolog", "kua", "pengadilan_agama"),
        "Family counselling first (LK3, Puspaga).",
    ),
    Designation(
        "pengasuhan",
        ("puspaga", "lk3", "psikolog", "dinas_sosial", "puskesmas"),
        "Puspaga is the family learning centre for parenting.",
    ),
    Designation(
        "penelantaran_anak",
        ("dinas_sosial", "uptd_ppa", "balai_kemensos", "unit_ppa_polri", "lk3", "lsm"),
        "The Dinas Sosial takes charge of a neglected child; the UPTD PPA protects.",
    ),
    Designation(
        "abh",
        (
            "bapas",
            "unit_ppa_polri",
            "dinas_sosial",
            "balai_kemensos",
            "lbh",
            "uptd_ppa",
            "psikolog",
            "lk3",
        ),
        "UU 11/2012 (SPPA): Bapas does the litmas and accompanies; the PPA unit handles "
        "diversion; the social worker of the Dinas Sosial.",
    ),
    Designation(
        "kenakalan_remaja",
        ("puspaga", "lk3", "psikolog", "puskesmas", "dinas_sosial", "bapas"),
        "Family and adolescent counselling; the puskesmas' youth service (PKPR).",
    ),
    Designation(
        "kesehatan_jiwa",
        ("rumah_sakit", "puskesmas", "psikolog", "dinas_sosial", "balai_kemensos", "lk3"),
        "UU 18/2014 (mental health): hospital and puskesmas; social rehabilitation after.",
    ),
    Designation(
        "napza",
        ("bnn", "rumah_sakit", "balai_kemensos", "puskesmas", "dinas_sosial", "lsm"),
        "UU 35/2009 (narcotics): BNN clinics and IPWL, RSJ/RSUD, Kemensos rehabilitation.",
    ),
    Designation(
        "pekerja_migran",
        ("dinas_sosial", "uptd_ppa", "lsm", "lbh", "balai_kemensos", "unit_ppa_polri"),
        "Repatriated migrant workers: the Dinas Sosial, the UPTD PPA for women.",
    ),
    Designation(
        "disabilitas",
        ("dinas_sosial", "balai_kemensos", "puskesmas", "rumah_sakit", "lsm", "lk3"),
        "UU 8/2016 (disability): social services and Kemensos rehabilitation centres.",
    ),
    Designation(
        "lansia",
        ("dinas_sosial", "balai_kemensos", "puskesmas", "lsm", "lk3"),
        "Neglected elderly: the Dinas Sosial and Kemensos centres.",
    ),
    Designation(
        "kemiskinan",
        ("dinas_sosial", "lk3", "balai_kemensos", "lsm"),
        "Social assistance (DTSEN) goes through the Dinas Sosial.",
    ),
    Designation(
        "anak_jalanan",
        ("dinas_sosial", "balai_kemensos", "lsm", "lk3", "uptd_ppa"),
        "Street children: the Dinas Sosial, Kemensos centres, shelters of NGOs.",
    ),
    Designation(
        "masalah_psikososial",
        ("lk3", "psikolog", "puspaga", "puskesmas", "rumah_sakit", "lsm"),
        "Psychosocial distress: the LK3's own counselling, psychologists.",
    ),
)

BY_PROBLEM: dict[str, Designation] = {row.problem: row for row in POLICY}


def tiers(
    problem_term_ids: Iterable[str], code_of: Mapping[str, str], id_of: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    """Problem term id -> {institution-type term id -> position (0 first)}, for the
    problems that have a row; ``code_of`` maps term ids to codes, ``id_of`` codes to ids
    (institution types the database does not hold are skipped)."""
    found: dict[str, dict[str, int]] = {}
    for problem_id in problem_term_ids:
        row = BY_PROBLEM.get(code_of.get(problem_id, ""))
        if row is None:
            continue
        found[problem_id] = {
            id_of[code]: position
            for position, code in enumerate(row.institution_types)
            if code in id_of
        }
    return found


def unranked_tier(by_problem: Mapping[str, Mapping[str, int]]) -> int:
    """The position given to a type no row names: after every named one. (After the last
    position, not the number of types held: a database need not hold every type a row
    names, and the UPTD PPA's position stays the one the row gives it.)"""
    return max((max(row.values(), default=-1) + 1 for row in by_problem.values()), default=0)
