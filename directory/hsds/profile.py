"""The directory's HSDS 3.0 profile: the fields it adds to the standard's objects, as JSON
schemas that extend the standard's own (pure: no Flask, no files read).

Each extended object is one entry of :data:`EXTENSIONS`: its added fields, each with a
JSON schema and a description in Indonesian and English, and which of them every record
carries. The served schema of an object is the standard's schema of that object (by its
canonical URL, the one the standard's OpenAPI uses) *and* an overlay that types our
fields, on the object itself and wherever it nests inside another: the overlay walks
:data:`CHILDREN`, the standard's nesting one level at a time (a location inside a
service at a location inside a service inside an organization), so adding an object to
:data:`EXTENSIONS` extends it everywhere it appears. ``tests/test_hsds_profile.py``
checks :data:`CHILDREN` against the vendored compiled schemas.

What the profile adds is also what a client may rely on: the extension keys are present
in every record (``null`` when unknown), as :mod:`directory.hsds.serialize` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HSDS_SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
PROFILE_NAME = "Jejaring Rujukan (Indonesia)"
PROFILE_VERSION = "1.0"

# Kemendagri region codes: "36", "36.04", "36.04.01", "36.04.01.2001".
REGION_CODE_PATTERN = r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"
KEMENDAGRI_URN_PATTERN = r"^urn:kemendagri:\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"


@dataclass(frozen=True)
class ExtensionField:
    """One added field: its JSON schema and what it means (Indonesian, English)."""

    schema: dict[str, Any]
    description_id: str
    description_en: str
    # Present in every record of the object (``null`` allowed where the schema says so).
    always: bool = True


@dataclass(frozen=True)
class Extension:
    """The fields one object adds to the standard's, and notes on its standard fields."""

    fields: dict[str, ExtensionField]
    # Conventions on standard fields (no new key): (field, Indonesian, English).
    conventions: tuple[tuple[str, str, str], ...] = ()
    # The standard's schema of this object, relative to ``HSDS_SCHEMAS``.
    base: str | None = None


def nullable(type_name: str, **more: Any) -> dict[str, Any]:
    return {"type": [type_name, "null"], **more}


# The objects this profile extends: one entry each.
EXTENSIONS: dict[str, Extension] = {
    "service": Extension(
        base="compiled/service.json",
        fields={
            "accepting_referrals": ExtensionField(
                nullable("boolean"),
                "Apakah layanan menerima rujukan saat ini (null: tidak diketahui).",
                "Whether the service accepts referrals now (null: unknown).",
            ),
            "capacity_note": ExtensionField(
                nullable("string"),
                "Catatan kapasitas (misalnya daftar tunggu); kosong untuk layanan di "
                "lokasi rahasia.",
                "A note on capacity (a waiting list, for instance); null for a service "
                "offered at a confidential location.",
            ),
            "distance_km": ExtensionField(
                {"type": "number", "minimum": 0},
                "Hanya pada hasil pencarian dengan titik asal: jarak geodesik ke lokasi "
                "terdekat, dalam km (untuk rumah aman: ke titik acuan kabupaten/kotanya).",
                "Only in search results with an origin: the geodesic distance to the "
                "nearest location, in km (for a safe house: to its regency's reference "
                "point).",
                always=False,
            ),
            "ranking": ExtensionField(
                {"type": "object"},
                "Hanya pada hasil pencarian dengan sort=policy (halaman dan format=ndjson): "
                "mengapa layanan berada di urutannya, {designation, jurisdiction, "
                "problem_term_ids}.",
                "Only in search results with sort=policy (pages and format=ndjson): why the "
                "service ranks where it does, {designation, jurisdiction, problem_term_ids}.",
                always=False,
            ),
        },
        conventions=(
            (
                "service_areas[].uri",
                "Kode wilayah Kemendagri sebagai URN: urn:kemendagri:36.04.",
                "The Kemendagri region code as a URN: urn:kemendagri:36.04.",
            ),
            (
                "minimal",
                "Dengan minimal=true setiap layanan hanya membawa id, last_modified, name "
                "dan status (dua terakhir diwajibkan skema service_list standar).",
                "With minimal=true each service carries only id, last_modified, name and "
                "status (the last two required by the standard's service_list schema).",
            ),
        ),
    ),
    "location": Extension(
        base="location.json",
        fields={
            "region_code": ExtensionField(
                nullable("string", pattern=REGION_CODE_PATTERN),
                "Kode wilayah Kemendagri (provinsi 36, kabupaten/kota 36.04, kecamatan "
                "36.04.01, desa/kelurahan 36.04.01.2001); untuk lokasi rahasia hanya "
                "sampai kabupaten/kota.",
                "Kemendagri region code (province 36, regency/city 36.04, district "
                "36.04.01, village 36.04.01.2001); for a confidential location, no finer "
                "than its regency/city.",
            ),
            "confidential": ExtensionField(
                {"type": "boolean"},
                "Lokasi rahasia (rumah aman): tanpa koordinat, alamat, telepon, nama atau "
                "keterangan.",
                "A confidential location (a safe house): no coordinates, address, phones, "
                "name or description.",
            ),
        },
    ),
    "taxonomy": Extension(
        base="taxonomy.json",
        fields={
            "name_en": ExtensionField(
                nullable("string"), "Nama dalam bahasa Inggris.", "The name in English."
            ),
        },
    ),
    "taxonomy_term": Extension(
        base="taxonomy_term.json",
        fields={
            "name_en": ExtensionField(
                nullable("string"), "Nama dalam bahasa Inggris.", "The name in English."
            ),
        },
    ),
    "organization": Extension(
        base="compiled/organization.json",
        fields={},
        conventions=(
            (
                "metadata[]",
                "Verifikasi data lembaga: last_action_type verify, field_name verified_at, "
                "waktunya di replacement_value.",
                "Verifications of the listing: last_action_type verify, field_name "
                "verified_at, the instant in replacement_value.",
            ),
        ),
    ),
}

