"""``/cari``: problem and service-type pickers, a place (typed, or the device's
location), filters, and the nearest suitable services with distance, hours, phones, why
each matched and a small map. A plain GET form: it works without JavaScript."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from directory.extensions import db
from directory.finder.form import PER_PAGE, RADII_KM, FinderForm, read_form
from directory.geo import confidential as confidentiality
from directory.geo.hours import OpenState
from directory.geo.models import Region
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    Phone,
    Service,
    TaxonomyTerm,
)
from directory.map.folium_maps import MapPoint, small_map
from directory.public.helpers import term_name
from directory.public.queries import home_regency, regions_by_code
from directory.referrals.vocabulary import SEXES
from directory.search.operations import SearchRequest, search_directory
from directory.search.ranking import Criteria, Ranked
from directory.search.service import Answer, Beyond, Query, UnknownPlace, find_services
from directory.search.why import load_services, origin_regions, policy_reasons, whereabouts
from directory.search_cache import cached, current_minute

bp = Blueprint("finder", __name__)


def term_options(taxonomy_id: str) -> list[TaxonomyTerm]:
    return list(
        db.session.scalars(
            select(TaxonomyTerm)
            .where(TaxonomyTerm.taxonomy_id == taxonomy_id, TaxonomyTerm.active.is_(True))
            .order_by(TaxonomyTerm.name)
        )
    )


def _clock(moment: datetime) -> str:
    return moment.strftime("%H.%M")


def open_text(state: OpenState | None) -> tuple[str, str]:
    """A short line about the hours, and a class for it (open, closed, unknown)."""
    if state is None or not state.known:
        return _("Jam layanan tidak tercatat"), "unknown"
    if state.open_now and state.all_day:
        return _("Buka 24 jam"), "open"
    if state.open_now and state.closes_at is not None:
        return _(
            "Buka sekarang, sampai %(time)s %(zone)s", time=_clock(state.closes_at), zone=state.zone
        ), "open"
    if state.open_now:
        return _("Buka sekarang"), "open"
    if state.opens_at is not None:
        return _(
            "Tutup; buka %(day)s %(time)s %(zone)s",
            day=format_date(state.opens_at.date(), "EEEE"),
            time=_clock(state.opens_at),
            zone=state.zone,
        ), "closed"
    return _("Tutup"), "closed"


def reasons(
    item: Ranked, terms: list[TaxonomyTerm], origin_label: str | None, distance: str | None
) -> list[str]:
    """Why a result matched, in words."""
    found = []
    if item.matched_words:
        found.append(_("kata: %(words)s", words=", ".join(item.matched_words)))
    for term in terms:
        found.append(term_name(term))
    if item.place is not None and item.place.confidential and distance:
        found.append(distance)
    elif item.distance_km is not None and distance:
        found.append(
            _("%(distance)s dari %(place)s", distance=distance, place=origin_label)
            if origin_label
            else distance
        )
    if item.in_service_area and item.level is None:  # else the policy's line says it
        found.append(_("melayani wilayah asal"))
    elif item.in_service_area is False:
        found.append(_("di luar wilayah layanannya"))
    return found


def criteria_of(form: FinderForm, own_organization_id: str | None = None) -> Criteria:
    """The form's filters; several problems match any of them. A member of an
    organization's staff never sees their own organization: they cannot refer to it."""
    return Criteria(
        term_ids=(form.service_type,) if form.service_type else (),
        problem_term_ids=form.problems,
        exclude_organization_ids=(own_organization_id,) if own_organization_id else (),
        client_age=(form.client_age, form.client_age) if form.client_age is not None else None,
        client_sex=form.client_sex,
        statuses=("active",),
        free=True if form.free else None,
        accepting_referrals=True if form.accepting else None,
        open_now=form.open_now,
        radius_km=float(form.radius_km) if form.radius_km else None,
        include_out_of_area=form.include_out_of_area,
    )


def phones_of(service: Service) -> list[Phone]:
    """The service's own numbers, else those at its public locations, else its
    organization's: a safe house's own number is never shown
    (``directory.geo.confidential``)."""
    sites = service.service_at_locations
    if service.phones and not confidentiality.is_offered_only_at_confidential(
        site.location.confidential for site in sites
    ):
        return list(service.phones)
    found: list[Phone] = []
    for site in sites:
        if site.location.confidential:
            continue
        found.extend(site.phones or site.location.phones)
    return found or list(service.organization.phones)


def dead_end(beyond: Beyond, regencies: dict[str, Region]) -> dict[str, object]:
    """What a search that found nothing offers: the nearest matches beyond the range
    with their distance, and the problems and service types the words resemble."""
    services = load_services([item.id for item in beyond.nearest])
    regencies = regencies | regions_by_code(
        item.place.region_code
        for item in beyond.nearest
        if item.place is not None and item.place.confidential
    )
    nearest = [
        {"service": services[item.id], "distance": whereabouts(item, regencies)}
        for item in beyond.nearest
        if item.id in services
    ]
    resembling = [
        {
            "name": term.name,
            "field": "masalah" if term.taxonomy_id == TAXONOMY_PROBLEMS else "jenis",
            "id": term.id,
        }
        for term in beyond.resembling
    ]
    return {"nearest": nearest, "resembling": resembling}


