"""Short texts for the pages, shared by features that show the same thing: a distance (the
search page, the referral's nearby alternatives). In the reader's language (Flask-Babel)."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _


def distance_text(distance: float) -> str:
    """``850 m`` below a kilometre, else ``12,5 km`` (rounded to 10 m, or 100 m)."""
    if distance < 1:
        return _("%(m)s m", m=format_decimal(round(distance * 1000, -1)))
    return _("%(km)s km", km=format_decimal(round(distance, 1)))
