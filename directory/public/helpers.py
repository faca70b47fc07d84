"""Template filters and globals, registered app-wide so that every blueprint's templates
(and the error pages) can use them, and the per-request choice of language."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from flask import g, request, url_for
from flask_babel import get_locale, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from directory.geo.timezones import zone_name
from directory.institutions.models import TaxonomyTerm
from directory.public import formatting
from directory.public.blueprint import bp


def display_locale() -> str:
    """The interface language as a two-letter code (``id`` or ``en``)."""
    locale = get_locale()
    return locale.language if locale else "id"


@bp.app_template_global()
def term_name(term: TaxonomyTerm) -> str:
    """A taxonomy term's name in the interface language (Indonesian when no English)."""
    if display_locale() == "en" and term.name_en:
        return term.name_en
    return term.name


def viewer_zone() -> str:
    """The zone whose clock a page shows: that of the signed-in person's organization
    (its first located place), else WIB."""
    if "viewer_zone" not in g:
        zone = "WIB"
        organization = getattr(current_user, "organization", None)
        if organization is not None:
            for location in organization.locations:
                if location.region_code:
                    zone = zone_name(location.region_code)
                    break
        g.viewer_zone = zone
    return str(g.viewer_zone)


@bp.app_template_filter("local_datetime")
def local_datetime(moment: datetime, pattern: str = "d MMM y, HH.mm") -> str:
    """``5 Des 2026, 14.05 WIB``: on the viewer's clock, with its zone's name."""
    return formatting.format_zoned(moment, viewer_zone(), display_locale(), pattern)


@bp.app_template_filter("idr")
def idr(amount: Decimal | float | int) -> str:
    return formatting.format_idr(amount)


@bp.app_template_filter("tel_href")
def tel_href(number: str, extension: str | None = None) -> str:
    return formatting.tel_href(number, extension)


@bp.app_template_global()
def language_name(code: str | None, fallback: str | None = None) -> str:
    return formatting.language_name(code, fallback, display_locale())


SERVICE_STATUS_LABELS = {
    "active": _l("Aktif"),
    "inactive": _l("Tidak aktif"),
    "defunct": _l("Tidak beroperasi lagi"),
    "temporarily closed": _l("Tutup sementara"),
}


@bp.app_template_global()
def service_status_label(status: str) -> str:
    label = SERVICE_STATUS_LABELS.get(status)
    return str(label) if label is not None else status


@bp.app_template_global()
def switch_language_url(code: str) -> str:
    """The language switch: remember ``code`` and come back to this page, dropping any
    ``?lang=`` that would otherwise override the new choice."""
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    here = request.path + (f"?{urlencode(query)}" if query else "")
    return url_for("i18n.set_language", lang=code, next=here)


@bp.app_template_filter("web_url")
def web_url(value: str | None) -> str | None:
    """The address if it is an http(s) URL, else ``None``: imported data must not be able
    to put a ``javascript:`` link on a page."""
    if value and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()
    return None


@bp.before_app_request
def choose_locale_per_request() -> None:
    """Flask-Babel caches the locale on ``g``, which lives as long as the application
    context; requests that share one (the test client inside an app context, pages
    rendered from CLI code) would otherwise keep the first request's language."""
    refresh()
