"""The address of a partner link, its WhatsApp share and its QR code."""

from __future__ import annotations

from urllib.parse import quote

import segno
from flask import current_app, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from directory.referrals.models import Referral
from directory.security import is_production

WHATSAPP_SHARE = "https://wa.me/?text="


def link_url(raw: str) -> str:
    """The link's full address: on the public address in production (``PUBLIC_URL``),
    elsewhere on the one this request came to."""
    path = url_for("partner_links.page", token=raw)
    if is_production(current_app.config):
        return str(current_app.config["PUBLIC_URL"]).rstrip("/") + path
    return request.host_url.rstrip("/") + path


def share_message(referral: Referral, url: str) -> str:
    """The prepared message: the two organizations and the link, nothing of the client."""
    return _(
        "Yth. %(receiver)s, %(sender)s mengirim rujukan kepada lembaga Anda melalui "
        "Jejaring Rujukan. Buka tautan ini untuk melihat permintaannya dan menjawab "
        "(berlaku 7 hari): %(url)s",
        receiver=referral.receiving_organization.name,
        sender=referral.sending_organization.name,
        url=url,
    )


def whatsapp_url(referral: Referral, url: str) -> str:
    return WHATSAPP_SHARE + quote(share_message(referral, url), safe="")


def qr_svg(url: str) -> Markup:
    """The link as a QR code, inline SVG (segno, pure Python)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=4, title=_("Kode QR tautan rujukan")))  # noqa: S704
