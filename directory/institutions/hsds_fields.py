"""The one HSDS table: every object the directory holds, its fields and its children.

Read by the serializer (``directory.hsds.serialize``: which keys, in which order), the
importer (``directory.hsds.importer``: which keys are read, which references resolved,
what nests in what), the exporter (``directory.hsds.exporter``: the CSV files and their
columns) and the one write path (``directory.institutions.operations``: what is deleted
with a record). ``tests/test_hsds_fields.py`` checks it against the standard's
``simple/schema.csv`` and JSON schemas (vendored in ``tests/vendor/hsds-3.0``): every
field is one of the standard's or a declared extension (:data:`EXTENSIONS`), in the
standard's order.

Order of an object's keys: its own fields in the order of ``simple/schema.csv`` (a field
the JSON schema has and the CSV list lacks, such as ``wait_time`` or ``last_modified``,
where the JSON schema puts it), then our extensions, then its children in the order of
``simple/schema.csv``, then ``metadata``; children the standard nests only in its compiled
answers (an organization's ``services``, a service at location's ``service``) come last.

Public or not: what a confidential location (safe house) withholds is decided by
:mod:`directory.geo.confidential` (``WITHHELD_LOCATION_FIELDS``,
``WITHHELD_ACCESSIBILITY_FIELDS``); :func:`withheld_at_confidential` reads it from there.

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from directory.geo import confidential

# Keys of ours, beyond HSDS 3.0, by object.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "location": ("region_code", "confidential"),
    "service": ("accepting_referrals", "capacity_note"),
    "taxonomy": ("name_en",),
    "taxonomy_term": ("name_en",),
}


@dataclass(frozen=True)
class Field:
    """A scalar key. ``type`` is the JSON type of the standard's schema (for an
    extension: ours). ``column``: the model attribute, when it is not ``name``; ``None``
    for a key computed on output and never read (``last_modified``). ``ref``: the object
    (or ``"region"``, a Kemendagri code) the value names; ``required``: a record whose
    reference cannot be resolved is refused (else the reference is left out)."""

    name: str
    type: str = "string"
    column: str | None = ""
    ref: str | None = None
    required: bool = False
    extension: bool = False

    @property
    def attribute(self) -> str | None:
        return self.name if self.column == "" else self.column

    @property
    def is_id(self) -> bool:
        return self.name == "id" or self.ref is not None


@dataclass(frozen=True)
class Child:
    """A nested object or list. ``link``: the child's column naming this object
    (``None`` for attributes, linked by ``link_entity`` and ``link_id``; for a
    one-to-one nest, ``column`` is this object's column holding the child's id).
    ``owned``: deleted with this object. ``served``: written in answers and exports
    (``False``: read on import only). ``reference``: a one-to-one nest created when
    unknown, never updated. ``csv_name``: the name ``simple/schema.csv`` gives the key
    when it differs (the standard's CSV list pluralizes mechanically: ``addresss``)."""

    key: str
    object: str
    link: str | None = None
    many: bool = True
    owned: bool = True
    served: bool = True
    column: str | None = None
    required: bool = False
    reference: bool = False
    aliases: tuple[str, ...] = ()
    csv_name: str | None = None
    # Nested only in the standard's compiled answers, not in ``simple/schema.csv``.
    compiled_only: bool = False


@dataclass(frozen=True)
class HsdsObject:
    name: str
    fields: tuple[Field, ...]
    children: tuple[Child, ...] = ()
    # CSV file names accepted on import, the first being the one the export writes.
    csv_files: tuple[str, ...] = ()
    # Where a CSV row hangs: the first of these foreign keys naming a row of the folder.
    csv_parents: tuple[tuple[str, str], ...] = ()
    # The standard gives it ``metadata`` and we serve it.
    serves_metadata: bool = False

    def field(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)

    @property
    def columns(self) -> tuple[str, ...]:
        """Its CSV columns: its own fields, extensions last."""
        return tuple(field.name for field in self.fields)

    @property
    def stored(self) -> tuple[Field, ...]:
        """Fields read on import into a column of its own (not ids, not references)."""
        return tuple(f for f in self.fields if not f.is_id and f.attribute is not None)

    @property
    def refs(self) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if field.ref is not None)

    def child(self, key: str) -> Child:
        return next(child for child in self.children if child.key == key)


def _id(ref: str, required: bool = False) -> Field:
    return Field(f"{ref}_id", ref=ref, required=required)