# The standard's page wrapper (its OpenAPI's ``Page``) and what our searches add to it.
PAGE_FIELDS: dict[str, ExtensionField] = {
    "contents": ExtensionField({"type": "array"}, "Isi halaman.", "The page's items."),
    "understood": ExtensionField(
        {"type": "array", "items": {"type": "object"}},
        "Pencarian dengan search: istilah taksonomi yang dibaca dari kata-katanya, "
        "masing-masing {term_id, name}.",
        "Searches with search: the taxonomy terms the words were read as, each {term_id, name}.",
        always=False,
    ),
    "hidden_out_of_area": ExtensionField(
        {"type": "integer", "minimum": 0},
        "Pencarian dengan titik asal: layanan yang tidak ditampilkan karena wilayah "
        "layanannya tidak mencakup titik asal.",
        "Searches with an origin: services left out because their service area does not "
        "hold the origin.",
        always=False,
    ),
    "nearest_beyond": ExtensionField(
        {"type": "array", "items": {"type": "object"}},
        "Bila tidak ada hasil: kecocokan terdekat di luar radius, {id, name, distance_km}.",
        "When nothing was found: the nearest matches beyond the radius, {id, name, distance_km}.",
        always=False,
    ),
    "resembling_terms": ExtensionField(
        {"type": "array", "items": {"type": "object"}},
        "Bila tidak ada hasil: masalah dan jenis layanan yang mirip dengan kata-katanya.",
        "When nothing was found: problems and service types the words resemble.",
        always=False,
    ),
    "hotlines": ExtensionField(
        {"type": "array", "items": {"type": "object"}},
        "Bila tidak ada hasil: SAPA 129 dan 112, {name, number}.",
        "When nothing was found: SAPA 129 and 112, {name, number}.",
        always=False,
    ),
    "degraded": ExtensionField(
        {"type": "boolean"},
        "Jawaban dari basis data karena indeks pencarian sedang tidak dapat dipakai.",
        "Answered from the database because the search index was unusable.",
        always=False,
    ),
}

# Parameters of the standard this directory cannot honour, and why (shown on the page).
UNSUPPORTED_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    (
        "postcode, proximity",
        "Tidak didukung (jawaban 400 yang menyebut parameternya): tidak ada data kode pos "
        "Indonesia per desa/kelurahan dengan lisensi yang jelas. Gunakan region (kode "
        "Kemendagri), atau latitude/longitude atau near dengan radius_km di /services.",
        "Not supported (a 400 naming the parameter): there is no Indonesian postcode data "
        "per village with a clear licence. Use region (a Kemendagri code), or "
        "latitude/longitude or near with radius_km on /services.",
    ),
)

COMMON_CHILDREN = {"attributes": ("attribute", True), "metadata": ("metadata", True)}

# The standard's nesting, one level: object -> {property: (object, is_array)}.
CHILDREN: dict[str, dict[str, tuple[str, bool]]] = {
    "accessibility": {**COMMON_CHILDREN},
    "address": {**COMMON_CHILDREN},
    "attribute": {"taxonomy_term": ("taxonomy_term", False), "metadata": ("metadata", True)},
    "contact": {"phones": ("phone", True), **COMMON_CHILDREN},
    "cost_option": {**COMMON_CHILDREN},
    "funding": {**COMMON_CHILDREN},
    "language": {**COMMON_CHILDREN},
    "location": {
        "languages": ("language", True),
        "addresses": ("address", True),
        "contacts": ("contact", True),
        "accessibility": ("accessibility", True),
        "phones": ("phone", True),
        "schedules": ("schedule", True),
        **COMMON_CHILDREN,
    },
    "organization": {
        "funding": ("funding", True),
        "contacts": ("contact", True),
        "phones": ("phone", True),
        "locations": ("location", True),
        "programs": ("program", True),
        "organization_identifiers": ("organization_identifier", True),
        **COMMON_CHILDREN,
        "services": ("service", True),
    },
    "organization_identifier": {**COMMON_CHILDREN},
    "phone": {"languages": ("language", True), **COMMON_CHILDREN},
    "program": {**COMMON_CHILDREN},
    "required_document": {**COMMON_CHILDREN},
    "schedule": {**COMMON_CHILDREN},
    "service": {
        "phones": ("phone", True),
        "schedules": ("schedule", True),
        "service_areas": ("service_area", True),
        "service_at_locations": ("service_at_location", True),
        "languages": ("language", True),
        "organization": ("organization", False),
        "funding": ("funding", True),
        "cost_options": ("cost_option", True),
        "program": ("program", False),
        "required_documents": ("required_document", True),
        "contacts": ("contact", True),
        **COMMON_CHILDREN,
    },
    "service_area": {**COMMON_CHILDREN},
    "service_at_location": {
        "contacts": ("contact", True),
        "phones": ("phone", True),
        "schedules": ("schedule", True),
        "location": ("location", False),
        **COMMON_CHILDREN,
        "service": ("service", False),
    },
    "taxonomy": {"metadata": ("metadata", True)},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", False), "metadata": ("metadata", True)},
    "metadata": {},
}

