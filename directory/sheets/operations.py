"""Spreadsheet onboarding, step by step: stage the sheet, confirm its column mapping (saved
for next time), check every row (values, place, duplicates), take the admin's choices,
then write the rows in batches.

Nothing of the directory changes before :func:`start`; then :func:`write_batch` writes
the next rows through the administration's own operations
(:func:`directory.admin.operations.save_organization`, ``save_location``,
``save_service``), so each new listing is audited, lands in the change log (and so in
search) and stays unverified. Each row is written in a SAVEPOINT of its own: a row the
database refuses is reported, the others stay. A row that may duplicate an organization
is skipped unless the admin chose to merge it into that organization or to add it as
new. Each function flushes; the caller commits (the command line and the page's worker
after every batch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from directory.admin import operations as admin_ops
from directory.auth.models import User
from directory.database import utcnow
from directory.extensions import db
from directory.geo.gazetteer import Gazetteer
from directory.institutions import operations as directory_writes
from directory.institutions.models import (
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_SERVICE_TYPES,
    TERM_DEMONSTRATION_DATA,
    Attribute,
    Location,
    Organization,
    Phone,
    Service,
    TaxonomyTerm,
)
from directory.sheets import mapping as mapping_rules
from directory.sheets.duplicates import ROW_PREFIX, Entry, Finder, normalize_name, regency_of
from directory.sheets.models import DONE, MAPPING, PREVIEW, RUNNING, SheetImport, SheetMapping
from directory.sheets.places import AMBIGUOUS, OK, Placer, place_key
from directory.sheets.reading import Sheet
from directory.sheets.rows import ERROR, WARNING, check_row, phone_digits

SKIP = "skip"
NEW = "new"
MERGE = "merge:"
BATCH = 100
TERM_CUTOFF = 85.0
# A row whose notes say this is demonstration data (as seed/contoh-impor-lembaga.xlsx).
DEMONSTRATION_NOTE = "data demonstrasi"
# A running import with no sign of life for this long may be resumed.
STALLED_AFTER = timedelta(minutes=2)


class MappingInvalid(Exception):
    """``codes`` say what is wrong (see :mod:`directory.sheets.messages`)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


class WrongStep(Exception):
    """The import is not at the step this action belongs to (a 409)."""


# Staging and mapping


def stage(actor: User | None, sheet: Sheet, filename: str) -> SheetImport:
    """Keep a read sheet, with the mapping saved for its headers or a suggested one."""
    headers = list(sheet.headers)
    saved = db.session.get(SheetMapping, mapping_rules.header_key(headers))
    suggested = (
        mapping_rules.applied(saved.mapping, headers) if saved else mapping_rules.suggest(headers)
    )
    staged = SheetImport(
        created_by_id=actor.id if actor is not None and actor.id else None,
        filename=filename.replace("\x00", "")[:255] or "sheet",
        status=MAPPING,
        headers=headers,
        rows=[[number, list(cells)] for number, cells in sheet.rows],
        mapping=suggested,
        choices={},
        results={},
        total=len(sheet.rows),
        processed=0,
    )
    db.session.add(staged)
    db.session.flush()
    return staged


def has_saved_mapping(staged: SheetImport) -> bool:
    return db.session.get(SheetMapping, mapping_rules.header_key(staged.headers)) is not None