def own_organization() -> str | None:
    """The signed-in staff member's organization, left out of their searches."""
    if not current_user.is_authenticated:
        return None
    return current_user.organization_id or None


def staff_place() -> str | None:
    """Where a signed-in member of an organization's staff starts a search: its
    regency/city."""
    if not current_user.is_authenticated:
        return None
    regency = home_regency(current_user.organization_id)
    return regency.name if regency is not None else None


def _served(chosen: list[TaxonomyTerm], item: Ranked) -> list[TaxonomyTerm]:
    """The chosen terms a result serves: of several problems, those it is tagged with."""
    if not item.problem_term_ids:
        return chosen
    return [
        term
        for term in chosen
        if term.taxonomy_id != TAXONOMY_PROBLEMS or term.id in item.problem_term_ids
    ]


def _not_degraded(answer: Answer) -> bool:
    return not answer.degraded


@bp.get("/cari")
def search() -> ResponseReturnValue:
    form = read_form(request.args)
    problems = term_options(TAXONOMY_PROBLEMS)
    service_types = term_options(TAXONOMY_SERVICE_TYPES)
    context: dict[str, object] = {
        "form": form,
        "problems": problems,
        "service_types": service_types,
        "radii": RADII_KM,
        "sexes": SEXES,
        "per_page": PER_PAGE,
        "results": None,
        "candidates": (),
        "place_chosen": None,
    }
    if not form.submitted or form.errors.get("lokasi"):
        if not form.submitted:
            form.place = staff_place() or ""
        return render_template("finder/search.html", **context)

    chosen = [
        term for term in problems + service_types if term.id in (*form.problems, form.service_type)
    ]
    excluded = own_organization()
    asked = SearchRequest(
        text=form.text or None,
        criteria=criteria_of(form, excluded),
        page=form.page,
        per_page=PER_PAGE,
        latitude=form.latitude,
        longitude=form.longitude,
        place=form.place or None,
        guess_place=True,
        # With a place: the counsellor's ranking (directory.search.policy).
        policy=True,
    )

    def find(query: Query) -> Answer:
        # The ranked page shows opening hours: shared between requests of the same minute.
        return cached(
            ("finder", query, current_minute()), lambda: find_services(query), _not_degraded
        )

    try:
        outcome = search_directory(asked, find=find)
    except UnknownPlace:
        form.errors["tempat"] = _("Tempat tidak dikenal. Coba nama kabupaten, kota atau kecamatan.")
        return render_template("finder/search.html", **context)
    origin, answer = outcome.origin, outcome.answer
    origin_label: str | None = None
    if outcome.place_chosen is not None:
        # The likeliest place answers; the others are offered.
        origin_label = outcome.place_chosen.label
        context["candidates"] = list(outcome.other_places[:8])
        context["place_chosen"] = outcome.place_chosen.label
    if origin is not None and origin_label is None:
        origin_label = form.place or _("lokasi Anda")
    services = load_services([item.id for item in answer.page.items])
    regencies = regions_by_code(
        item.place.region_code
        for item in answer.page.items
        if item.place is not None and item.place.confidential
    )
    results = []
    points = []
    regency, province = origin_regions(origin)
    problem_terms = {term.id: term for term in problems}
    if form.problems:
        problem_terms = {key: term for key, term in problem_terms.items() if key in form.problems}
    else:  # the problems the words were understood as
        understood_ids = {term.term_id for term in answer.understood}
        problem_terms = {key: t for key, t in problem_terms.items() if key in understood_ids}
    for item in answer.page.items:
        service = services.get(item.id)
        if service is None:
            continue
        hours, hours_class = open_text(item.open)
        distance = whereabouts(item, regencies)
        results.append(
            {
                "service": service,
                "item": item,
                "hours": hours,
                "hours_class": hours_class,
                "phones": phones_of(service),
                "why": reasons(item, _served(chosen, item), origin_label, distance)
                + policy_reasons(item, service, problem_terms, regency, province),
                "distance": distance,
            }
        )
        place = item.place
        if place is not None and not place.confidential and place.has_coordinates:
            points.append(MapPoint(place.latitude, place.longitude, service.name))  # type: ignore[arg-type]
    beyond = None
    if outcome.beyond is not None:
        beyond = dead_end(outcome.beyond, regencies)
    context.update(
        understood=[term.name for term in answer.understood],
        hidden_out_of_area=answer.page.hidden_out_of_area,
        own_excluded=excluded is not None,
        beyond=beyond,
        results=results,
        total=answer.page.total,
        degraded=answer.degraded,
        pages=-(-answer.page.total // PER_PAGE),
        origin=origin,
        map=small_map(
            points,
            center=(origin.latitude, origin.longitude) if origin else None,
            label=_("Peta hasil pencarian"),
        )
        if points
        else None,
    )
    return render_template("finder/search.html", **context)
