"""Short texts for the pages, shared by features that show the same thing: a distance (the
search page, the referral's nearby alternatives), a taxonomy term's name (the search page,
the referral form). In the reader's language (Flask-Babel)."""

from __future__ import annotations

from typing import Protocol

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _


class Named(Protocol):
    name: str
    name_en: str | None


def distance_text(distance: float) -> str:
    """``850 m`` below a kilometre, else ``12,5 km`` (rounded to 10 m, or 100 m)."""
    if distance < 1:
        return _("%(m)s m", m=format_decimal(round(distance * 1000, -1)))
    return _("%(km)s km", km=format_decimal(round(distance, 1)))


def term_label(term: Named) -> str:
    """A taxonomy term's name in the reader's language (Indonesian when no English)."""
    locale = get_locale()
    if locale is not None and locale.language == "en" and term.name_en:
        return term.name_en
    return term.name