def confirm_mapping(
    actor: User | None,
    staged: SheetImport,
    wanted: Mapping[str, str],
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    """Take the mapping (header -> field, empty for none), save it for the header set,
    and check every row (``progress`` is called with the rows checked).

    :raises WrongStep: the import was already confirmed.
    :raises MappingInvalid: the mapping lacks the name or a place column, or maps a field twice.
    """
    if staged.status not in (MAPPING, PREVIEW):
        raise WrongStep
    chosen = {header: field for header, field in wanted.items() if field}
    problems = mapping_rules.mapping_problems(chosen, staged.headers)
    if problems:
        raise MappingInvalid(problems)
    staged.mapping = chosen
    key = mapping_rules.header_key(staged.headers)
    saved = db.session.get(SheetMapping, key)
    if saved is None:
        saved = SheetMapping(header_key=key, mapping={})
        db.session.add(saved)
    saved.mapping = mapping_rules.to_saved(chosen)
    saved.updated_by_id = actor.id if actor is not None and actor.id else None
    staged.analysis = analyze(staged, gazetteer_regions(), progress)
    staged.choices = {"places": {}, "rows": {}}
    staged.status = PREVIEW
    db.session.flush()


def gazetteer_regions() -> Gazetteer:
    from directory.geo.geocoding import gazetteer

    return gazetteer()


# Checking


def _terms(taxonomy_id: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(TaxonomyTerm.id, TaxonomyTerm.name, TaxonomyTerm.code).where(
            TaxonomyTerm.taxonomy_id == taxonomy_id, TaxonomyTerm.active.is_(True)
        )
    )
    found = []
    for term_id, name, code in rows:
        found.append((term_id, normalize_name(name)))
        if code:
            found.append((term_id, normalize_name(code.replace("_", " "))))
    return found


def _term_for(text: str, terms: list[tuple[str, str]]) -> str | None:
    if not text or not terms:
        return None
    best = process.extractOne(normalize_name(text), [name for _, name in terms], scorer=fuzz.WRatio)
    if best is None or best[1] < TERM_CUTOFF:
        return None
    return terms[best[2]][0]


def directory_finder() -> Finder:
    """Every organization of the directory, with its regencies, phones and e-mails."""
    names = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    regencies: dict[str, set[str]] = {}
    for organization_id, code in db.session.execute(
        select(Location.organization_id, Location.region_code).where(
            Location.organization_id.is_not(None)
        )
    ):
        regency = regency_of(code)
        if regency and organization_id:
            regencies.setdefault(organization_id, set()).add(regency)
    phones: dict[str, set[str]] = {}
    owner = func.coalesce(Phone.organization_id, Service.organization_id, Location.organization_id)
    for organization_id, number in db.session.execute(
        select(owner, Phone.number)
        .outerjoin(Service, Service.id == Phone.service_id)
        .outerjoin(Location, Location.id == Phone.location_id)
    ):
        digits = phone_digits(number or "")
        if organization_id and digits:
            phones.setdefault(organization_id, set()).add(digits)
    emails: dict[str, set[str]] = {}
    for organization_id, email in db.session.execute(select(Organization.id, Organization.email)):
        if email:
            emails.setdefault(organization_id, set()).add(email.strip().lower())
    for organization_id, email in db.session.execute(
        select(Service.organization_id, Service.email)
    ):
        if email:
            emails.setdefault(organization_id, set()).add(email.strip().lower())
    return Finder(
        Entry(
            id=organization_id,
            name=name,
            regencies=frozenset(regencies.get(organization_id, ())),
            phones=frozenset(phones.get(organization_id, ())),
            emails=frozenset(emails.get(organization_id, ())),
        )
        for organization_id, name in names.items()
    )


def analyze(
    staged: SheetImport,
    gazetteer: Gazetteer,
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, Any]:
    """Check every row: values, place, institution type, duplicates."""
    placer = Placer(gazetteer.regions.values())
    finder = directory_finder()
    institution_types = _terms(TAXONOMY_INSTITUTION_TYPES)
    service_types = _terms(TAXONOMY_SERVICE_TYPES)
    columns = {
        field: staged.headers.index(header)
        for header, field in staged.mapping.items()
        if header in staged.headers
    }
    places: dict[str, Any] = {}
    rows = []
    for number, cells in staged.rows:
        raw = {
            field: cells[index] if index < len(cells) else "" for field, index in columns.items()
        }
        checked = check_row(raw)
        problems = [[p.field, p.code, p.severity, p.value] for p in checked.problems]
        values = checked.values
        key = place_key(
            values.get("district", ""), values.get("regency", ""), values.get("province", "")
        )
        placement = None
        if key.replace("|", "").strip():
            found = placer.place(
                values.get("district", ""), values.get("regency", ""), values.get("province", "")
            )
            placement = places.setdefault(
                key,
                {
                    "status": found.status,
                    "code": found.code,
                    "label": found.label,
                    "candidates": [list(c) for c in found.candidates],
                    "notes": list(found.notes),
                },
            )
            where = ", ".join(
                values[n] for n in ("district", "regency", "province") if values.get(n)
            )
            if found.status == AMBIGUOUS:
                problems.append(["regency", "place_ambiguous", ERROR, where])
            elif found.status != OK:
                if checked.latitude is None:
                    problems.append(["regency", "place_unknown", ERROR, where])
                else:
                    key = ""
            for note in found.notes:
                problems.append(["regency", note, WARNING, found.label])
        else:
            key = ""
        type_id = None
        if values.get("institution_type"):
            type_id = _term_for(values["institution_type"], institution_types)
            if type_id is None:
                problems.append(
                    ["institution_type", "type_unknown", WARNING, values["institution_type"]]
                )
        candidates = _regencies_of(placement)
        if checked.latitude is not None and not candidates:
            at = regency_of(gazetteer.district_at(checked.latitude, checked.longitude or 0.0))
            candidates = [at] if at else []
        emails = [values["email"]] if values.get("email") else []
        digits = [d for d in (phone_digits(p) for p in checked.phones) if d]
        duplicates: list[list[Any]] = []
        if values.get("name"):
            duplicates = [
                [m.id, m.name, list(m.reasons), round(m.score)]
                for m in finder.find(values["name"], candidates, digits, emails)
            ]
            if duplicates:
                problems.append(["name", "duplicate", WARNING, duplicates[0][1]])
            if not checked.has_errors:
                finder.add(
                    Entry(
                        id=f"{ROW_PREFIX}{number}",
                        name=values["name"],
                        regencies=frozenset(candidates),
                        phones=frozenset(digits),
                        emails=frozenset(emails),
                    )
                )
        rows.append(
            {
                "n": number,
                "values": values,
                "phones": checked.phones,
                "services": checked.services,
                "service_types": [_term_for(s, service_types) for s in checked.services],
                "latitude": checked.latitude,
                "longitude": checked.longitude,
                "place": key,
                "type": type_id,
                "problems": problems,
                "duplicates": duplicates,
            }
        )
        progress(1)
    return {"rows": rows, "places": places}


def _regencies_of(placement: Mapping[str, Any] | None) -> list[str]:
    if not placement:
        return []
    codes = [placement["code"]] if placement.get("code") else []
    codes += [code for code, _ in placement.get("candidates", [])]
    return [r for r in dict.fromkeys(regency_of(code) for code in codes) if r]


def has_errors(row: Mapping[str, Any]) -> bool:
    return any(p[2] == ERROR for p in row["problems"] if p[1] != "place_ambiguous")


# The admin's choices


def choose(
    staged: SheetImport,
    places: Mapping[str, str],
    rows: Mapping[str, str],
) -> list[str]:
    """Record choices: a region code per ambiguous place text, and per row with possible
    duplicates ``skip``, ``new`` or ``merge:<organization id>``. A choice that is not one
    of the row's offered options is refused; returns the refused keys.

    :raises WrongStep: the import is not waiting for choices.
    """
    if staged.status != PREVIEW or staged.analysis is None:
        raise WrongStep
    refused: list[str] = []
    known_places = staged.analysis["places"]
    kept = dict(staged.choices or {})
    place_choices = dict(kept.get("places", {}))
    for key, code in places.items():
        offered = {c for c, _ in known_places.get(key, {}).get("candidates", [])}
        if not code:
            place_choices.pop(key, None)
        elif code in offered and known_places[key]["status"] == AMBIGUOUS:
            place_choices[key] = code
        else:
            refused.append(key)
    by_number = {str(row["n"]): row for row in staged.analysis["rows"]}
    row_choices = dict(kept.get("rows", {}))
    for number, choice in rows.items():
        row = by_number.get(str(number))
        if row is None or not row["duplicates"]:
            refused.append(str(number))
            continue
        offered = {SKIP, NEW} | {
            f"{MERGE}{d[0]}" for d in row["duplicates"] if not d[0].startswith(ROW_PREFIX)
        }
        if choice in offered:
            row_choices[str(number)] = choice
        else:
            refused.append(str(number))
    staged.choices = {"places": place_choices, "rows": row_choices}
    db.session.flush()
    return refused


def decision(staged: SheetImport, row: Mapping[str, Any]) -> tuple[str, str | None]:
    """What confirming does to a row: (``create`` | ``merge`` | ``skip`` | ``error``,
    the reason or the organization merged into)."""
    if has_errors(row):
        return "error", "problems"
    choices = staged.choices or {}
    place = (staged.analysis or {}).get("places", {}).get(row["place"]) if row["place"] else None
    chosen = choices.get("places", {}).get(row["place"])
    if place is not None and place["status"] == AMBIGUOUS and not chosen:
        return "error", "place_ambiguous"
    if row["duplicates"]:
        choice = choices.get("rows", {}).get(str(row["n"]), SKIP)
        if choice == NEW:
            return "create", None
        if choice.startswith(MERGE):
            return "merge", choice[len(MERGE) :]
        return "skip", "duplicate"
    return "create", None


def counts(staged: SheetImport) -> dict[str, int]:
    """How many rows confirming would create, merge, skip, or leave out for errors."""
    found = {"create": 0, "merge": 0, "skip": 0, "error": 0}
    for row in (staged.analysis or {}).get("rows", []):
        found[decision(staged, row)[0]] += 1
    return found


# Writing


def start(staged: SheetImport) -> None:
    """Confirm: from now on rows are written.

    :raises WrongStep: not at the preview (already confirmed, or not yet mapped).
    """
    if staged.status != PREVIEW or staged.analysis is None:
        raise WrongStep
    staged.status = RUNNING
    staged.total = len(staged.analysis["rows"])
    staged.processed = 0
    staged.results = {}
    staged.heartbeat_at = utcnow()
    db.session.flush()


def is_stalled(staged: SheetImport, now: datetime | None = None) -> bool:
    if staged.status != RUNNING or staged.heartbeat_at is None:
        return False
    return (now or utcnow()) - staged.heartbeat_at > STALLED_AFTER


@dataclass
class _Context:
    actor: User
    gazetteer: Gazetteer


def write_batch(actor: User, staged: SheetImport, limit: int = BATCH) -> int:
    """Write the next ``limit`` rows; returns how many were handled (0 once done)."""
    if staged.status != RUNNING or staged.analysis is None:
        return 0
    rows = staged.analysis["rows"]
    context = _Context(actor=actor, gazetteer=gazetteer_regions())
    results = dict(staged.results or {})
    handled = 0
    while staged.processed < len(rows) and handled < limit:
        row = rows[staged.processed]
        results[str(row["n"])] = _write_row(context, staged, row)
        staged.processed += 1
        handled += 1
    staged.results = results
    staged.heartbeat_at = utcnow()
    if staged.processed >= len(rows):
        staged.status = DONE
        staged.finished_at = utcnow()
    db.session.flush()
    return handled


def _write_row(context: _Context, staged: SheetImport, row: Mapping[str, Any]) -> dict[str, Any]:
    what, detail = decision(staged, row)
    if what in ("skip", "error"):
        return {"outcome": "skipped" if what == "skip" else "error", "reason": detail}
    try:
        # The operations flush what they read back; autoflush on every query of theirs
        # would flush again and again (most of a row's time).
        with db.session.begin_nested(), db.session.no_autoflush:
            if what == "merge":
                organization = db.session.get(Organization, detail)
                if organization is None:
                    return {"outcome": "error", "reason": "merge_target_gone"}
                _merge(context, staged, row, organization)
                return {"outcome": "merged", "organization_id": organization.id}
            organization = _create(context, staged, row)
            return {"outcome": "created", "organization_id": organization.id}
    except admin_ops.RecordInvalid as error:
        return {"outcome": "error", "reason": "refused", "fields": sorted(error.fields)}
    except SQLAlchemyError as error:
        # Only this row's SAVEPOINT is undone; the next rows go on.
        return {"outcome": "error", "reason": "refused", "fields": [type(error).__name__]}


def _region_code(context: _Context, staged: SheetImport, row: Mapping[str, Any]) -> str | None:
    places = (staged.analysis or {}).get("places", {})
    place = places.get(row["place"]) if row["place"] else None
    if place is not None:
        if place["status"] == OK:
            return str(place["code"])
        chosen = (staged.choices or {}).get("places", {}).get(row["place"])
        if chosen:
            return str(chosen)
    if row.get("latitude") is not None:
        return context.gazetteer.district_at(row["latitude"], row["longitude"])
    return None


def _address(values: Mapping[str, str]) -> str:
    parts = [values.get("address", "")]
    if values.get("village"):
        parts.append(values["village"])
    return ", ".join(part for part in parts if part)


def _create(context: _Context, staged: SheetImport, row: Mapping[str, Any]) -> Organization:
    values = row["values"]
    organization = admin_ops.save_organization(
        context.actor,
        admin_ops.OrganizationData(
            name=values["name"],
            description=values.get("description", ""),
            email=values.get("email"),
            website=values.get("website"),
            institution_type_id=row.get("type"),
            phones=tuple(row["phones"]),
        ),
    )
    if values.get("alternate_name"):
        directory_writes.assign(organization, alternate_name=values["alternate_name"])
    demonstration = DEMONSTRATION_NOTE in values.get("description", "").lower()
    if demonstration and db.session.get(TaxonomyTerm, TERM_DEMONSTRATION_DATA) is not None:
        # Labelled as the seed's examples are, so `flask seed remove-demo` and the
        # production start-up check find it.
        directory_writes.add(
            db.session,
            Attribute(
                link_entity="organization",
                link_id=organization.id,
                taxonomy_term_id=TERM_DEMONSTRATION_DATA,
            ),
        )
    location = _add_location(context, staged, row, organization)
    _add_services(context, row, organization, location, existing=())
    return organization


def _add_location(
    context: _Context, staged: SheetImport, row: Mapping[str, Any], organization: Organization
) -> Location | None:
    code = _region_code(context, staged, row)
    if code is None:
        return None
    return admin_ops.save_location(
        context.actor,
        admin_ops.LocationData(
            organization_id=organization.id,
            name=organization.name,
            address=_address(row["values"]),
            region_code=code,
            latitude=row.get("latitude"),
            longitude=row.get("longitude"),
        ),
    )


def _add_services(
    context: _Context,
    row: Mapping[str, Any],
    organization: Organization,
    location: Location | None,
    existing: tuple[str, ...],
) -> None:
    """One service for the row, named after the organization, typed by the service types
    its "Layanan" cell names and described by that cell; none when merging into an
    organization that has services already."""
    if existing:
        return
    type_ids = tuple(dict.fromkeys(t for t in row.get("service_types") or [] if t))
    admin_ops.save_service(
        context.actor,
        admin_ops.ServiceData(
            organization_id=organization.id,
            name=organization.name,
            description="; ".join(row["services"]),
            service_type_ids=type_ids,
            location_ids=(location.id,) if location is not None else (),
        ),
    )


def _merge(
    context: _Context, staged: SheetImport, row: Mapping[str, Any], organization: Organization
) -> None:
    """Add to an organization what the row has and it lacks: phones, e-mail, website,
    description, institution type, a location in a new place, services by new names."""
    values = row["values"]
    own = [phone.number for phone in organization.phones]
    have = {phone_digits(number) for number in own}
    phones = own + [number for number in row["phones"] if phone_digits(number) not in have]
    admin_ops.save_organization(
        context.actor,
        admin_ops.OrganizationData(
            name=organization.name,
            description=organization.description or values.get("description", ""),
            email=organization.email or values.get("email"),
            website=organization.website or values.get("website"),
            legal_status=organization.legal_status,
            institution_type_id=admin_ops.institution_type_id(organization) or row.get("type"),
            phones=tuple(phones),
        ),
        organization,
    )
    code = _region_code(context, staged, row)
    places = {location.region_code for location in organization.locations}
    location = None
    if code is not None and code not in places:
        location = _add_location(context, staged, row, organization)
    elif organization.locations:
        location = organization.locations[0]
    _add_services(
        context,
        row,
        organization,
        location,
        existing=tuple(service.name for service in organization.services),
    )


def pending_rows(staged: SheetImport) -> int:
    return max(0, staged.total - staged.processed)


def result_counts(staged: SheetImport) -> dict[str, int]:
    found = {"created": 0, "merged": 0, "skipped": 0, "error": 0}
    for result in (staged.results or {}).values():
        found[result["outcome"]] = found.get(result["outcome"], 0) + 1
    return found


def is_open(staged: SheetImport) -> bool:
    return staged.status in (MAPPING, PREVIEW)


# A staged sheet holds contact persons' names, phones and e-mails as typed: it is kept
# while the admin works on it and a while after, for the results page, then forgotten.
STAGED_RETENTION = timedelta(days=30)


def forget_old_imports(now: datetime) -> int:
    """Delete staged sheets older than :data:`STAGED_RETENTION`, except one still being
    written (a running import with a recent heartbeat); flushed, the caller commits.
    Returns how many were deleted."""
    old = list(
        db.session.scalars(
            select(SheetImport).where(SheetImport.created_at < now - STAGED_RETENTION)
        )
    )
    forgotten = 0
    for staged in old:
        alive = staged.heartbeat_at is not None and now - staged.heartbeat_at < STALLED_AFTER
        if staged.status == RUNNING and alive:
            continue
        db.session.delete(staged)
        forgotten += 1
    db.session.flush()
    return forgotten
