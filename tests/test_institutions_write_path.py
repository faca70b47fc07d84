"""``directory.institutions.operations`` is the one write path for directory records.

Read from the source: no other module adds, deletes or bulk-writes a directory record,
and the modules that change them (admin, listings, the HSDS import, the demonstration
data) set no column of one themselves. Then, from the database: what the write path
deletes with a record is what the HSDS table says it owns, and the change log sees it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import func, select

from directory.institutions import hsds_fields
from directory.institutions import operations as directory_writes
from directory.models import (
    Accessibility,
    ChangeLogEntry,
    Contact,
    Language,
    Phone,
    RequiredDocument,
    Service,
)
from tests.factories import full_service

PACKAGE = Path(directory_writes.__file__).parents[1]
WRITE_PATH = Path(directory_writes.__file__)
MODEL_NAMES = {model.__name__ for model in directory_writes.MODELS.values()}
# The modules that change directory records (through the write path).
WRITERS = (
    "admin/operations.py",
    "listings/fields.py",
    "listings/operations.py",
    "listings/stale.py",
    "hsds/importer.py",
    "demonstration.py",
    "commands.py",
    "sheets/operations.py",
)
# Names these modules give directory records.
RECORD_NAMES = {
    "organization",
    "service",
    "location",
    "sal",
    "phone",
    "contact",
    "schedule",
    "language",
    "area",
    "address",
    "term",
    "attribute",
    "record",
}


def sources() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != WRITE_PATH
    ]


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def test_nothing_but_the_write_path_bulk_writes_a_directory_table():
    found = []
    for path, tree in sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) in ("insert", "update", "delete")
                and node.args
                and _name(node.args[0]) in MODEL_NAMES
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_nothing_but_the_write_path_adds_or_deletes_a_directory_record():
    found = []
    for path, tree in sources():
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("add", "add_all", "delete")
                and (_name(node.func.value) or "").endswith("session")
                and node.args
            ):
                continue
            argument = node.args[0]
            constructed = isinstance(argument, ast.Call) and _name(argument.func) in MODEL_NAMES
            # "record" is also what other modules call an idempotency key or a referral.
            if constructed or _name(argument) in RECORD_NAMES - {"record"}:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_the_writers_set_no_column_of_a_record_themselves():
    found = []
    for module in WRITERS:
        path = PACKAGE / module
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _name(target.value) in RECORD_NAMES:
                    found.append(f"{module}:{node.lineno}")
            if isinstance(node, ast.Call) and _name(node.func) == "setattr":
                found.append(f"{module}:{node.lineno} setattr")
    assert found == []


def test_the_writers_call_the_write_path():
    for module in WRITERS[:5]:
        text = (PACKAGE / module).read_text(encoding="utf-8")
        assert "directory_writes." in text, module


def count(model) -> int:
    from directory.extensions import db

    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_record_goes_with_the_parts_the_table_says_it_owns(db):
    service = full_service()
    db.session.commit()
    location = service.locations[0]
    entries = count(ChangeLogEntry)
    kept_phones = count(Phone) - len(service.phones) - len(location.phones)
    for contact in [*service.contacts, *location.contacts]:
        kept_phones -= len(contact.phones)

    directory_writes.remove_with_parts(db.session, "service", service)
    directory_writes.remove_with_parts(db.session, "location", location)
    db.session.commit()

    assert count(Service) == 0
    assert count(RequiredDocument) == count(Accessibility) == 0
    assert count(Phone) == kept_phones
    # Only the organization's own contact is left, and its phone languages.
    assert db.session.scalars(select(Contact.organization_id)).all() == [service.organization_id]
    assert db.session.scalars(select(Language.phone_id)).all() != []
    logged = db.session.scalars(
        select(ChangeLogEntry.entity).where(
            ChangeLogEntry.id > 0, ChangeLogEntry.operation == "delete"
        )
    ).all()
    assert {"service", "location", "required_document", "accessibility", "phone"} <= set(logged)
    assert count(ChangeLogEntry) > entries


def test_owned_references_are_the_tables_owned_lists():
    assert set(directory_writes.owned_references("service")) == {
        (directory_writes.MODELS[child.object].__tablename__, child.link)
        for child in hsds_fields.owned_parts("service")
        if child.link
    }
    assert ("required_document", "service_id") in directory_writes.owned_references("service")
    assert ("accessibility", "location_id") in directory_writes.owned_references("location")