# The documents served besides each extended object: the standard's list shapes.
LIST_SHAPES: dict[str, tuple[str | None, str]] = {
    # served name: (object whose fields it carries, the standard's schema)
    "service_list": ("service", "compiled/service_list.json"),
    # ``minimal=true``: the standard's fields only (id, last_modified, name, status).
    "service_minimal": (None, "compiled/service_list.json"),
    "organization_list": ("organization", "compiled/organization_list.json"),
    "service_at_location": ("service_at_location", "compiled/service_at_location.json"),
    "service_at_location_list": ("service_at_location", "compiled/service_at_location_list.json"),
}


def reaches_extension(name: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether an extended object can nest inside ``name`` (or is ``name``)."""
    if name in EXTENSIONS and EXTENSIONS[name].fields:
        return True
    if name in seen:
        return False
    return any(
        reaches_extension(child, seen | {name}) for child, _many in CHILDREN.get(name, {}).values()
    )


def overlay(name: str) -> dict[str, Any]:
    """The schema our fields add to ``name`` and to what nests in it (``$defs`` entry)."""
    properties: dict[str, Any] = {}
    for key, (child, many) in CHILDREN.get(name, {}).items():
        if not reaches_extension(child):
            continue
        target = {"$ref": f"#/$defs/{child}"}
        properties[key] = {"items": target} if many else target
    required: list[str] = []
    extension = EXTENSIONS.get(name)
    if extension is not None:
        for key, spec in extension.fields.items():
            properties[key] = {**spec.schema, "description": spec.description_en}
            if spec.always:
                required.append(key)
    schema: dict[str, Any] = {"properties": properties}
    if required:
        schema["required"] = required
    return schema


def definitions() -> dict[str, dict[str, Any]]:
    """Every object's overlay that our fields reach."""
    return {name: overlay(name) for name in CHILDREN if reaches_extension(name)}


def served_names() -> list[str]:
    """The names of the schemas served: each extended object, the list shapes, the page."""
    return sorted({*EXTENSIONS, *LIST_SHAPES, "page"})


def object_schema(name: str, schema_id: str) -> dict[str, Any] | None:
    """The served schema ``name``: the standard's schema and our overlay, or ``None``."""
    if name == "page":
        return page_schema(schema_id)
    target: str | None
    if name in LIST_SHAPES:
        target, base = LIST_SHAPES[name]
    elif name in EXTENSIONS:
        target = name
        base = EXTENSIONS[name].base or f"{name}.json"
    else:
        return None
    title = name.replace("_", " ").capitalize()
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": schema_id,
        "title": f"{title} ({PROFILE_NAME} profile of HSDS 3.0)",
        "description": f"The HSDS 3.0 {name} ({HSDS_SCHEMAS}/{base}) with the fields of "
        f"the {PROFILE_NAME} profile.",
        "allOf": [
            {"$ref": f"{HSDS_SCHEMAS}/{base}"},
            *([{"$ref": f"#/$defs/{target}"}] if target else []),
        ],
        "$defs": definitions(),
    }


def page_schema(schema_id: str) -> dict[str, Any]:
    """A list answer: the standard's page wrapper (its OpenAPI's ``Page``) and our keys."""
    integer = {"type": "integer", "minimum": 0}
    properties: dict[str, Any] = {
        "total_items": integer,
        "total_pages": integer,
        "page_number": {"type": "integer", "minimum": 1},
        "size": integer,
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
    }
    for key, spec in PAGE_FIELDS.items():
        properties[key] = {**spec.schema, "description": spec.description_en}
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": schema_id,
        "title": f"Page ({PROFILE_NAME} profile of HSDS 3.0)",
        "type": "object",
        "required": sorted([*(properties.keys() - PAGE_FIELDS.keys()), "contents"]),
        "properties": properties,
    }
