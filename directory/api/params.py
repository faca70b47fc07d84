"""Query parameters of the directory API: parsed and checked here, away from the views.

Each ``parse_*`` function takes the request's ``MultiDict`` and returns a frozen
dataclass, or raises :class:`ApiError` (400) naming every bad parameter in ``fields``.
The directory's endpoints (HSDS) refuse a parameter they do not read: a 400 naming it
and listing the accepted ones (:meth:`QueryReader.refuse_unknown`), so a misspelt filter is
never silently a list of everything. An empty value counts as absent (an HTML form sends
empty fields). Nothing here reads Flask's request or the database.

To add a parameter: give the dataclass a field, read it in the ``parse_*`` function with
one of the :class:`~directory.querystring.QueryReader` methods (what a parser reads is
what it accepts), and describe it in ``directory/api/openapi.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.errors import ApiError
from directory.institutions.models import SERVICE_STATUSES
from directory.querystring import (  # MAX_PAGE: the API's page limit, read by its tests
    DEFAULT_PER_PAGE,
    MAX_PAGE,  # noqa: F401
    MAX_PER_PAGE,
    Paging,
    QueryReader,
    parse_uuid,
    read_paging,
)
from directory.search.eligibility import CLIENT_SEXES


@dataclass(frozen=True)
class ServiceFilters:
    """What narrows a list of services. ``statuses`` empty means every status."""

    taxonomy_term_ids: tuple[str, ...] = ()
    organization_id: str | None = None
    region: str | None = None
    modified_after: datetime | None = None
    statuses: tuple[str, ...] = ()
    accepting_referrals: bool | None = None
    free: bool | None = None
    language: str | None = None
    # HSDS: services with any term of this taxonomy.
    taxonomy_id: str | None = None

    @property
    def narrows(self) -> bool:
        """Whether a filter is given that makes the default status ``active``.

        ``modified_after`` does not count: a harvester syncing changes must also learn
        that a service became inactive or defunct.
        """
        return bool(
            self.taxonomy_term_ids
            or self.taxonomy_id
            or self.organization_id
            or self.region
            or self.accepting_referrals is not None
            or self.free is not None
            or self.language
        )


@dataclass(frozen=True)
class ServiceSearch:
    """Text and distance search on ``/services`` (see ``directory.search``).

    ``near`` is a place name, resolved by the gazetteer in the view.
    """

    text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    near: str | None = None
    radius_km: float | None = None
    open_now: bool = False
    include_out_of_area: bool = False
    sort: str | None = None
    # The ranking policy's inputs: problems (any of them), the client's age and sex, and
    # organizations to leave out (the caller's own).
    problem_term_ids: tuple[str, ...] = ()
    client_age: int | None = None
    exclude_organization_ids: tuple[str, ...] = ()
    client_sex: str | None = None

    @property
    def has_origin(self) -> bool:
        return self.latitude is not None or self.near is not None

    @property
    def active(self) -> bool:
        return (
            self.text is not None
            or self.has_origin
            or self.open_now
            or bool(self.problem_term_ids)
            or self.client_age is not None
            or self.client_sex is not None
            or bool(self.exclude_organization_ids)
        )


@dataclass(frozen=True)
class ServiceListParams:
    paging: Paging
    full: bool
    filters: ServiceFilters
    search: ServiceSearch = ServiceSearch()
    # HSDS ``format``: ``ndjson`` streams every result, one per line, without paging.
    format: str = "json"
    # HSDS ``minimal``: each service as its id, last modification, name and status.
    minimal: bool = False

    @property
    def streamed(self) -> bool:
        return self.format == "ndjson"


# ``minimal=true`` aims at every service in one call (HSDS): its pages are this large.
MINIMAL_PER_PAGE = 10_000


def parse_service_list(
    args: MultiDict[str, str],
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
) -> ServiceListParams:
    """``GET /services``. Without ``status``: every status, or only ``active`` when a
    filter is given (:attr:`ServiceFilters.narrows`)."""
    reader = QueryReader(args)
    minimal = reader.boolean("minimal") or False
    if minimal:
        default_per_page = max_per_page = MINIMAL_PER_PAGE
    paging = read_paging(reader, default_per_page=default_per_page, max_per_page=max_per_page)
    full = reader.boolean("full") or False
    if minimal and full:
        reader.errors["minimal"] = _("Tidak dapat digabung dengan full=true.")
    output_format = reader.format()
    filters = ServiceFilters(
        taxonomy_term_ids=reader.identifiers("taxonomy_term_id"),
        organization_id=reader.identifier("organization_id"),
        region=reader.region("region"),
        modified_after=reader.timestamp("modified_after"),
        statuses=reader.choices("status", SERVICE_STATUSES),
        accepting_referrals=reader.boolean("accepting_referrals"),
        free=reader.boolean("free"),
        language=reader.language("language"),
        taxonomy_id=reader.identifier("taxonomy_id"),
    )
    search = read_service_search(reader)
    reader.raise_if_invalid(refuse_unknown=True)
    if not filters.statuses and (filters.narrows or search.has_origin or search.open_now):
        filters = replace(filters, statuses=("active",))
    return ServiceListParams(
        paging=paging,
        full=full,
        filters=filters,
        search=search,
        format=output_format,
        minimal=minimal,
    )


MAX_SEARCH_LENGTH = 200
MAX_PLACE_LENGTH = 100
MAX_RADIUS_KM = 5000.0
SORTS = ("distance", "relevance", "policy")
MAX_CLIENT_AGE = 120
MAX_PROBLEMS = 20


def parse_number(raw: str) -> float:
    """A finite decimal number (``-6.12``); ``nan``, ``inf`` and ``1e400`` are refused."""
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
        raise ValueError(_("Harus angka desimal, misalnya -6.12."))
    return float(raw)


def read_service_search(reader: QueryReader) -> ServiceSearch:
    """``search``, ``latitude``+``longitude`` or ``near``, ``radius_km``, ``open_now``,
    ``include_out_of_area``, ``sort``: each checked, every problem named."""
    errors = reader.errors
    text = reader.text("search", maximum=MAX_SEARCH_LENGTH)
    latitude = reader._convert("latitude", parse_number)
    longitude = reader._convert("longitude", parse_number)
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = _("Harus antara -90 dan 90.")
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = _("Harus antara -180 dan 180.")
    given_latitude = reader.value("latitude") is not None or "latitude" in errors
    given_longitude = reader.value("longitude") is not None or "longitude" in errors
    if given_latitude and not given_longitude:
        errors["longitude"] = _("Wajib bila latitude diberikan.")
    if given_longitude and not given_latitude:
        errors["latitude"] = _("Wajib bila longitude diberikan.")
    near = reader.value("near")
    if near is not None and len(near) > MAX_PLACE_LENGTH:
        errors["near"] = _(
            "Terlalu panjang: paling banyak %(count)d karakter.", count=MAX_PLACE_LENGTH
        )
    elif near is not None and (given_latitude or given_longitude):
        errors["near"] = _("Berikan near atau latitude dan longitude, tidak keduanya.")
    radius = reader._convert("radius_km", parse_number)
    if radius is not None and not 0 < radius <= MAX_RADIUS_KM:
        errors["radius_km"] = _(
            "Harus lebih dari 0 dan paling banyak %(maximum)d.", maximum=int(MAX_RADIUS_KM)
        )
    has_origin = given_latitude or given_longitude or near is not None
    if reader.value("radius_km") is not None and not has_origin:
        errors.setdefault("radius_km", _("Butuh titik asal: latitude dan longitude, atau near."))
    sort = reader.value("sort")
    if sort is not None and sort not in SORTS:
        errors["sort"] = _("Pilihan: %(allowed)s.", allowed=", ".join(SORTS))
    elif sort == "distance" and not has_origin:
        errors["sort"] = _("Butuh titik asal: latitude dan longitude, atau near.")
    elif sort == "relevance" and text is None:
        errors["sort"] = _("Butuh kata pencarian (search).")
    elif sort == "policy" and not has_origin:
        errors["sort"] = _("Butuh titik asal: latitude dan longitude, atau near.")
    problems = reader.identifiers("problem_term_id")
    if len(problems) > MAX_PROBLEMS:
        errors["problem_term_id"] = _(
            "Paling banyak %(count)d masalah sekaligus.", count=MAX_PROBLEMS
        )
        problems = ()
    client_age = None
    if reader.value("client_age") is not None:
        client_age = reader.integer("client_age", default=0, minimum=0, maximum=MAX_CLIENT_AGE)
    excluded = reader.identifiers("exclude_organization_id")
    client_sex = reader.choice("client_sex", CLIENT_SEXES)
    return ServiceSearch(
        text=text,
        latitude=latitude,
        longitude=longitude,
        near=near,
        radius_km=radius,
        open_now=reader.boolean("open_now") or False,
        include_out_of_area=reader.boolean("include_out_of_area") or False,
        sort=sort,
        problem_term_ids=problems,
        client_age=client_age if "client_age" not in errors else None,
        exclude_organization_ids=excluded,
        client_sex=client_sex,
    )


@dataclass(frozen=True)
class PlainListParams:
    """Lists with paging and ``full`` only (organizations, taxonomies)."""

    paging: Paging
    full: bool


def parse_plain_list(
    args: MultiDict[str, str],
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
) -> PlainListParams:
    reader = QueryReader(args)
    paging = read_paging(reader, default_per_page=default_per_page, max_per_page=max_per_page)
    full = reader.boolean("full") or False
    reader.raise_if_invalid()
    return PlainListParams(paging=paging, full=full)


@dataclass(frozen=True)
class OrganizationListParams:
    """``GET /organizations``: ``full`` nests each organization whole; ``full_service``
    nests its services whole too (alone, it implies ``full``)."""

    paging: Paging
    full: bool
    full_service: bool = False
    search: str | None = None
    format: str = "json"

    @property
    def streamed(self) -> bool:
        return self.format == "ndjson"


def parse_organization_list(
    args: MultiDict[str, str],
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
) -> OrganizationListParams:
    """``GET /organizations``. ``full=true`` alone keeps its services nested whole, as it
    always did; ``full_service=false`` nests them as summaries."""
    reader = QueryReader(args)
    paging = read_paging(reader, default_per_page=default_per_page, max_per_page=max_per_page)
    full = reader.boolean("full")
    full_service = reader.boolean("full_service")
    search = reader.text("search", maximum=MAX_SEARCH_LENGTH)
    output_format = reader.format()
    reader.raise_if_invalid(refuse_unknown=True)
    return OrganizationListParams(
        paging=paging,
        full=bool(full or full_service),
        full_service=full_service if full_service is not None else bool(full),
        search=search,
        format=output_format,
    )


@dataclass(frozen=True)
class TaxonomyListParams:
    paging: Paging
    search: str | None = None
    format: str = "json"

    @property
    def streamed(self) -> bool:
        return self.format == "ndjson"


def parse_taxonomy_list(
    args: MultiDict[str, str],
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
) -> TaxonomyListParams:
    """``GET /taxonomies``: ``search``, paging, ``format``."""
    reader = QueryReader(args)
    paging = read_paging(reader, default_per_page=default_per_page, max_per_page=max_per_page)
    search = reader.text("search", maximum=MAX_SEARCH_LENGTH)
    output_format = reader.format()
    reader.raise_if_invalid(refuse_unknown=True)
    return TaxonomyListParams(paging=paging, search=search, format=output_format)


@dataclass(frozen=True)
class ItemParams:
    """A single record: ``full_service`` on ``/organizations/{id}`` (default true: its
    services nested whole, as the endpoint always answered)."""

    full_service: bool = True


def parse_item(args: MultiDict[str, str], *, full_service: bool = False) -> ItemParams:
    """``GET /<records>/{id}``: nothing but, for organizations, ``full_service``."""
    reader = QueryReader(args)
    nested = reader.boolean("full_service") if full_service else None
    reader.raise_if_invalid(refuse_unknown=True)
    return ItemParams(full_service=True if nested is None else nested)


@dataclass(frozen=True)
class TaxonomyTermFilters:
    taxonomy_id: str | None = None
    parent_id: str | None = None
    top_only: bool = False
    search: str | None = None


@dataclass(frozen=True)
class TaxonomyTermListParams:
    paging: Paging
    filters: TaxonomyTermFilters
    format: str = "json"

    @property
    def streamed(self) -> bool:
        return self.format == "ndjson"


def parse_taxonomy_term_list(
    args: MultiDict[str, str],
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
) -> TaxonomyTermListParams:
    """``GET /taxonomy_terms``: ``taxonomy_id``, ``parent_id``, ``top_only`` (no parent),
    ``search``, ``format``."""
    reader = QueryReader(args)
    paging = read_paging(reader, default_per_page=default_per_page, max_per_page=max_per_page)
    filters = TaxonomyTermFilters(
        taxonomy_id=reader.identifier("taxonomy_id"),
        parent_id=reader.identifier("parent_id"),
        top_only=reader.boolean("top_only") or False,
        search=reader.text("search", maximum=MAX_SEARCH_LENGTH),
    )
    output_format = reader.format()
    reader.raise_if_invalid(refuse_unknown=True)
    return TaxonomyTermListParams(paging=paging, filters=filters, format=output_format)


@dataclass(frozen=True)
class ServiceAtLocationFilters:
    taxonomy_term_ids: tuple[str, ...] = ()
    organization_id: str | None = None
    region: str | None = None
    taxonomy_id: str | None = None
    # The service at a location, its service or its location changed on or after this.
    modified_after: datetime | None = None
    search: str | None = None


@dataclass(frozen=True)
class ServiceAtLocationListParams:
    paging: Paging
    full: bool
    filters: ServiceAtLocationFilters
    format: str = "json"

    @property
    def streamed(self) -> bool:
        return self.format == "ndjson"


# HSDS ``postcode``/``proximity`` need postcode areas and centroids; no Indonesian
# postcode data with a clear licence is at hand (see the profile's documentation).
POSTCODE_PARAMETERS = ("postcode", "proximity")


def parse_service_at_location_list(
    args: MultiDict[str, str],
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
) -> ServiceAtLocationListParams:
    """``GET /service_at_locations``: ``taxonomy_term_id``, ``taxonomy_id``,
    ``organization_id``, ``region``, ``modified_after``, ``search``, ``format``;
    ``postcode`` and ``proximity`` are refused as unsupported."""
    reader = QueryReader(args)
    paging = read_paging(reader, default_per_page=default_per_page, max_per_page=max_per_page)
    full = reader.boolean("full") or False
    filters = ServiceAtLocationFilters(
        taxonomy_term_ids=reader.identifiers("taxonomy_term_id"),
        organization_id=reader.identifier("organization_id"),
        region=reader.region("region"),
        taxonomy_id=reader.identifier("taxonomy_id"),
        modified_after=reader.timestamp("modified_after"),
        search=reader.text("search", maximum=MAX_SEARCH_LENGTH),
    )
    output_format = reader.format()
    for name in POSTCODE_PARAMETERS:
        reader.unsupported(
            name,
            _(
                "Tidak didukung: direktori ini tidak memiliki data kode pos Indonesia. "
                "Gunakan latitude/longitude atau near dengan radius_km di /services, "
                "atau region."
            ),
        )
    reader.raise_if_invalid(refuse_unknown=True)
    return ServiceAtLocationListParams(
        paging=paging, full=full, filters=filters, format=output_format
    )


def parse_id(raw: str, name: str = "id") -> str:
    """A path id: 400 with ``fields[name]`` unless it is a UUID."""
    try:
        return parse_uuid(raw)
    except ValueError as error:
        raise ApiError(
            _("Parameter tidak valid."), code="invalid_parameter", fields={name: str(error)}
        ) from None