def _ext(name: str, type: str = "string") -> Field:
    return Field(name, type, extension=True)


def _attributes(served: bool = True) -> Child:
    return Child("attributes", "attribute", served=served)


ID = Field("id")

OBJECTS: dict[str, HsdsObject] = {
    obj.name: obj
    for obj in (
        HsdsObject(
            "taxonomy",
            (
                ID,
                Field("name"),
                Field("description"),
                Field("uri"),
                Field("version"),
                _ext("name_en"),
            ),
            csv_files=("taxonomies.csv", "taxonomy.csv"),
        ),
        HsdsObject(
            "taxonomy_term",
            (
                ID,
                Field("code"),
                Field("name"),
                Field("description"),
                Field("parent_id", ref="taxonomy_term"),
                Field("taxonomy", column="taxonomy_name"),
                Field("language"),
                _id("taxonomy"),
                Field("term_uri"),
                _ext("name_en"),
            ),
            children=(
                Child(
                    "taxonomy_detail",
                    "taxonomy",
                    many=False,
                    owned=False,
                    column="taxonomy_id",
                    compiled_only=True,
                ),
            ),
            csv_files=("taxonomy_terms.csv", "taxonomy_term.csv"),
        ),
        HsdsObject(
            "organization",
            (
                ID,
                Field("name"),
                Field("alternate_name"),
                Field("description"),
                Field("email"),
                Field("website"),
                Field("year_incorporated", "number"),
                Field("legal_status"),
                Field("logo"),
                Field("uri"),
                Field("parent_organization_id", ref="organization"),
            ),
            children=(
                Child("organization_identifiers", "organization_identifier", "organization_id"),
                Child("programs", "program", "organization_id"),
                Child("contacts", "contact", "organization_id"),
                Child("locations", "location", "organization_id", owned=False),
                Child("funding", "funding", "organization_id", csv_name="fundings"),
                Child("phones", "phone", "organization_id"),
                _attributes(),
                Child("services", "service", "organization_id", owned=False, compiled_only=True),
            ),
            csv_files=("organizations.csv", "organization.csv"),
            serves_metadata=True,
        ),
        HsdsObject(
            "organization_identifier",
            (
                ID,
                _id("organization", required=True),
                Field("identifier_scheme"),
                Field("identifier_type"),
                Field("identifier"),
            ),
            csv_files=("organization_identifiers.csv", "organization_identifier.csv"),
            csv_parents=(("organization_id", "organization"),),
        ),
        HsdsObject(
            "program",
            (
                ID,
                _id("organization", required=True),
                Field("name"),
                Field("alternate_name"),
                Field("description"),
            ),
            csv_files=("programs.csv", "program.csv"),
            csv_parents=(("organization_id", "organization"),),
        ),
        HsdsObject(
            "service",
            (
                ID,
                _id("organization", required=True),
                _id("program"),
                Field("name"),
                Field("alternate_name"),
                Field("description"),
                Field("url"),
                Field("email"),
                Field("status"),
                Field("interpretation_services"),
                Field("application_process"),
                Field("fees_description"),
                Field("wait_time"),
                Field("accreditations"),
                Field("eligibility_description"),
                Field("minimum_age", "number"),
                Field("maximum_age", "number"),
                Field("assured_date"),
                Field("assurer_email"),
                Field("alert"),
                Field("last_modified", column=None),
                _ext("accepting_referrals", "boolean"),
                _ext("capacity_note"),
            ),
            children=(
                Child("schedules", "schedule", "service_id"),
                Child("languages", "language", "service_id"),
                Child("program", "program", many=False, owned=False, column="program_id"),
                Child("funding", "funding", "service_id", csv_name="fundings"),
                Child("required_documents", "required_document", "service_id"),
                Child("service_at_locations", "service_at_location", "service_id"),
                Child("phones", "phone", "service_id"),
                Child(
                    "organization",
                    "organization",
                    many=False,
                    owned=False,
                    column="organization_id",
                    required=True,
                ),
                Child("contacts", "contact", "service_id"),
                Child("cost_options", "cost_option", "service_id"),
                Child("service_areas", "service_area", "service_id"),
                _attributes(),
            ),
            csv_files=("services.csv", "service.csv"),
            csv_parents=(("organization_id", "organization"),),
        ),
        HsdsObject(
            "service_at_location",
            (
                ID,
                _id("service", required=True),
                _id("location", required=True),
                Field("description"),
            ),
            children=(
                Child("phones", "phone", "service_at_location_id"),
                Child(
                    "location",
                    "location",
                    many=False,
                    owned=False,
                    column="location_id",
                    required=True,
                ),
                Child("contacts", "contact", "service_at_location_id"),
                Child("schedules", "schedule", "service_at_location_id"),
                _attributes(served=False),
                Child(
                    "service",
                    "service",
                    many=False,
                    owned=False,
                    column="service_id",
                    required=True,
                    compiled_only=True,
                ),
            ),
            csv_files=("service_at_location.csv", "service_at_locations.csv"),
            csv_parents=(("service_id", "service"),),
        ),
        HsdsObject(
            "location",
            (
                ID,
                Field("location_type"),
                Field("url"),
                _id("organization"),
                Field("name"),
                Field("alternate_name"),
                Field("description"),
                Field("transportation"),
                Field("latitude", "number"),
                Field("longitude", "number"),
                Field("external_identifier"),
                Field("external_identifier_type"),
                Field("region_code", ref="region", extension=True),
                _ext("confidential", "boolean"),
            ),
            children=(
                Child("phones", "phone", "location_id"),
                Child("accessibility", "accessibility", "location_id", csv_name="accessibilitys"),
                Child("contacts", "contact", "location_id"),
                Child("schedules", "schedule", "location_id"),
                Child("languages", "language", "location_id"),
                Child(
                    "addresses",
                    "address",
                    "location_id",
                    aliases=("addresss",),
                    csv_name="addresss",
                ),
                _attributes(served=False),
            ),
            csv_files=("locations.csv", "location.csv"),
            csv_parents=(("organization_id", "organization"),),
        ),
        HsdsObject(
            "accessibility",
            (
                ID,
                _id("location", required=True),
                Field("description"),
                Field("details"),
                Field("url"),
            ),
            csv_files=("accessibility.csv", "accessibilities.csv"),
            csv_parents=(("location_id", "location"),),
        ),
        HsdsObject(
            "phone",
            (
                ID,
                _id("location"),
                _id("service"),
                _id("organization"),
                _id("contact"),
                _id("service_at_location"),
                Field("number"),
                Field("extension", "number"),
                Field("type"),
                Field("description"),
            ),
            children=(Child("languages", "language", "phone_id"),),
            csv_files=("phones.csv", "phone.csv"),
            csv_parents=(
                ("service_at_location_id", "service_at_location"),
                ("contact_id", "contact"),
                ("service_id", "service"),
                ("location_id", "location"),
                ("organization_id", "organization"),
            ),
        ),
        HsdsObject(
            "contact",
            (
                ID,
                _id("organization"),
                _id("service"),
                _id("service_at_location"),
                _id("location"),
                Field("name"),
                Field("title"),
                Field("department"),
                Field("email"),
            ),
            children=(Child("phones", "phone", "contact_id"),),
            csv_files=("contacts.csv", "contact.csv"),
            csv_parents=(
                ("service_at_location_id", "service_at_location"),
                ("service_id", "service"),
                ("location_id", "location"),
                ("organization_id", "organization"),
            ),
        ),
        HsdsObject(
            "address",
            (
                ID,
                _id("location", required=True),
                Field("attention"),
                Field("address_1"),
                Field("address_2"),
                Field("city"),
                Field("region"),
                Field("state_province"),
                Field("postal_code"),
                Field("country"),
                Field("address_type"),
            ),
            csv_files=("addresses.csv", "address.csv"),
            csv_parents=(("location_id", "location"),),
        ),
        HsdsObject(
            "schedule",
            (
                ID,
                _id("service"),
                _id("location"),
                _id("service_at_location"),
                Field("valid_from"),
                Field("valid_to"),
                Field("dtstart"),
                Field("timezone", "number"),
                Field("until"),
                Field("count", "number"),
                Field("wkst"),
                Field("freq"),
                Field("interval", "number"),
                Field("byday"),
                Field("byweekno"),
                Field("bymonthday"),
                Field("byyearday"),
                Field("description"),
                Field("opens_at"),
                Field("closes_at"),
                Field("schedule_link"),
                Field("attending_type"),
                Field("notes"),
            ),
            csv_files=("schedules.csv", "schedule.csv"),
            csv_parents=(
                ("service_at_location_id", "service_at_location"),
                ("service_id", "service"),
                ("location_id", "location"),
            ),
        ),
        HsdsObject(
            "funding",
            (ID, _id("organization"), _id("service"), Field("source")),
            csv_files=("funding.csv", "fundings.csv"),
            csv_parents=(("service_id", "service"), ("organization_id", "organization")),
        ),
        HsdsObject(
            "service_area",
            (
                ID,
                _id("service", required=True),
                Field("name"),
                Field("description"),
                Field("extent"),
                Field("extent_type"),
                Field("uri"),
            ),
            csv_files=("service_areas.csv", "service_area.csv"),
            csv_parents=(("service_id", "service"),),
        ),
        HsdsObject(
            "required_document",
            (ID, _id("service", required=True), Field("document"), Field("uri")),
            csv_files=("required_documents.csv", "required_document.csv"),
            csv_parents=(("service_id", "service"),),
        ),
        HsdsObject(
            "language",
            (
                ID,
                _id("service"),
                _id("location"),
                _id("phone"),
                Field("name"),
                Field("code"),
                Field("note"),
            ),
            csv_files=("languages.csv", "language.csv"),
            csv_parents=(
                ("phone_id", "phone"),
                ("service_id", "service"),
                ("location_id", "location"),
            ),
        ),
        HsdsObject(
            "cost_option",
            (
                ID,
                _id("service", required=True),
                Field("valid_from"),
                Field("valid_to"),
                Field("option"),
                Field("currency"),
                Field("amount", "number"),
                Field("amount_description"),
            ),
            csv_files=("cost_options.csv", "cost_option.csv"),
            csv_parents=(("service_id", "service"),),
        ),
        HsdsObject(
            "attribute",
            (
                ID,
                Field("link_id", column=None),
                _id("taxonomy_term", required=True),
                Field("link_type"),
                Field("link_entity", column=None),
                Field("value"),
            ),
            children=(
                Child(
                    "taxonomy_term",
                    "taxonomy_term",
                    many=False,
                    owned=False,
                    column="taxonomy_term_id",
                    required=True,
                    reference=True,
                ),
            ),
            csv_files=("attributes.csv", "attribute.csv"),
        ),
        HsdsObject(
            "metadata",
            (
                ID,
                Field("resource_id"),
                Field("resource_type"),
                Field("last_action_date"),
                Field("last_action_type"),
                Field("field_name"),
                Field("previous_value"),
                Field("replacement_value"),
                Field("updated_by"),
            ),
            csv_files=("metadata.csv",),
        ),
    )
}

# Order of writing within a record: whatever a row points at is written before it.
WRITE_ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "organization_identifier",
    "program",
    "location",
    "accessibility",
    "service",
    "service_at_location",
    "contact",
    "phone",
    "address",
    "schedule",
    "language",
    "funding",
    "required_document",
    "cost_option",
    "service_area",
    "attribute",
)
METADATA = "metadata"


def scalar_keys(name: str) -> tuple[str, ...]:
    return OBJECTS[name].columns


def served_children(name: str) -> tuple[Child, ...]:
    return tuple(child for child in OBJECTS[name].children if child.served)


def output_keys(name: str) -> tuple[str, ...]:
    """Every key an answer may give this object, in order."""
    obj = OBJECTS[name]
    children = served_children(name)
    keys = [*obj.columns]
    keys += [child.key for child in children if not child.compiled_only]
    if obj.serves_metadata:
        keys.append(METADATA)
    keys += [child.key for child in children if child.compiled_only]
    return tuple(keys)


def order(name: str, fields: dict[str, object]) -> dict[str, object]:
    """``fields`` with its keys in the table's order (keys the table lacks last)."""
    keys = output_keys(name)
    ordered = {key: fields[key] for key in keys if key in fields}
    ordered.update((key, value) for key, value in fields.items() if key not in ordered)
    return ordered


def owned_parts(name: str) -> tuple[Child, ...]:
    """The children deleted with a record of this object (lists it owns)."""
    return tuple(child for child in OBJECTS[name].children if child.many and child.owned)


def withheld_at_confidential(name: str) -> frozenset[str]:
    """The keys of this object a confidential location withholds from the public."""
    if name == "location":
        return confidential.WITHHELD_LOCATION_FIELDS
    if name == "accessibility":
        return confidential.WITHHELD_ACCESSIBILITY_FIELDS
    return frozenset()
